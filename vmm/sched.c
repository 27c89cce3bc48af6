/*
 * sched.c - time-sharing the one real CPU among virtual machines, and the
 * run loop of one VM on it (KVM's shape: enter, exit, handle, re-enter).
 *
 * The real timer is armed before each entry for the nearest of: the end of
 * the VM's time slice, and the VM's next virtual event (its virtual timer
 * or disk) counted in the guest's own instructions.  So a virtual timer
 * interrupt reaches the guest at exactly the instruction it would on the
 * bare machine.
 */
#include <string.h>

#include "vmm_impl.h"

static void vm_enter(struct vmm *v, struct vm *vm)
{
    struct cpu_state *c = machine_cpu(v->m);
    memcpy(c->r, vm->cpu.r, sizeof c->r);
    c->pc = vm->cpu.pc;
    v->current = vm;
    /* Real user mode, paging on, interrupts on so the real timer exits. */
    machine_set_cr(v->m, CR_STATUS, SR_IE | SR_PG);
    shadow_activate(vm);
}

static void vm_leave(struct vmm *v, struct vm *vm)
{
    struct cpu_state *c = machine_cpu(v->m);
    memcpy(vm->cpu.r, c->r, sizeof c->r);
    vm->cpu.r[0] = 0;
    vm->cpu.pc = c->pc;
    v->current = NULL;
}

static int runnable(const struct vmm *v)
{
    int n = 0;
    for (int i = 0; i < v->nvms; i++)
        n += v->vms[i]->state == VM_RUNNABLE;
    return n;
}

/* Run vm on the real CPU until it stops or its instruction count reaches
 * slice_end (exactly: the real timer never lets it run past). */
static void run_slice(struct vmm *v, struct vm *vm, uint64_t slice_end)
{
    struct machine *m = v->m;

    vm_enter(v, vm);
    /* Every exit already delivers what it made pending, and a VM's virtual
     * time stands still off the CPU; this is for a VM entered the first time
     * or changed from outside (a monitor), and costs nothing otherwise. */
    reflect_interrupts(vm);
    if (v->iso)
        iso_entered(vm);
    while (vm->state == VM_RUNNABLE && vm->cpu.instret < slice_end) {
        if (vm->max_insns && vm->cpu.instret >= vm->max_insns) {
            vm->state = VM_LIMIT;
            break;
        }
        uint64_t n = slice_end - vm->cpu.instret;
        uint64_t ev = devices_next_event(&vm->dev);
        if (ev != UINT64_MAX && ev - vm->cpu.cycles < n)
            n = ev - vm->cpu.cycles;
        machine_set_cr(m, CR_TIMER, n >= UINT32_MAX ? UINT32_MAX : n == 0 ? 1 : (uint32_t)n);
        uint64_t budget = vm->max_insns ? vm->max_insns - vm->cpu.instret : UINT64_MAX;

        struct vm_exit x;
        uint64_t before = machine_cpu(m)->instret;
        machine_run(m, budget, &x);
        uint64_t direct = machine_cpu(m)->instret - before;
        vm->cpu.instret += direct;
        vm->cpu.cycles += direct;
        vm->st.direct += direct;
        dispatch_exit(vm, &x);
        if (v->iso)
            iso_after_exit(vm, &x);
    }
    if (v->iso)
        iso_left(vm);
    machine_set_cr(m, CR_TIMER, 0);
    vm_leave(v, vm);
}

void vmm_run(struct vmm *v)
{
    int next = 0;
    for (;;) {
        int n = runnable(v);
        if (n == 0)
            return;
        struct vm *vm = NULL;
        for (int i = 0; i < v->nvms && !vm; i++) {
            struct vm *c = v->vms[(next + i) % v->nvms];
            if (c->state == VM_RUNNABLE)
                vm = c;
        }
        next = (vm->id + 1) % v->nvms;
        run_slice(v, vm, n > 1 ? vm->cpu.instret + v->cfg.quantum : UINT64_MAX);
    }
}

void vmm_run_vm_until(struct vmm *v, struct vm *vm, uint64_t instret)
{
    if (vm->state == VM_RUNNABLE && vm->cpu.instret < instret)
        run_slice(v, vm, instret);
}
