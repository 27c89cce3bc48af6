# selfmod.s - lab 5: a kernel (supervisor mode, paging off) that rewrites
# code it has already run, as a JIT or a module loader does.  Under
# --technique bt its code runs from a translation; a store to a translated
# word must invalidate it (vmm/bt.c, guest_wrote), or the old translation
# runs on.  It
#   1. calls f (translated: li a0, 1, then a patched rdsr);
#   2. overwrites f's first word with `rdptb a0` (sw): an innocuous word
#      becomes a sensitive one, which must now be patched;
#   3. overwrites f's rdsr with `li a1, 7`, half a word at a time (sh, sh):
#      a patched word becomes an innocuous one;
#   4. calls f again: a0 must be ptb (0x5000) and a1 7 now;
# and halts with the sum of all it read (s0).  3 stores over translated
# words, but 2 invalidations: the second half-word store finds its word
# no longer translated (the first one reset it), and there is nothing to
# invalidate.

        .include "../../../guest-os/kernel/param.s"

        .equ    PTB, 0x5000

        .text
_start: li      t0, PTB
        mtcr    ptb, t0
        call    f                       # 1. translated here
        add     s0, a0, a1              # 1 + status (S)
        la      t0, f
        la      t1, new0                # 2. f's first word: rdptb a0
        lw      t1, 0(t1)
        sw      t1, 0(t0)
        la      t1, new1                # 3. f's second word: li a1, 7, in halves
        lhu     t2, 0(t1)
        sh      t2, 4(t0)
        lhu     t2, 2(t1)
        sh      t2, 6(t0)
        call    f                       # 4. the new code must run
        add     s0, s0, a0              # + PTB
        add     s0, s0, a1              # + 7
        la      t0, seen
        sw      s0, 0(t0)
        halt    s0

f:      li      a0, 1
        rdsr    a1
        ret

new0:   rdptb   a0                      # the words the stores copy over f's
new1:   li      a1, 7

        .data
seen:   .word   0
