/*
 * session_trace.c - vrun --trace: one line per event, in the words of the
 * reports (session_report.c), buffered in the stream the caller gives.
 *
 *   I  instret  pc <symbol+off>  the instruction that retired
 *   T  instret  pc <symbol+off>  a trap taken there: cause, address, tvec
 *   E  instret  pc <symbol+off>  a VM exit and what the VMM made of it
 *
 * instret is the count after the event.  On the bare machine the trace
 * steps the machine one instruction at a time (machine_run with a budget
 * of 1), which the machine keeps exact; a trap shows as the machine's
 * count of traps taken moving.
 */
#include <inttypes.h>
#include <stdio.h>

#include "session.h"

static void line(FILE *f, const struct report_view *v, char kind, uint64_t instret, uint32_t pc, const char *what)
{
    char where[160];
    report_where(v, pc, where, sizeof where);
    fprintf(f, "%c %10" PRIu64 "  %-32s %s\n", kind, instret, where, what);
}

/* The instruction at va as the CPU would fetch it now, disassembled. */
static void insn_now(const struct report_view *v, uint32_t va, char *buf, size_t len)
{
    report_fetch_text(v, va, !(v->crs[CR_STATUS] & SR_S), buf, len);
}

static struct report_view view(struct machine *m, const struct elf_image *syms)
{
    struct report_view v = {.img = syms, .pc = machine_cpu(m)->pc, .mem_size = machine_mem_size(m),
                            .read_phys = report_machine_memory, .ctx = m};
    for (unsigned c = 0; c < NCRS; c++)
        v.crs[c] = machine_get_cr(m, (enum cr)c);
    return v;
}

enum exit_reason trace_machine(struct machine *m, uint64_t budget, const struct elf_image *syms, FILE *f,
                               const volatile sig_atomic_t *stop, struct vm_exit *ex)
{
    struct cpu_state *c = machine_cpu(m);
    uint64_t start = c->instret;
    enum exit_reason r = EXIT_BUDGET;
    *ex = (struct vm_exit){.reason = EXIT_BUDGET, .pc = c->pc};
    while (c->instret - start < budget) {
        struct report_view v = view(m, syms);
        uint32_t pc = c->pc;
        uint64_t traps = machine_traps_taken(m), before = c->instret;
        char insn[128], what[256];
        insn_now(&v, pc, insn, sizeof insn);
        r = machine_run(m, 1, ex);
        v = view(m, syms);
        if (machine_traps_taken(m) != traps) {
            /* the trap (or interrupt) came first; what retired, if anything,
             * is the handler's first instruction */
            uint32_t cause = v.crs[CR_CAUSE];
            snprintf(what, sizeof what, "trap: %s, badaddr 0x%08x, to tvec 0x%08x", isa_cause_name(cause),
                     v.crs[CR_BADADDR], v.crs[CR_TVEC]);
            line(f, &v, 'T', before, v.crs[CR_EPC], what);
            if (c->instret != before) {
                report_fetch_text(&v, v.crs[CR_TVEC], false, insn, sizeof insn);
                line(f, &v, 'I', c->instret, v.crs[CR_TVEC], insn);
            }
        } else if (c->instret != before) {
            line(f, &v, 'I', c->instret, pc, insn);
        }
        if (r != EXIT_BUDGET || (stop && *stop))
            break;
    }
    return r;
}

/* The exit hook of a traced VMM run: one E line per exit. */
bool trace_exit_hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct session *s = ctx;
    int i = 0;
    while (i < s->cfg->nvms && s->vms[i] != vm)
        i++;
    struct report_view v = {.img = i < s->cfg->nvms ? &s->syms[i] : NULL};
    char what[320], decision[256];
    vmm_decision_format(d, decision, sizeof decision);
    if (s->cfg->nvms > 1)
        snprintf(what, sizeof what, "[%s] exit: %s", vm_name(vm), decision);
    else
        snprintf(what, sizeof what, "exit: %s", decision);
    line(s->trace, &v, 'E', vm_instret(vm), x->pc, what);
    return false;
}
