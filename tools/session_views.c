/*
 * session_views.c - a debugger's views of a stopped machine: the walk of
 * one address through the guest's tables and the shadow tables, the
 * virtual CPU beside the real one, one exit explained (session_views.h).
 *
 * Every fact comes from where it is defined: the walk's rules from
 * pt_walk (the function the real MMU uses), entries' fields from
 * pt_entry_text, status bits and causes from isa/isa.h, the decision's
 * one line from vmm_decision_format, places from report_where.
 */
#include "session_views.h"

#include <string.h>

#include "devices.h"
#include "ptwalk.h"

/* Colours, only on a terminal: the guest's side, the VMM's (shadow, real)
 * side, what went wrong or is missing, and the names down the left. */
struct paint {
    const char *guest, *host, *bad, *label, *off;
};

static struct paint paint_of(bool color)
{
    if (!color)
        return (struct paint){"", "", "", "", ""};
    return (struct paint){"\033[36m", "\033[35m", "\033[31m", "\033[1m", "\033[0m"};
}

static struct dma memory_of(const struct report_view *v)
{
    return (struct dma){.ctx = v->ctx, .mem_size = v->mem_size, .read = v->read_phys};
}

static bool word_at(const struct report_view *v, uint32_t pa, uint32_t *w)
{
    uint8_t b[4];
    if (!v->read_phys(v->ctx, pa, b, 4))
        return false;
    *w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static bool user_mode(const uint32_t *crs) { return !(crs[CR_STATUS] & SR_S); }

/* --- the walk --- */

/* The guest's walk of va, structure only: how far it got (*levels), each
 * entry, and the cause that stopped it (0: the leaf was reached and is
 * valid). */
struct guest_walk {
    int levels;
    uint32_t entry_pa[PT_LEVELS], entry[PT_LEVELS];
    bool outside; /* the last entry's address is outside memory */
    uint32_t cause;
};

static void walk_guest(const struct report_view *v, uint32_t va, struct guest_walk *g)
{
    struct dma mem = memory_of(v);
    struct pt_walk w;
    memset(g, 0, sizeof *g);
    /* a supervisor load: the rights of the leaf are judged apart */
    g->cause = pt_walk(&mem, v->crs[CR_PTB], va, ACCESS_READ, false, false, &w);
    g->levels = w.level;
    for (int l = PT_ROOT; l <= w.level; l++) {
        g->entry_pa[l - 1] = w.entry_pa[l - 1];
        if (!word_at(v, w.entry_pa[l - 1], &g->entry[l - 1]))
            g->outside = true;
    }
    if (g->cause & CAUSE_PROT)
        g->cause = 0; /* no R: still a mapping; the rights line says what it allows */
}

/* "load, store; not fetch" for a mode, as pt_walk judges each access. */
static void rights_text(const struct report_view *v, uint32_t va, bool user, char *buf, size_t len)
{
    static const char *const names[] = {[ACCESS_READ] = "load", [ACCESS_WRITE] = "store", [ACCESS_FETCH] = "fetch"};
    static const enum access order[] = {ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH};
    struct dma mem = memory_of(v);
    char yes[40] = "", no[40] = "";
    for (size_t i = 0; i < 3; i++) {
        struct pt_walk w;
        bool ok = pt_walk(&mem, v->crs[CR_PTB], va, order[i], user, false, &w) == 0;
        char *to = ok ? yes : no;
        size_t n = strlen(to);
        snprintf(to + n, sizeof yes - n, "%s%s", n ? ", " : "", names[order[i]]);
    }
    snprintf(buf, len, "%s mode may %s%s%s", user ? "user" : "supervisor", yes[0] ? yes : "do nothing",
             yes[0] && no[0] ? "; not " : "", yes[0] && no[0] ? no : "");
}

static void entry_line(FILE *f, const struct paint *p, const char *lead, const char *who, const char *space,
                       uint32_t pa, uint32_t e, int level, const char *color)
{
    char fields[96];
    pt_entry_text(e, level, fields, sizeof fields);
    fprintf(f, "%s%-8s%s %s%-6s%s %s 0x%08x = 0x%08x  %s\n", p->label, lead, p->off, color, who, p->off, space, pa, e,
            fields);
}

static void shadow_level(FILE *f, const struct paint *p, const char *lead, const struct vmm_mmu_walk *s, int level)
{
    if (!s->has_root || s->levels < level)
        return;
    uint32_t e = s->entry[level - 1];
    if (e & PTE_V) {
        entry_line(f, p, lead, "shadow", "hpa", s->entry_pa[level - 1], e, level, p->host);
        return;
    }
    fprintf(f, "%s%-8s%s %s%-6s%s hpa 0x%08x = 0x%08x  %snot filled yet: the next access takes a hidden fault%s\n",
            p->label, lead, p->off, p->host, "shadow", p->off, s->entry_pa[level - 1], e, p->bad, p->off);
}

/* One second-stage walk (nested paging), its references numbered from
 * *ref on: "N  host   gpa ... level L: hpa ... = ...".  Returns the host
 * address of gpa, or false (and says so) when the host table refuses it:
 * the hardware exits there. */
static bool host_walk_lines(FILE *f, const struct paint *p, struct vm *vm, uint32_t gpa, const char *what, int *ref,
                            uint32_t *hpa)
{
    struct vmm_mmu_walk h;
    if (!vm_mmu_walk_gpa(vm, gpa, &h) || !h.has_root) {
        fprintf(f, "%-8s %s%-6s%s %sno host table yet: the VM's next entry makes it%s\n", "", p->host, "host", p->off,
                p->bad, p->off);
        return false;
    }
    for (int level = PT_ROOT; level <= h.levels; level++) {
        char lead[24], fields[96];
        snprintf(lead, sizeof lead, "%d", ++*ref);
        pt_entry_text(h.entry[level - 1], level, fields, sizeof fields);
        fprintf(f, "%s%-8s%s %s%-6s%s %s gpa 0x%08x, level %d: hpa 0x%08x = 0x%08x  %s\n", p->label, lead, p->off,
                p->host, "host", p->off, what, gpa, level, h.entry_pa[level - 1], h.entry[level - 1], fields);
    }
    uint32_t leaf = h.levels == PT_LEVELS ? h.entry[PT_LEAF - 1] : 0;
    if (!(leaf & PTE_V)) {
        fprintf(f, "%-8s %s%-6s%s %sthe host table maps no gpa 0x%08x: the hardware exits (nested page fault)%s\n",
                "", p->host, "host", p->off, p->bad, gpa, p->off);
        return false;
    }
    *hpa = PTE_FRAME(leaf) | (gpa & PAGE_MASK);
    return true;
}

/* Nested paging's walk in two dimensions, every memory reference the
 * hardware makes on a TLB miss numbered: for each guest entry the host
 * table's walk of its guest-physical address, then the entry; last the
 * host walk of the page (docs/isa.md section 14: n*m + n + m). */
static void view_walk_nested(FILE *f, const struct paint *p, const struct report_view *v, struct vm *vm, uint32_t va,
                             bool paging)
{
    int ref = 0;
    uint32_t hpa = 0, gpa = va;
    if (paging) {
        fprintf(f, "%s%-8s%s %s%-6s%s ptb gpa 0x%08x\n", p->label, "root", p->off, p->guest, "guest", p->off,
                v->crs[CR_PTB]);
        struct guest_walk g;
        walk_guest(v, va, &g);
        for (int level = PT_ROOT; level <= g.levels; level++) {
            char what[32];
            snprintf(what, sizeof what, "guest L%d entry:", level);
            if (!host_walk_lines(f, p, vm, g.entry_pa[level - 1], what, &ref, &hpa))
                return;
            char lead[24], fields[96];
            snprintf(lead, sizeof lead, "%d", ++ref);
            pt_entry_text(g.entry[level - 1], level, fields, sizeof fields);
            fprintf(f, "%s%-8s%s %s%-6s%s level %d entry gpa 0x%08x (hpa 0x%08x) = 0x%08x  %s\n", p->label, lead, p->off,
                    p->guest, "guest", p->off, level, g.entry_pa[level - 1], hpa, g.entry[level - 1], fields);
        }
        if (CAUSE_CODE(g.cause) == CAUSE_PAGE_FAULT) {
            fprintf(f, "%s%-8s%s %s%-6s%s %sstops at level %d: V clear, the guest's own page fault (no exit)%s\n",
                    p->label, "page", p->off, p->guest, "guest", p->off, p->bad, g.levels, p->off);
            return;
        }
        gpa = PTE_FRAME(g.entry[PT_LEAF - 1]) | (va & PAGE_MASK);
    } else {
        fprintf(f, "%s%-8s%s %s%-6s%s paging off: gva is gpa 0x%08x\n", p->label, "root", p->off, p->guest, "guest",
                p->off, va);
    }
    if (!host_walk_lines(f, p, vm, gpa, "page:", &ref, &hpa))
        return;
    char rights[128] = "";
    if (paging)
        rights_text(v, va, user_mode(v->crs), rights, sizeof rights);
    fprintf(f, "%s%-8s%s gpa 0x%08x is hpa 0x%08x%s%s\n", p->label, "page", p->off, gpa, hpa, rights[0] ? "; " : "",
            rights);
    fprintf(f, "%-8s %s%d memory references for this TLB miss (a native walk: %d)%s\n", "", p->label, ref,
            paging ? PT_LEVELS : 0, p->off);
}

void view_walk(FILE *f, const struct report_view *v, struct vm *vm, uint32_t va, bool color)
{
    const struct paint p = paint_of(color);
    const char *space = vm ? "gpa" : "pa";
    bool user = user_mode(v->crs), paging = v->crs[CR_STATUS] & SR_PG;
    char where[160];
    report_where(v, va, where, sizeof where);
    fprintf(f, "%swalk of gva %s%s, %s%s mode, paging %s\n", p.label, where, p.off, vm ? "virtual " : "",
            user ? "user" : "supervisor", paging ? "on" : "off");

    struct vmm_mmu_walk s = {0};
    if (vm && vm_mmu_walk_gpa(vm, 0, &s)) {
        view_walk_nested(f, &p, v, vm, va, paging);
        return;
    }
    bool shadow = vm && vm_mmu_walk(vm, va, &s);
    if (vm && !shadow)
        fprintf(f, "%-8s %s%-6s%s the VM's MMU has no tables to walk\n", "", p.host, "shadow", p.off);

    /* the roots */
    if (paging)
        fprintf(f, "%s%-8s%s %s%-6s%s ptb %s 0x%08x\n", p.label, "root", p.off, p.guest, "guest", p.off, space,
                v->crs[CR_PTB]);
    else
        fprintf(f, "%s%-8s%s %s%-6s%s paging off: gva is %s 0x%08x\n", p.label, "root", p.off, p.guest, "guest",
                p.off, space, va);
    if (shadow && !s.has_root)
        fprintf(f, "%-8s %s%-6s%s %sno root for role %s yet: the VM's next entry makes it%s\n", "", p.host, "shadow",
                p.off, p.bad, s.role, p.off);
    else if (shadow && !paging)
        fprintf(f, "%-8s %s%-6s%s ptb hpa 0x%08x: the root of role %s (guest-physical memory, one to one)\n", "",
                p.host, "shadow", p.off, s.root, s.role);
    else if (shadow)
        fprintf(f, "%-8s %s%-6s%s ptb hpa 0x%08x: the root of role %s, made from guest table gpa 0x%08x\n", "",
                p.host, "shadow", p.off, s.root, s.role, s.guest_table);

    /* level by level */
    struct guest_walk g = {0};
    if (paging)
        walk_guest(v, va, &g);
    for (int level = PT_ROOT; level <= PT_LEVELS; level++) {
        char lead[24];
        snprintf(lead, sizeof lead, "level %d", level);
        if (level <= g.levels && g.outside && level == g.levels)
            fprintf(f, "%s%-8s%s %s%-6s%s %s 0x%08x  %sis outside memory: a bus error%s\n", p.label, lead, p.off,
                    p.guest, "guest", p.off, space, g.entry_pa[level - 1], p.bad, p.off);
        else if (level <= g.levels)
            entry_line(f, &p, lead, "guest", space, g.entry_pa[level - 1], g.entry[level - 1], level, p.guest);
        shadow_level(f, &p, level <= g.levels ? "" : lead, &s, level);
    }

    /* where it ends */
    uint32_t gpa = va;
    bool mapped = true;
    if (paging) {
        uint32_t code = CAUSE_CODE(g.cause);
        if (code == CAUSE_PAGE_FAULT)
            fprintf(f, "%s%-8s%s %s%-6s%s %sstops at level %d: V clear, a page fault%s\n", p.label, "page", p.off,
                    p.guest, "guest", p.off, p.bad, g.levels, p.off);
        else if (code == CAUSE_BUS_ERROR && !g.outside)
            fprintf(f, "%s%-8s%s %s%-6s%s %sframe 0x%08x is outside memory: a bus error%s\n", p.label, "page", p.off,
                    p.guest, "guest", p.off, p.bad, PTE_FRAME(g.entry[PT_LEAF - 1]), p.off);
        else if (code == CAUSE_BUS_ERROR)
            fprintf(f, "%s%-8s%s %s%-6s%s %sstops at level %d: a bus error%s\n", p.label, "page", p.off, p.guest,
                    "guest", p.off, p.bad, g.levels, p.off);
        mapped = !g.cause;
        gpa = PTE_FRAME(g.entry[PT_LEAF - 1]) | (va & PAGE_MASK);
        if (mapped && gpa >= v->mem_size) { /* a leaf without R: walk_guest forgave the fault first */
            fprintf(f, "%s%-8s%s %s%-6s%s %sframe 0x%08x is outside memory: a bus error%s\n", p.label, "page", p.off,
                    p.guest, "guest", p.off, p.bad, PTE_FRAME(gpa), p.off);
            mapped = false;
        }
    } else if (va >= v->mem_size) {
        fprintf(f, "%s%-8s%s %s%-6s%s %s%s 0x%08x is outside memory: a bus error%s\n", p.label, "page", p.off, p.guest,
                "guest", p.off, p.bad, space, va, p.off);
        mapped = false;
    }
    if (mapped) {
        char rights[128] = "";
        if (paging)
            rights_text(v, va, user, rights, sizeof rights);
        fprintf(f, "%s%-8s%s %s%-6s%s %s 0x%08x", p.label, "page", p.off, p.guest, "guest", p.off, space, gpa);
        if (vm)
            fprintf(f, " (host frame 0x%08x)", vm_host_frame(vm, gpa >> PAGE_SHIFT) << PAGE_SHIFT);
        fprintf(f, "%s%s\n", rights[0] ? "; " : "", rights);
    }
    if (shadow && s.has_root && s.levels == PT_LEVELS && (s.entry[PT_LEAF - 1] & PTE_V))
        fprintf(f, "%-8s %s%-6s%s hpa 0x%08x\n", "", p.host, "shadow", p.off,
                PTE_FRAME(s.entry[PT_LEAF - 1]) | (va & PAGE_MASK));
}

/* --- the two CPUs --- */

static void status_text(uint32_t sr, char *buf, size_t len)
{
    char bits[32];
    isa_status_bits(sr, bits, sizeof bits);
    snprintf(buf, len, "%08x (%s)", sr, bits[0] ? bits : "none set");
}

/* What the real ptb points at, in the VMM's terms. */
static void real_ptb_text(struct vmm *vmm, struct vm *vm, bool paging, uint32_t ptb, char *buf, size_t len)
{
    struct vmm_mmu_walk s;
    int owner = -1;
    if (vm_mmu_walk(vm, 0, &s) && s.has_root && s.root == ptb) {
        if (!paging)
            snprintf(buf, len, "%08x hpa: shadow root, role %s (guest paging off)", ptb, s.role);
        else
            snprintf(buf, len, "%08x hpa: shadow root, role %s, of guest table gpa %08x", ptb, s.role,
                     s.guest_table);
        return;
    }
    enum frame_kind k = vmm_frame_owner(vmm, ptb >> PAGE_SHIFT, &owner);
    snprintf(buf, len, "%08x hpa: %s", ptb,
             k == FRAME_SHADOW && owner == vm_id(vm) ? "a shadow table of this VM, not its current root"
             : k == FRAME_SHADOW                     ? "a shadow table of another VM"
             : k == FRAME_GUEST                      ? "guest memory, not a shadow table"
             : k == FRAME_CODE                       ? "translated code, not a shadow table"
                                                     : "a free frame: no VM loaded");
}

void view_cpus(FILE *f, struct vmm *vmm, struct vm *vm, const struct report_view *v, const struct vm_exit *last,
               bool color)
{
    const struct paint p = paint_of(color);
    struct machine *m = vmm_machine(vmm);
    const uint32_t *cr = v->crs;
    uint32_t rs = machine_get_cr(m, CR_STATUS);
    char a[200], b[200], w[160];
    /* In the hardware guest mode the real control registers are the
     * guest's own, but for what the control block says the host owns. */
    const struct guest_control *gc = vm ? vm_control_block(vm) : NULL;
    fprintf(f, "%s%-9s%s %s%-40s%s %s%s%s\n", p.label, "", p.off, p.guest, "virtual CPU (the guest's)", p.off, p.host,
            gc ? "real CPU (guest mode: the guest's, but what the host owns)" : "real CPU (the VMM's)", p.off);
#define ROW(name, left, right) \
    fprintf(f, "%s%-9s%s %s%-40s%s %s%s%s\n", p.label, name, p.off, p.guest, left, p.off, p.host, right, p.off)
    ROW("mode", user_mode(cr) ? "user" : "supervisor", (rs & SR_S) ? "supervisor" : "user");
    status_text(cr[CR_STATUS], a, sizeof a);
    status_text(rs, b, sizeof b);
    ROW("status", a, b);
    snprintf(a, sizeof a, "%08x gpa", cr[CR_PTB]);
    if (gc && gc->nested)
        snprintf(b, sizeof b, "%08x gpa: the guest's own, through the host table at hpa %08x",
                 machine_get_cr(m, CR_PTB), gc->nested_root);
    else
        real_ptb_text(vmm, vm, cr[CR_STATUS] & SR_PG, machine_get_cr(m, CR_PTB), b, sizeof b);
    ROW("ptb", a, b);
    report_where(v, cr[CR_TVEC], w, sizeof w);
    snprintf(a, sizeof a, "gva %s", w);
    if (gc)
        snprintf(b, sizeof b, "%08x (the guest's: what the control block lets through is delivered there)",
                 machine_get_cr(m, CR_TVEC));
    else
        snprintf(b, sizeof b, "%08x (unused: every trap exits to the VMM)", machine_get_cr(m, CR_TVEC));
    ROW("tvec", a, b);
    report_where(v, cr[CR_EPC], w, sizeof w);
    snprintf(a, sizeof a, "gva %s", w);
    if (last) {
        report_where(v, last->pc, w, sizeof w);
        snprintf(b, sizeof b, "gva %s", w);
    }
    ROW("epc", a, last ? b : "no exit yet");
    snprintf(a, sizeof a, "%08x (%s)", cr[CR_CAUSE], cr[CR_CAUSE] ? isa_cause_name(cr[CR_CAUSE]) : "no trap yet");
    if (last && (last->reason == EXIT_TRAP || last->reason == EXIT_INTERRUPT))
        snprintf(b, sizeof b, "%08x (%s)", last->cause, isa_cause_name(last->cause));
    else
        snprintf(b, sizeof b, "%s", last ? "(not a trap)" : "");
    ROW("cause", a, b);
    snprintf(a, sizeof a, "gva %08x", cr[CR_BADADDR]);
    /* an exit's address means something only for a fault on one */
    uint32_t code = last ? CAUSE_CODE(last->cause) : 0;
    bool addressed = last && last->reason == EXIT_TRAP &&
                     (code == CAUSE_PAGE_FAULT || code == CAUSE_MISALIGNED || code == CAUSE_BUS_ERROR);
    snprintf(b, sizeof b, "gva %08x", addressed ? last->addr : 0);
    ROW("badaddr", a, addressed ? b : "");
#undef ROW
    fprintf(f, "%-9s %sthe real column: the real status and ptb now; pc, cause and address of the last exit%s\n", "",
            p.label, p.off);
}

/* --- the hardware guest mode's control block --- */

/* The names of the bits set in mask, by a name function, or "none". */
static void bit_names(uint32_t mask, const char *(*name)(unsigned), char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < 32; i++)
        if (mask >> i & 1) {
            const char *n = name(i);
            int w = snprintf(buf + k, len - k, "%s%s", k ? " " : "", n ? n : "?");
            if (w < 0 || (size_t)w >= len - k)
                break;
            k += (size_t)w;
        }
    if (!k)
        snprintf(buf, len, "none");
}

static const char *cause_bit_name(unsigned code) { return isa_cause_name(code); }
static const char *cr_bit_name(unsigned cr) { return isa_cr_name(cr); }

void view_control_block(FILE *f, struct vm *vm, bool color)
{
    const struct paint p = paint_of(color);
    const struct guest_control *gc = vm_control_block(vm);
    if (!gc) {
        fprintf(f, "this VM does not run in the hardware guest mode (its technique deprivileges it)\n");
        return;
    }
    char buf[512];
    fprintf(f, "%sthe control block the next entry loads (docs/isa.md section 14)%s\n", p.label, p.off);
    fprintf(f, "%sguest state%s\n", p.label, p.off);
    for (unsigned i = 0; i < NCRS; i++)
        if (i != CR_TIMER)
            fprintf(f, "  %-9s %08x\n", isa_cr_name(i), gc->cr[i]);
    fprintf(f, "%sexits%s\n", p.label, p.off);
    bit_names(gc->cause_exits, cause_bit_name, buf, sizeof buf);
    fprintf(f, "  %-13s %s\n", "causes", buf);
    size_t k = 0;
    buf[0] = 0;
    for (int op = 0; op < OP_COUNT; op++)
        if (guest_control_exits_on_insn(gc, (enum op)op))
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", k ? " " : "", isa_insns[op].mnem);
    fprintf(f, "  %-13s %s\n", "instructions", k ? buf : "none");
    bit_names(gc->cr_read_exits, cr_bit_name, buf, sizeof buf);
    fprintf(f, "  %-13s %s\n", "reads of", buf);
    bit_names(gc->cr_write_exits, cr_bit_name, buf, sizeof buf);
    fprintf(f, "  %-13s %s\n", "writes of", buf);
    fprintf(f, "  %-13s %s\n", "irq window", gc->irq_window ? "on: a virtual interrupt waits for the guest's IE" : "off");
    fprintf(f, "%sowned by the host%s\n", p.label, p.off);
    fprintf(f, "  %-13s %s\n", "ptb", gc->ptb_owned ? "yes: the real ptb is the shadow root; writes exit" : "no");
    fprintf(f, "  %-13s %s\n", "status.PG",
            gc->status_owned & SR_PG ? "yes: the real PG stays 1; a write that changes it exits" : "no");
    fprintf(f, "%snested paging%s\n", p.label, p.off);
    if (gc->nested)
        fprintf(f, "  on: the host table at hpa %08x maps guest-physical addresses\n", gc->nested_root);
    else
        fprintf(f, "  off\n");
}

/* --- one exit --- */

static void entry_text(uint32_t e, int level, char *buf, size_t len)
{
    char fields[96];
    pt_entry_text(e, level, fields, sizeof fields);
    snprintf(buf, len, "0x%08x (%s)", e, fields);
}

void view_made_before(struct vm *vm, const struct report_view *v, const struct vm_exit *x, struct view_made *out)
{
    *out = (struct view_made){0};
    if (!vm || x->reason != EXIT_TRAP || CAUSE_CODE(x->cause) != CAUSE_PAGE_FAULT || !(x->cause & CAUSE_WRITE) ||
        !(v->crs[CR_STATUS] & SR_PG))
        return;
    struct dma mem = memory_of(v);
    struct pt_walk w;
    if (pt_walk(&mem, v->crs[CR_PTB], x->addr, ACCESS_READ, user_mode(v->crs), false, &w) != 0)
        return;
    out->known = true;
    out->gpa = (w.page | (x->addr & PAGE_MASK)) & ~3u;
    out->n = vm_mmu_made_from(vm, out->gpa, out->e, VMM_MADE_MAX);
}

static const struct vmm_made_entry *same_entry(const struct vmm_made_entry *e, int n, const struct vmm_made_entry *k)
{
    for (int i = 0; i < n; i++)
        if (e[i].hpa == k->hpa && e[i].level == k->level && strcmp(e[i].role, k->role) == 0)
            return &e[i];
    return NULL;
}

/* Each shadow entry made from the guest word at gpa: before -> after. */
static void made_entries(FILE *f, const struct paint *p, struct vm *vm, uint32_t gpa, const struct view_made *made)
{
    struct vmm_made_entry now[VMM_MADE_MAX];
    int n = vm ? vm_mmu_made_from(vm, gpa, now, VMM_MADE_MAX) : 0;
    bool known = made && made->known && made->gpa == gpa;
    int nb = known ? made->n : 0;
    char a[160], b[160];
    if (n == 0 && nb == 0)
        fprintf(f, "  %s%-13s%s none: no shadow table is made from this guest table, so no shadow entry changed\n",
                p->host, "shadow entry", p->off);
    for (int i = 0; i < n; i++) {
        const struct vmm_made_entry *was = known ? same_entry(made->e, nb, &now[i]) : NULL;
        entry_text(now[i].value, now[i].level, b, sizeof b);
        if (was) {
            entry_text(was->value, was->level, a, sizeof a);
            fprintf(f, "  %s%-13s%s role %s, hpa 0x%08x: %s\n  %-13s -> %s\n", p->host, "shadow entry", p->off,
                    now[i].role, now[i].hpa, a, "", b);
        } else {
            fprintf(f, "  %s%-13s%s role %s, hpa 0x%08x: %s%s\n", p->host, "shadow entry", p->off, now[i].role,
                    now[i].hpa, b, known ? " (its table was made by this exit)" : " (now)");
        }
    }
    for (int i = 0; i < nb; i++)
        if (!same_entry(now, n, &made->e[i])) {
            entry_text(made->e[i].value, made->e[i].level, a, sizeof a);
            fprintf(f, "  %s%-13s%s role %s, hpa 0x%08x: %s\n  %-13s -> its shadow table was dropped\n", p->host,
                    "shadow entry", p->off, made->e[i].role, made->e[i].hpa, a, "");
        }
}

/* Registers that differ, "name old -> new", in the order of arch.h. */
static void changes(FILE *f, const struct paint *p, const struct report_view *a, const struct report_view *b)
{
    fprintf(f, "  %s%-13s%s", p->label, "changed", p->off);
    int n = 0;
    if (a->pc != b->pc)
        n += fprintf(f, "%s pc %08x -> %08x", n ? "," : "", a->pc, b->pc) > 0;
    for (unsigned r = 1; r < NREGS; r++)
        if (a->regs[r] != b->regs[r])
            n += fprintf(f, "%s %s %08x -> %08x", n ? "," : "", isa_reg_abi_name(r), a->regs[r], b->regs[r]) > 0;
    for (unsigned c = 0; c < NCRS; c++)
        if (a->crs[c] != b->crs[c])
            n += fprintf(f, "%s %s %08x -> %08x", n ? "," : "", isa_cr_name(c), a->crs[c], b->crs[c]) > 0;
    fprintf(f, "%s\n", n ? "" : " nothing");
}

/* The trap the guest now takes: what was saved, and where it goes. */
static void delivered(FILE *f, const struct paint *p, const char *what, uint32_t cause, const struct report_view *b)
{
    char epc[160], handler[160], sr[64];
    report_where(b, b->crs[CR_EPC], epc, sizeof epc);
    report_where(b, b->pc, handler, sizeof handler);
    status_text(b->crs[CR_STATUS], sr, sizeof sr);
    fprintf(f, "  %s%-13s%s %s (%s): saved epc gva %s, status %s\n", p->guest, what, p->off, isa_cause_name(cause),
            isa_cause_desc(cause), epc, sr);
    fprintf(f, "  %s%-13s%s gva %s, virtual %s mode\n", p->guest, "handler", p->off, handler,
            user_mode(b->crs) ? "user" : "supervisor");
}

void view_exit(FILE *f, struct vm *vm, const struct report_view *before, const struct report_view *after,
               const struct vm_exit *x, const struct vmm_decision *d, const struct view_made *made, bool color)
{
    const struct paint p = paint_of(color);
    char line[400], where[160], insn[128], a[160], b[160];
    vmm_decision_format(d, line, sizeof line);
    fprintf(f, "%sexit%s %s\n", p.label, p.off, line);
    report_where(before, x->pc, where, sizeof where);
    if (x->reason == EXIT_TRAP && (x->cause & CAUSE_FETCH) && x->addr == x->pc)
        snprintf(insn, sizeof insn, "(its fetch faulted)");
    else if (x->reason == EXIT_TRAP && CAUSE_CODE(x->cause) == CAUSE_ILLEGAL) {
        /* binary translation: the real CPU fetched a trap word from the
         * translation cache; the guest's own word is what it ran */
        char real[64];
        report_fetch_text(before, x->pc, user_mode(before->crs), insn, sizeof insn);
        report_insn_text(x->insn, x->pc, real, sizeof real);
        size_t n = strlen(insn);
        if (strcmp(real, insn) != 0 && n + 1 < sizeof insn)
            snprintf(insn + n, sizeof insn - n, " (the translation has a trap word there)");
    } else if (x->reason == EXIT_TRAP)
        report_insn_text(x->insn, x->pc, insn, sizeof insn);
    else
        report_fetch_text(before, x->pc, user_mode(before->crs), insn, sizeof insn);
    fprintf(f, "  %s%-13s%s gva %s: %s, virtual %s mode\n", p.label, "at", p.off, where, insn,
            user_mode(before->crs) ? "user" : "supervisor");
    switch (d->kind) {
    case VMX_EMULATED:
        changes(f, &p, before, after);
        break;
    case VMX_REFLECTED:
        delivered(f, &p, "reflected", d->cause, after);
        break;
    case VMX_PF_TRUE:
        fprintf(f, "  %s%-13s%s the guest's tables refuse gva 0x%08x\n", p.guest, "true fault", p.off, d->gva);
        delivered(f, &p, "reflected", d->cause, after);
        break;
    case VMX_PF_HIDDEN: {
        struct vmm_mmu_walk s;
        bool found = vm_mmu_walk(vm, d->gva, &s) && s.has_root && s.levels == PT_LEVELS;
        if (d->paging_off)
            fprintf(f, "  %s%-13s%s none: guest paging off, gva 0x%08x is gpa\n", p.guest, "guest entry", p.off,
                    d->gva);
        else {
            entry_text(d->before, PT_LEAF, a, sizeof a);
            fprintf(f, "  %s%-13s%s gpa 0x%08x: %s\n", p.guest, "guest entry", p.off, d->gpa, a);
        }
        entry_text(d->after, PT_LEAF, b, sizeof b);
        if (found)
            fprintf(f, "  %s%-13s%s role %s, hpa 0x%08x: %s\n", p.host, "shadow made", p.off, s.role,
                    s.entry_pa[PT_LEAF - 1], b);
        else
            fprintf(f, "  %s%-13s%s %s\n", p.host, "shadow made", p.off, b);
        break;
    }
    case VMX_PF_TRACING: {
        struct dma mem = memory_of(after);
        uint32_t va = 0;
        int level = pt_entry_of(&mem, after->crs[CR_PTB], d->gpa, &va);
        entry_text(d->before, level ? level : PT_LEAF, a, sizeof a);
        entry_text(d->after, level ? level : PT_LEAF, b, sizeof b);
        if (level)
            fprintf(f, "  %s%-13s%s gpa 0x%08x, level %d, for gva 0x%08x: %s\n", p.guest, "guest entry", p.off,
                    d->gpa, level, va, a);
        else
            fprintf(f, "  %s%-13s%s gpa 0x%08x: %s\n", p.guest, "guest entry", p.off, d->gpa, a);
        fprintf(f, "  %s%-13s%s -> %s\n", p.guest, "", p.off, b);
        made_entries(f, &p, vm, d->gpa, made);
        break;
    }
    default:
        break;
    }
    if (d->interrupt)
        delivered(f, &p, "interrupt", d->interrupt, after);
}
