# rootflood.s - the kernel writes unused entries of its own current root
# five times with no fault between, so that the VMM stops tracing the root
# and drops its shadow while it is the one the CPU runs on: the VMM must
# forget it as the current root and make a new one, or the real ptb points
# at a freed frame (the isolation checker's findings).  Then it reads
# through a page it has not touched yet.  It prints "ok" and halts with 0,
# natively and under every policy.

        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

        .text
_start: call    hostile_init
        la      a0, root                # entry 0: the first megabyte, one to one; ptb = root
        la      a1, pt_k
        li      a2, KPAGE
        call    low_map
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

        la      t0, root                # five writes to unused entries (va 0xfc000000..)
        addi    t0, t0, 1008 * 4
        li      t1, 5
1:      sw      zero, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, -1
        bnez    t1, 1b
        la      t0, spare               # a page not touched before
        lw      a0, 0(t0)
        bnez    a0, 2f
        la      a0, msg_ok
        call    puts
        li      a0, 0
        halt    a0
2:      li      a0, 1
        halt    a0

        .include "hostile.inc"

        .data
msg_ok: .asciz  "ok\n"

        .bss
        .align  4096
root:   .space  4096
pt_k:   .space  4096
spare:  .space  4096
