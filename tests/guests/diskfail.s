# diskfail.s - a kernel that waits for the disk's completion interrupt:
# tvec set, the disk's interrupt enabled (disk.ctrl) and interrupts on, a
# write of block 4 started, then wfi until it completes.  With a disk that
# works, the handler prints "D" and halts with 0.  With a disk whose host
# file refuses the write, the machine stops when the command completes
# (docs/isa.md 8.3, EXIT_DISK_ERROR; under the VMM the VM fails): the
# interrupt that completion raised is never taken, so the guest is left
# where it waited, with no trap ever taken.
#
# With a boot argument (a letter), the timer is armed too, to fall due
# 490 + (letter - 'a') cycles after it is armed, just before the disk
# command starts: 'l' (501) makes it fall due with the completion.  The
# bare machine stops at the completion without taking it; so must the VM.

        .include "../../guest-os/kernel/param.s"

        .text
_start: la      t0, handler
        mtcr    tvec, t0
        li      t1, 0                   # no boot argument: no timer
        beqz    a0, 2f
        lbu     t1, 0(a0)
        addi    t1, t1, 490 - 'a'
2:      li      t0, DISK_CTRL_IE
        out     disk.ctrl, t0
        li      t0, 4
        out     disk.block, t0
        la      t0, buf
        out     disk.addr, t0
        li      t0, DISK_CMD_WRITE
        mtcr    timer, t1
        out     disk.cmd, t0
        rdsr    t0
        ori     t0, t0, SR_IE
        wrsr    t0
1:      wfi
        j       1b

handler:
        li      a0, 'D'
        out     con.data, a0
        li      a0, 0
        halt    a0

        .data
        .align  512
buf:    .space  512
