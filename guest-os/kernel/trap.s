# trap.s - every way into the kernel after boot, and the way back out.
#
# The hardware's part of a trap (docs/isa.md, section 6): epc = the pc,
# cause and badaddr say what happened, PS/PIE = the old S/IE, then S = 1
# and IE = 0, and a jump to tvec = trap_entry.  Nothing else: every
# register still holds the user program's value, sp included.
#
# The kernel's part:
#   1. trap_entry saves the 15 registers and the pc in the trap frame of
#      the running process (the first 64 bytes of its process-table slot),
#      switches to the kernel stack and jumps to trap.
#   2. trap looks at cause and dispatches: a system call (syscall.s), the
#      timer (switch process), the disk (disk.s), a page fault in the heap
#      (map the page), or anything else: the program misbehaved, kill it
#      (kill.s).
#   3. The way out is always run (proc.s) -> usertrapret: reload the
#      registers of the process chosen to run, and rfe.
#
# The kernel has ONE stack, and every trap starts it afresh at its top.
# Kernel code never returns to a half-finished kernel activity: a system
# call that has to wait is either restarted later (wait, syscall.s) or
# finished by the interrupt that ends the wait (disk.s).  The kernel runs
# with interrupts off (IE = 0) and never faults, so nothing interrupts it -
# except on purpose, when it idles (proc.s).  Any other trap from
# supervisor mode is a kernel bug, and panics.

        .text

# trap_entry: the trap vector (tvec).  Save the interrupted registers.
#   Not a function: the hardware jumps here, and it ends in a jump.
#   It may not use any register before saving it, and sp holds user junk.
#   The trick: park sp in the scratch control register, and reach the
#   trap frame through an absolute address (current_tf), which works
#   because the kernel's data is at the same address in every address space.
trap_entry:
        .if PARAVIRT
        la      sp, current_tf          # pv: the interrupted sp is in the shared area
        .else
        mtcr    scratch, sp             # the only free place for the user's sp
        la      sp, current_tf          # sp = current_tf (lui/ori: no other register)
        .endif
        lw      sp, 0(sp)               # sp: the trap frame
        sw      ra, 4(sp)               # word i of the frame = register ri
        sw      gp, 12(sp)
        sw      tp, 16(sp)
        sw      t0, 20(sp)
        sw      t1, 24(sp)
        sw      t2, 28(sp)
        sw      s0, 32(sp)
        sw      s1, 36(sp)
        sw      a0, 40(sp)
        sw      a1, 44(sp)
        sw      a2, 48(sp)
        sw      a3, 52(sp)
        sw      a4, 56(sp)
        sw      a5, 60(sp)
        .if PARAVIRT
        la      t1, shared              # what the hypervisor saw: the sp, the pc
        lw      t0, SH_SP(t1)
        sw      t0, 8(sp)               # the user's sp
        lw      t0, SH_EPC(t1)
        sw      t0, TF_PC(sp)           # word 0: where to go back to
        .else
        mfcr    t0, scratch
        sw      t0, 8(sp)               # the user's sp
        mfcr    t0, epc
        sw      t0, TF_PC(sp)           # word 0: where to go back to
        .endif
        la      sp, kstack_top          # a fresh kernel stack
        j       trap

# trap: decide what the trap was, and act.  Never returns: each branch
#   ends by running a process (run) or choosing one (schedule).
#   Kept in s0 and s1 for the branches: the cause word and its code.
trap:
        la      t0, ktf                 # from now on a trap (a kernel bug) must not
        la      t1, current_tf          # overwrite a process's saved registers
        sw      t0, 0(t1)
        .if PARAVIRT
        la      t0, shared
        lw      s0, SH_CAUSE(t0)
        andi    s1, s0, 0xff            # s1: the cause code
        lw      t0, SH_STATUS(t0)
        .else
        mfcr    s0, cause
        andi    s1, s0, 0xff            # s1: the cause code
        mfcr    t0, status
        .endif
        andi    t0, t0, SR_PS           # PS: the mode the trap came from
        bnez    t0, kernel_trap
        li      t0, CAUSE_SYSCALL
        beq     s1, t0, syscall         # syscall.s
        li      t0, CAUSE_TIMER
        beq     s1, t0, timer_intr
        li      t0, CAUSE_DISK
        beq     s1, t0, 1f
        li      t0, CAUSE_PAGE_FAULT
        beq     s1, t0, page_fault
        li      t0, CAUSE_TIMER
        bgeu    s1, t0, unexpected_intr # an interrupt the kernel never enabled
        j       kill_trap               # any other exception is the program's own fault
1:      call    disk_intr               # a disk command finished (for someone)
        j       resume                  # and the interrupted process goes on

# resume: go back to the process that was interrupted.
resume:
        la      t0, current
        lw      a0, 0(t0)
        j       run

# timer_intr: the running process has used up its time slice.
#   Re-arm the timer (it is one-shot; writing it also acknowledges the
#   interrupt), put the process at the back of the queue, and switch.
timer_intr:
        li      t0, QUANTUM
        .if PARAVIRT
        hcall   t0, HC_TIMER
        .else
        mtcr    timer, t0
        .endif
        la      t0, current
        lw      t0, 0(t0)
        li      t1, RUNNABLE
        sw      t1, P_STATE(t0)
        j       schedule

# page_fault: a user access to a page that is absent or refused.
#   Absent and inside the heap (below the break sbrk set): the first touch
#   of a lazily allocated page.  Make the page and return to the faulting
#   instruction, which runs again (epc is its address) and now succeeds.
#   Anything else is a real fault: kill.
page_fault:
        andi    t0, s0, CAUSE_PROT
        bnez    t0, kill_trap           # present but refused (kernel page, read-only...)
        .if PARAVIRT
        la      a1, shared
        lw      a1, SH_BADADDR(a1)
        .else
        mfcr    a1, badaddr
        .endif
        la      t0, current
        lw      a0, 0(t0)
        lw      t0, P_HEAP(a0)
        bltu    a1, t0, kill_trap
        lw      t0, P_BRK(a0)
        bgeu    a1, t0, kill_trap
        call    heap_page               # vm.s
        beqz    a0, kill_oom
        j       resume

# kernel_trap: a trap taken in supervisor mode.
#   The legitimate ones are interrupts: one that wakes the idle loop
#   (proc.s), which runs with IE = 1 on purpose, and one that arrives
#   while the critical system call runs with IE = 1 (critsec.s:
#   kernel_intr, which goes back to it).  The idle loop's registers need no
#   saving: idling is "nothing to do", and we start over from schedule.
kernel_trap:
        la      t0, idling
        lw      t1, 0(t0)
        beqz    t1, kernel_intr         # critsec.s; a panic unless in the critical call
        li      t2, CAUSE_TIMER
        bltu    s1, t2, kernel_panic    # an exception while idling is still a bug
        sw      zero, 0(t0)             # no longer idling
        beq     s1, t2, 1f
        li      t2, CAUSE_DISK
        bne     s1, t2, kernel_panic
        call    disk_intr
        j       schedule
1:      li      t0, QUANTUM             # the timer: acknowledge, and look again
        .if PARAVIRT
        hcall   t0, HC_TIMER
        .else
        mtcr    timer, t0
        .endif
        j       schedule

# kernel_panic: "kernel: panic: CAUSE in the kernel at pc X, address Y".
#   The kernel's own registers at the trap are in ktf, for a debugger.
#   (s1 = the cause code, as trap set it.)
kernel_panic:
        la      a0, msg_kpanic
        call    puts_raw
        mv      a0, s1
        call    cause_name
        call    puts_raw
        la      a0, msg_kpanic2
        call    puts_raw
        .if PARAVIRT
        la      a0, shared
        lw      a0, SH_EPC(a0)
        .else
        mfcr    a0, epc
        .endif
        call    puthex_raw
        la      a0, msg_address
        call    puts_raw
        .if PARAVIRT
        la      a0, shared
        lw      a0, SH_BADADDR(a0)
        .else
        mfcr    a0, badaddr
        .endif
        call    puthex_raw
        li      a0, '\n'
        call    putc_raw
        li      t0, 1
        .if PARAVIRT
        hcall   t0, HC_HALT
        .else
        halt    t0
        .endif

# unexpected_intr: "kernel: panic: unexpected console interrupt".  The
#   kernel never enables the console interrupt: the hardware (or a VMM)
#   is not doing what the manual says.  s1 = the cause code.
unexpected_intr:
        la      a0, msg_unexpected
        call    puts_raw
        mv      a0, s1
        call    cause_name
        call    puts_raw
        la      a0, msg_interrupt
        call    puts_raw
        li      t0, 1
        .if PARAVIRT
        hcall   t0, HC_HALT
        .else
        halt    t0
        .endif

# usertrapret: return to user mode in the process whose trap frame is at
#   a0 (its page table is already in ptb, see run).  Does not return.
usertrapret:
        la      t0, current_tf          # its next trap saves registers here
        sw      a0, 0(t0)
        .if PARAVIRT
        la      t1, shared              # pv: iret takes status and pc from the shared area
        li      t0, SR_S | SR_PIE | SR_PG
        sw      t0, SH_STATUS(t1)       # PS = 0: to user mode; PIE = 1: with interrupts on
        lw      t0, TF_PC(a0)
        sw      t0, SH_EPC(t1)          # iret goes there
        .else
        li      t0, SR_S | SR_PIE | SR_PG
        mtcr    status, t0              # PS = 0: rfe goes to user mode; PIE = 1: with interrupts on
        lw      t0, TF_PC(a0)
        mtcr    epc, t0                 # rfe goes there
        .endif
        mv      sp, a0
        lw      ra, 4(sp)
        lw      gp, 12(sp)
        lw      tp, 16(sp)
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
        lw      sp, 8(sp)               # last: sp was the pointer to the frame
        .if PARAVIRT
        hcall   zero, HC_IRET
        .else
        rfe
        .endif

# cause_name: a0 = the name of cause code a0, as docs/isa.md spells it.
cause_name:
        li      t0, 19
        bltu    a0, t0, 1f
        la      a0, name_unknown
        ret
1:      slli    a0, a0, 2
        la      t0, cause_names
        add     t0, t0, a0
        lw      a0, 0(t0)
        ret

        .data
        .align  4
cause_names:                            # indexed by cause code
        .word   name_unknown, name_syscall, name_break, name_illegal
        .word   name_priv, name_pagefault, name_misaligned, name_divzero
        .word   name_buserror, name_unknown, name_unknown, name_unknown
        .word   name_unknown, name_unknown, name_unknown, name_unknown
        .word   name_timer, name_console, name_disk
name_unknown:   .asciz "unknown trap"
name_syscall:   .asciz "syscall"
name_break:     .asciz "break"
name_illegal:   .asciz "illegal"
name_priv:      .asciz "privileged"
name_pagefault: .asciz "page-fault"
name_misaligned: .asciz "misaligned"
name_divzero:   .asciz "div-zero"
name_buserror:  .asciz "bus-error"
name_timer:     .asciz "timer"
name_console:   .asciz "console"
name_disk:      .asciz "disk"
msg_address:    .asciz ", address "
msg_kpanic:     .asciz "kernel: panic: "
msg_kpanic2:    .asciz " in the kernel at pc "
msg_unexpected: .asciz "kernel: panic: unexpected "
msg_interrupt:  .asciz " interrupt\n"

        .if PARAVIRT
        .align  16
shared:         .space SH_SIZE          # the shared area: the hypervisor's word on each trap
        .endif

        .bss
        .align  4
ktf:            .space TF_SIZE          # where a trap taken in the kernel saves registers
kstack:         .space KSTACK_SIZE      # the kernel stack, used afresh by every trap
kstack_top:
