# flood.s - a kernel that floods the VMM with exits, to see it keep to its
# limits and finish (tests/test_hostile.c runs it with few shadow frames):
#   1. PRIVS rounds of two privileged instructions (mfcr, mtcr scratch):
#      every one an exit under a VMM;
#   2. PTWRITES stores into a live page table, each remapping DATA_VA
#      between two pages and read back through it (traced stores, shadow
#      tables dropped as floods and made again);
#   3. SWITCHES writes of ptb, round NROOTS roots - more than a VMM with a
#      small shadow-frame limit can keep - each read through at DATA_VA.
# Every round is checked (docs/isa.md 7: a store to an entry, then a flush,
# changes what the page maps); one verdict per part (hostile.inc).

        .equ    PRIVS, 1000000
        .equ    PTWRITES, 20000
        .equ    SWITCHES, 20000
        .equ    NROOTS, 48
        .equ    DATA_VA, 0x00400000     # level-1 entry 1
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

        .text
_start: call    hostile_init
        la      a0, pt_k
        li      a1, 256
        li      a2, KPAGE
        call    identity

        # 1. privileged instructions
        li      s0, PRIVS
1:      mfcr    t0, scratch
        addi    t0, t0, 1
        mtcr    scratch, t0
        addi    s0, s0, -1
        bnez    s0, 1b
        mfcr    a0, scratch
        li      a1, PRIVS
        call    check

        # roots[i]: the kernel at entry 0, DATA_VA -> table i -> data page i mod 2
        li      s0, 0
2:      slli    t0, s0, PAGE_SHIFT
        la      t1, roots
        add     t0, t0, t1
        la      t1, pt_k
        ori     t1, t1, PTE_V
        sw      t1, 0(t0)
        slli    t1, s0, PAGE_SHIFT
        la      t2, tables
        add     t1, t1, t2
        ori     t2, t1, PTE_V
        sw      t2, 4(t0)
        andi    t2, s0, 1
        slli    t2, t2, PAGE_SHIFT
        la      a0, page0
        add     t2, t2, a0
        ori     t2, t2, KPAGE
        sw      t2, 0(t1)
        addi    s0, s0, 1
        li      t0, NROOTS
        bne     s0, t0, 2b
        la      t0, roots
        mtcr    ptb, t0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

        # 2. page-table writes: tables[0][0] -> page (s0 mod 2), read through
        li      s0, PTWRITES
        li      s1, 0
        la      a2, tables
        la      a3, page0
        li      a4, DATA_VA
3:      andi    t0, s0, 1
        slli    t0, t0, PAGE_SHIFT
        add     t0, t0, a3
        ori     t0, t0, KPAGE
        sw      t0, 0(a2)
        tlbflushv a4
        lw      t1, 0(a4)
        andi    t0, s0, 1
        xor     t1, t1, t0
        or      s1, s1, t1
        addi    s0, s0, -1
        bnez    s0, 3b
        mv      a0, s1
        li      a1, 0
        call    check

        # 3. ptb switches round every root, each read through
        la      t0, tables              # table 0 back to page 0
        la      t1, page0
        ori     t1, t1, KPAGE
        sw      t1, 0(t0)
        li      s0, SWITCHES
        li      s1, 0
        la      a2, roots
4:      li      t0, NROOTS
        remu    t0, s0, t0
        slli    t1, t0, PAGE_SHIFT
        add     t1, t1, a2
        mtcr    ptb, t1
        lw      t1, 0(a4)
        andi    t0, t0, 1
        xor     t1, t1, t0
        or      s1, s1, t1
        addi    s0, s0, -1
        bnez    s0, 4b
        mv      a0, s1
        li      a1, 0
        call    check
        j       finish

        .include "hostile.inc"

        .data
        .align  4096
page0:  .word   0
        .align  4096
        .word   1

        .bss
        .align  4096
roots:  .space  NROOTS * 4096
tables: .space  NROOTS * 4096
pt_k:   .space  4096
