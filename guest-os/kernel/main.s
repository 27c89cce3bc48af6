# main.s - from reset to the first process.
#
# The loader (docs/isa.md, section 9) has copied the kernel to physical
# 0x1000 and jumped to _start in supervisor mode, with paging off,
# interrupts off, tvec = 0, and:
#   a0 = the boot string's address (in the last page of memory), or 0
#   a1 = the size of memory in bytes
# The boot sequence:
#   1. tvec, so that a trap from here on has somewhere to go, and a stack;
#   2. copy the boot string out of the last page, which the allocator
#      is about to hand out, taking the kernel's own options off its front
#      (bootopt.s: nocheck);
#   3. check that we really are the supervisor (unless nocheck);
#   4. the page allocator, the kernel page table, paging on;
#   5. the disk; init, the first process, with the boot string as argument;
#   6. the timer, and the scheduler: from then on the kernel only runs
#      when a trap brings it in.

        .data
        .align  4
mem_size:       .word 0         # bytes of physical memory
boot_nfree:     .word 0         # free pages before the first process: every
                                # page must be free again when init exits
        .bss
bootarg:        .space ARGMAX   # the boot string ("" if none)

        .text
        .global _start
_start:
        .if PARAVIRT
        la      t0, hvstub              # the pv kernel's one privileged instruction: on the
        mtcr    tvec, t0                # bare machine the stand-in answers its hypercalls
        la      t0, trap_entry          # (hvstub.s); under the VMM it only sets the virtual
        hcall   t0, HC_SET_TRAP         # tvec.  From here traps are delivered to trap_entry,
        la      t0, shared              # with epc, cause... in the shared area (trap.s)
        hcall   t0, HC_SET_SHARED
        .else
        la      t0, trap_entry
        mtcr    tvec, t0                # until now a trap would jump to address 0
        .endif
        la      sp, kstack_top
        la      t0, mem_size
        sw      a1, 0(t0)
        mv      s0, a0                  # s0: the boot string, or 0
        beqz    s0, 1f
        la      a0, bootarg
        mv      a1, s0
        li      a2, ARGMAX
        call    bootarg_copy            # bootopt.s: the kernel's options (nocheck) out first
1:      call    assert_supervisor       # panics if S = 0 (under a VMM that cannot hide it)
        call    kinit
        call    kvminit
        call    kfree_count
        la      t1, boot_nfree
        sw      a0, 0(t1)
        la      t0, kernel_pt           # paging on: everything stays where it was,
        lw      t0, 0(t0)               # since the kernel is identity mapped
        .if PARAVIRT
        la      t1, cur_ptb             # (ptpool.s: remembered, never asked for)
        sw      t0, 0(t1)
        hcall   t0, HC_SET_PTB          # the hypervisor checks the tables now
        la      t1, shared              # no hypercall turns paging on: an iret does,
        li      t0, SR_PS | SR_PG       # with PG in the status it sets (S = PS = 1,
        sw      t0, SH_STATUS(t1)       # IE = PIE = 0), to the next instruction
        la      t0, 2f
        sw      t0, SH_EPC(t1)
        hcall   zero, HC_IRET
2:
        .else
        mtcr    ptb, t0
        mfcr    t0, status
        ori     t0, t0, SR_PG
        mtcr    status, t0
        .endif
        la      a0, msg_boot            # "kernel: 16384 KiB of memory, paging on"
        call    kputs
        la      t0, mem_size
        lw      a0, 0(t0)
        srli    a0, a0, 10
        call    kputdec
        la      a0, msg_boot2
        call    kputs
        call    disk_init
        la      a0, bootarg
        call    userinit
        li      t0, QUANTUM             # the first time slice
        .if PARAVIRT
        hcall   t0, HC_TIMER
        .else
        mtcr    timer, t0
        .endif
        j       schedule                # proc.s: run init

        .data
        .align  4
msg_boot:       .asciz "kernel: "
msg_boot2:      .asciz " KiB of memory, paging on\n"
