# sum.s - the monitor's test program (tests/test_vmon.c): on the bare
# machine or as a guest kernel, paging off.  It adds 10 + 9 + ... + 1 in a
# loop (55 = 0x37), stores the sum at `result`, and halts with it.
#
# What the transcripts expect, by hand:
#   after the 2 instructions before `loop`: t0 = 0, t1 = 10
#   each pass of the loop is 3 instructions: after the first pass
#   (5 instructions in all) t0 = 10, t1 = 9; after the second (8) t0 = 19,
#   t1 = 8; the loop ends after 2 + 3 * 10 = 32 instructions with t0 = 55
#   then la (lui and ori), sw and halt: the halt is the 36th instruction,
#   at done, 35 instructions in
        .text
_start:
        li      t0, 0
        li      t1, 10
loop:   add     t0, t0, t1
        addi    t1, t1, -1
        bnez    t1, loop
        la      t2, result
        sw      t0, 0(t2)
done:   halt    t0

        .data
result: .word   0
words:  .word   0x11223344, 0xdeadbeef
msg:    .asciz  "hi\n"
