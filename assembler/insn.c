/*
 * insn.c - one machine instruction: operands read according to its form
 * in the instruction table, immediates checked against its immediate kind,
 * encoded by isa_encode and placed.  Pseudo-instructions end up here too,
 * one insn_req per instruction of their expansion.
 */
#include <stdio.h>

#include "asm_impl.h"

static void describe_imm(char *buf, size_t len, int64_t v)
{
    if (v >= 10)
        snprintf(buf, len, "%lld (0x%llx)", (long long)v, (unsigned long long)v);
    else
        snprintf(buf, len, "%lld", (long long)v);
}

static bool is_pc_kind(enum isa_imm k) { return k == IMM_PC16 || k == IMM_PC20; }

void insn_emit(struct as *as, const struct insn_req *rq)
{
    const struct isa_insn *in = &isa_insns[rq->op];
    struct isa_fields f = {.op = rq->op, .ra = rq->r[0], .rb = rq->r[1], .rc = rq->r[2]};
    if (as->pass == 2) {
        uint32_t pc = cur_addr(as);
        if (pc & 3)
            as_error(as, rq->at, "this instruction would be at 0x%08x, which is not a multiple of 4 (put .align 4 before it)", pc);
        const struct value *v = &rq->imm;
        if (isa_form_has_imm(in->form) && v->known) {
            char num[64];
            if (is_pc_kind(in->imm)) {
                if (v->v < INT32_MIN || v->v > (int64_t)UINT32_MAX) {
                    describe_imm(num, sizeof num, v->v);
                    as_error(as, rq->imm_at, "target %s is outside the 32-bit address space", num);
                } else {
                    uint32_t target = (uint32_t)v->v;
                    int32_t off = (int32_t)(target - pc); /* the PC wraps around, so may the offset */
                    if (off & 3)
                        as_error(as, rq->imm_at, "target 0x%08x of '%s' is not a multiple of 4", target, rq->name);
                    else if (!isa_imm_fits(in->imm, off))
                        as_error(as, rq->imm_at, "target 0x%08x is out of range for '%s': it is %ld bytes away, and the range is %s",
                                 target, rq->name, (long)off, isa_imm_range(in->imm));
                    f.imm = off;
                }
            } else if (!isa_imm_fits(in->imm, v->v)) {
                describe_imm(num, sizeof num, v->v);
                const char *noun = in->imm == IMM_CR ? "control register number" : in->imm == IMM_PORT ? "port" : "immediate";
                as_error(as, rq->imm_at, "%s %s is out of range for '%s' (%s)", noun, num, rq->name, isa_imm_range(in->imm));
            } else {
                f.imm = (int32_t)v->v;
            }
        }
    }
    uint32_t w = isa_encode(&f);
    uint32_t addr = cur_addr(as);
    uint8_t bytes[4] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24)};
    if (emit(as, bytes, 4, 0, rq->at) && as->pass == 2) {
        if (!vec_grow(&as->emit, &as->capemit, as->nemit + 1, sizeof *as->emit)) {
            as_oom(as);
            return;
        }
        as->emit[as->nemit++] = (struct emitted){.addr = addr, .word = w};
    }
}

/* As written: offset(reg) is one operand holding a register and the immediate. */
static int expected_operands(enum isa_form form)
{
    return isa_form_nregs(form) + (isa_form_has_imm(form) ? 1 : 0) - (form == FORM_MEM ? 1 : 0);
}

void insn_assemble(struct as *as, struct tokens *t, size_t i, int op)
{
    const struct isa_insn *in = &isa_insns[op];
    const char *name = in->mnem;
    struct insn_req rq = {.op = (enum op)op, .at = tok_loc(t, i), .name = name};
    rq.imm = (struct value){.sect = SECT_ABS, .known = true};
    rq.imm_at = rq.at;
    bool ok = split_operands(as, t, i + 1);
    int want = expected_operands(in->form);
    if (ok && as->nops != (size_t)want) {
        char syn[80];
        form_syntax((enum op)op, syn, sizeof syn);
        if (want == 0)
            as_error(as, rq.at, "'%s' takes no operands, but %zu %s given", name, as->nops, as->nops == 1 ? "was" : "were");
        else
            as_error(as, rq.at, "'%s' takes %d operand%s (%s), but %zu %s given", name, want, want == 1 ? "" : "s", syn,
                     as->nops, as->nops == 1 ? "was" : "were");
        ok = false;
    }
    const struct operand *o = as->ops;
    int nregs = isa_form_nregs(in->form);
    /* Which operand holds the immediate, and which the registers. */
    int immpos = -1, regpos[3] = {0, 1, 2};
    switch (in->form) {
    case FORM_RRI: case FORM_BR: immpos = 2; break;
    case FORM_RI: case FORM_J: immpos = 1; break;
    case FORM_IR: immpos = 0, regpos[0] = 1; break;
    case FORM_MEM: immpos = 1; break;
    default: break;
    }
    for (int k = 0; ok && k < nregs && !(in->form == FORM_MEM && k == 1); k++) {
        int r = operand_reg(as, t, &o[regpos[k]], regpos[k] + 1, name);
        if (r < 0)
            ok = false;
        else
            rq.r[k] = (uint8_t)r;
    }
    if (ok && in->form == FORM_MEM) {
        int r;
        ok = operand_mem(as, t, &o[1], 2, name, &rq.imm, &rq.imm_at, &r);
        rq.r[1] = (uint8_t)(r < 0 ? 0 : r);
    } else if (ok && immpos >= 0) {
        rq.imm_at = o[immpos].loc;
        if (in->imm == IMM_CR || in->imm == IMM_PORT)
            ok = operand_named(as, t, &o[immpos], immpos + 1, name, in->imm, &rq.imm);
        else
            ok = operand_value(as, t, &o[immpos], immpos + 1, name, &rq.imm);
    }
    if (!ok) {
        /* Keep the layout: the instruction is still one word. */
        emit(as, NULL, 4, 0, rq.at);
        return;
    }
    insn_emit(as, &rq);
}
