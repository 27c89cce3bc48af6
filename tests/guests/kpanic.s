# kpanic.s - a kernel that faults on its own, as guest-os's kernel_panic
# does: a misaligned load in supervisor mode, and a handler that prints a
# line and halts with 1 without saying where.  vrun must place the trap's
# pc by the image's symbols (tests/test_reports.c), the same natively and
# under the VMM - and by the label, not by NEAR_OOPS, a constant that lies
# between the label and the pc.

        .include "../../guest-os/kernel/param.s"
        .equ    NEAR_OOPS, oops + 4

        .text
_start: la      t0, panic
        mtcr    tvec, t0
        la      t1, word
        call    oops
        halt    zero
oops:   addi    t1, t1, 1
        addi    t1, t1, 1
        lw      t0, 0(t1)               # word + 2: misaligned
        ret

# panic: "panic\n", and halt with 1.
panic:  la      t1, msg
1:      lbu     t0, 0(t1)
        beqz    t0, 2f
        out     con.data, t0
        addi    t1, t1, 1
        j       1b
2:      li      t0, 1
        halt    t0

        .data
word:   .word   0
msg:    .asciz  "panic\n"
