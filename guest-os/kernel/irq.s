# irq.s - critical sections, and the kernel's "am I really the supervisor?" check.
#
# A critical section is code that must not be interrupted half-way, such
# as taking a page off the free list.  On one CPU, turning interrupts off is
# enough.  Kernels do it by saving the status word, clearing IE, and later
# writing the saved word back (not "turning IE on": the caller may already
# have had interrupts off, and must find them off again).  Linux does exactly
# this with pushf/cli ... popf on x86.
#
# In this kernel every trap already enters with IE = 0 and the kernel turns
# it on only to idle (proc.s) and in the critical system call (critsec.s),
# so elsewhere these sections never actually stop an interrupt.  They are
# here because real kernels are written this way, and because rdsr and wrsr
# are precisely the instructions that the x86like variant of the machine
# fails to trap (docs/isa.md, section 10): a VMM must see the kernel use
# them.  The critical system call is where it matters: there a timer
# interrupt really is held off by irq_save, or, under a VMM that never sees
# the wrsr, lands inside and loses an update.

        .text

# irq_save: disable interrupts and return the status word as it was.
#   in:  nothing
#   out: a0 = the old status word, to be given to irq_restore
#   uses t0.  Panics (does not return) if not in supervisor mode, unless
#   the boot option nocheck said to carry on regardless.
irq_save:
        .if PARAVIRT
        li      a0, 0                   # pv: IE = 0, and a0 = the status word before
        hcall   a0, HC_IRQ
        andi    t0, a0, SR_S
        beqz    t0, 2f
1:      ret
        .else
        rdsr    a0
        andi    t0, a0, SR_S
        beqz    t0, 2f
1:      andi    t0, a0, 0xffff - SR_IE  # everything but IE (the status word has 5 bits)
        wrsr    t0
        ret
        .endif
2:      la      t0, nocheck             # off the normal path, so that without the
        lw      t0, 0(t0)               # option not one instruction more runs
        beqz    t0, not_supervisor      # a0 still holds the status word for the message
        j       1b                      # nocheck: believe the wrsr, as a kernel would

# irq_restore: put back the status word saved by irq_save.
#   in:  a0 = what irq_save returned
irq_restore:
        .if PARAVIRT
        srli    t0, a0, 1               # pv: irq takes IE alone (bit 0), and keeps a0
        andi    t0, t0, 1
        hcall   t0, HC_IRQ
        .else
        wrsr    a0
        .endif
        ret

# assert_supervisor: check that the status word says supervisor mode.
#   A kernel that finds S = 0 is not running on the machine it was written
#   for - for instance it is a guest of a trap-and-emulate VMM on a machine
#   whose rdsr does not trap (the x86like variant) - and it must not go on
#   believing it controls the hardware.  Called at boot, by the scheduler
#   and by irq_save.
#   uses a0, t0.  Returns only if S = 1, or with the boot option nocheck
#   (bootopt.s), which makes every check believe it: a kernel that does not
#   notice, so that what the VMM's lie does to it can be watched.
assert_supervisor:
        .if PARAVIRT
        hcall   a0, HC_STATUS
        .else
        rdsr    a0
        .endif
        andi    t0, a0, SR_S
        beqz    t0, 1f
        ret
1:      la      t0, nocheck             # looked at only when the check fails: without
        lw      t0, 0(t0)               # the option the path is as it always was
        beqz    t0, not_supervisor
        ret

# not_supervisor: print "kernel: panic: not in supervisor mode (status
# 0x...)" and halt with 1.  a0 = the status word read.  Does not return.
#   Prints with the raw console routines: the normal ones call irq_save,
#   which would end up here again.
not_supervisor:
        mv      s0, a0
        la      a0, msg_notsuper
        call    puts_raw
        mv      a0, s0
        call    puthex_raw
        la      a0, msg_notsuper2
        call    puts_raw
        li      t0, 1
        .if PARAVIRT
        hcall   t0, HC_HALT
        .else
        halt    t0
        .endif

        .data
        .align  4
msg_notsuper:   .asciz "kernel: panic: not in supervisor mode (status "
msg_notsuper2:  .asciz ")\n"
