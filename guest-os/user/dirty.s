# dirty.s - watch the hardware set the accessed and dirty bits.
#
#   dirty  ->  "dirty: after read A=1 D=0"
#              "dirty: after write A=1 D=1"
#
# One page of heap: the first load makes the kernel map it (a lazy page
# fault) with A and D clear; the load then runs again, and the hardware's
# walk sets A.  A store sets D.  pteflags shows the page-table entry as the
# kernel sees it in memory - so under a VMM this shows whether the VMM
# emulates A and D faithfully in the guest's own page tables.

        .include "lib.s"

        .equ PTE_A, 0x20
        .equ PTE_D, 0x40

main:
        push    ra
        push    s0
        li      a0, PAGE
        call    sbrk
        mv      s0, a0                  # s0: the page (the heap starts page aligned)
        lw      t0, 0(s0)               # read it
        la      a0, msg_read
        call    show
        li      t0, 1
        sw      t0, 0(s0)               # write it
        la      a0, msg_write
        call    show
        li      a0, 0
        pop     s0
        pop     ra
        ret

# show: print "dirty: after <a0> A=x D=y" for the page at s0.
show:
        push    ra
        push    s1
        push    a0
        mv      a0, s0
        call    pteflags
        mv      s1, a0                  # s1: the flags
        la      a0, msg_dirty
        call    puts
        pop     a0
        call    puts
        la      a0, msg_a
        call    puts
        srli    a0, s1, 5               # A is bit 5
        andi    a0, a0, 1
        call    putudec
        la      a0, msg_d
        call    puts
        srli    a0, s1, 6               # D is bit 6
        andi    a0, a0, 1
        call    putudec
        li      a0, '\n'
        call    putc
        pop     s1
        pop     ra
        ret

        .data
msg_dirty:      .asciz "dirty: after "
msg_read:       .asciz "read"
msg_write:      .asciz "write"
msg_a:          .asciz " A="
msg_d:          .asciz " D="
