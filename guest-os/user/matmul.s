# matmul.s - compute-bound: a matrix product.
#
#   matmul N  ->  "matmul N: SUM"      (default N = 32)
#
# A[i][j] = i + j, B[i][j] = i - j, C = A x B, all N x N 32-bit integers
# with wrapping arithmetic; SUM is the wrapping sum of every C[i][j],
# printed signed.  The three matrices come from sbrk, row by row.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -16             # 0(sp) A, 4(sp) B, 8(sp) C, 12(sp) i
        li      a1, 32
        call    parse_num
        mv      s0, a0                  # s0: N
        mul     s1, s0, s0
        slli    s1, s1, 2               # s1: bytes in one matrix
        mv      a0, s1
        call    sbrk
        sw      a0, 0(sp)
        mv      a0, s1
        call    sbrk
        sw      a0, 4(sp)
        mv      a0, s1
        call    sbrk
        sw      a0, 8(sp)
        li      t0, -1
        beq     a0, t0, fail
        # Fill A and B, in order: element k is row i = k / N, column j = k % N.
        lw      a1, 0(sp)               # a1: &A[i][j]
        lw      a2, 4(sp)               # a2: &B[i][j]
        li      t0, 0                   # t0: i
1:      beq     t0, s0, 3f
        li      t1, 0                   # t1: j
2:      beq     t1, s0, 21f
        add     t2, t0, t1
        sw      t2, 0(a1)
        sub     t2, t0, t1
        sw      t2, 0(a2)
        addi    a1, a1, 4
        addi    a2, a2, 4
        addi    t1, t1, 1
        j       2b
21:     addi    t0, t0, 1
        j       1b
        # C[i][j] = sum over k of A[i][k] * B[k][j]; a3 = &C[i][j].
3:      lw      a3, 8(sp)
        li      t0, 0
        sw      t0, 12(sp)              # i = 0
4:      lw      t0, 12(sp)
        beq     t0, s0, 8f
        li      t1, 0                   # t1: j
5:      beq     t1, s0, 7f
        lw      a1, 0(sp)               # a1: &A[i][0]
        mul     t2, t0, s0
        slli    t2, t2, 2
        add     a1, a1, t2
        lw      a2, 4(sp)               # a2: &B[0][j]
        slli    t2, t1, 2
        add     a2, a2, t2
        slli    a5, s0, 2               # a5: the size of a row, to step down B
        li      a4, 0                   # a4: the sum
        mv      t2, s0                  # t2: k counts down
6:      beqz    t2, 61f
        lw      a0, 0(a1)
        lw      t0, 0(a2)
        mul     a0, a0, t0
        add     a4, a4, a0
        addi    a1, a1, 4
        add     a2, a2, a5
        addi    t2, t2, -1
        j       6b
61:     sw      a4, 0(a3)
        addi    a3, a3, 4
        lw      t0, 12(sp)
        addi    t1, t1, 1
        j       5b
7:      addi    t0, t0, 1
        sw      t0, 12(sp)
        j       4b
8:      lw      a1, 8(sp)               # the sum of C
        mul     t1, s0, s0
        li      s1, 0
9:      beqz    t1, 10f
        lw      t0, 0(a1)
        add     s1, s1, t0
        addi    a1, a1, 4
        addi    t1, t1, -1
        j       9b
10:     la      a0, msg_matmul          # "matmul N: SUM"
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_colon
        call    puts
        mv      a0, s1
        call    putdec
        li      a0, '\n'
        call    putc
        li      a0, 0
        j       11f
fail:   la      a0, msg_nomem
        call    puts
        li      a0, 1
11:     addi    sp, sp, 16
        pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_matmul:     .asciz "matmul "
msg_colon:      .asciz ": "
msg_nomem:      .asciz "matmul: sbrk failed\n"
