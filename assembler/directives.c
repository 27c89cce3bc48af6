/*
 * directives.c - the assembler directives, as a table of name, syntax and
 * handler.  A value that decides a size or an address (.org, .align,
 * .space, .incbin's offset and length) must be known where it stands in
 * pass 1: defined above it, or a .equ whose value only depends on things
 * defined above.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"

struct directive;
typedef void handler(struct as *as, struct tokens *t, size_t i, const struct directive *d);

struct directive {
    const char *name;
    const char *syntax;
    const char *summary;
    handler *run;
    int arg; /* a section, an item size, a flag: what the handler needs */
};


static bool want_operands(struct as *as, struct tokens *t, size_t i, const struct directive *d, size_t min, size_t max)
{
    if (as->nops >= min && as->nops <= max)
        return true;
    if (max == 0)
        as_error(as, tok_loc(t, i), "'%s' takes no operands", d->name);
    else
        as_error(as, tok_loc(t, i), "wrong number of operands for '%s': it is written %s", d->name, d->syntax);
    return false;
}

/* Why v, which decides a size or an address, is not known here. */
static void not_known_here(struct as *as, const struct operand *o, const char *what, const char *role,
                           const struct value *v)
{
    if (as->unknown[0]) {
        as_error(as, o->loc, "the %s of '%s' must be known here, but '%s' is defined further down", role, what,
                 as->unknown);
        return;
    }
    int si = as->unknown_sect >= 0 ? as->unknown_sect : v->sect;
    if (si < 0 || si >= NSECT) { /* no name and no section to blame */
        as_error(as, o->loc, "the %s of '%s' must be known here", role, what);
        return;
    }
    const char *sect = as->sec[si].name;
    as_error(as, o->loc,
             "the %s of '%s' must be known here, but it depends on where %s starts, which is decided after pass 1 (give %s a start with .org)",
             role, what, sect, sect);
}

static bool evaluate_here(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                          struct value *v)
{
    as->unknown[0] = '\0';
    as->unknown_sect = -1;
    return operand_value(as, t, o, n, what, v);
}

/* A value pass 1 must know where it stands (see the top of the file). */
static bool sizing_value(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                         const char *role, int64_t *out)
{
    struct value v;
    if (!evaluate_here(as, t, o, n, what, &v))
        return false;
    if (v.known && v.sect == SECT_ABS) {
        *out = v.v;
        return true;
    }
    not_known_here(as, o, what, role, &v);
    return false;
}

static bool fill_value(struct as *as, struct tokens *t, size_t k, const char *what, uint8_t *fill)
{
    *fill = 0;
    if (k >= as->nops)
        return true;
    struct value v;
    if (!operand_value(as, t, &as->ops[k], (int)k + 1, what, &v))
        return false;
    if (as->pass == 2 && v.known && (v.v < -128 || v.v > 255)) {
        as_error(as, as->ops[k].loc, "fill byte %lld is out of range for '%s' (-128..255)", (long long)v.v, what);
        return false;
    }
    if (v.known && v.sect == SECT_ABS)
        *fill = (uint8_t)v.v;
    return true;
}

static void d_section(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (want_operands(as, t, i, d, 0, 0))
        as->cur = d->arg;
}

static void d_org(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, 2))
        return;
    struct section *s = &as->sec[as->cur];
    const struct operand *o = &as->ops[0];
    struct value v;
    if (!evaluate_here(as, t, o, 1, d->name, &v))
        return;
    bool in_section = v.known && v.sect == as->cur && s->started; /* .org label+16 in a .data whose start is not known yet */
    if (!in_section && (!v.known || v.sect != SECT_ABS)) {
        not_known_here(as, o, d->name, "address", &v);
        return;
    }
    uint8_t fill;
    if (!fill_value(as, t, 1, d->name, &fill))
        return;
    int64_t target; /* as an offset into the section */
    if (in_section) {
        target = v.v;
    } else {
        int64_t addr = v.v;
        if (addr < 0 || addr > (int64_t)UINT32_MAX) {
            as_error(as, o->loc, "address %lld of '.org' is outside the 32-bit address space", (long long)addr);
            return;
        }
        if (!s->started) {
            /* Before the first byte, .org says where the section starts. */
            if (as->pass == 1) {
                s->base = (uint32_t)addr;
                s->base_fixed = true;
                s->org_set = true;
                s->org_loc = o->loc;
            }
            s->started = true;
            s->first_loc = tok_loc(t, i);
            return;
        }
        if (!s->base_fixed) {
            as_error(as, tok_loc(t, i), "this '.org' needs to know where %s starts: put an .org before the first byte of %s",
                     s->name, s->name);
            return;
        }
        target = addr - (int64_t)s->base;
    }
    if (target < (int64_t)s->size) {
        as_error(as, o->loc, "'.org' cannot go backwards: %s is already at 0x%08llx", s->name,
                 (unsigned long long)((s->base_fixed ? s->base : 0) + s->size));
        return;
    }
    emit(as, NULL, (uint64_t)target - s->size, fill, tok_loc(t, i));
}

static void d_align(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, 2))
        return;
    int64_t n;
    uint8_t fill;
    if (!sizing_value(as, t, &as->ops[0], 1, d->name, "alignment", &n) || !fill_value(as, t, 1, d->name, &fill))
        return;
    if (n < 1 || n > 65536 || (n & (n - 1)) != 0) {
        as_error(as, as->ops[0].loc, "'.align' takes a power of two from 1 to 65536 (a number of bytes), not %lld",
                 (long long)n);
        return;
    }
    struct section *s = &as->sec[as->cur];
    sections_fix_start(as, as->cur);
    if ((uint32_t)n > s->align)
        s->align = (uint32_t)n;
    /* A start decided later is aligned to the largest .align (sections.c). */
    uint64_t addr = (s->base_fixed ? s->base : 0) + s->size;
    uint64_t pad = (uint64_t)(n - (int64_t)(addr % (uint64_t)n)) % (uint64_t)n;
    emit(as, NULL, pad, fill, tok_loc(t, i));
}

static void d_space(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, 2))
        return;
    int64_t n;
    uint8_t fill;
    if (!sizing_value(as, t, &as->ops[0], 1, d->name, "size", &n) || !fill_value(as, t, 1, d->name, &fill))
        return;
    if (n < 0 || n > (int64_t)UINT32_MAX) {
        as_error(as, as->ops[0].loc, "'.space' takes a size from 0 to 4294967295, not %lld", (long long)n);
        return;
    }
    emit(as, NULL, (uint64_t)n, fill, tok_loc(t, i));
}

static void d_data(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, SIZE_MAX))
        return;
    int size = d->arg;
    if (as->pass == 2 && size > 1 && cur_addr(as) % (uint32_t)size != 0) {
        as_error(as, tok_loc(t, i), "'%s' at 0x%08x is not aligned to %d bytes (put .align %d before it)", d->name,
                 cur_addr(as), size, size);
        /* go on: the bytes keep the layout, and the values may have errors too */
    }
    static const int64_t lo[] = {0, -128, -32768, 0, INT32_MIN};
    static const int64_t hi[] = {0, 255, 65535, 0, UINT32_MAX};
    for (size_t k = 0; k < as->nops; k++) {
        struct value v;
        bool ok = operand_value(as, t, &as->ops[k], (int)k + 1, d->name, &v);
        if (ok && as->pass == 2 && v.known && (v.v < lo[size] || v.v > hi[size])) {
            as_error(as, as->ops[k].loc, "value %lld is out of range for '%s' (%lld..%lld)", (long long)v.v, d->name,
                     (long long)lo[size], (long long)hi[size]);
            ok = false;
        }
        uint64_t u = ok && v.known ? (uint64_t)v.v : 0;
        uint8_t b[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
        if (!emit(as, b, (uint64_t)size, 0, tok_loc(t, i)))
            return;
    }
}

static void d_ascii(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, SIZE_MAX))
        return;
    for (size_t k = 0; k < as->nops; k++) {
        const uint8_t *s;
        size_t len;
        if (!operand_string(as, t, &as->ops[k], (int)k + 1, d->name, &s, &len))
            continue;
        if (!emit(as, s, len + (d->arg ? 1 : 0), 0, tok_loc(t, i))) /* the lexer's NUL ends the string */
            return;
    }
}

static bool name_operand(struct as *as, struct tokens *t, const struct operand *o, const struct directive *d,
                         const char **name)
{
    if (o->e != o->b + 1 || t->v[o->b].kind != T_IDENT) {
        as_error(as, o->loc, "'%s' needs a symbol name here: it is written %s", d->name, d->syntax);
        return false;
    }
    *name = tok_str(t, o->b);
    return sym_name_ok(as, *name, o->loc);
}

static void d_equ(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    const char *name;
    if (!want_operands(as, t, i, d, 2, 2) || !name_operand(as, t, &as->ops[0], d, &name))
        return;
    struct loc at = as->ops[0].loc;
    int idx = sym_find(as, name);
    bool set = d->arg;
    if (as->pass == 1) {
        if (idx >= 0 && as->syms.v[idx].kind != SYM_UNDEF && !(set && as->syms.v[idx].kind == SYM_SET)) {
            if (set && as->syms.v[idx].kind == SYM_LABEL)
                as_error(as, at, "'%s' is a label; .set can only change a symbol made by .set", name);
            else if (set)
                as_error(as, at, "'%s' was made by .equ, so it cannot change; .set is for symbols made by .set", name);
            else
                as_error(as, at, "'%s' is already defined", name);
            as_note(as, as->syms.v[idx].def, "'%s' was first defined here", name);
            return;
        }
        if (idx < 0 && (idx = sym_add(as, name)) < 0)
            return;
        struct symbol *s = &as->syms.v[idx];
        if (s->kind == SYM_UNDEF)
            s->def = at;
        s->kind = set ? SYM_SET : SYM_EQU;
    }
    if (idx < 0)
        return;
    struct symbol *s = &as->syms.v[idx];
    if (!set) {
        if (as->pass == 1) {
            s->def_seq = as->ctx.seq;
            s->dot_sect = as->cur;
            s->dot_off = (int64_t)as->sec[as->cur].size;
            s->expr_col = t->v[as->ops[1].b].col;
            s->state = EQU_PENDING;
        }
        if (s->state == EQU_PENDING && (s->def.line == at.line && s->def.file == at.file))
            equ_evaluate(as, idx);
        return;
    }
    struct value v;
    if (!operand_value(as, t, &as->ops[1], 2, d->name, &v))
        return;
    s = &as->syms.v[idx];
    s->val = v;
    s->set_seen = true;
}

static void d_global(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, SIZE_MAX))
        return;
    for (size_t k = 0; k < as->nops; k++) {
        const char *name;
        if (!name_operand(as, t, &as->ops[k], d, &name) || as->pass == 2)
            continue;
        int idx = sym_find(as, name);
        if (idx < 0 && (idx = sym_add(as, name)) < 0)
            return;
        struct symbol *s = &as->syms.v[idx];
        if (!s->global) {
            s->global = true;
            s->global_loc = as->ops[k].loc;
            s->global_seq = as->ctx.seq;
        }
    }
}

/* The file an .include or .incbin names, found and read; -1 after an error. */
static int open_operand(struct as *as, struct tokens *t, const struct directive *d, bool lines)
{
    const uint8_t *s;
    size_t len;
    const struct operand *o = &as->ops[0];
    if (!operand_string(as, t, o, 1, d->name, &s, &len))
        return -1;
    const char *name = (const char *)s;
    if (strlen(name) != len || len == 0) {
        as_error(as, o->loc, "'%s' needs a file name", d->name);
        return -1;
    }
    struct buf tried = {0};
    char *path = src_find(as, t->file, name, &tried);
    if (!path) {
        char *where = buf_take_str(&tried, NULL);
        as_error(as, o->loc, "cannot find '%s' (looked in %s)", name, where && *where ? where : "'/'");
        free(where);
        return -1;
    }
    buf_free(&tried);
    char err[256];
    int fi = src_open(as, path, lines, err, sizeof err);
    if (fi < 0)
        as_error(as, o->loc, "cannot read '%s': %s", path, err);
    free(path);
    return fi;
}

static void d_include(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, 1))
        return;
    int fi = open_operand(as, t, d, true);
    if (fi < 0)
        return;
    for (int k = 0; k < as->depth; k++)
        if (as->stack[k] == fi) {
            struct buf chain = {0};
            for (int j = k; j < as->depth; j++)
                buf_printf(&chain, "%s -> ", as->files[as->stack[j]].path);
            buf_puts(&chain, as->files[fi].path);
            char *c = buf_take_str(&chain, NULL);
            as_error(as, as->ops[0].loc, "'.include' cycle: %s", c ? c : "");
            free(c);
            return;
        }
    if (as->depth >= ASM_MAX_INCLUDE_DEPTH) {
        as_error(as, as->ops[0].loc, ".include files are nested more than %d deep", ASM_MAX_INCLUDE_DEPTH);
        return;
    }
    /* The .include line is listed before the lines it brings in.  The
     * included lines reuse the token buffer, so nothing of this line may be
     * used after process_file. */
    if (as->pass == 2 && as->opt->listing) {
        listing_line(as, t->file, t->line, as->line_sect, as->line_start);
        as->stmts[as->ctx.seq].listed = true;
    }
    process_file(as, fi);
}

static void d_incbin(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    if (!want_operands(as, t, i, d, 1, 3))
        return;
    int64_t off = 0, n = 0;
    if (as->nops >= 2 && !sizing_value(as, t, &as->ops[1], 2, d->name, "offset", &off))
        return;
    if (as->nops >= 3 && !sizing_value(as, t, &as->ops[2], 3, d->name, "length", &n))
        return;
    if (n < 0) {
        as_error(as, as->ops[2].loc, "the length of '.incbin' cannot be negative (%lld); leave it out to take the file to its end",
                 (long long)n);
        return;
    }
    int fi = open_operand(as, t, d, false);
    if (fi < 0)
        return;
    const struct srcfile *f = &as->files[fi];
    if (off < 0 || (uint64_t)off > f->len) {
        as_error(as, as->ops[1].loc, "offset %lld is outside '%s', which has %zu bytes", (long long)off, f->path, f->len);
        return;
    }
    if (as->nops < 3)
        n = (int64_t)f->len - off;
    else if ((uint64_t)n > f->len - (uint64_t)off) {
        as_error(as, as->ops[2].loc, "'%s' has only %zu bytes from offset %lld, not %lld", f->path,
                 f->len - (size_t)off, (long long)off, (long long)n);
        return;
    }
    emit(as, f->text + off, (uint64_t)n, 0, tok_loc(t, i));
}

/* Reached only with a label before it: cond.c takes the conditionals
 * that stand first on their line, and must, to see them in skipped lines. */
static void d_cond(struct as *as, struct tokens *t, size_t i, const struct directive *d)
{
    as_error(as, tok_loc(t, i), "'%s' must stand first on its line (no label before it)", d->name);
}

static const struct directive table[] = {
    {".text", ".text", "assemble into the code section", d_section, SEC_TEXT},
    {".data", ".data", "assemble into the data section", d_section, SEC_DATA},
    {".bss", ".bss", "assemble into the zero-filled section (only .space, .align, labels)", d_section, SEC_BSS},
    {".org", ".org ADDRESS [, FILL]", "start the section at ADDRESS, or pad up to it", d_org, 0},
    {".align", ".align BYTES [, FILL]", "pad to a multiple of BYTES (a power of two)", d_align, 0},
    {".space", ".space SIZE [, FILL]", "SIZE bytes of FILL (default 0)", d_space, 0},
    {".byte", ".byte VALUE, ...", "8-bit values (-128..255)", d_data, 1},
    {".half", ".half VALUE, ...", "16-bit values (-32768..65535), 2-byte aligned", d_data, 2},
    {".word", ".word VALUE, ...", "32-bit values, 4-byte aligned", d_data, 4},
    {".ascii", ".ascii \"TEXT\", ...", "the bytes of the strings", d_ascii, 0},
    {".asciz", ".asciz \"TEXT\", ...", "the strings, each followed by a 0 byte", d_ascii, 1},
    {".equ", ".equ NAME, VALUE", "define a constant (once; usable before this line)", d_equ, 0},
    {".set", ".set NAME, VALUE", "define or change a variable (seen from here on)", d_equ, 1},
    {".global", ".global NAME, ...", "make symbols global in the ELF symbol table", d_global, 0},
    {".globl", ".globl NAME, ...", "the same as .global", d_global, 0},
    {".include", ".include \"FILE\"", "assemble FILE here", d_include, 0},
    {".incbin", ".incbin \"FILE\" [, OFFSET [, LENGTH]]", "the bytes of FILE", d_incbin, 0},
    {".if", ".if EXPR", "assemble the lines up to .else or .endif only if EXPR, known here, is not 0", d_cond, 0},
    {".ifdef", ".ifdef NAME", "... only if NAME is defined above this line or by -D", d_cond, 0},
    {".ifndef", ".ifndef NAME", "... only if it is not", d_cond, 0},
    {".else", ".else", "the lines up to .endif only if the .if's were not assembled", d_cond, 0},
    {".endif", ".endif", "the end of a conditional (.if, .else and .endif stand first on their line and nest)", d_cond, 0},
};

#define NDIRECTIVES (int)(sizeof table / sizeof table[0])

void directive_run(struct as *as, struct tokens *t, size_t i)
{
    const char *name = tok_str(t, i);
    for (int k = 0; k < NDIRECTIVES; k++)
        if (strcmp(table[k].name, name) == 0) {
            if (split_operands(as, t, i + 1))
                table[k].run(as, t, i, &table[k]);
            return;
        }
    /* Other assemblers' names for a directive that is here under another
     * (SPIM's .asciiz, GNU as's .string): no typo, so said by name. */
    static const char *const other_names[][2] = {{".asciiz", ".asciz"}, {".string", ".asciz"}};
    for (size_t k = 0; k < sizeof other_names / sizeof other_names[0]; k++)
        if (strcmp(name, other_names[k][0]) == 0) {
            as_error(as, tok_loc(t, i), "unknown directive '%s'; did you mean '%s'?", name, other_names[k][1]);
            return;
        }
    struct suggest sg;
    char text[AS_MAX_NAME + 32];
    suggest_init(&sg, name);
    for (int k = 0; k < NDIRECTIVES; k++)
        suggest_try(&sg, table[k].name);
    as_error(as, tok_loc(t, i), "unknown directive '%s'%s", name, suggest_text(&sg, text, sizeof text));
}

bool directive_row(int i, const char **syntax, const char **summary)
{
    if (i < 0 || i >= NDIRECTIVES)
        return false;
    *syntax = table[i].syntax;
    *summary = table[i].summary;
    return true;
}
