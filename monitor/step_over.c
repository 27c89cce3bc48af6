/*
 * step_over.c - next (a step that runs a call through to its return) and
 * finish (run the current function to its return).
 *
 * Both run to a return address with a temporary breakpoint there, and count
 * it as reached only with sp at or above where it was: a recursive call
 * passes the same address deeper in the stack, and runs on.  A user's
 * breakpoint, a catchpoint, a watchpoint, Ctrl-C, the step limit or the
 * guest's end stop them early, as they stop continue.
 */
#include <inttypes.h>
#include <string.h>

#include "monitor.h"

#define NEXT_MAX 1000000000ull /* next N: at most this */

static bool user_break_at(struct monitor *mon, uint32_t va)
{
    for (int i = 0; i < MON_MAX_BREAKS; i++)
        if (mon->breaks[i].id && mon->breaks[i].enabled && mon->breaks[i].va == va)
            return true;
    return false;
}

/* Whether the instruction at pc is a call: a jump that links in ra (the
 * calling convention's return-address register), as `call` assembles. */
static bool call_at(struct monitor *mon, uint32_t pc)
{
    uint32_t gpa, word;
    char why[128];
    struct isa_fields f;
    if (!mon_translate(mon, pc, &gpa, why, sizeof why) || !mon_word(mon, gpa, &word) || !isa_decode(word, &f))
        return false; /* stepping it says what is wrong */
    bool jump = f.op == OP_JAL || f.op == OP_JALR;
    return jump && isa_insns[f.op].dst && f.ra == (unsigned)isa_find_reg("ra");
}

/* Run until pc is target with sp at or above sp0.  STOP_REACHED then, or
 * why it stopped before. */
static enum mon_stop run_to_return(struct monitor *mon, uint32_t target, uint32_t sp0, uint32_t *hit)
{
    int sp = isa_find_reg("sp");
    for (;;) {
        bool temporary = !user_break_at(mon, target);
        if (temporary && !machine_break_add(mon->m, target)) {
            mon_error(mon, "out of memory");
            return STOP_INTERRUPTED;
        }
        mon->run_target_on = true;
        mon->run_target = target;
        enum mon_stop why = mon_run(mon, UINT64_MAX, hit);
        mon->run_target_on = false;
        if (temporary)
            machine_break_del(mon->m, target);
        if (why != STOP_BREAK || *hit != target)
            return why;
        if (mon_view(mon).regs[sp] >= sp0)
            return STOP_REACHED;
        if (!temporary)
            return STOP_BREAK; /* the user's breakpoint, deeper in the stack */
    }
}

bool cmd_next(struct monitor *mon, int argc, char **argv)
{
    uint64_t n = 1;
    if (argc > 2)
        return mon_error(mon, "next takes at most a count");
    if (argc == 2 && !mon_count(mon, "next", argv[1], NEXT_MAX, &n))
        return false;
    uint64_t before = mon->steps;
    uint32_t hit = 0;
    enum mon_stop why = STOP_STEPPED;
    for (uint64_t i = 0; i < n && why == STOP_STEPPED; i++) {
        if (!mon_can_run(mon, "next"))
            return false;
        struct report_view v = mon_view(mon);
        if (!call_at(mon, v.pc)) {
            why = mon_run(mon, 1, &hit);
            continue;
        }
        why = run_to_return(mon, v.pc + 4, v.regs[isa_find_reg("sp")], &hit);
        if (why == STOP_REACHED)
            why = STOP_STEPPED;
    }
    mon_tell_stop(mon, why, mon->steps - before, hit);
    return true;
}

bool cmd_finish(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "finish takes no argument");
    if (!mon_can_run(mon, "finish"))
        return false;
    struct report_view v = mon_view(mon);
    uint32_t ra = v.regs[isa_find_reg("ra")], hit = 0;
    if (ra & 3)
        return mon_error(mon, "finish: ra is 0x%08x, not a multiple of 4: no return address", ra);
    enum mon_stop why = run_to_return(mon, ra, v.regs[isa_find_reg("sp")], &hit);
    if (why != STOP_REACHED) {
        mon_tell_stop(mon, why, 0, hit);
        return true;
    }
    char at[200];
    mon_where_text(mon, ra, at, sizeof at);
    uint32_t a0 = mon_view(mon).regs[isa_find_reg("a0")];
    fprintf(mon->out, "returned to %s with a0 = 0x%08x (%" PRId32 ")\n", at, a0, (int32_t)a0);
    monitor_where(mon);
    return true;
}
