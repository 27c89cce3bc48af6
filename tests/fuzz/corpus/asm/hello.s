# hello.s - print a greeting on the console, then halt.
#
#   vasm -o hello.elf hello.s && vrun --native hello.elf

        .text
        .global _start
_start:
        la      sp, stack_top   # the stack grows down from the end of .bss
        la      a0, greeting
        call    puts
        li      a0, 0
        halt    a0              # the exit status of vrun

# puts: print the NUL-terminated string at a0.
# Saves ra and s0 on the stack, because it calls putc and keeps s0.
puts:
        push    ra
        push    s0
        mv      s0, a0          # s0: the next byte to print
1:      lbu     a0, 0(s0)
        beqz    a0, 2f          # the NUL: done
        call    putc
        addi    s0, s0, 1
        j       1b
2:      pop     s0
        pop     ra
        ret

# putc: print the byte in a0.  A leaf: it needs no stack.
putc:
        out     con.data, a0
        ret

        .data
greeting:
        .asciz  "Hello from vmlab!\n"

        .bss
        .align  4
        .space  1024            # 256 words of stack
stack_top:
