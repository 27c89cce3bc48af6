# wordexec.s - execute every word the disk holds, once in each of four
# settings: supervisor and user mode, paging off and on.  Block 0 starts
# with the number of words, the words follow (tests/test_hostile.c writes
# them: every undefined opcode and every illegal encoding).  Each word must
# raise an illegal-instruction trap (docs/isa.md 3 and 6: cause `illegal`,
# no detail bits even in user mode, badaddr = the word, epc = its address;
# "an encoding that is not legal is illegal in every mode, never
# privileged").  It prints the number of words and one verdict per setting
# (hostile.inc), and halts with the number of failed settings.

        .equ    MAXBLOCKS, 64
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D

        .text
_start: call    hostile_init
        in      s0, disk.size           # read the whole disk into words
        li      t0, MAXBLOCKS
        bleu    s0, t0, 1f
        mv      s0, t0
1:      li      s1, 0
2:      beq     s1, s0, 3f
        out     disk.block, s1
        slli    t0, s1, 9
        la      t1, words
        add     t0, t0, t1
        out     disk.addr, t0
        li      t0, DISK_CTRL_IE
        out     disk.ctrl, t0
        li      t0, DISK_CMD_READ
        out     disk.cmd, t0
        wfi
        out     disk.status, zero
        out     disk.ctrl, zero
        addi    s1, s1, 1
        j       2b
3:      la      t0, words
        lw      a0, 0(t0)
        call    putdec
        li      a0, ' '
        call    putc
        la      a0, root                # for the settings with paging: all of memory, U too
        la      a1, pt_k
        li      a2, KPAGE
        call    low_map

        li      a0, 0                   # supervisor, paging off
        call    run_all
        li      a0, 1                   # user, paging off
        call    run_all
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0
        li      a0, 0                   # supervisor, paging on
        call    run_all
        li      a0, 1                   # user, paging on
        call    run_all
        j       finish

# run_all(a0 = 1 for user mode): every word, one verdict.
run_all:
        push    ra
        push    s0
        push    s1
        la      t0, in_user
        sw      a0, 0(t0)
        li      s1, 0                   # wrong traps
        la      s0, words + 4
1:      la      t0, words
        lw      t0, 0(t0)
        slli    t0, t0, 2
        la      t1, words + 4
        add     t0, t0, t1
        beq     s0, t0, 4f
        la      t0, in_user
        lw      t0, 0(t0)
        beqz    t0, 2f
        mv      a0, s0                  # user mode: rfe to it
        call    user
        j       3f
2:      la      a0, 3f                  # supervisor: jump to it
        call    arm
        jalr    zero, 0(s0)
3:      la      t0, tr_cause            # the trap it must have raised
        lw      t1, 0(t0)
        xori    t1, t1, CAUSE_ILLEGAL
        lw      t2, 4(t0)
        lw      a0, 0(s0)
        xor     t2, t2, a0
        or      t1, t1, t2
        lw      t2, 8(t0)
        xor     t2, t2, s0
        or      t1, t1, t2
        snez    t1, t1
        add     s1, s1, t1
        addi    s0, s0, 4
        j       1b
4:      mv      a0, s1
        li      a1, 0
        call    check
        pop     s1
        pop     s0
        pop     ra
        ret

        .include "hostile.inc"

        .data
in_user: .word  0

        .bss
        .align  4096
root:   .space  4096
pt_k:   .space  4096
words:  .space  MAXBLOCKS * 512
