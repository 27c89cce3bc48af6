# selfref.s - page tables that refer to themselves and to each other.
# Every result is checked against the manual (docs/isa.md section 7: a
# walk reads the level-1 entry, then the level-2 entry it points at, which
# maps the page with its own R W X U bits, and sets A, and D on a store,
# in that level-2 entry) and printed as one verdict character
# (hostile.inc); it halts with the number of failures.
#
# 1. The root used as its own level-2 table: root[RECURSE] points at the
#    root, so the page (RECURSE, j) is whatever root[j] points at, with
#    root[j]'s bits as a leaf's.  The kernel reads its tables through it,
#    makes a new mapping by storing through it, and sees the hardware set
#    A and D in a root entry used as a leaf.
# 2. Two roots that are each other's level-2 table: root[CROSS] -> rootb
#    and rootb[CROSS] -> root.  The kernel switches between them, reads
#    each through the other, and writes the running root through the cycle.
# 3. One level-2 table, pt_shared, behind 16 level-1 slots of both roots,
#    in supervisor and user mode; changed once, seen changed everywhere.

        .equ    RECURSE, 5              # root[5] -> root
        .equ    REC_VA, RECURSE << 22
        .equ    CROSS, 9                # root[9] -> rootb, rootb[9] -> root
        .equ    CROSS_VA, CROSS << 22
        .equ    NEWSLOT, 6              # made through the recursion
        .equ    ADSLOT, 7               # a root entry without A or D
        .equ    CYCSLOT, 11             # made through the cycle
        .equ    SHARED_FIRST, 16        # root[16..31] and rootb[16..31] -> pt_shared
        .equ    SHARED_N, 16
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
        .equ    TABLE, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D  # an entry good at both levels

        .text
_start: call    hostile_init
        la      a0, pt_k
        li      a1, 256
        li      a2, KPAGE
        call    identity
        la      s0, root
        la      s1, rootb
        la      t1, pt_k
        ori     t1, t1, TABLE
        sw      t1, 0(s0)               # both roots: the kernel at entry 0
        sw      t1, 0(s1)
        ori     t1, s0, TABLE
        sw      t1, 4 * RECURSE(s0)     # root[5] -> root
        sw      t1, 4 * CROSS(s1)       # rootb[9] -> root
        ori     t1, s1, TABLE
        sw      t1, 4 * CROSS(s0)       # root[9] -> rootb
        la      t1, pt_y
        ori     t1, t1, PTE_V | PTE_R | PTE_W
        sw      t1, 4 * ADSLOT(s0)      # root[7] -> pt_y, no A, no D
        la      t1, data_a
        ori     t1, t1, TABLE
        sw      t1, 4 * 10(s1)          # rootb[10] -> data_a (a leaf, seen through the cycle)
        la      t0, pt_shared           # pt_shared: data_a for everyone, data_b supervisor only
        la      t1, data_a
        ori     t1, t1, KPAGE
        sw      t1, 0(t0)
        la      t1, data_b
        ori     t1, t1, PTE_V | PTE_R | PTE_A
        sw      t1, 4(t0)
        la      t1, pt_shared
        ori     t1, t1, PTE_V
        li      t2, SHARED_N
        addi    a0, s0, 4 * SHARED_FIRST
        addi    a1, s1, 4 * SHARED_FIRST
1:      sw      t1, 0(a0)
        sw      t1, 0(a1)
        addi    a0, a0, 4
        addi    a1, a1, 4
        addi    t2, t2, -1
        bnez    t2, 1b
        mtcr    ptb, s0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

# ---- 1. the root as its own level-2 table ---------------------------------------

        li      t0, REC_VA              # page (5, 0) is pt_k: its entry 3 maps page 3
        lw      a0, 12(t0)
        li      a1, 3 * PAGE | KPAGE
        call    check
        li      t0, REC_VA + RECURSE * PAGE  # page (5, 5) is the root: its entry 5
        lw      a0, 4 * RECURSE(t0)
        ori     a1, s0, TABLE
        call    check
        li      t1, REC_VA + RECURSE * PAGE  # root[6] -> pt_x, stored through the recursion
        la      t0, pt_x
        ori     t0, t0, TABLE
        sw      t0, 4 * NEWSLOT(t1)
        li      t1, REC_VA + NEWSLOT * PAGE  # page (5, 6) is pt_x: pt_x[0] -> data_a
        la      t0, data_a
        ori     t0, t0, TABLE
        sw      t0, 0(t1)
        li      t0, NEWSLOT << 22       # and page (6, 0) is data_a
        lw      a0, 0(t0)
        la      t0, data_a
        lw      a1, 0(t0)
        call    check
        li      t0, REC_VA + ADSLOT * PAGE  # a load through root[7] as a leaf sets its A...
        lw      t1, 0(t0)
        lw      a0, 4 * ADSLOT(s0)
        andi    a0, a0, PTE_A | PTE_D
        li      a1, PTE_A
        call    check
        li      t0, REC_VA + ADSLOT * PAGE  # ...and a store its D
        li      t1, 0x4d
        sw      t1, 8(t0)
        lw      a0, 4 * ADSLOT(s0)
        andi    a0, a0, PTE_A | PTE_D
        li      a1, PTE_A | PTE_D
        call    check
        la      t0, pt_y                # the store went to pt_y
        lw      a0, 8(t0)
        li      a1, 0x4d
        call    check
        li      t1, REC_VA + RECURSE * PAGE  # root[6] -> pt_x2 instead; flush; both views follow
        la      t0, pt_x2
        ori     t0, t0, TABLE
        sw      t0, 4 * NEWSLOT(t1)
        tlbflush
        li      t1, REC_VA + NEWSLOT * PAGE  # page (5, 6) is pt_x2 now: pt_x2[0] -> data_b
        la      t0, data_b
        ori     t0, t0, TABLE
        sw      t0, 0(t1)
        li      t0, NEWSLOT << 22
        lw      a0, 0(t0)
        la      t0, data_b
        lw      a1, 0(t0)
        call    check
        la      t0, pt_x                # and pt_x kept its entry
        lw      a0, 0(t0)
        la      a1, data_a
        ori     a1, a1, TABLE
        call    check

# ---- 2. two roots, each the other's level-2 table -------------------------------

        li      t0, CROSS_VA + 10 * PAGE  # from root: page (9, 10) is rootb[10] as a leaf: data_a
        lw      a0, 0(t0)
        la      t0, data_a
        lw      a1, 0(t0)
        call    check
        li      t0, CROSS_VA            # page (9, 0) is rootb[0] as a leaf: pt_k
        lw      a0, 4(t0)
        li      a1, 1 * PAGE | KPAGE
        call    check
        li      t1, CROSS_VA + CROSS * PAGE  # page (9, 9) is rootb[9] as a leaf: root itself
        la      t0, pt_z                # root[11] -> pt_z, written through the cycle
        ori     t0, t0, TABLE
        sw      t0, 4 * CYCSLOT(t1)
        la      t0, pt_z
        la      t1, data_b
        ori     t1, t1, TABLE
        sw      t1, 0(t0)
        li      t0, CYCSLOT << 22
        lw      a0, 0(t0)
        la      t0, data_b
        lw      a1, 0(t0)
        call    check
        mtcr    ptb, s1                 # now on rootb
        li      t0, CROSS_VA + CROSS * PAGE  # page (9, 9) is root[9] as a leaf: rootb itself
        lw      a0, 4 * 10(t0)
        la      a1, data_a
        ori     a1, a1, TABLE
        call    check
        li      t0, CROSS_VA + CYCSLOT * PAGE  # page (9, 11) is root[11] as a leaf: pt_z
        lw      a0, 0(t0)
        la      a1, data_b
        ori     a1, a1, TABLE
        call    check
        li      t0, CROSS_VA + CROSS * PAGE  # rootb[12] -> pt_z, through the cycle, on rootb
        la      t1, pt_z
        ori     t1, t1, TABLE
        sw      t1, 4 * 12(t0)
        li      t0, 12 << 22
        lw      a0, 0(t0)
        la      t0, data_b
        lw      a1, 0(t0)
        call    check
        mtcr    ptb, s0                 # back on root: rootb[12] is no entry of root's
        li      a0, 12 << 22
        call    probe_lw
        li      a0, CAUSE_PAGE_FAULT
        li      a1, 12 << 22
        la      a2, lw_at
        call    check_trap

# ---- 3. one level-2 table behind 16 slots of both roots, both modes ----------

        call    shared_all              # every slot of root sees data_a
        mtcr    ptb, s1
        call    shared_all              # and of rootb
        la      t0, pt_shared           # pt_shared[0] -> data_b: everywhere, once flushed
        la      t1, data_b
        ori     t1, t1, KPAGE
        sw      t1, 0(t0)
        tlbflush
        la      t0, data_b
        lw      t0, 0(t0)
        la      t1, data_a
        sw      t0, 0(t1)               # (shared_all compares with data_a's word)
        call    shared_all
        mtcr    ptb, s0
        call    shared_all
        li      a3, (SHARED_FIRST + 3) << 22  # user mode: entry 0 has U...
        la      a0, u_lw
        call    user
        li      a0, CAUSE_SYSCALL
        li      a1, 0
        la      a2, u_lw + 4
        call    check_trap
        li      a3, ((SHARED_FIRST + 3) << 22) + PAGE  # ...entry 1 has not
        la      a0, u_lw
        call    user
        li      a0, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_USER
        li      a1, ((SHARED_FIRST + 3) << 22) + PAGE
        la      a2, u_lw
        call    check_trap
        la      t0, pt_shared           # U taken from entry 0: refused in every slot
        lw      t1, 0(t0)
        andi    t1, t1, ~PTE_U & 0xffff
        la      t2, data_b
        or      t1, t1, t2
        sw      t1, 0(t0)
        tlbflush
        li      a3, (SHARED_FIRST + 15) << 22
        la      a0, u_lw
        call    user
        li      a0, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_USER
        li      a1, (SHARED_FIRST + 15) << 22
        la      a2, u_lw
        call    check_trap
        j       finish

# shared_all: each of the 16 slots maps data_a's word at its page 0.
shared_all:
        push    ra
        push    s0
        li      s0, SHARED_FIRST
1:      slli    t0, s0, 22
        lw      a0, 0(t0)
        la      t0, data_a
        lw      a1, 0(t0)
        call    check
        addi    s0, s0, 1
        li      t0, SHARED_FIRST + SHARED_N
        bne     s0, t0, 1b
        pop     s0
        pop     ra
        ret

u_lw:   lw      a1, 0(a3)
        syscall

        .include "hostile.inc"

        .data
        .align  4096
data_a: .word   0xdada000a
        .align  4096
data_b: .word   0xdada000b

        .bss
        .align  4096
root:   .space  4096
rootb:  .space  4096
pt_k:   .space  4096
pt_x:   .space  4096
pt_x2:  .space  4096
pt_y:   .space  4096
pt_z:   .space  4096
pt_shared: .space 4096
