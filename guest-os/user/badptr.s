# badptr.s - misbehaving: a system call given a pointer into the kernel.
#
#   badptr  ->  "badptr: write(0x00001000, 10)", then
#               "kernel: killed pid N (badptr): bad pointer 0x00001000 in write at pc 0x..."
#
# The kernel could read that address itself; it must not do it on the
# program's behalf.  It checks every user pointer against the program's
# own page table.

        .include "lib.s"

main:
        push    ra
        la      a0, msg_try
        call    puts
        li      a0, 0x1000
        li      a1, 10
        call    write                   # the kernel kills us here
        la      a0, msg_alive
        call    puts
        li      a0, 1
        pop     ra
        ret

        .data
msg_try:        .asciz "badptr: write(0x00001000, 10)\n"
msg_alive:      .asciz "badptr: still alive: the kernel printed its own memory!\n"
