/*
 * extra.c - an instructor's hidden tests (GRADE_EXTRA=DIR): every
 * DIR/labN/NAME.s is a guest program, assembled and run on the bare
 * machine and, from lab 2 on, under the VMM too, which must agree with it
 * byte for byte (console and exit status); DIR/labN/NAME.expect, when
 * there, is the console it must print.  Lines at the top of NAME.s set
 * what the test needs (docs/labs/README.md):
 *
 *   ; points: 10            what it is worth (default 5)
 *   ; summary: ...          its line in the report
 *   ; isa: x86like          the machine (both runs)
 *   ; vmm: --shadow demand  more options for the run under the VMM
 *   ; boot: STRING          the boot argument (both runs)
 *   ; max-insns: N          a limit on both runs (default 50000000)
 *
 * The file is assembled with -I at the project's root, so a hidden test
 * of lab 1 can .include the student's routines.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "grade_impl.h"

struct hidden {
    char name[128];
    char path[4096];
    char expect[4096];
    char summary[256];
    char isa[32];
    char vmm[512];
    char boot[512];
    char max_insns[32];
    int lab, points;
};

static struct hidden *hidden;
static size_t nhidden;

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = 0;
}

/* The `; key: value` lines at the top of the file. */
static bool read_header(struct hidden *h)
{
    FILE *f = fopen(h->path, "r");
    if (!f) {
        fprintf(stderr, "grade: %s: cannot read\n", h->path);
        return false;
    }
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f) && line[0] == ';') {
        lineno++;
        trim(line);
        char *p = line + 1 + strspn(line + 1, " ");
        char *colon = strchr(p, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *v = colon + 1 + strspn(colon + 1, " ");
        if (!strcmp(p, "points")) {
            char *end;
            long x = strtol(v, &end, 10);
            if (*end || x < 0 || x > 1000) {
                fprintf(stderr, "%s:%d:%d: error: points: not a number from 0 to 1000: '%s'\n", h->path, lineno,
                        (int)(v - line) + 1, v);
                fclose(f);
                return false;
            }
            h->points = (int)x;
        } else if (!strcmp(p, "summary")) {
            snprintf(h->summary, sizeof h->summary, "%s", v);
        } else if (!strcmp(p, "isa")) {
            snprintf(h->isa, sizeof h->isa, "%s", v);
        } else if (!strcmp(p, "vmm")) {
            snprintf(h->vmm, sizeof h->vmm, "%s", v);
        } else if (!strcmp(p, "boot")) {
            snprintf(h->boot, sizeof h->boot, "%s", v);
        } else if (!strcmp(p, "max-insns")) {
            snprintf(h->max_insns, sizeof h->max_insns, "%s", v);
        }
    }
    fclose(f);
    return true;
}

/* argv for one run: vrun [--native] [--isa X] [--boot S] -n N [VMM options] IMAGE */
static void run_one(struct lab_ctx *t, const struct hidden *h, const char *elf, bool native, struct lab_run *r)
{
    const char *argv[48];
    int n = 0;
    char vmm[512];
    argv[n++] = "vrun";
    if (native)
        argv[n++] = "--native";
    else
        argv[n++] = "--check-isolation";
    if (h->isa[0])
        argv[n++] = "--isa", argv[n++] = h->isa;
    if (h->boot[0])
        argv[n++] = "--boot", argv[n++] = h->boot;
    argv[n++] = "-n";
    argv[n++] = h->max_insns[0] ? h->max_insns : "50000000";
    snprintf(vmm, sizeof vmm, "%s", h->vmm);
    for (char *tok = strtok(vmm, " \t"); !native && tok && n < 44; tok = strtok(NULL, " \t"))
        argv[n++] = lab_str(t, "%s", tok);
    argv[n++] = elf;
    argv[n] = NULL;
    lab_spawn(t, argv, NULL, 30, r);
}

static void run_hidden(struct lab_ctx *t)
{
    const struct hidden *h = NULL;
    for (size_t i = 0; i < nhidden; i++)
        if (!strcmp(hidden[i].name, t->test->name))
            h = &hidden[i];
    if (!h)
        return;
    const char *elf = lab_str(t, "%s/%s.elf", lab_scratch(t), h->name);
    const char *argv[] = {"vasm", "-I", lab_root(t), "-o", elf, h->path, NULL};
    struct lab_run a;
    lab_spawn(t, argv, NULL, 20, &a);
    if (a.status != 0) {
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "%s to assemble", h->path),
                                         .happened = lab_str(t, "the assembler said:\n%s", a.err)});
        return;
    }
    struct lab_run nat, vm;
    run_one(t, h, elf, true, &nat);
    char *expect = h->expect[0] ? lab_read_file(h->expect) : NULL;
    if (expect && strcmp(expect, nat.out))
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "the console of %s:\n%s", h->expect, expect),
                        .happened = lab_str(t, "on the bare machine it printed:\n%s", nat.out),
                    });
    free(expect);
    if (h->lab < 2)
        return;
    run_one(t, h, elf, false, &vm);
    if (vm.status != nat.status || strcmp(vm.out, nat.out))
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "the same console and exit status (%d) as the bare machine", nat.status),
                        .happened = lab_str(t, "under the VMM: exit status %d, console:\n%s\nstderr:\n%s", vm.status,
                                            vm.out, vm.err),
                        .vmon = lab_str(t, "%s/bin/vrun --lockstep %s%s %s (names the first instruction that differs)",
                                        lab_build(t), h->isa[0] ? "--isa " : "", h->isa, elf),
                    });
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct hidden *)a)->name, ((const struct hidden *)b)->name);
}

struct lab_test *extra_tests(int lab, const char *dir, size_t *count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lab%d", dir, lab);
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "grade: GRADE_EXTRA=%s: not a directory\n", dir);
        *count = (size_t)-1;
        return NULL;
    }
    closedir(d);
    d = opendir(path);
    if (!d)
        return NULL; /* no hidden tests for this lab */
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".s") || n - 2 >= sizeof hidden->name - 7)
            continue;
        struct hidden *nh = realloc(hidden, (nhidden + 1) * sizeof *nh);
        if (!nh)
            break;
        hidden = nh;
        struct hidden *h = &hidden[nhidden];
        memset(h, 0, sizeof *h);
        if (snprintf(h->name, sizeof h->name, "hidden-%.*s", (int)(n - 2), e->d_name) >= (int)sizeof h->name ||
            snprintf(h->path, sizeof h->path, "%s/%s", path, e->d_name) >= (int)sizeof h->path ||
            snprintf(h->expect, sizeof h->expect, "%s/%.*s.expect", path, (int)(n - 2), e->d_name) >=
                (int)sizeof h->expect)
            continue; /* a name too long to be a test's */
        FILE *x = fopen(h->expect, "r");
        if (x)
            fclose(x);
        else
            h->expect[0] = 0;
        h->lab = lab;
        h->points = 5;
        if (!read_header(h)) {
            closedir(d);
            *count = (size_t)-1;
            return NULL;
        }
        if (!h->summary[0])
            snprintf(h->summary, sizeof h->summary, "%s", lab < 2 ? "an instructor's test: the console it must print"
                                                                  : "an instructor's test: the VMM as the bare machine");
        nhidden++;
    }
    closedir(d);
    qsort(hidden, nhidden, sizeof *hidden, by_name);
    struct lab_test *tests = calloc(nhidden ? nhidden : 1, sizeof *tests);
    if (!tests) {
        *count = (size_t)-1;
        return NULL;
    }
    for (size_t i = 0; i < nhidden; i++)
        tests[i] = (struct lab_test){.name = hidden[i].name,
                                     .points = hidden[i].points,
                                     .summary = hidden[i].summary,
                                     .look = "the test's program, and the lab's handout",
                                     .run = run_hidden};
    *count = nhidden;
    return tests;
}
