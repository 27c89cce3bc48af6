/*
 * dispatch.c - trap-and-emulate, the first CPU technique (seams.h), and its
 * dispatcher: the first VMM code to run after every exit.  The guest runs
 * deprivileged, in real user mode; the dispatcher looks at why the real
 * CPU stopped and routes the exit: privileged instructions of the guest
 * kernel to the interpreter, page faults to the VM's MMU, the real timer
 * to the scheduler and the virtual devices, and everything the guest
 * itself should see back into the guest.
 */
#include "vmm_impl.h"

/*
 * The dispatcher's three answers to a trap, each counted as an exit of its
 * kind (vm->st.exits, --stats) and named for the exit hook (vm->dec, what
 * vmon's `catch` shows).  Marked unused for a handout whose dispatch_trap
 * is still a stub: it compiles without "unused function".
 */

/* Reflect: the guest sees this trap, as the bare machine would deliver it. */
__attribute__((unused)) static void reflect(struct vm *vm, uint32_t cause, uint32_t badaddr)
{
    vm->st.exits[VMX_REFLECTED]++;
    vm->dec.kind = VMX_REFLECTED;
    vm->dec.cause = cause;
    reflect_trap(vm, cause, badaddr);
}

/* Emulate: the interpreter executes the privileged instruction for the
 * guest, as the real CPU decoded it: decoding the word again is for an
 * exit record that does not carry it. */
__attribute__((unused)) static void emulate(struct vm *vm, const struct vm_exit *x)
{
    vm->st.exits[VMX_EMULATED]++;
    vm->dec.kind = VMX_EMULATED;
    struct isa_fields f;
    if (x->decoded)
        interp_exec(vm, &x->fields);
    else if (isa_decode(x->insn, &f))
        interp_exec(vm, &f);
    else
        vm_fail(vm, "VMM bug: a privileged-instruction trap at pc 0x%08x from an illegal word 0x%08x", x->pc, x->insn);
}

/* To the MMU: a page fault is the memory technique's to answer (a hidden
 * fault filled, a tracing fault, or the guest's own, reflected); it says
 * which kind of exit it was. */
__attribute__((unused)) static void to_mmu(struct vm *vm, const struct vm_exit *x)
{
    vm->dec.gva = x->addr;
    vm->st.exits[vm->dec.kind = vm->mmu->fault(vm, x)]++;
}

/*
 * Chained emulation.  A guest kernel's privileged instructions may come
 * in runs (trap state saved with mfcr after mfcr, restored before rfe);
 * this project's guest OS saves a register between each, so it chains
 * almost never (docs/performance.md 4), tests/guests/chainirq.s does.
 * After emulating one, look at the next instruction the guest
 * would execute: if the real CPU would fetch it without a fault and it is
 * privileged too, so that running the guest would only trap on it at
 * once, emulate it here.  Each counts as an emulated exit, and as
 * chained.  It stays exact: the virtual devices are brought up to date
 * and an interrupt they raise is delivered before each one, as the exit
 * would do; the run stops where run_slice would stop the VM (chain_end:
 * a quantum's or step's end, the instruction limit), and for a mode
 * change to virtual user mode, a stop, an interrupt, a wait for input.
 */
__attribute__((noinline)) static void chain(struct vm *vm)
{
    struct machine *m = vm->vmm->m;
    for (;;) {
        uint32_t pc = vcpu_live(vm)->pc, *hint = unchained_slot(vm, pc);
        if (*hint == pc || vm->state != VM_RUNNABLE || vm->waiting_input || vm_user(vm))
            return;
        uint32_t word;
        struct isa_fields f;
        if (!machine_peek_fetch(m, &word) || !vm->vmm->privileged_code[word >> 24] || !isa_decode(word, &f)) {
            *hint = pc;
            return;
        }
        uint64_t interrupts = vm->st.interrupts;
        reflect_interrupts(vm);
        if (vm->state != VM_RUNNABLE || vm->st.interrupts != interrupts || vm->cpu.instret >= vm->chain_end ||
            vm->vmm->interrupted)
            return;
        vm->st.exits[VMX_EMULATED]++;
        vm->st.chained++;
        interp_exec(vm, &f);
    }
}

static void dispatch_trap(struct vm *vm, const struct vm_exit *x)
{
    /* LAB 2 BEGIN dispatch-trap: route one trap of the deprivileged guest.
     * The real CPU ran the guest in real user mode and stopped on a trap
     * (x->cause, x->pc, x->addr: isa/machine.h, struct vm_exit).  For each
     * trap code, CAUSE_CODE(x->cause) (isa/arch.h), decide who must handle
     * it, and answer with one of the three functions above:
     *  - emulate(vm, x): what the guest's bare machine would have executed;
     *  - reflect(vm, cause, badaddr): what the bare machine would have
     *    trapped into the guest's own handler - with the cause, badaddr and
     *    mode bits the guest would have seen there (docs/isa.md section 6);
     *  - to_mmu(vm, x): what happened only because the real CPU runs on the
     *    VMM's shadow tables, not the guest's.
     * The real CPU always ran the guest in user mode; the guest's own mode
     * is vm_user(vm).  Which of the two does each decision depend on?  A
     * trap that cannot happen here: vm_fail(vm, "VMM bug: ...").
     * (docs/vmm.md sections 2 and 3.)  Tests: emulate-privileged,
     * reflect-syscall, reflect-user-privileged, misaligned-user-bit, and
     * every test after them. */
    switch (CAUSE_CODE(x->cause)) {
    case CAUSE_PRIV:
        if (!vm_user(vm))
            emulate(vm, x);
        else
            reflect(vm, x->cause, x->addr); /* the guest's own user code misbehaved */
        return;
    case CAUSE_PAGE_FAULT:
        to_mmu(vm, x);
        return;
    case CAUSE_MISALIGNED:
        /* The real CPU ran in user mode; USER must tell the guest's mode. */
        reflect(vm, (x->cause & ~CAUSE_USER) | (vm_user(vm) ? CAUSE_USER : 0), x->addr);
        return;
    case CAUSE_SYSCALL:
    case CAUSE_BREAK:
    case CAUSE_HYPERCALL: /* to this VMM an hcall is the guest's own trap, as on the bare machine */
    case CAUSE_ILLEGAL:
    case CAUSE_DIV_ZERO:
        reflect(vm, x->cause, x->addr);
        return;
    default:
        /* Bus errors cannot happen: shadows map only frames that exist. */
        vm_fail(vm, "VMM bug: real %s trap at pc 0x%08x, address 0x%08x", isa_cause_name(x->cause), x->pc,
                x->addr);
        return;
    }
    /* LAB 2 STUB */
    // vm_fail(vm, "lab 2: dispatch_trap is not written yet (vmm/dispatch.c): a trap (cause %s) has nowhere to go",
    //         isa_cause_name(x->cause));
    /* LAB 2 END */
}

bool dispatch_host_exit(struct vm *vm, const struct vm_exit *x)
{
    switch (x->reason) {
    case EXIT_INTERRUPT:
        /* Only the real timer is ever enabled: the real console and disk
         * belong to the VMM and stay silent.  The scheduler re-arms it. */
        vm->st.exits[VMX_TIMER]++;
        vm->dec.kind = VMX_TIMER;
        machine_arm_timer(vm->vmm->m, 0);
        return true;
    case EXIT_BUDGET:
        vm->st.exits[VMX_LIMIT]++;
        vm->dec.kind = VMX_LIMIT;
        vm->state = VM_LIMIT;
        return true;
    default:
        return false;
    }
}

void dispatch_exit(struct vm *vm, const struct vm_exit *x)
{
    switch (x->reason) {
    case EXIT_TRAP:
        dispatch_trap(vm, x);
        /* The usual answer, emulated, goes on without a call when the next
         * instruction is not privileged; chain() emulates it otherwise. */
        if (vm->dec.kind == VMX_EMULATED && vm->chain_end) {
            uint32_t pc = vcpu_live(vm)->pc;
            if (*unchained_slot(vm, pc) != pc)
                chain(vm);
        }
        break;
    case EXIT_INTERRUPT:
    case EXIT_BUDGET:
        dispatch_host_exit(vm, x);
        break;
    default:
        vm_fail(vm, "VMM bug: exit %d at pc 0x%08x: the guest never runs in real supervisor mode",
                (int)x->reason, x->pc);
        break;
    }
    if (vm->state == VM_RUNNABLE)
        reflect_interrupts(vm);
}

/* The real CPU for a deprivileged guest: user mode, paging on (through the
 * MMU's tables), interrupts on so that the real timer exits. */
void dispatch_load(struct vm *vm)
{
    machine_set_cr(vm->vmm->m, CR_STATUS, SR_IE | SR_PG);
}

const struct vmm_technique trap_and_emulate = {
    .name = "trap-and-emulate",
    .summary = "the guest kernel runs deprivileged; every privileged instruction traps and is emulated",
    .load = dispatch_load,
    .handle_exit = dispatch_exit,
    .run = NULL, /* machine_run: the guest runs directly, all of it */
};
