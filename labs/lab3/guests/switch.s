# switch.s - lab 3: a process switch.  Two address spaces, root and root2,
# share the kernel's identity map; in `root` WIN maps pg_a, in `root2` it
# maps pg_b (through win2).  The guest switches ptb back and forth ROUNDS
# times, each time loading WIN and storing to it, so each space sees and
# changes its own page.  It halts with the sum of the words it loaded.
        .include "lab3.inc"
        .equ    ROUNDS, 40
setup:  la      t1, win
        la      t0, pg_a
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)
        la      t1, win2
        la      t0, pg_b
        ori     t0, t0, PTE_V | PTE_R | PTE_W
        sw      t0, 0(t1)
        la      t1, root2                       # root2[0] = ident, root2[1] = win2
        la      t0, ident
        ori     t0, t0, PTE_V
        sw      t0, 0(t1)
        la      t0, win2
        ori     t0, t0, PTE_V
        sw      t0, 4(t1)
        call    paging_on
        li      s0, WIN
        li      s1, 0
        li      a2, ROUNDS
        la      a3, root
        la      a4, root2
1:      mtcr    ptb, a4
        lw      t0, 0(s0)
        add     s1, s1, t0
        addi    t0, t0, 3
        sw      t0, 0(s0)
        mtcr    ptb, a3
        lw      t0, 0(s0)
        add     s1, s1, t0
        addi    t0, t0, 5
        sw      t0, 0(s0)
        addi    a2, a2, -1
        bnez    a2, 1b
        mv      a0, s1
        halt    a0
        .include "lab3data.inc"
