# primes.s - compute-bound: count the primes below N with a sieve.
#
#   primes N  ->  "primes N: COUNT"      (default N = 10000)
#
# The sieve is N bytes from sbrk.  It relies on the kernel's promise that
# new heap pages are zero-filled: 0 means "not crossed out yet".

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        li      a1, 10000
        call    parse_num
        mv      s0, a0                  # s0: N
        call    sbrk
        mv      s1, a0                  # s1: the sieve
        li      t0, -1
        beq     a0, t0, fail
        li      t0, 2                   # t0: i
1:      mul     t1, t0, t0              # t1: j = i*i, while i*i < N
        bgeu    t1, s0, 4f
        add     t2, s1, t0
        lbu     t2, 0(t2)
        bnez    t2, 3f                  # i crossed out: not a prime
        li      a1, 1
2:      bgeu    t1, s0, 3f              # cross out i*i, i*i + i, ...
        add     t2, s1, t1
        sb      a1, 0(t2)
        add     t1, t1, t0
        j       2b
3:      addi    t0, t0, 1
        j       1b
4:      li      a0, 0                   # a0: the count
        li      t0, 2
5:      bgeu    t0, s0, 7f
        add     t2, s1, t0
        lbu     t2, 0(t2)
        bnez    t2, 6f
        addi    a0, a0, 1
6:      addi    t0, t0, 1
        j       5b
7:      mv      s1, a0
        la      a0, msg_primes          # "primes N: COUNT"
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_colon
        call    puts
        mv      a0, s1
        call    putudec
        li      a0, '\n'
        call    putc
        li      a0, 0
        j       8f
fail:   la      a0, msg_nomem
        call    puts
        li      a0, 1
8:      pop     s1
        pop     s0
        pop     ra
        ret

        .data
msg_primes:     .asciz "primes "
msg_colon:      .asciz ": "
msg_nomem:      .asciz "primes: sbrk failed\n"
