# wpflush.s - a page the kernel has just written through a writable mapping
# becomes a page table.  The kernel writes an entry of it through that
# mapping (va 0x400000) while it is still plain data, then reads through it
# (va 0x800000 -> page_a: 'A'), then rewrites the entry through the same
# mapping (-> page_b), flushes as the manual asks (docs/isa.md 7), and
# reads again: 'B'.  A VMM that makes the mapping read-only when the page
# becomes a table must flush the real TLB too: the TLB still holds the
# mapping writable from the first store, the second store would slip past
# the VMM, and the shadow would keep page_a ("AA").
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
        la      t1, data
        ori     t1, t1, 0x67            # V R W A D
        la      t2, pt_x
        sw      t1, 0(t2)               # va 0x400000 -> data, writable
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0

        li      a4, 0x400000
        la      t0, pt_l1               # data becomes a level-2 table: L1[2], va 0x800000..
        la      t1, data
        ori     t1, t1, 1
        sw      t1, 8(t0)
        tlbflush
        la      t1, page_a
        ori     t1, t1, 0x23            # V R A
        sw      t1, 0(a4)               # data[0]: va 0x800000 -> page_a (the TLB keeps va 0x400000 writable)
        li      t2, 0x800000
        lw      a0, 0(t2)               # data is a page table from here on
        out     con.data, a0
        la      t1, page_b
        ori     t1, t1, 0x23
        sw      t1, 0(a4)               # -> page_b, through the same mapping
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
