/*
 * asm_doc.c - the pseudo-instruction and directive tables as text: for
 * vasm --pseudo and --directives, and as the markdown tables of
 * docs/assembler.md, so that the manual says what the tables say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"

#define MARK_OPEN "<!-- vasm "
#define MARK_CLOSE "<!-- /vasm -->"

static void pseudo_text(struct buf *out, bool markdown)
{
    if (markdown)
        buf_puts(out, "| pseudo-instruction | expands to | when |\n|---|---|---|\n");
    for (int i = 0;; i++) {
        struct buf syn = {0}, exp = {0}, when = {0};
        if (!pseudo_row(i, &syn, &exp, &when))
            break;
        char *s = buf_take_str(&syn, NULL), *e = buf_take_str(&exp, NULL), *w = buf_take_str(&when, NULL);
        if (!s || !e || !w) {
            out->oom = true;
        } else if (markdown) {
            /* Each instruction in its own code span. */
            buf_printf(out, "| `%s` | `", s);
            for (const char *p = e; *p; p++) {
                if (strncmp(p, "; ", 2) == 0) {
                    buf_puts(out, "`; `");
                    p++;
                } else {
                    buf_putc(out, *p);
                }
            }
            buf_printf(out, "` | %s |\n", w);
        } else {
            buf_printf(out, "%-20s %s%s%s%s\n", s, e, *w ? "   (" : "", w, *w ? ")" : "");
        }
        free(s), free(e), free(w);
    }
}

static void directive_text(struct buf *out, bool markdown)
{
    const char *syn, *sum;
    if (markdown)
        buf_puts(out, "| directive | what it does |\n|---|---|\n");
    for (int i = 0; directive_row(i, &syn, &sum); i++) {
        if (markdown)
            buf_printf(out, "| `%s` | %s |\n", syn, sum);
        else
            buf_printf(out, "%-40s %s\n", syn, sum);
    }
}

char *asm_pseudo_table(void)
{
    struct buf b = {0};
    pseudo_text(&b, false);
    return buf_take_str(&b, NULL);
}

char *asm_directive_table(void)
{
    struct buf b = {0};
    directive_text(&b, false);
    return buf_take_str(&b, NULL);
}

static const struct {
    const char *name;
    void (*print)(struct buf *out, bool markdown);
} tables[] = {
    {"pseudo", pseudo_text},
    {"directives", directive_text},
};

char *asm_doc_update(const char *text, char *err, size_t errlen)
{
    struct buf out = {0};
    const char *p = text;
    for (;;) {
        const char *open = strstr(p, MARK_OPEN);
        if (!open) {
            buf_puts(&out, p);
            break;
        }
        const char *name = open + strlen(MARK_OPEN);
        const char *name_end = strstr(name, " -->");
        const char *eol = strchr(open, '\n');
        if (!name_end || !eol || name_end > eol) {
            snprintf(err, errlen, "malformed marker at byte %zu", (size_t)(open - text));
            goto fail;
        }
        int t = -1;
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
            if (strlen(tables[i].name) == (size_t)(name_end - name) && strncmp(tables[i].name, name, (size_t)(name_end - name)) == 0)
                t = (int)i;
        if (t < 0) {
            snprintf(err, errlen, "unknown table '%.*s'", (int)(name_end - name), name);
            goto fail;
        }
        const char *close = strstr(eol, MARK_CLOSE);
        if (!close) {
            snprintf(err, errlen, "table '%s' has no closing marker", tables[t].name);
            goto fail;
        }
        buf_put(&out, p, (size_t)(eol + 1 - p));
        tables[t].print(&out, true);
        buf_puts(&out, MARK_CLOSE);
        p = close + strlen(MARK_CLOSE);
    }
    char *s = buf_take_str(&out, NULL);
    if (!s)
        snprintf(err, errlen, "out of memory");
    return s;
fail:
    buf_free(&out);
    return NULL;
}
