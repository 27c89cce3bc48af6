# irq.s - critical sections, and the kernel's "am I really the supervisor?" check.
#
# A critical section is code that must not be interrupted half-way, such
# as taking a page off the free list.  On one CPU, turning interrupts off is
# enough.  Kernels do it by saving the status word, clearing IE, and later
# writing the saved word back (not "turning IE on": the caller may already
# have had interrupts off, and must find them off again).  Linux does exactly
# this with pushf/cli ... popf on x86.
#
# In this kernel every trap already enters with IE = 0 and the kernel never
# turns it on except to idle (proc.s), so these sections never actually
# stop an interrupt.  They are here because real kernels are written this
# way, and because rdsr and wrsr are precisely the instructions that the
# x86like variant of the machine fails to trap (docs/isa.md, section 10): a
# VMM must see the kernel use them.

        .text

# irq_save: disable interrupts and return the status word as it was.
#   in:  nothing
#   out: a0 = the old status word, to be given to irq_restore
#   uses t0.  Panics (does not return) if not in supervisor mode.
irq_save:
        rdsr    a0
        andi    t0, a0, SR_S
        beqz    t0, not_supervisor      # a0 still holds the status word for the message
        andi    t0, a0, 0xffff - SR_IE  # everything but IE (the status word has 5 bits)
        wrsr    t0
        ret

# irq_restore: put back the status word saved by irq_save.
#   in:  a0 = what irq_save returned
irq_restore:
        wrsr    a0
        ret

# assert_supervisor: check that the status word says supervisor mode.
#   A kernel that finds S = 0 is not running on the machine it was written
#   for - for instance it is a guest of a trap-and-emulate VMM on a machine
#   whose rdsr does not trap (the x86like variant) - and it must not go on
#   believing it controls the hardware.  Called at boot, by the scheduler
#   and by irq_save.
#   uses a0, t0.  Returns only if S = 1.
assert_supervisor:
        rdsr    a0
        andi    t0, a0, SR_S
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
        halt    t0

        .data
        .align  4
msg_notsuper:   .asciz "kernel: panic: not in supervisor mode (status "
msg_notsuper2:  .asciz ")\n"
