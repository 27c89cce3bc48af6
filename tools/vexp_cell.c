/*
 * vexp_cell.c - one cell of the matrix, in a process of its own: a
 * --stats-json run, --lockstep (VMM cells), then --runs pairs of timed runs
 * (native, cell, native, cell...: interleaved, so that a slow moment of a
 * shared machine falls on both sides), each timed by its CPU time as
 * wait4 reports it.  The timed runs have no --stats: counting slows the
 * bare machine down (docs/vmm.md section 9).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "vexp.h"

#define MAX_ARGS 24
#define MAX_RUNS 1000

struct run {
    bool timed_out, cannot;
    int wstatus;
    double cpu; /* seconds, user + sys */
};

/* Run vrun with args, stdout and stderr to files; killed after timeout
 * seconds. */
static void spawn(const struct vexp_env *env, char *const *args, const char *out, const char *err, struct run *r)
{
    memset(r, 0, sizeof *r);
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execv(env->vrun, args);
        dprintf(2, "vexp: cannot run %s: %s\n", env->vrun, strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        r->cannot = true;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return;
    }
    struct timespec end, now;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += env->timeout;
    /* The cell's process has one child at a time: what its children used
     * grows by that child's usage when it is reaped. */
    struct rusage before, ru;
    getrusage(RUSAGE_CHILDREN, &before);
    for (;;) {
        pid_t w = waitpid(pid, &r->wstatus, WNOHANG);
        if (w == pid)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = (double)(end.tv_sec - now.tv_sec) + (double)(end.tv_nsec - now.tv_nsec) / 1e9;
        if (left <= 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &r->wstatus, 0);
            r->timed_out = true;
            break;
        }
        /* vexp killed (by a test's time limit, say): stop, not run on
         * for the rest of a long cell. */
        if (getppid() != (pid_t)env->parent) {
            kill(pid, SIGKILL);
            waitpid(pid, &r->wstatus, 0);
            _exit(1);
        }
        if (left > 1)
            left = 1;
        struct timespec t = {.tv_sec = (time_t)left, .tv_nsec = (long)((left - (double)(time_t)left) * 1e9)};
        sigtimedwait(&chld, NULL, &t);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    getrusage(RUSAGE_CHILDREN, &ru);
    r->cpu = (double)(ru.ru_utime.tv_sec - before.ru_utime.tv_sec) +
             (double)(ru.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
             (double)(ru.ru_stime.tv_sec - before.ru_stime.tv_sec) +
             (double)(ru.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
}

/* The first line of file path (a vrun's stderr), for messages. */
static void first_line(const char *path, char *buf, size_t len)
{
    uint8_t *text = NULL;
    size_t n = 0;
    char err[128];
    buf[0] = 0;
    if (!file_read_max(path, 4096, &text, &n, err, sizeof err))
        return;
    size_t k = 0;
    while (k < n && text[k] != '\n')
        k++;
    vexp_escape((const char *)text, k, buf, len);
    free(text);
}

/* A run that did not end by itself, or could not start, crashes the cell:
 * true, with the message. */
static bool crashed(const struct run *r, const char *what, const char *errpath, struct vexp_result *res, unsigned timeout)
{
    char line[VEXP_TEXT];
    if (r->cannot)
        snprintf(res->message, sizeof res->message, "%s: cannot fork", what);
    else if (r->timed_out)
        snprintf(res->message, sizeof res->message, "%s: timed out after %u s", what, timeout);
    else if (WIFSIGNALED(r->wstatus))
        snprintf(res->message, sizeof res->message, "%s: vrun killed by signal %d (%s)", what, WTERMSIG(r->wstatus),
                 strsignal(WTERMSIG(r->wstatus)));
    else if (WEXITSTATUS(r->wstatus) == 127 || WEXITSTATUS(r->wstatus) == 2) {
        first_line(errpath, line, sizeof line);
        snprintf(res->message, sizeof res->message, "%s: exit status %d: %.120s", what, WEXITSTATUS(r->wstatus), line);
    } else
        return false;
    res->status = CELL_CRASHED;
    return true;
}

const char *vexp_cell_image(const struct vexp_env *env, const struct vexp_cell *c)
{
    if (!vexp_native(c))
        for (int i = 0; i < env->nimages; i++)
            if (strcmp(env->images[i].technique, c->technique) == 0)
                return env->images[i].path;
    return env->image;
}

/* argv for vrun on cell c: native or as the cell says; extra before the image. */
static int cell_args(const struct vexp_env *env, const struct vexp_cell *c, bool native, const char *const *extra,
                     char **a)
{
    int n = 0;
    a[n++] = (char *)"vrun";
    if (native)
        a[n++] = (char *)"--native";
    else {
        a[n++] = (char *)"--technique";
        a[n++] = (char *)c->technique;
        a[n++] = (char *)"--mmu";
        a[n++] = (char *)c->mmu;
        if (c->shadow) {
            a[n++] = (char *)"--shadow";
            a[n++] = (char *)c->shadow;
        }
    }
    a[n++] = (char *)"--isa";
    a[n++] = (char *)c->isa;
    if (c->w->boot) {
        a[n++] = (char *)"--boot";
        a[n++] = c->w->boot;
    }
    for (; extra && *extra; extra++)
        a[n++] = (char *)*extra;
    a[n++] = (char *)(native ? env->image : vexp_cell_image(env, c));
    a[n] = NULL;
    return n;
}

/* "vrun: lockstep: first difference after instruction N: WHAT" and
 * "  the instruction: 0xPC <SYM>, in MODE mode: INSN" (tools/vrun.c). */
static void parse_lockstep(const char *text, struct vexp_result *r)
{
    const char *p = strstr(text, "first difference after instruction ");
    if (!p) {
        r->lockstep = LS_ERROR;
        snprintf(r->div_what, sizeof r->div_what, "lockstep said it differs, but not where");
        return;
    }
    p += strlen("first difference after instruction ");
    char *end;
    r->div_instret = strtoull(p, &end, 10);
    if (end[0] == ':' && end[1] == ' ')
        end += 2;
    vexp_escape(end, strcspn(end, "\n"), r->div_what, sizeof r->div_what);
    const char *q = strstr(text, "  the instruction: ");
    if (!q)
        return;
    q += strlen("  the instruction: ");
    r->div_has_insn = true;
    r->div_pc = (uint32_t)strtoul(q, &end, 16);
    const char *lt = end[0] == ' ' && end[1] == '<' ? end + 2 : NULL;
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (gt)
        vexp_escape(lt, (size_t)(gt - lt), r->div_symbol, sizeof r->div_symbol);
    const char *in = strstr(q, ", in ");
    const char *mode = in ? in + 5 : NULL;
    const char *colon = mode ? strstr(mode, " mode: ") : NULL;
    if (colon) {
        vexp_escape(mode, (size_t)(colon - mode), r->div_mode, sizeof r->div_mode);
        colon += strlen(" mode: ");
        vexp_escape(colon, strcspn(colon, "\n"), r->div_insn, sizeof r->div_insn);
    }
}

/* The cell's scratch directory and everything in it: also what a vrun
 * killed at its time limit left (its outputs' temporary files). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4400];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void compare_consoles(const char *a, const char *b, struct vexp_result *r)
{
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    char err[128];
    if (!file_read_max(a, 64u << 20, &x, &nx, err, sizeof err) || !file_read_max(b, 64u << 20, &y, &ny, err, sizeof err)) {
        free(x);
        return;
    }
    size_t k = 0;
    while (k < nx && k < ny && x[k] == y[k])
        k++;
    r->console_compared = true;
    r->console_equal = k == nx && k == ny;
    r->console_offset = r->console_equal ? -1 : (long)k;
    if (!r->console_equal) {
        enum { EXCERPT = 16 };
        vexp_escape((const char *)x + k, nx - k < EXCERPT ? nx - k : EXCERPT, r->console_native, sizeof r->console_native);
        vexp_escape((const char *)y + k, ny - k < EXCERPT ? ny - k : EXCERPT, r->console_cell, sizeof r->console_cell);
    }
    free(x);
    free(y);
}

void vexp_cell_run(const struct vexp_env *env, struct vexp_cell *c, int idx)
{
    struct vexp_result *r = &c->r;
    memset(r, 0, sizeof *r);
    bool native = vexp_native(c);
    char dir[4096], json[4200], out[4200], err[4200], nout[4200], cout[4200];
    snprintf(dir, sizeof dir, "%s/cell%d", env->tmp, idx);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        r->status = CELL_CRASHED;
        snprintf(r->message, sizeof r->message, "cannot make a scratch directory: %s", strerror(errno));
        return;
    }
    snprintf(json, sizeof json, "%s/stats.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    snprintf(nout, sizeof nout, "%s/native.out", dir);
    snprintf(cout, sizeof cout, "%s/cell.out", dir);
    char *a[MAX_ARGS];
    struct run run;

    /* the counts */
    const char *sj[] = {"--stats-json", json, NULL};
    cell_args(env, c, native, sj, a);
    spawn(env, a, out, err, &run);
    if (crashed(&run, "--stats-json run", err, r, env->timeout))
        goto done;
    uint8_t *text = NULL;
    size_t len = 0;
    char why[VEXP_TEXT];
    if (!file_read_max(json, 16u << 20, &text, &len, why, sizeof why)) {
        char line[VEXP_TEXT];
        first_line(err, line, sizeof line);
        r->status = CELL_CRASHED;
        snprintf(r->message, sizeof r->message, "no statistics (exit status %d): %.140s", WEXITSTATUS(run.wstatus), line);
        goto done;
    }
    bool ok = vexp_stats_parse((const char *)text, len, r, why, sizeof why);
    free(text);
    if (!ok) {
        r->status = CELL_CRASHED;
        snprintf(r->message, sizeof r->message, "statistics: %.160s", why);
        goto done;
    }

    /* equivalence, step by step (against the same program on the bare machine) */
    if (!native && vexp_cell_image(env, c) == env->image) {
        const char *ls[] = {"--lockstep", NULL};
        cell_args(env, c, false, ls, a);
        spawn(env, a, out, err, &run);
        if (crashed(&run, "lockstep", err, r, env->timeout))
            goto done;
        int st = WEXITSTATUS(run.wstatus);
        if (st == 0)
            r->lockstep = LS_AGREE;
        else if (st == 3) {
            uint8_t *t = NULL;
            size_t tn = 0;
            r->lockstep = LS_DIFFER;
            if (file_read_max(out, 1u << 20, &t, &tn, why, sizeof why)) {
                char *s = realloc(t, tn + 1);
                if (s) {
                    s[tn] = 0;
                    parse_lockstep(s, r);
                    t = (uint8_t *)s;
                }
            }
            free(t);
        } else {
            r->lockstep = LS_ERROR;
            char line[VEXP_TEXT];
            first_line(err, line, sizeof line);
            snprintf(r->div_what, sizeof r->div_what, "exit status %d: %.140s", st, line);
        }
    }

    /* the times, and the consoles of the first pair */
    int runs = env->runs < MAX_RUNS ? env->runs : MAX_RUNS;
    static double tn[MAX_RUNS], tc[MAX_RUNS], ratio[MAX_RUNS];
    for (int i = 0; i < runs; i++) {
        cell_args(env, c, true, NULL, a);
        spawn(env, a, i ? out : nout, err, &run);
        if (crashed(&run, "native run", err, r, env->timeout))
            goto done;
        tn[i] = run.cpu;
        if (i == 0)
            r->exit_native = WEXITSTATUS(run.wstatus);
        if (native) {
            tc[i] = run.cpu;
            ratio[i] = 1;
            continue;
        }
        cell_args(env, c, false, NULL, a);
        spawn(env, a, i ? out : cout, err, &run);
        if (crashed(&run, "timed run", err, r, env->timeout))
            goto done;
        tc[i] = run.cpu;
        if (i == 0)
            r->exit_cell = WEXITSTATUS(run.wstatus);
        ratio[i] = tn[i] > 0 ? tc[i] / tn[i] : 0;
    }
    if (native)
        r->exit_cell = r->exit_native;
    else
        compare_consoles(nout, cout, r);
    if (runs > 0) {
        r->t_native = median(tn, runs);
        r->t_cell = median(tc, runs);
        qsort(ratio, (size_t)runs, sizeof *ratio, cmp_double);
        r->ratio_min = ratio[0];
        r->ratio_max = ratio[runs - 1];
        r->ratio = r->t_native > 0 ? r->t_cell / r->t_native : 0;
    }
done:
    remove_dir(dir);
}
