# hvstub.s - the bare machine's stand-in for the hypervisor (pv build only).
#
# The paravirtualized kernel never uses a privileged instruction: it asks
# with `hcall rd, n` (docs/guest-os.md, "The paravirtual ABI").  Under
# `vrun --technique pv` the VMM answers.  On the bare machine nobody would,
# so the kernel carries this stand-in, and its first act at boot is
# `mtcr tvec, hvstub` (under a VMM that instruction traps and only sets
# the virtual tvec: harmless).  Every trap then comes here first:
#
#   - an hcall from supervisor mode is answered with the privileged
#     instructions the kernel no longer uses itself, on the saved R[rd],
#     and the kernel continues at pc + 4 (iret, idle and halt excepted);
#   - anything else (an interrupt, an exception, an hcall from user mode)
#     is delivered to the kernel's registered handler exactly as the VMM
#     delivers it: the shared area gets epc, cause, badaddr, status after
#     the trap and the interrupted sp, and the handler starts with every
#     general register as it was.
#
# So the kernel cannot tell the stand-in from the VMM.  It trusts the
# kernel (mmu_update writes whatever it is given): it is part of the
# kernel, and exists only so that one image runs everywhere.  The fair
# comparison is therefore the pv kernel under the VMM against the
# ORIGINAL kernel on the bare machine; the pv kernel on the bare machine
# pays this stand-in's traps on top (docs/guest-os.md).
#
# The stub keeps what the VMM would keep: the handler, the shared area,
# and the PS and PIE bits of the kernel's virtual status word (the hcall's
# own trap overwrites the real ones; status and irq return them as the
# VMM's virtual status would have them).

        .data
        .align  16
hv_save:        .space  64      # r0..r15 of the trapped code (word i = ri)
hv_handler:     .word   0       # set_trap
hv_shared:      .word   0       # set_shared
hv_vbits:       .word   0       # PS | PIE of the kernel's virtual status

        .text
hvstub:
        mtcr    scratch, sp             # as trap_entry did before pv: the only free place
        la      sp, hv_save
        sw      ra, 4(sp)
        sw      gp, 12(sp)
        sw      tp, 16(sp)
        sw      t0, 20(sp)
        sw      t1, 24(sp)
        sw      t2, 28(sp)
        sw      s0, 32(sp)
        sw      s1, 36(sp)
        sw      a0, 40(sp)
        sw      a1, 44(sp)
        sw      a2, 48(sp)
        sw      a3, 52(sp)
        sw      a4, 56(sp)
        sw      a5, 60(sp)
        mfcr    t0, scratch
        sw      t0, 8(sp)
        mfcr    t0, cause
        li      t1, CAUSE_HYPERCALL
        bne     t0, t1, hv_deliver
        mfcr    t1, status
        andi    t1, t1, SR_PS
        beqz    t1, hv_deliver          # from user mode: the kernel's business, as on the VMM
        mfcr    t0, badaddr             # the hcall's word: n in bits 15..0, rd in 23..20
        srli    s0, t0, 20
        andi    s0, s0, 15
        slli    s0, s0, 2
        add     s0, s0, sp              # s0: where R[rd] is saved
        lw      a0, 0(s0)               # a0: the argument
        andi    t0, t0, 0xffff
        li      t1, HC_HALT + 1
        bgeu    t0, t1, hv_bad
        beqz    t0, hv_bad
        slli    t0, t0, 2
        la      t1, hv_calls - 4
        add     t1, t1, t0
        lw      t1, 0(t1)
        jr      t1

# The virtual status word: S and IE from before the hcall's trap (PS, PIE
# now), PG as it is, PS and PIE as the kernel's last trap or iret left them.
hv_vstatus:
        mfcr    t0, status
        andi    a1, t0, SR_PG
        andi    t1, t0, SR_PS
        beqz    t1, 1f
        ori     a1, a1, SR_S
1:      andi    t1, t0, SR_PIE
        beqz    t1, 2f
        ori     a1, a1, SR_IE
2:      la      t1, hv_vbits
        lw      t1, 0(t1)
        or      a1, a1, t1
        ret

hv_set_trap:
        la      t0, hv_handler
        sw      a0, 0(t0)
        j       hv_next
hv_set_shared:
        la      t0, hv_shared
        sw      a0, 0(t0)
        j       hv_next
hv_iret:
        la      t0, hv_shared
        lw      t0, 0(t0)
        lw      t1, SH_EPC(t0)
        mtcr    epc, t1
        lw      t1, SH_STATUS(t0)
        andi    t2, t1, SR_PS | SR_PIE
        ori     t1, t1, SR_S            # the stub itself stays in supervisor mode until the rfe
        mtcr    status, t1              # PG from the shared word too: the boot turns paging on so
        mv      t1, t2
        la      t0, hv_vbits
        sw      t1, 0(t0)
        j       hv_return               # rfe: S = PS, IE = PIE, to the shared epc
hv_irq:
        call    hv_vstatus
        mfcr    t0, status              # IE after the rfe = PIE = R[rd] & 1
        andi    t0, t0, 0xffff - SR_PIE
        andi    a0, a0, 1
        slli    a0, a0, 3               # SR_PIE
        or      t0, t0, a0
        mtcr    status, t0
        mv      a0, a1
        j       hv_result
hv_status:
        call    hv_vstatus
        mv      a0, a1
        j       hv_result
hv_timer:
        mtcr    timer, a0
        j       hv_next
hv_set_ptb:
        mtcr    ptb, a0                 # flushes the TLB
        li      a0, 0
        j       hv_result
hv_get_ptb:
        rdptb   a0
        j       hv_result
hv_flush:
        bnez    a0, 1f
        tlbflush
        j       hv_next
1:      tlbflushv a0
        j       hv_next
# mmu_update: with paging off for the moment, since the page-table pool is
# mapped read-only (the stub runs where it is loaded, so nothing moves).
hv_mmu_update:
        mfcr    t2, status
        andi    t0, t2, 0xffff - SR_PG
        mtcr    status, t0
        lw      a1, 0(a0)               # a1: the count
        addi    t0, a0, 4
        slli    t1, a1, 3
        add     t1, t1, t0              # t1: the end of the pairs
1:      beq     t0, t1, 2f
        lw      a2, 0(t0)
        lw      a3, 4(t0)
        sw      a3, 0(a2)
        addi    t0, t0, 8
        j       1b
2:      mtcr    status, t2
        mv      a0, a1
        j       hv_result
# idle: wait with IE = 0 (wfi wakes on a pending interrupt all the same),
# then go back with IE = 1: the interrupt is taken at pc + 4.
hv_idle:
        wfi
        mfcr    t0, status
        ori     t0, t0, SR_PIE
        mtcr    status, t0
        j       hv_next
hv_halt:
        halt    a0
hv_bad:
        la      t0, hv_shared           # no such call: refused, as the VMM refuses it
        lw      t0, 0(t0)
        li      t1, HCE_BAD_CALL
        sw      t1, SH_ERROR(t0)
        li      a0, HC_REFUSED
hv_result:
        sw      a0, 0(s0)
hv_next:
        mfcr    t0, epc
        addi    t0, t0, 4
        mtcr    epc, t0
hv_return:
        la      sp, hv_save
        lw      ra, 4(sp)
        lw      gp, 12(sp)
        lw      tp, 16(sp)
        lw      t0, 20(sp)
        lw      t1, 24(sp)
        lw      t2, 28(sp)
        lw      s0, 32(sp)
        lw      s1, 36(sp)
        lw      a0, 40(sp)
        lw      a1, 44(sp)
        lw      a2, 48(sp)
        lw      a3, 52(sp)
        lw      a4, 56(sp)
        lw      a5, 60(sp)
        lw      sp, 8(sp)
        rfe

# hv_deliver: every other trap, to the kernel's handler (trap.s), with the
# shared area filled in.  The rfe that gets there leaves S = 1 and IE = 0,
# as the trap did.  Before set_trap and set_shared nothing could handle it.
hv_deliver:
        la      t0, hv_handler
        lw      a0, 0(t0)
        la      t0, hv_shared
        lw      t0, 0(t0)
        beqz    a0, hv_nohandler
        beqz    t0, hv_nohandler
        mfcr    t1, epc
        sw      t1, SH_EPC(t0)
        mfcr    t1, cause
        sw      t1, SH_CAUSE(t0)
        mfcr    t1, badaddr
        sw      t1, SH_BADADDR(t0)
        mfcr    t1, status
        sw      t1, SH_STATUS(t0)
        andi    t2, t1, SR_PS | SR_PIE
        la      a1, hv_vbits
        sw      t2, 0(a1)
        lw      t2, 8(sp)
        sw      t2, SH_SP(t0)
        mtcr    epc, a0
        ori     t1, t1, SR_PS           # after the rfe: S = 1,
        andi    t1, t1, 0xffff - SR_PIE #   IE = 0
        mtcr    status, t1
        j       hv_return
hv_nohandler:
        li      t0, 1
        halt    t0

        .data
        .align  4
hv_calls:                               # indexed by hypercall number - 1
        .word   hv_set_trap, hv_set_shared, hv_iret, hv_irq, hv_status, hv_timer
        .word   hv_set_ptb, hv_get_ptb, hv_flush, hv_mmu_update, hv_idle, hv_halt
        .text
hvstub_end:
