/*
 * operands.c - the comma-separated operands of an instruction or directive,
 * and what each kind of operand may be.  The messages name the operand by
 * its position and what was expected, since that is what a student has to
 * change.
 */
#include <stdio.h>
#include <string.h>

#include "asm_impl.h"
#include "isa_doc.h"

bool split_operands(struct as *as, struct tokens *t, size_t from)
{
    as->nops = 0;
    if (from >= t->n)
        return true;
    int depth = 0;
    size_t b = from;
    for (size_t i = from; i <= t->n; i++) {
        bool end = i == t->n;
        if (!end && tok_is(t, i, P_LPAREN))
            depth++;
        else if (!end && tok_is(t, i, P_RPAREN))
            depth--;
        if (!end && !(tok_is(t, i, P_COMMA) && depth <= 0))
            continue;
        if (i == b) {
            struct loc l = tok_loc(t, i < t->n ? i : i - 1);
            as_error(as, l, "missing operand %s this ','", i < t->n ? "before" : "after");
            return false;
        }
        if (!vec_grow(&as->ops, &as->capops, as->nops + 1, sizeof *as->ops)) {
            as_oom(as);
            return false;
        }
        as->ops[as->nops++] = (struct operand){.b = b, .e = i, .loc = tok_span(t, b, i)};
        b = i + 1;
    }
    return true;
}

static bool single_ident(const struct tokens *t, const struct operand *o)
{
    return o->e == o->b + 1 && t->v[o->b].kind == T_IDENT;
}

static const char *ordinal(int n)
{
    static const char *const names[] = {"first", "second", "third", "fourth"};
    return n >= 1 && n <= 4 ? names[n - 1] : "an";
}

int operand_reg(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what)
{
    if (single_ident(t, o)) {
        const char *name = tok_str(t, o->b);
        int r = isa_find_reg(name);
        if (r >= 0)
            return r;
        struct suggest sg;
        char text[AS_MAX_NAME + 32];
        suggest_init(&sg, name);
        for (unsigned i = 0; i < NREGS; i++) {
            suggest_try(&sg, isa_reg_abi_name(i));
            suggest_try(&sg, isa_reg_name(i));
        }
        as_error(as, o->loc, "unknown register '%s'%s", name, suggest_text(&sg, text, sizeof text));
        return -1;
    }
    /* add t0, t0, 5: the instruction that takes an immediate is addi */
    char imm_form[AS_MAX_NAME + 2];
    snprintf(imm_form, sizeof imm_form, "%si", what);
    for (int k = 0; k < OP_COUNT; k++)
        if (strcmp(isa_insns[k].mnem, imm_form) == 0) {
            as_error(as, o->loc, "the %s operand of '%s' must be a register; did you mean '%s'?", ordinal(n), what,
                     imm_form);
            return -1;
        }
    as_error(as, o->loc, "the %s operand of '%s' must be a register", ordinal(n), what);
    return -1;
}

bool operand_value(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                   struct value *out)
{
    *out = (struct value){.sect = SECT_ABS};
    if (single_ident(t, o) && isa_find_reg(tok_str(t, o->b)) >= 0) {
        as_error(as, o->loc, "the %s operand of '%s' must be a value, not a register", ordinal(n), what);
        return false;
    }
    return expr_eval(as, t, o->b, o->e, out);
}

/* A control register or port: its name, or any expression. */
bool operand_named(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                   enum isa_imm kind, struct value *out)
{
    if (single_ident(t, o)) {
        const char *name = tok_str(t, o->b);
        int v = kind == IMM_CR ? isa_find_cr(name) : isa_find_port(name);
        if (v >= 0) {
            *out = (struct value){.v = v, .sect = SECT_ABS, .known = true};
            return true;
        }
        int idx = sym_find(as, name);
        if (as->pass == 2 && isa_find_reg(name) < 0 && (idx < 0 || as->syms.v[idx].kind == SYM_UNDEF)) {
            static const char *const crs[] = {
#define X(NAME, num, name, desc) name,
                ISA_CONTROL_REGISTERS(X)
#undef X
            };
            static const char *const ports[] = {
#define X(NAME, port, name, rw, desc) name,
                ISA_PORTS(X)
#undef X
            };
            struct suggest sg;
            char text[AS_MAX_NAME + 32];
            suggest_init(&sg, name);
            if (kind == IMM_CR)
                for (size_t i = 0; i < sizeof crs / sizeof crs[0]; i++)
                    suggest_try(&sg, crs[i]);
            else
                for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
                    suggest_try(&sg, ports[i]);
            as_error(as, o->loc, "unknown %s '%s'%s", kind == IMM_CR ? "control register" : "port", name,
                     suggest_text(&sg, text, sizeof text));
            *out = (struct value){.sect = SECT_ABS};
            return false;
        }
    }
    return operand_value(as, t, o, n, what, out);
}

bool operand_mem(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                 struct value *off, struct loc *offloc, int *reg)
{
    *off = (struct value){.sect = SECT_ABS, .known = true};
    *reg = -1;
    size_t last = o->e - 1;
    size_t open = last;
    if (tok_is(t, last, P_RPAREN)) {
        int depth = 0;
        for (size_t i = last + 1; i-- > o->b;) {
            if (tok_is(t, i, P_RPAREN))
                depth++;
            else if (tok_is(t, i, P_LPAREN) && --depth == 0) {
                open = i;
                break;
            }
        }
    }
    if (open == last || open + 2 != last || t->v[open + 1].kind != T_IDENT) {
        as_error(as, o->loc, "the %s operand of '%s' must be a memory reference such as 8(sp)", ordinal(n), what);
        return false;
    }
    struct operand r = {.b = open + 1, .e = last, .loc = tok_loc(t, open + 1)};
    *reg = operand_reg(as, t, &r, n, what);
    if (*reg < 0)
        return false;
    if (open == o->b) {
        *offloc = tok_loc(t, open);
        return true;
    }
    struct operand v = {.b = o->b, .e = open, .loc = tok_span(t, o->b, open)};
    *offloc = v.loc;
    return operand_value(as, t, &v, n, what, off);
}

bool operand_string(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                    const uint8_t **s, size_t *len)
{
    if (o->e != o->b + 1 || t->v[o->b].kind != T_STR) {
        as_error(as, o->loc, "the %s operand of '%s' must be a string in double quotes", ordinal(n), what);
        return false;
    }
    *s = t->strs.p + t->v[o->b].str;
    *len = t->v[o->b].slen;
    return true;
}

/* "lw rd, imm(rs1)": what an instruction's operands look like, in the
 * notation of docs/isa.md. */
const char *form_syntax(enum op op, char *buf, size_t len)
{
    char ops[64];
    isa_doc_operands(op, ops, sizeof ops);
    snprintf(buf, len, "%s%s%s", isa_insns[op].mnem, ops[0] ? " " : "", ops);
    return buf;
}
