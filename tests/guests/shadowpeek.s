# shadowpeek.s - a kernel that goes for the page table the real MMU walks.
# On the x86like ISA, rdptb does not trap in user mode (docs/isa.md 10):
# under a VMM it returns the real ptb, the host address of the guest's
# shadow root, not the ptb the kernel wrote.  The kernel takes that frame
# number and tries to reach it as it would any frame: through a page-table
# entry (a load, a store), and with the disk's DMA both ways.  The manual
# says what each must do, from the frame number alone (7: a frame past
# memory is a bus error; 8.3: DMA outside memory is bad-addr); inside its
# memory, the frame is its own, and what it stores there is what it reads
# back.  One verdict per check (hostile.inc).  On the bare machine, and on
# pg, rdptb is the ptb it wrote (its own root): the checks still hold.

        .equ    WINDOW_VA, 0x00400000   # level-1 entry 1 -> pt_x, entry 0
        .equ    MARK, 0x77ac1234
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

        .text
_start: call    hostile_init
        la      t0, memsize
        sw      a1, 0(t0)
        la      a0, root
        la      a1, pt_k
        li      a2, KPAGE
        call    low_map
        la      t0, root
        la      t1, pt_x
        ori     t1, t1, PTE_V
        sw      t1, 4(t0)
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

        rdptb   s0                      # the frame it goes for
        li      t0, -PAGE
        and     s0, s0, t0
        la      t0, memsize
        lw      t0, 0(t0)
        sltu    s1, s0, t0              # s1: 1 if the frame is inside its memory
        la      t0, pt_x                # map it at WINDOW_VA, writable
        ori     t1, s0, KPAGE
        sw      t1, 0(t0)
        tlbflush
        li      a0, WINDOW_VA + 4092    # the last word: a root's entry 1023, unused here
        call    probe_lw
        beqz    s1, 1f
        la      t0, tr_cause            # inside: no trap, and the word is the frame's
        lw      a0, 0(t0)
        li      a1, 0
        call    check
        j       2f
1:      li      a0, CAUSE_BUS_ERROR     # past memory: a bus error
        li      a1, WINDOW_VA + 4092
        la      a2, lw_at
        call    check_trap
2:      li      a0, WINDOW_VA + 4092    # a store through it
        li      a1, MARK
        call    probe_sw
        beqz    s1, 3f
        li      t0, WINDOW_VA + 4092    # inside: read back, through the window and directly
        lw      a0, 0(t0)
        li      a1, MARK
        call    check
        lw      a0, 4092(s0)
        li      a1, MARK
        call    check
        sw      zero, 4092(s0)
        j       4f
3:      li      a0, CAUSE_BUS_ERROR | CAUSE_WRITE
        li      a1, WINDOW_VA + 4092
        la      a2, sw_at
        call    check_trap
        call    check_trap_again        # (keeps the count of verdicts the same both ways)
4:      li      a0, DISK_CMD_WRITE      # DMA from it, then onto it
        mv      a1, s0
        call    dma
        call    dma_verdict
        li      a0, DISK_CMD_READ
        mv      a1, s0
        call    dma
        call    dma_verdict
        j       finish

# check_trap_again: the store changed nothing readable - one more verdict.
check_trap_again:
        push    ra
        la      t0, tr_count
        lw      a0, 0(t0)
        li      a1, 2                   # the load and the store: two traps
        call    check
        pop     ra
        ret

# dma_verdict(a0 = status): ok inside memory, bad-addr (3) past it.
dma_verdict:
        push    ra
        li      a1, 3
        beqz    s1, 1f
        li      a1, DISK_ST_OK
1:      call    check
        pop     ra
        ret

# dma(cmd a0, address a1) on block 0: a0 = the final status.
dma:    out     disk.block, zero
        out     disk.addr, a1
        li      t0, DISK_CTRL_IE
        out     disk.ctrl, t0
        out     disk.cmd, a0
        wfi
        in      a0, disk.status
        out     disk.status, zero
        out     disk.ctrl, zero
        ret

probe_sw:
        push    ra
        mv      t2, a0
        la      a0, 1f
        call    arm
sw_at:  sw      a1, 0(t2)
        call    disarm
1:      pop     ra
        ret

        .include "hostile.inc"

        .data
memsize: .word  0

        .bss
        .align  4096
root:   .space  4096
pt_k:   .space  4096
pt_x:   .space  4096
