# newtable.s - lab 3: a page becomes a page table after the guest wrote it
# as data.  The guest fills `fresh` (an ordinary page of its identity map:
# its store sets D, so the shadow maps it writable) as a level-2 table
# mapping WIN2 to pg_a, links it as root entry 2 and loads through WIN2:
# from that fault on, `fresh` is a traced page table and must be mapped
# read-only everywhere.  Then it remaps WIN2 to pg_b by a store through
# its identity map (`remap`), flushes, and loads again: it must see pg_b's
# word.  result[0..1] keep the two words; it halts with the second.
        .include "lab3.inc"
setup:  call    paging_on
        la      t1, fresh
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)                       # fresh written as data
        la      t1, root
        la      t0, fresh
        ori     t0, t0, PTE_V
        sw      t0, 8(t1)                       # root[2] = fresh: a table now
        li      s0, WIN2
        la      s1, result
        lw      t0, 0(s0)                       # pg_a's word, through fresh
        sw      t0, 0(s1)
        la      t1, fresh
        la      t0, pg_b                        # A set: the VMM may map it at once
        ori     t0, t0, PTE_V | PTE_R | PTE_W | PTE_A
remap:  sw      t0, 0(t1)                       # WIN2 -> pg_b
        tlbflushv s0
        lw      a0, 0(s0)                       # pg_b's word
        sw      a0, 4(s1)
        halt    a0
        .include "lab3data.inc"
