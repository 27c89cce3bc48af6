# usermem.s - the kernel touching user memory, safely.
#
# A system call's pointer arguments are user virtual addresses, chosen by
# a program that may be buggy or hostile.  The kernel never loads or stores
# through them.  It walks the process's page table in software (walk, vm.s)
# and checks what the hardware would check for a user access - inside user
# space, mapped, U set, R for reading, W for writing - then uses the
# physical address, which the kernel's identity map makes a pointer.  A
# failed check kills the process ("bad pointer ..."), never the kernel: the
# kernel itself therefore never takes a page fault.
#
# The heap is lazy (sbrk only moves the break): a heap page is made on its
# first touch, whether that touch is the program's own (a page fault,
# trap.s) or the kernel's on its behalf (here).

        .text

# heap_page: map a fresh, zero-filled page of a process's heap (lazy sbrk).
#   in:  a0 = process, a1 = an address in the page
#   out: a0 = the physical page, or 0 if memory ran out.
#   sbrk only moves the break; the page is made here, on the first touch
#   (a page fault, or a system call that reads or writes it).  Zero-filled,
#   because it may have belonged to another process a moment ago.
heap_page:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -4
        mv      s0, a0
        srli    s1, a1, PAGE_SHIFT
        slli    s1, s1, PAGE_SHIFT      # s1: the page's virtual address
        call    kzalloc
        beqz    a0, 2f
        sw      a0, 0(sp)
        lw      a0, P_PT(s0)
        mv      a1, s1
        lw      a2, 0(sp)
        li      a3, PTE_U | PTE_R | PTE_W
        call    uvm_map
        bnez    a0, 1f
        # A page-table entry changed: flush that page's TLB entry.  Here the
        # entry went from invalid to valid, and the manual says a TLB never
        # keeps a refused translation, so the flush is not strictly needed;
        # a kernel does it anyway after every single-entry change, because
        # the one time the old entry was valid (a remap, a permission taken
        # away) a stale translation is a silent, awful bug.
        .if PARAVIRT
        call    pt_sync                 # pv: the entry is written by the hypervisor
        hcall   s1, HC_FLUSH            # s1 is not 0: that page only
        .else
        tlbflushv s1
        .endif
        lw      a0, 0(sp)
        j       3f
1:      lw      a0, 0(sp)
        call    kfree
2:      li      a0, 0
3:      addi    sp, sp, 4
        pop     s1
        pop     s0
        pop     ra
        ret

# user_page: translate a user address of a process, as the kernel must
#   before touching user memory for a system call.
#   in:  a0 = process, a1 = user virtual address,
#        a2 = the PTE bits the access needs (PTE_U|PTE_R to read,
#             PTE_U|PTE_W to write)
#   out: a0 = the physical address of that byte, or 0 if the process may
#        not access it; then a1 = 0 for a bad address, 1 for an untouched
#        heap page that could not be made (out of memory).
#   An untouched heap page is made here (heap_page), just as the page
#   fault of a user access would make it.
user_page:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -4
        mv      s0, a0
        mv      s1, a1
        sw      a2, 0(sp)
        li      t0, USER_BASE           # user space only: [USER_BASE, USER_TOP)
        sub     t0, a1, t0
        li      t1, USER_TOP - USER_BASE
        bgeu    t0, t1, 3f
        lw      a0, P_PT(s0)
        li      a2, 0
        call    walk
        beqz    a0, 1f
        lw      t0, 0(a0)
        andi    t1, t0, PTE_V
        beqz    t1, 1f
        lw      t2, 0(sp)
        and     t1, t0, t2
        bne     t1, t2, 3f              # a permission is missing
        srli    t0, t0, PAGE_SHIFT
        slli    t0, t0, PAGE_SHIFT
        andi    t1, s1, PAGE - 1
        or      a0, t0, t1
        j       5f
1:      lw      t0, P_HEAP(s0)          # not mapped: in the heap?
        bltu    s1, t0, 3f
        lw      t0, P_BRK(s0)
        bgeu    s1, t0, 3f
        mv      a0, s0
        mv      a1, s1
        call    heap_page
        beqz    a0, 4f
        andi    t1, s1, PAGE - 1
        or      a0, a0, t1
        j       5f
3:      li      a0, 0
        li      a1, 0
        j       5f
4:      li      a0, 0
        li      a1, 1
5:      addi    sp, sp, 4
        pop     s1
        pop     s0
        pop     ra
        ret

# user_check: check that a process may access every byte of a user range.
#   in: a0 = process, a1 = user address, a2 = length,
#       a3 = the PTE bits needed (as for user_page)
#   Returns only if the whole range is good.  Otherwise the process is
#   killed (kill_uaccess in trap.s: "bad pointer ..." or "out of memory
#   ...") and the kernel goes on with another one.  Checking everything
#   first means a bad call has no half-done effect.
user_check:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8
        sw      a0, 0(sp)
        sw      a3, 4(sp)
        mv      s0, a1                  # s0: the address to check
        add     s1, a1, a2              # s1: the end of the range
        li      a1, 0
        bltu    s1, s0, 3f              # it wraps around: bad pointer
1:      bgeu    s0, s1, 2f
        lw      a0, 0(sp)
        mv      a1, s0
        lw      a2, 4(sp)
        call    user_page
        beqz    a0, 3f
        srli    s0, s0, PAGE_SHIFT      # on to the next page
        addi    s0, s0, 1
        slli    s0, s0, PAGE_SHIFT
        j       1b
2:      addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret
3:      mv      a0, s0                  # a1: why, from user_page
        call    kill_uaccess            # does not return

# copyin: copy a3 bytes from user address a2 of process a0 to kernel
#   address a1.  Kills the process instead of returning if the range is bad.
copyin:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8
        mv      s0, a0
        mv      s1, a1
        sw      a2, 0(sp)
        sw      a3, 4(sp)
        mv      a1, a2
        mv      a2, a3
        li      a3, PTE_U | PTE_R
        call    user_check
        lw      a0, P_PT(s0)
        lw      a1, 0(sp)
        mv      a2, s1
        lw      a3, 4(sp)
        call    uvm_read
        addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

# copyout: copy a3 bytes from kernel address a2 to user address a1 of
#   process a0.  Kills the process instead of returning if the range is bad.
copyout:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8
        mv      s0, a0
        mv      s1, a1
        sw      a2, 0(sp)
        sw      a3, 4(sp)
        lw      a2, 4(sp)               # a0, a1: process, user address
        li      a3, PTE_U | PTE_W
        call    user_check
        lw      a0, P_PT(s0)
        mv      a1, s1
        lw      a2, 0(sp)
        lw      a3, 4(sp)
        call    uvm_write
        addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

# copyinstr: copy a NUL-terminated string from user space.
#   in:  a0 = process, a1 = kernel destination, a2 = user address,
#        a3 = room at the destination (bytes, with the NUL)
#   out: a0 = the string's length, or -1 if it does not fit (the
#        destination then holds an empty string).
#   Kills the process instead of returning if the string runs into memory
#   it may not read.  The length is not known in advance, so the pages are
#   checked one at a time as the copy reaches them.
copyinstr:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -16
        sw      a0, 0(sp)               # 0(sp): process
        sw      a1, 4(sp)               # 4(sp): kernel destination
        sw      a3, 8(sp)               # 8(sp): room
        mv      s0, a2                  # s0: user address of the next byte
        li      s1, 0                   # s1: bytes copied
1:      lw      t0, 8(sp)
        bgeu    s1, t0, 4f              # no room left for this byte
        andi    t0, s0, PAGE - 1
        beqz    t0, 2f                  # a new page: translate it
        bnez    s1, 3f                  # same page as the last byte
2:      lw      a0, 0(sp)
        mv      a1, s0
        li      a2, PTE_U | PTE_R
        call    user_page
        beqz    a0, 5f
        sw      a0, 12(sp)              # 12(sp): physical address of the byte
3:      lw      t0, 12(sp)
        lbu     t1, 0(t0)
        addi    t0, t0, 1
        sw      t0, 12(sp)
        lw      t0, 4(sp)
        add     t0, t0, s1
        sb      t1, 0(t0)
        beqz    t1, 6f                  # the NUL: done
        addi    s0, s0, 1
        addi    s1, s1, 1
        j       1b
4:      lw      t0, 4(sp)               # too long
        sb      zero, 0(t0)
        li      a0, -1
        j       7f
5:      mv      a0, s0                  # a1: why, from user_page
        call    kill_uaccess            # does not return
6:      mv      a0, s1
7:      addi    sp, sp, 16
        pop     s1
        pop     s0
        pop     ra
        ret
