# emulate.s - a guest kernel's privileged instructions, one of each kind,
# in supervisor mode with paging off: under the VMM each one traps and is
# emulated (dispatch_trap -> interp_exec).  It shows what each left behind
# and halts with 0x2a.  Nothing here may be reflected: the trap handler
# says so ("! ...") and halts with 0xbad.
# Lines: m scratch (mtcr, mfcr), r status (rdsr), w status after wrsr,
# e status after rfe, p epc, b ptb (rdptb), t tvec; `! cause` `@ epc`: a trap.

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      t0, 0x1234abcd          # mtcr, mfcr: plain storage
        mtcr    scratch, t0
        mfcr    a1, scratch
        li      a0, 'm'
        call    show
        rdsr    a1                      # rdsr: the guest's status, S set
        li      a0, 'r'
        call    show
        rdsr    s0                      # wrsr: IE and PIE on (no interrupt
        ori     t0, s0, SR_IE | SR_PIE  # can come: nothing is armed)
        wrsr    t0
        rdsr    a1
        li      a0, 'w'
        call    show
        la      t0, back                # rfe: to back, in supervisor mode
        mtcr    epc, t0                 # (PS = 1), with IE off (PIE = 0)
        li      t0, SR_S | SR_PS | SR_IE
        mtcr    status, t0
        rfe
        li      a0, 0xbad               # rfe did not jump
        halt    a0
back:   rdsr    a1
        li      a0, 'e'
        call    show
        mfcr    a1, epc
        li      a0, 'p'
        call    show
        li      t0, 0x5678              # ptb: page-aligned, as it reads back
        mtcr    ptb, t0
        rdptb   a1
        li      a0, 'b'
        call    show
        tlbflush
        tlbflushv t0
        mfcr    a1, tvec
        li      a0, 't'
        call    show
        li      a0, 0x2a
        halt    a0

trap:   mfcr    a1, cause
        li      a0, '!'
        call    show
        mfcr    a1, epc
        li      a0, '@'
        call    show
        li      a0, 0xbad
        halt    a0

        .include "lab2.inc"
