/*
 * test_layers.c - the build's layers (suite `layers`).
 *
 * Each directory is one static library, and a layer may use only the
 * ones below it (the table below, the same rule as the Makefile's
 * NAME_USES):
 *
 *   isa      isa/             uses nothing
 *   ref      isa/ref/         uses isa
 *   asm      assembler/       uses isa
 *   vmm      vmm/             uses isa
 *   session  tools/session*   uses vmm, isa
 *   monitor  monitor/         uses session, vmm, asm, isa
 *
 * and each program of tools/ links the libraries it needs and no others.
 * The suite checks that
 *   - each library works alone: a small program (tests/layers/NAME_only.c)
 *     compiled with only that layer's include paths and linked with only
 *     its library and those below it builds and runs;
 *   - the build compiles each layer with exactly the include paths the
 *     rule gives it (make -n), and each library holds exactly the objects
 *     of its directory;
 *   - no layer reaches past the rule: no #include of a header of a layer
 *     it may not use (every .c and .h scanned), no undefined symbol of a
 *     library that only a library it may not use defines (nm), and no
 *     symbol in a tool of build/bin that only a library it does not link
 *     defines (vasm and vdis hold no VMM code).
 * Each check has a negative control that must be reported: a scratch tree
 * with an upward include, an object needing vmm_new checked as part of
 * isa, vrun checked as if it were vasm, and vmm_only.c built without the
 * VMM's library or include path.
 *
 * make check gives the libraries' directory (VMLAB_LIB, build/rel/lib),
 * the compiler (VMLAB_CC) and the tools (VMLAB_REL_BIN, build/bin); nm,
 * ar and make come from PATH.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asmtest.h"
#include "scratch.h"

/* --- the rule --- */

enum { ISA, REF, ASM, VMM, SESSION, MONITOR, NLAYERS }; /* a layer comes after every layer it uses */

struct layer {
    const char *name;   /* libvmlab-NAME.a, tests/layers/NAME_only.c */
    const char *dir;    /* its sources */
    const char *prefix; /* only the files of dir whose names start so; NULL: all */
    const char *where;  /* as messages name it */
    unsigned uses;      /* bit i: it may use layer i */
    const char *output; /* what NAME_only prints */
};

#define BIT(l) (1u << (l))

static const struct layer layers[NLAYERS] = {
    [ISA] = {"isa", "isa", NULL, "isa/", 0, "ok\nisa: halt 42\n"},
    [REF] = {"ref", "isa/ref", NULL, "isa/ref/", BIT(ISA), "ok\nref: halt 42\n"},
    [ASM] = {"asm", "assembler", NULL, "assembler/", BIT(ISA), "asm: addi    a0, zero, 42\n"},
    [VMM] = {"vmm", "vmm", NULL, "vmm/", BIT(ISA), "ok\nvmm: layer halted 42\n"},
    [SESSION] = {"session", "tools", "session", "tools/session*", BIT(VMM) | BIT(ASM) | BIT(ISA),
                 "[layer] ok\n[layer-2] ok\nsession: layer halted 42\nsession: layer-2 halted 42\n"},
    [MONITOR] = {"monitor", "monitor", NULL, "monitor/", BIT(SESSION) | BIT(VMM) | BIT(ASM) | BIT(ISA),
                 "stepped 1 instruction\ngva 0x00001004: out con.data, t0\nok\nthe guest halted with 42\n"
                 "gva 0x00001020: .word 0x00000000 (not an instruction)\nmonitor: status 0\n"},
};

/* The programs of tools/ (tools/NAME.c) and the libraries each links. */
struct tool {
    const char *name;
    unsigned libs;
};
static const struct tool tools[] = {
    {"vrun", BIT(SESSION) | BIT(VMM) | BIT(ASM) | BIT(REF) | BIT(ISA)},
    {"visa", BIT(ISA)},
    {"vpg", BIT(ISA)},
    {"vasm", BIT(ASM) | BIT(ISA)},
    {"vdis", BIT(ASM) | BIT(ISA)},
    {"vmon", BIT(MONITOR) | BIT(SESSION) | BIT(VMM) | BIT(ASM) | BIT(REF) | BIT(ISA)},
    {"vexp", BIT(VMM) | BIT(ISA)},
};
#define NTOOLS (sizeof tools / sizeof tools[0])

/* The layer whose sources hold a file name of directory dir, or -1. */
static int layer_of_file(const char *dir, const char *name)
{
    for (int l = 0; l < NLAYERS; l++)
        if (strcmp(layers[l].dir, dir) == 0 && (!layers[l].prefix || strncmp(name, layers[l].prefix,
                                                                              strlen(layers[l].prefix)) == 0))
            return l;
    return -1;
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static const char *lib_path(int l)
{
    static char buf[NLAYERS][4096];
    snprintf(buf[l], sizeof buf[l], "%s/libvmlab-%s.a", env_or("VMLAB_LIB", "build/rel/lib"), layers[l].name);
    return buf[l];
}

/* --- reports: one line per finding --- */

struct report {
    FILE *f;
    char *text;
    size_t len;
    unsigned n;
};

static void report_open(struct report *r)
{
    *r = (struct report){0};
    r->f = open_memstream(&r->text, &r->len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->f);
}

static void report(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->f, fmt, ap);
    va_end(ap);
    fputc('\n', r->f);
    r->n++;
}

static void report_close(struct report *r)
{
    fclose(r->f);
    r->f = NULL;
}

/* A check of the real tree found nothing; what it found is printed. */
static void expect_clean(struct report *r, const char *what)
{
    CU_ASSERT_EQUAL(r->n, 0);
    if (r->n)
        fprintf(stderr, "\n  %s:\n%s", what, r->text);
    free(r->text);
}

/* A negative control's finding is in the report. */
static void expect_line(const struct report *r, const char *line)
{
    char want[1024];
    snprintf(want, sizeof want, "%s\n", line);
    bool found = r->text && strstr(r->text, want);
    CU_ASSERT(found);
    if (!found)
        fprintf(stderr, "\n  missing from the report: %s\n  the report:\n%s", line, r->text ? r->text : "");
}

/* --- commands --- */

/* argv: the words of VMLAB_CC (default cc), then the given ones. */
static int cc(const char *const *args, char **err)
{
    char *words = strdup(env_or("VMLAB_CC", "cc"));
    char *argv[64];
    int n = 0;
    for (char *w = strtok(words, " "); w && n < 32; w = strtok(NULL, " "))
        argv[n++] = w;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    int st = run_cmd(argv, true, NULL, err);
    free(words);
    return st;
}

/* -IDIR for tools/ when tools is set, then for each layer of set, the
 * highest first; each directory once.  The count. */
static int include_flags(bool tools, unsigned set, const char **out, char bufs[][4200])
{
    int n = 0;
    for (int l = tools ? NLAYERS : NLAYERS - 1; l >= 0; l--) {
        if (l < NLAYERS && !(set & BIT(l)))
            continue;
        snprintf(bufs[n], 4200, "-I%s", l == NLAYERS ? "tools" : layers[l].dir);
        bool seen = false;
        for (int i = 0; i < n; i++)
            seen |= strcmp(out[i], bufs[n]) == 0;
        if (!seen) {
            out[n] = bufs[n];
            n++;
        }
    }
    return n;
}

/* Compile tests/layers/NAME_only.c with the include paths of incs and link
 * it with the libraries of libs, higher first, into exe.  The exit status
 * of the compiler; its messages in *err (free it). */
static int build_alone(int l, unsigned incs, unsigned libs, const char *exe, char **err)
{
    const char *args[64] = {"-std=c11", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L"};
    int n = 5;
    char bufs[NLAYERS + 1][4200], src[4096];
    n += include_flags(false, incs, args + n, bufs);
    snprintf(src, sizeof src, "tests/layers/%s_only.c", layers[l].name);
    args[n++] = src;
    for (int k = NLAYERS - 1; k >= 0; k--)
        if (libs & BIT(k))
            args[n++] = lib_path(k);
    args[n++] = "-o";
    args[n++] = exe;
    args[n] = NULL;
    return cc(args, err);
}

/* --- (a) each library alone --- */

static void test_each_library_alone(void)
{
    char *dir = scratch_dir("layers");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    for (int l = 0; l < NLAYERS; l++) {
        char exe[4200], img[4200], *err = NULL, *out = NULL, *perr = NULL;
        snprintf(exe, sizeof exe, "%s/%s_only", dir, layers[l].name);
        snprintf(img, sizeof img, "%s/layer.elf", dir); /* session_only writes it */
        unsigned set = BIT(l) | layers[l].uses;
        int st = build_alone(l, set, set, exe, &err);
        CU_ASSERT_EQUAL(st, 0);
        if (st == 0)
            st = run_cmd((char *const[]){exe, img, NULL}, false, &out, &perr);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT(out && strcmp(out, layers[l].output) == 0);
        if (st != 0 || !out || strcmp(out, layers[l].output) != 0)
            fprintf(stderr, "\n  %s_only with libvmlab-%s.a and the layers below it: status %d\n%s%s%s",
                    layers[l].name, layers[l].name, st, err ? err : "", out ? out : "", perr ? perr : "");
        free(err);
        free(out);
        free(perr);
    }
    tmpdir_remove(dir);
}

/* Negative control: the VMM's program without the VMM's include path, or
 * without its library, does not build - the checks above could fail. */
static void test_alone_means_alone(void)
{
    char *dir = scratch_dir("layers");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char exe[4200], *err = NULL;
    snprintf(exe, sizeof exe, "%s/vmm_only", dir);
    CU_ASSERT_NOT_EQUAL(build_alone(VMM, BIT(ISA), BIT(VMM) | BIT(ISA), exe, &err), 0);
    CU_ASSERT(err && strstr(err, "vmm.h"));
    free(err);
    err = NULL;
    CU_ASSERT_NOT_EQUAL(build_alone(VMM, BIT(VMM) | BIT(ISA), BIT(ISA), exe, &err), 0);
    CU_ASSERT(err && strstr(err, "vmm_new"));
    free(err);
    tmpdir_remove(dir);
}

/* --- the build --- */

/* The sources of layer l, or with l == -1 the programs of tools/: names
 * in dir order (free each, and the array); the count in *n. */
static char **sources(int l, size_t *n)
{
    const char *dir = l < 0 ? "tools" : layers[l].dir;
    DIR *d = opendir(dir);
    char **v = NULL;
    *n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 3 || strcmp(e->d_name + len - 2, ".c") != 0 || layer_of_file(dir, e->d_name) != l)
            continue;
        v = realloc(v, (*n + 1) * sizeof *v);
        v[*n] = malloc(strlen(dir) + len + 2);
        sprintf(v[(*n)++], "%s/%s", dir, e->d_name);
    }
    if (d)
        closedir(d);
    return v;
}

static void free_sources(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The line of text that compiles src ("... -c SRC ..."), copied into
 * buf; false if there is none. */
static bool compile_line(const char *text, const char *src, char *buf, size_t len)
{
    char want[4200];
    snprintf(want, sizeof want, " -c %s ", src);
    const char *line = strstr(text, want);
    if (!line)
        return false;
    while (line > text && line[-1] != '\n')
        line--;
    size_t n = strcspn(line, "\n");
    snprintf(buf, len, "%.*s", (int)n, line);
    return true;
}

/* The program of tools/ whose main, or other file (NAME_PART.c, the
 * Makefile's tool_parts), is the file name, or -1. */
static int tool_of_file(const char *name)
{
    for (size_t t = 0; t < NTOOLS; t++) {
        size_t n = strlen(tools[t].name), len = strlen(name);
        if (strncmp(name, tools[t].name, n) == 0 &&
            (strcmp(name + n, ".c") == 0 || (name[n] == '_' && len > n + 3 && strcmp(name + len - 2, ".c") == 0)))
            return (int)t;
    }
    return -1;
}

/* The -I flags of line are exactly want[0..nwant), in any order. */
static bool same_includes(const char *line, const char *const *want, int nwant)
{
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", line);
    int n = 0;
    bool ok = true;
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        if (strncmp(w, "-I", 2) != 0)
            continue;
        bool wanted = false;
        for (int i = 0; i < nwant; i++)
            wanted |= strcmp(w, want[i]) == 0;
        ok &= wanted;
        n++;
    }
    return ok && n == nwant;
}

/* make compiles each source of a layer with the include paths of the
 * layer and those it uses, and each program's main with tools/ and its
 * libraries' (what make -n would run for every object, rebuilt). */
static void test_build_include_paths(void)
{
    const char *argv[256] = {"env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u", "MAKELEVEL", "make", "-n", "-B",
                             "--no-print-directory"};
    int argc = 11;
    char **src[NLAYERS + 1];
    size_t nsrc[NLAYERS + 1], total = 0;
    static char targets[256][4200];
    for (int l = -1; l < NLAYERS; l++) {
        src[l + 1] = sources(l, &nsrc[l + 1]);
        CU_ASSERT(nsrc[l + 1] > 0);
        for (size_t i = 0; i < nsrc[l + 1] && argc < 255; i++, total++) {
            snprintf(targets[argc], sizeof targets[argc], "build/rel/obj/%.*s.o", (int)strlen(src[l + 1][i]) - 2,
                     src[l + 1][i]);
            argv[argc] = targets[argc];
            argc++;
        }
    }
    argv[argc] = NULL;
    CU_ASSERT(total > 60 && argc < 255);
    char *text = NULL, *err = NULL;
    CU_ASSERT_EQUAL(run_cmd((char *const *)argv, true, &text, &err), 0);
    struct report r;
    report_open(&r);
    for (int l = -1; l < NLAYERS; l++) {
        for (size_t i = 0; i < nsrc[l + 1]; i++) {
            const char *want[NLAYERS + 1];
            char bufs[NLAYERS + 1][4200];
            int nwant;
            const char *path = src[l + 1][i];
            int t = l < 0 ? tool_of_file(strrchr(path, '/') + 1) : -1;
            if (l < 0 && t < 0) {
                report(&r, "%s: a program that tools[] of tests/test_layers.c does not list", path);
                continue;
            }
            nwant = l >= 0 ? include_flags(false, BIT(l) | layers[l].uses, want, bufs)
                           : include_flags(true, tools[t].libs, want, bufs);
            char line[8192];
            if (!text || !compile_line(text, path, line, sizeof line))
                report(&r, "%s: make -n prints no command that compiles it", path);
            else if (!same_includes(line, want, nwant))
                report(&r, "%s: compiled with other include paths than its layer's: %s", path, line);
        }
        free_sources(src[l + 1], nsrc[l + 1]);
    }
    report_close(&r);
    if (r.n && err && *err)
        fprintf(stderr, "\n  make -n said:\n%s", err);
    expect_clean(&r, "the build's include paths");
    free(text);
    free(err);
}

/* --- (b) no include past the rule --- */

/* The layer a header belongs to: the first whose directory under root
 * holds it (and whose prefix it has); -1 if none. */
static int owner_of(const char *root, const char *header)
{
    for (int l = 0; l < NLAYERS; l++) {
        char path[8400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s/%s", root, layers[l].dir, header);
        if (stat(path, &st) == 0 && layer_of_file(layers[l].dir, header) == l)
            return l;
    }
    return -1;
}

/* Each #include "H" of root/dir/name, checked against allowed (the layers
 * the file may use): reported as "DIR/NAME:LINE: includes H, ...".  self
 * is the file's own layer, or -1 for a program of tools/ named who. */
static void scan_file(const char *root, const char *dir, const char *name, int self, unsigned allowed,
                      const char *who, struct report *r)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s/%s", root, dir, name);
    char *text = read_text(path);
    if (!text) {
        report(r, "%s/%s: cannot read", dir, name);
        return;
    }
    int lineno = 0;
    for (char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        lineno++;
        const char *p = line + strspn(line, " \t");
        if (*p != '#')
            continue;
        p += 1 + strspn(p + 1, " \t");
        if (strncmp(p, "include", 7) != 0)
            continue;
        p += 7 + strspn(p + 7, " \t");
        if (*p != '"')
            continue; /* <system header> */
        char header[300];
        snprintf(header, sizeof header, "%.*s", (int)strcspn(p + 1, "\"\n"), p + 1);
        int o = owner_of(root, header);
        struct stat st;
        snprintf(path, sizeof path, "%s/%s/%s", root, dir, header);
        if (o == self || (o >= 0 && (allowed & BIT(o))) || (o < 0 && stat(path, &st) == 0))
            continue; /* its own, one it may use, or a file of its directory that no layer owns */
        if (o < 0)
            report(r, "%s/%s:%d: includes %s, which is no layer's header", dir, name, lineno, header);
        else if (self < 0)
            report(r, "%s/%s:%d: includes %s, a header of %s, which %s does not link", dir, name, lineno, header,
                   layers[o].where, who);
        else if (layers[o].uses & BIT(self))
            report(r, "%s/%s:%d: includes %s, a header of %s, a layer above %s", dir, name, lineno, header,
                   layers[o].where, layers[self].name);
        else
            report(r, "%s/%s:%d: includes %s, a header of %s, which %s may not use", dir, name, lineno, header,
                   layers[o].where, layers[self].name);
    }
    free(text);
}

/* Every .c and .h of every layer under root, and the programs' mains in
 * root/tools; the number of files scanned, and in *seen a bit for each
 * layer with at least one. */
static unsigned scan_includes(const char *root, struct report *r, unsigned *seen)
{
    unsigned files = 0;
    *seen = 0;
    for (int l = 0; l < NLAYERS; l++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", root, layers[l].dir);
        DIR *d = opendir(path);
        if (!d) {
            report(r, "%s: cannot read", layers[l].dir);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len < 3 || e->d_name[len - 2] != '.' || (e->d_name[len - 1] != 'c' && e->d_name[len - 1] != 'h'))
                continue;
            if (layer_of_file(layers[l].dir, e->d_name) == l) {
                scan_file(root, layers[l].dir, e->d_name, l, layers[l].uses, NULL, r);
                files++;
                *seen |= BIT(l);
            } else if (strcmp(layers[l].dir, "tools") == 0 && e->d_name[len - 1] == 'c') {
                int t = tool_of_file(e->d_name);
                if (t < 0)
                    report(r, "tools/%s: a program that tools[] of tests/test_layers.c does not list", e->d_name);
                else
                    scan_file(root, "tools", e->d_name, -1, tools[t].libs, tools[t].name, r);
                files++;
            }
        }
        closedir(d);
    }
    return files;
}

static void test_no_include_past_the_rule(void)
{
    struct report r;
    report_open(&r);
    unsigned seen, files = scan_includes(".", &r, &seen);
    report_close(&r);
    CU_ASSERT_EQUAL(seen, BIT(NLAYERS) - 1); /* every layer's files were read (88 files when this was written) */
    CU_ASSERT(files > 60);
    expect_clean(&r, "includes past the layers' rule");
}

/* Negative control: a scratch tree with deliberate includes past the rule. */
static void test_include_control(void)
{
    char *root = scratch_dir("layers");
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    static const char *const dirs[] = {"isa", "isa/ref", "assembler", "vmm", "tools", "monitor"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        CU_ASSERT_EQUAL_FATAL(mkdir(path_in(root, dirs[i]), 0755), 0);
    static const struct {
        const char *path, *text;
    } files[] = {
        {"isa/machine.h", "/* the machine */\n"},
        {"vmm/vmm.h", "#include \"machine.h\"\n"},
        {"tools/session.h", "#include \"vmm.h\"\n"},
        {"isa/bad.c", "/* upward */\n#include \"machine.h\"\n  #  include \"vmm.h\"\n#include <stdio.h>\n"},
        {"isa/stray.c", "#include \"rig.h\"\n"},
        {"assembler/beside.c", "#include \"vmm.h\"\n"},
        {"tools/vasm.c", "#include \"session.h\"\n"},
        {"tools/vrun.c", "#include \"session.h\"\n#include \"vmm.h\"\n"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        spit(path_in(root, files[i].path), files[i].text, strlen(files[i].text));
    struct report r;
    report_open(&r);
    unsigned seen, n = scan_includes(root, &r, &seen);
    report_close(&r);
    CU_ASSERT_EQUAL(n, 8);
    expect_line(&r, "isa/bad.c:3: includes vmm.h, a header of vmm/, a layer above isa");
    expect_line(&r, "isa/stray.c:1: includes rig.h, which is no layer's header");
    expect_line(&r, "assembler/beside.c:1: includes vmm.h, a header of vmm/, which asm may not use");
    expect_line(&r, "tools/vasm.c:1: includes session.h, a header of tools/session*, which vasm does not link");
    CU_ASSERT_EQUAL(r.n, 4); /* and nothing else: vrun.c, session.h and vmm.h keep to the rule */
    free(r.text);
    tmpdir_remove(root);
}

/* --- (b) no symbol past the rule --- */

/* The global symbols of an object, archive or program (nm -g): name, the
 * archive member it is in, defined or not. */
struct sym {
    char *name, *member;
    bool defined;
    bool header; /* not a symbol: the member's first line (name is "") */
};
struct syms {
    struct sym *v;
    size_t n;
    char *text; /* nm's output, which the strings point into */
};

static bool nm_read(const char *path, struct syms *s)
{
    *s = (struct syms){0};
    char *err = NULL;
    int st = run_cmd((char *const[]){"nm", "-g", (char *)path, NULL}, true, &s->text, &err);
    if (st != 0 || !s->text) {
        fprintf(stderr, "\n  nm -g %s: status %d\n%s", path, st, err ? err : "");
        free(err);
        return false;
    }
    free(err);
    const char *base = strrchr(path, '/');
    char *member = (char *)(base ? base + 1 : path); /* a lone object: its own name */
    size_t cap = 0;
    for (char *line = strtok(s->text, "\n"); line; line = strtok(NULL, "\n")) {
        size_t len = strlen(line);
        bool header = len && line[len - 1] == ':' && !strchr(line, ' ');
        if (header) {
            line[len - 1] = '\0';
            member = line;
        }
        char *w[3];
        int n = 0;
        for (char *p = line; n < 3 && *p;) {
            p += strspn(p, " ");
            if (!*p)
                break;
            w[n++] = p;
            p += strcspn(p, " ");
            if (*p)
                *p++ = '\0';
        }
        if (!header && n < 2)
            continue;
        if (s->n == cap)
            s->v = realloc(s->v, (cap = cap ? 2 * cap : 256) * sizeof *s->v);
        if (header)
            s->v[s->n++] = (struct sym){"", member, false, true};
        else
            s->v[s->n++] = (struct sym){w[n - 1], member, !strchr("Uwv", w[n - 2][0]), false};
    }
    return true;
}

static void syms_free(struct syms *s)
{
    free(s->v);
    free(s->text);
}

static bool syms_define(const struct syms *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].defined && strcmp(s->v[i].name, name) == 0)
            return true;
    return false;
}

/* The lowest layer not in allowed whose library defines name, if none in
 * allowed does; -1 otherwise. */
static int defined_past(const struct syms libs[NLAYERS], unsigned allowed, const char *name)
{
    int past = -1;
    for (int l = 0; l < NLAYERS; l++)
        if (syms_define(&libs[l], name)) {
            if (allowed & BIT(l))
                return -1;
            if (past < 0)
                past = l;
        }
    return past;
}

static bool read_libraries(struct syms libs[NLAYERS])
{
    bool ok = true;
    for (int l = 0; l < NLAYERS; l++)
        ok &= nm_read(lib_path(l), &libs[l]);
    return ok;
}

static void free_libraries(struct syms libs[NLAYERS])
{
    for (int l = 0; l < NLAYERS; l++)
        syms_free(&libs[l]);
}

/* Every undefined symbol of path, checked as (a part of) layer self's
 * library, named label in the report. */
static void check_library(const struct syms libs[NLAYERS], int self, const char *path, const char *label,
                          struct report *r)
{
    struct syms s;
    if (!nm_read(path, &s)) {
        report(r, "%s: nm cannot read it", label);
        return;
    }
    for (size_t i = 0; i < s.n; i++) {
        if (s.v[i].header || s.v[i].defined || syms_define(&s, s.v[i].name))
            continue;
        int o = defined_past(libs, BIT(self) | layers[self].uses, s.v[i].name);
        if (o < 0)
            continue;
        if (layers[o].uses & BIT(self))
            report(r, "%s: %s needs %s, defined by libvmlab-%s.a, a layer above %s", label, s.v[i].member,
                   s.v[i].name, layers[o].name, layers[self].name);
        else
            report(r, "%s: %s needs %s, defined by libvmlab-%s.a, which %s may not use", label, s.v[i].member,
                   s.v[i].name, layers[o].name, layers[self].name);
    }
    syms_free(&s);
}

/* Each library holds one object for each source of its layer, no other. */
static void check_members(const struct syms *lib, int l, struct report *r)
{
    size_t n;
    char **src = sources(l, &n);
    for (size_t i = 0; i < n; i++) {
        char member[300];
        const char *base = strrchr(src[i], '/') + 1;
        snprintf(member, sizeof member, "%.*s.o", (int)strlen(base) - 2, base);
        bool found = false;
        for (size_t k = 0; k < lib->n && !found; k++)
            found = lib->v[k].header && strcmp(lib->v[k].member, member) == 0;
        if (!found)
            report(r, "libvmlab-%s.a: no %s (from %s)", layers[l].name, member, src[i]);
    }
    for (size_t k = 0; k < lib->n; k++) {
        if (!lib->v[k].header)
            continue;
        bool known = false;
        for (size_t i = 0; i < n && !known; i++) {
            const char *base = strrchr(src[i], '/') + 1;
            known = strncmp(lib->v[k].member, base, strlen(base) - 2) == 0 &&
                    strcmp(lib->v[k].member + strlen(base) - 2, ".o") == 0;
        }
        if (!known) {
            report(r, "libvmlab-%s.a: %s is not an object of %s", layers[l].name, lib->v[k].member, layers[l].where);
            break;
        }
    }
    free_sources(src, n);
}

static void test_no_symbol_past_the_rule(void)
{
    struct syms libs[NLAYERS];
    CU_ASSERT_FATAL(read_libraries(libs));
    struct report r;
    report_open(&r);
    for (int l = 0; l < NLAYERS; l++) {
        CU_ASSERT(libs[l].n > 10);
        check_members(&libs[l], l, &r);
        char label[64];
        snprintf(label, sizeof label, "libvmlab-%s.a", layers[l].name);
        check_library(libs, l, lib_path(l), label, &r);
    }
    report_close(&r);
    expect_clean(&r, "libraries past the layers' rule");
    free_libraries(libs);
}

/* Negative control: an object that calls vmm_new, checked as a part of isa. */
static void test_symbol_control(void)
{
    char *dir = scratch_dir("layers");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char src[4200], obj[4200], *err = NULL;
    snprintf(src, sizeof src, "%s/upward.c", dir);
    snprintf(obj, sizeof obj, "%s/upward.o", dir);
    const char *text = "void vmm_new(void);\nvoid machine_upward(void);\nvoid machine_upward(void) { vmm_new(); }\n";
    spit(src, text, strlen(text));
    CU_ASSERT_EQUAL_FATAL(cc((const char *const[]){"-c", src, "-o", obj, NULL}, &err), 0);
    free(err);
    struct syms libs[NLAYERS];
    CU_ASSERT_FATAL(read_libraries(libs));
    struct report r;
    report_open(&r);
    check_library(libs, ISA, obj, "libvmlab-isa.a", &r);
    check_library(libs, ASM, obj, "libvmlab-asm.a", &r);
    check_library(libs, SESSION, obj, "libvmlab-session.a", &r);
    report_close(&r);
    expect_line(&r, "libvmlab-isa.a: upward.o needs vmm_new, defined by libvmlab-vmm.a, a layer above isa");
    expect_line(&r, "libvmlab-asm.a: upward.o needs vmm_new, defined by libvmlab-vmm.a, which asm may not use");
    CU_ASSERT_EQUAL(r.n, 2); /* the session may use the VMM */
    free(r.text);
    free_libraries(libs);
    tmpdir_remove(dir);
}

/* --- (c) each tool holds only the libraries it links --- */

/* Every global symbol path defines that only a library outside libs
 * defines: "PATH: SYMBOL, defined by libvmlab-L.a, which WHO does not link". */
static void check_tool(const struct syms libs[NLAYERS], unsigned allowed, const char *who, const char *path,
                       struct report *r)
{
    struct syms s;
    if (!nm_read(path, &s)) {
        report(r, "%s: nm cannot read it", path);
        return;
    }
    for (size_t i = 0; i < s.n; i++) {
        int o = s.v[i].defined ? defined_past(libs, allowed, s.v[i].name) : -1;
        if (o >= 0)
            report(r, "%s: %s, defined by libvmlab-%s.a, which %s does not link", path, s.v[i].name, layers[o].name,
                   who);
    }
    syms_free(&s);
}

static const char *rel_tool(const char *name)
{
    static char buf[NTOOLS + 1][4200];
    static unsigned next;
    char *b = buf[next++ % (NTOOLS + 1)];
    snprintf(b, 4200, "%s/%s", env_or("VMLAB_REL_BIN", "build/bin"), name);
    return b;
}

static void test_tools_link_only_their_libraries(void)
{
    struct syms libs[NLAYERS];
    CU_ASSERT_FATAL(read_libraries(libs));
    struct report r;
    report_open(&r);
    for (size_t t = 0; t < NTOOLS; t++)
        check_tool(libs, tools[t].libs, tools[t].name, rel_tool(tools[t].name), &r);
    report_close(&r);
    expect_clean(&r, "tools holding code of libraries they do not link");
    free_libraries(libs);
}

/* Negative control: vrun, which holds the VMM, checked as if it were vasm. */
static void test_tool_control(void)
{
    struct syms libs[NLAYERS];
    CU_ASSERT_FATAL(read_libraries(libs));
    struct report r;
    report_open(&r);
    check_tool(libs, BIT(ASM) | BIT(ISA), "vasm", rel_tool("vrun"), &r);
    report_close(&r);
    char line[4400];
    snprintf(line, sizeof line, "%s: vmm_new, defined by libvmlab-vmm.a, which vasm does not link",
             rel_tool("vrun"));
    expect_line(&r, line);
    snprintf(line, sizeof line, "%s: session_plan, defined by libvmlab-session.a, which vasm does not link",
             rel_tool("vrun"));
    expect_line(&r, line);
    free(r.text);
    free_libraries(libs);
}

void suite_layers(void)
{
    CU_pSuite s = CU_add_suite("layers", NULL, NULL);
    CU_add_test(s, "each library works alone, with the layers below it", test_each_library_alone);
    CU_add_test(s, "control: the VMM's program without its library or headers does not build",
                test_alone_means_alone);
    CU_add_test(s, "the build compiles each layer with its own include paths", test_build_include_paths);
    CU_add_test(s, "no #include past the layers' rule", test_no_include_past_the_rule);
    CU_add_test(s, "control: includes past the rule are reported", test_include_control);
    CU_add_test(s, "no library needs a symbol past the rule; each holds its directory", test_no_symbol_past_the_rule);
    CU_add_test(s, "control: an object needing vmm_new, as a part of isa", test_symbol_control);
    CU_add_test(s, "each tool holds only the libraries it links (vasm and vdis: no VMM)",
                test_tools_link_only_their_libraries);
    CU_add_test(s, "control: vrun checked as if it were vasm", test_tool_control);
}
