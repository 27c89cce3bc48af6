/*
 * tests.c - lab 4, shadow policies: the grader's tests (make grade LAB=4).
 *
 * Every number here comes from `vrun --stats-json`, run as the student
 * runs it (the commands are in docs/labs/lab4.md and in each failure), on
 * the guest OS's context-switch-heavy workloads: pingpong (two processes
 * yielding to each other: a ptb write at every yield) and forkwait
 * (processes made and freed: page tables freed and their frames reused).
 * The runs are deterministic, so the grader compares the student's
 * ANSWERS.md with a fresh run of the same commands.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define PINGPONG "pingpong 1000"
#define FORKWAIT "forkwait 200"
#define FLOOD_LIMIT 4     /* vmm/shadow.c: stores to an unused table before it is dropped */
#define SHADOW_LIMIT 1024 /* vmm/shadow.c: shadow tables a VM may hold (shadow_frames, the default) */

/* What one run's --stats-json says (the keys of docs/vmm.md section 9). */
struct stats {
    uint64_t built, reused, dropped, flushes, entries, write_protects;
    uint64_t hidden, tracing, true_faults; /* page_faults */
    uint64_t x_hidden, x_tracing, x_true;  /* exits: PF_HIDDEN, ... */
    uint64_t instructions;
    char *console;
    char cmd[600];
};

static const char *kernel(struct lab_ctx *t) { return lab_str(t, "%s/guest-os/kernel.elf", lab_build(t)); }

/* The number after "key": inside the object "section": {...}. */
static bool json_num(struct lab_ctx *t, const char *json, const char *section, const char *key, uint64_t *out)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\":", section);
    const char *p = strstr(json, pat);
    if (p) {
        const char *end = strchr(p, '}');
        snprintf(pat, sizeof pat, "\"%s\":", key);
        const char *q = strstr(p, pat);
        if (q && end && q < end) {
            *out = strtoull(q + strlen(pat), NULL, 10);
            return true;
        }
    }
    lab_fail(t, (struct lab_failure){
                    .expected = lab_str(t, "vrun's --stats-json to have \"%s\" in \"%s\" (docs/vmm.md section 9)", key,
                                        section),
                    .happened = "it has not",
                    .look = "vmm/stats.c"});
    return false;
}

/* Run the guest OS's workload `boot` under a policy and read its numbers;
 * check that they agree with each other (the counts the stats report are
 * consistent): every page fault counted by kind is an exit of that kind,
 * and the tables made less those dropped never exceed the VM's limit. */
static bool measure(struct lab_ctx *t, const char *policy, const char *boot, bool isolation, struct stats *s)
{
    memset(s, 0, sizeof *s);
    const char *json = lab_str(t, "%s/%s-%s.json", lab_scratch(t), policy,
                               boot[0] == 'p'   ? "pingpong"
                               : boot[0] == 'f' ? "forkwait"
                                                : "other");
    const char *argv[] = {"vrun",   "--shadow", policy,
                          "--boot", boot,       "--stats-json",
                          json,     kernel(t),  isolation ? "--check-isolation" : NULL,
                          NULL};
    snprintf(s->cmd, sizeof s->cmd,
             "build/bin/vrun --shadow %s --boot '%s' --stats-json %s-%s.json%s build/guest-os/kernel.elf", policy, boot,
             policy, boot[0] == 'p' ? "pingpong" : "forkwait", isolation ? " --check-isolation" : "");
    struct lab_run r;
    if (!lab_spawn(t, argv, NULL, 30, &r))
        return false;
    s->console = r.out;
    if (r.status != 0) {
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "%s to run the workload to its end (exit status 0)", s->cmd),
                        .happened = lab_str(t, "exit status %d:\n%s%s", r.status, r.out, r.err),
                        .vmon = lab_str(t, "build/bin/vmon --shadow %s --boot '%s' build/guest-os/kernel.elf", policy,
                                        boot)});
        free(r.err);
        return false;
    }
    free(r.err);
    char *j = lab_read_file(json);
    if (!j) {
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "%s to write %s", s->cmd, json),
                                         .happened = "no such file"});
        return false;
    }
    bool ok =
        json_num(t, j, "shadow", "built", &s->built) && json_num(t, j, "shadow", "reused", &s->reused) &&
        json_num(t, j, "shadow", "dropped", &s->dropped) && json_num(t, j, "shadow", "flushes", &s->flushes) &&
        json_num(t, j, "shadow", "entries", &s->entries) &&
        json_num(t, j, "shadow", "write_protects", &s->write_protects) &&
        json_num(t, j, "page_faults", "hidden", &s->hidden) && json_num(t, j, "page_faults", "tracing", &s->tracing) &&
        json_num(t, j, "page_faults", "true", &s->true_faults) && json_num(t, j, "exits", "PF_HIDDEN", &s->x_hidden) &&
        json_num(t, j, "exits", "PF_TRACING", &s->x_tracing) && json_num(t, j, "exits", "PF_TRUE", &s->x_true) &&
        json_num(t, j, "vms", "instructions", &s->instructions);
    free(j);
    if (!ok)
        return false;
    lab_note(t,
             "%s: built %" PRIu64 " reused %" PRIu64 " dropped %" PRIu64 " flushes %" PRIu64 " entries %" PRIu64
             " hidden %" PRIu64 " tracing %" PRIu64,
             s->cmd, s->built, s->reused, s->dropped, s->flushes, s->entries, s->hidden, s->tracing);
    if (s->hidden != s->x_hidden || s->tracing != s->x_tracing || s->true_faults != s->x_true ||
        s->dropped > s->built || s->built - s->dropped > SHADOW_LIMIT) {
        lab_fail(t,
                 (struct lab_failure){
                     .expected = lab_str(
                         t,
                         "the counts of %s consistent: page_faults hidden/tracing/true equal to exits "
                         "PF_HIDDEN/PF_TRACING/PF_TRUE, and 0 <= built - dropped <= %d (the tables alive at the end)",
                         s->cmd, SHADOW_LIMIT),
                     .happened = lab_str(t,
                                         "faults %" PRIu64 "/%" PRIu64 "/%" PRIu64 ", exits %" PRIu64 "/%" PRIu64
                                         "/%" PRIu64 ", built %" PRIu64 ", dropped %" PRIu64,
                                         s->hidden, s->tracing, s->true_faults, s->x_hidden, s->x_tracing, s->x_true,
                                         s->built, s->dropped),
                     .look = "vmm/shadow.c: every table made goes through create (counted built), every one freed "
                             "through destroy (counted dropped)"});
        return false;
    }
    return true;
}

/* The cached policy found a root it had made before at least once: the
 * first thing any measurement of it needs. */
static bool caches(struct lab_ctx *t, const struct stats *c)
{
    if (c->reused > 0)
        return true;
    lab_fail(t,
             (struct lab_failure){.expected = lab_str(t,
                                                      "%s to find shadow roots again after ptb switches (shadow.reused "
                                                      "> 0): the cached policy keeps every process's shadow tables",
                                                      c->cmd),
                                  .happened = lab_str(t,
                                                      "reused %" PRIu64 ", built %" PRIu64 ", full flushes %" PRIu64
                                                      ": every switch starts from nothing, as rebuild and demand do",
                                                      c->reused, c->built, c->flushes),
                                  .look = "vmm/shadow.c: shadow_ptb_written (region cache-keep), shadow_activate; "
                                          "docs/vmm.md section 5, PTE loading policies"});
    return false;
}

/* --- cache-equivalence --- */

static void test_equivalence(struct lab_ctx *t)
{
    static const char *const boots[] = {"pingpong 200", "forkwait 50", "dirty"};
    for (size_t i = 0; i < sizeof boots / sizeof *boots && !lab_failed(t); i++) {
        struct lab_run bare;
        const char *nat[] = {"vrun", "--native", "--boot", boots[i], kernel(t), NULL};
        if (!lab_spawn(t, nat, NULL, 30, &bare))
            return;
        struct stats c;
        if (measure(t, "cache", boots[i], true, &c)) {
            if (strcmp(c.console, bare.out) != 0)
                lab_fail(t, (struct lab_failure){
                                .expected = lab_str(t,
                                                    "the workload '%s' under the cached policy (with the isolation "
                                                    "checker) to print what it prints on the bare machine:\n%s",
                                                    boots[i], bare.out),
                                .happened = lab_str(t, "%s printed:\n%s", c.cmd, c.console),
                                .vmon = lab_str(
                                    t, "build/bin/vrun --lockstep --shadow cache --boot '%s' build/guest-os/kernel.elf",
                                    boots[i])});
            else if (i == 0)
                caches(t, &c);
        }
        free(c.console);
        free(bare.out), free(bare.err);
    }
}

/* --- cache-builds, cache-fills --- */

/*
 * pingpong 1000: two processes yield to each other 1000 times each, so the
 * kernel writes ptb about 2,000 times (rebuild's full flushes count them:
 * rebuild drops everything at each).  Rebuild then makes at least one
 * table - the new root - at every switch, and with it the level-2 tables
 * of the whole address space: builds >= switches.  The cached policy
 * makes each process's tables once (three address spaces - init, parent,
 * child - of a handful of tables each, in both modes: a few dozen), and
 * finds them again at every later switch.  So cache's builds are far
 * below one per ten switches; a policy that makes tables again after
 * switches, even for one switch in ten, is not keeping them.
 */
static void test_builds(struct lab_ctx *t)
{
    struct stats c, r;
    if (!measure(t, "cache", PINGPONG, false, &c) || !measure(t, "rebuild", PINGPONG, false, &r))
        goto out;
    uint64_t switches = r.flushes;
    if (!caches(t, &c))
        goto out;
    if (switches < 1000 || r.built < switches)
        lab_fail(
            t,
            (struct lab_failure){
                .expected = lab_str(t,
                                    "%s to drop every shadow at each of pingpong's ~2,000 ptb switches (flushes >= "
                                    "1000) and make at least a root after each (built >= flushes)",
                                    r.cmd),
                .happened = lab_str(t, "flushes %" PRIu64 ", built %" PRIu64 ": rebuild is no longer rebuilding",
                                    r.flushes, r.built),
                .look =
                    "vmm/shadow.c: shadow_ptb_written (region cache-keep): only the cached policy keeps its tables"});
    else if (c.built * 10 > switches)
        lab_fail(t, (struct lab_failure){.expected = lab_str(t,
                                                             "the cached policy to make each process's shadow tables "
                                                             "once: fewer than one table per ten ptb switches, %" PRIu64
                                                             " / 10 = %" PRIu64 " (rebuild made %" PRIu64 ")",
                                                             switches, switches / 10, r.built),
                                         .happened = lab_str(t, "%s made %" PRIu64 " tables (reused %" PRIu64 " roots)",
                                                             c.cmd, c.built, c.reused),
                                         .look = "vmm/shadow.c: shadow_ptb_written (region cache-keep), "
                                                 "shadow_activate (the lookup by guest table, level and role)"});
out:
    free(c.console), free(r.console);
}

/*
 * Hidden faults on pingpong 1000: demand empties the shadow at every switch,
 * so each process takes a hidden fault for every page it touches in every
 * time slice: thousands.  The cached policy fills each page once per
 * address space and role (a few dozen pages: tens of faults).  Shadow
 * entries filled against rebuild: rebuild fills every valid entry of the
 * address space at every switch (millions); the cached policy only what was
 * touched, once.  A margin of ten on both is far inside what keeping the
 * tables gives (about 180x and 100,000x) and far outside what dropping them
 * gives (1x).
 */
static void test_fills(struct lab_ctx *t)
{
    struct stats c, d, r;
    memset(&d, 0, sizeof d), memset(&r, 0, sizeof r);
    if (!measure(t, "cache", PINGPONG, false, &c) || !caches(t, &c) || !measure(t, "demand", PINGPONG, false, &d) ||
        !measure(t, "rebuild", PINGPONG, false, &r))
        goto out;
    if (c.hidden * 10 > d.hidden)
        lab_fail(t, (struct lab_failure){
                        .expected =
                            lab_str(t,
                                    "the cached policy's hidden faults to be fewer than a tenth of demand's (%" PRIu64
                                    " / 10 = %" PRIu64 "): each page is filled once, not after every switch",
                                    d.hidden, d.hidden / 10),
                        .happened = lab_str(t, "%s took %" PRIu64 " hidden faults", c.cmd, c.hidden),
                        .look = "vmm/shadow.c: shadow_ptb_written (region cache-keep)"});
    else if (c.entries * 10 > r.entries)
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(
                            t,
                            "the cached policy to fill fewer than a tenth of the shadow entries rebuild fills (%" PRIu64
                            " / 10)",
                            r.entries),
                        .happened = lab_str(t, "%s filled %" PRIu64, c.cmd, c.entries),
                        .look = "vmm/shadow.c: shadow_ptb_written (region cache-keep)"});
out:
    free(c.console), free(d.console), free(r.console);
}

/* --- cache-drops-freed --- */

/*
 * forkwait 200: 200 children made and freed.  Each child's page tables are
 * freed when it exits, and the kernel reuses their frames - zeroing them,
 * a store per word, 1,024 per page.  A cache that keeps the shadow of a
 * freed table traces every one of those stores.  Dropping a table after
 * FLOOD_LIMIT stores with no use in between bounds the tracing faults by
 * FLOOD_LIMIT + 1 per table made, plus one per store to a live table;
 * the test allows (FLOOD_LIMIT + 1) x built.  Keeping them costs about
 * 1,024 per freed table instead.
 */
static void test_drops_freed(struct lab_ctx *t)
{
    struct stats c;
    if (!measure(t, "cache", FORKWAIT, false, &c) || !caches(t, &c))
        goto out;
    uint64_t bound = (FLOOD_LIMIT + 1) * c.built;
    if (c.tracing > bound)
        lab_fail(
            t, (struct lab_failure){
                   .expected = lab_str(t,
                                       "at most (FLOOD_LIMIT + 1) x tables built = %d x %" PRIu64 " = %" PRIu64
                                       " tracing faults: a shadow table whose guest table is written %d times with no "
                                       "use in between is dropped (the guest freed it and reuses the frame as data)",
                                       FLOOD_LIMIT + 1, c.built, bound, FLOOD_LIMIT),
                   .happened = lab_str(t, "%s took %" PRIu64 " tracing faults (dropped %" PRIu64 " tables)", c.cmd,
                                       c.tracing, c.dropped),
                   .look =
                       "vmm/shadow.c: shadow_guest_wrote (region drop-freed-table); docs/vmm.md section 5, PTE tracing",
                   .vmon = "build/bin/vmon --boot 'forkwait 200' build/guest-os/kernel.elf, then: catch tracing, "
                           "continue (repeat: the same table, written word after word)"});
out:
    free(c.console);
}

/* --- answers-table --- */

struct row {
    const char *boot, *policy;
};
static const struct row ROWS[] = {{PINGPONG, "rebuild"}, {PINGPONG, "demand"}, {PINGPONG, "cache"},
                                  {FORKWAIT, "rebuild"}, {FORKWAIT, "demand"}, {FORKWAIT, "cache"}};
static const char *const COLUMNS[] = {"built", "reused", "hidden", "tracing", "entries"};
#define NCOLS 5

static uint64_t column(const struct stats *s, int i)
{
    switch (i) {
    case 0:
        return s->built;
    case 1:
        return s->reused;
    case 2:
        return s->hidden;
    case 3:
        return s->tracing;
    default:
        return s->entries;
    }
}

/* A cell as a student writes it: 8241085, 8,241,085, 8.24M, 28.1k. */
static bool cell_value(const char *p, const char *end, double *v, double *unit)
{
    char buf[64];
    size_t n = 0;
    while (p < end && isspace((unsigned char)*p))
        p++;
    while (p < end && n + 1 < sizeof buf && !isspace((unsigned char)*p))
        if (*p != ',' && *p != '_' && *p != '~')
            buf[n++] = *p++;
        else if (*p++ == '_')
            return false;
    buf[n] = 0;
    char *e;
    *v = strtod(buf, &e);
    if (e == buf)
        return false;
    const char *dot = strchr(buf, '.');
    *unit = 1;
    if (dot)
        for (const char *q = dot + 1; q < e; q++)
            *unit /= 10;
    double mult = *e == 'k' || *e == 'K' ? 1e3 : *e == 'M' ? 1e6 : 1;
    if (mult > 1)
        e++;
    if (*e)
        return false;
    *v *= mult;
    *unit *= mult;
    return true;
}

static void test_answers(struct lab_ctx *t)
{
    const char *path = lab_str(t, "%s/labs/lab4/ANSWERS.md", lab_root(t));
    char *a = lab_read_file(path);
    if (!a) {
        lab_fail(t,
                 (struct lab_failure){
                     .expected = "labs/lab4/ANSWERS.md with the measured table filled in (docs/labs/lab4.md, step 4)",
                     .happened = "no such file",
                     .look = "labs/lab4/ANSWERS.md"});
        return;
    }
    for (size_t i = 0; i < sizeof ROWS / sizeof *ROWS && !lab_failed(t); i++) {
        char head[80];
        snprintf(head, sizeof head, "| %s | %s |", ROWS[i].boot, ROWS[i].policy);
        const char *line = strstr(a, head);
        const char *cmd =
            lab_str(t, "build/bin/vrun --shadow %s --boot '%s' --stats-json out.json build/guest-os/kernel.elf",
                    ROWS[i].policy, ROWS[i].boot);
        if (!line) {
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(
                                t, "a row \"%s built | reused | hidden | tracing | entries |\" in labs/lab4/ANSWERS.md",
                                head),
                            .happened = "none (keep the template's rows as they are, and fill in the cells)",
                            .look = "labs/lab4/ANSWERS.md"});
            break;
        }
        struct stats s;
        if (!measure(t, ROWS[i].policy, ROWS[i].boot, false, &s))
            break;
        free(s.console);
        const char *p = line + strlen(head);
        for (int c = 0; c < NCOLS; c++) {
            const char *end = strpbrk(p, "|\n");
            double v, unit;
            uint64_t want = column(&s, c);
            if (!end || *end != '|' || !cell_value(p, end, &v, &unit)) {
                lab_fail(t,
                         (struct lab_failure){
                             .expected = lab_str(
                                 t,
                                 "in the row \"%s\" of labs/lab4/ANSWERS.md, the %s count: a number (such as %" PRIu64
                                 ", or rounded)",
                                 head, COLUMNS[c], want),
                             .happened = lab_str(t, "\"%.*s\"%s", end ? (int)(end - p) : 20, p,
                                                 end && memchr(p, '_', (size_t)(end - p)) ? ": not filled in yet" : ""),
                             .look = "labs/lab4/ANSWERS.md",
                             .vmon = cmd});
                break;
            }
            /* within the rounding the student wrote (8.24M: +-5k), and 1% */
            double slack = unit / 2 > want * 0.01 ? unit / 2 : want * 0.01;
            double off = v > (double)want ? v - (double)want : (double)want - v;
            if (off > slack + 0.5) {
                lab_fail(
                    t,
                    (struct lab_failure){
                        .expected = lab_str(
                            t, "the %s count of \"%s\" in labs/lab4/ANSWERS.md to be what the command gives: %" PRIu64,
                            COLUMNS[c], head, want),
                        .happened = lab_str(t, "%.*s (in the JSON: %s.%s)", (int)(end - p), p,
                                            c == 2 || c == 3 ? "page_faults" : "shadow", COLUMNS[c]),
                        .look = "labs/lab4/ANSWERS.md; or, if you copied the numbers right, what changed in your VMM "
                                "since you measured - vmm/shadow.c: shadow_ptb_written (region cache-keep), "
                                "shadow_guest_wrote (region drop-freed-table) - and measure again",
                        .vmon = cmd});
                break;
            }
            p = end + 1;
        }
    }
    free(a);
    if (!lab_failed(t))
        lab_note(t, "the table matches a fresh run; the written answers are for the TA to read");
}

#define LOOK_CACHE                                                                                                     \
    "vmm/shadow.c: shadow_ptb_written (region cache-keep), shadow_guest_wrote (region drop-freed-table); docs/vmm.md " \
    "section 5"

static const struct lab_test tests[] = {
    {"cache-equivalence", 25,
     "the guest OS's pingpong, forkwait and dirty under --shadow cache with the isolation checker print what they "
     "print natively, and roots are reused",
     LOOK_CACHE, "build/bin/vrun --lockstep --shadow cache --boot 'pingpong 200' build/guest-os/kernel.elf",
     test_equivalence},
    {"cache-builds", 20,
     "on pingpong 1000, cache makes fewer than one shadow table per ten ptb switches (rebuild: more than one per "
     "switch)",
     LOOK_CACHE, "build/bin/vrun --shadow cache --stats --boot 'pingpong 1000' build/guest-os/kernel.elf", test_builds},
    {"cache-fills", 20,
     "on pingpong 1000, cache takes under a tenth of demand's hidden faults and fills under a tenth of rebuild's "
     "entries",
     LOOK_CACHE, "build/bin/vrun --shadow demand --stats --boot 'pingpong 1000' build/guest-os/kernel.elf", test_fills},
    {"cache-drops-freed", 15,
     "on forkwait 200, shadows of tables the guest freed are dropped: tracing faults bounded by (FLOOD_LIMIT + 1) x "
     "tables built",
     LOOK_CACHE, "build/bin/vrun --shadow cache --stats --boot 'forkwait 200' build/guest-os/kernel.elf",
     test_drops_freed},
    {"answers-table", 20,
     "labs/lab4/ANSWERS.md's measured table equals a fresh run of its commands (the prose is graded by the TA)",
     "labs/lab4/ANSWERS.md; docs/labs/lab4.md",
     "build/bin/vrun --shadow cache --stats-json out.json --boot 'pingpong 1000' build/guest-os/kernel.elf",
     test_answers},
};

const struct lab lab4 = {4, "shadow policies: the cached policy, measured", tests, sizeof tests / sizeof *tests};
