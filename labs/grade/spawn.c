/*
 * spawn.c - running the project's tools from a test: a child process with
 * its input given, its output kept, and a deadline, so that a student's
 * VMM that hangs or crashes fails one test with a message, not the grader.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade_impl.h"

struct sink {
    char *buf;
    size_t len, cap;
};

static bool sink_add(struct sink *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return false;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = 0;
    return true;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* argv[0] without a '/' is one of the project's tools, in BUILD/bin. */
static const char *program(struct lab_ctx *t, const char *name)
{
    return strchr(name, '/') ? name : lab_str(t, "%s/bin/%s", t->build, name);
}

static void note_command(struct lab_ctx *t, const char *const argv[], const char *input)
{
    fprintf(t->out, "$");
    for (size_t i = 0; argv[i]; i++)
        fprintf(t->out, strpbrk(argv[i], " \t'\"") ? " '%s'" : " %s", argv[i]);
    if (input && *input)
        fprintf(t->out, "   (input: %zu bytes)", strlen(input));
    fprintf(t->out, "\n");
}

/* The end of a long output only: the output file must stay readable. */
static void note_stream(struct lab_ctx *t, const char *name, const char *s, size_t len)
{
    if (!len)
        return;
    const size_t keep = 6000;
    fprintf(t->out, "--- %s (%zu bytes)%s ---\n", name, len, len > keep ? ", the last 6000" : "");
    fwrite(len > keep ? s + len - keep : s, 1, len > keep ? keep : len, t->out);
    if (s[len - 1] != '\n')
        fputc('\n', t->out);
}

bool lab_spawn(struct lab_ctx *t, const char *const argv[], const char *input, int timeout_s, struct lab_run *r)
{
    memset(r, 0, sizeof *r);
    const char *path = program(t, argv[0]);
    note_command(t, argv, input);
    fflush(t->out);
    int in[2], out[2], err[2];
    r->status = -1;
    r->out = calloc(1, 1);
    r->err = calloc(1, 1);
    if (!r->out || !r->err || pipe(in) || pipe(out) || pipe(err)) {
        lab_fail(t, (struct lab_failure){.expected = "to start a program", .happened = strerror(errno)});
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        lab_fail(t, (struct lab_failure){.expected = "to start a program", .happened = strerror(errno)});
        return false;
    }
    free(r->out);
    free(r->err);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
        execv(path, (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(in[0]), close(out[1]), close(err[1]);
    size_t in_len = input ? strlen(input) : 0, in_off = 0;
    if (!in_len)
        close(in[1]), in[1] = -1;
    else
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    struct sink so = {0}, se = {0};
    double deadline = now() + timeout_s;
    int open_fds = 2;
    while (open_fds > 0) {
        struct pollfd p[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
        double left = deadline - now();
        if (left <= 0) {
            r->timed_out = true;
            break;
        }
        int n = poll(p, in[1] >= 0 ? 3 : 2, (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[65536];
            ssize_t k = read(p[i].fd, buf, sizeof buf);
            if (k > 0) {
                if (!sink_add(i ? &se : &so, buf, (size_t)k))
                    r->timed_out = true; /* out of memory: treat as runaway */
            } else {
                close(p[i].fd);
                *(i ? &err[0] : &out[0]) = -1;
                open_fds--;
            }
        }
        if (in[1] >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t k = write(in[1], input + in_off, in_len - in_off);
            if (k > 0)
                in_off += (size_t)k;
            if (k < 0 || in_off == in_len)
                close(in[1]), in[1] = -1;
        }
    }
    if (r->timed_out)
        kill(pid, SIGKILL);
    if (in[1] >= 0)
        close(in[1]);
    if (out[0] >= 0)
        close(out[0]);
    if (err[0] >= 0)
        close(err[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st)) {
        r->status = -1;
        r->signal = WTERMSIG(st);
    } else {
        r->status = WEXITSTATUS(st);
    }
    /* Empty streams are "" rather than NULL: tests search them freely. */
    r->out = so.buf ? so.buf : calloc(1, 1);
    r->out_len = so.len;
    r->err = se.buf ? se.buf : calloc(1, 1);
    r->err_len = se.len;
    if (!r->out || !r->err) {
        fprintf(stderr, "grade: out of memory\n");
        exit(2);
    }
    note_stream(t, "stdout", r->out, r->out_len);
    note_stream(t, "stderr", r->err, r->err_len);
    if (r->timed_out)
        fprintf(t->out, "(stopped after %d s)\n", timeout_s);
    else if (r->status < 0)
        fprintf(t->out, "(killed by signal %d: %s)\n", r->signal, strsignal(r->signal));
    else
        fprintf(t->out, "(exit status %d)\n", r->status);
    fflush(t->out);
    return true;
}

bool lab_assemble(struct lab_ctx *t, const char *src, const char *elf)
{
    const char *path = src[0] == '/' ? src : lab_str(t, "%s/%s", t->root, src);
    size_t n = strlen(elf);
    const char *base = n > 4 && !strcmp(elf + n - 4, ".elf") ? lab_str(t, "%.*s", (int)(n - 4), elf) : elf;
    const char *argv[] = {"vasm", "-o", elf, "-l", lab_str(t, "%s.lst", base), "-m", lab_str(t, "%s.map", base),
                          path, NULL};
    struct lab_run r;
    if (!lab_spawn(t, argv, NULL, 20, &r))
        return false;
    bool ok = r.status == 0 && !r.timed_out;
    if (!ok)
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "%s to assemble", src),
                        .happened = lab_str(t, "the assembler said:\n%s", r.err_len ? r.err : "(nothing)"),
                        .look = lab_str(t, "%s, at the line the message names; docs/assembler.md", src),
                    });
    free(r.out);
    free(r.err);
    return ok;
}
