# rmapfull.s - 70 level-2 tables, every entry of each mapping one page,
# writable and dirty: 71,680 writable mappings of it.  A VMM that builds
# whole shadows (rebuild) meets more than its reverse map of writable
# shadow entries holds (65,536 a VM): a mapping it cannot remember must be
# made read-only, or the VMM could not find it when the page becomes a page
# table.  Then that page does become a level-2 table (va 0x14000000..); the
# kernel maps va 0x14000000 through it to page_a and reads 'A', rewrites
# the entry through the last table's mapping (va 0x11800000) to page_b,
# flushes, and reads 'B' (docs/isa.md 7).  A writable mapping the VMM
# forgot lets the store past the shadow: "AA".
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
        addi    t0, t0, 4               # L1[1..70] -> the 70 tables
        la      t1, tables
        la      a2, data
        ori     a2, a2, 0x67            # V R W A D
        li      s0, 70
3:      ori     t2, t1, 1
        sw      t2, 0(t0)
        addi    t0, t0, 4
        li      s1, 1024
4:      sw      a2, 0(t1)
        addi    t1, t1, 4
        addi    s1, s1, -1
        bnez    s1, 4b
        addi    s0, s0, -1
        bnez    s0, 3b
        la      t0, pt_l1
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0                      # paging on: a rebuild shadows all of it

        li      a4, 0x11800000          # the last table's first entry -> data
        la      t0, pt_l1               # data becomes a level-2 table: L1[80]
        la      t1, data
        ori     t1, t1, 1
        sw      t1, 320(t0)
        tlbflush
        la      t1, page_a
        ori     t1, t1, 0x23            # V R A
        sw      t1, 0(a4)               # data[0]: va 0x14000000 -> page_a
        tlbflush
        li      t2, 0x14000000
        lw      a0, 0(t2)
        out     con.data, a0
        la      t1, page_b
        ori     t1, t1, 0x23
        sw      t1, 0(a4)               # through the same mapping: -> page_b
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
tables: .space  70 * 4096
