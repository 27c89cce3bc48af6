# badargs.s - system calls with bad arguments.
#
#   badargs  ->  one line per call, each "= -1", then the kernel's
#                "kernel: killed pid N (badargs): bad pointer 0x40000000 in read at pc 0x..."
#
# A bad value (a negative size, an unknown program or system call, an
# address that is not mapped) is an error the program can handle: -1.
# A pointer the program may not use is a bug in the program: it is killed.
# The last call asks read to store into the program's own code, which is
# mapped read-only.

        .include "lib.s"

main:
        push    ra
        li      a0, -4096
        call    sbrk
        la      a1, l_sbrk
        call    report
        la      a0, s_nosuch
        li      a1, 0
        call    exec
        la      a1, l_exec
        call    report
        la      a0, s_long
        li      a1, 0
        call    exec
        la      a1, l_long
        call    report
        li      a0, 0x1000
        call    pteflags
        la      a1, l_ptek
        call    report
        li      a0, 0x50000000
        call    pteflags
        la      a1, l_pteu
        call    report
        li      a0, 0
        call    wait
        la      a1, l_wait
        call    report
        li      a5, 99
        syscall
        la      a1, l_sys99
        call    report
        li      a5, 0
        syscall
        la      a1, l_sys0
        call    report
        la      a0, s_nosuch
        li      a1, -1
        call    write
        la      a1, l_write
        call    report
        li      a0, -1
        la      a1, buf
        call    diskread
        la      a1, l_disk
        call    report
        la      a0, l_read              # last: read into our own code
        call    puts
        li      a0, 0x40000000
        li      a1, 1
        call    read                    # the kernel kills us here
        la      a0, msg_alive
        call    puts
        li      a0, 1
        pop     ra
        ret

# report: print "badargs: <a1> = <a0>".
report:
        push    ra
        push    s0
        push    s1
        mv      s0, a0
        mv      s1, a1
        la      a0, msg_badargs
        call    puts
        mv      a0, s1
        call    puts
        la      a0, msg_eq
        call    puts
        mv      a0, s0
        call    putdec
        li      a0, '\n'
        call    putc
        pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_badargs:    .asciz "badargs: "
msg_eq:         .asciz " = "
l_sbrk:         .asciz "sbrk(-4096)"
l_exec:         .asciz "exec(\"nosuch\")"
l_long:         .asciz "exec(a 20-character name)"
l_ptek:         .asciz "pteflags(0x00001000)"
l_pteu:         .asciz "pteflags(0x50000000)"
l_wait:         .asciz "wait() with no children"
l_sys99:        .asciz "system call 99"
l_sys0:         .asciz "system call 0"
l_write:        .asciz "write(buf, -1)"
l_disk:         .asciz "diskread(block 0xffffffff)"
l_read:         .asciz "badargs: read(0x40000000, 1), into our own code\n"
s_nosuch:       .asciz "nosuch"
s_long:         .asciz "abcdefghijklmnopqrst"
msg_alive:      .asciz "badargs: still alive!\n"
        .bss
buf:    .space  512
