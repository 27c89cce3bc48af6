/*
 * interp.c - the interpreter: the VMM does to the virtual CPU what the
 * hardware does to the real one when the guest kernel executes a
 * privileged instruction (docs/isa.md section 4).  The dispatcher calls it
 * when the guest, in virtual supervisor mode, executed one; the real CPU,
 * which ran the guest in user mode, trapped instead of executing it.
 *
 * What each instruction does is the hardware's rule, written once in
 * isa/sensitive.h for the bare machine and for this interpreter, so the
 * two cannot disagree.  What is here is the VMM's side of it:
 *
 *   halt           the VM stops (VM_HALTED) with the register's value
 *   wfi            the VM's virtual time runs on to its next event
 *                  (VM_DEADLOCK if none can come)
 *   rfe, wrsr,     the virtual status changes; a change of mode or of
 *   mtcr status    paging puts the guest on another shadow root
 *   mtcr ptb       the guest switches page tables: its shadow root changes
 *   mtcr timer     arms the VM's virtual timer
 *   tlbflush(v)    flush the real TLB (below)
 *   in, out        the VM's virtual console and disk
 *   mfcr, rdsr,    the virtual registers
 *   rdptb
 *
 * Each retires one guest instruction (time stays exact) and counts in
 * vm->st.emulated_by_op.
 */
#include "sensitive.h"
#include "vmm_impl.h"

void vm_retire_emulated(struct vm *vm, enum op op)
{
    vm->cpu.instret++;
    vm->cpu.cycles++;
    vm->st.emulated++;
    vm->st.emulated_by_op[op]++;
    vm->dec.op = op;
}

/* LAB 2 BEGIN mmu-hooks: tell the rest of the VMM what a privileged
 * instruction changed.  sensitive_exec (isa/sensitive.h) has already done
 * to the virtual CPU (vm->cpu) what the hardware would; it calls these
 * hooks after, with the register holding its new value, and they must make
 * the *real* machine follow (docs/vmm.md sections 3 to 5).  ctx is the VM.
 *  - guest_status_written(old, now): mtcr status, wrsr or rfe wrote the
 *    guest's status.  The real status stays IE | PG, user mode, whatever
 *    the guest writes; but which shadow root the guest must run on depends
 *    on its paging (SR_PG) and its mode (SR_S: a user-mode root lets no
 *    access through to supervisor-only pages).  Paging turned on or off:
 *    vm->mmu->paging_changed(vm); else, the mode changed:
 *    vm->mmu->activate(vm); neither: nothing to do.
 *  - guest_ptb_written: mtcr ptb, the guest switched page tables:
 *    vm->mmu->ptb_written(vm).
 * (The TLB hooks below are given: see the handout's question 3.)
 * Tests: mmu-hooks, and all that change mode or paging. */

/* The guest wrote status (mtcr, wrsr, rfe): the real status stays as it
 * is, but the guest's new mode or paging runs on another shadow root. */
static void guest_status_written(void *ctx, uint32_t old, uint32_t now)
{
    struct vm *vm = ctx;
    if ((old ^ now) & SR_PG)
        vm->mmu->paging_changed(vm);
    else if ((old ^ now) & SR_S)
        vm->mmu->activate(vm);
}

/* The guest wrote ptb: its shadow root changes. */
static void guest_ptb_written(void *ctx)
{
    struct vm *vm = ctx;
    vm->mmu->ptb_written(vm);
}
/* LAB 2 STUB */
// static void guest_status_written(void *ctx, uint32_t old, uint32_t now)
// {
//     vm_fail(ctx, "lab 2: guest_status_written is not written yet (vmm/interp.c): status 0x%08x -> 0x%08x", old, now);
// }
//
// static void guest_ptb_written(void *ctx)
// {
//     vm_fail(ctx, "lab 2: guest_ptb_written is not written yet (vmm/interp.c)");
// }
/* LAB 2 END */

/* The shadow tables follow the guest's tables at every store (tracing,
 * which flushes the real TLB as it changes a shadow entry), so a guest TLB
 * flush has nothing left to do but flush the real TLB. */
static void guest_tlb_flush(void *ctx)
{
    struct vm *vm = ctx;
    machine_tlb_flush(vm->vmm->m);
}

static void guest_tlb_flush_page(void *ctx, uint32_t va)
{
    struct vm *vm = ctx;
    machine_tlb_flush_page(vm->vmm->m, va);
}

void interp_write_status(struct vm *vm, uint32_t v)
{
    uint32_t old = vm->cpu.cr[CR_STATUS];
    vm->cpu.cr[CR_STATUS] = v & SR_WRITABLE;
    guest_status_written(vm, old, vm->cpu.cr[CR_STATUS]);
}

static const struct sensitive_hooks vmm_hooks = {
    .status_written = guest_status_written,
    .ptb_written = guest_ptb_written,
    .tlb_flush = guest_tlb_flush,
    .tlb_flush_page = guest_tlb_flush_page,
};

/* Every instruction that traps in user mode in some variant can be
 * interpreted (tests/test_vmm.c checks). */
bool interp_has_routine(enum op op) { return sensitive_op(op); }

void interp_exec(struct vm *vm, const struct isa_fields *fields)
{
    const struct isa_fields f = *fields;
    if ((unsigned)f.op >= OP_COUNT || !sensitive_op(f.op)) {
        vm_fail(vm, "VMM bug: no interpreter routine for op %d", (int)f.op);
        return;
    }
    vm->dec.op = f.op;
    /* The virtual CPU: its general registers and pc are on the real CPU,
     * where the guest left them; the rest is the VM's. */
    struct sensitive_cpu c = {.regs = vcpu_live(vm), .ctl = &vm->cpu, .dev = &vm->dev, .dma = &vm->dma,
                              .hooks = &vmm_hooks, .ctx = vm};
    uint32_t status = vm->cpu.cr[CR_STATUS];

    if (sensitive_touches_devices(f.op, f.imm))
        vm->dev_quiet = false;
    enum sensitive_result r = sensitive_exec(&c, f.op, f.ra, f.imm, &vm->exit_value);
    /* LAB 2 BEGIN interp-result: what the instruction's end means to the VM.
     * sensitive_exec returned r (isa/sensitive.h, enum sensitive_result) and,
     * for a halt, put the halt value in vm->exit_value.
     *  - SENSITIVE_STALLED (in, or wfi, and the console has no input yet):
     *    nothing happened - no retire, pc still on it.  Say the VM waits
     *    (vm->waiting_input = true) and return, counting nothing: it runs
     *    the instruction again when it next runs.
     *  - SENSITIVE_HALT: the VM stops, vm->state = VM_HALTED;
     *    SENSITIVE_DEADLOCK (wfi, and no interrupt can ever come): VM_DEADLOCK.
     *  - every other end (and halt, deadlock): the VM waits for nothing
     *    (waiting_input = false), and the instruction counts: vm->st.emulated
     *    and vm->st.emulated_by_op[f.op], one each (--stats prints them).
     * (sensitive_exec already retired it: instret, cycles and pc.)  Do not
     * return on the other paths: the code after the region must still run.
     * Tests: emulate-privileged, halt-deadlock, console-input. */
    if (__builtin_expect(r != SENSITIVE_DONE, 0)) {
        if (r == SENSITIVE_STALLED) {
            /* in or wfi, and the VM's console has no input yet: nothing
             * happened, and the guest executes the instruction again when
             * it next runs. */
            vm->waiting_input = true;
            return;
        }
        vm->state = r == SENSITIVE_HALT ? VM_HALTED : VM_DEADLOCK;
    }
    vm->waiting_input = false;
    vm->st.emulated++;
    vm->st.emulated_by_op[f.op]++;
    /* LAB 2 STUB */
    // vm_fail(vm, "lab 2: interp_exec's end (halt, deadlock, input stall, counts) is not written yet (vmm/interp.c): "
    //         "%s ended, sensitive_exec returned %d (enum sensitive_result, isa/sensitive.h)", isa_insns[f.op].mnem, (int)r);
    // return;
    /* LAB 2 END */

    /* A deliberate bug, for the tests that must catch it: wrsr leaves the
     * guest's IE as it was, as POPF does. */
    if (f.op == OP_WRSR && __builtin_expect(vm->vmm->cfg.inject & INJECT_WRSR_IE, 0))
        vm->cpu.cr[CR_STATUS] = (vm->cpu.cr[CR_STATUS] & ~SR_IE) | (status & SR_IE);
}
