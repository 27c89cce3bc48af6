# lib.s - what every user program includes first: the start-up code, the
# system-call stubs, buffered printing and number parsing.
#
#   .include "lib.s"     then define main: a0 = the argument string,
#                        return the exit status in a0
#
# Programs are linked at USER_BASE, 0x40000000 (the .org below), where the
# kernel's exec maps them; the kernel starts them at _start with sp at the
# top of the stack and a0 pointing to the argument string (on the stack).
# Calling convention: docs/assembler.md, section 7.

# System-call numbers: the kernel includes the same file.
        .include "../syscall-numbers.s"

        .equ PAGE,          4096
        .equ OUTBUF_SIZE,   128

        .text
        .org    0x40000000
        .global _start
_start:
        call    main                    # a0: the argument
        call    exit                    # with main's result; does not return

# ---- system calls: number in a5, arguments in a0.., result in a0 ----------------

# exit(status): flush what is buffered for the console, and end.
exit:
        push    a0
        call    flush
        pop     a0
        li      a5, SYS_EXIT
        syscall                         # does not return

write:                                  # write(buf, len) -> len or -1
        li      a5, SYS_WRITE
        syscall
        ret
read:                                   # read(buf, len) -> bytes, 0 at end of input
        li      a5, SYS_READ
        syscall
        ret
getpid:                                 # getpid() -> pid
        li      a5, SYS_GETPID
        syscall
        ret
yield:                                  # yield() -> 0
        li      a5, SYS_YIELD
        syscall
        ret
sbrk:                                   # sbrk(bytes) -> old break, or -1
        li      a5, SYS_SBRK
        syscall
        ret
fork:                                   # fork() -> child pid / 0 in the child / -1
        li      a5, SYS_FORK
        syscall
        ret
wait:                                   # wait(&status or 0) -> pid, or -1 if no children
        li      a5, SYS_WAIT
        syscall
        ret
exec:                                   # exec(name, arg) -> only returns -1
        li      a5, SYS_EXEC
        syscall
        ret
diskwrite:                              # diskwrite(block, buf) -> 0 or -1
        li      a5, SYS_DISKWRITE
        syscall
        ret
diskread:                               # diskread(block, buf) -> 0 or -1
        li      a5, SYS_DISKREAD
        syscall
        ret
pteflags:                               # pteflags(va) -> low 12 bits of its PTE, or -1
        li      a5, SYS_PTEFLAGS
        syscall
        ret

# ---- printing ------------------------------------------------------------------
#
# Output is collected in a buffer and written with one system call per
# line (or per OUTBUF_SIZE bytes).  The kernel prints each write whole, so
# the lines of programs running at the same time never mix.

# putc: print the byte in a0.   uses t0-t2.
putc:
        la      t0, outlen
        lw      t1, 0(t0)
        la      t2, outbuf
        add     t2, t2, t1
        sb      a0, 0(t2)
        addi    t1, t1, 1
        sw      t1, 0(t0)
        li      t2, '\n'
        beq     a0, t2, flush           # a whole line: out it goes
        li      t2, OUTBUF_SIZE
        beq     t1, t2, flush           # full
        ret

# flush: write out what is buffered.
flush:
        la      t0, outlen
        lw      a1, 0(t0)
        beqz    a1, 1f
        sw      zero, 0(t0)
        la      a0, outbuf
        li      a5, SYS_WRITE
        syscall
1:      ret

# puts: print the NUL-terminated string at a0.
puts:
        push    ra
        push    s0
        mv      s0, a0
1:      lbu     a0, 0(s0)
        beqz    a0, 2f
        call    putc
        addi    s0, s0, 1
        j       1b
2:      pop     s0
        pop     ra
        ret

# putdec: print a0 as a signed decimal number.
putdec:
        bgez    a0, putudec
        push    ra
        push    a0
        li      a0, '-'
        call    putc
        pop     a0
        pop     ra
        neg     a0, a0                  # -0x80000000 is itself: printed unsigned, right
        j       putudec

# putudec: print a0 as an unsigned decimal number.
#   The digits come out lowest first: stack them, then print them back.
putudec:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -12
        mv      s0, sp                  # s0: where the next digit goes
        li      s1, 10
1:      remu    t0, a0, s1
        addi    t0, t0, '0'
        sb      t0, 0(s0)
        addi    s0, s0, 1
        divu    a0, a0, s1
        bnez    a0, 1b
2:      addi    s0, s0, -1
        lbu     a0, 0(s0)
        call    putc
        bne     s0, sp, 2b
        addi    sp, sp, 12
        pop     s1
        pop     s0
        pop     ra
        ret

# puthex: print a0 as "0x" and 8 hex digits.
puthex:
        push    ra
        push    s0
        push    s1
        mv      s0, a0
        li      a0, '0'
        call    putc
        li      a0, 'x'
        call    putc
        li      s1, 28                  # shift of the next digit
1:      srl     a0, s0, s1
        andi    a0, a0, 0xf
        li      t0, 10
        blt     a0, t0, 2f
        addi    a0, a0, 'a' - '0' - 10
2:      addi    a0, a0, '0'
        call    putc
        addi    s1, s1, -4
        bgez    s1, 1b
        pop     s1
        pop     s0
        pop     ra
        ret

# ---- strings and numbers -------------------------------------------------------------

# parse_num: the decimal number at the start of the string a0 (after any
#   spaces), or a1 if there is none.
#   out: a0 = the number (unsigned, wrapping if absurdly long)
parse_num:
1:      lbu     t0, 0(a0)
        li      t1, ' '
        bne     t0, t1, 2f
        addi    a0, a0, 1
        j       1b
2:      addi    t0, t0, -'0'
        li      t1, 10
        bgeu    t0, t1, 4f              # not a digit: the default
        li      t2, 0                   # t2: the value
3:      lbu     t0, 0(a0)
        addi    t0, t0, -'0'
        bgeu    t0, t1, 5f
        mul     t2, t2, t1
        add     t2, t2, t0
        addi    a0, a0, 1
        j       3b
4:      mv      a0, a1
        ret
5:      mv      a0, t2
        ret

# strlen: a0 = the length of the string at a0.
strlen:
        mv      t0, a0
1:      lbu     t1, 0(t0)
        beqz    t1, 2f
        addi    t0, t0, 1
        j       1b
2:      sub     a0, t0, a0
        ret

        .data
outlen:         .word 0                 # bytes in outbuf
        .bss
outbuf:         .space OUTBUF_SIZE

        .text                           # back to code for the program that includes us
