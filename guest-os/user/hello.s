# hello.s - the smallest program: print one line.
#
#   hello  ->  "hello, world"

        .include "lib.s"

main:
        push    ra
        la      a0, msg
        call    puts
        li      a0, 0                   # exit status
        pop     ra
        ret

        .data
msg:    .asciz  "hello, world\n"
