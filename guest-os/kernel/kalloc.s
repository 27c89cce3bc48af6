# kalloc.s - the physical page allocator.
#
# Every page of memory after the kernel image is either in use (a page
# table, a process's page) or free.  Free pages are in one of two places:
#
#   the free list   pages that were used and given back (kfree): a stack
#                   threaded through the pages themselves, the first word
#                   of a free page holding the address of the next one;
#   the frontier    [frontier, end of memory): pages nobody has used since
#                   boot, handed out in address order.
#
# kalloc takes from the list first, then from the frontier.  So the
# allocator needs three words of memory and boots in constant time:
# putting every page on the list at boot would mean writing to every page
# of memory before the first process runs.
#
# The kernel reaches every physical page at the same virtual address (the
# identity map, vm.s), so "the page at physical address pa" can simply be
# loaded and stored through pa, with paging on or off.
#
# The allocator's words are changed inside a critical section (irq.s): an
# interrupt handler could allocate too, in a kernel that let interrupts in.

        .data
        .align  4
freelist:       .word 0         # address of the first page on the list, 0 if none
nlist:          .word 0         # how many pages are on the list
frontier:       .word 0         # the first page never handed out

        .text

# kinit: make every page from the end of the kernel image to the end of
#   memory free.  The last page, which held the boot string, must already
#   have been copied out (main.s does it first).
kinit:
        la      t0, kernel_end          # vasm aligns it on a page
        la      t1, frontier
        sw      t0, 0(t1)
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
        la      t0, frontier
        lw      t0, 0(t0)
        bgeu    a0, t0, 1f              # never handed out
        call    irq_save
        la      t0, freelist
        lw      t1, 0(t0)
        sw      t1, 0(s0)               # page->next = freelist
        sw      s0, 0(t0)               # freelist = page
        la      t0, nlist
        lw      t1, 0(t0)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        call    irq_restore             # a0: the status word from irq_save
        pop     s0
        pop     ra
        ret
1:      la      a0, msg_badfree
        call    panic

# kalloc: take a free page.
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
        la      t0, nlist
        lw      t1, 0(t0)
        addi    t1, t1, -1
        sw      t1, 0(t0)
        j       2f
1:      la      t0, frontier            # the list is empty: the next new page
        lw      t1, 0(t0)
        la      t2, mem_size
        lw      t2, 0(t2)
        bgeu    t1, t2, 2f              # none left: s0 stays 0
        mv      s0, t1
        addi    t1, t1, PAGE
        sw      t1, 0(t0)
2:      call    irq_restore
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

# kfree_count: a0 = how many pages are free (on the list or past the frontier).
kfree_count:
        la      t0, mem_size
        lw      t0, 0(t0)
        la      t1, frontier
        lw      t1, 0(t1)
        sub     a0, t0, t1
        srli    a0, a0, PAGE_SHIFT
        la      t0, nlist
        lw      t0, 0(t0)
        add     a0, a0, t0
        ret

        .data
        .align  4
msg_badfree:    .asciz "kfree: not a page the allocator gave out"
