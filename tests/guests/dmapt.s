# dmapt.s - a kernel that rewrites its own live page tables with the
# disk's DMA (docs/isa.md 8.3: DMA uses physical addresses, past the MMU),
# then uses them.  A VMM that shadows the tables must follow every such
# write as it follows a store.  Needs a disk of at least 4 blocks; every
# result is a verdict character (hostile.inc), halt value the failures.
#
#   1. pt_x maps MAP_VA + i pages to data page i mod 4 (4 data pages, each
#      holding its number); all are touched, so the shadow and TLB have them;
#   2. a block holding pt_x's first 128 entries rotated by one page goes to
#      disk, then is read back onto pt_x: after a flush, MAP_VA + i sees
#      page i+1 mod 4;
#   3. the same onto the second half of pt_x's first 1 KiB;
#   4. onto the root: a block that sends level-1 entry 1 to pt_y, whose
#      entries map every page to data page 3;
#   5. across a page boundary: the last 256 bytes of pt_y and the first
#      256 of pt_z, entries that clear V (page faults after) and map;
#      5b. the same block one entry later, so that the second page of the
#      write clears V in pt_z[0], an entry the shadow has (a fault after);
#   6. from the tables to the disk and back into a buffer: what the disk
#      got is the tables, A and D bits as the hardware set them.

        .equ    MAP_VA, 0x00400000      # level-1 entry 1
        .equ    NDATA, 4
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
        .equ    DPAGE, PTE_V | PTE_R | PTE_W   # A and D left to the hardware

        .text
_start: call    hostile_init
        la      a0, pt_k
        li      a1, 256
        li      a2, KPAGE
        call    identity
        li      s0, 0                   # pt_x[i] -> data page i mod 4, for 256 entries
1:      andi    a0, s0, NDATA - 1
        call    data_pte
        la      t0, pt_x
        slli    t1, s0, 2
        add     t0, t0, t1
        sw      a0, 0(t0)
        addi    s0, s0, 1
        li      t0, 256
        bne     s0, t0, 1b
        la      t0, pt_y                # pt_y: everything -> data page 3
        li      t1, 1024
        mv      s0, t0
        li      a0, 3
        call    data_pte
2:      sw      a0, 0(s0)
        addi    s0, s0, 4
        addi    t1, t1, -1
        bnez    t1, 2b
        la      t0, root
        la      t1, pt_k
        ori     t1, t1, PTE_V
        sw      t1, 0(t0)
        la      t1, pt_x
        ori     t1, t1, PTE_V
        sw      t1, 4(t0)
        mtcr    ptb, t0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

        li      a0, 0                   # 1. as built
        li      a1, 0
        call    check_pages

        la      a0, pt_x                # 2. pt_x[0..127], rotated, onto pt_x
        li      a1, 1
        call    rotated_block
        li      a0, DISK_CMD_READ
        li      a1, 0
        la      a2, pt_x
        call    dma
        tlbflush
        li      a0, 1                   # the first 128 pages moved on, the rest not yet
        li      a1, 0
        call    check_pages

        la      a0, pt_x + 512          # 3. the same for pt_x[128..255]
        li      a1, 1
        call    rotated_block
        li      a0, DISK_CMD_READ
        li      a1, 0
        la      a2, pt_x + 512
        call    dma
        tlbflush
        li      a0, 1
        li      a1, 1
        call    check_pages

        la      t0, root                # 4. onto the root: entry 1 -> pt_y
        la      t1, buf
        li      t2, 128
3:      lw      a0, 0(t0)
        sw      a0, 0(t1)
        addi    t0, t0, 4
        addi    t1, t1, 4
        addi    t2, t2, -1
        bnez    t2, 3b
        la      t0, pt_y
        ori     t0, t0, PTE_V
        la      t1, buf
        sw      t0, 4(t1)
        li      a0, DISK_CMD_WRITE
        li      a1, 1
        la      a2, buf
        call    dma
        li      a0, DISK_CMD_READ
        li      a1, 1
        la      a2, root
        call    dma
        tlbflush
        li      s0, 0
4:      slli    t0, s0, PAGE_SHIFT
        li      t1, MAP_VA
        add     t0, t0, t1
        lw      a0, 0(t0)
        li      a1, 3
        call    check
        addi    s0, s0, 37              # pages 0, 37, 74, ... of the 1024 pt_y maps
        li      t0, 1024
        bltu    s0, t0, 4b

        li      a0, 2                   # 5. across pt_y's end into pt_z: 64 entries
        call    data_pte                #    clearing V, then 64 mapping page 2
        xori    t2, a0, PTE_V
        la      t0, buf
        li      t1, 64
5:      sw      t2, 0(t0)
        sw      a0, 256(t0)
        addi    t0, t0, 4
        addi    t1, t1, -1
        bnez    t1, 5b
        li      a0, DISK_CMD_WRITE
        li      a1, 2
        la      a2, buf
        call    dma
        li      a0, DISK_CMD_READ
        li      a1, 2
        la      a2, pt_y + PAGE - 256
        call    dma
        la      t0, root                # pt_z behind level-1 entry 2
        la      t1, pt_z
        ori     t1, t1, PTE_V
        sw      t1, 8(t0)
        tlbflush
        li      a0, MAP_VA + 1023 * PAGE     # pt_y[1023]: V cleared
        call    probe_lw
        li      a0, CAUSE_PAGE_FAULT
        li      a1, MAP_VA + 1023 * PAGE
        la      a2, lw_at
        call    check_trap
        li      a0, MAP_VA + 959 * PAGE      # pt_y[959]: still page 3
        call    probe_lw
        li      a1, 3
        call    check
        li      t0, 0x00800000 + 63 * PAGE   # pt_z[63]: page 2
        lw      a0, 0(t0)
        li      a1, 2
        call    check
        li      a0, 0x00800000 + 64 * PAGE   # pt_z[64]: nothing
        call    probe_lw
        li      a0, CAUSE_PAGE_FAULT
        li      a1, 0x00800000 + 64 * PAGE
        la      a2, lw_at
        call    check_trap

        li      t0, 0x00800000          # 5b. the same block one entry later: pt_z[0],
        lw      a0, 0(t0)               #     in use now (page 2), gets a cleared V -
        li      a1, 2                   #     a write whose second page is the table
        call    check
        li      a0, DISK_CMD_READ
        li      a1, 2
        la      a2, pt_y + PAGE - 4
        call    dma
        tlbflush
        li      a0, 0x00800000
        call    probe_lw
        li      a0, CAUSE_PAGE_FAULT
        li      a1, 0x00800000
        la      a2, lw_at
        call    check_trap

        li      a0, DISK_CMD_WRITE      # 6. pt_y's first 512 bytes to the disk, back into buf
        li      a1, 3
        la      a2, pt_y
        call    dma
        li      a0, DISK_CMD_READ
        li      a1, 3
        la      a2, buf
        call    dma
        li      s0, 0
        li      s1, 0
6:      la      t0, pt_y
        add     t0, t0, s0
        lw      t1, 0(t0)
        la      t0, buf
        add     t0, t0, s0
        lw      t2, 0(t0)
        xor     t1, t1, t2
        or      s1, s1, t1
        addi    s0, s0, 4
        li      t0, 512
        bne     s0, t0, 6b
        mv      a0, s1
        li      a1, 0
        call    check
        la      t0, pt_y                # pt_y[0] was used: A set by the hardware
        lw      a0, 0(t0)
        andi    a0, a0, PTE_A
        li      a1, PTE_A
        call    check
        j       finish

# data_pte(a0 = data page number): its entry for pt_x.
data_pte:
        slli    a0, a0, PAGE_SHIFT
        la      t0, data0
        add     a0, a0, t0
        ori     a0, a0, DPAGE
        ret

# check_pages(a0, a1 = rotations): MAP_VA + i pages for i < 256 (every
# 17th) hold (i + a0) mod 4 below 128, (i + a1) mod 4 from there.
check_pages:
        push    ra
        push    s0
        push    s1
        la      t0, rotations
        sw      a0, 0(t0)
        sw      a1, 4(t0)
        li      s0, 0
1:      slli    t0, s0, PAGE_SHIFT
        li      t1, MAP_VA
        add     t0, t0, t1
        lw      a0, 0(t0)
        srli    t0, s0, 7               # 0 or 1: which half
        slli    t0, t0, 2
        la      t1, rotations
        add     t1, t1, t0
        lw      s1, 0(t1)
        add     a1, s0, s1
        andi    a1, a1, NDATA - 1
        call    check
        addi    s0, s0, 17
        li      t0, 256
        bltu    s0, t0, 1b
        pop     s1
        pop     s0
        pop     ra
        ret

# rotated_block(a0 = 128 entries of pt_x, a1 = by): to disk block 0, each
# entry sent to the next data page.
rotated_block:
        push    ra
        push    s0
        push    s1
        mv      s0, a0
        la      s1, buf
        li      t2, 128
1:      lw      t0, 0(s0)
        la      t1, data0               # page number of the entry, + 1, mod 4
        sub     t0, t0, t1
        srli    t0, t0, PAGE_SHIFT
        addi    t0, t0, 1
        andi    a0, t0, NDATA - 1
        push    t2
        call    data_pte
        pop     t2
        sw      a0, 0(s1)
        addi    s0, s0, 4
        addi    s1, s1, 4
        addi    t2, t2, -1
        bnez    t2, 1b
        li      a0, DISK_CMD_WRITE
        li      a1, 0
        la      a2, buf
        call    dma
        pop     s1
        pop     s0
        pop     ra
        ret

# dma(cmd a0, block a1, address a2): wait in wfi (the disk interrupt is on
# at the disk, off in status: wfi wakes and nothing is taken); the status
# must be ok.
dma:    push    ra
        out     disk.block, a1
        out     disk.addr, a2
        li      t0, DISK_CTRL_IE
        out     disk.ctrl, t0
        out     disk.cmd, a0
        wfi
        in      a0, disk.status
        out     disk.status, zero
        out     disk.ctrl, zero
        li      a1, DISK_ST_OK
        call    check
        pop     ra
        ret

        .include "hostile.inc"

        .data
rotations: .word 0, 0
        .align  4096
data0:  .word   0
        .align  4096
        .word   1
        .align  4096
        .word   2
        .align  4096
        .word   3
        .align  4096
buf:    .space  512

        .bss
        .align  4096
root:   .space  4096
pt_k:   .space  4096
pt_x:   .space  4096
pt_y:   .space  4096
pt_z:   .space  4096
