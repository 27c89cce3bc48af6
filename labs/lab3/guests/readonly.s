# readonly.s - lab 3: the shadow gives the guest's rights, no more, no
# less.  WIN maps pg_a with R only, A and D already set (dirty: so only W
# stands between the guest and a store); WIN + 4 KiB maps pg_b read-write,
# also dirty.  The guest stores to pg_b (it may), loads from pg_a, which
# fills the shadow, then stores to pg_a: on the bare machine that is a
# page fault (cause 0x305: page-fault | prot | write), and its handler
# halts with the cause.  A shadow entry with W for pg_a would let the
# store through; one without W for pg_b makes every store to it exit.
        .include "lab3.inc"
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_A | PTE_D
        sw      t0, 0(t1)
        la      t0, pg_b
        ori     t0, t0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        sw      t0, 4(t1)
        call    paging_on
        li      t1, WIN
        sw      t1, 4096(t1)                    # pg_b: allowed
        lw      t0, 0(t1)
        la      t2, result
        sw      t0, 0(t2)
store:  sw      t2, 0(t1)                       # refused: halts in trap
        li      a0, 0x0bad
        halt    a0
        .include "lab3data.inc"
