/*
 * test_rules.c - suite `rules`: the rules of docs/isa.md that the VMM's
 * interpreter, dispatcher, reflection and shadow pager (and the bare
 * machine's system instructions and traps) must keep, each test written to
 * kill a mutant that `make mutate` found surviving every other fast suite
 * (docs/testing.md, "Mutation testing"); each test is named for its rule,
 * and each failure says which rule broke.  And the mutator itself, on a
 * small C file whose points are counted here by hand.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_store.h"
#include "elf_load.h"
#include "guestrun.h"
#include "machine.h"
#include "mutate/mutator.h"
#include "pt.h"
#include "rig.h"
#include "vmm.h"
#include "broken_rule.h"

/* --- the mutator --- */

/* A C file with one of each form the mutator reads, and some that it must
 * not take for code: comments, strings, preprocessor lines. */
static const char *const fixture_lines[] = {
    "#include <stdbool.h>",                 /*  1 */
    "#define TWICE(x) \\",                  /*  2 */
    "    ((x) + (x)) /* if (a) b; */",      /*  3 */
    "struct p { int a; };",                 /*  4 */
    "static const struct p table = {1};",   /*  5 */
    "static int count;",                    /*  6 */
    "/* not code: if (x) return; a && b */", /* 7 */
    "static bool ready(int a, int b)",      /*  8 */
    "{",                                    /*  9 */
    "    if (a > 0 && b > 0)",              /* 10 */
    "        return true;",                 /* 11 */
    "    return a == b;",                   /* 12 */
    "}",                                    /* 13 */
    "int step(int *v, int n)",              /* 14 */
    "{",                                    /* 15 */
    "    int s = n > 1 ? v[0] : 0;",        /* 16 */
    "    const char *m = \"a; b && c\";",   /* 17 */
    "    for (int i = 0; i < n; i++)",      /* 18 */
    "        s += v[i];",                   /* 19 */
    "    while (s > 100 || !ready(s, n))",  /* 20 */
    "        s /= 2;",                      /* 21 */
    "    do {",                             /* 22 */
    "        count++;",                     /* 23 */
    "    } while (count < 3);",             /* 24 */
    "    switch (n) {",                     /* 25 */
    "    case 1:",                          /* 26 */
    "        s = TWICE(s);",                /* 27 */
    "        break;",                       /* 28 */
    "    default:",                         /* 29 */
    "        s--;",                         /* 30 */
    "    }",                                /* 31 */
    "    if (m[0] == 'a')",                 /* 32 */
    "        goto out;",                    /* 33 */
    "    else",                             /* 34 */
    "        s = 0;",                       /* 35 */
    "out:",                                 /* 36 */
    "    return s;",                        /* 37 */
    "}",                                    /* 38 */
    "static int kind(int op)",              /* 39 */
    "{",                                    /* 40 */
    "    switch (op) {",                    /* 41 */
    "#define CASE(n) case n:",              /* 42 */
    "    CASE(1) CASE(2)",                  /* 43 */
    "#undef CASE",                          /* 44 */
    "        return 1;",                    /* 45 */
    "    }",                                /* 46 */
    "    return 0;",                        /* 47 */
    "}",                                    /* 48 */
};

/* Its points, found by reading it: line, column, kind, original, replacement.
 * Nothing in comments, strings, the macro, the struct or the initializer;
 * no deletion of a declaration; the `return 1` whose statement would take
 * the #undef with it is left alone; only the bool function's returns are
 * negated. */
static const struct {
    unsigned line, col;
    const char *kind, *original, *replacement;
} fixture_points[] = {
    {10, 9, "negate-if", "a > 0 && b > 0", "!(a > 0 && b > 0)"},
    {10, 15, "and-to-or", "&&", "||"},
    {11, 9, "delete", "return true;", "{}"},
    {11, 16, "negate-return", "true", "false"},
    {12, 5, "delete", "return a == b;", "{}"},
    {12, 12, "negate-return", "a == b", "!(a == b)"},
    {16, 13, "negate-cond", "n > 1", "!(n > 1)"},
    {18, 21, "negate-for", "i < n", "!(i < n)"},
    {19, 9, "delete", "s += v[i];", "{}"},
    {20, 12, "negate-while", "s > 100 || !ready(s, n)", "!(s > 100 || !ready(s, n))"},
    {20, 20, "or-to-and", "||", "&&"},
    {21, 9, "delete", "s /= 2;", "{}"},
    {23, 9, "delete", "count++;", "{}"},
    {24, 14, "negate-while", "count < 3", "!(count < 3)"},
    {27, 9, "delete", "s = TWICE(s);", "{}"},
    {28, 9, "delete", "break;", "{}"},
    {30, 9, "delete", "s--;", "{}"},
    {32, 9, "negate-if", "m[0] == 'a'", "!(m[0] == 'a')"},
    {33, 9, "delete", "goto out;", "{}"},
    {35, 9, "delete", "s = 0;", "{}"},
    {37, 5, "delete", "return s;", "{}"},
    {47, 5, "delete", "return 0;", "{}"},
};

static char *fixture_text(size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixture_lines / sizeof fixture_lines[0]; i++)
        n += strlen(fixture_lines[i]) + 1;
    char *s = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    s[0] = 0;
    for (size_t i = 0; i < sizeof fixture_lines / sizeof fixture_lines[0]; i++) {
        strcat(s, fixture_lines[i]);
        strcat(s, "\n");
    }
    *len = n;
    return s;
}

/* The offset of line:col in the fixture, counted from its lines. */
static size_t fixture_offset(unsigned line, unsigned col)
{
    size_t off = 0;
    for (unsigned i = 0; i + 1 < line; i++)
        off += strlen(fixture_lines[i]) + 1;
    return off + col - 1;
}

static void test_mutator_points(void)
{
    size_t len;
    char *src = fixture_text(&len), err[256];
    struct mutations ms;
    CU_ASSERT_FATAL(mutations_find("fixture.c", src, len, &ms, err, sizeof err));
    size_t want = sizeof fixture_points / sizeof fixture_points[0];
    if (ms.n != want)
        fprintf(stderr, "\n  the mutator found %zu points in the fixture, not %zu", ms.n, want);
    CU_ASSERT_EQUAL(ms.n, want);
    for (size_t i = 0; i < ms.n && i < want; i++) {
        char got[512], expect[512];
        mutation_describe("fixture.c", &ms.m[i], got, sizeof got);
        snprintf(expect, sizeof expect, "fixture.c:%u:%u: %s: %s -> %s", fixture_points[i].line,
                 fixture_points[i].col, fixture_points[i].kind, fixture_points[i].original,
                 fixture_points[i].replacement);
        if (strcmp(got, expect) != 0)
            fprintf(stderr, "\n  mutation point %zu is\n    %s\n  not\n    %s", i + 1, got, expect);
        CU_ASSERT_STRING_EQUAL(got, expect);
    }
    mutations_free(&ms);
    free(src);
}

/* Each mutated copy is the fixture with exactly its one change: the text
 * before the point and after its original as they were, the replacement
 * between (offsets from the fixture's lines, not from the mutator). */
static void test_mutator_copies(void)
{
    size_t len;
    char *src = fixture_text(&len), err[256];
    struct mutations ms;
    CU_ASSERT_FATAL(mutations_find("fixture.c", src, len, &ms, err, sizeof err));
    size_t want = sizeof fixture_points / sizeof fixture_points[0];
    CU_ASSERT_EQUAL_FATAL(ms.n, want);
    for (size_t i = 0; i < ms.n; i++) {
        size_t at = fixture_offset(fixture_points[i].line, fixture_points[i].col);
        size_t olen = strlen(fixture_points[i].original), rlen = strlen(fixture_points[i].replacement), outlen;
        CU_ASSERT_FATAL(at + olen <= len && memcmp(src + at, fixture_points[i].original, olen) == 0);
        char *out = mutation_apply(src, len, &ms.m[i], &outlen);
        CU_ASSERT_PTR_NOT_NULL_FATAL(out);
        bool one_change = outlen == len - olen + rlen && memcmp(out, src, at) == 0 &&
                          memcmp(out + at, fixture_points[i].replacement, rlen) == 0 &&
                          memcmp(out + at + rlen, src + at + olen, len - at - olen) == 0 && out[outlen] == 0;
        if (!one_change)
            fprintf(stderr, "\n  the copy of mutation point %zu (%u:%u %s) is not the fixture with that one change:\n%s",
                    i + 1, fixture_points[i].line, fixture_points[i].col, fixture_points[i].kind, out);
        CU_ASSERT_TRUE(one_change);
        free(out);
    }
    mutations_free(&ms);
    free(src);
}

/* What it cannot read, it refuses, saying where - rather than mutate a
 * text it misread. */
static void test_mutator_refuses(void)
{
    static const char *const bad[] = {
        "int f(void) { return 1; /* never closed",
        "int f(void) { if (x) return 1; ",
        "int f(void) { return \"never closed; }\n",
    };
    static const char *const bad_where[] = {
        "bad.c:1:25: error: unterminated comment",
        "bad.c:1:13: error: unbalanced bracket",
        "bad.c:1:22: error: unterminated string",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mutations ms;
        char err[256] = "";
        bool ok = mutations_find("bad.c", bad[i], strlen(bad[i]), &ms, err, sizeof err);
        if (ok || strncmp(err, bad_where[i], strlen(bad_where[i])) != 0)
            fprintf(stderr, "\n  the mutator read a broken file (%s) or did not say where (%s)", bad[i], err);
        CU_ASSERT_FALSE(ok);
        CU_ASSERT_EQUAL(ms.n, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad_where[i]));
    }
}


/* --- a guest under the VMM, every exit's decision seen by a hook --- */

/* What the hook saw: the decisions, and how many broke the rule it checks
 * (the first such one described in what). */
struct watch {
    struct vmm_decision *d;
    size_t n, cap;
    unsigned broken;
    char what[300];
    bool (*rule)(struct watch *w, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d);
};

static bool watch_hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct watch *w = ctx;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 1024;
        struct vmm_decision *p = realloc(w->d, cap * sizeof *p);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        w->d = p;
        w->cap = cap;
    }
    w->d[w->n++] = *d;
    if (w->rule && !w->rule(w, vm, x, d))
        w->broken++;
    return false;
}

/* Run tests/guests/NAME.s to its end under the VMM (pg ISA, the policy
 * given), every exit seen by w; returns how the VM ended, its output in
 * *out (to be freed). */
static enum vm_state watch_run(const char *name, enum shadow_policy policy, struct watch *w, char **out)
{
    struct elf_image img;
    guest_image(name, &img);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = policy};
    struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = name, .mem_size = GUESTRUN_MEM, .image = &img, .max_insns = 10000000,
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_set_exit_hook(v, VMM_HOOK_ALL, watch_hook, w);
    vmm_run(v);
    enum vm_state st = vm_state(vm);
    *out = cap.buf ? cap.buf : calloc(1, 1);
    vmm_free(v);
    elf_free(&img);
    return st;
}

/* --- the VMM's decisions say what it did (the exit hook's, a tracer's) --- */

/* A hidden fault's decision names the guest's leaf entry it used - the
 * word at gpa is `before` - and the shadow entry made from it, which maps
 * the host frame of the guest frame that entry names (vmm.h). */
static bool hidden_fault_rule(struct watch *w, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    if (d->kind != VMX_PF_HIDDEN || d->paging_off)
        return true;
    uint32_t word = 0;
    bool read = vm_read_phys(vm, d->gpa, &word, 4);
    uint32_t host = vm_host_frame(vm, PTE_FRAME(d->before) >> PAGE_SHIFT);
    if (read && word == d->before && PTE_FRAME(d->after) >> PAGE_SHIFT == host)
        return true;
    if (!w->broken)
        snprintf(w->what, sizeof w->what, "a hidden fault at va 0x%08x: the decision says guest entry 0x%08x at 0x%08x "
                 "(which holds 0x%08x) and shadow entry 0x%08x (the guest frame is in host frame 0x%x)", d->gva,
                 d->before, d->gpa, word, d->after, host);
    return false;
}

/* ptbswitch.s reads WINDOW_VA through each of its roots, with paging on:
 * under the policies that fill shadows on demand, the first read through a
 * root is a hidden fault there, and its decision must name that address. */
static void test_fault_decision_names_address(void)
{
    for (int p = SHADOW_DEMAND; p <= SHADOW_CACHE; p++) {
        struct watch w = {.rule = hidden_fault_rule};
        char *out;
        enum vm_state st = watch_run("ptbswitch", (enum shadow_policy)p, &w, &out);
        CU_ASSERT_EQUAL(st, VM_HALTED);
        unsigned window = 0;
        for (size_t i = 0; i < w.n; i++)
            window += w.d[i].kind == VMX_PF_HIDDEN && w.d[i].gva == 0x00400000u;
        if (window == 0)
            fprintf(stderr, "\n  %s: no page-fault decision named the guest-virtual address the guest read "
                    "(0x00400000): a page fault's decision must say where it was", shadow_policy_name(p));
        CU_ASSERT(window > 0);
        if (w.broken)
            fprintf(stderr, "\n  %s: %s", shadow_policy_name(p), w.what);
        CU_ASSERT_EQUAL(w.broken, 0);
        free(w.d);
        free(out);
    }
}

/* When the VMM delivers a virtual interrupt after an exit, the decision
 * says which, and the guest is then at its handler with that cause. */
static bool interrupt_rule(struct watch *w, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    if (!d->interrupt)
        return true;
    uint32_t regs[NREGS], pc, crs[NCRS];
    vm_regs(vm, regs, &pc, crs);
    if (crs[CR_CAUSE] == d->interrupt && pc == crs[CR_TVEC])
        return true;
    if (!w->broken)
        snprintf(w->what, sizeof w->what, "the decision says the virtual %s interrupt was delivered, but the guest "
                 "is at 0x%08x with cause 0x%08x (tvec 0x%08x)", isa_cause_name(d->interrupt), pc, crs[CR_CAUSE],
                 crs[CR_TVEC]);
    return false;
}

static void test_interrupt_decision_says_so(void)
{
    struct watch w = {.rule = interrupt_rule};
    char *out;
    CU_ASSERT_EQUAL(watch_run("irq", SHADOW_CACHE, &w, &out), VM_HALTED);
    CU_ASSERT_STRING_EQUAL(out, "S tick\n"); /* irq.s: its handler ran once */
    unsigned said = 0;
    for (size_t i = 0; i < w.n; i++)
        said += w.d[i].interrupt == CAUSE_TIMER;
    if (said != 1)
        fprintf(stderr, "\n  the guest took 1 timer interrupt; %u exit decisions said one was delivered", said);
    CU_ASSERT_EQUAL(said, 1);
    if (w.broken)
        fprintf(stderr, "\n  %s", w.what);
    CU_ASSERT_EQUAL(w.broken, 0);
    free(w.d);
    free(out);
}

/* A page-table write the VMM did for the guest (a tracing fault): its
 * decision names the entry the store changed - sharedleaf.s maps its
 * tables one to one, so that is the store's own address - and shows it
 * before and after the store; after is what the guest's memory then holds.
 * sharedleaf.s only ever stores the value an entry already holds, so
 * before and after agree. */
static bool tracing_rule(struct watch *w, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    if (d->kind != VMX_PF_TRACING)
        return true;
    uint32_t word = 0;
    if (d->gpa == (x->addr & ~3u) && vm_read_phys(vm, d->gpa, &word, 4) && word == d->after && d->before == d->after)
        return true;
    if (!w->broken)
        snprintf(w->what, sizeof w->what, "a page-table write to 0x%08x: the decision names the entry at 0x%08x, 0x%08x -> "
                 "0x%08x; the guest's memory holds 0x%08x, and the guest wrote the value that was there",
                 x->addr, d->gpa, d->before, d->after, word);
    return false;
}

static void test_tracing_decision_before_after(void)
{
    struct watch w = {.rule = tracing_rule};
    char *out;
    CU_ASSERT_EQUAL(watch_run("sharedleaf", SHADOW_CACHE, &w, &out), VM_HALTED);
    CU_ASSERT_STRING_EQUAL(out, "ok\n");
    unsigned traced = 0;
    for (size_t i = 0; i < w.n; i++)
        traced += w.d[i].kind == VMX_PF_TRACING;
    CU_ASSERT(traced >= 6); /* root2's entry 0, and the five writes to the shared table */
    if (w.broken)
        fprintf(stderr, "\n  %s", w.what);
    CU_ASSERT_EQUAL(w.broken, 0);
    free(w.d);
    free(out);
}

/* A true page fault (the guest's own tables refuse the access, or map a
 * frame outside its memory: a bus error): the decision names the cause the
 * VMM reflected, and it is what the guest then
 * sees - its cause register holds it, badaddr the address that faulted,
 * and it is at its handler (docs/isa.md 6). */
static bool true_fault_rule(struct watch *w, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    if (d->kind != VMX_PF_TRUE)
        return true;
    uint32_t regs[NREGS], pc, crs[NCRS];
    vm_regs(vm, regs, &pc, crs);
    unsigned code = CAUSE_CODE(d->cause);
    if ((code == CAUSE_PAGE_FAULT || code == CAUSE_BUS_ERROR) && crs[CR_CAUSE] == d->cause && crs[CR_BADADDR] == x->addr &&
        pc == crs[CR_TVEC])
        return true;
    if (!w->broken)
        snprintf(w->what, sizeof w->what, "a true page fault at 0x%08x (pc 0x%08x): the decision says cause 0x%08x; the "
                 "guest then has cause 0x%08x, badaddr 0x%08x, pc 0x%08x (tvec 0x%08x)", x->addr, x->pc, d->cause,
                 crs[CR_CAUSE], crs[CR_BADADDR], pc, crs[CR_TVEC]);
    return false;
}

static void test_true_fault_decision_names_cause(void)
{
    struct watch w = {.rule = true_fault_rule};
    char *out;
    CU_ASSERT_EQUAL(watch_run("chaos", SHADOW_CACHE, &w, &out), VM_HALTED);
    unsigned faults = 0;
    for (size_t i = 0; i < w.n; i++)
        faults += w.d[i].kind == VMX_PF_TRUE;
    CU_ASSERT(faults >= 100); /* chaos.s touches random addresses, most unmapped */
    if (w.broken)
        fprintf(stderr, "\n  %s", w.what);
    CU_ASSERT_EQUAL(w.broken, 0);
    free(w.d);
    free(out);
}

/* ptbswitch.s goes back to each of its two page tables once: the cache
 * policy keeps their shadows, and counts each return as a reuse. */
static void test_cached_shadow_reuse_counted(void)
{
    struct elf_image img;
    guest_image("ptbswitch", &img);
    struct guest_run c = {.image = &img, .policy = SHADOW_CACHE};
    struct guest_end vm;
    guest_run_vmm(&c, &vm);
    CU_ASSERT_EQUAL(vm.state, VM_HALTED);
    if (vm.stats.shadow_reused < 2)
        fprintf(stderr, "\n  cache: back on two page tables it had shadowed, the VMM counted %llu reuses, not 2",
                (unsigned long long)vm.stats.shadow_reused);
    CU_ASSERT(vm.stats.shadow_reused >= 2);
    guest_end_free(&vm);
    elf_free(&img);
}


/* Every hidden fault fills a shadow entry (docs/vmm.md: the guest's tables
 * allow the access, so the entry made maps the page), and vm_stats counts
 * each entry filled: under the policies that fill on demand, at least one
 * a hidden fault. */
static void test_hidden_fault_counts_entry(void)
{
    struct elf_image img;
    guest_image("ptbswitch", &img);
    for (int p = SHADOW_DEMAND; p <= SHADOW_CACHE; p++) {
        struct guest_run c = {.image = &img, .policy = (enum shadow_policy)p};
        struct guest_end vm;
        guest_run_vmm(&c, &vm);
        CU_ASSERT_EQUAL(vm.state, VM_HALTED);
        uint64_t hidden = vm.stats.exits[VMX_PF_HIDDEN];
        if (hidden == 0 || vm.stats.shadow_entries < hidden)
            fprintf(stderr, "\n  %s: %llu hidden faults filled shadows, but %llu shadow entries were counted filled",
                    shadow_policy_name(c.policy), (unsigned long long)hidden,
                    (unsigned long long)vm.stats.shadow_entries);
        CU_ASSERT(hidden > 0);
        CU_ASSERT(vm.stats.shadow_entries >= hidden);
        guest_end_free(&vm);
    }
    elf_free(&img);
}
/* --- the instruction limit --- */

/* irq.s arms the timer for 500 cycles and spins until its handler runs,
 * then prints and halts (568 instructions): stopped at each of its last 100
 * instruction counts, around that interrupt, the VM must end exactly as
 * the bare machine does - nothing delivered after the last instruction the
 * limit allows, since the limit stops the CPU there. */
static void test_limit_stops_like_bare(void)
{
    struct elf_image img;
    guest_image("irq", &img);
    struct guest_run c = {.image = &img};
    struct guest_end full;
    guest_run_bare(&c, &full);
    CU_ASSERT_EQUAL_FATAL(full.state, VM_HALTED);
    unsigned differ = 0;
    CU_ASSERT(full.instret > 100);
    for (uint64_t limit = full.instret - 100; limit < full.instret; limit++) {
        struct guest_end bare, vm;
        char what[512];
        c.max_insns = limit;
        guest_run_bare(&c, &bare);
        guest_run_vmm(&c, &vm);
        guest_end_diff(&bare, &vm, what, sizeof what);
        if (what[0] && differ++ == 0)
            fprintf(stderr, "\n  stopped by an instruction limit of %llu, the VM did not end as the bare machine: %s",
                    (unsigned long long)limit, what);
        CU_ASSERT_EQUAL(vm.state, VM_LIMIT);
        CU_ASSERT_EQUAL(vm.instret, limit);
        guest_end_free(&bare);
        guest_end_free(&vm);
    }
    CU_ASSERT_EQUAL(differ, 0);
    guest_end_free(&full);
    elf_free(&img);
}

/* A VM stopped by its limit: the last exit is a limit exit, said so in
 * its decision and counted once in the statistics. */
static void test_limit_exit_counted(void)
{
    struct elf_image img;
    guest_image("irq", &img);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE};
    struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "irq", .mem_size = GUESTRUN_MEM, .image = &img, .max_insns = 300,
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    struct watch w = {0};
    vmm_set_exit_hook(v, VMM_HOOK_ALL, watch_hook, &w);
    vmm_run(v);
    CU_ASSERT_EQUAL(vm_state(vm), VM_LIMIT);
    CU_ASSERT_EQUAL(vm_instret(vm), 300);
    bool said = w.n > 0 && w.d[w.n - 1].kind == VMX_LIMIT;
    if (!said)
        fprintf(stderr, "\n  a VM stopped by its instruction limit: the last exit's decision is not \"instruction limit\"");
    CU_ASSERT_TRUE(said);
    uint64_t counted = vm_stats(vm)->exits[VMX_LIMIT];
    if (counted != 1)
        fprintf(stderr, "\n  a VM stopped by its instruction limit counted %llu limit exits, not 1",
                (unsigned long long)counted);
    CU_ASSERT_EQUAL(counted, 1);
    free(w.d);
    free(cap.buf);
    vmm_free(v);
    elf_free(&img);
}

/* --- a failed disk stops the VM where it is --- */

/* How a run of diskfail.s with a disk that refuses writes ended. */
struct diskfail_end {
    bool failed;            /* the disk stopped it (bare: EXIT_DISK_ERROR; VM: VM_FAILED) */
    uint32_t pc, cause, epc;
};

static int refusing_disk(void)
{
    int fd = open("/dev/null", O_RDONLY); /* every write fails: EBADF */
    CU_ASSERT_FATAL(fd >= 0);
    return fd;
}

static struct diskfail_end diskfail_bare(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct machine_config mc = {.mem_size = GUESTRUN_MEM, .isa = ISA_PG};
    struct machine *m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_FATAL(elf_boot(m, img, boot, err, sizeof err));
    struct capture cap = {0};
    machine_set_console(m, &(struct console_io){.ctx = &cap, .read = capture_read, .write = capture_write});
    machine_attach_disk_store(m, disk_store_file(refusing_disk(), 8));
    struct vm_exit x;
    enum exit_reason why = machine_run(m, 100000, &x);
    struct diskfail_end e = {.failed = why == EXIT_DISK_ERROR, .pc = machine_cpu(m)->pc,
                             .cause = machine_get_cr(m, CR_CAUSE), .epc = machine_get_cr(m, CR_EPC)};
    free(cap.buf);
    machine_free(m);
    return e;
}

static struct diskfail_end diskfail_vm(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE};
    struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "diskfail", .mem_size = GUESTRUN_MEM, .image = img, .bootarg = boot,
                            .max_insns = 100000, .disk_store = disk_store_file(refusing_disk(), 8),
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_run(v);
    uint32_t regs[NREGS], pc, crs[NCRS];
    vm_regs(vm, regs, &pc, crs);
    struct diskfail_end e = {.failed = vm_state(vm) == VM_FAILED, .pc = pc, .cause = crs[CR_CAUSE],
                             .epc = crs[CR_EPC]};
    if (e.failed)
        CU_ASSERT_PTR_NOT_NULL(strstr(vm_message(vm), "disk: cannot write block 4"));
    free(cap.buf);
    vmm_free(v);
    return e;
}

/* diskfail.s waits, interrupts on, for its disk write to complete, its
 * handler printing "D".  With a host file that refuses the write, the
 * machine stops when the command completes, and so must the VM - with
 * nothing delivered after, even with the timer falling due at that very
 * cycle (boot arguments 'a' to 'z': the timer 490 to 515 cycles on). */
static void test_failed_disk_delivers_nothing(void)
{
    struct elf_image img;
    guest_image("diskfail", &img);
    static uint8_t disk[8 * DISK_BLOCK_SIZE];
    struct guest_run c = {.image = &img, .disk = disk, .disk_len = sizeof disk};
    struct guest_end good;
    guest_run_vmm(&c, &good);
    CU_ASSERT_STRING_EQUAL(good.out, "D"); /* a disk that works: the interrupt comes */
    guest_end_free(&good);

    unsigned failed = 0, differ = 0;
    for (char b = 'a'; b <= 'z'; b++) {
        char boot[2] = {b, 0};
        struct diskfail_end bare = diskfail_bare(&img, boot);
        struct diskfail_end vm = diskfail_vm(&img, boot);
        failed += bare.failed;
        if (vm.failed != bare.failed || vm.pc != bare.pc || vm.cause != bare.cause || vm.epc != bare.epc) {
            if (differ++ == 0)
                fprintf(stderr, "\n  timer %d cycles on: the bare machine %s at pc 0x%08x, cause 0x%08x, epc 0x%08x; "
                        "the VM %s at pc 0x%08x, cause 0x%08x, epc 0x%08x (a VM stopped by its disk must take "
                        "no interrupt after)", 490 + (b - 'a'), bare.failed ? "failed" : "ended", bare.pc,
                        bare.cause, bare.epc, vm.failed ? "failed" : "ended", vm.pc, vm.cause, vm.epc);
        }
    }
    CU_ASSERT(failed > 0); /* the disk stopped some of them: the timer did not always come first */
    CU_ASSERT_EQUAL(differ, 0);
    elf_free(&img);
}

/* --- the host's door to the control registers (machine_set_cr) --- */

/* The host sets a control register between runs as the mtcr it stands for
 * would (isa/system.c), and so forgets the one-entry instruction TLB: code
 * in a supervisor-only page ran, the host put the CPU in user mode (paging
 * on, nothing else changed), and the next fetch from that page must fault
 * (docs/isa.md 7: U clear, a user fetch is refused), not run on through
 * the translation the supervisor's fetches left behind. */
static void test_host_mode_switch_refetches(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct pt pt;
    pt_init(&pt, r, 0x10000, 0x11000);
    pt_map(&pt, 0, 0, PTE_V | PTE_R | PTE_X | PTE_A);         /* the handler's page */
    pt_map(&pt, CODE, CODE, PTE_V | PTE_R | PTE_X | PTE_A);   /* supervisor only: no U */
    RIG_PUT(r, CODE, enc(OP_ADDI, 9, 9, 0, 1), enc(OP_ADDI, 9, 9, 0, 1), enc(OP_ADDI, 9, 9, 0, 1),
            enc(OP_ADDI, 9, 9, 0, 1));
    machine_set_cr(r->m, CR_PTB, 0x10000);
    machine_set_cr(r->m, CR_STATUS, SR_S | SR_PG);
    CU_ASSERT_EQUAL(rig_run(r, 2), EXIT_BUDGET);
    CU_ASSERT_EQUAL(REG(r, 9), 2);
    machine_set_cr(r->m, CR_STATUS, SR_PG); /* user mode */
    CU_ASSERT_EQUAL(rig_run(r, 10), EXIT_HALT); /* the handler's halt */
    uint32_t cause = CRV(r, CR_CAUSE);
    bool refused = CAUSE_CODE(cause) == CAUSE_PAGE_FAULT && (cause & CAUSE_FETCH) && (cause & CAUSE_USER) &&
                   CRV(r, CR_EPC) == CODE + 8 && REG(r, 9) == 2;
    if (!refused)
        fprintf(stderr, "\n  user code ran on in a supervisor-only page after the host switched to user mode "
                "(cause 0x%08x, epc 0x%08x, %u instructions ran there)", cause, CRV(r, CR_EPC), REG(r, 9));
    CU_ASSERT_TRUE(refused);
    rig_free(r);
}

/* --- the shadow pager's reverse map --- */

/* guest, natively and then under every shadow policy with the isolation
 * checker: the bare machine prints want, and each VM must end as it did;
 * rule says, in a student's words, what broke when one does not.  more
 * (or NULL) checks the VM's end further, for one policy or all. */
static void every_policy_as_bare(const char *guest, const char *want, const char *rule,
                                 void (*more)(enum shadow_policy p, const struct guest_end *vm))
{
    struct elf_image img;
    guest_image(guest, &img);
    struct guest_run c = {.image = &img, .check = true};
    struct guest_end bare;
    guest_run_bare(&c, &bare);
    CU_ASSERT_STRING_EQUAL(bare.out, want);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct guest_end vm;
        char who[64], what[512];
        c.policy = (enum shadow_policy)p;
        guest_run_vmm(&c, &vm);
        snprintf(who, sizeof who, "guest %s, %s shadows", guest, shadow_policy_name(c.policy));
        expect_vm_as_bare(&bare, &vm, who, what, sizeof what);
        if (what[0])
            fprintf(stderr, "\n  %s: %s: %s%s%s", shadow_policy_name(c.policy), rule, what,
                    vm.state == VM_ISOLATION ? ": " : "", vm.state == VM_ISOLATION ? vm.violation.text : "");
        if (more)
            more(c.policy, &vm);
        guest_end_free(&vm);
    }
    guest_end_free(&bare);
    elf_free(&img);
}

/* The smallest shadow limit, 4 frames: a root, the level-2 tables of one
 * instruction's fetch and data, and a fault's room.  Each guest below has
 * instructions whose fetch and data lie in different 4 MiB regions, and
 * switches roots (user and supervisor, or ptb); at this limit every hidden
 * fault but the first of an instruction finds the limit nearly full.  A
 * rebuild that leaves room for one fault only makes rebuild go round for
 * ever at such an instruction (no instruction retires, so no instruction
 * limit ends it); a root made without making room first goes past the
 * limit.  Each must run as on the bare machine, under the isolation
 * checker (which also holds the limit), under every policy. */
static void test_smallest_shadow_limit_runs(void)
{
    static const struct {
        const char *guest, *boot;
        size_t disk;
    } cases[] = {{"paging", NULL, 0}, {"isocheck", NULL, DISK_BLOCK_SIZE}, {"ptbswitch", NULL, 0},
                 {"chaos", "a", 0},   {"irq", NULL, 0},                    {"sharedleaf", NULL, 0}};
    static const uint8_t disk[DISK_BLOCK_SIZE];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct elf_image img;
        guest_image(cases[i].guest, &img);
        struct guest_run c = {.image = &img, .boot = cases[i].boot, .disk = cases[i].disk ? disk : NULL,
                              .disk_len = cases[i].disk, .check = true, .shadow_frames = VMM_MIN_SHADOW_FRAMES};
        struct guest_end bare;
        guest_run_bare(&c, &bare);
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            struct guest_end vm;
            char who[96], what[512];
            c.policy = (enum shadow_policy)p;
            guest_run_vmm(&c, &vm);
            snprintf(who, sizeof who, "guest %s, %s shadows, a limit of %u shadow frames", cases[i].guest,
                     shadow_policy_name(c.policy), VMM_MIN_SHADOW_FRAMES);
            expect_vm_as_bare(&bare, &vm, who, what, sizeof what);
            RULE(!what[0], "a VM at the smallest shadow limit must run as on the bare machine",
                 "%s: %s%s%s (look at ensure_room and build_all in vmm/shadow.c)", who, what,
                 vm.message[0] ? ": " : "", vm.state == VM_ISOLATION ? vm.violation.text : vm.message);
            guest_end_free(&vm);
        }
        guest_end_free(&bare);
        elf_free(&img);
    }
}

/* farl2.s: at the default limit of 1024 frames, one instruction fetched
 * through the 1022nd of 1023 level-2 tables loads through the 1023rd,
 * neither of which a rebuild fills.  Each of its faults must keep what the
 * other made: a hostile guest otherwise hangs its VMM (no instruction
 * retires, so no instruction limit stops it). */
static void test_far_tables_instruction_retires(void)
{
    struct elf_image img;
    guest_image("farl2", &img);
    struct guest_run c = {.image = &img, .mem = 8u << 20};
    struct guest_end bare;
    guest_run_bare(&c, &bare);
    CU_ASSERT(bare.state == VM_HALTED && bare.value == 0); /* it read the 7 it mapped */
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct guest_end vm;
        char who[96], what[512];
        c.policy = (enum shadow_policy)p;
        guest_run_vmm(&c, &vm);
        snprintf(who, sizeof who, "guest farl2, %s shadows, the default limit", shadow_policy_name(c.policy));
        expect_vm_as_bare(&bare, &vm, who, what, sizeof what);
        RULE(!what[0], "an instruction whose fetch and data need two level-2 tables retires",
             "%s: %s%s%s (look at build_all and ensure_room in vmm/shadow.c)", who, what, vm.message[0] ? ": " : "",
             vm.message);
        guest_end_free(&vm);
    }
    guest_end_free(&bare);
    elf_free(&img);
}

/* Fewer frames than one instruction needs is refused when the VMM is made,
 * saying the least it takes; that many is taken. */
static void test_too_small_shadow_limit_refused(void)
{
    char err[200] = "";
    struct vmm_config vc = {.isa = ISA_PG, .shadow_frames = VMM_MIN_SHADOW_FRAMES - 1};
    struct vmm *v = vmm_new(&vc, 1u << 20, err, sizeof err);
    CU_ASSERT_PTR_NULL(v);
    char want[40];
    snprintf(want, sizeof want, "at least %u", VMM_MIN_SHADOW_FRAMES);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    if (v)
        vmm_free(v);
    vc.shadow_frames = VMM_MIN_SHADOW_FRAMES;
    v = vmm_new(&vc, 1u << 20, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(v);
    if (v)
        vmm_free(v);
}

/* A VMM that drops every shadow table at each page fault (INJECT_FAULT_ZAP)
 * never lets paging.s's user program finish an instruction that fetches
 * from one region and stores to another.  It must stop the VM, saying so,
 * at that instruction - not fault on for ever. */
static void test_no_progress_is_said(void)
{
    struct elf_image img;
    guest_image("paging", &img);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct guest_run c = {.image = &img, .policy = (enum shadow_policy)p, .inject = INJECT_FAULT_ZAP};
        struct guest_end vm;
        guest_run_vmm(&c, &vm);
        bool said = vm.state == VM_FAILED && strstr(vm.message, "page faults at pc") &&
                    strstr(vm.message, "without retiring it");
        RULE(said, "a VM that cannot retire an instruction is stopped, and the VMM says why",
             "%s shadows: the VM ended %s: %s", shadow_policy_name(c.policy), vm_state_name(vm.state), vm.message);
        char pc[24];
        snprintf(pc, sizeof pc, "pc 0x%08x", vm.pc);
        CU_ASSERT_PTR_NOT_NULL(strstr(vm.message, pc)); /* the instruction it is stuck at */
        guest_end_free(&vm);
    }
    elf_free(&img);
}

/* rmapcompact.s fills its VM's reverse map of writable shadow entries with
 * stale nodes, then turns the page they all map into a page table and
 * rewrites an entry through an old writable mapping: the VMM must have
 * kept that mapping in the map (compacting it, or flushing everything) and
 * made it read-only, so that the store reaches the shadow - "AB" as on the
 * bare machine, and a clean shadow audit. */
static void test_full_rmap_still_finds_writable_mappings(void)
{
    every_policy_as_bare("rmapcompact", "AB\n",
                         "a guest write to its page table through an old writable mapping did not reach the "
                         "shadow entry (the reverse map lost it?)",
                         NULL);
}

/* cache fills on demand: the one writable mapping of the page (va
 * 0x400000) was made read-only, and counted */
static void one_write_protect(enum shadow_policy p, const struct guest_end *vm)
{
    if (p != SHADOW_CACHE)
        return;
    if (vm->stats.write_protects != 1)
        fprintf(stderr, "\n  cache: %llu writable mappings counted as made read-only, not 1",
                (unsigned long long)vm->stats.write_protects);
    CU_ASSERT_EQUAL(vm->stats.write_protects, 1);
}

/* wpflush.s: a page written through a writable mapping becomes a page
 * table; the VMM makes the mapping read-only, and must flush the real TLB
 * as it does, or the next store through it slips past the shadow. */
static void test_new_table_write_protected_at_once(void)
{
    every_policy_as_bare("wpflush", "AB\n",
                         "a guest write to its new page table, through a mapping the TLB held writable, did not "
                         "reach the shadow entry",
                         one_write_protect);
}

/* sharedleaf.s: two roots link the shadow of one level-2 table; one link
 * is taken away, then the table's shadow is dropped (the kernel floods
 * it): every remaining link must go with it, under the isolation checker. */
static void flood_dropped(enum shadow_policy p, const struct guest_end *vm)
{
    if (p == SHADOW_CACHE)
        CU_ASSERT(vm->stats.shadow_dropped > 0); /* the flood did drop it */
}

static void test_dropped_table_unlinked_everywhere(void)
{
    every_policy_as_bare("sharedleaf", "ok\n",
                         "a dropped shadow table shared by two roots was still linked from one of them",
                         flood_dropped);
}

/* rootflood.s: the kernel floods its own current root, whose shadow the
 * VMM then drops while the CPU runs on it, from the middle of its hash
 * chain: a new root must take its place ("ok" as on the bare machine,
 * under the isolation checker). */
static void test_dropped_current_root_replaced(void)
{
    every_policy_as_bare("rootflood", "ok\n",
                         "the shadow of the current root was dropped, but the VMM kept running the guest on it",
                         NULL);
}

/* rmapfull.s: more writable mappings of one page than the reverse map
 * holds; the ones the VMM cannot remember must be read-only, so that when
 * the page becomes a page table a store through any of them reaches the
 * shadow ("AB" as on the bare machine). */
static void test_unremembered_mapping_read_only(void)
{
    every_policy_as_bare("rmapfull", "AB\n",
                         "with the reverse map full, a writable mapping the VMM could not remember let a guest "
                         "write to its page table past the shadow entry",
                         NULL);
}

/* --- a double fault (docs/isa.md 6) --- */

/* A break traps to the handler, whose first instruction loads from past
 * the end of memory: a bus error in supervisor mode at tvec, a double
 * fault.  The machine stops, its exit record naming the second trap's
 * cause and address; it took one trap (the break), not two. */
static void test_double_fault_names_cause_and_address(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    RIG_PUT(r, HANDLER, enc(OP_LW, 5, 6, 0, 0));
    RIG_PUT(r, CODE, enc(OP_LUI, 6, 0, 0, 0xf0), enc(OP_BREAK, 0, 0, 0, 0)); /* r6 = 0x00f00000 */
    CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_DOUBLE_FAULT);
    bool named = CAUSE_CODE(r->exit.cause) == CAUSE_BUS_ERROR && r->exit.addr == 0x00f00000u;
    if (!named)
        fprintf(stderr, "\n  a double fault's exit says cause 0x%08x at address 0x%08x, not the bus error at 0x00f00000",
                r->exit.cause, r->exit.addr);
    CU_ASSERT_TRUE(named);
    uint64_t taken = machine_traps_taken(r->m);
    if (taken != 1)
        fprintf(stderr, "\n  a break then a double fault: %llu traps counted as taken, not 1 (a double fault is not "
                "taken)", (unsigned long long)taken);
    CU_ASSERT_EQUAL(taken, 1);
    CU_ASSERT_EQUAL(CAUSE_CODE(CRV(r, CR_CAUSE)), CAUSE_BREAK); /* what the one trap taken left */
    rig_free(r);
}

/* rmaprotate.s leaves 70,000 nodes in its VM's reverse map, all stale but
 * one: the map must be compacted to what is still true, not dropped with
 * every shadow (cache keeps its one full flush, the VM's first). */
static void test_stale_rmap_compacted_not_flushed(void)
{
    struct elf_image img;
    guest_image("rmaprotate", &img);
    struct guest_run c = {.image = &img, .policy = SHADOW_CACHE};
    struct guest_end bare, vm;
    char what[512];
    guest_run_bare(&c, &bare);
    CU_ASSERT_EQUAL(bare.state, VM_HALTED);
    guest_run_vmm(&c, &vm);
    expect_vm_as_bare(&bare, &vm, "guest rmaprotate, cache shadows", what, sizeof what);
    if (vm.stats.shadow_flushes != 1)
        fprintf(stderr, "\n  a reverse map full of stale nodes was not compacted: %llu full flushes, not 1",
                (unsigned long long)vm.stats.shadow_flushes);
    CU_ASSERT_EQUAL(vm.stats.shadow_flushes, 1);
    guest_end_free(&vm);
    guest_end_free(&bare);
    elf_free(&img);
}

void suite_rules(void)
{
    CU_pSuite s = CU_add_suite("rules", NULL, NULL);
    CU_add_test(s, "the mutator lists every point of a small C file, and nothing else", test_mutator_points);
    CU_add_test(s, "each mutated copy is the original with exactly one change", test_mutator_copies);
    CU_add_test(s, "the mutator refuses a file it cannot read, saying where", test_mutator_refuses);
    CU_add_test(s, "a page fault's decision names the address, the guest entry and the shadow entry",
                test_fault_decision_names_address);
    CU_add_test(s, "a delivered interrupt's decision names it, the guest at its handler",
                test_interrupt_decision_says_so);
    CU_add_test(s, "a page-table write's decision shows the entry before and after", test_tracing_decision_before_after);
    CU_add_test(s, "a true page fault's decision names the cause the guest then sees", test_true_fault_decision_names_cause);
    CU_add_test(s, "going back to a cached shadow counts as a reuse", test_cached_shadow_reuse_counted);
    CU_add_test(s, "a hidden fault counts the shadow entry it fills", test_hidden_fault_counts_entry);
    CU_add_test(s, "a VM stopped by its instruction limit ends as the bare machine does", test_limit_stops_like_bare);
    CU_add_test(s, "a VM stopped by its instruction limit: a limit exit, said and counted", test_limit_exit_counted);
    CU_add_test(s, "a VM whose disk fails stops there: no interrupt is delivered after", test_failed_disk_delivers_nothing);
    CU_add_test(s, "user mode set by the host cannot run on in a supervisor page", test_host_mode_switch_refetches);
    CU_add_test(s, "a double fault names its cause and address, and is not a trap taken",
                test_double_fault_names_cause_and_address);
    CU_add_test(s, "a full reverse map still finds every writable mapping of a new page table",
                test_full_rmap_still_finds_writable_mappings);
    CU_add_test(s, "a reverse map full of stale entries is compacted, not flushed", test_stale_rmap_compacted_not_flushed);
    CU_add_test(s, "a page that becomes a page table is write-protected at once, TLB included",
                test_new_table_write_protected_at_once);
    CU_add_test(s, "a dropped shadow table is unlinked from every root that shared it",
                test_dropped_table_unlinked_everywhere);
    CU_add_test(s, "a dropped current root is replaced, not run on", test_dropped_current_root_replaced);
    CU_add_test(s, "a VM at the smallest shadow limit runs as on the bare machine", test_smallest_shadow_limit_runs);
    CU_add_test(s, "an instruction whose fetch and data need two far level-2 tables retires",
                test_far_tables_instruction_retires);
    CU_add_test(s, "fewer shadow frames than one instruction needs are refused", test_too_small_shadow_limit_refused);
    CU_add_test(s, "a VM that cannot retire an instruction is stopped, saying why", test_no_progress_is_said);
    CU_add_test(s, "a writable mapping the reverse map cannot hold is made read-only",
                test_unremembered_mapping_read_only);
}
