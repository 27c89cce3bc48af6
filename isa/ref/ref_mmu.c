/*
 * ref_mmu.c - docs/isa.md section 7 (and the alignment rule of sections
 * 4 and 6): how a virtual address becomes a physical one.
 *
 *   1. Alignment is checked first: a word on a multiple of 4, a halfword
 *      on a multiple of 2, or a misaligned trap, mapped or not.
 *   2. Paging off: the address is physical; past the end of memory it is
 *      a bus error.
 *   3. Paging on: the TLB entry of the page (slot vpn mod 64) is used if
 *      it maps that page and its cached level-2 entry allows the access
 *      (a load R, a store W and D, a fetch X; U in user mode).
 *   4. Otherwise the hardware walks: level 1 at ptb + 4 * L1, level 2 at
 *      frame + 4 * L2.  A table outside memory is a bus error, a clear V a
 *      page fault, refused permissions a page fault with PROT, a page
 *      frame outside memory a bus error.  On success A (and D for a
 *      store) is set in memory and the TLB entry is refilled.
 *
 * Fetches go through the one-entry instruction TLB: the page being
 * executed keeps its translation until execution moves to another page, a
 * trap is taken or a system instruction runs.
 */
#include "ref_impl.h"

bool ref_user(const struct ref_machine *r) { return !(r->cpu.cr[CR_STATUS] & SR_S); }

bool ref_phys_ok(const struct ref_machine *r, uint64_t pa, uint64_t len)
{
    return pa + len <= r->cfg.mem_size;
}

uint32_t ref_phys_word(const struct ref_machine *r, uint32_t pa)
{
    const uint8_t *p = r->mem + pa;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ref_log_write(struct ref_machine *r, uint32_t pa, uint32_t len, uint32_t value, enum ref_writer by)
{
    struct ref_step *s = r->rec;
    if (!s)
        return;
    if (s->nwrites == REF_STEP_WRITES) {
        s->writes_lost = true;
        return;
    }
    s->write[s->nwrites++] = (struct ref_write){.pa = pa, .len = len, .value = value, .by = by};
}

void ref_log_leaf(struct ref_machine *r, uint32_t pa)
{
    struct ref_step *s = r->rec;
    if (s && s->nleaves < REF_STEP_LEAVES)
        s->leaf[s->nleaves++] = pa;
}

void ref_phys_put(struct ref_machine *r, uint32_t pa, unsigned len, uint32_t value, enum ref_writer by)
{
    for (unsigned i = 0; i < len; i++)
        r->mem[pa + i] = (uint8_t)(value >> (8 * i));
    ref_log_write(r, pa, len, value, by);
}

uint32_t ref_access_detail(const struct ref_machine *r, enum access k)
{
    return (k == ACCESS_WRITE ? CAUSE_WRITE : 0) | (k == ACCESS_FETCH ? CAUSE_FETCH : 0) |
           (ref_user(r) ? CAUSE_USER : 0);
}

static bool fail(struct ref_machine *r, uint32_t code, uint32_t va, enum access k)
{
    ref_exception(r, code | ref_access_detail(r, k), va, k);
    return false;
}

/* Does a level-2 entry let this access through? */
static bool permits(const struct ref_machine *r, uint32_t pte, enum access k)
{
    uint32_t need = k == ACCESS_READ ? PTE_R : k == ACCESS_WRITE ? PTE_W : PTE_X;
    if (!(pte & need))
        return false;
    return !ref_user(r) || (pte & PTE_U);
}

static bool walk(struct ref_machine *r, uint32_t va, enum access k, uint32_t *pa)
{
    r->counts.walks++;
    uint64_t l1_pa = (uint64_t)r->cpu.cr[CR_PTB] + 4u * VA_L1(va);
    if (!ref_phys_ok(r, l1_pa, 4))
        return fail(r, CAUSE_BUS_ERROR, va, k);
    uint32_t l1 = ref_phys_word(r, (uint32_t)l1_pa);
    r->counts.walk_refs++;
    if (!(l1 & PTE_V))
        return fail(r, CAUSE_PAGE_FAULT, va, k);

    uint64_t l2_pa = (uint64_t)PTE_FRAME(l1) + 4u * VA_L2(va);
    if (!ref_phys_ok(r, l2_pa, 4))
        return fail(r, CAUSE_BUS_ERROR, va, k);
    uint32_t l2 = ref_phys_word(r, (uint32_t)l2_pa);
    r->counts.walk_refs++;
    ref_log_leaf(r, (uint32_t)l2_pa);
    if (!(l2 & PTE_V))
        return fail(r, CAUSE_PAGE_FAULT, va, k);
    if (!permits(r, l2, k))
        return fail(r, CAUSE_PAGE_FAULT | CAUSE_PROT, va, k);
    if (!ref_phys_ok(r, PTE_FRAME(l2), PAGE_SIZE))
        return fail(r, CAUSE_BUS_ERROR, va, k);

    uint32_t in_memory = l2;
    l2 |= PTE_A | (k == ACCESS_WRITE ? PTE_D : 0);
    uint32_t back = l2;
    if (r->cfg.inject & REF_INJECT_NO_DIRTY)
        back = (back & ~PTE_D) | (in_memory & PTE_D);
    if (back != in_memory)
        ref_phys_put(r, (uint32_t)l2_pa, 4, back, REF_BY_WALKER);
    unsigned slot = (va >> PAGE_SHIFT) % TLB_ENTRIES;
    r->tlb.slot[slot].valid = true;
    r->tlb.slot[slot].vpage = va & ~PAGE_MASK;
    r->tlb.slot[slot].pte = l2;
    *pa = PTE_FRAME(l2) | (va & PAGE_MASK);
    return true;
}

/* The entry a walk would find for va now, read without setting A or D;
 * 0 where the walk would fault at level 1 or find a table outside memory. */
static uint32_t entry_in_memory(const struct ref_machine *r, uint32_t va)
{
    uint64_t l1_pa = (uint64_t)r->cpu.cr[CR_PTB] + 4u * VA_L1(va);
    if (!ref_phys_ok(r, l1_pa, 4))
        return 0;
    uint32_t l1 = ref_phys_word(r, (uint32_t)l1_pa);
    uint64_t l2_pa = (uint64_t)PTE_FRAME(l1) + 4u * VA_L2(va);
    if (!(l1 & PTE_V) || !ref_phys_ok(r, l2_pa, 4))
        return 0;
    return ref_phys_word(r, (uint32_t)l2_pa);
}

/* Count a use of a cached translation (frame) that a walk would not give
 * now: observed only (ref.h, struct ref_observed). */
static void note_if_stale(struct ref_machine *r, uint32_t va, enum access k, uint32_t frame)
{
    uint32_t e = entry_in_memory(r, va);
    uint32_t need = PTE_V | PTE_A | (k == ACCESS_WRITE ? PTE_D : 0);
    if ((e & need) != need || !permits(r, e, k) || PTE_FRAME(e) != frame || !ref_phys_ok(r, PTE_FRAME(e), PAGE_SIZE))
        r->seen.stale_tlb++;
}

bool ref_translate(struct ref_machine *r, uint32_t va, unsigned size, enum access k, uint32_t *pa)
{
    if (va % size != 0)
        return fail(r, CAUSE_MISALIGNED, va, k);
    if (r->gc && r->gc->nested)
        return ref_nested_translate(r, va, k, pa);

    if (!(r->cpu.cr[CR_STATUS] & SR_PG)) {
        if (!ref_phys_ok(r, va, size))
            return fail(r, CAUSE_BUS_ERROR, va, k);
        *pa = va;
        return true;
    }

    unsigned slot = (va >> PAGE_SHIFT) % TLB_ENTRIES;
    uint32_t pte = r->tlb.slot[slot].pte;
    bool hit = r->tlb.slot[slot].valid && r->tlb.slot[slot].vpage == (va & ~PAGE_MASK) &&
               permits(r, pte, k) && (k != ACCESS_WRITE || (pte & PTE_D));
    if (hit && !(r->cfg.inject & REF_INJECT_NO_TLB)) {
        note_if_stale(r, va, k, PTE_FRAME(pte));
        *pa = PTE_FRAME(pte) | (va & PAGE_MASK);
        return true;
    }
    return walk(r, va, k, pa);
}

void ref_forget_itlb(struct ref_machine *r) { r->tlb.itlb.valid = false; }

bool ref_fetch(struct ref_machine *r, uint32_t pc, uint32_t *word)
{
    if (pc % 4 != 0)
        return fail(r, CAUSE_MISALIGNED, pc, ACCESS_FETCH);
    if (!r->tlb.itlb.valid || r->tlb.itlb.vpage != (pc & ~PAGE_MASK)) {
        uint32_t pa;
        if (!ref_translate(r, pc, 4, ACCESS_FETCH, &pa))
            return false;
        r->tlb.itlb.valid = true;
        r->tlb.itlb.vpage = pc & ~PAGE_MASK;
        r->tlb.itlb.frame = pa & ~PAGE_MASK;
    } else if ((r->cpu.cr[CR_STATUS] & SR_PG) && !(r->gc && r->gc->nested)) {
        note_if_stale(r, pc, ACCESS_FETCH, r->tlb.itlb.frame);
    }
    uint32_t pa = r->tlb.itlb.frame | (pc & PAGE_MASK);
    if (!ref_phys_ok(r, pa, 4)) /* only a seeded instruction TLB could say so */
        return fail(r, CAUSE_BUS_ERROR, pc, ACCESS_FETCH);
    *word = ref_phys_word(r, pa);
    return true;
}

bool ref_load(struct ref_machine *r, uint32_t va, unsigned size, uint32_t *value)
{
    uint32_t pa;
    if (!ref_translate(r, va, size, ACCESS_READ, &pa))
        return false;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)r->mem[pa + i] << (8 * i);
    *value = v;
    return true;
}

bool ref_store(struct ref_machine *r, uint32_t va, unsigned size, uint32_t value)
{
    uint32_t pa;
    if (!ref_translate(r, va, size, ACCESS_WRITE, &pa))
        return false;
    if (size < 4)
        value &= (1u << (8 * size)) - 1;
    ref_phys_put(r, pa, size, value, REF_BY_STORE);
    return true;
}

/* A flush is a system instruction (or the host's stand-in for one): the
 * instruction TLB goes too, and nested paging's stage-2 TLB with the TLB. */
void ref_tlb_flush(struct ref_machine *r)
{
    for (int i = 0; i < TLB_ENTRIES; i++)
        r->tlb.slot[i].valid = r->tlb2[i].valid = false;
    ref_forget_itlb(r);
}

void ref_tlb_flush_page(struct ref_machine *r, uint32_t va)
{
    unsigned slot = (va >> PAGE_SHIFT) % TLB_ENTRIES;
    if (r->tlb.slot[slot].vpage == (va & ~PAGE_MASK))
        r->tlb.slot[slot].valid = false;
    if (r->tlb2[slot].vpage == (va & ~PAGE_MASK)) /* with the guest's paging off, va is its gpa */
        r->tlb2[slot].valid = false;
    ref_forget_itlb(r);
}

const struct tlb_view *ref_tlb(const struct ref_machine *r) { return &r->tlb; }

void ref_tlb_set(struct ref_machine *r, const struct tlb_view *in) { r->tlb = *in; }
