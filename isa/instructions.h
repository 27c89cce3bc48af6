/*
 * instructions.h - THE instruction table of the vmlab machine.
 *
 * Every instruction is defined here exactly once.  The CPU's decoder, the
 * assembler, the disassembler, the documentation generator and the
 * Popek-Goldberg analyzer all expand this list; no other file may spell out
 * an opcode.  Add an instruction by adding one line, then give it semantics
 * in isa/cpu_exec.c and a test in tests/ (a test walks this table and fails
 * for any row without one).
 *
 * Every instruction is one 32-bit little-endian word; the opcode is the top
 * byte, so a hex dump shows it at a glance.  Three encodings:
 *
 *    31      24 23  20 19  16 15  12 11                       0
 *   +----------+------+------+------+--------------------------+
 *   |  opcode  |  ra  |  rb  |  rc  |      0 (must be zero)    |  R
 *   +----------+------+------+------+--------------------------+
 *   |  opcode  |  ra  |  rb  |          imm16                  |  I
 *   +----------+------+------+---------------------------------+
 *   |  opcode  |  ra  |               imm20                    |  J
 *   +----------+------+----------------------------------------+
 *
 * Register operands fill ra, rb, rc in the order they are written in
 * assembly; a field an instruction does not use must be zero, otherwise the
 * word is an illegal instruction (so every legal word has exactly one
 * spelling, and the disassembler's output re-assembles to the same bytes).
 *
 * Columns:
 *   name      C identifier suffix (OP_ADD ...)
 *   mnem      assembler mnemonic
 *   code      opcode byte
 *   form      operand syntax, see enum isa_form in isa.h
 *   imm       kind of immediate, see enum isa_imm in isa.h
 *   dst       1 if the first register operand (ra) is written
 *   sens      Popek-Goldberg sensitivity of what the instruction does:
 *               NONE, CONTROL (changes the machine's configuration),
 *               BEHAV (result depends on the configuration),
 *               BOTH
 *   pg        1 if it traps in user mode in the pg variant
 *   x86       1 if it traps in user mode in the x86like variant
 */
#ifndef VMLAB_INSTRUCTIONS_H
#define VMLAB_INSTRUCTIONS_H

/* X(name, mnem, code, form, imm, dst, sens, pg, x86) */
#define ISA_INSTRUCTIONS(X)                                                      \
    /* integer register-register */                                              \
    X(ADD,    "add",    0x01, RRR, NONE, 1, NONE,    0, 0)                        \
    X(SUB,    "sub",    0x02, RRR, NONE, 1, NONE,    0, 0)                        \
    X(AND,    "and",    0x03, RRR, NONE, 1, NONE,    0, 0)                        \
    X(OR,     "or",     0x04, RRR, NONE, 1, NONE,    0, 0)                        \
    X(XOR,    "xor",    0x05, RRR, NONE, 1, NONE,    0, 0)                        \
    X(SLL,    "sll",    0x06, RRR, NONE, 1, NONE,    0, 0)                        \
    X(SRL,    "srl",    0x07, RRR, NONE, 1, NONE,    0, 0)                        \
    X(SRA,    "sra",    0x08, RRR, NONE, 1, NONE,    0, 0)                        \
    X(SLT,    "slt",    0x09, RRR, NONE, 1, NONE,    0, 0)                        \
    X(SLTU,   "sltu",   0x0a, RRR, NONE, 1, NONE,    0, 0)                        \
    X(MUL,    "mul",    0x0b, RRR, NONE, 1, NONE,    0, 0)                        \
    X(MULH,   "mulh",   0x0c, RRR, NONE, 1, NONE,    0, 0)                        \
    X(MULHU,  "mulhu",  0x0d, RRR, NONE, 1, NONE,    0, 0)                        \
    X(DIV,    "div",    0x0e, RRR, NONE, 1, NONE,    0, 0)                        \
    X(DIVU,   "divu",   0x0f, RRR, NONE, 1, NONE,    0, 0)                        \
    X(REM,    "rem",    0x10, RRR, NONE, 1, NONE,    0, 0)                        \
    X(REMU,   "remu",   0x11, RRR, NONE, 1, NONE,    0, 0)                        \
    /* integer register-immediate */                                             \
    X(ADDI,   "addi",   0x20, RRI, S16,  1, NONE,    0, 0)                        \
    X(ANDI,   "andi",   0x21, RRI, U16,  1, NONE,    0, 0)                        \
    X(ORI,    "ori",    0x22, RRI, U16,  1, NONE,    0, 0)                        \
    X(XORI,   "xori",   0x23, RRI, U16,  1, NONE,    0, 0)                        \
    X(SLLI,   "slli",   0x24, RRI, U5,   1, NONE,    0, 0)                        \
    X(SRLI,   "srli",   0x25, RRI, U5,   1, NONE,    0, 0)                        \
    X(SRAI,   "srai",   0x26, RRI, U5,   1, NONE,    0, 0)                        \
    X(SLTI,   "slti",   0x27, RRI, S16,  1, NONE,    0, 0)                        \
    X(SLTIU,  "sltiu",  0x28, RRI, S16,  1, NONE,    0, 0)                        \
    X(LUI,    "lui",    0x29, RI,  U16,  1, NONE,    0, 0)                        \
    /* loads and stores: address = rb + imm */                                   \
    X(LW,     "lw",     0x30, MEM, S16,  1, NONE,    0, 0)                        \
    X(LH,     "lh",     0x31, MEM, S16,  1, NONE,    0, 0)                        \
    X(LHU,    "lhu",    0x32, MEM, S16,  1, NONE,    0, 0)                        \
    X(LB,     "lb",     0x33, MEM, S16,  1, NONE,    0, 0)                        \
    X(LBU,    "lbu",    0x34, MEM, S16,  1, NONE,    0, 0)                        \
    X(SW,     "sw",     0x38, MEM, S16,  0, NONE,    0, 0)                        \
    X(SH,     "sh",     0x39, MEM, S16,  0, NONE,    0, 0)                        \
    X(SB,     "sb",     0x3a, MEM, S16,  0, NONE,    0, 0)                        \
    /* control transfer: targets are relative to the instruction's own PC */     \
    X(BEQ,    "beq",    0x40, BR,  PC16, 0, NONE,    0, 0)                        \
    X(BNE,    "bne",    0x41, BR,  PC16, 0, NONE,    0, 0)                        \
    X(BLT,    "blt",    0x42, BR,  PC16, 0, NONE,    0, 0)                        \
    X(BGE,    "bge",    0x43, BR,  PC16, 0, NONE,    0, 0)                        \
    X(BLTU,   "bltu",   0x44, BR,  PC16, 0, NONE,    0, 0)                        \
    X(BGEU,   "bgeu",   0x45, BR,  PC16, 0, NONE,    0, 0)                        \
    X(JAL,    "jal",    0x48, J,   PC20, 1, NONE,    0, 0)                        \
    X(JALR,   "jalr",   0x49, MEM, S16,  1, NONE,    0, 0)                        \
    /* deliberate traps: always trap, in every mode, so never a problem */      \
    X(SYSCALL, "syscall", 0x50, NONE, NONE, 0, NONE, 0, 0)                        \
    X(BREAK,  "break",  0x51, NONE, NONE, 0, NONE,   0, 0)                        \
    X(HCALL,  "hcall",  0x52, RI,  U16,  1, NONE,    0, 0)  /* a hypercall */    \
    /* system: privileged in both variants */                                    \
    X(HALT,   "halt",   0x60, R,   NONE, 0, CONTROL, 1, 1)                        \
    X(WFI,    "wfi",    0x61, NONE, NONE, 0, CONTROL, 1, 1)                       \
    X(RFE,    "rfe",    0x62, NONE, NONE, 0, CONTROL, 1, 1)                       \
    X(MFCR,   "mfcr",   0x63, RI,  CR,   1, BEHAV,   1, 1)                        \
    X(MTCR,   "mtcr",   0x64, IR,  CR,   0, CONTROL, 1, 1)                        \
    X(TLBFLUSH,  "tlbflush",  0x65, NONE, NONE, 0, CONTROL, 1, 1)                 \
    X(TLBFLUSHV, "tlbflushv", 0x66, R, NONE, 0, CONTROL, 1, 1)                    \
    X(IN,     "in",     0x67, RI,  PORT, 1, BOTH,    1, 1)                        \
    X(OUT,    "out",    0x68, IR,  PORT, 0, CONTROL, 1, 1)                        \
    /* system: privileged in pg, NOT in x86like (the x86 problem) */             \
    X(RDSR,   "rdsr",   0x70, R,   NONE, 1, BEHAV,   1, 0)  /* PUSHF, SMSW */     \
    X(WRSR,   "wrsr",   0x71, R,   NONE, 0, BOTH,    1, 0)  /* POPF */            \
    X(RDPTB,  "rdptb",  0x72, R,   NONE, 1, BEHAV,   1, 0)  /* SGDT, SIDT */

#endif
