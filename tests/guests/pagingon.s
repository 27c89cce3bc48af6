# pagingon.s - a kernel that turns paging on with the level-1 entry for
# its own code left invalid, and a trap vector in that same unmapped
# region: the fetch right after the write of status faults, and so does
# the handler's first fetch - a double fault.  vrun must say that the
# fetch after paging was turned on faulted, and which entry refused it
# (tests/test_reports.c), the same natively and under the VMM.

        .include "../../guest-os/kernel/param.s"

        .text
_start: la      t0, handler
        mtcr    tvec, t0
        la      t0, root                # every level-1 entry 0: V clear
        mtcr    ptb, t0
        rdsr    t0
        ori     t0, t0, SR_PG
paging_on:
        mtcr    status, t0              # paging on...
        li      t0, 1                   # ...and this fetch faults
        halt    t0
handler:
        li      t0, 2
        halt    t0

        .bss
        .align  4096
root:   .space  4096
