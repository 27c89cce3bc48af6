# kill.s - killing a process that misbehaved.
#
# A program can do anything in user mode; whatever it does, the kernel must
# survive it.  A trap the program cannot be resumed after (a privileged or
# illegal instruction, a page fault outside its memory, a misaligned
# access, a division by zero, a break), a system call given a pointer into
# memory it may not use, or memory running out for it: the kernel prints
# one line,
#
#   kernel: killed pid N (NAME): WHAT at pc 0x%08x[, address 0x%08x]
#
# and the process exits with status -1 (proc_exit), so its parent's wait
# sees it.  The kernel goes on with the others.  Every routine here ends in
# proc_exit: none returns.

        .text


# kill_trap: the current process caused a trap it cannot survive.
#   in: s0 = the cause word, s1 = its code.
#   "... privileged at pc 0x40000010, instruction 0x60000000"
#   "... page-fault at pc 0x40000010, address 0x00001000"
kill_trap:
        call    kill_header
        mv      a0, s1
        call    cause_name
        call    kputs
        call    kill_at_pc
        li      t0, CAUSE_ILLEGAL       # badaddr holds the instruction word
        beq     s1, t0, 1f
        li      t0, CAUSE_PRIV
        beq     s1, t0, 1f
        li      t0, CAUSE_PAGE_FAULT    # badaddr holds the faulting address
        beq     s1, t0, 2f
        li      t0, CAUSE_MISALIGNED
        beq     s1, t0, 2f
        li      t0, CAUSE_BUS_ERROR
        beq     s1, t0, 2f
        j       kill_end
1:      la      a0, msg_insn
        j       3f
2:      la      a0, msg_address
3:      call    kputs
        .if PARAVIRT
        la      a0, shared
        lw      a0, SH_BADADDR(a0)
        .else
        mfcr    a0, badaddr
        .endif
        call    kputhex
        j       kill_end

# kill_oom: no memory for the heap page the current process touched.
#   "... out of memory at pc 0x..., address 0x..."
kill_oom:
        call    kill_header
        la      a0, msg_oom
        call    kputs
        call    kill_at_pc
        la      a0, msg_address
        call    kputs
        .if PARAVIRT
        la      a0, shared
        lw      a0, SH_BADADDR(a0)
        .else
        mfcr    a0, badaddr
        .endif
        call    kputhex
        j       kill_end

# kill_uaccess: a system call was given a pointer to memory the process may
#   not use (or to a heap page there is no memory for).
#   in: a0 = the first bad address, a1 = 0 bad pointer, 1 out of memory
#   "... bad pointer 0x00001000 in write at pc 0x40000020"
#   "... out of memory in read at pc 0x40000020, address 0x40005000"
kill_uaccess:
        mv      s0, a0
        mv      s1, a1
        call    kill_header
        bnez    s1, 1f
        la      a0, msg_badptr
        call    kputs
        mv      a0, s0
        call    kputhex
        call    kill_in_syscall
        j       kill_end
1:      la      a0, msg_oom
        call    kputs
        call    kill_in_syscall
        la      a0, msg_address
        call    kputs
        mv      a0, s0
        call    kputhex
        j       kill_end

# kill_exec_oom: exec ran out of memory after the old image was gone.
kill_exec_oom:
        call    kill_header
        la      a0, msg_oom
        call    kputs
        call    kill_in_syscall
        j       kill_end

# kill_end: finish the line, and the process.  Does not return.
kill_end:
        la      a0, msg_newline
        call    kputs
        li      a0, -1
        j       proc_exit

# kill_header: print "kernel: killed pid N (NAME): " for the current process.
kill_header:
        push    ra
        push    s0
        la      t0, current
        lw      s0, 0(t0)
        la      a0, msg_killed
        call    kputs
        lw      a0, P_PID(s0)
        call    kputdec
        la      a0, msg_lparen
        call    kputs
        addi    a0, s0, P_NAME
        call    kputs
        la      a0, msg_rparen
        call    kputs
        pop     s0
        pop     ra
        ret

# kill_at_pc: print " at pc 0x..." with the pc of the current process's trap.
kill_at_pc:
        push    ra
        la      a0, msg_atpc
        call    kputs
        la      t0, current
        lw      t0, 0(t0)
        lw      a0, TF_PC(t0)
        call    kputhex
        pop     ra
        ret

# kill_in_syscall: print " in NAME at pc 0x..." for the system call being
#   served (syscall.s keeps its number and address).
kill_in_syscall:
        push    ra
        la      a0, msg_in
        call    kputs
        la      t0, current
        lw      t0, 0(t0)
        lw      a0, TF_A5(t0)
        call    syscall_name
        call    kputs
        la      a0, msg_atpc
        call    kputs
        la      t0, syscall_pc
        lw      a0, 0(t0)
        call    kputhex
        pop     ra
        ret

        .data
        .align  4
msg_killed:     .asciz "kernel: killed pid "
msg_lparen:     .asciz " ("
msg_rparen:     .asciz "): "
msg_atpc:       .asciz " at pc "
msg_insn:       .asciz ", instruction "
msg_badptr:     .asciz "bad pointer "
msg_oom:        .asciz "out of memory"
msg_in:         .asciz " in "
msg_newline:    .asciz "\n"
