# misaligned.s - misaligned loads and stores in the guest's supervisor
# mode, then in its user mode.  The hardware sets CAUSE_USER (0x800) in
# cause when the access was made in user mode (docs/isa.md 6).  Under the
# VMM the real CPU always runs the guest in user mode, so it always sets
# USER: the dispatcher must make the bit tell the guest's mode.
# Lines, per trap: c cause (0x800: USER), b badaddr, e epc, s status.

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      s1, 0x1001
        lw      t1, 0(s1)               # supervisor: cause 0x006
        sh      t1, 0(s1)               # cause 0x206 (WRITE)
        la      t0, user
        mtcr    epc, t0
        li      t0, SR_S                # rfe: to user mode (PS = 0)
        mtcr    status, t0
        rfe

user:   li      s1, 0x2003
        lw      t1, 0(s1)               # user: cause 0x806
        sw      t1, 0(s1)               # cause 0xa06
last:   syscall

trap:   mfcr    a1, cause
        li      a0, 'c'
        call    show
        mfcr    a1, badaddr
        li      a0, 'b'
        call    show
        mfcr    a1, epc
        li      a0, 'e'
        call    show
        mfcr    a1, status
        li      a0, 's'
        call    show
        mfcr    t0, epc
        la      t1, last
        beq     t0, t1, 1f
        addi    t0, t0, 4
        mtcr    epc, t0
        rfe
1:      li      a0, 0x44
        halt    a0

        .include "lab2.inc"
