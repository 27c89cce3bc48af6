# userptb.s - the witness that the hybrid technique cannot hide everything
# on x86like (Popek and Goldberg's Theorem 3 holds for it, Theorem 1 does
# not): the kernel sets ptb, then runs a user program, with paging off,
# that reads ptb and status with rdptb and rdsr and makes a system call.
# The handler halts with what rdptb gave (a0).  On pg both instructions
# trap in user mode and a0 keeps its 0x77; on x86like they run in user
# mode: natively rdptb gives the kernel's ptb, PTB; under any VMM whose
# guest user code runs directly it gives the real ptb, which is the VMM's.

        .equ    PTB, 0x5000

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      t0, PTB
        mtcr    ptb, t0
        la      t0, user
        mtcr    epc, t0
        rdsr    t0
        andi    t0, t0, 0xfffb          # PS = 0: rfe enters user mode
        wrsr    t0
        li      a0, 0x77
        rfe

user:   rdptb   a0
        rdsr    a1
        syscall

trap:   halt    a0
