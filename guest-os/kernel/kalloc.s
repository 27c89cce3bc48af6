# kalloc.s - the physical page allocator.
#
# Every page of memory the kernel image does not occupy is either in use
# (a page table, a process's page) or on the free list.  The free list is a
# stack threaded through the free pages themselves: the first word of a
# free page holds the address of the next one.  So the allocator needs no
# memory of its own beyond two words.
#
# The kernel reaches every physical page at the same virtual address (the
# identity map, vm.s), so "the page at physical address pa" can simply be
# loaded and stored through pa, with paging on or off.
#
# The list is changed inside a critical section (irq.s): an interrupt
# handler could allocate too, in a kernel that let interrupts in.

        .data
freelist:       .word 0         # address of the first free page, 0 if none
nfree:          .word 0         # how many pages are on the list

        .text

# kinit: give the allocator every page from the end of the kernel image to
#   the end of memory.  The last page, which held the boot string, must
#   already have been copied out (main.s does it first).
kinit:
        push    ra
        push    s0
        push    s1
        la      t0, mem_size
        lw      s1, 0(t0)               # s1: the end of memory
        la      s0, kernel_end          # s0: the first free page (vasm aligns it)
        # Free from the top down: the list is a stack, so kalloc will then
        # hand out low addresses first, which makes dumps easier to read.
1:      addi    s1, s1, -PAGE
        bltu    s1, s0, 2f
        mv      a0, s1
        call    kfree
        j       1b
2:      pop     s1
        pop     s0
        pop     ra
        ret

# kfree: put the page at a0 back on the free list.
#   in: a0 = a page-aligned physical address that kalloc gave out.
#   Panics on an address that cannot be one: catching a bad free here is
#   much easier than debugging the corruption it would cause later.
kfree:
        push    ra
        push    s0
        mv      s0, a0
        andi    t0, a0, PAGE - 1
        bnez    t0, 1f                  # not page aligned
        la      t0, kernel_end
        bltu    a0, t0, 1f              # inside the kernel image
        la      t0, mem_size
        lw      t0, 0(t0)
        bgeu    a0, t0, 1f              # past the end of memory
        call    irq_save
        la      t0, freelist
        lw      t1, 0(t0)
        sw      t1, 0(s0)               # page->next = freelist
        sw      s0, 0(t0)               # freelist = page
        la      t0, nfree
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        call    irq_restore             # a0: the status word from irq_save
        pop     s0
        pop     ra
        ret
1:      la      a0, msg_badfree
        call    panic

# kalloc: take a page off the free list.
#   out: a0 = its physical address, or 0 if memory is exhausted.
#   The page holds garbage; see kzalloc.
kalloc:
        push    ra
        push    s0
        call    irq_save
        la      t0, freelist
        lw      s0, 0(t0)               # s0: the page, or 0
        beqz    s0, 1f
        lw      t1, 0(s0)
        sw      t1, 0(t0)               # freelist = page->next
        la      t0, nfree
        lw      t1, 0(t0)
        addi    t1, t1, -1
        sw      t1, 0(t0)
1:      call    irq_restore
        mv      a0, s0
        pop     s0
        pop     ra
        ret

# kzalloc: kalloc, and fill the page with zeros.
#   out: a0 = its physical address, or 0 if memory is exhausted.
kzalloc:
        push    ra
        push    s0
        call    kalloc
        mv      s0, a0
        beqz    a0, 1f
        call    page_zero
1:      mv      a0, s0
        pop     s0
        pop     ra
        ret

        .data
msg_badfree:    .asciz "kfree: not a page the allocator gave out"
