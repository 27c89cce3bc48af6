/*
 * ptwalk.c - the two-level walk of docs/isa.md section 7.
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
    uint32_t l1, l2;

    w->l1_pa = ptb + VA_L1(va) * 4;
    if (!read_pte(mem, w->l1_pa, &l1))
        return CAUSE_BUS_ERROR | bits;
    if (!(l1 & PTE_V))
        return CAUSE_PAGE_FAULT | bits;
    w->pte_pa = PTE_FRAME(l1) + VA_L2(va) * 4;
    if (!read_pte(mem, w->pte_pa, &l2))
        return CAUSE_BUS_ERROR | bits;
    if (!(l2 & PTE_V))
        return CAUSE_PAGE_FAULT | bits;
    if (!(l2 & perm_for[k]) || (user && !(l2 & PTE_U)))
        return CAUSE_PAGE_FAULT | CAUSE_PROT | bits;
    if (PTE_FRAME(l2) >= mem->mem_size)
        return CAUSE_BUS_ERROR | bits;

    uint32_t set = PTE_A | (k == ACCESS_WRITE ? PTE_D : 0);
    if (set_ad && (l2 & set) != set) {
        l2 |= set;
        uint8_t b[4] = {(uint8_t)l2, (uint8_t)(l2 >> 8), (uint8_t)(l2 >> 16), (uint8_t)(l2 >> 24)};
        mem->write(mem->ctx, w->pte_pa, b, 4);
    }
    w->pte = l2;
    w->page = PTE_FRAME(l2);
    return 0;
}
