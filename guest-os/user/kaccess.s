# kaccess.s - misbehaving: a load from kernel memory.
#
#   kaccess  ->  "kaccess: loading from kernel address 0x00001000", then
#                "kernel: killed pid N (kaccess): page-fault at pc 0x..., address 0x00001000"
#
# The kernel is mapped in every address space, but without the U bit: a
# user access is a page fault with PROT (present, refused).

        .include "lib.s"

main:
        push    ra
        la      a0, msg_try
        call    puts
        li      t0, 0x1000
        lw      a0, 0(t0)               # faults: the kernel kills us here
        la      a0, msg_alive
        call    puts
        li      a0, 1
        pop     ra
        ret

        .data
msg_try:        .asciz "kaccess: loading from kernel address 0x00001000\n"
msg_alive:      .asciz "kaccess: still alive: kernel memory is readable!\n"
