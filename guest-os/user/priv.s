# priv.s - misbehaving: a privileged instruction in user mode.
#
#   priv  ->  "priv: executing halt in user mode", then the kernel's
#             "kernel: killed pid N (priv): privileged at pc 0x..., instruction 0x60000000"
#
# halt traps (privileged) instead of stopping the machine; the kernel kills
# the program and goes on with the others.

        .include "lib.s"

main:
        push    ra
        la      a0, msg_try
        call    puts
        halt    zero                    # traps: the kernel kills us here
        la      a0, msg_alive
        call    puts
        li      a0, 1
        pop     ra
        ret

        .data
msg_try:        .asciz "priv: executing halt in user mode\n"
msg_alive:      .asciz "priv: still alive: the kernel let halt pass!\n"
