/*
 * test_vexp.c - the experiment runner, vexp ($VMLAB_BIN/vexp), running
 * the optimised vrun ($VMLAB_REL_BIN, else $VMLAB_BIN) on the real guest
 * kernel.
 *
 * What vexp reports is checked against sources of its own: vrun runs made
 * here (--native --stats-json for the counts, --lockstep for the
 * divergence, the two consoles compared here byte by byte) and the
 * kernel's symbol map (build/guest-os/kernel.map, written by vasm) for
 * where the x86like divergence lies; never against vexp's earlier output,
 * except in the two tests whose point is that a rerun gives the same
 * counts, and that docs/experiments.md is the output of the current tree.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_strict.h"
#include "runvrun.h"
#include "scratch.h"
#include "workloads.h"

#define KERNEL GUEST_KERNEL
#define KERNEL_MAP "build/guest-os/kernel.map"

static char *dir, *vexp_path, *vrun_path;

static char *bin(const char *env, const char *name)
{
    const char *d = getenv(env);
    if (!d || !*d)
        return NULL;
    size_t n = strlen(d) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", d, name);
    return p;
}

static int suite_init(void)
{
    vexp_path = bin("VMLAB_BIN", "vexp");
    vrun_path = bin("VMLAB_REL_BIN", "vrun");
    if (!vrun_path)
        vrun_path = bin("VMLAB_BIN", "vrun");
    dir = scratch_dir("vexp");
    return vexp_path && vrun_path && dir ? 0 : 1;
}

static int suite_clean(void)
{
    tmpdir_remove(dir);
    free(vexp_path);
    free(vrun_path);
    dir = vexp_path = vrun_path = NULL;
    return 0;
}

/* vexp with args (NULL-terminated), killed after timeout seconds. */
static void vexp(struct res *r, unsigned timeout, const char *const *args)
{
    struct vrun_setup s = {.timeout = timeout};
    run_vrun_with(vexp_path, dir, r, &s, args);
}

#define VEXP(r, t, ...) vexp((r), (t), (const char *[]){__VA_ARGS__, NULL})

/* ---- CSV ---- */

#define MAX_ROWS 64
#define MAX_COLS 256

struct csv {
    char *text;
    int nrows, ncols;
    char *cell[MAX_ROWS][MAX_COLS]; /* row 0: the header */
};

/* RFC 4180: fields quoted with "" when they hold a comma, quote or newline. */
static bool csv_parse(struct csv *c, char *text)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    if (!text)
        return false;
    char *p = text, *w;
    int row = 0, col = 0;
    while (*p && row < MAX_ROWS) {
        c->cell[row][col] = w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    return false;
                if (p[0] == '"' && p[1] == '"')
                    *w++ = '"', p += 2;
                else if (p[0] == '"') {
                    p++;
                    break;
                } else
                    *w++ = *p++;
            }
        } else
            while (*p && *p != ',' && *p != '\n')
                *w++ = *p++;
        char end = *p;
        *w = 0;
        if (end)
            p++;
        if (end == ',' && col + 1 < MAX_COLS)
            col++;
        else {
            if (row == 0)
                c->ncols = col + 1;
            else if (col + 1 != c->ncols)
                return false;
            row++;
            col = 0;
        }
    }
    c->nrows = row;
    return row > 0;
}

static const char *csv_get(const struct csv *c, int row, const char *name)
{
    for (int k = 0; k < c->ncols; k++)
        if (strcmp(c->cell[0][k], name) == 0)
            return c->cell[row][k];
    return NULL;
}

/* The row of cell "workload/isa/technique/shadow", or -1. */
static int csv_row(const struct csv *c, const char *name)
{
    char buf[512];
    for (int r = 1; r < c->nrows; r++) {
        snprintf(buf, sizeof buf, "%s/%s/%s/%s", csv_get(c, r, "workload"), csv_get(c, r, "isa"),
                 csv_get(c, r, "technique"), csv_get(c, r, "shadow"));
        if (strcmp(buf, name) == 0)
            return r;
    }
    fprintf(stderr, "\n  no row for the cell %s", name);
    return -1;
}

static bool eq(const char *what, const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n  %s: got '%s', wanted '%s'", what, got ? got : "(none)", want ? want : "(none)");
    return false;
}

#define CU_ASSERT_EQ(what, got, want) CU_ASSERT(eq((what), (got), (want)))

/* ---- independent references ---- */

/* A number after key in a vrun --stats-json text ("instructions": N). */
static long long json_number(const char *text, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = text ? strstr(text, k) : NULL;
    return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

/* The address of symbol name in a vasm map ("00002df0  .text  local  name"). */
static long map_symbol(const char *name)
{
    char *map = file_bytes(KERNEL_MAP, NULL);
    long v = -1;
    for (char *line = map ? strtok(map, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        char *last = strrchr(line, ' ');
        if (last && strcmp(last + 1, name) == 0)
            v = strtol(line, NULL, 16);
    }
    free(map);
    return v;
}

static bool gnuplot_here(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

/* ---- a small matrix ---- */

static void test_small_matrix(void)
{
    const char *out = path_in(dir, "small");
    struct res r;
    VEXP(&r, 120, "--vrun", vrun_path, "--image", KERNEL, "--workload", "hello=hello", "--isa", "pg,x86like",
         "--technique", "native,trap-and-emulate", "--shadow", "cache", "--runs", "1", "--out", out, "-q");
    CU_ASSERT(r.exited && r.status == 0);
    CU_ASSERT_EQUAL(r.outlen, 0);
    if (r.status)
        fprintf(stderr, "\n  vexp said: %s", r.err);
    CU_ASSERT(gnuplot_here() || strstr(r.err, "vexp: plots skipped: ") != NULL);
    res_free(&r);

    size_t len;
    char *json = file_bytes(path_in(out, "matrix.json"), &len), why[256];
    CU_ASSERT_FATAL(json != NULL);
    bool strict = json_strict(json, len, why, sizeof why);
    CU_ASSERT(strict);
    if (!strict)
        fprintf(stderr, "\n  matrix.json: %s", why);
    CU_ASSERT(strstr(json, "\"cells\": [") != NULL);
    /* the silent places as a list: on x86like the one rdsr of
     * assert_supervisor (the kernel's map says where) before the panic;
     * nothing is silent on pg */
    char place[160];
    snprintf(place, sizeof place, "\"silent_sensitive_by_pc\": [{\"pc\": %ld, \"insn\": \"rdsr\", \"count\": 1}]",
             map_symbol("assert_supervisor"));
    CU_ASSERT(strstr(json, place) != NULL);
    if (!strstr(json, place))
        fprintf(stderr, "\n  matrix.json: no %s", place);
    CU_ASSERT(strstr(json, "\"silent_sensitive_by_pc\": []") != NULL);
    free(json);

    static struct csv c;
    CU_ASSERT_FATAL(csv_parse(&c, file_bytes(path_in(out, "matrix.csv"), NULL)));
    CU_ASSERT_EQUAL(c.nrows, 5); /* the header and four cells, in order */
    static const char *const order[] = {"hello/pg/native/-", "hello/pg/trap-and-emulate/cache",
                                        "hello/x86like/native/-", "hello/x86like/trap-and-emulate/cache"};
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(csv_row(&c, order[i]), i + 1);
    int pn = csv_row(&c, order[0]), pt = csv_row(&c, order[1]), xt = csv_row(&c, order[3]);
    CU_ASSERT_FATAL(pn > 0 && pt > 0 && xt > 0);

    /* the counts: those of vrun --native --stats-json, run here */
    struct res n;
    const char *sj = path_in(dir, "native.json");
    run_vrun(vrun_path, dir, &n, NULL, 0,
             (const char *[]){"--native", "--boot", "hello", "--stats-json", sj, KERNEL, NULL});
    char *stats = file_bytes(sj, NULL);
    char want[32];
    snprintf(want, sizeof want, "%lld", json_number(stats, "instructions"));
    CU_ASSERT(json_number(stats, "instructions") > 100000);
    CU_ASSERT_EQ("pg native instructions", csv_get(&c, pn, "instructions"), want);
    CU_ASSERT_EQ("pg trap-and-emulate instructions", csv_get(&c, pt, "instructions"), want);
    free(stats);

    /* pg: equivalent */
    CU_ASSERT_EQ("pg equivalent", csv_get(&c, pt, "equivalent"), "yes");
    CU_ASSERT_EQ("pg lockstep", csv_get(&c, pt, "lockstep"), "agree");
    CU_ASSERT_EQ("pg console", csv_get(&c, pt, "console"), "same");
    CU_ASSERT_EQ("pg status", csv_get(&c, pt, "status"), "ok");
    CU_ASSERT_EQ("pg exit", csv_get(&c, pt, "exit_cell"), "0");
    CU_ASSERT(strtod(csv_get(&c, pt, "ratio"), NULL) > 0);

    /* x86like: the divergence, where lockstep (run here) and the map put it */
    CU_ASSERT_EQ("x86like equivalent", csv_get(&c, xt, "equivalent"), "no");
    CU_ASSERT_EQ("x86like lockstep", csv_get(&c, xt, "lockstep"), "differ");
    struct res l;
    run_vrun(vrun_path, dir, &l, NULL, 0,
             (const char *[]){"--lockstep", "--isa", "x86like", "--boot", "hello", KERNEL, NULL});
    const char *after = strstr(l.out, "first difference after instruction ");
    CU_ASSERT_FATAL(l.exited && l.status == 3 && after != NULL);
    snprintf(want, sizeof want, "%lld", strtoll(after + strlen("first difference after instruction "), NULL, 10));
    CU_ASSERT_EQ("x86like instret", csv_get(&c, xt, "div_instret"), want);
    long pc = map_symbol("assert_supervisor");
    CU_ASSERT(pc > 0);
    snprintf(want, sizeof want, "0x%08lx", pc);
    CU_ASSERT_EQ("x86like pc (assert_supervisor in kernel.map)", csv_get(&c, xt, "div_pc"), want);
    CU_ASSERT_EQ("x86like symbol", csv_get(&c, xt, "div_symbol"), "assert_supervisor");
    CU_ASSERT(strncmp(csv_get(&c, xt, "div_insn"), "rdsr ", 5) == 0);
    CU_ASSERT_EQ("x86like mode", csv_get(&c, xt, "div_mode"), "supervisor");
    res_free(&l);

    /* the consoles, compared here */
    struct res v;
    run_vrun(vrun_path, dir, &v, NULL, 0, (const char *[]){"--isa", "x86like", "--boot", "hello", KERNEL, NULL});
    size_t k = 0;
    while (k < n.outlen && k < v.outlen && n.out[k] == v.out[k])
        k++;
    CU_ASSERT(k < n.outlen);
    snprintf(want, sizeof want, "%zu", k);
    CU_ASSERT_EQ("x86like console", csv_get(&c, xt, "console"), "differs");
    CU_ASSERT_EQ("x86like console offset", csv_get(&c, xt, "console_offset"), want);
    CU_ASSERT(strncmp(csv_get(&c, xt, "console_cell"), v.out + k, 8) == 0);
    res_free(&v);
    res_free(&n);
    free(c.text);

    char *md = file_bytes(path_in(out, "matrix.md"), NULL);
    CU_ASSERT(md && strstr(md, "| hello | x86like | trap-and-emulate | shadow | cache | no | after instruction ") != NULL);
    CU_ASSERT(md && strstr(md, "## Exits, page faults and shadow tables") != NULL);
    free(md);
    if (gnuplot_here()) {
        char *svg = file_bytes(path_in(out, "slowdown.svg"), NULL), *png = file_bytes(path_in(out, "exits.png"), &len);
        CU_ASSERT(svg && strstr(svg, "<svg") != NULL);
        CU_ASSERT(png && len > 8 && memcmp(png, "\x89PNG", 4) == 0);
        free(svg);
        free(png);
    }
}

/* ---- crashed cells ---- */

/* A copy of the kernel at path, with its "init: done" changed to
 * "init: DONE": the same program, which prints something else. */
static void kernel_variant(const char *path, bool changed)
{
    size_t len;
    char *k = file_bytes(KERNEL, &len);
    CU_ASSERT_FATAL(k != NULL);
    char *at = NULL;
    for (size_t i = 0; i + 10 <= len && !at; i++)
        if (memcmp(k + i, "init: done", 10) == 0)
            at = k + i;
    CU_ASSERT_FATAL(at != NULL);
    if (changed)
        memcpy(at + 6, "DONE", 4);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(k, 1, len, f) == len);
    fclose(f);
    free(k);
}

/* --image-for: a technique's cells run its own kernel build, compared with
 * the default image's native run by console only, without lockstep.  Here
 * the trap-and-emulate cells run a kernel that prints "init: DONE" (its
 * console differs: "no") and the hybrid cells an unchanged copy, named
 * relative to the default image's directory ("console"). */
static void test_image_for(void)
{
    const char *out = path_in(dir, "images"), *changed = path_in(dir, "kernel-changed.elf");
    const char *copy = "kernel-copy-vexp-test.elf", *copy_path = "build/guest-os/kernel-copy-vexp-test.elf";
    kernel_variant(changed, true);
    kernel_variant(copy_path, false);
    char tae[4200], hyb[4200];
    snprintf(tae, sizeof tae, "trap-and-emulate=%s", changed);
    snprintf(hyb, sizeof hyb, "hybrid=%s", copy);
    struct res r;
    VEXP(&r, 120, "--vrun", vrun_path, "--image", KERNEL, "--workload", "hello=hello", "--isa", "pg", "--technique",
         "native,trap-and-emulate,hybrid", "--shadow", "cache", "--runs", "1", "--image-for", tae, "--image-for", hyb,
         "--out", out, "-q");
    remove(copy_path);
    CU_ASSERT(r.exited && r.status == 0);
    if (r.status)
        fprintf(stderr, "\n  vexp said: %s", r.err);
    res_free(&r);
    static struct csv c;
    CU_ASSERT_FATAL(csv_parse(&c, file_bytes(path_in(out, "matrix.csv"), NULL)));
    int t = csv_row(&c, "hello/pg/trap-and-emulate/cache"), h = csv_row(&c, "hello/pg/hybrid/cache");
    CU_ASSERT_FATAL(t > 0 && h > 0);
    CU_ASSERT_EQ("another program: not equivalent", csv_get(&c, t, "equivalent"), "no");
    CU_ASSERT_EQ("another program: its console", csv_get(&c, t, "console"), "differs");
    CU_ASSERT(strncmp(csv_get(&c, t, "console_cell"), "DONE", 4) == 0); /* where it differs */
    CU_ASSERT_EQ("another program: no lockstep", csv_get(&c, t, "lockstep"), "-");
    CU_ASSERT_EQ("the kernel's copy: the same console", csv_get(&c, h, "equivalent"), "console");
    CU_ASSERT_EQ("the kernel's copy: no lockstep", csv_get(&c, h, "lockstep"), "-");
    free(c.text);
    /* a matrix file's image line, with a technique that does not exist */
    const char *m = path_in(dir, "images.matrix");
    FILE *f = fopen(m, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("workload hello=hello\nimage nosuch=kernel.elf\n", f);
    fclose(f);
    VEXP(&r, 30, "--vrun", vrun_path, "--image", KERNEL, "--matrix", m, "--out", out, "-q");
    CU_ASSERT(r.exited && r.status == 1);
    CU_ASSERT(strstr(r.err, "images.matrix:2:1: error: 'nosuch': no technique of that name") != NULL);
    res_free(&r);
    /* two images for one technique; an image that cannot be read */
    f = fopen(m, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("workload hello=hello\nimage pv=a.elf\nimage pv=b.elf\n", f);
    fclose(f);
    VEXP(&r, 30, "--vrun", vrun_path, "--image", KERNEL, "--matrix", m, "--out", out, "-q");
    CU_ASSERT(r.exited && r.status == 1);
    CU_ASSERT(strstr(r.err, "images.matrix:3:1: error: two images for 'pv'") != NULL);
    res_free(&r);
    VEXP(&r, 30, "--vrun", vrun_path, "--image", KERNEL, "--workload", "hello=hello", "--image-for", "pv=nosuch.elf",
         "--out", out, "-q");
    CU_ASSERT(r.exited && r.status == 1);
    CU_ASSERT(strstr(r.err, "vexp: build/guest-os/nosuch.elf: cannot read it (the image of pv): ") != NULL);
    res_free(&r);
}

static void test_crashed_cell(void)
{
    /* a vrun that kills itself for x86like and is the real one otherwise */
    const char *script = path_in(dir, "killer.sh");
    char text[4200];
    snprintf(text, sizeof text, "#!/bin/sh\ncase \"$*\" in *x86like*) kill -SEGV $$ ;; esac\nexec %s \"$@\"\n",
             vrun_path);
    spit(script, text, strlen(text));
    CU_ASSERT_FATAL(chmod(script, 0755) == 0);
    const char *out = path_in(dir, "crash");
    struct res r;
    VEXP(&r, 120, "--vrun", script, "--image", KERNEL, "--workload", "hello=hello", "--isa", "pg,x86like",
         "--technique", "native,trap-and-emulate", "--shadow", "cache", "--runs", "1", "--out", out, "-q");
    CU_ASSERT(r.exited && r.status == 0);
    res_free(&r);
    static struct csv c;
    CU_ASSERT_FATAL(csv_parse(&c, file_bytes(path_in(out, "matrix.csv"), NULL)));
    CU_ASSERT_EQUAL(c.nrows, 5);
    int pt = csv_row(&c, "hello/pg/trap-and-emulate/cache"), xt = csv_row(&c, "hello/x86like/trap-and-emulate/cache"),
        xn = csv_row(&c, "hello/x86like/native/-");
    CU_ASSERT_FATAL(pt > 0 && xt > 0 && xn > 0);
    CU_ASSERT_EQ("the others run", csv_get(&c, pt, "equivalent"), "yes");
    CU_ASSERT_EQ("crashed", csv_get(&c, xt, "status"), "crashed");
    CU_ASSERT_EQ("crashed", csv_get(&c, xn, "status"), "crashed");
    char sig[64];
    snprintf(sig, sizeof sig, "killed by signal %d", SIGSEGV);
    CU_ASSERT(strstr(csv_get(&c, xt, "message"), sig) != NULL);
    free(c.text);

    /* a workload that does not end in time */
    out = path_in(dir, "timeout");
    VEXP(&r, 60, "--vrun", vrun_path, "--image", KERNEL, "--workload", "long=syscalls 1000000000", "--workload",
         "hello=hello", "--isa", "pg", "--technique", "native", "--runs", "1", "--cell-timeout", "1", "--out", out,
         "-q");
    CU_ASSERT(r.exited && r.status == 0);
    res_free(&r);
    CU_ASSERT_FATAL(csv_parse(&c, file_bytes(path_in(out, "matrix.csv"), NULL)));
    int lg = csv_row(&c, "long/pg/native/-"), he = csv_row(&c, "hello/pg/native/-");
    CU_ASSERT_FATAL(lg > 0 && he > 0);
    CU_ASSERT_EQ("timed out", csv_get(&c, lg, "status"), "crashed");
    CU_ASSERT(strstr(csv_get(&c, lg, "message"), "timed out after 1 s") != NULL);
    CU_ASSERT_EQ("the other runs", csv_get(&c, he, "status"), "ok");
    free(c.text);
}

/* ---- bad usage ---- */

static void test_bad_usage(void)
{
    const char *out = path_in(dir, "never");
    static const char *const bad[][4] = {
        {"--runs", "0"},
        {"--runs", "x"},
        {"--jobs", "-1"},
        {"--isa", "arm"},
        {"--technique", "paravirt"},
        {"--shadow", "lazy"},
        {"--shadow", ""},
        {"--workload", "a/b=hello"},
        {"--cell-timeout", "0"},
        {"--frobnicate"},
        {"--template", "docs/experiments.in.md"},
        {"operand"},
        {"--isa", "pg,pg"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct res r;
        const char *args[8] = {"--out", out};
        int n = 2;
        for (int k = 0; k < 4 && bad[i][k]; k++)
            args[n++] = bad[i][k];
        args[n] = NULL;
        vexp(&r, 10, args);
        bool ok = r.exited && r.status == 2 && r.outlen == 0 && strncmp(r.err, "vexp: ", 6) == 0 &&
                  strchr(r.err, '\n') == r.err + r.errlen - 1;
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "\n  vexp %s %s: status %d, stderr: %s", bad[i][0], bad[i][1] ? bad[i][1] : "", r.status,
                    r.err);
        res_free(&r);
    }
    struct stat st;
    CU_ASSERT(stat(out, &st) != 0);

    /* a bad matrix file: where, compiler-style, status 1 */
    const char *m = path_in(dir, "bad.matrix");
    spit(m, "workload hello=hello\nisa pg\nshadoww cache\n", 43);
    struct res r;
    VEXP(&r, 10, "--matrix", m, "--out", out);
    char want[4200];
    snprintf(want, sizeof want, "%s:3:1: error: 'shadoww': not workload, isa, technique, shadow, mmu, runs or image\n", m);
    CU_ASSERT(r.exited && r.status == 1);
    CU_ASSERT_EQ("bad matrix", r.err, want);
    res_free(&r);
}

/* ---- the same counts on a rerun ---- */

/* matrix.csv with the times' columns emptied. */
static char *counts_only(const char *path)
{
    static struct csv c;
    if (!csv_parse(&c, file_bytes(path, NULL)))
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    for (int r = 0; s && r < c.nrows; r++)
        for (int k = 0; k < c.ncols; k++) {
            bool time = r > 0 && (strncmp(c.cell[0][k], "t_", 2) == 0 || strncmp(c.cell[0][k], "ratio", 5) == 0);
            n += (size_t)snprintf(s + n, cap - n, "%s%c", time ? "" : c.cell[r][k], k + 1 == c.ncols ? '\n' : ',');
            if (n >= cap)
                break;
        }
    free(c.text);
    return s;
}

static void test_rerun_same_counts(void)
{
    char *first = NULL;
    for (int i = 0; i < 2; i++) {
        const char *out = path_in(dir, i ? "rerun2" : "rerun1");
        struct res r;
        VEXP(&r, 120, "--vrun", vrun_path, "--image", KERNEL, "--workload", "dirty=dirty", "--workload",
             "hello=hello", "--isa", "pg,x86like", "--technique", "native,trap-and-emulate", "--shadow",
             "demand,cache", "--runs", "1", "--jobs", "2", "--out", out, "-q");
        CU_ASSERT(r.exited && r.status == 0);
        res_free(&r);
        char *s = counts_only(path_in(out, "matrix.csv"));
        CU_ASSERT_FATAL(s != NULL);
        CU_ASSERT(strstr(s, "exits.EMULATED") != NULL);
        if (!first)
            first = s;
        else {
            CU_ASSERT_EQ("the counts of a rerun", s, first);
            free(s);
        }
    }
    free(first);
}

/* ---- docs/experiments.md is current ---- */

#define MAX_TROWS 1024

/* The rows of every table in a Markdown text, each with its slowdown and
 * spread columns (the times) emptied; *n of them, malloc'd strings. */
static int table_rows(const char *text, char **rows)
{
    int n = 0, time_col[64] = {0};
    bool in_table = false, header = false;
    for (const char *line = text; line && *line && n < MAX_TROWS;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (line[0] != '|')
            in_table = false;
        else if (!in_table) {
            in_table = header = true;
            memset(time_col, 0, sizeof time_col);
            int col = 0;
            for (size_t i = 1; i < len && col < 64; i++)
                if (line[i] == '|')
                    col++;
                else if (strncmp(line + i, " slowdown ", 10) == 0 || strncmp(line + i, " spread ", 8) == 0)
                    time_col[col] = 1;
        } else if (header)
            header = false; /* the |---| line */
        else {
            char *row = malloc(len + 1);
            size_t o = 0;
            int col = 0;
            for (size_t i = 0; i < len; i++) {
                if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) {
                    row[o++] = '|';
                    col = i ? col + 1 : 0;
                } else if (col < 64 && !time_col[col])
                    row[o++] = line[i];
            }
            row[o] = 0;
            rows[n++] = row;
        }
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

static void test_doc_current(void)
{
    char *doc = file_bytes("docs/experiments.md", NULL);
    CU_ASSERT_FATAL(doc != NULL);
    CU_ASSERT(strncmp(doc, "<!-- Generated by `make experiments`", 36) == 0);
    /* a sample of the standard matrix: its workloads and ISAs, native and
     * trap-and-emulate with cache shadows */
    const char *out = path_in(dir, "sample");
    struct res r;
    struct vrun_setup s = {.timeout = 170};
    run_vrun_with(vexp_path, dir, &r, &s,
                  (const char *[]){"--matrix", "docs/experiments.matrix", "--vrun", vrun_path, "--image", KERNEL,
                                   "--technique", "native,trap-and-emulate", "--shadow", "cache", "--runs", "1",
                                   "--out", out, "-q", NULL});
    CU_ASSERT(r.exited && r.status == 0);
    res_free(&r);
    char *md = file_bytes(path_in(out, "matrix.md"), NULL);
    CU_ASSERT_FATAL(md != NULL);
    static char *fresh[MAX_TROWS], *committed[MAX_TROWS];
    int nf = table_rows(md, fresh), nc = table_rows(doc, committed), found = 0;
    CU_ASSERT(nf >= 16);
    for (int i = 0; i < nf; i++) {
        int j = 0;
        while (j < nc && strcmp(fresh[i], committed[j]) != 0)
            j++;
        if (j < nc)
            found++;
        else
            fprintf(stderr, "\n  docs/experiments.md is not current (make experiments); this tree gives:\n  %s",
                    fresh[i]);
    }
    CU_ASSERT_EQUAL(found, nf);
    for (int i = 0; i < nf; i++)
        free(fresh[i]);
    for (int i = 0; i < nc; i++)
        free(committed[i]);
    free(md);
    free(doc);
}

void suite_vexp(void)
{
    CU_pSuite s = CU_add_suite("vexp", suite_init, suite_clean);
    CU_add_test(s, "a small matrix: strict JSON, the cells, equivalence and the x86like divergence",
                test_small_matrix);
    CU_add_test(s, "a crashed or timed-out cell is recorded, the others run", test_crashed_cell);
    CU_add_test(s, "--image-for: a technique's own kernel, compared by console", test_image_for);
    CU_add_test(s, "bad options: one line, status 2; a bad matrix file", test_bad_usage);
    CU_add_test(s, "a rerun gives the same counts", test_rerun_same_counts);
    CU_add_test(s, "docs/experiments.md is current in its counts", test_doc_current);
}
