# farl2.s - one instruction whose fetch and data lie in the last two of
# 1023 level-2 tables.  Needs -m 8M.  Level-1 entries 1..1023 each name
# their own level-2 table (the frames of 4 MiB..8 MiB), which maps one
# page at the bottom of its 4 MiB: entry 1022's maps the page `far`, the
# code below (R X), at 0xff800000; every other maps `data` (R).  With
# paging on, the kernel jumps to 0xff800000, where a load reads
# 0xffc00000 (entry 1023): that one instruction needs the root and the
# last two tables at once.  A VMM that rebuilds its shadow of this root at
# a switch fills the tables in order until its limit, so neither of these
# two; if the second fault then drops the table the first one made, the
# load never retires (docs/vmm.md 5).  Halts with 0 after reading 7.
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
        la      s0, data                # what every table but one maps
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
        la      t0, far                 # entry 1022's table (the one before the last) maps far
        ori     t0, t0, 0x2b            # V R X A
        li      t1, 4096
        sub     a4, a4, t1
        sub     a4, a4, t1
        sw      t0, 0(a4)
        la      t0, pt_l1
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0
        lui     t0, 0xff80
        jr      t0
trap:   mfcr    a0, cause
        halt    a0

        .align  4096
far:    lui     a4, 0xffc0              # a4 = 0xffc00000: entry 1023
        lw      t1, 0(a4)               # fetched through table 1022, reads through 1023
        addi    a0, t1, -7
        halt    a0

        .data
        .align  4096
data:   .word   7
        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
