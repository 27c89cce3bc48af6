# irq.s - a kernel that checks it runs in supervisor mode, then opens a
# critical section the way real kernels do (rdsr, set IE, wrsr), waits for
# a timer interrupt, and closes it again.  On the bare machine and under a
# trap-and-emulate VMM on the pg ISA it prints "S tick" and halts with 0.
# On the x86like ISA under the VMM, rdsr runs unprivileged and shows the
# real mode: the kernel sees it is not in supervisor mode.

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        rdsr    t0
        andi    t1, t0, 1               # S
        bnez    t1, 1f
        la      a0, msg_user
        call    puts
        li      a0, 1
        halt    a0
1:      la      a0, msg_sup
        call    puts
        li      t0, 500
        mtcr    timer, t0
        rdsr    s1                      # irq_save: keep the old word
        ori     t0, s1, 2               # IE on
        wrsr    t0
        li      s0, 0
2:      addi    s0, s0, 1               # spin until the handler counts a tick
        la      t0, ticks
        lw      t1, 0(t0)
        beqz    t1, 2b
        wrsr    s1                      # irq_restore
        la      a0, msg_tick
        call    puts
        li      a0, 0
        halt    a0

trap:   la      t0, ticks
        li      t1, 1
        sw      t1, 0(t0)
        mtcr    timer, zero             # acknowledge and disarm
        rfe

puts:   lbu     t0, 0(a0)
        beqz    t0, 3f
        out     con.data, t0
        addi    a0, a0, 1
        j       puts
3:      ret

        .data
ticks:  .word   0
msg_user: .asciz "not in supervisor mode\n"
msg_sup:  .asciz "S"
msg_tick: .asciz " tick\n"
