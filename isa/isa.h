/*
 * isa.h - the instruction set as data: the table of isa/instructions.h
 * expanded into an enum and an array, plus encode, decode and the
 * Popek-Goldberg classification of each instruction in each ISA variant.
 */
#ifndef VMLAB_ISA_H
#define VMLAB_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "instructions.h"

/* Operand syntax.  Register operands fill ra, rb, rc in written order. */
enum isa_form {
    FORM_NONE, /* mnemonic                 */
    FORM_R,    /* mnemonic ra              */
    FORM_RRR,  /* mnemonic ra, rb, rc      */
    FORM_RRI,  /* mnemonic ra, rb, imm     */
    FORM_RI,   /* mnemonic ra, imm         */
    FORM_IR,   /* mnemonic imm, ra         */
    FORM_MEM,  /* mnemonic ra, imm(rb)     */
    FORM_BR,   /* mnemonic ra, rb, target  */
    FORM_J,    /* mnemonic ra, target      */
};

/* What the immediate field holds and its range. */
enum isa_imm {
    IMM_NONE,
    IMM_S16,  /* signed 16-bit, -32768..32767, sign-extended */
    IMM_U16,  /* unsigned 16-bit, 0..65535, zero-extended */
    IMM_U5,   /* shift amount 0..31 */
    IMM_PC16, /* branch target: signed 16-bit word offset from this PC */
    IMM_PC20, /* jump target: signed 20-bit word offset from this PC */
    IMM_CR,   /* control register number (0..NCRS-1) */
    IMM_PORT, /* I/O port number 0..65535 */
};

/* Popek-Goldberg sensitivity of an instruction's effect. */
enum isa_sens { SENS_NONE, SENS_CONTROL, SENS_BEHAV, SENS_BOTH };

/* The two ISA variants a machine can be made with. */
enum isa_variant { ISA_PG, ISA_X86LIKE, ISA_NVARIANTS };

/* The class an instruction has in a given variant. */
enum isa_class {
    CLASS_INNOCUOUS,  /* not sensitive: runs directly under a VMM */
    CLASS_PRIVILEGED, /* sensitive and traps in user mode: the VMM emulates it */
    CLASS_CONTROL,    /* control-sensitive yet does not trap: breaks trap-and-emulate */
    CLASS_BEHAVIOUR,  /* behaviour-sensitive yet does not trap: breaks trap-and-emulate */
};

enum op {
#define X(name, mnem, code, form, imm, dst, sens, pg, x86) OP_##name,
    ISA_INSTRUCTIONS(X)
#undef X
    OP_COUNT
};

struct isa_insn {
    const char *mnem;
    uint8_t code;
    enum isa_form form;
    enum isa_imm imm;
    bool dst;                              /* ra is written */
    enum isa_sens sens;
    bool traps_in_user[ISA_NVARIANTS];     /* privileged in this variant */
};

extern const struct isa_insn isa_insns[OP_COUNT];

/* A decoded instruction: which row of the table and its fields. */
struct isa_fields {
    enum op op;
    uint8_t ra, rb, rc;
    int32_t imm; /* sign- or zero-extended per the imm kind; PC kinds in bytes */
};

/* Decode a word.  Returns false for an illegal instruction: an unknown
 * opcode, a nonzero unused field, or a control-register number that does
 * not exist. */
bool isa_decode(uint32_t word, struct isa_fields *out);

/* Encode; the caller has checked ranges with isa_imm_fits().  PC kinds take
 * the byte offset (a multiple of 4). */
uint32_t isa_encode(const struct isa_fields *f);

/* Does value v fit the immediate kind?  For PC kinds v is a byte offset. */
bool isa_imm_fits(enum isa_imm kind, int64_t v);
/* "-32768..32767" and the like, for error messages. */
const char *isa_imm_range(enum isa_imm kind);

/* Which registers the form uses: 0..3 of ra, rb, rc. */
int isa_form_nregs(enum isa_form form);
bool isa_form_has_imm(enum isa_form form);

/* Class of an instruction in a variant, derived from sens and privilege. */
enum isa_class isa_class(enum op op, enum isa_variant v);
const char *isa_class_name(enum isa_class c);
const char *isa_sens_name(enum isa_sens s);
bool isa_variant_parse(const char *name, enum isa_variant *out);
const char *isa_variant_name(enum isa_variant v);

/* Lookup by mnemonic (exact); -1 if none. */
int isa_find_mnemonic(const char *mnem);

/* Names of architectural things, from the tables in arch.h. */
const char *isa_reg_name(unsigned r);       /* "r5" */
const char *isa_reg_abi_name(unsigned r);   /* "t0" */
int isa_find_reg(const char *name);         /* accepts r5 and t0; -1 */
const char *isa_cr_name(unsigned cr);       /* NULL if none */
int isa_find_cr(const char *name);
const char *isa_cause_name(uint32_t cause); /* by code; "unknown" if none */
const char *isa_cause_desc(uint32_t cause);
/* status's bits by name, "S PIE PG"; "" when none is set. */
void isa_status_bits(uint32_t sr, char *buf, size_t len);
const char *isa_port_name(unsigned port);   /* NULL if none */
int isa_find_port(const char *name);

#endif
