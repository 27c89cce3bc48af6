# memory.s - memory heavy: touch N pages of heap.
#
#   memory N  ->  "memory N: pages N sum 0x%08x"      (default N = 64)
#
# sbrk(N * 4096) only moves the break; each page is made by the kernel on
# its first touch (a page fault).  Word k of the area (k = 0, 1, ...) is
# written k * 0x9E3779B1; then every word is read back into the checksum
# sum = sum * 31 + word (so a page mapped twice, or in the wrong place,
# changes it).  The test checks the sum against the same formula in C.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        li      a1, 64
        call    parse_num
        mv      s0, a0                  # s0: N pages
        li      t0, 0x80000
        bgeu    a0, t0, fail            # N * 4096 would not even fit in 32 bits
        slli    a0, a0, 12
        call    sbrk
        mv      s1, a0                  # s1: the area
        li      t0, -1
        beq     a0, t0, fail
        slli    t2, s0, 10              # t2: words
        li      t1, 0x9E3779B1
        li      t0, 0                   # t0: k
        mv      a1, s1
1:      beq     t0, t2, 2f
        mul     a2, t0, t1
        sw      a2, 0(a1)
        addi    a1, a1, 4
        addi    t0, t0, 1
        j       1b
2:      li      a0, 0                   # a0: the sum
        li      t1, 31
        mv      a1, s1
        li      t0, 0
3:      beq     t0, t2, 4f
        lw      a2, 0(a1)
        mul     a0, a0, t1
        add     a0, a0, a2
        addi    a1, a1, 4
        addi    t0, t0, 1
        j       3b
4:      mv      s1, a0
        la      a0, msg_memory          # "memory N: pages N sum 0x..."
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_pages
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_sum
        call    puts
        mv      a0, s1
        call    puthex
        li      a0, '\n'
        call    putc
        li      a0, 0
        j       5f
fail:   la      a0, msg_nomem
        call    puts
        li      a0, 1
5:      pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_memory:     .asciz "memory "
msg_pages:      .asciz ": pages "
msg_sum:        .asciz " sum "
msg_nomem:      .asciz "memory: sbrk failed\n"
