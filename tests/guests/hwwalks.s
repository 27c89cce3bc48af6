# hwwalks.s - a known pattern of TLB misses, for the page-walk counts of
# the hardware guest mode (tests/test_hw.c, docs/vmm.md section 14).
#
# The kernel maps its first 256 pages to themselves (every page a kernel
# page, A and D preset), turns paging on, and loads one word from each of
# NPAGES data pages (pass 1: under shadow paging the pager fills their
# shadow entries here).  Then, from `pass2` on:
#
#     tlbflush                    # the TLB is empty
# flushed:                        # <- the test counts from here
#     NPAGES loads, one a page    # each misses: NPAGES walks
#     halt 0
#
# The code from pass1 to the halt is one page (`.align 4096`), and
# touches nothing but the data pages: after `flushed` the TLB misses
# exactly NPAGES + 1 times - the first fetch from the code page, and each
# data page's load - and every miss is a whole walk that succeeds.  NPAGES
# is far below TLB_ENTRIES (64), so nothing is evicted.

        .include "../../guest-os/kernel/param.s"

        .equ    NPAGES, 8
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

        .text
_start: la      a0, pt_k                # pt_k: the first 256 pages to themselves
        li      t0, 0
        li      a1, 256
1:      ori     t1, t0, KPAGE
        sw      t1, 0(a0)
        addi    a0, a0, 4
        addi    t0, t0, PAGE
        addi    a1, a1, -1
        bnez    a1, 1b
        la      t0, pt_l1               # level-1 entry 0 -> pt_k
        la      t1, pt_k
        ori     t1, t1, PTE_V
        sw      t1, 0(t0)
        mtcr    ptb, t0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0
        j       pass1

        .align  4096
pass1:  la      t0, pages               # pass 1: every data page once
        li      t1, NPAGES
1:      lw      t2, 0(t0)
        addi    t0, t0, PAGE
        addi    t1, t1, -1
        bnez    t1, 1b
pass2:  tlbflush
flushed:
        la      t0, pages               # pass 2: the same, after the flush
        li      t1, NPAGES
2:      lw      t2, 0(t0)
        addi    t0, t0, PAGE
        addi    t1, t1, -1
        bnez    t1, 2b
        li      a0, 0
        halt    a0

        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
pages:  .space  NPAGES * 4096
