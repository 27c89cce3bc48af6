# syscalls.s - system-call heavy: N times getpid, then yield.
#
#   syscalls N  ->  "syscalls N: ok"      (default N = 2000)
#
# Each round is two traps into the kernel and back; yield also goes
# through the scheduler (and switches address space if another process is
# ready).  getpid must answer the same every time.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -4
        li      a1, 2000
        call    parse_num
        mv      s0, a0                  # s0: N
        call    getpid
        sw      a0, 0(sp)               # 0(sp): my pid
        li      s1, 0                   # s1: rounds done
1:      beq     s1, s0, 2f
        call    getpid
        lw      t0, 0(sp)
        bne     a0, t0, 3f
        call    yield
        bnez    a0, 3f
        addi    s1, s1, 1
        j       1b
2:      la      a1, msg_ok
        li      s1, 0
        j       4f
3:      la      a1, msg_bad
        li      s1, 1
4:      push    a1
        la      a0, msg_syscalls        # "syscalls N: ok"
        call    puts
        mv      a0, s0
        call    putudec
        pop     a0
        call    puts
        mv      a0, s1
        addi    sp, sp, 4
        pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_syscalls:   .asciz "syscalls "
msg_ok:         .asciz ": ok\n"
msg_bad:        .asciz ": getpid or yield gave a wrong answer\n"
