# firsttouch.s - lab 3: a first touch fills.  WIN maps pg_a read-write,
# clean (A and D clear); the guest loads from it once and halts with the
# word.  The first load takes a hidden fault: the VMM walks the guest's
# tables, sets A, and fills a shadow entry that maps pg_a's host frame -
# read-only, because the page is still clean (no D).
        .include "lab3.inc"
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)
        call    paging_on
        li      t1, WIN
touch:  lw      a0, 0(t1)
        halt    a0
        .include "lab3data.inc"
