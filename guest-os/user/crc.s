# crc.s - compute-bound: the CRC-32 of a buffer.
#
#   crc N  ->  "crc N: 0x%08x"      (N bytes, default 4096)
#
# The buffer is N bytes from sbrk, byte i = (i*7 + 3) & 0xff.  The CRC is
# zlib's (IEEE 802.3): reflected, polynomial 0xEDB88320, initial value and
# final xor 0xffffffff, computed bit by bit.  The test checks the result
# against the same computation in C.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        li      a1, 4096
        call    parse_num
        mv      s0, a0                  # s0: N
        call    sbrk
        mv      s1, a0                  # s1: the buffer
        li      t0, -1
        beq     a0, t0, fail
        li      t0, 0                   # fill it (touching every page: they
        li      t2, 7                   # come from lazy page faults)
1:      beq     t0, s0, 2f
        mul     t1, t0, t2
        addi    t1, t1, 3
        add     a1, s1, t0
        sb      t1, 0(a1)               # sb keeps the low byte: & 0xff
        addi    t0, t0, 1
        j       1b
2:      li      a0, -1                  # a0: the CRC register
        li      t2, 0xEDB88320
        li      t0, 0                   # t0: byte index
3:      beq     t0, s0, 6f
        add     t1, s1, t0
        lbu     t1, 0(t1)
        xor     a0, a0, t1
        li      t1, 8                   # 8 bits, low bit first (reflected)
4:      andi    a1, a0, 1
        srli    a0, a0, 1
        beqz    a1, 5f
        xor     a0, a0, t2
5:      addi    t1, t1, -1
        bnez    t1, 4b
        addi    t0, t0, 1
        j       3b
6:      xori    a0, a0, 0xffff          # final xor with 0xffffffff
        li      t0, 0xffff0000
        xor     s1, a0, t0              # s1: the CRC
        la      a0, msg_crc             # "crc N: 0x..."
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_colon
        call    puts
        mv      a0, s1
        call    puthex
        li      a0, '\n'
        call    putc
        li      a0, 0
        j       7f
fail:   la      a0, msg_nomem
        call    puts
        li      a0, 1
7:      pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_crc:        .asciz "crc "
msg_colon:      .asciz ": "
msg_nomem:      .asciz "crc: sbrk failed\n"
