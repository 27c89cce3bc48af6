/*
 * isolation.c - the isolation checker (vmm_config.check_isolation,
 * `vrun --check-isolation`; docs/vmm.md section 8.1).
 *
 * After every exit the VMM handles, and before the VM runs again, its state
 * must obey the rules of audit.c; at the first violation the VM is stopped
 * (VM_ISOLATION) with a report of what broke, where, and after which exit.
 *
 * Auditing everything after every exit would walk every shadow table of the
 * VM, a thousand entries each, for exits that mostly change one word.  So
 * the VMM tells the checker everything it changes while it handles an exit
 * (the hooks of vmm_impl.h, below), and the checker audits exactly that.
 * Why that is enough to catch every violation before the guest runs on it:
 *
 * Between two exits only the guest runs, and it reaches host memory only
 * through the real MMU: it writes the frames valid writable shadow entries
 * map, which the last check proved are its own guest frames and never a
 * traced page table, a shadow table or anyone else's; and the real MMU
 * fills the TLB from the shadow the real ptb points at, which the last
 * check proved is the VM's current root.  So while the guest runs, nothing
 * the rules speak of changes but the TLB, and the TLB only gains what the
 * checked shadow gives.  Everything else changes only by the VMM's hand:
 *
 *   what the VMM changes          how the checker hears      what it audits then
 *   a shadow entry                note_spte                  that entry, and that the
 *                                 (spte_write_raw)           frame is this VM's shadow
 *   guest memory (emulated        note_guest_write           the shadow entries made from
 *   stores, DMA, A/D bits)        (guest_copy)               the words written
 *   a host frame's owner          note_owner (alloc.c)       the change; the books
 *   a guest frame becomes a       note_traced (create)       that no writable shadow entry
 *   traced page table                                        maps it (the count below); and
 *                                                            as the next line
 *   ... stops being one           note_traced (destroy)      its trace count is the number
 *                                                            of shadows made from it (none
 *                                                            when it reaches 0)
 *   a shadow table is freed       note_owner                 every root entry (none may
 *                                                            lead to it)
 *   the virtual CPU, the real     (a few words)              always
 *   status and ptb
 *   the real TLB                  any change above, or a     all of it
 *                                 new real ptb
 *
 * machine_write_phys is called in vmm/ only by those three hooked paths
 * and by alloc_frame's zeroing (a change of owner), so the VMM cannot
 * change what the rules see without the checker hearing of it (a test
 * keeps it so).  As a second line, the VM is audited whole at its first
 * entry, every check_full_every exits, when a log overflows, and at its
 * end.
 *
 * Whether a frame that has just become a page table is still writable
 * somewhere would take a walk of every shadow table; instead the checker
 * keeps its own count, per host frame, of the valid writable shadow
 * entries that map it, from what it sees in memory: each entry's old and
 * new value when it is written, each table's entries when its frame is
 * freed (a frame is zero when it becomes a table: alloc_frame zeroes it).
 * It does not use the VMM's reverse map, which is what it checks; every
 * whole audit counts afresh and compares.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm_impl.h"

/* Changes remembered per exit; past that, a whole audit (only exits that
 * rebuild large address spaces write more). */
#define LOG_MAX 1024

struct guest_write {
    int vm;
    uint32_t gpa, len;
};

struct owner_change {
    uint32_t hfn;
    struct frame_owner was, now;
};

struct traced_change {
    uint32_t gfn;
    bool traced;
};

struct iso {
    uint32_t spte[LOG_MAX]; /* host addresses of shadow entries written */
    struct guest_write gw[LOG_MAX];
    struct owner_change own[LOG_MAX];
    struct traced_change tr[LOG_MAX];
    uint32_t nspte, ngw, nown, ntr;
    bool overflow;
    bool bad_write;                /* the VMM wrote where it must not; reported first */
    struct vmm_violation bad;
    uint8_t *marked;               /* per host frame: became a traced page table (scratch) */
    uint32_t *writable;            /* per host frame: writable shadow entries mapping it */
    uint32_t *recount;             /* scratch for the whole audits' count */
    struct frame_counts counts;    /* the books, kept up to date from the changes */
    uint32_t full_every;
    uint32_t last_ptb;             /* the real ptb the last check saw */
};

bool iso_new(struct vmm *v)
{
    struct iso *c = malloc(sizeof *c); /* the logs need no zeroing: their counts do */
    if (!c)
        return false;
    c->nspte = c->ngw = c->nown = c->ntr = 0;
    c->overflow = c->bad_write = false;
    c->last_ptb = 0;
    c->marked = calloc(v->nframes, 1);
    c->writable = calloc(v->nframes, sizeof *c->writable);
    c->recount = calloc(v->nframes, sizeof *c->recount);
    v->iso = c;
    if (!c->marked || !c->writable || !c->recount) {
        iso_free(v);
        return false;
    }
    c->full_every = v->cfg.check_full_every ? v->cfg.check_full_every : 1024;
    count_frames(v, &c->counts);
    return true;
}

void iso_free(struct vmm *v)
{
    if (!v->iso)
        return;
    free(v->iso->marked);
    free(v->iso->writable);
    free(v->iso->recount);
    free(v->iso);
    v->iso = NULL;
}

static void forget_changes(struct iso *c)
{
    c->nspte = c->ngw = c->nown = c->ntr = 0;
    c->overflow = c->bad_write = false;
}

void iso_vms_changed(struct vmm *v)
{
    if (!v->iso)
        return;
    /* Made outside any VM's run: count afresh; the next check of each VM
     * (its first entry) is a whole one. */
    forget_changes(v->iso);
    count_frames(v, &v->iso->counts);
    count_writable(v, v->iso->writable);
}

/* --- the hooks --- */

static void bad_write(struct vmm *v, const char *what, uint32_t hfn, uint32_t addr)
{
    struct iso *c = v->iso;
    if (c->bad_write)
        return;
    char who[96];
    describe_frame(v, hfn, who, sizeof who);
    violation_start(&c->bad, INV_HOST_WRITE, v->current);
    c->bad.hfn = hfn;
    violation_say(&c->bad, "handling an exit of VM '%s', the VMM wrote %s at 0x%08x, in host frame 0x%x, %s",
                  v->current->name, what, addr, hfn, who);
    c->bad_write = true;
}

static void count_entry(struct iso *c, const struct vmm *v, uint32_t e, uint32_t sign)
{
    if ((e & (PTE_V | PTE_W)) == (PTE_V | PTE_W) && (e >> PAGE_SHIFT) < v->nframes)
        c->writable[e >> PAGE_SHIFT] += sign;
}

void iso_log_spte(struct vmm *v, uint32_t pa, uint32_t now)
{
    struct iso *c = v->iso;
    uint32_t hfn = pa >> PAGE_SHIFT;
    bool table = hfn < v->nframes && v->owner[hfn].kind == FRAME_SHADOW;
    if (v->current && !(table && v->owner[hfn].vm == v->current->id))
        bad_write(v, "a shadow entry", hfn, pa);
    if (table) {
        count_entry(c, v, host_word(v, pa), (uint32_t)-1);
        count_entry(c, v, now, 1);
    }
    if (c->nspte < LOG_MAX)
        c->spte[c->nspte++] = pa;
    else
        c->overflow = true;
}

void iso_log_guest_write(struct vmm *v, const struct vm *vm, uint32_t gpa, size_t len)
{
    struct iso *c = v->iso;
    if (v->current && vm != v->current)
        bad_write(v, "guest memory of another VM", vm->pmap[gpa >> PAGE_SHIFT], gpa);
    if (c->ngw < LOG_MAX)
        c->gw[c->ngw++] = (struct guest_write){.vm = vm->id, .gpa = gpa, .len = (uint32_t)len};
    else
        c->overflow = true;
}

void iso_log_owner(struct vmm *v, uint32_t hfn, struct frame_owner was, struct frame_owner now)
{
    struct iso *c = v->iso;
    if (was.kind == FRAME_SHADOW && now.kind != FRAME_SHADOW)
        count_writable_in(v, hfn, -1, c->writable); /* its entries go: it still holds them */
    if (c->nown < LOG_MAX)
        c->own[c->nown++] = (struct owner_change){.hfn = hfn, .was = was, .now = now};
    else
        c->overflow = true;
}

void iso_log_traced(struct vmm *v, const struct vm *vm, uint32_t gfn, bool traced)
{
    (void)vm; /* always the VM whose exit is handled: its shadows are the only ones that change */
    struct iso *c = v->iso;
    if (c->ntr < LOG_MAX)
        c->tr[c->ntr++] = (struct traced_change){.gfn = gfn, .traced = traced};
    else
        c->overflow = true;
}

/* --- the checks --- */

static const char *kind_name(unsigned kind)
{
    static const char *const names[] = {[FRAME_FREE] = "free", [FRAME_GUEST] = "guest memory",
                                        [FRAME_SHADOW] = "a shadow table", [FRAME_CODE] = "translated code"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

/* Keep the books from one change of owner; false if the change itself is
 * wrong: handling VM vm's exit, the VMM may only give vm a free frame or
 * take one of vm's back. */
static bool owner_change(struct vm *vm, const struct owner_change *oc, struct findings *fd)
{
    struct frame_counts *n = &vm->vmm->iso->counts;
    bool gives = oc->was.kind == FRAME_FREE && oc->now.kind != FRAME_FREE && oc->now.vm == vm->id;
    bool takes = oc->was.kind != FRAME_FREE && oc->was.vm == vm->id && oc->now.kind == FRAME_FREE;
    if (oc->was.kind == FRAME_FREE)
        n->nfree--;
    else
        n->owned[oc->was.vm][oc->was.kind]--;
    if (oc->now.kind == FRAME_FREE)
        n->nfree++;
    else
        n->owned[oc->now.vm][oc->now.kind]++;
    if (gives || takes)
        return true;
    struct vmm_violation r;
    violation_start(&r, INV_BOOKS, vm);
    r.hfn = oc->hfn;
    violation_say(&r, "handling an exit of VM '%s', host frame 0x%x went from %s (VM %d) to %s (VM %d)", vm->name,
                  oc->hfn, kind_name(oc->was.kind), oc->was.kind ? oc->was.vm : -1, kind_name(oc->now.kind),
                  oc->now.kind ? oc->now.vm : -1);
    violation_found(fd, &r);
    return false;
}

/* Every shadow entry made from guest words [gpa, gpa + len) of vm. */
static bool audit_written(struct vm *vm, uint32_t gpa, uint32_t len, struct findings *fd)
{
    uint64_t end = (uint64_t)gpa + len;
    for (uint64_t page = gpa & ~PAGE_MASK; page < end; page += PAGE_SIZE) {
        uint32_t gfn = (uint32_t)(page >> PAGE_SHIFT);
        if (!shadow_is_table(vm, gfn))
            continue;
        uint32_t first = (uint32_t)((gpa > page ? gpa - page : 0) / 4);
        uint32_t last = (uint32_t)(((end - page < PAGE_SIZE ? end - page : PAGE_SIZE) - 1) / 4);
        for (int level = PT_ROOT; level <= PT_LEAF; level++)
            for (int role = ROLE_SUP; role < ROLE_PHYS; role++) {
                struct spage *sp = shadow_lookup(&vm->sh, gfn, level, role);
                for (uint32_t i = first; sp && i <= last; i++)
                    if (!audit_spte(vm, sp, i, host_word(vm->vmm, (sp->hfn << PAGE_SHIFT) + 4 * i), fd))
                        return false;
            }
    }
    return true;
}

/* The count says a writable entry maps hfn, and no table of vm has one:
 * shadow memory changed without the checker hearing of it. */
static bool lost_count(struct vm *vm, uint32_t hfn, struct findings *fd)
{
    struct vmm_violation r;
    violation_start(&r, INV_HOST_WRITE, vm);
    r.hfn = hfn;
    violation_say(&r, "%u writable shadow entries were counted for host frame 0x%x, and no shadow table of VM '%s' "
                      "holds one: shadow tables changed without the checker hearing of it",
                  vm->vmm->iso->writable[hfn], hfn, vm->name);
    violation_found(fd, &r);
    return true;
}

/* The count of writable entries against a count afresh. */
static bool audit_writable_count(struct vm *vm, struct findings *fd)
{
    struct vmm *v = vm->vmm;
    struct iso *c = v->iso;
    count_writable(v, c->recount);
    for (uint32_t f = 0; f < v->nframes; f++)
        if (c->recount[f] != c->writable[f]) {
            struct vmm_violation r;
            violation_start(&r, INV_HOST_WRITE, vm);
            r.hfn = f;
            violation_say(&r, "the shadow tables hold %u writable entries for host frame 0x%x, the checker counted "
                              "%u: they changed without the checker hearing of it",
                          c->recount[f], f, c->writable[f]);
            violation_found(fd, &r);
            memcpy(c->writable, c->recount, v->nframes * sizeof *c->writable);
            return false;
        }
    return true;
}

/* What changed while the VMM handled the exit (or put the VM on the CPU). */
static void check_changes(struct vm *vm, bool tlb, struct findings *fd)
{
    struct vmm *v = vm->vmm;
    struct iso *c = v->iso;
    bool freed_shadow = false, traced = false;

    if (!audit_vcpu(vm, fd) || !audit_real(vm, fd))
        return;
    for (uint32_t i = 0; i < c->nown; i++) {
        const struct owner_change *oc = &c->own[i];
        if (!owner_change(vm, oc, fd))
            return;
        freed_shadow |= oc->was.kind == FRAME_SHADOW;
    }
    /* New tables: after the changes, a frame given as a shadow table that
     * is still one must hold a table of this VM, made from a traced frame. */
    for (uint32_t i = 0; i < c->nown; i++) {
        uint32_t h = c->own[i].hfn;
        if (c->own[i].now.kind == FRAME_SHADOW && v->owner[h].kind == FRAME_SHADOW && v->spage_of[h] &&
            !audit_table_header(vm, v->spage_of[h], fd))
            return;
    }
    if (c->nown && !audit_counts(v, vm, &c->counts, fd))
        return;
    /* A frame whose tracing changed: its count is the tables made from it
     * (a table left once it stops being traced is named as such), and one
     * that became a table is looked for among the writable entries below. */
    for (uint32_t i = 0; i < c->ntr; i++) {
        uint32_t g = c->tr[i].gfn, tables = 0;
        if (g > vm->nframes)
            continue;
        for (int level = PT_ROOT; level <= PT_LEAF; level++)
            for (int role = ROLE_SUP; role < ROLE_PHYS; role++) {
                const struct spage *sp = shadow_lookup(&vm->sh, g, level, role);
                tables += sp != NULL;
                if (sp && !c->tr[i].traced && !audit_table_header(vm, sp, fd))
                    return;
            }
        if (!audit_trace_count(vm, g, tables, fd))
            return;
        if (c->tr[i].traced && shadow_is_table(vm, g)) {
            c->marked[vm->pmap[g]] = 1;
            traced = true;
        }
    }
    if (traced) {
        /* writable somewhere: walk the tables only now, to name the entry */
        bool ok = true;
        for (uint32_t i = 0; i < c->ntr && ok; i++)
            if (c->tr[i].gfn < vm->nframes && c->marked[vm->pmap[c->tr[i].gfn]] &&
                c->writable[vm->pmap[c->tr[i].gfn]])
                ok = audit_writable(vm, c->marked, fd) && !lost_count(vm, vm->pmap[c->tr[i].gfn], fd);
        for (uint32_t i = 0; i < c->ntr; i++)
            if (c->tr[i].gfn < vm->nframes)
                c->marked[vm->pmap[c->tr[i].gfn]] = 0;
        if (!ok)
            return;
    }
    for (uint32_t i = 0; i < c->ngw; i++)
        if (c->gw[i].vm == vm->id && !audit_written(vm, c->gw[i].gpa, c->gw[i].len, fd))
            return;
    for (uint32_t i = 0; i < c->nspte; i++) {
        uint32_t pa = c->spte[i], h = pa >> PAGE_SHIFT;
        const struct spage *sp = h < v->nframes ? v->spage_of[h] : NULL;
        /* a frame freed since is no table to audit; one never ours was reported when written */
        if (sp && v->owner[h].kind == FRAME_SHADOW && v->owner[h].vm == vm->id &&
            !audit_spte(vm, sp, (pa & PAGE_MASK) / 4, host_word(v, pa), fd))
            return;
    }
    if (freed_shadow)
        for (uint32_t b = 0; b < vm->sh.nbuckets; b++)
            for (const struct spage *sp = vm->sh.hash[b]; sp; sp = sp->hnext)
                if (sp->level == PT_ROOT && !audit_table(vm, sp, fd))
                    return;
    bool changed = c->nspte || c->ngw || c->nown || c->ntr;
    if (tlb || changed || machine_get_cr(v->m, CR_PTB) != c->last_ptb)
        audit_tlb(vm, fd);
}

/* Everything about the VM, and the books of every frame. */
static void check_all(struct vm *vm, struct findings *fd)
{
    struct vmm *v = vm->vmm;
    if (audit_vcpu(vm, fd) && audit_real(vm, fd) && vm->mmu->audit(vm, fd) &&
        audit_books(v, vm, &v->iso->counts, fd) && audit_writable_count(vm, fd))
        audit_tlb(vm, fd);
}

static void say_exit(struct vmm_violation *r, const struct vm *vm)
{
    const struct vm_exit *x = &r->exit;
    if (vm->nexits == 0) {
        violation_say(r, "before its first exit");
        return;
    }
    violation_say(r, "after exit %llu (", (unsigned long long)vm->nexits);
    switch (x->reason) {
    case EXIT_TRAP:
        violation_say(r, "trap %s at pc 0x%08x, cause 0x%x, address 0x%08x", isa_cause_name(x->cause), x->pc,
                      x->cause, x->addr);
        break;
    case EXIT_INTERRUPT: violation_say(r, "real timer at pc 0x%08x", x->pc); break;
    case EXIT_BUDGET: violation_say(r, "instruction limit at pc 0x%08x", x->pc); break;
    case EXIT_INSN: violation_say(r, "intercepted instruction 0x%08x at pc 0x%08x", x->insn, x->pc); break;
    case EXIT_IRQ_WINDOW: violation_say(r, "interrupt window at pc 0x%08x", x->pc); break;
    case EXIT_NESTED_FAULT:
        violation_say(r, "nested fault at pc 0x%08x, guest-physical 0x%08x, guest-virtual 0x%08x", x->pc, x->addr,
                      x->guest_va);
        break;
    default: violation_say(r, "exit %d at pc 0x%08x", (int)x->reason, x->pc); break;
    }
    violation_say(r, ")");
}

/* Report what fd found (the VMM's bad write first: it is the cause of
 * what follows), stop the VM, and start afresh for the next check. */
static void finish(struct vm *vm, struct findings *fd, bool at_entry)
{
    struct iso *c = vm->vmm->iso;
    const struct vmm_violation *f = c->bad_write ? &c->bad : fd->n ? &fd->first : NULL;
    if (f) {
        struct vmm_violation *r = &vm->violation;
        *r = *f;
        r->vm = vm->id;
        r->exits = vm->nexits;
        r->at_entry = at_entry;
        r->exit = vm->nexits ? vm->last_exit : (struct vm_exit){0};
        r->text[0] = '\0';
        violation_say(r, "isolation violation (%s): %s; VM '%s', %s", vmm_invariant_name(f->invariant),
                      vmm_invariant_what(f->invariant), vm->name, at_entry ? "entering it " : "");
        say_exit(r, vm);
        violation_say(r, ": %s", f->text);
        vm->state = VM_ISOLATION;
    }
    forget_changes(c);
    c->last_ptb = machine_get_cr(vm->vmm->m, CR_PTB);
}

void iso_entered(struct vm *vm)
{
    struct findings fd;
    findings_init(&fd, true, NULL, 0);
    if (!vm->iso_seen) {
        check_all(vm, &fd);
        vm->iso_until_whole = vm->vmm->iso->full_every;
    } else {
        check_changes(vm, true, &fd);
    }
    vm->iso_seen = true;
    finish(vm, &fd, true);
}

void iso_after_exit(struct vm *vm, const struct vm_exit *x)
{
    struct iso *c = vm->vmm->iso;
    struct findings fd;
    findings_init(&fd, true, NULL, 0);
    vm->nexits++;
    vm->last_exit = *x;
    bool ended = vm->state != VM_RUNNABLE;
    bool whole = --vm->iso_until_whole == 0;
    if (whole)
        vm->iso_until_whole = c->full_every;
    if (ended || c->overflow || whole)
        check_all(vm, &fd);
    else
        check_changes(vm, false, &fd);
    vm->iso_ended = ended;
    finish(vm, &fd, false);
}

void iso_left(struct vm *vm)
{
    if (vm->state == VM_RUNNABLE || vm->state == VM_ISOLATION || vm->iso_ended)
        return;
    /* It stopped without an exit (its instruction limit): the audit at its end. */
    struct findings fd;
    findings_init(&fd, true, NULL, 0);
    check_all(vm, &fd);
    vm->iso_ended = true;
    finish(vm, &fd, false);
}
