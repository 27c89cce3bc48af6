/*
 * fnv_rv32.S - the FNV loop of tests/bench/fnv_loop.h for RV32IM, as
 * `make bench-peers` runs it under QEMU: built twice,
 *   - user mode (qemu-riscv32, a static Linux ELF): the iteration count
 *     is argv[1] in decimal; output through write(2), then exit(0);
 *   - SYSTEM (qemu-system-riscv32 -M virt -bios none): bare metal at
 *     0x80000000; the count is the word at ITERS_ADDR, beyond the image,
 *     which the command line fills (-device loader,addr=ITERS_ADDR,
 *     data=N,data-len=4: one image for every count); output through
 *     the 16550 UART, then the sifive test device powers off.
 * Prints "fnv 0x%08x".  The loop runs from fnv_loop to fnv_end: nine
 * instructions, as on vmlab.
 */
        .text
        .globl  _start
_start:
#ifdef SYSTEM
        li      a0, ITERS_ADDR
        lw      t0, 0(a0)
#else
        lw      a0, 8(sp)               /* argv[1] */
        li      t0, 0
        li      a1, 10
1:      lbu     t1, 0(a0)
        addi    t1, t1, -48
        bgeu    t1, a1, 3f
        mul     t0, t0, a1
        add     t0, t0, t1
        addi    a0, a0, 1
        j       1b
3:
#endif
        li      t1, 2166136261          /* acc */
        li      t2, 16777619            /* the FNV prime */
        la      s0, table
        beqz    t0, fnv_end
fnv_loop:
        andi    s1, t0, 1023
        slli    s1, s1, 2
        add     s1, s1, s0              /* &table[i & 1023] */
        lw      a0, 0(s1)
        xor     t1, t1, a0
        mul     t1, t1, t2
        sw      t1, 0(s1)
        addi    t0, t0, -1
        bnez    t0, fnv_loop
fnv_end:
        la      a3, hexdigits           /* "fnv 0x" is in buf already */
        la      a4, buf + 6
        li      a2, 28
6:      srl     a1, t1, a2
        andi    a1, a1, 15
        add     a1, a1, a3
        lbu     a1, 0(a1)
        sb      a1, 0(a4)
        addi    a4, a4, 1
        addi    a2, a2, -4
        bgez    a2, 6b
#ifdef SYSTEM
        la      a0, buf
        li      a1, 0x10000000          /* the UART's transmit register */
7:      lbu     a2, 0(a0)
        beqz    a2, 8f
        sb      a2, 0(a1)
        addi    a0, a0, 1
        j       7b
8:      li      a1, 0x100000            /* the sifive test device */
        li      a2, 0x5555              /* pass: power off */
        sw      a2, 0(a1)
9:      j       9b
#else
        li      a0, 1
        la      a1, buf
        li      a2, 15
        li      a7, 64                  /* write */
        ecall
        li      a0, 0
        li      a7, 93                  /* exit */
        ecall
#endif

        .data
buf:       .asciz "fnv 0x........\n"
hexdigits: .ascii "0123456789abcdef"

        .bss
        .balign 4096
table:  .space  4096
