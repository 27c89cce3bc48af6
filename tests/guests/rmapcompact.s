# rmapcompact.s - two entries of a live page table remapped by turns to the
# same page, 65536 rounds.  Each fill makes a writable shadow entry that the
# VMM remembers in its reverse map, and each remap leaves the node before it
# stale (taking turns defeats the "same entry filled again" shortcut), so
# the map (65536 nodes a VM) fills with stale nodes: the VMM must compact
# it, keeping the live ones, rather than drop every shadow.
#
# Then the page all those mappings reach becomes a level-2 table: every
# writable mapping of it must be found through the compacted map and made
# read-only.  The kernel maps va 0x800000 through it to page_a, reads 'A',
# rewrites the entry through an old writable mapping (va 0x400000) to
# page_b, flushes, and reads 'B' (docs/isa.md 7).  A mapping the map lost
# stays writable: the store does not reach the shadow, and the read says A.
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
        sw      a2, 0(s0)               # entry 0: va 0x400000, writable, stays
        li      a4, 0x400000
        sw      zero, 0(a4)             # filled: a live node
        li      a5, 0x401000
        li      a1, 0x402000
        lui     s1, 1                   # 65536 rounds
2:      sw      a3, 4(s0)               # entry 1: no A, its shadow entry dropped
        tlbflush
        sw      zero, 0(a5)             # a hidden fault fills it writable: a node
        sw      a3, 8(s0)               # entry 2 likewise: the node before is stale now
        tlbflush
        sw      zero, 0(a1)
        addi    s1, s1, -1
        bnez    s1, 2b

        la      t0, pt_l1               # data becomes a level-2 table: L1[2], va 0x800000..
        la      t1, data
        ori     t1, t1, 1
        sw      t1, 8(t0)
        la      t1, page_a
        ori     t1, t1, 0x23            # V R A
        sw      t1, 0(a4)               # data[0]: va 0x800000 -> page_a
        tlbflush
        li      t2, 0x800000
        lw      a0, 0(t2)
        out     con.data, a0
        la      t1, page_b
        ori     t1, t1, 0x23
        sw      t1, 0(a4)               # through the old writable mapping: -> page_b
        tlbflush
        lw      a0, 0(t2)
        out     con.data, a0
        li      a0, '\n'
        out     con.data, a0
        li      a0, 0
        halt    a0
trap:   mfcr    a0, cause
        halt    a0
        .data
        .align  4096
data:   .word   0
        .align  4096
page_a: .word   'A'
        .align  4096
page_b: .word   'B'
        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
pt_x:   .space  4096
