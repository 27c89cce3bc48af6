/*
 * test_vrun_vmm.c - the runner's VMM side as a user meets it: the binary
 * at $VMLAB_BIN/vrun (make check sets VMLAB_BIN=build/san/bin) running the
 * real guest kernel, build/guest-os/kernel.elf, under the VMM (docs/vmm.md
 * section 1, `vrun -h`).
 *
 * The reference for every output is the bare machine: the golden files of
 * tests/golden/ (the output of `vrun --native`, normalized: tests/golden.h) or a
 * `vrun --native` run made here; never vrun's own earlier output under the
 * VMM.  Covered: the default mode and the three shadow policies; --stats
 * and --stats-json (their numbers checked against each other and against
 * the bare machine's instruction count); several VMs, prefixed or with
 * --console-dir, per-VM options, the exit status rule, one VM's failure
 * leaving the others alone; --lockstep agreeing (pg) and finding the
 * divergence (x86like); the x86like kernel panic; the disk; and bad usage,
 * one line each in the format of test_vrun.c.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json_strict.h"
#include "prog.h"
#include "rig.h"
#include "runvrun.h"
#include "scratch.h"
#include "workloads.h"

#define KERNEL GUEST_KERNEL
#define ECHO_INPUT (guest_workload("echo")->o.input)

static char *dir, *vrun_path;

static bool exists(const char *path) { return access(path, F_OK) == 0; }

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Run vrun with args (NULL-terminated, without argv[0]) and stdin data. */
static void vrun(struct res *res, const char *in, size_t inlen, const char *const *args)
{
    run_vrun(vrun_path, dir, res, in, inlen, args);
}

#define VRUN(r, ...) vrun((r), NULL, 0, (const char *[]){__VA_ARGS__, NULL})

/* Bytes equal, and if not, where they part. */
static bool same_bytes(const char *what, const char *got, size_t gotlen, const char *want, size_t wantlen)
{
    if (gotlen == wantlen && memcmp(got, want, wantlen) == 0)
        return true;
    size_t i = 0;
    while (i < gotlen && i < wantlen && got[i] == want[i])
        i++;
    fprintf(stderr, "\n  %s: %zu bytes, wanted %zu; first difference at byte %zu:\n  got:    %.60s\n  wanted: %.60s",
            what, gotlen, wantlen, i, got + (i < gotlen ? i : gotlen), want + (i < wantlen ? i : wantlen));
    return false;
}

#define CU_ASSERT_BYTES(what, got, gotlen, want, wantlen)                                                       \
    CU_ASSERT(same_bytes((what), (got), (gotlen), (want), (wantlen)))

/* A file's contents, in a buffer the caller frees. */
struct text {
    char *s;
    size_t len;
};

static struct text golden(const char *name)
{
    struct text t;
    t.s = guest_golden(name, &t.len);
    CU_ASSERT(t.len > 0);
    if (t.len == 0)
        fprintf(stderr, "\n  %s/%s.out is missing or empty", GUEST_GOLDEN_DIR, name);
    return t;
}

/* got, normalized as the golden files are (golden.h), is the golden file t. */
static bool same_golden(const char *what, const char *got, size_t gotlen, struct text t)
{
    size_t nlen;
    char *n = guest_normalized(got, gotlen, &nlen);
    bool same = n && same_bytes(what, n, nlen, t.s, t.len);
    free(n);
    return same;
}

/* The bare machine's output for boot string `boot` (NULL: none), with
 * extra options (NULL-terminated list, may be empty); it must succeed. */
static struct text native_out(const char *boot, const char *in, const char *const *extra)
{
    const char *args[32];
    int n = 0;
    args[n++] = "--native";
    args[n++] = KERNEL;
    if (boot) {
        args[n++] = "--boot";
        args[n++] = boot;
    }
    for (int i = 0; extra && extra[i] && n < 31; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    struct res r;
    vrun(&r, in, in ? strlen(in) : 0, args);
    expect_ok(&r, 0);
    CU_ASSERT(r.outlen > 0);
    free(r.err);
    return (struct text){r.out, r.outlen};
}

static struct text native_plain(const char *boot) { return native_out(boot, NULL, NULL); }

/* With several VMs on stdout: check that every line starts with one of the
 * prefixes "[NAME] " of names[] (and ends with a newline), and return the
 * lines of names[which] with their prefix removed, in order. */
static struct text lines_of(const char *out, size_t len, const char *const *names, int nnames, int which)
{
    struct text t = {malloc(len + 1), 0};
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(out + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - out) + 1 : len;
        CU_ASSERT(nl != NULL); /* every line ends */
        int who = -1;
        size_t plen = 0;
        for (int k = 0; k < nnames; k++) {
            char p[64];
            snprintf(p, sizeof p, "[%s] ", names[k]);
            plen = strlen(p);
            if (end - i >= plen && memcmp(out + i, p, plen) == 0) {
                who = k;
                break;
            }
        }
        CU_ASSERT(who >= 0);
        if (who < 0) {
            fprintf(stderr, "\n  a line without a known prefix: %.*s", (int)(end - i), out + i);
            break;
        }
        if (who == which) {
            memcpy(t.s + t.len, out + i + plen, end - i - plen);
            t.len += end - i - plen;
        }
        i = end;
    }
    t.s[t.len] = '\0';
    return t;
}

/* A number after `key` in s (the first occurrence); -1 if none. */
static long long num_after(const char *s, const char *key)
{
    const char *p = s ? strstr(s, key) : NULL;
    if (!p)
        return -1;
    p += strlen(key);
    while (*p == ' ' || *p == ':' || *p == '"')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    return strtoll(p, NULL, 10);
}

/* --- the suite's directory ---------------------------------------------------- */

static int suite_init(void) { return vrun_suite_init(&vrun_path, &dir, "vrunvmm", "con"); }
static int suite_clean(void) { return vrun_suite_clean(&vrun_path, &dir); }

/* Empty DIR/con (the console directory) between tests. */
static void clear_con(void)
{
    const char *con = path_in(dir, "con");
    remove_tree(con);
    CU_ASSERT_FATAL(mkdir(con, 0755) == 0);
}

static int count_entries(const char *path)
{
    DIR *d = opendir(path);
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void test_present(void)
{
    CU_ASSERT_FATAL(access(vrun_path, X_OK) == 0);
    CU_ASSERT_FATAL(access(KERNEL, R_OK) == 0);
    if (access(KERNEL, R_OK) != 0)
        fprintf(stderr, "\n  %s is missing (make guest builds it; make check does)", KERNEL);
}

/* --- one VM --------------------------------------------------------------------------- */

/* `vrun IMAGE`: under the VMM by default; the console exactly as on the
 * bare machine (golden files), stdin to the guest, status 0, stderr empty. */
static void test_default_mode(void)
{
    struct res r;
    struct text g = golden("hello");
    VRUN(&r, KERNEL, "--boot", "hello");
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("vrun IMAGE --boot hello", r.out, r.outlen, g));
    res_free(&r);
    free(g.s);

    /* options before the image, and the image first */
    g = golden("syscalls");
    VRUN(&r, "--boot", "syscalls", KERNEL);
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("vrun --boot syscalls IMAGE", r.out, r.outlen, g));
    res_free(&r);
    free(g.s);

    g = golden("echo");
    vrun(&r, ECHO_INPUT, strlen(ECHO_INPUT), (const char *[]){KERNEL, "--boot", "echo", NULL});
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("echo with stdin", r.out, r.outlen, g));
    res_free(&r);
    free(g.s);

    /* -m: the guest sees the memory it is given */
    struct text n = native_out("hello", NULL, (const char *[]){"-m", "4M", NULL});
    CU_ASSERT(strstr(n.s, "4096 KiB") != NULL);
    VRUN(&r, KERNEL, "-m", "4M", "--boot", "hello");
    expect_ok(&r, 0);
    CU_ASSERT_BYTES("-m 4M", r.out, r.outlen, n.s, n.len);
    res_free(&r);
    free(n.s);
}

/* The guest kernel's halt value is vrun's status under the VMM too. */
static void test_halt_status(void)
{
    const uint32_t vals[] = {0, 7, 255, 0x1234};
    for (int i = 0; i < 4; i++) {
        const char *img = halt_image(dir, "halt.elf", vals[i]);
        struct res r;
        VRUN(&r, "-m", "64K", img);
        expect_ok(&r, (int)(vals[i] & 0xff));
        CU_ASSERT_EQUAL(r.outlen, 0);
        res_free(&r);
    }
}

/* --shadow rebuild|demand|cache: the same output as the bare machine. */
static void test_shadow_policies(void)
{
    static const char *const policies[] = {"rebuild", "demand", "cache"};
    struct text fw = native_plain("forkwait 20");
    CU_ASSERT(strstr(fw.s, "forkwait 20: 190\n") != NULL);
    struct text hello = golden("hello");
    for (int i = 0; i < 3; i++) {
        struct res r;
        VRUN(&r, "--shadow", policies[i], KERNEL, "--boot", "forkwait 20");
        expect_ok(&r, 0);
        CU_ASSERT_BYTES(policies[i], r.out, r.outlen, fw.s, fw.len);
        res_free(&r);
        VRUN(&r, KERNEL, "--boot", "hello", "--shadow", policies[i]);
        expect_ok(&r, 0);
        CU_ASSERT(same_golden(policies[i], r.out, r.outlen, hello));
        res_free(&r);
    }
    free(fw.s);
    free(hello.s);
}

/* --technique and --mmu by name: the defaults give the same run; a name
 * that is none is refused in one line, before anything runs. */
static void test_techniques(void)
{
    struct text hello = golden("hello");
    struct res r;
    VRUN(&r, "--technique", "trap-and-emulate", "--mmu", "shadow", KERNEL, "--boot", "hello");
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("named techniques", r.out, r.outlen, hello));
    res_free(&r);
    VRUN(&r, "--technique", "binary-translation", KERNEL);
    expect_error(&r, 2, "vrun: unknown technique 'binary-translation' (there is: trap-and-emulate, hybrid, bt, pv, hw)");
    res_free(&r);
    VRUN(&r, "--mmu", "ept", KERNEL);
    expect_error(&r, 2, "vrun: unknown memory technique 'ept' (there is: shadow, nested)");
    res_free(&r);
    VRUN(&r, "--mmu", "nested", KERNEL);
    expect_error(&r, 2,
                 "vrun: --mmu nested needs --technique hw: nested paging is the hardware guest mode's (docs/vmm.md "
                 "section 14)");
    res_free(&r);
    VRUN(&r, "--technique", "hw", "--mmu", "nested", KERNEL, "--boot", "hello");
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("hw and nested paging", r.out, r.outlen, hello));
    res_free(&r);
    free(hello.s);
}

/* --- statistics ------------------------------------------------------------------ */

/* The bare machine's instruction count for a boot string (--native --stats). */
static long long native_instructions(const char *boot)
{
    struct res r;
    VRUN(&r, "--native", "--stats", KERNEL, "--boot", boot);
    CU_ASSERT_EQUAL(r.status, 0);
    long long n = -1;
    if (sscanf(r.err, "vrun: %lld instructions retired", &n) != 1)
        n = -1;
    CU_ASSERT(n > 0);
    res_free(&r);
    return n;
}

/* The numbers of one VM's --stats summary (vm_stats_print). */
struct summary {
    long long instructions, direct, emulated, exits, exit_sum, emulated_sum, interrupts;
    double efficiency;
    long long by_kind[7]; /* in the order of kinds[] */
    long long built, reused, dropped, flushes, entries, wprot;
};

static const char *const kinds[7][2] = {
    {"EMULATED", "privileged instruction emulated"},
    {"REFLECTED", "trap reflected into the guest"},
    {"PF_HIDDEN", "hidden page fault (shadow filled)"},
    {"PF_TRACING", "tracing page fault (guest page-table write)"},
    {"PF_TRUE", "true page fault (reflected)"},
    {"TIMER", "real timer (scheduler, virtual devices)"},
    {"LIMIT", "instruction limit"},
};

/* Parse the summary that starts at s ("vm NAME: ..."); false if a line is
 * missing or malformed. */
static bool parse_summary(const char *s, struct summary *m)
{
    memset(m, 0, sizeof *m);
    const char *p = strstr(s, "\n  guest instructions  ");
    if (!p || sscanf(p, "\n  guest instructions  %lld", &m->instructions) != 1)
        return false;
    p = strstr(s, "\n  efficiency          ");
    if (!p || sscanf(p, "\n  efficiency          %lf%% direct: %lld direct, %lld emulated", &m->efficiency,
                     &m->direct, &m->emulated) != 3)
        return false;
    p = strstr(s, "\n  exits               ");
    if (!p || sscanf(p, "\n  exits               %lld", &m->exits) != 1)
        return false;
    /* the exit lines: "    COUNT  DESCRIPTION", until "  emulated" */
    p = strchr(p + 1, '\n');
    const char *emu = strstr(s, "\n  emulated            ");
    if (!p || !emu)
        return false;
    while (p < emu) {
        long long n;
        char desc[128];
        if (sscanf(p, "\n    %lld  %127[^\n]", &n, desc) != 2)
            return false;
        size_t dl = strlen(desc);
        while (dl && desc[dl - 1] == ' ')
            desc[--dl] = '\0';
        char *d = desc;
        while (*d == ' ')
            d++;
        int k;
        for (k = 0; k < 7; k++)
            if (strcmp(d, kinds[k][1]) == 0)
                break;
        if (k == 7)
            return false;
        m->by_kind[k] = n;
        m->exit_sum += n;
        p = strchr(p + 1, '\n');
        if (!p)
            return false;
    }
    /* "  emulated            sw 24, halt 1, ..." */
    const char *q = emu + strlen("\n  emulated            ");
    const char *eol = strchr(q, '\n');
    if (!eol)
        return false;
    while (q < eol) {
        char mnem[32];
        long long n;
        int used;
        if (sscanf(q, "%31[a-z0-9.] %lld%n", mnem, &n, &used) != 2)
            return strncmp(q, "none\n", 5) == 0;
        m->emulated_sum += n;
        q += used;
        if (*q == ',')
            q += 2;
    }
    p = strstr(s, "\n  interrupts          ");
    if (!p || sscanf(p, "\n  interrupts          %lld delivered", &m->interrupts) != 1)
        return false;
    p = strstr(s, "\n  shadow (");
    if (!p)
        return false;
    p = strchr(p, ')');
    if (!p || sscanf(p, ")     %lld tables built, %lld reused, %lld dropped, %lld full flushes,\n %lld entries "
                        "filled, %lld write-protected",
                     &m->built, &m->reused, &m->dropped, &m->flushes, &m->entries, &m->wprot) != 6)
        return false;
    return true;
}

/* --stats: the summary on stderr, stdout still the bare machine's. */
static void test_stats(void)
{
    struct text fw = native_plain("forkwait 20");
    long long ninsns = native_instructions("forkwait 20");
    static const char *const policies[] = {"rebuild", "demand", "cache"};
    for (int i = 0; i < 3; i++) {
        struct res r;
        VRUN(&r, "--stats", "--shadow", policies[i], KERNEL, "--boot", "forkwait 20");
        CU_ASSERT(r.exited);
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT_BYTES("stdout with --stats", r.out, r.outlen, fw.s, fw.len);
        /* the VM is named after its image, halted with 0 */
        CU_ASSERT(starts_with(r.err, "vm kernel: halted with 0\n"));
        struct summary m;
        bool ok = parse_summary(r.err, &m);
        CU_ASSERT(ok);
        if (!ok) {
            fprintf(stderr, "\n  cannot parse the --stats summary:\n%s", r.err);
            res_free(&r);
            continue;
        }
        /* the guest retired exactly the bare machine's instructions */
        CU_ASSERT_EQUAL(m.instructions, ninsns);
        CU_ASSERT_EQUAL(m.direct + m.emulated, m.instructions);
        CU_ASSERT(m.emulated > 0 && m.direct > m.emulated);
        double eff = 100.0 * (double)m.direct / (double)m.instructions;
        CU_ASSERT(m.efficiency > eff - 0.0001 && m.efficiency < eff + 0.0001);
        CU_ASSERT(m.efficiency > 90.0 && m.efficiency < 100.0);
        /* exits by reason add up; so do emulated instructions by mnemonic */
        CU_ASSERT_EQUAL(m.exit_sum, m.exits);
        CU_ASSERT(m.by_kind[0] > 0); /* privileged instructions */
        CU_ASSERT(m.by_kind[1] > 0); /* system calls reflected */
        CU_ASSERT_EQUAL(m.emulated_sum, m.emulated);
        CU_ASSERT(m.interrupts > 0); /* forkwait is preempted by the timer */
        CU_ASSERT(m.built > 0 && m.entries > 0);
        char pol[64];
        snprintf(pol, sizeof pol, "\n  shadow (%s) ", policies[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.err, pol));
        /* nothing else: the summary is the whole of stderr */
        const char *end = strstr(r.err, " write-protected\n");
        CU_ASSERT(end && (size_t)(end - r.err) + strlen(" write-protected\n") == r.errlen);
        res_free(&r);
    }
    free(fw.s);

    /* --name names the VM in the summary */
    struct res r;
    VRUN(&r, "--stats", "--name", "guest1", KERNEL, "--boot", "hello");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(starts_with(r.err, "vm guest1: halted with 0\n"));
    res_free(&r);
}

/* The value of "key": N inside the JSON object of one VM (from its
 * "name": "NAME" on), or -1. */
static long long json_num(const char *vm, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    return num_after(vm, k);
}

/* Every { has its }, every [ its ], outside strings; quotes balance. */
static bool json_balanced(const char *s)
{
    int brace = 0, bracket = 0;
    bool str = false;
    for (; *s; s++) {
        if (str) {
            if (*s == '\\' && s[1])
                s++;
            else if (*s == '"')
                str = false;
            continue;
        }
        switch (*s) {
        case '"': str = true; break;
        case '{': brace++; break;
        case '}': brace--; break;
        case '[': bracket++; break;
        case ']': bracket--; break;
        }
        if (brace < 0 || bracket < 0)
            return false;
    }
    return !str && brace == 0 && bracket == 0;
}

/* --stats-json FILE: written at exit, agreeing with --stats. */
static void test_stats_json(void)
{
    const char *json = path_in(dir, "stats.json");
    unlink(json);
    struct text fw = native_plain("forkwait 20");
    struct res r;
    VRUN(&r, "--stats", "--stats-json", json, "--shadow", "demand", KERNEL, "--boot", "forkwait 20");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_BYTES("stdout with --stats-json", r.out, r.outlen, fw.s, fw.len);
    free(fw.s);
    struct summary m;
    CU_ASSERT_FATAL(parse_summary(r.err, &m));
    size_t len;
    char *j = slurp(json, &len);
    CU_ASSERT_FATAL(len > 0);
    CU_ASSERT(j[0] == '{' && j[len - 1] == '\n' && j[len - 2] == '}');
    CU_ASSERT(json_balanced(j));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"isa\": \"pg\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"policy\": \"demand\""));
    const char *vm = strstr(j, "\"name\": \"kernel\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    CU_ASSERT_PTR_NOT_NULL(strstr(vm, "\"state\": \"halted\""));
    CU_ASSERT_EQUAL(json_num(vm, "exit_value"), 0);
    CU_ASSERT_EQUAL(json_num(vm, "instructions"), m.instructions);
    CU_ASSERT_EQUAL(json_num(vm, "direct"), m.direct);
    CU_ASSERT_EQUAL(json_num(vm, "emulated"), m.emulated);
    CU_ASSERT_EQUAL(json_num(vm, "interrupts"), m.interrupts);
    const char *exits = strstr(vm, "\"exits\": {");
    CU_ASSERT_PTR_NOT_NULL_FATAL(exits);
    for (int k = 0; k < 7; k++)
        CU_ASSERT_EQUAL(json_num(exits, kinds[k][0]), m.by_kind[k]);
    const char *pf = strstr(vm, "\"page_faults\": {");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
    CU_ASSERT_EQUAL(num_after(pf, "\"hidden\": "), m.by_kind[2]);
    CU_ASSERT_EQUAL(num_after(pf, "\"tracing\": "), m.by_kind[3]);
    CU_ASSERT_EQUAL(num_after(pf, "\"true\": "), m.by_kind[4]);
    const char *sh = strstr(vm, "\"shadow\": {");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    CU_ASSERT_PTR_NOT_NULL(strstr(sh, "\"policy\": \"demand\""));
    CU_ASSERT_EQUAL(json_num(sh, "built"), m.built);
    CU_ASSERT_EQUAL(json_num(sh, "reused"), m.reused);
    CU_ASSERT_EQUAL(json_num(sh, "dropped"), m.dropped);
    CU_ASSERT_EQUAL(json_num(sh, "flushes"), m.flushes);
    CU_ASSERT_EQUAL(json_num(sh, "entries"), m.entries);
    CU_ASSERT_EQUAL(json_num(sh, "write_protects"), m.wprot);
    const char *e = strstr(vm, "\"efficiency_percent\": ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    double eff = strtod(e + strlen("\"efficiency_percent\": "), NULL);
    CU_ASSERT(eff > m.efficiency - 0.0001 && eff < m.efficiency + 0.0001);
    /* emulated_by_instruction adds up */
    const char *by = strstr(vm, "\"emulated_by_instruction\": {");
    CU_ASSERT_PTR_NOT_NULL_FATAL(by);
    long long sum = 0;
    for (const char *p = by + strlen("\"emulated_by_instruction\": {"); *p && *p != '}'; p++)
        if (*p == ':')
            sum += strtoll(p + 1, NULL, 10);
    CU_ASSERT_EQUAL(sum, m.emulated);
    free(j);
    res_free(&r);

    /* two VMs: both in the file, by name, in order */
    VRUN(&r, "--stats-json", json, "--vm", KERNEL, "--boot", "hello", "--name", "one", "--vm", KERNEL, "--boot",
         "forkwait 20", "--name", "two");
    CU_ASSERT_EQUAL(r.status, 0);
    j = slurp(json, &len);
    CU_ASSERT(json_balanced(j));
    const char *one = strstr(j, "\"name\": \"one\""), *two = strstr(j, "\"name\": \"two\"");
    CU_ASSERT(one && two && one < two);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"policy\": \"cache\""));
    free(j);
    res_free(&r);

    /* where no file can be written: one line, before anything runs, and
     * no file (not even a temporary one) left behind */
    const char *nodir = path_in(dir, "nosuchdir/stats.json");
    char want[8300];
    VRUN(&r, "--stats-json", nodir, KERNEL, "--boot", "hello");
    snprintf(want, sizeof want, "vrun: %s: cannot create: No such file or directory", nodir);
    expect_error(&r, 1, want);
    CU_ASSERT(!exists(path_in(dir, "nosuchdir")));
    res_free(&r);
    const char *con = path_in(dir, "con");
    clear_con();
    VRUN(&r, "--stats-json", con, KERNEL, "--boot", "hello");
    snprintf(want, sizeof want, "vrun: %s: is a directory", con);
    expect_error(&r, 1, want);
    CU_ASSERT_EQUAL(count_entries(con), 0);
    res_free(&r);
    /* and --stats-json where there is no one run to count: said, not ignored */
    snprintf(want, sizeof want,
             "vrun: --stats-json %s: not with --lockstep or --difftest (give it to a run of its own)", json);
    VRUN(&r, "--lockstep", "--stats-json", json, KERNEL);
    expect_error(&r, 2, want);
    res_free(&r);
}

/* --- several VMs ------------------------------------------------------------------ */

/* Two VMs on stdout: every line prefixed; each VM's lines are exactly its
 * bare-machine output, whatever the quantum (a small one switches VMs in
 * the middle of lines). */
static void test_two_vms(void)
{
    struct text hello = golden("hello"), fw = native_plain("forkwait 20");
    static const char *const names[] = {"a", "b"};
    static const char *const quanta[] = {NULL, "97", "1000"};
    for (int q = 0; q < 3; q++) {
        struct res r;
        const char *args[20];
        int n = 0;
        if (quanta[q]) {
            args[n++] = "--quantum";
            args[n++] = quanta[q];
        }
        const char *rest[] = {"--vm", KERNEL, "--boot", "hello", "--name", "a",
                              "--vm", KERNEL, "--boot", "forkwait 20", "--name", "b", NULL};
        for (int i = 0; rest[i]; i++)
            args[n++] = rest[i];
        args[n] = NULL;
        vrun(&r, NULL, 0, args);
        expect_ok(&r, 0);
        struct text a = lines_of(r.out, r.outlen, names, 2, 0), b = lines_of(r.out, r.outlen, names, 2, 1);
        CU_ASSERT(same_golden("VM a's lines", a.s, a.len, hello));
        CU_ASSERT_BYTES("VM b's lines", b.s, b.len, fw.s, fw.len);
        /* nothing but their lines */
        size_t nlines = 0;
        for (size_t i = 0; i < r.outlen; i++)
            nlines += r.out[i] == '\n';
        CU_ASSERT_EQUAL(r.outlen, a.len + b.len + 4 * nlines);
        free(a.s);
        free(b.s);
        res_free(&r);
    }
    free(hello.s);
    free(fw.s);

    /* stdin goes to the first VM */
    struct text echo = golden("echo"), h2 = golden("hello");
    struct res r;
    vrun(&r, ECHO_INPUT, strlen(ECHO_INPUT),
         (const char *[]){"--quantum", "50", "--vm", KERNEL, "--boot", "echo", "--name", "a", "--vm", KERNEL, "--boot",
                          "hello", "--name", "b", NULL});
    expect_ok(&r, 0);
    struct text a = lines_of(r.out, r.outlen, names, 2, 0), b = lines_of(r.out, r.outlen, names, 2, 1);
    CU_ASSERT(same_golden("VM a (echo)", a.s, a.len, echo));
    CU_ASSERT(same_golden("VM b (hello)", b.s, b.len, h2));
    free(a.s);
    free(b.s);
    free(echo.s);
    free(h2.s);
    res_free(&r);
}

/* Names: from the image when there is no --name, made unique. */
static void test_default_names(void)
{
    struct text hello = golden("hello");
    struct res r;
    VRUN(&r, "--stats", "--vm", KERNEL, "--boot", "hello", "--vm", KERNEL, "--boot", "hello");
    CU_ASSERT_EQUAL(r.status, 0);
    static const char *const names[] = {"kernel", "kernel-2"};
    for (int k = 0; k < 2; k++) {
        struct text t = lines_of(r.out, r.outlen, names, 2, k);
        CU_ASSERT(same_golden(names[k], t.s, t.len, hello));
        free(t.s);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "vm kernel: halted with 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "vm kernel-2: halted with 0\n"));
    res_free(&r);
    /* a default name does not take a name given with --name */
    VRUN(&r, "--stats", "--vm", KERNEL, "--boot", "hello", "--vm", KERNEL, "--boot", "hello", "--name", "kernel");
    CU_ASSERT_EQUAL(r.status, 0);
    const char *first = strstr(r.err, "vm kernel-2: halted"), *second = strstr(r.err, "vm kernel: halted");
    CU_ASSERT(first && second && first < second);
    for (int k = 0; k < 2; k++) {
        struct text t = lines_of(r.out, r.outlen, names, 2, k);
        CU_ASSERT(same_golden(names[k], t.s, t.len, hello));
        free(t.s);
    }
    res_free(&r);
    free(hello.s);

    /* long image names: cut to 31 characters, still unique */
    const char *longimg = halt_image(dir, "abcdefghijklmnopqrstuvwxyz0123456789.elf", 0);
    VRUN(&r, "--stats", "-m", "64K", "--vm", longimg, "--vm", longimg);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "vm abcdefghijklmnopqrstuvwxyz01234: halted with 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "vm abcdefghijklmnopqrstuvwxyz012-2: halted with 0\n"));
    res_free(&r);
}

/* --console-dir: DIR/NAME.out per VM, exact; nothing on stdout. */
static void test_console_dir(void)
{
    clear_con();
    const char *con = path_in(dir, "con");
    struct text hello = golden("hello"), fw = native_plain("forkwait 20");
    struct res r;
    VRUN(&r, "--console-dir", con, "--quantum", "97", "--vm", KERNEL, "--boot", "hello", "--name", "a", "--vm", KERNEL,
         "--boot", "forkwait 20", "--name", "b");
    expect_ok(&r, 0);
    CU_ASSERT_EQUAL(r.outlen, 0);
    size_t la, lb;
    char *a = slurp(path_in(dir, "con/a.out"), &la), *b = slurp(path_in(dir, "con/b.out"), &lb);
    CU_ASSERT(same_golden("con/a.out", a, la, hello));
    CU_ASSERT_BYTES("con/b.out", b, lb, fw.s, fw.len);
    CU_ASSERT_EQUAL(count_entries(con), 2);
    free(a);
    free(b);
    res_free(&r);

    /* an old file is replaced, not appended to */
    char old[400];
    memset(old, '.', sizeof old);
    old[sizeof old - 1] = '\n';
    CU_ASSERT(sizeof old > hello.len);
    spit(path_in(dir, "con/a.out"), old, sizeof old);
    VRUN(&r, "--console-dir", con, "--vm", KERNEL, "--boot", "hello", "--name", "a", "--vm", KERNEL, "--boot",
         "forkwait 20", "--name", "b");
    expect_ok(&r, 0);
    a = slurp(path_in(dir, "con/a.out"), &la);
    CU_ASSERT(same_golden("con/a.out again", a, la, hello));
    free(a);
    res_free(&r);

    /* one VM: its file, without prefixes, and nothing on stdout */
    clear_con();
    VRUN(&r, "--console-dir", con, KERNEL, "--boot", "hello");
    expect_ok(&r, 0);
    CU_ASSERT_EQUAL(r.outlen, 0);
    a = slurp(path_in(dir, "con/kernel.out"), &la);
    CU_ASSERT(same_golden("con/kernel.out", a, la, hello));
    CU_ASSERT_EQUAL(count_entries(con), 1);
    free(a);
    res_free(&r);
    free(hello.s);
    free(fw.s);
}

/* Options after a --vm are that VM's; before the first --vm, everyone's. */
static void test_per_vm_options(void)
{
    static const char *const names[] = {"a", "b"};
    struct text m4 = native_out("hello", NULL, (const char *[]){"-m", "4M", NULL}),
                m8 = native_out("hello", NULL, (const char *[]){"-m", "8M", NULL}), hello = golden("hello");
    CU_ASSERT(strcmp(m4.s, m8.s) != 0);
    struct res r;
    /* -m after --vm: that VM only */
    VRUN(&r, "--vm", KERNEL, "-m", "4M", "--boot", "hello", "--name", "a", "--vm", KERNEL, "--boot", "hello", "--name",
         "b");
    expect_ok(&r, 0);
    struct text a = lines_of(r.out, r.outlen, names, 2, 0), b = lines_of(r.out, r.outlen, names, 2, 1);
    CU_ASSERT_BYTES("a with -m 4M", a.s, a.len, m4.s, m4.len);
    CU_ASSERT(same_golden("b with the default memory", b.s, b.len, hello));
    free(a.s);
    free(b.s);
    res_free(&r);
    /* -m before the first --vm: every VM's default, which a VM may change */
    VRUN(&r, "-m", "4M", "--vm", KERNEL, "--boot", "hello", "--name", "a", "--vm", KERNEL, "--boot", "hello", "-m",
         "8M", "--name", "b");
    expect_ok(&r, 0);
    a = lines_of(r.out, r.outlen, names, 2, 0);
    b = lines_of(r.out, r.outlen, names, 2, 1);
    CU_ASSERT_BYTES("a with the common -m 4M", a.s, a.len, m4.s, m4.len);
    CU_ASSERT_BYTES("b with its -m 8M", b.s, b.len, m8.s, m8.len);
    free(a.s);
    free(b.s);
    res_free(&r);
    free(m4.s);
    free(m8.s);
    free(hello.s);

    /* --disk: one VM has it, the other does not */
    const char *dpath = path_in(dir, "vmdisk.img");
    uint8_t zeros[16 * 512] = {0};
    spit(dpath, zeros, sizeof zeros);
    struct text disk = golden("disk"), nodisk = golden("disk-none");
    VRUN(&r, "--vm", KERNEL, "--boot", "disk", "--name", "a", "--vm", KERNEL, "--boot", "disk", "--disk", dpath,
         "--name", "b");
    expect_ok(&r, 0);
    a = lines_of(r.out, r.outlen, names, 2, 0);
    b = lines_of(r.out, r.outlen, names, 2, 1);
    CU_ASSERT(same_golden("a without a disk", a.s, a.len, nodisk));
    CU_ASSERT(same_golden("b with a disk", b.s, b.len, disk));
    free(a.s);
    free(b.s);
    res_free(&r);
    size_t len;
    char *img = slurp(dpath, &len);
    CU_ASSERT_EQUAL(len, sizeof zeros);
    bool block3 = len == sizeof zeros;
    for (size_t i = 0; block3 && i < len; i++)
        block3 = (uint8_t)img[i] == (i / 512 == 3 ? (uint8_t)((i % 512) * 13 + 5) : 0);
    CU_ASSERT(block3);
    free(img);
    free(disk.s);
    free(nodisk.s);
}

/* The exit status with several VMs: the first non-zero one, in the order
 * of the command line (a limit counts: 124). */
static void test_exit_status_rule(void)
{
    const char *h0 = halt_image(dir, "h0.elf", 0), *h7 = halt_image(dir, "h7.elf", 7),
               *h9 = halt_image(dir, "h9.elf", 9), *h256 = halt_image(dir, "h256.elf", 256);
    struct res r;
    VRUN(&r, "-m", "64K", "--vm", h0, "--vm", h7, "--vm", h9);
    expect_ok(&r, 7);
    res_free(&r);
    VRUN(&r, "-m", "64K", "--vm", h9, "--vm", h0, "--vm", h7);
    expect_ok(&r, 9);
    res_free(&r);
    VRUN(&r, "-m", "64K", "--vm", h0, "--vm", h256, "--vm", h0);
    expect_ok(&r, 0);
    res_free(&r);
    /* a VM stopped at its limit, before or after one that halts with 7 */
    char want[8300];
    VRUN(&r, "--vm", h7, "-m", "64K", "--vm", KERNEL, "-n", "1000", "--name", "k");
    snprintf(want, sizeof want, "vrun: [k] %s: stopped at the instruction limit (1000 instructions), pc 0x", KERNEL);
    CU_ASSERT_EQUAL(r.status, 7);
    CU_ASSERT(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, "\n  status ") != NULL);
    CU_ASSERT_PTR_NULL(strstr(r.err, "\nvrun: ")); /* one report: the halted VM says nothing */
    CU_ASSERT_EQUAL(r.outlen, 0); /* 1000 instructions print nothing */
    res_free(&r);
    VRUN(&r, "--vm", KERNEL, "-n", "1000", "--name", "k", "--vm", h7, "-m", "64K");
    CU_ASSERT_EQUAL(r.status, 124);
    CU_ASSERT(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, "\n  status ") != NULL);
    res_free(&r);
}

/* One VM stopping (limit) or failing to load does not disturb the others. */
static void test_failure_isolation(void)
{
    static const char *const names[] = {"a", "b"};
    struct text hello = golden("hello"), fw = native_plain("forkwait 20");
    char want[8300];
    struct res r;
    /* the second VM stops at 1000 instructions; the first finishes */
    VRUN(&r, "--vm", KERNEL, "--boot", "hello", "--name", "a", "--vm", KERNEL, "--boot", "forkwait 20", "--name", "b",
         "-n", "1000");
    CU_ASSERT_EQUAL(r.status, 124);
    snprintf(want, sizeof want, "vrun: [b] %s: stopped at the instruction limit (1000 instructions), pc 0x", KERNEL);
    CU_ASSERT(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, "\n  status ") != NULL);
    struct text a = lines_of(r.out, r.outlen, names, 2, 0);
    CU_ASSERT(same_golden("a beside a VM at its limit", a.s, a.len, hello));
    free(a.s);
    res_free(&r);
    /* the first one stops, with a limit in the middle of its output (at
     * 45200 instructions hello has printed part of its first line; the
     * other limits are for a changed kernel); the second finishes, and the
     * first one's lines are what the bare machine prints in as many
     * instructions, the cut line ended */
    struct res nr = {0};
    const char *limit = NULL;
    static const char *const limits[] = {"45200", "60000", "90000", "120000"};
    for (int i = 0; i < 4 && !limit; i++) {
        VRUN(&nr, "--native", KERNEL, "--boot", "hello", "-n", limits[i]);
        CU_ASSERT_EQUAL(nr.status, 124);
        if (nr.outlen > 0 && nr.outlen < hello.len)
            limit = limits[i];
        else
            res_free(&nr);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(limit);
    VRUN(&r, "--vm", KERNEL, "--boot", "hello", "--name", "a", "-n", limit, "--vm", KERNEL, "--boot", "forkwait 20",
         "--name", "b");
    CU_ASSERT_EQUAL(r.status, 124);
    snprintf(want, sizeof want, "vrun: [a] %s: stopped at the instruction limit (%s instructions), pc 0x", KERNEL,
             limit);
    CU_ASSERT(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, "\n  status ") != NULL);
    a = lines_of(r.out, r.outlen, names, 2, 0);
    struct text b = lines_of(r.out, r.outlen, names, 2, 1);
    CU_ASSERT_BYTES("b beside a VM at its limit", b.s, b.len, fw.s, fw.len);
    bool cut = nr.out[nr.outlen - 1] != '\n';
    CU_ASSERT_EQUAL(a.len, nr.outlen + cut);
    CU_ASSERT(a.len >= nr.outlen && memcmp(a.s, nr.out, nr.outlen) == 0);
    free(a.s);
    free(b.s);
    res_free(&r);
    res_free(&nr);

    /* a garbage image: one line, status 1, before anything runs (no
     * output, no console file made) */
    const char *junk = path_in(dir, "junk.elf");
    spit(junk, "this is not an ELF file\n", 24);
    clear_con();
    VRUN(&r, "--console-dir", path_in(dir, "con"), "--vm", KERNEL, "--boot", "hello", "--name", "a", "--vm", junk,
         "--name", "b");
    snprintf(want, sizeof want, "vrun: [b] %s: not an ELF file", junk);
    expect_error(&r, 1, want);
    CU_ASSERT_EQUAL(count_entries(path_in(dir, "con")), 0);
    res_free(&r);
    VRUN(&r, "--vm", junk, "--vm", KERNEL, "--boot", "hello");
    snprintf(want, sizeof want, "vrun: [junk] %s: not an ELF file", junk);
    expect_error(&r, 1, want);
    res_free(&r);
    free(hello.s);
    free(fw.s);
}

/* --- lockstep, x86like, the disk ------------------------------------------------ */

static void test_lockstep(void)
{
    long long n = native_instructions("hello; forkwait 5");
    static const char *const policies[] = {"cache", "rebuild"};
    for (int i = 0; i < 2; i++) {
        struct res r;
        VRUN(&r, "--lockstep", "--shadow", policies[i], KERNEL, "--boot", "hello; forkwait 5");
        char want[300];
        snprintf(want, sizeof want,
                 "vrun: lockstep: the bare machine and the VMM (%s shadows) agree for all %lld instructions; both "
                 "stopped\n",
                 policies[i], n);
        expect_ok(&r, 0);
        CU_ASSERT_STRING_EQUAL(r.out, want);
        res_free(&r);
    }
    /* with input, all of stdin to both */
    long long ne = -1;
    {
        struct res r;
        vrun(&r, ECHO_INPUT, strlen(ECHO_INPUT), (const char *[]){"--native", "--stats", KERNEL, "--boot", "echo", NULL});
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT(sscanf(r.err, "vrun: %lld instructions retired", &ne) == 1);
        res_free(&r);
        vrun(&r, ECHO_INPUT, strlen(ECHO_INPUT), (const char *[]){"--lockstep", KERNEL, "--boot", "echo", NULL});
        char want[300];
        snprintf(want, sizeof want,
                 "vrun: lockstep: the bare machine and the VMM (cache shadows) agree for all %lld instructions; both "
                 "stopped\n",
                 ne);
        expect_ok(&r, 0);
        CU_ASSERT_STRING_EQUAL(r.out, want);
        res_free(&r);
    }

    /* x86like: the kernel's rdsr does not trap; the first difference is
     * found, with its instruction count and what differs */
    struct res r;
    VRUN(&r, "--lockstep", "--isa", "x86like", KERNEL, "--boot", "hello; forkwait 5");
    CU_ASSERT(r.exited);
    CU_ASSERT_EQUAL(r.status, 3); /* -h: "3 when they differ", not 1 (bad input) */
    CU_ASSERT_EQUAL(r.errlen, 0);
    long long at = -1;
    int used = 0;
    CU_ASSERT(sscanf(r.out, "vrun: lockstep: first difference after instruction %lld: %n", &at, &used) == 1);
    CU_ASSERT(used > 0 && at > 0 && at < n);
    if (used > 0) {
        const char *what = r.out + used;
        /* "REG: native 0x..., vmm 0x...": two different values */
        const char *nat = strstr(what, "native 0x"), *vmm = strstr(what, ", vmm 0x");
        CU_ASSERT(nat && vmm && nat < vmm);
        if (nat && vmm) {
            unsigned long a = strtoul(nat + 7, NULL, 16), b = strtoul(vmm + 6, NULL, 16);
            CU_ASSERT(a != b);
        }
        /* and the instruction after which they differ, placed and
         * disassembled: the kernel's rdsr, which x86like does not trap */
        const char *insn = strstr(what, "\n  the instruction: 0x");
        CU_ASSERT(insn != NULL && strstr(insn, " <assert_supervisor") != NULL &&
                  strstr(insn, ", in supervisor mode: rdsr ") != NULL);
        if (!insn || !strstr(insn, "rdsr"))
            fprintf(stderr, "\n  lockstep said:\n%s", r.out);
        /* --lockstep-all: the same place, and every difference there */
        struct res all;
        VRUN(&all, "--lockstep-all", "8", "--isa", "x86like", KERNEL, "--boot", "hello; forkwait 5");
        CU_ASSERT_EQUAL(all.status, 3);
        CU_ASSERT(strncmp(all.out, r.out, r.outlen) == 0); /* the two lines above, then the list */
        CU_ASSERT(strstr(all.out, "\n  what differs there:\n    r10 (a0): native 0x00000001, vmm 0x000000") != NULL);
        res_free(&all);
        /* two lines: what differs, and the instruction */
        const char *nl = memchr(r.out, '\n', r.outlen);
        CU_ASSERT(r.out[r.outlen - 1] == '\n' && nl && memchr(nl + 1, '\n', r.outlen - (size_t)(nl + 1 - r.out)) ==
                                                           r.out + r.outlen - 1);
    }
    res_free(&r);
}

/* --isa x86like under the VMM: the guest kernel's supervisor-mode check
 * reads the real status word (user mode: IE and PG) and panics, where the
 * bare machine (either ISA) runs it. */
static void test_x86like(void)
{
    struct text hello = golden("hello");
    struct res r;
    VRUN(&r, "--native", "--isa", "x86like", KERNEL, "--boot", "hello");
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("native x86like", r.out, r.outlen, hello));
    res_free(&r);
    char want[100];
    snprintf(want, sizeof want, "kernel: panic: not in supervisor mode (status 0x%08x)\n", SR_IE | SR_PG);
    VRUN(&r, "--isa", "x86like", KERNEL, "--boot", "hello");
    expect_ok(&r, 1);
    CU_ASSERT_STRING_EQUAL(r.out, want);
    res_free(&r);
    /* pg under the VMM runs it */
    VRUN(&r, "--isa", "pg", KERNEL, "--boot", "hello");
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("VMM pg", r.out, r.outlen, hello));
    res_free(&r);
    free(hello.s);
}

/* --disk under the VMM: the same file afterwards as on the bare machine. */
static void test_disk(void)
{
    uint8_t zeros[16 * 512] = {0};
    const char *vd = path_in(dir, "vmm.img"), *nd = path_in(dir, "native.img");
    spit(vd, zeros, sizeof zeros);
    spit(nd, zeros, sizeof zeros);
    struct text g = golden("disk");
    struct res r;
    VRUN(&r, "--native", "--disk", nd, KERNEL, "--boot", "disk");
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("native disk", r.out, r.outlen, g));
    res_free(&r);
    VRUN(&r, "--disk", vd, KERNEL, "--boot", "disk");
    expect_ok(&r, 0);
    CU_ASSERT(same_golden("VMM disk", r.out, r.outlen, g));
    res_free(&r);
    size_t vl, nl;
    char *v = slurp(vd, &vl), *n = slurp(nd, &nl);
    CU_ASSERT_EQUAL(vl, sizeof zeros);
    CU_ASSERT(vl == nl && memcmp(v, n, vl) == 0);
    bool pattern = vl == sizeof zeros;
    for (size_t i = 0; pattern && i < vl; i++)
        pattern = (uint8_t)v[i] == (i / 512 == 3 ? (uint8_t)((i % 512) * 13 + 5) : 0);
    CU_ASSERT(pattern);
    free(v);
    free(n);
    free(g.s);

    /* a bad disk file: one line, status 1 */
    char want[8300];
    const char *odd = path_in(dir, "odd.img");
    spit(odd, zeros, 1000);
    VRUN(&r, "--disk", odd, KERNEL, "--boot", "disk");
    snprintf(want, sizeof want, "vrun: %s: disk image is 1000 bytes, not a whole number of 512-byte blocks", odd);
    expect_error(&r, 1, want);
    res_free(&r);
    const char *missing = path_in(dir, "nodisk.img");
    VRUN(&r, "--vm", KERNEL, "--vm", KERNEL, "--disk", missing);
    snprintf(want, sizeof want, "vrun: %s: cannot open: No such file or directory", missing);
    expect_error(&r, 1, want);
    res_free(&r);
}

/* --- bad usage -------------------------------------------------------------------- */

static void test_bad_usage(void)
{
    struct res r;
    char want[8300];
    VRUN(&r, "--shadow", "nosuch", KERNEL);
    expect_error(&r, 2, "vrun: --shadow nosuch: unknown policy (rebuild, demand or cache)");
    res_free(&r);
    VRUN(&r, "--lockstep-all", "0", KERNEL);
    expect_error(&r, 2, "vrun: --lockstep-all 0: not a number of differences from 1 to 32");
    res_free(&r);
    VRUN(&r, "--lockstep-all", "33", KERNEL);
    expect_error(&r, 2, "vrun: --lockstep-all 33: not a number of differences from 1 to 32");
    res_free(&r);
    VRUN(&r, "--quantum", "0", KERNEL);
    expect_error(&r, 2, "vrun: --quantum 0: not a number of instructions");
    res_free(&r);
    VRUN(&r, "--quantum", "x", KERNEL);
    expect_error(&r, 2, "vrun: --quantum x: not a number of instructions");
    res_free(&r);
    VRUN(&r, "--quantum", "4294967296", KERNEL);
    expect_error(&r, 2, "vrun: --quantum 4294967296: not a number of instructions");
    res_free(&r);
    VRUN(&r, "--vm");
    expect_error(&r, 2, "vrun: --vm needs an argument");
    res_free(&r);
    VRUN(&r, "--vm", "--boot", "hello");
    expect_error(&r, 2, "vrun: --vm needs an image, not the option --boot (write ./NAME for a file named so)");
    res_free(&r);
    VRUN(&r, "--vm", KERNEL, "--boot", "hello", KERNEL);
    snprintf(want, sizeof want, "vrun: unexpected argument %s (give every image with --vm)", KERNEL);
    expect_error(&r, 2, want);
    res_free(&r);
    VRUN(&r, KERNEL, KERNEL);
    snprintf(want, sizeof want, "vrun: unexpected argument %s (one image at a time)", KERNEL);
    expect_error(&r, 2, want);
    res_free(&r);
    VRUN(&r, "--native", "--vm", KERNEL, "--vm", KERNEL);
    expect_error(&r, 2, "vrun: --native and --lockstep run one image; use --vm for several");
    res_free(&r);
    VRUN(&r, "--lockstep", "--vm", KERNEL, "--vm", KERNEL);
    expect_error(&r, 2, "vrun: --native and --lockstep run one image; use --vm for several");
    res_free(&r);

    /* memory: the bare machine's words (test_vrun_input.c tries every mode) */
    VRUN(&r, "-m", "1000", KERNEL);
    expect_error(&r, 2, "vrun: -m 1000: not a positive multiple of the page size (4K)");
    res_free(&r);
    VRUN(&r, "--vm", KERNEL, "--vm", KERNEL, "-m", "6K");
    expect_error(&r, 2, "vrun: -m 6K: not a positive multiple of the page size (4K)");
    res_free(&r);
    VRUN(&r, "-m", "0", KERNEL);
    expect_error(&r, 2, "vrun: -m 0: not a positive multiple of the page size (4K)");
    res_free(&r);
    VRUN(&r, "--vm", KERNEL, "-m", "1G", "--vm", KERNEL, "-m", "1G", "--vm", KERNEL, "-m", "1G", "--vm", KERNEL,
         "-m", "1021M");
    expect_error(&r, 2,
                 "vrun: the VMs need 4109 MiB of host memory (each VM's memory and 4 MiB for its shadow tables); "
                 "the VMM's host machine has at most 4 GiB less one 4K page");
    res_free(&r);

    /* names: unique, usable */
    VRUN(&r, "--vm", KERNEL, "--name", "a", "--vm", KERNEL, "--name", "a");
    expect_error(&r, 2, "vrun: --name a: two VMs have this name (each needs its own)");
    res_free(&r);
    VRUN(&r, "--name", "x", "--vm", KERNEL, "--vm", KERNEL);
    expect_error(&r, 2, "vrun: --name x: two VMs have this name (each needs its own)");
    res_free(&r);
    static const char *const bad_names[] = {"", "a/b", "say \"hi\"", "tab\there",
                                            "abcdefghijklmnopqrstuvwxyz012345"};
    for (int i = 0; i < 5; i++) {
        VRUN(&r, "--name", bad_names[i], KERNEL);
        snprintf(want, sizeof want,
                 "vrun: --name %s: not a VM name (1 to 31 bytes of UTF-8, none of them '/', '\"', '\\' or a "
                 "control character)",
                 bad_names[i]);
        expect_error(&r, 2, want);
        res_free(&r);
    }
    /* 31 characters is a name */
    struct text hello = golden("hello");
    VRUN(&r, "--stats", "--name", "abcdefghijklmnopqrstuvwxyz01234", KERNEL, "--boot", "hello");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(starts_with(r.err, "vm abcdefghijklmnopqrstuvwxyz01234: halted with 0\n"));
    CU_ASSERT(same_golden("long name", r.out, r.outlen, hello));
    res_free(&r);
    free(hello.s);

    /* -n 0 is no limit to the VMM: refused rather than run unlimited */
    VRUN(&r, "-n", "0", KERNEL);
    expect_error(&r, 2, "vrun: -n 0: the limit must be at least 1 instruction");
    res_free(&r);
    VRUN(&r, "--vm", KERNEL, "--vm", KERNEL, "-n", "0");
    expect_error(&r, 2, "vrun: -n 0: the limit must be at least 1 instruction");
    res_free(&r);
    VRUN(&r, "--vm", KERNEL, "-n", "x");
    expect_error(&r, 2, "vrun: -n x: not a number of instructions");
    res_free(&r);

    /* --console-dir on a missing directory: one line, status 1 */
    const char *missing = path_in(dir, "nosuch");
    VRUN(&r, "--console-dir", missing, "--vm", KERNEL, "--name", "a", "--vm", KERNEL, "--name", "b");
    snprintf(want, sizeof want, "vrun: %s/a.out: cannot create: No such file or directory", missing);
    expect_error(&r, 1, want);
    CU_ASSERT(!exists(missing));
    res_free(&r);
    /* one console file cannot be made: the other is not made either, and
     * an old one is left as it was */
    clear_con();
    CU_ASSERT_FATAL(mkdir(path_in(dir, "con/b.out"), 0755) == 0);
    VRUN(&r, "--console-dir", path_in(dir, "con"), "--vm", KERNEL, "--name", "a", "--vm", KERNEL, "--name", "b");
    snprintf(want, sizeof want, "vrun: %s: is a directory", path_in(dir, "con/b.out"));
    expect_error(&r, 1, want);
    CU_ASSERT(!exists(path_in(dir, "con/a.out")));
    res_free(&r);
    spit(path_in(dir, "con/a.out"), "keep\n", 5);
    VRUN(&r, "--console-dir", path_in(dir, "con"), "--vm", KERNEL, "--name", "a", "--vm", KERNEL, "--name", "b");
    expect_error(&r, 1, want);
    size_t klen;
    char *keep = slurp(path_in(dir, "con/a.out"), &klen);
    CU_ASSERT_STRING_EQUAL(keep, "keep\n");
    free(keep);
    res_free(&r);
    clear_con();

    /* bad images */
    const char *nofile = path_in(dir, "missing.elf");
    VRUN(&r, nofile);
    snprintf(want, sizeof want, "vrun: %s: cannot open: No such file or directory", nofile);
    expect_error(&r, 1, want);
    res_free(&r);
    VRUN(&r, "--vm", KERNEL, "--vm", nofile, "--name", "m");
    snprintf(want, sizeof want, "vrun: [m] %s: cannot open: No such file or directory", nofile);
    expect_error(&r, 1, want);
    res_free(&r);
}

/* --trace-exits: one line per exit on stderr, of each kind as many as the
 * summary of --stats counts, each saying what the VMM did; the console
 * output is the run's without it. */
/* --native --stats: traps by cause, whose sum the line gives, and page
 * walks - the guest kernel pages, so it walks, and makes system calls. */
static void test_native_stats(void)
{
    struct res r;
    VRUN(&r, "--native", "--stats", KERNEL, "--boot", "hello");
    CU_ASSERT(r.exited && r.status == 0);
    const char *t = strstr(r.err, "\nvrun: traps taken: ");
    CU_ASSERT_FATAL(t != NULL);
    long long sum = 0, all = -1, walks = -1, sys = -1;
    const char *end = strchr(t + 1, '\n');
    for (const char *p = t + strlen("\nvrun: traps taken:"); p && p < end;) {
        char name[32];
        long long k;
        if (sscanf(p, " %31[a-z-] %lld", name, &k) != 2)
            break;
        sum += k;
        if (strcmp(name, "syscall") == 0)
            sys = k;
        p = strchr(p + 1, ',');
        if (p)
            p++;
    }
    const char *in_all = strstr(t, " in all)");
    while (in_all && in_all > t && in_all[-1] >= '0' && in_all[-1] <= '9')
        in_all--;
    CU_ASSERT(in_all && sscanf(in_all, "%lld", &all) == 1);
    CU_ASSERT_EQUAL(sum, all);
    CU_ASSERT(sys > 0);
    const char *w = strstr(r.err, "\nvrun: page-table walks (TLB misses with paging on): ");
    CU_ASSERT(w && sscanf(w, "\nvrun: page-table walks (TLB misses with paging on): %lld", &walks) == 1);
    CU_ASSERT(walks > 0);
    res_free(&r);
}

/* A whole file, NUL-terminated (file_bytes grows by 4 KiB at a time: too
 * slow under ASan for a trace of millions of bytes); NULL if unreadable. */
static char *whole_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf = f && fstat(fileno(f), &st) == 0 ? malloc((size_t)st.st_size + 1) : NULL;
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    if (f)
        fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* The E lines of a trace (--trace-exits on stderr, --trace FILE) in text
 * that ends at end, counted by kind against the --stats summary m. */
static void check_exit_lines(const char *text, const char *end, const struct summary *m)
{
    long long lines = 0, by_kind[7] = {0}, emulated_named = 0;
    /* line by line, by hand: under ASan, strstr reads all the rest of a
     * trace of millions of bytes at every call */
    for (const char *p = text, *next; p < end; p = next) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        next = nl ? nl + 1 : end;
        if (next - p < 2 || p[0] != 'E' || p[1] != ' ')
            continue;
        lines++;
        const char *colon = p;
        while (colon + 7 <= next && memcmp(colon, " exit: ", 7) != 0)
            colon++;
        CU_ASSERT_FATAL(colon + 7 <= next);
        colon += strlen(" exit: ");
        for (int k = 0; k < 7; k++)
            if (strncmp(colon, kinds[k][1], strlen(kinds[k][1])) == 0)
                by_kind[k]++;
        /* an emulated instruction is named: "...emulated: mtcr" */
        if (strncmp(colon, kinds[0][1], strlen(kinds[0][1])) == 0 && colon[strlen(kinds[0][1])] == ':' &&
            strchr("mrwhitoe", colon[strlen(kinds[0][1]) + 2]))
            emulated_named++;
    }
    CU_ASSERT_EQUAL(lines, m->exits);
    for (int k = 0; k < 7; k++)
        CU_ASSERT_EQUAL(by_kind[k], m->by_kind[k]);
    CU_ASSERT_EQUAL(emulated_named, m->by_kind[0]);
    CU_ASSERT(m->by_kind[0] > 0 && m->by_kind[1] > 0);
}

static void test_trace_exits(void)
{
    struct text hello = golden("hello");
    struct res r;
    VRUN(&r, "--trace-exits", "--stats", KERNEL, "--boot", "hello");
    CU_ASSERT(r.exited && r.status == 0);
    CU_ASSERT(same_golden("traced", r.out, r.outlen, hello));
    const char *sum = strstr(r.err, "vm kernel: ");
    struct summary m;
    CU_ASSERT_FATAL(sum != NULL && parse_summary(sum, &m));
    check_exit_lines(r.err, sum, &m);
    res_free(&r);

    /* --trace FILE: the same lines, in the file, and nothing on stderr but the summary */
    const char *path = path_in(dir, "exits.trace");
    VRUN(&r, "--trace", path, "--stats", KERNEL, "--boot", "hello");
    CU_ASSERT(r.exited && r.status == 0);
    CU_ASSERT(same_golden("traced to a file", r.out, r.outlen, hello));
    CU_ASSERT(strncmp(r.err, "vm kernel: ", 11) == 0);
    struct summary m2;
    CU_ASSERT_FATAL(parse_summary(r.err, &m2));
    size_t len = 0;
    char *text = whole_file(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    check_exit_lines(text, text + len, &m2);
    free(text);
    res_free(&r);
    free(hello.s);
}

/* Where two texts first differ: the line of a, and its number (from 1). */
static const char *first_difference(const char *a, size_t alen, const char *b, size_t blen, long *line)
{
    size_t i = 0;
    *line = 1;
    const char *start = a;
    while (i < alen && i < blen && a[i] == b[i]) {
        if (a[i] == '\n') {
            ++*line;
            start = a + i + 1;
        }
        i++;
    }
    return i == alen && i == blen ? NULL : start;
}

/* The trace of the guest kernel under the VMM with --trace-events
 * insn,trap is the bare machine's trace, byte for byte: every instruction
 * with the same count, pc, symbol and disassembly, every trap (system
 * calls, timer interrupts) where the bare machine takes it; the default
 * trace under the VMM is that with E lines between; two VMs time-shared
 * each give it, in the lines that carry their names.  And with --isa
 * x86like, where the VMM does not virtualize the machine (rdsr does not
 * trap), the two traces part. */
static void test_trace_equivalence(void)
{
    const char *np = path_in(dir, "native.trace"), *vp = path_in(dir, "vmm.trace"), *ap = path_in(dir, "all.trace");
    struct text hello = golden("hello");
    struct res r;
    VRUN(&r, "--native", "--trace", np, KERNEL, "--boot", "hello");
    CU_ASSERT(r.exited && r.status == 0);
    res_free(&r);
    VRUN(&r, "--trace", vp, "--trace-events", "insn,trap", KERNEL, "--boot", "hello");
    CU_ASSERT(r.exited && r.status == 0);
    CU_ASSERT(same_golden("stdout, traced under the VMM", r.out, r.outlen, hello));
    res_free(&r);
    size_t nlen = 0, vlen = 0, alen = 0;
    char *n = whole_file(np, &nlen), *v = whole_file(vp, &vlen);
    CU_ASSERT_FATAL(n != NULL && v != NULL);
    long line = 0;
    const char *at = first_difference(n, nlen, v, vlen, &line);
    CU_ASSERT_PTR_NULL(at);
    if (at)
        fprintf(stderr, "\n  the traces part at line %ld: native %.*s", line, (int)strcspn(at, "\n") + 1, at);
    /* a run with system calls and timer interrupts, each a T line */
    CU_ASSERT_PTR_NOT_NULL(strstr(n, "trap: syscall,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(n, "trap: timer,"));
    CU_ASSERT(nlen > 1000000);

    /* the default: everything, the same I and T lines with E lines between */
    VRUN(&r, "--trace", ap, KERNEL, "--boot", "hello");
    CU_ASSERT(r.exited && r.status == 0);
    res_free(&r);
    char *a = whole_file(ap, &alen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    size_t w = 0, elines = 0;
    for (size_t i = 0; i < alen;) {
        size_t e = i;
        while (e < alen && a[e] != '\n')
            e++;
        if (a[i] == 'E')
            elines++;
        else {
            memmove(a + w, a + i, e + 1 - i);
            w += e + 1 - i;
        }
        i = e + 1;
    }
    CU_ASSERT(elines > 100);
    CU_ASSERT(w == nlen && memcmp(a, n, nlen) == 0);
    free(a);

    /* two VMs, switched every 1000 instructions: each one's lines, its
     * "[NAME] " taken out, are the bare machine's trace */
    VRUN(&r, "--trace", ap, "--trace-events", "insn,trap", "--quantum", "1000", "--vm", KERNEL, "--boot", "hello",
         "--name", "a", "--vm", KERNEL, "--boot", "hello", "--name", "b");
    CU_ASSERT(r.exited && r.status == 0);
    res_free(&r);
    a = whole_file(ap, &alen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    for (int vm = 0; vm < 2; vm++) {
        const char *tag = vm ? "[b] " : "[a] ";
        char *mine = malloc(alen + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(mine);
        size_t m = 0;
        /* by hand: ASan's strstr and strlen read the whole rest of the text */
        for (const char *l = a, *end = a + alen; l < end;) {
            const char *e = memchr(l, '\n', (size_t)(end - l));
            e = e ? e + 1 : end;
            const char *t = l;
            while (t + 4 <= e && memcmp(t, tag, 4) != 0)
                t++;
            if (t + 4 <= e) {
                memcpy(mine + m, l, (size_t)(t - l));
                m += (size_t)(t - l);
                memcpy(mine + m, t + 4, (size_t)(e - t - 4));
                m += (size_t)(e - t - 4);
            }
            l = e;
        }
        CU_ASSERT(m == nlen && memcmp(mine, n, nlen) == 0);
        if (m != nlen || memcmp(mine, n, nlen) != 0) {
            at = first_difference(n, nlen, mine, m, &line);
            fprintf(stderr, "\n  VM %c's lines part from the bare machine's at line %ld", vm ? 'b' : 'a', line);
        }
        free(mine);
    }
    free(a);
    free(n);
    free(v);

    /* x86like: the kernel's rdsr sees the real status under the VMM */
    VRUN(&r, "--native", "--isa", "x86like", "--trace", np, KERNEL, "--boot", "hello");
    res_free(&r);
    VRUN(&r, "--isa", "x86like", "--trace", vp, "--trace-events", "insn,trap", KERNEL, "--boot", "hello");
    res_free(&r);
    n = whole_file(np, &nlen);
    v = whole_file(vp, &vlen);
    CU_ASSERT_FATAL(n != NULL && v != NULL);
    at = first_difference(n, nlen, v, vlen, &line);
    CU_ASSERT_PTR_NOT_NULL(at);
    /* they part a few instructions after an rdsr, which the VMM never saw:
     * where the kernel branches on the mode it read */
    if (at) {
        const char *prev = at;
        for (int k = 0; k < 3 && prev > n; k++)
            for (prev--; prev > n && prev[-1] != '\n';)
                prev--;
        const char *r = strstr(prev, " rdsr ");
        CU_ASSERT(r != NULL && r < at);
        if (!r || r > at)
            fprintf(stderr, "\n  x86like: no rdsr in the 3 lines before line %ld:\n%.*s", line, (int)(at - prev),
                    prev);
    }
    free(n);
    free(v);
    free(hello.s);
}

/* --native --stats-json and --stats-json side by side: valid JSON both, the
 * same keys for the same things - the guest's instructions, cycles and
 * interrupts are the same numbers natively and under the VMM; the native
 * traps by cause add up to the sum of --stats. */
static void test_native_stats_json(void)
{
    const char *nj = path_in(dir, "native.json"), *vj = path_in(dir, "vmm.json");
    struct res r;
    VRUN(&r, "--native", "--stats", "--stats-json", nj, KERNEL, "--boot", "forkwait 20");
    CU_ASSERT(r.exited && r.status == 0);
    const char *all = strstr(r.err, " in all)");
    while (all && all > r.err && all[-1] >= '0' && all[-1] <= '9')
        all--;
    long long traps_all = all ? strtoll(all, NULL, 10) : -1;
    res_free(&r);
    VRUN(&r, "--stats-json", vj, KERNEL, "--boot", "forkwait 20");
    CU_ASSERT(r.exited && r.status == 0);
    res_free(&r);
    size_t nlen = 0, vlen = 0;
    char *n = file_bytes(nj, &nlen), *v = file_bytes(vj, &vlen);
    CU_ASSERT_FATAL(n != NULL && v != NULL);
    char why[200] = "";
    CU_ASSERT(json_strict(n, nlen, why, sizeof why));
    CU_ASSERT(json_strict(v, vlen, why, sizeof why));
    if (why[0])
        fprintf(stderr, "\n  not JSON: %s", why);
    CU_ASSERT_PTR_NOT_NULL(strstr(n, "\"mode\": \"native\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(v, "\"mode\": \"vmm\""));
    const char *keys[] = {"instructions", "cycles", "interrupts", "exit_value"};
    for (int k = 0; k < 4; k++) {
        CU_ASSERT(json_num(n, keys[k]) >= 0);
        CU_ASSERT_EQUAL(json_num(n, keys[k]), json_num(v, keys[k]));
    }
    CU_ASSERT(json_num(n, "interrupts") > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(n, "\"name\": \"kernel\", \"state\": \"halted\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(v, "\"name\": \"kernel\", \"state\": \"halted\""));
    /* the traps by cause add up; the TLB: some hits, and as many misses as walks */
    const char *t = strstr(n, "\"traps\": {");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    long long sum = 0;
    for (const char *p = t + strlen("\"traps\": {"); *p && *p != '}'; p++)
        if (*p == ':')
            sum += strtoll(p + 1, NULL, 10);
    CU_ASSERT_EQUAL(sum, traps_all);
    CU_ASSERT(json_num(n, "hits") > json_num(n, "misses"));
    CU_ASSERT(json_num(n, "misses") > 0);
    CU_ASSERT_EQUAL(json_num(n, "misses"), json_num(n, "page_walks"));
    free(n);
    free(v);
}

void suite_vrun_vmm(void)
{
    CU_pSuite s = CU_add_suite("vrun_vmm", suite_init, suite_clean);
    CU_add_test(s, "vrun and the guest kernel are there", test_present);
    CU_add_test(s, "vrun IMAGE: under the VMM, the bare machine's output", test_default_mode);
    CU_add_test(s, "the guest's halt value is the status", test_halt_status);
    CU_add_test(s, "--shadow rebuild|demand|cache", test_shadow_policies);
    CU_add_test(s, "--stats: the summary adds up", test_stats);
    CU_add_test(s, "--stats-json: agrees with --stats; bad paths", test_stats_json);
    CU_add_test(s, "two VMs: prefixed lines, each VM's exact output", test_two_vms);
    CU_add_test(s, "default VM names are unique", test_default_names);
    CU_add_test(s, "--console-dir: DIR/NAME.out", test_console_dir);
    CU_add_test(s, "per-VM -m and --disk", test_per_vm_options);
    CU_add_test(s, "several VMs: the first non-zero status", test_exit_status_rule);
    CU_add_test(s, "one VM's failure leaves the others alone", test_failure_isolation);
    CU_add_test(s, "--lockstep: agreement, and the x86like divergence", test_lockstep);
    CU_add_test(s, "--isa x86like: the guest kernel panics", test_x86like);
    CU_add_test(s, "--disk under the VMM", test_disk);
    CU_add_test(s, "bad usage under the VMM: one line each", test_bad_usage);
    CU_add_test(s, "--technique and --mmu by name", test_techniques);
    CU_add_test(s, "--native --stats: traps by cause, page walks", test_native_stats);
    CU_add_test(s, "--trace-exits: a line per exit, as many as --stats counts", test_trace_exits);
    CU_add_test(s, "--trace: the VMM's I and T lines are the bare machine's", test_trace_equivalence);
    CU_add_test(s, "--native --stats-json beside the VMM's", test_native_stats_json);
}
