# badptb.s - a kernel that turns paging on with its page-table base
# outside physical memory.  The walk reads a level-1 entry that does not
# exist: a bus error, at the fetch of the next instruction, and again at
# tvec - a double fault.  The VMM must stop the same way, at the same
# instruction, without touching memory it does not own.
        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      t0, 0x7ff000            # far past 1 MiB
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, 0x10
        wrsr    t0
        li      a0, 1                   # never reached
        halt    a0
trap:   li      a0, 2
        halt    a0
