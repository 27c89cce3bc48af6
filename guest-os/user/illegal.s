# illegal.s - misbehaving: an illegal instruction.
#
#   illegal  ->  "illegal: executing the word 0x00000000", then
#                "kernel: killed pid N (illegal): illegal at pc 0x..., instruction 0x00000000"
#
# Opcode 0 is never used, so zeroed memory cannot run (docs/isa.md, 3).

        .include "lib.s"

main:
        push    ra
        la      a0, msg_try
        call    puts
        .word   0                       # traps: the kernel kills us here
        la      a0, msg_alive
        call    puts
        li      a0, 1
        pop     ra
        ret

        .data
msg_try:        .asciz "illegal: executing the word 0x00000000\n"
msg_alive:      .asciz "illegal: still alive!\n"
