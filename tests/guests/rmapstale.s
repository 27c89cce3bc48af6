# rmapstale.s - a kernel that makes the VMM drop a shadow table while its
# reverse map of writable entries still points into it, then makes the VMM
# walk that reverse map:
#   1. table P, at TABLE_VA, maps data page X writable (A and D set); a
#      store through TABLE_VA makes the shadow of P, whose writable entry
#      for X the VMM remembers; table Q, at Q_VA, gets a shadow the same way;
#   2. P, then Q, is written FLOOD times with no access through it in
#      between: the VMM takes them for data now and drops their shadows, and
#      the host frames that held them go back to the free list, the old
#      entries still in them (P's under Q's, which the next table takes);
#   3. it prints "P": a test may make another VM now, whose memory can be
#      those very frames (tests/test_hostile.c): its first frame Q's, its
#      second P's;
#   4. X is made a page table (linked at X_VA and used): the VMM makes
#      every writable mapping of X read-only - and must not take the old
#      entry in the dropped table's frame for one of them.
# On the bare machine it prints "P ok" and halts with 0.

        .equ    TABLE_VA, 0x00400000    # level-1 entry 1 -> P
        .equ    X_VA, 0x00800000        # level-1 entry 2 -> X, used as a table
        .equ    Q_VA, 0x00c00000        # level-1 entry 3 -> Q
        .equ    FLOOD, 8
        .equ    PTE_KRWX, 0x6f          # V R W X A D
        .equ    PTE_KRW, 0x67           # V R W A D
        .equ    PTE_KRA, 0x23           # V R A

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        la      t0, pt_k                # identity map of 256 pages
        li      t1, 0
        li      t2, 256
1:      ori     a3, t1, PTE_KRWX
        sw      a3, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 1b
        la      t0, p_table             # P[0] -> X, writable
        la      t1, x_page
        ori     t1, t1, PTE_KRW
        sw      t1, 0(t0)
        la      t0, x_page              # X[0] -> X itself, read-only: X is a fine table too
        la      t1, x_page
        ori     t1, t1, PTE_KRA
        sw      t1, 0(t0)
        la      t0, pt_l1
        la      t1, pt_k
        ori     t1, t1, 1
        sw      t1, 0(t0)
        la      t1, p_table
        ori     t1, t1, 1
        sw      t1, 4(t0)
        la      t1, q_table
        ori     t1, t1, 1
        sw      t1, 12(t0)
        la      t0, q_table             # Q[0] -> y_page, writable
        la      t1, y_page
        ori     t1, t1, PTE_KRW
        sw      t1, 0(t0)
        la      t0, pt_l1
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10            # paging on
        wrsr    t0

        # 1. a store through P: X mapped writable, remembered
        li      s0, TABLE_VA
        li      t0, 0x5a5a
        sw      t0, 4(s0)
        li      t1, Q_VA
        sw      t0, 0(t1)

        # 2. P, then Q, written again and again, never used
        la      a0, p_table
        call    flood
        la      a0, q_table
        call    flood

        # 3. a sign for the test
        li      t0, 'P'
        out     con.data, t0

        # 4. X becomes a page table
        la      t0, pt_l1
        la      t1, x_page
        ori     t1, t1, 1
        sw      t1, 8(t0)               # level-1 entry 2 -> X
        li      t0, X_VA
        lw      a4, 0(t0)               # X's first word, seen through X itself
        la      t0, x_page
        lw      t0, 0(t0)
        bne     a4, t0, bad
        lw      a4, 4(s0)               # and the store of step 1 is there
        li      t0, 0x5a5a
        bne     a4, t0, bad
        la      a0, msg_ok
        call    puts
        li      a0, 0
        halt    a0
bad:    la      a0, msg_bad
        call    puts
        li      a0, 1
        halt    a0

trap:   mfcr    a0, cause
        halt    a0

flood:  li      t1, FLOOD
2:      sw      zero, 20(a0)
        addi    t1, t1, -1
        bnez    t1, 2b
        ret

puts:   lbu     t0, 0(a0)
        beqz    t0, 3f
        out     con.data, t0
        addi    a0, a0, 1
        j       puts
3:      ret

        .data
msg_ok: .asciz  " ok\n"
msg_bad: .asciz " bad\n"

        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
p_table: .space 4096
q_table: .space 4096
x_page: .space  4096
y_page: .space  4096
