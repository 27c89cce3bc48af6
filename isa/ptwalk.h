/*
 * ptwalk.h - the hardware page-table walk, as one function both the MMU and
 * the VMM use: the machine walks its physical memory, the VMM walks a
 * guest's tables in guest-physical memory with exactly the same rules.
 */
#ifndef VMLAB_PTWALK_H
#define VMLAB_PTWALK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"

struct dma;

struct pt_walk {
    uint32_t pte;                 /* the leaf entry, with A/D as the walk left them */
    uint32_t pte_pa;              /* its physical address */
    uint32_t entry_pa[PT_LEVELS]; /* [level - 1]: the address of the entry read at each level */
    int level;                    /* the level whose entry ended the walk (PT_LEAF when it succeeded) */
    uint32_t page;                /* physical address of the page (pte's frame) */
};

/* Walk the tables at ptb for an access of kind k to va, in user mode or
 * not, level by level from the root.  On success return 0, fill *w and -
 * when set_ad - set A (and D for a store) in the leaf entry in memory.
 * Otherwise return the trap's cause word: page-fault (with PROT when the
 * entry was valid) or bus-error, with the WRITE, FETCH and USER detail
 * bits; w->level and w->entry_pa[] say how far the walk got. */
uint32_t pt_walk(const struct dma *mem, uint32_t ptb, uint32_t va, enum access k, bool user,
                 bool set_ad, struct pt_walk *w);

/* The detail bits for an access: WRITE/FETCH by kind, USER if user. */
uint32_t pt_access_bits(enum access k, bool user);

#endif
