# victim.s - a kernel that holds a secret: SECRET_PAGES pages of the word
# SECRET (made at run time from two halves, so no image holds it whole).
# It works on it for ROUNDS rounds - paging on, switching between two
# roots, reading every secret word, writing a page of it to its disk - and
# at the end prints how many secret words it found changed, and halts
# with that number.  tests/test_hostile.c runs it beside attacker.s, which
# must never see the secret, and it must end exactly as it does alone.

        .equ    SECRET_HI, 0x5ec2
        .equ    SECRET_LO, 0xe75a
        .equ    SECRET_PAGES, 16
        .equ    ROUNDS, 40
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

        .text
_start: call    hostile_init
        lui     s1, SECRET_HI
        ori     s1, s1, SECRET_LO
        la      t0, secret
        li      t1, SECRET_PAGES * PAGE / 4
1:      sw      s1, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, -1
        bnez    t1, 1b
        la      a0, pt_k
        li      a1, 256
        li      a2, KPAGE
        call    identity
        la      t1, pt_k
        ori     t1, t1, PTE_V
        la      t0, root_a
        sw      t1, 0(t0)
        la      t0, root_b
        sw      t1, 0(t0)
        mtcr    ptb, t0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

        li      s0, 0                   # round
        li      a5, 0                   # changed words seen
2:      andi    t0, s0, 1               # a root each round
        la      t1, root_a
        beqz    t0, 3f
        la      t1, root_b
3:      mtcr    ptb, t1
        la      t0, secret
        li      t1, SECRET_PAGES * PAGE / 4
4:      lw      t2, 0(t0)
        xor     t2, t2, s1
        snez    t2, t2
        add     a5, a5, t2
        addi    t0, t0, 4
        addi    t1, t1, -1
        bnez    t1, 4b
        andi    t0, s0, 3               # a secret page to the disk, block round mod 4
        out     disk.block, t0
        andi    t0, s0, SECRET_PAGES - 1
        slli    t0, t0, PAGE_SHIFT
        la      t1, secret
        add     t0, t0, t1
        out     disk.addr, t0
        li      t0, DISK_CTRL_IE
        out     disk.ctrl, t0
        li      t0, DISK_CMD_WRITE
        out     disk.cmd, t0
        wfi
        out     disk.status, zero
        out     disk.ctrl, zero
        addi    s0, s0, 1
        li      t0, ROUNDS
        bne     s0, t0, 2b

        la      a0, msg
        call    puts
        mv      a0, a5
        call    putdec
        la      a0, msg_end
        call    puts
        mv      a0, a5
        halt    a0

        .include "hostile.inc"

        .data
msg:    .asciz  "victim: "
msg_end: .asciz " secret words changed\n"

        .bss
        .align  4096
root_a: .space  4096
root_b: .space  4096
pt_k:   .space  4096
secret: .space  SECRET_PAGES * 4096
