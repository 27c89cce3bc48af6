/*
 * test_bt.c - binary translation (vmm/bt.c, docs/vmm.md section 12): the
 * guest kernel runs from a translation of its code in which the sensitive
 * instructions that do not trap in user mode are patched to trap.  What
 * it must do, on BOTH isas:
 *
 *   - every guest-OS workload of workloads.c, under each shadow policy,
 *     with the isolation checker on, ends exactly as on the bare machine
 *     (registers, memory, disk, output, instret) - on x86like too, where
 *     trap-and-emulate does not; lockstep finds no instruction where the
 *     two differ;
 *   - its counts add up: direct + emulated == instret (a patch is never
 *     retired, its original once), nothing interpreted, one translation
 *     exit per block, and on x86like patches were made and emulated;
 *   - the guest cannot tell: it reads its translated code as it wrote it,
 *     a store or a DMA into translated code is what runs next, a jump into
 *     the middle of a block runs from there (tests/guests/bt*.s).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "broken_rule.h"
#include "fuzz/fuzz_guest.h"
#include "guestrun.h"
#include "lockstep.h"
#include "seams.h"
#include "workloads.h"

static const enum isa_variant isas[] = {ISA_PG, ISA_X86LIKE};

/* The workload's run on the bare machine, or under a technique (with the
 * isolation checker on); false if there is no kernel. */
static bool run_workload(const struct guest_workload *w, enum isa_variant isa, const char *technique,
                         enum shadow_policy p, struct guest_end *e)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return false;
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = isa, .disk = disk,
                          .disk_len = disklen, .input = w->o.input, .max_insns = GUEST_INSN_LIMIT,
                          .technique = technique, .policy = p, .check = true};
    if (technique)
        guest_run_vmm(&c, e);
    else
        guest_run_bare(&c, e);
    free(disk);
    return true;
}

/* bt's own counts, which no comparison with the bare machine sees. */
static void expect_counts(const struct guest_end *f, enum isa_variant isa, const char *who)
{
    const struct vm_stats *s = &f->stats;
    RULE(s->direct + s->emulated == f->instret && s->interpreted == 0, "bt's counts do not add up",
         "%llu direct + %llu emulated (+ %llu interpreted), should be the %llu instructions retired - %s",
         (unsigned long long)s->direct, (unsigned long long)s->emulated, (unsigned long long)s->interpreted,
         (unsigned long long)f->instret, who);
    RULE(s->bt_blocks > 0 && s->exits[VMX_TRANSLATED] == s->bt_blocks,
         "bt translated nothing, or not one block per translation exit", "%llu blocks, %llu exits - %s",
         (unsigned long long)s->bt_blocks, (unsigned long long)s->exits[VMX_TRANSLATED], who);
    uint64_t sensitive = s->emulated_by_op[OP_RDSR] + s->emulated_by_op[OP_WRSR] + s->emulated_by_op[OP_RDPTB];
    if (isa == ISA_X86LIKE)
        RULE(s->bt_patched > 0 && sensitive > 0, "on x86like bt patched or emulated no rdsr, wrsr or rdptb",
             "%llu patched, %llu emulated - %s", (unsigned long long)s->bt_patched, (unsigned long long)sensitive,
             who);
    else
        RULE(s->bt_patched == 0, "on pg every sensitive instruction traps: bt should patch none",
             "%llu patched - %s", (unsigned long long)s->bt_patched, who);
    RULE(s->silent.total == 0, "a sensitive instruction ran directly without trapping under bt",
         "%llu silent - %s", (unsigned long long)s->silent.total, who);
    RULE(f->free_after == f->free_before, "bt's frames did not all go back when the VM was removed",
         "%u free before, %u after - %s", f->free_before, f->free_after, who);
}

static void check_workload(const struct guest_workload *w)
{
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end n;
        if (!run_workload(w, isas[i], NULL, SHADOW_CACHE, &n))
            return;
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            struct guest_end f;
            run_workload(w, isas[i], "bt", (enum shadow_policy)p, &f);
            char who[160], what[300];
            snprintf(who, sizeof who, "workload %s (boot '%s'), %s, bt, %s shadows, isolation checker on", w->name,
                     w->o.boot ? w->o.boot : "", isa_variant_name(isas[i]), shadow_policy_name((enum shadow_policy)p));
            guest_end_diff(&n, &f, what, sizeof what);
            RULE(!what[0], "under bt the guest OS ended differently from the bare machine",
                 "%s - %s; vrun --lockstep --technique bt finds the instruction", what, who);
            expect_counts(&f, isas[i], who);
            RULE(f.audit == 0, "the audit found wrong entries when the VM stopped", "%u findings, the first: %s - %s",
                 f.audit, f.audit_first, who);
            guest_end_free(&f);
        }
        guest_end_free(&n);
    }
}

#define BT_TEST(i) \
    static void test_workload_##i(void) { check_workload(&guest_workloads[i]); }
GUEST_WORKLOAD_INDEXES(BT_TEST)
#define BT_FN(i) test_workload_##i,
static void (*const workload_tests[])(void) = {GUEST_WORKLOAD_INDEXES(BT_FN)};
_Static_assert(sizeof workload_tests / sizeof workload_tests[0] == GUEST_NWORKLOADS,
               "GUEST_WORKLOAD_INDEXES must count 0 .. GUEST_NWORKLOADS - 1");

/* The contrast: on x86like trap-and-emulate lets the kernel's rdsr see the
 * real mode (it panics); bt, above, does not. */
static void test_x86like_trap_and_emulate_fails(void)
{
    struct guest_end n, t, b;
    if (!run_workload(&guest_workloads[0], ISA_X86LIKE, NULL, SHADOW_CACHE, &n))
        return;
    run_workload(&guest_workloads[0], ISA_X86LIKE, "trap-and-emulate", SHADOW_CACHE, &t);
    run_workload(&guest_workloads[0], ISA_X86LIKE, "bt", SHADOW_CACHE, &b);
    char what[300];
    guest_end_diff(&n, &t, what, sizeof what);
    RULE(what[0] != 0, "on x86like the demo ended under trap-and-emulate as natively",
         "the kernel should see the real mode through rdsr and panic");
    guest_end_diff(&n, &b, what, sizeof what);
    RULE(!what[0], "on x86like the demo under bt did not end as natively", "%s", what);
    RULE(t.stats.silent.total > 0 && b.stats.silent.total == 0,
         "trap-and-emulate should let a sensitive instruction run silently, bt none",
         "%llu silent under trap-and-emulate, %llu under bt", (unsigned long long)t.stats.silent.total,
         (unsigned long long)b.stats.silent.total);
    guest_end_free(&n);
    guest_end_free(&t);
    guest_end_free(&b);
}

/* The trap word of a fresh translation-cache page and of a patch is 0
 * (bt.c, TRAP_WORD): it must be no instruction, on either isa. */
static void test_trap_word_is_illegal(void)
{
    struct isa_fields f = {0};
    RULE(!isa_decode(0x00000000u, &f), "the word 0 decodes as an instruction: bt's trap word would run",
         "op %s", isa_insns[f.op].mnem);
}

/* --- lockstep ------------------------------------------------------------------------ */

static void lockstep_image(const struct elf_image *k, const char *name, const struct guest_workload *w,
                           enum isa_variant isa, enum shadow_policy p)
{
    size_t disklen = 0;
    uint8_t *disk = w ? guest_disk(&w->o, &disklen) : NULL;
    const char *in = w && w->o.input ? w->o.input : "";
    struct lockstep_config c = {.image = k, .bootarg = w ? w->o.boot : NULL,
                                .mem_size = w ? guest_mem(&w->o) : 1u << 20, .isa = isa, .technique = "bt",
                                .policy = p, .input = (const uint8_t *)in, .input_len = strlen(in), .disk = disk,
                                .disk_len = disklen, .stride = 997};
    static struct lockstep_result r;
    char err[300];
    bool ok = lockstep_run(&c, &r, err, sizeof err);
    RULE(ok, "lockstep could not run", "%s - %s", err, name);
    RULE(ok && !r.diverged, "lockstep found an instruction where bt and the bare machine part",
         "after instruction %llu (pc 0x%08x, %s mode): %s - %s, %s, %s shadows", (unsigned long long)r.instret, r.pc,
         r.user ? "user" : "supervisor", r.what, name, isa_variant_name(isa), shadow_policy_name(p));
    RULE(ok && r.both_stopped, "lockstep did not run both to the end", "%s", name);
    free(disk);
}

static void lockstep_workload(const char *name, enum isa_variant isa, enum shadow_policy p)
{
    const struct guest_workload *w = guest_workload(name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    if (guest_kernel())
        lockstep_image(guest_kernel(), name, w, isa, p);
}

static void test_lockstep(void)
{
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        lockstep_workload("demo", isas[i], SHADOW_CACHE);
        lockstep_workload("misbehave", isas[i], SHADOW_DEMAND);
        lockstep_workload("disk-busy", isas[i], SHADOW_REBUILD);
    }
}

/* --- generated guests ------------------------------------------------------------------ */

/* The guest fuzzer's generated kernels (tests/fuzz/guestgen.c: random
 * code in supervisor mode, with paging, stores anywhere, DMA, traps)
 * under bt with the isolation checker: each ends as on the reference CPU
 * wherever the fuzzer compares (no stale TLB entry relied on, no
 * unprivileged sensitive instruction in user mode: those of supervisor
 * mode are bt's to patch, and compared), and none breaks a
 * rule of resource control.  Code that writes itself, data next to code,
 * jumps anywhere: what no hand-written guest covers. */
#define BT_FUZZ_INPUTS 2500 /* input 2051 caught a fill that took rights away without a TLB flush */
static void test_generated_guests(void)
{
    struct fuzz_guest *f = fuzz_guest_new(0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fuzz_guest_set_technique(f, "bt");
    static char report[8192];
    unsigned first = 0, bad = fuzz_guest_check_drawn(f, BT_FUZZ_INPUTS, 0x2545f491u, &first, report, sizeof report);
    RULE(bad == 0, "generated guests under bt did not end as on the reference CPU, or broke a rule",
         "%u of %u; the first, input %u: %s", bad, BT_FUZZ_INPUTS, first, report);
    const struct fuzz_guest_stats *st = fuzz_guest_stats(f);
    RULE(st->compared * 2 > st->inputs, "too few generated guests were compared with the reference CPU to prove much",
         "%llu of %llu", (unsigned long long)st->compared, (unsigned long long)st->inputs);
    fuzz_guest_free(f);
}

/* --- the statistics ---------------------------------------------------------------------- */

/* --stats and --stats-json show what bt did, with the counts it kept. */
static void test_stats(void)
{
    if (!guest_kernel())
        return;
    char err[300];
    struct vmm_config vc = {.isa = ISA_X86LIKE, .technique = "bt", .shadow_frames = 1024};
    struct vmm *v = vmm_new(&vc, GUEST_DEFAULT_MEM + (1025 + vmm_technique_find("bt")->frames) * PAGE_SIZE, err,
                            sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "k", .mem_size = GUEST_DEFAULT_MEM, .image = guest_kernel(),
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_run(v);
    const struct vm_stats *s = vm_stats(vm);
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
    RULE(s->bt_blocks > 0 && s->bt_patched > 0 && s->bt_hits > 0, "bt's counts are zero where they cannot be",
         "%llu blocks, %llu patched, %llu hits", (unsigned long long)s->bt_blocks, (unsigned long long)s->bt_patched,
         (unsigned long long)s->bt_hits);
    char want[300];
    snprintf(want, sizeof want, "translation         %llu blocks, %llu patched, %llu cache hits, %llu invalidations,",
             (unsigned long long)s->bt_blocks, (unsigned long long)s->bt_patched, (unsigned long long)s->bt_hits,
             (unsigned long long)s->bt_invalidations);
    RULE(strstr(text, want) != NULL, "--stats does not show what bt did", "wanted \"%s\" in: %s", say_text(want),
         say_text(text));
    snprintf(want, sizeof want,
             "\"translation\": {\"blocks\": %llu, \"patched\": %llu, \"hits\": %llu, \"invalidations\": %llu, "
             "\"code_data\": %llu, \"drops\": %llu}",
             (unsigned long long)s->bt_blocks, (unsigned long long)s->bt_patched, (unsigned long long)s->bt_hits,
             (unsigned long long)s->bt_invalidations, (unsigned long long)s->bt_data,
             (unsigned long long)s->bt_drops);
    RULE(strstr(json, want) != NULL, "--stats-json does not have bt's counts", "wanted %s in: %s", want,
         say_text(json));
    snprintf(want, sizeof want, "\"TRANSLATED\": %llu", (unsigned long long)s->exits[VMX_TRANSLATED]);
    RULE(s->exits[VMX_TRANSLATED] == s->bt_blocks && strstr(json, want) != NULL,
         "--stats-json does not count the translation exits", "wanted %s in: %s", want, say_text(json));
    free(text);
    free(json);
    free(cap.buf);
    vmm_free(v);
}

/* --- several VMs ------------------------------------------------------------------------ */

/* Every workload at once in one VMM on x86like, time-shared with a
 * quantum of 997 and the isolation checker on: each VM's translations are
 * its own (a world switch inside translated code, a TC frame of one VM
 * never mapped for another), and each ends as alone on the bare machine. */
static void test_all_at_once(void)
{
    if (!guest_kernel())
        return;
    const uint32_t shadow_frames = 1024;
    uint64_t host = PAGE_SIZE;
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        host += guest_mem(&guest_workloads[i].o) +
                (uint64_t)(shadow_frames + vmm_technique_find("bt")->frames) * PAGE_SIZE;
    CU_ASSERT_FATAL(host <= UINT32_MAX);
    char err[300];
    struct vmm_config vc = {.isa = ISA_X86LIKE, .technique = "bt", .policy = SHADOW_CACHE, .quantum = 997,
                            .shadow_frames = shadow_frames, .check_isolation = true};
    struct vmm *v = vmm_new(&vc, (uint32_t)host, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture *out = calloc(GUEST_NWORKLOADS, sizeof *out);
    struct vm *vm[GUEST_NWORKLOADS];
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        const struct guest_workload *w = &guest_workloads[i];
        size_t disklen;
        uint8_t *disk = guest_disk(&w->o, &disklen);
        out[i].in = w->o.input;
        struct vm_config cfg = {.name = w->name, .mem_size = guest_mem(&w->o), .image = guest_kernel(),
                                .bootarg = w->o.boot, .disk = disk, .disk_len = disklen,
                                .io = {.ctx = &out[i], .read = capture_read, .write = capture_write},
                                .max_insns = GUEST_INSN_LIMIT};
        vm[i] = vmm_add_vm(v, &cfg, err, sizeof err);
        free(disk);
        CU_ASSERT_PTR_NOT_NULL_FATAL(vm[i]);
    }
    vmm_run(v);
    unsigned findings = vmm_audit(v, stderr);
    RULE(findings == 0, "the audit found wrong entries after every VM ran under bt", "%u findings", findings);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        struct guest_end n, f;
        guest_end_of(vm[i], &out[i], &f);
        if (run_workload(&guest_workloads[i], ISA_X86LIKE, NULL, SHADOW_CACHE, &n)) {
            char what[300];
            guest_end_diff(&n, &f, what, sizeof what);
            RULE(!what[0], "time-shared under bt, a VM ended differently from the bare machine",
                 "%s - workload %s, x86like, %d VMs at once, quantum 997, checker on", what, guest_workloads[i].name,
                 GUEST_NWORKLOADS);
            guest_end_free(&n);
        }
        guest_end_free(&f);
    }
    free(out);
    vmm_free(v);
}

/* --- the instruction limit ------------------------------------------------------------ */

/* An instruction limit of n ends the bt VM where the bare machine is
 * after n - registers, pc, memory, output - wherever n falls: in
 * translated kernel code, at a patched instruction, in user mode. */
static void test_instruction_limit(void)
{
    static const uint64_t ns[] = {1, 2, 7, 1000, 31337, 250001, 1234567, 3000000};
    const struct guest_workload *w = &guest_workloads[0];
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        for (size_t j = 0; j < sizeof ns / sizeof *ns; j++) {
            struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = isas[i],
                                  .max_insns = ns[j], .technique = "bt", .policy = SHADOW_CACHE, .check = true};
            char what[300];
            guest_vmm_against_bare(&c, what, sizeof what);
            RULE(!what[0], "with an instruction limit, bt stopped elsewhere than the bare machine",
                 "%s - the demo on %s, %llu instructions", what, isa_variant_name(isas[i]),
                 (unsigned long long)ns[j]);
        }
}

/* --- the isolation checker ------------------------------------------------------------ */

/* A VMM that maps a translation writable, or another frame in its place:
 * the checker stops the VM at once, naming the rule. */
static void test_checker_catches(void)
{
    static const struct {
        unsigned inject;
        enum vmm_invariant inv;
        const char *what;
    } broken[] = {
        {INJECT_CODE_WRITABLE, INV_RIGHTS, "a translation mapped writable"},
        {INJECT_CODE_ELSEWHERE, INV_FRAME, "the frame after a translation mapped in its place"},
    };
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        for (size_t b = 0; b < sizeof broken / sizeof *broken; b++) {
            struct guest_run c = {.image = k, .isa = isas[i], .max_insns = GUEST_INSN_LIMIT, .technique = "bt",
                                  .policy = SHADOW_CACHE, .check = true, .inject = broken[b].inject};
            struct guest_end e;
            guest_run_vmm(&c, &e);
            RULE(e.state == VM_ISOLATION && e.violation.invariant == broken[b].inv,
                 "the isolation checker did not stop a bt VMM that breaks a rule", "%s: state %s, %s - %s",
                 broken[b].what, vm_state_name(e.state), e.message, isa_variant_name(isas[i]));
            RULE(e.stats.direct < 1000, "the isolation checker caught a broken bt VMM late",
                 "%s: after %llu direct instructions - %s", broken[b].what, (unsigned long long)e.stats.direct,
                 isa_variant_name(isas[i]));
            guest_end_free(&e);
        }
}

/* --- small kernels of tests/guests ---------------------------------------------------- */

static bool load_guest(const char *name, struct elf_image *img)
{
    char path[128];
    snprintf(path, sizeof path, "tests/guests/%s.s", name);
    bool ok = asm_file_image(path, img);
    RULE(ok, "a test guest does not assemble", "%s", path);
    return ok;
}

static void run_small(const struct elf_image *img, enum isa_variant isa, const char *technique, bool disk,
                      struct guest_end *e)
{
    static uint8_t blocks[4 * 512]; /* zeros; each run has its own copy */
    struct guest_run c = {.image = img, .isa = isa, .technique = technique, .policy = SHADOW_CACHE, .check = true,
                          .disk = disk ? blocks : NULL, .disk_len = disk ? sizeof blocks : 0};
    if (technique)
        guest_run_vmm(&c, e);
    else
        guest_run_bare(&c, e);
}

/* Run a test guest natively and under bt on both isas; the two must end
 * alike (registers, memory, disk, instret) with halt value `value`, and
 * bt must have done what the guest is there to make it do. */
static void check_guest(const char *name, bool disk, uint32_t value, uint64_t min_data, uint64_t min_inval,
                        uint64_t min_drops)
{
    struct elf_image img;
    if (!load_guest(name, &img))
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end n, b;
        char what[300];
        run_small(&img, isas[i], NULL, disk, &n);
        run_small(&img, isas[i], "bt", disk, &b);
        guest_end_diff(&n, &b, what, sizeof what);
        RULE(!what[0], "a test guest under bt ended differently from the bare machine", "%s - %s.s on %s", what,
             name, isa_variant_name(isas[i]));
        RULE(n.state == VM_HALTED && n.value == value, "the test guest did not do what it says natively",
             "state %s, halt value %u, want %u - %s.s on %s", vm_state_name(n.state), n.value, value, name,
             isa_variant_name(isas[i]));
        const struct vm_stats *s = &b.stats;
        RULE(s->bt_data >= min_data && s->bt_invalidations >= min_inval && s->bt_blocks > 0,
             "bt did not emulate the loads and stores to code, or invalidate, as the guest makes it",
             "%llu blocks, %llu emulated, %llu invalidations; want at least %llu and %llu - %s.s on %s",
             (unsigned long long)s->bt_blocks, (unsigned long long)s->bt_data,
             (unsigned long long)s->bt_invalidations, (unsigned long long)min_data, (unsigned long long)min_inval,
             name, isa_variant_name(isas[i]));
        RULE(isas[i] == ISA_PG || s->bt_patched > 0, "bt patched nothing on x86like", "%s.s", name);
        RULE(s->bt_drops >= min_drops, "bt did not drop its translations at its limit",
             "%llu drops, want at least %llu - %s.s on %s", (unsigned long long)s->bt_drops,
             (unsigned long long)min_drops, name, isa_variant_name(isas[i]));
        RULE(s->direct + s->emulated == b.instret, "bt's counts do not add up", "%llu + %llu, %llu retired - %s.s",
             (unsigned long long)s->direct, (unsigned long long)s->emulated, (unsigned long long)b.instret, name);
        guest_end_free(&n);
        guest_end_free(&b);
    }
    elf_free(&img);
}

/* btself.s reads its own translated code (every load size, a patched
 * word among them), rewrites an instruction of a translated block (sw,
 * sh, sb) and runs the new one, and jumps into the middle of a block. */
static void test_self(void) { check_guest("btself", false, 3, 12, 2, 0); }

/* btdma.s has the disk's DMA write over a translated function. */
static void test_dma(void) { check_guest("btdma", true, 12, 0, 1, 0); }

/* btmany.s runs code in 70 pages, twice: more than the cache holds. */
static void test_many(void) { check_guest("btmany", false, 140, 420, 0, 2); }

static void test_lockstep_guests(void)
{
    struct elf_image img;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        if (load_guest("btself", &img)) {
            lockstep_image(&img, "btself.s", NULL, isas[i], SHADOW_DEMAND);
            elf_free(&img);
        }
}

void suite_bt(void)
{
    CU_pSuite s = rule_suite("bt", NULL, guest_kernel_free);
    CU_add_test(s, "the trap word 0 is an illegal instruction", test_trap_word_is_illegal);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        static char names[GUEST_NWORKLOADS][140];
        snprintf(names[i], sizeof names[i],
                 "workload %s ends under bt as on the bare machine: both isas, every policy, checker on",
                 guest_workloads[i].name);
        CU_add_test(s, names[i], workload_tests[i]);
    }
    CU_add_test(s, "x86like: trap-and-emulate fails where bt does not", test_x86like_trap_and_emulate_fails);
    CU_add_test(s, "lockstep with the bare machine finds no difference, both isas", test_lockstep);
    CU_add_test(s, "--stats and --stats-json show bt's counts", test_stats);
    CU_add_test(s, "generated guests under bt end as on the reference CPU, checker on", test_generated_guests);
    CU_add_test(s, "every workload at once, time-shared on x86like, checker on: each ends as on the bare machine",
                test_all_at_once);
    CU_add_test(s, "an instruction limit n ends where the bare machine is after n", test_instruction_limit);
    CU_add_test(s, "the isolation checker catches a translation mapped writable or elsewhere", test_checker_catches);
    CU_add_test(s, "btself.s reads and rewrites its translated code, and jumps into a block", test_self);
    CU_add_test(s, "btdma.s: a disk DMA over translated code runs what it brought", test_dma);
    CU_add_test(s, "btmany.s: code in more pages than the cache holds, dropped and translated again", test_many);
    CU_add_test(s, "lockstep of btself.s with the bare machine finds no difference", test_lockstep_guests);
}
