# syscall.s - a guest kernel drops into its user mode (rfe), and the user
# program traps four ways: syscall, break, div-zero and an illegal word.
# Each time the kernel's handler shows what the hardware gave it - cause,
# epc, badaddr, status - and returns past the instruction.  Under the VMM
# each trap must be reflected exactly so (reflect_trap, docs/isa.md 6).
# Lines, per trap: c cause, e epc, b badaddr, s status (S PIE: from user
# mode, IE was on).

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        la      t0, user
        mtcr    epc, t0
        li      t0, SR_S | SR_PIE       # rfe: to user mode (PS = 0), IE on (PIE)
        mtcr    status, t0
        rfe

user:   li      a0, 7
        syscall
        break
        li      t0, 5
        div     t1, t0, zero
        .word   0xffffffff              # an illegal word (badaddr: the word)
last:   syscall                         # the handler halts here

trap:   mv      s0, a0
        mfcr    a1, cause
        li      a0, 'c'
        call    show
        mfcr    a1, epc
        li      a0, 'e'
        call    show
        mfcr    a1, badaddr
        li      a0, 'b'
        call    show
        mfcr    a1, status
        li      a0, 's'
        call    show
        mfcr    t0, epc
        la      t1, last
        beq     t0, t1, 1f
        addi    t0, t0, 4
        mtcr    epc, t0
        mv      a0, s0
        rfe
1:      li      a0, 0x5c
        halt    a0

        .include "lab2.inc"
