# btself.s - a kernel that looks at and rewrites its own code, for binary
# translation (vmm/bt.c): under bt its code runs from a translation in
# which rdsr is patched to trap, and it must not be able to tell.  With
# paging off, in supervisor mode, it
#   1. calls f (translated on its first run; its rdsr is patched on x86like);
#   2. reads f's words back, every load size, including the patched rdsr,
#      and adds them up (s1): the original bytes, or a register differs;
#   3. rewrites f's first instruction with sw (li a0, 2 for li a0, 1), and
#      its rdsr's low halfword and byte with sh and sb (to the same
#      values), then calls f again: the new instruction must run (s0);
#   4. jumps into the middle of g, already translated, past two of its
#      three increments (gp);
# and halts with s0.  The test compares every register and all of memory
# with the bare machine's.

        .text
_start: li      s1, 0
        call    f                       # 1. translated here
        mv      s0, a0                  # 1
        mv      tp, a1                  # status as rdsr saw it: S set
        la      t0, f                   # 2. read f back
        lw      s1, 0(t0)
        lw      t1, 4(t0)               # the rdsr
        add     s1, s1, t1
        lhu     t1, 4(t0)
        add     s1, s1, t1
        lh      t1, 6(t0)
        add     s1, s1, t1
        lbu     t1, 7(t0)
        add     s1, s1, t1
        lb      t1, 5(t0)
        add     s1, s1, t1
        la      t1, two                 # 3. rewrite f: li a0, 2
        lw      t1, 0(t1)
        sw      t1, 0(t0)
        lhu     t1, 4(t0)               # the rdsr's halves and a byte, as they are
        sh      t1, 4(t0)
        lbu     t1, 7(t0)
        sb      t1, 7(t0)
        call    f
        add     s0, s0, a0              # 1 + 2 = 3 if the new one ran
        add     tp, tp, a1
        call    g                       # 4. translated whole
        mv      gp, a0
        la      t0, g
        addi    t0, t0, 8               # past two increments
        jalr    ra, 0(t0)
        add     gp, gp, a0              # 3 + 1
        la      t0, seen
        sw      s1, 0(t0)
        sw      s0, 4(t0)
        sw      gp, 8(t0)
        sw      tp, 12(t0)
        halt    s0

f:      li      a0, 1
        rdsr    a1
        andi    a1, a1, 1               # S
        ret

g:      li      a0, 0
        addi    a0, a0, 1
        addi    a0, a0, 1
        rdsr    t2
        addi    a0, a0, 1
        ret

two:    li      a0, 2                   # the instruction step 3 writes over f's first

        .data
seen:   .word   0, 0, 0, 0
