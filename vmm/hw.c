/*
 * hw.c - the hardware guest mode (seams.h; the machine's side is
 * docs/isa.md section 14, the VMM's docs/vmm.md section 14), in the
 * manner of KVM on VT-x or AMD-V.  The guest kernel is not deprivileged:
 * it runs in supervisor mode inside the machine's guest mode, where its
 * sensitive instructions act on its own control registers - so x86like's
 * rdsr, wrsr and rdptb, which trap-and-emulate cannot catch, are harmless.
 * The VMM describes the guest in a control block (like a VMCS) and enters
 * it with machine_run_guest; only what the block asks for exits.
 *
 * What exits, and why (everything else - system calls, breaks, illegal
 * and privileged instructions in guest user mode, hypercalls, rfe, the
 * other control registers - the hardware does inside the guest, no exit):
 *   - the real devices' interrupts: the real timer ends the VM's slice and
 *     marks its virtual events, whatever the guest's IE;
 *   - in, out, wfi, halt, and mfcr and mtcr of timer: the VM's devices and
 *     time are virtual (interp.c emulates them, exactly as under
 *     trap-and-emulate);
 *   - what the MMU asks for (vmm_mmu.guest_controls): under shadow paging
 *     the host owns ptb and PG, and page faults, tlbflush and tlbflushv
 *     exit; under nested paging nothing of the kind, only the host
 *     table's refusals (EXIT_NESTED_FAULT);
 *   - the interrupt window: a virtual interrupt is pending while the
 *     guest has IE clear; the run exits as soon as it sets it, and the
 *     interrupt is delivered there, where the bare machine takes it.
 *
 * The VM's control registers stay in vm->cpu, as for every technique:
 * copied into the block at each entry and back at each exit (the timer
 * aside: it is virtual, in vm->dev).
 */
#include <stdlib.h>
#include <string.h>

#include "vmm_impl.h"

struct hw {
    struct guest_control gc;
};

/* The control block of the VM's next entry, made afresh each time from
 * what the technique and the MMU need (a few words): before each entry,
 * and for the isolation checker, which so audits the block the next
 * entry loads (the MMU's part may have changed since the last: nested
 * paging makes its host table at the VM's first activation). */
static void controls(const struct vm *vm, struct guest_control *gc)
{
    memset(gc->insn_exits, 0, sizeof gc->insn_exits);
    gc->cause_exits = EXIT_ON(CAUSE_TIMER) | EXIT_ON(CAUSE_CONSOLE) | EXIT_ON(CAUSE_DISK);
    guest_control_exit_on_insn(gc, OP_HALT);
    guest_control_exit_on_insn(gc, OP_WFI);
    guest_control_exit_on_insn(gc, OP_IN);
    guest_control_exit_on_insn(gc, OP_OUT);
    gc->cr_read_exits = gc->cr_write_exits = 1u << CR_TIMER;
    gc->status_owned = 0;
    gc->ptb_owned = false;
    gc->nested = false;
    gc->nested_root = 0;
    vm->mmu->guest_controls(vm, gc);
    unsigned inject = vm->vmm->cfg.inject; /* the deliberate bugs the checker must catch */
    if (inject & INJECT_GUEST_TIMER)
        gc->cause_exits &= ~EXIT_ON(CAUSE_TIMER);
    if (inject & INJECT_UNOWNED_PTB)
        gc->ptb_owned = false;
    if (inject & INJECT_NESTED_OFF)
        gc->nested = false;
}

static void hw_load(struct vm *vm)
{
    struct hw *h = vm->tech_data;
    if (!h && !(h = vm->tech_data = calloc(1, sizeof *h))) {
        vm_fail(vm, "out of memory for the control block");
        return;
    }
    controls(vm, &h->gc);
    /* An owned PG is the host's in the CPU, and must be on: the real MMU
     * walks the shadow whatever the guest's paging. */
    struct machine *m = vm->vmm->m;
    uint32_t status = machine_get_cr(m, CR_STATUS);
    if ((h->gc.status_owned & SR_PG) && !(status & SR_PG))
        machine_set_cr(m, CR_STATUS, status | SR_PG);
}

static enum exit_reason hw_run(struct vm *vm, uint64_t budget, struct vm_exit *x)
{
    struct hw *h = vm->tech_data;
    struct guest_control *gc = &h->gc;
    controls(vm, gc);
    memcpy(gc->cr, vm->cpu.cr, sizeof gc->cr);
    /* A virtual interrupt the guest cannot take yet (reflect_interrupts
     * left it pending): come back the moment it can. */
    gc->irq_window = !vm->dev_quiet && !(vm->cpu.cr[CR_STATUS] & SR_IE) && devices_pending(&vm->dev);
    if (vm->vmm->cfg.inject & INJECT_NO_IRQ_WINDOW)
        gc->irq_window = false; /* the deliberate bug: the interrupt waits for the next exit */
    enum exit_reason r = machine_run_guest(vm->vmm->m, gc, budget, x);
    uint32_t timer = vm->cpu.cr[CR_TIMER];
    memcpy(vm->cpu.cr, gc->cr, sizeof vm->cpu.cr);
    vm->cpu.cr[CR_TIMER] = timer;
    if ((unsigned)r < sizeof vm->st.guest_exits / sizeof *vm->st.guest_exits)
        vm->st.guest_exits[r]++;
    return r;
}

static void emulate(struct vm *vm, const struct vm_exit *x)
{
    struct isa_fields f;
    vm->st.exits[VMX_EMULATED]++;
    vm->dec.kind = VMX_EMULATED;
    if (x->decoded)
        interp_exec(vm, &x->fields);
    else if (isa_decode(x->insn, &f))
        interp_exec(vm, &f);
    else
        vm_fail(vm, "VMM bug: an intercepted instruction at pc 0x%08x from an illegal word 0x%08x", x->pc, x->insn);
}

static void hw_handle_exit(struct vm *vm, const struct vm_exit *x)
{
    switch (x->reason) {
    case EXIT_INSN:
        emulate(vm, x);
        break;
    case EXIT_TRAP:
        if (CAUSE_CODE(x->cause) != CAUSE_PAGE_FAULT) {
            vm_fail(vm, "VMM bug: a %s trap at pc 0x%08x exited: the control block leaves it to the guest",
                    isa_cause_name(x->cause), x->pc);
            break;
        }
        vm->dec.gva = x->addr;
        vm->st.exits[vm->dec.kind = vm->mmu->fault(vm, x)]++;
        break;
    case EXIT_NESTED_FAULT:
        vm->dec.gva = x->guest_va;
        vm->st.exits[vm->dec.kind = vm->mmu->fault(vm, x)]++;
        break;
    case EXIT_IRQ_WINDOW:
        /* the guest set IE: reflect_interrupts, below, delivers */
        vm->st.exits[VMX_IRQ_WINDOW]++;
        vm->dec.kind = VMX_IRQ_WINDOW;
        break;
    case EXIT_INTERRUPT:
    case EXIT_BUDGET:
        dispatch_host_exit(vm, x);
        break;
    case EXIT_DOUBLE_FAULT:
        /* the hardware delivered a trap inside the guest, and its handler's
         * first instruction raised another: the bare machine stops there */
        vm->st.exits[VMX_REFLECTED]++;
        vm->dec.kind = VMX_REFLECTED;
        vm->dec.cause = x->cause;
        vm->state = VM_DOUBLE_FAULT;
        vm->exit_value = x->cause;
        break;
    default:
        vm_fail(vm, "VMM bug: exit %d at pc 0x%08x, which the control block does not ask for", (int)x->reason,
                x->pc);
        break;
    }
    if (vm->state == VM_RUNNABLE)
        reflect_interrupts(vm);
}

static const struct guest_control *hw_control_block(const struct vm *vm)
{
    static const struct guest_control none; /* no block yet: every control off, which the checker refuses */
    struct hw *h = vm->tech_data;
    if (!h)
        return &none;
    controls(vm, &h->gc);
    return &h->gc;
}

static void hw_free(struct vm *vm)
{
    free(vm->tech_data);
    vm->tech_data = NULL;
}

const struct vmm_technique hardware_assist = {
    .name = "hw",
    .summary = "the machine's hardware guest mode: the guest kernel runs in supervisor mode, only what the "
               "control block asks for exits",
    .load = hw_load,
    .handle_exit = hw_handle_exit,
    .run = hw_run,
    .free = hw_free,
    .control_block = hw_control_block,
};
