# string.s - copying and clearing memory, and C-style strings.
#
# All leaves (they call nothing and touch no stack), using only a0-a3 and
# t0-t2.  The page routines are unrolled four words at a time because fork
# and exec spend most of their instructions in them.

        .text

# page_zero: fill the 4096-byte page at a0 (page aligned) with zeros.
page_zero:
        addi    t0, a0, PAGE            # t0: end
1:      sw      zero, 0(a0)
        sw      zero, 4(a0)
        sw      zero, 8(a0)
        sw      zero, 12(a0)
        addi    a0, a0, 16
        bne     a0, t0, 1b
        ret

# page_copy: copy the page at a1 to the page at a0 (both page aligned).
page_copy:
        addi    t0, a0, PAGE
1:      lw      t1, 0(a1)
        lw      t2, 4(a1)
        sw      t1, 0(a0)
        sw      t2, 4(a0)
        lw      t1, 8(a1)
        lw      t2, 12(a1)
        sw      t1, 8(a0)
        sw      t2, 12(a0)
        addi    a0, a0, 16
        addi    a1, a1, 16
        bne     a0, t0, 1b
        ret

# memcpy: copy a2 bytes from a1 to a0 (the areas must not overlap).
#   Word by word when both addresses and the length allow it (the common
#   case), byte by byte otherwise.
memcpy:
        or      t0, a0, a1
        or      t0, t0, a2
        andi    t0, t0, 3
        add     a2, a0, a2              # a2: end of the destination
        bnez    t0, 2f
1:      beq     a0, a2, 3f              # words
        lw      t1, 0(a1)
        sw      t1, 0(a0)
        addi    a0, a0, 4
        addi    a1, a1, 4
        j       1b
2:      beq     a0, a2, 3f              # bytes
        lbu     t1, 0(a1)
        sb      t1, 0(a0)
        addi    a0, a0, 1
        addi    a1, a1, 1
        j       2b
3:      ret

# memzero: clear a1 bytes at a0.
memzero:
        add     a1, a0, a1
1:      beq     a0, a1, 2f
        sb      zero, 0(a0)
        addi    a0, a0, 1
        j       1b
2:      ret

# strlen: a0 = the length of the NUL-terminated string at a0.
strlen:
        mv      t0, a0
1:      lbu     t1, 0(t0)
        beqz    t1, 2f
        addi    t0, t0, 1
        j       1b
2:      sub     a0, t0, a0
        ret

# strcmp: compare the strings at a0 and a1; a0 = 0 if equal, else non-zero.
strcmp:
1:      lbu     t0, 0(a0)
        lbu     t1, 0(a1)
        bne     t0, t1, 2f
        beqz    t0, 3f
        addi    a0, a0, 1
        addi    a1, a1, 1
        j       1b
2:      sub     a0, t0, t1
        ret
3:      li      a0, 0
        ret

# strncpy0: copy the string at a1 to a0, at most a2 - 1 bytes, always
#   ending it with a NUL (a2 >= 1).
strncpy0:
        addi    a2, a2, -1
1:      lbu     t0, 0(a1)
        beqz    t0, 2f
        beqz    a2, 2f
        sb      t0, 0(a0)
        addi    a0, a0, 1
        addi    a1, a1, 1
        addi    a2, a2, -1
        j       1b
2:      sb      zero, 0(a0)
        ret
