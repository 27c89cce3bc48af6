/*
 * silent_log.c - the sensitive instructions that ran in user mode without
 * trapping, by place (machine.h, "The silent log"): the record system.c
 * makes, and the one text and the one JSON of it that the bare machine's
 * statistics and the VMM's both print.
 */
#include <inttypes.h>

#include "machine_impl.h"

/* Places sort by pc, then by opcode. */
static bool before(uint32_t pc, enum op op, const struct silent_place *p)
{
    return pc < p->pc || (pc == p->pc && op < p->op);
}

void silent_log_record(struct silent_log *log, uint32_t pc, enum op op)
{
    log->total++;
    unsigned lo = 0, hi = log->nplaces;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (before(pc, op, &log->place[mid]))
            hi = mid;
        else if (log->place[mid].pc == pc && log->place[mid].op == op) {
            log->place[mid].count++;
            return;
        } else
            lo = mid + 1;
    }
    if (log->nplaces == SILENT_LOG_PLACES) {
        log->elsewhere++;
        return;
    }
    memmove(&log->place[lo + 1], &log->place[lo], (log->nplaces - lo) * sizeof log->place[0]);
    log->place[lo] = (struct silent_place){.pc = pc, .op = op, .count = 1};
    log->nplaces++;
}

void silent_log_unrecord(struct silent_log *log, uint32_t pc, enum op op)
{
    log->total--;
    for (unsigned i = 0; i < log->nplaces; i++)
        if (log->place[i].pc == pc && log->place[i].op == op) {
            if (--log->place[i].count == 0) {
                log->nplaces--;
                memmove(&log->place[i], &log->place[i + 1], (log->nplaces - i) * sizeof log->place[0]);
            }
            return;
        }
    log->elsewhere--; /* it had no place */
}

void machine_set_silent_log(struct machine *m, struct silent_log *log) { m->silent = log; }

const struct silent_log *machine_silent_log(const struct machine *m)
{
    return m->silent ? m->silent : &m->silent_own;
}

bool silent_possible(enum isa_variant v)
{
    for (int op = 0; op < OP_COUNT; op++)
        if (isa_insns[op].sens != SENS_NONE && !isa_insns[op].traps_in_user[v])
            return true;
    return false;
}

void silent_log_print(FILE *f, const char *lead, const struct silent_log *log, enum isa_variant v,
                      silent_place_fn *place, void *ctx)
{
    if (!silent_possible(v) && log->total == 0)
        return; /* a line that could only ever say 0 */
    fprintf(f, "%ssilent sensitive instructions (ran in user mode without trapping): %" PRIu64 "\n", lead,
            log->total);
    for (unsigned i = 0; i < log->nplaces; i++) {
        const struct silent_place *p = &log->place[i];
        char where[256];
        if (place)
            place(ctx, p->pc, where, sizeof where);
        else
            snprintf(where, sizeof where, "0x%08x", p->pc);
        fprintf(f, "%s  %-32s  %-6s %" PRIu64 "\n", lead, where, isa_insns[p->op].mnem, p->count);
    }
    if (log->elsewhere)
        fprintf(f, "%s  %" PRIu64 " more at other pcs\n", lead, log->elsewhere);
}

void silent_log_json(FILE *f, const struct silent_log *log)
{
    fprintf(f, "\"silent_sensitive\": %" PRIu64 ", \"silent_sensitive_by_pc\": [", log->total);
    for (unsigned i = 0; i < log->nplaces; i++) {
        const struct silent_place *p = &log->place[i];
        fprintf(f, "%s{\"pc\": %" PRIu32 ", \"insn\": \"%s\", \"count\": %" PRIu64 "}", i ? ", " : "", p->pc,
                isa_insns[p->op].mnem, p->count);
    }
    fprintf(f, "], \"silent_sensitive_other_pcs\": %" PRIu64, log->elsewhere);
}
