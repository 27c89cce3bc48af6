# console.s - kernel printing, and panic.
#
# The console is one port: `out con.data, r` prints the low byte of r
# (docs/isa.md, 8.2).  Output is always ready, so there is nothing to wait
# for.  Two layers:
#
#   putc_raw, puts_raw, puthex_raw, putdec_raw  just print.  Leaves (they
#       call nothing), so they work anywhere, even in a panic.
#   kputs, kputhex, kputdec  the same inside a critical section (irq.s), the
#       way a kernel protects a device that interrupt handlers also use.
#
# The kernel prints whole lines only from places that cannot be
# interrupted, so lines from different sources never mix.

        .text

# putc_raw: print the byte in a0.
putc_raw:
        out     con.data, a0
        ret

# puts_raw: print the NUL-terminated string at a0.   uses t0.
puts_raw:
1:      lbu     t0, 0(a0)
        beqz    t0, 2f
        out     con.data, t0
        addi    a0, a0, 1
        j       1b
2:      ret

# puthex_raw: print a0 as "0x" and 8 hex digits (0x0000002a).   uses t0-t2.
puthex_raw:
        li      t0, '0'
        out     con.data, t0
        li      t0, 'x'
        out     con.data, t0
        li      t1, 28                  # shift of the next digit, from the top
1:      srl     t0, a0, t1
        andi    t0, t0, 0xf
        li      t2, 10
        blt     t0, t2, 2f
        addi    t0, t0, 'a' - '0' - 10  # 10..15 -> 'a'..'f'
2:      addi    t0, t0, '0'
        out     con.data, t0
        addi    t1, t1, -4
        bgez    t1, 1b
        ret

# putdec_raw: print a0 as an unsigned decimal number.   uses t0-t2.
#   The digits come out lowest first, so they are stacked in a 12-byte
#   buffer on the stack and printed from the other end.
putdec_raw:
        addi    sp, sp, -12
        mv      t1, sp                  # t1: where the next digit goes
        li      t2, 10
1:      remu    t0, a0, t2
        addi    t0, t0, '0'
        sb      t0, 0(t1)
        addi    t1, t1, 1
        divu    a0, a0, t2
        bnez    a0, 1b
2:      addi    t1, t1, -1              # print them back, highest first
        lbu     t0, 0(t1)
        out     con.data, t0
        bne     t1, sp, 2b
        addi    sp, sp, 12
        ret

# kputs: print the string at a0, in a critical section.
kputs:
        la      t1, puts_raw
        j       print_locked

# kputhex: print a0 as 0x%08x, in a critical section.
kputhex:
        la      t1, puthex_raw
        j       print_locked

# kputdec: print a0 in unsigned decimal, in a critical section.
kputdec:
        la      t1, putdec_raw
        j       print_locked

# print_locked: call the printer at t1 with a0, interrupts off around it.
#   (Shared tail of kputs, kputhex and kputdec.)
print_locked:
        push    ra
        push    s0
        push    s1
        mv      s0, a0                  # the value: irq_save returns in a0
        mv      s1, t1                  # the printer: irq_save uses t0
        call    irq_save
        push    a0                      # the saved status word
        mv      a0, s0
        jalr    ra, 0(s1)
        pop     a0
        call    irq_restore
        pop     s1
        pop     s0
        pop     ra
        ret

# panic: print "kernel: panic: MESSAGE" and stop the machine with 1.
#   in: a0 = the message (without newline).  Does not return.
#   Uses the raw printers: a panic must work whatever state the kernel is in.
panic:
        mv      s0, a0
        la      a0, msg_panic
        call    puts_raw
        mv      a0, s0
        call    puts_raw
        li      a0, '\n'
        call    putc_raw
        li      t0, 1
        .if PARAVIRT
        hcall   t0, HC_HALT
        .else
        halt    t0
        .endif

        .data
        .align  4
msg_panic:      .asciz "kernel: panic: "
