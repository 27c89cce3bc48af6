# console.s - reads the console to its end, echoing each byte between
# brackets, and halts with the number of bytes.  The test's console host
# has no byte ready at first each time ("ask again later"): the VM must
# wait on the `in`, undone, and run it again (interp_exec's stall).
# Lines: [x] each byte read, then n the count.

        .text
_start: li      s0, 0
1:      in      t0, con.data
        li      t1, -1
        beq     t0, t1, 2f
        li      t1, '['
        out     con.data, t1
        out     con.data, t0
        li      t1, ']'
        out     con.data, t1
        addi    s0, s0, 1
        j       1b
2:      mv      a1, s0
        li      a0, 'n'
        call    show
        halt    s0

        .include "lab2.inc"
