# critical.s - a critical section that only interrupt-disable protects.
#
#   critical N  ->  "critical N: N updates and T timer ticks, counter C: none lost"
#                   (default N = 1000)
#
# One system call, critical(N, counts) (guest-os/kernel/critsec.s): the
# kernel updates a counter N times, each update (load, work, store) inside
# irq_save ... irq_restore, with interrupts on in between, while every
# timer tick taken in the kernel meanwhile adds one to the same counter.
# It gives back the counter C, the ticks T and how many of them came inside
# a critical section H.  With the sections really closed to interrupts,
# C = N + T and H = 0; where a tick lands inside a section its update is
# overwritten by the section's store:
#
#   "critical N: N updates and T timer ticks, counter C: L lost (H timer
#    interrupts inside a critical section)"      with L = N + T - C
#
# That happens under a trap-and-emulate VMM on x86like (docs/guest-os.md,
# section 13), where the kernel's wrsr is lost.  Exit status 0, or 1 if
# updates were lost.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        li      a1, 1000
        call    parse_num
        mv      s0, a0                  # s0: N
        la      a1, counts
        call    critical
        bltz    a0, 3f
        la      a0, msg_critical        # "critical N: N updates and T timer ticks, counter C: "
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_colon
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_updates
        call    puts
        la      t0, counts
        lw      a0, 4(t0)
        call    putudec
        la      a0, msg_ticks
        call    puts
        la      t0, counts
        lw      a0, 0(t0)
        call    putudec
        la      a0, msg_colon
        call    puts
        la      t0, counts              # lost = N + T - C
        lw      t1, 4(t0)
        add     s1, s0, t1
        lw      t1, 0(t0)
        sub     s1, s1, t1              # s1: updates lost
        lw      t1, 8(t0)
        or      t1, t1, s1
        bnez    t1, 1f
        la      a0, msg_none            # "none lost"
        call    puts
        li      a0, 0
        j       2f
1:      mv      a0, s1                  # "L lost (H timer interrupts inside ...)"
        call    putdec
        la      a0, msg_lost
        call    puts
        la      t0, counts
        lw      a0, 8(t0)
        call    putudec
        la      a0, msg_inside
        call    puts
        li      a0, 1
        j       2f
3:      la      a0, msg_bad             # N does not fit in an int
        call    puts
        li      a0, 1
2:      pop     s1
        pop     s0
        pop     ra
        ret

# critical(n, counts) -> 0, or -1 if n < 0.  Here, not in lib.s: a stub
# there would move every other program's code, and with it the pcs that
# the kernel's kill lines print.
critical:
        li      a5, SYS_CRITICAL
        syscall
        ret

        .data
msg_critical:   .asciz "critical "
msg_colon:      .asciz ": "
msg_updates:    .asciz " updates and "
msg_ticks:      .asciz " timer ticks, counter "
msg_none:       .asciz "none lost\n"
msg_lost:       .asciz " lost ("
msg_inside:     .asciz " timer interrupts inside a critical section)\n"
msg_bad:        .asciz "critical: N must be below 2^31\n"

        .bss
        .align  4
counts:         .space 12               # the counter, the ticks, those inside
