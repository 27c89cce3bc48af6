# echo.s - copy the console input to the console output, until its end.
#
#   echo  ->  whatever comes in
#
# read returns at most one line (and 0 at the end of the input).

        .include "lib.s"

        .equ BUFSIZE, 256

main:
        push    ra
1:      la      a0, buf
        li      a1, BUFSIZE
        call    read
        blez    a0, 2f
        mv      a1, a0
        la      a0, buf
        call    write
        j       1b
2:      li      a0, 0
        pop     ra
        ret

        .bss
buf:    .space  BUFSIZE
