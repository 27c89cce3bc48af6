# pvsneak.s - a paravirtualized kernel that goes behind the validator's
# back: with its paging off (which the VMM does not validate, docs/vmm.md
# section 13) it links into its root a frame its identity map maps
# writable, then, paging on, writes that frame through the writable
# mapping (a writable shadow entry) and uses it as a page table.  The
# shadow pager must still write-protect the frame when it becomes a table,
# although the guest declared itself paravirtual: the isolation checker
# (suite pv) stops the VM if a writable shadow entry maps a traced table.
# It also leaves, with paging off, a leaf entry mapping a frame far
# outside its memory, which a later batch clears: the VMM must not trust
# its own count for an entry it never validated.
# 5 checks, then halt (the hypercall) with the failures: ".....", 0.

        .include "../../guest-os/kernel/param.s"
        .include "hypercalls.inc"

        .equ ROOT, 0x10000
        .equ L2, 0x11000
        .equ X, 0x30000                 # mapped writable, then made a table
        .equ DATA, 0x20000
        .equ NPAGES, 256
        .equ PTE_RWX, 0x6f              # V R W X A D
        .equ PTE_RO, 0x23               # V R A
        .equ XVA, 0x00c00000            # root entry 3: through X
        .equ BATCH, 0x13000

        .text
_start: la      t0, early
        mtcr    tvec, t0
        la      sp, stack_top
        la      a0, pv_handler
        hcall   a0, HC_SET_TRAP
        li      a0, SHARED
        hcall   a0, HC_SET_SHARED
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
        li      t0, ROOT
        li      t1, L2|PTE_V
        sw      t1, 0(t0)
        li      a0, ROOT
        hcall   a0, HC_SET_PTB
        li      a1, 0
        call    check                   # 1
        li      t0, SR_S|SR_PG
        mtcr    status, t0
        li      t0, DATA
        li      t1, 0x4242
        sw      t1, 0(t0)

        # paging off: link X into the root directly, unvalidated
        li      t0, SR_S
        mtcr    status, t0
        li      t0, ROOT+4*(XVA>>22)
        li      t1, X|PTE_V
        sw      t1, 0(t0)
        li      t0, L2+4*200            # and a leaf entry of a frame far outside memory
        li      t1, 0x10000000|PTE_RWX
        sw      t1, 0(t0)
        li      t0, SR_S|SR_PG
        mtcr    status, t0

        # paging on: X written through its writable mapping, then used as a table
        li      t0, X
        li      t1, DATA|PTE_RO
        sw      t1, 0(t0)
        li      t0, XVA
        lw      a0, 0(t0)
        li      a1, 0x4242
        call    check                   # 2 X maps DATA at XVA
        li      t0, X                   # a store to it now: coherent as on the machine
        li      t1, (DATA+PAGE)|PTE_RO
        sw      t1, 4(t0)
        li      t0, DATA+PAGE
        li      t1, 0x4343
        sw      t1, 0(t0)
        li      t0, XVA+PAGE
        lw      a0, 0(t0)
        li      a1, 0x4343
        call    check                   # 3
        li      t0, X
        lw      a0, 4(t0)
        li      a1, (DATA+PAGE)|PTE_RO
        call    check                   # 4
        # a batch that clears that entry: applied (the VMM never counted it)
        li      t0, BATCH
        li      t1, 1
        sw      t1, 0(t0)
        li      t1, L2+4*200
        sw      t1, 4(t0)
        sw      zero, 8(t0)
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        li      a1, 1
        call    check                   # 5
        call    finish

        .include "pv.inc"
