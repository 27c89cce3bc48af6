# disk.s - the disk driver, and the diskread/diskwrite system calls.
#
# The disk moves 512-byte blocks by DMA (docs/isa.md 8.3): give it a block
# number, a PHYSICAL buffer address and a command; 500 cycles later the
# data has moved and the disk interrupt is raised.  The device does not go
# through the MMU, so it cannot be given a user address (the user's buffer
# may cross a page boundary onto a frame anywhere).  The driver therefore
# transfers through one kernel buffer, disk_buf, whose virtual address is
# its physical address (identity map), and copies to or from the user.
#
# One command at a time.  The process that issued it sleeps; the interrupt
# handler finishes its system call for it (copies the data out, stores the
# result in its a0, makes it runnable).  Another process that wants the
# disk meanwhile sleeps until it is free, and then retries its call.

        .data
        .align  4
disk_size:      .word 0         # blocks on the disk (0: no disk)
disk_owner:     .word 0         # the process whose command is in progress, or 0
disk_cmd:       .word 0         # DISK_CMD_READ or DISK_CMD_WRITE
disk_ubuf:      .word 0         # the owner's buffer (user address), for a read

        .bss
        .align  DISK_BLOCK_SIZE
disk_buf:       .space DISK_BLOCK_SIZE

        .text

# disk_init: find out the disk's size; turn on its completion interrupt.
disk_init:
        in      t0, disk.size
        la      t1, disk_size
        sw      t0, 0(t1)
        beqz    t0, 1f
        li      t0, DISK_CTRL_IE
        out     disk.ctrl, t0
1:      ret

# sys_diskwrite(block, buf): write the 512 bytes at buf to the block.
# sys_diskread(block, buf): read the block into the 512 bytes at buf.
#   out: 0, or -1 if there is no disk or the block is past its end.
#   A bad buffer kills the caller.  The caller sleeps until the disk
#   interrupt (disk_intr), which sets the result.
sys_diskwrite:
        li      a2, DISK_CMD_WRITE
        j       disk_rw
sys_diskread:
        li      a2, DISK_CMD_READ
        j       disk_rw

# disk_rw: the common part.  a0 = block, a1 = user buffer, a2 = command.
disk_rw:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -8
        sw      a0, 0(sp)               # 0(sp): block
        sw      a2, 4(sp)               # 4(sp): command
        mv      s1, a1                  # s1: buffer
        la      t0, current
        lw      s0, 0(t0)               # s0: the caller
        la      t0, disk_size
        lw      t0, 0(t0)
        bgeu    a0, t0, 3f              # no disk (size 0), or past the end
        la      t0, disk_owner
        lw      t0, 0(t0)
        beqz    t0, 1f
        la      a0, disk_owner          # busy: sleep until it is free, then
        call    sleep                   # run the system call again
        la      t0, syscall_pc
        lw      t0, 0(t0)
        sw      t0, TF_PC(s0)
        j       4f
1:      li      t0, DISK_CMD_WRITE
        lw      t1, 4(sp)
        bne     t1, t0, 2f
        mv      a0, s0                  # a write: the data into the DMA buffer
        la      a1, disk_buf
        mv      a2, s1
        li      a3, DISK_BLOCK_SIZE
        call    copyin
        j       5f
2:      mv      a0, s0                  # a read: check the buffer now, while the
        mv      a1, s1                  # caller can still be told (killed)
        li      a2, DISK_BLOCK_SIZE
        li      a3, PTE_U | PTE_W
        call    user_check
5:      la      t0, disk_owner          # start the command
        sw      s0, 0(t0)
        lw      t1, 4(sp)
        la      t0, disk_cmd
        sw      t1, 0(t0)
        la      t0, disk_ubuf
        sw      s1, 0(t0)
        lw      t0, 0(sp)
        out     disk.block, t0
        la      t0, disk_buf            # virtual = physical in the kernel
        out     disk.addr, t0
        out     disk.cmd, t1
        la      a0, disk_buf            # sleep until disk_intr
        call    sleep
        j       4f
3:      li      a0, -1
4:      addi    sp, sp, 8
        pop     s1
        pop     s0
        pop     ra
        ret

# disk_intr: the disk finished a command.  Called from trap.s.
#   Acknowledge the interrupt, finish the owner's system call (for a read,
#   copy the block to its buffer, which was checked when it asked; it has
#   been asleep since, so its memory has not changed), and wake whoever
#   waits for the disk.
disk_intr:
        push    ra
        push    s0
        push    s1
        in      s1, disk.status         # s1: the outcome
        out     disk.status, s1         # acknowledge: the interrupt stops
        la      t0, disk_owner
        lw      s0, 0(t0)               # s0: the process, or 0 (spurious)
        beqz    s0, 3f
        sw      zero, 0(t0)
        li      t0, -1
        bnez    s1, 2f                  # not DISK_ST_OK: -1
        la      t0, disk_cmd
        lw      t0, 0(t0)
        li      t1, DISK_CMD_READ
        bne     t0, t1, 1f
        lw      a0, P_PT(s0)
        la      t0, disk_ubuf
        lw      a1, 0(t0)
        la      a2, disk_buf
        li      a3, DISK_BLOCK_SIZE
        call    uvm_write               # vm.s: through its page table
1:      li      t0, 0
2:      sw      t0, TF_A0(s0)           # the system call's result
        li      t0, RUNNABLE
        sw      t0, P_STATE(s0)
        la      a0, disk_owner
        call    wakeup                  # the disk is free
3:      pop     s1
        pop     s0
        pop     ra
        ret
