/*
 * runvrun.c - running the vrun program from a test (runvrun.h).
 */
#define _DEFAULT_SOURCE /* wait4: the memory vrun used */
#include "runvrun.h"

#include <CUnit/CUnit.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asmtest.h"
#include "elf_write.h"
#include "scratch.h"

/* ASan keeps what a test freed in its quarantine, resident, and a child
 * made by fork carries this process's resident pages into its
 * ru_maxrss even after exec (Linux keeps the old image's high-water
 * mark): hand the freed memory back first, or res.maxrss_kib measures the
 * tests that ran before (a 10 MB trace read whole) instead of vrun. */
#ifdef __SANITIZE_ADDRESS__
void __sanitizer_purge_allocator(void);
#define release_freed_memory() __sanitizer_purge_allocator()
#else
#define release_freed_memory() ((void)0)
#endif

void res_free(struct res *r)
{
    free(r->out);
    free(r->err);
}

/* In a child, with its stdio in place: become the program at path, as
 * "vrun" with args, killed after timeout seconds; status 201 if it cannot
 * be run. */
static void exec_vrun(const char *path, const char *const *args, unsigned timeout)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = "vrun";
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    alarm(timeout);
    execv(path, (char *const *)argv);
    _exit(201);
}

void run_vrun(const char *path, const char *dir, struct res *res, const char *in, size_t inlen,
              const char *const *args)
{
    char inpath[4096];
    snprintf(inpath, sizeof inpath, "%s/.stdin", dir);
    spit(inpath, in ? in : "", in ? inlen : 0);
    run_vrun_with(path, dir, res, &(struct vrun_setup){.stdin_path = inpath}, args);
}

void run_vrun_with(const char *path, const char *dir, struct res *res, const struct vrun_setup *s,
                   const char *const *args)
{
    char outpath[4096], errpath[4096];
    snprintf(outpath, sizeof outpath, "%s/.stdout", dir);
    snprintf(errpath, sizeof errpath, "%s/.stderr", dir);
    int pfd[2] = {-1, -1};
    if (!s->stdin_path)
        CU_ASSERT_FATAL(pipe(pfd) == 0);
    fflush(NULL);
    /* A pipe is fed by a child of its own: vrun may stop reading early,
     * and that must cost the writer (SIGPIPE), not the test. */
    pid_t feeder = -1;
    if (!s->stdin_path) {
        feeder = fork();
        CU_ASSERT_FATAL(feeder >= 0);
        if (feeder == 0) {
            close(pfd[0]);
            for (size_t done = 0; done < s->inlen;) {
                ssize_t w = write(pfd[1], s->in + done, s->inlen - done);
                if (w <= 0)
                    _exit(0);
                done += (size_t)w;
            }
            _exit(0);
        }
    }
    release_freed_memory();
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int fi = s->stdin_path ? open(s->stdin_path, O_RDONLY) : pfd[0],
            fo = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644),
            fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fi < 0 || fo < 0 || fe < 0)
            _exit(200);
        if (pfd[1] >= 0)
            close(pfd[1]);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        if (s->fsize_limit) {
            signal(SIGXFSZ, SIG_IGN); /* stays ignored across exec */
            struct rlimit rl = {(rlim_t)s->fsize_limit, (rlim_t)s->fsize_limit};
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(202);
        }
        exec_vrun(path, args, s->timeout ? s->timeout : 30);
    }
    if (pfd[0] >= 0) {
        close(pfd[0]);
        close(pfd[1]);
    }
    int st;
    struct rusage ru;
    CU_ASSERT_FATAL(wait4(pid, &st, 0, &ru) == pid);
    if (feeder > 0)
        waitpid(feeder, NULL, 0);
    res->exited = WIFEXITED(st);
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
    res->maxrss_kib = ru.ru_maxrss;
    res->out = slurp(outpath, &res->outlen);
    res->err = slurp(errpath, &res->errlen);
    if (!res->exited || res->status == 201)
        fprintf(stderr, "\n  vrun did not run or died (signal/status %d): %s", res->status, res->err);
}

void live_start(struct live *l, const char *path, const char *dir, const char *const *args)
{
    int in[2], out[2];
    CU_ASSERT_FATAL(pipe(in) == 0 && pipe(out) == 0);
    snprintf(l->errpath, sizeof l->errpath, "%s/.stderr", dir);
    fflush(NULL);
    l->pid = fork();
    CU_ASSERT_FATAL(l->pid >= 0);
    if (l->pid == 0) {
        int fe = open(l->errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(fe, 2);
        close(in[1]);
        close(out[0]);
        exec_vrun(path, args, 30);
    }
    close(in[0]);
    close(out[1]);
    l->to = in[1];
    l->from = out[0];
}

bool live_lines(struct live *l, unsigned long n, unsigned long *seen)
{
    char buf[4096];
    while (*seen < n) {
        ssize_t got = read(l->from, buf, sizeof buf);
        if (got <= 0)
            return false;
        for (ssize_t i = 0; i < got; i++)
            *seen += buf[i] == '\n';
    }
    return true;
}

int live_end(struct live *l, char **err)
{
    close(l->to);
    char buf[4096];
    while (read(l->from, buf, sizeof buf) > 0)
        ;
    close(l->from);
    int st;
    CU_ASSERT_FATAL(waitpid(l->pid, &st, 0) == l->pid);
    *err = slurp(l->errpath, NULL);
    return st;
}

void expect_ok(const struct res *r, int status)
{
    CU_ASSERT(r->exited);
    CU_ASSERT_EQUAL(r->status, status);
    CU_ASSERT_EQUAL(r->errlen, 0);
    if (!r->exited || r->status != status || r->errlen)
        fprintf(stderr, "\n  status %d (wanted %d), stderr: %s", r->status, status, r->err);
}

void expect_error(const struct res *r, int status, const char *line)
{
    char want[8192];
    snprintf(want, sizeof want, "%s\n", line);
    CU_ASSERT(r->exited);
    CU_ASSERT_EQUAL(r->status, status);
    CU_ASSERT_STRING_EQUAL(r->err, want);
    CU_ASSERT_EQUAL(r->outlen, 0);
    if (!r->exited || r->status != status || strcmp(r->err, want) != 0 || r->outlen)
        fprintf(stderr, "\n  status %d%s, stdout %zu bytes, stderr:\n%s  wanted %d:\n%s", r->status,
                r->exited ? "" : " (signal)", r->outlen, r->err, status, want);
}

const char *prog_image(const char *dir, const char *name, const struct prog *p, const struct elf_out_section *extra,
                       size_t nextra)
{
    uint8_t *text = malloc(4 * p->n);
    p_bytes(p, text);
    struct elf_out_section secs[4] = {{".text", p->base, text, 4 * (uint32_t)p->n, 4 * (uint32_t)p->n, PF_R | PF_X}};
    for (size_t i = 0; i < nextra && i < 3; i++)
        secs[1 + i] = extra[i];
    uint8_t *f;
    size_t len;
    CU_ASSERT_FATAL(elf_write_mem(p->base, secs, 1 + nextra, NULL, 0, &f, &len));
    const char *path = path_in(dir, name);
    spit(path, f, len);
    free(f);
    free(text);
    return path;
}

const char *halt_image(const char *dir, const char *name, uint32_t v)
{
    struct prog p;
    p_init(&p, IMAGE_ENTRY);
    p_li(&p, 5, v);
    p_op(&p, OP_HALT, 5, 0, 0, 0);
    return prog_image(dir, name, &p, NULL, 0);
}

const char *spin_image(const char *dir, const char *name)
{
    struct prog p;
    p_init(&p, IMAGE_ENTRY);
    p_br(&p, OP_BEQ, 0, 0, IMAGE_ENTRY);
    return prog_image(dir, name, &p, NULL, 0);
}

int vrun_suite_init(char **vrun, char **dir, const char *tag, const char *subdir)
{
    *vrun = tool_path("vrun");
    *dir = scratch_dir(tag);
    return *dir && (!subdir || mkdir(path_in(*dir, subdir), 0755) == 0) ? 0 : 1;
}

int vrun_suite_clean(char **vrun, char **dir)
{
    tmpdir_remove(*dir);
    free(*vrun);
    *dir = *vrun = NULL;
    return 0;
}

bool err_has_report(const char *err, const char *first, bool more)
{
    size_t n = strlen(first);
    bool ok = strncmp(err, first, n) == 0 && strncmp(err + n, "\n  pc 0x", 8) == 0;
    const char *st = ok ? strstr(err + n, "\n  status ") : NULL;
    const char *last = st ? strstr(st, " scratch ") : NULL;
    ok = last && strlen(last) >= 18 && last[17] == '\n' && (more || last[18] == '\0');
    if (!ok)
        fprintf(stderr, "\n  stderr:\n%s  wanted it to start with:\n%s\n  then the registers\n", err, first);
    return ok;
}
