# dma.s - a hostile kernel that aims the disk's DMA everywhere: inside its
# memory, across its end, past it, at the top of the address space, and
# across a page boundary.  For each command it prints the disk's final
# status as one digit (docs/isa.md 8.3: 0 ok, 3 bad-addr), then halts
# with 0.  On the bare machine a buffer outside physical memory is refused
# with bad-addr; under the VMM it must be refused the same way, so that
# the guest can neither read nor write a byte it does not own (the VMM
# translates and bounds-checks every DMA address through the pmap).
#
# a1 holds the size of physical memory at reset (docs/isa.md 9).

        .equ READ, 1
        .equ WRITE, 2

        .text
_start: mv      s0, a1                  # memory size
        li      a0, READ                # 1. inside memory: ok
        li      a1, 0
        li      a2, 0x8000
        call    dma
        li      a0, READ                # 2. across the end of memory: refused
        li      a1, 0
        addi    a2, s0, -256
        call    dma
        li      a0, READ                # 3. just past the end: refused
        li      a1, 0
        mv      a2, s0
        call    dma
        li      a0, READ                # 4. wrapping around 2^32: refused
        li      a1, 0
        li      a2, 0xffffff00
        call    dma
        li      a0, WRITE               # 5. writing from past the end: refused
        li      a1, 1
        li      a2, 0xfffff000
        call    dma
        li      a0, READ                # 6. exactly the last 512 bytes: ok
        li      a1, 0
        addi    a2, s0, -512
        call    dma
        li      a0, WRITE               # 7. from the start of memory: ok
        li      a1, 2
        li      a2, 0
        call    dma
        li      a0, READ                # 8. across a page boundary: ok
        li      a1, 1
        li      a2, 0x8f00
        call    dma
        li      t0, '\n'
        out     con.data, t0
        li      a0, 0
        halt    a0

# dma(cmd a0, block a1, addr a2): give the command, poll until the disk
# is no longer busy, print the status digit.
dma:    out     disk.block, a1
        out     disk.addr, a2
        out     disk.cmd, a0
1:      in      t0, disk.status
        li      t1, 1                   # busy
        beq     t0, t1, 1b
        addi    t0, t0, '0'
        out     con.data, t0
        out     disk.status, zero       # acknowledge
        ret
