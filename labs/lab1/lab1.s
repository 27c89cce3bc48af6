# lab1.s - lab 1: a program and a trap handler on the bare machine
# (docs/labs/lab1.md).
#
# The program is the supervisor: nothing runs under it.  It reads its
# boot argument (vrun --boot STRING; a0 points at it at reset, docs/isa.md
# section 9), a list of words:
#
#   dec N...        print each N in decimal, one a line (print_dec)
#   collatz N...    print "collatz(N) = S", S the steps of N to 1 (collatz)
#   user [TRAP...]  at the end, drop to user mode and run the user part,
#                   which makes the traps named (illegal, misaligned,
#                   div-zero, privileged; syscall: its system calls
#                   only; none named: all of them), each handled by the
#                   trap handler and skipped
#
# With no boot argument it runs "collatz 27 user".
#
#   build/bin/vasm -o lab1.elf labs/lab1/lab1.s
#   build/bin/vrun --native --boot 'dec 0 42' lab1.elf
#   build/bin/vmon --native --boot 'user' lab1.elf
#
# Your work is in the five regions marked LAB 1 BEGIN ... LAB 1 END:
# print-dec, collatz, enter-user, trap-entry and trap-dispatch.

        .equ    CAUSE_SYSCALL, 1        # docs/isa.md section 6
        .equ    CAUSE_ILLEGAL, 3
        .equ    CAUSE_PRIVILEGED, 4
        .equ    CAUSE_MISALIGNED, 6
        .equ    CAUSE_DIV_ZERO, 7
        .equ    STATUS_S, 0x1           # docs/isa.md section 5
        .equ    STATUS_PS, 0x4

        .equ    SYS_PUTS, 1             # the system calls: number in a5
        .equ    SYS_EXIT, 2             # argument in a0

        .equ    T_ILLEGAL, 1            # the traps the user part makes
        .equ    T_MISALIGNED, 2
        .equ    T_DIV_ZERO, 4
        .equ    T_PRIVILEGED, 8
        .equ    T_ALL, 15
        .equ    T_SYSCALL, 16           # (system calls only: they always run)

        .equ    HALT_NOT_WRITTEN, 0xee  # halt values: a region still a stub,
        .equ    HALT_FATAL, 0xef        # a trap the handler cannot handle,
        .equ    HALT_BAD_BOOT, 2        # a boot argument it cannot read

        .text
        .global _start

# ---------------------------------------------------------------------
# The supervisor's main loop: one word of the boot argument at a time.
#   s0: the next byte of the boot argument
#   s1: the command the numbers are for (MODE_...)
#   0(sp): the end of the current word
# ---------------------------------------------------------------------
        .equ    MODE_NONE, 0
        .equ    MODE_DEC, 1
        .equ    MODE_COLLATZ, 2
        .equ    MODE_USER, 3

_start:
        la      sp, kstack_top
        addi    sp, sp, -4
        mv      s0, a0
        bnez    s0, 1f
        la      s0, default_boot        # no boot argument
1:      li      s1, MODE_NONE

next_word:
        mv      a0, s0
        call    skip_spaces
        mv      s0, a0
        lbu     t0, 0(s0)
        beqz    t0, words_done
        call    word_end
        sw      a0, 0(sp)

        li      s1, MODE_DEC            # a command word?
        la      a2, w_dec
        call    this_word_is
        bnez    a0, advance
        li      s1, MODE_COLLATZ
        la      a2, w_collatz
        call    this_word_is
        bnez    a0, advance
        li      s1, MODE_USER
        la      a2, w_user
        call    this_word_is
        beqz    a0, 1f
        la      t0, want_user
        li      t1, 1
        sw      t1, 0(t0)
        j       advance

1:      la      t0, mode                # no: the argument of the last command
        lw      s1, 0(t0)
        li      t0, MODE_USER
        beq     s1, t0, trap_word
        mv      a0, s0
        lw      a1, 0(sp)
        call    parse_dec
        beqz    a1, bad_word
        li      t0, MODE_DEC
        beq     s1, t0, do_dec
        li      t0, MODE_COLLATZ
        beq     s1, t0, do_collatz
        j       bad_word                # a number before any command

advance:
        la      t0, mode
        sw      s1, 0(t0)
        lw      s0, 0(sp)
        j       next_word

words_done:
        la      t0, want_user
        lw      t0, 0(t0)
        beqz    t0, 2f
        la      t0, user_traps          # "user" alone: every trap
        lw      t1, 0(t0)
        bnez    t1, 1f
        li      t1, T_ALL
        sw      t1, 0(t0)
1:      j       enter_user
2:      li      a0, 0
        halt    a0

# this_word_is(a2 = a string) -> a0: whether the current word is it.
this_word_is:
        mv      a0, s0
        lw      a1, 0(sp)
        j       word_is

# A trap's name after "user": add it to user_traps.
trap_word:
        la      s1, trap_names          # s1: the next (name, bit) pair
1:      lw      a2, 0(s1)
        beqz    a2, bad_word
        call    this_word_is
        bnez    a0, 2f
        addi    s1, s1, 8
        j       1b
2:      lw      t1, 4(s1)
        la      t0, user_traps
        lw      t2, 0(t0)
        or      t2, t2, t1
        sw      t2, 0(t0)
        li      s1, MODE_USER
        j       advance

bad_word:
        la      a0, m_bad_word
        call    puts
        mv      a0, s0
        lw      t0, 0(sp)
        sb      zero, 0(t0)             # cut the boot argument after the word
        call    puts
        la      a0, m_bad_word2
        call    puts
        li      a0, HALT_BAD_BOOT
        halt    a0

# dec N: print N in decimal.
do_dec:
        call    print_dec
        li      a0, '\n'
        call    putc
        j       advance

# collatz N: print "collatz(N) = S".  The steps are worked out first, so
# that collatz runs even while print_dec is not written yet.
do_collatz:
        beqz    a0, 1f                  # collatz(0) never reaches 1
        addi    sp, sp, -8
        sw      a0, 0(sp)               # 0(sp): N, 4(sp): its steps
        call    collatz
        sw      a0, 4(sp)
        la      a0, m_collatz
        call    puts
        lw      a0, 0(sp)
        call    print_dec
        la      a0, m_collatz2
        call    puts
        lw      a0, 4(sp)
        call    print_dec
        li      a0, '\n'
        call    putc
        addi    sp, sp, 8
        j       advance
1:      la      a0, m_collatz0
        call    puts
        j       advance

# not_written(a0 = a message): a region is still its stub.  Say which,
# and stop.
not_written:
        call    puts
        li      a0, HALT_NOT_WRITTEN
        halt    a0

# ---------------------------------------------------------------------
# print_dec(a0): print a0, an unsigned number, in decimal: 0, 7, 42,
# 4294967295 (no sign, no leading zeros, no newline).
# ---------------------------------------------------------------------
print_dec:
; LAB 1 BEGIN print-dec: print a0 in decimal, as an unsigned number.
; The digits come out of the number last first: n remu 10 is the last
; digit, n divu 10 the rest.  Keep them in a buffer on the stack (10
; digits at most: 4294967295), then print them first to last with
; `out con.data, REG` (docs/isa.md 8.2).  0 prints "0".  Use divu and
; remu, not div and rem: 0xffffffff is 4294967295 here, not -1.  A leaf
; routine: use only t0-t2 and a0-a5, and put sp back before ret.
; Tests: print-dec (vrun --native --boot 'dec 0 7 4294967295' ...).
        addi    sp, sp, -12             # room for 10 digits, sp stays a multiple of 4
        addi    t0, sp, 12              # t0: the first digit so far
        li      t1, 10
1:      remu    t2, a0, t1
        divu    a0, a0, t1
        addi    t2, t2, '0'
        addi    t0, t0, -1
        sb      t2, 0(t0)
        bnez    a0, 1b                  # test after the digit: 0 prints "0"
        addi    t1, sp, 12              # t1: past the last digit
2:      lbu     t2, 0(t0)
        out     con.data, t2
        addi    t0, t0, 1
        bne     t0, t1, 2b
        addi    sp, sp, 12
        ret
; LAB 1 STUB
;         la      a0, nyi_print_dec
;         j       not_written
; LAB 1 END

# ---------------------------------------------------------------------
# collatz(a0 = n, at least 1) -> a0: the number of steps the Collatz
# rule takes from n to 1 (n even: n / 2; n odd: 3n + 1).
# ---------------------------------------------------------------------
collatz:
; LAB 1 BEGIN collatz: return in a0 the number of steps from n (in a0) to 1.
; A step makes n even into n / 2 and n odd into 3n + 1; collatz(1) is 0,
; collatz(6) is 8 (6 3 10 5 16 8 4 2 1), collatz(27) is 111.  Arithmetic
; is on 32 bits (unsigned: srli, not srai); the tests only give numbers
; that stay below 2^32.  A leaf routine: use only t0-t2 and a0-a5.
; Tests: collatz (it stops at collatz's ret and reads a0, for several n).
        li      t0, 0                   # t0: the steps so far
        li      t1, 1
1:      beq     a0, t1, 3f
        andi    t2, a0, 1
        bnez    t2, 2f
        srli    a0, a0, 1               # even: n / 2
        addi    t0, t0, 1
        j       1b
2:      slli    t2, a0, 1               # odd: 3n + 1
        add     a0, a0, t2
        addi    a0, a0, 1
        addi    t0, t0, 1
        j       1b
3:      mv      a0, t0
        ret
; LAB 1 STUB
;         la      a0, nyi_collatz
;         j       not_written
; LAB 1 END

# ---------------------------------------------------------------------
# enter_user: leave supervisor mode for the user part, at user_main.
# ---------------------------------------------------------------------
enter_user:
; LAB 1 BEGIN enter-user: install the trap handler, then drop to user mode.
; 1. Put the address of `trap` in tvec (mtcr), so that the user part's
;    traps come to your handler (docs/isa.md 6: a trap jumps to tvec).
; 2. The only way down to user mode is rfe: it sets S = PS and jumps to
;    epc (docs/isa.md 4, "System instructions").  So put user_main in epc,
;    clear PS (bit 2 of status) and leave S set (read status with mfcr,
;    andi, mtcr), then rfe.  user_main sets its own sp.
; Tests: enter-user (it stops at user_main and reads status and tvec).
        la      t0, trap
        mtcr    tvec, t0
        la      t0, user_main
        mtcr    epc, t0
        mfcr    t0, status
        andi    t0, t0, 0xffff - STATUS_PS
        mtcr    status, t0
        rfe
; LAB 1 STUB
;         la      a0, nyi_enter_user
;         j       not_written
; LAB 1 END

# ---------------------------------------------------------------------
# trap: the trap handler; tvec points here.  The hardware has set epc,
# cause, badaddr and status (S = 1, PS = the mode the trap came from) and
# jumped here, with every general register still the user part's.
# ---------------------------------------------------------------------
trap:
; LAB 1 BEGIN trap-entry: save the user's registers, call handle_trap, restore them, rfe.
; The user part must find every register as it left it (the tests compare
; all fifteen before and after each trap).  So:
; 1. Keep the user's sp in the control register scratch (mtcr scratch, sp)
;    and switch to the kernel's stack: la sp, kstack_top.
; 2. push the registers handle_trap may change: by the calling convention
;    (docs/assembler.md 7) ra, t0-t2 and a0-a5.  (s0, s1, gp and tp are
;    kept by the routines themselves.)
; 3. call handle_trap; a0 and a5 still hold the user's values: a system
;    call's argument and number.
; 4. pop the same registers in the opposite order, take the user's sp
;    back from scratch (mfcr), and rfe: it returns to the mode in PS, at
;    epc, which handle_trap has set.
; Tests: registers (all of them), and every trap test.
        mtcr    scratch, sp             # the user's sp waits in scratch
        la      sp, kstack_top
        push    ra
        push    t0
        push    t1
        push    t2
        push    a0
        push    a1
        push    a2
        push    a3
        push    a4
        push    a5
        call    handle_trap
        pop     a5
        pop     a4
        pop     a3
        pop     a2
        pop     a1
        pop     a0
        pop     t2
        pop     t1
        pop     t0
        pop     ra
        mfcr    sp, scratch
        rfe
; LAB 1 STUB
;         la      a0, nyi_trap_entry
;         j       not_written
; LAB 1 END

# ---------------------------------------------------------------------
# handle_trap: deal with one trap, called by trap with a0 and a5 the
# user's.  When it returns, epc is where the user part goes on.
# ---------------------------------------------------------------------
handle_trap:
        push    ra
; LAB 1 BEGIN trap-dispatch: find out what the trap was, deal with it, and move epc past it.
; 1. The cause code is the low byte of cause (mfcr, andi 0xff): the bits
;    above it are details (0x800 USER, ...: docs/isa.md 6, "Detail bits").
; 2. CAUSE_SYSCALL: call do_syscall (a0 and a5 are still the user's).
;    CAUSE_ILLEGAL, CAUSE_MISALIGNED, CAUSE_DIV_ZERO, CAUSE_PRIVILEGED:
;    call report_trap with a0 = the string that names it (what_illegal,
;    what_misaligned, what_div_zero, what_privileged).  Any other cause:
;    j trap_fatal with a0 = what_unexpected (it prints and halts).
; 3. For all of these, epc holds the instruction that trapped (docs/isa.md
;    6, the table of causes): add 4 to epc (mfcr, addi, mtcr), or rfe
;    runs the same instruction, and traps, again and again.
; Tests: syscall, trap-illegal, trap-misaligned, trap-div-zero, trap-privileged.
        mfcr    t0, cause
        andi    t0, t0, 0xff            # the code; the bits above are details
        li      t1, CAUSE_SYSCALL
        bne     t0, t1, 1f
        call    do_syscall
        j       2f
1:      la      a0, what_illegal
        li      t1, CAUSE_ILLEGAL
        beq     t0, t1, 3f
        la      a0, what_misaligned
        li      t1, CAUSE_MISALIGNED
        beq     t0, t1, 3f
        la      a0, what_div_zero
        li      t1, CAUSE_DIV_ZERO
        beq     t0, t1, 3f
        la      a0, what_privileged
        li      t1, CAUSE_PRIVILEGED
        beq     t0, t1, 3f
        la      a0, what_unexpected
        j       trap_fatal
3:      call    report_trap
2:      mfcr    t0, epc                 # past the instruction that trapped
        addi    t0, t0, 4
        mtcr    epc, t0
; LAB 1 STUB
;         la      a0, nyi_trap_dispatch
;         j       not_written
; LAB 1 END
        pop     ra
        ret

# do_syscall(a0 = argument, a5 = number): the system calls.
#   SYS_PUTS: print the string at a0.   SYS_EXIT: halt with a0.
do_syscall:
        li      t0, SYS_PUTS
        beq     a5, t0, puts            # puts returns to our caller
        li      t0, SYS_EXIT
        beq     a5, t0, 1f
        la      a0, what_bad_syscall
        j       trap_fatal
1:      mv      s0, a0                  # never returns: s0 needs no saving
        la      a0, m_exit
        call    puts
        mv      a0, s0
        call    print_hex
        li      a0, '\n'
        call    putc
        halt    s0

# report_trap(a0 = what it was): print "trap: WHAT at EPC (badaddr
# BADADDR), skipped".
report_trap:
        push    ra
        call    trap_line
        la      a0, m_skipped
        call    puts
        pop     ra
        ret

# trap_fatal(a0 = what it was): print the trap with its cause, and halt.
trap_fatal:
        call    trap_line
        la      a0, m_cause
        call    puts
        mfcr    a0, cause
        call    print_hex
        la      a0, m_fatal
        call    puts
        li      a0, HALT_FATAL
        halt    a0

# trap_line(a0 = what): "trap: WHAT at EPC (badaddr BADADDR)".
trap_line:
        push    ra
        push    a0
        la      a0, m_trap
        call    puts
        pop     a0
        call    puts
        la      a0, m_at
        call    puts
        mfcr    a0, epc
        call    print_hex
        la      a0, m_badaddr
        call    puts
        mfcr    a0, badaddr
        call    print_hex
        li      a0, ')'
        call    putc
        pop     ra
        ret

        .include "lib.s"

# ---------------------------------------------------------------------
# The user part: runs in user mode, from user_main.  Paging is off, so it
# could read any memory (it reads user_traps); lab 3's paging stops that.
# Before each trap it sets every register to a pattern (u_fill), so that a
# register the handler changes shows.
# ---------------------------------------------------------------------
        .text
user_main:
        la      sp, ustack_top
        call    u_fill
        la      a0, u_hello
        li      a5, SYS_PUTS
u_syscall:
        syscall                         # "user: hello from user mode"

        li      a0, T_ILLEGAL
        call    u_wanted
        beqz    a0, 1f
        call    u_fill
u_illegal:
        .word   0xff000000              # opcode 0xff: no such instruction
1:      li      a0, T_MISALIGNED
        call    u_wanted
        beqz    a0, 1f
        call    u_fill
u_misaligned:
        lw      t0, 0x1ab1(zero)        # a word load from an odd address
1:      li      a0, T_DIV_ZERO
        call    u_wanted
        beqz    a0, 1f
        call    u_fill
u_div_zero:
        div     t0, t1, zero
1:      li      a0, T_PRIVILEGED
        call    u_wanted
        beqz    a0, 1f
        call    u_fill
u_privileged:
        halt    zero                    # in user mode: a privileged trap
1:      call    u_fill
        la      a0, u_bye
        li      a5, SYS_PUTS
        syscall                         # "user: back from every trap"
        li      a0, 0
        li      a5, SYS_EXIT
u_exit: syscall
        break                           # SYS_EXIT does not return

# u_wanted(a0 = a T_ bit) -> a0: non-zero if the boot argument asked for
# that trap.
u_wanted:
        la      t0, user_traps
        lw      t0, 0(t0)
        and     a0, a0, t0
        ret

# u_fill: every register but zero, ra and sp to a pattern: r3 = 0x1ab10303
# ... r15 = 0x1ab10f0f.
u_fill:
        li      gp, 0x1ab10303
        li      tp, 0x1ab10404
        li      t0, 0x1ab10505
        li      t1, 0x1ab10606
        li      t2, 0x1ab10707
        li      s0, 0x1ab10808
        li      s1, 0x1ab10909
        li      a0, 0x1ab10a0a
        li      a1, 0x1ab10b0b
        li      a2, 0x1ab10c0c
        li      a3, 0x1ab10d0d
        li      a4, 0x1ab10e0e
        li      a5, 0x1ab10f0f
        ret

        .data
default_boot:   .asciz  "collatz 27 user"
w_dec:          .asciz  "dec"
w_collatz:      .asciz  "collatz"
w_user:         .asciz  "user"
n_illegal:      .asciz  "illegal"
n_misaligned:   .asciz  "misaligned"
n_div_zero:     .asciz  "div-zero"
n_privileged:   .asciz  "privileged"
n_syscall:      .asciz  "syscall"
m_bad_word:     .asciz  "lab1: cannot read '"
m_bad_word2:    .asciz  "' in the boot argument (dec N..., collatz N..., user [illegal misaligned div-zero privileged syscall])\n"
m_collatz:      .asciz  "collatz("
m_collatz2:     .asciz  ") = "
m_collatz0:     .asciz  "collatz(0): never reaches 1\n"
m_exit:         .asciz  "lab1: the user part exited with "
m_trap:         .asciz  "trap: "
m_at:           .asciz  " at "
m_badaddr:      .asciz  " (badaddr "
m_skipped:      .asciz  ", skipped\n"
m_cause:        .asciz  ", cause "
m_fatal:        .asciz  ": cannot go on\n"
what_illegal:   .asciz  "illegal instruction"
what_misaligned: .asciz "misaligned access"
what_div_zero:  .asciz  "division by zero"
what_privileged: .asciz "privileged instruction"
what_unexpected: .asciz "unexpected trap"
what_bad_syscall: .asciz "unknown system call"
u_hello:        .asciz  "user: hello from user mode\n"
u_bye:          .asciz  "user: back from every trap\n"
nyi_print_dec:  .asciz  "lab 1: print_dec is not written yet (labs/lab1/lab1.s, region print-dec)\n"
nyi_collatz:    .asciz  "lab 1: collatz is not written yet (labs/lab1/lab1.s, region collatz)\n"
nyi_enter_user: .asciz  "lab 1: enter_user is not written yet (labs/lab1/lab1.s, region enter-user)\n"
nyi_trap_entry: .asciz  "lab 1: the trap handler's entry is not written yet (labs/lab1/lab1.s, region trap-entry)\n"
nyi_trap_dispatch: .asciz "lab 1: handle_trap is not written yet (labs/lab1/lab1.s, region trap-dispatch)\n"

        .align  4
trap_names:                             # (name, T_ bit) pairs, then 0
        .word   n_illegal, T_ILLEGAL
        .word   n_misaligned, T_MISALIGNED
        .word   n_div_zero, T_DIV_ZERO
        .word   n_privileged, T_PRIVILEGED
        .word   n_syscall, T_SYSCALL
        .word   0
mode:           .word   MODE_NONE       # the command the next numbers are for
want_user:      .word   0               # 1: "user" was in the boot argument
user_traps:     .word   0               # the T_ bits of the traps the user part makes

        .bss
        .align  4
        .space  1024
kstack_top:                             # the kernel's stack: _start's, then the handler's
        .space  1024
ustack_top:                             # the user part's stack
