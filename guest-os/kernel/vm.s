# vm.s - page tables: the kernel's identity map and the processes' address spaces.
#
# The machine walks two-level tables (docs/isa.md, section 7): ptb -> a
# level-1 table of 1024 entries, each covering 4 MiB -> a level-2 table of
# 1024 entries, each mapping one 4 KiB page.
#
# Every address space, the kernel's and each process's, looks like this:
#
#   0x00000000  page 0: never mapped, so a null pointer faults
#   0x00001000  all of physical memory, at virtual = physical,
#     ...       supervisor only (U = 0): the kernel text R|X, the rest R|W
#   mem_size
#     ...       nothing
#   0x40000000  user space: the program's segments, then its heap
#     ...       (pages of the heap are mapped on first touch, trap.s)
#   0x7fffe000  the user stack (USTACK_PAGES pages), up to 0x80000000
#
# The level-2 tables of the identity map are built once, at boot, and the
# same frames are entered in every process's level-1 table: the kernel part
# of every address space is literally shared, as in most real kernels (and
# a VMM's shadow page tables can share it too).  So the kernel never needs
# to switch page tables to see memory: any physical address pa can be used
# as a pointer.  User memory is a different matter: the kernel never
# dereferences a user address, it translates it with a software walk of the
# process's table (usermem.s).

        .data
        .align  4
kernel_pt:      .word 0         # physical address of the kernel's level-1 table
kernel_l1n:     .word 0         # how many level-1 entries the identity map fills

        .text

# walk: find the level-2 entry that maps a virtual address.
#   in:  a0 = level-1 table (physical), a1 = virtual address,
#        a2 = 1 to create a missing level-2 table, 0 not to
#   out: a0 = the address of the level-2 entry, or 0 if there is no
#        level-2 table (and a2 = 0, or no memory to make one)
#   The entry itself may still be invalid (V = 0): the caller looks.
walk:
        push    ra
        push    s0
        push    s1
        mv      s1, a1
        .if PARAVIRT
        bnez    a2, 4f                  # pv: a lookup must see the batch applied
        call    pt_sync                 # (ptpool.s; uses t0-t2 only)
4:
        .endif
        srli    t0, a1, 22              # level-1 index: the top 10 bits
        slli    t0, t0, 2
        add     s0, a0, t0              # s0: the level-1 entry
        lw      t0, 0(s0)
        andi    t1, t0, PTE_V
        bnez    t1, 1f
        beqz    a2, 2f                  # absent, and not asked to create it
        .if PARAVIRT
        call    ptalloc                 # a new, empty level-2 table, from the pool
        beqz    a0, 2f
        ori     a1, a0, PTE_V           # level-1 entries need only V and the frame
        mv      a0, s0
        call    pt_set
        call    pt_sync                 # the next walk reads this entry
        mv      t0, a1
        .else
        call    kzalloc                 # a new, empty level-2 table
        beqz    a0, 2f
        ori     t0, a0, PTE_V           # level-1 entries need only V and the frame
        sw      t0, 0(s0)
        .endif
1:      srli    t0, t0, PAGE_SHIFT      # t0: the level-2 table
        slli    t0, t0, PAGE_SHIFT
        srli    t1, s1, PAGE_SHIFT      # level-2 index: the middle 10 bits
        andi    t1, t1, 0x3ff
        slli    t1, t1, 2
        add     a0, t0, t1
        j       3f
2:      li      a0, 0
3:      pop     s1
        pop     s0
        pop     ra
        ret

# kvminit: build the kernel's page table, the identity map of all memory.
#   Called once at boot, with paging still off.  Sets kernel_pt and
#   kernel_l1n.  Panics if memory runs out (it cannot, with 4 MiB or more).
#   One level-2 table per 4 MiB of memory, filled in order: entry i of
#   table j maps page (j * 1024 + i) to itself.  The entries are made with
#   A and D already set, as Linux does for its kernel mappings: the
#   hardware then never has to write them back.
kvminit:
        push    ra
        push    s0
        push    s1
        .if PARAVIRT
        call    ptalloc_root            # pv: every page table from the pool; paging is
        .else                           # off, so written directly
        call    kzalloc
        .endif
        beqz    a0, 5f
        la      t0, kernel_pt
        sw      a0, 0(t0)
        mv      s1, a0                  # s1: the next level-1 entry
        li      s0, 0                   # s0: the next page to map
1:      la      t0, mem_size
        lw      t2, 0(t0)               # t2: the end of memory
        bgeu    s0, t2, 4f
        .if PARAVIRT
        call    ptalloc
        .else
        call    kzalloc                 # a level-2 table for the next 4 MiB
        .endif
        beqz    a0, 5f
        ori     t0, a0, PTE_V
        sw      t0, 0(s1)
        addi    s1, s1, 4
        la      t0, mem_size
        lw      t2, 0(t0)
        la      a2, etext               # a2: the end of the kernel's code
        addi    a1, a0, PAGE            # a1: the end of the table
2:      beqz    s0, 3f                  # page 0 stays unmapped: a null pointer faults
        bgeu    s0, t2, 3f              # past the end of memory: stays unmapped
        li      t1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D       # data
        .if PARAVIRT
        la      t0, pt_pool             # pv: the page-table pool is read-only, so
        bltu    s0, t0, 22f             # that only mmu_update changes a table
        la      t0, pt_pool_end
        bgeu    s0, t0, 22f
        li      t1, PTE_V | PTE_R | PTE_A | PTE_D
22:
        .endif
        bgeu    s0, a2, 21f
        li      t1, PTE_V | PTE_R | PTE_X | PTE_A | PTE_D       # kernel code
21:     or      t1, t1, s0              # U = 0: user mode cannot touch it
        sw      t1, 0(a0)
3:      addi    s0, s0, PAGE
        addi    a0, a0, 4
        bne     a0, a1, 2b
        j       1b
4:      la      t0, kernel_pt           # kernel_l1n: the level-1 entries filled
        lw      t0, 0(t0)
        sub     t0, s1, t0
        srli    t0, t0, 2
        la      t1, kernel_l1n
        sw      t0, 0(t1)
        pop     s1
        pop     s0
        pop     ra
        ret
5:      la      a0, msg_kvm_oom
        call    panic

# uvm_create: make the level-1 table of a new, empty address space.
#   out: a0 = its physical address, or 0 if out of memory.
#   Its first kernel_l1n entries are copies of the kernel's: the shared
#   level-2 tables of the identity map.  The rest (user space) is empty.
uvm_create:
        push    ra
        push    s0
        .if PARAVIRT
        push    s1
        call    ptalloc_root            # zero-filled (ptpool.s)
        mv      s0, a0
        beqz    a0, 1f
        la      t0, kernel_pt
        lw      s1, 0(t0)               # s1: the kernel's entry
        la      t0, kernel_l1n
        lw      a3, 0(t0)
        slli    a3, a3, 2
        add     a3, a3, s1              # a3: the end of the kernel part
        mv      a2, s0                  # a2: the new table's entry
2:      beq     s1, a3, 1f
        mv      a0, a2
        lw      a1, 0(s1)
        call    pt_set                  # in the batch: sent with the first mapping
        addi    s1, s1, 4
        addi    a2, a2, 4
        j       2b
1:      mv      a0, s0
        pop     s1
        .else
        call    kzalloc
        mv      s0, a0
        beqz    a0, 1f
        la      t0, kernel_pt
        lw      a1, 0(t0)
        la      t0, kernel_l1n
        lw      a2, 0(t0)
        slli    a2, a2, 2               # bytes
        call    memcpy                  # a0 = the new table
1:      mv      a0, s0
        .endif
        pop     s0
        pop     ra
        ret

# uvm_map: map one page.
#   in:  a0 = level-1 table, a1 = virtual address (page aligned),
#        a2 = physical page, a3 = permission bits (PTE_R|PTE_W|PTE_U...)
#   out: a0 = 0, or -1 if no memory for a level-2 table.
#   Panics if the page is already mapped: that would be a kernel bug.
#   No TLB flush: the callers know whether the table is live (see heap_page).
uvm_map:
        push    ra
        push    s0
        push    s1
        mv      s0, a2
        mv      s1, a3
        li      a2, 1
        call    walk
        beqz    a0, 2f
        lw      t0, 0(a0)
        andi    t0, t0, PTE_V
        bnez    t0, 1f
        or      t0, s0, s1
        ori     t0, t0, PTE_V
        .if PARAVIRT
        mv      a1, t0                  # pv: in the batch (ptpool.s)
        call    pt_set
        .else
        sw      t0, 0(a0)
        .endif
        li      a0, 0
        j       3f
1:      la      a0, msg_remap
        call    panic
2:      li      a0, -1
3:      pop     s1
        pop     s0
        pop     ra
        ret

# uvm_free_user: free every user page of an address space, and its user
#   level-2 tables, leaving the level-1 table with only the kernel part.
#   in: a0 = level-1 table.
#   The TLB may still hold translations to the freed pages: the caller must
#   flush it (tlbflush) before running user code in this address space again.
uvm_free_user:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -4
        addi    s0, a0, L1_USER_FIRST * 4       # s0: the level-1 entry
        addi    t0, a0, L1_USER_END * 4
        sw      t0, 0(sp)                       # where user space ends
1:      lw      t0, 0(s0)
        andi    t1, t0, PTE_V
        beqz    t1, 4f
        srli    s1, t0, PAGE_SHIFT              # s1: the level-2 entry
        slli    s1, s1, PAGE_SHIFT
2:      lw      t0, 0(s1)
        andi    t1, t0, PTE_V
        beqz    t1, 3f
        srli    a0, t0, PAGE_SHIFT
        slli    a0, a0, PAGE_SHIFT
        call    kfree                           # the page
        .if PARAVIRT
        mv      a0, s1                          # pv: cleared, so that the table goes
        li      a1, 0                           # back to the pool zeroed
        call    pt_set
        .endif
3:      addi    s1, s1, 4
        andi    t0, s1, PAGE - 1
        bnez    t0, 2b                          # until the end of the table
        addi    a0, s1, -PAGE
        .if PARAVIRT
        call    ptfree                          # the level-2 table
        mv      a0, s0
        li      a1, 0
        call    pt_set
        .else
        call    kfree                           # the level-2 table
        sw      zero, 0(s0)
        .endif
4:      addi    s0, s0, 4
        lw      t0, 0(sp)
        bne     s0, t0, 1b
        .if PARAVIRT
        call    pt_sync                         # the teardown: one batch
        .endif
        addi    sp, sp, 4
        pop     s1
        pop     s0
        pop     ra
        ret

# uvm_copy: give an empty address space a copy of every user page of another
#   (fork).  Each page gets a new frame with the same contents and the same
#   permissions; A and D start clear, as for any new mapping.
#   in:  a0 = source level-1 table, a1 = destination level-1 table
#   out: a0 = 0, or -1 if memory ran out (what was copied stays mapped in the
#        destination, for the caller to free with uvm_free_user).
uvm_copy:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -16
        sw      a0, 0(sp)                       # 0(sp): source level-1 table
        sw      a1, 4(sp)                       # 4(sp): destination
                                                # 8(sp): the new page
        addi    s0, a0, L1_USER_FIRST * 4       # s0: the source level-1 entry
        addi    t0, a0, L1_USER_END * 4
        sw      t0, 12(sp)                      # 12(sp): end of user space
1:      lw      t0, 0(s0)
        andi    t1, t0, PTE_V
        beqz    t1, 4f
        srli    s1, t0, PAGE_SHIFT              # s1: the source level-2 entry
        slli    s1, s1, PAGE_SHIFT
2:      lw      t0, 0(s1)
        andi    t1, t0, PTE_V
        beqz    t1, 3f
        call    kalloc
        beqz    a0, 6f
        sw      a0, 8(sp)
        lw      a1, 0(s1)
        srli    a1, a1, PAGE_SHIFT
        slli    a1, a1, PAGE_SHIFT
        call    page_copy                       # new page = old page
        lw      a0, 4(sp)
        lw      t0, 0(sp)                       # the virtual address, from where the
        sub     a1, s0, t0                      # entries are: level-1 index << 22
        slli    a1, a1, 20                      # (= byte offset << 20), plus
        andi    t0, s1, PAGE - 1                # level-2 index << 12
        slli    t0, t0, 10                      # (= byte offset << 10)
        or      a1, a1, t0
        lw      a2, 8(sp)
        lw      a3, 0(s1)
        andi    a3, a3, PTE_R | PTE_W | PTE_X | PTE_U
        call    uvm_map
        bnez    a0, 5f
3:      addi    s1, s1, 4
        andi    t0, s1, PAGE - 1
        bnez    t0, 2b
4:      addi    s0, s0, 4
        lw      t0, 12(sp)
        bne     s0, t0, 1b
        li      a0, 0
        j       7f
5:      lw      a0, 8(sp)                       # mapped nowhere: free it here
        call    kfree
6:      li      a0, -1
7:
        .if PARAVIRT
        call    pt_sync                         # pv: the copy's mappings, one batch
        .endif
        addi    sp, sp, 16
        pop     s1
        pop     s0
        pop     ra
        ret

# uvm_write, uvm_read: copy between kernel memory and an address space,
#   whatever the permissions of its pages (exec fills read-only text this
#   way).  Every page touched must be mapped: the caller has checked (a
#   missing page here is a kernel bug, and panics).
#   uvm_write: a0 = level-1 table, a1 = destination virtual address,
#              a2 = kernel source, a3 = length
#   uvm_read:  a0 = level-1 table, a1 = source virtual address,
#              a2 = kernel destination, a3 = length
uvm_write:
        li      a4, 0
        j       uvm_xfer
uvm_read:
        li      a4, 1
        j       uvm_xfer

# uvm_xfer: the common part.  a4 = 0: kernel to user, 1: user to kernel.
#   The user range may cross pages, which need not be contiguous in
#   physical memory: copy page by page.
uvm_xfer:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -16
        sw      a0, 0(sp)               # 0(sp): level-1 table
        sw      a3, 4(sp)               # 4(sp): bytes left
                                        # 8(sp): bytes in this piece
        sw      a4, 12(sp)              # 12(sp): direction
        mv      s0, a1                  # s0: user address
        mv      s1, a2                  # s1: kernel address
1:      lw      t0, 4(sp)
        beqz    t0, 4f
        lw      a0, 0(sp)
        mv      a1, s0
        li      a2, 0
        call    walk
        beqz    a0, 5f
        lw      t0, 0(a0)
        andi    t1, t0, PTE_V
        beqz    t1, 5f
        srli    t0, t0, PAGE_SHIFT
        slli    t0, t0, PAGE_SHIFT
        andi    t1, s0, PAGE - 1
        or      a0, t0, t1              # a0: the user byte, physically
        li      t2, PAGE
        sub     t2, t2, t1              # t2: bytes to the end of its page
        lw      t0, 4(sp)
        bgeu    t0, t2, 2f
        mv      t2, t0                  # or fewer, at the end
2:      sub     t0, t0, t2
        sw      t0, 4(sp)
        sw      t2, 8(sp)
        mv      a2, t2
        mv      a1, s1                  # kernel to user: memcpy(user, kernel, n)
        lw      t0, 12(sp)
        beqz    t0, 3f
        mv      a1, a0                  # user to kernel: memcpy(kernel, user, n)
        mv      a0, s1
3:      call    memcpy
        lw      t2, 8(sp)
        add     s0, s0, t2
        add     s1, s1, t2
        j       1b
4:      addi    sp, sp, 16
        pop     s1
        pop     s0
        pop     ra
        ret
5:      la      a0, msg_xfer
        call    panic

        .data
        .align  4
msg_kvm_oom:    .asciz "kvminit: out of memory"
msg_remap:      .asciz "uvm_map: page already mapped"
msg_xfer:       .asciz "uvm_xfer: page not mapped"
