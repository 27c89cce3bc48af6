# manyl2.s - one address space with 1023 distinct level-2 tables (the
# frames of 4 MiB..8 MiB), each mapping one page, all touched in turn.
# Needs -m 8M.  Every shadow policy must give the same result, and the
# VMM must hold no more than its shadow_frames limit of host frames for it
# (tests/test_vmm.c runs it with a small limit beside another VM).
        .equ    NL2, 1023
        .text
_start: la      t0, trap
        mtcr    tvec, t0
        la      t0, pt_k                # identity map 1024 pages, sup RWXA
        li      t1, 0
        li      t2, 1024
1:      ori     a3, t1, 0x2f
        sw      a3, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 1b
        la      t0, pt_l1
        la      t1, pt_k
        ori     t1, t1, 1
        sw      t1, 0(t0)
        la      s0, data                # the page every table maps
        ori     s0, s0, 0x23            # V R A
        li      s1, 1
        lui     a4, 0x40                # a4 = 0x400000: the first table
2:      sw      s0, 0(a4)               # table[0] -> data (paging is off)
        la      t0, pt_l1
        slli    t1, s1, 2
        add     t0, t0, t1
        ori     t1, a4, 1
        sw      t1, 0(t0)               # L1[s1] -> table
        li      t1, 4096
        add     a4, a4, t1
        addi    s1, s1, 1
        li      t2, NL2+1
        bne     s1, t2, 2b
        la      t0, pt_l1
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0
        li      a2, 3                   # three rounds over every table
3:      li      s1, 1
4:      slli    t0, s1, 22
        lw      t1, 0(t0)
        add     a5, a5, t1
        addi    s1, s1, 1
        li      t2, NL2+1
        bne     s1, t2, 4b
        addi    a2, a2, -1
        bnez    a2, 3b
        li      a0, 0
        halt    a0
trap:   mfcr    a0, cause
        halt    a0
        .data
        .align  4096
data:   .word   7
        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
