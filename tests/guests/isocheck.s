# isocheck.s - a well-behaved kernel that takes every mechanism the
# isolation checker watches through its paces, each at a known place, so
# that a deliberately broken VMM (vmm_config.inject) is caught at a known
# exit (tests/test_hostile.c).  Needs a disk of at least one block.  On the
# bare machine, and under a correct VMM, it prints "ok" and halts with 0.
#
#   1. paging on, memory identity-mapped read-write with A and D set: every
#      frame, the page tables to come included, is writable through it;
#   2. a level-2 table written through that mapping, then linked into the
#      root and used at DATA_VA: its frame becomes a traced page table and
#      must lose every writable mapping (INJECT_NO_WRITE_PROTECT);
#   3. DATA_VA read (so it is in the TLB), then remapped from page_a to
#      page_b by disk DMA straight onto the table, then flushed: the real
#      TLB must not keep page_a past the DMA (INJECT_STALE_TLB);
#   4. the last page of memory read and written (INJECT_MAP_SHADOW and
#      INJECT_MAP_FOREIGN aim at the last frame);
#   5. user mode: a store to a user page whose D bit is clear
#      (INJECT_NO_DIRTY), in user mode's own shadow (INJECT_WRONG_ROLE),
#      then a system call back to the kernel, which checks what it saw.

        .equ    DATA_VA, 0x00400000     # level-1 entry 1, through pt_new
        .equ    USER_VA, 0x00800000     # level-1 entry 2, through pt_u
        .equ    UDATA_VA, 0x00801000
        .equ    PTE_KRWX, 0x6f          # V R W X A D
        .equ    PTE_KRW, 0x67           # V R W A D
        .equ    PTE_UCODE, 0x3b         # V R X U A
        .equ    PTE_UDATA, 0x37         # V R W U A, D clear
        .equ    DISK_READ, 1
        .equ    DISK_WRITE, 2

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        la      sp, stack
        mv      tp, a1                  # memory size

        # 1. the identity map of all 256 pages, and the user's table
        la      t0, pt_k
        li      t1, 0
        li      t2, 256
1:      ori     a3, t1, PTE_KRWX
        sw      a3, 0(t0)
        addi    t0, t0, 4
        addi    t1, t1, 4096
        addi    t2, t2, -1
        bnez    t2, 1b
        la      t0, pt_u
        la      t1, ucode
        ori     t1, t1, PTE_UCODE
        sw      t1, 0(t0)
        la      t1, udata
        ori     t1, t1, PTE_UDATA
        sw      t1, 4(t0)
        la      t0, pt_l1
        la      t1, pt_k
        ori     t1, t1, 1
        sw      t1, 0(t0)
        la      t1, pt_u
        ori     t1, t1, 1
        sw      t1, 8(t0)
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10            # paging on
        wrsr    t0

        # 2. a new level-2 table, written while it is plain memory, then linked
        la      t0, pt_new
        la      t1, page_a
        ori     t1, t1, PTE_KRW
        sw      t1, 0(t0)
        la      t0, pt_l1
        la      t1, pt_new
        ori     t1, t1, 1
        sw      t1, 4(t0)               # a store into the root
        li      s0, DATA_VA
        lw      s1, 0(s0)               # through pt_new: now a page table

        # 3. DATA_VA -> page_b, written onto pt_new by the disk
        la      t0, buf
        la      t1, page_b
        ori     t1, t1, PTE_KRW
        sw      t1, 0(t0)
        li      a0, DISK_WRITE          # buf -> block 0
        la      a2, buf
        call    dma
        lw      s1, 0(s0)               # page_a's word, and DATA_VA in the TLB
        li      a0, DISK_READ           # block 0 -> pt_new
        la      a2, pt_new
        call    dma
        tlbflushv s0                    # the table changed: as the manual asks
        lw      a4, 0(s0)               # page_b's word

        # 4. the last page of memory
        addi    t0, tp, -4096
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)

        # 5. user mode, back by a system call
        li      t0, USER_VA
        mtcr    epc, t0
        rdsr    t0
        andi    t0, t0, 0xfffb          # PS = 0: rfe enters user mode
        wrsr    t0
        rfe

# Back from the user program: check what everybody saw.
checks: li      a5, 0                   # failures
        la      t0, page_a
        lw      t0, 0(t0)
        beq     s1, t0, 1f
        addi    a5, a5, 1
1:      la      t0, page_b
        lw      t0, 0(t0)
        beq     a4, t0, 1f
        addi    a5, a5, 1
1:      la      t0, udata
        lw      t0, 0(t0)
        li      t1, 0x1234
        beq     t0, t1, 1f
        addi    a5, a5, 1
1:      la      t0, pt_u                # the hardware set D in the user's entry
        lw      t0, 4(t0)
        andi    t0, t0, 0x40
        bnez    t0, 1f
        addi    a5, a5, 1
1:      addi    t0, tp, -4096
        lw      t0, 0(t0)
        li      t1, 1
        beq     t0, t1, 1f
        addi    a5, a5, 1
1:      bnez    a5, 2f
        li      t0, 'o'
        out     con.data, t0
        li      t0, 'k'
        out     con.data, t0
        j       3f
2:      li      t0, 'b'
        out     con.data, t0
        addi    t0, a5, '0'
        out     con.data, t0
3:      li      t0, '\n'
        out     con.data, t0
        mv      a0, a5
        halt    a0

# A system call comes back to checks; anything else stops with its cause.
trap:   mfcr    t0, cause
        andi    t0, t0, 0xff
        li      t1, 1
        beq     t0, t1, checks
        mfcr    a0, cause
        halt    a0

# dma(cmd a0, address a2) on block 0; waits in wfi (the disk interrupt is
# enabled at the disk, not in status: wfi wakes, nothing is taken).
dma:    out     disk.block, zero
        out     disk.addr, a2
        li      t0, 1
        out     disk.ctrl, t0
        out     disk.cmd, a0
        wfi
        in      a0, disk.status
        out     disk.status, zero
        out     disk.ctrl, zero
        ret

        .data
        .align  4096
page_a: .word   0xaaaa0001
        .align  4096
page_b: .word   0xbbbb0002
        .align  4096
ucode:  li      t0, UDATA_VA            # runs at USER_VA, in user mode
        li      t1, 0x1234
        sw      t1, 0(t0)
        syscall
        j       .
        .align  4096
udata:  .word   0
        .align  4096
buf:    .space  512

        .bss
        .align  4096
pt_l1:  .space  4096
pt_k:   .space  4096
pt_u:   .space  4096
pt_new: .space  4096
        .space  1024
stack:
