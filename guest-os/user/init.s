# init.s - the first process: start the workload named by the boot string.
#
# The kernel runs init (pid 1) with the boot string as its argument:
# commands separated by ';', each a program name and an optional argument,
#
#     vrun --native build/guest-os/kernel.elf --boot 'crc 4096; primes 100'
#
# init starts every command as its own process at once (fork, then exec
# in the child), waits until all of them have exited (and any orphans they
# left, which the kernel hands to init), prints "init: done" and exits,
# which halts the machine.  An empty boot string runs the demo below.
# If the process table is full, init waits for one child before it forks
# the next.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8              # 0(sp): the command's argument
        mv      s0, a0                  # s0: where the parsing is
        lbu     t0, 0(s0)
        bnez    t0, next
        la      s0, demo                # no boot string: the demo
next:   lbu     t0, 0(s0)               # skip blanks and empty commands
        li      t1, ' '
        beq     t0, t1, 1f
        li      t1, ';'
        bne     t0, t1, 2f
1:      addi    s0, s0, 1
        j       next
2:      beqz    t0, waitall             # the end of the string
        mv      s1, s0                  # s1: the name
3:      addi    s0, s0, 1               # find its end
        lbu     t0, 0(s0)
        beqz    t0, 4f
        li      t1, ' '
        beq     t0, t1, 5f
        li      t1, ';'
        bne     t0, t1, 3b
        sb      zero, 0(s0)             # "name;": no argument
        addi    s0, s0, 1
4:      la      t0, empty               # "name" at the end: no argument
        sw      t0, 0(sp)
        j       start
5:      sb      zero, 0(s0)             # "name arg": cut the name, skip blanks
6:      addi    s0, s0, 1
        lbu     t0, 0(s0)
        li      t1, ' '
        beq     t0, t1, 6b
        sw      s0, 0(sp)               # the argument starts here
7:      lbu     t0, 0(s0)               # and runs to ';' or the end
        beqz    t0, 8f
        li      t1, ';'
        beq     t0, t1, 8f
        addi    s0, s0, 1
        j       7b
8:      mv      t2, s0                  # drop blanks at its end
9:      lw      t1, 0(sp)
        beq     t2, t1, 10f
        lbu     t1, -1(t2)
        li      t0, ' '
        bne     t1, t0, 10f
        addi    t2, t2, -1
        j       9b
10:     lbu     t0, 0(s0)               # cut it, and move past the ';'
        sb      zero, 0(t2)
        beqz    t0, start
        addi    s0, s0, 1
start:  call    fork
        bltz    a0, forkfail
        bnez    a0, next                # the parent: on to the next command
        mv      a0, s1                  # the child becomes the program
        lw      a1, 0(sp)
        call    exec
        la      a0, msg_noprog          # exec returned: no such program
        call    puts
        mv      a0, s1
        call    puts
        li      a0, '\n'
        call    putc
        li      a0, 127
        call    exit
forkfail:
        li      a0, 0                   # the table is full: wait for one child
        call    wait                    # to finish, then try again
        bgez    a0, start
        la      a0, msg_nofork          # no child to wait for: give up on this one
        call    puts
        mv      a0, s1
        call    puts
        li      a0, '\n'
        call    putc
        j       next
waitall:
        li      a0, 0                   # collect children until there are none
        call    wait
        bgez    a0, waitall
        la      a0, msg_done
        call    puts
        li      a0, 0
        addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

        .data
# The default demo: every feature of the kernel in a few seconds.
demo:   .asciz "hello; crc 4096; primes 5000; matmul 16; syscalls 500; memory 32; forkwait 20; pingpong 100; dirty; disk; priv; kaccess; badptr; div0; illegal"
empty:          .asciz ""
msg_noprog:     .asciz "init: no program "
msg_nofork:     .asciz "init: cannot fork for "
msg_done:       .asciz "init: done\n"
