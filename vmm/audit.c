/*
 * audit.c - the rules of resource control, each written once (docs/vmm.md
 * section 8.1).  A guest reaches host memory only through the real MMU; the
 * real MMU walks only the VM's shadow tables, through the real ptb, and
 * caches what it found in the real TLB.  So a guest reaches nothing it
 * does not own if:
 *
 *   - every valid shadow entry maps a frame of the VM's own guest memory
 *     (never a shadow table, another VM's frame, or nothing), and exactly
 *     the frame the guest's own entry maps, with no more rights;
 *   - every guest page table a shadow is made from is traced, and mapped
 *     read-only everywhere, so that the guest cannot change it behind the
 *     shadow's back;
 *   - the real CPU runs in user mode, on the root for the virtual CPU's
 *     mode, and its TLB holds nothing the current shadow does not give;
 *   - the allocator gives each frame one owner: every VM owns exactly its
 *     guest frames and its shadow tables, and the free list nothing else.
 *
 * The isolation checker (isolation.c) applies these during runs, after
 * every exit, to what changed; vmm_audit() applies them whole, in tests.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vmm_impl.h"

static const char *const inv_names[INV_COUNT] = {
    [INV_NONE] = "none",
#define X(NAME, name, what) [INV_##NAME] = name,
    VMM_INVARIANTS(X)
#undef X
};
static const char *const inv_what[INV_COUNT] = {
    [INV_NONE] = "no violation",
#define X(NAME, name, what) [INV_##NAME] = what,
    VMM_INVARIANTS(X)
#undef X
};

const char *vmm_invariant_name(enum vmm_invariant i) { return (unsigned)i < INV_COUNT ? inv_names[i] : "?"; }
const char *vmm_invariant_what(enum vmm_invariant i) { return (unsigned)i < INV_COUNT ? inv_what[i] : "?"; }

/* --- reports --- */

void violation_start(struct vmm_violation *r, enum vmm_invariant inv, const struct vm *vm)
{
    memset(r, 0, sizeof *r);
    r->invariant = inv;
    r->vm = vm ? vm->id : -1;
    r->table = r->level = r->key = r->index = r->entry = VIOLATION_NA;
    r->hfn = r->gfn = r->gentry = r->slot = r->va = VIOLATION_NA;
}

void violation_say(struct vmm_violation *r, const char *fmt, ...)
{
    size_t used = strlen(r->text);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->text + used, sizeof r->text - used, fmt, ap);
    va_end(ap);
}

void violation_found(struct findings *fd, const struct vmm_violation *r)
{
    if (fd->n++ == 0)
        fd->first = *r;
    if (fd->f && fd->budget) {
        fprintf(fd->f, "%s: %s\n", vmm_invariant_what(r->invariant), r->text);
        fd->budget--;
    }
}

void describe_frame(struct vmm *v, uint32_t hfn, char *buf, size_t len)
{
    if (hfn == 0) {
        snprintf(buf, len, "host frame 0, which is never handed out");
        return;
    }
    if (hfn >= v->nframes) {
        snprintf(buf, len, "no host frame (past the end of host memory)");
        return;
    }
    struct frame_owner o = v->owner[hfn];
    struct vm *vm = o.kind == FRAME_FREE ? NULL : vm_by_id(v, o.vm);
    const char *name = vm ? vm->name : "(no such VM)";
    switch (o.kind) {
    case FRAME_FREE: snprintf(buf, len, "a free frame"); break;
    case FRAME_GUEST: snprintf(buf, len, "guest memory of VM '%s'", name); break;
    case FRAME_CODE: snprintf(buf, len, "translated code of VM '%s'", name); break;
    default: snprintf(buf, len, "a shadow table of VM '%s'", name); break;
    }
}

static bool owned_by(const struct vmm *v, uint32_t hfn, enum frame_kind kind, int id)
{
    return hfn < v->nframes && hfn != 0 && v->owner[hfn].kind == kind && v->owner[hfn].vm == id;
}

/* "shadow table 0x123 (level 2, role sup, from guest frame 0x45)" */
static void say_table(struct vmm_violation *r, const struct spage *sp)
{
    r->table = sp->hfn;
    r->level = sp->level;
    r->key = sp->key;
    if (sp->role == ROLE_PHYS && sp->level == PT_ROOT)
        violation_say(r, "shadow table in host frame 0x%x (level %u, role phys, root)", sp->hfn, sp->level);
    else if (sp->role == ROLE_PHYS)
        violation_say(r, "shadow table in host frame 0x%x (level %u, role phys, for guest frames from %u x its "
                         "level-1 index)", sp->hfn, sp->level, PT_ENTRIES);
    else
        violation_say(r, "shadow table in host frame 0x%x (level %u, role %s, made from guest frame 0x%x)",
                      sp->hfn, sp->level, shadow_role_name(sp->role), sp->key);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* --- shadow entries --- */

/* What a ROLE_PHYS level-2 entry stands for: guest-physical memory one to
 * one, every right (the guest's paging is off). */
static uint32_t phys_gentry(const struct spage *sp, uint32_t i)
{
    return (((sp->key << PT_INDEX_BITS) | i) << PAGE_SHIFT) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
}

/* Entry i of sp has value e; g is the guest's entry it was made from (the
 * level-1 entry for a root, the leaf for a level-2 table). */
static bool spte_rules(struct vm *vm, const struct spage *sp, uint32_t i, uint32_t e, uint32_t g,
                       struct findings *fd)
{
    struct vmm *v = vm->vmm;
    struct vmm_violation r;
    char who[96];
    if (!(e & PTE_V))
        return true;
    uint32_t hfn = e >> PAGE_SHIFT;

    if (sp->level == PT_ROOT) {
        struct spage *child = hfn < v->nframes ? v->spage_of[hfn] : NULL;
        bool ok = child && owned_by(v, hfn, FRAME_SHADOW, vm->id) && child->level == PT_LEAF && child->role == sp->role;
        uint32_t want = sp->role == ROLE_PHYS ? i : g >> PAGE_SHIFT;
        if (ok && (sp->role == ROLE_PHYS || (g & PTE_V)) && child->key == want)
            return true;
        violation_start(&r, INV_LINK, vm);
        say_table(&r, sp);
        r.index = i, r.entry = e, r.hfn = hfn, r.gentry = g;
        describe_frame(v, hfn, who, sizeof who);
        violation_say(&r, ", entry %u = 0x%08x -> host frame 0x%x, %s", i, e, hfn, who);
        if (ok)
            violation_say(&r, ", the shadow of guest table 0x%x; the guest's level-1 entry is 0x%08x", child->key, g);
        else
            violation_say(&r, ", not a level-2 shadow table of this VM for role %s", shadow_role_name(sp->role));
        violation_found(fd, &r);
        return false;
    }

    uint32_t gfn = g >> PAGE_SHIFT;
    enum vmm_invariant bad = INV_NONE;
    /* translated code (seams.h, code_frame; shadow.c, code_rights) */
    uint32_t tc = vm->tech->code_frame && (g & PTE_V) && gfn < vm->nframes ? vm->tech->code_frame(vm, gfn, CODE_LOOK) : 0;
    bool sup = sp->role != ROLE_USER;
    if (tc && hfn == tc && owned_by(v, hfn, FRAME_CODE, vm->id)) {
        if (!sup || (e & (PTE_R | PTE_W)) || (e & ~g & PTE_X) || !(g & PTE_A))
            bad = INV_RIGHTS; /* only fetched from, and only in virtual supervisor mode */
    } else if (!owned_by(v, hfn, FRAME_GUEST, vm->id))
        bad = INV_FRAME;
    else if (!(g & PTE_V) || !(g & PTE_A) || gfn >= vm->nframes || vm->pmap[gfn] != hfn)
        bad = INV_MAPPING;
    else if ((e & ~g & (PTE_R | PTE_W | PTE_X)) || (sp->role == ROLE_USER && !(g & PTE_U)) ||
             (sp->role == ROLE_GUEST && (e & ~g & PTE_U)))
        bad = INV_RIGHTS; /* ROLE_GUEST: the hardware checks U, so U is a right too */
    else if ((e & PTE_W) && shadow_is_table(vm, gfn))
        bad = INV_WRITE_PROTECT;
    else if ((e & PTE_W) && !(g & PTE_D))
        bad = INV_DIRTY;
    else if ((e & PTE_W) && tc)
        bad = INV_WRITE_PROTECT; /* a store would change code behind its translation */
    else if ((e & PTE_X) && sup && vm->tech->code_frame)
        bad = INV_RIGHTS; /* the guest kernel would run untranslated */
    if (bad == INV_NONE)
        return true;
    violation_start(&r, bad, vm);
    say_table(&r, sp);
    r.index = i, r.entry = e, r.hfn = hfn, r.gentry = g, r.gfn = gfn;
    describe_frame(v, hfn, who, sizeof who);
    violation_say(&r, ", entry %u = 0x%08x -> host frame 0x%x, %s; the guest's entry is 0x%08x -> guest frame 0x%x", i,
                  e, hfn, who, g, gfn);
    if (gfn < vm->nframes)
        violation_say(&r, " (host frame 0x%x)%s", vm->pmap[gfn],
                      shadow_is_table(vm, gfn) ? ", a traced page table" : "");
    else
        violation_say(&r, " (outside the guest's memory)");
    violation_found(fd, &r);
    return false;
}

/* The guest's entry a shadow entry stands for. */
static uint32_t gentry_of(struct vm *vm, const struct spage *sp, uint32_t i)
{
    if (sp->role == ROLE_PHYS)
        return sp->level == PT_LEAF ? phys_gentry(sp, i) : 0;
    return vm_guest_word(vm, (sp->key << PAGE_SHIFT) + 4 * i); /* 0 for a root keyed past memory */
}

bool audit_spte(struct vm *vm, const struct spage *sp, uint32_t i, uint32_t e, struct findings *fd)
{
    if (!(e & PTE_V))
        return true;
    return spte_rules(vm, sp, i, e, gentry_of(vm, sp, i), fd);
}

bool audit_table_header(struct vm *vm, const struct spage *sp, struct findings *fd)
{
    struct vmm *v = vm->vmm;
    struct vmm_violation r;
    char who[96];
    const char *why = NULL;
    if (!owned_by(v, sp->hfn, FRAME_SHADOW, vm->id) || v->spage_of[sp->hfn] != sp)
        why = "is not recorded as this VM's shadow table";
    else if (sp->role != ROLE_PHYS && (sp->key > vm->nframes || vm->sh.pt_count[sp->key] == 0))
        why = "is made from a guest frame that is not traced";
    else if (sp->level != PT_ROOT && sp->level != PT_LEAF)
        why = "has no level";
    if (!why)
        return true;
    violation_start(&r, INV_TABLE, vm);
    say_table(&r, sp);
    r.hfn = sp->hfn;
    describe_frame(v, sp->hfn, who, sizeof who);
    violation_say(&r, " %s; its frame is %s", why, who);
    violation_found(fd, &r);
    return false;
}

bool audit_table(struct vm *vm, const struct spage *sp, struct findings *fd)
{
    uint8_t shadow[PAGE_SIZE], guest[PAGE_SIZE];
    unsigned before = fd->n;
    if (!audit_table_header(vm, sp, fd) && fd->stop)
        return false;
    machine_read_phys(vm->vmm->m, sp->hfn << PAGE_SHIFT, shadow, PAGE_SIZE);
    bool has_guest = sp->role != ROLE_PHYS && vm_guest_read(vm, sp->key << PAGE_SHIFT, guest, PAGE_SIZE);
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e = le32(shadow + 4 * i);
        if (!(e & PTE_V))
            continue;
        uint32_t g = sp->role == ROLE_PHYS ? (sp->level == PT_LEAF ? phys_gentry(sp, i) : 0)
                                           : has_guest ? le32(guest + 4 * i) : 0;
        if (!spte_rules(vm, sp, i, e, g, fd) && fd->stop)
            return false;
    }
    return fd->n == before;
}

/* A traced frame whose count is too high only costs time; too low, it
 * would stop being traced while a shadow is still made from it. */
bool audit_trace_count(struct vm *vm, uint32_t gfn, uint32_t tables, struct findings *fd)
{
    if (tables == vm->sh.pt_count[gfn])
        return true;
    struct vmm_violation r;
    violation_start(&r, INV_TABLE, vm);
    r.gfn = gfn;
    violation_say(&r, "guest frame 0x%x has %u shadow tables made from it, and is traced %u times", gfn, tables,
                  vm->sh.pt_count[gfn]);
    violation_found(fd, &r);
    return false;
}

bool audit_shadows(struct vm *vm, struct findings *fd)
{
    struct shadow *sh = &vm->sh;
    unsigned before = fd->n;
    uint32_t tables = 0;
    uint32_t *made_from = calloc(vm->nframes + 1, sizeof *made_from);
    for (uint32_t b = 0; b < sh->nbuckets; b++)
        for (struct spage *sp = sh->hash[b]; sp; sp = sp->hnext) {
            tables++;
            if (sp->role != ROLE_PHYS && sp->key <= vm->nframes && made_from)
                made_from[sp->key]++;
            if (!audit_table(vm, sp, fd) && fd->stop)
                goto out;
        }
    struct vmm_violation r;
    if (tables != sh->nframes || tables > sh->limit) {
        violation_start(&r, INV_BOOKS, vm);
        violation_say(&r, "VM '%s' holds %u shadow tables, counts %u, and may hold %u", vm->name, tables,
                      sh->nframes, sh->limit);
        violation_found(fd, &r);
        goto out;
    }
    for (uint32_t k = 0; made_from && k <= vm->nframes; k++)
        if (!audit_trace_count(vm, k, made_from[k], fd))
            break;
out:
    free(made_from);
    return fd->n == before;
}

bool audit_writable(struct vm *vm, const uint8_t *marked, struct findings *fd)
{
    uint8_t shadow[PAGE_SIZE];
    struct shadow *sh = &vm->sh;
    unsigned before = fd->n;
    for (uint32_t b = 0; b < sh->nbuckets; b++)
        for (struct spage *sp = sh->hash[b]; sp; sp = sp->hnext) {
            if (sp->level != PT_LEAF)
                continue;
            machine_read_phys(vm->vmm->m, sp->hfn << PAGE_SHIFT, shadow, PAGE_SIZE);
            for (uint32_t i = 0; i < PT_ENTRIES; i++) {
                uint32_t e = le32(shadow + 4 * i);
                uint32_t hfn = e >> PAGE_SHIFT;
                if ((e & (PTE_V | PTE_W)) != (PTE_V | PTE_W) || hfn >= vm->vmm->nframes || !marked[hfn])
                    continue;
                /* the whole rule for this entry names it best */
                if (spte_rules(vm, sp, i, e, gentry_of(vm, sp, i), fd))
                    continue; /* cannot be: a marked frame is traced; keep looking */
                if (fd->stop)
                    return false;
            }
        }
    return fd->n == before;
}

void count_writable_in(struct vmm *v, uint32_t hfn, int sign, uint32_t *counts)
{
    uint8_t table[PAGE_SIZE];
    machine_read_phys(v->m, hfn << PAGE_SHIFT, table, PAGE_SIZE);
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e = le32(table + 4 * i);
        if ((e & (PTE_V | PTE_W)) == (PTE_V | PTE_W) && (e >> PAGE_SHIFT) < v->nframes)
            counts[e >> PAGE_SHIFT] += (uint32_t)sign;
    }
}

void count_writable(struct vmm *v, uint32_t *counts)
{
    memset(counts, 0, v->nframes * sizeof *counts);
    for (uint32_t f = 1; f < v->nframes; f++)
        if (v->owner[f].kind == FRAME_SHADOW)
            count_writable_in(v, f, 1, counts);
}

/* --- the virtual CPU and the real one --- */

static bool on_cpu(const struct vm *vm) { return vm->vmm->current == vm && vm->state == VM_RUNNABLE; }

bool audit_vcpu(struct vm *vm, struct findings *fd)
{
    const uint32_t *cr = vm->cpu.cr;
    uint32_t pending = 0;
    int role = shadow_role(vm);
    const struct spage *root = on_cpu(vm) ? vm->sh.root[role] : NULL;
    bool bad_root = root && (root->level != PT_ROOT || root->role != role || root->key != shadow_root_key(vm, role));
    bool undelivered = vm->state == VM_RUNNABLE && (cr[CR_STATUS] & SR_IE) && (pending = devices_pending(&vm->dev));
    /* the usual answer first, without building a report (this runs after every exit) */
    if (!(cr[CR_STATUS] & ~SR_WRITABLE) && !(cr[CR_PTB] & PAGE_MASK) &&
        vm->cpu.instret == vm->st.direct + vm->st.emulated + vm->st.interpreted && vm->cpu.cycles >= vm->cpu.instret && !undelivered &&
        !bad_root)
        return true;
    struct vmm_violation r;
    violation_start(&r, INV_VCPU, vm);
    if (cr[CR_STATUS] & ~SR_WRITABLE)
        violation_say(&r, "virtual status 0x%08x has reserved bits set (writable: 0x%x)", cr[CR_STATUS], SR_WRITABLE);
    else if (cr[CR_PTB] & PAGE_MASK)
        violation_say(&r, "virtual ptb 0x%08x is not page-aligned", cr[CR_PTB]);
    else if (vm->cpu.instret != vm->st.direct + vm->st.emulated + vm->st.interpreted)
        violation_say(&r, "%llu instructions retired, but %llu direct + %llu emulated + %llu interpreted",
                      (unsigned long long)vm->cpu.instret, (unsigned long long)vm->st.direct,
                      (unsigned long long)vm->st.emulated, (unsigned long long)vm->st.interpreted);
    else if (vm->cpu.cycles < vm->cpu.instret)
        violation_say(&r, "%llu cycles for %llu instructions", (unsigned long long)vm->cpu.cycles,
                      (unsigned long long)vm->cpu.instret);
    else if (undelivered)
        violation_say(&r, "interrupt %s is pending with IE set, and was not delivered", isa_cause_name(pending));
    else
        violation_say(&r, "the root of role %s (host frame 0x%x) is made from guest frame 0x%x at level %u "
                          "for role %s; the virtual CPU needs guest frame 0x%x",
                      shadow_role_name(role), root->hfn, root->key, root->level, shadow_role_name(root->role),
                      shadow_root_key(vm, role));
    violation_found(fd, &r);
    return false;
}

/* The interrupts the real devices raise: the host's (the real timer ends
 * a VM's slice; the real console and disk are the VMM's). */
#define HOST_INTERRUPTS (EXIT_ON(CAUSE_TIMER) | EXIT_ON(CAUSE_CONSOLE) | EXIT_ON(CAUSE_DISK))

bool audit_real(struct vm *vm, struct findings *fd)
{
    if (!on_cpu(vm))
        return true;
    struct machine *m = vm->vmm->m;
    struct vmm_violation r;
    uint32_t status = machine_get_cr(m, CR_STATUS);
    const struct guest_control *gc = vm->tech->control_block ? vm->tech->control_block(vm) : NULL;
    if (gc && (gc->cause_exits & HOST_INTERRUPTS) != HOST_INTERRUPTS) {
        /* in the hardware guest mode the guest's status is the CPU's: what
         * keeps it from holding on to the CPU is the control block */
        violation_start(&r, INV_REAL_STATUS, vm);
        violation_say(&r, "the control block's cause exits 0x%08x do not take every real interrupt (0x%08x): the "
                          "guest could keep the real CPU",
                      gc->cause_exits, HOST_INTERRUPTS);
        violation_found(fd, &r);
        return false;
    }
    if (!gc && status != (SR_IE | SR_PG)) {
        violation_start(&r, INV_REAL_STATUS, vm);
        violation_say(&r, "real status 0x%08x, not 0x%08x (user mode, interrupts and paging on)", status,
                      SR_IE | SR_PG);
        violation_found(fd, &r);
        return false;
    }
    return vm->mmu->audit_real ? vm->mmu->audit_real(vm, gc, fd) : true;
}

bool audit_shadow_real(struct vm *vm, const struct guest_control *gc, struct findings *fd)
{
    struct machine *m = vm->vmm->m;
    struct vmm_violation r;
    uint32_t ptb = machine_get_cr(m, CR_PTB);
    if (gc && (!gc->ptb_owned || !(gc->status_owned & SR_PG) || gc->nested ||
               !(gc->cause_exits & EXIT_ON(CAUSE_PAGE_FAULT)) || !(machine_get_cr(m, CR_STATUS) & SR_PG))) {
        /* the real MMU would walk something else than the shadow */
        violation_start(&r, INV_REAL_STATUS, vm);
        violation_say(&r, "in the hardware guest mode over shadow tables the host must own ptb and PG, keep the "
                          "real PG set and take page faults: ptb %s, PG %s, nested %s, page faults %s, real "
                          "status 0x%08x",
                      gc->ptb_owned ? "owned" : "not owned", gc->status_owned & SR_PG ? "owned" : "not owned",
                      gc->nested ? "on" : "off", gc->cause_exits & EXIT_ON(CAUSE_PAGE_FAULT) ? "exit" : "stay inside",
                      machine_get_cr(m, CR_STATUS));
        violation_found(fd, &r);
        return false;
    }
    int role = shadow_role(vm);
    const struct spage *root = vm->sh.root[role];
    if (root && ptb == root->hfn << PAGE_SHIFT)
        return true;
    violation_start(&r, INV_REAL_PTB, vm);
    r.hfn = ptb >> PAGE_SHIFT;
    const struct spage *at = r.hfn < vm->vmm->nframes ? vm->vmm->spage_of[r.hfn] : NULL;
    violation_say(&r, "the virtual CPU is in role %s (status 0x%08x), whose root is ", shadow_role_name(role),
                  vm->cpu.cr[CR_STATUS]);
    if (root)
        violation_say(&r, "in host frame 0x%x", root->hfn);
    else
        violation_say(&r, "not made");
    violation_say(&r, "; the real ptb 0x%08x points at ", ptb);
    if (at)
        say_table(&r, at);
    else {
        char who[96];
        describe_frame(vm->vmm, r.hfn, who, sizeof who);
        violation_say(&r, "%s", who);
    }
    violation_found(fd, &r);
    return false;
}

/* The entries of one of the real TLB's sets against the shadow under
 * root: each gives at most what a walk from root gives now, and maps a
 * guest frame of VM id. */
static bool audit_tlb_set(struct vm *vm, const struct tlb_set_view *set, unsigned k, uint32_t root, int id,
                          struct findings *fd)
{
    struct vmm *v = vm->vmm;
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        const struct tlb_slot t = set->slot[i];
        if (!t.valid)
            continue;
        /* The walk the real MMU would do now, over the shadow. */
        uint32_t l1 = host_word(v, root + 4 * VA_L1(t.vpage));
        const struct spage *child = (l1 & PTE_V) && (l1 >> PAGE_SHIFT) < v->nframes ? v->spage_of[l1 >> PAGE_SHIFT] : NULL;
        uint32_t leaf = child ? host_word(v, (child->hfn << PAGE_SHIFT) + 4 * VA_L2(t.vpage)) : 0;
        uint32_t hfn = t.pte >> PAGE_SHIFT;
        const uint32_t rights = PTE_R | PTE_W | PTE_X | PTE_U;
        if ((leaf & PTE_V) && PTE_FRAME(leaf) == PTE_FRAME(t.pte) && !(t.pte & ~leaf & rights) &&
            (owned_by(v, hfn, FRAME_GUEST, id) || owned_by(v, hfn, FRAME_CODE, id)))
            continue;
        struct vmm_violation r;
        char who[96];
        violation_start(&r, INV_TLB, vm);
        r.slot = i, r.va = t.vpage, r.hfn = hfn, r.entry = leaf;
        describe_frame(v, hfn, who, sizeof who);
        if (set->current)
            violation_say(&r, "real TLB slot %u", i);
        else if (id == -1)
            violation_say(&r, "real TLB set %u (not in use, under no shadow root), slot %u", k, i);
        else
            violation_say(&r, "real TLB set %u (not in use, for root 0x%08x), slot %u", k, root, i);
        violation_say(&r, " maps virtual page 0x%08x with pte 0x%08x -> host frame 0x%x, %s; ", t.vpage, t.pte, hfn,
                      who);
        if (!child)
            violation_say(&r, "the %s shadow (root in host frame 0x%x) has no level-2 table there (root entry "
                              "0x%08x)",
                          set->current ? "current" : "set's", root >> PAGE_SHIFT, l1);
        else {
            say_table(&r, child);
            r.index = VA_L2(t.vpage);
            violation_say(&r, ", entry %u = 0x%08x", r.index, leaf);
        }
        violation_found(fd, &r);
        if (fd->stop)
            return false;
    }
    return true;
}

/* Every set of the real TLB: the one in use against the current shadow;
 * one the VMM may load again (machine_load_root) against the root it is
 * tagged with, if that is one of this VM's; one that no load can find
 * (untagged, or tagged with a frame that is no shadow root any more)
 * holds nothing, whatever it held would be found under no root. */
bool audit_tlb(struct vm *vm, struct findings *fd)
{
    if (!on_cpu(vm))
        return true;
    if (vm->mmu->audit_tlb)
        return vm->mmu->audit_tlb(vm, fd);
    struct vmm *v = vm->vmm;
    uint32_t ptb = machine_get_cr(v->m, CR_PTB);
    struct tlb_view view;
    machine_tlb_inspect(v->m, &view);
    unsigned before = fd->n;
    /* The page being executed: its frame, whatever the TLB says now. */
    if (view.itlb.valid && !owned_by(v, view.itlb.frame >> PAGE_SHIFT, FRAME_GUEST, vm->id) &&
        !owned_by(v, view.itlb.frame >> PAGE_SHIFT, FRAME_CODE, vm->id)) {
        struct vmm_violation r;
        char who[96];
        violation_start(&r, INV_TLB, vm);
        r.va = view.itlb.vpage, r.hfn = view.itlb.frame >> PAGE_SHIFT;
        describe_frame(v, r.hfn, who, sizeof who);
        violation_say(&r, "the real instruction TLB executes virtual page 0x%08x from host frame 0x%x, %s",
                      view.itlb.vpage, r.hfn, who);
        violation_found(fd, &r);
    }
    for (unsigned k = 0; k < TLB_SETS; k++) {
        struct tlb_set_view set;
        machine_tlb_inspect_set(v->m, k, &set);
        uint32_t root = set.current ? ptb : set.root, h = root >> PAGE_SHIFT;
        int id = vm->id;
        if (!set.current) {
            const struct spage *sp = set.tagged && h < v->nframes ? v->spage_of[h] : NULL;
            if (sp && sp->level == PT_ROOT && v->owner[h].kind == FRAME_SHADOW)
                id = v->owner[h].vm;
            else
                root = 0, id = -1; /* findable by no load: every entry is a finding */
            if (id != vm->id && id != -1)
                continue; /* another VM's: audited when it runs */
        }
        if (!audit_tlb_set(vm, &set, k, root, id, fd))
            return false;
    }
    return fd->n == before;
}

/* Under nested paging the TLB caches translations made of two tables, the
 * guest's and the host's; the host table maps nothing but the VM's guest
 * memory, so every entry, in every set, must map one of its frames (a set
 * another VM filled was flushed when this VM was put on the CPU). */
bool audit_tlb_frames(struct vm *vm, struct findings *fd)
{
    if (!on_cpu(vm))
        return true;
    struct vmm *v = vm->vmm;
    struct tlb_view view;
    machine_tlb_inspect(v->m, &view);
    unsigned before = fd->n;
    char who[96];
    struct vmm_violation r;
    if (view.itlb.valid && !owned_by(v, view.itlb.frame >> PAGE_SHIFT, FRAME_GUEST, vm->id)) {
        violation_start(&r, INV_TLB, vm);
        r.va = view.itlb.vpage, r.hfn = view.itlb.frame >> PAGE_SHIFT;
        describe_frame(v, r.hfn, who, sizeof who);
        violation_say(&r, "the real instruction TLB executes guest page 0x%08x from host frame 0x%x, %s",
                      view.itlb.vpage, r.hfn, who);
        violation_found(fd, &r);
        if (fd->stop)
            return false;
    }
    /* nested paging's second TLB, filled while the guest's paging was off */
    struct tlb_slot phys[TLB_ENTRIES];
    machine_tlb_inspect_phys(v->m, phys);
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        uint32_t hfn = phys[i].pte >> PAGE_SHIFT;
        if (!phys[i].valid || owned_by(v, hfn, FRAME_GUEST, vm->id))
            continue;
        violation_start(&r, INV_TLB, vm);
        r.slot = i, r.va = phys[i].vpage, r.hfn = hfn, r.entry = phys[i].pte;
        describe_frame(v, hfn, who, sizeof who);
        violation_say(&r, "the real paging-off TLB, slot %u, maps guest-physical page 0x%08x with 0x%08x -> host "
                          "frame 0x%x, %s: the host table maps only the VM's guest memory",
                      i, phys[i].vpage, phys[i].pte, hfn, who);
        violation_found(fd, &r);
        if (fd->stop)
            return false;
    }
    for (unsigned k = 0; k < TLB_SETS; k++) {
        struct tlb_set_view set;
        machine_tlb_inspect_set(v->m, k, &set);
        for (unsigned i = 0; i < TLB_ENTRIES; i++) {
            uint32_t hfn = set.slot[i].pte >> PAGE_SHIFT;
            if (!set.slot[i].valid || owned_by(v, hfn, FRAME_GUEST, vm->id))
                continue;
            violation_start(&r, INV_TLB, vm);
            r.slot = i, r.va = set.slot[i].vpage, r.hfn = hfn, r.entry = set.slot[i].pte;
            describe_frame(v, hfn, who, sizeof who);
            violation_say(&r, "real TLB set %u%s, slot %u maps guest page 0x%08x with pte 0x%08x -> host frame 0x%x, "
                              "%s: the host table maps only the VM's guest memory",
                          k, set.current ? " (in use)" : "", i, set.slot[i].vpage, set.slot[i].pte, hfn, who);
            violation_found(fd, &r);
            if (fd->stop)
                return false;
        }
    }
    return fd->n == before;
}

/* --- the allocator's books --- */

static bool books_fail(struct findings *fd, const struct vm *vm, uint32_t hfn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool books_fail(struct findings *fd, const struct vm *vm, uint32_t hfn, const char *fmt, ...)
{
    struct vmm_violation r;
    violation_start(&r, INV_BOOKS, vm);
    r.hfn = hfn;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.text, sizeof r.text, fmt, ap);
    va_end(ap);
    violation_found(fd, &r);
    return false;
}

bool audit_counts(struct vmm *v, struct vm *vm, const struct frame_counts *c, struct findings *fd)
{
    if (c->nfree != v->nfree)
        return books_fail(fd, vm, VIOLATION_NA, "%u host frames are owned by nobody, the free list holds %u",
                          c->nfree, v->nfree);
    uint32_t promised = 0;
    for (int i = 0; i < v->nvms; i++) {
        const struct vm *w = v->vms[i];
        if (c->owned[w->id][FRAME_GUEST] != w->nframes)
            return books_fail(fd, vm, VIOLATION_NA, "VM '%s' owns %u host frames as guest memory, and has %u guest frames",
                              w->name, c->owned[w->id][FRAME_GUEST], w->nframes);
        if (c->owned[w->id][FRAME_SHADOW] != w->sh.nframes || w->sh.nframes > w->sh.limit)
            return books_fail(fd, vm, VIOLATION_NA,
                              "VM '%s' owns %u host frames as shadow tables, holds %u, and may hold %u", w->name,
                              c->owned[w->id][FRAME_SHADOW], w->sh.nframes, w->sh.limit);
        if (c->owned[w->id][FRAME_CODE] != w->code_frames)
            return books_fail(fd, vm, VIOLATION_NA, "VM '%s' owns %u host frames as translated code, and holds %u",
                              w->name, c->owned[w->id][FRAME_CODE], w->code_frames);
        promised += w->reservation - w->sh.nframes - w->code_frames;
    }
    if (promised != v->reserved || v->reserved > v->nfree)
        return books_fail(fd, vm, VIOLATION_NA,
                          "%u shadow frames are set aside, the VMs' promises not yet taken add up to %u, and %u "
                          "frames are free",
                          v->reserved, promised, v->nfree);
    return true;
}

void count_frames(const struct vmm *v, struct frame_counts *c)
{
    memset(c, 0, sizeof *c);
    for (uint32_t f = 1; f < v->nframes; f++) {
        struct frame_owner o = v->owner[f];
        if (o.kind == FRAME_FREE)
            c->nfree++;
        else if (o.kind <= FRAME_CODE && o.vm < MAX_VMS)
            c->owned[o.vm][o.kind]++;
    }
}

bool audit_books(struct vmm *v, struct vm *vm, struct frame_counts *counts, struct findings *fd)
{
    struct frame_counts c;
    count_frames(v, &c);
    if (counts)
        *counts = c;
    uint8_t *seen = calloc(v->nframes, 1);
    if (!seen)
        return true; /* out of memory: nothing to say */
    unsigned before = fd->n;
    char who[96];
    bool live[MAX_VMS] = {false};
    for (int i = 0; i < v->nvms; i++)
        live[v->vms[i]->id] = true;
    if (v->owner[0].kind != FRAME_FREE || v->spage_of[0]) {
        books_fail(fd, vm, 0, "host frame 0 is owned: 0 means no frame and is never handed out");
        goto out;
    }
    for (uint32_t f = 1; f < v->nframes; f++) {
        struct frame_owner o = v->owner[f];
        const struct spage *sp = v->spage_of[f];
        if (o.kind == FRAME_FREE) {
            if (sp) {
                books_fail(fd, vm, f, "host frame 0x%x is free and still holds a shadow table", f);
                goto out;
            }
            continue;
        }
        if (o.kind > FRAME_CODE || o.vm >= MAX_VMS || !live[o.vm]) {
            books_fail(fd, vm, f, "host frame 0x%x belongs to no VM there is (kind %u, VM %u)", f, o.kind, o.vm);
            goto out;
        }
        if ((o.kind == FRAME_SHADOW) != (sp != NULL) || (sp && sp->hfn != f)) {
            describe_frame(v, f, who, sizeof who);
            books_fail(fd, vm, f, "host frame 0x%x is %s, and %s", f, who,
                       sp ? "holds a shadow table" : "holds no shadow table");
            goto out;
        }
    }
    for (uint32_t i = 0; i < v->nfree; i++) {
        uint32_t f = v->free_frames[i];
        if (f == 0 || f >= v->nframes || v->owner[f].kind != FRAME_FREE || seen[f]) {
            if (f && f < v->nframes)
                describe_frame(v, f, who, sizeof who);
            books_fail(fd, vm, f, "the free list holds host frame 0x%x%s%s", f, seen[f] ? " twice" : ", ",
                       seen[f] ? "" : f && f < v->nframes ? who : "which does not exist");
            goto out;
        }
        seen[f] = 1;
    }
    for (int i = 0; i < v->nvms; i++) {
        const struct vm *w = v->vms[i];
        for (uint32_t g = 0; g < w->nframes; g++) {
            uint32_t f = w->pmap[g];
            if (!owned_by(v, f, FRAME_GUEST, w->id) || seen[f] == 2) {
                books_fail(fd, vm, f, "guest frame 0x%x of VM '%s' is host frame 0x%x, which %s", g, w->name, f,
                           seen[f] == 2 ? "another guest frame uses too" : "it does not own as guest memory");
                goto out;
            }
            seen[f] = 2;
        }
    }
    audit_counts(v, vm, &c, fd);
out:
    free(seen);
    return fd->n == before;
}

unsigned vmm_audit(struct vmm *v, FILE *f)
{
    struct findings fd;
    findings_init(&fd, false, f, 10);
    for (int i = 0; i < v->nvms; i++)
        v->vms[i]->mmu->audit(v->vms[i], &fd);
    audit_books(v, NULL, NULL, &fd);
    return fd.n;
}
