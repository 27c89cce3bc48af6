/*
 * catch.c - the stopping points that are not breakpoints: catchpoints (the
 * next exit of a kind, or of a trap cause) and watchpoints (guest memory
 * written, a guest page-table entry included).  They are numbered with the
 * breakpoints, so that one `delete N` takes any of them.
 *
 * An exit kind's name is the VMM's own (vmm.h, VMM_EXIT_KINDS) in lower
 * case without "PF_": emulated, reflected, hidden, tracing, true, timer,
 * limit.  A cause's name is the machine's (isa/arch.h, ISA_CAUSES).
 *
 * A watch is the machine's watch on the host-physical range (natively the
 * physical one) backing the guest's words: it stops after a store by the
 * CPU.  But under the VMM a guest page table is write-protected in the
 * shadow, so the guest's store to one faults (a tracing fault) and the
 * VMM does the store: the exit hook (mon_exit_hook) asks mon_catch_exit,
 * which stops the run when the entry written is watched.
 */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "devices.h"
#include "monitor.h"
#include "ptwalk.h"

/* The VMM's identifiers of its exit kinds, in the order of enum vmm_exit_kind. */
static const char *const kind_ids[VMX_COUNT] = {
#define X(name, desc) #name,
    VMM_EXIT_KINDS(X)
#undef X
};
static const char *const kind_descs[VMX_COUNT] = {
#define X(name, desc) desc,
    VMM_EXIT_KINDS(X)
#undef X
};

/* "PF_TRACING" -> "tracing" */
static void kind_name(unsigned k, char *buf, size_t len)
{
    const char *id = kind_ids[k];
    if (strncmp(id, "PF_", 3) == 0)
        id += 3;
    size_t i = 0;
    for (; id[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)id[i]);
    buf[i] = '\0';
}

static int cause_by_name(const char *name)
{
#define X(NAME, code, cname, desc) \
    if (strcmp(name, cname) == 0)  \
        return code;
    ISA_CAUSES(X)
#undef X
    return -1;
}

static void catch_text(const struct mon_catch *c, char *buf, size_t len)
{
    char name[32];
    if (c->by_cause) {
        snprintf(buf, len, "cause %s (%s)", isa_cause_name(c->what), isa_cause_desc(c->what));
    } else {
        kind_name(c->what, name, sizeof name);
        snprintf(buf, len, "%s (%s)", name, kind_descs[c->what]);
    }
}

bool cmd_catch(struct monitor *mon, int argc, char **argv)
{
    char names[160] = "";
    for (unsigned k = 0, n = 0; k < VMX_COUNT; k++) {
        char name[32];
        kind_name(k, name, sizeof name);
        n += (unsigned)snprintf(names + n, sizeof names - n, "%s%s", k ? ", " : "", name);
    }
    if (!mon->s)
        return mon_error(mon, "catch: the bare machine has no VM exits (run vmon without --native)");
    struct mon_catch c = {0};
    if (argc == 3 && strcmp(argv[1], "cause") == 0) {
        int code = cause_by_name(argv[2]);
        if (code < 0)
            return mon_error(mon, "catch cause %s: no such cause (syscall, page-fault, timer, ... as in docs/isa.md)",
                             argv[2]);
        c.by_cause = true;
        c.what = (unsigned)code;
    } else if (argc == 2) {
        bool found = false;
        for (unsigned k = 0; k < VMX_COUNT && !found; k++) {
            char name[32];
            kind_name(k, name, sizeof name);
            if (strcmp(argv[1], name) == 0) {
                c.what = k;
                found = true;
            }
        }
        if (!found)
            return mon_error(mon, "catch %s: no such exit kind (%s; or cause NAME)", argv[1], names);
    } else {
        return mon_error(mon, "catch needs an exit kind (%s) or cause NAME", names);
    }
    struct mon_catch *slot = NULL;
    for (int i = 0; i < MON_MAX_CATCHES && !slot; i++)
        if (!mon->catches[i].id)
            slot = &mon->catches[i];
    if (!slot)
        return mon_error(mon, "catch: %d catchpoints already (delete one)", MON_MAX_CATCHES);
    c.id = mon->next_break++;
    *slot = c;
    char text[200];
    catch_text(slot, text, sizeof text);
    fprintf(mon->out, "catchpoint %d: %s\n", c.id, text);
    return true;
}

bool cmd_info_catches(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info catches takes no argument");
    bool any = false;
    for (int id = 1; id < mon->next_break; id++)
        for (int i = 0; i < MON_MAX_CATCHES; i++) {
            const struct mon_catch *c = &mon->catches[i];
            if (c->id != id)
                continue;
            char text[200];
            catch_text(c, text, sizeof text);
            fprintf(mon->out, "%-3d %s, hit %" PRIu64 " time%s\n", c->id, text, c->hits, c->hits == 1 ? "" : "s");
            any = true;
        }
    if (!any)
        fprintf(mon->out, "no catchpoints\n");
    return true;
}

/* --- watchpoints --- */

static bool read_words(struct monitor *mon, const struct mon_watch *w, uint32_t *words)
{
    for (uint32_t i = 0; i < w->len / 4; i++)
        if (!mon_word(mon, w->gpa + 4 * i, &words[i]))
            return false;
    return true;
}

/* The guest's leaf entry for gva: its guest-physical address; false
 * after mon_error. */
static bool leaf_entry(struct monitor *mon, const char *arg, uint32_t gva, uint32_t *gpa)
{
    struct report_view v = mon_view(mon);
    if (!(v.crs[CR_STATUS] & SR_PG))
        return mon_error(mon, "watch pte %s: the guest's paging is off: no entry of its maps gva 0x%08x", arg, gva);
    struct dma mem = {.ctx = v.ctx, .mem_size = v.mem_size, .read = v.read_phys};
    struct pt_walk w;
    memset(&w, 0, sizeof w);
    uint32_t cause = pt_walk(&mem, v.crs[CR_PTB], gva, ACCESS_READ, false, false, &w);
    if (w.level != PT_LEAF || (cause && CAUSE_CODE(cause) == CAUSE_BUS_ERROR && w.entry_pa[PT_LEAF - 1] >= v.mem_size))
        return mon_error(mon, "watch pte %s: gva 0x%08x has no leaf entry: the walk stops at level %d", arg, gva,
                         w.level);
    *gpa = w.entry_pa[PT_LEAF - 1];
    return true;
}

static void watch_text(struct monitor *mon, const struct mon_watch *w, char *buf, size_t len)
{
    char at[200];
    mon_where_text(mon, w->gva, at, sizeof at);
    if (w->pte)
        snprintf(buf, len, "gpa 0x%08x, the guest's leaf entry for %s", w->gpa, at);
    else if (w->virt)
        snprintf(buf, len, "%s (gpa 0x%08x), %u bytes", at, w->gpa, w->len);
    else
        snprintf(buf, len, "gpa 0x%08x, %u bytes", w->gpa, w->len);
}

bool cmd_watch(struct monitor *mon, int argc, char **argv)
{
    bool pte = argc >= 2 && strcmp(argv[1], "pte") == 0;
    int a = pte ? 2 : 1;
    if (argc < a + 1 || argc > a + (pte ? 1 : 2))
        return mon_error(mon, "watch needs ADDR [LEN] or pte ADDR");
    uint64_t len = 4;
    if (!pte && argc == 3 && !mon_count(mon, "watch", argv[2], 4 * MON_WATCH_WORDS, &len))
        return false;
    if (len % 4)
        return mon_error(mon, "watch: a watch covers whole words: 4, 8, 12 or 16 bytes, not %s", argv[2]);
    enum mon_space sp;
    uint32_t addr, gpa;
    if (!mon_address(mon, argv[a], &sp, &addr))
        return false;
    if (addr & 3)
        return mon_error(mon, "watch %s: 0x%08x is not a multiple of 4 (a watch covers whole words)", argv[a], addr);
    char why[200];
    if (pte) {
        if (sp != SPACE_GVA)
            return mon_error(mon, "watch pte %s: an entry maps a guest-virtual address (gva)", argv[a]);
        if (!leaf_entry(mon, argv[a], addr, &gpa))
            return false;
    } else if (sp == SPACE_GPA) {
        gpa = addr;
    } else if (!mon_translate(mon, addr, &gpa, why, sizeof why)) {
        return mon_error(mon, "watch %s: gva 0x%08x: %s", argv[a], addr, why);
    }
    struct report_view v = mon_view(mon);
    if (gpa >= v.mem_size || v.mem_size - gpa < len)
        return mon_error(mon, "watch %s: gpa 0x%08x: outside the guest's memory (0x%08x bytes)", argv[a], gpa,
                         v.mem_size);
    if ((gpa & PAGE_MASK) + len > PAGE_SIZE)
        return mon_error(mon, "watch %s: gpa 0x%08x + %" PRIu64 " crosses a page: watch each page alone", argv[a], gpa,
                         len);
    struct mon_watch *slot = NULL;
    for (int i = 0; i < MON_MAX_WATCHES && !slot; i++)
        if (!mon->watches[i].id)
            slot = &mon->watches[i];
    if (!slot)
        return mon_error(mon, "watch: %d watchpoints already (delete one)", MON_MAX_WATCHES);
    struct vm *vm = mon_vm(mon);
    uint32_t pa = vm ? vm_host_frame(vm, gpa >> PAGE_SHIFT) << PAGE_SHIFT | (gpa & PAGE_MASK) : gpa;
    struct mon_watch w = {
        .pte = pte, .virt = sp == SPACE_GVA, .gva = sp == SPACE_GVA ? addr : gpa, .gpa = gpa, .len = (uint32_t)len};
    char err[200];
    if (!read_words(mon, &w, w.old))
        return mon_error(mon, "watch %s: gpa 0x%08x cannot be read", argv[a], gpa);
    w.machine = machine_watch_add(mon->m, pa, w.len, WATCH_WRITE, err, sizeof err);
    if (!w.machine)
        return mon_error(mon, "watch %s: %s", argv[a], err);
    w.id = mon->next_break++;
    *slot = w;
    char text[300];
    watch_text(mon, slot, text, sizeof text);
    fprintf(mon->out, "watchpoint %d: %s\n", w.id, text);
    return true;
}

bool cmd_info_watches(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info watchpoints takes no argument");
    bool any = false;
    for (int id = 1; id < mon->next_break; id++)
        for (int i = 0; i < MON_MAX_WATCHES; i++) {
            const struct mon_watch *w = &mon->watches[i];
            if (w->id != id)
                continue;
            char text[300];
            watch_text(mon, w, text, sizeof text);
            fprintf(mon->out, "%-3d %s, hit %" PRIu64 " time%s\n", w->id, text, w->hits, w->hits == 1 ? "" : "s");
            any = true;
        }
    if (!any)
        fprintf(mon->out, "no watchpoints\n");
    return true;
}

bool mon_delete_other(struct monitor *mon, int id)
{
    for (int i = 0; i < MON_MAX_CATCHES; i++)
        if (mon->catches[i].id == id) {
            mon->catches[i].id = 0;
            return true;
        }
    for (int i = 0; i < MON_MAX_WATCHES; i++)
        if (mon->watches[i].id == id) {
            machine_watch_del(mon->m, mon->watches[i].machine);
            mon->watches[i].id = 0;
            return true;
        }
    return false;
}

static struct mon_watch *watch_by_id(struct monitor *mon, int id)
{
    for (int i = 0; i < MON_MAX_WATCHES; i++)
        if (id && mon->watches[i].id == id)
            return &mon->watches[i];
    return NULL;
}

int mon_watch_of_machine(struct monitor *mon, int machine_id)
{
    for (int i = 0; i < MON_MAX_WATCHES; i++)
        if (mon->watches[i].id && mon->watches[i].machine == machine_id)
            return mon->watches[i].id;
    return 0;
}

bool mon_catch_exit(struct monitor *mon, const struct vm_exit *x, const struct vmm_decision *d)
{
    bool stop = false;
    for (int i = 0; i < MON_MAX_CATCHES; i++) {
        struct mon_catch *c = &mon->catches[i];
        if (!c->id)
            continue;
        bool trap = x->reason == EXIT_TRAP || x->reason == EXIT_INTERRUPT;
        bool hit = c->by_cause ? trap && CAUSE_CODE(x->cause) == c->what : d->kind == c->what;
        if (hit && (!mon->caught || c->id < mon->caught))
            mon->caught = c->id;
        stop |= hit;
    }
    if (d->kind == VMX_PF_TRACING)
        for (int i = 0; i < MON_MAX_WATCHES; i++) {
            struct mon_watch *w = &mon->watches[i];
            if (!w->id || d->gpa < w->gpa || d->gpa - w->gpa >= w->len)
                continue;
            w->old[(d->gpa - w->gpa) / 4] = d->before; /* the entry as the guest's store found it */
            if (!mon->watched || w->id < mon->watched)
                mon->watched = w->id;
            stop = true;
        }
    return stop;
}

void mon_tell_caught(struct monitor *mon, bool by_vmm)
{
    struct mon_watch *w = watch_by_id(mon, mon->watched);
    if (w) {
        uint32_t now[MON_WATCH_WORDS];
        char text[300];
        w->hits++;
        watch_text(mon, w, text, sizeof text);
        fprintf(mon->out, "watchpoint %d: %s, written%s\n", w->id, text,
                by_vmm ? " by the VMM for the guest (a tracing fault)" : " (old: as the run began)");
        if (read_words(mon, w, now))
            for (uint32_t i = 0; i < w->len / 4; i++) {
                if (now[i] == w->old[i])
                    continue;
                char a[96], b[96];
                if (w->pte) {
                    pt_entry_text(w->old[i], PT_LEAF, a, sizeof a);
                    pt_entry_text(now[i], PT_LEAF, b, sizeof b);
                    fprintf(mon->out, "  gpa 0x%08x: 0x%08x (%s) -> 0x%08x (%s)\n", w->gpa + 4 * i, w->old[i], a,
                            now[i], b);
                } else {
                    fprintf(mon->out, "  gpa 0x%08x: 0x%08x -> 0x%08x\n", w->gpa + 4 * i, w->old[i], now[i]);
                }
                w->old[i] = now[i];
            }
    }
    for (int i = 0; i < MON_MAX_CATCHES; i++) {
        struct mon_catch *c = &mon->catches[i];
        if (!c->id || c->id != mon->caught)
            continue;
        char text[200];
        c->hits++;
        catch_text(c, text, sizeof text);
        fprintf(mon->out, "catchpoint %d: %s\n", c->id, text);
    }
}

void mon_watch_refresh(struct monitor *mon)
{
    for (int i = 0; i < MON_MAX_WATCHES; i++)
        if (mon->watches[i].id)
            read_words(mon, &mon->watches[i], mon->watches[i].old);
}
