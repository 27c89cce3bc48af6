# disk.s - a small test of the disk driver: write a block, read it back.
#
#   disk  ->  "disk: block 3 ok"
#             "disk: no disk"        (vrun without --disk: it must not hang)
#
# The 512-byte buffer is placed across a page boundary of the heap, so the
# kernel must copy it page by page (the disk's DMA only sees one physical
# buffer in the kernel).  Byte i of the pattern is (i * 13 + 5) & 0xff; the
# test also checks block 3 of the disk image after the run.

        .include "lib.s"

        .equ BLOCK, 3
        .equ BSIZE, 512

main:
        push    ra
        push    s0
        push    s1
        li      a0, 2 * PAGE
        call    sbrk
        addi    s0, a0, PAGE - BSIZE / 2        # s0: the buffer, straddling two pages
        li      t0, 0                   # fill in the pattern
        li      t2, 13
1:      mul     t1, t0, t2
        addi    t1, t1, 5
        add     a1, s0, t0
        sb      t1, 0(a1)
        addi    t0, t0, 1
        li      t1, BSIZE
        bne     t0, t1, 1b
        li      a0, BLOCK
        mv      a1, s0
        call    diskwrite
        bltz    a0, nodisk
        li      t0, 0                   # wipe the buffer
2:      add     a1, s0, t0
        sb      zero, 0(a1)
        addi    t0, t0, 1
        li      t1, BSIZE
        bne     t0, t1, 2b
        li      a0, BLOCK
        mv      a1, s0
        call    diskread
        bltz    a0, readfail
        li      s1, 0                   # compare
        li      t2, 13
3:      mul     t1, s1, t2
        addi    t1, t1, 5
        andi    t1, t1, 0xff
        add     a1, s0, s1
        lbu     t0, 0(a1)
        bne     t0, t1, differ
        addi    s1, s1, 1
        li      t1, BSIZE
        bne     s1, t1, 3b
        la      a0, msg_ok
        call    puts
        li      a0, 0
        j       9f
nodisk: la      a0, msg_nodisk
        call    puts
        li      a0, 0
        j       9f
readfail:
        la      a0, msg_readfail
        call    puts
        li      a0, 1
        j       9f
differ: la      a0, msg_differ
        call    puts
        mv      a0, s1
        call    putudec
        li      a0, '\n'
        call    putc
        li      a0, 1
9:      pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_ok:         .asciz "disk: block 3 ok\n"
msg_nodisk:     .asciz "disk: no disk\n"
msg_readfail:   .asciz "disk: read failed\n"
msg_differ:     .asciz "disk: block 3 differs at byte "
