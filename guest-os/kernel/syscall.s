# syscall.s - system calls: the dispatcher and the simple calls.
#
# The ABI (docs/guest-os.md): the number in a5, arguments in a0..a4, then
# `syscall`; the result comes back in a0, negative for an error.  Every
# other register is preserved (the trap frame restores them all).
#
# A user pointer is never dereferenced: user_check, copyin, copyout and
# copyinstr (vm.s) translate it through the process's page table, and kill
# the process if it points outside its own memory (into the kernel, at an
# unmapped page, at its read-only text for a read...).
#
# fork, wait and exit are in proc.s, exec in exec.s, the disk calls in
# disk.s.

        .data
        .align  4
syscall_pc:     .word 0         # address of the syscall instruction being served

        .text

# syscall: dispatch the system call of the current process (from trap.s).
#   Not a function; it ends by running a process.  A handler is a normal
#   function: a0..a4 = the arguments, returns the result in a0.  After it:
#   - the caller still RUNNING: store the result in its a0, and go back to it;
#   - the caller RUNNABLE (it yielded): store the result, schedule another;
#   - the caller SLEEPING (wait, the disk): its a0 is left alone, since the
#     result is not known yet.  Either the call will be restarted (wait
#     moved the pc back), or the interrupt that ends the sleep stores the
#     result (disk.s).  Schedule another.
#   - exit and a killed caller never come back here.
syscall:
        la      t0, current
        lw      s0, 0(t0)               # s0: the caller
        lw      t0, TF_PC(s0)
        la      t1, syscall_pc
        sw      t0, 0(t1)
        addi    t0, t0, 4               # the trap left epc at the syscall itself:
        sw      t0, TF_PC(s0)           # return to the instruction after it
        lw      t0, TF_A5(s0)
        addi    t0, t0, -1              # numbers start at 1
        li      t1, NSYSCALL - 1
        li      a0, -1
        bgeu    t0, t1, 1f              # no such system call: -1
        slli    t0, t0, 2
        la      t1, syscall_table
        add     t1, t1, t0
        lw      t1, 0(t1)
        lw      a0, TF_A0(s0)
        lw      a1, TF_A1(s0)
        lw      a2, TF_A2(s0)
        lw      a3, TF_A3(s0)
        lw      a4, TF_A4(s0)
        jalr    ra, 0(t1)
1:      lw      t0, P_STATE(s0)
        li      t1, SLEEPING
        beq     t0, t1, schedule
        sw      a0, TF_A0(s0)           # the result
        li      t1, RUNNING
        bne     t0, t1, schedule        # yielded
        mv      a0, s0
        j       run

# syscall_name: a0 = the name of system call number a0 (for messages).
syscall_name:
        addi    a0, a0, -1
        li      t0, NSYSCALL - 1
        bltu    a0, t0, 1f
        la      a0, name_sys_unknown
        ret
1:      slli    a0, a0, 2
        la      t0, syscall_names
        add     t0, t0, a0
        lw      a0, 0(t0)
        ret

# sys_exit(status): does not return.
sys_exit:
        j       proc_exit

# sys_write(buf, len): print len bytes at buf on the console.
#   out: len, or -1 if len < 0.  A bad buffer kills the caller.
#   The whole line goes out in one critical section: output of different
#   processes is never mixed within one write.
sys_write:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8
        bltz    a1, 4f
        sw      a1, 0(sp)               # 0(sp): len, the result
        mv      s0, a0                  # s0: the next byte (user address)
        add     s1, a0, a1              # s1: the end
        mv      a1, a0
        la      t0, current
        lw      a0, 0(t0)
        lw      a2, 0(sp)
        li      a3, PTE_U | PTE_R
        call    user_check              # all of it, before printing any of it
        call    irq_save
        sw      a0, 4(sp)               # 4(sp): the saved status word
1:      bgeu    s0, s1, 3f
        la      t0, current
        lw      a0, 0(t0)
        mv      a1, s0
        li      a2, PTE_U | PTE_R
        call    user_page               # a0: the byte, physically
        andi    t0, s0, PAGE - 1        # print up to the end of the page
        li      t1, PAGE
        sub     t1, t1, t0
        sub     t2, s1, s0              # or of the buffer
        bgeu    t2, t1, 2f
        mv      t1, t2
2:      add     s0, s0, t1
        add     t1, a0, t1
5:      lbu     t0, 0(a0)
        out     con.data, t0
        addi    a0, a0, 1
        bne     a0, t1, 5b
        j       1b
3:      lw      a0, 4(sp)
        call    irq_restore
        lw      a0, 0(sp)
        j       6f
4:      li      a0, -1
6:      addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

# sys_read(buf, len): read console input into buf, up to len bytes, up to
#   and including a newline.
#   out: the number of bytes read; 0 at the end of the input; -1 if len < 0.
#   It polls con.data, which waits for input (docs/isa.md 8.2): on an
#   interactive console the whole machine waits for the typist.  A kernel
#   with more users would sleep and take the console interrupt instead.
sys_read:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8
        bltz    a1, 4f
        sw      a1, 0(sp)               # 0(sp): len
        mv      s0, a0                  # s0: buf
        li      s1, 0                   # s1: bytes read
        mv      a2, a1
        mv      a1, a0
        la      t0, current
        lw      a0, 0(t0)
        li      a3, PTE_U | PTE_W
        call    user_check
1:      lw      t0, 0(sp)
        beq     s1, t0, 3f              # buffer full
        in      t0, con.data
        li      t1, -1
        beq     t0, t1, 3f              # end of input
        sw      t0, 4(sp)               # 4(sp): the byte
        la      t0, current
        lw      a0, 0(t0)
        add     a1, s0, s1
        li      a2, PTE_U | PTE_W
        call    user_page
        lw      t0, 4(sp)
        sb      t0, 0(a0)
        addi    s1, s1, 1
        li      t1, '\n'
        bne     t0, t1, 1b
3:      mv      a0, s1
        j       5f
4:      li      a0, -1
5:      addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

# sys_getpid(): the caller's pid.
sys_getpid:
        la      t0, current
        lw      t0, 0(t0)
        lw      a0, P_PID(t0)
        ret

# sys_yield(): give the CPU to the next runnable process.  Returns 0.
sys_yield:
        la      t0, current
        lw      t0, 0(t0)
        li      t1, RUNNABLE
        sw      t1, P_STATE(t0)
        li      a0, 0
        ret

# sys_sbrk(increment): grow the heap by increment bytes (>= 0).
#   out: the old break (the start of the new memory), or -1 if increment is
#        negative or the heap would reach the stack.
#   Only the break moves.  The pages come on first touch (heap_page, vm.s).
sys_sbrk:
        bltz    a0, 1f
        la      t0, current
        lw      t0, 0(t0)
        lw      t1, P_BRK(t0)           # t1: old break
        add     t2, t1, a0              # t2: new break (no overflow: both < 2^31)
        li      a0, HEAP_LIMIT
        bltu    a0, t2, 1f
        sw      t2, P_BRK(t0)
        mv      a0, t1
        ret
1:      li      a0, -1
        ret

# sys_fork(), sys_wait(status): proc.s.
sys_fork:
        j       fork
sys_wait:
        j       wait

# sys_exec(name, arg): replace the caller's program with the program
#   `name` of the kernel's table (programs.s), started with the string arg
#   (or "" if arg is 0).
#   out: -1 if there is no such program (or a string is too long); on
#        success it does not return to the old program at all: the caller
#        continues at the new program's entry, with a0 = its argument.
#   Bad pointers kill the caller.  The strings are copied into the kernel
#   first, because the old memory they live in is about to be freed.
sys_exec:
        push    ra
        push    s0
        push    s1
        mv      s1, a1                  # s1: the argument (user address)
        la      t0, current
        lw      s0, 0(t0)               # s0: the caller
        mv      a2, a0
        mv      a0, s0
        la      a1, exec_name
        li      a3, NAMEMAX
        call    copyinstr
        bltz    a0, 2f
        la      t0, exec_arg
        sb      zero, 0(t0)
        beqz    s1, 1f
        mv      a0, s0
        la      a1, exec_arg
        mv      a2, s1
        li      a3, ARGMAX
        call    copyinstr
        bltz    a0, 2f
1:      la      a0, exec_name
        call    find_program
        beqz    a0, 2f
        mv      s1, a0                  # s1: the program
        # No way back from here: free the old image.  The TLB may hold
        # translations of the old pages at the very addresses the new
        # program will use (0x40000000...): flush it all.
        lw      a0, P_PT(s0)
        call    uvm_free_user
        .if PARAVIRT
        hcall   zero, HC_FLUSH
        .else
        tlbflush
        .endif
        mv      a0, s0
        mv      a1, s1
        la      a2, exec_arg
        call    exec_load
        bnez    a0, kill_exec_oom       # trap.s; does not return
        lw      a0, TF_A0(s0)           # "return" the new program's a0
        j       3f
2:      li      a0, -1
3:      pop     s1
        pop     s0
        pop     ra
        ret

# sys_pteflags(va): the low 12 bits of the caller's level-2 entry for va
#   (V R W X U A D and the software bits), or -1 if va is not mapped or
#   not in user space.  Lets a program watch the hardware set A and D.
sys_pteflags:
        push    ra
        li      t0, USER_BASE
        sub     t0, a0, t0
        li      t1, USER_TOP - USER_BASE
        bgeu    t0, t1, 1f
        mv      a1, a0
        la      t0, current
        lw      t0, 0(t0)
        lw      a0, P_PT(t0)
        li      a2, 0
        call    walk
        beqz    a0, 1f
        lw      t0, 0(a0)
        andi    t1, t0, PTE_V
        beqz    t1, 1f
        andi    a0, t0, PTE_FLAGS
        j       2f
1:      li      a0, -1
2:      pop     ra
        ret

        .data
        .align  4
syscall_table:                          # indexed by number - 1
        .word   sys_exit, sys_write, sys_read, sys_getpid
        .word   sys_yield, sys_sbrk, sys_fork, sys_wait
        .word   sys_exec, sys_diskwrite, sys_diskread, sys_pteflags
        .word   sys_critical
syscall_names:
        .word   name_exit, name_write, name_read, name_getpid
        .word   name_yield, name_sbrk, name_fork, name_wait
        .word   name_exec, name_diskwrite, name_diskread, name_pteflags
        .word   name_critical
name_sys_unknown: .asciz "an unknown system call"
name_exit:      .asciz "exit"
name_write:     .asciz "write"
name_read:      .asciz "read"
name_getpid:    .asciz "getpid"
name_yield:     .asciz "yield"
name_sbrk:      .asciz "sbrk"
name_fork:      .asciz "fork"
name_wait:      .asciz "wait"
name_exec:      .asciz "exec"
name_diskwrite: .asciz "diskwrite"
name_diskread:  .asciz "diskread"
name_pteflags:  .asciz "pteflags"
name_critical:  .asciz "critical"

        .bss
exec_name:      .space NAMEMAX          # exec's arguments, copied in
exec_arg:       .space ARGMAX
