# pingpong.s - context-switch heavy: two processes yield to each other.
#
#   pingpong N  ->  "pingpong: child done", then "pingpong: parent done"
#                   (default N = 1000)
#
# After fork, parent and child each call yield N times.  With nobody else
# ready, every yield is a switch to the other process (and its address
# space).  The parent waits for the child before it prints, so the order of
# the two lines never varies.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        li      a1, 1000
        call    parse_num
        mv      s0, a0                  # s0: N
        call    fork
        mv      s1, a0                  # s1: 0 in the child
        bltz    a0, fail
1:      beqz    s0, 2f
        call    yield
        addi    s0, s0, -1
        j       1b
2:      bnez    s1, 3f
        la      a0, msg_child
        call    puts
        li      a0, 0
        j       4f
3:      li      a0, 0
        call    wait
        la      a0, msg_parent
        call    puts
        li      a0, 0
        j       4f
fail:   la      a0, msg_fail
        call    puts
        li      a0, 1
4:      pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_child:      .asciz "pingpong: child done\n"
msg_parent:     .asciz "pingpong: parent done\n"
msg_fail:       .asciz "pingpong: fork failed\n"
