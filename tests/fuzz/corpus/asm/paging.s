# paging.s - a small kernel that exercises what a VMM must virtualize:
# paging on with a kernel mapped supervisor-only, a user program in its
# own pages, timer interrupts, system calls, a page-table entry changed
# while the user program runs (with tlbflushv), and the A/D bits read back.
# tests/test_vmm.c runs it on the bare machine and under the VMM and
# requires the two runs to agree instruction by instruction.
#
# Memory: 1 MiB, identity-mapped for the kernel (supervisor only); the
# user program runs at 0x00400000 (code) and 0x00401000 (data).

        .equ    USER_VA, 0x00400000
        .equ    UDATA_VA, 0x00401000
        .equ    QUANTUM, 700
        .equ    SYS_EXIT, 99
        .equ    SYS_REMAP, 5
        .equ    PTE_KERNEL, 0x0f        # V R W X
        .equ    PTE_UCODE, 0x1b         # V R X U
        .equ    PTE_UDATA, 0x17         # V R W U

        .text
_start:
        la      t0, trap
        mtcr    tvec, t0
        la      sp, kstack_top

        # The kernel's identity map: 256 pages, supervisor only.
        la      t0, pt_k
        li      t1, 0
        li      t2, 256
1:      ori     s0, t1, PTE_KERNEL
        sw      s0, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 1b

        # Level 1: entry 0 -> the kernel's table, entry 1 -> the user's.
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

        # Paging on, then enter the user program with interrupts on.
        la      t0, pt_l1
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10            # PG
        wrsr    t0
        li      t0, USER_VA
        mtcr    epc, t0
        rdsr    t0
        andi    t0, t0, 0xfffb          # PS = 0: return to user mode
        ori     t0, t0, 0x8             # PIE = 1: with interrupts on
        wrsr    t0
        li      t0, QUANTUM
        mtcr    timer, t0
        rfe

# The trap handler.  It uses t0 and t1, which it saves; sp waits in scratch.
trap:
        mtcr    scratch, sp
        la      sp, saved
        sw      t0, 0(sp)
        sw      t1, 4(sp)
        mfcr    t0, cause
        andi    t0, t0, 0xff
        li      t1, 16
        beq     t0, t1, tick
        li      t1, 1
        beq     t0, t1, sys
        mfcr    a0, cause               # anything else: stop with its cause
        halt    a0

tick:   la      t0, ticks
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        li      t0, '.'
        out     con.data, t0
        li      t0, QUANTUM
        mtcr    timer, t0
        j       back

sys:    mfcr    t0, epc
        addi    t0, t0, 4
        mtcr    epc, t0
        li      t1, SYS_EXIT
        beq     a5, t1, exit
        li      t1, SYS_REMAP
        beq     a5, t1, remap
        andi    t0, a0, 15              # a report: one letter per call
        addi    t0, t0, 'a'
        out     con.data, t0
        j       back

# Point the user's data page at the other frame: a store into a live page
# table, then the flush the manual asks for.
remap:  la      t0, pt_u
        lw      t1, 4(t0)
        la      t0, udata
        xor     t1, t1, t0
        la      t0, udata2
        xor     t1, t1, t0
        la      t0, pt_u
        sw      t1, 4(t0)
        li      t0, UDATA_VA
        tlbflushv t0
        li      t0, 'r'
        out     con.data, t0
        j       back

exit:   li      t0, '\n'
        out     con.data, t0
        la      t0, ticks
        lw      t1, 0(t0)
        xor     a0, a0, t1
        la      t0, pt_u                # the data page's A and D bits
        lw      t1, 4(t0)
        andi    t1, t1, 0x60
        slli    t1, t1, 24
        xor     a0, a0, t1
        halt    a0

back:   la      sp, saved
        lw      t0, 0(sp)
        lw      t1, 4(sp)
        mfcr    sp, scratch
        rfe

# The user program: mixes loads, stores and arithmetic over its data page,
# reports every 256 iterations and asks for a remap every 1024.
        .align  4096
ucode:  li      s0, UDATA_VA
        li      s1, 0
        li      t2, 3000
2:      lw      t0, 0(s0)
        add     s1, s1, t0
        addi    t0, s1, 7
        sw      t0, 4(s0)
        lw      t1, 4(s0)
        sw      t1, 0(s0)
        xor     s1, s1, t2
        andi    t1, t2, 255
        bnez    t1, 3f
        mv      a0, s1
        li      a5, 0
        syscall
        andi    t1, t2, 1023
        bnez    t1, 3f
        li      a5, SYS_REMAP
        syscall
3:      addi    t2, t2, -1
        bnez    t2, 2b
        mv      a0, s1
        li      a5, SYS_EXIT
        syscall
        j       .

        .data
        .align  4096
udata:  .word   1, 2
        .align  4096
udata2: .word   1000, 2000
        .align  4096
saved:  .word   0, 0
ticks:  .word   0

        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
pt_u:   .space  4096
        .space  1024
kstack_top:
