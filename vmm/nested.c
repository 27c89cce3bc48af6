/*
 * nested.c - nested paging, the MMU seam's second implementation
 * (seams.h; docs/vmm.md section 14), for a guest in the hardware guest
 * mode only (hw.c; AMD's NPT, Intel's EPT).
 *
 * The guest's page tables are the real MMU's first stage, untouched: the
 * guest writes them, switches ptb and flushes its TLB as on the bare
 * machine, and nothing of it exits.  Every address they produce (every
 * address, with the guest's paging off) is guest-physical and goes
 * through a second stage, the host table: per VM, two levels in host
 * frames of its own, mapping guest-physical [0, mem_size) one to one to
 * the VM's host frames (vm->pmap), readable, writable and executable.
 * That is exactly the shadow pager's paging-off shadow (ROLE_PHYS), made
 * whole at once: so it is made by shadow.c (shadow_phys_build), and
 * audited and logged by the isolation checker as shadow tables of role
 * phys are.  Nothing is traced and nothing is ever owned.
 *
 * What the host table refuses exits (EXIT_NESTED_FAULT).  It maps all of
 * the guest's memory, so that is an address outside it - the guest gets
 * the bus error the bare machine gives there - or an entry the host table
 * lost (none is ever taken away; a test plants one), which is made again.
 */
#include "vmm_impl.h"

/* Faults at one instruction before the VMM says a lost entry does not stay. */
#define NESTED_STALL_FAULTS 8

static uint32_t nested_frames(const struct vmm_config *cfg, uint32_t mem_size)
{
    (void)cfg;
    return shadow_phys_frames(mem_size / PAGE_SIZE);
}

static bool nested_init(struct vm *vm)
{
    if (!shadow_paging.init(vm))
        return false;
    vm->sh.limit = shadow_phys_frames(vm->nframes); /* the host table, and never more */
    return true;
}

/* The host table is made at the VM's first entry (its frames were set
 * aside when it was made).  A VM put on the CPU after another may find
 * the other's translations in the real TLB: the entry would flush them
 * (another nested root), but the checker looks before it. */
static void nested_activate(struct vm *vm)
{
    if (vm->vmm->current != vm || vm->state != VM_RUNNABLE)
        return;
    if (!vm->sh.root[ROLE_PHYS] && !shadow_phys_build(vm))
        return;
    if (vm->vmm->loaded != vm)
        machine_tlb_flush(vm->vmm->m);
}

/* Writes of ptb and PG never exit (nothing is owned): nothing to do. */
static void nested_nothing(struct vm *vm) { (void)vm; }

static void nested_guest_controls(const struct vm *vm, struct guest_control *gc)
{
    const struct spage *root = vm->sh.root[ROLE_PHYS];
    gc->nested = true;
    gc->nested_root = root ? root->hfn << PAGE_SHIFT : 0;
    gc->ptb_owned = false;
    gc->status_owned = 0;
}

static enum vmm_exit_kind nested_fault(struct vm *vm, const struct vm_exit *x)
{
    if (x->reason != EXIT_NESTED_FAULT) {
        vm_fail(vm, "VMM bug: a real %s trap at pc 0x%08x under nested paging", isa_cause_name(x->cause), x->pc);
        return VMX_PF_TRUE;
    }
    if (x->addr < vm->mem_size) {
        /* The guest's memory: an entry of the host table went missing.
         * Made again, the access runs when the guest is entered again. */
        struct shadow *sh = &vm->sh;
        if (vm->cpu.instret != sh->stall_instret || x->pc != sh->stall_pc) {
            sh->stall_instret = vm->cpu.instret;
            sh->stall_pc = x->pc;
            sh->stall_faults = 0;
        } else if (++sh->stall_faults >= NESTED_STALL_FAULTS) {
            vm_fail(vm, "VMM bug: %u nested faults at pc 0x%08x on guest-physical 0x%08x, inside its memory",
                    sh->stall_faults, x->pc, x->addr);
            return VMX_PF_HIDDEN;
        }
        shadow_phys_build(vm);
        vm->dec.gpa = x->addr;
        return VMX_PF_HIDDEN;
    }
    /* Outside its memory: on the bare machine a bus error, with the
     * access's detail bits and badaddr the virtual address (the guest's
     * table entry or page outside memory, or with paging off the address
     * itself). */
    uint32_t cause = CAUSE_BUS_ERROR | (x->cause & (CAUSE_WRITE | CAUSE_FETCH | CAUSE_USER));
    vm->dec.cause = cause;
    reflect_trap(vm, cause, x->guest_va);
    return VMX_REFLECTED;
}

static void nested_guest_wrote(struct vm *vm, uint32_t gpa, size_t len)
{
    (void)vm, (void)gpa, (void)len; /* nothing is made from guest memory */
}

/* A reboot keeps the host table: the VM keeps its frames, so the table
 * maps the same (shadow.c's reset would drop it, and the next entry make
 * it again, for nothing). */
static void nested_keep(struct vm *vm) { vm->sh.stall_faults = 0; }

static void nested_free(struct vm *vm) { shadow_paging.free(vm); }

/* The host table's walk of one guest-physical address: the second stage,
 * as the hardware makes it for every guest table entry and page. */
static bool nested_walk_gpa(struct vm *vm, uint32_t gpa, struct vmm_mmu_walk *out)
{
    const struct spage *root = vm->sh.root[ROLE_PHYS];
    *out = (struct vmm_mmu_walk){.role = "nested", .guest_table = vm->cpu.cr[CR_PTB]};
    if (root) /* read with supervisor rights, as the hardware's second stage */
        host_table_walk(vm, root->hfn << PAGE_SHIFT, gpa, false, out);
    return true;
}

/* For a debugger: the second stage of va's translation - the host
 * table's walk of the guest-physical address the guest's own walk gives
 * (with its paging off, va itself), every address host-physical.  The
 * guest's walk is read with no A or D set. */
static bool nested_walk(struct vm *vm, uint32_t va, struct vmm_mmu_walk *out)
{
    uint32_t gpa = va;
    if (vm->cpu.cr[CR_STATUS] & SR_PG) {
        struct dma mem = vm->dma;
        struct pt_walk w;
        if (pt_walk(&mem, vm->cpu.cr[CR_PTB], va, ACCESS_READ, false, false, &w)) {
            nested_walk_gpa(vm, 0, out); /* the root, and no second stage: the guest's own walk fails */
            out->levels = 0;
            return true;
        }
        gpa = w.page | (va & PAGE_MASK);
    }
    return nested_walk_gpa(vm, gpa, out);
}

/* The checker's rule on the real CPU: the block enters the VM's own host
 * table, and owns nothing (the guest's ptb is its own, a guest-physical
 * address the host table translates). */
static bool nested_audit_real(struct vm *vm, const struct guest_control *gc, struct findings *fd)
{
    const struct spage *root = vm->sh.root[ROLE_PHYS];
    if (gc && gc->nested && root && gc->nested_root == root->hfn << PAGE_SHIFT)
        return true;
    struct vmm_violation r;
    violation_start(&r, INV_REAL_PTB, vm);
    if (!gc)
        violation_say(&r, "nested paging for a guest that is not in the hardware guest mode");
    else if (!gc->nested)
        violation_say(&r, "the control block has nested paging off: the guest's addresses would be host-physical");
    else if (!root)
        violation_say(&r, "the control block enters nested root 0x%08x, and the VM has no host table",
                      gc->nested_root);
    else {
        char who[96];
        r.hfn = gc->nested_root >> PAGE_SHIFT;
        describe_frame(vm->vmm, r.hfn, who, sizeof who);
        violation_say(&r, "the control block enters nested root 0x%08x (%s), not the VM's host table in host frame "
                          "0x%x",
                      gc->nested_root, who, root->hfn);
    }
    violation_found(fd, &r);
    return false;
}

/* Every host-table entry maps this VM's own frame, the one pmap says, with
 * no more than the guest-physical memory's rights (audit_shadows over the
 * role-phys tables), and the table is whole: an entry missing costs a
 * fault, a table missing would too, but the books count what it holds. */
static bool nested_audit(struct vm *vm, struct findings *fd) { return audit_shadows(vm, fd); }

const struct vmm_mmu nested_paging = {
    .name = "nested",
    .summary = "nested paging (hardware guest mode only): a host table maps guest-physical memory, the guest's "
               "own tables are walked as they are",
    .init = nested_init,
    .free = nested_free,
    .reset = nested_keep,
    .activate = nested_activate,
    .ptb_written = nested_nothing,
    .paging_changed = nested_nothing,
    .fault = nested_fault,
    .guest_wrote = nested_guest_wrote,
    .walk = nested_walk,
    .walk_gpa = nested_walk_gpa,
    .made_from = NULL, /* nothing is made from guest page-table words */
    .audit = nested_audit,
    .frames = nested_frames,
    .guest_controls = nested_guest_controls,
    .guest_mode_only = true,
    .audit_real = nested_audit_real,
    .audit_tlb = audit_tlb_frames,
};
