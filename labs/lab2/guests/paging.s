# paging.s - what the MMU must be told.  The kernel builds two page tables
# that map everything 1:1, supervisor-only, but for one user page, and map
# a window page differently: table A to a frame holding 0xaaaa0001, table
# B to one holding 0xbbbb0002.  Then:
#   - it turns paging on (wrsr) and reads the window through A      (a);
#   - it switches to table B (mtcr ptb) and reads it again          (b);
#     and back to A                                                 (a);
#   - it drops into user mode (rfe), where reading the supervisor-only
#     page `secret` must fault (page fault, PROT | USER: cause 0x905);
#   - the user's syscall enters the kernel's handler, which lives in a
#     supervisor-only page; it turns paging off and halts.
# Under the VMM each change of ptb, of paging and of mode (wrsr, mtcr,
# rfe, and a trap's delivery) must put the guest on another shadow root:
# the hooks of interp.c and reflect_trap.
# Lines: a, b, a the window's word through table A, B, A; per trap c
# cause, v badaddr, e epc; k the secret, read with paging off.

        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
        .equ    WINDOW, 0x200000        # level-2 index 512 of the first table

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        la      s0, pt_a                # both tables: pages 0..255 1:1
        la      s1, pt_b
        li      t1, 0
1:      slli    t0, t1, PAGE_SHIFT
        ori     t0, t0, KPAGE
        slli    t2, t1, 2
        add     a0, s0, t2
        sw      t0, 0(a0)
        add     a0, s1, t2
        sw      t0, 0(a0)
        addi    t1, t1, 1
        li      t0, 256
        blt     t1, t0, 1b
        la      t0, user                # the user page: U as well
        srli    t0, t0, PAGE_SHIFT - 2
        add     a0, s0, t0
        lw      t1, 0(a0)
        ori     t1, t1, PTE_U
        sw      t1, 0(a0)
        add     a0, s1, t0
        sw      t1, 0(a0)
        la      t0, frame_a             # the window
        ori     t0, t0, KPAGE
        sw      t0, 512 * 4(s0)
        la      t0, frame_b
        ori     t0, t0, KPAGE
        sw      t0, 512 * 4(s1)
        la      t0, root_a              # the roots
        ori     t1, s0, PTE_V
        sw      t1, 0(t0)
        la      t0, root_b
        ori     t1, s1, PTE_V
        sw      t1, 0(t0)

        la      t0, root_a
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, SR_PG
        wrsr    t0                      # paging on
        li      t0, WINDOW
        lw      a1, 0(t0)
        li      a0, 'a'
        call    show
        la      t0, root_b
        mtcr    ptb, t0                 # table B
        li      t0, WINDOW
        lw      a1, 0(t0)
        li      a0, 'b'
        call    show
        la      t0, root_a
        mtcr    ptb, t0                 # table A again
        li      t0, WINDOW
        lw      a1, 0(t0)
        li      a0, 'a'
        call    show
        la      t0, user
        mtcr    epc, t0
        rdsr    t0
        andi    t0, t0, ~(SR_PS | SR_PIE) & 0xffff
        mtcr    status, t0              # PS = 0: rfe goes to user mode
        rfe

trap:   mfcr    a1, cause
        li      a0, 'c'
        call    show
        mfcr    a1, badaddr
        li      a0, 'v'
        call    show
        mfcr    a1, epc
        li      a0, 'e'
        call    show
        mfcr    t0, epc
        la      t1, last
        beq     t0, t1, 2f
        addi    t0, t0, 4
        mtcr    epc, t0
        rfe
2:      rdsr    t0                      # paging off, and the secret read
        andi    t0, t0, ~SR_PG & 0xffff
        mtcr    status, t0
        la      t0, secret
        lw      a1, 0(t0)
        li      a0, 'k'
        call    show
        li      a0, 0x66
        halt    a0

        .include "lab2.inc"

        .align  4096
user:   la      t0, secret
        lw      t1, 0(t0)               # supervisor-only: a page fault
        la      t0, user
        lw      t1, 0(t0)               # its own page: fine
last:   syscall
        .align  4096

        .data
        .align  4096
secret: .word   0x5ec2e7
        .align  4096
frame_a: .word  0xaaaa0001
        .align  4096
frame_b: .word  0xbbbb0002

        .bss
        .align  4096
root_a: .space  4096
pt_a:   .space  4096
root_b: .space  4096
pt_b:   .space  4096
