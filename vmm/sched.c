/*
 * sched.c - time-sharing the one real CPU among virtual machines, and the
 * run loop of one VM on it (KVM's shape: enter, exit, handle, re-enter).
 * The loop is the same whatever the VM's techniques: it calls them through
 * their ops tables (seams.h).
 *
 * The real timer is armed before each entry for the nearest of: the end of
 * the VM's time slice, and the VM's next virtual event (its virtual timer
 * or disk) counted in the guest's own instructions.  So a virtual timer
 * interrupt reaches the guest at exactly the instruction it would on the
 * bare machine.
 *
 * Running one VM for a debugger or a lockstep comparison (vm_step and the
 * others) is different in two ways that keep it invisible to the guest and
 * cheap: the instructions are counted by the machine's budget, so the end
 * of a step is no timer exit; and the VM's MMU state stays on the real
 * machine between calls (vmm.loaded), so a step does not flush the TLB.
 */
#include <string.h>

#include "vmm_impl.h"

/* How a slice ends, besides the VM stopping. */
enum slice_end {
    BY_TIMER,  /* at instret `end`, by the real timer: a scheduler's quantum */
    BY_BUDGET, /* at instret `end`, by the machine's budget: a step */
    AT_EXIT,   /* after the next exit the VMM handles */
};

static void vm_enter(struct vmm *v, struct vm *vm)
{
    struct cpu_state *c = machine_cpu(v->m);
    memcpy(c->r, vm->cpu.r, sizeof c->r);
    c->pc = vm->cpu.pc;
    v->current = vm;
    machine_set_silent_log(v->m, &vm->st.silent); /* each VM its own places, across its slices */
    if (v->loaded != vm) {
        vm->tech->load(vm);
        vm->mmu->activate(vm);
        v->loaded = vm;
    }
}

static void vm_leave(struct vmm *v, struct vm *vm)
{
    struct cpu_state *c = machine_cpu(v->m);
    memcpy(vm->cpu.r, c->r, sizeof c->r);
    vm->cpu.r[0] = 0;
    vm->cpu.pc = c->pc;
    v->current = NULL;
    if (vm->state != VM_RUNNABLE)
        vm_unload(vm); /* it will not run again: nothing to keep */
}

static int runnable(const struct vmm *v)
{
    int n = 0;
    for (int i = 0; i < v->nvms; i++)
        n += v->vms[i]->state == VM_RUNNABLE;
    return n;
}

void vmm_set_exit_hook(struct vmm *v, unsigned mask, vmm_exit_hook *fn, void *ctx)
{
    v->hook = fn;
    v->hook_mask = fn ? mask : 0;
    v->hook_ctx = ctx;
}

/* One exit: the technique handles it, between the hook's two looks.
 * Returns true if the hook asks to pause. */
static bool handle_exit(struct vmm *v, struct vm *vm, const struct vm_exit *x)
{
    bool pause = false;
    if (__builtin_expect(v->hook == NULL, 1)) {
        /* nobody reads the details: only the kind starts afresh */
        vm->dec.kind = VMX_COUNT;
        vm->tech->handle_exit(vm, x);
    } else {
        if (v->hook_mask & VMM_HOOK_BEFORE)
            pause = v->hook(v->hook_ctx, vm, x, NULL);
        vm->dec = (struct vmm_decision){.kind = VMX_COUNT};
        vm->tech->handle_exit(vm, x);
        if (vm->dec.kind < VMX_COUNT && (v->hook_mask & VMM_HOOK_KIND(vm->dec.kind)))
            pause |= v->hook(v->hook_ctx, vm, x, &vm->dec);
    }
    if (v->iso)
        iso_after_exit(vm, x);
    return pause;
}

/* Run vm on the real CPU until it stops, or its instruction count reaches
 * end (exactly: neither the real timer nor the budget lets it run past),
 * or what `how` says happens first.  Returns why it came back. */
static enum vmm_return run_slice(struct vmm *v, struct vm *vm, uint64_t end, enum slice_end how)
{
    struct machine *m = v->m;
    enum vmm_return why = VMR_STOPPED;

    vm_enter(v, vm);
    /* The machine's counts while this VM is on it are its own: taken at the
     * slice's ends, not at every exit, which they would slow by a tenth
     * (the VMM's own work between runs walks no table). */
    struct machine_counts c0, c1;
    machine_counts(m, &c0);
    /* Every exit already delivers what it made pending, and a VM's virtual
     * time stands still off the CPU; this is for a VM entered the first time
     * or changed from outside (a monitor), and costs nothing otherwise. */
    reflect_interrupts(vm);
    if (v->iso)
        iso_entered(vm);
    /* Chained emulation (dispatch.c) up to where this loop stops the VM,
     * never for a caller (AT_EXIT), hook or checker that must see every
     * exit; a hook may come and go within a slice. */
    uint64_t chain_end = how == AT_EXIT ? 0 : vm->max_insns && vm->max_insns < end ? vm->max_insns : end;
    for (;;) {
        if (vm->state != VM_RUNNABLE)
            break;
        if (how != AT_EXIT && vm->cpu.instret >= end) {
            why = how == BY_BUDGET ? VMR_STEPPED : VMR_STOPPED;
            break;
        }
        if (vm->max_insns && vm->cpu.instret >= vm->max_insns) {
            vm->state = VM_LIMIT;
            break;
        }
        /* The real timer: the quantum's end, if the timer ends this slice,
         * and the VM's next virtual event. */
        uint64_t n = how == BY_TIMER ? end - vm->cpu.instret : UINT64_MAX;
        uint64_t ev = vm_next_event(vm);
        if (ev != UINT64_MAX && ev - vm->cpu.cycles < n)
            n = ev - vm->cpu.cycles;
        uint32_t timer = n >= VMM_INTERRUPT_SLICE ? VMM_INTERRUPT_SLICE : n == 0 ? 1 : (uint32_t)n;
        if (how == BY_BUDGET && n == UINT64_MAX)
            timer = 0; /* nothing to wait for: the budget ends the step */
        machine_arm_timer(m, timer);
        /* The budget: the VM's instruction limit, and a step's end. */
        uint64_t budget = vm->max_insns ? vm->max_insns - vm->cpu.instret : UINT64_MAX;
        if (how == BY_BUDGET && end - vm->cpu.instret < budget)
            budget = end - vm->cpu.instret;

        struct vm_exit x;
        uint64_t before = v->real->instret;
        if (vm->tech->run)
            vm->tech->run(vm, budget, &x);
        else
            machine_run(m, budget, &x);
        uint64_t direct = v->real->instret - before;
        vm->cpu.instret += direct;
        vm->cpu.cycles += direct;
        vm->st.direct += direct;
        if (__builtin_expect(x.reason == EXIT_BUDGET || x.reason == EXIT_DEBUG, 0)) {
            if (x.reason == EXIT_DEBUG) {
                /* the machine's debug path: a debugger's, not the VMM's */
                vm->debug_hit = x.debug;
                why = VMR_DEBUG;
                break;
            }
            if (!(vm->max_insns && vm->cpu.instret >= vm->max_insns))
                continue; /* a step's end, not the VM's limit: nothing for the VMM to handle */
        }
        vm->chain_end = v->hook || v->iso ? 0 : chain_end;
        bool pause = handle_exit(v, vm, &x);
        if (__builtin_expect(pause | vm->waiting_input | (how == AT_EXIT) | v->interrupted, 0)) {
            if (v->interrupted && vm->state == VM_RUNNABLE) {
                v->interrupted = 0;
                why = VMR_INTERRUPTED;
                break;
            }
            if (pause && vm->state == VM_RUNNABLE) {
                why = VMR_HOOK;
                break;
            }
            if (vm->waiting_input) {
                /* its console has no byte yet: the instruction that looked
                 * did nothing, and runs again when the VM is next entered */
                why = VMR_INPUT;
                break;
            }
            if (how == AT_EXIT && x.reason != EXIT_BUDGET) {
                why = vm->state == VM_RUNNABLE ? VMR_EXIT : VMR_STOPPED;
                break;
            }
        }
    }
    machine_counts(m, &c1);
    vm->st.walks += c1.walks - c0.walks;
    vm->st.walk_refs += c1.walk_refs - c0.walk_refs;
    vm->st.guest_entries += c1.guest_entries - c0.guest_entries;
    vm->st.transition_cycles += c1.guest_transition_cycles - c0.guest_transition_cycles;
    if (v->iso)
        iso_left(vm);
    machine_set_cr(m, CR_TIMER, 0);
    vm_leave(v, vm);
    return vm->state == VM_RUNNABLE ? why : VMR_STOPPED;
}

enum vmm_return vmm_run(struct vmm *v)
{
    int next = 0;
    int waiting = 0; /* VMs in a row that found no input */
    for (;;) {
        int n = runnable(v);
        if (n == 0)
            return VMR_STOPPED;
        if (waiting >= n)
            return VMR_INPUT; /* every one waits: the caller waits for input */
        struct vm *vm = NULL;
        for (int i = 0; i < v->nvms && !vm; i++) {
            struct vm *c = v->vms[(next + i) % v->nvms];
            if (c->state == VM_RUNNABLE)
                vm = c;
        }
        next = (vm->id + 1) % v->nvms;
        uint64_t before = vm->cpu.instret;
        enum vmm_return why = run_slice(v, vm, n > 1 ? vm->cpu.instret + v->cfg.quantum : UINT64_MAX, BY_TIMER);
        if (why == VMR_INPUT) {
            /* descheduled until its byte comes: the others run meanwhile */
            waiting = vm->cpu.instret == before ? waiting + 1 : 1;
            continue;
        }
        waiting = 0;
        if (why != VMR_STOPPED)
            return why; /* paused: the caller decides */
    }
}

enum vmm_return vmm_run_vm_until(struct vmm *v, struct vm *vm, uint64_t instret)
{
    if (vm->state != VM_RUNNABLE)
        return VMR_STOPPED;
    if (vm->cpu.instret >= instret)
        return VMR_STEPPED;
    return run_slice(v, vm, instret, BY_BUDGET);
}

enum vmm_return vm_step(struct vmm *v, struct vm *vm, uint64_t n)
{
    uint64_t end = vm->cpu.instret + n < vm->cpu.instret ? UINT64_MAX : vm->cpu.instret + n;
    return vmm_run_vm_until(v, vm, end);
}

enum vmm_return vm_run_to_exit(struct vmm *v, struct vm *vm)
{
    if (vm->state != VM_RUNNABLE)
        return VMR_STOPPED;
    return run_slice(v, vm, UINT64_MAX, AT_EXIT);
}

void vmm_interrupt(struct vmm *v) { v->interrupted = 1; }

const char *vmm_return_name(enum vmm_return r)
{
    static const char *const names[] = {
        [VMR_STOPPED] = "stopped", [VMR_STEPPED] = "stepped", [VMR_EXIT] = "exit",
        [VMR_HOOK] = "paused by the exit hook", [VMR_DEBUG] = "debug stop", [VMR_INPUT] = "waiting for input",
        [VMR_INTERRUPTED] = "interrupted",
    };
    return (unsigned)r < sizeof names / sizeof *names ? names[r] : "?";
}
