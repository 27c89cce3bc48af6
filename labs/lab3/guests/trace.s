# trace.s - lab 3: a guest page-table store is traced.  WIN maps pg_a; the
# guest loads from it (the shadow maps pg_a), then changes its entry to
# map pg_b (a store to a page table: `remap`), flushes and loads again
# (it must see pg_b's word); then it clears the entry (`unmap`), flushes
# and loads once more, which must fault (cause 0x5: page-fault, read): the
# handler halts with it.  result[0..1] keep the two words it loaded.
# WIN + 4 KiB maps pg_c throughout, loaded once before the remap: its
# shadow entry, made from a word the guest never changes, must stay.
        .include "lab3.inc"
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)
        la      t0, pg_c
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 4(t1)
        call    paging_on
        li      s0, WIN
        la      s1, result
        la      a2, win
        lw      t0, 4096(s0)                    # pg_c's word: its entry filled
        sw      t0, 8(s1)
        lw      t0, 0(s0)                       # pg_a's word
        sw      t0, 0(s1)
        la      t0, pg_b                        # A set: the VMM may map it at once
        ori     t0, t0, PTE_V | PTE_R | PTE_W | PTE_A
remap:  sw      t0, 0(a2)                       # WIN -> pg_b
        tlbflushv s0
        lw      t0, 0(s0)                       # pg_b's word
        sw      t0, 4(s1)
unmap:  sw      zero, 0(a2)                     # WIN -> nothing
        tlbflushv s0
        lw      t0, 0(s0)                       # faults: halts in trap
        li      a0, 0x0bad
        halt    a0
        .include "lab3data.inc"
