/*
 * warn.c - warnings that teach (docs/monitor.md, "Warnings"): mistakes a
 * guest kernel gets away with under the VMM, or on the bare machine only
 * by luck, said as they happen, one plain line each beginning "warning: ".
 * Each has a switch (set warn NAME on|off, --no-warn for all) and a count
 * (info warnings).
 *
 * All of them are seen from the exit hook (mon_warn_exit): they exist only
 * under the VMM.  A replay (time travel) warns of nothing: it happened.
 */
#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "monitor.h"

const struct mon_warning_kind mon_warning_kinds[MON_NWARN] = {
#define X(id, name, brief) {name, brief},
    MON_WARNINGS(X)
#undef X
};

static bool parse_warning(const char *name, int *w)
{
    for (int i = 0; i < MON_NWARN; i++)
        if (strcmp(name, mon_warning_kinds[i].name) == 0) {
            *w = i;
            return true;
        }
    return false;
}

static bool warning_on(struct monitor *mon, int w) { return !mon->warn.off[w]; }

/* --- flush: a live guest entry changed, no flush before user mode --- */

/* The va an entry at gpa maps (the first, if its table is linked twice),
 * found through the guest's root now, and the level; false if the entry's
 * table is not linked from the root. */
static bool va_of_entry(struct monitor *mon, uint32_t ptb, uint32_t gpa, uint32_t *va, int *level)
{
    uint32_t root = PTE_FRAME(ptb), table = PTE_FRAME(gpa), index = (gpa & PAGE_MASK) / 4;
    if (table == root) {
        *va = index << (PAGE_SHIFT + PT_INDEX_BITS);
        *level = PT_ROOT;
        return true;
    }
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e;
        if (!mon_word(mon, root + 4 * i, &e))
            return false;
        if ((e & PTE_V) && PTE_FRAME(e) == table) {
            *va = i << (PAGE_SHIFT + PT_INDEX_BITS) | index << PAGE_SHIFT;
            *level = PT_LEAF;
            return true;
        }
    }
    return false;
}

/* A table the current root does not link (a freed one being zeroed, say)
 * has no entry in the TLB, which a ptb write flushed whole: not kept. */
static void stale_add(struct monitor *mon, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    uint32_t va;
    int level;
    if (!va_of_entry(mon, mon->before.crs[CR_PTB], d->gpa, &va, &level))
        return;
    struct mon_stale *slot = NULL;
    for (int i = 0; i < MON_MAX_STALE && !slot; i++)
        if (mon->warn.stale[i].vm == vm && mon->warn.stale[i].gpa == d->gpa)
            slot = &mon->warn.stale[i]; /* written again: the first old value is what the TLB may hold */
    if (slot) {
        slot->pc = x->pc;
        slot->after = d->after;
        return;
    }
    for (int i = 0; i < MON_MAX_STALE && !slot; i++)
        if (!mon->warn.stale[i].vm)
            slot = &mon->warn.stale[i];
    if (!slot) /* more live entries changed at once than kept: the first slot's goes unwarned */
        slot = &mon->warn.stale[0];
    *slot = (struct mon_stale){.vm = vm, .gpa = d->gpa, .va = va, .level = level, .pc = x->pc,
                               .before = d->before, .after = d->after};
}

static void stale_clear(struct monitor *mon, struct vm *vm, bool page_only, uint32_t va)
{
    for (int i = 0; i < MON_MAX_STALE; i++) {
        struct mon_stale *s = &mon->warn.stale[i];
        if (s->vm != vm)
            continue;
        if (!page_only || (s->level == PT_LEAF && (s->va >> PAGE_SHIFT) == (va >> PAGE_SHIFT)))
            s->vm = NULL;
    }
}

static void stale_tell(struct monitor *mon, struct vm *vm, const struct vm_exit *x)
{
    for (int i = 0; i < MON_MAX_STALE; i++) {
        struct mon_stale *s = &mon->warn.stale[i];
        if (s->vm != vm)
            continue;
        s->vm = NULL;
        mon->warn.count[MON_WARN_flush]++;
        char wrote[200], back[200], mapped[80];
        mon_where_text(mon, s->pc, wrote, sizeof wrote);
        mon_where_text(mon, x->pc, back, sizeof back);
        if (s->level == PT_LEAF)
            snprintf(mapped, sizeof mapped, "the leaf entry for gva 0x%08x", s->va);
        else
            snprintf(mapped, sizeof mapped, "the level-1 entry for gva 0x%08x..0x%08x", s->va,
                     s->va + ((1u << (PAGE_SHIFT + PT_INDEX_BITS)) - 1));
        fprintf(mon->out,
                "warning: flush: %s (gpa 0x%08x) changed 0x%08x -> 0x%08x by %s, then rfe at %s to user mode "
                "with no tlbflush, tlbflushv or ptb write between\n"
                "warning: flush: the bare machine may keep the old translation in its TLB and go on using it "
                "(docs/isa.md 7)\n",
                mapped, s->gpa, s->before, s->after, wrote, back);
    }
}

static void warn_flush(struct monitor *mon, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    if (d->kind == VMX_PF_TRACING) {
        if ((d->before & PTE_V) && d->before != d->after)
            stale_add(mon, vm, x, d);
        return;
    }
    struct isa_fields f;
    if (d->kind != VMX_EMULATED || !isa_decode(x->insn, &f))
        return;
    uint32_t regs[NREGS], pc, crs[NCRS];
    vm_regs(vm, regs, &pc, crs);
    switch (d->op) {
    case OP_TLBFLUSH: stale_clear(mon, vm, false, 0); break;
    case OP_TLBFLUSHV: stale_clear(mon, vm, true, f.ra ? regs[f.ra] : 0); break; /* it writes no register */
    case OP_MTCR:
        /* a ptb write, or paging turned on or off, flushes the whole TLB (docs/isa.md 7) */
        if (f.imm == CR_PTB || (f.imm == CR_STATUS && ((mon->before.crs[CR_STATUS] ^ crs[CR_STATUS]) & SR_PG)))
            stale_clear(mon, vm, false, 0);
        break;
    case OP_RFE:
        if (!(crs[CR_STATUS] & SR_S))
            stale_tell(mon, vm, x);
        break;
    default: break;
    }
}

/* --- user-access: the guest kernel through a user mapping --- */

static void warn_user_access(struct monitor *mon, const struct vm_exit *x, const struct vmm_decision *d)
{
    if (d->kind != VMX_PF_HIDDEN || d->paging_off || !(d->before & PTE_U) || !(mon->before.crs[CR_STATUS] & SR_S))
        return;
    uint32_t page = d->gva >> PAGE_SHIFT;
    for (unsigned i = 0; i < mon->warn.npages && i < MON_WARN_PAGES; i++)
        if (mon->warn.pages[i] == page)
            return;
    if (mon->warn.npages == MON_WARN_PAGES) /* every slot used: say so once, then nothing more */
        fprintf(mon->out, "warning: user-access: %d pages warned of already: no more\n", MON_WARN_PAGES);
    if (mon->warn.npages >= MON_WARN_PAGES) {
        mon->warn.npages = MON_WARN_PAGES + 1;
        return;
    }
    mon->warn.pages[mon->warn.npages++] = page;
    mon->warn.count[MON_WARN_user_access]++;
    char at[200], insn[128];
    mon_where_text(mon, x->pc, at, sizeof at);
    mon_exit_insn_text(x, insn, sizeof insn);
    fprintf(mon->out,
            "warning: user-access: the guest kernel reached gva 0x%08x through a user mapping (guest entry at gpa "
            "0x%08x: 0x%08x, U set) at %s: %s\n",
            d->gva, d->gpa, d->before, at, insn);
}

void mon_warn_exit(struct monitor *mon, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    if (warning_on(mon, MON_WARN_flush))
        warn_flush(mon, vm, x, d);
    if (warning_on(mon, MON_WARN_user_access))
        warn_user_access(mon, x, d);
}

/* --- sensitive: x86like's sensitive instructions that do not trap --- */

static bool silent_sensitive(struct monitor *mon, uint32_t word, struct isa_fields *f)
{
    if (!isa_decode(word, f))
        return false;
    enum isa_class c = isa_class(f->op, mon->s->cfg->isa);
    return c == CLASS_CONTROL || c == CLASS_BEHAVIOUR;
}

/* The image as loaded (the session keeps its segments beside its symbols;
 * an image without symbols keeps none: nothing is watched). */
void mon_warn_arm(struct monitor *mon)
{
    if (!mon->s || !warning_on(mon, MON_WARN_sensitive) || mon->warn.nsens)
        return;
    for (int v = 0; v < mon->s->cfg->nvms; v++) {
        const struct elf_image *img = &mon->s->syms[v];
        for (size_t i = 0; i < img->nsegs; i++) {
            const struct elf_segment *sg = &img->segs[i];
            if (!(sg->flags & PF_X))
                continue;
            for (uint32_t off = 0; off + 4 <= sg->filesz; off += 4) {
                uint32_t word;
                struct isa_fields f;
                if (!vm_read_phys(mon->s->vms[v], sg->paddr + off, &word, 4) || !silent_sensitive(mon, word, &f) ||
                    mon->warn.nsens == MON_WARN_SENS)
                    continue;
                if (machine_break_add(mon->m, sg->vaddr + off))
                    mon->warn.sens[mon->warn.nsens++] = sg->vaddr + off;
            }
        }
    }
}

/* sensitive off: its breakpoints go (a user's breakpoint at the same
 * address stays), so that it costs nothing. */
static void disarm(struct monitor *mon)
{
    for (unsigned i = 0; i < mon->warn.nsens; i++) {
        bool user = false;
        for (int b = 0; b < MON_MAX_BREAKS; b++)
            user |= mon->breaks[b].id && mon->breaks[b].enabled && mon->breaks[b].va == mon->warn.sens[i];
        if (!user)
            machine_break_del(mon->m, mon->warn.sens[i]);
    }
    mon->warn.nsens = 0;
}

bool mon_warn_ours(struct monitor *mon, uint32_t pc)
{
    for (unsigned i = 0; i < mon->warn.nsens; i++)
        if (mon->warn.sens[i] == pc)
            return true;
    return false;
}

void mon_warn_sensitive(struct monitor *mon, const struct report_view *before)
{
    uint32_t gpa, word;
    struct isa_fields f;
    char why[120];
    if (!warning_on(mon, MON_WARN_sensitive) || !(before->crs[CR_STATUS] & SR_S) ||
        !mon_translate(mon, before->pc, &gpa, why, sizeof why) || !mon_word(mon, gpa, &word) ||
        !silent_sensitive(mon, word, &f))
        return;
    struct report_view now = mon_view(mon);
    char at[200], insn[128], saw[200];
    mon_where_text(mon, before->pc, at, sizeof at);
    report_insn_text(word, before->pc, insn, sizeof insn);
    if (isa_insns[f.op].dst)
        snprintf(saw, sizeof saw,
                 "it read 0x%08x (from the real CPU, in user mode); the virtual CPU has status 0x%08x, ptb 0x%08x",
                 now.regs[f.ra], before->crs[CR_STATUS], before->crs[CR_PTB]);
    else
        snprintf(saw, sizeof saw, "its write of 0x%08x did not reach the virtual CPU: status 0x%08x -> 0x%08x",
                 before->regs[f.ra], before->crs[CR_STATUS], now.crs[CR_STATUS]);
    mon->warn.count[MON_WARN_sensitive]++;
    fprintf(mon->out, "warning: sensitive: the guest kernel ran %s at %s in real user mode, without a trap: %s\n",
            insn, at, saw);
}

/* --- the switches --- */

bool cmd_set_warn(struct monitor *mon, int argc, char **argv)
{
    int w;
    if (argc != 3 || (strcmp(argv[2], "on") != 0 && strcmp(argv[2], "off") != 0))
        return mon_error(mon, "set warn needs a warning's name and on or off (info warnings lists them)");
    if (!parse_warning(argv[1], &w))
        return mon_error(mon, "set warn %s: no such warning (info warnings lists them)", argv[1]);
    bool on = strcmp(argv[2], "on") == 0;
    mon->warn.off[w] = !on;
    if (!mon->s)
        fprintf(mon->out, "%s: not available on the bare machine (a warning is seen at the VMM's exits)\n",
                mon_warning_kinds[w].name);
    if (!on && w == MON_WARN_flush)
        memset(mon->warn.stale, 0, sizeof mon->warn.stale); /* on again: from a clean start */
    if (w == MON_WARN_sensitive) {
        if (on)
            mon_warn_arm(mon);
        else
            disarm(mon);
    }
    return true;
}

bool cmd_info_warnings(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info warnings takes no argument");
    for (int i = 0; i < MON_NWARN; i++)
        fprintf(mon->out, "%-12s %-3s %" PRIu64 "  %s\n", mon_warning_kinds[i].name, mon->warn.off[i] ? "off" : "on",
                mon->warn.count[i], mon_warning_kinds[i].brief);
    if (!mon->s)
        fprintf(mon->out, "(the bare machine: none is available; they are seen at the VMM's exits)\n");
    return true;
}
