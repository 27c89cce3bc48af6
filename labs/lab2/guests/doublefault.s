# doublefault.s - a kernel whose trap handler is not there: tvec points at
# a zero word, which is illegal.  Its syscall is delivered; the handler's
# first instruction then traps in supervisor mode, and the machine stops
# with a double fault (docs/isa.md 6) instead of trapping there forever.
# Lines: d 0x1, then nothing: the machine stops with a double fault.

        .text
_start: la      t0, nothing
        mtcr    tvec, t0
        li      a0, 'd'
        li      a1, 1
        call    show
        syscall
        li      a0, 0xbad
        halt    a0

        .include "lab2.inc"

        .data
nothing: .word  0
