# diskinc.s - the monitor's disk test (tests/test_vmon.c): read block 0,
# add 1 to its first word, write it back, halt with the word as read.
# The disk's status is polled (docs/isa.md 8.3: busy, 1, for 500 cycles,
# then 0).  Going back and running again must read the disk as it first
# was, and vmon must never write the file: the test's disk holds 41 in
# its first word, and every run halts with 41.
        .text
_start: la      s0, buf
        out     disk.addr, s0
        li      t0, 0
        out     disk.block, t0
        li      t0, 1                   # read
        out     disk.cmd, t0
1:      in      t0, disk.status
        bnez    t0, 1b
        lw      s1, 0(s0)
        addi    t0, s1, 1
        sw      t0, 0(s0)
        li      t0, 2                   # write
        out     disk.cmd, t0
2:      in      t0, disk.status
        bnez    t0, 2b
done:   halt    s1

        .data
        .align  512
buf:    .space  512
