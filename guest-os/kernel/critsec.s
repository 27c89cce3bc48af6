# critsec.s - the critical system call: a counter that a system call and the
# timer interrupt both update, kept right only by irq_save/irq_restore.
#
# Everywhere else the kernel runs with interrupts off (trap.s), so its
# critical sections never stop anything.  This call is the exception, as
# most of a real kernel is: it runs with interrupts on (mtcr status, which
# traps under any VMM, so a VMM knows), and each update of the shared
# counter - load, some work, store - is a critical section that turns them
# off with irq_save (rdsr/wrsr) and back on with irq_restore.  A timer
# interrupt taken in the kernel meanwhile is a tick (kernel_intr): it adds
# one to the same counter and goes back to the interrupted code.
#
# On the bare machine, and under a VMM that traps rdsr/wrsr (pg), a tick
# due inside a section waits until irq_restore, so after n updates the
# counter is exactly n + the ticks taken.  On x86like under trap-and-emulate
# (boot option nocheck, else the kernel stops at boot) the wrsr runs in the
# real user mode, changes nothing and tells the VMM nothing: the VMM still
# believes interrupts are on and delivers the tick inside the section,
# between the load and the store.  The store then writes back the value
# loaded before the tick: the tick's update is lost.  The counter comes up
# short by one per tick that landed inside, and crit_inside counts those
# ticks directly (taken while the kernel believed interrupts were off).

        .data
        .align  4
crit_running:   .word 0         # 1 while sys_critical runs with interrupts on
crit_inside:    .word 0         # 1 between irq_save and irq_restore in it
crit_count:     .word 0         # the shared counter   } copied out, in this
crit_ticks:     .word 0         # ticks taken in the call   } order, to the
crit_hits:      .word 0         # ... inside a section   } caller

        .text

# sys_critical(n, counts): n updates of the shared counter, each in a
#   critical section, with interrupts on in the kernel meanwhile.
#   out: 0, with counts[0] = the counter (from 0), counts[1] = the timer
#        ticks taken during the call, counts[2] = those of them taken
#        inside a critical section; -1 if n < 0.  A bad counts (three
#        writable words) kills the caller, before anything is done.
#   No kernel preemption: a tick is counted and the call goes on; the
#   caller is preempted, if its slice is over, at its next tick in user mode.
sys_critical:
        bltz    a0, 9f
        push    ra
        push    s0
        push    s1
        push    a1                      # 0(sp): counts (user address)
        mv      s0, a0                  # s0: updates left
        la      t0, current
        lw      a0, 0(t0)
        li      a2, 12
        li      a3, PTE_U | PTE_W
        call    user_check
        la      t0, crit_count
        sw      zero, 0(t0)
        sw      zero, 4(t0)             # crit_ticks
        sw      zero, 8(t0)             # crit_hits
        la      t0, crit_running
        li      t1, 1
        sw      t1, 0(t0)
        .if PARAVIRT
        li      t0, 1                   # interrupts on: a tick may come at any
        hcall   t0, HC_IRQ              # instruction from here (kernel_intr)
        .else
        mfcr    t0, status              # interrupts on: a tick may come at any
        ori     t0, t0, SR_IE           # instruction from here (kernel_intr)
        mtcr    status, t0
        .endif
1:      beqz    s0, 3f
        call    irq_save                # interrupts off (so the kernel believes)
        mv      s1, a0                  # s1: the status word to restore
        la      t0, crit_inside
        li      t1, 1
        sw      t1, 0(t0)
        la      t0, crit_count
        lw      t1, 0(t0)               # load
        li      t2, CRIT_WORK
2:      addi    t2, t2, -1              # the work a real section does (walk a
        bnez    t2, 2b                  # list, copy a buffer): here, time
        addi    t1, t1, 1
        sw      t1, 0(t0)               # store: a tick since the load is lost
        la      t0, crit_inside
        sw      zero, 0(t0)
        mv      a0, s1
        call    irq_restore             # a tick held off is taken right here
        addi    s0, s0, -1
        j       1b
3:
        .if PARAVIRT
        li      t0, 0                   # interrupts off again, for the way out
        hcall   t0, HC_IRQ
        .else
        mfcr    t0, status              # interrupts off again, for the way out
        andi    t0, t0, 0xffff - SR_IE
        mtcr    status, t0
        .endif
        la      t0, crit_running
        sw      zero, 0(t0)
        la      t0, current
        lw      a0, 0(t0)
        lw      a1, 0(sp)
        la      a2, crit_count
        li      a3, 12
        call    copyout
        li      a0, 0
        pop     a1
        pop     s1
        pop     s0
        pop     ra
        ret
9:      li      a0, -1
        ret

# kernel_intr: a trap in supervisor mode, not while idling (trap.s; s1 =
#   the cause code, every register of the interrupted code saved in ktf).
#   Legitimate only as an interrupt while sys_critical runs with
#   interrupts on: a tick (timer) or the disk.  Handle it and go back to
#   the interrupted kernel code, as if nothing had happened.  Anything else
#   is a kernel bug: kernel_panic.  Not a function; ends in rfe.
kernel_intr:
        la      t0, crit_running
        lw      t0, 0(t0)
        beqz    t0, kernel_panic
        li      t0, CAUSE_TIMER
        beq     s1, t0, 1f
        li      t0, CAUSE_DISK
        bne     s1, t0, kernel_panic
        la      sp, ktf                 # below the interrupted code's stack, not
        lw      sp, 8(sp)               # over it (trap_entry took the top)
        call    disk_intr
        j       3f
1:      li      t0, QUANTUM             # the tick: acknowledge and re-arm
        .if PARAVIRT
        hcall   t0, HC_TIMER
        .else
        mtcr    timer, t0
        .endif
        la      t0, crit_count
        lw      t1, 4(t0)
        addi    t1, t1, 1
        sw      t1, 4(t0)               # crit_ticks
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)               # the tick's update of the shared counter
        la      t1, crit_inside
        lw      t1, 0(t1)
        beqz    t1, 3f
        lw      t1, 8(t0)               # the kernel believed interrupts were off
        addi    t1, t1, 1
        sw      t1, 8(t0)               # crit_hits
3:      la      sp, ktf                 # back: the registers as trap_entry saved
        lw      ra, 4(sp)               # them, epc untouched (nothing trapped
        lw      gp, 12(sp)              # since), and rfe: supervisor mode and
        lw      tp, 16(sp)              # IE = 1 again (PS, PIE)
        lw      t0, 20(sp)
        lw      t1, 24(sp)
        lw      t2, 28(sp)
        lw      s0, 32(sp)
        lw      s1, 36(sp)
        lw      a0, 40(sp)
        lw      a1, 44(sp)
        lw      a2, 48(sp)
        lw      a3, 52(sp)
        lw      a4, 56(sp)
        lw      a5, 60(sp)
        lw      sp, 8(sp)
        .if PARAVIRT
        hcall   zero, HC_IRET           # pv: epc and status of this interrupt, in the shared area
        .else
        rfe
        .endif
