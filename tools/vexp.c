/*
 * vexp - the experiment runner: runs a matrix workload x ISA x technique
 * x memory (shadow paging's policies, nested paging) with vrun and writes, per cell, equivalence with the
 * native run (and where it fails, the first divergence and the console
 * bytes that differ), CPU time against native, and the counts of
 * --stats-json; as CSV, JSON, Markdown and gnuplot plots, and optionally
 * a document from a template (docs/experiments.md).
 *
 * This file is the command line, the matrix file and the scheduling:
 * each cell runs in a child process of its own, at most --jobs at a time,
 * and sends its result back whole through a pipe.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "isa.h"
#include "seams.h"
#include "vexp.h"
#include "vmm.h"

enum { EXIT_BAD_INPUT = 1, EXIT_USAGE = 2 };

static const char *prog = "vexp";

#define MAX_LIST 32
#define MAX_WORKLOADS 64

struct list {
    int n;
    char *item[MAX_LIST];
};

struct opts {
    struct vexp_workload w[MAX_WORKLOADS];
    int nw;
    struct list isa, technique, shadow, mmu;
    bool isa_set, technique_set, shadow_set, mmu_set, runs_set;
    int runs, jobs;
    unsigned timeout;
    const char *out, *vrun, *image, *matrix, *template, *doc;
    struct vexp_image images[VEXP_MAX_IMAGES]; /* --image-for, then the matrix's image lines */
    int nimages, nimages_cli;
    bool quiet;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options]\n"
            "\n"
            "Run a matrix of experiments with vrun: each workload (a boot string of the\n"
            "guest kernel) on each ISA, natively and under each technique with each\n"
            "MMU it serves (shadow paging with each policy, nested paging), and write what each cell measured to DIR: matrix.csv, matrix.json,\n"
            "matrix.md and, with gnuplot, plots of slowdown and exits (PNG and SVG).\n"
            "Per cell: equivalence with the native run (vrun --lockstep: the first\n"
            "divergence; the consoles: the first byte that differs), CPU time against\n"
            "native (the median of --runs interleaved runs, and their spread), and the\n"
            "counts of vrun --stats-json (instructions, efficiency, exits, page faults,\n"
            "shadow tables, silent sensitive instructions, anything else it counts).\n"
            "\n"
            "options:\n"
            "  --matrix FILE       read the matrix from FILE (lines: workload NAME=BOOT,\n"
            "                      isa LIST, technique LIST, shadow LIST, mmu LIST, runs N,\n"
            "                      image TECH=ELF; # comments);\n"
            "                      the options below replace what it says\n"
            "  --workload NAME=BOOT  a workload: the boot string BOOT (empty: the default\n"
            "                      demo), named NAME; repeatable (default: demo=)\n"
            "  --isa LIST          ISA variants, comma-separated (default: pg,x86like)\n"
            "  --technique LIST    native and VMM techniques (default: native and all:",
            prog);
    for (int i = 0; vmm_techniques[i]; i++)
        fprintf(f, " %s", vmm_techniques[i]->name);
    fprintf(f, ")\n"
               "  --shadow LIST       shadow policies, for VMM techniques (default: all:");
    for (int p = 0; p < SHADOW_NPOLICIES; p++)
        fprintf(f, " %s", shadow_policy_name((enum shadow_policy)p));
    fprintf(f, ")\n"
               "  --mmu LIST          how memory is virtualized, each with the techniques\n"
               "                      that serve it (default: all:");
    for (int i = 0; vmm_mmus[i]; i++)
        fprintf(f, " %s", vmm_mmus[i]->name);
    fprintf(f,
            ")\n"
            "  --runs N            timed runs per side of each cell (default 5)\n"
            "  --jobs N            cells at once (default: the available cores)\n"
            "  --cell-timeout S    stop a vrun run after S seconds; its cell is recorded as\n"
            "                      crashed (default 120)\n"
            "  --out DIR           where the files go (default vexp-out; made if missing)\n"
            "  --vrun PATH         the vrun to run (default: the one next to vexp)\n"
            "  --image ELF         the guest kernel (default: ../guest-os/kernel.elf from\n"
            "                      vexp's directory)\n"
            "  --image-for TECH=ELF  the kernel that technique TECH runs instead (a build\n"
            "                      made for it: the paravirtual kernel for pv); a relative\n"
            "                      ELF is looked for beside the default image; repeatable.\n"
            "                      Its cells are compared with the default image's native\n"
            "                      run by console and time, without lockstep\n"
            "  --template FILE --doc FILE\n"
            "                      also write FILE from the template's text with its\n"
            "                      markers filled (docs/experiments.in.md lists them)\n"
            "  -q, --quiet         no progress on stderr\n"
            "  -h, --help          show this help\n"
            "\n"
            "All output files appear together, whole, or none. Exit status: 0 when the\n"
            "matrix ran (crashed cells are recorded in it), 1 bad input or an output\n"
            "that cannot be written, 2 bad usage.\n");
}

static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (%s -h for help)\n", prog);
    va_end(ap);
    return EXIT_USAGE;
}

static bool number(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* "a,b c" into l (the strings are s's, cut); false with what is wrong. */
static bool split(char *s, struct list *l, char *why, size_t len)
{
    l->n = 0;
    for (char *t = strtok(s, ", \t"); t; t = strtok(NULL, ", \t")) {
        if (l->n == MAX_LIST) {
            snprintf(why, len, "more than %d names", MAX_LIST);
            return false;
        }
        l->item[l->n++] = t;
    }
    if (!l->n)
        snprintf(why, len, "an empty list");
    return l->n > 0;
}

/* Each name of l is one that exists; "all" in the technique list is
 * native and every technique. */
static bool check_list(struct list *l, int which, char *why, size_t len)
{
    for (int i = 0; i < l->n; i++) {
        const char *s = l->item[i];
        if (which == 1 && strcmp(s, "all") == 0) {
            l->n = 0;
            l->item[l->n++] = (char *)"native";
            for (int t = 0; vmm_techniques[t] && l->n < MAX_LIST; t++)
                l->item[l->n++] = (char *)vmm_techniques[t]->name;
            return true;
        }
        enum isa_variant v;
        enum shadow_policy p;
        bool ok = which == 0   ? isa_variant_parse(s, &v)
                  : which == 1 ? strcmp(s, "native") == 0 || vmm_technique_find(s)
                  : which == 2 ? shadow_policy_parse(s, &p)
                               : vmm_mmu_find(s) != NULL;
        if (!ok) {
            static const char *const what[] = {"ISA variant", "technique", "shadow policy", "MMU"};
            snprintf(why, len, "'%s': no %s of that name", s, what[which]);
            return false;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(l->item[j], s) == 0) {
                snprintf(why, len, "'%s' twice", s);
                return false;
            }
    }
    return true;
}

/* TECH=ELF: the image a technique runs (--image-for, the matrix's image). */
static bool add_image(struct opts *o, char *spec, char *why, size_t len)
{
    char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
        snprintf(why, len, "'%s': not TECHNIQUE=ELF", spec);
        return false;
    }
    *eq = 0;
    if (!vmm_technique_find(spec)) {
        snprintf(why, len, "'%s': no technique of that name", spec);
        return false;
    }
    for (int i = 0; i < o->nimages; i++)
        if (strcmp(o->images[i].technique, spec) == 0) {
            if (i < o->nimages_cli)
                return true; /* the command line says otherwise */
            snprintf(why, len, "two images for '%s'", spec);
            return false;
        }
    if (o->nimages == VEXP_MAX_IMAGES) {
        snprintf(why, len, "more than %d images", VEXP_MAX_IMAGES);
        return false;
    }
    o->images[o->nimages++] = (struct vexp_image){.technique = spec, .path = eq + 1};
    return true;
}

static bool add_workload(struct opts *o, char *spec, char *why, size_t len)
{
    char *eq = strchr(spec, '=');
    if (o->nw == MAX_WORKLOADS) {
        snprintf(why, len, "more than %d workloads", MAX_WORKLOADS);
        return false;
    }
    struct vexp_workload *w = &o->w[o->nw];
    if (eq) {
        *eq = 0;
        w->name = spec;
        w->boot = eq[1] ? eq + 1 : NULL;
    } else {
        w->name = spec;
        w->boot = spec;
    }
    if (!*w->name || strpbrk(w->name, "/,|\"\\ \t")) {
        snprintf(why, len, "'%s': a workload's name is not empty and has no '/', ',', '|', '\"', '\\' or space",
                 w->name);
        return false;
    }
    for (int i = 0; i < o->nw; i++)
        if (strcmp(o->w[i].name, w->name) == 0) {
            snprintf(why, len, "two workloads named '%s'", w->name);
            return false;
        }
    o->nw++;
    return true;
}

/* The matrix file: what the options do not say.  Its text lives as long as
 * the program (the lists point into it). */
static int read_matrix(struct opts *o)
{
    uint8_t *buf;
    size_t len;
    char err[256];
    if (!file_read_max(o->matrix, 1u << 20, &buf, &len, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, o->matrix, err);
        return EXIT_BAD_INPUT;
    }
    char *text = realloc(buf, len + 1);
    if (!text) {
        free(buf);
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_BAD_INPUT;
    }
    text[len] = 0;
    bool cli_workloads = o->nw > 0;
    int lineno = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        lineno++;
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        char *key = line + strspn(line, " \t");
        if (!*key)
            continue;
        char *rest = key + strcspn(key, " \t");
        if (*rest)
            *rest++ = 0;
        rest += strspn(rest, " \t");
        for (char *e = rest + strlen(rest); e > rest && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
            *--e = 0;
        char why[256] = "";
        bool ok = true;
        struct list *l = NULL;
        bool set = false;
        int which = 0;
        if (strcmp(key, "workload") == 0)
            ok = cli_workloads || add_workload(o, rest, why, sizeof why);
        else if (strcmp(key, "image") == 0)
            ok = add_image(o, rest, why, sizeof why);
        else if (strcmp(key, "isa") == 0)
            l = &o->isa, set = o->isa_set, which = 0;
        else if (strcmp(key, "technique") == 0)
            l = &o->technique, set = o->technique_set, which = 1;
        else if (strcmp(key, "shadow") == 0)
            l = &o->shadow, set = o->shadow_set, which = 2;
        else if (strcmp(key, "mmu") == 0)
            l = &o->mmu, set = o->mmu_set, which = 3;
        else if (strcmp(key, "runs") == 0) {
            long v;
            ok = number(rest, 1, 1000, &v);
            if (!ok)
                snprintf(why, sizeof why, "runs %s: not a number from 1 to 1000", rest);
            else if (!o->runs_set)
                o->runs = (int)v;
        } else {
            ok = false;
            snprintf(why, sizeof why, "'%s': not workload, isa, technique, shadow, mmu, runs or image", key);
        }
        if (l && !set)
            ok = split(rest, l, why, sizeof why) && check_list(l, which, why, sizeof why);
        if (!ok) {
            fprintf(stderr, "%s:%d:%d: error: %s\n", o->matrix, lineno, (int)(key - line) + 1, why);
            return EXIT_BAD_INPUT;
        }
    }
    return 0;
}

/* The directory of this program, for the default vrun and image. */
static char *self_dir(const char *argv0)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0)
        path[n] = 0;
    else
        snprintf(path, sizeof path, "%s", argv0);
    return file_dir(path);
}

static int parse(int argc, char **argv, struct opts *o)
{
    enum { O_WORKLOAD = 256, O_ISA, O_TECH, O_SHADOW, O_MMU, O_RUNS, O_JOBS, O_OUT, O_VRUN, O_IMAGE, O_TIMEOUT, O_MATRIX,
           O_TEMPLATE, O_DOC, O_IMAGE_FOR };
    static const struct option lo[] = {
        {"workload", required_argument, NULL, O_WORKLOAD}, {"isa", required_argument, NULL, O_ISA},
        {"technique", required_argument, NULL, O_TECH},    {"shadow", required_argument, NULL, O_SHADOW},
        {"runs", required_argument, NULL, O_RUNS},         {"jobs", required_argument, NULL, O_JOBS},
        {"out", required_argument, NULL, O_OUT},           {"vrun", required_argument, NULL, O_VRUN},
        {"image", required_argument, NULL, O_IMAGE},       {"cell-timeout", required_argument, NULL, O_TIMEOUT},
        {"matrix", required_argument, NULL, O_MATRIX},     {"template", required_argument, NULL, O_TEMPLATE},
        {"doc", required_argument, NULL, O_DOC},           {"image-for", required_argument, NULL, O_IMAGE_FOR},
        {"mmu", required_argument, NULL, O_MMU},           {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},                  {NULL, 0, NULL, 0},
    };
    long v, cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->runs = 5;
    o->jobs = cores > 0 ? (int)cores : 1;
    o->timeout = 120;
    o->out = "vexp-out";
    char why[256];
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":qh", lo, NULL)) != -1) {
        switch (c) {
        case O_WORKLOAD:
            if (!add_workload(o, optarg, why, sizeof why))
                return fail_usage("--workload: %s", why);
            break;
        case O_ISA:
        case O_TECH:
        case O_SHADOW:
        case O_MMU: {
            int which = c == O_ISA ? 0 : c == O_TECH ? 1 : c == O_SHADOW ? 2 : 3;
            struct list *lists[] = {&o->isa, &o->technique, &o->shadow, &o->mmu};
            bool *sets[] = {&o->isa_set, &o->technique_set, &o->shadow_set, &o->mmu_set};
            static const char *const names[] = {"--isa", "--technique", "--shadow", "--mmu"};
            if (!split(optarg, lists[which], why, sizeof why) || !check_list(lists[which], which, why, sizeof why))
                return fail_usage("%s: %s", names[which], why);
            *sets[which] = true;
            break;
        }
        case O_RUNS:
            if (!number(optarg, 1, 1000, &v))
                return fail_usage("--runs %s: not a number from 1 to 1000", optarg);
            o->runs = (int)v;
            o->runs_set = true;
            break;
        case O_JOBS:
            if (!number(optarg, 1, 256, &v))
                return fail_usage("--jobs %s: not a number from 1 to 256", optarg);
            o->jobs = (int)v;
            break;
        case O_TIMEOUT:
            if (!number(optarg, 1, 86400, &v))
                return fail_usage("--cell-timeout %s: not a number of seconds from 1 to 86400", optarg);
            o->timeout = (unsigned)v;
            break;
        case O_OUT: o->out = optarg; break;
        case O_VRUN: o->vrun = optarg; break;
        case O_IMAGE: o->image = optarg; break;
        case O_IMAGE_FOR:
            if (!add_image(o, optarg, why, sizeof why))
                return fail_usage("--image-for: %s", why);
            o->nimages_cli = o->nimages;
            break;
        case O_MATRIX: o->matrix = optarg; break;
        case O_TEMPLATE: o->template = optarg; break;
        case O_DOC: o->doc = optarg; break;
        case 'q': o->quiet = true; break;
        case 'h': usage(stdout); exit(0);
        case ':': return fail_usage("%s: needs an argument", argv[optind - 1]);
        default:
            if (optopt)
                return fail_usage("-%c: no such option", optopt);
            return fail_usage("%s: no such option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return fail_usage("%s: vexp takes no operands (workloads are --workload NAME=BOOT)", argv[optind]);
    if (!o->template != !o->doc)
        return fail_usage("%s", "--template and --doc go together");
    return 0;
}

static void defaults(struct opts *o)
{
    static char demo[] = "demo", pg[] = "pg", x86[] = "x86like", all[] = "all";
    if (!o->nw)
        o->w[o->nw++] = (struct vexp_workload){.name = demo, .boot = NULL};
    char why[64];
    if (!o->isa.n)
        o->isa = (struct list){.n = 2, .item = {pg, x86}};
    if (!o->technique.n) {
        o->technique = (struct list){.n = 1, .item = {all}};
        check_list(&o->technique, 1, why, sizeof why);
    }
    if (!o->shadow.n)
        for (int p = 0; p < SHADOW_NPOLICIES; p++)
            o->shadow.item[o->shadow.n++] = (char *)shadow_policy_name((enum shadow_policy)p);
    if (!o->mmu.n)
        for (int i = 0; vmm_mmus[i] && o->mmu.n < MAX_LIST; i++)
            o->mmu.item[o->mmu.n++] = (char *)vmm_mmus[i]->name;
}

/* The cells, in the order of the files: workload, ISA, technique, MMU,
 * policy (shadow paging's; an MMU without policies has one cell).  A
 * technique meets only the MMUs that serve it (vmm_serves: nested paging
 * needs the hardware guest mode). */
static struct vexp_cell *make_cells(const struct opts *o, int *n)
{
    int max = o->nw * o->isa.n * o->technique.n * o->mmu.n * o->shadow.n, k = 0;
    struct vexp_cell *cells = calloc((size_t)(max ? max : 1), sizeof *cells);
    if (!cells)
        return NULL;
    for (int w = 0; w < o->nw; w++)
        for (int i = 0; i < o->isa.n; i++)
            for (int t = 0; t < o->technique.n; t++) {
                const struct vmm_technique *tech = vmm_technique_find(o->technique.item[t]);
                struct vexp_cell cell = {.w = &o->w[w], .isa = o->isa.item[i], .technique = o->technique.item[t]};
                if (strcmp(o->technique.item[t], "native") == 0) {
                    cells[k++] = cell;
                    continue;
                }
                for (int u = 0; u < o->mmu.n; u++) {
                    const struct vmm_mmu *mmu = vmm_mmu_find(o->mmu.item[u]);
                    if (!vmm_serves(tech, mmu))
                        continue;
                    cell.mmu = o->mmu.item[u];
                    if (mmu != &shadow_paging) {
                        cell.shadow = NULL;
                        cells[k++] = cell;
                        continue;
                    }
                    for (int s = 0; s < o->shadow.n; s++) {
                        cell.shadow = o->shadow.item[s];
                        cells[k++] = cell;
                    }
                }
            }
    *n = k;
    return cells;
}

struct job {
    pid_t pid;
    int fd, cell;
};

static void progress(const struct opts *o, int done, int n, const struct vexp_cell *c, bool start)
{
    if (o->quiet)
        return;
    char name[256];
    vexp_cell_name(c, name, sizeof name);
    if (start) {
        fprintf(stderr, "%s: [%d/%d] running %s\n", prog, done, n, name);
        return;
    }
    const struct vexp_result *r = &c->r;
    if (r->status == CELL_CRASHED)
        fprintf(stderr, "%s: [%d/%d] %s: crashed: %s\n", prog, done, n, name, r->message);
    else {
        char eq[32];
        vexp_field(c, "equivalent", eq, sizeof eq);
        fprintf(stderr, "%s: [%d/%d] %s: equivalent %s, %.2fx native\n", prog, done, n, name, eq, r->ratio);
    }
}

/* Every cell, at most o->jobs at a time, each in a child of its own. */
static void run_cells(const struct opts *o, const struct vexp_env *env, struct vexp_cell *cells, int n)
{
    struct job *jobs = calloc((size_t)o->jobs, sizeof *jobs);
    int next = 0, running = 0, done = 0;
    if (!jobs) {
        for (int i = 0; i < n; i++) {
            cells[i].r.status = CELL_CRASHED;
            snprintf(cells[i].r.message, sizeof cells[i].r.message, "out of memory");
        }
        return;
    }
    fflush(NULL);
    while (done < n) {
        while (running < o->jobs && next < n) {
            int fds[2];
            struct vexp_cell *c = &cells[next];
            progress(o, done, n, c, true);
            pid_t pid = -1;
            if (pipe(fds) == 0 && (pid = fork()) == 0) {
                close(fds[0]);
                vexp_cell_run(env, c, next);
                const char *p = (const char *)&c->r;
                size_t left = sizeof c->r;
                while (left) {
                    ssize_t w = write(fds[1], p, left);
                    if (w <= 0)
                        _exit(1);
                    p += w;
                    left -= (size_t)w;
                }
                _exit(0);
            }
            if (pid < 0) {
                c->r.status = CELL_CRASHED;
                snprintf(c->r.message, sizeof c->r.message, "cannot start its process: %s", strerror(errno));
                done++;
                next++;
                progress(o, done, n, c, false);
                continue;
            }
            close(fds[1]);
            for (int j = 0; j < o->jobs; j++)
                if (!jobs[j].pid) {
                    jobs[j] = (struct job){.pid = pid, .fd = fds[0], .cell = next};
                    break;
                }
            running++;
            next++;
        }
        if (!running)
            continue;
        int ws;
        pid_t pid = wait(&ws);
        if (pid < 0)
            break;
        for (int j = 0; j < o->jobs; j++) {
            if (jobs[j].pid != pid)
                continue;
            struct vexp_cell *c = &cells[jobs[j].cell];
            struct vexp_result r;
            size_t got = 0;
            ssize_t k;
            while (got < sizeof r && (k = read(jobs[j].fd, (char *)&r + got, sizeof r - got)) > 0)
                got += (size_t)k;
            close(jobs[j].fd);
            if (got == sizeof r && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
                c->r = r;
            else {
                memset(&c->r, 0, sizeof c->r);
                c->r.status = CELL_CRASHED;
                if (WIFSIGNALED(ws))
                    snprintf(c->r.message, sizeof c->r.message, "vexp's cell process killed by signal %d",
                             WTERMSIG(ws));
                else
                    snprintf(c->r.message, sizeof c->r.message, "vexp's cell process failed");
            }
            jobs[j].pid = 0;
            running--;
            done++;
            progress(o, done, n, c, false);
        }
    }
    free(jobs);
}

/* mkdir -p */
static bool make_dir(const char *path, char *err, size_t len)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s && *s != '/')
            continue;
        char save = *s;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            snprintf(err, len, "%.300s: cannot make the directory: %s", p, strerror(errno));
            return false;
        }
        *s = save;
        if (!save)
            break;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, len, "%s: not a directory", path);
        return false;
    }
    return true;
}

/* Where the document finds the plots: out relative to the document's
 * directory when it is below it, else out as given. */
static void plot_dir(const char *doc, const char *out, char *buf, size_t len)
{
    char *d = file_dir(doc);
    size_t n = d ? strlen(d) : 0;
    if (d && strcmp(d, out) == 0)
        snprintf(buf, len, ".");
    else if (d && strcmp(d, ".") != 0 && strncmp(out, d, n) == 0 && out[n] == '/')
        snprintf(buf, len, "%s", out + n + 1);
    else
        snprintf(buf, len, "%s", out);
    free(d);
}

/* Every output, staged in one set and committed together. */
static int write_outputs(const struct opts *o, const char *tmp, struct vexp_cell *cells, int n)
{
    char err[512], path[PATH_MAX];
    int status = EXIT_BAD_INPUT;
    struct vexp_plot plots[VEXP_NPLOTS] = {0};
    int nplots = 0;
    char *doc = NULL, *ttext = NULL;
    size_t doclen = 0;
    struct outset *set = outset_new(prog);
    if (!set || !make_dir(o->out, err, sizeof err))
        goto out;
    if (o->template) {
        uint8_t *t;
        size_t tl;
        if (outset_input(set, o->template, "the template", err, sizeof err) != 0)
            goto out;
        if (!file_read_max(o->template, 16u << 20, &t, &tl, err, sizeof err)) {
            fprintf(stderr, "%s: %s: %s\n", prog, o->template, err);
            err[0] = 0;
            goto out;
        }
        ttext = realloc(t, tl + 1);
        if (!ttext) {
            free(t);
            goto out;
        }
        ttext[tl] = 0;
    }
    char why[256] = "";
    nplots = vexp_plots(tmp, cells, n, plots, why, sizeof why);
    if (!nplots) /* a warning, not progress: -q keeps it */
        fprintf(stderr, "%s: plots skipped: %s\n", prog, why);
    static const char *const names[] = {"matrix.csv", "matrix.json", "matrix.md"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", o->out, names[i]);
        int k = outset_add(set, path, "an output", err, sizeof err);
        FILE *f = k >= 0 ? outset_stream(set, k) : NULL;
        if (!f)
            goto out;
        if (i == 0)
            vexp_write_csv(f, cells, n);
        else if (i == 1)
            vexp_write_json(f, cells, n, o->runs);
        else {
            fprintf(f, "# Experiment matrix\n\n%d runs per side for each time.\n\n", o->runs);
            vexp_write_matrix_table(f, cells, n);
            fputs("\n## Exits, page faults and shadow tables\n\n", f);
            vexp_write_exits_table(f, cells, n);
            fputs("\n## Translation and hypercalls (binary translation, paravirtualization)\n\n", f);
            vexp_write_remedies_table(f, cells, n);
        }
    }
    for (int i = 0; i < nplots; i++) {
        snprintf(path, sizeof path, "%s/%s", o->out, plots[i].name);
        int k = outset_add(set, path, "a plot", err, sizeof err);
        if (k < 0 || !outset_put(set, k, plots[i].data, plots[i].len, err, sizeof err))
            goto out;
    }
    if (o->doc) {
        char pd[PATH_MAX];
        plot_dir(o->doc, o->out, pd, sizeof pd);
        if (!vexp_doc(o->template, ttext, cells, n, o->runs, pd, nplots > 0, &doc, &doclen, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            err[0] = 0;
            goto out;
        }
        int k = outset_add(set, o->doc, "the document", err, sizeof err);
        if (k < 0 || !outset_put(set, k, doc, doclen, err, sizeof err))
            goto out;
    }
    if (outset_commit(set, err, sizeof err))
        status = 0;
out:
    if (status && err[0])
        fprintf(stderr, "%s: %s\n", prog, err);
    outset_free(set);
    for (int i = 0; i < nplots; i++)
        free(plots[i].data);
    free(doc);
    free(ttext);
    return status;
}

int main(int argc, char **argv)
{
    static struct opts o;
    int st = parse(argc, argv, &o);
    if (st)
        return st;
    if (o.matrix && (st = read_matrix(&o)) != 0)
        return st;
    defaults(&o);
    char *dir = self_dir(argv[0]);
    char vrun[PATH_MAX], image[PATH_MAX];
    snprintf(vrun, sizeof vrun, "%s/vrun", dir ? dir : ".");
    snprintf(image, sizeof image, "%s/../guest-os/kernel.elf", dir ? dir : ".");
    free(dir);
    if (!o.vrun)
        o.vrun = vrun;
    if (!o.image)
        o.image = image;
    if (access(o.vrun, X_OK) != 0) {
        fprintf(stderr, "%s: %s: cannot run it: %s\n", prog, o.vrun, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    if (access(o.image, R_OK) != 0) {
        fprintf(stderr, "%s: %s: cannot read it: %s\n", prog, o.image, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    /* a relative image of a technique is the default image's neighbour */
    static char paths[VEXP_MAX_IMAGES][PATH_MAX];
    char *idir = file_dir(o.image);
    for (int i = 0; i < o.nimages; i++) {
        if (o.images[i].path[0] != '/') {
            snprintf(paths[i], sizeof paths[i], "%s/%s", idir ? idir : ".", o.images[i].path);
            o.images[i].path = paths[i];
        }
        if (access(o.images[i].path, R_OK) != 0) {
            fprintf(stderr, "%s: %s: cannot read it (the image of %s): %s\n", prog, o.images[i].path,
                    o.images[i].technique, strerror(errno));
            free(idir);
            return EXIT_BAD_INPUT;
        }
    }
    free(idir);
    int n;
    struct vexp_cell *cells = make_cells(&o, &n);
    const char *t = getenv("TMPDIR");
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/vexp-XXXXXX", t && *t ? t : "/tmp");
    if (!cells || !mkdtemp(tmp)) {
        fprintf(stderr, "%s: cannot make a scratch directory in %s: %s\n", prog, t && *t ? t : "/tmp",
                strerror(errno));
        free(cells);
        return EXIT_BAD_INPUT;
    }
    struct vexp_env env = {.vrun = o.vrun, .image = o.image, .tmp = tmp, .runs = o.runs, .timeout = o.timeout,
                           .parent = (int)getpid(), .nimages = o.nimages};
    memcpy(env.images, o.images, sizeof env.images);
    if (!o.quiet)
        fprintf(stderr, "%s: %d cells, %d at a time, %d timed runs per side\n", prog, n, o.jobs, o.runs);
    run_cells(&o, &env, cells, n);
    st = write_outputs(&o, tmp, cells, n);
    rmdir(tmp);
    if (!st && !o.quiet) {
        int crashed = 0;
        for (int i = 0; i < n; i++)
            crashed += cells[i].r.status == CELL_CRASHED;
        fprintf(stderr, "%s: wrote %s/matrix.{csv,json,md}%s%s; %d of %d cells crashed\n", prog, o.out,
                o.doc ? " and " : "", o.doc ? o.doc : "", crashed, n);
    }
    free(cells);
    return st;
}
