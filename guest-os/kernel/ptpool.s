# ptpool.s - page tables of the paravirtualized kernel (pv build only).
#
# Xen's rule, simplified (docs/guest-os.md, "The paravirtual ABI"): the
# kernel may read its page tables but not write them once paging is on.
# Every page-table frame comes from a pool reserved at boot (end.s), which
# the identity map maps read-only (kvminit), and the kernel changes an
# entry by asking the hypervisor: mmu_update, one hypercall for a whole
# batch of (entry address, value) pairs, which the hypervisor checks (the
# frame is the guest's, no page table becomes writable) and applies.
#
# pt_set only adds a pair to the batch; pt_sync sends it.  A reader of the
# tables must see the batch applied first: walk syncs before a lookup, and
# after linking a new level-2 table; the callers that change many entries
# (exec, fork's copy, exit's teardown) sync once at the end.  Before
# paging is on (kvminit) the kernel writes its tables directly.
#
# Pool frames are zero when free: never used since reset (memory starts
# zeroed), or cleared entry by entry by the teardown that freed them.  So
# a new table needs no zeroing, which the kernel could not do by itself.
#
# A frame keeps its type: the first PT_POOL_ROOTS frames are only ever
# level-1 tables (ptalloc_root), the others only level-2 tables (ptalloc).
# The hypervisor types a frame when it first sees it as a table and keeps
# the type (Xen's page types, simplified: no unpinning), so a frame that
# was a level-1 table must not come back as a level-2 one, whose entries
# it would check as links to tables.

        .data
        .align  4
cur_ptb:        .word   0       # what the last set_ptb set: the kernel knows its own
                                # ptb, so it never spends a get_ptb on it
        .bss
        .align  4
pt_used:        .space  PT_POOL_PAGES           # 1: the pool's frame i is a page table
        .align  4
mmu_batch:      .space  4 + MMU_BATCH_MAX * 8   # the count, then the pairs

        .text

# ptalloc: a0 = a zero-filled level-2 table from the pool, or 0 if there
#   is none left.  ptalloc_root: the same for a level-1 table.
#   uses t0-t2 only.
ptalloc:
        li      t2, PT_POOL_ROOTS
        li      t1, PT_POOL_PAGES
        j       ptalloc_in
ptalloc_root:
        li      t2, 0
        li      t1, PT_POOL_ROOTS
ptalloc_in:
        la      t0, pt_used
1:      beq     t2, t1, 3f
        add     a0, t0, t2
        lbu     a0, 0(a0)
        beqz    a0, 2f
        addi    t2, t2, 1
        j       1b
2:      add     a0, t0, t2
        li      t1, 1
        sb      t1, 0(a0)
        slli    a0, t2, PAGE_SHIFT
        la      t0, pt_pool
        add     a0, a0, t0
        ret
3:      li      a0, 0
        ret

# ptfree: give frame a0 back to the pool.  Its entries must be zero, or
#   cleared in the batch (which the next user's updates follow in order).
#   uses t0, t1.
ptfree:
        la      t0, pt_pool
        sub     t1, a0, t0
        srli    t1, t1, PAGE_SHIFT
        la      t0, pt_used
        add     t0, t0, t1
        sb      zero, 0(t0)
        ret

# pt_set: page-table entry a0 := a1, in the batch (sent when it is full).
#   uses t0-t2 only; a0-a5 are kept.
pt_set:
        la      t0, mmu_batch
        lw      t1, 0(t0)
        slli    t2, t1, 3
        add     t2, t2, t0
        sw      a0, 4(t2)
        sw      a1, 8(t2)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        li      t2, MMU_BATCH_MAX
        beq     t1, t2, pt_sync
        ret

# pt_sync: apply the batch (one hypercall), if there is one.
#   uses t0-t2 only.  A refused update is a kernel bug: panic.
pt_sync:
        la      t0, mmu_batch
        lw      t1, 0(t0)
        beqz    t1, 1f
        mv      t2, t0
        hcall   t2, HC_MMU_UPDATE       # t2 = how many were applied
        bne     t2, t1, 2f
        sw      zero, 0(t0)
1:      ret
2:      la      a0, msg_mmu_refused
        call    panic

# uvm_free_l1: free the level-1 table a0 of a dead address space (its user
#   part already emptied by uvm_free_user): clear its kernel part, so that
#   it goes back to the pool zeroed, and free it.
uvm_free_l1:
        push    ra
        push    s0
        push    s1
        mv      s0, a0
        la      t0, kernel_l1n
        lw      s1, 0(t0)
        slli    s1, s1, 2
        add     s1, s1, a0              # s1: the end of the kernel part
        mv      a2, a0
1:      beq     a2, s1, 2f
        mv      a0, a2
        li      a1, 0
        call    pt_set
        addi    a2, a2, 4
        j       1b
2:      call    pt_sync
        mv      a0, s0
        call    ptfree
        pop     s1
        pop     s0
        pop     ra
        ret

        .data
        .align  4
msg_mmu_refused: .asciz "mmu_update: the hypervisor refused a page-table update"
