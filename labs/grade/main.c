/*
 * main.c - the autograder: `grade [options] LAB [TEST...]` runs a lab's
 * tests (labs/labN/), each in a child process of its own with a deadline,
 * and reports a verdict and points per test and the score (report.c).
 * `make grade LAB=N` runs it; docs/labs/README.md is the instructor's
 * guide.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade_impl.h"

static const struct lab *const all_labs[] = {&lab1, &lab2, &lab3, &lab4, &lab5};
enum { NLABS = sizeof all_labs / sizeof all_labs[0] };

struct options {
    const char *root, *build, *extra, *json;
    int timeout_s, jobs;
    bool list;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: grade [options] LAB [TEST...]\n"
               "Run lab LAB's tests (1 to %d; the handout's number when run by make grade\n"
               "in a handout), or only the TESTs named, and print a verdict and points per\n"
               "test and the score. Each test's output is in BUILD/labs/labLAB/TEST.output\n"
               "and its verdict in TEST.result; the whole in BUILD/labs/labLAB/grade.json.\n"
               "The exit status is 0 when every test passed, 1 when one failed, 2 on error.\n\n"
               "options:\n"
               "  --root DIR     the project tree (default .)\n"
               "  --build DIR    its build directory (default ROOT/build)\n"
               "  --extra DIR    hidden tests too: DIR/labLAB/*.s (docs/labs/README.md)\n"
               "  --json FILE    write the JSON there instead\n"
               "  --timeout S    a test's deadline in seconds (default 60)\n"
               "  -j N           tests run at once (default 2)\n"
               "  --list         list the tests and their points, run nothing\n",
            NLABS);
}

/* A path, or the grader stops: a name that long is a bug of its caller. */
static void pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "grade: a path too long: %s...\n", buf);
        exit(2);
    }
}

static bool mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST)
            return false;
        *p = '/';
    }
    return !mkdir(buf, 0777) || errno == EEXIST;
}

/* The child: one test, its output file as stdout and stderr too (a
 * sanitizer's report of a student's bug lands there). */
static void run_child(const struct options *o, const struct lab_test *test, const char *out_path,
                      const char *why_path, const char *scratch)
{
    setpgid(0, 0); /* the deadline kills what the test started too */
    FILE *out = fopen(out_path, "w"), *why = fopen(why_path, "w");
    if (!out || !why)
        _exit(2);
    fflush(stdout);
    dup2(fileno(out), 1);
    dup2(fileno(out), 2);
    setvbuf(out, NULL, _IOLBF, 0);
    struct lab_ctx t = {.test = test, .root = o->root, .build = o->build, .scratch = scratch, .out = out,
                        .result = why};
    fprintf(out, "%s: %s (%d points)\n", test->name, test->summary, test->points);
    test->run(&t);
    for (size_t i = 0; i < t.nstrings; i++)
        free(t.strings[i]);
    free(t.strings);
    fprintf(out, "%s\n", t.failures ? "FAIL" : "PASS");
    fclose(why);
    fclose(out);
    _exit(t.failures ? 1 : 0);
}

struct job {
    pid_t pid;
    double deadline;
    struct verdict *v;
    char why[4096];
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* NAME.result: the verdict, then the failures the child wrote, or how
 * the child ended when it did not end by itself. */
static void finish(struct job *j, int status, bool timed_out, int timeout_s)
{
    struct verdict *v = j->v;
    char extra[256] = "";
    if (timed_out)
        snprintf(extra, sizeof extra, "  happened: the test did not finish in %d s (stopped)\n", timeout_s);
    else if (WIFSIGNALED(status))
        snprintf(extra, sizeof extra, "  happened: the test crashed: %s (the end of the output file says where)\n",
                 strsignal(WTERMSIG(status)));
    else if (WEXITSTATUS(status) > 1)
        snprintf(extra, sizeof extra, "  happened: the test could not write its files\n");
    v->passed = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    FILE *r = fopen(v->result, "w"), *w = fopen(j->why, "r");
    if (r) {
        fprintf(r, "%s\n", v->passed ? "PASS" : "FAIL");
        char line[1024];
        while (w && fgets(line, sizeof line, w)) {
            fputs(line, r);
            const char *h = strstr(line, "happened:");
            if (h && !v->reason[0]) {
                snprintf(v->reason, sizeof v->reason, "%s", h + 10 + strspn(h + 10, " "));
                v->reason[strcspn(v->reason, "\n")] = 0;
            }
        }
        fputs(extra, r);
        fclose(r);
    }
    if (w)
        fclose(w);
    unlink(j->why);
    if (!v->passed && !v->reason[0])
        snprintf(v->reason, sizeof v->reason, "%s",
                 extra[0] ? extra + 12 : "the test failed without saying why (see its output)");
    v->reason[strcspn(v->reason, "\n")] = 0;
}

static int run_lab(const struct options *o, const struct lab *lab, const struct lab_test *tests, size_t n,
                   char **only, int nonly)
{
    char dir[4096];
    pathf(dir, sizeof dir, "%s/labs/lab%d", o->build, lab->number);
    if (!mkdirs(dir)) {
        fprintf(stderr, "grade: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    struct verdict *v = calloc(n ? n : 1, sizeof *v);
    struct job *jobs = calloc((size_t)o->jobs, sizeof *jobs);
    if (!v || !jobs) {
        fprintf(stderr, "grade: out of memory\n");
        return 2;
    }
    size_t nv = 0, next = 0;
    int running = 0;
    for (;;) {
        while (running < o->jobs && next < n) {
            const struct lab_test *test = &tests[next++];
            bool wanted = nonly == 0;
            for (int k = 0; k < nonly; k++)
                wanted |= !strcmp(only[k], test->name);
            if (!wanted)
                continue;
            struct verdict *vv = &v[nv++];
            vv->test = test;
            pathf(vv->output, sizeof vv->output, "%s/%s.output", dir, test->name);
            pathf(vv->result, sizeof vv->result, "%s/%s.result", dir, test->name);
            char scratch[4096];
            pathf(scratch, sizeof scratch, "%s/%s.files", dir, test->name);
            if (!mkdirs(scratch)) {
                fprintf(stderr, "grade: %s: %s\n", scratch, strerror(errno));
                return 2;
            }
            struct job *j = NULL;
            for (int k = 0; k < o->jobs; k++)
                if (!jobs[k].pid)
                    j = &jobs[k];
            j->v = vv;
            pathf(j->why, sizeof j->why, "%s/%s.why", dir, test->name);
            fflush(NULL);
            pid_t pid = fork();
            if (pid < 0) {
                fprintf(stderr, "grade: fork: %s\n", strerror(errno));
                return 2;
            }
            if (pid == 0)
                run_child(o, test, vv->output, j->why, scratch);
            setpgid(pid, pid);
            j->pid = pid;
            j->deadline = now() + o->timeout_s;
            running++;
        }
        if (!running)
            break;
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            for (int k = 0; k < o->jobs; k++)
                if (jobs[k].pid && now() > jobs[k].deadline) {
                    kill(-jobs[k].pid, SIGKILL);
                    waitpid(jobs[k].pid, &status, 0);
                    finish(&jobs[k], status, true, o->timeout_s);
                    jobs[k].pid = 0;
                    running--;
                }
            nanosleep(&(struct timespec){0, 2000000}, NULL);
            continue;
        }
        for (int k = 0; k < o->jobs; k++)
            if (jobs[k].pid == pid) {
                kill(-pid, SIGKILL); /* anything it left behind */
                finish(&jobs[k], status, false, o->timeout_s);
                jobs[k].pid = 0;
                running--;
            }
    }
    for (int k = 0; k < nonly; k++) {
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known |= !strcmp(only[k], tests[i].name);
        if (!known) {
            fprintf(stderr, "grade: lab %d has no test '%s' (grade --list %d lists them)\n", lab->number, only[k],
                    lab->number);
            return 2;
        }
    }
    char json[4096];
    if (o->json)
        snprintf(json, sizeof json, "%s", o->json);
    else
        pathf(json, sizeof json, "%s/grade.json", dir);
    bool wrote = report_json(lab, v, nv, json);
    report_print(lab, v, nv, wrote ? json : NULL);
    if (!wrote)
        fprintf(stderr, "grade: %s: cannot write: %s\n", json, strerror(errno));
    int failed = 0;
    for (size_t i = 0; i < nv; i++)
        failed += !v[i].passed;
    free(v);
    free(jobs);
    return !wrote ? 2 : failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct options o = {.root = ".", .timeout_s = 60, .jobs = 2};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list")) {
            o.list = true;
        } else if (!strcmp(a, "--root") && has) {
            o.root = argv[++i];
        } else if (!strcmp(a, "--build") && has) {
            o.build = argv[++i];
        } else if (!strcmp(a, "--extra") && has) {
            o.extra = argv[++i];
        } else if (!strcmp(a, "--json") && has) {
            o.json = argv[++i];
        } else if ((!strcmp(a, "--timeout") || !strcmp(a, "-j")) && has) {
            char *end;
            long x = strtol(argv[++i], &end, 10);
            if (*end || x < 1 || x > 3600) {
                fprintf(stderr, "grade: %s: not a number from 1 to 3600: '%s'\n", a, argv[i]);
                return 2;
            }
            *(a[1] == 'j' ? &o.jobs : &o.timeout_s) = (int)x;
        } else {
            fprintf(stderr, "grade: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    char *end;
    long n = strtol(argv[i], &end, 10);
    if (*end || n < 1 || n > NLABS) {
        fprintf(stderr, "grade: '%s': not a lab (1 to %d)\n", argv[i], NLABS);
        return 2;
    }
    char build[4096];
    if (!o.build) {
        snprintf(build, sizeof build, "%s", strcmp(o.root, ".") ? o.root : "build");
        if (strcmp(o.root, "."))
            pathf(build, sizeof build, "%s/build", o.root);
        o.build = build;
    }
    const struct lab *lab = all_labs[n - 1];
    size_t nextra = 0;
    struct lab_test *extra = o.extra ? extra_tests((int)n, o.extra, &nextra) : NULL;
    if (o.extra && !extra && nextra == (size_t)-1)
        return 2;
    size_t total = lab->ntests + nextra;
    struct lab_test *all = calloc(total ? total : 1, sizeof *all);
    if (!all)
        return 2;
    memcpy(all, lab->tests, lab->ntests * sizeof *all);
    if (nextra)
        memcpy(all + lab->ntests, extra, nextra * sizeof *all);
    int rc = 0;
    if (o.list) {
        int sum = 0;
        printf("lab %d: %s\n", lab->number, lab->title);
        for (size_t k = 0; k < total; k++) {
            printf("  %-28s %3d  %s\n", all[k].name, all[k].points, all[k].summary);
            sum += all[k].points;
        }
        printf("total: %d points in %zu tests\n", sum, total);
    } else {
        rc = run_lab(&o, lab, all, total, argv + i + 1, argc - i - 1);
    }
    free(all);
    free(extra);
    return rc;
}
