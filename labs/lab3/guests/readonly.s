# readonly.s - lab 3: a read-only guest page stays read-only.  WIN maps
# pg_a with R only, A and D already set (dirty: so only W stands between
# the guest and a store).  The guest loads from it, which fills the shadow,
# then stores to it: on the bare machine that is a page fault (cause
# 0x305: page-fault | prot | write), and its handler halts with the cause.
# A shadow entry with W would let the store through.
        .include "lab3.inc"
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_A | PTE_D
        sw      t0, 0(t1)
        call    paging_on
        li      t1, WIN
        lw      t0, 0(t1)
        la      t2, result
        sw      t0, 0(t2)
store:  sw      t2, 0(t1)                       # refused: halts in trap
        li      a0, 0x0bad
        halt    a0
        .include "lab3data.inc"
