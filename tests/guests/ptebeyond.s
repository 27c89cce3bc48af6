# ptebeyond.s - page-table entries that point past the end of memory, and
# entries that map the page tables themselves, writable, through which the
# kernel edits its own tables.  Every result is checked against the manual
# (docs/isa.md section 7: "A table or page frame outside physical memory is
# a bus error"; the walk sets A only on success) and printed as one
# verdict character (hostile.inc); it halts with the number of failures.
#
# Part 1, for each frame number F past the end of memory (the first one
# past it, the next, twice the memory, 2^19 - 1, 2^19, 2^20 - 1):
#   a leaf entry for F at BEYOND_VA, no A: a load, a store and a jump to it
#   are bus errors (with WRITE, FETCH; USER from user mode), and A stays
#   clear; the same entry without V is a page fault; a level-1 entry for F
#   makes the walk itself a bus error.
# Part 2, the tables mapped at SELF_VA (level-1 entry 2 -> pt_self):
#   L1_VA maps the root, PTX_VA the level-2 table pt_x, SELF2_VA pt_self
#   itself.  The kernel maps pages, aliases and remaps them by storing
#   through these windows (flushing as the manual asks), reads A and D back,
#   reaches its last frame, and is refused a store through a read-only
#   window and any access from user mode.

        .equ    BEYOND_VA, 0x00400000   # level-1 entry 1 -> pt_x, entry 0
        .equ    ALIAS_VA, 0x00c00000    # level-1 entry 3, made through a window
        .equ    SELF_VA, 0x00800000     # level-1 entry 2 -> pt_self
        .equ    L1_VA, 0x00800000       # pt_self[0] -> pt_l1
        .equ    PTX_VA, 0x00801000      # pt_self[1] -> pt_x
        .equ    SELF2_VA, 0x00802000    # pt_self[2] -> pt_self
        .equ    B_VA, 0x00803000        # pt_self[3], made through SELF2_VA
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
        .equ    WINDOW, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        .equ    NOA, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U

        .text
_start: call    hostile_init
        la      t0, memsize
        sw      a1, 0(t0)
        la      a0, pt_k                # every page, to itself (U too: user probes run anywhere)
        li      a1, 256
        li      a2, KPAGE
        call    identity
        la      t0, pt_l1
        la      t1, pt_k
        ori     t1, t1, PTE_V
        sw      t1, 0(t0)
        la      t1, pt_x
        ori     t1, t1, PTE_V
        sw      t1, 4(t0)               # L1[1] -> pt_x
        la      t1, pt_self
        ori     t1, t1, PTE_V
        sw      t1, 8(t0)               # L1[2] -> pt_self
        la      t2, pt_self             # the windows, supervisor only
        la      t1, pt_l1
        ori     t1, t1, WINDOW
        sw      t1, 0(t2)
        la      t1, pt_x
        ori     t1, t1, WINDOW
        sw      t1, 4(t2)
        la      t1, pt_self
        ori     t1, t1, WINDOW
        sw      t1, 8(t2)
        mtcr    ptb, t0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

# ---- part 1: frames past the end of memory -----------------------------------

        la      s0, beyond              # the list of frame numbers, 0-terminated
1:      lw      a0, 0(s0)
        beqz    a0, part2
        call    frame_number            # a0 = the frame number
        mv      s1, a0
        call    beyond_one
        addi    s0, s0, 4
        j       1b

# frame_number(a0 = code): codes 1..3 are relative to memory: 1 = first frame
# past it, 2 = the next, 3 = twice the memory; anything else is the number.
frame_number:
        la      t0, memsize
        lw      t0, 0(t0)
        srli    t0, t0, PAGE_SHIFT
        li      t1, 1
        beq     a0, t1, 1f
        li      t1, 2
        beq     a0, t1, 2f
        li      t1, 3
        beq     a0, t1, 3f
        ret
1:      mv      a0, t0
        ret
2:      addi    a0, t0, 1
        ret
3:      slli    a0, t0, 1
        ret

# beyond_one(s1 = frame number past memory): the checks of part 1.
beyond_one:
        push    ra
        slli    s1, s1, PAGE_SHIFT
        ori     a0, s1, NOA             # the leaf, without A
        call    set_x0
        li      a0, BEYOND_VA           # a load
        call    probe_lw
        li      a0, CAUSE_BUS_ERROR
        li      a1, BEYOND_VA
        la      a2, lw_at
        call    check_trap
        li      a0, BEYOND_VA           # a store
        li      a1, 0x1234
        call    probe_sw
        li      a0, CAUSE_BUS_ERROR | CAUSE_WRITE
        li      a1, BEYOND_VA
        la      a2, sw_at
        call    check_trap
        li      a0, BEYOND_VA           # a jump: the fetch there faults
        call    probe_jump
        li      a0, CAUSE_BUS_ERROR | CAUSE_FETCH
        li      a1, BEYOND_VA
        li      a2, BEYOND_VA
        call    check_trap
        la      t0, pt_x                # no success, so no A
        lw      a0, 0(t0)
        ori     a1, s1, NOA
        call    check
        li      a3, BEYOND_VA           # from user mode
        la      a0, u_lw
        call    user
        li      a0, CAUSE_BUS_ERROR | CAUSE_USER
        li      a1, BEYOND_VA
        la      a2, u_lw
        call    check_trap
        ori     a0, s1, NOA & ~PTE_V    # the same without V: not present
        call    set_x0
        li      a0, BEYOND_VA
        call    probe_lw
        li      a0, CAUSE_PAGE_FAULT
        li      a1, BEYOND_VA
        la      a2, lw_at
        call    check_trap
        la      t0, pt_l1               # a level-1 entry past memory: the walk
        ori     t1, s1, PTE_V
        sw      t1, 4(t0)
        tlbflush
        li      a0, BEYOND_VA
        call    probe_lw
        li      a0, CAUSE_BUS_ERROR
        li      a1, BEYOND_VA
        la      a2, lw_at
        call    check_trap
        la      t0, pt_l1
        la      t1, pt_x
        ori     t1, t1, PTE_V
        sw      t1, 4(t0)
        tlbflush
        pop     ra
        ret

set_x0: la      t0, pt_x
        sw      a0, 0(t0)
        li      t0, BEYOND_VA
        tlbflushv t0
        ret

# ---- part 2: the page tables through windows onto themselves ------------------

part2:  li      s0, PTX_VA              # a. pt_x[5] -> data_a, through the window
        la      t0, data_a
        ori     t0, t0, WINDOW
        sw      t0, 20(s0)
        li      t0, BEYOND_VA + 5 * PAGE
        lw      a0, 0(t0)
        la      t0, data_a
        lw      a1, 0(t0)
        call    check
        li      s1, L1_VA               # b. L1[3] -> pt_x: an alias, through the root's window
        la      t0, pt_x
        ori     t0, t0, PTE_V
        sw      t0, 12(s1)
        li      t0, ALIAS_VA + 5 * PAGE
        lw      a0, 0(t0)
        la      t0, data_a
        lw      a1, 0(t0)
        call    check
        li      t1, SELF2_VA            # c. pt_self[3] -> data_b, through pt_self's own window
        la      t0, data_b
        ori     t0, t0, WINDOW
        sw      t0, 12(t1)
        li      t0, B_VA
        lw      a0, 0(t0)
        la      t0, data_b
        lw      a1, 0(t0)
        call    check
        la      t0, data_b              # d. pt_x[5] -> data_b: both aliases follow once flushed
        ori     t0, t0, WINDOW
        sw      t0, 20(s0)
        li      t0, BEYOND_VA + 5 * PAGE
        tlbflushv t0
        li      t0, ALIAS_VA + 5 * PAGE
        tlbflushv t0
        li      t0, BEYOND_VA + 5 * PAGE
        lw      a0, 0(t0)
        la      t0, data_b
        lw      a1, 0(t0)
        call    check
        li      t0, ALIAS_VA + 5 * PAGE
        lw      a0, 0(t0)
        la      t0, data_b
        lw      a1, 0(t0)
        call    check
        li      t0, ALIAS_VA + 5 * PAGE # e. a store through the alias, read where it lives
        li      t1, 0x77
        sw      t1, 4(t0)
        la      t0, data_b
        lw      a0, 4(t0)
        li      a1, 0x77
        call    check
        lw      a0, 20(s0)              # f. the hardware set A and D in pt_x[5]
        andi    a0, a0, PTE_A | PTE_D
        li      a1, PTE_A | PTE_D
        call    check
        la      t0, memsize             # g. pt_x[6] and [7] -> the last frame
        lw      t0, 0(t0)
        addi    t0, t0, -PAGE
        ori     t1, t0, WINDOW
        sw      t1, 24(s0)
        sw      t1, 28(s0)
        li      t0, BEYOND_VA + 6 * PAGE
        li      t1, 0x600d
        sw      t1, 8(t0)               # through one...
        li      t0, BEYOND_VA + 7 * PAGE
        lw      a0, 8(t0)               # ...and the other
        li      a1, 0x600d
        call    check
        sw      zero, 12(s1)            # h. L1[3] cleared: the alias is gone
        tlbflush
        li      a0, ALIAS_VA + 5 * PAGE
        call    probe_lw
        li      a0, CAUSE_PAGE_FAULT
        li      a1, ALIAS_VA + 5 * PAGE
        la      a2, lw_at
        call    check_trap
        li      t1, SELF2_VA            # i. the root's window made read-only: a store is refused
        la      t0, pt_l1
        ori     t0, t0, WINDOW & ~PTE_W
        sw      t0, 0(t1)
        li      t0, L1_VA
        tlbflushv t0
        li      a0, L1_VA + 400
        li      a1, 0x12345001
        call    probe_sw
        li      a0, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE
        li      a1, L1_VA + 400
        la      a2, sw_at
        call    check_trap
        la      t0, pt_l1               # and L1[100] is still empty
        lw      a0, 400(t0)
        li      a1, 0
        call    check
        li      a3, PTX_VA              # j. the windows are not U: user mode is refused
        la      a0, u_lw
        call    user
        li      a0, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_USER
        li      a1, PTX_VA
        la      a2, u_lw
        call    check_trap
        li      a3, SELF2_VA + 8
        li      a1, 0
        la      a0, u_sw
        call    user
        li      a0, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE | CAUSE_USER
        li      a1, SELF2_VA + 8
        la      a2, u_sw
        call    check_trap
        j       finish

# ---- probes: one access in supervisor mode; tr_cause says what trapped -------

probe_sw:                               # a1 is stored at a0
        push    ra
        mv      t2, a0
        la      a0, 1f
        call    arm
sw_at:  sw      a1, 0(t2)
        call    disarm
1:      pop     ra
        ret

probe_jump:
        push    ra
        mv      t2, a0
        la      a0, 1f
        call    arm
        jalr    zero, 0(t2)
1:      pop     ra
        ret

# User-mode code (every page has U): the access at a3, then back.
u_lw:   lw      a1, 0(a3)
        syscall
u_sw:   sw      a1, 0(a3)
        syscall

        .include "hostile.inc"

        .data
        .align  4
memsize: .word  0
beyond: .word   1, 2, 3, 0x7ffff, 0x80000, 0xfffff, 0
        .align  4096
data_a: .word   0xdada000a, 0
        .align  4096
data_b: .word   0xdada000b, 0

        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
pt_x:   .space  4096
pt_self: .space 4096
