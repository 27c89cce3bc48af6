# calls.s - next and finish (tests/test_vmon.c): on the bare machine or as
# a guest kernel, paging off.  sumto(n) = n + sumto(n - 1), sumto(0) = 0,
# recursive, each call with its own 8-byte frame; _start calls sumto(3)
# and halts with it, 6.
#
# By hand (listing: _start 0x1000, the call 0x1008, 0x100c after it, halt
# 0x1010; sumto 0x1014, its recursive call sumto+20 = 0x1028, the
# instruction after it sumto+24 = 0x102c):
#   sumto(0) runs 2 instructions (beqz taken, ret); sumto(n > 0) runs
#   6 (beqz .. call) + sumto(n - 1) + 5 (lw .. ret): sumto(1) 13,
#   sumto(2) 24, sumto(3) 35.
#   sp starts at 0x4000: sumto(3) runs with its frame at 0x3ff8, sumto(2)
#   at 0x3ff0, sumto(1) at 0x3fe8; sumto(0) pushes nothing.
        .text
_start:
        li      sp, 0x4000
        li      a0, 3
        call    sumto
        add     s0, a0, zero
done:   halt    s0

sumto:  beqz    a0, base
        addi    sp, sp, -8
        sw      ra, 4(sp)
        sw      a0, 0(sp)
        addi    a0, a0, -1
        call    sumto
        lw      t0, 0(sp)
        add     a0, a0, t0
        lw      ra, 4(sp)
        addi    sp, sp, 8
base:   ret
