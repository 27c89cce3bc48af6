# btdma.s - the disk's DMA writes over translated code (vmm/bt.c): the
# kernel writes block 0 of its disk from `newh`, a second version of h;
# calls h, which runs from its translation under bt; reads block 0 over
# h; and calls h again, which must now run the version the disk brought
# (7, not 5).  Halts with the two results' sum, 12.  Needs a disk of at
# least one block.

        .equ READ, 1
        .equ WRITE, 2

        .text
_start: li      a0, WRITE
        la      a2, newh
        call    dma
        call    h                       # translated: 5
        mv      s0, a0
        li      a0, READ                # h's block, over its translation
        la      a2, h
        call    dma
        call    h                       # what the disk brought: 7
        add     s0, s0, a0
        halt    s0

# dma(cmd a0, addr a2): block 0, then poll until the disk is not busy.
dma:    li      t0, 0
        out     disk.block, t0
        out     disk.addr, a2
        out     disk.cmd, a0
1:      in      t0, disk.status
        li      t1, 1                   # busy
        beq     t0, t1, 1b
        ret

        .align  512
h:      li      a0, 5
        rdsr    t2                      # patched on x86like
        ret
        .align  512
newh:   li      a0, 7
        rdsr    t2
        ret
        .align  512
