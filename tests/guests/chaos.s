# chaos.s - a kernel that does random damage to its own page tables and
# then touches random addresses, skipping every instruction that faults.
# Whatever happens (even a kernel that ends up overwriting itself), the
# VMM must do exactly what the bare machine does, and never let the guest
# reach a frame it does not own.  The seed comes from the boot argument's
# first byte (tests/test_vmm.c passes several).
#
# The kernel's own identity map (level-1 entry 0, table pt_k) is left
# alone so that the kernel keeps running; the damage goes to level-1
# entries 1..3 and the level-2 tables pt_a and pt_b, which map virtual
# 4 MiB..16 MiB onto random frames, some of them page tables, some
# outside memory.

        .equ    STEPS, 3000
        .text
_start: la      t0, trap
        mtcr    tvec, t0
        la      sp, stack
        li      s0, 0x9e3779b9          # the generator's state
        beqz    a0, 1f
        lbu     t0, 0(a0)
        mul     s0, s0, t0
        addi    s0, s0, 1
1:
        # identity map for the kernel: 256 pages, supervisor R W X
        la      t0, pt_k
        li      t1, 0
        li      t2, 256
2:      ori     a3, t1, 0x0f
        sw      a3, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 2b
        la      t0, pt_l1
        la      t1, pt_k
        ori     t1, t1, 1
        sw      t1, 0(t0)
        la      t0, pt_l1b              # a second address space, same kernel
        la      t1, pt_k
        ori     t1, t1, 1
        sw      t1, 0(t0)
        la      t0, pt_l1
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0

        li      s1, STEPS
loop:   call    rand                    # a0 = random word
        andi    t0, a0, 7
        li      t1, 0
        beq     t0, t1, pte_write
        li      t1, 1
        beq     t0, t1, pte_write
        li      t1, 2
        beq     t0, t1, l1_write
        li      t1, 3
        beq     t0, t1, do_load
        li      t1, 4
        beq     t0, t1, do_store
        li      t1, 5
        beq     t0, t1, do_flush
        li      t1, 6
        beq     t0, t1, do_switch
        j       do_paging

# a random entry of pt_a or pt_b: a random frame (up to twice the memory)
# with random permission bits
pte_write:
        call    rand
        andi    t0, a0, 0x7ff           # index 0..2047 over pt_a, pt_b
        slli    t0, t0, 2
        la      t1, pt_a
        add     t1, t1, t0
        call    rand
        andi    t2, a0, 0x1ff           # frame 0..511: memory is 256 frames
        slli    t2, t2, 12
        andi    a3, a0, 0x7f            # V R W X U A D at random
        or      t2, t2, a3
        sw      t2, 0(t1)
        j       next

# level-1 entries 1..3 point at pt_a, pt_b, or somewhere random
l1_write:
        call    rand
        andi    t0, a0, 3
        beqz    t0, next
        slli    t0, t0, 2
        andi    t1, a0, 0x30
        la      t2, pt_a
        li      a3, 0x10
        beq     t1, a3, 3f
        la      t2, pt_b
        li      a3, 0x20
        beq     t1, a3, 3f
        srli    t2, a0, 8               # a random frame
        andi    t2, t2, 0x1ff
        slli    t2, t2, 12
3:      andi    a3, a0, 0x40            # V, or not
        srli    a3, a3, 6
        or      t2, t2, a3
        la      t1, pt_l1
        add     t1, t1, t0
        sw      t2, 0(t1)
        la      t1, pt_l1b
        add     t1, t1, t0
        sw      t2, 0(t1)
        j       next

do_load:
        call    va
        lw      t0, 0(a0)
        add     a4, a4, t0
        j       next
do_store:
        call    va
        sw      s0, 0(a0)
        j       next
do_flush:
        andi    t0, a0, 8
        beqz    t0, 4f
        tlbflush
        j       next
4:      call    va
        tlbflushv a0
        j       next
do_switch:
        andi    t0, a0, 8
        la      t1, pt_l1
        beqz    t0, 5f
        la      t1, pt_l1b
5:      mtcr    ptb, t1
        j       next
do_paging:
        andi    t0, a0, 0xf0            # paging off now and then, briefly
        bnez    t0, next
        rdsr    t0
        xori    t0, t0, 0x10
        wrsr    t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0

next:   addi    s1, s1, -1
        bnez    s1, loop
        mv      a0, a4
        halt    a0

# a random word-aligned address in 4 MiB..16 MiB
va:     push    ra
        call    rand
        li      t0, 0x00bffffc
        and     a0, a0, t0
        li      t0, 0x00400000
        add     a0, a0, t0
        pop     ra
        ret

# xorshift32 on s0
rand:   slli    t0, s0, 13
        xor     s0, s0, t0
        srli    t0, s0, 17
        xor     s0, s0, t0
        slli    t0, s0, 5
        xor     s0, s0, t0
        mv      a0, s0
        ret

# Every exception: count it in tp and skip the instruction (gp is the
# handler's own register).
trap:   mfcr    gp, epc
        addi    gp, gp, 4
        mtcr    epc, gp
        addi    tp, tp, 1
        rfe

        .bss
        .align  4096
pt_l1:  .space  4096
pt_l1b: .space  4096
pt_k:   .space  4096
pt_a:   .space  4096
pt_b:   .space  4096
        .space  1024
stack:
