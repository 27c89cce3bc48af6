/*
 * diag.c - errors as a compiler reports them:
 *
 *   file:line:col: error: message
 *   the source line
 *        ^~~~~
 *
 * They are collected during the run and printed in source order at the
 * end, because pass 2 finds errors (undefined symbols, ranges) on lines
 * that come before the ones pass 1 complained about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"

#define SHOW_MAX 480    /* longer source lines are shown in part: */
#define SHOW_AROUND 160 /* this many bytes either side of the culprit */

void as_oom(struct as *as) { as->oom = true, as->stop = true; }

static void add(struct as *as, bool note, struct loc at, const char *fmt, va_list ap)
{
    if (note ? as->drop_notes : (as->mute || as->stop)) {
        as->drop_notes = !note || as->drop_notes;
        return;
    }
    struct buf b = {0};
    buf_vprintf(&b, fmt, ap);
    char *msg = buf_take_str(&b, NULL);
    if (!msg) {
        as_oom(as);
        return;
    }
    if (!note) {
        /* The same complaint about the same spot once is enough (a .equ
         * evaluated from several references, say). */
        for (size_t i = 0; i < as->ndiags; i++) {
            const struct diag *d = &as->diags[i];
            if (!d->note && d->at.file == at.file && d->at.line == at.line && d->at.col == at.col &&
                strcmp(d->msg, msg) == 0) {
                free(msg);
                as->drop_notes = true;
                return;
            }
        }
    }
    if (!vec_grow(&as->diags, &as->capdiags, as->ndiags + 1, sizeof *as->diags)) {
        free(msg);
        as_oom(as);
        return;
    }
    as->diags[as->ndiags] = (struct diag){
        .seq = as->ctx.seq, .order = (uint32_t)as->ndiags, .note = note, .at = at, .msg = msg};
    if (note && as->ndiags > 0) /* stays with its error whatever the sort does */
        as->diags[as->ndiags].seq = as->diags[as->ndiags - 1].seq;
    as->ndiags++;
    if (!note) {
        as->drop_notes = false;
        if (++as->nerrors >= as->max_errors)
            as->stop = true;
    }
}

void as_error(struct as *as, struct loc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(as, false, at, fmt, ap);
    va_end(ap);
}

void as_note(struct as *as, struct loc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(as, true, at, fmt, ap);
    va_end(ap);
}

static int cmp_diag(const void *a, const void *b)
{
    const struct diag *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void show(struct as *as, struct buf *out, const struct diag *d)
{
    const char *kind = d->note ? "note" : "error";
    if (d->at.file < 0) {
        buf_printf(out, "%s: %s\n", kind, d->msg);
        return;
    }
    const char *path = as->files[d->at.file].path;
    if (d->at.line == 0) {
        buf_printf(out, "%s: %s: %s\n", path, kind, d->msg);
        return;
    }
    buf_printf(out, "%s:%u:%u: %s: %s\n", path, d->at.line, d->at.col + 1, kind, d->msg);
    const char *text;
    size_t len;
    src_line(as, d->at.file, d->at.line, &text, &len);
    /* A very long line is shown around the culprit, as clang does: 50,000
     * '(' need not be echoed to find the one that matters. */
    size_t col = d->at.col, b = 0, e = len;
    if (len > SHOW_MAX) {
        b = col > SHOW_AROUND ? col - SHOW_AROUND : 0;
        e = col + SHOW_AROUND < len ? col + SHOW_AROUND : len;
    }
    if (b > 0)
        buf_puts(out, "...");
    buf_put(out, text + b, e - b);
    if (e < len)
        buf_puts(out, "...");
    buf_putc(out, '\n');
    if (b > 0)
        buf_puts(out, "   ");
    /* Copy the line's tabs so that the caret lines up in any terminal. */
    for (size_t i = b; i < col; i++)
        buf_putc(out, i < len && text[i] == '\t' ? '\t' : ' ');
    buf_putc(out, '^');
    size_t n = d->at.len;
    if (col + n > e)
        n = e > col ? e - col : 1;
    for (size_t i = 1; i < n; i++)
        buf_putc(out, '~');
    buf_putc(out, '\n');
}

char *diag_format(struct as *as, size_t *len)
{
    struct buf out = {0};
    if (as->ndiags > 1)
        qsort(as->diags, as->ndiags, sizeof *as->diags, cmp_diag);
    for (size_t i = 0; i < as->ndiags; i++)
        show(as, &out, &as->diags[i]);
    if (as->oom)
        buf_puts(&out, "error: out of memory\n");
    else if (as->stop && !as->fatal)
        buf_printf(&out, "error: too many errors; stopped after %d\n", as->nerrors);
    return buf_take_str(&out, len);
}

void diag_free(struct as *as)
{
    for (size_t i = 0; i < as->ndiags; i++)
        free(as->diags[i].msg);
    free(as->diags);
    as->diags = NULL;
    as->ndiags = as->capdiags = 0;
}
