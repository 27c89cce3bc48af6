/*
 * test_vmon.c - the monitor, vmon (suite `vmon`; docs/monitor.md).
 *
 * Scripted sessions run through the real vmon binary ($VMLAB_BIN/vmon) in
 * batch mode, each compared whole with an expected transcript in
 * tests/vmon/: NAME.cmd the commands (their # lines say what each must
 * show and why), NAME.out the expected stdout, NAME.err the expected
 * stderr (none: empty).  The programs are tests/vmon/sum.s (whose
 * registers and memory at each stop are worked out by hand in its
 * comments and in sum.cmd) and tests/guests/paging.s (its page tables,
 * registers and the exits the VMM takes on it, in paging.cmd), assembled
 * by vasm.
 *
 * Then vmon's exit statuses, one by one, and, in-process, what a batch
 * cannot show: an empty line repeating the last step, and completion.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asmtest.h"
#include "monitor.h"
#include "runvrun.h"
#include "scratch.h"

static char *vmon, *dir;
static char calls[4200], sum[4200], paging[4200], badptb[4200], spin[4200], conwait[4200], diskinc[4200], stale[4200],
    sens[4200];

static bool assemble(const char *src, const char *name, char *out, size_t len)
{
    char *vasm = tool_path("vasm");
    snprintf(out, len, "%s/%s", dir, name);
    int st = run_cmd((char *const[]){vasm, "-o", out, (char *)src, NULL}, false, NULL, NULL);
    free(vasm);
    return st == 0;
}

static int suite_init(void)
{
    vmon = tool_path("vmon");
    dir = scratch_dir("vmon");
    if (!dir)
        return 1;
    return assemble("tests/vmon/spin.s", "spin.elf", spin, sizeof spin) &&
                   assemble("tests/vmon/sum.s", "sum.elf", sum, sizeof sum) &&
                   assemble("tests/vmon/calls.s", "calls.elf", calls, sizeof calls) &&
                   assemble("tests/guests/paging.s", "paging.elf", paging, sizeof paging) &&
                   assemble("tests/guests/badptb.s", "badptb.elf", badptb, sizeof badptb) &&
                   assemble("tests/guests/conwait.s", "conwait.elf", conwait, sizeof conwait) &&
                   assemble("tests/vmon/diskinc.s", "diskinc.elf", diskinc, sizeof diskinc) &&
                   assemble("tests/vmon/stale.s", "stale.elf", stale, sizeof stale) &&
                   assemble("tests/vmon/sensitive.s", "sensitive.elf", sens, sizeof sens)
               ? 0
               : 1;
}

static int suite_clean(void)
{
    free(vmon);
    if (dir)
        tmpdir_remove(dir);
    return 0;
}

/* got must be want; if not, the first line where they part, on stderr. */
static bool same_text(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return true;
    unsigned line = 1;
    const char *g = got, *w = want;
    while (*g && *g == *w) {
        if (*g == '\n') {
            line++;
            got = g + 1;
            want = w + 1;
        }
        g++, w++;
    }
    int gl = (int)strcspn(got, "\n"), wl = (int)strcspn(want, "\n");
    fprintf(stderr, "\n  %s differs at line %u:\n    got:  %.*s%s\n    want: %.*s%s\n", what, line, gl, got,
            *got ? "" : "(the end)", wl, want, *want ? "" : "(the end)");
    return false;
}

static char *expected(const char *name, const char *ext)
{
    char path[256];
    snprintf(path, sizeof path, "tests/vmon/%s.%s", name, ext);
    char *t = read_text(path);
    return t ? t : strdup(""); /* no .err: nothing on stderr */
}

/* vmon with args, the commands of tests/vmon/CMDS.cmd on stdin (NULL:
 * /dev/null), must print NAME.out and NAME.err and exit with status. */
static void transcript(const char *name, const char *cmds, int status, const char *const *args)
{
    char in[256];
    snprintf(in, sizeof in, "tests/vmon/%s.cmd", cmds ? cmds : name);
    struct res r;
    run_vrun_with(vmon, dir, &r, &(struct vrun_setup){.stdin_path = cmds ? in : "/dev/null"}, args);
    char *out = expected(name, "out"), *err = expected(name, "err");
    char what[300];
    CU_ASSERT(r.exited && r.status == status);
    if (!r.exited || r.status != status)
        fprintf(stderr, "\n  %s: status %d, not %d\n", name, r.status, status);
    snprintf(what, sizeof what, "%s: stdout", name);
    CU_ASSERT(same_text(what, r.out, out));
    snprintf(what, sizeof what, "%s: stderr", name);
    CU_ASSERT(same_text(what, r.err, err));
    free(out);
    free(err);
    res_free(&r);
}

/* Every command on the bare machine, then under the VMM: the same values,
 * the virtual CPU's. */
static void test_sum_native(void) { transcript("sum-native", "sum", 0, (const char *[]){"--native", sum, NULL}); }
static void test_sum_vmm(void) { transcript("sum-vmm", "sum", 0, (const char *[]){sum, NULL}); }

/* next and finish on calls.s (its comment and calls.cmd say what each
 * stop must show, by hand), with their errors, natively and under the VMM. */
static void test_calls_native(void)
{
    transcript("calls-native", "calls", 5, (const char *[]){"--native", calls, NULL});
}
static void test_calls_vmm(void) { transcript("calls-vmm", "calls", 5, (const char *[]){calls, NULL}); }

/* checkpoint, restart, reverse-step, reverse-continue on sum.s, whose
 * registers and memory at each point travel.cmd works out by hand. */
static void test_travel_native_transcript(void)
{
    transcript("travel-native", "travel", 5, (const char *[]){"--native", sum, NULL});
}
static void test_travel_vmm_transcript(void) { transcript("travel-vmm", "travel", 5, (const char *[]){sum, NULL}); }

/* The warnings and their switches on stale.s, whose entries and addresses
 * warn.cmd works out by hand: under the VMM (the flushed remap says
 * nothing, the unflushed one and the kernel's read of a user page say
 * one warning each), with --no-warn (none), natively (none, and said so). */
static void test_warn_vmm(void) { transcript("warn-vmm", "warn", 5, (const char *[]){stale, NULL}); }
static void test_warn_quiet(void)
{
    transcript("warn-quiet", "warn", 5, (const char *[]){"--no-warn", stale, NULL});
    transcript("warn-on", "warn-on", 0, (const char *[]){"--no-warn", stale, NULL});
}
static void test_warn_native(void) { transcript("warn-native", "warn", 5, (const char *[]){"--native", stale, NULL}); }

/* x86like: rdsr and wrsr in the guest kernel run without a trap; what the
 * guest saw, worked out in sensitive.cmd from the manuals. */
static void test_warn_sensitive(void)
{
    transcript("sensitive", "sensitive", 0, (const char *[]){"--isa", "x86like", sens, NULL});
}

/* The guest OS's demo, run whole: a kernel that flushes as docs/isa.md 7
 * asks and zeroes freed page tables (no longer linked from its root) says
 * no warning at all. */
static void test_warn_demo_quiet(void)
{
    static const char cmds[] = "continue\n";
    struct res r;
    run_vrun_with(vmon, dir, &r, &(struct vrun_setup){.in = cmds, .inlen = strlen(cmds), .timeout = 60},
                  (const char *[]){"build/guest-os/kernel.elf", NULL});
    CU_ASSERT(r.exited && r.status == 0);
    CU_ASSERT(strstr(r.out, "the guest halted with 0\n") != NULL);
    const char *w = strstr(r.out, "warning: ");
    CU_ASSERT(w == NULL);
    if (w || !r.exited || r.status != 0)
        fprintf(stderr, "\n  the demo: status %d, %s%.*s\n", r.status, w ? "said: " : "", w ? (int)strcspn(w, "\n") : 0,
                w ? w : "");
    res_free(&r);
}

/* A bad command or operand: one line naming the file and line; the
 * session goes on (what follows the errors runs) and ends with 5. */
static void test_errors(void)
{
    transcript("errors", NULL, 5, (const char *[]){"--native", "-x", "tests/vmon/errors.cmd", sum, NULL});
}

/* until-exit under the VMM: a hidden page fault with paging off, an
 * emulated privileged instruction, and with the guest's paging on, hidden
 * faults filled from the guest's entries; memory through the guest's own
 * tables, and addresses they do not map. */
static void test_paging_exits(void) { transcript("paging", "paging", 5, (const char *[]){"-m", "1M", paging, NULL}); }

/* The step limit over the whole session: a program that never ends stops
 * after exactly N instructions, the status is 4 and the session ends. */
static void test_step_limit(void)
{
    transcript("limit", "limit", 4, (const char *[]){"--native", "--max-steps", "1000", spin, NULL});
}

/* A guest that ends in a run-time error: a double fault (badptb.s turns
 * paging on through a table that does not map its next instruction, and
 * has no handler): status 3 and the report vrun gives. */
static void test_guest_error(void) { transcript("dfault", "dfault", 3, (const char *[]){"-m", "1M", badptb, NULL}); }

/* Dumps at the end, as graders ask for them. */
static void test_dumps(void)
{
    transcript("dump", "dump", 0,
               (const char *[]){"--native", "--dump-regs", "--dump", "x/2w result", "--dump", "xp/3b 0x200c", sum,
                                NULL});
}

/* The views under the VMM on paging.s: info cpu (the two CPUs), walk (the
 * guest's tables beside the shadow's), history, and their error paths. */
static void test_views(void) { transcript("views", "views", 5, (const char *[]){"-m", "1M", paging, NULL}); }

/* catch and watch under the VMM on paging.s: a data watch hit by the CPU,
 * a reflected system call caught by cause, and the remap's store into a
 * live page table caught as a tracing fault and by a watch on that entry. */
static void test_catch_watch(void) { transcript("catch", "catch", 0, (const char *[]){"-m", "1M", paging, NULL}); }
/* break ADDR if user / if supervisor / if vm NAME (condbreak.cmd says
 * what each stop must show, by hand), and the condition's errors. */
static void test_cond_break(void) { transcript("condbreak", "condbreak", 5, (const char *[]){"-m", "1M", paging, NULL}); }
/* x and xp with hpa: under the VMM (hpa.cmd works the addresses out by
 * hand), and where hpa: is refused. */
static void test_hpa(void) { transcript("hpa", "hpa", 5, (const char *[]){"-m", "1M", paging, NULL}); }
/* info tlb and info stats (tlbstats.cmd and calls.cmd count by hand). */
static void test_tlb_stats(void) { transcript("tlbstats", "tlbstats", 5, (const char *[]){"-m", "1M", paging, NULL}); }
/* docs/remedies.md: one sensitive instruction and one page-table update
 * under binary translation and under paravirtualization (the comments of
 * tests/vmon/remedies-*.cmd say what each stop must show) */
static void test_remedies_bt(void)
{
    transcript("remedies-bt", "remedies-bt", 0,
               (const char *[]){"--technique", "bt", "--isa", "x86like", "--boot", "syscalls 1",
                                "build/guest-os/kernel.elf", NULL});
}
static void test_remedies_pv(void)
{
    transcript("remedies-pv", "remedies-pv", 0,
               (const char *[]){"--technique", "pv", "--isa", "x86like", "--boot", "syscalls 1",
                                "build/guest-os/kernel-pv.elf", NULL});
}

static void test_remedies_hw(void)
{
    transcript("remedies-hw", "remedies-hw", 0,
               (const char *[]){"--technique", "hw", "--mmu", "nested", "--isa", "x86like", "--boot",
                                "syscalls 1; memory 1", "build/guest-os/kernel.elf", NULL});
}
static void test_remedies_hw_shadow(void)
{
    transcript("remedies-hw-shadow", "remedies-hw-shadow", 0,
               (const char *[]){"--technique", "hw", "--isa", "x86like", "--boot", "memory 1",
                                "build/guest-os/kernel.elf", NULL});
}

/* docs/monitor.md's guided tour: one system call from the guest to the VMM and back */
static void test_tour(void) { transcript("tour", "tour", 0, (const char *[]){"-m", "1M", paging, NULL}); }

/* The "done when": the guest OS's demo stopped at its first
 * tracing fault, the guest entry before -> after and the shadow entry. */
static void test_demo_tracing(void)
{
    transcript("demo", "demo", 0, (const char *[]){"build/guest-os/kernel.elf", NULL});
}

/* On the bare machine: walk and info cpu of the machine alone, a watch on
 * a page-table entry hit by the CPU's store; catch and history refused. */
static void test_native_views(void)
{
    transcript("native-views", "native-views", 5,
               (const char *[]){"--native", "--no-color", "-m", "1M", paging, NULL});
}

/* Two VMs: info vms and vm; a step runs the current one alone. */
static void test_two_vms(void)
{
    transcript("vms", "vms", 0, (const char *[]){"--vm", sum, "--vm", sum, NULL});
}

/* Time travel with two VMs: only the current one goes back. */
static void test_travel_two_vms(void)
{
    transcript("travel-vms", "travel-vms", 5, (const char *[]){"--vm", sum, "--vm", conwait, NULL});
}

/* The statuses of what goes wrong before the first command. */
static void test_statuses(void)
{
    struct res r;
    char missing[4300];
    snprintf(missing, sizeof missing, "%s/missing.elf", dir);
    run_vrun(vmon, dir, &r, "", 0, (const char *[]){missing, NULL});
    CU_ASSERT(r.exited && r.status == 1 && strstr(r.err, "missing.elf") && !strchr(strchr(r.err, '\n') + 1, '\n'));
    res_free(&r);
    run_vrun(vmon, dir, &r, "", 0, (const char *[]){NULL});
    CU_ASSERT(r.exited && r.status == 2 && strcmp(r.err, "vmon: no image given\n") == 0);
    res_free(&r);
    run_vrun(vmon, dir, &r, "", 0, (const char *[]){"--frob", sum, NULL});
    CU_ASSERT(r.exited && r.status == 2 && strcmp(r.err, "vmon: unknown option --frob\n") == 0);
    res_free(&r);
    run_vrun(vmon, dir, &r, "", 0, (const char *[]){"-x", missing, sum, NULL});
    CU_ASSERT(r.exited && r.status == 1 && strstr(r.err, "cannot read"));
    res_free(&r);
    run_vrun(vmon, dir, &r, "", 0, (const char *[]){"--dump", "regs", sum, NULL});
    CU_ASSERT(r.exited && r.status == 2 && strstr(r.err, "not a memory dump"));
    res_free(&r);
    /* -h names every status */
    run_vrun(vmon, dir, &r, "", 0, (const char *[]){"-h", NULL});
    CU_ASSERT(r.exited && r.status == 0 && strstr(r.out, "0 all went well") && strstr(r.out, "1 an image") &&
              strstr(r.out, "2 bad usage") && strstr(r.out, "3 the guest ended") &&
              strstr(r.out, "4 the step limit") && strstr(r.out, "5 a command"));
    res_free(&r);
}

/* Ctrl-C stops a guest that never ends and the session goes on: SIGINT
 * is sent until the continue comes back (one that came between two
 * commands is forgotten by the next run, so sending it again is safe),
 * then the registers are shown and vmon ends with 0.  natively or not. */
static void ctrl_c(bool native)
{
    struct live l;
    const char *args[] = {native ? "--native" : spin, native ? spin : NULL, NULL};
    live_start(&l, vmon, dir, args);
    static const char cmds[] = "step\ncontinue\nregs\n";
    CU_ASSERT_FATAL(write(l.to, cmds, sizeof cmds - 1) == (ssize_t)sizeof cmds - 1);
    close(l.to); /* batch mode reads every command first */
    l.to = -1;
    unsigned long seen = 0;
    CU_ASSERT_FATAL(live_lines(&l, 2, &seen)); /* the step's two lines: continue runs now */
    char out[8192];
    size_t n = 0;
    for (int tries = 0; tries < 100 && n == 0; tries++) {
        kill(l.pid, SIGINT);
        struct pollfd p = {.fd = l.from, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            ssize_t k = read(l.from, out, sizeof out - 1);
            n = k > 0 ? (size_t)k : 0;
        }
    }
    for (ssize_t k; n < sizeof out - 1 && (k = read(l.from, out + n, sizeof out - 1 - n)) > 0;)
        n += (size_t)k;
    out[n] = '\0';
    char *err;
    int st = live_end(&l, &err);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    static const char want[] = "interrupted (Ctrl-C)\ngva 0x00001000 <_start>: jal zero, 0x00001000\n";
    CU_ASSERT(strncmp(out, want, sizeof want - 1) == 0);
    CU_ASSERT(strstr(out, native ? "the CPU, in supervisor mode" : "the virtual CPU, in supervisor mode") != NULL);
    CU_ASSERT(err && !*err);
    if (!WIFEXITED(st) || WEXITSTATUS(st) || !strstr(out, "interrupted"))
        fprintf(stderr, "\n  status 0x%x, stdout:\n%s\nstderr:\n%s\n", st, out, err ? err : "");
    free(err);
}

static void test_ctrl_c_native(void) { ctrl_c(true); }
static void test_ctrl_c_vmm(void) { ctrl_c(false); }

/* docs/monitor.md's examples are real: every line its code blocks show
 * vmon printing is a line of a transcript this suite replays (an
 * interactive "error: ..." the end of a batch error's line).  Skipped:
 * the commands typed, "(vmon) ...", command lines, and "...". */
static void test_doc_examples(void)
{
    char *all = strdup("\n"), *doc = read_text("docs/monitor.md");
    CU_ASSERT_FATAL(doc != NULL);
    DIR *d = opendir("tests/vmon");
    CU_ASSERT_FATAL(d != NULL);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 5 || (strcmp(e->d_name + n - 4, ".out") != 0 && strcmp(e->d_name + n - 4, ".err") != 0))
            continue;
        char path[300];
        snprintf(path, sizeof path, "tests/vmon/%s", e->d_name);
        char *t = read_text(path);
        CU_ASSERT_FATAL(t != NULL);
        char *both = malloc(strlen(all) + strlen(t) + 1);
        strcpy(both, all);
        strcat(both, t);
        free(all);
        free(t);
        all = both;
    }
    closedir(d);
    unsigned checked = 0;
    bool in_code = false;
    for (char *line = doc, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, "```", 3) == 0) {
            in_code = !in_code;
            continue;
        }
        if (!in_code || !*line || strncmp(line, "(vmon) ", 7) == 0 || strncmp(line, "build/bin/", 10) == 0 ||
            strcmp(line, "...") == 0)
            continue;
        char want[1024];
        if (strncmp(line, "error: ", 7) == 0)
            snprintf(want, sizeof want, "%s\n", line);
        else
            snprintf(want, sizeof want, "\n%s\n", line);
        CU_ASSERT(strstr(all, want) != NULL);
        if (!strstr(all, want))
            fprintf(stderr, "\n  docs/monitor.md shows a line no transcript has: %s\n", line);
        checked++;
    }
    CU_ASSERT(checked > 40);
    if (checked <= 40)
        fprintf(stderr, "\n  only %u lines of docs/monitor.md checked\n", checked);
    free(all);
    free(doc);
}

/* The optimised vmon ($VMLAB_REL_BIN, build/bin) under Valgrind's memcheck,
 * natively and under the VMM, clean: a transcript's output and status,
 * and no memcheck report (exit status 99 if it has one). */
static void valgrind_run(const char *cmds, const char *want_out, int status, const char *const *args)
{
    const char *rel = getenv("VMLAB_REL_BIN");
    char tool[4200];
    snprintf(tool, sizeof tool, "%s/vmon", rel && *rel ? rel : "build/bin");
    char *argv[32] = {"valgrind", "-q", "--error-exitcode=99", "--leak-check=full", tool, "-x", (char *)cmds};
    int n = 7;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    char *out = NULL, *err = NULL, *want = expected(want_out, "out");
    int st = run_cmd(argv, true, &out, &err);
    CU_ASSERT_EQUAL(st, status);
    CU_ASSERT(out && same_text(want_out, out, want));
    CU_ASSERT(err && !strstr(err, "=="));
    if (st != status || (err && strstr(err, "==")))
        fprintf(stderr, "\n  valgrind vmon: status %d, not %d\n%s", st, status, err ? err : "");
    free(out);
    free(err);
    free(want);
}

static void test_valgrind(void)
{
    valgrind_run("tests/vmon/sum.cmd", "sum-native", 0, (const char *[]){"--native", sum, NULL});
    valgrind_run("tests/vmon/paging.cmd", "paging", 5, (const char *[]){"-m", "1M", paging, NULL});
    valgrind_run("tests/vmon/travel.cmd", "travel-vmm", 5, (const char *[]){sum, NULL});
}

/* --- time travel --- */

static unsigned count_of(const char *s, const char *what)
{
    unsigned n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* A session's stdout cut at the lines that start a stop ("stepped",
 * "back", "checkpoint", "breakpoint", "... halted"): each block is that
 * line and what follows it (the where line, info registers, the memory
 * dumped), each as long as the first.  What the guest printed comes
 * before a block's line on the same line, as an empty line, or as lines
 * after a block's body, and goes to guest[] instead. */
#define TT_MAX_BLOCKS 1024
static const char *const tt_heads[] = {"stepped ", "back ", "checkpoint ", "breakpoint ", "the program halted",
                                       "the guest halted"};

struct tt_run {
    int n;
    char *head[TT_MAX_BLOCKS], *body[TT_MAX_BLOCKS];
    char guest[8192];
    char *text; /* the stdout the heads point into */
};

static void tt_cut(char *out, struct tt_run *t)
{
    memset(t, 0, sizeof *t);
    size_t g = 0;
    static unsigned lines[TT_MAX_BLOCKS];
    memset(lines, 0, sizeof lines);
    for (char *line = out, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *at = NULL;
        for (size_t k = 0; k < sizeof tt_heads / sizeof tt_heads[0]; k++) {
            char *p = strstr(line, tt_heads[k]);
            if (p && (!at || p < at))
                at = p;
        }
        if (!*line) {
            if (g + 1 < sizeof t->guest)
                t->guest[g++] = '\n';
        } else if (at && t->n < TT_MAX_BLOCKS) {
            for (char *p = line; p < at && g + 1 < sizeof t->guest; p++)
                t->guest[g++] = *p;
            t->head[t->n] = at;
            t->body[t->n++] = strdup("");
        } else if (t->n > 1 && lines[t->n - 1] == lines[0]) {
            /* a block's body is as long as the first's: the guest's lines */
            for (char *p = line; *p && g + 2 < sizeof t->guest; p++)
                t->guest[g++] = *p;
            t->guest[g++] = '\n';
        } else if (t->n > 0) {
            lines[t->n - 1]++;
            size_t bl = strlen(t->body[t->n - 1]), ll = strlen(line);
            char *nb = realloc(t->body[t->n - 1], bl + ll + 2);
            if (nb) {
                memcpy(nb + bl, line, ll);
                memcpy(nb + bl + ll, "\n", 2);
                t->body[t->n - 1] = nb;
            }
        }
    }
}

static void tt_free(struct tt_run *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->body[i]);
    free(t->text);
}

/* The block at i has a head starting with `head` and the body the forward
 * run showed at `step` (block `step` of them); says which if not. */
static bool tt_same(const struct tt_run *t, int i, const char *head, int step)
{
    if (i >= t->n || strncmp(t->head[i], head, strlen(head)) != 0) {
        fprintf(stderr, "\n  block %d: \"%s\", not \"%s...\"\n", i, i < t->n ? t->head[i] : "(none)", head);
        return false;
    }
    char what[200];
    snprintf(what, sizeof what, "going back (%s) against the forward run at its step %d", t->head[i], step);
    return same_text(what, t->body[i], t->body[step]);
}

/* Run `image` forward n times `stride` instructions, showing the registers
 * and the memory (dump) at each stop; mark a checkpoint at the last; go
 * back to the last stop at the symbol `brk` with reverse-continue (stride
 * 1: every point is a stop; NULL: not checked), to the checkpoint
 * with restart; then reverse-step `stride` at a time to reset; then run to
 * the end.  Each point reached by going back must show what the forward
 * run showed there.  The guest's console input is `in`. */
static void time_travel(const char *const *args, const char *in, int n, int stride, const char *brk,
                        const char *dump, struct tt_run *t)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/tt.cmd", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "restart\nregs\n%s\n", dump);
    for (int i = 0; i < n; i++)
        fprintf(f, "step %d\nregs\n%s\n", stride, dump);
    fprintf(f, "checkpoint\nbreak %s\nreverse-continue\nregs\n%s\ndelete 1\nrestart 1\nregs\n%s\n", brk ? brk : "_start",
            dump, dump);
    for (int i = 0; i < n; i++)
        fprintf(f, "rs %d\nregs\n%s\n", stride, dump);
    fprintf(f, "rs 1\nregs\n%s\ncontinue\n", dump);
    fclose(f);
    const char *argv[16];
    int k = 0;
    argv[k++] = "-x";
    argv[k++] = path;
    for (int i = 0; args[i] && k < 15; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    struct res r;
    run_vrun_with(vmon, dir, &r, &(struct vrun_setup){.in = in, .inlen = strlen(in), .timeout = 60}, argv);
    CU_ASSERT(r.exited && r.status == 0);
    CU_ASSERT(same_text("time travel: stderr", r.err, ""));
    tt_cut(r.out, t);
    t->text = r.out;
    r.out = NULL;
    /* blocks: 0 reset, 1..n forward, n+1 checkpoint, n+2 break, n+3 the
     * reverse-continue, n+4 restart 1, n+5.. n+4+n going back, then reset
     * again, then the end */
    CU_ASSERT(tt_same(t, 0, "back at reset", 0));
    for (int i = 1; i <= n; i++) {
        char want[64];
        snprintf(want, sizeof want, "stepped %d instruction%s", stride, stride == 1 ? "" : "s");
        CU_ASSERT(i < t->n && strcmp(t->head[i], want) == 0);
    }
    CU_ASSERT(n + 2 < t->n && strncmp(t->head[n + 1], "checkpoint 1: instret ", 22) == 0);
    /* the last forward stop before the checkpoint whose pc is brk's */
    char sym[64];
    snprintf(sym, sizeof sym, "<%s>: ", brk);
    int last = 0;
    for (int i = 1; brk && i < n; i++)
        if (strstr(t->body[i], sym) == strstr(t->body[i], "gva") + 15)
            last = i;
    CU_ASSERT(!brk || last > 0);
    if (last)
        CU_ASSERT(tt_same(t, n + 3, "back at breakpoint 1", last));
    CU_ASSERT(tt_same(t, n + 4, "back at checkpoint 1", n));
    for (int i = 1; i <= n; i++)
        CU_ASSERT(tt_same(t, n + 4 + i, "back ", n - i));
    CU_ASSERT(tt_same(t, 2 * n + 5, "back at reset (0 instructions", 0));
    res_free(&r);
}

/* conwait.s reads "ab\ncd\nef." (polling, blocking, under interrupts),
 * with the timer running, and echoes it: going back and running again
 * reads the same bytes (it halts with their sum, 663), and what it
 * printed is printed once (its header: "Pab\nDcd\nWef.T\n"). */
static void conwait_travel(bool native)
{
    static const char in[] = "ab\ncd\nef.";
    unsigned sum = 0;
    for (const char *p = in; *p; p++)
        sum += (unsigned char)*p;
    struct tt_run t;
    time_travel(native ? (const char *[]){"--native", "-m", "1M", conwait, NULL}
                       : (const char *[]){"-m", "1M", conwait, NULL},
                in, 120, 1, "poll", "x/4w sp", &t);
    char end[64];
    snprintf(end, sizeof end, "the %s halted with %u", native ? "program" : "guest", sum);
    CU_ASSERT(t.n > 0 && strcmp(t.head[t.n - 1], end) == 0);
    if (t.n > 0 && strcmp(t.head[t.n - 1], end) != 0)
        fprintf(stderr, "\n  the end: \"%s\", not \"%s\"\n", t.head[t.n - 1], end);
    CU_ASSERT(same_text("the guest's console output", t.guest, "Pab\nDcd\nWef.T\n"));
    tt_free(&t);
}

static void test_travel_native(void) { conwait_travel(true); }
static void test_travel_vmm(void) { conwait_travel(false); }

/* paging.s under the VMM: hidden and tracing faults, system calls, timer
 * ticks and a remapped page over 6000 instructions, its page tables
 * dumped at each stop. */
static void test_travel_paging(void)
{
    struct tt_run t;
    time_travel((const char *[]){"-m", "1M", paging, NULL}, "", 60, 97, NULL, "xp/8w 0x8000", &t);
    CU_ASSERT(t.n > 0 && strncmp(t.head[t.n - 1], "the guest halted with ", 22) == 0);
    tt_free(&t);
}

/* diskinc.s reads block 0, writes it back with its first word plus one,
 * and halts with the word it read.  The disk holds 41 there: run, back to
 * reset, run, back 3, run - each run reads 41 (the disk as it first was),
 * and the file is never written (its bytes as the test made them), which
 * vmon says once. */
static void disk_travel(bool native)
{
    uint8_t img[2048] = {41};
    char disk[4300];
    snprintf(disk, sizeof disk, "%s/d.img", dir);
    FILE *f = fopen(disk, "wb");
    CU_ASSERT_FATAL(f && fwrite(img, 1, sizeof img, f) == sizeof img && fclose(f) == 0);
    static const char cmds[] = "continue\nrestart\ncontinue\nrs 3\ncontinue\n";
    struct res r;
    run_vrun_with(vmon, dir, &r, &(struct vrun_setup){.in = cmds, .inlen = strlen(cmds)},
                  native ? (const char *[]){"--native", "--disk", disk, diskinc, NULL}
                         : (const char *[]){"--disk", disk, diskinc, NULL});
    CU_ASSERT(r.exited && r.status == 0);
    char want[4500];
    snprintf(want, sizeof want, "the %s halted with 41\n", native ? "program" : "guest");
    CU_ASSERT_EQUAL(count_of(r.out, want), 3);
    if (count_of(r.out, want) != 3)
        fprintf(stderr, "\n  disk: \"%.*s\" not 3 times in:\n%s\n", (int)strlen(want) - 1, want, r.out);
    snprintf(want, sizeof want,
             "vmon: %s: note: the guest's disk writes stayed in memory (vmon never changes a disk file)\n", disk);
    CU_ASSERT(same_text("disk: stderr", r.err, want));
    size_t len = 0;
    char *now = file_bytes(disk, &len);
    CU_ASSERT(now && len == sizeof img && memcmp(now, img, len) == 0);
    free(now);
    res_free(&r);
}

static void test_disk_native(void) { disk_travel(true); }
static void test_disk_vmm(void) { disk_travel(false); }

/* --- in-process: the monitor itself --- */

struct session_native {
    struct machine *m;
    struct elf_image syms;
    struct console_out con;
    struct monitor mon;
    char *text;
    size_t len;
    volatile sig_atomic_t stop;
};

static bool open_native(struct session_native *n)
{
    memset(n, 0, sizeof *n);
    struct session_vm vm = {.path = sum, .mem = 1u << 20, .max_insns = UINT64_MAX};
    int status;
    n->con.f = stdout;
    n->m = session_machine("test", &vm, ISA_PG, &n->con, &n->syms, &status);
    if (!n->m)
        return false;
    monitor_init(&n->mon, NULL, n->m, &n->syms, &(struct monitor_options){.max_steps = UINT64_MAX}, &n->stop);
    n->mon.out = open_memstream(&n->text, &n->len);
    return n->mon.out != NULL;
}

static void close_native(struct session_native *n)
{
    monitor_free(&n->mon);
    fclose(n->mon.out);
    free(n->text);
    machine_free(n->m);
    elf_free(&n->syms);
}

/* The views take the monitor's colour flag: ANSI colour with it (a
 * person at a terminal), none without (batch, --no-color: the
 * transcripts above have none). */
static void test_color(void)
{
    struct session_native n;
    CU_ASSERT_FATAL(open_native(&n));
    n.mon.opt.color = true;
    monitor_exec(&n.mon, "walk _start");
    fflush(n.mon.out);
    CU_ASSERT(n.text && strstr(n.text, "\033[") != NULL);
    size_t was = n.len;
    n.mon.opt.color = false;
    monitor_exec(&n.mon, "walk _start");
    fflush(n.mon.out);
    CU_ASSERT(n.len > was && strstr(n.text + was, "\033[") == NULL);
    close_native(&n);
}

/* An empty line runs the last step or continue again, with its count. */
static void test_empty_line_repeats(void)
{
    struct session_native n;
    CU_ASSERT_FATAL(open_native(&n));
    monitor_exec(&n.mon, "step");
    monitor_exec(&n.mon, "");
    monitor_exec(&n.mon, "regs"); /* not a run: the empty line still means step */
    monitor_exec(&n.mon, "  ");
    CU_ASSERT_EQUAL(machine_cpu(n.m)->pc, 0x100c); /* three instructions from _start */
    monitor_exec(&n.mon, "s 2");
    monitor_exec(&n.mon, "");
    CU_ASSERT_EQUAL(machine_cpu(n.m)->instret, 7);
    /* t0 after 7: 10 + 9 (two adds), t1 = 8 */
    CU_ASSERT_EQUAL(machine_cpu(n.m)->r[5], 19);
    CU_ASSERT_EQUAL(machine_cpu(n.m)->r[6], 8);
    close_native(&n);
}

struct words {
    char list[1024];
};

static void collect(void *ctx, const char *w)
{
    struct words *ws = ctx;
    size_t n = strlen(ws->list);
    snprintf(ws->list + n, sizeof ws->list - n, "%s ", w);
}

static const char *complete(struct monitor *mon, const char *line, int start, struct words *ws)
{
    ws->list[0] = '\0';
    monitor_complete(mon, line, start, line + start, collect, ws);
    return ws->list;
}

/* Completion: command names from the table, the second word of a two-word
 * command, register names and symbols. */
static void test_completion(void)
{
    struct session_native n;
    struct words ws;
    CU_ASSERT_FATAL(open_native(&n));
    CU_ASSERT_STRING_EQUAL(complete(&n.mon, "inf", 0, &ws), "info ");
    CU_ASSERT_STRING_EQUAL(complete(&n.mon, "d", 0, &ws), "delete d disable disas disassemble ");
    CU_ASSERT_STRING_EQUAL(complete(&n.mon, "info r", 5, &ws), "registers r ");
    CU_ASSERT_STRING_EQUAL(complete(&n.mon, "x/4w res", 5, &ws), "result ");
    CU_ASSERT_STRING_EQUAL(complete(&n.mon, "break lo", 6, &ws), "loop ");
    CU_ASSERT_STRING_EQUAL(complete(&n.mon, "x/w t", 4, &ws), "tp t0 t1 t2 ");
    close_native(&n);
}

void suite_vmon(void)
{
    CU_pSuite s = CU_add_suite("vmon", suite_init, suite_clean);
    CU_add_test(s, "every command on the bare machine (sum.s)", test_sum_native);
    CU_add_test(s, "every command under the VMM, the virtual CPU's values", test_sum_vmm);
    CU_add_test(s, "next and finish on the bare machine (calls.s)", test_calls_native);
    CU_add_test(s, "next and finish under the VMM", test_calls_vmm);
    CU_add_test(s, "conditional breakpoints under the VMM (paging.s)", test_cond_break);
    CU_add_test(s, "host-physical memory, hpa:, under the VMM", test_hpa);
    CU_add_test(s, "info tlb and info stats under the VMM", test_tlb_stats);
    CU_add_test(s, "time travel on the bare machine: travel.cmd's points, by hand", test_travel_native_transcript);
    CU_add_test(s, "time travel under the VMM: travel.cmd's points, by hand", test_travel_vmm_transcript);
    CU_add_test(s, "bad commands and operands: one line each, the session goes on, status 5", test_errors);
    CU_add_test(s, "warnings under the VMM: flush and user-access on stale.s, by hand", test_warn_vmm);
    CU_add_test(s, "--no-warn: every warning off, set warn turns one on", test_warn_quiet);
    CU_add_test(s, "warnings natively: none, and said so", test_warn_native);
    CU_add_test(s, "warnings on x86like: sensitive, what the guest saw", test_warn_sensitive);
    CU_add_test(s, "warnings: none on the guest OS's demo, run whole", test_warn_demo_quiet);
    CU_add_test(s, "until-exit: hidden faults and emulated instructions on paging.s", test_paging_exits);
    CU_add_test(s, "--max-steps: status 4", test_step_limit);
    CU_add_test(s, "a double fault: status 3 and the report", test_guest_error);
    CU_add_test(s, "--dump-regs and --dump at the end", test_dumps);
    CU_add_test(s, "walk, info cpu, history under the VMM, and their errors", test_views);
    CU_add_test(s, "catch by kind and cause, watch on data and on a page-table entry (tracing)", test_catch_watch);
    CU_add_test(s, "the guided tour: one system call, from the guest to the VMM and back", test_tour);
    CU_add_test(s, "docs/remedies.md: a sensitive instruction and a page-table update under bt", test_remedies_bt);
    CU_add_test(s, "docs/remedies.md: a sensitive instruction and a page-table update under pv", test_remedies_pv);
    CU_add_test(s, "docs/remedies.md: a system call and a page fault in the hardware guest mode, nested paging",
                test_remedies_hw);
    CU_add_test(s, "docs/remedies.md: the page fault in the guest mode over shadow tables", test_remedies_hw_shadow);
    CU_add_test(s, "the guest OS demo stopped at its first tracing fault", test_demo_tracing);
    CU_add_test(s, "natively: walk, info cpu, watch pte hit by the CPU; catch and history refused", test_native_views);
    CU_add_test(s, "colour in the views with the flag, none without", test_color);
    CU_add_test(s, "two VMs: info vms, vm", test_two_vms);
    CU_add_test(s, "time travel with two VMs: only the current one goes back", test_travel_two_vms);
    CU_add_test(s, "statuses 1 and 2, and -h naming them all", test_statuses);
    CU_add_test(s, "vmon under Valgrind: clean", test_valgrind);
    CU_add_test(s, "docs/monitor.md's examples are lines of these transcripts", test_doc_examples);
    CU_add_test(s, "Ctrl-C stops a bare machine that never ends; the session goes on", test_ctrl_c_native);
    CU_add_test(s, "Ctrl-C stops a VM that never exits; the session goes on", test_ctrl_c_vmm);
    CU_add_test(s, "an empty line repeats the last step", test_empty_line_repeats);
    CU_add_test(s, "completion of commands, registers and symbols", test_completion);
    CU_add_test(s, "time travel on the bare machine: console input again, output once", test_travel_native);
    CU_add_test(s, "time travel under the VMM: console input again, output once", test_travel_vmm);
    CU_add_test(s, "time travel under the VMM through faults, system calls and ticks", test_travel_paging);
    CU_add_test(s, "time travel on the bare machine: the disk as it first was, its file never written",
                test_disk_native);
    CU_add_test(s, "time travel under the VMM: the disk as it first was, its file never written", test_disk_vmm);
}
