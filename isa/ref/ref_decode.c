/*
 * ref_decode.c - docs/isa.md section 3: taking a word apart.
 *
 *    31      24 23  20 19  16 15  12 11                       0
 *   +----------+------+------+------+--------------------------+
 *   |  opcode  |  ra  |  rb  |  rc  |      0 (must be zero)    |  R
 *   |  opcode  |  ra  |  rb  |          imm16                  |  I
 *   |  opcode  |  ra  |               imm20                    |  J
 *
 * A word is illegal if its opcode is unknown, if a field its instruction
 * does not use is not zero, if a shift amount is above 31, or if a control
 * register number is above 7.  Which fields an instruction uses follows
 * from its operands in the instruction table: registers fill ra, rb, rc in
 * the order they are written, and the immediate (if any) is imm16, or
 * imm20 for jal.
 */
#include "ref_impl.h"

/* Opcode byte -> row of the instruction table, plus one (0: no such
 * opcode).  Built from the table itself, so it is not a second list. */
static const uint8_t row_of_opcode[256] = {
#define X(name, mnem, code, form, imm, dst, sens, pg, x86) [code] = OP_##name + 1,
    ISA_INSTRUCTIONS(X)
#undef X
};

static uint32_t sign_extend(uint32_t v, unsigned bits)
{
    uint32_t sign = 1u << (bits - 1);
    return (v ^ sign) - sign;
}

/* The bits of each field. */
enum {
    F_RA = 0xfu << 20,
    F_RB = 0xfu << 16,
    F_RC = 0xfu << 12,
    F_IMM16 = 0xffffu,
    F_IMM20 = 0xfffffu,
};

/* The fields an operand syntax uses. */
static uint32_t fields_used(enum isa_form form)
{
    switch (form) {
    case FORM_NONE: return 0;                           /* syscall */
    case FORM_R: return F_RA;                           /* halt ra */
    case FORM_RRR: return F_RA | F_RB | F_RC;           /* add ra, rb, rc */
    case FORM_RRI: return F_RA | F_RB | F_IMM16;        /* addi ra, rb, imm */
    case FORM_RI: return F_RA | F_IMM16;                /* lui ra, imm */
    case FORM_IR: return F_RA | F_IMM16;                /* out imm, ra */
    case FORM_MEM: return F_RA | F_RB | F_IMM16;        /* lw ra, imm(rb) */
    case FORM_BR: return F_RA | F_RB | F_IMM16;         /* beq ra, rb, target */
    case FORM_J: return F_RA | F_IMM20;                 /* jal ra, target */
    }
    return 0;
}

bool ref_decode(uint32_t word, struct ref_insn *d)
{
    unsigned row = row_of_opcode[word >> 24];
    if (row == 0)
        return false; /* unknown opcode */
    d->op = (enum op)(row - 1);
    const struct isa_insn *in = &isa_insns[d->op];
    uint32_t used = fields_used(in->form);
    if (word & 0x00ffffffu & ~used)
        return false; /* a field the instruction does not use is not zero */

    /* the register fields, in order; an immediate's bits are not one
     * (imm16 covers rc's, imm20 rb's and rc's) */
    unsigned nregs = in->form == FORM_RRR ? 3
                     : in->form == FORM_RRI || in->form == FORM_MEM || in->form == FORM_BR ? 2
                     : in->form == FORM_NONE ? 0
                                             : 1;
    d->ra = nregs >= 1 ? (word >> 20) & 0xf : 0;
    d->rb = nregs >= 2 ? (word >> 16) & 0xf : 0;
    d->rc = nregs >= 3 ? (word >> 12) & 0xf : 0;
    uint32_t imm16 = word & F_IMM16, imm20 = word & F_IMM20;
    d->imm = 0;
    switch (in->imm) {
    case IMM_NONE: break;
    case IMM_S16: d->imm = sign_extend(imm16, 16); break;
    case IMM_U16: d->imm = imm16; break;
    case IMM_U5:
        if (imm16 > 31)
            return false; /* a shift amount above 31 */
        d->imm = imm16;
        break;
    case IMM_PC16: d->imm = sign_extend(imm16, 16) * 4; break; /* words -> bytes */
    case IMM_PC20: d->imm = sign_extend(imm20, 20) * 4; break;
    case IMM_CR:
        if (imm16 >= NCRS)
            return false; /* a control register above 7 */
        d->imm = imm16;
        break;
    case IMM_PORT: d->imm = imm16; break;
    }
    return true;
}

const char *ref_mnemonic(uint32_t word)
{
    struct ref_insn d;
    return ref_decode(word, &d) ? isa_insns[d.op].mnem : NULL;
}
