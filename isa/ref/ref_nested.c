/*
 * ref_nested.c - docs/isa.md section 14, nested paging: the addresses the
 * guest's paging produces are guest-physical (gpa), and each is
 * translated again by a walk of the host table at nested_root.
 *
 *   Stage 2 (the host walk of a gpa): level 1 at nested_root + 4 * L1,
 *   level 2 at its frame + 4 * L2, read with supervisor rights (U is not
 *   checked) and never written (no A, no D).  A table or page frame
 *   outside memory is a bus error, a clear V a page fault, a refused R, W
 *   or X a page fault with PROT: each exits (EXIT_NESTED_FAULT).
 *
 *   Guest paging off: the address is the gpa; its stage-2 translation is
 *   cached in a second 64-entry direct-mapped TLB (gpage -> host leaf).
 *
 *   Guest paging on, on a TLB miss, the two-dimensional walk:
 *     1. the gpa of the guest's level-1 entry (ptb + 4 * L1) through
 *        stage 2 (checked for R), then the entry read;
 *     2. the same for the level-2 entry at the level-1 entry's frame;
 *     3. the guest's checks as on the bare machine (V, then R/W/X and U):
 *        a refusal is the guest's page fault (section 6);
 *     4. the page's gpa through stage 2, checked for the access's kind;
 *     5. A (D for a store) set in the guest's level-2 entry, at the host
 *        address stage 2 gave; the TLB gets the combined entry: the host
 *        frame, the guest entry's U, A and D, the R, W and X both allow
 *        (and the guest entry's soft bits, as section 7's TLB caches them).
 *   Up to 2 * 2 + 2 + 2 = 8 entries read (walk_refs).
 *
 * A refused stage 2 exits with addr = the refused gpa, cause = the host
 * walk's cause word with the guest access's detail bits, guest_va = the
 * access's virtual address, in_walk = whether the gpa was a guest table
 * entry's.
 */
#include "ref_impl.h"

static uint32_t need_of(enum access k) { return k == ACCESS_READ ? PTE_R : k == ACCESS_WRITE ? PTE_W : PTE_X; }

/* Walk the host table for gpa, needing `need`; 0 and the host leaf entry,
 * or the host walk's cause code (with PROT). */
static uint32_t host_walk(struct ref_machine *r, uint32_t gpa, uint32_t need, uint32_t *leaf)
{
    uint64_t l1_pa = (uint64_t)(r->gc->nested_root & ~PAGE_MASK) + 4u * VA_L1(gpa);
    if (!ref_phys_ok(r, l1_pa, 4))
        return CAUSE_BUS_ERROR;
    uint32_t l1 = ref_phys_word(r, (uint32_t)l1_pa);
    r->counts.walk_refs++;
    if (!(l1 & PTE_V))
        return CAUSE_PAGE_FAULT;
    uint64_t l2_pa = (uint64_t)PTE_FRAME(l1) + 4u * VA_L2(gpa);
    if (!ref_phys_ok(r, l2_pa, 4))
        return CAUSE_BUS_ERROR;
    uint32_t l2 = ref_phys_word(r, (uint32_t)l2_pa);
    r->counts.walk_refs++;
    if (!(l2 & PTE_V))
        return CAUSE_PAGE_FAULT;
    if (!(l2 & need))
        return CAUSE_PAGE_FAULT | CAUSE_PROT;
    if (!ref_phys_ok(r, PTE_FRAME(l2), PAGE_SIZE))
        return CAUSE_BUS_ERROR;
    *leaf = l2;
    return 0;
}

/* The host refused gpa: exit to it with the record of section 14. */
static bool nested_fault(struct ref_machine *r, uint32_t host_cause, uint32_t gpa, uint32_t va, enum access k,
                         bool in_walk)
{
    struct vm_exit *x = r->exit;
    x->cause = host_cause | ref_access_detail(r, k);
    x->addr = gpa;
    x->guest_va = va;
    x->in_walk = in_walk;
    x->access = k;
    struct ref_step *s = r->rec;
    if (s && s->ntraps < REF_STEP_TRAPS)
        s->trap[s->ntraps++] = (struct ref_trap){.cause = x->cause, .epc = r->cpu.pc, .badaddr = gpa};
    ref_forget_itlb(r);
    ref_stop(r, EXIT_NESTED_FAULT);
    return false;
}

/* The host address of a guest table entry at gpa, or false after the exit. */
static bool table_entry(struct ref_machine *r, uint32_t gpa, uint32_t va, enum access k, uint32_t *hpa)
{
    if (r->cfg.inject & REF_INJECT_GPA_TABLES) {
        *hpa = gpa; /* the broken version: no stage 2 for the walk */
        if (!ref_phys_ok(r, gpa, 4))
            return nested_fault(r, CAUSE_BUS_ERROR, gpa, va, k, true);
        return true;
    }
    uint32_t leaf, c = host_walk(r, gpa, PTE_R, &leaf);
    if (c)
        return nested_fault(r, c, gpa, va, k, true);
    *hpa = PTE_FRAME(leaf) | (gpa & PAGE_MASK);
    return true;
}

static bool guest_fault(struct ref_machine *r, uint32_t code, uint32_t va, enum access k)
{
    ref_exception(r, code | ref_access_detail(r, k), va, k);
    return false;
}

/* Does the guest's level-2 entry (or a combined TLB entry) allow it? */
static bool guest_permits(const struct ref_machine *r, uint32_t pte, enum access k)
{
    return (pte & need_of(k)) && (!ref_user(r) || (pte & PTE_U));
}

/* Guest paging off: the stage-2 TLB, or the host walk. */
static bool paging_off(struct ref_machine *r, uint32_t gpa, enum access k, uint32_t *pa)
{
    unsigned slot = (gpa >> PAGE_SHIFT) % TLB_ENTRIES;
    struct tlb_slot *e = &r->tlb2[slot];
    bool hit = e->valid && e->vpage == (gpa & ~PAGE_MASK) && (e->pte & need_of(k));
    if (!hit || (r->cfg.inject & REF_INJECT_NO_TLB)) {
        r->counts.walks++;
        uint32_t leaf, c = host_walk(r, gpa, need_of(k), &leaf);
        if (c)
            return nested_fault(r, c, gpa, gpa, k, false);
        *e = (struct tlb_slot){.valid = true, .vpage = gpa & ~PAGE_MASK, .pte = leaf};
    }
    *pa = PTE_FRAME(e->pte) | (gpa & PAGE_MASK);
    return true;
}

static bool walk_2d(struct ref_machine *r, uint32_t va, enum access k, uint32_t *pa)
{
    r->counts.walks++;
    uint32_t l1_at, l2_at;
    if (!table_entry(r, (r->cpu.cr[CR_PTB] & ~PAGE_MASK) + 4u * VA_L1(va), va, k, &l1_at))
        return false;
    uint32_t l1 = ref_phys_word(r, l1_at);
    r->counts.walk_refs++;
    if (!(l1 & PTE_V))
        return guest_fault(r, CAUSE_PAGE_FAULT, va, k);
    if (!table_entry(r, PTE_FRAME(l1) + 4u * VA_L2(va), va, k, &l2_at))
        return false;
    uint32_t l2 = ref_phys_word(r, l2_at);
    r->counts.walk_refs++;
    ref_log_leaf(r, l2_at);
    if (!(l2 & PTE_V))
        return guest_fault(r, CAUSE_PAGE_FAULT, va, k);
    if (!guest_permits(r, l2, k))
        return guest_fault(r, CAUSE_PAGE_FAULT | CAUSE_PROT, va, k);

    uint32_t gpa = PTE_FRAME(l2) | (va & PAGE_MASK), host;
    uint32_t c = host_walk(r, gpa, need_of(k), &host);
    if (c)
        return nested_fault(r, c, gpa, va, k, false);

    uint32_t set = l2 | PTE_A | (k == ACCESS_WRITE ? PTE_D : 0);
    uint32_t back = set;
    if (r->cfg.inject & REF_INJECT_NO_DIRTY)
        back = (back & ~PTE_D) | (l2 & PTE_D);
    if (back != l2)
        ref_phys_put(r, l2_at, 4, back, REF_BY_WALKER);
    uint32_t rights = r->cfg.inject & REF_INJECT_GUEST_PERMS ? set : set & host;
    uint32_t combined = PTE_FRAME(host) | PTE_V | (set & (PTE_U | PTE_A | PTE_D | PTE_SOFT_MASK)) |
                        (rights & (PTE_R | PTE_W | PTE_X));
    unsigned slot = (va >> PAGE_SHIFT) % TLB_ENTRIES;
    r->tlb.slot[slot] = (struct tlb_slot){.valid = true, .vpage = va & ~PAGE_MASK, .pte = combined};
    *pa = PTE_FRAME(host) | (va & PAGE_MASK);
    return true;
}

bool ref_nested_translate(struct ref_machine *r, uint32_t va, enum access k, uint32_t *pa)
{
    if (!(r->cpu.cr[CR_STATUS] & SR_PG))
        return paging_off(r, va, k, pa);
    unsigned slot = (va >> PAGE_SHIFT) % TLB_ENTRIES;
    const struct tlb_slot *e = &r->tlb.slot[slot];
    bool hit = e->valid && e->vpage == (va & ~PAGE_MASK) && guest_permits(r, e->pte, k) &&
               (k != ACCESS_WRITE || (e->pte & PTE_D));
    if (hit && !(r->cfg.inject & REF_INJECT_NO_TLB)) {
        *pa = PTE_FRAME(e->pte) | (va & PAGE_MASK);
        return true;
    }
    return walk_2d(r, va, k, pa);
}
