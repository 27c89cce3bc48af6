# fnv_mips.s - the FNV loop of tests/bench/fnv_loop.h in MIPS assembly for
# SPIM, as `make bench-peers` runs it:  spim -file fnv_mips.s ITERATIONS
# prints "fnv 0x%08x".  SPIM has no delay slots by default (-asm).  The
# loop runs from fnv_loop to fnv_end; mult and mflo are two instructions
# where RISC-V and vmlab have one mul.

        .text
        .globl  main
main:   li      $t0, 2                  # no argument (SPIM's prompt): 2, for the trace
        blt     $a0, 2, start
        lw      $a0, 4($a1)             # argv[1]
        li      $t0, 0
        li      $a1, 10
digit:  lbu     $t1, 0($a0)
        addiu   $t1, $t1, -48
        bgeu    $t1, $a1, start
        mul     $t0, $t0, $a1
        addu    $t0, $t0, $t1
        addiu   $a0, $a0, 1
        j       digit
start:  li      $t1, 2166136261         # acc
        li      $t2, 16777619           # the FNV prime
        la      $s0, table
        beqz    $t0, fnv_end
fnv_loop: andi  $t3, $t0, 1023
        sll     $t3, $t3, 2
        addu    $t3, $t3, $s0           # &table[i & 1023]
        lw      $t4, 0($t3)
        xor     $t1, $t1, $t4
        multu   $t1, $t2
        mflo    $t1
        sw      $t1, 0($t3)
        addiu   $t0, $t0, -1
        bne     $t0, $zero, fnv_loop
fnv_end: la     $a0, prefix             # "fnv 0x"
        li      $v0, 4                  # print_string
        syscall
        li      $t5, 28
        la      $t6, hexdigits
hex:    srlv    $a0, $t1, $t5
        andi    $a0, $a0, 15
        addu    $a0, $a0, $t6
        lbu     $a0, 0($a0)
        li      $v0, 11                 # print_char
        syscall
        addiu   $t5, $t5, -4
        bgez    $t5, hex
        li      $a0, 10
        li      $v0, 11
        syscall
        li      $v0, 10                 # exit
        syscall

        .data
prefix:    .asciiz "fnv 0x"
hexdigits: .ascii "0123456789abcdef"
        .align  2
table:  .space  4096
