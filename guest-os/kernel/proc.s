# proc.s - processes: the table, the scheduler, sleep and wakeup, fork,
# exit and wait.
#
# A process is one slot of proc_table (layout: P_* in param.s): its saved
# user registers (the trap frame), its state, its page table, its heap.
# The kernel has no threads and one stack (trap.s), so "switching to a
# process" is simply returning to user mode with its registers and its page
# table: run.  A process that is not on the CPU is entirely described by
# its slot.
#
# Scheduling is round robin: schedule takes the next RUNNABLE slot after
# the current one, wrapping around.  A process leaves the CPU when its time
# slice ends (the timer, trap.s), when it yields, sleeps (wait, the disk) or
# exits.

        .data
        .align  4
current:        .word 0         # the slot of the process on the CPU (or last on it)
current_tf:     .word ktf       # where trap_entry saves registers (trap.s)
nextpid:        .word 1
initproc:       .word 0         # the slot of init, pid 1
idling:         .word 0         # 1 while the idle loop waits with interrupts on

        .bss
        .align  4
proc_table:     .space NPROC * PROC_SIZE
proc_end:

        .text

# schedule: choose the next process to run, round robin, and run it.
#   Does not return.  If nobody is runnable but a process waits for the
#   disk, idle until the disk interrupt; if nobody can ever run again, the
#   kernel has a bug (init would have halted the machine): panic.
schedule:
        .if !PARAVIRT                   # pv: a status call here would be an exit on every
        call    assert_supervisor       # schedule; irq_save checks the status every irq call
        .endif                          # returns instead (and the boot checks once).  Else:
                                        # the scheduler trusts the status word: check it
        la      t0, current
        lw      t0, 0(t0)               # t0: the slot looked at
        bnez    t0, 1f
        la      t0, proc_end            # no current yet: start with slot 0
        addi    t0, t0, -PROC_SIZE
1:      la      t1, proc_end            # t1: the end of the table
        li      t2, NPROC               # t2: slots left to look at (all of
2:      addi    t0, t0, PROC_SIZE       #     them, the current one last)
        bne     t0, t1, 3f
        la      t0, proc_table          # wrap around
3:      lw      a0, P_STATE(t0)
        addi    a0, a0, -RUNNABLE
        beqz    a0, 4f
        addi    t2, t2, -1
        bnez    t2, 2b
        la      t0, disk_owner          # nobody can run now: will the disk wake someone?
        lw      t0, 0(t0)
        bnez    t0, idle
        la      a0, msg_deadlock
        call    panic
4:      mv      a0, t0
        j       run

# idle: wait for an interrupt with nothing to do.
#   The one place the kernel turns interrupts on: set IE in the status word
#   and wait (wfi).  The interrupt is taken right after wfi, in supervisor
#   mode; trap.s recognizes it by `idling`, handles it and calls schedule
#   again.  This loop's own registers are never needed again.
idle:
        la      t0, idling
        li      t1, 1
        sw      t1, 0(t0)
        .if PARAVIRT
        hcall   zero, HC_IDLE           # IE = 1 and wait: the interrupt is taken at the j
        .else
        rdsr    t0
        ori     t0, t0, SR_IE
        wrsr    t0                      # interrupts on (from the next instruction)
        wfi                             # sleep until one is pending; it is taken after this
        .endif
        j       idle

# run: put process a0 on the CPU.  Does not return.
#   Switch to its address space if it is not the current one: writing ptb
#   also flushes the whole TLB (docs/isa.md, section 5), so the previous
#   process's translations cannot leak into this one.  rdptb reads ptb
#   back; staying in the same address space (a system call returning, a
#   process running again after a yield with nobody else ready) keeps the
#   TLB warm.
run:
        .if PARAVIRT
        call    pt_sync                 # a ptb never has page-table updates pending
        .endif
        la      t0, current
        sw      a0, 0(t0)
        li      t0, RUNNING
        sw      t0, P_STATE(a0)
        lw      t1, P_PT(a0)
        .if PARAVIRT
        la      t2, cur_ptb             # pv: the kernel remembers what it set, rather
        lw      t0, 0(t2)               # than asking (get_ptb: an exit on every
        beq     t0, t1, 1f              # return to user mode)
        sw      t1, 0(t2)
        hcall   t1, HC_SET_PTB          # new address space; TLB flushed
        .else
        rdptb   t0
        beq     t0, t1, 1f
        mtcr    ptb, t1                 # new address space; TLB flushed
        .endif
1:      addi    a0, a0, P_TF
        j       usertrapret             # trap.s

# allocproc: find an unused slot and make it an EMBRYO with a new pid.
#   out: a0 = the slot, cleared, or 0 if the table is full.
allocproc:
        push    ra
        push    s0
        la      s0, proc_table
1:      lw      t0, P_STATE(s0)
        beqz    t0, 2f                  # UNUSED
        addi    s0, s0, PROC_SIZE
        la      t0, proc_end
        bne     s0, t0, 1b
        li      a0, 0
        j       3f
2:      mv      a0, s0
        li      a1, PROC_SIZE
        call    memzero
        li      t0, EMBRYO
        sw      t0, P_STATE(s0)
        la      t0, nextpid
        lw      t1, 0(t0)
        sw      t1, P_PID(s0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        mv      a0, s0
3:      pop     s0
        pop     ra
        ret

# userinit: create init, pid 1, running the program "init" with the boot
#   string as its argument.  Called once at boot.
#   in: a0 = the argument (a kernel string)
userinit:
        push    ra
        push    s0
        push    s1
        mv      s1, a0
        call    allocproc
        mv      s0, a0
        beqz    a0, 1f
        la      t0, initproc
        sw      s0, 0(t0)
        call    uvm_create
        beqz    a0, 1f
        sw      a0, P_PT(s0)
        la      a0, name_init
        call    find_program            # exec.s
        beqz    a0, 1f
        mv      a1, a0
        mv      a0, s0
        mv      a2, s1
        call    exec_load               # exec.s
        bnez    a0, 1f
        li      t0, RUNNABLE
        sw      t0, P_STATE(s0)
        pop     s1
        pop     s0
        pop     ra
        ret
1:      la      a0, msg_noinit
        call    panic

# sleep: the current process waits for chan (any address naming the event).
#   Only marks it: the caller then goes to schedule (via the system-call
#   dispatcher, syscall.s), and the process runs again after wakeup(chan).
sleep:
        la      t0, current
        lw      t0, 0(t0)
        li      t1, SLEEPING
        sw      t1, P_STATE(t0)
        sw      a0, P_CHAN(t0)
        ret

# wakeup: make every process sleeping on chan a0 runnable.
wakeup:
        la      t0, proc_table
        la      t2, proc_end
1:      lw      t1, P_STATE(t0)
        addi    t1, t1, -SLEEPING
        bnez    t1, 2f
        lw      t1, P_CHAN(t0)
        bne     t1, a0, 2f
        li      t1, RUNNABLE
        sw      t1, P_STATE(t0)
2:      addi    t0, t0, PROC_SIZE
        bne     t0, t2, 1b
        ret

# fork: create a copy of the current process.
#   out: a0 = the child's pid (the child itself gets 0 from the same
#        system call), or -1 if the table or memory is full.
#   The child gets a new level-1 table and a copy of every user page
#   (uvm_copy); its registers are the parent's, so it too continues after
#   the syscall instruction (the dispatcher has already advanced the pc).
fork:
        push    ra
        push    s0
        push    s1
        la      t0, current
        lw      s0, 0(t0)               # s0: parent
        call    allocproc
        mv      s1, a0                  # s1: child
        beqz    a0, 3f
        call    uvm_create
        beqz    a0, 2f
        sw      a0, P_PT(s1)
        mv      a1, a0
        lw      a0, P_PT(s0)
        call    uvm_copy
        bnez    a0, 1f
        mv      a0, s1                  # registers, heap, name: as the parent's
        mv      a1, s0
        li      a2, TF_SIZE
        call    memcpy
        sw      zero, TF_A0(s1)         # fork returns 0 in the child
        lw      t0, P_HEAP(s0)
        sw      t0, P_HEAP(s1)
        lw      t0, P_BRK(s0)
        sw      t0, P_BRK(s1)
        addi    a0, s1, P_NAME
        addi    a1, s0, P_NAME
        li      a2, NAMEMAX
        call    memcpy
        sw      s0, P_PARENT(s1)
        li      t0, RUNNABLE
        sw      t0, P_STATE(s1)
        lw      a0, P_PID(s1)
        j       4f
1:      lw      a0, P_PT(s1)            # out of memory half way: undo.  The
        call    uvm_free_user           # child's table was never in ptb, so no
        lw      a0, P_PT(s1)            # TLB entry can refer to it.
        .if PARAVIRT
        call    uvm_free_l1             # ptpool.s
        .else
        call    kfree
        .endif
2:      sw      zero, P_STATE(s1)       # UNUSED again
3:      li      a0, -1
4:      pop     s1
        pop     s0
        pop     ra
        ret

# proc_exit: end the current process with status a0.  Does not return.
#   Its memory is freed now; its slot stays, as a ZOMBIE holding the status,
#   until the parent collects it with wait.  Its children are given to init,
#   which waits for orphans.  When init itself exits the machine halts.
proc_exit:
        la      t0, current
        lw      s0, 0(t0)               # s0: the process
        mv      s1, a0                  # s1: the status
        # Tear down the address space.  First the user pages and tables,
        # then flush the TLB: it may still translate user addresses to the
        # pages just freed, which will soon belong to someone else.  Then
        # leave the dying level-1 table (ptb := the kernel's own table,
        # which maps the kernel just the same) before freeing it too: a
        # ptb must never point at a free page.
        lw      a0, P_PT(s0)
        call    uvm_free_user
        .if PARAVIRT
        hcall   zero, HC_FLUSH          # R[zero] = 0: the whole TLB
        la      t0, kernel_pt
        lw      t0, 0(t0)
        la      t1, cur_ptb
        sw      t0, 0(t1)
        hcall   t0, HC_SET_PTB
        lw      a0, P_PT(s0)
        call    uvm_free_l1             # ptpool.s
        .else
        tlbflush
        la      t0, kernel_pt
        lw      t0, 0(t0)
        mtcr    ptb, t0
        lw      a0, P_PT(s0)
        call    kfree
        .endif
        sw      zero, P_PT(s0)
        la      t0, initproc
        lw      t0, 0(t0)
        beq     s0, t0, init_exit
        # Orphans go to init; if one is a zombie already, init must reap it.
        la      t0, proc_table
        li      a1, 0                   # a1: a zombie was handed over
1:      lw      t1, P_STATE(t0)
        beqz    t1, 2f
        lw      t2, P_PARENT(t0)
        bne     t2, s0, 2f
        la      t2, initproc
        lw      t2, 0(t2)
        sw      t2, P_PARENT(t0)
        addi    t1, t1, -ZOMBIE
        bnez    t1, 2f
        li      a1, 1
2:      addi    t0, t0, PROC_SIZE
        la      t2, proc_end
        bne     t0, t2, 1b
        beqz    a1, 3f
        la      t0, initproc
        lw      a0, 0(t0)
        call    wakeup                  # init waits on its own slot
3:      sw      s1, P_XSTATUS(s0)
        li      t0, ZOMBIE
        sw      t0, P_STATE(s0)
        lw      a0, P_PARENT(s0)
        call    wakeup                  # the parent may be waiting (on its slot)
        j       schedule

# init_exit: init has exited, so the workload is over.  Check that every
#   page came back (if no other process is left), print "kernel: halt" and
#   stop the machine with 0.
init_exit:
        la      t0, proc_table          # anybody left besides init?
        la      t2, proc_end
1:      beq     t0, s0, 2f
        lw      t1, P_STATE(t0)
        bnez    t1, 3f
2:      addi    t0, t0, PROC_SIZE
        bne     t0, t2, 1b
        call    kfree_count             # no: then every page must be free again
        la      t1, boot_nfree
        lw      t1, 0(t1)
        beq     a0, t1, 3f
        sub     s1, t1, a0              # s1: pages missing
        la      a0, msg_leak
        call    kputs
        mv      a0, s1
        call    kputdec
        la      a0, msg_leak2
        call    kputs
3:      la      a0, msg_halt
        call    kputs
        .if PARAVIRT
        hcall   zero, HC_HALT
        .else
        halt    zero
        .endif

# wait: collect an exited child.
#   in:  a0 = user address for its exit status (an int), or 0
#   out: a0 = the child's pid, or -1 if the process has no children.
#   With children but no zombie among them, the process sleeps on its own
#   slot (proc_exit wakes the parent there) and the system call is
#   restarted: the pc goes back to the syscall instruction, so when the
#   process runs again it simply calls wait again.
wait:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8
        sw      a0, 0(sp)               # 0(sp): the status pointer
        sw      zero, 4(sp)             # 4(sp): children seen
        la      t0, current
        lw      s0, 0(t0)               # s0: the parent
        la      s1, proc_table          # s1: the slot looked at
1:      lw      t0, P_STATE(s1)
        beqz    t0, 3f
        lw      t1, P_PARENT(s1)
        bne     t1, s0, 3f
        li      t1, 1
        sw      t1, 4(sp)
        li      t1, ZOMBIE
        bne     t0, t1, 3f
        lw      a1, 0(sp)               # a zombie child: collect it
        beqz    a1, 2f
        mv      a0, s0
        addi    a2, s1, P_XSTATUS
        li      a3, 4
        call    copyout                 # kills the parent if the pointer is bad
2:      lw      a0, P_PID(s1)
        sw      zero, P_STATE(s1)       # the slot is free again
        j       5f
3:      addi    s1, s1, PROC_SIZE
        la      t0, proc_end
        bne     s1, t0, 1b
        lw      t0, 4(sp)
        li      a0, -1
        beqz    t0, 5f                  # no children at all
        mv      a0, s0                  # children, still running: sleep
        call    sleep
        la      t0, syscall_pc
        lw      t0, 0(t0)
        sw      t0, TF_PC(s0)           # and call wait again when woken
4:      li      a0, 0                   # (ignored: the process is asleep)
5:      addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

        .data
        .align  4
name_init:      .asciz "init"
msg_noinit:     .asciz "cannot start init"
msg_deadlock:   .asciz "no process can run"
msg_leak:       .asciz "kernel: leak: "
msg_leak2:      .asciz " pages were not freed\n"
msg_halt:       .asciz "kernel: halt\n"
