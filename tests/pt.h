/*
 * pt.h - building two-level page tables (docs/isa.md section 7) in a
 * rig's physical memory, for test_mmu.c and test_hosted.c.
 *
 * A struct pt owns one level-1 table at l1 and hands out level-2 tables
 * from a pool of zeroed frames starting at pool.  pt_map writes the leaf
 * entry and returns its physical address so tests can read it back (A, D)
 * or change it.  Everything is computed on the host from the manual's
 * layout: L1 index = va[31:22], L2 index = va[21:12], entry = frame | bits.
 */
#ifndef VMLAB_TESTS_PT_H
#define VMLAB_TESTS_PT_H

#include <CUnit/CUnit.h>
#include <stdint.h>

#include "rig.h"

struct pt {
    struct rig *r;
    uint32_t l1;   /* physical address of the level-1 table */
    uint32_t pool; /* next free frame for a level-2 table */
};

static inline void pt_init(struct pt *p, struct rig *r, uint32_t l1, uint32_t pool)
{
    p->r = r;
    p->l1 = l1;
    p->pool = pool;
    for (uint32_t i = 0; i < 1024; i++)
        rig_poke32(r, l1 + 4 * i, 0);
}

/* Physical address of the level-1 entry for va. */
static inline uint32_t pt_l1e(const struct pt *p, uint32_t va) { return p->l1 + 4 * (va >> 22); }

/* Physical address of the level-2 entry for va, creating the level-2
 * table (zeroed) if the level-1 entry is not valid yet. */
static inline uint32_t pt_l2e(struct pt *p, uint32_t va)
{
    uint32_t l1e = rig_peek32(p->r, pt_l1e(p, va));
    if (!(l1e & PTE_V)) {
        uint32_t t = p->pool;
        p->pool += PAGE_SIZE;
        for (uint32_t i = 0; i < 1024; i++)
            rig_poke32(p->r, t + 4 * i, 0);
        l1e = t | PTE_V;
        rig_poke32(p->r, pt_l1e(p, va), l1e);
    }
    return (l1e & ~PAGE_MASK) + 4 * ((va >> 12) & 0x3ff);
}

/* Map the page of va to the frame of pa with the given PTE bits (V is
 * not added: pass it).  Returns the physical address of the leaf entry. */
static inline uint32_t pt_map(struct pt *p, uint32_t va, uint32_t pa, uint32_t bits)
{
    uint32_t e = pt_l2e(p, va);
    rig_poke32(p->r, e, (pa & ~PAGE_MASK) | bits);
    return e;
}

/* Map n pages one to one (va = pa), starting at the page of a. */
static inline void pt_identity(struct pt *p, uint32_t a, uint32_t n, uint32_t bits)
{
    for (uint32_t i = 0; i < n; i++)
        pt_map(p, (a & ~PAGE_MASK) + i * PAGE_SIZE, (a & ~PAGE_MASK) + i * PAGE_SIZE, bits);
}

#endif
