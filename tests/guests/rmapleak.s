# rmapleak.s - the same two pages remapped over and over in a live table,
# 65536 times.  The working set never changes, so the VMM's reverse map of
# writable shadow entries must not grow: a VMM that remembered every
# re-fill would fill it and have to drop every shadow (a "full flush").
        .text
_start: la      t0, trap
        mtcr    tvec, t0
        la      t0, pt_k                # identity map 256 pages, sup RWXAD
        li      t1, 0
        li      t2, 256
1:      ori     a3, t1, 0x6f
        sw      a3, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 1b
        la      t0, pt_l1
        la      t1, pt_k
        ori     t1, t1, 1
        sw      t1, 0(t0)
        la      t1, pt_x
        ori     t1, t1, 1
        sw      t1, 4(t0)               # L1[1] -> pt_x: va 0x400000..
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0
        la      s0, pt_x
        la      t0, data
        ori     a2, t0, 0x67            # V R W A D
        ori     a3, t0, 0x47            # V R W D, A clear
        lui     s1, 1                   # 65536 rounds
        lui     a4, 0x40                # va 0x400000 (entry 0)
        lui     a5, 0x40
        addi    a5, a5, 0x7ff
        addi    a5, a5, 0x7ff
        addi    a5, a5, 2               # va 0x401000 (entry 1)
2:      sw      a2, 0(s0)               # entry 0: writable at once (a node)
        sw      a3, 4(s0)               # entry 1: no A, so not shadowed yet
        tlbflush
        sw      zero, 0(a5)             # hidden fault fills it writable (a node)
        addi    s1, s1, -1
        bnez    s1, 2b
        li      a0, 0
        halt    a0
trap:   mfcr    a0, cause
        halt    a0
        .data
        .align  4096
data:   .word   0
        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
pt_x:   .space  4096
