# firsttouch.s - lab 3: a first touch fills.  WIN maps pg_a read-write,
# clean (A and D clear); the guest loads from it (`touch`), then stores to
# it (`dirty`) and halts with the word it loaded.  The load takes a hidden
# fault: the VMM walks the guest's tables, sets A, and fills a shadow entry
# that maps pg_a's host frame - read-only, because the page is still
# clean (no D).  The store faults again: the VMM sets D, and the entry
# becomes writable.
        .include "lab3.inc"
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)
        call    paging_on
        li      t1, WIN
touch:  lw      a0, 0(t1)
dirty:  sw      a0, 4(t1)
        halt    a0
        .include "lab3data.inc"
