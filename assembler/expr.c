/*
 * expr.c - constant expressions, with C's operators and precedence:
 *
 *   unary  - + ~ !                 (tightest)
 *   * / %    + -    << >>    < <= > >=    == !=    &    ^    |    &&    ||
 *
 * Operands: numbers, character literals, symbols, local labels (1b, 1f),
 * '.' (the address of the current instruction or data item), (...),
 * %hi(x) = (x >> 16) & 0xffff and %lo(x) = x & 0xffff.
 *
 * Arithmetic is on 64-bit integers that wrap, so any intermediate value is
 * fine and only the final one is checked against the range of its use.
 */
#include <stdio.h>
#include <string.h>

#include "asm_impl.h"

struct ex {
    struct as *as;
    struct tokens *t;
    size_t b, i, e;
};

static bool at_end(const struct ex *x) { return x->i >= x->e || x->t->v[x->i].kind == T_END; }

/* The token as written, for messages. */
static void spelling(const struct tokens *t, size_t i, char *buf, size_t len)
{
    const struct token *k = &t->v[i];
    size_t n = k->len < len - 1 ? k->len : len - 1;
    memcpy(buf, t->text + k->col, n);
    buf[n] = '\0';
}

static bool expected(struct ex *x)
{
    if (at_end(x)) {
        struct loc l = x->i > 0 ? tok_loc(x->t, x->i - 1) : tok_loc(x->t, x->i);
        if (x->i > 0)
            l.col += l.len, l.len = 1;
        as_error(x->as, l, "expected an expression");
        return false;
    }
    char s[40];
    spelling(x->t, x->i, s, sizeof s);
    as_error(x->as, tok_loc(x->t, x->i), "expected an expression, not '%s'", s);
    return false;
}

static bool binary(struct ex *x, int minprec, struct value *out);

static struct value unknown(void) { return (struct value){.sect = SECT_ABS}; }

static void note_section(struct as *as, const struct value *v)
{
    if (v->known && v->sect != SECT_ABS && as->unknown[0] == '\0' && as->unknown_sect < 0)
        as->unknown_sect = v->sect;
}

static bool percent_func(struct ex *x, struct value *out)
{
    struct loc l = tok_loc(x->t, x->i);
    x->i++;
    if (at_end(x) || x->t->v[x->i].kind != T_IDENT) {
        as_error(x->as, l, "'%%' must be followed by hi or lo here, as in %%hi(label)");
        return false;
    }
    const char *name = tok_str(x->t, x->i);
    bool hi = strcmp(name, "hi") == 0;
    if (!hi && strcmp(name, "lo") != 0) {
        l.len += x->t->v[x->i].len;
        as_error(x->as, l, "unknown operator '%%%s' (there are %%hi and %%lo)", name);
        return false;
    }
    x->i++;
    if (!tok_is(x->t, x->i, P_LPAREN) || x->i >= x->e) {
        as_error(x->as, l, "'%%%s' needs parentheses, as in %%%s(label)", name, name);
        return false;
    }
    x->i++;
    struct value v;
    if (!binary(x, 1, &v))
        return false;
    if (!tok_is(x->t, x->i, P_RPAREN) || x->i >= x->e) {
        as_error(x->as, tok_loc(x->t, x->i), "expected ')'");
        return false;
    }
    x->i++;
    note_section(x->as, &v);
    if (!v.known || v.sect != SECT_ABS) {
        *out = unknown();
        return true;
    }
    uint64_t u = (uint64_t)v.v;
    *out = (struct value){.v = (int64_t)(hi ? (u >> 16) & 0xffff : u & 0xffff), .sect = SECT_ABS, .known = true};
    return true;
}

static bool primary(struct ex *x, struct value *out)
{
    if (at_end(x))
        return expected(x);
    struct token *k = &x->t->v[x->i];
    struct loc l = tok_loc(x->t, x->i);
    switch (k->kind) {
    case T_NUM:
        x->i++;
        *out = (struct value){.v = k->num, .sect = SECT_ABS, .known = true};
        return true;
    case T_LOCAL:
        x->i++;
        return local_value(x->as, (uint32_t)k->num, k->forward, l, out);
    case T_IDENT: {
        const char *name = tok_str(x->t, x->i);
        x->i++;
        if (strcmp(name, ".") == 0) {
            *out = dot_value(x->as);
            return true;
        }
        if (isa_find_reg(name) >= 0) {
            as_error(x->as, l, "'%s' is a register, not a value", name);
            return false;
        }
        return sym_ref(x->as, name, l, out);
    }
    case T_STR:
        as_error(x->as, l, "a string is not a number here (a character literal such as 'a' is)");
        return false;
    case T_PUNCT:
        if (k->p == P_LPAREN) {
            x->i++;
            if (!binary(x, 1, out))
                return false;
            if (!tok_is(x->t, x->i, P_RPAREN) || x->i >= x->e) {
                as_error(x->as, l, "this '(' has no matching ')'");
                return false;
            }
            x->i++;
            return true;
        }
        if (k->p == P_PERCENT)
            return percent_func(x, out);
        break;
    case T_END:
        break;
    }
    return expected(x);
}

static bool unary_here(struct ex *x, struct value *out);

/* Every way an expression nests - parentheses, unary operators, %hi and
 * %lo, a .equ evaluated from a forward reference - comes through here, so
 * one count bounds the recursion (50,000 '(' overflowed the stack).  The
 * error is fatal, as clang's bracket depth is: the expressions around it,
 * unwinding, have nothing more to say. */
static bool unary(struct ex *x, struct value *out)
{
    struct as *as = x->as;
    if (as->nest > ASM_MAX_NESTING) { /* the top level is not a nesting */
        /* at what opened this level: a '(', a unary operator; or where a
         * .equ's expression starts */
        struct loc l = tok_loc(x->t, x->i > x->b ? x->i - 1 : x->i);
        as_error(as, l, "expression nested too deeply (more than %d levels of parentheses, unary operators and .equ "
                        "references)",
                 ASM_MAX_NESTING);
        as->fatal = as->stop = true;
        return false;
    }
    as->nest++;
    bool ok = unary_here(x, out);
    as->nest--;
    return ok;
}

static bool unary_here(struct ex *x, struct value *out)
{
    if (!at_end(x) && x->t->v[x->i].kind == T_PUNCT) {
        enum punct p = x->t->v[x->i].p;
        if (p == P_MINUS || p == P_PLUS || p == P_TILDE || p == P_BANG) {
            x->i++;
            if (!unary(x, out))
                return false;
            if (p == P_PLUS)
                return true;
            note_section(x->as, out);
            if (!out->known || out->sect != SECT_ABS) {
                *out = unknown();
                return true;
            }
            uint64_t u = (uint64_t)out->v;
            out->v = p == P_MINUS ? (int64_t)(0 - u) : p == P_TILDE ? (int64_t)~u : out->v == 0;
            return true;
        }
    }
    return primary(x, out);
}

static int precedence(enum punct p)
{
    switch (p) {
    case P_OROR: return 1;
    case P_ANDAND: return 2;
    case P_PIPE: return 3;
    case P_CARET: return 4;
    case P_AMP: return 5;
    case P_EQ: case P_NE: return 6;
    case P_LT: case P_LE: case P_GT: case P_GE: return 7;
    case P_SHL: case P_SHR: return 8;
    case P_PLUS: case P_MINUS: return 9;
    case P_STAR: case P_SLASH: case P_PERCENT: return 10;
    default: return 0;
    }
}

static bool combine(struct ex *x, enum punct op, struct loc at, struct value *a, const struct value *b)
{
    if (!a->known || !b->known) {
        /* Still catch a constant zero divisor in pass 1. */
        if ((op == P_SLASH || op == P_PERCENT) && b->known && b->sect == SECT_ABS && b->v == 0) {
            as_error(x->as, at, "division by zero");
            return false;
        }
        *a = unknown();
        return true;
    }
    if (a->sect != SECT_ABS || b->sect != SECT_ABS) {
        /* Pass 1, a place in a section whose start is not known yet. */
        if (op == P_PLUS && (a->sect == SECT_ABS || b->sect == SECT_ABS)) {
            a->sect = a->sect == SECT_ABS ? b->sect : a->sect;
            a->v = (int64_t)((uint64_t)a->v + (uint64_t)b->v);
            return true;
        }
        if (op == P_MINUS && b->sect == SECT_ABS) {
            a->v = (int64_t)((uint64_t)a->v - (uint64_t)b->v);
            return true;
        }
        if (op == P_MINUS && a->sect == b->sect) {
            a->v = (int64_t)((uint64_t)a->v - (uint64_t)b->v);
            a->sect = SECT_ABS;
            return true;
        }
        note_section(x->as, a->sect != SECT_ABS ? a : b);
        *a = unknown();
        return true;
    }
    int64_t l = a->v, r = b->v;
    uint64_t ul = (uint64_t)l, ur = (uint64_t)r;
    int64_t v = 0;
    switch (op) {
    case P_PLUS: v = (int64_t)(ul + ur); break;
    case P_MINUS: v = (int64_t)(ul - ur); break;
    case P_STAR: v = (int64_t)(ul * ur); break;
    case P_SLASH:
    case P_PERCENT:
        if (r == 0) {
            as_error(x->as, at, "division by zero");
            return false;
        }
        if (l == INT64_MIN && r == -1)
            v = op == P_SLASH ? l : 0;
        else
            v = op == P_SLASH ? l / r : l % r;
        break;
    case P_SHL:
    case P_SHR:
        if (r < 0 || r > 63) {
            as_error(x->as, at, "shift count %lld is out of range (0..63)", (long long)r);
            return false;
        }
        if (op == P_SHL)
            v = (int64_t)(ul << r);
        else
            v = l < 0 ? (int64_t)~(~ul >> r) : (int64_t)(ul >> r);
        break;
    case P_LT: v = l < r; break;
    case P_LE: v = l <= r; break;
    case P_GT: v = l > r; break;
    case P_GE: v = l >= r; break;
    case P_EQ: v = l == r; break;
    case P_NE: v = l != r; break;
    case P_AMP: v = (int64_t)(ul & ur); break;
    case P_CARET: v = (int64_t)(ul ^ ur); break;
    case P_PIPE: v = (int64_t)(ul | ur); break;
    case P_ANDAND: v = l && r; break;
    case P_OROR: v = l || r; break;
    default: break;
    }
    a->v = v;
    return true;
}

static bool binary(struct ex *x, int minprec, struct value *out)
{
    if (!unary(x, out))
        return false;
    while (!at_end(x) && x->t->v[x->i].kind == T_PUNCT) {
        enum punct op = x->t->v[x->i].p;
        int prec = precedence(op);
        if (prec == 0 || prec < minprec)
            break;
        struct loc at = tok_loc(x->t, x->i);
        x->i++;
        struct value r;
        if (!binary(x, prec + 1, &r))
            return false;
        if (!combine(x, op, at, out, &r))
            return false;
    }
    return true;
}

static bool expr_parse(struct as *as, struct tokens *t, size_t *i, size_t e, struct value *out)
{
    struct ex x = {.as = as, .t = t, .b = *i, .i = *i, .e = e};
    *out = unknown();
    bool ok = binary(&x, 1, out);
    *i = x.i;
    return ok;
}

bool expr_eval(struct as *as, struct tokens *t, size_t b, size_t e, struct value *out)
{
    size_t i = b;
    if (!expr_parse(as, t, &i, e, out))
        return false;
    if (i < e && t->v[i].kind != T_END) {
        char s[40];
        spelling(t, i, s, sizeof s);
        as_error(as, tok_loc(t, i), "unexpected '%s' after the expression", s);
        return false;
    }
    return true;
}

/* A .equ used before the line that defines it: evaluate its expression
 * there, as if pass 1 or 2 had just reached it. */
bool equ_evaluate(struct as *as, int idx)
{
    struct symbol *s = &as->syms.v[idx];
    s->state = EQU_BUSY;
    int file = s->def.file;
    uint32_t line = s->def.line, col = s->expr_col;
    struct eval_ctx saved = as->ctx;
    bool mute = as->mute;
    as->ctx.seq = s->def_seq;
    as->ctx.dot_override = true;
    as->ctx.dot_sect = s->dot_sect;
    as->ctx.dot_off = s->dot_off;
    as->mute = false; /* its errors belong to its own line, which pass 1 found clean */

    const char *text;
    size_t len;
    src_line(as, file, line, &text, &len);
    struct tokens t = {0};
    struct value v = unknown();
    bool ok = lex_line(as, &t, file, line, text, len, col) && expr_eval(as, &t, 0, t.n, &v);
    tokens_free(&t);

    as->ctx = saved;
    as->mute = mute;
    s = &as->syms.v[idx];
    s->val = v;
    if (!ok)
        s->state = EQU_FAILED;
    else
        s->state = v.known || as->pass == 2 ? EQU_DONE : EQU_PENDING;
    return ok;
}
