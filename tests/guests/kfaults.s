# kfaults.s - a kernel whose own instructions fault, one of each kind the
# hardware raises in supervisor mode, first with paging off, then with
# paging on through tables it builds (A and D left for the hardware to
# set).  Its handler records each trap's cause, badaddr and epc in a table
# at TABLE, then resumes after the faulting instruction (or at ra, for a
# fetch that faulted), and the kernel halts with the number of traps.
# tests/test_hybrid.c runs it on the bare machine and under the hybrid
# technique, which interprets every one of these instructions, and checks
# the table against the manual (docs/isa.md sections 6 and 7).

        .include "../../guest-os/kernel/param.s"

        .equ    TABLE, 0x90000          # the count, then cause, badaddr, epc per trap
        .equ    HOLE, 0x80000           # mapped by nothing once paging is on
        .equ    RO, 0x81000             # mapped readable, not writable
        .equ    FAR, 0x00400000         # its level-1 entry is not valid
        .equ    CAUSE_FETCH, 0x400      # detail bit: the access was a fetch

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      s0, TABLE
        sw      zero, 0(s0)
        addi    s1, s0, 4

        # paging off
        li      t1, 0x1002
mis_lw: lw      t2, 0(t1)               # misaligned load
        li      t1, 0x1001
mis_sh: sh      t2, 0(t1)               # misaligned store
bad:    .word   0xff000000              # illegal
        li      t1, 7
dz:     div     t2, t1, zero            # division by zero
brk:    break
sys:    syscall
        li      t1, 0x00200000
bus:    lw      t2, 0(t1)               # beyond memory: bus error
        li      t1, 0x1002
mis_j:  jalr    zero, 0(t1)             # misaligned jump target

        # the kernel's identity map: 256 pages, V R W X, A and D clear
        la      t0, l2
        li      t1, 0
        li      t2, 256
1:      ori     a1, t1, 0x0f            # V R W X
        sw      a1, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, PAGE
        addi    t2, t2, -1
        bnez    t2, 1b
        la      t0, l2
        sw      zero, 0x200(t0)         # HOLE's entry
        li      t1, RO + 3              # V R
        sw      t1, 0x204(t0)           # RO's entry
        la      t0, l1
        la      t1, l2
        ori     t1, t1, PTE_V
        sw      t1, 0(t0)
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, SR_PG
        wrsr    t0

        # paging on
        li      t1, HOLE
pf_lw:  lw      t2, 0(t1)               # not mapped
        li      t1, RO
        lw      t2, 0(t1)               # readable: no trap, A set
pf_sw:  sw      t2, 0(t1)               # not writable
        li      t1, FAR
pf_far: lw      t2, 8(t1)               # no level-2 table
        li      t1, HOLE
pf_x:   jalr    ra, 0(t1)               # the fetch faults; the handler returns to ra
        li      t1, TABLE + 4092
        sw      t1, 0(t1)               # a store through the map: D set
        lw      a0, 0(s0)
        halt    a0

# Record the trap, then go on after it (the kernel keeps s1 for it).
trap:   mfcr    a1, cause
        sw      a1, 0(s1)
        mfcr    a2, badaddr
        sw      a2, 4(s1)
        mfcr    a2, epc
        sw      a2, 8(s1)
        addi    s1, s1, 12
        lw      a2, 0(s0)
        addi    a2, a2, 1
        sw      a2, 0(s0)
        andi    a2, a1, CAUSE_FETCH
        beqz    a2, 2f
        andi    a2, a1, 0xff
        li      a3, CAUSE_PAGE_FAULT
        bne     a2, a3, 2f
        mtcr    epc, ra                 # a fetch that faulted: back to the caller
        rfe
2:      mfcr    a2, epc
        addi    a2, a2, 4
        mtcr    epc, a2
        rfe

        .bss
        .align  4096
l1:     .space  4096
l2:     .space  4096
