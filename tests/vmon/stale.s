# stale.s - a guest kernel that changes a live page-table entry and goes
# back to user mode twice: once after tlbflushv for the page (right), once
# with no flush at all (docs/isa.md 7: the bare machine may keep the old
# translation).  Then it reads a user page itself, through the user's
# mapping.  tests/vmon/warn.cmd steps it under vmon and checks the
# warnings (docs/monitor.md, "Warnings").
#
# Memory: the kernel identity-maps its first 16 pages, supervisor only;
# the user program runs at USER_VA, its data at UDATA_VA (udata, or udata2
# after a remap); UPEEK_VA maps upeek, which only the kernel reads.

        .equ    USER_VA, 0x00400000
        .equ    UDATA_VA, 0x00401000
        .equ    UPEEK_VA, 0x00402000
        .equ    SYS_EXIT, 99
        .equ    SYS_REMAP, 5            # the user's data page to the other frame, no flush
        .equ    SYS_REMAP_FLUSH, 6      # the same, then tlbflushv for the page
        .equ    SYS_PEEK, 7             # the kernel reads upeek through UPEEK_VA
        .equ    PTE_KERNEL, 0x0f        # V R W X
        .equ    PTE_UCODE, 0x1b         # V R X U
        .equ    PTE_UDATA, 0x17         # V R W U

        .text
_start:
        la      t0, trap
        mtcr    tvec, t0
        la      sp, kstack_top
        la      t0, pt_k
        li      t1, 0
        li      t2, 16
1:      ori     s0, t1, PTE_KERNEL
        sw      s0, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 1b
        la      t0, pt_l1
        la      t1, pt_k
        ori     t1, t1, 1
        sw      t1, 0(t0)
        la      t1, pt_u
        ori     t1, t1, 1
        sw      t1, 4(t0)
        la      t0, pt_u
        la      t1, ucode
        ori     t1, t1, PTE_UCODE
        sw      t1, 0(t0)
        la      t1, udata
        ori     t1, t1, PTE_UDATA
        sw      t1, 4(t0)
        la      t1, upeek
        ori     t1, t1, PTE_UDATA
        sw      t1, 8(t0)
        la      t0, pt_l1
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10            # PG
        wrsr    t0
        li      t0, USER_VA
        mtcr    epc, t0
        rdsr    t0
        andi    t0, t0, 0xfffb          # PS = 0: return to user mode
        wrsr    t0
        rfe

trap:   mfcr    t0, epc                 # only system calls come here
        addi    t0, t0, 4
        mtcr    epc, t0
        li      t1, SYS_EXIT
        beq     a5, t1, exit
        li      t1, SYS_PEEK
        beq     a5, t1, peek
        la      t0, pt_u                # a remap: udata <-> udata2
        lw      t1, 4(t0)
        la      t2, udata
        xor     t1, t1, t2
        la      t2, udata2
        xor     t1, t1, t2
remap:  sw      t1, 4(t0)               # the live entry changes here
        li      t1, SYS_REMAP_FLUSH
        bne     a5, t1, back
        li      t0, UDATA_VA
flush:  tlbflushv t0
back:   rfe

peek:   li      t0, UPEEK_VA
kread:  lw      a0, 0(t0)               # the kernel through the user's mapping
        rfe

exit:   halt    a2

# The user program: reads its data before and after each remap.
        .align  4096
ucode:  li      s0, UDATA_VA
        lw      s1, 0(s0)
        li      a5, SYS_REMAP_FLUSH
        syscall
        lw      a2, 0(s0)
        li      a5, SYS_REMAP
        syscall
        lw      a3, 0(s0)
        li      a5, SYS_PEEK
        syscall
        li      a5, SYS_EXIT
        syscall

        .data
        .align  4096
udata:  .word   1
        .align  4096
udata2: .word   1000
        .align  4096
upeek:  .word   77

        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
pt_u:   .space  4096
        .space  1024
kstack_top:
