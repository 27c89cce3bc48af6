/*
 * capture.c - see capture.h.
 */
#include "capture.h"

#include <stdlib.h>
#include <string.h>

void capture_init(struct console_capture *c, const uint8_t *in, size_t inlen)
{
    *c = (struct console_capture){.in = in, .inlen = in ? inlen : 0};
}

static void capture_write(void *ctx, const uint8_t *b, size_t n)
{
    struct console_capture *c = ctx;
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4096;
        while (cap < c->len + n)
            cap *= 2;
        uint8_t *p = realloc(c->buf, cap);
        if (!p) {
            c->lost = true; /* told as a difference by capture_same */
            return;
        }
        c->buf = p;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, b, n);
    c->len += n;
}

static int capture_read(void *ctx)
{
    struct console_capture *c = ctx;
    return c->inpos < c->inlen ? c->in[c->inpos++] : -1;
}

struct console_io capture_io(struct console_capture *c)
{
    return (struct console_io){.ctx = c, .read = capture_read, .write = capture_write};
}

bool capture_same(const struct console_capture *a, const struct console_capture *b)
{
    return !a->lost && !b->lost && a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

void capture_clear(struct console_capture *c)
{
    c->len = 0;
    c->lost = false;
    c->inpos = 0;
}

void capture_free(struct console_capture *c)
{
    free(c->buf);
    *c = (struct console_capture){0};
}
