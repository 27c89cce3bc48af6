# div0.s - misbehaving: division by zero.
#
#   div0  ->  "div0: dividing 1 by 0", then
#             "kernel: killed pid N (div0): div-zero at pc 0x..."

        .include "lib.s"

main:
        push    ra
        la      a0, msg_try
        call    puts
        li      t0, 1
        div     a0, t0, zero            # traps: the kernel kills us here
        la      a0, msg_alive
        call    puts
        li      a0, 1
        pop     ra
        ret

        .data
msg_try:        .asciz "div0: dividing 1 by 0\n"
msg_alive:      .asciz "div0: still alive!\n"
