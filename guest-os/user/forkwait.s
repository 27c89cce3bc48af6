# forkwait.s - the fork/exit/wait microbenchmark.
#
#   forkwait N  ->  "forkwait N: SUM"      (default N = 200)
#
# Fork N children; child i exits at once with status i & 0xff.  The parent
# collects them all with wait and adds up the statuses (the test checks the
# sum).  Adams and Agesen ("A Comparison of Software and Hardware Techniques
# for x86 Virtualization", ASPLOS 2006) used fork/wait this way to compare
# VMMs: fork copies a whole address space, so it is page-table work - the
# hardest case for shadow page tables.
#
# The process table has room for 64 processes: when fork fails, the parent
# first collects one child, then tries again.

        .include "lib.s"

main:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8              # 0(sp): the sum, 4(sp): a status
        li      a1, 200
        call    parse_num
        mv      s0, a0                  # s0: N
        sw      zero, 0(sp)
        li      s1, 0                   # s1: i, children started
1:      beq     s1, s0, 3f
        call    fork
        beqz    a0, child
        bltz    a0, 2f
        addi    s1, s1, 1               # started child i
        j       1b
2:      addi    a0, sp, 4               # fork failed (table full): collect one
        call    wait
        bltz    a0, fail                # no child to collect: fork cannot succeed
        lw      t0, 4(sp)
        lw      t1, 0(sp)
        add     t1, t1, t0
        sw      t1, 0(sp)
        j       1b
3:      addi    a0, sp, 4               # collect the rest
        call    wait
        bltz    a0, 4f
        lw      t0, 4(sp)
        lw      t1, 0(sp)
        add     t1, t1, t0
        sw      t1, 0(sp)
        j       3b
4:      la      a0, msg_forkwait        # "forkwait N: SUM"
        call    puts
        mv      a0, s0
        call    putudec
        la      a0, msg_colon
        call    puts
        lw      a0, 0(sp)
        call    putudec
        li      a0, '\n'
        call    putc
        li      a0, 0
        j       5f
fail:   la      a0, msg_fail
        call    puts
        li      a0, 1
5:      addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

child:  andi    a0, s1, 0xff            # exit(i & 0xff), at once
        call    exit

        .data
msg_forkwait:   .asciz "forkwait "
msg_colon:      .asciz ": "
msg_fail:       .asciz "forkwait: fork failed with no child to wait for\n"
