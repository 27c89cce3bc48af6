# unaligned.s - misaligned accesses at every page boundary of pages
# 0..NPAGES-1 (page 0 included, where an address 3 below it wraps to the
# top of the address space): lw, lh, lhu, sw and sh at each offset -3..+3
# that is not a multiple of their size, jalr to each such target, and rfe
# to it; in supervisor and user mode, with paging off and on.  docs/isa.md
# 4 and 6: each is a misaligned trap (WRITE for a store, FETCH for jalr and
# rfe, USER when the faulting access is made in user mode), badaddr = the
# address, epc = the instruction (for rfe, which completes, the target);
# alignment is checked before translation; a faulting load writes no
# register, a faulting store no memory, a faulting jalr no register.
# It prints how many accesses it made and one verdict per mode and kind
# (hostile.inc); the code lives above the pages it tests.

        .equ    NPAGES, 32
        .equ    SENTINEL, 0x5e5e0000    # word w of the tested pages holds SENTINEL ^ w
        .equ    REG, 0xdeadbeef         # what a faulting load or jalr must leave in a1
        .equ    KPAGE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
        .equ    K_LW, 0
        .equ    K_SW, 3
        .equ    K_SH, 4
        .equ    K_JALR, 5
        .equ    K_RFE, 6
        .equ    NKINDS, 7

        .text
        .org    0x40000
_start: call    hostile_init
        li      t0, 0                   # the sentinels around every boundary
1:      li      t1, SENTINEL
        xor     t1, t1, t0
        sw      t1, 0(t0)
        addi    t0, t0, 4
        li      t1, NPAGES * PAGE + 8
        bltu    t0, t1, 1b
        la      a0, root
        la      a1, pt_k
        li      a2, KPAGE
        call    low_map

        li      s0, 0                   # mode: bit 0 user, bit 1 paging
2:      andi    t0, s0, 2
        beqz    t0, 3f
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0
3:      la      t0, mode
        sw      s0, 0(t0)
        li      s1, 0                   # kind
4:      mv      a0, s1
        call    one_kind
        addi    s1, s1, 1
        li      t0, NKINDS
        bne     s1, t0, 4b
        addi    s0, s0, 1
        li      t0, 4
        bne     s0, t0, 2b
        li      a0, '\n'
        call    putc
        la      t0, probes
        lw      a0, 0(t0)
        call    putdec
        j       finish

# one_kind(a0 = kind): every boundary, every misaligned offset; one verdict.
one_kind:
        push    ra
        push    s0
        push    s1
        la      t0, kind
        sw      a0, 0(t0)
        la      t0, wrong
        sw      zero, 0(t0)
        li      s0, 0                   # page
1:      li      s1, -3                  # offset
2:      beqz    s1, 3f
        la      t0, kind                # lh, lhu, sh: odd offsets only
        lw      t0, 0(t0)
        li      t1, 1
        beq     t0, t1, 5f
        li      t1, 2
        beq     t0, t1, 5f
        li      t1, K_SH
        beq     t0, t1, 5f
        j       6f
5:      andi    t0, s1, 1
        beqz    t0, 3f
6:      slli    a3, s0, PAGE_SHIFT
        add     a3, a3, s1              # page 0, offset -3: 0xfffffffd
        call    probe
3:      addi    s1, s1, 1
        li      t0, 4
        bne     s1, t0, 2b
        addi    s0, s0, 1
        li      t0, NPAGES
        bne     s0, t0, 1b
        la      t0, wrong
        lw      a0, 0(t0)
        li      a1, 0
        call    check
        pop     s1
        pop     s0
        pop     ra
        ret

# probe(a3 = address): one access of `kind` in `mode`, and its checks.
probe:  push    ra
        push    s0
        push    s1
        la      t0, probes
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        la      t0, kind
        lw      s0, 0(t0)
        la      t0, mode
        lw      s1, 0(t0)
        li      a1, REG
        li      a2, REG
        li      t0, K_RFE
        beq     s0, t0, 3f
        slli    t0, s0, 3               # the stub: two words each
        la      t1, stubs
        add     a0, t0, t1
        andi    t0, s1, 1
        beqz    t0, 1f
        call    user                    # user mode: rfe into the stub
        j       4f
1:      mv      t2, a0                  # supervisor: jump into it
        la      a0, 4f
        call    arm
        jalr    zero, 0(t2)
3:      la      a0, 4f                  # rfe to the address, into the mode
        call    arm
        mtcr    epc, a3
        mfcr    t0, status
        andi    t0, t0, ~(SR_PS | SR_PIE) & 0xffff
        andi    t1, s1, 1               # supervisor: PS = 1
        xori    t1, t1, 1
        slli    t1, t1, 2
        or      t0, t0, t1
        mtcr    status, t0
        rfe
4:      mv      s0, a1                  # what the access left in a1
        la      t0, kind
        lw      t0, 0(t0)
        li      a0, CAUSE_MISALIGNED    # the cause it must have raised
        li      t1, K_SW
        beq     t0, t1, 5f
        li      t1, K_SH
        beq     t0, t1, 5f
        li      t1, K_JALR
        bltu    t0, t1, 6f
        ori     a0, a0, CAUSE_FETCH
        j       6f
5:      ori     a0, a0, CAUSE_WRITE
6:      andi    t1, s1, 1
        beqz    t1, 7f
        ori     a0, a0, CAUSE_USER
7:      mv      a2, a3                  # epc: the target for rfe, else the stub
        li      t1, K_RFE
        beq     t0, t1, 8f
        slli    t1, t0, 3
        la      a2, stubs
        add     a2, a2, t1
8:      la      t0, tr_cause
        lw      t1, 0(t0)
        xor     t1, t1, a0
        lw      t2, 4(t0)
        xor     t2, t2, a3
        or      t1, t1, t2
        lw      t2, 8(t0)
        xor     t2, t2, a2
        or      t1, t1, t2
        li      t2, REG                 # no register written
        xor     t2, t2, s0
        or      t1, t1, t2
        li      t0, -4                  # no memory written: the two words it straddles
        and     a0, a3, t0
        push    t1
        call    sentinel_ok
        pop     t1
        or      t1, t1, a0
        li      t0, -4
        and     a0, a3, t0
        addi    a0, a0, 4
        push    t1
        call    sentinel_ok
        pop     t1
        or      t1, t1, a0
        beqz    t1, 9f
        la      t0, wrong
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
9:      pop     s1
        pop     s0
        pop     ra
        ret

# sentinel_ok(a0 = word address): 0 if the word there is its sentinel, or
# it is not one of the tested words; keeps t1.
sentinel_ok:
        li      t0, NPAGES * PAGE + 8
        bgeu    a0, t0, 1f
        lw      t0, 0(a0)
        li      t2, SENTINEL
        xor     t0, t0, t2
        xor     a0, t0, a0
        ret
1:      li      a0, 0
        ret

# The accesses, two words each, by kind: the access at a3, then back.
stubs:  lw      a1, 0(a3)
        syscall
        lh      a1, 0(a3)
        syscall
        lhu     a1, 0(a3)
        syscall
        sw      a2, 0(a3)
        syscall
        sh      a2, 0(a3)
        syscall
        jalr    a1, 0(a3)
        syscall

        .include "hostile.inc"

        .data
mode:   .word   0
kind:   .word   0
wrong:  .word   0
probes: .word   0

        .bss
        .align  4096
root:   .space  4096
pt_k:   .space  4096
