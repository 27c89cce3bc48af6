/*
 * test_oracle.c - the machine as an oracle (issue 14, docs/isa.md section
 * 10, docs/vmm.md section 9): the sensitive instructions that ran in user
 * mode without trapping, counted by place in the silent log (machine.h).
 *
 * Where and how often comes from outside the simulator: the places are
 * the labels of tests/guests/silent.s as the assembler placed them (its
 * symbols), the counts its loop constants (.equ NRDSR, NWRSR, NRDPTB, read
 * from the same symbols), which the pg run confirms by trapping on each of
 * them (the guest halts with the number of privileged traps); the guest
 * OS's place is the kernel image's symbol assert_supervisor; the log's own
 * bookkeeping is checked against a model kept here.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "elf_load.h"
#include "guestrun.h"
#include "json_strict.h"
#include "machine.h"
#include "runvrun.h"
#include "scratch.h"
#include "vmm.h"
#include "workloads.h"

static char *dir, *vrun_path;

static int suite_init(void) { return vrun_suite_init(&vrun_path, &dir, "oracle", NULL); }
static int suite_clean(void) { return vrun_suite_clean(&vrun_path, &dir); }

#define VRUN(r, ...) run_vrun(vrun_path, dir, (r), NULL, 0, (const char *[]){__VA_ARGS__, NULL})

/* A symbol's value in img: a label's address or an .equ's value. */
static uint32_t sym(const struct elf_image *img, const char *name)
{
    const struct elf_symbol *s = elf_symbol_named(img, name);
    if (!s)
        fprintf(stderr, "\n  no symbol %s in the image\n", name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s->value;
}

/* A place the log should hold. */
struct want {
    uint32_t pc;
    enum op op;
    uint64_t count;
};

/* silent.s's three places, each run `times` times the loop constant:
 * once per mode in which the guest was not stopped. */
static void silent_places(const struct elf_image *img, uint64_t times, struct want w[3])
{
    w[0] = (struct want){sym(img, "at_rdsr"), OP_RDSR, times * sym(img, "NRDSR")};
    w[1] = (struct want){sym(img, "at_wrsr"), OP_WRSR, times * sym(img, "NWRSR")};
    w[2] = (struct want){sym(img, "at_rdptb"), OP_RDPTB, times * sym(img, "NRDPTB")};
}

/* The log holds exactly these places (in this order: by pc), this total
 * and this many elsewhere; a failure says what differs, for `who`. */
static void expect_log(const struct silent_log *log, const struct want *w, unsigned n, uint64_t total,
                       uint64_t elsewhere, const char *who)
{
    bool ok = log->nplaces == n && log->total == total && log->elsewhere == elsewhere;
    for (unsigned i = 0; ok && i < n; i++)
        ok = log->place[i].pc == w[i].pc && log->place[i].op == w[i].op && log->place[i].count == w[i].count;
    if (!ok) {
        fprintf(stderr, "\n  %s: the silent log holds %u places, %" PRIu64 " in all, %" PRIu64 " elsewhere:\n", who,
                log->nplaces, log->total, log->elsewhere);
        for (unsigned i = 0; i < log->nplaces; i++)
            fprintf(stderr, "    0x%08x %s %" PRIu64 "\n", log->place[i].pc, isa_insns[log->place[i].op].mnem,
                    log->place[i].count);
        fprintf(stderr, "  should hold %u, %" PRIu64 " in all, %" PRIu64 " elsewhere:\n", n, total, elsewhere);
        for (unsigned i = 0; i < n; i++)
            fprintf(stderr, "    0x%08x %s %" PRIu64 "\n", w[i].pc, isa_insns[w[i].op].mnem, w[i].count);
    }
    CU_ASSERT(ok);
}

/* A bare machine of isa with img booted. */
static struct machine *bare(const struct elf_image *img, enum isa_variant isa)
{
    char err[300];
    struct machine_config mc = {.mem_size = GUESTRUN_MEM, .isa = isa};
    struct machine *m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    bool booted = elf_boot(m, img, NULL, err, sizeof err);
    if (!booted)
        fprintf(stderr, "\n  cannot boot: %s\n", err);
    CU_ASSERT_FATAL(booted);
    return m;
}

/* --- the log itself ------------------------------------------------------- */

/* A model of the log: the places in the order first seen, the first
 * SILENT_LOG_PLACES of them kept; sorted by pc and opcode at the end. */
static int by_place(const void *a, const void *b)
{
    const struct want *x = a, *y = b;
    if (x->pc != y->pc)
        return x->pc < y->pc ? -1 : 1;
    return (x->op > y->op) - (x->op < y->op);
}

/* The same places, counts and totals (what lies past nplaces is no
 * part of a log). */
static bool same_log(const struct silent_log *a, const struct silent_log *b)
{
    return a->total == b->total && a->elsewhere == b->elsewhere && a->nplaces == b->nplaces &&
           memcmp(a->place, b->place, a->nplaces * sizeof a->place[0]) == 0;
}

static void test_record_model(void)
{
    for (unsigned distinct = 1; distinct <= 3 * SILENT_LOG_PLACES; distinct += 37) {
        struct silent_log *log = calloc(1, sizeof *log);
        struct want *model = calloc(distinct, sizeof *model);
        CU_ASSERT_PTR_NOT_NULL_FATAL(log);
        CU_ASSERT_PTR_NOT_NULL_FATAL(model);
        unsigned seen = 0;
        uint64_t elsewhere = 0, total = 0;
        uint32_t seed = 12345 + distinct;
        for (unsigned k = 0; k < 4000; k++) {
            seed = seed * 1103515245u + 12345u;
            /* one of `distinct` places, two opcodes at each pc, the pcs
             * scattered over the address space */
            unsigned which = (seed >> 8) % distinct;
            struct want e = {(which / 2) * 0x9e3779b0u, which % 2 ? OP_WRSR : OP_RDSR, 0};
            if (k % 7 == 3) {
                /* a record taken back leaves the log as it was */
                struct silent_log before = *log;
                silent_log_record(log, e.pc, e.op);
                silent_log_unrecord(log, e.pc, e.op);
                CU_ASSERT(same_log(&before, log));
            }
            silent_log_record(log, e.pc, e.op);
            total++;
            unsigned i = 0;
            while (i < seen && (model[i].pc != e.pc || model[i].op != e.op))
                i++;
            if (i == seen)
                model[seen++] = e;
            if (i < SILENT_LOG_PLACES)
                model[i].count++;
            else
                elsewhere++;
        }
        unsigned kept = seen < SILENT_LOG_PLACES ? seen : SILENT_LOG_PLACES;
        qsort(model, kept, sizeof *model, by_place);
        char who[80];
        snprintf(who, sizeof who, "%u places seen", seen);
        expect_log(log, model, kept, total, elsewhere, who);
        free(model);
        free(log);
    }
}

/* --- the bare machine ------------------------------------------------------ */

/* x86like: the user-mode runs of body are counted at their labels, as
 * often as its loops say; the supervisor-mode run before them is not. */
static void test_bare_x86like(void)
{
    struct elf_image img;
    guest_image("silent", &img);
    struct want w[3];
    silent_places(&img, 1, w);
    struct machine *m = bare(&img, ISA_X86LIKE);
    /* up to user mode: body has run once, in supervisor mode */
    CU_ASSERT_FATAL(machine_break_add(m, sym(&img, "user")));
    struct vm_exit x;
    CU_ASSERT_EQUAL_FATAL(machine_run(m, 100000, &x), EXIT_DEBUG);
    CU_ASSERT(machine_cpu(m)->instret > w[0].count + w[1].count + w[2].count);
    expect_log(machine_silent_log(m), NULL, 0, 0, 0, "x86like, supervisor mode");
    machine_break_clear(m);
    CU_ASSERT_EQUAL(machine_run(m, 100000, &x), EXIT_HALT);
    CU_ASSERT_EQUAL(x.value, 0); /* no privileged trap */
    expect_log(machine_silent_log(m), w, 3, w[0].count + w[1].count + w[2].count, 0, "x86like, user mode");
    machine_free(m);
    elf_free(&img);
}

/* pg: every one of them traps in user mode - the guest counts the traps -
 * and nothing is silent. */
static void test_bare_pg(void)
{
    struct elf_image img;
    guest_image("silent", &img);
    struct want w[3];
    silent_places(&img, 1, w);
    struct machine *m = bare(&img, ISA_PG);
    struct vm_exit x;
    CU_ASSERT_EQUAL(machine_run(m, 100000, &x), EXIT_HALT);
    CU_ASSERT_EQUAL(x.value, w[0].count + w[1].count + w[2].count);
    struct machine_counts k;
    machine_counts(m, &k);
    CU_ASSERT_EQUAL(k.traps[CAUSE_PRIV], w[0].count + w[1].count + w[2].count);
    expect_log(machine_silent_log(m), NULL, 0, 0, 0, "pg");
    /* docs/isa.md section 10: on pg every sensitive instruction traps in
     * user mode, on x86like three do not */
    CU_ASSERT_FALSE(silent_possible(ISA_PG));
    CU_ASSERT_TRUE(silent_possible(ISA_X86LIKE));
    machine_free(m);
    elf_free(&img);
}

/* --- under the VMM ---------------------------------------------------------- */

struct timer_exits {
    const struct vm *vm[3];
    unsigned n[3];
};

static bool count_timer_exits(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x, (void)d;
    struct timer_exits *t = ctx;
    for (int i = 0; i < 3; i++)
        if (t->vm[i] == vm)
            t->n[i]++;
    return false;
}

static void capture_free(struct capture *c) { free(c->buf); }

/* x86like under the VMM: the guest runs in user mode in both its modes,
 * so both runs of body were lied to; pg traps them all. */
static void test_vmm_one(void)
{
    struct elf_image img;
    guest_image("silent", &img);
    struct want w[3];
    silent_places(&img, 2, w);
    struct guest_run run = {.image = &img, .isa = ISA_X86LIKE, .policy = SHADOW_CACHE};
    struct guest_end e;
    guest_run_vmm(&run, &e);
    CU_ASSERT_EQUAL(e.state, VM_HALTED);
    CU_ASSERT_EQUAL(e.value, 0);
    expect_log(&e.stats.silent, w, 3, w[0].count + w[1].count + w[2].count, 0, "VMM, x86like");
    guest_end_free(&e);
    run.isa = ISA_PG;
    guest_run_vmm(&run, &e);
    CU_ASSERT_EQUAL(e.state, VM_HALTED);
    CU_ASSERT_EQUAL(e.value, (w[0].count + w[1].count + w[2].count) / 2);
    expect_log(&e.stats.silent, NULL, 0, 0, 0, "VMM, pg");
    guest_end_free(&e);
    elf_free(&img);
}

/* Three VMs time-shared in slices of a few instructions: two of silent.s
 * (the same places) and irq.s, whose one rdsr is the first such word of
 * its image.  Each log holds only its own VM's instructions. */
static void test_vmm_each_its_own(void)
{
    struct elf_image silent, irq;
    guest_image("silent", &silent);
    guest_image("irq", &irq);
    struct want w[3];
    silent_places(&silent, 2, w);
    uint32_t entry = sym(&irq, "_start"), rdsr_pc = 0;
    for (uint32_t pc = entry; pc < entry + 64 && !rdsr_pc; pc += 4) {
        uint8_t b[4];
        struct isa_fields f;
        CU_ASSERT_FATAL(image_bytes(&irq, pc, b, 4));
        if (isa_decode((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24, &f) &&
            f.op == OP_RDSR)
            rdsr_pc = pc;
    }
    CU_ASSERT_NOT_EQUAL_FATAL(rdsr_pc, 0);
    const struct want irq_place = {rdsr_pc, OP_RDSR, 1};

    char err[300];
    struct vmm_config vc = {.isa = ISA_X86LIKE, .policy = SHADOW_CACHE, .quantum = 7, .shadow_frames = 64};
    struct vmm *v = vmm_new(&vc, 16u << 20, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture out[3] = {{0}};
    const struct elf_image *imgs[3] = {&silent, &irq, &silent};
    const char *names[3] = {"a", "irq", "b"};
    struct vm *vm[3];
    struct timer_exits t = {0};
    for (int i = 0; i < 3; i++) {
        struct vm_config c = {.name = names[i], .mem_size = GUESTRUN_MEM, .image = imgs[i],
                              .io = {.ctx = &out[i], .write = capture_write}};
        vm[i] = vmm_add_vm(v, &c, err, sizeof err);
        if (!vm[i])
            fprintf(stderr, "\n  VM %s: %s\n", names[i], err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(vm[i]);
        t.vm[i] = vm[i];
    }
    vmm_set_exit_hook(v, VMM_HOOK_KIND(VMX_TIMER), count_timer_exits, &t);
    vmm_run(v);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(vm_state(vm[i]), VM_HALTED);
        /* each was sent off the CPU in the middle of its work, more than once */
        if (t.n[i] < 2)
            fprintf(stderr, "\n  VM %s: %u timer exits, the VMs did not take turns\n", names[i], t.n[i]);
        CU_ASSERT(t.n[i] >= 2);
    }
    CU_ASSERT_STRING_EQUAL(captured(&out[1]), "not in supervisor mode\n");
    expect_log(&vm_stats(vm[0])->silent, w, 3, w[0].count + w[1].count + w[2].count, 0, "VM a");
    expect_log(&vm_stats(vm[2])->silent, w, 3, w[0].count + w[1].count + w[2].count, 0, "VM b");
    expect_log(&vm_stats(vm[1])->silent, &irq_place, 1, 1, 0, "VM irq");
    for (int i = 0; i < 3; i++)
        capture_free(&out[i]);
    vmm_free(v);
    elf_free(&silent);
    elf_free(&irq);
}

/* --- vrun: the text and the JSON ------------------------------------------ */

/* Assemble src (a path) into DIR/name with the vasm of this build. */
static const char *assemble(const char *src, const char *name)
{
    char *vasm = tool("vasm");
    CU_ASSERT_PTR_NOT_NULL_FATAL(vasm);
    const char *out = path_in(dir, name);
    char *err = NULL;
    int status = run_cmd((char *const[]){vasm, "-o", (char *)out, (char *)src, NULL}, false, NULL, &err);
    if (status != 0)
        fprintf(stderr, "\n  vasm %s: %s", src, err ? err : "");
    CU_ASSERT_EQUAL_FATAL(status, 0);
    free(err);
    free(vasm);
    return out;
}

/* The number after "key": in s, -1 if none. */
static long long json_num(const char *s, const char *key)
{
    char k[80];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(s, k);
    return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

/* The JSON file at path, checked strictly; free() it. */
static char *strict_json(const char *path)
{
    size_t len = 0;
    char *j = file_bytes(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    char why[200] = "";
    bool ok = json_strict(j, len, why, sizeof why);
    if (!ok)
        fprintf(stderr, "\n  %s is not JSON: %s\n%s", path, why, j);
    CU_ASSERT(ok);
    return j;
}

/* The by_pc array as vrun should write it for these places. */
static void by_pc_text(const struct want *w, unsigned n, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "\"silent_sensitive_by_pc\": [");
    for (unsigned i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s{\"pc\": %" PRIu32 ", \"insn\": \"%s\", \"count\": %" PRIu64 "}",
                               i ? ", " : "", w[i].pc, isa_insns[w[i].op].mnem, w[i].count);
    if (at < len)
        snprintf(buf + at, len - at, "]");
}

/* The text's line for a place: "LEAD  0x... <label>  insn  count". */
static void expect_text_place(const char *text, const char *lead, const struct want *w, const char *label)
{
    char start[120];
    snprintf(start, sizeof start, "%s  0x%08x <%s>", lead, w->pc, label);
    const char *p = strstr(text, start);
    char insn[16] = "";
    unsigned long long count = 0;
    bool ok = p && (p == text || p[-1] == '\n') && sscanf(p + strlen(start), " %15s %llu", insn, &count) == 2 &&
              strcmp(insn, isa_insns[w->op].mnem) == 0 && count == w->count;
    if (!ok)
        fprintf(stderr, "\n  no line \"%s  %s  %" PRIu64 "\" in:\n%s", start, isa_insns[w->op].mnem, w->count, text);
    CU_ASSERT(ok);
}

/* vrun --native --stats and --stats-json: the places by label in the
 * text, by number in the JSON, which is JSON; on pg, none. */
static void test_vrun_native(void)
{
    struct elf_image img;
    guest_image("silent", &img);
    struct want w[3];
    silent_places(&img, 1, w);
    uint64_t total = w[0].count + w[1].count + w[2].count;
    const char *elf = assemble("tests/guests/silent.s", "silent.elf");
    const char *json = path_in(dir, "silent.json");
    struct res r;
    VRUN(&r, "--native", "--isa", "x86like", "--stats", "--stats-json", json, elf);
    CU_ASSERT(r.exited && r.status == 0);
    char line[200];
    snprintf(line, sizeof line, "\nvrun: silent sensitive instructions (ran in user mode without trapping): %" PRIu64 "\n",
             total);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, line));
    expect_text_place(r.err, "vrun: ", &w[0], "at_rdsr");
    expect_text_place(r.err, "vrun: ", &w[1], "at_wrsr");
    expect_text_place(r.err, "vrun: ", &w[2], "at_rdptb");
    CU_ASSERT_PTR_NULL(strstr(r.err, "more at other pcs"));
    char *j = strict_json(json);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"mode\": \"native\""));
    CU_ASSERT_EQUAL(json_num(j, "silent_sensitive"), (long long)total);
    CU_ASSERT_EQUAL(json_num(j, "silent_sensitive_other_pcs"), 0);
    char want[600];
    by_pc_text(w, 3, want, sizeof want);
    if (!strstr(j, want))
        fprintf(stderr, "\n  no %s in:\n%s", want, j);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, want));
    free(j);
    res_free(&r);

    /* pg: nothing can be silent, and the text does not say it can */
    VRUN(&r, "--native", "--isa", "pg", "--stats", "--stats-json", json, elf);
    CU_ASSERT(r.exited && r.status == (int)total);
    CU_ASSERT_PTR_NULL(strstr(r.err, "silent"));
    j = strict_json(json);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"silent_sensitive\": 0, \"silent_sensitive_by_pc\": [], "
                                     "\"silent_sensitive_other_pcs\": 0"));
    free(j);
    res_free(&r);
    elf_free(&img);
}

/* The guest OS: natively on x86like its kernel runs in supervisor mode and
 * nothing is silent; under the VMM on x86like the first thing the VMM
 * misses is assert_supervisor's rdsr, its first instruction, and the
 * kernel panics on what it read; under the VMM on pg nothing is silent. */
static void test_vrun_guest_os(void)
{
    struct elf_image kernel;
    char err[300];
    bool read = elf_read_file(GUEST_KERNEL, &kernel, err, sizeof err);
    if (!read)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_FATAL(read);
    const struct want place = {sym(&kernel, "assert_supervisor"), OP_RDSR, 1};
    const char *json = path_in(dir, "kernel.json");
    struct res r;
    VRUN(&r, "--isa", "x86like", "--stats", "--stats-json", json, GUEST_KERNEL, "--boot", "hello");
    CU_ASSERT(r.exited && r.status == 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "kernel: panic: not in supervisor mode"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(r.err, "\n  silent sensitive instructions (ran in user mode without trapping): 1\n"));
    expect_text_place(r.err, "  ", &place, "assert_supervisor");
    char *j = strict_json(json);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"mode\": \"vmm\""));
    CU_ASSERT_EQUAL(json_num(j, "silent_sensitive"), 1);
    CU_ASSERT_EQUAL(json_num(j, "silent_sensitive_other_pcs"), 0);
    char want[200];
    by_pc_text(&place, 1, want, sizeof want);
    if (!strstr(j, want))
        fprintf(stderr, "\n  no %s in:\n%s", want, j);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, want));
    free(j);
    res_free(&r);

    static const char *const quiet[][2] = {{"--native", "x86like"}, {"--native", "pg"}, {NULL, "pg"}};
    for (int i = 0; i < 3; i++) {
        if (quiet[i][0])
            VRUN(&r, quiet[i][0], "--isa", quiet[i][1], "--stats-json", json, GUEST_KERNEL, "--boot", "hello");
        else
            VRUN(&r, "--isa", quiet[i][1], "--stats-json", json, GUEST_KERNEL, "--boot", "hello");
        CU_ASSERT(r.exited && r.status == 0);
        j = strict_json(json);
        if (!strstr(j, "\"silent_sensitive\": 0, \"silent_sensitive_by_pc\": [], \"silent_sensitive_other_pcs\": 0"))
            fprintf(stderr, "\n  %s %s: something silent:\n%s", quiet[i][0] ? "native" : "VMM", quiet[i][1], j);
        CU_ASSERT_PTR_NOT_NULL(
            strstr(j, "\"silent_sensitive\": 0, \"silent_sensitive_by_pc\": [], \"silent_sensitive_other_pcs\": 0"));
        free(j);
        res_free(&r);
    }
    elf_free(&kernel);
}

/* More places than the log keeps: a user-mode run of EXTRA more rdsr than
 * it has room for, twice.  The first SILENT_LOG_PLACES (the lowest pcs:
 * they run first) are kept with their counts; the rest is said as a
 * number, in the text and in the JSON. */
static void test_capacity(void)
{
    enum { EXTRA = 6, ROUNDS = 2 };
    size_t cap = 4096, at = 0;
    char *src = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    at += (size_t)snprintf(src + at, cap - at,
                           "        .text\n_start: la t0, done\n        mtcr tvec, t0\n        li t0, 1\n"
                           "        mtcr status, t0\n        la t0, user\n        mtcr epc, t0\n        rfe\n"
                           "done:   halt zero\nuser:   li t1, %d\nfirst:\n",
                           ROUNDS);
    for (int i = 0; i < SILENT_LOG_PLACES + EXTRA; i++) {
        if (cap - at < 64) {
            char *more = realloc(src, cap *= 2);
            CU_ASSERT_PTR_NOT_NULL_FATAL(more);
            src = more;
        }
        at += (size_t)snprintf(src + at, cap - at, "        rdsr t0\n");
    }
    snprintf(src + at, cap - at, "        addi t1, t1, -1\n        bnez t1, first\n        syscall\n");
    const char *s = path_in(dir, "many.s");
    spit(s, src, strlen(src));
    free(src);
    const char *elf = assemble(s, "many.elf");
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(elf_read_file(elf, &img, err, sizeof err));
    uint32_t first = sym(&img, "first");
    elf_free(&img);

    const char *json = path_in(dir, "many.json");
    struct res r;
    VRUN(&r, "--native", "--isa", "x86like", "--stats", "--stats-json", json, elf);
    CU_ASSERT(r.exited && r.status == 0);
    char line[200];
    snprintf(line, sizeof line, "\nvrun: silent sensitive instructions (ran in user mode without trapping): %d\n",
             ROUNDS * (SILENT_LOG_PLACES + EXTRA));
    if (!strstr(r.err, line))
        fprintf(stderr, "\n  no line %s in:\n%s", line + 1, r.err);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, line));
    snprintf(line, sizeof line, "\nvrun:   %d more at other pcs\n", ROUNDS * EXTRA);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, line));
    struct want kept[SILENT_LOG_PLACES];
    for (int i = 0; i < SILENT_LOG_PLACES; i++)
        kept[i] = (struct want){first + 4u * (uint32_t)i, OP_RDSR, ROUNDS};
    expect_text_place(r.err, "vrun: ", &kept[0], "first");
    char *j = strict_json(json);
    CU_ASSERT_EQUAL(json_num(j, "silent_sensitive"), ROUNDS * (SILENT_LOG_PLACES + EXTRA));
    CU_ASSERT_EQUAL(json_num(j, "silent_sensitive_other_pcs"), ROUNDS * EXTRA);
    char want[SILENT_LOG_PLACES * 64];
    by_pc_text(kept, SILENT_LOG_PLACES, want, sizeof want);
    if (!strstr(j, want))
        fprintf(stderr, "\n  no %s in:\n%s", want, j);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, want));
    free(j);
    res_free(&r);
}

void suite_oracle(void)
{
    CU_pSuite s = CU_add_suite("oracle", suite_init, suite_clean);
    CU_add_test(s, "the log: places sorted, counted, the rest elsewhere, records taken back (a model)",
                test_record_model);
    CU_add_test(s, "bare x86like: user-mode rdsr/wrsr/rdptb at their labels, supervisor ones not",
                test_bare_x86like);
    CU_add_test(s, "bare pg: they trap, nothing silent", test_bare_pg);
    CU_add_test(s, "VMM: x86like counts both guest modes, pg none", test_vmm_one);
    CU_add_test(s, "VMM: three VMs time-shared, each log its own", test_vmm_each_its_own);
    CU_add_test(s, "vrun --native --stats, --stats-json: labels, JSON keys", test_vrun_native);
    CU_add_test(s, "vrun, guest OS: assert_supervisor's rdsr under the VMM on x86like, else none",
                test_vrun_guest_os);
    CU_add_test(s, "more places than the log keeps: the rest said as a number", test_capacity);
}
