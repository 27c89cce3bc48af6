/*
 * runvrun.c - running the vrun program from a test (runvrun.h).
 */
#define _DEFAULT_SOURCE /* wait4: the memory vrun used */
#include "runvrun.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

void res_free(struct res *r)
{
    free(r->out);
    free(r->err);
}

char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1);
    size_t n = 0;
    if (f) {
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
            buf = realloc(buf, n + got + 1);
            memcpy(buf + n, chunk, got);
            n += got;
        }
        fclose(f);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(fwrite(data, 1, len, f) == len);
    fclose(f);
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
    const char *argv[64];
    int n = 0;
    argv[n++] = "vrun";
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
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
        alarm(s->timeout ? s->timeout : 30);
        execv(path, (char *const *)argv);
        _exit(201);
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

void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            if (unlink(p) != 0)
                remove_tree(p);
        }
        closedir(d);
    }
    rmdir(path);
}
