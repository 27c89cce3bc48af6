# attacker.s - a kernel that tries everything to reach memory it does not
# own, looking for victim.s's secret (the word SECRET; it keeps it only in
# a register).  tests/test_hostile.c runs it beside the victim under the
# VMM, and alone on the bare machine, and the two runs must agree.
#
# 1. map: every frame number up to 2^20, 1024 at a time, in a level-2
#    table (two, in turn, rewritten and relinked, ptb written after each),
#    and every page touched: a frame of its memory is scanned word by word
#    for the secret, and if it is free (past the image) overwritten with
#    PATTERN; a frame past memory must be a bus error (docs/isa.md 7);
# 2. dma: the disk's DMA at every 512 bytes up to twice its memory, every
#    MiB up to 4 GiB and the last bytes below 4 GiB: memory to disk (all),
#    disk to memory (where refused only, and into a scratch buffer), each
#    ok exactly when the 512 bytes are inside memory (8.3), every block it
#    got read back and scanned for the secret;
# 3. ptb: every 64th frame number written to ptb (paging off), read back.
# It prints what it did and saw, then six verdicts (hostile.inc): no trap
# but bus errors, the number of those, its stores where it put them, the
# secret never seen, DMA as the manual says, ptb as the manual says.

        .equ    SECRET_HI, 0x5ec2
        .equ    SECRET_LO, 0xe75a
        .equ    PATTERN, 0xa77ac4ed
        .equ    MAP_VA, 0x00400000      # level-1 entry 1 -> win_a or win_b
        .equ    WINDOW, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
        .equ    PTB_STEP, 64

        .text
_start: call    hostile_init
        la      t0, memsize
        sw      a1, 0(t0)
        la      a0, root
        la      a1, pt_k
        li      a2, KPAGE
        call    low_map
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0

# ---- 1. every frame number ------------------------------------------------------

        la      t0, attack_trap
        mtcr    tvec, t0
        la      t0, n_resume
        la      t1, after_touch
        sw      t1, 0(t0)
        li      s0, 0                   # first frame number of the batch
1:      srli    t0, s0, 10              # the table: win_a, win_b, in turn
        andi    t0, t0, 1
        slli    t0, t0, PAGE_SHIFT
        la      s1, win_a
        add     s1, s1, t0
        li      t0, 0                   # table[i] = (s0 + i) << 12 | WINDOW
2:      add     t1, s0, t0
        slli    t1, t1, PAGE_SHIFT
        ori     t1, t1, WINDOW
        slli    t2, t0, 2
        add     t2, t2, s1
        sw      t1, 0(t2)
        addi    t0, t0, 1
        li      t1, 1024
        bne     t0, t1, 2b
        la      t0, root
        ori     t1, s1, PTE_V
        sw      t1, 4(t0)
        mtcr    ptb, t0
        li      a4, 0                   # page i of the window
3:      add     a0, s0, a4              # its frame number
        slli    a3, a4, PAGE_SHIFT
        li      t0, MAP_VA
        add     a3, a3, t0
        la      t0, memsize
        lw      t0, 0(t0)
        srli    t0, t0, PAGE_SHIFT
        bgeu    a0, t0, 5f
        call    own_frame               # a frame of its memory
        j       6f
5:      lw      t0, 0(a3)               # past memory: a bus error
after_touch:
6:      addi    a4, a4, 1
        li      t0, 1024
        bne     a4, t0, 3b
        li      t0, 1024
        add     s0, s0, t0
        li      t0, 1 << 20
        bne     s0, t0, 1b
        la      t0, hostile_trap
        mtcr    tvec, t0
        la      t0, root                # the window off again
        sw      zero, 4(t0)
        mtcr    ptb, t0

        la      a0, msg_map
        call    puts
        la      t0, n_bus
        lw      a0, 0(t0)
        call    putdec
        la      a0, msg_bus
        call    puts
        la      t0, n_stored
        lw      a0, 0(t0)
        call    putdec
        la      a0, msg_stored
        call    puts
        la      t0, n_seen
        lw      a0, 0(t0)
        call    putdec
        li      a0, '\n'
        call    putc

# ---- 2. DMA everywhere ------------------------------------------------------------

        li      s0, 0                   # every 512 bytes up to twice the memory
1:      mv      a0, s0
        call    dma_both
        addi    s0, s0, 512
        la      t0, memsize
        lw      t0, 0(t0)
        slli    t0, t0, 1
        bltu    s0, t0, 1b
        li      s0, 1 << 20             # every MiB up to 4 GiB
2:      mv      a0, s0
        call    dma_both
        li      t0, 1 << 20
        add     s0, s0, t0
        bnez    s0, 2b
        la      s0, last_bytes          # the top of the address space, the end of memory
3:      lw      a0, 0(s0)
        beqz    a0, 4f
        call    dma_both
        addi    s0, s0, 4
        j       3b
4:      la      t0, memsize
        lw      t0, 0(t0)
        addi    a0, t0, -511
        call    dma_both
        la      t0, memsize
        lw      t0, 0(t0)
        addi    a0, t0, -1
        call    dma_both
        la      a0, msg_dma
        call    puts
        la      t0, n_dma_ok
        lw      a0, 0(t0)
        call    putdec
        la      a0, msg_ok
        call    puts
        la      t0, n_dma_bad
        lw      a0, 0(t0)
        call    putdec
        la      a0, msg_refused
        call    puts
        la      t0, n_seen
        lw      a0, 0(t0)
        call    putdec
        li      a0, '\n'
        call    putc

# ---- 3. ptb everywhere (paging off) -----------------------------------------------

        mfcr    t0, status
        andi    t0, t0, ~SR_PG & 0xffff
        mtcr    status, t0
        li      s0, 0
        li      s1, 0                   # wrong read-backs
1:      slli    t0, s0, PAGE_SHIFT
        mtcr    ptb, t0
        mfcr    t1, ptb
        xor     t1, t1, t0
        or      s1, s1, t1
        addi    s0, s0, PTB_STEP
        li      t0, 1 << 20
        bne     s0, t0, 1b
        la      t0, root
        mtcr    ptb, t0
        la      a0, msg_ptb
        call    puts
        li      a0, (1 << 20) / PTB_STEP
        call    putdec
        la      a0, msg_values
        call    puts

# ---- the verdicts -------------------------------------------------------------------

        la      t0, n_other             # no trap but bus errors
        lw      a0, 0(t0)
        li      a1, 0
        call    check
        la      t0, memsize             # a bus error for every frame number past memory
        lw      t0, 0(t0)
        srli    t0, t0, PAGE_SHIFT
        li      a1, 1 << 20
        sub     a1, a1, t0
        la      t0, n_bus
        lw      a0, 0(t0)
        call    check
        call    stores_landed
        li      a1, 0
        call    check
        la      t0, n_seen              # never the secret
        lw      a0, 0(t0)
        li      a1, 0
        call    check
        la      t0, n_dma_wrong
        lw      a0, 0(t0)
        li      a1, 0
        call    check
        mv      a0, s1
        li      a1, 0
        call    check
        j       finish

# own_frame(a0 = frame number, a3 = its page in the window): scan it for
# the secret; if it is free, fill it with PATTERN.
own_frame:
        push    ra
        lui     t2, SECRET_HI
        ori     t2, t2, SECRET_LO
        li      t0, 0
1:      add     t1, a3, t0
        lw      t1, 0(t1)
        bne     t1, t2, 2f
        la      t1, n_seen
        lw      a1, 0(t1)
        addi    a1, a1, 1
        sw      a1, 0(t1)
2:      addi    t0, t0, 4
        li      t1, PAGE
        bne     t0, t1, 1b
        la      t0, attack_end + PAGE - 1
        srli    t0, t0, PAGE_SHIFT
        bltu    a0, t0, 4f
        li      t0, 0
        li      t2, PATTERN
3:      add     t1, a3, t0
        sw      t2, 0(t1)
        addi    t0, t0, 4
        li      t1, PAGE
        bne     t0, t1, 3b
        la      t0, n_stored
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
4:      pop     ra
        ret

# stores_landed: the number of free frames not full of PATTERN, read
# through the identity map (the first and last word of each).
stores_landed:
        la      t0, attack_end + PAGE - 1
        li      t1, -PAGE
        and     t0, t0, t1
        la      t1, memsize
        lw      t1, 0(t1)
        li      a0, 0
        li      t2, PATTERN
1:      bgeu    t0, t1, 2f
        lw      a1, 0(t0)
        xor     a1, a1, t2
        snez    a1, a1
        add     a0, a0, a1
        lw      a1, PAGE - 4(t0)
        xor     a1, a1, t2
        snez    a1, a1
        add     a0, a0, a1
        li      a1, PAGE
        add     t0, t0, a1
        j       1b
2:      ret

# The map phase's trap handler: count bus errors (and anything else, which
# must not come), then go on after the touch.
attack_trap:
        mfcr    gp, cause
        la      tp, n_bus
        xori    gp, gp, CAUSE_BUS_ERROR
        beqz    gp, 1f
        addi    tp, tp, 4               # n_other
1:      lw      gp, 0(tp)
        addi    gp, gp, 1
        sw      gp, 0(tp)
        la      tp, n_resume
        lw      gp, 0(tp)
        jr      gp

# dma_both(a0 = address): memory to disk from there; disk to memory there
# if that must be refused; each status as the manual says.
dma_both:
        push    ra
        push    s0
        mv      s0, a0
        li      a0, DISK_CMD_WRITE
        mv      a1, s0
        call    dma_one
        beqz    a0, 1f                  # ok: read what the disk got, look for the secret
        call    in_memory
        bnez    a0, 2f
        li      a0, DISK_CMD_READ       # refused: so must the other way be
        mv      a1, s0
        call    dma_one
        j       2f
1:      li      a0, DISK_CMD_READ
        la      a1, scratch
        call    dma_cmd
        la      t0, scratch
        li      t1, 128
        lui     t2, SECRET_HI
        ori     t2, t2, SECRET_LO
3:      lw      a1, 0(t0)
        bne     a1, t2, 4f
        la      a1, n_seen
        lw      a0, 0(a1)
        addi    a0, a0, 1
        sw      a0, 0(a1)
4:      addi    t0, t0, 4
        addi    t1, t1, -1
        bnez    t1, 3b
2:      pop     s0
        pop     ra
        ret

# in_memory(s0 = address): 1 if the 512 bytes at it are inside memory.
in_memory:
        la      t0, memsize
        lw      t0, 0(t0)
        addi    t0, t0, -512
        sltu    a0, t0, s0              # address > memsize - 512: outside
        xori    a0, a0, 1
        ret

# dma_one(a0 = command, a1 = address): give it, count what came back
# against what must (ok inside memory, bad-addr outside); a0 = 0 if ok.
dma_one:
        push    ra
        call    dma_cmd
        push    a0
        call    in_memory
        mv      t1, a0
        pop     a0
        li      t0, DISK_ST_OK
        beq     a0, t0, 1f
        la      t0, n_dma_bad
        lw      t2, 0(t0)
        addi    t2, t2, 1
        sw      t2, 0(t0)
        xori    t1, t1, 1               # refused: right if outside
        li      t0, 3                   # bad-addr (docs/isa.md 8.3)
        beq     a0, t0, 2f
        li      t1, 0
        j       2f
1:      la      t0, n_dma_ok
        lw      t2, 0(t0)
        addi    t2, t2, 1
        sw      t2, 0(t0)
2:      bnez    t1, 3f                  # t1: what came back is right
        la      t0, n_dma_wrong
        lw      t2, 0(t0)
        addi    t2, t2, 1
        sw      t2, 0(t0)
3:      pop     ra
        ret

# dma_cmd(a0 = command, a1 = address) on block 0: a0 = the final status.
dma_cmd:
        out     disk.block, zero
        out     disk.addr, a1
        li      t0, DISK_CTRL_IE
        out     disk.ctrl, t0
        out     disk.cmd, a0
        wfi
        in      a0, disk.status
        out     disk.status, zero
        out     disk.ctrl, zero
        ret

        .include "hostile.inc"

        .data
        .align  4
memsize: .word  0
n_bus:  .word   0
n_other: .word  0
n_resume: .word 0
n_stored: .word 0
n_seen: .word   0
n_dma_ok: .word 0
n_dma_bad: .word 0
n_dma_wrong: .word 0
last_bytes: .word 0xfffffe00, 0xfffffe01, 0xffffff00, 0xfffffffc, 0xffffffff, 0
msg_map: .asciz "map: "
msg_bus: .asciz " bus errors, "
msg_stored: .asciz " pages overwritten, secret seen "
msg_dma: .asciz "dma: "
msg_ok: .asciz  " ok, "
msg_refused: .asciz " refused, secret seen "
msg_ptb: .asciz "ptb: "
msg_values: .asciz " values\n"
        .align  4
scratch: .space 512

        .bss
        .align  4096
root:   .space  4096
pt_k:   .space  4096
win_a:  .space  4096
win_b:  .space  4096
attack_end:
