/*
 * interp.c - the interpreter: one routine per privileged instruction, each
 * doing to the virtual CPU what the hardware does to the real one
 * (docs/isa.md section 4).  The dispatcher calls it when the guest executes
 * a privileged instruction in virtual supervisor mode; the real CPU, which
 * ran the guest in user mode, trapped instead of executing it.
 *
 * Ordering matters for equivalence: as on the real machine, an instruction
 * retires (the cycle count advances) before its effect on the timer or a
 * device is computed.
 */
#include "vmm_impl.h"

void vm_retire_emulated(struct vm *vm, enum op op)
{
    vm->cpu.instret++;
    vm->cpu.cycles++;
    vm->st.emulated++;
    vm->st.emulated_by_op[op]++;
    vm->dec.op = op;
}

static void set_reg(struct vm *vm, unsigned r, uint32_t v)
{
    if (r != 0)
        vcpu_live(vm)->r[r] = v;
}

static uint32_t get_reg(struct vm *vm, unsigned r) { return r ? vcpu_live(vm)->r[r] : 0; }

/* Write a virtual control register, with the hardware's side effects
 * turned into what they mean for the VMM. */
static void write_cr(struct vm *vm, enum cr cr, uint32_t v)
{
    uint32_t *crs = vm->cpu.cr;
    switch (cr) {
    case CR_STATUS: {
        uint32_t old = crs[CR_STATUS];
        crs[CR_STATUS] = v & SR_WRITABLE;
        if ((old ^ crs[CR_STATUS]) & SR_PG)
            vm->mmu->paging_changed(vm);
        else if ((old ^ crs[CR_STATUS]) & SR_S)
            vm->mmu->activate(vm);
        break;
    }
    case CR_PTB:
        crs[CR_PTB] = v & ~PAGE_MASK;
        vm->mmu->ptb_written(vm);
        break;
    case CR_TIMER:
        itimer_write(&vm->dev.timer, v, vm->cpu.cycles);
        break;
    default:
        crs[cr] = v;
        break;
    }
}

static uint32_t read_cr(struct vm *vm, enum cr cr)
{
    if (cr == CR_TIMER)
        return itimer_read(&vm->dev.timer, vm->cpu.cycles);
    return vm->cpu.cr[cr];
}

static void emu_halt(struct vm *vm, const struct isa_fields *f)
{
    vm->exit_value = get_reg(vm, f->ra);
    vm->state = VM_HALTED;
}

static void emu_wfi(struct vm *vm, const struct isa_fields *f)
{
    (void)f;
    /* Virtual time runs on while the guest idles: to its next event. */
    if (!devices_wait(&vm->dev, &vm->cpu.cycles, &vm->dma))
        vm->state = VM_DEADLOCK;
}

static void emu_rfe(struct vm *vm, const struct isa_fields *f)
{
    (void)f;
    vcpu_live(vm)->pc = vm->cpu.cr[CR_EPC];
    write_cr(vm, CR_STATUS, sr_after_rfe(vm->cpu.cr[CR_STATUS]));
}

static void emu_mfcr(struct vm *vm, const struct isa_fields *f) { set_reg(vm, f->ra, read_cr(vm, (enum cr)f->imm)); }
static void emu_mtcr(struct vm *vm, const struct isa_fields *f) { write_cr(vm, (enum cr)f->imm, get_reg(vm, f->ra)); }

/* The shadow tables follow the guest's tables at every store (tracing), so
 * a guest TLB flush has nothing left to do but flush the real TLB. */
static void emu_tlbflush(struct vm *vm, const struct isa_fields *f)
{
    (void)f;
    machine_tlb_flush(vm->vmm->m);
}

static void emu_tlbflushv(struct vm *vm, const struct isa_fields *f)
{
    machine_tlb_flush_page(vm->vmm->m, get_reg(vm, f->ra));
}

static void emu_in(struct vm *vm, const struct isa_fields *f)
{
    set_reg(vm, f->ra, devices_in(&vm->dev, (unsigned)f->imm));
}

static void emu_out(struct vm *vm, const struct isa_fields *f)
{
    devices_out(&vm->dev, (unsigned)f->imm, get_reg(vm, f->ra), vm->cpu.cycles);
}

static void emu_rdsr(struct vm *vm, const struct isa_fields *f) { set_reg(vm, f->ra, vm->cpu.cr[CR_STATUS]); }
static void emu_wrsr(struct vm *vm, const struct isa_fields *f)
{
    uint32_t v = get_reg(vm, f->ra);
    if (vm->vmm->cfg.inject & INJECT_WRSR_IE)
        v = (v & ~SR_IE) | (vm->cpu.cr[CR_STATUS] & SR_IE);
    write_cr(vm, CR_STATUS, v);
}
static void emu_rdptb(struct vm *vm, const struct isa_fields *f) { set_reg(vm, f->ra, vm->cpu.cr[CR_PTB]); }

typedef void emu_fn(struct vm *vm, const struct isa_fields *f);

/* The interpreter routines, by opcode.  Every instruction that traps in
 * user mode in some variant has one (tests/test_vmm.c checks). */
static emu_fn *const routines[OP_COUNT] = {
    [OP_HALT] = emu_halt,   [OP_WFI] = emu_wfi,         [OP_RFE] = emu_rfe,
    [OP_MFCR] = emu_mfcr,   [OP_MTCR] = emu_mtcr,       [OP_TLBFLUSH] = emu_tlbflush,
    [OP_TLBFLUSHV] = emu_tlbflushv, [OP_IN] = emu_in,   [OP_OUT] = emu_out,
    [OP_RDSR] = emu_rdsr,   [OP_WRSR] = emu_wrsr,       [OP_RDPTB] = emu_rdptb,
};

bool interp_has_routine(enum op op) { return routines[op] != NULL; }

void interp_exec(struct vm *vm, uint32_t insn)
{
    struct isa_fields f;
    if (!isa_decode(insn, &f) || !routines[f.op]) {
        vm_fail(vm, "VMM bug: no interpreter routine for 0x%08x", insn);
        return;
    }
    /* The instruction retires; rfe then moves pc itself. */
    vm_retire_emulated(vm, f.op);
    vcpu_live(vm)->pc += 4;
    routines[f.op](vm, &f);
}
