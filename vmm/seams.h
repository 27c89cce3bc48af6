/*
 * seams.h - the two places a virtualization technique plugs into the VMM.
 *
 * A VM is made with one technique for its CPU and one for its memory, each
 * an ops table chosen once, when the VM is made (vmm_add_vm).  Everything
 * else in vmm/ calls through the tables and never names a technique: the
 * scheduler's run loop (sched.c) enters, exits and re-enters the same way
 * whatever runs the guest; the interpreter tells "the MMU" that the guest
 * wrote ptb, not the shadow pager.
 *
 * The CPU techniques are trap-and-emulate (dispatch.c), hybrid
 * (hybrid.c, which interprets virtual supervisor mode), binary
 * translation (bt.c, which runs it from translated code), pv (pv.c,
 * which answers a paravirtualized kernel's hypercalls) and hw (hw.c, the
 * machine's hardware guest mode); memory has shadow paging with its three
 * policies (shadow.c) and, under hw only, nested paging (nested.c).  docs/vmm.md
 * section 2 ("Adding a technique") says how to add another.
 */
#ifndef VMLAB_SEAMS_H
#define VMLAB_SEAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

struct vm;
struct findings;

enum code_how { CODE_LOOK, CODE_FILL, CODE_FETCH }; /* vmm_technique.code_frame */

/* How a VM's CPU is virtualized. */
struct vmm_technique {
    const char *name;    /* as vmm_config.technique names it */
    const char *summary; /* one line, for --help and the docs */
    /* The real CPU's state for running this VM, set when the VM is put on
     * it (the registers are already there; the MMU is activated next). */
    void (*load)(struct vm *vm);
    /* Handle one exit of the real machine while this VM ran: the
     * dispatcher.  It says what it decided in vm->dec (kind at least),
     * which the run loop cleared before. */
    void (*handle_exit)(struct vm *vm, const struct vm_exit *x);
    /* Run the guest from its current state, as machine_run does: at most
     * budget instructions, and no further than the real timer, which the
     * run loop armed (machine_get_cr: instructions until it fires, 0: not
     * armed).  Returns an exit for
     * handle_exit, or EXIT_BUDGET when there is nothing for it: the budget
     * is spent, or the technique hands back early so that the run loop
     * looks again (it checks the limits and re-arms the timer from the
     * VM's time, which the technique may have moved).  NULL: machine_run,
     * the guest runs directly (trap-and-emulate), with no call between. */
    enum exit_reason (*run)(struct vm *vm, uint64_t budget, struct vm_exit *x);

    /* A technique that runs the guest kernel from translated code (bt.c);
     * NULL for the others.  code_frame is how the MMU and it cooperate:
     * the host frame holding the translation of guest frame gfn, or 0 if
     * gfn is not code.  The MMU maps such a frame execute-only (no R, no
     * W) where the guest runs in virtual supervisor mode or with paging
     * off, maps every other frame there without X (so the first fetch
     * faults), never maps a code frame writable, and emulates the data
     * accesses those rights refuse (shadow.c).  how: CODE_LOOK changes
     * nothing (audits); CODE_FILL is a shadow fill (counted as a hit if
     * the translation exists); CODE_FETCH, a fetch fault in supervisor
     * mode, makes the frame code if it is not. */
    uint32_t (*code_frame)(struct vm *vm, uint32_t gfn, enum code_how how);
    /* Host frames of its own (FRAME_CODE) it may hold per VM: set aside
     * with the VM's shadow frames when the VM is made (vm.reservation). */
    uint32_t frames;
    /* Guest memory at [gpa, gpa+len) changed (as vmm_mmu.guest_wrote). */
    void (*guest_wrote)(struct vm *vm, uint32_t gpa, size_t len);
    /* Drop every host frame kept for the VM (a reboot, the VM freed). */
    void (*forget)(struct vm *vm);
    /* Deliver a trap or interrupt into the guest at its current pc (a
     * guest that asked for its traps elsewhere: paravirtualization, pv.c).
     * False, touching nothing, for a double fault.  NULL: as the hardware
     * does, to the guest's tvec (trap_deliver). */
    bool (*deliver)(struct vm *vm, uint32_t cause, uint32_t badaddr);
    /* Its own per-VM state (vm->tech_data): dropped at a reboot (reset)
     * and freed with the VM (free).  NULL: it keeps none. */
    void (*reset)(struct vm *vm);
    void (*free)(struct vm *vm);
    /* A technique that runs the guest in the machine's hardware guest
     * mode (hw.c): the control block the VM's next entry loads (what the
     * isolation checker audits); NULL for a technique that runs the guest
     * deprivileged.  In the guest mode the guest's own modes are the real
     * CPU's, and the hardware checks U for it: the shadow pager then makes
     * one shadow for both modes (ROLE_GUEST) whose entries keep the
     * guest's U bit. */
    const struct guest_control *(*control_block)(const struct vm *vm);
};

/* How a VM's memory is virtualized: what the real MMU walks for it. */
struct vmm_mmu {
    const char *name;
    const char *summary;
    bool (*init)(struct vm *vm);   /* its structures for a new VM; false if out of memory */
    void (*free)(struct vm *vm);   /* every host frame it holds back to the allocator */
    void (*reset)(struct vm *vm);  /* drop everything made so far (a reboot) */
    /* Point the real MMU at what serves the VM's current mode, ptb and
     * paging state.  Called when the VM is put on the real CPU and after
     * every change of mode; does nothing unless the VM is on the CPU. */
    void (*activate)(struct vm *vm);
    void (*ptb_written)(struct vm *vm);    /* the guest wrote its ptb */
    void (*paging_changed)(struct vm *vm); /* the guest turned paging on or off */
    /* A real page fault while the guest ran: fix it (hidden fault),
     * emulate the access (the guest's page tables are traced) or reflect
     * it (a true fault).  Returns the kind it was; the details go in
     * vm->dec. */
    enum vmm_exit_kind (*fault)(struct vm *vm, const struct vm_exit *x);
    /* Guest memory at [gpa, gpa+len) changed behind the real MMU's back
     * (an emulated store, DMA, a debugger). */
    void (*guest_wrote)(struct vm *vm, uint32_t gpa, size_t len);
    /* The walk the real MMU would do for va through what it made for the
     * VM's current mode, read only (vm_mmu_walk, for debuggers: called
     * between exits, never on the exit path).  NULL: nothing to walk. */
    bool (*walk)(struct vm *vm, uint32_t va, struct vmm_mmu_walk *out);
    /* A second stage's walk of guest-physical gpa (nested paging: the host
     * table's), read only, for debuggers; NULL: the MMU has no second
     * stage. */
    bool (*walk_gpa)(struct vm *vm, uint32_t gpa, struct vmm_mmu_walk *out);
    /* The entries it made from the guest page-table word at gpa, read
     * only (vm_mmu_made_from, for debuggers).  NULL: none are made. */
    int (*made_from)(struct vm *vm, uint32_t gpa, struct vmm_made_entry *out, int max);
    /* The rules of resource control over what it made (audit.c): false,
     * and the findings, if any is broken. */
    bool (*audit)(struct vm *vm, struct findings *fd);
    /* Host frames to set aside for a VM of mem_size bytes when it is made
     * (vm.reservation): what it may hold at most. */
    uint32_t (*frames)(const struct vmm_config *cfg, uint32_t mem_size);
    /* For a technique that runs the guest in the hardware guest mode
     * (vmm_technique.control_block): what this MMU needs in the control
     * block - owned state and the exits that keep its tables coherent
     * (shadow), or the host table (nested) - set into gc before every
     * entry, nothing else changed.  NULL: it cannot serve such a guest. */
    void (*guest_controls)(const struct vm *vm, struct guest_control *gc);
    /* It serves only guests in the hardware guest mode (nested paging):
     * vmm_new refuses it with any other technique. */
    bool guest_mode_only;
    /* Its part of the checker's rule on the real CPU (audit.c,
     * audit_real): the real ptb, and gc, the control block of a guest in
     * the hardware guest mode (NULL for a deprivileged one). */
    bool (*audit_real)(struct vm *vm, const struct guest_control *gc, struct findings *fd);
    /* The real TLB against what it made (audit.c): NULL, the shadow's
     * rule (audit_tlb: each entry as the current shadow gives it). */
    bool (*audit_tlb)(struct vm *vm, struct findings *fd);
};

/* The techniques there are, and the one a name means (NULL: unknown).
 * The first of each list is the default. */
extern const struct vmm_technique *const vmm_techniques[];
extern const struct vmm_mmu *const vmm_mmus[];
const struct vmm_technique *vmm_technique_find(const char *name);
const struct vmm_mmu *vmm_mmu_find(const char *name);
/* Whether MMU m can serve a VM whose CPU technique is t. */
bool vmm_serves(const struct vmm_technique *t, const struct vmm_mmu *m);

extern const struct vmm_technique trap_and_emulate;
extern const struct vmm_technique hybrid;
extern const struct vmm_technique binary_translation;
extern const struct vmm_technique paravirt;
extern const struct vmm_technique hardware_assist;
extern const struct vmm_mmu shadow_paging;
extern const struct vmm_mmu nested_paging;

#endif
