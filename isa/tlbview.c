/*
 * tlbview.c - the TLB as a checker sees it: only what docs/isa.md makes
 * architectural (valid, virtual page, cached entry), never the fast-path
 * tags or host pointers, which are this simulator's business.
 */
#include "machine_impl.h"

bool machine_tlb_slot(const struct machine *m, unsigned i, struct tlb_slot *out)
{
    if (i >= TLB_SIZE)
        return false;
    const struct tlb_entry *e = &m->tlb[i];
    *out = (struct tlb_slot){.valid = e->valid, .vpage = e->vpage, .pte = e->pte};
    return true;
}
