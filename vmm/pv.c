/*
 * pv.c - paravirtualization, the VMM's side (seams.h: the technique "pv";
 * the ABI is isa/hypercalls.h, docs/guest-os.md, docs/vmm.md section 13),
 * after Xen: the guest kernel knows it runs on a hypervisor and asks it,
 * with `hcall rd, n`, for what it would otherwise do with privileged
 * instructions that trap one by one.
 *
 * Everything that still traps is trap-and-emulate's (dispatch.c): an
 * unmodified guest, which never calls set_shared, runs exactly as under
 * trap-and-emulate.  What pv adds:
 *   - hypercalls made in virtual supervisor mode are answered here, each
 *     in one exit (from user mode they are the guest kernel's own trap,
 *     as on the bare machine, and reflected);
 *   - once the kernel registered a handler (set_trap) and a shared area
 *     (set_shared), traps go to that handler with their epc, cause,
 *     badaddr, status and the interrupted sp in the shared area, so that
 *     it needs no mfcr (which would trap) to read them;
 *   - its page tables change by validated batches (mmu_update), Xen's
 *     model: a frame becomes a known page table when it is set as a root
 *     (set_ptb) or linked from a known root; it is then scanned once (Xen
 *     pins it) and kept up to date from the batches, until nothing holds
 *     it (no known root links it; a root with no valid entry, not the
 *     ptb), when it is unpinned and its frame may become anything.  No leaf entry of a
 *     known table maps a known table writable, and no frame a known leaf
 *     maps writable becomes a table, so the kernel cannot write a table
 *     except through mmu_update, whose stores go through vm_guest_write,
 *     the shadow pager's coherent path (vm->pt_validated: it need not
 *     write-protect these tables).
 * A refused call writes 0xffffffff (mmu_update: how many entries it
 * applied) to R[rd] and the reason to the shared area; nothing else
 * changes, and the VM goes on.
 *
 * What validation is for here: isolation does not rest on it - the
 * shadow pager maps only the VM's own frames whatever the guest's tables
 * say (audit.c) - but the guest's own guarantee that its tables change only
 * through the hypervisor does, as in Xen where it is all there is.  With
 * its paging off a kernel writes guest-physical memory directly, tables
 * too (Xen's guests never run unpaged): its tables are then its own
 * business, as they are on the bare machine.
 */
#include <stdlib.h>
#include <string.h>

#include "hypercalls.h"
#include "sensitive.h"
#include "vmm_impl.h"

_Static_assert(HC_HALT < VM_HYPERCALL_SLOTS, "vm_stats.hypercalls counts every call by its number");

#define REG_SP 2 /* isa/arch.h: r2 is sp, what the shared area's SH_SP holds */

/* What a guest frame is to the validator. */
enum {
    PV_ROOT = 1, /* set as a root by set_ptb (pinned) */
    PV_LEAF = 2, /* linked from a known root's entry */
    PV_NEW = 4,  /* about to become a leaf table (set_ptb's scan, before it commits) */
};

struct pv {
    bool has_handler, has_shared;
    uint32_t handler; /* set_trap's */
    uint32_t shared;  /* set_shared's guest-physical address */
    uint8_t *known;   /* per guest frame: PV_* */
    uint32_t *wmaps;  /* per guest frame: valid writable entries of known leaf tables that map it */
    uint16_t *links;  /* per guest frame: valid entries of known roots that link it */
    uint16_t *nvalid; /* per known root: its valid entries */
};

static void pv_free(struct vm *vm)
{
    struct pv *p = vm->tech_data;
    if (p) {
        free(p->known);
        free(p->wmaps);
        free(p->links);
        free(p->nvalid);
        free(p);
    }
    vm->tech_data = NULL;
    vm->pt_validated = false;
}

/* The VM's state, made at its first hypercall; NULL (the VM failed) if
 * the host has no memory for it. */
static struct pv *pv_of(struct vm *vm)
{
    struct pv *p = vm->tech_data;
    if (p)
        return p;
    p = calloc(1, sizeof *p);
    if (p) {
        p->known = calloc(vm->nframes, sizeof *p->known);
        p->wmaps = calloc(vm->nframes, sizeof *p->wmaps);
        p->links = calloc(vm->nframes, sizeof *p->links);
        p->nvalid = calloc(vm->nframes, sizeof *p->nvalid);
    }
    if (!p || !p->known || !p->wmaps || !p->links || !p->nvalid) {
        vm->tech_data = p;
        pv_free(vm);
        vm_fail(vm, "out of memory for the paravirtualization state");
        return NULL;
    }
    return vm->tech_data = p;
}

static void shared_put(struct vm *vm, const struct pv *p, uint32_t off, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    vm_guest_write(vm, p->shared + off, b, 4);
}

static void put_word(struct vm *vm, uint32_t gpa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    vm_guest_write(vm, gpa, b, 4);
}

/* The shared area's frames (one or two) as writable mappings. */
static void shared_count(struct pv *p, int sign)
{
    uint32_t f = p->shared >> PAGE_SHIFT, l = (p->shared + SH_SIZE - 1) >> PAGE_SHIFT;
    p->wmaps[f] += (uint32_t)sign;
    if (l != f)
        p->wmaps[l] += (uint32_t)sign;
}

/* --- trap delivery --- */

/* The hardware's half of the trap on the virtual CPU (as trap_deliver),
 * then the shared area, and the registered handler instead of tvec. */
static bool pv_deliver(struct vm *vm, uint32_t cause, uint32_t badaddr)
{
    struct pv *p = vm->tech_data;
    struct cpu_state *r = vcpu_live(vm);
    if (!p || !p->has_handler || !p->has_shared)
        return trap_deliver(r, &vm->cpu, cause, badaddr);
    uint32_t *cr = vm->cpu.cr;
    if (CAUSE_CODE(cause) < CAUSE_FIRST_INTERRUPT && is_double_fault(cr[CR_STATUS], r->pc, p->handler))
        return false;
    cr[CR_EPC] = r->pc;
    cr[CR_CAUSE] = cause;
    cr[CR_BADADDR] = badaddr;
    cr[CR_STATUS] = sr_after_trap(cr[CR_STATUS]);
    shared_put(vm, p, SH_EPC, cr[CR_EPC]);
    shared_put(vm, p, SH_CAUSE, cause);
    shared_put(vm, p, SH_BADADDR, badaddr);
    shared_put(vm, p, SH_STATUS, cr[CR_STATUS]);
    shared_put(vm, p, SH_SP, r->r[REG_SP]);
    r->pc = p->handler;
    return true;
}

/* --- validation --- */

/* Guest frame f (inside its memory) as a table: one copy, not 1024 reads. */
static void read_table(struct vm *vm, uint32_t f, uint32_t t[PT_ENTRIES])
{
    if (!vm_guest_read(vm, f << PAGE_SHIFT, t, PAGE_SIZE))
        memset(t, 0, PAGE_SIZE);
}

static bool frame_ok(const struct vm *vm, uint32_t e) { return !(e & PTE_V) || (e >> PAGE_SHIFT) < vm->nframes; }
static bool maps_writable(uint32_t e) { return (e & (PTE_V | PTE_W)) == (PTE_V | PTE_W); }

/* Whether guest frame f may become a leaf table: nothing known maps it
 * writable, and none of its entries maps a frame outside the guest or a
 * known (or about to be known) table writable. */
static enum hc_error leaf_check(struct vm *vm, struct pv *p, uint32_t f)
{
    if (p->wmaps[f])
        return HCE_MAPPED_WRITABLE;
    uint32_t t[PT_ENTRIES];
    read_table(vm, f, t);
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e = t[i];
        if (!frame_ok(vm, e))
            return HCE_NOT_OWNED;
        if (maps_writable(e) && (p->known[e >> PAGE_SHIFT] || e >> PAGE_SHIFT == f))
            return HCE_PT_WRITABLE;
    }
    return HCE_NONE;
}

/* f is a leaf table from now on: count what it maps writable. */
static void leaf_pin(struct vm *vm, struct pv *p, uint32_t f)
{
    p->known[f] = (uint8_t)((p->known[f] & ~PV_NEW) | PV_LEAF);
    uint32_t t[PT_ENTRIES];
    read_table(vm, f, t);
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e = t[i];
        if (maps_writable(e))
            p->wmaps[e >> PAGE_SHIFT]++;
    }
}

/* f is a leaf table no more (no known root links it): what it maps
 * writable no longer counts, and it may become anything. */
static void leaf_unpin(struct vm *vm, struct pv *p, uint32_t f)
{
    p->known[f] &= (uint8_t)~PV_LEAF;
    uint32_t t[PT_ENTRIES];
    read_table(vm, f, t);
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e = t[i];
        if (maps_writable(e) && (e >> PAGE_SHIFT) < vm->nframes && p->wmaps[e >> PAGE_SHIFT])
            p->wmaps[e >> PAGE_SHIFT]--;
    }
}

/* Root r's entry went from old to now: the links it makes.  A leaf table
 * no known root links any more is unpinned; so is a root with no valid
 * entry left that is not the guest's ptb (Xen: a page's type may change
 * once nothing holds it as that type).  A kernel's teardown clears every
 * entry, so a freed table may come back as either kind. */
static void root_entry_changed(struct vm *vm, struct pv *p, uint32_t r, uint32_t old, uint32_t now)
{
    if (now & PTE_V) {
        p->links[now >> PAGE_SHIFT]++;
        p->nvalid[r]++;
    }
    if (old & PTE_V) {
        uint32_t f = old >> PAGE_SHIFT;
        if (f < vm->nframes && p->links[f] && --p->links[f] == 0 && (p->known[f] & PV_LEAF))
            leaf_unpin(vm, p, f);
        if (p->nvalid[r])
            p->nvalid[r]--;
    }
    if (!p->nvalid[r] && r != vm->cpu.cr[CR_PTB] >> PAGE_SHIFT)
        p->known[r] &= (uint8_t)~PV_ROOT;
}

/* Pin the root at guest frame r and every leaf table it links that is not
 * known yet; all or nothing. */
static enum hc_error root_pin(struct vm *vm, struct pv *p, uint32_t r)
{
    if (r >= vm->nframes)
        return HCE_NOT_OWNED;
    if (p->known[r] & PV_ROOT)
        return HCE_NONE; /* kept up to date since it was pinned */
    if (p->wmaps[r])
        return HCE_MAPPED_WRITABLE;
    uint32_t fresh[PT_ENTRIES];
    uint32_t nfresh = 0;
    enum hc_error err = HCE_NONE;
    uint8_t was = p->known[r];
    p->known[r] |= PV_ROOT;
    uint32_t t[PT_ENTRIES];
    read_table(vm, r, t);
    for (uint32_t i = 0; i < PT_ENTRIES && !err; i++) {
        uint32_t e = t[i], f = e >> PAGE_SHIFT;
        if (!(e & PTE_V))
            continue;
        if (f >= vm->nframes)
            err = HCE_NOT_OWNED;
        else if (!(p->known[f] & (PV_LEAF | PV_NEW))) {
            p->known[f] |= PV_NEW;
            fresh[nfresh++] = f;
        }
    }
    for (uint32_t i = 0; i < nfresh && !err; i++)
        err = leaf_check(vm, p, fresh[i]);
    for (uint32_t i = 0; i < nfresh; i++) {
        if (err)
            p->known[fresh[i]] &= (uint8_t)~PV_NEW;
        else
            leaf_pin(vm, p, fresh[i]);
    }
    if (err) {
        p->known[r] = was;
        return err;
    }
    p->nvalid[r] = 0;
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e = t[i]; /* as read above: nothing wrote it since */
        if (e & PTE_V) {
            p->links[e >> PAGE_SHIFT]++;
            p->nvalid[r]++;
        }
    }
    return HCE_NONE;
}

/* One entry of a batch: the word at guest-physical a becomes v. */
static enum hc_error update(struct vm *vm, struct pv *p, uint32_t a, uint32_t v)
{
    if ((a & 3) || a >= vm->mem_size)
        return HCE_BAD_REQUEST;
    if (!frame_ok(vm, v))
        return HCE_NOT_OWNED;
    uint32_t t = a >> PAGE_SHIFT, f = v >> PAGE_SHIFT, old = vm_guest_word(vm, a);
    if ((p->known[t] & PV_LEAF) && maps_writable(v) && (p->known[f] || f == t))
        return HCE_PT_WRITABLE;
    bool link = (p->known[t] & PV_ROOT) && (v & PTE_V) && !(p->known[f] & PV_LEAF);
    if (link && f == t && maps_writable(v))
        return HCE_PT_WRITABLE; /* a root linking itself: this entry is one of its leaves, writable */
    if (link) {
        enum hc_error err = leaf_check(vm, p, f);
        if (err)
            return err;
    }
    if (p->known[t] & PV_LEAF) {
        /* (not counted if the kernel wrote it with its paging off) */
        if (maps_writable(old) && (old >> PAGE_SHIFT) < vm->nframes && p->wmaps[old >> PAGE_SHIFT])
            p->wmaps[old >> PAGE_SHIFT]--;
        if (maps_writable(v))
            p->wmaps[f]++;
    }
    put_word(vm, a, v); /* the shadow pager's coherent path */
    if (link)
        leaf_pin(vm, p, f);
    if (p->known[t] & PV_ROOT)
        root_entry_changed(vm, p, t, old, v);
    vm->st.mmu_entries++;
    return HCE_NONE;
}

/* --- the calls --- */

/* Refuse the call: R[rd] = result, the reason in the shared area. */
static void refuse(struct vm *vm, struct pv *p, unsigned rd, uint32_t result, enum hc_error why)
{
    reg_set(vcpu_live(vm), rd, result);
    if (p->has_shared)
        shared_put(vm, p, SH_ERROR, why);
    vm->st.hc_refused++;
}

static void mmu_update(struct vm *vm, struct pv *p, unsigned rd, uint32_t batch)
{
    uint32_t n = vm_guest_word(vm, batch);
    if ((batch & 3) || batch >= vm->mem_size || n == 0 || n > MMU_BATCH_MAX ||
        (vm->mem_size - batch - 4) / 8 < n) {
        refuse(vm, p, rd, 0, HCE_BAD_REQUEST);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = batch + 4 + 8 * i;
        enum hc_error err = update(vm, p, vm_guest_word(vm, at), vm_guest_word(vm, at + 4));
        if (err) {
            refuse(vm, p, rd, i, err);
            return;
        }
    }
    reg_set(vcpu_live(vm), rd, n);
}

/* The guest's ptb moved off root r: with no valid entry left (a torn-down
 * table), r is a root no more. */
static void root_left(struct pv *p, uint32_t r)
{
    if ((p->known[r] & PV_ROOT) && !p->nvalid[r])
        p->known[r] &= (uint8_t)~PV_ROOT;
}

static void set_ptb(struct vm *vm, uint32_t ptb)
{
    vm->cpu.cr[CR_PTB] = ptb & ~PAGE_MASK;
    vm->mmu->ptb_written(vm);
    machine_tlb_flush(vm->vmm->m);
}

/* Answer the hypercall whose word is w, made in virtual supervisor mode
 * at pc.  It retires first, as a sensitive instruction does. */
static void hypercall(struct vm *vm, uint32_t w)
{
    struct pv *p = pv_of(vm);
    if (!p)
        return;
    struct cpu_state *r = vcpu_live(vm);
    unsigned rd = (w >> 20) & 15, n = w & 0xffff;
    uint32_t arg = reg_get(r, rd), *cr = vm->cpu.cr;
    vm->st.exits[VMX_HYPERCALL]++;
    vm->st.hypercalls[n < VM_HYPERCALL_SLOTS ? n : 0]++;
    vm->dec.kind = VMX_HYPERCALL;
    vm->dec.op = OP_HCALL;
    vm->dec.cause = n;

    if (n == HC_IDLE && !devices_wait_ready(&vm->dev)) {
        vm->waiting_input = true; /* as wfi: undone, and done again when the guest next runs */
        return;
    }
    vm->waiting_input = false;
    vm_retire_emulated(vm, OP_HCALL); /* an instruction the VMM executed, as far as counts go */
    r->pc += 4;

    switch (n) {
    case HC_SET_TRAP:
        if (arg & 3) {
            refuse(vm, p, rd, 0xffffffffu, HCE_BAD_REQUEST);
            break;
        }
        p->handler = arg;
        p->has_handler = true;
        break;
    case HC_SET_SHARED:
        if ((arg & 15) || arg >= vm->mem_size || vm->mem_size - arg < SH_SIZE) {
            refuse(vm, p, rd, 0xffffffffu, HCE_BAD_REQUEST);
            break;
        }
        /* The VMM writes the area (trap delivery): to the rules it is a
         * writable mapping of its frames, which no page table may be. */
        if (p->known[arg >> PAGE_SHIFT] || p->known[(arg + SH_SIZE - 1) >> PAGE_SHIFT]) {
            refuse(vm, p, rd, 0xffffffffu, HCE_PT_WRITABLE);
            break;
        }
        if (p->has_shared)
            shared_count(p, -1);
        p->shared = arg;
        p->has_shared = true;
        shared_count(p, 1);
        vm->pt_validated = true;
        break;
    case HC_IRET:
        if (!p->has_shared) {
            refuse(vm, p, rd, 0xffffffffu, HCE_BAD_CALL);
            break;
        }
        cr[CR_EPC] = vm_guest_word(vm, p->shared + SH_EPC);
        interp_write_status(vm, vm_guest_word(vm, p->shared + SH_STATUS));
        r->pc = cr[CR_EPC];
        interp_write_status(vm, sr_after_rfe(cr[CR_STATUS]));
        break;
    case HC_IRQ:
        reg_set(r, rd, cr[CR_STATUS]);
        interp_write_status(vm, (cr[CR_STATUS] & ~SR_IE) | (arg & 1 ? SR_IE : 0));
        break;
    case HC_STATUS:
        reg_set(r, rd, cr[CR_STATUS]);
        break;
    case HC_TIMER:
        vm->dev_quiet = false;
        itimer_write(&vm->dev.timer, arg, vm->cpu.cycles);
        break;
    case HC_SET_PTB: {
        enum hc_error err = root_pin(vm, p, arg >> PAGE_SHIFT);
        if (err) {
            refuse(vm, p, rd, 0xffffffffu, err);
            break;
        }
        uint32_t was = cr[CR_PTB] >> PAGE_SHIFT;
        set_ptb(vm, arg);
        if (was != arg >> PAGE_SHIFT && was < vm->nframes)
            root_left(p, was);
        reg_set(r, rd, 0);
        break;
    }
    case HC_GET_PTB:
        reg_set(r, rd, cr[CR_PTB]);
        break;
    case HC_FLUSH:
        if (arg)
            machine_tlb_flush_page(vm->vmm->m, arg);
        else
            machine_tlb_flush(vm->vmm->m);
        break;
    case HC_MMU_UPDATE:
        mmu_update(vm, p, rd, arg);
        break;
    case HC_IDLE:
        vm->dev_quiet = false;
        interp_write_status(vm, cr[CR_STATUS] | SR_IE);
        if (!devices_wait(&vm->dev, &vm->cpu.cycles, &vm->dma))
            vm->state = VM_DEADLOCK;
        break;
    case HC_HALT:
        vm->exit_value = arg;
        vm->state = VM_HALTED;
        break;
    default:
        refuse(vm, p, rd, 0xffffffffu, HCE_BAD_CALL);
        break;
    }
}

/* A declared guest's mtcr ptb: the root is pinned as set_ptb pins it;
 * one that cannot be gets the trap Xen gives (a privileged instruction). */
static bool ptb_refused(struct vm *vm, const struct vm_exit *x)
{
    struct isa_fields f;
    if (!vm->pt_validated || CAUSE_CODE(x->cause) != CAUSE_PRIV || vm_user(vm) || !isa_decode(x->insn, &f) ||
        f.op != OP_MTCR || f.imm != CR_PTB)
        return false;
    struct pv *p = vm->tech_data;
    if (root_pin(vm, p, reg_get(vcpu_live(vm), f.ra) >> PAGE_SHIFT) == HCE_NONE)
        return false;
    vm->st.exits[VMX_REFLECTED]++;
    vm->dec.kind = VMX_REFLECTED;
    vm->dec.cause = x->cause;
    reflect_trap(vm, x->cause, x->addr);
    return true;
}

static void pv_exit(struct vm *vm, const struct vm_exit *x)
{
    /* Chained emulation (dispatch.c) would run a declared guest's next
     * privileged instruction - an mtcr ptb - past ptb_refused. */
    if (vm->pt_validated)
        vm->chain_end = 0;
    if (x->reason == EXIT_TRAP && !vm_user(vm)) {
        if (CAUSE_CODE(x->cause) == CAUSE_HYPERCALL) {
            /* the decision shows R[rd] before and after: the argument and the answer */
            unsigned rd = (x->addr >> 20) & 15;
            vm->dec.before = reg_get(vcpu_live(vm), rd);
            hypercall(vm, x->addr);
            vm->dec.after = reg_get(vcpu_live(vm), rd);
            if (vm->state == VM_RUNNABLE && !vm->waiting_input)
                reflect_interrupts(vm);
            return;
        }
        if (ptb_refused(vm, x)) {
            if (vm->state == VM_RUNNABLE)
                reflect_interrupts(vm);
            return;
        }
    }
    uint32_t was = vm->cpu.cr[CR_PTB] >> PAGE_SHIFT;
    dispatch_exit(vm, x);
    if (vm->tech_data && was != vm->cpu.cr[CR_PTB] >> PAGE_SHIFT && was < vm->nframes)
        root_left(vm->tech_data, was); /* an mtcr ptb */
}

const struct vmm_technique paravirt = {
    .name = "pv",
    .summary = "paravirtualization: the VMM answers the guest kernel's hypercalls; the rest is trap-and-emulate",
    .load = dispatch_load,
    .handle_exit = pv_exit,
    .run = NULL,
    .deliver = pv_deliver,
    .reset = pv_free,
    .free = pv_free,
};
