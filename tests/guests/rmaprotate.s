# rmaprotate.s - 1000 pages of a live table, each in turn filled writable
# through a store (a node in the VMM's reverse map of writable shadow
# entries) and then unmapped again (its entry rewritten with A clear: that
# shadow entry is dropped, and its node goes stale), 70 times over: 70,000
# nodes, all stale but the last.  The reverse map (65,536 nodes a VM) must
# be compacted to what is still true, without dropping every shadow (a
# "full flush"); the kernel halts with 0.
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
        la      t0, data
        ori     a3, t0, 0x47            # V R W D, A clear: mapped, not yet used
        la      s0, pt_x
        li      t1, 1000
2:      sw      a3, 0(s0)               # entries 0..999 -> data
        addi    s0, s0, 4
        addi    t1, t1, -1
        bnez    t1, 2b
        li      s1, 70                  # passes
3:      la      s0, pt_x
        li      a4, 0x400000
        li      t1, 1000
4:      sw      zero, 0(a4)             # a hidden fault fills it writable: a node
        sw      a3, 0(s0)               # A clear again: its shadow entry goes, the node is stale
        addi    s0, s0, 4
        li      t2, 4096
        add     a4, a4, t2
        addi    t1, t1, -1
        bnez    t1, 4b
        addi    s1, s1, -1
        bnez    s1, 3b
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
