/*
 * history.c - the trap history: the last MON_HISTORY exits of the VMs the
 * monitor ran, kept in a ring by the exit hook, and `history [N]` that
 * prints them oldest first, one line each: the guest's instruction count
 * at the exit, the exit's reason, the guest pc and instruction placed by
 * symbol, and the VMM's decision (vmm_decision_format).
 */
#include <inttypes.h>

#include "monitor.h"

void mon_history_add(struct monitor *mon, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct mon_exit_record *r = &mon->hist[mon->nhist % MON_HISTORY];
    *r = (struct mon_exit_record){.instret = vm_instret(vm), .exit = *x, .decision = *d};
    mon->nhist++;
}

bool cmd_history(struct monitor *mon, int argc, char **argv)
{
    uint64_t n = 10;
    if (argc > 2)
        return mon_error(mon, "history takes at most a count");
    if (argc == 2 && !mon_count(mon, "history", argv[1], MON_HISTORY, &n))
        return false;
    if (!mon->s)
        return mon_error(mon, "history: the bare machine has no VM exits (run vmon without --native)");
    uint64_t have = mon->nhist < MON_HISTORY ? mon->nhist : MON_HISTORY;
    if (n > have)
        n = have;
    if (n == 0) {
        fprintf(mon->out, "no exits yet\n");
        return true;
    }
    for (uint64_t i = mon->nhist - n; i < mon->nhist; i++) {
        const struct mon_exit_record *r = &mon->hist[i % MON_HISTORY];
        char reason[160], at[200], insn[128], what[400];
        mon_exit_reason_text(&r->exit, reason, sizeof reason);
        mon_where_text(mon, r->exit.pc, at, sizeof at);
        mon_exit_insn_text(&r->exit, insn, sizeof insn);
        vmm_decision_format(&r->decision, what, sizeof what);
        fprintf(mon->out, "%" PRIu64 "  %s at %s: %s\n      %s\n", r->instret, reason, at, insn, what);
    }
    return true;
}
