# userpriv.s - the guest's user program tries privileged instructions:
# mtcr, rdsr, mfcr, wfi and halt.  On the bare machine each is a
# privileged trap (cause 4, badaddr the instruction's word) that the guest
# kernel's handler shows and skips; none of them does anything.  Under the
# VMM the guest is in *virtual user* mode: each trap must be reflected,
# never emulated (emulating would write scratch, or halt the VM).
# Lines, per trap: c cause, e epc, b badaddr (the instruction's word),
# x scratch (the kernel's 0x600d: the user's mtcr did nothing).

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      t0, 0x600d
        mtcr    scratch, t0
        la      t0, user
        mtcr    epc, t0
        li      t0, SR_S                # rfe: to user mode (PS = 0), IE off
        mtcr    status, t0
        rfe

user:   li      t0, 0xbad
        mtcr    scratch, t0
        rdsr    s1
        mfcr    s1, epc
        wfi
        li      a0, 0x77
        halt    a0
last:   syscall                         # the handler halts here

trap:   mfcr    a1, cause
        li      a0, 'c'
        call    show
        mfcr    a1, epc
        li      a0, 'e'
        call    show
        mfcr    a1, badaddr
        li      a0, 'b'
        call    show
        mfcr    a1, scratch             # still the kernel's 0x600d
        li      a0, 'x'
        call    show
        mfcr    t0, epc
        la      t1, last
        beq     t0, t1, 1f
        addi    t0, t0, 4
        mtcr    epc, t0
        rfe
1:      li      a0, 0x33
        halt    a0

        .include "lab2.inc"
