/*
 * listing.c - the listing (-l: address, encoding and source of every line,
 * with each pseudo-instruction's expansion under it) and the symbol map
 * (-m: every symbol with its value, section and binding).
 *
 *  line  address   code         source
 *     4  00001004  2055ffff     loop:   addi    t0, t0, -1
 *     5  00001008                       bnez    t0, loop
 *        00001008  4150ffff               + bne     t0, zero, loop
 *     8  00002000  68 69 21 0a  msg:    .asciz  "hi!\n"
 *        00002004  00
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"
#include "disasm.h"

#define MAX_DATA_ROWS 8 /* then "... (N bytes)": a listing is not a hex dump */

static void row(struct buf *b, uint32_t line, bool has_addr, uint32_t addr, const char *code, const char *src,
                size_t srclen)
{
    char l[16] = "", a[16] = "";
    if (line)
        snprintf(l, sizeof l, "%u", line);
    if (has_addr)
        snprintf(a, sizeof a, "%08x", addr);
    buf_printf(b, "%5s  %8s  %-11s  ", l, a, code);
    buf_put(b, src, srclen);
    /* No trailing blanks on a line without source. */
    while (b->len > 0 && b->p[b->len - 1] == ' ')
        b->len--;
    buf_putc(b, '\n');
}

/* Targets in expansions by name, as the source wrote them: the labels by
 * address, made once pass 1 has placed them all. */
struct named_addr {
    uint32_t addr, order;
    const char *name;
};

static int cmp_named(const void *a, const void *b)
{
    const struct named_addr *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static const char *label_at(void *ctx, uint32_t addr)
{
    struct as *as = ctx;
    if (!as->labels_by_addr) {
        struct named_addr *v = calloc(as->syms.n ? as->syms.n : 1, sizeof *v);
        if (!v)
            return NULL;
        size_t n = 0;
        for (size_t i = 0; i < as->syms.n; i++) {
            const struct symbol *s = &as->syms.v[i];
            if (s->kind == SYM_LABEL)
                v[n++] = (struct named_addr){as->sec[s->sect].base + (uint32_t)s->off, (uint32_t)i, s->name};
        }
        qsort(v, n, sizeof *v, cmp_named);
        as->labels_by_addr = v;
        as->nlabels_by_addr = n;
    }
    const struct named_addr *v = as->labels_by_addr;
    size_t lo = 0, hi = as->nlabels_by_addr;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < as->nlabels_by_addr && v[lo].addr == addr ? v[lo].name : NULL;
}

void listing_line(struct as *as, int file, uint32_t line, int sect, uint64_t start)
{
    struct buf *b = &as->lst;
    if (file != as->lst_file) {
        buf_printf(b, "%*s%s:\n", 7, "", as->files[file].path);
        as->lst_file = file;
    }
    const char *text;
    size_t len;
    src_line(as, file, line, &text, &len);
    const struct section *s = &as->sec[sect];
    uint64_t n = s->size - start;
    uint32_t addr = (uint32_t)(s->base + start);
    char code[16];

    if (as->nemit == 1 && !as->expanded) {
        snprintf(code, sizeof code, "%08x", as->emit[0].word);
        row(b, line, true, as->emit[0].addr, code, text, len);
        return;
    }
    if (as->expanded) {
        row(b, line, true, addr, "", text, len);
        /* Under the mnemonic, whatever labels and tabs come before it. */
        char pad[256];
        size_t indent = 0;
        for (; indent < as->mnem_col && indent < len && indent < sizeof pad - 1; indent++)
            pad[indent] = text[indent] == '\t' ? '\t' : ' ';
        for (size_t i = 0; i < as->nemit; i++) {
            struct isa_fields f;
            char insn[400], src[512];
            snprintf(code, sizeof code, "%08x", as->emit[i].word);
            if (isa_decode(as->emit[i].word, &f))
                disasm_insn(&f, as->emit[i].addr, false, label_at, as, insn, sizeof insn);
            else
                snprintf(insn, sizeof insn, "?");
            int m = snprintf(src, sizeof src, "%.*s  + %s", (int)indent, pad, insn);
            row(b, 0, true, as->emit[i].addr, code, src, m < 0 ? 0 : (size_t)m);
        }
        return;
    }
    if (n == 0 || sect == SEC_BSS) {
        row(b, line, n > 0 || as->labeled, addr, "", text, len);
        return;
    }
    for (uint64_t off = 0, r = 0; off < n; off += 4, r++) {
        if (r == MAX_DATA_ROWS) {
            char more[64];
            int m = snprintf(more, sizeof more, "... (%llu bytes)", (unsigned long long)n);
            row(b, 0, false, 0, "", more, (size_t)m);
            break;
        }
        char *c = code;
        for (uint64_t k = off; k < off + 4 && k < n; k++) {
            uint64_t at = start + k;
            unsigned byte = at < s->bytes.len ? s->bytes.p[at] : 0;
            c += snprintf(c, sizeof code - (size_t)(c - code), "%s%02x", k == off ? "" : " ", byte);
        }
        if (off == 0)
            row(b, line, true, addr, code, text, len);
        else
            row(b, 0, true, addr + (uint32_t)off, code, "", 0);
    }
}

struct mapent {
    uint32_t value;
    const char *section, *bind, *name;
};

static int cmp_map(const void *a, const void *b)
{
    const struct mapent *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return strcmp(x->name, y->name);
}

char *map_build(struct as *as, size_t *len)
{
    struct mapent *v = calloc(as->syms.n ? as->syms.n : 1, sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < as->syms.n; i++) {
        const struct symbol *s = &as->syms.v[i];
        struct mapent e = {.name = s->name, .bind = s->global ? "global" : "local"};
        if (s->kind == SYM_LABEL) {
            e.value = as->sec[s->sect].base + (uint32_t)s->off;
            e.section = as->sec[s->sect].name;
        } else if ((s->kind == SYM_EQU || s->kind == SYM_SET) && s->val.known) {
            e.value = (uint32_t)s->val.v;
            e.section = "abs";
        } else {
            continue;
        }
        v[n++] = e;
    }
    qsort(v, n, sizeof *v, cmp_map);
    struct buf b = {0};
    buf_puts(&b, "address   section  bind    name\n");
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%08x  %-7s  %-6s  %s\n", v[i].value, v[i].section, v[i].bind, v[i].name);
    free(v);
    return buf_take_str(&b, len);
}
