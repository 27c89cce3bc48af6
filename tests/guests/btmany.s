# btmany.s - more code than binary translation's cache holds (vmm/bt.c:
# 64 frames a VM): with paging off, in supervisor mode, the kernel copies
# a three-word function (it counts a0 up and reads status with rdsr,
# patched on x86like) into 70 pages and calls each, twice over.  The
# 65th page drops every translation; the second round writes over code
# translated in the first (or dropped since) and runs it again.  Halts
# with the calls made, 140.

        .equ    FIRST, 0x20000
        .equ    PAGES, 70

        .text
_start: li      s0, 0                   # rounds done
        li      a0, 0
round:  li      s1, 0                   # pages done
        li      t0, FIRST
page:   la      t1, stub
        lw      t2, 0(t1)
        sw      t2, 0(t0)
        lw      t2, 4(t1)
        sw      t2, 4(t0)
        lw      t2, 8(t1)
        sw      t2, 8(t0)
        jalr    ra, 0(t0)
        li      t1, 0x1000
        add     t0, t0, t1
        addi    s1, s1, 1
        li      t1, PAGES
        bne     s1, t1, page
        addi    s0, s0, 1
        li      t1, 2
        bne     s0, t1, round
        halt    a0

stub:   addi    a0, a0, 1
        rdsr    t2
        ret
