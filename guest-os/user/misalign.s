# misalign.s - misbehaving: a word load from an address that is not a
# multiple of 4.
#
#   misalign  ->  "misalign: loading a word from an odd address", then
#                 "kernel: killed pid N (misalign): misaligned at pc 0x..., address 0x..."

        .include "lib.s"

main:
        push    ra
        la      a0, msg_try
        call    puts
        la      t0, msg_try
        lw      a0, 1(t0)               # traps: the kernel kills us here
        la      a0, msg_alive
        call    puts
        li      a0, 1
        pop     ra
        ret

        .data
msg_try:        .asciz "misalign: loading a word from an odd address\n"
msg_alive:      .asciz "misalign: still alive!\n"
