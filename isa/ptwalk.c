/*
 * ptwalk.c - the walk of docs/isa.md section 7, one level at a time.
 */
#include "ptwalk.h"

#include "devices.h"

uint32_t pt_access_bits(enum access k, bool user)
{
    return (k == ACCESS_WRITE ? CAUSE_WRITE : 0) | (k == ACCESS_FETCH ? CAUSE_FETCH : 0) |
           (user ? CAUSE_USER : 0);
}

static bool read_pte(const struct dma *mem, uint32_t pa, uint32_t *pte)
{
    uint8_t b[4];
    if ((uint64_t)pa + 4 > mem->mem_size || !mem->read(mem->ctx, pa, b, 4))
        return false;
    *pte = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

uint32_t pt_walk(const struct dma *mem, uint32_t ptb, uint32_t va, enum access k, bool user,
                 bool set_ad, struct pt_walk *w)
{
    static const uint32_t perm_for[3] = {
        [ACCESS_READ] = PTE_R, [ACCESS_WRITE] = PTE_W, [ACCESS_FETCH] = PTE_X};
    uint32_t bits = pt_access_bits(k, user);
    uint32_t table = ptb; /* the root's address is ptb as written, low bits and all */
    uint32_t e = 0;

    for (int level = PT_ROOT;; level++) {
        uint32_t pa = table + VA_INDEX(va, level) * 4;
        w->level = level;
        w->entry_pa[level - 1] = pa;
        if (!read_pte(mem, pa, &e))
            return CAUSE_BUS_ERROR | bits;
        if (!(e & PTE_V))
            return CAUSE_PAGE_FAULT | bits;
        if (level == PT_LEAF)
            break;
        table = PTE_FRAME(e); /* a table's other bits mean nothing */
    }
    w->pte_pa = w->entry_pa[PT_LEAF - 1];
    if (!(e & perm_for[k]) || (user && !(e & PTE_U)))
        return CAUSE_PAGE_FAULT | CAUSE_PROT | bits;
    if (PTE_FRAME(e) >= mem->mem_size)
        return CAUSE_BUS_ERROR | bits;

    uint32_t set = PTE_A | (k == ACCESS_WRITE ? PTE_D : 0);
    if (set_ad && (e & set) != set) {
        e |= set;
        uint8_t b[4] = {(uint8_t)e, (uint8_t)(e >> 8), (uint8_t)(e >> 16), (uint8_t)(e >> 24)};
        mem->write(mem->ctx, w->pte_pa, b, 4);
    }
    w->pte = e;
    w->page = PTE_FRAME(e);
    return 0;
}
