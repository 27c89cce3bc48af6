# ptedirty.s - a kernel that maps its first 64 KiB one to one, turns
# paging on and stores one word into its data page: the hardware sets D in
# that page's level-2 entry (docs/isa.md 7).  Under a VMM that never sets
# D in the guest's tables (INJECT_NO_DIRTY) the registers agree to the end
# and only that entry differs: lockstep must show it by field
# (tests/test_reports.c).

        .equ    NPAGES, 16
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X

        .include "../../guest-os/kernel/param.s"

        .text
_start: la      t0, leaf                # leaf[i] = page i, KPAGE
        li      t1, 0
        li      t2, NPAGES
1:      ori     s0, t1, KPAGE
        sw      s0, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 1b
        la      t0, leaf                # root[0] = leaf
        ori     t0, t0, PTE_V
        la      t1, root
        sw      t0, 0(t1)
        la      t0, root
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, SR_PG
        wrsr    t0
        la      t1, datum
        li      t0, 42
store:  sw      t0, 0(t1)               # D set in datum's entry
        halt    zero

        .data
datum:  .word   0
        .bss
        .align  4096
root:   .space  4096
leaf:   .space  4096
