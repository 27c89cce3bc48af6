# lib.s - lab 1's given routines: the console, and reading the boot
# argument.  lab1.s includes this file; you do not need to change it.
#
# Every routine here follows the calling convention of docs/assembler.md
# section 7: it may change ra, t0-t2 and a0-a5, and leaves s0, s1, gp, tp
# and sp as they were.  None of them uses the stack.

        .text

# putc(a0): print the byte in a0.
putc:
        out     con.data, a0
        ret

# puts(a0): print the NUL-terminated string at a0.
puts:
1:      lbu     t0, 0(a0)
        beqz    t0, 2f
        out     con.data, t0
        addi    a0, a0, 1
        j       1b
2:      ret

# print_hex(a0): print a0 as 0x and eight hex digits (0x0000002a).
print_hex:
        li      t0, '0'
        out     con.data, t0
        li      t0, 'x'
        out     con.data, t0
        li      t1, 28                  # the shift that brings the next digit down
1:      srl     t0, a0, t1
        andi    t0, t0, 15
        slti    t2, t0, 10
        bnez    t2, 2f
        addi    t0, t0, 'a' - 10 - '0'  # 10..15 become a..f
2:      addi    t0, t0, '0'
        out     con.data, t0
        addi    t1, t1, -4
        bgez    t1, 1b
        ret

# skip_spaces(a0) -> a0: the first byte at or after a0 that is not a space.
skip_spaces:
        li      t1, ' '
1:      lbu     t0, 0(a0)
        bne     t0, t1, 2f
        addi    a0, a0, 1
        j       1b
2:      ret

# word_end(a0) -> a0: the first space or NUL at or after a0.
word_end:
        li      t1, ' '
1:      lbu     t0, 0(a0)
        beqz    t0, 2f
        beq     t0, t1, 2f
        addi    a0, a0, 1
        j       1b
2:      ret

# word_is(a0 = start, a1 = end, a2 = a NUL-terminated string) -> a0: 1 if
# the word from start up to end is that string, else 0.  (A word holds no
# NUL, so a string that ends early differs from it at its NUL.)
word_is:
1:      lbu     t1, 0(a2)
        beq     a0, a1, 2f
        lbu     t0, 0(a0)
        bne     t0, t1, 3f
        addi    a0, a0, 1
        addi    a2, a2, 1
        j       1b
2:      seqz    a0, t1                  # the word ended: equal if the string did too
        ret
3:      li      a0, 0
        ret

# parse_dec(a0 = start, a1 = end) -> a0: the value, a1: 1 if the word from
# start up to end is a decimal number that fits in 32 bits, else 0.
parse_dec:
        mv      t0, a0                  # t0: the next digit
        li      a0, 0
        beq     t0, a1, 3f              # an empty word is no number
1:      lbu     t1, 0(t0)
        addi    t1, t1, -'0'
        sltiu   t2, t1, 10
        beqz    t2, 3f                  # not a digit
        li      t2, 10
        mulhu   a2, a0, t2
        bnez    a2, 3f                  # a0 * 10 needs more than 32 bits
        mul     a0, a0, t2
        add     t1, a0, t1
        bltu    t1, a0, 3f              # the digit carried out of 32 bits
        mv      a0, t1
        addi    t0, t0, 1
        bne     t0, a1, 1b
        li      a1, 1
        ret
3:      li      a1, 0
        ret
