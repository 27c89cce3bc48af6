/*
 * buf.h - a growable byte buffer, used for section contents, decoded
 * strings, the listing, the symbol map and formatted diagnostics.
 *
 * Running out of memory sets a sticky flag instead of failing every call,
 * so callers build a whole text and check once at the end.
 */
#ifndef VMLAB_ASM_BUF_H
#define VMLAB_ASM_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

/* Make room for n more bytes; false (and oom set) if that fails. */
bool buf_reserve(struct buf *b, size_t n);
void buf_put(struct buf *b, const void *data, size_t n);
void buf_zero(struct buf *b, size_t n);
void buf_fill(struct buf *b, uint8_t byte, size_t n);
void buf_putc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Hand the contents over as a NUL-terminated string (the buffer is left
 * empty); NULL if memory ran out at any point. */
char *buf_take_str(struct buf *b, size_t *len);
void buf_free(struct buf *b);

/* Grow an array of elem-sized items to hold at least need of them. */
bool vec_grow(void *pp, size_t *cap, size_t need, size_t elem);

#endif
