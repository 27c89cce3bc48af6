# rootswap.s - lab 3: a store to the guest's level-1 table is traced.  Root
# entry 1 links WIN's 4 MiB to `win` (WIN -> pg_a); the guest loads from
# WIN, then points root entry 1 at `win2` instead (WIN -> pg_b, `swap`),
# flushes and loads again: it must see pg_b's word.  Root entry 0, the
# kernel's identity map, never changes: its shadow link must stay.
# result[0..1] keep the two words; it halts with the second.
        .include "lab3.inc"
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)
        la      t1, win2
        la      t0, pg_b
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)
        call    paging_on
        li      s0, WIN
        la      s1, result
        lw      t0, 0(s0)                       # pg_a's word, through win
        sw      t0, 0(s1)
        la      t1, root
        la      t0, win2
        ori     t0, t0, PTE_V
swap:   sw      t0, 4(t1)                       # root[1] = win2
        tlbflush
        lw      a0, 0(s0)                       # pg_b's word, through win2
        sw      a0, 4(s1)
        halt    a0
        .include "lab3data.inc"
