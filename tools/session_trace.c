/*
 * session_trace.c - vrun --trace: one line per event, in the words of the
 * reports (session_report.c), buffered in the stream the caller gives.
 *
 *   I  instret  pc <symbol+off>  the instruction that retired
 *   T  instret  pc <symbol+off>  a trap taken there: cause, address, tvec
 *   E  instret  pc <symbol+off>  a VM exit and what the VMM made of it
 *
 * instret is the count after the event.  The bare machine is stepped one
 * instruction at a time (machine_run with a budget of 1), which the
 * machine keeps exact; a trap shows as the machine's count of traps taken
 * moving.  A VM is stepped the same way by the VMM (vm_step), which keeps
 * the guest's count exact too, and a trap the guest saw shows as the
 * VMM's count of traps reflected into it and interrupts delivered moving:
 * so a guest traced natively and under the VMM gives the same I and T
 * lines, which diff(1) can compare.
 *
 * Speed: millions of lines are written, so the text of each line is made
 * once per pc (the symbol, and the disassembly as long as the word there
 * is the same) and kept in a small table indexed by pc, the lines are put
 * together by hand, and the stream has a large buffer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "ptwalk.h"
#include "session.h"

/* --- the events --- */

const char trace_event_names[] = "insn, trap, exit";

static const struct {
    const char *name;
    unsigned flag;
} events_named[] = {{"insn", TRACE_INSN}, {"trap", TRACE_TRAP}, {"exit", TRACE_EXIT}};

bool trace_events_parse(const char *list, unsigned *events, char *bad, size_t badlen)
{
    *events = 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        unsigned flag = 0;
        for (size_t i = 0; i < sizeof events_named / sizeof events_named[0]; i++)
            if (strlen(events_named[i].name) == n && strncmp(p, events_named[i].name, n) == 0)
                flag = events_named[i].flag;
        if (!flag) {
            snprintf(bad, badlen, "%.*s", (int)n, p);
            return false;
        }
        *events |= flag;
        if (p[n] == '\0')
            return true;
        p += n + 1;
    }
}

#define TRACE_BUFFER (1u << 20)

void trace_buffer(FILE *f)
{
    /* stdio owns the buffer: NULL asks it to allocate one of this size */
    setvbuf(f, NULL, _IOFBF, TRACE_BUFFER);
}

/* --- the text of a line, made once per pc --- */

#define WHERE_MAX 160
#define TEXT_MAX 128
#define SLOTS 4096 /* 16 KiB of code without two pcs sharing a slot */

struct slot {
    uint32_t pc, word;
    bool has_where, has_text;
    char where[WHERE_MAX]; /* report_where's text, padded to 32 columns */
    char text[TEXT_MAX];   /* the disassembly of word at pc */
};

/* What one machine's or VM's lines are made with.  Without slots (out of
 * memory) there is one, spare. */
struct tracer {
    FILE *f;
    const struct elf_image *img;
    const char *prefix; /* before what a line says: "[name] " with several VMs */
    struct slot *slots;
    struct slot spare;
};

static void tracer_init(struct tracer *t, FILE *f, const struct elf_image *img, const char *prefix)
{
    *t = (struct tracer){.f = f, .img = img, .prefix = prefix, .slots = calloc(SLOTS, sizeof(struct slot)),
                        .spare = {.pc = 1}};
    if (t->slots)
        for (size_t i = 0; i < SLOTS; i++)
            t->slots[i].pc = 1; /* no instruction's */
}

static struct slot *slot_of(struct tracer *t, uint32_t pc)
{
    struct slot *s = t->slots ? &t->slots[(pc >> 2) & (SLOTS - 1)] : &t->spare;
    if (s->pc != pc)
        *s = (struct slot){.pc = pc};
    return s;
}

/* report_where's text for va, padded as a line has it. */
static const char *where_of(struct tracer *t, uint32_t va)
{
    struct slot *s = slot_of(t, va);
    if (!s->has_where) {
        /* report_where's words, looked up once per slot: a trace and a
         * report place a pc alike */
        struct report_view v = {.img = t->img};
        char buf[WHERE_MAX];
        report_where(&v, va, buf, sizeof buf);
        snprintf(s->where, WHERE_MAX, "%-32s", buf);
        s->has_where = true;
    }
    return s->where;
}

/* The instruction word at va as the CPU would fetch it in mode user with
 * the view's status and ptb (A and D untouched): report_fetch_text's
 * reading of it, without the disassembly.  false if it cannot be read. */
static bool fetch_word(const struct report_view *v, uint32_t va, bool user, uint32_t *word)
{
    uint32_t pa = va;
    if (va & 3)
        return false;
    if (v->crs[CR_STATUS] & SR_PG) {
        struct dma mem = {.ctx = v->ctx, .mem_size = v->mem_size, .read = v->read_phys};
        struct pt_walk w;
        if (pt_walk(&mem, v->crs[CR_PTB], va, ACCESS_FETCH, user, false, &w))
            return false;
        pa = w.page | (va & PAGE_MASK);
    } else if (va >= v->mem_size) {
        return false;
    }
    uint8_t b[4];
    if (!v->read_phys(v->ctx, pa, b, 4))
        return false;
    *word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

/* The instruction at va, disassembled (report_fetch_text's words); the text
 * stays valid until the next look at another pc. */
static const char *insn_at(struct tracer *t, const struct report_view *v, uint32_t va, bool user)
{
    uint32_t word;
    struct slot *s = slot_of(t, va);
    if (!fetch_word(v, va, user, &word)) {
        report_fetch_text(v, va, user, s->text, TEXT_MAX); /* why not, in its words */
        s->has_text = false;
        return s->text;
    }
    if (!s->has_text || s->word != word) {
        report_insn_text(word, va, s->text, TEXT_MAX);
        s->word = word;
        s->has_text = true;
    }
    return s->text;
}

/* One line: "K %10llu  WHERE(32) WHAT\n", put together without printf. */
static void put_line(struct tracer *t, char kind, uint64_t instret, uint32_t pc, const char *what)
{
    char line[WHERE_MAX + TEXT_MAX + 400], digits[24];
    size_t n = 0, nd = 0;
    line[n++] = kind;
    line[n++] = ' ';
    do
        digits[nd++] = (char)('0' + instret % 10);
    while ((instret /= 10) != 0);
    for (size_t pad = nd; pad < 10; pad++)
        line[n++] = ' ';
    while (nd)
        line[n++] = digits[--nd];
    line[n++] = ' ';
    line[n++] = ' ';
    const char *parts[] = {where_of(t, pc), " ", t->prefix, what};
    for (size_t i = 0; i < 4; i++) {
        size_t len = strlen(parts[i]);
        if (len > sizeof line - 1 - n)
            len = sizeof line - 1 - n;
        memcpy(line + n, parts[i], len);
        n += len;
    }
    line[n++] = '\n';
    fwrite(line, 1, n, t->f);
}

/* A trap's line, from the control registers after it. */
static void trap_line(struct tracer *t, uint64_t instret, const uint32_t crs[NCRS])
{
    char what[256];
    snprintf(what, sizeof what, "trap: %s, badaddr 0x%08x, to tvec 0x%08x", isa_cause_name(crs[CR_CAUSE]),
             crs[CR_BADADDR], crs[CR_TVEC]);
    put_line(t, 'T', instret, crs[CR_EPC], what);
}

/* After a step from pc (whose instruction, disassembled before it, is
 * insn) that took `trapped` traps and moved the count from before to
 * after, with v the state now: the step's lines.  A trap (or interrupt)
 * came first; what retired then, if anything, is the handler's first
 * instruction. */
static void step_lines(struct tracer *t, unsigned events, const struct report_view *v, uint32_t pc,
                       const char *insn, bool trapped, uint64_t before, uint64_t after)
{
    if (trapped) {
        if (events & TRACE_TRAP)
            trap_line(t, before, v->crs);
        if (after != before && (events & TRACE_INSN))
            put_line(t, 'I', after, v->crs[CR_TVEC], insn_at(t, v, v->crs[CR_TVEC], false));
    } else if (after != before && (events & TRACE_INSN)) {
        put_line(t, 'I', after, pc, insn);
    }
}

/* --- the bare machine --- */

enum exit_reason trace_machine(struct machine *m, uint64_t budget, const struct elf_image *syms, FILE *f,
                               unsigned events, const volatile sig_atomic_t *stop, struct vm_exit *ex)
{
    struct tracer t;
    tracer_init(&t, f, syms, "");
    struct cpu_state *c = machine_cpu(m);
    uint64_t start = c->instret;
    enum exit_reason r = EXIT_BUDGET;
    struct report_view v = {.img = syms, .mem_size = machine_mem_size(m), .read_phys = report_machine_memory,
                            .ctx = m};
    *ex = (struct vm_exit){.reason = EXIT_BUDGET, .pc = c->pc};
    while (c->instret - start < budget) {
        uint32_t pc = c->pc;
        uint64_t traps = machine_traps_taken(m), before = c->instret;
        v.crs[CR_STATUS] = machine_get_cr(m, CR_STATUS);
        v.crs[CR_PTB] = machine_get_cr(m, CR_PTB);
        const char *insn = events & TRACE_INSN ? insn_at(&t, &v, pc, !(v.crs[CR_STATUS] & SR_S)) : NULL;
        r = machine_run(m, 1, ex);
        bool trapped = machine_traps_taken(m) != traps;
        if (trapped)
            for (unsigned k = 0; k < NCRS; k++)
                v.crs[k] = machine_get_cr(m, (enum cr)k);
        step_lines(&t, events, &v, pc, insn, trapped, before, c->instret);
        if (r != EXIT_BUDGET || (stop && *stop))
            break;
    }
    free(t.slots);
    return r;
}

/* --- under the VMM --- */

/* The traps the guest has seen: those reflected into it (its own, and its
 * true page faults) and the virtual interrupts delivered.  A reflection
 * that found the handler unfetchable was counted but not taken: the VM
 * stopped with a double fault, as the bare machine stops without taking
 * the trap. */
static uint64_t guest_traps(const struct vm *vm)
{
    const struct vm_stats *s = vm_stats(vm);
    return s->exits[VMX_REFLECTED] + s->exits[VMX_PF_TRUE] + s->interrupts -
           (vm_state(vm) == VM_DOUBLE_FAULT);
}

/* One guest instruction of vm, and its lines. */
static enum vmm_return trace_step(struct session *s, struct tracer *t, struct vm *vm)
{
    unsigned events = s->cfg->trace_events;
    struct report_view v = report_view_of_vm(vm, t->img);
    uint32_t pc = v.pc;
    uint64_t traps = guest_traps(vm), before = vm_instret(vm);
    const char *insn = events & TRACE_INSN ? insn_at(t, &v, pc, !(v.crs[CR_STATUS] & SR_S)) : NULL;
    enum vmm_return r = vm_step(s->vmm, vm, 1);
    bool trapped = guest_traps(vm) != traps;
    if (trapped)
        vm_regs(vm, v.regs, &v.pc, v.crs);
    step_lines(t, events, &v, pc, insn, trapped, before, vm_instret(vm));
    return r;
}

enum vmm_return trace_vms(struct session *s)
{
    int n = s->cfg->nvms;
    /* --quantum, or the VMM's default: which VM runs when changes nothing
     * a VM sees (its time is its own instructions), only how lines mix */
    uint64_t quantum = s->cfg->quantum ? s->cfg->quantum : 100000;
    char prefixes[SESSION_MAX_VMS][VM_NAME_MAX + 4];
    struct tracer t[SESSION_MAX_VMS];
    for (int i = 0; i < n; i++) {
        prefixes[i][0] = '\0'; /* one VM: its lines need no name */
        if (n > 1)
            snprintf(prefixes[i], sizeof prefixes[i], "[%s] ", s->names[i]);
        tracer_init(&t[i], s->trace, &s->syms[i], prefixes[i]);
    }
    enum vmm_return why = VMR_STOPPED;
    for (bool any = true; any && why != VMR_INTERRUPTED;) {
        any = false;
        for (int i = 0; i < n && why != VMR_INTERRUPTED; i++) {
            struct vm *vm = s->vms[i];
            for (uint64_t k = 0; k < quantum && vm_state(vm) == VM_RUNNABLE; k++) {
                trace_step(s, &t[i], vm);
                if (s->stop && *s->stop) {
                    why = VMR_INTERRUPTED;
                    break;
                }
            }
            any |= vm_state(vm) == VM_RUNNABLE;
        }
    }
    for (int i = 0; i < n; i++)
        free(t[i].slots);
    return why;
}

/* --- exits, from the exit hook --- */

bool trace_exit_hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct session *s = ctx;
    int i = 0;
    while (i < s->cfg->nvms && s->vms[i] != vm)
        i++;
    struct report_view v = {.img = i < s->cfg->nvms ? &s->syms[i] : NULL};
    char what[320], decision[256], where[160];
    vmm_decision_format(d, decision, sizeof decision);
    if (s->cfg->nvms > 1)
        snprintf(what, sizeof what, "[%s] exit: %s", vm_name(vm), decision);
    else
        snprintf(what, sizeof what, "exit: %s", decision);
    report_where(&v, x->pc, where, sizeof where);
    fprintf(s->exit_trace, "E %10" PRIu64 "  %-32s %s\n", vm_instret(vm), where, what);
    return false;
}
