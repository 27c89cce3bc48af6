/*
 * tlb_stats.c - info tlb (the real machine's TLB: machine_tlb_inspect) and
 * info stats (the VM's statistics, vm_stats_print_placed; natively the
 * machine's, native_stats_print_syms).  Both only read.
 */
#include <inttypes.h>
#include <stdio.h>

#include "monitor.h"
#include "ptwalk.h"

/* Under the VMM, whose memory a host frame is: ", VM NAME's gpa 0x..."
 * (the guest frame found by the VM's own map, vm_host_frame), ", a shadow
 * table", or "" natively. */
static void frame_owner(struct monitor *mon, uint32_t hpa, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!mon->s)
        return;
    int id = -1;
    enum frame_kind k = vmm_frame_owner(mon->s->vmm, hpa >> PAGE_SHIFT, &id);
    for (int i = 0; k == FRAME_GUEST && i < mon->s->cfg->nvms; i++)
        if (vm_id(mon->s->vms[i]) == id) {
            const struct vm *vm = mon->s->vms[i];
            snprintf(buf, len, ", VM %s's memory", mon->s->names[i]);
            for (uint32_t g = 0; g < vm_mem_size(vm) >> PAGE_SHIFT; g++)
                if (vm_host_frame(vm, g) == hpa >> PAGE_SHIFT) {
                    snprintf(buf, len, ", VM %s's gpa 0x%08x", mon->s->names[i], g << PAGE_SHIFT);
                    break;
                }
        }
    if (k == FRAME_SHADOW)
        snprintf(buf, len, ", a shadow table");
    if (k == FRAME_FREE)
        snprintf(buf, len, ", a free frame");
    if (k == FRAME_CODE)
        snprintf(buf, len, ", translated code (bt)");
}

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
        char own[96];
        frame_owner(mon, PTE_FRAME(s->pte), own, sizeof own);
        fprintf(mon->out, "  %2u  gva 0x%08x -> %s 0x%08x  (%s%s)\n", i, s->vpage, frame_space, PTE_FRAME(s->pte), e,
                own);
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
    /* the silent log's places by the image's symbols, as vrun --stats names them */
    const struct elf_image *syms = mon_syms(mon);
    struct vm *vm = mon_vm(mon);
    if (vm)
        vm_stats_print_placed(vm, mon->out, syms ? session_place_pc : NULL, (void *)syms);
    else
        native_stats_print_syms(mon->out, "vmon", mon->m, syms);
    return true;
}
