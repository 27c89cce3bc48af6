/*
 * run.c - see run.h.
 */
#include "run.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "lockstep.h"
#include "machine.h"

/* Exits in a row that retire no instruction before a run counts as an
 * exit storm: a trap reflected back onto itself, an input that is never
 * waited for.  A lab guest makes a few hundred exits in all. */
#define STORM_EXITS 100000u
#define GUEST_MEM_DEFAULT (1u << 20)
#define INSNS_DEFAULT 5000000ull
#define SHADOW_FRAMES 1024u

bool l2_assemble(struct lab_ctx *t, struct l2_guest *g)
{
    char err[300];
    const char *src = g->src;
    snprintf(g->src, sizeof g->src, "labs/lab2/guests/%s.s", g->name);
    snprintf(g->elf, sizeof g->elf, "%s/%s.elf", lab_scratch(t), g->name);
    if (!lab_assemble(t, src, g->elf))
        return false;
    if (!elf_read_file(g->elf, &g->img, err, sizeof err)) {
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "%s assembled into an image the loader reads", src),
                        .happened = lab_str(t, "%s: %s", g->elf, err),
                    });
        return false;
    }
    return true;
}

bool l2_kernel(struct lab_ctx *t, struct l2_guest *g)
{
    char err[300];
    snprintf(g->elf, sizeof g->elf, "%s/guest-os/kernel.elf", lab_build(t));
    if (!elf_read_file(g->elf, &g->img, err, sizeof err)) {
        lab_fail(t, (struct lab_failure){
                        .expected = "the guest OS's kernel, built",
                        .happened = lab_str(t, "%s: %s", g->elf, err),
                        .look = "run `make` first: it builds the guest OS into BUILD/guest-os",
                    });
        return false;
    }
    return true;
}

/* --- the console's host side --- */

struct host {
    const char *in;
    size_t pos;
    bool waits;     /* each byte comes only after the machine waited for it */
    bool ready;
    unsigned agains;
    char *out;
    size_t len, cap;
};

static int host_read(void *ctx)
{
    struct host *h = ctx;
    if (h->in && h->in[h->pos] && h->waits && !h->ready) {
        h->agains++;
        return CONSOLE_AGAIN;
    }
    h->ready = false;
    return h->in && h->in[h->pos] ? (unsigned char)h->in[h->pos++] : -1;
}

static void host_write(void *ctx, const uint8_t *b, size_t n)
{
    struct host *h = ctx;
    if (h->len + n + 1 > h->cap) {
        size_t cap = (h->len + n + 1) * 2;
        char *p = realloc(h->out, cap);
        if (!p)
            return; /* output lost: the comparison will say so */
        h->out = p;
        h->cap = cap;
    }
    memcpy(h->out + h->len, b, n);
    h->len += n;
    h->out[h->len] = '\0';
}

static void take_output(struct l2_end *e, struct host *h)
{
    e->out = h->out ? h->out : calloc(1, 1);
    e->outlen = h->len;
    e->agains = h->agains;
}

static uint32_t mem_of(const struct l2_guest *g) { return g->mem ? g->mem : GUEST_MEM_DEFAULT; }
static uint64_t insns_of(const struct l2_guest *g) { return g->max_insns ? g->max_insns : INSNS_DEFAULT; }

void l2_run_bare(const struct l2_guest *g, struct l2_end *e)
{
    memset(e, 0, sizeof *e);
    char err[300];
    struct machine_config mc = {.mem_size = mem_of(g)};
    struct machine *m = machine_new(&mc, err, sizeof err);
    struct host h = {.in = g->input, .waits = g->input_waits};
    if (!m || !elf_boot(m, &g->img, g->boot, err, sizeof err)) {
        e->state = VM_FAILED;
        snprintf(e->message, sizeof e->message, "the bare machine: %s", err);
        take_output(e, &h);
        if (m)
            machine_free(m);
        return;
    }
    machine_set_console(m, &(struct console_io){.ctx = &h, .read = host_read, .write = host_write});
    struct vm_exit x;
    enum exit_reason why;
    while ((why = machine_run(m, insns_of(g) - machine_cpu(m)->instret, &x)) == EXIT_INPUT_WAIT)
        h.ready = true; /* the machine waits: now the byte comes */
    switch (why) {
    case EXIT_HALT: e->state = VM_HALTED, e->value = x.value; break;
    case EXIT_BUDGET: e->state = VM_LIMIT; break;
    case EXIT_DEADLOCK: e->state = VM_DEADLOCK; break;
    case EXIT_DOUBLE_FAULT: e->state = VM_DOUBLE_FAULT, e->value = x.cause; break;
    default:
        e->state = VM_FAILED;
        snprintf(e->message, sizeof e->message, "the bare machine stopped: exit %d", (int)why);
        break;
    }
    const struct cpu_state *cpu = machine_cpu(m);
    e->instret = cpu->instret;
    e->cycles = cpu->cycles;
    memcpy(e->regs, cpu->r, sizeof e->regs);
    e->regs[0] = 0;
    e->pc = cpu->pc;
    for (int i = 0; i < NCRS; i++)
        e->crs[i] = machine_get_cr(m, (enum cr)i);
    take_output(e, &h);
    machine_free(m);
}

/* The exit hook: each exit's decision counted, the last one kept in words,
 * and a stop when exits keep coming while nothing retires. */
struct watch {
    struct l2_end *e;
    uint64_t instret;
    unsigned still;
};

static bool watch_exit(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct watch *w = ctx;
    (void)x;
    if (!d)
        return false;
    if (d->kind < VMX_COUNT)
        w->e->exits_by_kind[d->kind]++;
    vmm_decision_format(d, w->e->last_exit, sizeof w->e->last_exit);
    uint64_t n = vm_instret(vm);
    w->still = n == w->instret ? w->still + 1 : 0;
    w->instret = n;
    if (w->still >= STORM_EXITS) {
        w->e->storm = true;
        return true;
    }
    return false;
}

void l2_run_vmm(const struct l2_guest *g, struct l2_end *e)
{
    memset(e, 0, sizeof *e);
    char err[300];
    /* vrun's VMM: 4 MiB of shadow tables, and room for the technique's own
     * frames (none for trap-and-emulate); the isolation checker on, as
     * vrun --check-isolation: a VM left on the wrong shadow root is caught
     * even where the guest would not notice */
    struct vmm_config vc = {.shadow_frames = SHADOW_FRAMES, .check_isolation = true};
    struct host h = {.in = g->input, .waits = g->input_waits};
    struct vmm *v = vmm_new(&vc, mem_of(g) + (SHADOW_FRAMES + 64) * PAGE_SIZE, err, sizeof err);
    struct vm *vm = NULL;
    if (v) {
        struct vm_config cfg = {.name = g->name, .mem_size = mem_of(g), .image = &g->img, .bootarg = g->boot,
                                .max_insns = insns_of(g),
                                .io = {.ctx = &h, .read = host_read, .write = host_write}};
        vm = vmm_add_vm(v, &cfg, err, sizeof err);
    }
    if (!vm) {
        e->state = VM_FAILED;
        snprintf(e->message, sizeof e->message, "the VMM could not make the VM: %s", err);
        take_output(e, &h);
        if (v)
            vmm_free(v);
        return;
    }
    struct watch w = {.e = e};
    if (g->watch_exits)
        vmm_set_exit_hook(v, VMM_HOOK_ALL, watch_exit, &w);
    for (;;) {
        enum vmm_return r = vmm_run(v);
        if (r == VMR_INPUT && vm_state(vm) == VM_RUNNABLE) {
            h.ready = true; /* the VM waits: now the byte comes */
            continue;
        }
        break;
    }
    e->state = vm_state(vm);
    snprintf(e->message, sizeof e->message, "%s", vm_message(vm));
    e->value = e->state == VM_HALTED || e->state == VM_DOUBLE_FAULT ? vm_exit_value(vm) : 0;
    e->instret = vm_instret(vm);
    e->cycles = vm_cycles(vm);
    vm_regs(vm, e->regs, &e->pc, e->crs);
    e->regs[0] = 0;
    e->stats = *vm_stats(vm);
    take_output(e, &h);
    vmm_free(v);
}

void l2_end_free(struct l2_end *e)
{
    free(e->out);
    memset(e, 0, sizeof *e);
}

/* --- saying what differs --- */

static const char *state_words(enum vm_state s)
{
    switch (s) {
    case VM_HALTED: return "halted";
    case VM_LIMIT: return "ran out of its instruction limit (a guest that never stops?)";
    case VM_DEADLOCK: return "stopped in a deadlock (wfi with no interrupt that can come)";
    case VM_DOUBLE_FAULT: return "stopped with a double fault";
    case VM_RUNNABLE: return "was still runnable when the VMM came back";
    default: return vm_state_name(s);
    }
}

/* 3304535 as "3,304,535": counts a person reads. */
static const char *num(struct lab_ctx *t, uint64_t n)
{
    char d[32], out[40];
    int len = snprintf(d, sizeof d, "%" PRIu64, n), k = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = d[i];
    }
    out[k] = '\0';
    return lab_str(t, "%s", out);
}

/* "1 instruction", "3,304,535 instructions" */
static const char *insns(struct lab_ctx *t, uint64_t n)
{
    return lab_str(t, "%s instruction%s", num(t, n), n == 1 ? "" : "s");
}

/* Which of the student's routines an invariant of the checker points at. */
static const char *isolation_hint(const char *message)
{
    if (strstr(message, "(real-ptb)"))
        return "; the real CPU is not on the shadow root of the guest's mode: a change of mode, paging or ptb "
               "was not passed on to the MMU (guest_status_written and guest_ptb_written, region mmu-hooks; "
               "reflect_trap's activate, region reflect-trap)";
    if (strstr(message, "(vcpu)"))
        return "; the virtual CPU's state disagrees with itself: its counts (interp_exec's end, region "
               "interp-result) or its shadow roots against its ptb (guest_ptb_written and "
               "guest_status_written, region mmu-hooks)";
    return "";
}

const char *l2_end_summary(struct lab_ctx *t, const struct l2_end *e)
{
    if (e->storm)
        return lab_str(t, "went round an exit storm: %s exits in a row retired no instruction, after %s; the "
                          "last exit: %s",
                       num(t, STORM_EXITS), insns(t, e->instret), e->last_exit);
    if (e->state == VM_FAILED)
        return lab_str(t, "was stopped by the VMM after %s: %s", insns(t, e->instret), e->message);
    if (e->state == VM_ISOLATION)
        return lab_str(t, "was stopped by the isolation checker after %s (the VM could reach what the guest "
                          "should not: docs/vmm.md section 8.1)%s: %s",
                       insns(t, e->instret), isolation_hint(e->message), e->message);
    if (e->state == VM_HALTED)
        return lab_str(t, "halted with 0x%x after %s", e->value, insns(t, e->instret));
    if (e->state == VM_DOUBLE_FAULT)
        return lab_str(t, "stopped with a double fault (raising %s) after %s",
                       isa_cause_name(e->value), insns(t, e->instret));
    return lab_str(t, "%s after %s", state_words(e->state), insns(t, e->instret));
}

/* The console's first differing line, both ways, or NULL. */
static const char *console_diff(struct lab_ctx *t, const struct l2_guest *g, const struct l2_end *n,
                                const struct l2_end *v)
{
    if (n->outlen == v->outlen && memcmp(n->out, v->out, n->outlen) == 0)
        return NULL;
    size_t i = 0, line = 1, start = 0;
    while (i < n->outlen && i < v->outlen && n->out[i] == v->out[i]) {
        if (n->out[i] == '\n')
            line++, start = i + 1;
        i++;
    }
    int nl = (int)strcspn(n->out + start, "\n"), vl = (int)strcspn(v->out + start, "\n");
    return lab_str(t, "console line %zu: the bare machine printed \"%.*s\"%s, the VMM \"%.*s\"%s%s%s%s", line,
                   nl > 80 ? 80 : nl, n->out + start, start >= n->outlen ? " (nothing: its output had ended)" : "",
                   vl > 80 ? 80 : vl, v->out + start, start >= v->outlen ? " (nothing: its output had ended)" : "",
                   g->src[0] ? " (" : "", g->src, g->src[0] ? " says what each line is)" : "");
}

/* What the ends first differ in, or NULL. */
static const char *end_diff(struct lab_ctx *t, const struct l2_guest *g, const struct l2_end *n,
                            const struct l2_end *v)
{
    if (v->storm || n->state != v->state)
        return lab_str(t, "how it stopped: the bare machine %s; under the VMM it %s", l2_end_summary(t, n),
                       l2_end_summary(t, v));
    if (n->value != v->value)
        return lab_str(t, "the halt value: 0x%x on the bare machine, 0x%x under the VMM", n->value, v->value);
    const char *c = console_diff(t, g, n, v);
    if (c)
        return c;
    if (n->instret != v->instret)
        return lab_str(t, "instructions retired: %" PRIu64 " on the bare machine, %" PRIu64 " under the VMM",
                       n->instret, v->instret);
    if (n->pc != v->pc)
        return lab_str(t, "pc at the end: 0x%08x on the bare machine, 0x%08x under the VMM", n->pc, v->pc);
    for (unsigned r = 1; r < NREGS; r++)
        if (n->regs[r] != v->regs[r])
            return lab_str(t, "register %s at the end: 0x%08x on the bare machine, 0x%08x under the VMM",
                           isa_reg_abi_name(r), n->regs[r], v->regs[r]);
    for (unsigned c2 = 0; c2 < NCRS; c2++)
        if (n->crs[c2] != v->crs[c2])
            return lab_str(t, "control register %s at the end: 0x%08x on the bare machine, 0x%08x under the VMM",
                           isa_cr_name(c2), n->crs[c2], v->crs[c2]);
    if (n->cycles != v->cycles)
        return lab_str(t, "cycles: %" PRIu64 " on the bare machine, %" PRIu64 " under the VMM", n->cycles,
                       v->cycles);
    return NULL;
}

static const char *place(struct lab_ctx *t, const struct elf_image *img, uint32_t pc)
{
    const struct elf_symbol *s = elf_symbol_at(img, pc);
    if (!s)
        return "";
    return pc == s->value ? lab_str(t, " <%s>", s->name) : lab_str(t, " <%s+%u>", s->name, pc - s->value);
}

/* The debugger's "status: native 0x..., vmm 0x..." in a student's words:
 * "the guest's status is 0x... under the VMM, 0x... on the bare machine",
 * a register by its ABI name too, a pc placed by the guest's symbols (a
 * jump to its trap handler reads as one).  Longer reports (memory words,
 * page-table entries) stay as the debugger wrote them. */
static const char *plain_words(struct lab_ctx *t, const struct l2_guest *g, const char *what)
{
    const char *n = strstr(what, ": native "), *v = n ? strstr(n, ", vmm ") : NULL;
    if (!v || strchr(what, ';') || strstr(v + 1, ", vmm "))
        return what;
    char name[64], nat[128], vmm[128];
    snprintf(name, sizeof name, "%.*s", (int)(n - what), what);
    snprintf(nat, sizeof nat, "%.*s", (int)(v - n - 9), n + 9);
    snprintf(vmm, sizeof vmm, "%s", v + 6);
    unsigned reg, np, vp;
    const char *who = name;
    if (sscanf(name, "r%u", &reg) == 1 && reg < NREGS)
        who = lab_str(t, "%s (%s)", name, isa_reg_abi_name(reg));
    if (!strcmp(name, "pc") && sscanf(nat, "0x%x", &np) == 1 && sscanf(vmm, "0x%x", &vp) == 1)
        return lab_str(t, "the guest's pc is 0x%08x%s under the VMM, 0x%08x%s on the bare machine", vp,
                       place(t, &g->img, vp), np, place(t, &g->img, np));
    return lab_str(t, "the guest's %s is %s under the VMM, %s on the bare machine", who, vmm, nat);
}

/* The equivalence debugger on the same guest: the first instruction after
 * which what the guest can see differs, looked for no further than the bare
 * machine ran (a VMM that lets the guest run on forever differs there). */
static const char *lockstep_says(struct lab_ctx *t, const struct l2_guest *g, uint64_t bare_instret)
{
    struct lockstep_config c = {.image = &g->img, .bootarg = g->boot, .mem_size = mem_of(g),
                                .input = (const uint8_t *)g->input, .input_len = g->input ? strlen(g->input) : 0,
                                .max_insns = bare_instret + 1};
    static struct lockstep_result r; /* large; a test runs in a process of its own */
    char err[300];
    if (!lockstep_run(&c, &r, err, sizeof err))
        return lab_str(t, "(the equivalence debugger could not run: %s)", err);
    if (!r.diverged)
        return NULL;
    if (!r.has_insn)
        return lab_str(t, "after %s: %s", insns(t, r.instret), r.what);
    const char *what = plain_words(t, g, r.what);
    char text[120] = ".word";
    struct isa_fields f;
    if (isa_decode(r.insn, &f))
        disasm_insn(&f, r.pc, false, NULL, NULL, text, sizeof text);
    return lab_str(t, "after %s, at pc 0x%08x%s (the guest's `%s`, in its %s mode): %s",
                   insns(t, r.instret), r.pc, place(t, &g->img, r.pc), text, r.user ? "user" : "supervisor", what);
}

/* Where the ends differ, say it all: both ends, the first difference, and
 * the instruction the lockstep debugger names. */
bool l2_equivalent(struct lab_ctx *t, struct l2_guest *g, struct l2_end *n, struct l2_end *v)
{
    l2_run_bare(g, n);
    l2_run_vmm(g, v);
    lab_note(t, "%s: the bare machine %s; the VMM's VM %s", g->name, l2_end_summary(t, n), l2_end_summary(t, v));
    if (v->agains)
        lab_note(t, "the console's host said \"no input yet\" %u times to the bare machine, %u to the VM", n->agains,
                 v->agains);
    lab_note(t, "bare machine's console:\n%s", n->out);
    lab_note(t, "the VM's console:\n%s", v->out);
    const char *d = end_diff(t, g, n, v);
    if (!d)
        return true;
    /* The VMM's own stop names the routine: the lockstep debugger would
     * only find the same stop. */
    const char *step = v->state == VM_FAILED || v->storm ? NULL : lockstep_says(t, g, n->instret);
    const char *args = g->boot ? lab_str(t, " --boot '%s'", g->boot) : "";
    /* A VMM that stopped the VM, or went round in exits, says the most
     * itself; else the first difference, and the debugger's instruction. */
    const char *happened = v->state == VM_FAILED || v->storm
                               ? lab_str(t, "under the VMM it %s", l2_end_summary(t, v))
                               : lab_str(t, "under the VMM it %s.  First difference: %s.%s%s", l2_end_summary(t, v),
                                         d, step ? "  The equivalence debugger: " : "", step ? step : "");
    lab_fail(t, (struct lab_failure){
                    .expected = lab_str(t, "%s: the same under the VMM as on the bare machine, which %s", g->name,
                                        l2_end_summary(t, n)),
                    .happened = happened,
                    .vmon = v->storm
                                ? lab_str(t,
                                          "build/bin/vmon %s%s, then `catch reflected` (or `catch emulated`), "
                                          "`continue` a few times and `history`: the same exit at the same pc, "
                                          "again and again (vrun --lockstep cannot help: the guest retires "
                                          "nothing)",
                                          g->elf, args)
                                : lab_str(t,
                                    "build/bin/vrun --lockstep %s%s (the first instruction after which they "
                                    "differ); build/bin/vmon %s%s, then `catch reflected`, `catch emulated` or "
                                    "`catch cause NAME`, `continue`, `info cpu` (the guest's CPU beside the real "
                                    "one), `history`; build/bin/vmon --native %s%s to see the bare machine",
                                    g->elf, args, g->elf, args, g->elf, args),
                });
    return false;
}
