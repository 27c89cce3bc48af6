# pvreuse.s - a paravirtualized kernel that tears tables down and uses
# their frames again as the other kind, as a kernel's page-table pool
# does: a known table is one only while something holds it (Xen's page
# types, docs/vmm.md section 13).  A leaf table no known root links may be
# mapped writable; a root with no valid entry, the ptb no longer, may
# become a leaf table.  8 checks, then halt (the hypercall) with the
# failures: "........", 0.

        .include "../../guest-os/kernel/param.s"
        .include "hypercalls.inc"

        .equ ROOT, 0x10000
        .equ L2, 0x11000
        .equ L2B, 0x12000               # a leaf table, linked then unlinked
        .equ BATCH, 0x13000
        .equ R2, 0x14000                # a second root, torn down, then a leaf table
        .equ DATA, 0x20000
        .equ NPAGES, 256
        .equ PTE_RWX, 0x6f              # V R W X A D
        .equ PTE_RO, 0x23               # V R A
        .equ VA8, 0x00800000            # root entry 2

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
        li      t1, ROOT|PTE_RO         # the pool: ROOT, L2, L2B, BATCH's neighbour R2
        sw      t1, 0(t0)
        li      t1, L2|PTE_RO
        sw      t1, 4(t0)
        li      t1, L2B|PTE_RO
        sw      t1, 8(t0)
        li      t1, R2|PTE_RO
        sw      t1, 16(t0)
        li      t0, ROOT
        li      t1, L2|PTE_V
        sw      t1, 0(t0)
        li      t1, L2B|PTE_V           # L2B linked, empty
        sw      t1, 4(t0)
        li      t0, R2
        li      t1, L2|PTE_V            # R2: the kernel's map only
        sw      t1, 0(t0)
        li      a0, R2
        hcall   a0, HC_SET_PTB
        li      a1, 0
        call    check                   # 1 R2 pinned
        li      a0, ROOT
        hcall   a0, HC_SET_PTB
        li      a1, 0
        call    check                   # 2 ROOT pinned, L2B with it
        li      t0, SR_S|SR_PG
        mtcr    status, t0

        # L2B is a table: mapping it writable is refused; unlinked, it is not
        li      a0, 1
        li      a1, L2+4*(L2B>>PAGE_SHIFT)
        li      a2, L2B|PTE_RWX
        call    batch1
        li      a1, 0
        call    check                   # 3
        li      a0, 1
        li      a1, ROOT+4
        li      a2, 0
        call    batch1
        li      a0, 1
        li      a1, L2+4*(L2B>>PAGE_SHIFT)
        li      a2, L2B|PTE_RWX
        call    batch1
        li      a1, 1
        call    check                   # 4 allowed now
        li      a0, 1                   # and read-only again, for what follows
        li      a1, L2+4*(L2B>>PAGE_SHIFT)
        li      a2, L2B|PTE_RO
        call    batch1

        # R2 torn down (not the ptb): its frame becomes a leaf table mapping DATA writable
        li      a0, 1
        li      a1, R2
        li      a2, 0
        call    batch1
        li      a1, 1
        call    check                   # 5
        li      t0, DATA
        li      t1, 0x5151
        sw      t1, 0(t0)
        li      t0, BATCH
        li      t1, 2
        sw      t1, 0(t0)
        li      t1, R2
        sw      t1, 4(t0)
        li      t1, DATA|PTE_RWX
        sw      t1, 8(t0)
        li      t1, ROOT+4*(VA8>>22)
        sw      t1, 12(t0)
        li      t1, R2|PTE_V
        sw      t1, 16(t0)
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        li      a1, 2
        call    check                   # 6 both applied
        hcall   zero, HC_FLUSH
        li      t0, VA8
        lw      a0, 0(t0)
        li      a1, 0x5151
        call    check                   # 7 R2 maps DATA at VA8
        # and now R2 is a leaf table: it cannot be a root with DATA as a table
        li      a0, R2
        hcall   a0, HC_SET_PTB
        li      a1, -1
        call    check                   # 8 (MAPPED_WRITABLE: DATA is mapped writable)
        call    finish

batch1: li      t0, BATCH
        li      t1, 1
        sw      t1, 0(t0)
        sw      a1, 4(t0)
        sw      a2, 8(t0)
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        ret

        .include "pv.inc"
