# fnv_vmlab.s - the FNV loop of tests/bench/fnv_loop.h for the vmlab
# machine, as `make bench-peers` runs it on the bare machine (vrun
# --native) and as a VM's kernel (vrun): the iteration count is the boot
# string in decimal; the hash is printed as "fnv 0x%08x" and the program
# halts with 0.  The loop runs from fnv_loop to fnv_end: the same nine
# instructions as tests/bench/machine.c's guest.

        .text
_start: li      t0, 0                   # t0 = iterations, from the boot string
        li      a1, 10
1:      lbu     t1, 0(a0)
        addi    t1, t1, -48             # '0'
        bltu    t1, a1, 2f
        j       3f
2:      mul     t0, t0, a1
        add     t0, t0, t1
        addi    a0, a0, 1
        j       1b
3:      li      t1, 2166136261          # acc
        li      t2, 16777619            # the FNV prime
        la      s0, table
        beqz    t0, fnv_end
fnv_loop:
        andi    s1, t0, 1023
        slli    s1, s1, 2
        add     s1, s1, s0              # &table[i & 1023]
        lw      a0, 0(s1)
        xor     t1, t1, a0
        mul     t1, t1, t2
        sw      t1, 0(s1)
        addi    t0, t0, -1
        bne     t0, zero, fnv_loop
fnv_end:
        la      a0, prefix              # "fnv 0x", then 8 hex digits
4:      lbu     a1, 0(a0)
        beqz    a1, 5f
        out     con.data, a1
        addi    a0, a0, 1
        j       4b
5:      li      a2, 28                  # shift of the next digit
        la      a3, hexdigits
6:      srl     a1, t1, a2
        andi    a1, a1, 15
        add     a1, a1, a3
        lbu     a1, 0(a1)
        out     con.data, a1
        addi    a2, a2, -4
        bgez    a2, 6b
        li      a1, 10
        out     con.data, a1
        halt    zero

        .data
prefix:    .asciz "fnv 0x"
hexdigits: .ascii "0123456789abcdef"

        .bss
        .align  4096
table:  .space  4096
