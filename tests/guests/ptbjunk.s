# ptbjunk.s - garbage in ptb.  docs/isa.md 5: writing ptb ignores its low
# 12 bits (they read back as zero) and flushes the TLB; 7: the walk reads
# the level-1 entry at ptb, and a table outside physical memory is a bus
# error.  Every result is a verdict character (hostile.inc).
#
#   1. paging off: every value of `junk` written to ptb reads back without
#      its low 12 bits, and memory is reached as before (ptb means nothing);
#   2. paging on with ptb = a good root plus junk in the low bits;
#   3. SWITCHES ptb writes, one every few instructions, round the four roots
#      spelled with junk low bits, each checked by a load that sees the page
#      that root maps at DATA_VA (one verdict for them all);
#   4. the boot argument says how it ends (docs/isa.md 6, double fault):
#        "past"  ptb past the end of memory, paging on: the fetch after the
#                mtcr is a bus error, and so is the handler's: a double fault
#                with cause bus-error | FETCH;
#        "max"   ptb 0xffffffff: the same (0xfffff000 is past any memory);
#        "zero"  ptb = a zeroed page: not present, then a double fault with
#                cause page-fault | FETCH;
#        otherwise halt with the number of failures.

        .equ    DATA_VA, 0x00400000     # level-1 entry 1: a different page in each root
        .equ    SWITCHES, 3000
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

        .text
_start: call    hostile_init
        la      t0, bootarg
        sw      a0, 0(t0)
        la      t0, memsize
        sw      a1, 0(t0)
        la      a0, pt_k
        li      a1, 256
        li      a2, KPAGE
        call    identity
        li      s0, 0                   # roots[i]: the kernel, and DATA_VA -> data page i
1:      slli    t0, s0, PAGE_SHIFT
        la      t1, roots
        add     t0, t0, t1
        la      t1, pt_k
        ori     t1, t1, PTE_V
        sw      t1, 0(t0)
        slli    t1, s0, PAGE_SHIFT
        la      t2, tables
        add     t1, t1, t2
        ori     t2, t1, PTE_V
        sw      t2, 4(t0)               # root i, entry 1 -> table i
        slli    t2, s0, PAGE_SHIFT
        la      a0, data0
        add     t2, t2, a0
        ori     t2, t2, KPAGE
        sw      t2, 0(t1)               # table i, entry 0 -> data page i
        addi    s0, s0, 1
        li      t0, 4
        bne     s0, t0, 1b

        # 1. paging off: junk in, junk without its low bits out
        la      s0, junk
2:      lw      a0, 0(s0)
        beqz    a0, 3f
        mtcr    ptb, a0
        mfcr    a0, ptb
        lw      a1, 0(s0)
        li      t0, ~(PAGE - 1)
        and     a1, a1, t0
        call    check
        la      t0, data0 + 2 * PAGE    # a load, physical as ever
        lw      a0, 0(t0)
        li      a1, 2
        call    check
        addi    s0, s0, 4
        j       2b

        # 2. paging on, a root with junk in the low bits
3:      la      t0, roots + 3 * PAGE
        ori     t0, t0, 0x7ff
        mtcr    ptb, t0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0
        mfcr    a0, ptb
        la      a1, roots + 3 * PAGE
        call    check
        li      t0, DATA_VA
        lw      a0, 0(t0)
        li      a1, 3
        call    check

        # 3. a switch every few instructions
        li      s0, SWITCHES
        li      s1, 0                   # wrong loads
4:      andi    t1, s0, 3               # root number
        slli    t0, t1, PAGE_SHIFT
        la      t2, roots
        add     t0, t0, t2
        slli    t2, s0, 2               # junk low bits: 4 * s0 mod 4096, some odd
        andi    t2, t2, 0xfff
        or      t0, t0, t2
        xori    t0, t0, 1
        mtcr    ptb, t0
        li      t0, DATA_VA
        lw      t0, 0(t0)
        xor     t0, t0, t1
        or      s1, s1, t0
        addi    s0, s0, -1
        bnez    s0, 4b
        mv      a0, s1
        li      a1, 0
        call    check

        # 4. the end the boot argument asks for
        la      t0, bootarg
        lw      s0, 0(t0)
        beqz    s0, finish
        lbu     s0, 0(s0)
        li      t0, 'p'
        beq     s0, t0, 5f
        li      t0, 'm'
        beq     s0, t0, 6f
        li      t0, 'z'
        beq     s0, t0, 7f
        j       finish
5:      li      a0, '\n'
        call    putc
        la      t0, memsize
        lw      t0, 0(t0)
        mtcr    ptb, t0                 # the first frame past memory
        j       .                       # never fetched
6:      li      a0, '\n'
        call    putc
        li      t0, -1
        mtcr    ptb, t0
        j       .
7:      li      a0, '\n'
        call    putc
        la      t0, zeroed
        mtcr    ptb, t0
        j       .

        .include "hostile.inc"

        .data
        .align  4
bootarg: .word  0
memsize: .word  0
junk:   .word   1, 0xfff, 0x123, 0x12345678, 0x00100000, 0x00101fff, 0xffffffff
        .word   0x80000000, 0xfffff000, 0x00000800, 0x7fffffff, 0
        .align  4096
data0:  .word   0
        .align  4096
        .word   1
        .align  4096
        .word   2
        .align  4096
        .word   3

        .bss
        .align  4096
roots:  .space  4 * 4096
tables: .space  4 * 4096
pt_k:   .space  4096
zeroed: .space  4096
