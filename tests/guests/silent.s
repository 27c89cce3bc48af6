# silent.s - the three sensitive instructions that x86like does not trap in
# user mode (rdsr, wrsr, rdptb: docs/isa.md section 10), each at a label
# and run a known number of times - NRDSR, NWRSR, NRDPTB - by one routine,
# body, called first in supervisor mode and then in user mode (paging off
# both times).  tests/test_oracle.c counts where they ran silently.
#
# A privileged trap (on pg each of them traps in user mode) is counted in
# s0 and skipped; the user part ends with a system call, and the guest
# halts with s0: 0 on x86like, NRDSR + NWRSR + NRDPTB on pg.  Any other
# trap halts with 99.

        .include "../../guest-os/kernel/param.s"

        .equ    NRDSR,  3
        .equ    NWRSR,  5
        .equ    NRDPTB, 7

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      s0, 0
        call    body                    # supervisor mode: sensitive, but nothing hidden
        li      t0, SR_S                # PS = 0, PIE = 0: rfe goes to user mode
        mtcr    status, t0
        la      t0, user
        mtcr    epc, t0
        rfe
user:   call    body
        syscall

# wrsr writes back what rdsr read: no change in supervisor mode, and in
# user mode x86like drops it anyway.
body:   li      t1, NRDSR
at_rdsr: rdsr   t0
        addi    t1, t1, -1
        bnez    t1, at_rdsr
        li      t1, NWRSR
at_wrsr: wrsr   t0
        addi    t1, t1, -1
        bnez    t1, at_wrsr
        li      t1, NRDPTB
at_rdptb: rdptb t2
        addi    t1, t1, -1
        bnez    t1, at_rdptb
        ret

trap:   mfcr    a0, cause
        li      a1, CAUSE_PRIV
        bne     a0, a1, 1f
        addi    s0, s0, 1               # privileged: count it, go on after it
        mfcr    a0, epc
        addi    a0, a0, 4
        mtcr    epc, a0
        rfe
1:      li      a1, CAUSE_SYSCALL
        bne     a0, a1, 2f
        halt    s0
2:      li      a0, 99
        halt    a0
