# sharedleaf.s - two roots share a level-2 table (the kernel's identity map,
# entry 0 of each), and the shadow of that table is linked from the shadows
# of both.  The kernel runs on root1, then on root2, rewrites root2's entry
# 0 (the same value: the VMM unlinks that one shadow entry, and must forget
# that one link, not root1's), goes back to root1, and then writes unused
# entries of the shared table five times with no fault between, so that
# the VMM stops tracing it and drops its shadow: every shadow entry that
# links the dropped table must be cleared, root1's included, or root1's
# shadow points at a freed frame (the isolation checker's findings).  It
# prints "ok" and halts with 0, natively and under every policy.

        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

        .text
_start: call    hostile_init
        la      a0, root1               # entry 0: the first megabyte, one to one; ptb = root1
        la      a1, pt_k
        li      a2, KPAGE
        call    low_map
        la      t0, pt_k                # root2 shares that table
        ori     t0, t0, PTE_V
        la      t1, root2
        sw      t0, 0(t1)
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0              # on root1

        la      t0, root2
        mtcr    ptb, t0                 # on root2: both roots link the shared shadow
        la      t0, pt_k
        ori     t0, t0, PTE_V
        la      t1, root2
        sw      t0, 0(t1)               # root2's entry 0 again: unlinked, then linked again
        tlbflush
        la      t0, root1
        mtcr    ptb, t0                 # back on root1

        la      t0, pt_k                # five writes to unused entries (va 0x3f0000..)
        addi    t0, t0, 1008 * 4
        li      t1, 5
1:      sw      zero, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, -1
        bnez    t1, 1b
        tlbflush
        la      a0, msg_ok
        call    puts
        li      a0, 0
        halt    a0

        .include "hostile.inc"

        .data
msg_ok: .asciz  "ok\n"

        .bss
        .align  4096
root1:  .space  4096
root2:  .space  4096
pt_k:   .space  4096
