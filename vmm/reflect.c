/*
 * reflect.c - delivering traps and interrupts into a guest, exactly as the
 * hardware would have delivered them on the bare machine (docs/isa.md
 * section 6): the same epc, cause, badaddr and status, and a jump to the
 * guest's own tvec.
 */
#include "disk_store.h"
#include "sensitive.h"
#include "vmm_impl.h"

void reflect_trap(struct vm *vm, uint32_t cause, uint32_t badaddr)
{
    /* The hardware's half of the trap (isa/sensitive.h), on the virtual
     * CPU: its pc is on the real CPU, its control registers here; or the
     * technique's, for a guest that registered a handler with it. */
    bool ok = vm->tech->deliver ? vm->tech->deliver(vm, cause, badaddr)
                                : trap_deliver(vcpu_live(vm), &vm->cpu, cause, badaddr);
    if (!ok) {
        vm->state = VM_DOUBLE_FAULT;
        vm->exit_value = cause;
        return;
    }
    vm->mmu->activate(vm); /* now in virtual supervisor mode */
}

void reflect_interrupts(struct vm *vm)
{
    /* Most exits touch no device: nothing to look at before the next event. */
    if (vm->dev_quiet && vm->cpu.cycles < vm->dev_next)
        return;
    devices_tick(&vm->dev, vm->cpu.cycles, &vm->dma);
    if (disk_failed(&vm->dev.disk)) {
        /* As on the bare machine (EXIT_DISK_ERROR): the VM stops here. */
        vm->dev_quiet = false;
        vm_fail(vm, "disk: %s", disk_store_error(vm->dev.disk.store));
        return;
    }
    uint32_t cause = devices_pending(&vm->dev);
    vm->dev_quiet = !cause;
    vm->dev_next = devices_next_event(&vm->dev);
    if (!(vm->cpu.cr[CR_STATUS] & SR_IE) || !cause)
        return;
    vm->st.interrupts++;
    vm->dec.interrupt = cause;
    reflect_trap(vm, cause, 0); /* pc is the next instruction: it lands in epc */
}
