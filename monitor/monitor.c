/*
 * monitor.c - the monitor's state: made from a session or a bare machine,
 * and what the commands ask of it (the current machine's view, symbols,
 * memory through the guest's own tables).
 */
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "monitor.h"
#include "ptwalk.h"

void monitor_init(struct monitor *mon, struct session *s, struct machine *m, const struct elf_image *syms,
                  const struct monitor_options *opt, volatile sig_atomic_t *interrupted)
{
    *mon = (struct monitor){.s = s, .m = s ? vmm_machine(s->vmm) : m, .nsyms = syms, .out = stdout, .opt = *opt,
                            .next_break = 1, .interrupted = interrupted};
    for (int w = 0; w < MON_NWARN; w++)
        mon->warn.off[w] = opt->no_warn;
    if (s)
        vmm_set_exit_hook(s->vmm, VMM_HOOK_ALL | VMM_HOOK_BEFORE, mon_exit_hook, mon);
    mon_warn_arm(mon);
}

void monitor_free(struct monitor *mon)
{
    if (mon->s)
        vmm_set_exit_hook(mon->s->vmm, 0, NULL, NULL);
    machine_break_clear(mon->m);
}

struct vm *mon_vm(struct monitor *mon) { return mon->s ? mon->s->vms[mon->cur] : NULL; }

const struct elf_image *mon_syms(struct monitor *mon) { return mon->s ? &mon->s->syms[mon->cur] : mon->nsyms; }

static bool vm_memory(void *ctx, uint32_t pa, void *buf, size_t len) { return vm_read_phys(ctx, pa, buf, len); }

struct report_view mon_view(struct monitor *mon)
{
    struct report_view v = {.img = mon_syms(mon)};
    struct vm *vm = mon_vm(mon);
    if (vm) {
        v.mem_size = vm_mem_size(vm);
        v.read_phys = vm_memory;
        v.ctx = vm;
        vm_regs(vm, v.regs, &v.pc, v.crs);
        return v;
    }
    struct machine *m = mon->m;
    v.pc = machine_cpu(m)->pc;
    v.mem_size = machine_mem_size(m);
    v.read_phys = report_machine_memory;
    v.ctx = m;
    memcpy(v.regs, machine_cpu(m)->r, sizeof v.regs);
    for (unsigned c = 0; c < NCRS; c++)
        v.crs[c] = machine_get_cr(m, (enum cr)c);
    return v;
}

bool mon_user_mode(struct monitor *mon)
{
    struct report_view v = mon_view(mon);
    return !(v.crs[CR_STATUS] & SR_S);
}

bool mon_read_phys(struct monitor *mon, uint32_t gpa, void *buf, size_t len)
{
    struct vm *vm = mon_vm(mon);
    return vm ? vm_read_phys(vm, gpa, buf, len) : machine_read_phys(mon->m, gpa, buf, len);
}

bool mon_word(struct monitor *mon, uint32_t gpa, uint32_t *word)
{
    uint8_t b[4];
    if (!mon_read_phys(mon, gpa, b, 4))
        return false;
    *word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static bool walk_read(void *ctx, uint32_t pa, void *buf, size_t len) { return mon_read_phys(ctx, pa, buf, len); }

bool mon_translate(struct monitor *mon, uint32_t gva, uint32_t *gpa, char *why, size_t len)
{
    struct report_view v = mon_view(mon);
    if (!(v.crs[CR_STATUS] & SR_PG)) {
        *gpa = gva;
        return true;
    }
    struct dma mem = {.ctx = mon, .mem_size = v.mem_size, .read = walk_read};
    struct pt_walk w;
    memset(&w, 0, sizeof w);
    /* as the supervisor reads it, and without setting A: looking changes nothing */
    uint32_t cause = pt_walk(&mem, v.crs[CR_PTB], gva, ACCESS_READ, false, false, &w);
    if (!cause) {
        *gpa = w.page | (gva & PAGE_MASK);
        return true;
    }
    uint32_t at = w.entry_pa[w.level - 1], e;
    if (CAUSE_CODE(cause) == CAUSE_BUS_ERROR || !mon_word(mon, at, &e)) {
        snprintf(why, len, "not mapped: its level-%d entry, at gpa 0x%08x, is outside the guest's memory", w.level,
                 at);
        return false;
    }
    char fields[96];
    pt_entry_text(e, w.level, fields, sizeof fields);
    snprintf(why, len, "not mapped: its level-%d entry, at gpa 0x%08x, is 0x%08x (%s)", w.level, at, e, fields);
    return false;
}

void mon_where_text(struct monitor *mon, uint32_t gva, char *buf, size_t len)
{
    struct report_view v = mon_view(mon);
    char at[160];
    report_where(&v, gva, at, sizeof at);
    snprintf(buf, len, "gva %s", at);
}

void monitor_where(struct monitor *mon)
{
    struct report_view v = mon_view(mon);
    char at[200], insn[128];
    mon_where_text(mon, v.pc, at, sizeof at);
    report_fetch_text(&v, v.pc, !(v.crs[CR_STATUS] & SR_S), insn, sizeof insn);
    fprintf(mon->out, "%s: %s\n", at, insn);
}
