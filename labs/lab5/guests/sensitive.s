# sensitive.s - lab 5: a kernel (supervisor mode, paging off) whose blocks
# hold several of x86like's unprivileged sensitive instructions (rdsr,
# wrsr, rdptb) among innocuous and privileged ones.  Under --technique bt
# every one of them must be patched in the translation; one left as it is
# runs in real user mode on the real CPU and reads the VMM's status or ptb,
# or its write is lost (docs/isa.md section 10), and then a register
# differs from the bare machine's: `vrun --lockstep` names the first.
# It halts with a sum of what it read (s0); the test compares everything
# with the bare machine.

        .include "../../../guest-os/kernel/param.s"

        .equ    PTB, 0x7000             # ptb is only a register here: paging stays off

        .text
_start: li      t0, PTB
        mtcr    ptb, t0                 # privileged: traps and is emulated
        li      s0, 0
        li      s1, 3                   # the loop runs its blocks 3 times
loop:   rdsr    a0                      # block 1: four sensitive instructions
        rdptb   a1
        ori     t0, a0, SR_PS
        wrsr    t0                      # PS set...
        rdsr    a2                      # ...and seen here
        mfcr    t1, status              # privileged: copied, traps anyway
        add     s0, s0, a0
        add     s0, s0, a1
        add     s0, s0, a2
        add     s0, s0, t1
        call    two                     # the block ends at the call
        add     s0, s0, a0
        wrsr    a1                      # block 3 starts after the return: PS clear again
        rdsr    a3
        add     s0, s0, a3
        addi    s1, s1, -1
        bnez    s1, loop
        la      t0, seen
        sw      s0, 0(t0)
        halt    s0

two:    rdsr    t2                      # block 2: a sensitive one first and last
        andi    t2, t2, SR_PS
        rdptb   a4
        add     t2, t2, a4
        rdsr    a1
        add     a0, a1, t2
        andi    a1, a1, ~SR_PS & 0xff   # the status with PS clear, for block 3's wrsr
        ret

        .data
seen:   .word   0
