/*
 * cond.c - conditional assembly, so that two builds can be made from the
 * same source (the guest kernel and its paravirtualized twin):
 *
 *     .if EXPR          the lines up to .else or .endif, if EXPR != 0
 *     .ifdef NAME       ... if NAME is defined above this line (or by -D)
 *     .ifndef NAME      ... if it is not
 *     .else             the other lines
 *     .endif
 *
 * They nest, and each one stands first on its line (no label before it),
 * so that a skipped line is recognised without being parsed: the lines in
 * a branch not taken are not assembled at all, and may hold anything.
 * A conditional opens and closes in the same file, as in C.
 *
 * The choice is pass 1's: its expression must be known where it stands
 * (a value from the lines above, or from -D), and pass 2 takes the same
 * branches from struct stmt, so the layout cannot change between the
 * passes.
 */
#include <string.h>

#include "asm_impl.h"

enum cond_word { W_NONE, W_IF, W_IFDEF, W_IFNDEF, W_ELSE, W_ENDIF };

static const char *const word_name[] = {"", ".if", ".ifdef", ".ifndef", ".else", ".endif"};

/* The line's first word, if it is one of ours. */
static enum cond_word first_word(const char *text, size_t len, uint32_t *col)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t'))
        i++;
    size_t b = i;
    if (i < len && text[i] == '.')
        i++;
    while (i < len && (text[i] == '_' || (text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') ||
                       (text[i] >= '0' && text[i] <= '9')))
        i++;
    *col = (uint32_t)b;
    for (int w = W_IF; w <= W_ENDIF; w++)
        if (strlen(word_name[w]) == i - b && memcmp(text + b, word_name[w], i - b) == 0)
            return (enum cond_word)w;
    return W_NONE;
}

static bool skipping(const struct as *as) { return as->ncond > 0 && !as->conds[as->ncond - 1].active; }

/* The condition of .if/.ifdef/.ifndef, decided in pass 1. */
static bool decide(struct as *as, struct tokens *t, enum cond_word w, bool *out)
{
    const char *name = word_name[w];
    if (w == W_IF) {
        if (t->n < 2) {
            as_error(as, tok_loc(t, 0), "'.if' needs a value: it is written .if EXPR");
            return false;
        }
        as->unknown[0] = '\0';
        as->unknown_sect = -1;
        struct value v;
        if (!expr_eval(as, t, 1, t->n, &v))
            return false;
        if (!v.known || v.sect != SECT_ABS) {
            struct loc at = tok_span(t, 1, t->n);
            if (as->unknown[0])
                as_error(as, at, "the value of '.if' must be known here, but '%s' is not defined above it (define it before, or with -D)",
                         as->unknown);
            else
                as_error(as, at, "the value of '.if' must be a number known here, not an address");
            return false;
        }
        *out = v.v != 0;
        return true;
    }
    if (t->n != 2 || t->v[1].kind != T_IDENT) {
        as_error(as, tok_loc(t, 0), "'%s' takes one name: it is written %s NAME", name, name);
        return false;
    }
    int idx = sym_find(as, tok_str(t, 1));
    bool defined = idx >= 0 && as->syms.v[idx].kind != SYM_UNDEF;
    *out = w == W_IFDEF ? defined : !defined;
    return true;
}

static void open_cond(struct as *as, int file, uint32_t line, const char *text, size_t len, enum cond_word w,
                      uint32_t col)
{
    struct loc at = {.file = file, .line = line, .col = col, .len = (uint32_t)strlen(word_name[w])};
    if (as->ncond == ASM_MAX_COND_DEPTH) {
        as_error(as, at, "conditionals nested more than %d deep", ASM_MAX_COND_DEPTH);
        as->stop = as->fatal = true;
        return;
    }
    bool outer = !skipping(as);
    bool yes = false;
    if (outer) {
        struct stmt *st = &as->stmts[as->ctx.seq];
        if (as->pass == 1) {
            if (lex_line(as, &as->toks, file, line, text, len, 0) && decide(as, &as->toks, w, &yes))
                st->variant = yes;
        } else {
            yes = st->variant;
        }
    }
    as->conds[as->ncond++] = (struct cond){
        .at = at, .seq = as->ctx.seq, .depth = as->depth, .word = w, .outer = outer, .active = outer && yes,
        .taken = yes || !outer};
}

/* .else and .endif: no operands, and an open conditional of this file. */
static struct cond *current(struct as *as, int file, uint32_t line, const char *text, size_t len, enum cond_word w,
                            uint32_t col)
{
    struct loc at = {.file = file, .line = line, .col = col, .len = (uint32_t)strlen(word_name[w])};
    struct cond *c = as->ncond > 0 ? &as->conds[as->ncond - 1] : NULL;
    if (!c || c->depth != as->depth) {
        as_error(as, at, "'%s' without '.if'", word_name[w]);
        return NULL;
    }
    if (c->outer && lex_line(as, &as->toks, file, line, text, len, 0) && as->toks.n > 1)
        as_error(as, tok_span(&as->toks, 1, as->toks.n), "'%s' takes no operands", word_name[w]);
    return c;
}

bool cond_line(struct as *as, int file, uint32_t line, const char *text, size_t len)
{
    uint32_t col;
    enum cond_word w = first_word(text, len, &col);
    struct cond *c;
    switch (w) {
    case W_IF:
    case W_IFDEF:
    case W_IFNDEF:
        open_cond(as, file, line, text, len, w, col);
        return true;
    case W_ELSE:
        if ((c = current(as, file, line, text, len, w, col)) == NULL)
            return true;
        if (c->in_else) {
            as_error(as, (struct loc){.file = file, .line = line, .col = col, .len = 5}, "'.else' after '.else'");
            as_note(as, c->at, "the '%s' it belongs to is here", word_name[c->word]);
            return true;
        }
        c->in_else = true;
        c->active = c->outer && !c->taken;
        c->taken = true;
        return true;
    case W_ENDIF:
        if (current(as, file, line, text, len, w, col))
            as->ncond--;
        return true;
    case W_NONE:
        break;
    }
    return skipping(as);
}

void cond_file_end(struct as *as)
{
    while (as->ncond > 0 && as->conds[as->ncond - 1].depth == as->depth) {
        struct cond *c = &as->conds[--as->ncond];
        if (as->pass == 1 && !as->stop) {
            as->ctx = (struct eval_ctx){.seq = c->seq};
            as->mute = false;
            as_error(as, c->at, "unterminated '%s': no '.endif' before the end of the file", word_name[c->word]);
        }
    }
}
