# pvhostile.s - a hostile paravirtualized kernel: mmu_update batches and
# roots that break the rules of docs/vmm.md section 13, each of which the
# VMM must refuse with the ABI's reason in the shared area and R[rd] =
# the entries it applied before the refused one (-1 for set_ptb), leaving
# everything else as it was and the VM running.  Then a good batch, which
# must still work.  One character per check ('.' holds, 'X' not), then
# halt (the hypercall) with the number of failures: under --technique pv,
# 48 dots and 0.  tests/test_pv.c runs it with the isolation checker on.

        .include "../../guest-os/kernel/param.s"
        .include "hypercalls.inc"

        .equ ROOT, 0x10000              # the kernel's tables, built with paging off
        .equ L2, 0x11000
        .equ L2B, 0x12000               # a table to be, filled by mmu_update
        .equ BATCH, 0x13000
        .equ DATA, 0x20000
        .equ DATA2, 0x21000             # mapped writable by the identity map
        .equ MEM, 0x100000              # guest memory: 1 MiB
        .equ NPAGES, 256
        .equ FOREIGN, 0x10000000        # a frame far outside it
        .equ SHARED2, 0xf0000           # a second shared area, mapped read-only
        .equ PTE_RWX, 0x6f              # V R W X A D
        .equ PTE_RO, 0x23               # V R A

        .text
_start: la      t0, early
        mtcr    tvec, t0
        la      sp, stack_top
        la      a0, pv_handler
        hcall   a0, HC_SET_TRAP
        li      a0, SHARED
        hcall   a0, HC_SET_SHARED
        # the identity map, the tables' own frames read-only
        li      t0, L2
        li      t1, 0
        li      t2, NPAGES
1:      slli    a2, t1, PAGE_SHIFT
        ori     a2, a2, PTE_RWX
        slli    a3, t1, 2
        add     a3, a3, t0
        sw      a2, 0(a3)
        addi    t1, t1, 1
        blt     t1, t2, 1b
        li      t0, L2+4*(ROOT>>PAGE_SHIFT)
        li      t1, ROOT|PTE_RO
        sw      t1, 0(t0)
        li      t1, L2|PTE_RO
        sw      t1, 4(t0)
        li      t1, L2B|PTE_RO
        sw      t1, 8(t0)
        li      t0, L2+4*(SHARED2>>PAGE_SHIFT)
        li      t1, SHARED2|PTE_RO
        sw      t1, 0(t0)
        li      t0, ROOT
        li      t1, L2|PTE_V
        sw      t1, 0(t0)
        li      a0, ROOT
        hcall   a0, HC_SET_PTB
        li      a1, 0
        call    check                   # 1
        li      t0, SR_S|SR_PG
        mtcr    status, t0

        # a foreign frame, after one good entry: the good one applied
        li      a0, 2
        li      a1, L2B
        li      a2, DATA|PTE_RWX
        li      a3, L2+4*5
        li      a4, FOREIGN|PTE_RO
        call    batch2
        li      a1, 1
        call    check_refused           # 2 3: one applied
        li      t0, L2B
        lw      a0, 0(t0)
        li      a1, DATA|PTE_RWX
        call    check                   # 4 the first entry is there
        li      t0, L2+4*5
        lw      a0, 0(t0)
        li      a1, 0x5000|PTE_RWX
        call    check                   # 5 the refused one is not
        li      t0, SHARED
        lw      a0, SH_ERROR(t0)
        li      a1, HCE_NOT_OWNED
        call    check                   # 6

        # a known leaf table mapping a page table writable: the root, itself
        li      a0, 1
        li      a1, L2+4*0x30
        li      a2, ROOT|PTE_RWX
        call    batch1
        li      a1, 0
        call    check_refused           # 7 8
        li      a1, HCE_PT_WRITABLE
        call    check_err               # 9
        li      a0, 1
        li      a1, L2+4*0x30
        li      a2, L2|PTE_RWX
        call    batch1
        li      a1, 0
        call    check_refused           # 10 11
        li      a1, HCE_PT_WRITABLE
        call    check_err               # 12

        # a root entry linking the root itself, writable: as a leaf table it maps itself so
        li      a0, 1
        li      a1, ROOT+4*5
        li      a2, ROOT|PTE_RWX
        call    batch1
        li      a1, 0
        call    check_refused           # 12a 12b
        li      a1, HCE_PT_WRITABLE
        call    check_err               # 12c

        # a root entry linking a frame the identity map maps writable
        li      a0, 1
        li      a1, ROOT+4*2
        li      a2, DATA2|PTE_V
        call    batch1
        li      a1, 0
        call    check_refused           # 13 14
        li      a1, HCE_MAPPED_WRITABLE
        call    check_err               # 15
        li      t0, ROOT
        lw      a0, 8(t0)
        li      a1, 0
        call    check                   # 16 not linked

        # malformed batches: each refused whole
        li      a0, BATCH+2             # misaligned
        hcall   a0, HC_MMU_UPDATE
        li      a1, 0
        call    check_refused_bad       # 17 18
        li      t0, BATCH
        sw      zero, 0(t0)             # n = 0
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        call    check_refused_bad       # 19 20
        li      t0, BATCH
        li      t1, MMU_BATCH_MAX+1     # too long
        sw      t1, 0(t0)
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        call    check_refused_bad       # 21 22
        li      a0, MEM                 # outside memory
        hcall   a0, HC_MMU_UPDATE
        call    check_refused_bad       # 23 24
        li      t0, MEM-8               # n = 2: its entries run past the end
        li      t1, 2
        sw      t1, 0(t0)
        li      a0, MEM-8
        hcall   a0, HC_MMU_UPDATE
        call    check_refused_bad       # 25 26
        li      a0, 2                   # its second entry's address misaligned
        li      a1, L2B+4
        li      a2, DATA|PTE_RO
        li      a3, L2B+10
        li      a4, DATA|PTE_RO
        call    batch2
        li      a1, 1
        call    check_refused           # 27 28
        li      a1, HCE_BAD_REQUEST
        call    check_err               # 29
        li      a0, 1                   # an entry outside memory
        li      a1, MEM
        li      a2, 0
        call    batch1
        li      a1, 0
        call    check_refused_bad       # 30 31

        # roots: outside memory; a frame mapped writable
        li      a0, FOREIGN
        hcall   a0, HC_SET_PTB
        li      a1, HCE_NOT_OWNED
        call    check_error             # 32 33
        li      a0, DATA2
        hcall   a0, HC_SET_PTB
        li      a1, HCE_MAPPED_WRITABLE
        call    check_error             # 34 35
        # mtcr ptb of the same: the privileged-instruction trap, also
        # right after another privileged instruction (no chained emulation)
        li      t0, DATA2
        mtcr    scratch, t0
bad_mtcr: mtcr  ptb, t0
        li      a0, 4
        li      a1, CAUSE_PRIV
        call    check_rec               # 36
        hcall   a0, HC_GET_PTB
        li      a1, ROOT
        call    check                   # 37 still the old root

        # the shared area is the VMM's writable mapping: not on a table,
        # and its frame cannot become one (SHARED2 is mapped read-only)
        li      a0, L2
        hcall   a0, HC_SET_SHARED
        li      a1, HCE_PT_WRITABLE
        call    check_error             # 38 39
        li      a0, SHARED2
        hcall   a0, HC_SET_SHARED
        li      a1, SHARED2
        call    check                   # 40 no result: a0 as it was
        li      a0, 1
        li      a1, ROOT+4*4
        li      a2, SHARED2|PTE_V
        call    batch1
        li      a1, 0
        call    check                   # 41
        li      t0, SHARED2
        lw      a0, SH_ERROR(t0)
        li      a1, HCE_MAPPED_WRITABLE
        call    check                   # 42 the reason, in the area now in use
        li      a0, SHARED
        hcall   a0, HC_SET_SHARED       # back, for the handler

        # the VM goes on: a good batch links L2B at VA 0x00400000
        li      a0, 1
        li      a1, ROOT+4
        li      a2, L2B|PTE_V
        call    batch1
        li      a1, 1
        call    check                   # 43
        hcall   zero, HC_FLUSH
        li      t0, 0x00400000
        li      t1, 0x77
        sw      t1, 16(t0)
        li      t0, DATA
        lw      a0, 16(t0)
        li      a1, 0x77
        call    check                   # 44
        li      t0, MEM-PAGE            # touch the last frame (the injected bugs' target)
        lw      a0, 0(t0)
        li      a1, 0
        call    check                   # 45
        call    finish

# batch1(a1 = entry address, a2 = value); batch2(a0 = 2, a1, a2, a3, a4):
# write the batch at BATCH and make the call; a0 = its result.
batch1: li      t0, BATCH
        li      t1, 1
        sw      t1, 0(t0)
        sw      a1, 4(t0)
        sw      a2, 8(t0)
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        ret
batch2: li      t0, BATCH
        sw      a0, 0(t0)
        sw      a1, 4(t0)
        sw      a2, 8(t0)
        sw      a3, 12(t0)
        sw      a4, 16(t0)
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        ret

# check_refused(a0 = result, a1 = entries applied): the count, and that a
# refusal was recorded (the error word is not 0); clears the error word.
check_refused:
        push    ra
        call    check
        li      t0, SHARED
        lw      a0, SH_ERROR(t0)
        sltu    a0, zero, a0
        li      a1, 1
        call    check
        pop     ra
        ret
# check_err(a1 = reason): the last refusal's reason (check_refused cleared nothing)
check_err:
        li      t0, SHARED
        lw      a0, SH_ERROR(t0)
        j       check
# check_refused_bad(a0 = result): 0 applied, BAD_REQUEST; then clears the error word
check_refused_bad:
        push    ra
        li      a1, 0
        call    check
        li      t0, SHARED
        lw      a0, SH_ERROR(t0)
        sw      zero, SH_ERROR(t0)
        li      a1, HCE_BAD_REQUEST
        call    check
        pop     ra
        ret

        .include "pv.inc"
