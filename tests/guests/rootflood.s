# rootflood.s - the kernel writes unused entries of its own current root
# five times with no fault between, so that the VMM stops tracing the root
# and drops its shadow while it is the one the CPU runs on: the VMM must
# forget it as the current root and make a new one, or the real ptb points
# at a freed frame (the isolation checker's findings).  Then it reads
# through a page it has not touched yet.  It prints "ok" and halts with 0,
# natively and under every policy.
#
# The root is at guest frame 9 and its level-2 table at frame 77: the
# VMM's hash of shadow tables (vmm/shadow.c: bucket) puts the two shadows
# in one bucket, the table's (made after the root's) first, so that
# dropping the root unlinks a shadow from the middle of a hash chain.

        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
        .equ    ROOT, 9 * PAGE          # past the image, zero at boot
        .equ    PT_K, 77 * PAGE

        .text
_start: call    hostile_init
        li      a0, ROOT                # entry 0: the first megabyte, one to one; ptb = root
        li      a1, PT_K
        li      a2, KPAGE
        call    low_map
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

        li      t0, ROOT                # five writes to unused entries (va 0xfc000000..)
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
spare:  .space  4096
