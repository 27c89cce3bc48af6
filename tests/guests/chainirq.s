# chainirq.s - a timer interrupt inside a run of privileged instructions,
# at every position.  A trap-and-emulate VMM that emulates such a run
# without re-entering the guest (chained emulation, docs/performance.md
# section 4) must still take the interrupt before exactly the instruction
# the bare machine takes it before.  The kernel arms the timer for n
# cycles, n = 1..27, and runs 24 privileged instructions in a row; the
# handler prints which one the interrupt came before ('A' + its place:
# n = 1 gives 'B', the second of the run; past the 24th, 'Y' and on, the
# instructions after the run) and the run goes on.  Output:
# "BCDEFGHIJKLMNOPQRSTUVWXYZ[\" and a newline; halt 0.

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        mfcr    t0, status
        ori     t0, t0, 2               # IE on
        mtcr    status, t0
        li      s0, 1                   # the timer's interval
        la      s1, chain
1:      mtcr    timer, s0
chain:  mfcr    t1, epc
        mfcr    t1, status
        mtcr    scratch, s0
        mfcr    t1, scratch
        mfcr    t1, epc
        mfcr    t1, status
        mtcr    scratch, s0
        mfcr    t1, scratch
        mfcr    t1, epc
        mfcr    t1, status
        mtcr    scratch, s0
        mfcr    t1, scratch
        mfcr    t1, epc
        mfcr    t1, status
        mtcr    scratch, s0
        mfcr    t1, scratch
        mfcr    t1, epc
        mfcr    t1, status
        mtcr    scratch, s0
        mfcr    t1, scratch
        mfcr    t1, epc
        mfcr    t1, status
        mtcr    scratch, s0
        mfcr    t1, scratch
        addi    s0, s0, 1
        li      t1, 28
        blt     s0, t1, 1b
        li      t0, 10
        out     con.data, t0
        li      a0, 0
        halt    a0

trap:   mfcr    t2, epc
        sub     t2, t2, s1
        srli    t2, t2, 2
        addi    t2, t2, 65              # 'A' + the instruction's place in the run
        out     con.data, t2
        mtcr    timer, zero             # acknowledge and disarm
        rfe
