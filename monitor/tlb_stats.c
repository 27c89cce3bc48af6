/*
 * tlb_stats.c - info tlb (the real machine's TLB: machine_tlb_inspect) and
 * info stats (the VM's statistics, vm_stats_print; natively the machine's,
 * native_stats_print).  Both only read.
 */
#include <inttypes.h>
#include <stdio.h>

#include "monitor.h"
#include "ptwalk.h"

bool cmd_info_tlb(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info tlb takes no argument");
    struct tlb_view t;
    machine_tlb_inspect(mon->m, &t);
    /* Under the VMM the real TLB caches shadow entries: guest-virtual pages
     * on host frames.  Natively the frames are the program's own memory. */
    const char *frame_space = mon->s ? "hpa" : "gpa";
    unsigned n = 0;
    fprintf(mon->out, "the %sTLB (%d entries), valid ones:\n", mon->s ? "real machine's " : "", TLB_ENTRIES);
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        const struct tlb_slot *s = &t.slot[i];
        if (!s->valid)
            continue;
        char e[160];
        pt_entry_text(s->pte, PT_LEVELS, e, sizeof e);
        fprintf(mon->out, "  %2u  gva 0x%08x -> %s 0x%08x  (%s)\n", i, s->vpage, frame_space, PTE_FRAME(s->pte), e);
        n++;
    }
    if (!n)
        fprintf(mon->out, "  none\n");
    if (t.itlb.valid)
        fprintf(mon->out, "  instruction TLB: gva 0x%08x -> %s 0x%08x\n", t.itlb.vpage, frame_space, t.itlb.frame);
    else
        fprintf(mon->out, "  instruction TLB: empty\n");
    return true;
}

bool cmd_info_stats(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info stats takes no argument");
    struct vm *vm = mon_vm(mon);
    if (vm)
        vm_stats_print(vm, mon->out);
    else
        native_stats_print(mon->out, "vmon", mon->m);
    return true;
}
