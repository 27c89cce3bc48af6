# timer.s - the virtual timer's interrupt, with IE off and then on.  The
# kernel arms the timer for 40 cycles and spins for longer with IE off: no
# interrupt may be taken, though one is pending.  Then it sets IE with
# wrsr: the interrupt is taken at once, before the next instruction (epc
# = `after`).  Last, it arms the timer again and drops into a user-mode
# loop with IE on; the interrupt arrives there (PS = 0), and the handler
# halts.  Under the VMM: reflect_interrupts must look at the guest's IE.
# Lines: n interrupts taken so far, e epc of the first (`after`), s status
# in its handler; then c cause (0x10: timer), u epc - `user`, s status.

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      t0, 40
        mtcr    timer, t0
        li      s0, 0
1:      addi    s0, s0, 1               # 300 instructions with IE off
        li      t0, 150
        blt     s0, t0, 1b
        la      t0, ticks
        lw      a1, 0(t0)
        li      a0, 'n'                 # n 0: none taken
        call    show
        rdsr    s1
        ori     t0, s1, SR_IE
        wrsr    t0                      # the pending interrupt is taken here
after:  wrsr    s1
        la      t0, ticks
        lw      a1, 0(t0)
        li      a0, 'n'                 # n 1
        call    show
        la      t0, tepc
        lw      a1, 0(t0)
        li      a0, 'e'                 # e: after
        call    show
        la      t0, tstatus
        lw      a1, 0(t0)
        li      a0, 's'
        call    show
        li      t0, 100                 # again, in user mode with IE on
        mtcr    timer, t0
        la      t0, user
        mtcr    epc, t0
        li      t0, SR_S | SR_PIE       # rfe: to user mode, IE on
        mtcr    status, t0
        rfe

user:   addi    s0, s0, 1
        j       user

trap:   mfcr    t0, epc                 # record, acknowledge, return
        la      t1, tepc
        sw      t0, 0(t1)
        rdsr    t0
        la      t1, tstatus
        sw      t0, 0(t1)
        mfcr    t0, cause
        la      t1, tcause
        sw      t0, 0(t1)
        mtcr    timer, zero             # acknowledge and disarm
        la      t0, ticks
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        li      t0, 2
        beq     t1, t0, 2f
        rfe
2:      mfcr    a1, cause
        li      a0, 'c'
        call    show
        mfcr    a1, epc                 # somewhere in user
        la      t0, user
        sub     a1, a1, t0
        li      a0, 'u'
        call    show
        mfcr    a1, status
        li      a0, 's'
        call    show
        li      a0, 0x11
        halt    a0

        .include "lab2.inc"

        .data
ticks:  .word   0
tepc:   .word   0
tstatus: .word  0
tcause: .word   0
