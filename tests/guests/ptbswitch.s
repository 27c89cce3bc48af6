# ptbswitch.s - a kernel that switches page tables in supervisor mode, with
# paging on, and reads through each.  Two roots map the same virtual page,
# WINDOW_VA, to two frames that hold 'A' and 'B'; after each write of ptb
# the kernel reads the page and prints what it found, then checks it
# (hostile.inc's verdicts).  The manual (docs/isa.md 7) says a write of
# ptb flushes the TLB, so the bare machine prints "ABAB".  A VMM that does
# not switch shadow roots when the guest kernel writes ptb goes on reading
# through the first one: "AAAA" (issue 12: no test saw this bug).

        .equ    WINDOW_VA, 0x00400000   # level-1 entry 1
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
        la      t0, pt_x1               # entry 1 of each root: its own level-2 table...
        ori     t0, t0, PTE_V
        la      t1, root1
        sw      t0, 4(t1)
        la      t0, pt_x2
        ori     t0, t0, PTE_V
        la      t1, root2
        sw      t0, 4(t1)
        la      t0, page_a              # ...mapping WINDOW_VA to page_a, or to page_b
        ori     t0, t0, KPAGE
        la      t1, pt_x1
        sw      t0, 0(t1)
        la      t0, page_b
        ori     t0, t0, KPAGE
        la      t1, pt_x2
        sw      t0, 0(t1)
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

        li      a1, 'A'                 # through root1
        call    look
        la      t0, root2
        mtcr    ptb, t0
        li      a1, 'B'
        call    look
        la      t0, root1
        mtcr    ptb, t0
        li      a1, 'A'
        call    look
        la      t0, root2               # again: a shadow made before may be reused
        mtcr    ptb, t0
        li      a1, 'B'
        call    look
        j       finish

# look(a1 = what the manual says is there): print the byte at WINDOW_VA,
# then the verdict on it.
look:   push    ra
        push    a1
        li      t0, WINDOW_VA
        lw      a0, 0(t0)
        push    a0
        call    putc
        pop     a0
        pop     a1
        call    check
        pop     ra
        ret

        .include "hostile.inc"

        .data
        .align  4096
page_a: .word   'A'
        .align  4096
page_b: .word   'B'

        .bss
        .align  4096
root1:  .space  4096
root2:  .space  4096
pt_k:   .space  4096
pt_x1:  .space  4096
pt_x2:  .space  4096
