# bootopt.s - the kernel's own boot options, in front of the boot string.
#
# The boot string is init's: commands separated by ';' (docs/guest-os.md,
# section 4).  A first command that is a kernel option is the kernel's, and
# init never sees it.  There is one:
#
#   nocheck     every supervisor-mode sanity check (assert_supervisor: at
#               boot and in the scheduler; the one in irq_save) believes
#               what it is told and lets the kernel run on.  For the
#               experiment of docs/guest-os.md section 13: on the x86like
#               machine under a trap-and-emulate VMM, rdsr and wrsr do not
#               trap, the checks would stop the kernel at boot, and without
#               them it runs to the end, wrong (the critical program shows
#               how).  On the bare machine, and under a VMM on pg, the checks
#               pass anyway and the option changes nothing.
#
#   --boot 'nocheck; critical 1000'     --boot nocheck   (the demo)
#
# Only the exact word counts: "nocheck 1" or "nochecks" is a command like
# any other, and init says it has no such program.

        .data
        .align  4
nocheck:        .word 0         # 1: the boot option nocheck was given
opt_nocheck:    .asciz "nocheck"

        .text

# bootarg_copy: copy the boot string at a1 to a0 (at most a2 - 1 bytes and
#   a NUL, as strncpy0), without the kernel's options in front, which it
#   records (nocheck).
#   in: a0 = the copy, a1 = the boot string, a2 = the size of the copy
#   uses t0-t2, a3.
bootarg_copy:
        mv      t2, a1                  # t2: the next byte of the boot string
1:      lbu     t0, 0(t2)               # blanks before the first command
        li      t1, ' '
        bne     t0, t1, 2f
        addi    t2, t2, 1
        j       1b
2:      la      t1, opt_nocheck         # t1: the next byte of the option's name
3:      lbu     t0, 0(t1)
        beqz    t0, 4f                  # all of the name matched
        lbu     a3, 0(t2)
        bne     t0, a3, 7f              # another command: init's, all of it
        addi    t1, t1, 1
        addi    t2, t2, 1
        j       3b
4:      lbu     t0, 0(t2)               # then only blanks up to the ';' or the end
        li      t1, ' '
        bne     t0, t1, 5f
        addi    t2, t2, 1
        j       4b
5:      beqz    t0, 6f
        li      t1, ';'
        bne     t0, t1, 7f              # "nocheck x", "nochecks": not the option
        addi    t2, t2, 1
6:      la      t0, nocheck
        li      t1, 1
        sw      t1, 0(t0)
        mv      a1, t2                  # init gets what follows
7:      j       strncpy0                # string.s; returns to our caller
