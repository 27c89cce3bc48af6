# conwait.s - a kernel that reads its console input in the three ways that
# make the console ask its host for a byte (docs/isa.md section 8.2), for
# the tests of a host that answers "not yet" (CONSOLE_AGAIN, machine.h):
#
#   P  poll con.status until a byte is ready, then take it from con.data,
#      up to a newline;
#   D  read con.data, up to a newline;
#   W  sleep in wfi with the input interrupt on; the handler takes each
#      byte, up to a '.'.
#
# Each byte is echoed, and as it is taken the cycles left on the timer,
# armed at the start for later than all that, are added up in gp: a run
# where time passed while the host said "not yet" ends with another gp.
# Then one last wfi, with the input ended: the CPU idles until the timer
# fires, and the handler prints T.  The kernel halts with the sum of the
# bytes it read.
#
# With the input "ab\ncd\nef." it prints "Pab\nDcd\nWef.T\n".

        .equ    CON_RX, 1
        .equ    CON_EOF, 2
        .equ    CON_RXIE, 1
        .equ    CAUSE_TIMER, 16
        .equ    CAUSE_CONSOLE, 17
        .equ    SR_S_IE, 3
        .equ    LATER, 2000             # cycles: well after the W bytes are in

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      s0, 0                   # s0: the sum of the bytes read
        li      gp, 0                   # gp: the sum of the timer's readings
        li      t0, LATER
        mtcr    timer, t0

        li      a0, 'P'
        out     con.data, a0
poll:   in      t0, con.status
        andi    t1, t0, CON_EOF
        bnez    t1, end
        andi    t1, t0, CON_RX
        beqz    t1, poll
        in      a0, con.data
        call    take
        li      t1, '\n'
        bne     a0, t1, poll

        li      a0, 'D'
        out     con.data, a0
direct: in      a0, con.data
        li      t1, -1
        beq     a0, t1, end
        call    take
        li      t1, '\n'
        bne     a0, t1, direct

        li      a0, 'W'
        out     con.data, a0
        li      t0, CON_RXIE
        out     con.ctrl, t0
        li      s1, 0                   # s1: the byte the handler took last
        li      t0, SR_S_IE
        wrsr    t0
sleep:  wfi                             # the console interrupt is taken after it
        li      t1, '.'
        bne     s1, t1, sleep

        wfi                             # no input left: idle until the timer
end:    li      t0, 1                   # S, interrupts off
        wrsr    t0
        in      t0, con.data            # -1: the input has ended
        li      t1, -1
        bne     t0, t1, bad
        li      a0, '\n'
        out     con.data, a0
        halt    s0

take:   out     con.data, a0
        add     s0, s0, a0
        mfcr    t0, timer
        add     gp, gp, t0
        ret

# The handler: a console byte (echoed, summed, left in s1) or the timer
# (disarmed, T).  It uses only registers the code above does not hold
# across an instruction that may be interrupted.
trap:   mfcr    a4, cause
        li      a5, CAUSE_CONSOLE
        bne     a4, a5, 1f
        in      s1, con.data
        out     con.data, s1
        add     s0, s0, s1
        mfcr    a5, timer
        add     gp, gp, a5
        rfe
1:      li      a5, CAUSE_TIMER
        bne     a4, a5, bad
        mtcr    timer, zero
        li      a5, 'T'
        out     con.data, a5
        rfe

bad:    li      a0, -1
        halt    a0
