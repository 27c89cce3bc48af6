/*
 * tlbview.c - the TLB as a checker sees it: only what docs/isa.md makes
 * architectural (valid, virtual page, cached entry), never the fast-path
 * tags or host pointers, which are this simulator's business.
 */
#include "machine_impl.h"

unsigned machine_tlb_view(const struct machine *m, struct tlb_slot *out, unsigned max)
{
    for (unsigned i = 0; i < TLB_SIZE && i < max; i++)
        out[i] = (struct tlb_slot){.valid = m->tlb[i].valid, .vpage = m->tlb[i].vpage, .pte = m->tlb[i].pte};
    return TLB_SIZE;
}
