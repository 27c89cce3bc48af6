/*
 * test_pv.c - paravirtualization, the VMM's side (vmm/pv.c, docs/vmm.md
 * section 13): the technique "pv" answers the hypercalls of a kernel that
 * knows it is virtualized.  What it must do:
 *
 *   - the test guests' numbers (tests/guests/hypercalls.inc) are
 *     isa/hypercalls.h's, line for line;
 *   - pvcalls.s makes every call and checks each result against the ABI
 *     (its expected values are the ABI's, written in the guest): all hold
 *     under pv, with the isolation checker on and the shadow audit clean,
 *     and the counts by number are the guest's calls; under
 *     trap-and-emulate its first hypercall reaches its tvec, as on the
 *     bare machine;
 *   - an unmodified guest, which never declares itself paravirtual, runs
 *     under pv exactly as on the bare machine: every guest-OS workload,
 *     every shadow policy, checker on;
 *   - hostile batches and roots (pvhostile.s: a foreign frame, a page
 *     table mapped writable, a writably mapped frame linked as a table,
 *     malformed batches, bad roots by set_ptb and by mtcr ptb) are refused
 *     with the ABI's reason, the entries before the refused one applied,
 *     the VM going on, and no shadow entry mapping outside the VM (the
 *     isolation checker after every exit, the audit at the end) - and the
 *     checker still catches a VMM bug that maps another VM's frame.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "broken_rule.h"
#include "guestrun.h"
#include "fuzz/fuzz_guest.h"
#include "hypercalls.h"
#include "json_strict.h"
#include "workloads.h"

/* --- the guests' numbers are the header's --- */

static void expect_equ(const char *inc, const char *name, long value)
{
    char want[96];
    snprintf(want, sizeof want, ".equ %s,", name);
    const char *p = strstr(inc, want);
    RULE(p != NULL, "tests/guests/hypercalls.inc lacks a number of isa/hypercalls.h", "%s", name);
    if (!p)
        return;
    long got = strtol(p + strlen(want), NULL, 0);
    RULE(got == value, "tests/guests/hypercalls.inc disagrees with isa/hypercalls.h", "%s is %ld there, %ld in the header",
         name, got, value);
}

static void test_numbers(void)
{
    char *inc = read_text("tests/guests/hypercalls.inc");
    CU_ASSERT_PTR_NOT_NULL_FATAL(inc);
    /* with the alignment of the file's columns squeezed out */
    char *w = inc;
    for (char *r = inc; *r; r++)
        if (!(r > inc && (*r == ' ' && (r[-1] == ' ' || r[-1] == ','))))
            *w++ = *r;
    *w = '\0';
#define X(NAME, n, name, desc) expect_equ(inc, "HC_" #NAME, n);
    ISA_HYPERCALLS(X)
#undef X
#define X(NAME, n, desc) expect_equ(inc, "HCE_" #NAME, n);
    ISA_HC_ERRORS(X)
#undef X
    expect_equ(inc, "SH_EPC", SH_EPC);
    expect_equ(inc, "SH_CAUSE", SH_CAUSE);
    expect_equ(inc, "SH_BADADDR", SH_BADADDR);
    expect_equ(inc, "SH_STATUS", SH_STATUS);
    expect_equ(inc, "SH_SP", SH_SP);
    expect_equ(inc, "SH_ERROR", SH_ERROR);
    expect_equ(inc, "SH_SIZE", SH_SIZE);
    expect_equ(inc, "MMU_BATCH_MAX", MMU_BATCH_MAX);
    free(inc);
}

/* --- small guests --- */

static bool load_guest(const char *name, struct elf_image *img)
{
    char path[128];
    snprintf(path, sizeof path, "tests/guests/%s.s", name);
    bool ok = asm_file_image(path, img);
    RULE(ok, "a test guest does not assemble", "%s", path);
    return ok;
}

static const enum isa_variant isas[] = {ISA_PG, ISA_X86LIKE};
#define NISAS (sizeof isas / sizeof *isas)

static void run_small(const struct elf_image *img, enum isa_variant isa, const char *technique, enum shadow_policy p,
                      struct guest_end *e)
{
    struct guest_run c = {.image = img, .isa = isa, .technique = technique, .policy = p, .check = true};
    guest_run_vmm(&c, e);
}

/* A pv guest of pv.inc ended with every check holding: n dots, halt 0,
 * the checker and the audit content. */
static void expect_all_held(const struct guest_end *e, unsigned n, const char *who)
{
    char want[200];
    memset(want, '.', n);
    strcpy(want + n, "\n");
    RULE(e->out && strcmp(e->out, want) == 0, "a pv test guest found a hypercall not doing what the ABI says",
         "its output %s ('X' at each check that failed; '!' or 'T' for a trap it did not expect), %u checks - %s",
         say_text(e->out ? e->out : ""), n, who);
    RULE(e->state == VM_HALTED && e->value == 0, "a pv test guest did not halt with 0 failures",
         "state %s, value %u (%s) - %s", vm_state_name(e->state), e->value, e->message, who);
    RULE(e->audit == 0, "the shadow audit found wrong shadow entries when the pv guest stopped",
         "%u findings, the first: %s - %s", e->audit, e->audit_first, who);
}

/* The hypercalls pvcalls.s makes, by number (count them in the source:
 * its handler's iret and timer calls once per trap it takes). */
static const struct {
    unsigned n;
    uint64_t calls;
} pvcalls_made[] = {
    {HC_SET_TRAP, 1}, {HC_SET_SHARED, 2}, {HC_IRQ, 5},     {HC_STATUS, 4},     {HC_GET_PTB, 3},
    {HC_SET_PTB, 2},  {HC_MMU_UPDATE, 1}, {HC_FLUSH, 2},   {HC_IDLE, 1},       {HC_HALT, 1},
    {0, 1}, /* hcall 99 */
    {HC_TIMER, 4},    /* two armed, two acknowledged */
    {HC_IRET, 6},     /* syscall, timer, idle's timer, the user hcall, the page fault, and into user mode */
};

static void test_pvcalls(void)
{
    struct elf_image img;
    if (!load_guest("pvcalls", &img))
        return;
    for (int p = 0; p < SHADOW_NPOLICIES * (int)NISAS; p++) {
        char who[120];
        snprintf(who, sizeof who, "pvcalls.s under pv, %s, %s shadows, checker on", isa_variant_name(isas[p / SHADOW_NPOLICIES]),
                 shadow_policy_name((enum shadow_policy)(p % SHADOW_NPOLICIES)));
        struct guest_end e;
        run_small(&img, isas[p / SHADOW_NPOLICIES], "pv", (enum shadow_policy)(p % SHADOW_NPOLICIES), &e);
        expect_all_held(&e, 33, who);
        const struct vm_stats *s = &e.stats;
        uint64_t sum = 0;
        for (unsigned i = 0; i < VM_HYPERCALL_SLOTS; i++)
            sum += s->hypercalls[i];
        RULE(sum == s->exits[VMX_HYPERCALL] && s->emulated_by_op[OP_HCALL] == sum,
             "hypercalls by number do not add up to the hypercall exits",
             "%llu by number, %llu exits, %llu hcalls emulated - %s", (unsigned long long)sum,
             (unsigned long long)s->exits[VMX_HYPERCALL], (unsigned long long)s->emulated_by_op[OP_HCALL], who);
        for (size_t i = 0; i < sizeof pvcalls_made / sizeof *pvcalls_made; i++)
            RULE(s->hypercalls[pvcalls_made[i].n] == pvcalls_made[i].calls, "a hypercall was counted wrongly",
                 "number %u: %llu counted, the guest makes %llu - %s", pvcalls_made[i].n,
                 (unsigned long long)s->hypercalls[pvcalls_made[i].n], (unsigned long long)pvcalls_made[i].calls, who);
        RULE(s->hc_refused == 3 && s->mmu_entries == 2, "refusals or mmu_update entries counted wrongly",
             "%llu refused (3: a misaligned shared area, call 99, a root that maps itself writable), %llu entries "
             "applied (2) - %s",
             (unsigned long long)s->hc_refused, (unsigned long long)s->mmu_entries, who);
        guest_end_free(&e);
    }
    /* trap-and-emulate answers nothing: the hypercall is the kernel's own trap */
    struct guest_end t;
    run_small(&img, ISA_PG, "trap-and-emulate", SHADOW_CACHE, &t);
    RULE(t.out && strcmp(t.out, "T\n") == 0 && t.state == VM_HALTED && t.value == 99,
         "under trap-and-emulate a hypercall must reach the guest's tvec, as on the bare machine",
         "output %s, state %s, value %u", say_text(t.out ? t.out : ""), vm_state_name(t.state), t.value);
    guest_end_free(&t);
    elf_free(&img);
}

/* --- what the VMM says it did --- */

/* The hypercall exits pvcalls.s makes, in order, as the exit hook sees them. */
struct seen {
    unsigned n;
    uint32_t calls[8];
    char first[160];
};

static bool see_hypercall(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)vm;
    (void)x;
    struct seen *s = ctx;
    if (d && d->kind == VMX_HYPERCALL && s->n < 8) {
        if (s->n == 0)
            vmm_decision_format(d, s->first, sizeof s->first);
        s->calls[s->n++] = d->cause;
    }
    return false;
}

/* The exit hook (vmon's catch hypercall, --trace-exits) sees each answered
 * call with its number; the decision reads "...: set_trap". */
static void test_decisions(void)
{
    struct elf_image img;
    if (!load_guest("pvcalls", &img))
        return;
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .technique = "pv", .shadow_frames = 64};
    struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 65 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "pvcalls", .mem_size = GUESTRUN_MEM, .image = &img,
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    CU_ASSERT_PTR_NOT_NULL_FATAL(vmm_add_vm(v, &cfg, err, sizeof err));
    struct seen s = {0};
    vmm_set_exit_hook(v, VMM_HOOK_KIND(VMX_HYPERCALL), see_hypercall, &s);
    vmm_run(v);
    /* the source's first calls: set_trap, set_shared, status, irq, status, irq, status, get_ptb */
    const uint32_t want[8] = {HC_SET_TRAP, HC_SET_SHARED, HC_STATUS, HC_IRQ, HC_STATUS, HC_IRQ, HC_STATUS, HC_GET_PTB};
    RULE(s.n == 8 && memcmp(s.calls, want, sizeof want) == 0, "the exit hook does not see the hypercalls the guest made",
         "%u seen, the first %u, %u, %u", s.n, s.calls[0], s.calls[1], s.calls[2]);
    /* set_trap answers nothing: its register is the same after */
    const char *told = "hypercall answered (paravirtualization): set_trap, its register 0x";
    const char *reg = strstr(s.first, "its register 0x");
    RULE(strncmp(s.first, told, strlen(told)) == 0 && reg && strlen(reg) == strlen("its register 0x12345678 -> 0x12345678") &&
             strncmp(reg + 13, reg + 27, 10) == 0,
         "the first hypercall's decision is not told by its name, with its register", "%s", s.first);
    char buf[160];
    vmm_decision_format(&(struct vmm_decision){.kind = VMX_HYPERCALL, .cause = 99, .before = 7, .after = 0xffffffffu},
                        buf, sizeof buf);
    RULE(strcmp(buf, "hypercall answered (paravirtualization): no such call, its register 0x00000007 -> 0xffffffff") ==
             0,
         "a hypercall there is none of is not told so", "%s", buf);
    free(cap.buf);
    vmm_free(v);
    elf_free(&img);
}

/* --- the stats --- */

/* --stats and --stats-json (vm_stats_print, vmm_stats_json) show pvcalls.s's
 * hypercalls by name, the refusals and the entries mmu_update wrote; the
 * numbers are the source's (see pvcalls_made). */
static void test_stats(void)
{
    struct elf_image img;
    if (!load_guest("pvcalls", &img))
        return;
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .technique = "pv", .shadow_frames = 64};
    struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 65 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "pvcalls", .mem_size = GUESTRUN_MEM, .image = &img,
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_run(v);
    char *text = NULL, *json = NULL;
    size_t tlen = 0, jlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    vm_stats_print(vm, f);
    fclose(f);
    f = open_memstream(&json, &jlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    vmm_stats_json(v, f);
    fclose(f);
    const char *want = "\n  hypercalls          33 answered: set_trap 1, set_shared 2, iret 6, irq 5, status 4, timer 4, "
                       "set_ptb 2, get_ptb 3, flush 2, mmu_update 1, idle 1, halt 1, unknown 1\n"
                       "                      3 refused, 2 page-table entries by mmu_update\n";
    RULE(strstr(text, want) != NULL, "--stats does not show the hypercalls as the guest made them",
         "wanted %s in: %s", say_text(want), say_text(text));
    want = "\n    33            hypercall answered (paravirtualization)\n";
    RULE(strstr(text, want) != NULL, "--stats does not count the hypercalls among the exits", "wanted %s in: %s",
         say_text(want), say_text(text));
    const char *jwant = "\"hypercalls\": {\"set_trap\": 1, \"set_shared\": 2, \"iret\": 6, \"irq\": 5, "
                        "\"status\": 4, \"timer\": 4, \"set_ptb\": 2, \"get_ptb\": 3, \"flush\": 2, "
                        "\"mmu_update\": 1, \"idle\": 1, \"halt\": 1, \"unknown\": 1}, "
                        "\"hypercalls_refused\": 3, \"mmu_entries\": 2,";
    RULE(strstr(json, jwant) != NULL, "--stats-json does not have the hypercalls as the guest made them",
         "wanted %s in: %s", jwant, say_text(json));
    RULE(strstr(json, "\"HYPERCALL\": 33") != NULL, "--stats-json does not count the hypercall exits", "%s",
         say_text(json));
    char why[200];
    RULE(json_strict(json, jlen, why, sizeof why), "--stats-json is not JSON with pv's counts", "%s", why);
    free(text);
    free(json);
    free(cap.buf);
    vmm_free(v);
    elf_free(&img);
}

/* --- hostile batches --- */

/* pvhostile.s: each bad batch or root refused with the ABI's reason, the
 * entries before it applied, the VM going on (its own checks, 48 of them);
 * the isolation checker after every exit and the audit at the end find
 * nothing, under every policy. */
static void test_hostile(void)
{
    struct elf_image img;
    if (!load_guest("pvhostile", &img))
        return;
    for (int p = 0; p < SHADOW_NPOLICIES * (int)NISAS; p++) {
        char who[120];
        snprintf(who, sizeof who, "pvhostile.s under pv, %s, %s shadows, checker on",
                 isa_variant_name(isas[p / SHADOW_NPOLICIES]), shadow_policy_name((enum shadow_policy)(p % SHADOW_NPOLICIES)));
        struct guest_end e;
        run_small(&img, isas[p / SHADOW_NPOLICIES], "pv", (enum shadow_policy)(p % SHADOW_NPOLICIES), &e);
        expect_all_held(&e, 48, who);
        /* counted in the source: 13 refused batches, 2 refused roots, a
         * refused shared area; 3 entries applied */
        RULE(e.stats.hc_refused == 16 && e.stats.mmu_entries == 3, "refusals or applied entries counted wrongly",
             "%llu refused (16), %llu entries applied (3) - %s", (unsigned long long)e.stats.hc_refused,
             (unsigned long long)e.stats.mmu_entries, who);
        guest_end_free(&e);
    }
    /* without the checker, which turns chained emulation off (dispatch.c):
     * an mtcr ptb right after another privileged instruction is refused too */
    struct guest_run u = {.image = &img, .isa = ISA_PG, .technique = "pv", .policy = SHADOW_CACHE};
    struct guest_end q;
    guest_run_vmm(&u, &q);
    expect_all_held(&q, 48, "pvhostile.s under pv, cache shadows, checker off (chained emulation on)");
    guest_end_free(&q);
    /* and the checker still catches a VMM that maps the guest's last frame
     * to another's, under pv as under trap-and-emulate */
    struct guest_run c = {.image = &img, .isa = ISA_PG, .technique = "pv", .policy = SHADOW_CACHE, .check = true,
                          .inject = INJECT_MAP_FOREIGN};
    struct guest_end e;
    guest_run_vmm(&c, &e);
    RULE(e.state == VM_ISOLATION, "under pv the isolation checker missed a shadow entry mapping another's frame",
         "state %s - pvhostile.s, INJECT_MAP_FOREIGN", vm_state_name(e.state));
    guest_end_free(&e);
    elf_free(&img);
}

/* pvsneak.s links, with its paging off, a frame it maps writable into its
 * root, and uses it as a table with paging on: a declared guest still gets
 * that frame write-protected when it becomes a table (vm->pt_validated
 * spares only frames with no writable mapping remembered). */
static void test_sneak(void)
{
    struct elf_image img;
    if (!load_guest("pvsneak", &img))
        return;
    for (int p = 0; p < SHADOW_NPOLICIES * (int)NISAS; p++) {
        char who[120];
        snprintf(who, sizeof who, "pvsneak.s under pv, %s, %s shadows, checker on",
                 isa_variant_name(isas[p / SHADOW_NPOLICIES]), shadow_policy_name((enum shadow_policy)(p % SHADOW_NPOLICIES)));
        struct guest_end e;
        run_small(&img, isas[p / SHADOW_NPOLICIES], "pv", (enum shadow_policy)(p % SHADOW_NPOLICIES), &e);
        expect_all_held(&e, 5, who);
        RULE(e.stats.write_protects >= 1, "a frame linked behind the validator's back was not write-protected",
             "%llu write-protected - %s", (unsigned long long)e.stats.write_protects, who);
        guest_end_free(&e);
    }
    elf_free(&img);
}

/* pvreuse.s: a table is a table only while something holds it - an
 * unlinked leaf table may be mapped writable, a torn-down root that is not
 * the ptb may come back as a leaf table (what a kernel's pool does). */
/* The guest fuzzer's generated kernels (tests/fuzz/guestgen.c) under pv
 * with the isolation checker: random code in supervisor mode, now and then
 * a hypercall - a shared area on a page table or past memory, a root that
 * is no table, mmu_update batches that map frames the guest does not own,
 * make tables writable, run past memory or are too long.  None may break a
 * rule of resource control or stop the VM; each ends as on the reference
 * CPU wherever the fuzzer compares (no hypercall in supervisor mode, which
 * pv answers and the bare machine traps; nothing else it cannot
 * reproduce). */
#define PV_FUZZ_INPUTS 2000
static void test_generated_guests(void)
{
    struct fuzz_guest *f = fuzz_guest_new(0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fuzz_guest_set_technique(f, "pv");
    static char report[8192];
    unsigned first = 0, bad = fuzz_guest_check_drawn(f, PV_FUZZ_INPUTS, 0x5eed1e55u, &first, report, sizeof report);
    RULE(bad == 0, "generated guests under pv did not end as on the reference CPU, or broke a rule",
         "%u of %u; the first, input %u: %s", bad, PV_FUZZ_INPUTS, first, report);
    const struct fuzz_guest_stats *st = fuzz_guest_stats(f);
    RULE(st->compared * 3 > st->inputs, "too few generated guests were compared with the reference CPU to prove much",
         "%llu of %llu", (unsigned long long)st->compared, (unsigned long long)st->inputs);
    fuzz_guest_free(f);
}

static void test_reuse(void)
{
    struct elf_image img;
    if (!load_guest("pvreuse", &img))
        return;
    for (int p = 0; p < SHADOW_NPOLICIES * (int)NISAS; p++) {
        char who[120];
        snprintf(who, sizeof who, "pvreuse.s under pv, %s, %s shadows, checker on",
                 isa_variant_name(isas[p / SHADOW_NPOLICIES]), shadow_policy_name((enum shadow_policy)(p % SHADOW_NPOLICIES)));
        struct guest_end e;
        run_small(&img, isas[p / SHADOW_NPOLICIES], "pv", (enum shadow_policy)(p % SHADOW_NPOLICIES), &e);
        expect_all_held(&e, 8, who);
        guest_end_free(&e);
    }
    elf_free(&img);
}

/* --- an unmodified guest under pv is trap-and-emulate --- */

static void check_workload(const struct guest_workload *w)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = ISA_PG, .disk = disk,
                          .disk_len = disklen, .input = w->o.input, .max_insns = GUEST_INSN_LIMIT, .check = true};
    struct guest_end n;
    guest_run_bare(&c, &n);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct guest_end f;
        c.technique = "pv";
        c.policy = (enum shadow_policy)p;
        guest_run_vmm(&c, &f);
        char who[160], what[300];
        snprintf(who, sizeof who, "workload %s (boot '%s'), the original kernel under pv, %s shadows, checker on",
                 w->name, w->o.boot ? w->o.boot : "", shadow_policy_name((enum shadow_policy)p));
        guest_end_diff(&n, &f, what, sizeof what);
        RULE(!what[0], "an unmodified guest under pv ended differently from the bare machine", "%s - %s", what, who);
        RULE(f.stats.exits[VMX_HYPERCALL] == 0, "pv answered a hypercall the unmodified kernel never makes",
             "%llu - %s", (unsigned long long)f.stats.exits[VMX_HYPERCALL], who);
        RULE(f.audit == 0, "the shadow audit found wrong shadow entries when the VM stopped",
             "%u findings, the first: %s - %s", f.audit, f.audit_first, who);
        guest_end_free(&f);
    }
    guest_end_free(&n);
    free(disk);
}

/* --- the paravirtualized guest kernel (helper pvguest's) --- */

#define PV_KERNEL "build/guest-os/kernel-pv.elf" /* make guest builds it, next to GUEST_KERNEL */

/* The pv kernel under pv, every policy, checker on: it prints what the
 * original prints natively and ends the same way (its memory differs: its
 * page-table pool), makes no tracing fault (every page-table change is a
 * batch), makes hypercalls, and exits less often than the original under
 * trap-and-emulate.  (Suite pvguest checks it natively, with hvstub.)
 * Until the pv kernel is built, there is nothing to run. */
static void check_pv_kernel(const struct guest_workload *w)
{
    static struct elf_image pvk;
    static int have = -1;
    if (have < 0) {
        char err[300];
        have = elf_read_file(PV_KERNEL, &pvk, err, sizeof err);
        if (!have)
            fprintf(stderr, "\n  %s: %s - the pv kernel's checks are skipped\n", PV_KERNEL, err);
    }
    const struct elf_image *k = guest_kernel();
    if (!k || !have)
        return;
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = ISA_PG, .disk = disk,
                          .disk_len = disklen, .input = w->o.input, .max_insns = GUEST_INSN_LIMIT, .check = true,
                          .policy = SHADOW_CACHE};
    struct guest_end n, t;
    guest_run_bare(&c, &n);
    c.technique = "trap-and-emulate";
    guest_run_vmm(&c, &t);
    uint64_t te_exits = 0;
    for (int i = 0; i < VMX_COUNT; i++)
        te_exits += t.stats.exits[i];
    c.image = &pvk;
    c.technique = "pv";
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        c.policy = (enum shadow_policy)p;
        if (w->o.disk_blocks)
            memset(disk, 0, disklen); /* the same blank disk as the native run's */
        struct guest_end f;
        guest_run_vmm(&c, &f);
        char who[200];
        snprintf(who, sizeof who, "workload %s (boot '%s'), the pv kernel under pv, %s shadows, checker on", w->name,
                 w->o.boot ? w->o.boot : "", shadow_policy_name((enum shadow_policy)p));
        RULE(f.out && n.out && strcmp(f.out, n.out) == 0 && f.state == n.state && f.value == n.value,
             "the pv kernel under pv did not print and end as the original natively",
             "state %s %u (native %s %u), output %s, native %s - %s", vm_state_name(f.state), f.value,
             vm_state_name(n.state), n.value, say_text(f.out ? f.out : ""), say_text(n.out ? n.out : ""), who);
        uint64_t exits = 0;
        for (int i = 0; i < VMX_COUNT; i++)
            exits += f.stats.exits[i];
        RULE(f.stats.exits[VMX_PF_TRACING] == 0 && f.stats.exits[VMX_HYPERCALL] > 0,
             "the pv kernel wrote a page table directly, or made no hypercall",
             "%llu tracing faults, %llu hypercalls - %s", (unsigned long long)f.stats.exits[VMX_PF_TRACING],
             (unsigned long long)f.stats.exits[VMX_HYPERCALL], who);
        RULE(p != SHADOW_CACHE || exits < te_exits, "the pv kernel under pv exits no less than the original under T&E",
             "%llu exits, %llu under trap-and-emulate - %s", (unsigned long long)exits, (unsigned long long)te_exits,
             who);
        RULE(f.audit == 0, "the shadow audit found wrong shadow entries when the VM stopped",
             "%u findings, the first: %s - %s", f.audit, f.audit_first, who);
        guest_end_free(&f);
    }
    guest_end_free(&n);
    guest_end_free(&t);
    free(disk);
}

#define PVK_TEST(i)                                                                                    \
    static void test_pv_kernel_##i(void) { check_pv_kernel(&guest_workloads[i]); }
GUEST_WORKLOAD_INDEXES(PVK_TEST)
#define PVK_FN(i) test_pv_kernel_##i,
static void (*const pv_kernel_tests[])(void) = {GUEST_WORKLOAD_INDEXES(PVK_FN)};

#define PV_TEST(i)                                                                                    \
    static void test_workload_##i(void) { check_workload(&guest_workloads[i]); }
GUEST_WORKLOAD_INDEXES(PV_TEST)
#define PV_FN(i) test_workload_##i,
static void (*const workload_tests[])(void) = {GUEST_WORKLOAD_INDEXES(PV_FN)};
_Static_assert(sizeof workload_tests / sizeof workload_tests[0] == GUEST_NWORKLOADS,
               "GUEST_WORKLOAD_INDEXES must count 0 .. GUEST_NWORKLOADS - 1");

void suite_pv(void)
{
    CU_pSuite s = rule_suite("pv", NULL, guest_kernel_free);
    CU_add_test(s, "the test guests' hypercall numbers are isa/hypercalls.h's", test_numbers);
    CU_add_test(s, "pvcalls.s: every hypercall does what the ABI says, both isas, every policy, checker on", test_pvcalls);
    CU_add_test(s, "the exit hook sees each hypercall with its number, told by name", test_decisions);
    CU_add_test(s, "--stats and --stats-json show the hypercalls by name, refusals and mmu_update entries", test_stats);
    CU_add_test(s, "pvhostile.s: bad batches and roots refused with the ABI's reasons, both isas; the checker green", test_hostile);
    CU_add_test(s, "pvreuse.s: a torn-down table's frame may be used again as the other kind", test_reuse);
    CU_add_test(s, "pvsneak.s: a table linked with paging off is still write-protected for a pv guest", test_sneak);
    CU_add_test(s, "generated guests with hypercalls: no rule broken, the VM never stopped, as on the reference CPU",
                test_generated_guests);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        static char names[GUEST_NWORKLOADS][140];
        snprintf(names[i], sizeof names[i],
                 "workload %s: the original kernel under pv ends as on the bare machine, every policy",
                 guest_workloads[i].name);
        CU_add_test(s, names[i], workload_tests[i]);
    }
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        static char names[GUEST_NWORKLOADS][160];
        snprintf(names[i], sizeof names[i],
                 "workload %s: the pv kernel under pv prints as the original natively, no tracing fault, fewer exits",
                 guest_workloads[i].name);
        CU_add_test(s, names[i], pv_kernel_tests[i]);
    }
}
