# adbits.s - lab 3: A and D bits as the hardware keeps them.  Four pages,
# clean, in the window: pg_a only loaded, pg_b only stored, pg_c loaded
# then stored, pg_d never touched.  Between pg_c's load and its store the
# guest copies pg_c's entry to result[0] (A set, D still clear on the bare
# machine); at the end it copies all four entries to result[1..4].
        .include "lab3.inc"
        .equ    PAGE_RW, PTE_V | PTE_R | PTE_W
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PAGE_RW
        sw      t0, 0(t1)
        la      t0, pg_b
        ori     t0, t0, PAGE_RW
        sw      t0, 4(t1)
        la      t0, pg_c
        ori     t0, t0, PAGE_RW
        sw      t0, 8(t1)
        la      t0, pg_d
        ori     t0, t0, PAGE_RW
        sw      t0, 12(t1)
        call    paging_on
        li      s0, WIN
        lw      s1, 0(s0)                       # pg_a: load
        li      t0, 0x5eed
        sw      t0, 4096(s0)                    # pg_b: store
        lw      t0, 8192(s0)                    # pg_c: load...
        la      t1, win
        lw      t2, 8(t1)
        la      t1, result
        sw      t2, 0(t1)
        addi    t0, t0, 1
        sw      t0, 8192(s0)                    # ...then store
        la      t1, win                         # the entries as they ended
        la      t2, result
        lw      t0, 0(t1)
        sw      t0, 4(t2)
        lw      t0, 4(t1)
        sw      t0, 8(t2)
        lw      t0, 8(t1)
        sw      t0, 12(t2)
        lw      t0, 12(t1)
        sw      t0, 16(t2)
        mv      a0, s1
        halt    a0
        .include "lab3data.inc"
