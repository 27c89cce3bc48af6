/*
 * isa.c - the instruction table as data, and the encoder and decoder that
 * every tool shares.
 */
#include "isa.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const struct isa_insn isa_insns[OP_COUNT] = {
#define X(name, mnem_, code_, form_, imm_, dst_, sens_, pg_, x86_)              \
    [OP_##name] = {.mnem = mnem_,                                               \
                   .code = code_,                                               \
                   .form = FORM_##form_,                                        \
                   .imm = IMM_##imm_,                                           \
                   .dst = dst_,                                                 \
                   .sens = SENS_##sens_,                                        \
                   .traps_in_user = {[ISA_PG] = pg_, [ISA_X86LIKE] = x86_}},
    ISA_INSTRUCTIONS(X)
#undef X
};

/* Opcode byte -> OP_x + 1 (0: no such opcode).  A duplicated opcode in the
 * table is a duplicate designated initializer, which -Werror=override-init
 * (part of -Wextra) turns into a compile error. */
static const uint8_t op_by_code[256] = {
#define X(name, mnem, code, form, imm, dst, sens, pg, x86) [code] = OP_##name + 1,
    ISA_INSTRUCTIONS(X)
#undef X
};
_Static_assert(OP_COUNT < 255, "opcode map holds op + 1 in a byte");

int isa_form_nregs(enum isa_form form)
{
    switch (form) {
    case FORM_NONE: return 0;
    case FORM_R: case FORM_RI: case FORM_IR: case FORM_J: return 1;
    case FORM_MEM: case FORM_BR: case FORM_RRI: return 2;
    case FORM_RRR: return 3;
    }
    return 0;
}

bool isa_form_has_imm(enum isa_form form)
{
    return form != FORM_NONE && form != FORM_R && form != FORM_RRR;
}

/* Field layout of each form: R-type uses rc and must have the low 12 bits
 * zero; J-type has a 20-bit immediate; everything else is I-type. */
static bool is_rtype(enum isa_form f) { return f == FORM_RRR; }
static bool is_jtype(enum isa_form f) { return f == FORM_J; }

static int32_t sext(uint32_t v, int bits)
{
    uint32_t m = 1u << (bits - 1);
    v &= (1u << bits) - 1;
    return (int32_t)((v ^ m) - m);
}

bool isa_decode(uint32_t w, struct isa_fields *out)
{
    unsigned idx = op_by_code[w >> 24];
    if (idx == 0)
        return false;
    enum op op = (enum op)(idx - 1);
    const struct isa_insn *in = &isa_insns[op];
    struct isa_fields f = {.op = op};
    int nregs = isa_form_nregs(in->form);
    uint32_t ra = (w >> 20) & 15, rb = (w >> 16) & 15, rc = (w >> 12) & 15;
    uint32_t rest; /* bits that carry nothing for this form: must be 0 */

    if (is_jtype(in->form)) {
        f.ra = (uint8_t)ra;
        f.imm = sext(w, 20) * 4;
        rest = 0;
    } else if (is_rtype(in->form)) {
        f.ra = (uint8_t)ra, f.rb = (uint8_t)rb, f.rc = (uint8_t)rc;
        rest = w & 0xfffu;
    } else {
        uint32_t u = w & 0xffffu;
        f.ra = (uint8_t)(nregs >= 1 ? ra : 0);
        f.rb = (uint8_t)(nregs >= 2 ? rb : 0);
        rest = (nregs < 1 ? ra : 0) | (nregs < 2 ? rb : 0);
        switch (in->imm) {
        case IMM_NONE: rest |= u; break;
        case IMM_S16: f.imm = sext(u, 16); break;
        case IMM_U16: case IMM_PORT: f.imm = (int32_t)u; break;
        case IMM_U5: f.imm = (int32_t)(u & 31); rest |= u & ~31u; break;
        case IMM_PC16: f.imm = sext(u, 16) * 4; break;
        case IMM_CR:
            if (u >= NCRS)
                return false;
            f.imm = (int32_t)u;
            break;
        case IMM_PC20: return false; /* only J-type has a 20-bit field */
        }
    }
    if (rest != 0)
        return false;
    *out = f;
    return true;
}

uint32_t isa_encode(const struct isa_fields *f)
{
    const struct isa_insn *in = &isa_insns[f->op];
    uint32_t w = (uint32_t)in->code << 24;
    uint32_t imm = (uint32_t)f->imm;

    w |= (uint32_t)(f->ra & 15) << 20;
    if (is_jtype(in->form))
        return w | ((imm >> 2) & 0xfffffu);
    w |= (uint32_t)(f->rb & 15) << 16;
    if (is_rtype(in->form))
        return w | (uint32_t)(f->rc & 15) << 12;
    if (in->imm == IMM_PC16)
        imm >>= 2;
    return w | (imm & 0xffffu);
}

/* Branch and jump reach in words, from the field widths: the one place
 * these ranges are written. */
#define PC16_MAX_WORDS ((1 << 15) - 1)
#define PC20_MAX_WORDS ((1 << 19) - 1)

bool isa_imm_fits(enum isa_imm kind, int64_t v)
{
    switch (kind) {
    case IMM_NONE: return v == 0;
    case IMM_S16: return v >= -32768 && v <= 32767;
    case IMM_U16: case IMM_PORT: return v >= 0 && v <= 65535;
    case IMM_U5: return v >= 0 && v <= 31;
    case IMM_PC16: return (v & 3) == 0 && v >= -(PC16_MAX_WORDS + 1) * 4 && v <= PC16_MAX_WORDS * 4;
    case IMM_PC20: return (v & 3) == 0 && v >= -(PC20_MAX_WORDS + 1) * 4 && v <= PC20_MAX_WORDS * 4;
    case IMM_CR: return v >= 0 && v < NCRS;
    }
    return false;
}

const char *isa_imm_range(enum isa_imm kind)
{
    static char pc16[80], pc20[80], cr[40];
    switch (kind) {
    case IMM_NONE: return "none";
    case IMM_S16: return "-32768..32767";
    case IMM_U16: case IMM_PORT: return "0..65535";
    case IMM_U5: return "0..31";
    case IMM_PC16:
        snprintf(pc16, sizeof pc16, "%d..%d bytes from the instruction, a multiple of 4",
                 -(PC16_MAX_WORDS + 1) * 4, PC16_MAX_WORDS * 4);
        return pc16;
    case IMM_PC20:
        snprintf(pc20, sizeof pc20, "%d..%d bytes from the instruction, a multiple of 4",
                 -(PC20_MAX_WORDS + 1) * 4, PC20_MAX_WORDS * 4);
        return pc20;
    case IMM_CR:
        snprintf(cr, sizeof cr, "a control register 0..%d", NCRS - 1);
        return cr;
    }
    return "?";
}

enum isa_class isa_class(enum op op, enum isa_variant v)
{
    const struct isa_insn *in = &isa_insns[op];
    if (in->sens == SENS_NONE)
        return CLASS_INNOCUOUS;
    if (in->traps_in_user[v])
        return CLASS_PRIVILEGED;
    /* Sensitive and unprivileged.  An instruction that is both kinds is
     * listed as control-sensitive: that is the more dangerous half. */
    return in->sens == SENS_BEHAV ? CLASS_BEHAVIOUR : CLASS_CONTROL;
}

const char *isa_class_name(enum isa_class c)
{
    static const char *names[] = {
        [CLASS_INNOCUOUS] = "innocuous",
        [CLASS_PRIVILEGED] = "privileged",
        [CLASS_CONTROL] = "control-sensitive",
        [CLASS_BEHAVIOUR] = "behaviour-sensitive",
    };
    return names[c];
}

const char *isa_sens_name(enum isa_sens s)
{
    static const char *names[] = {
        [SENS_NONE] = "none",
        [SENS_CONTROL] = "control",
        [SENS_BEHAV] = "behaviour",
        [SENS_BOTH] = "control+behaviour",
    };
    return names[s];
}

static const char *const variant_names[ISA_NVARIANTS] = {
    [ISA_PG] = "pg",
    [ISA_X86LIKE] = "x86like",
};

bool isa_variant_parse(const char *name, enum isa_variant *out)
{
    for (int v = 0; v < ISA_NVARIANTS; v++)
        if (strcmp(name, variant_names[v]) == 0) {
            *out = (enum isa_variant)v;
            return true;
        }
    return false;
}

const char *isa_variant_name(enum isa_variant v) { return variant_names[v]; }

int isa_find_mnemonic(const char *mnem)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (strcmp(isa_insns[i].mnem, mnem) == 0)
            return i;
    return -1;
}

static const char *const reg_names[NREGS] = {
#define X(n, name, abi, role) [n] = name,
    ISA_REGISTERS(X)
#undef X
};
static const char *const reg_abi[NREGS] = {
#define X(n, name, abi, role) [n] = abi,
    ISA_REGISTERS(X)
#undef X
};

const char *isa_reg_name(unsigned r) { return r < NREGS ? reg_names[r] : "r?"; }
const char *isa_reg_abi_name(unsigned r) { return r < NREGS ? reg_abi[r] : "r?"; }

int isa_find_reg(const char *name)
{
    for (int i = 0; i < NREGS; i++)
        if (strcmp(name, reg_names[i]) == 0 || strcmp(name, reg_abi[i]) == 0)
            return i;
#define X(n, alias)                                                            \
    if (strcmp(name, alias) == 0)                                              \
        return n;
    ISA_REGISTER_ALIASES(X)
#undef X
    return -1;
}

static const char *const cr_names[NCRS] = {
#define X(NAME, num, name, desc) [num] = name,
    ISA_CONTROL_REGISTERS(X)
#undef X
};

const char *isa_cr_name(unsigned cr) { return cr < NCRS ? cr_names[cr] : NULL; }

int isa_find_cr(const char *name)
{
    for (int i = 0; i < NCRS; i++)
        if (strcmp(name, cr_names[i]) == 0)
            return i;
    return -1;
}

struct named { unsigned code; const char *name, *desc; };

static const struct named causes[] = {
#define X(NAME, code, name, desc) {code, name, desc},
    ISA_CAUSES(X)
#undef X
};

static const struct named *find_cause(uint32_t cause)
{
    for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
        if (causes[i].code == CAUSE_CODE(cause))
            return &causes[i];
    return NULL;
}

const char *isa_cause_name(uint32_t cause)
{
    const struct named *c = find_cause(cause);
    return c ? c->name : "unknown";
}

const char *isa_cause_desc(uint32_t cause)
{
    const struct named *c = find_cause(cause);
    return c ? c->desc : "unknown cause";
}

void isa_status_bits(uint32_t sr, char *buf, size_t len)
{
    size_t k = 0;
    if (len)
        buf[0] = '\0';
#define X(NAME, bit, name, desc)                                                                                   \
    if ((sr & SR_##NAME) && k + sizeof name + 1 <= len)                                                          \
        k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? " " : "", name);
    ISA_STATUS_BITS(X)
#undef X
}

static const struct named ports[] = {
#define X(NAME, port, name, rw, desc) {port, name, desc},
    ISA_PORTS(X)
#undef X
};

const char *isa_port_name(unsigned port)
{
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (ports[i].code == port)
            return ports[i].name;
    return NULL;
}

int isa_find_port(const char *name)
{
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (strcmp(ports[i].name, name) == 0)
            return (int)ports[i].code;
    return -1;
}
