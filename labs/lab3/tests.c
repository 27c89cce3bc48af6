/*
 * tests.c - lab 3, shadow paging: the grader's tests (make grade LAB=3).
 *
 * Each guest in labs/lab3/guests/ exercises one idea of docs/vmm.md
 * section 5 with page tables of its own.  A test assembles it, runs it on
 * the bare machine and under the VMM in this process (vmm.h), and looks
 * at what the student's shadow pager made: the shadow entry for an
 * address (vm_mmu_walk, what vmon's `walk` shows), the shadow entries made
 * from a guest page-table word right after the guest stored to it
 * (vm_mmu_made_from, from an exit hook), and the guest's own memory and
 * registers beside the bare machine's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "lab.h"
#include "machine.h"
#include "vmm.h"

#define MEM (1u << 20)      /* each guest's memory: 1 MiB */
#define HOST_MEM (8u << 20) /* the VMM's machine: a page + 1 MiB + 4 MiB of shadows, rounded up */
#define LIMIT 200000u       /* instructions: every guest needs under 1,000 */
#define WIN 0x00400000u     /* lab3.inc */
#define WIN2 0x00800000u
#define PF_READ 0x005u /* cause words: page-fault, and the detail bits of docs/isa.md 6 */
#define PF_PROT_WRITE 0x305u

static const char *const POLICY_NAMES[] = {"rebuild", "demand", "cache"};
static const enum shadow_policy POLICIES[] = {SHADOW_REBUILD, SHADOW_DEMAND, SHADOW_CACHE};

/* One guest: its image and where its symbols are. */
struct guest {
    const char *name;
    char elf[512];
    struct elf_image img;
};

/* How a run ended, on either machine. */
struct outcome {
    enum vm_state state;
    uint32_t value;
    char message[256];
    uint32_t regs[NREGS], pc, crs[NCRS];
    uint8_t *mem;
};

static bool load_guest(struct lab_ctx *t, const char *name, struct guest *g)
{
    char src[300];
    g->name = name;
    snprintf(src, sizeof src, "labs/lab3/guests/%s.s", name);
    snprintf(g->elf, sizeof g->elf, "%s/%s.elf", lab_scratch(t), name);
    if (!lab_assemble(t, src, g->elf))
        return false;
    char err[256];
    if (!elf_read_file(g->elf, &g->img, err, sizeof err)) {
        lab_fail(t,
                 (struct lab_failure){.expected = lab_str(t, "%s to load", g->elf), .happened = lab_str(t, "%s", err)});
        return false;
    }
    return true;
}

static uint32_t sym(const struct guest *g, const char *name)
{
    const struct elf_symbol *s = elf_symbol_named(&g->img, name);
    return s ? s->value : 0;
}

static uint32_t word_at(const uint8_t *mem, uint32_t pa)
{
    return (uint32_t)mem[pa] | (uint32_t)mem[pa + 1] << 8 | (uint32_t)mem[pa + 2] << 16 | (uint32_t)mem[pa + 3] << 24;
}

static void run_bare(struct lab_ctx *t, const struct guest *g, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    char err[256];
    struct machine_config mc = {.mem_size = MEM, .isa = ISA_PG};
    struct machine *m = machine_new(&mc, err, sizeof err);
    if (!m || !elf_boot(m, &g->img, NULL, err, sizeof err)) {
        lab_fail(t, (struct lab_failure){.expected = "the bare machine to boot the guest",
                                         .happened = lab_str(t, "%s", err)});
        o->state = VM_FAILED;
        if (m)
            machine_free(m);
        return;
    }
    struct vm_exit x;
    enum exit_reason why = machine_run(m, LIMIT, &x);
    o->state = why == EXIT_HALT ? VM_HALTED : why == EXIT_BUDGET ? VM_LIMIT : VM_FAILED;
    o->value = why == EXIT_HALT ? x.value : 0;
    const struct cpu_state *cpu = machine_cpu(m);
    memcpy(o->regs, cpu->r, sizeof o->regs);
    o->pc = cpu->pc;
    for (int i = 0; i < NCRS; i++)
        o->crs[i] = machine_get_cr(m, (enum cr)i);
    o->mem = malloc(MEM);
    if (o->mem)
        machine_read_phys(m, 0, o->mem, MEM);
    machine_free(m);
}

/* The VMM with one VM running the guest, not yet started. */
struct vmm_run {
    struct vmm *v;
    struct vm *vm;
};

static bool vmm_start(struct lab_ctx *t, const struct guest *g, enum shadow_policy p, bool isolation, struct vmm_run *r)
{
    char err[256];
    struct vmm_config cfg = {.isa = ISA_PG, .policy = p, .check_isolation = isolation};
    r->v = vmm_new(&cfg, HOST_MEM, err, sizeof err);
    r->vm =
        r->v ? vmm_add_vm(r->v,
                          &(struct vm_config){.name = g->name, .mem_size = MEM, .image = &g->img, .max_insns = LIMIT},
                          err, sizeof err)
             : NULL;
    if (!r->vm) {
        lab_fail(t, (struct lab_failure){.expected = "the VMM to start the guest", .happened = lab_str(t, "%s", err)});
        if (r->v)
            vmm_free(r->v);
        return false;
    }
    return true;
}

static void vmm_finish(struct vmm_run *r, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->state = vm_state(r->vm);
    o->value = vm_exit_value(r->vm);
    snprintf(o->message, sizeof o->message, "%s", vm_message(r->vm));
    vm_regs(r->vm, o->regs, &o->pc, o->crs);
    o->regs[0] = 0;
    o->mem = malloc(MEM);
    if (o->mem)
        vm_read_phys(r->vm, 0, o->mem, MEM);
}

/* A VM that stopped for any reason but a halt: the message says why (a
 * stub's "lab 3: ... is not written yet", or a VMM bug), first. */
static bool halted(struct lab_ctx *t, const struct guest *g, const struct outcome *o, const char *policy)
{
    if (o->state == VM_HALTED)
        return true;
    lab_fail(
        t,
        (struct lab_failure){
            .expected = lab_str(t, "the guest %s to run to its halt under the VMM (%s shadows), as on the bare machine",
                                g->name, policy),
            .happened =
                lab_str(t, "the VM stopped: %s%s%s", vm_state_name(o->state), *o->message ? ": " : "", o->message),
            .look =
                o->state == VM_ISOLATION
                    ? "the isolation checker (docs/vmm.md section 8.1): no shadow entry may give more than the guest's "
                      "entry, and a traced page table is never writable; vmm/shadow.c, make_spte (region shadow-rights)"
                    : NULL,
            .vmon = lab_str(
                t, "build/bin/vrun --check-isolation --shadow %s %s; build/bin/vmon %s, then: continue, history",
                policy, g->elf, g->elf)});
    return false;
}

/* The guest under the VMM ended as on the bare machine: its halt value,
 * registers, pc, control registers and every word of its memory (its page
 * tables with their A and D bits among them). */
static void same_as_bare(struct lab_ctx *t, const struct guest *g, const struct outcome *bare,
                         const struct outcome *vmm, const char *policy)
{
    if (!halted(t, g, vmm, policy) || !bare->mem || !vmm->mem)
        return;
    const char *vmon = lab_str(t,
                               "build/bin/vrun --lockstep --shadow %s %s (the first instruction where they differ); "
                               "build/bin/vmon %s beside build/bin/vmon --native %s",
                               policy, g->elf, g->elf, g->elf);
    if (vmm->value != bare->value) {
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "halt value 0x%08" PRIx32 " (the bare machine's)", bare->value),
                        .happened = lab_str(t, "0x%08" PRIx32 " under the VMM (%s shadows)", vmm->value, policy),
                        .vmon = vmon});
        return;
    }
    for (int i = 1; i < NREGS; i++)
        if (vmm->regs[i] != bare->regs[i]) {
            lab_fail(t, (struct lab_failure){
                            .expected =
                                lab_str(t, "r%d = 0x%08" PRIx32 " at the halt (the bare machine's)", i, bare->regs[i]),
                            .happened = lab_str(t, "0x%08" PRIx32 " under the VMM (%s shadows)", vmm->regs[i], policy),
                            .vmon = vmon});
            return;
        }
    for (uint32_t pa = 0; pa < MEM; pa += 4)
        if (word_at(vmm->mem, pa) != word_at(bare->mem, pa)) {
            const struct elf_symbol *s = elf_symbol_at(&g->img, pa);
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "the guest's word at 0x%08" PRIx32 " <%s+0x%" PRIx32 "> = 0x%08" PRIx32
                                                " at the halt (the bare machine's)",
                                                pa, s ? s->name : "?", s ? pa - s->value : 0, word_at(bare->mem, pa)),
                            .happened = lab_str(
                                t, "0x%08" PRIx32 " under the VMM (%s shadows)%s", word_at(vmm->mem, pa), policy,
                                (word_at(vmm->mem, pa) ^ word_at(bare->mem, pa)) & 0x60
                                    ? ": the guest's page-table entry differs in its A (0x20) or D (0x40) bit"
                                    : ""),
                            .vmon = vmon});
            return;
        }
}

static void outcome_free(struct outcome *o) { free(o->mem); }

/* The shadow's level-2 entry for va (0 when there is none). */
static uint32_t shadow_leaf(struct vm *vm, uint32_t va)
{
    struct vmm_mmu_walk w;
    if (!vm_mmu_walk(vm, va, &w) || w.levels < PT_LEVELS)
        return 0;
    return w.entry[PT_LEVELS - 1];
}

static const char *rights(struct lab_ctx *t, uint32_t e)
{
    return lab_str(t, "%s%s%s%s%s%s%s", e & PTE_V ? "V" : "-", e & PTE_R ? "R" : "-", e & PTE_W ? "W" : "-",
                   e & PTE_X ? "X" : "-", e & PTE_U ? "U" : "-", e & PTE_A ? "A" : "-", e & PTE_D ? "D" : "-");
}

/* Stores (and loads) the VMM did for the guest on ordinary pages - code
 * frames' accesses, which only binary translation has: under
 * trap-and-emulate, each is a store that a read-only shadow entry for a
 * dirty, writable page sent to the VMM. */
static void stores_direct(struct lab_ctx *t, const struct guest *g, struct vm *vm, const char *policy)
{
    uint64_t n = vm_stats(vm)->bt_data;
    if (n)
        lab_fail(
            t, (struct lab_failure){
                   .expected = lab_str(t,
                                       "the guest %s's stores to its dirty, writable pages to run on the CPU (%s "
                                       "shadows): a writable shadow entry once the guest's entry has W and D",
                                       g->name, policy),
                   .happened = lab_str(t,
                                       "the VMM did %" PRIu64 " of its memory accesses for it (emulate_access): the "
                                                              "shadow entries stay read-only, so every store exits",
                                       n),
                   .look = "vmm/shadow.c, make_spte (region shadow-rights: W when the guest's entry has W and D); "
                           "docs/vmm.md section 5",
                   .vmon =
                       lab_str(t, "build/bin/vmon %s, then: continue, walk 0x%08x (no W in the shadow)", g->elf, WIN)});
}

/* Run g to its end under the VMM (cache policy), then the bare machine;
 * both outcomes are the caller's to free.  False (failure recorded) if
 * the VM did not halt. */
static bool run_both(struct lab_ctx *t, const struct guest *g, struct vmm_run *r, struct outcome *bare,
                     struct outcome *vmm)
{
    if (!vmm_start(t, g, SHADOW_CACHE, true, r))
        return false;
    vmm_run(r->v);
    vmm_finish(r, vmm);
    run_bare(t, g, bare);
    lab_note(t, "%s: bare machine halted with 0x%08" PRIx32 "; VMM: %s 0x%08" PRIx32 " %s", g->name, bare->value,
             vm_state_name(vmm->state), vmm->value, vmm->message);
    return halted(t, g, vmm, "cache");
}

/* What run_both leaves to free, and the guest. */
static void run_both_free(struct guest *g, struct vmm_run *r, struct outcome *bare, struct outcome *vmm)
{
    outcome_free(bare);
    outcome_free(vmm);
    vmm_free(r->v);
    elf_free(&g->img);
}

/* --- fill-first-touch --- */

struct first_touch {
    struct lab_ctx *t;
    uint32_t win_pa; /* the guest's entry for WIN */
    uint32_t want;   /* the host frame of pg_a */
    bool seen;
    uint32_t spte, gpte;
};

static bool on_first_fill(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    struct first_touch *f = ctx;
    if (f->seen || !d || d->kind != VMX_PF_HIDDEN || (d->gva & ~PAGE_MASK) != WIN)
        return false;
    f->seen = true;
    f->spte = shadow_leaf(vm, WIN);
    uint8_t b[4] = {0};
    vm_read_phys(vm, f->win_pa, b, 4);
    f->gpte = word_at(b, 0);
    return false;
}

static void test_first_touch(struct lab_ctx *t)
{
    struct guest g = {0};
    if (!load_guest(t, "firsttouch", &g))
        return;
    struct vmm_run r;
    if (!vmm_start(t, &g, SHADOW_CACHE, true, &r)) {
        elf_free(&g.img);
        return;
    }
    struct first_touch f = {
        .t = t, .win_pa = sym(&g, "win"), .want = vm_host_frame(r.vm, sym(&g, "pg_a") >> PAGE_SHIFT) << PAGE_SHIFT};
    vmm_set_exit_hook(r.v, VMM_HOOK_KIND(VMX_PF_HIDDEN), on_first_fill, &f);
    vmm_run(r.v);
    struct outcome bare, vmm;
    vmm_finish(&r, &vmm);
    run_bare(t, &g, &bare);
    const char *vmon = lab_str(
        t, "build/bin/vmon %s, then: break touch, continue, catch hidden, continue, walk 0x%08x, continue, walk 0x%08x",
        g.elf, WIN, WIN);
    lab_note(t, "after the load's fault: shadow entry 0x%08" PRIx32 ", guest entry 0x%08" PRIx32, f.spte, f.gpte);
    if (halted(t, &g, &vmm, "cache")) {
        uint32_t s = shadow_leaf(r.vm, WIN), gpte = word_at(vmm.mem, f.win_pa);
        lab_note(t, "at the end: shadow entry 0x%08" PRIx32 ", guest entry 0x%08" PRIx32, s, gpte);
        if (!f.seen)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(
                                t, "a hidden page fault at the guest's first load from gva 0x%08x (at <touch>)", WIN),
                            .happened = "none",
                            .vmon = vmon});
        else if (!(f.spte & PTE_V) || PTE_FRAME(f.spte) != f.want)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "after the hidden fault of the guest's load from gva 0x%08x, a shadow "
                                                "entry mapping pg_a's host frame 0x%08" PRIx32,
                                                WIN, f.want),
                            .happened = lab_str(t, "the shadow entry for gva 0x%08x is 0x%08" PRIx32 " (%s)", WIN,
                                                f.spte, rights(t, f.spte)),
                            .vmon = vmon});
        else if (!(f.spte & PTE_R) || (f.spte & PTE_W))
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "after the guest's load from gva 0x%08x, its shadow entry readable and "
                                                "not writable: the page is clean (the guest's D is clear), and the "
                                                "first store must fault so that the VMM sets D (docs/vmm.md section 5)",
                                                WIN),
                            .happened = lab_str(t, "0x%08" PRIx32 " (%s)", f.spte, rights(t, f.spte)),
                            .vmon = vmon});
        else if ((f.gpte & (PTE_A | PTE_D)) != PTE_A)
            lab_fail(t,
                     (struct lab_failure){.expected = lab_str(t,
                                                              "after the load, the guest's entry for gva 0x%08x with A "
                                                              "set and D clear, as the hardware's walk leaves it",
                                                              WIN),
                                          .happened = lab_str(t, "0x%08" PRIx32 " (%s)", f.gpte, rights(t, f.gpte)),
                                          .vmon = vmon});
        else if (!(s & PTE_W) || (gpte & (PTE_A | PTE_D)) != (PTE_A | PTE_D))
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(
                                t,
                                "after the guest's store to gva 0x%08x (at <dirty>), its entry with A and D set, and "
                                "the shadow entry writable: the page is dirty now, further stores run on the CPU",
                                WIN),
                            .happened = lab_str(
                                t, "the guest's entry is 0x%08" PRIx32 " (%s), the shadow entry 0x%08" PRIx32 " (%s)",
                                gpte, rights(t, gpte), s, rights(t, s)),
                            .vmon = vmon});
        else
            same_as_bare(t, &g, &bare, &vmm, "cache");
    }
    run_both_free(&g, &r, &bare, &vmm);
}

/* --- fill-read-only --- */

static void test_read_only(struct lab_ctx *t)
{
    struct guest g = {0};
    if (!load_guest(t, "readonly", &g))
        return;
    struct vmm_run r;
    struct outcome bare, vmm;
    if (run_both(t, &g, &r, &bare, &vmm)) {
        uint32_t s = shadow_leaf(r.vm, WIN), sb = shadow_leaf(r.vm, WIN + PAGE_SIZE);
        const char *vmon = lab_str(t, "build/bin/vmon %s, then: break store, continue, walk 0x%08x, walk 0x%08x, step",
                                   g.elf, WIN, WIN + PAGE_SIZE);
        if (!(sb & PTE_W))
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "the shadow entry for gva 0x%08x writable: the guest's entry is V R W "
                                                "A D (writable, dirty already) and the guest stored to it",
                                                WIN + PAGE_SIZE),
                            .happened = lab_str(t, "0x%08" PRIx32 " (%s): every store to the page exits to the VMM", sb,
                                                rights(t, sb)),
                            .vmon = vmon});
        else if (s & PTE_W)
            lab_fail(
                t,
                (struct lab_failure){
                    .expected = lab_str(
                        t, "the shadow entry for gva 0x%08x read-only: the guest's entry is read-only (V R A D, no W)",
                        WIN),
                    .happened =
                        lab_str(t,
                                "0x%08" PRIx32
                                " (%s): writable, so the guest's store went through where the bare machine faults",
                                s, rights(t, s)),
                    .vmon = vmon});
        else if (vmm.value != PF_PROT_WRITE)
            lab_fail(t,
                     (struct lab_failure){
                         .expected = lab_str(t,
                                             "the guest's store to its read-only page to fault: halt with cause 0x%03x "
                                             "(page-fault, prot, write), as on the bare machine (0x%08" PRIx32 ")",
                                             PF_PROT_WRITE, bare.value),
                         .happened = lab_str(t, "the guest halted with 0x%08" PRIx32 "%s", vmm.value,
                                             vmm.value == 0x0bad ? " (the store did not fault)" : ""),
                         .vmon = vmon});
        else
            same_as_bare(t, &g, &bare, &vmm, "cache");
    }
    outcome_free(&bare);
    outcome_free(&vmm);
    if (r.v)
        vmm_free(r.v);
    elf_free(&g.img);
}

/* --- ad-bits --- */

static void test_ad_bits(struct lab_ctx *t)
{
    struct guest g = {0};
    if (!load_guest(t, "adbits", &g))
        return;
    struct vmm_run r;
    struct outcome bare, vmm;
    if (run_both(t, &g, &r, &bare, &vmm)) {
        static const char *const page[] = {"pg_a (only loaded)", "pg_b (only stored)", "pg_c (loaded, then stored)",
                                           "pg_d (never touched)"};
        uint32_t win = sym(&g, "win"), result = sym(&g, "result");
        const char *vmon =
            lab_str(t,
                    "build/bin/vmon %s, then: continue, walk 0x%08x, walk 0x%08x, walk 0x%08x (each guest entry's A "
                    "and D beside its shadow entry); the same with vmon --native for the bare machine's",
                    g.elf, WIN, WIN + PAGE_SIZE, WIN + 2 * PAGE_SIZE);
        if (word_at(vmm.mem, result) != word_at(bare.mem, result))
            lab_fail(t,
                     (struct lab_failure){
                         .expected = lab_str(
                             t,
                             "pg_c's entry after the guest's load and before its store (kept at <result>): 0x%08" PRIx32
                             ", A set and D clear, as on the bare machine",
                             word_at(bare.mem, result)),
                         .happened = lab_str(
                             t, "0x%08" PRIx32 " (%s)%s", word_at(vmm.mem, result), rights(t, word_at(vmm.mem, result)),
                             word_at(vmm.mem, result) & PTE_D ? ": D is set by a load - set D only on a store" : ""),
                         .vmon = vmon});
        for (int i = 0; i < 4 && !lab_failed(t); i++) {
            uint32_t b = word_at(bare.mem, win + 4 * (uint32_t)i), v = word_at(vmm.mem, win + 4 * (uint32_t)i);
            if (b != v)
                lab_fail(t, (struct lab_failure){
                                .expected = lab_str(t,
                                                    "the guest's entry for gva 0x%08" PRIx32 ", %s: 0x%08" PRIx32
                                                    " (%s) as on the bare machine",
                                                    WIN + (uint32_t)i * PAGE_SIZE, page[i], b, rights(t, b)),
                                .happened = lab_str(t, "0x%08" PRIx32 " (%s) under the VMM", v, rights(t, v)),
                                .vmon = vmon});
        }
        for (int i = 0; i < 3 && !lab_failed(t); i++) {
            uint32_t s = shadow_leaf(r.vm, WIN + (uint32_t)i * PAGE_SIZE);
            bool want_w = i > 0;
            if (!(s & PTE_V) || !!(s & PTE_W) != want_w)
                lab_fail(t, (struct lab_failure){
                                .expected = lab_str(t, "the shadow entry for gva 0x%08" PRIx32 ", %s, %s",
                                                    WIN + (uint32_t)i * PAGE_SIZE, page[i],
                                                    want_w ? "valid and writable (the guest's D is set now)"
                                                           : "valid and read-only (the guest's D is clear)"),
                                .happened = lab_str(t, "0x%08" PRIx32 " (%s)", s, rights(t, s)),
                                .vmon = lab_str(t, "build/bin/vmon %s, then: continue, walk 0x%08" PRIx32, g.elf,
                                                WIN + (uint32_t)i * PAGE_SIZE)});
        }
        if (!lab_failed(t))
            same_as_bare(t, &g, &bare, &vmm, "cache");
    }
    outcome_free(&bare);
    outcome_free(&vmm);
    if (r.v)
        vmm_free(r.v);
    elf_free(&g.img);
}

/* --- trace-update and trace-unmap: an exit hook looks at the shadow right
 * after each traced store --- */

struct trace_watch {
    struct lab_ctx *t;
    const struct guest *g;
    uint32_t entry_gpa; /* the guest entry watched (for gva) */
    uint32_t gva;
    int which; /* the traced store to judge: 1st (remap) or 2nd (unmap) */
    int seen;  /* stores to entry_gpa traced so far */
    bool judged;
};

static bool on_tracing(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    struct trace_watch *w = ctx;
    struct lab_ctx *t = w->t;
    if (!d || d->kind != VMX_PF_TRACING || d->gpa != w->entry_gpa || ++w->seen != w->which)
        return false;
    w->judged = true;
    struct vmm_made_entry made[VMM_MADE_MAX];
    int n = vm_mmu_made_from(vm, d->gpa, made, VMM_MADE_MAX);
    uint32_t g = d->after;
    uint32_t want = (g & PTE_V) ? vm_host_frame(vm, g >> PAGE_SHIFT) << PAGE_SHIFT : 0;
    lab_note(t,
             "traced store %d to the guest entry at 0x%08" PRIx32 ": 0x%08" PRIx32 " -> 0x%08" PRIx32
             ", %d shadow entries made from it",
             w->seen, d->gpa, d->before, d->after, n);
    uint32_t next = shadow_leaf(vm, w->gva + PAGE_SIZE);
    if (!(next & PTE_V))
        lab_fail(
            t, (struct lab_failure){
                   .expected = lab_str(
                       t,
                       "after the guest wrote PTE 0x%08" PRIx32 " at gpa 0x%08" PRIx32
                       " (the entry for gva 0x%08" PRIx32 "), the shadow entry for gva 0x%08" PRIx32
                       " still there: it was made from the next word of the same table, which the guest did not change",
                       g, d->gpa, w->gva, w->gva + PAGE_SIZE),
                   .happened = lab_str(t,
                                       "it is gone (0x%08" PRIx32
                                       "): the whole shadow table was dropped, so every page it mapped takes a hidden "
                                       "fault again; update only the entries made from the words stored to",
                                       next),
                   .look = "vmm/shadow.c, shadow_guest_wrote (region trace-leaf); docs/vmm.md section 5, PTE tracing",
                   .vmon = lab_str(t, "build/bin/vmon %s, then: catch tracing, continue, walk 0x%08" PRIx32, w->g->elf,
                                   w->gva + PAGE_SIZE)});
    for (int i = 0; i < n; i++) {
        uint32_t s = made[i].value;
        lab_note(t, "  %s level %d at hpa 0x%08" PRIx32 ": 0x%08" PRIx32, made[i].role, made[i].level, made[i].hpa, s);
        if (made[i].level != PT_LEAF || !(s & PTE_V))
            continue; /* dropped: the next access fills it again */
        bool stale = !(g & PTE_V) || PTE_FRAME(s) != want || (s & PTE_W & ~g);
        if (stale)
            lab_fail(
                t,
                (struct lab_failure){
                    .expected =
                        lab_str(t,
                                "after the guest wrote PTE 0x%08" PRIx32 " at gpa 0x%08" PRIx32
                                " (the entry for gva 0x%08" PRIx32 "; it was 0x%08" PRIx32 "), its %s shadow entry %s",
                                g, d->gpa, w->gva, d->before, made[i].role,
                                (g & PTE_V) ? lab_str(t,
                                                      "updated to map host frame 0x%08" PRIx32
                                                      " with no more rights than the guest's, or dropped",
                                                      want)
                                            : "dropped (the guest's entry is no longer valid)"),
                    .happened = lab_str(
                        t,
                        "the shadow entry for gva 0x%08" PRIx32 " is still 0x%08" PRIx32 " (%s), at hpa 0x%08" PRIx32
                        ": the guest can still reach the page it %s; see docs/vmm.md section 5, PTE tracing",
                        w->gva, s, rights(t, s), made[i].hpa, (g & PTE_V) ? "remapped" : "unmapped"),
                    .look = "vmm/shadow.c, shadow_guest_wrote (region trace-leaf); docs/vmm.md section 5, PTE tracing",
                    .vmon = lab_str(t,
                                    "build/bin/vmon %s, then: catch tracing, continue%s, walk 0x%08" PRIx32
                                    " (the shadow beside the guest's walk)",
                                    w->g->elf, w->which > 1 ? ", continue" : "", w->gva)});
    }
    return false;
}

static void trace_test(struct lab_ctx *t, int which)
{
    struct guest g = {0};
    if (!load_guest(t, "trace", &g))
        return;
    struct vmm_run r;
    if (!vmm_start(t, &g, SHADOW_CACHE, true, &r)) {
        elf_free(&g.img);
        return;
    }
    struct trace_watch w = {.t = t, .g = &g, .entry_gpa = sym(&g, "win"), .gva = WIN, .which = which};
    vmm_set_exit_hook(r.v, VMM_HOOK_KIND(VMX_PF_TRACING), on_tracing, &w);
    vmm_run(r.v);
    struct outcome bare, vmm;
    vmm_finish(&r, &vmm);
    run_bare(t, &g, &bare);
    lab_note(t, "bare machine halted with 0x%08" PRIx32 "; VMM: %s 0x%08" PRIx32 " %s", bare.value,
             vm_state_name(vmm.state), vmm.value, vmm.message);
    bool hook_failed = lab_failed(t);
    if (halted(t, &g, &vmm, "cache") && !hook_failed) {
        uint32_t result = sym(&g, "result");
        if (!w.judged)
            lab_fail(
                t, (struct lab_failure){
                       .expected = lab_str(
                           t,
                           "the guest's store at <%s> to its page table (gpa 0x%08" PRIx32
                           ") to reach the VMM as a tracing page fault: the table is mapped read-only in every shadow",
                           which == 1 ? "remap" : "unmap", w.entry_gpa),
                       .happened = lab_str(t, "%d such stores traced", w.seen),
                       .look = "vmm/shadow.c: make_spte (region shadow-rights: a traced table is never writable)",
                       .vmon = lab_str(t, "build/bin/vmon %s, then: break %s, continue, walk 0x%08" PRIx32 ", step",
                                       g.elf, which == 1 ? "remap" : "unmap", w.entry_gpa)});
        else if (which == 1 && word_at(vmm.mem, result + 4) != word_at(bare.mem, result + 4))
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(
                                t,
                                "the guest's load from gva 0x%08x after remapping it to <pg_b> to give 0x%08" PRIx32
                                " (pg_b's word)",
                                WIN, word_at(bare.mem, result + 4)),
                            .happened = lab_str(
                                t, "0x%08" PRIx32 "%s", word_at(vmm.mem, result + 4),
                                word_at(vmm.mem, result + 4) == 0xaaaa0001 ? ": the old page's (pg_a) word" : "")});
        else if (which == 2 && vmm.value != PF_READ)
            lab_fail(t,
                     (struct lab_failure){
                         .expected = lab_str(t,
                                             "the guest's load from gva 0x%08x after unmapping it to fault (halt with "
                                             "cause 0x%03x), as on the bare machine",
                                             WIN, PF_READ),
                         .happened = lab_str(t, "halt with 0x%08" PRIx32 "%s", vmm.value,
                                             vmm.value == 0x0bad ? ": the load went through the old shadow entry" : ""),
                         .vmon = lab_str(t, "build/bin/vmon %s, then: break unmap, continue, step, walk 0x%08x", g.elf,
                                         WIN)});
        else if (which == 2)
            same_as_bare(t, &g, &bare, &vmm, "cache"); /* the whole run: trace-update judges up to the remap only */
    }
    run_both_free(&g, &r, &bare, &vmm);
}

static void test_trace_update(struct lab_ctx *t) { trace_test(t, 1); }

/* --- trace-root: the store to root entry 1, judged from the hook --- */

struct root_watch {
    struct lab_ctx *t;
    const struct guest *g;
    uint32_t root, win2;
    bool judged;
};

static bool on_root_store(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    struct root_watch *w = ctx;
    struct lab_ctx *t = w->t;
    if (w->judged || !d || d->kind != VMX_PF_TRACING || d->gpa != w->root + 4)
        return false;
    w->judged = true;
    struct vmm_made_entry e1[VMM_MADE_MAX], e0[VMM_MADE_MAX], l2[VMM_MADE_MAX];
    int n1 = vm_mmu_made_from(vm, w->root + 4, e1, VMM_MADE_MAX);
    int n0 = vm_mmu_made_from(vm, w->root, e0, VMM_MADE_MAX);
    int n2 = vm_mmu_made_from(vm, w->win2, l2, VMM_MADE_MAX); /* the shadow of win2, if one was made already */
    const char *vmon =
        lab_str(t, "build/bin/vmon %s, then: break swap, continue, walk 0x%08x, step, walk 0x%08x, walk 0x%08" PRIx32,
                w->g->elf, WIN, WIN, w->root);
    lab_note(t, "traced store to root entry 1 (gpa 0x%08" PRIx32 "): 0x%08" PRIx32 " -> 0x%08" PRIx32, d->gpa,
             d->before, d->after);
    for (int i = 0; i < n1; i++) {
        uint32_t v = e1[i].value;
        bool ok = !(v & PTE_V);
        for (int k = 0; k < n2 && !ok; k++)
            ok = l2[k].level == PT_LEAF && PTE_FRAME(v) == (l2[k].hpa & ~PAGE_MASK);
        lab_note(t, "  %s root entry 1 at hpa 0x%08" PRIx32 ": 0x%08" PRIx32, e1[i].role, e1[i].hpa, v);
        if (!ok)
            lab_fail(
                t, (struct lab_failure){
                       .expected = lab_str(
                           t,
                           "after the guest wrote 0x%08" PRIx32 " to its root entry 1 (gpa 0x%08" PRIx32
                           ", the 4 MiB at gva 0x%08x; it was 0x%08" PRIx32
                           "), the %s shadow root's entry 1 unlinked (or linked to the shadow of the new table <win2>)",
                           d->after, d->gpa, WIN, d->before, e1[i].role),
                       .happened = lab_str(t,
                                           "it is still 0x%08" PRIx32
                                           ", the link to the shadow of the old table: the guest still reaches the "
                                           "pages the old table maps; see docs/vmm.md section 5, PTE tracing",
                                           v),
                       .look = "vmm/shadow.c, shadow_guest_wrote (region trace-root)",
                       .vmon = vmon});
    }
    bool kept = false;
    for (int i = 0; i < n0; i++)
        kept |= e0[i].level == PT_ROOT && (e0[i].value & PTE_V);
    if (!lab_failed(t) && !kept)
        lab_fail(
            t, (struct lab_failure){.expected = lab_str(t,
                                                        "after the guest wrote its root entry 1, the shadow root's "
                                                        "entry 0 (the kernel's identity map, made from gpa 0x%08" PRIx32
                                                        ", which the guest did not change) still linked",
                                                        w->root),
                                    .happened = "it is not (or there is no shadow root made from the guest's root any "
                                                "more): the whole root was dropped, so every region takes a hidden "
                                                "fault again; unlink only the entries made from the words stored to",
                                    .look = "vmm/shadow.c, shadow_guest_wrote (region trace-root)",
                                    .vmon = vmon});
    return false;
}

static void test_trace_root(struct lab_ctx *t)
{
    struct guest g = {0};
    if (!load_guest(t, "rootswap", &g))
        return;
    struct vmm_run r;
    if (!vmm_start(t, &g, SHADOW_CACHE, true, &r)) {
        elf_free(&g.img);
        return;
    }
    struct root_watch w = {.t = t, .g = &g, .root = sym(&g, "root"), .win2 = sym(&g, "win2")};
    vmm_set_exit_hook(r.v, VMM_HOOK_KIND(VMX_PF_TRACING), on_root_store, &w);
    vmm_run(r.v);
    struct outcome bare, vmm;
    vmm_finish(&r, &vmm);
    run_bare(t, &g, &bare);
    if (!lab_failed(t) && halted(t, &g, &vmm, "cache")) {
        if (!w.judged)
            lab_fail(t,
                     (struct lab_failure){
                         .expected = lab_str(t,
                                             "the guest's store at <swap> to its root table (gpa 0x%08" PRIx32
                                             ") to reach the VMM as a tracing page fault",
                                             w.root + 4),
                         .happened = "it did not",
                         .look = "vmm/shadow.c: make_spte (region shadow-rights: a traced table is never writable)",
                         .vmon = lab_str(t, "build/bin/vmon %s, then: break swap, continue, walk 0x%08" PRIx32 ", step",
                                         g.elf, w.root)});
        else
            same_as_bare(t, &g, &bare, &vmm, "cache");
    }
    run_both_free(&g, &r, &bare, &vmm);
}
static void test_trace_unmap(struct lab_ctx *t) { trace_test(t, 2); }

/* --- trace-new-table --- */

/* The fill for the guest's store to <fresh> while it is still data: the
 * shadow entry made then (the test means something only if it is
 * writable). */
struct data_fill {
    uint32_t fresh, spte;
    bool seen;
};

static bool on_data_fill(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    struct data_fill *f = ctx;
    if (!f->seen && d && d->kind == VMX_PF_HIDDEN && (d->gva & ~PAGE_MASK) == f->fresh) {
        f->seen = true;
        f->spte = shadow_leaf(vm, f->fresh);
    }
    return false;
}

static void test_new_table(struct lab_ctx *t)
{
    struct guest g = {0};
    if (!load_guest(t, "newtable", &g))
        return;
    struct vmm_run r;
    if (!vmm_start(t, &g, SHADOW_CACHE, true, &r)) {
        elf_free(&g.img);
        return;
    }
    struct data_fill df = {.fresh = sym(&g, "fresh")};
    vmm_set_exit_hook(r.v, VMM_HOOK_KIND(VMX_PF_HIDDEN), on_data_fill, &df);
    vmm_run(r.v);
    struct outcome bare, vmm;
    vmm_finish(&r, &vmm);
    run_bare(t, &g, &bare);
    if (halted(t, &g, &vmm, "cache")) {
        uint32_t fresh = df.fresh;
        uint32_t s = shadow_leaf(r.vm, fresh); /* the kernel maps itself one to one */
        const struct vm_stats *st = vm_stats(r.vm);
        const char *vmon = lab_str(
            t, "build/bin/vmon %s, then: break remap, continue, walk 0x%08" PRIx32 ", step, history 3", g.elf, fresh);
        lab_note(t,
                 "tracing faults %" PRIu64 "; shadow entry for <fresh> 0x%08" PRIx32
                 " made at its store as data: 0x%08" PRIx32 ", at the end: 0x%08" PRIx32,
                 st->exits[VMX_PF_TRACING], fresh, df.spte, s);
        if (!df.seen || !(df.spte & PTE_W))
            lab_fail(t,
                     (struct lab_failure){.expected = lab_str(t,
                                                              "the guest's store to <fresh> (gva 0x%08" PRIx32
                                                              ") while it is still data to fill a writable shadow "
                                                              "entry: the guest's entry has W, and the store sets D",
                                                              fresh),
                                          .happened = df.seen ? lab_str(t, "the entry filled was 0x%08" PRIx32 " (%s)",
                                                                        df.spte, rights(t, df.spte))
                                                              : "no hidden fault for it",
                                          .look = "vmm/shadow.c, make_spte (region shadow-rights)",
                                          .vmon = vmon});
        else if (s & PTE_W)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "the page <fresh> (gva 0x%08" PRIx32
                                                ") read-only in the shadow once it is a guest page table (root entry 2 "
                                                "points at it, and the VMM made a shadow of it)",
                                                fresh),
                            .happened = lab_str(
                                t,
                                "its shadow entry is 0x%08" PRIx32
                                " (%s): still writable from when the guest wrote it as data, so the guest's store at "
                                "<remap> changed its table without the VMM knowing (%" PRIu64 " tracing faults)",
                                s, rights(t, s), st->exits[VMX_PF_TRACING]),
                            .vmon = vmon});
        else if (vmm.value != bare.value)
            lab_fail(t,
                     (struct lab_failure){
                         .expected = lab_str(t,
                                             "the guest's load from gva 0x%08x after its table was changed to map "
                                             "<pg_b> to give 0x%08" PRIx32,
                                             WIN2, bare.value),
                         .happened = lab_str(t, "0x%08" PRIx32 "%s", vmm.value,
                                             vmm.value == 0xaaaa0001 ? " (pg_a's: the shadow kept the old entry)" : ""),
                         .vmon = vmon});
        else
            same_as_bare(t, &g, &bare, &vmm, "cache");
    }
    run_both_free(&g, &r, &bare, &vmm);
}

/* --- process-switch: equivalence under each policy, the checker on --- */

static void test_switch(struct lab_ctx *t)
{
    struct guest g = {0};
    if (!load_guest(t, "switch", &g))
        return;
    struct outcome bare;
    run_bare(t, &g, &bare);
    for (size_t p = 0; p < sizeof POLICIES / sizeof *POLICIES && !lab_failed(t); p++) {
        struct vmm_run r;
        if (!vmm_start(t, &g, POLICIES[p], true, &r))
            break;
        vmm_run(r.v);
        struct outcome vmm;
        vmm_finish(&r, &vmm);
        lab_note(t, "switch under %s with the isolation checker: %s 0x%08" PRIx32 " %s", POLICY_NAMES[p],
                 vm_state_name(vmm.state), vmm.value, vmm.message);
        same_as_bare(t, &g, &bare, &vmm, POLICY_NAMES[p]);
        if (!lab_failed(t))
            stores_direct(t, &g, r.vm, POLICY_NAMES[p]);
        outcome_free(&vmm);
        vmm_free(r.v);
    }
    outcome_free(&bare);
    elf_free(&g.img);
}

/* --- the guest OS under the cached policy, beside the bare machine --- */

static void test_guest_os(struct lab_ctx *t)
{
    static const char *const boots[] = {"forkwait 20", "pingpong 50", "dirty"};
    char kernel[512];
    snprintf(kernel, sizeof kernel, "%s/guest-os/kernel.elf", lab_build(t));
    for (size_t i = 0; i < sizeof boots / sizeof *boots && !lab_failed(t); i++) {
        struct lab_run bare, vmm;
        const char *nat[] = {"vrun", "--native", "--boot", boots[i], kernel, NULL};
        const char *json = lab_str(t, "%s/stats%zu.json", lab_scratch(t), i);
        const char *vm[] = {"vrun",   "--shadow", "cache", "--check-isolation", "--stats-json", json, "--boot",
                            boots[i], kernel,     NULL};
        if (!lab_spawn(t, nat, NULL, 20, &bare) || !lab_spawn(t, vm, NULL, 20, &vmm))
            return;
        if (vmm.status != bare.status || strcmp(vmm.out, bare.out) != 0)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "the guest OS's workload '%s' under the VMM (cache shadows) to print "
                                                "what it prints on the bare machine and exit with %d:\n%s",
                                                boots[i], bare.status, bare.out),
                            .happened = lab_str(t, "exit status %d, console:\n%s%s", vmm.status, vmm.out, vmm.err),
                            .vmon = lab_str(t,
                                            "build/bin/vrun --lockstep --boot '%s' %s (the first instruction where "
                                            "they differ); build/bin/vmon --boot '%s' %s",
                                            boots[i], kernel, boots[i], kernel)});
        else {
            /* the stores the VMM did for the guest: "code_data" in "translation" (vmm/stats.c) */
            FILE *f = fopen(json, "r");
            char buf[8192];
            size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
            if (f)
                fclose(f);
            buf[n] = 0;
            const char *c = strstr(buf, "\"code_data\":");
            unsigned long long emulated = c ? strtoull(c + 12, NULL, 10) : 0;
            lab_note(t, "'%s': memory accesses the VMM did for the guest: %llu", boots[i], emulated);
            if (!c || emulated)
                lab_fail(t,
                         (struct lab_failure){
                             .expected = lab_str(t,
                                                 "the guest OS's stores to its dirty, writable pages to run on the CPU "
                                                 "('%s', cache shadows)",
                                                 boots[i]),
                             .happened =
                                 c ? lab_str(t,
                                             "the VMM did %llu of its memory accesses for it (translation.code_data in "
                                             "--stats-json): the shadow entries stay read-only, so every store exits",
                                             emulated)
                                   : "no translation.code_data in --stats-json",
                             .look = "vmm/shadow.c, make_spte (region shadow-rights); docs/vmm.md section 5",
                             .vmon = lab_str(t, "build/bin/vrun --stats --boot '%s' %s", boots[i], kernel)});
        }
        free(bare.out), free(bare.err), free(vmm.out), free(vmm.err);
    }
}

#define LOOK_FILL "vmm/shadow.c: make_spte (region shadow-rights), shadow_fault; docs/vmm.md section 5"
#define LOOK_TRACE                                                                                                     \
    "vmm/shadow.c: shadow_guest_wrote (regions trace-leaf, trace-root); docs/vmm.md section 5, PTE tracing"

static const struct lab_test tests[] = {
    {"fill-first-touch", 15,
     "a guest's load from a clean page fills a read-only shadow entry and sets A; its store then sets D and makes the "
     "entry writable",
     LOOK_FILL, "build/bin/vmon firsttouch.elf: break touch, continue, catch hidden, continue, walk 0x00400000",
     test_first_touch},
    {"fill-rights", 10,
     "the shadow gives the guest's rights: a read-only page stays read-only (the store faults), a dirty writable one "
     "is writable",
     LOOK_FILL, "build/bin/vmon readonly.elf: break store, continue, walk 0x00400000", test_read_only},
    {"ad-bits", 15, "A and D in the guest's entries as on the bare machine after loads and stores; D only on a store",
     LOOK_FILL, "build/bin/vmon adbits.elf: continue, walk 0x00402000", test_ad_bits},
    {"trace-update", 15,
     "a guest store that remaps a page updates (or drops) the shadow entry made from it, and only that one", LOOK_TRACE,
     "build/bin/vmon trace.elf: catch tracing, continue, walk 0x00400000", test_trace_update},
    {"trace-unmap", 10, "a guest store that unmaps a page drops the shadow entry made from it", LOOK_TRACE,
     "build/bin/vmon trace.elf: catch tracing, continue, continue, walk 0x00400000", test_trace_unmap},
    {"trace-root", 10,
     "a guest store to its level-1 table unlinks the shadow root's entry made from it, and only that one", LOOK_TRACE,
     "build/bin/vmon rootswap.elf: break swap, continue, walk 0x00400000", test_trace_root},
    {"trace-new-table", 5,
     "a page the guest wrote as data (writable in the shadow) and then made a page table is read-only from then on",
     "vmm/shadow.c: make_spte (region shadow-rights), create and write_protect; docs/vmm.md section 5, PTE tracing",
     "build/bin/vmon newtable.elf: break remap, continue, walk fresh", test_new_table},
    {"process-switch", 10,
     "two address spaces switched back and forth end as on the bare machine under rebuild, demand and cache, with the "
     "isolation checker, stores running on the CPU",
     LOOK_FILL, "build/bin/vrun --lockstep --shadow demand switch.elf", test_switch},
    {"os-workloads", 10,
     "the guest OS's forkwait, pingpong and dirty under --shadow cache and the isolation checker print what they print "
     "natively, stores running on the CPU",
     "vmm/shadow.c (all lab 3 regions)", "build/bin/vrun --lockstep --boot 'forkwait 20' build/guest-os/kernel.elf",
     test_guest_os},
};

const struct lab lab3 = {3, "shadow paging: hidden faults, PTE tracing, A/D bits", tests, sizeof tests / sizeof *tests};
