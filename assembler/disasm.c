/*
 * disasm.c - the disassembler.  Its output is vasm source: every line is
 * something vasm reads back into exactly the bytes it came from, and the
 * address and encoding of each line are in a comment after it.
 *
 * Targets of branches and jumps are printed absolute (vasm computes the
 * offset from the instruction's own address): a label when one is at the
 * target, else 0x%08x.  An .org before each segment puts everything back
 * at its address, so even targets printed as numbers re-assemble the same.
 */
#include "disasm.h"

#include <ctype.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "buf.h"

static const char *reg(unsigned r, bool numeric) { return numeric ? isa_reg_name(r) : isa_reg_abi_name(r); }

void disasm_insn(const struct isa_fields *f, uint32_t pc, bool numeric, disasm_namer *namer, void *ctx, char *buf,
                 size_t len)
{
    const struct isa_insn *in = &isa_insns[f->op];
    char imm[300] = "";
    switch (in->imm) {
    case IMM_NONE: break;
    case IMM_S16:
    case IMM_U5: snprintf(imm, sizeof imm, "%d", f->imm); break;
    case IMM_U16: snprintf(imm, sizeof imm, "0x%x", (unsigned)f->imm); break;
    case IMM_PORT: {
        const char *name = isa_port_name((unsigned)f->imm);
        if (name)
            snprintf(imm, sizeof imm, "%s", name);
        else
            snprintf(imm, sizeof imm, "0x%x", (unsigned)f->imm);
        break;
    }
    case IMM_CR: {
        const char *name = isa_cr_name((unsigned)f->imm);
        if (name)
            snprintf(imm, sizeof imm, "%s", name);
        else
            snprintf(imm, sizeof imm, "%d", f->imm);
        break;
    }
    case IMM_PC16:
    case IMM_PC20: {
        uint32_t target = pc + (uint32_t)f->imm;
        const char *name = namer ? namer(ctx, target) : NULL;
        if (name)
            snprintf(imm, sizeof imm, "%s", name);
        else
            snprintf(imm, sizeof imm, "0x%08x", target);
        break;
    }
    }
    const char *a = reg(f->ra, numeric), *b = reg(f->rb, numeric), *c = reg(f->rc, numeric);
    const char *m = in->mnem;
    switch (in->form) {
    case FORM_NONE: snprintf(buf, len, "%s", m); break;
    case FORM_R: snprintf(buf, len, "%-7s %s", m, a); break;
    case FORM_RRR: snprintf(buf, len, "%-7s %s, %s, %s", m, a, b, c); break;
    case FORM_RRI:
    case FORM_BR: snprintf(buf, len, "%-7s %s, %s, %s", m, a, b, imm); break;
    case FORM_RI:
    case FORM_J: snprintf(buf, len, "%-7s %s, %s", m, a, imm); break;
    case FORM_IR: snprintf(buf, len, "%-7s %s, %s", m, imm, a); break;
    case FORM_MEM: snprintf(buf, len, "%-7s %s, %s(%s)", m, a, imm, b); break;
    }
}

/* ---- whole images ------------------------------------------------------------ */

enum kind { K_TEXT, K_DATA, K_BSS };

struct seg {
    uint32_t addr, filesz, memsz;
    const uint8_t *bytes;
    enum kind kind;
};

struct label {
    uint64_t addr;
    const char *name;
    bool global;
    bool printed; /* where two segments touch, a label is printed once */
};

struct dis {
    struct buf out;
    const struct disasm_opts *o;
    struct label *labels;
    size_t nlabels;
    const struct seg *segs;
    size_t nsegs;
};

static int cmp_label(const void *a, const void *b)
{
    const struct label *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_label_name(const void *a, const void *b)
{
    const struct label *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

static int cmp_seg(const void *a, const void *b)
{
    const struct seg *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const char *name_at(void *ctx, uint32_t addr)
{
    const struct dis *d = ctx;
    size_t lo = 0, hi = d->nlabels;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->labels[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->nlabels && d->labels[lo].addr == addr ? d->labels[lo].name : NULL;
}

/* Would vasm take this as a label it can define? */
static bool usable_name(const char *s)
{
    if (!s[0] || strlen(s) > 255 || strcmp(s, ".") == 0 || isa_find_reg(s) >= 0)
        return false;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '.' || s[0] == '$'))
        return false;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '$'))
            return false;
    return true;
}

/* Does another segment start at addr?  Then a label there is its. */
static bool starts_segment(const struct dis *d, uint64_t addr)
{
    for (size_t i = 0; i < d->nsegs; i++)
        if (d->segs[i].addr == addr && d->segs[i].memsz > 0)
            return true;
    return false;
}

static void labels_at(struct dis *d, size_t *next, uint64_t addr, bool at_end)
{
    if (at_end && starts_segment(d, addr))
        return;
    while (*next < d->nlabels && d->labels[*next].addr == addr) {
        struct label *l = &d->labels[(*next)++];
        if (l->printed)
            continue;
        l->printed = true;
        if (l->global)
            buf_printf(&d->out, "        .global %s\n", l->name);
        buf_printf(&d->out, "%s:\n", l->name);
    }
}

static uint64_t next_label(const struct dis *d, size_t next, uint64_t limit)
{
    return next < d->nlabels && d->labels[next].addr < limit ? d->labels[next].addr : limit;
}

static void comment(struct dis *d, size_t col, uint32_t addr, const char *what)
{
    for (size_t n = col; n < 40; n++)
        buf_putc(&d->out, ' ');
    buf_printf(&d->out, " # %08x: %s\n", addr, what);
}

/* Printable bytes as text, the rest as dots: "Hell", "!..". */
static void ascii(char *buf, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
    buf[n] = '\0';
}

static void emit_bytes(struct dis *d, const struct seg *s, const uint8_t *p, uint32_t addr, size_t n)
{
    char what[8] = "bytes";
    if (s->kind != K_TEXT)
        ascii(what, p, n);
    size_t start = d->out.len;
    buf_puts(&d->out, "        .byte   ");
    for (size_t i = 0; i < n; i++)
        buf_printf(&d->out, "%s0x%02x", i ? ", " : "", p[i]);
    comment(d, d->out.len - start, addr, what);
}

static void emit_word(struct dis *d, const struct seg *s, uint32_t addr, uint32_t w)
{
    char text[400], what[64];
    struct isa_fields f;
    if (s->kind == K_TEXT && isa_decode(w, &f)) {
        disasm_insn(&f, addr, d->o->numeric_regs, d->o->no_symbols ? NULL : name_at, d, text, sizeof text);
        snprintf(what, sizeof what, "%08x", w);
    } else {
        snprintf(text, sizeof text, ".word   0x%08x", w);
        if (s->kind == K_TEXT) {
            snprintf(what, sizeof what, "not an instruction");
        } else {
            uint8_t b[4] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24)};
            ascii(what, b, 4);
        }
    }
    size_t start = d->out.len;
    buf_printf(&d->out, "        %s", text);
    comment(d, d->out.len - start, addr, what);
}

static void emit_segment(struct dis *d, const struct seg *s, size_t *next)
{
    buf_printf(&d->out, "        .org    0x%08x\n", s->addr);
    uint64_t pos = s->addr, fend = (uint64_t)s->addr + s->filesz, mend = (uint64_t)s->addr + s->memsz;
    while (*next < d->nlabels && d->labels[*next].addr < pos)
        (*next)++;
    while (pos < fend) {
        labels_at(d, next, pos, false);
        uint64_t stop = next_label(d, *next, fend);
        const uint8_t *p = s->bytes + (pos - s->addr);
        if (pos % 4 == 0 && pos + 4 <= stop) {
            uint32_t w = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            emit_word(d, s, (uint32_t)pos, w);
            pos += 4;
            continue;
        }
        /* Bytes up to the next word boundary, label or end. */
        uint64_t to = (pos | 3) + 1;
        if (to > stop)
            to = stop;
        emit_bytes(d, s, p, (uint32_t)pos, (size_t)(to - pos));
        pos = to;
    }
    while (pos < mend) {
        labels_at(d, next, pos, false);
        uint64_t to = next_label(d, *next, mend);
        size_t start = d->out.len;
        buf_printf(&d->out, "        .space  %llu", (unsigned long long)(to - pos));
        comment(d, d->out.len - start, (uint32_t)pos, "zeros");
        pos = to;
    }
    labels_at(d, next, mend, true); /* labels just past the end, such as stack tops */
}

static char *render(struct seg *segs, size_t nsegs, const struct elf_symbol *syms, size_t nsyms, uint32_t entry,
                    const char *title, const struct disasm_opts *o)
{
    struct dis d = {.o = o, .segs = segs, .nsegs = nsegs};
    qsort(segs, nsegs, sizeof *segs, cmp_seg);
    d.labels = calloc(nsyms ? nsyms : 1, sizeof *d.labels);
    if (!d.labels)
        return NULL;
    for (size_t i = 0; i < nsyms && !o->no_symbols; i++) {
        const struct elf_symbol *s = &syms[i];
        if ((s->type != STT_FUNC && s->type != STT_OBJECT) || !usable_name(s->name))
            continue;
        bool inside = false;
        for (size_t k = 0; k < nsegs; k++)
            inside |= s->value >= segs[k].addr && (uint64_t)s->value <= (uint64_t)segs[k].addr + segs[k].memsz;
        if (inside)
            d.labels[d.nlabels++] = (struct label){.addr = s->value, .name = s->name, .global = s->bind == STB_GLOBAL};
    }
    /* A name defined twice (a foreign file's local symbols) would not
     * assemble: keep the first of each. */
    qsort(d.labels, d.nlabels, sizeof *d.labels, cmp_label_name);
    size_t kept = 0;
    for (size_t i = 0; i < d.nlabels; i++)
        if (kept == 0 || strcmp(d.labels[kept - 1].name, d.labels[i].name) != 0)
            d.labels[kept++] = d.labels[i];
    d.nlabels = kept;

    /* vasm's entry point is _start if there is one, else the start of
     * .text: make sure that means this image's entry. */
    uint32_t text_start = ASM_DEFAULT_TEXT;
    for (size_t k = 0; k < nsegs; k++)
        if (segs[k].kind == K_TEXT) {
            text_start = segs[k].addr;
            break;
        }
    bool start_ok = false, equ_start = false;
    for (size_t k = 0; k < d.nlabels; k++)
        if (strcmp(d.labels[k].name, "_start") == 0) {
            start_ok = d.labels[k].addr == entry;
            if (!start_ok)
                d.labels[k] = d.labels[--d.nlabels];
            break;
        }
    if (!start_ok && entry != text_start)
        equ_start = true;
    qsort(d.labels, d.nlabels, sizeof *d.labels, cmp_label);

    buf_printf(&d.out, "# %s, disassembled by vdis\n", title);
    buf_printf(&d.out, "# entry point 0x%08x\n", entry);
    if (equ_start)
        buf_printf(&d.out, "        .equ    _start, 0x%08x\n", entry);
    static const char *const names[] = {[K_TEXT] = ".text", [K_DATA] = ".data", [K_BSS] = ".bss"};
    for (int kind = K_TEXT; kind <= K_BSS; kind++) {
        bool first = true;
        for (size_t k = 0; k < nsegs; k++) {
            if (segs[k].kind != (enum kind)kind)
                continue;
            buf_puts(&d.out, "\n");
            if (first)
                buf_printf(&d.out, "        %s\n", names[kind]);
            first = false;
            size_t next = 0;
            emit_segment(&d, &segs[k], &next);
        }
    }
    free(d.labels);
    return buf_take_str(&d.out, NULL);
}

char *disasm_image(const struct elf_image *img, const char *title, const struct disasm_opts *o)
{
    struct seg *segs = calloc(img->nsegs ? img->nsegs : 1, sizeof *segs);
    if (!segs)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *e = &img->segs[i];
        if (e->memsz == 0)
            continue;
        enum kind kind = e->filesz == 0 ? K_BSS : (e->flags & PF_X) ? K_TEXT : K_DATA;
        segs[n++] = (struct seg){.addr = e->paddr, .filesz = e->filesz, .memsz = e->memsz,
                                 .bytes = img->file + e->offset, .kind = kind};
    }
    char *text = render(segs, n, img->syms, img->nsyms, img->entry, title, o);
    free(segs);
    return text;
}

char *disasm_raw(const uint8_t *bytes, size_t len, uint32_t base, const char *title, const struct disasm_opts *o)
{
    struct seg s = {.addr = base, .filesz = (uint32_t)len, .memsz = (uint32_t)len, .bytes = bytes, .kind = K_TEXT};
    return render(&s, len ? 1 : 0, NULL, 0, base, title, o);
}
