# wild.s - misbehaving in more ways, one chosen by the argument.
#
#   wild N  ->  "wild N: <what it tries>", then the kernel's kill line
#
#   1  jump into the kernel's code           page-fault (fetch) at the kernel address
#   2  store into its own code (read-only)   page-fault, address 0x40000000
#   3  push until the stack runs out         page-fault just below the stack
#   4  load past the break of its heap       page-fault in the heap's next page
#   5  jump into its heap (not executable)   page-fault (fetch) in the heap
#   6  rfe in user mode                      privileged
#   7  break                                 break
#   8  store a halfword at address 1         misaligned, address 0x00000001
#      (page 0 is unmapped; once, the CPU's TLB fast path let this store
#      through into whatever frame an empty TLB slot last held)
#
# Each is a program bug the kernel must survive: it kills the program with
# one line and goes on with the others.

        .include "lib.s"

main:
        push    ra
        push    s0
        li      a1, 0
        call    parse_num
        mv      s0, a0                  # s0: which misdeed
        addi    t0, a0, -1
        li      t1, 8
        bgeu    t0, t1, bad             # not 1..8
        la      a0, msg_wild            # "wild N: " + what
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_colon
        call    puts
        slli    t0, s0, 2
        la      t1, what - 4
        add     t1, t1, t0
        lw      a0, 0(t1)
        call    puts
        li      a0, '\n'
        call    putc
        slli    t0, s0, 2
        la      t1, deeds - 4
        add     t1, t1, t0
        lw      t1, 0(t1)
        jr      t1                      # each deed traps: the kernel kills us there

bad:    la      a0, msg_usage
        call    puts
        li      a0, 1
        pop     s0
        pop     ra
        ret

deed1:  li      t0, 0x1000              # the kernel's first page of code
        jr      t0
deed2:  li      t0, 0x40000000
        sw      zero, 0(t0)
deed3:  push    ra                      # push forever: the stack runs out
        j       deed3
deed4:  li      a0, 16
        call    sbrk                    # a0: the break before; 16 bytes of heap
        lw      t0, PAGE(a0)            # the page after: past the break
deed5:  li      a0, PAGE
        call    sbrk
        jr      a0
deed6:  rfe
deed7:  break
deed8:  li      t0, 0x4142
        sh      t0, 1(zero)

        .data
        .align  4
deeds:  .word   deed1, deed2, deed3, deed4, deed5, deed6, deed7, deed8
what:   .word   what1, what2, what3, what4, what5, what6, what7, what8
what1:  .asciz  "jumping into the kernel"
what2:  .asciz  "storing into my own code"
what3:  .asciz  "pushing until the stack runs out"
what4:  .asciz  "loading past the break"
what5:  .asciz  "jumping into my heap"
what6:  .asciz  "rfe in user mode"
what7:  .asciz  "break"
what8:  .asciz  "storing a halfword at address 1"
msg_wild:       .asciz "wild "
msg_colon:      .asciz ": "
msg_usage:      .asciz "wild: give a number from 1 to 8\n"
