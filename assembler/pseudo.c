/*
 * pseudo.c - pseudo-instructions, as data: each row is a name, its operands
 * and the fixed sequence of real instructions (rows of the instruction
 * table, by OP_ number) it stands for.  The listing shows every expansion,
 * and docs/assembler.md shows this table as asm_pseudo_table() prints it.
 *
 * A name may have several rows (li): pass 1 takes the first whose
 * condition holds for the value as pass 1 knows it, else the last, and
 * pass 2 uses the same row, so a size never changes between the passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"

enum arg_kind { A_REG, A_VALUE, A_TARGET };

struct arg {
    enum arg_kind kind;
    const char *name;
};

/* Where a field of an expanded instruction comes from. */
enum src_kind { X_NONE, X_ARG, X_REG, X_CONST, X_HI, X_LO };

struct src {
    enum src_kind kind;
    int n;           /* X_ARG, X_HI, X_LO: which operand of the pseudo-instruction */
    const char *reg; /* X_REG: a register by its ABI name, looked up in the table */
    int32_t k;       /* X_CONST */
};

struct step {
    enum op op;
    struct src reg[3]; /* ra, rb, rc: registers in written order */
    struct src imm;
};

/* When a row applies to the value of its (only) value operand. */
enum when { ALWAYS, FITS_S16, FITS_U16, LOW_ZERO };

struct pseudo {
    const char *name;
    int nargs;
    struct arg args[3];
    enum when when;
    int nsteps;
    struct step steps[2];
};

#define ARG(i) {X_ARG, i, NULL, 0}
#define REG(name) {X_REG, 0, name, 0}
#define K(v) {X_CONST, 0, NULL, v}
#define HI(i) {X_HI, i, NULL, 0}
#define LO(i) {X_LO, i, NULL, 0}
#define NO {X_NONE, 0, NULL, 0}
#define STEP(op_, a, b, c, imm_) {.op = OP_##op_, .reg = {a, b, c}, .imm = imm_}

#define RD {A_REG, "rd"}
#define RS {A_REG, "rs"}
#define RT {A_REG, "rt"}
#define IMM {A_VALUE, "imm"}
#define SYM {A_VALUE, "symbol"}
#define TARGET {A_TARGET, "target"}

#define P0(name_, when_, ...) {.name = name_, .nargs = 0, .when = when_, __VA_ARGS__}
#define P1(name_, a0, when_, ...) {.name = name_, .nargs = 1, .args = {a0}, .when = when_, __VA_ARGS__}
#define P2(name_, a0, a1, when_, ...) {.name = name_, .nargs = 2, .args = {a0, a1}, .when = when_, __VA_ARGS__}
#define P3(name_, a0, a1, a2, when_, ...) {.name = name_, .nargs = 3, .args = {a0, a1, a2}, .when = when_, __VA_ARGS__}
#define S1(s) .nsteps = 1, .steps = {s}
#define S2(s, t) .nsteps = 2, .steps = {s, t}

static const struct pseudo table[] = {
    P0("nop", ALWAYS, S1(STEP(ADDI, REG("zero"), REG("zero"), NO, K(0)))),
    P2("mv", RD, RS, ALWAYS, S1(STEP(ADDI, ARG(0), ARG(1), NO, K(0)))),
    P2("li", RD, IMM, FITS_S16, S1(STEP(ADDI, ARG(0), REG("zero"), NO, ARG(1)))),
    P2("li", RD, IMM, FITS_U16, S1(STEP(ORI, ARG(0), REG("zero"), NO, ARG(1)))),
    P2("li", RD, IMM, LOW_ZERO, S1(STEP(LUI, ARG(0), NO, NO, HI(1)))),
    P2("li", RD, IMM, ALWAYS, S2(STEP(LUI, ARG(0), NO, NO, HI(1)), STEP(ORI, ARG(0), ARG(0), NO, LO(1)))),
    P2("la", RD, SYM, ALWAYS, S2(STEP(LUI, ARG(0), NO, NO, HI(1)), STEP(ORI, ARG(0), ARG(0), NO, LO(1)))),
    P2("not", RD, RS, ALWAYS, S2(STEP(SUB, ARG(0), REG("zero"), ARG(1), NO), STEP(ADDI, ARG(0), ARG(0), NO, K(-1)))),
    P2("neg", RD, RS, ALWAYS, S1(STEP(SUB, ARG(0), REG("zero"), ARG(1), NO))),
    P2("seqz", RD, RS, ALWAYS, S1(STEP(SLTIU, ARG(0), ARG(1), NO, K(1)))),
    P2("snez", RD, RS, ALWAYS, S1(STEP(SLTU, ARG(0), REG("zero"), ARG(1), NO))),
    P1("j", TARGET, ALWAYS, S1(STEP(JAL, REG("zero"), NO, NO, ARG(0)))),
    P1("jr", RS, ALWAYS, S1(STEP(JALR, REG("zero"), ARG(0), NO, K(0)))),
    P1("call", TARGET, ALWAYS, S1(STEP(JAL, REG("ra"), NO, NO, ARG(0)))),
    P0("ret", ALWAYS, S1(STEP(JALR, REG("zero"), REG("ra"), NO, K(0)))),
    P1("push", RS, ALWAYS, S2(STEP(ADDI, REG("sp"), REG("sp"), NO, K(-4)), STEP(SW, ARG(0), REG("sp"), NO, K(0)))),
    P1("pop", RD, ALWAYS, S2(STEP(LW, ARG(0), REG("sp"), NO, K(0)), STEP(ADDI, REG("sp"), REG("sp"), NO, K(4)))),
    P2("beqz", RS, TARGET, ALWAYS, S1(STEP(BEQ, ARG(0), REG("zero"), NO, ARG(1)))),
    P2("bnez", RS, TARGET, ALWAYS, S1(STEP(BNE, ARG(0), REG("zero"), NO, ARG(1)))),
    P2("bltz", RS, TARGET, ALWAYS, S1(STEP(BLT, ARG(0), REG("zero"), NO, ARG(1)))),
    P2("bgez", RS, TARGET, ALWAYS, S1(STEP(BGE, ARG(0), REG("zero"), NO, ARG(1)))),
    P2("bgtz", RS, TARGET, ALWAYS, S1(STEP(BLT, REG("zero"), ARG(0), NO, ARG(1)))),
    P2("blez", RS, TARGET, ALWAYS, S1(STEP(BGE, REG("zero"), ARG(0), NO, ARG(1)))),
    P3("bgt", RS, RT, TARGET, ALWAYS, S1(STEP(BLT, ARG(1), ARG(0), NO, ARG(2)))),
    P3("ble", RS, RT, TARGET, ALWAYS, S1(STEP(BGE, ARG(1), ARG(0), NO, ARG(2)))),
    P3("bgtu", RS, RT, TARGET, ALWAYS, S1(STEP(BLTU, ARG(1), ARG(0), NO, ARG(2)))),
    P3("bleu", RS, RT, TARGET, ALWAYS, S1(STEP(BGEU, ARG(1), ARG(0), NO, ARG(2)))),
};

#define NPSEUDO (int)(sizeof table / sizeof table[0])

int pseudo_find(const char *name)
{
    for (int i = 0; i < NPSEUDO; i++)
        if (strcmp(table[i].name, name) == 0)
            return i;
    return -1;
}

const char *pseudo_name(int row) { return row >= 0 && row < NPSEUDO ? table[row].name : NULL; }

static bool holds(enum when w, int64_t v)
{
    switch (w) {
    case ALWAYS: return true;
    case FITS_S16: return isa_imm_fits(IMM_S16, v);
    case FITS_U16: return isa_imm_fits(IMM_U16, v);
    case LOW_ZERO: return (v & 0xffff) == 0 && v >= INT32_MIN && v <= (int64_t)UINT32_MAX;
    }
    return false;
}

static int group_size(int row)
{
    int n = 1;
    while (row + n < NPSEUDO && strcmp(table[row + n].name, table[row].name) == 0)
        n++;
    return n;
}

static void syntax(const struct pseudo *p, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%s", p->name);
    for (int i = 0; i < p->nargs && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : " ", p->args[i].name);
}

struct argval {
    int reg;
    struct value v;
    struct loc at;
};

static struct value src_value(const struct src *s, const struct argval *args)
{
    struct value v = {.sect = SECT_ABS, .known = true};
    switch (s->kind) {
    case X_ARG: return args[s->n].v;
    case X_CONST: v.v = s->k; return v;
    case X_HI:
    case X_LO:
        v = args[s->n].v;
        if (v.known && v.sect == SECT_ABS)
            v.v = s->kind == X_HI ? ((uint64_t)v.v >> 16) & 0xffff : (uint64_t)v.v & 0xffff;
        else
            v.known = false;
        return v;
    case X_NONE:
    case X_REG: break;
    }
    return v;
}

static int src_reg(const struct src *s, const struct argval *args)
{
    switch (s->kind) {
    case X_ARG: return args[s->n].reg;
    case X_REG: return isa_find_reg(s->reg); /* by ABI name: the calling convention's roles */
    default: return 0;
    }
}

void pseudo_assemble(struct as *as, struct tokens *t, size_t i, int row)
{
    const struct pseudo *p = &table[row];
    struct loc at = tok_loc(t, i);
    int group = group_size(row);
    struct stmt *st = &as->stmts[as->ctx.seq];
    int chosen = row + (as->pass == 2 ? st->variant : group - 1);
    bool ok = split_operands(as, t, i + 1);
    if (ok && as->nops != (size_t)p->nargs) {
        char syn[80];
        syntax(p, syn, sizeof syn);
        if (p->nargs == 0)
            as_error(as, at, "'%s' takes no operands, but %zu %s given", p->name, as->nops, as->nops == 1 ? "was" : "were");
        else
            as_error(as, at, "'%s' takes %d operand%s (%s), but %zu %s given", p->name, p->nargs, p->nargs == 1 ? "" : "s",
                     syn, as->nops, as->nops == 1 ? "was" : "were");
        ok = false;
    }
    struct argval args[3] = {{0}};
    for (int k = 0; ok && k < p->nargs; k++) {
        const struct operand *o = &as->ops[k];
        args[k].at = o->loc;
        if (p->args[k].kind == A_REG) {
            args[k].reg = operand_reg(as, t, o, k + 1, p->name);
            ok = args[k].reg >= 0;
        } else {
            ok = operand_value(as, t, o, k + 1, p->name, &args[k].v);
            if (ok && as->pass == 1 && group > 1 && args[k].v.known && args[k].v.sect == SECT_ABS)
                for (int r = row; r < row + group; r++)
                    if (holds(table[r].when, args[k].v.v)) {
                        chosen = r;
                        break;
                    }
            if (ok && as->pass == 2 && p->args[k].kind == A_VALUE && args[k].v.known &&
                (args[k].v.v < INT32_MIN || args[k].v.v > (int64_t)UINT32_MAX)) {
                as_error(as, o->loc, "value %lld does not fit in 32 bits (-2147483648..4294967295)", (long long)args[k].v.v);
                ok = false;
            }
        }
    }
    if (as->pass == 1)
        st->variant = (uint8_t)(chosen - row);
    const struct pseudo *c = &table[chosen];
    if (!ok) {
        emit(as, NULL, 4 * (uint64_t)c->nsteps, 0, at); /* the layout stays as pass 1 made it */
        return;
    }
    as->expanded = true;
    for (int s = 0; s < c->nsteps; s++) {
        const struct step *sp = &c->steps[s];
        struct insn_req rq = {.op = sp->op, .at = at, .name = p->name, .imm_at = at};
        for (int k = 0; k < 3; k++) {
            int r = src_reg(&sp->reg[k], args);
            if (r < 0) {
                as_error(as, at, "internal error: register '%s' of the '%s' expansion is not in the register table",
                         sp->reg[k].reg, p->name);
                return;
            }
            rq.r[k] = (uint8_t)r;
        }
        rq.imm = src_value(&sp->imm, args);
        if (sp->imm.kind == X_ARG || sp->imm.kind == X_HI || sp->imm.kind == X_LO)
            rq.imm_at = args[sp->imm.n].at;
        insn_emit(as, &rq);
    }
}

/* ---- the table as text, for docs/assembler.md and vasm --pseudo (asm_doc.c) -- */

static void src_text(struct buf *b, const struct pseudo *p, const struct src *s)
{
    switch (s->kind) {
    case X_ARG: buf_puts(b, p->args[s->n].name); break;
    case X_REG: buf_puts(b, s->reg); break;
    case X_CONST: buf_printf(b, "%d", s->k); break;
    case X_HI: buf_printf(b, "%%hi(%s)", p->args[s->n].name); break;
    case X_LO: buf_printf(b, "%%lo(%s)", p->args[s->n].name); break;
    case X_NONE: break;
    }
}

static void step_text(struct buf *b, const struct pseudo *p, const struct step *s)
{
    const struct isa_insn *in = &isa_insns[s->op];
    int nregs = isa_form_nregs(in->form);
    buf_puts(b, in->mnem);
    if (in->form == FORM_IR) {
        buf_putc(b, ' ');
        src_text(b, p, &s->imm);
        buf_puts(b, ", ");
        src_text(b, p, &s->reg[0]);
        return;
    }
    if (in->form == FORM_MEM) {
        buf_putc(b, ' ');
        src_text(b, p, &s->reg[0]);
        buf_puts(b, ", ");
        src_text(b, p, &s->imm);
        buf_putc(b, '(');
        src_text(b, p, &s->reg[1]);
        buf_putc(b, ')');
        return;
    }
    for (int k = 0; k < nregs; k++) {
        buf_puts(b, k ? ", " : " ");
        src_text(b, p, &s->reg[k]);
    }
    if (isa_form_has_imm(in->form)) {
        buf_puts(b, nregs ? ", " : " ");
        src_text(b, p, &s->imm);
    }
}

bool pseudo_row(int i, struct buf *syn, struct buf *exp, struct buf *when)
{
    if (i < 0 || i >= NPSEUDO)
        return false;
    const struct pseudo *p = &table[i];
    char text[80];
    syntax(p, text, sizeof text);
    buf_puts(syn, text);
    for (int s = 0; s < p->nsteps; s++) {
        if (s)
            buf_puts(exp, "; ");
        step_text(exp, p, &p->steps[s]);
    }
    bool many = (i > 0 && strcmp(table[i - 1].name, p->name) == 0) ||
                (i + 1 < NPSEUDO && strcmp(table[i + 1].name, p->name) == 0);
    switch (p->when) {
    case FITS_S16: buf_printf(when, "if pass 1 knows imm and it is in %s", isa_imm_range(IMM_S16)); break;
    case FITS_U16: buf_printf(when, "else if pass 1 knows imm and it is in %s", isa_imm_range(IMM_U16)); break;
    case LOW_ZERO: buf_puts(when, "else if pass 1 knows imm and its low 16 bits are 0"); break;
    case ALWAYS:
        if (many)
            buf_puts(when, "otherwise");
        break;
    }
    return true;
}
