# pvcalls.s - a paravirtualized kernel that makes every hypercall of
# isa/hypercalls.h once or more and checks what it sees against the ABI
# (docs/vmm.md section 13): results in R[rd], refusals (-1 and the
# reason in the shared area), traps delivered to its registered handler
# with epc, cause, badaddr, status and sp in the shared area, and the
# page fault the bare machine gives for a store to a read-only mapped
# page table.  One character per check ('.' holds, 'X' not), then halt
# (the hypercall) with the number of failures.  Under --technique pv it
# prints 33 dots and halts with 0; under trap-and-emulate its first
# hypercall reaches tvec: "T", halt 99.  tests/test_pv.c runs it.

        .include "../../guest-os/kernel/param.s"
        .include "hypercalls.inc"

        .equ ROOT, 0x10000              # the page tables, built with paging off
        .equ L2, 0x11000
        .equ L2B, 0x12000               # a second leaf table, filled by mmu_update
        .equ DATA, 0x20000              # the page it maps at VA 0x00400000
        .equ BATCH, 0x13000
        .equ NPAGES, 256                # 1 MiB of guest memory, identity mapped
        .equ PTE_RWX, 0x6f              # V R W X A D
        .equ PTE_RO, 0x23               # V R A

        .text
_start: la      t0, early
        mtcr    tvec, t0                # as the pv kernel's first act (hvstub natively)
        la      sp, stack_top
        la      a0, pv_handler
        hcall   a0, HC_SET_TRAP
        li      a0, SHARED
        hcall   a0, HC_SET_SHARED

        # status and irq: R[rd] = status; irq returns the old one
        hcall   a0, HC_STATUS
        li      a1, SR_S
        call    check                   # 1
        li      a0, 1
        hcall   a0, HC_IRQ
        li      a1, SR_S
        call    check                   # 2
        hcall   a0, HC_STATUS
        li      a1, SR_S|SR_IE
        call    check                   # 3
        li      a0, 0
        hcall   a0, HC_IRQ
        li      a1, SR_S|SR_IE
        call    check                   # 4
        hcall   a0, HC_STATUS
        li      a1, SR_S
        call    check                   # 5
        hcall   a0, HC_GET_PTB
        li      a1, 0
        call    check                   # 6

        # refusals: a misaligned shared area, a call there is none of
        li      a0, SHARED+4
        hcall   a0, HC_SET_SHARED
        li      a1, HCE_BAD_REQUEST
        call    check_error             # 7 8
        li      a0, 7
        hcall   a0, 99
        li      a1, HCE_BAD_CALL
        call    check_error             # 9 10

        # a syscall in supervisor mode reaches the handler, shared area filled
        mv      s0, sp
sys1:   syscall
        li      a0, 0
        la      a1, sys1
        call    check_rec               # 11 epc
        li      a0, 4
        li      a1, CAUSE_SYSCALL
        call    check_rec               # 12 cause
        li      a0, 12
        li      a1, SR_S|SR_PS
        call    check_rec               # 13 status after the trap
        li      a0, 16
        mv      a1, s0
        call    check_rec               # 14 the interrupted sp

        # the timer, with interrupts on through irq
        li      a0, 300
        hcall   a0, HC_TIMER
        li      a0, 1
        hcall   a0, HC_IRQ
1:      la      t0, ticks
        lw      t1, 0(t0)
        beqz    t1, 1b
        li      a0, 4
        li      a1, CAUSE_TIMER
        call    check_rec               # 15
        li      a0, 12
        li      a1, SR_S|SR_PS|SR_PIE
        call    check_rec               # 16 IE off in the handler
        hcall   a0, HC_STATUS
        li      a1, SR_S|SR_IE|SR_PS|SR_PIE
        call    check                   # 17 iret gave IE back (rfe keeps PS and PIE)
        li      a0, 0
        hcall   a0, HC_IRQ

        # idle: IE on, wait, the interrupt lands after the idle
        li      a0, 200
        hcall   a0, HC_TIMER
idle1:  hcall   zero, HC_IDLE
        li      a0, 0
        la      a1, idle1+4
        call    check_rec               # 18
        la      t0, ticks
        lw      a0, 0(t0)
        li      a1, 2
        call    check                   # 19
        li      a0, 0
        hcall   a0, HC_IRQ

        # an hcall from virtual user mode is the kernel's own trap
        li      t0, SHARED
        la      t1, uh
        sw      t1, SH_EPC(t0)
        sw      zero, SH_STATUS(t0)     # PS = 0: iret enters user mode
        hcall   zero, HC_IRET
uh:     hcall   a0, HC_STATUS           # traps; the handler resumes after it, supervisor
        li      a0, 4
        li      a1, HYPERCALL_CAUSE
        call    check_rec               # 20
        la      t0, uh
        lw      a1, 0(t0)
        li      a0, 8
        call    check_rec               # 21 badaddr: its word
        li      a0, 12
        li      a1, SR_S
        call    check_rec               # 22 from user mode, IE was off

        # page tables: an identity map whose leaf maps the root writable is refused
        li      t0, L2
        li      t1, 0
        li      t2, NPAGES
2:      slli    a2, t1, PAGE_SHIFT
        ori     a2, a2, PTE_RWX
        slli    a3, t1, 2
        add     a3, a3, t0
        sw      a2, 0(a3)
        addi    t1, t1, 1
        blt     t1, t2, 2b
        li      t0, ROOT
        li      t1, L2|PTE_V
        sw      t1, 0(t0)
        li      a0, ROOT
        hcall   a0, HC_SET_PTB
        li      a1, HCE_PT_WRITABLE
        call    check_error             # 23 24
        hcall   a0, HC_GET_PTB
        li      a1, 0
        call    check                   # 25 unchanged
        # the tables' own frames read-only: accepted
        li      t0, L2+4*(ROOT>>PAGE_SHIFT)
        li      t1, ROOT|PTE_RO
        sw      t1, 0(t0)
        li      t1, L2|PTE_RO
        sw      t1, 4(t0)
        li      t1, L2B|PTE_RO
        sw      t1, 8(t0)
        li      a0, ROOT
        hcall   a0, HC_SET_PTB
        li      a1, 0
        call    check                   # 26
        hcall   a0, HC_GET_PTB
        li      a1, ROOT
        call    check                   # 27
        li      t0, SR_S|SR_PG
        mtcr    status, t0              # paging on

        # mmu_update: fill L2B, then link it at VA 0x00400000
        li      t0, BATCH
        li      t1, 2
        sw      t1, 0(t0)
        li      t1, L2B
        sw      t1, 4(t0)
        li      t1, DATA|PTE_RWX
        sw      t1, 8(t0)
        li      t1, ROOT+4
        sw      t1, 12(t0)
        li      t1, L2B|PTE_V
        sw      t1, 16(t0)
        li      a0, BATCH
        hcall   a0, HC_MMU_UPDATE
        li      a1, 2
        call    check                   # 28 both applied
        hcall   zero, HC_FLUSH
        li      t0, 0x00400000
        li      t1, 0x1234
        sw      t1, 8(t0)
        li      t0, DATA
        lw      a0, 8(t0)
        li      a1, 0x1234
        call    check                   # 29 the new mapping works
        li      a0, 0x00400000
        hcall   a0, HC_FLUSH

        # a store to the root through its read-only mapping: the bare machine's fault
        li      t0, ROOT
        li      t1, 0x55
pt_sw:  sw      t1, 8(t0)
        li      a0, 4
        li      a1, CAUSE_PAGE_FAULT|0x100|0x200  # PROT, WRITE
        call    check_rec               # 30
        li      a0, 8
        li      a1, ROOT+8
        call    check_rec               # 31
        li      a0, 0
        la      a1, pt_sw
        call    check_rec               # 32
        li      t0, ROOT
        lw      a0, 8(t0)
        li      a1, 0
        call    check                   # 33 unchanged
        call    finish

        .include "pv.inc"
