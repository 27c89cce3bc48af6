/*
 * ctx.c - what a test calls to say what it saw (lab.h): failures with
 * their four parts, notes, strings that live as long as the test.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "grade_impl.h"

static void keep(struct lab_ctx *t, void *p)
{
    if (t->nstrings == t->capstrings) {
        size_t cap = t->capstrings ? 2 * t->capstrings : 16;
        void **n = realloc(t->strings, cap * sizeof *n);
        if (!n) {
            fprintf(stderr, "grade: out of memory\n");
            exit(2);
        }
        t->strings = n;
        t->capstrings = cap;
    }
    t->strings[t->nstrings++] = p;
}

const char *lab_str(struct lab_ctx *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)(n < 0 ? 0 : n) + 1);
    if (!s) {
        fprintf(stderr, "grade: out of memory\n");
        exit(2);
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    keep(t, s);
    return s;
}

void lab_note(struct lab_ctx *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(t->out, fmt, ap);
    va_end(ap);
    if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
        fputc('\n', t->out);
    fflush(t->out);
}

/* A field of a failure, its continuation lines indented under the first. */
static void field(FILE *f, const char *label, const char *text)
{
    fprintf(f, "  %-9s ", label);
    for (const char *p = text; *p; p++) {
        fputc(*p, f);
        if (*p == '\n' && p[1])
            fprintf(f, "  %-9s ", "");
    }
    if (!*text || text[strlen(text) - 1] != '\n')
        fputc('\n', f);
}

static void write_failure(FILE *f, const struct lab_ctx *t, const struct lab_failure *x)
{
    const char *look = x->look ? x->look : t->test->look;
    const char *vmon = x->vmon ? x->vmon : t->test->vmon;
    field(f, "expected:", x->expected ? x->expected : "(the test did not say)");
    field(f, "happened:", x->happened ? x->happened : "(the test did not say)");
    if (look)
        field(f, "look at:", look);
    if (vmon)
        field(f, "see it:", vmon);
}

void lab_fail(struct lab_ctx *t, struct lab_failure x)
{
    t->failures++;
    fprintf(t->out, "FAILED:\n");
    write_failure(t->out, t, &x);
    fflush(t->out);
    /* The result file keeps the first three: the first is usually the cause. */
    if (t->failures <= 3) {
        if (t->failures > 1)
            fprintf(t->result, "and:\n");
        write_failure(t->result, t, &x);
        fflush(t->result);
    }
}

char *lab_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0, n;
    char *s = malloc(cap);
    while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *more = realloc(s, cap *= 2);
            if (!more)
                free(s);
            s = more;
        }
    }
    bool failed = ferror(f);
    fclose(f);
    if (s && failed) {
        free(s);
        return NULL;
    }
    if (s)
        s[len] = 0;
    return s;
}

bool lab_failed(const struct lab_ctx *t) { return t->failures > 0; }
const char *lab_root(const struct lab_ctx *t) { return t->root; }
const char *lab_build(const struct lab_ctx *t) { return t->build; }
const char *lab_scratch(const struct lab_ctx *t) { return t->scratch; }
