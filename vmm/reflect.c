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
    /* LAB 2 BEGIN reflect-trap: deliver a trap into the guest exactly as the
     * bare machine's hardware would (docs/isa.md section 6): epc = the
     * instruction's pc, cause, badaddr, status as sr_after_trap says, and pc
     * = the guest's tvec.  That is trap_deliver (isa/sensitive.h), the same
     * code the bare machine runs, applied to the virtual CPU: its general
     * registers and pc are on the real CPU (vcpu_live(vm)), its control
     * registers in vm->cpu.  (A technique may deliver its own way: if
     * vm->tech->deliver is set, call it instead.)
     *  - if delivery fails (a double fault: the handler's first instruction
     *    trapped in supervisor mode), the VM stops: vm->state =
     *    VM_DOUBLE_FAULT, vm->exit_value = cause;
     *  - else the guest is now in virtual supervisor mode, and must run on
     *    its supervisor-mode shadow root: vm->mmu->activate(vm).
     * Tests: reflect-syscall, reflect-user-privileged, misaligned-user-bit,
     * double-fault. */
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
    /* LAB 2 STUB */
    // vm_fail(vm, "lab 2: reflect_trap is not written yet (vmm/reflect.c): a %s trap (badaddr 0x%08x) for the guest",
    //         isa_cause_name(cause), badaddr);
    /* LAB 2 END */
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
    /* LAB 2 BEGIN reflect-interrupts: deliver the virtual interrupt, if
     * the guest would take it now.  cause (above) is the highest-priority
     * interrupt the VM's virtual devices have pending (0: none); its
     * timer, console and disk are already brought up to the guest's time.
     * On the bare machine an interrupt is taken only while status.IE is set
     * (docs/isa.md section 6) - the guest's IE, vm->cpu.cr[CR_STATUS],
     * not the real one, which is always on.  Deliver it with reflect_trap
     * (badaddr 0; pc is the next instruction, and lands in epc), and count
     * it: vm->st.interrupts, and vm->dec.interrupt = cause (for vmon).
     * Tests: interrupt-ie, guest-os-demo. */
    if (!(vm->cpu.cr[CR_STATUS] & SR_IE) || !cause)
        return;
    vm->st.interrupts++;
    vm->dec.interrupt = cause;
    reflect_trap(vm, cause, 0); /* pc is the next instruction: it lands in epc */
    /* LAB 2 STUB */
    // if (cause)
    //     vm_fail(vm, "lab 2: reflect_interrupts is not written yet (vmm/reflect.c): a %s interrupt is pending",
    //             isa_cause_name(cause));
    /* LAB 2 END */
}
