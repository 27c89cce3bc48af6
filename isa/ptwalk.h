/*
 * ptwalk.h - the hardware page-table walk, as one function both the MMU and
 * the VMM use: the machine walks its physical memory, the VMM walks a
 * guest's tables in guest-physical memory with exactly the same rules.
 */
#ifndef VMLAB_PTWALK_H
#define VMLAB_PTWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

struct dma;

struct pt_walk {
    uint32_t pte;                 /* the leaf entry, with A/D as the walk left them */
    uint32_t pte_pa;              /* its physical address */
    uint32_t entry_pa[PT_LEVELS]; /* [level - 1]: the address of the entry read at each level */
    int level;                    /* the level whose entry ended the walk (PT_LEAF when it succeeded) */
    uint32_t page;                /* physical address of the page (pte's frame) */
    int reads;                    /* entries read from memory: the walk's references */
};

/* Walk the tables at ptb for an access of kind k to va, in user mode or
 * not, level by level from the root.  On success return 0, fill *w and -
 * when set_ad - set A (and D for a store) in the leaf entry in memory.
 * Otherwise return the trap's cause word: page-fault (with PROT when the
 * entry was valid) or bus-error, with the WRITE, FETCH and USER detail
 * bits; w->level and w->entry_pa[] say how far the walk got. */
uint32_t pt_walk(const struct dma *mem, uint32_t ptb, uint32_t va, enum access k, bool user,
                 bool set_ad, struct pt_walk *w);

/*
 * Nested paging's two-dimensional walk (docs/isa.md section 14): the
 * guest's tables at gptb are in guest-physical memory, so the address of
 * each entry, and last the page the leaf names, is translated through the
 * host's table at nroot (a walk with supervisor rights that sets no A or
 * D) before it is read.  With the guest's paging off (paging false) va is
 * itself guest-physical and only that translation is made.
 *
 * Returns 0 with *w filled for the combined translation: w->page the host
 * page, w->pte the host frame with the guest leaf's U, A, D and the R, W,
 * X both leaves allow (with paging off the guest side allows everything),
 * w->pte_pa the guest leaf's physical address.  A guest fault returns
 * its cause word as pt_walk does.  A refusal by the host table returns
 * its cause word (the host walk's code and PROT, the guest access's
 * WRITE, FETCH and USER) with n->refused set and n->gpa, n->in_walk saying
 * what was refused.  n->refs counts every entry read, both stages.
 */
struct pt_nested {
    unsigned refs;
    bool refused;
    uint32_t gpa;
    bool in_walk; /* gpa is a guest table entry's, not the access's */
};
uint32_t pt_walk_nested(const struct dma *mem, uint32_t nroot, bool paging, uint32_t gptb, uint32_t va,
                        enum access k, bool user, bool set_ad, struct pt_walk *w, struct pt_nested *n);

/* The detail bits for an access: WRITE/FETCH by kind, USER if user. */
uint32_t pt_access_bits(enum access k, bool user);

/* A page-table entry at a level by field, as docs/isa.md section 7 defines
 * it: "table 0x00005000, V" (a level-1 entry: only V and the frame
 * matter), "frame 0x00003000, V R W A D" (a leaf), "frame 0x..., V clear, R W"
 * when it maps nothing, and ", soft 0x1f" for the bits hardware ignores. */
void pt_entry_text(uint32_t pte, int level, char *buf, size_t len);

/* Whether the word at physical address pa is an entry of the tables at
 * ptb: its level (PT_ROOT...PT_LEAF, reached through valid entries only),
 * and in *va the first virtual address it maps; 0 if it is none of them.
 * The root is looked at first, then each table below it in order of
 * virtual address. */
int pt_entry_of(const struct dma *mem, uint32_t ptb, uint32_t pa, uint32_t *va);

#endif
