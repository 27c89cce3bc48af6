/*
 * buf.c - see buf.h.
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vec_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return false;
        n *= 2;
    }
    void *np = realloc(*(void **)pp, n * elem);
    if (!np)
        return false;
    *(void **)pp = np;
    *cap = n;
    return true;
}

bool buf_reserve(struct buf *b, size_t n)
{
    if (b->oom)
        return false;
    /* One spare byte so buf_take_str can always terminate the string. */
    if (n > SIZE_MAX - b->len - 1 || !vec_grow(&b->p, &b->cap, b->len + n + 1, 1)) {
        b->oom = true;
        return false;
    }
    return true;
}

void buf_put(struct buf *b, const void *data, size_t n)
{
    if (n == 0 || !buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void buf_fill(struct buf *b, uint8_t byte, size_t n)
{
    if (n == 0 || !buf_reserve(b, n))
        return;
    memset(b->p + b->len, byte, n);
    b->len += n;
}

void buf_zero(struct buf *b, size_t n) { buf_fill(b, 0, n); }

void buf_putc(struct buf *b, char c) { buf_put(b, &c, 1); }

void buf_puts(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0 || !buf_reserve(b, (size_t)n + 1))
        return;
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *buf_take_str(struct buf *b, size_t *len)
{
    if (!buf_reserve(b, 1)) {
        buf_free(b);
        return NULL;
    }
    b->p[b->len] = '\0';
    char *s = (char *)b->p;
    if (len)
        *len = b->len;
    *b = (struct buf){0};
    return s;
}

void buf_free(struct buf *b)
{
    free(b->p);
    *b = (struct buf){0};
}
