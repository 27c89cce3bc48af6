/*
 * test_insn.c - every instruction of the table does what docs/isa.md
 * (sections 3, 4, 5 and 10) says, in the four configurations
 * {pg, x86like} x {supervisor, user}.
 *
 * The style is riscv-tests': many one-line cases.  Each case puts a few
 * words at CODE, sets the registers, starts in the configuration's mode
 * and runs until the code's final `syscall` traps into the rig's handler
 * (`halt r0` at HANDLER).  Checking that the trap was a syscall at the
 * expected address shows that the code ran to its end; then the whole
 * register file is compared with what the manual predicts, computed here
 * by plain host-side C, never by reading back the simulator.
 *
 * The last suite, "coverage", walks the instruction table and fails for
 * any row that no test marked with covered().
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broken_rule.h"
#include "insn_check.h"

#define DATA 0x40000u /* loads and stores use DATA - 32 KiB .. DATA + 32 KiB */
#define AREA_LO (DATA - 0x8000u)
#define AREA_LEN 0x10000u
#define BUDGET 10000

static uint64_t instret0, cycles0;

/* ------------------------------------------------------------------ bench */

static struct rig *rigs[NCONFS];

static void rigs_new(void)
{
    for (int i = 0; i < NCONFS; i++)
        rigs[i] = rig_new(confs[i].v, false);
}

static void rigs_free(void)
{
    for (int i = 0; i < NCONFS; i++) {
        rig_free(rigs[i]);
        rigs[i] = NULL;
    }
}

/* Distinct recognisable register contents, so a stray write shows. */
static void regs_pattern(uint32_t regs[NREGS])
{
    regs[0] = 0;
    for (unsigned i = 1; i < NREGS; i++)
        regs[i] = 0x0a0b0c00u + i * 0x01010101u;
}

/* Put instruction words at a physical address. */
#define CODE_AT(r, pa, ...) RIG_PUT((r), (pa), __VA_ARGS__)

/* Start at pc with registers regs[1..15] in the given status, sentinels
 * in epc/cause/badaddr (so a trap that forgets to write them shows), and
 * run until the machine stops. */
static enum exit_reason go_status(struct rig *r, uint32_t status, uint32_t pc, const uint32_t regs[NREGS])
{
    for (unsigned i = 1; i < NREGS; i++)
        REG(r, i) = regs[i];
    CPU(r)->pc = pc;
    machine_set_cr(r->m, CR_STATUS, status);
    machine_set_cr(r->m, CR_EPC, 0xe0e0e0e0u);
    machine_set_cr(r->m, CR_CAUSE, 0xc0c0c0c0u);
    machine_set_cr(r->m, CR_BADADDR, 0xbabababau);
    instret0 = CPU(r)->instret;
    cycles0 = CPU(r)->cycles;
    return rig_run(r, BUDGET);
}

static enum exit_reason go(struct rig *r, const struct conf *c, uint32_t pc, const uint32_t regs[NREGS])
{
    return go_status(r, c->user ? 0 : SR_S, pc, regs);
}

/* What a trap from status `from` leaves in status (docs/isa.md section 6). */
static uint32_t status_after_trap(uint32_t from)
{
    return (from & SR_PG) | SR_S | (from & SR_S ? SR_PS : 0) | (from & SR_IE ? SR_PIE : 0);
}

/* The run ended because a trap of `cause` at epc reached the handler's
 * halt, from status `from`, after `retired` instructions had retired. */
static void ended_by(struct rig *r, enum exit_reason why, uint32_t cause, uint32_t epc, uint32_t badaddr,
                     uint32_t from, unsigned retired)
{
    CHECK_RULE(why, EXIT_HALT, "the code did not end in the trap handler's halt (exit reason)");
    CHECK_CAUSE(CRV(r, CR_CAUSE), cause, "the trap that ended the code has the wrong cause");
    CHECK_RULE(CRV(r, CR_EPC), epc, "the trap saved the wrong epc");
    CHECK_RULE(CRV(r, CR_BADADDR), badaddr, "the trap saved the wrong badaddr");
    CHECK_STATUS_AFTER_TRAP(CRV(r, CR_STATUS), status_after_trap(from));
    CHECK_RULE(CPU(r)->instret - instret0, retired + 1, /* + the handler's halt */
               "the wrong number of instructions retired (one that traps does not retire)");
}

static void ended_by_syscall(struct rig *r, const struct conf *c, enum exit_reason why, uint32_t epc, unsigned retired)
{
    ended_by(r, why, CAUSE_SYSCALL, epc, 0, c->user ? 0 : SR_S, retired);
}

/* The register file is exactly want[] (r0 included: it reads as zero). */
static void regs_are(struct rig *r, const uint32_t want[NREGS])
{
    bool same = true;
    for (unsigned i = 0; i < NREGS; i++)
        if (REG(r, i) != want[i]) {
            same = false;
            char rule[100];
            snprintf(rule, sizeof rule, "%s is wrong after the code ran (%s)", isa_reg_name(i),
                     i ? "the manual's result, or untouched" : "r0 always reads 0");
            ck_rule(REG(r, i), want[i], rule, __FILE__, __LINE__);
        }
    if (same)
        CHECK(same);
}

/* Distinct registers from 1..15. */
static void pick_regs(unsigned *a, unsigned *b, unsigned *c)
{
    *a = 1 + rnd() % 15;
    do
        *b = 1 + rnd() % 15;
    while (*b == *a);
    if (c)
        do
            *c = 1 + rnd() % 15;
        while (*c == *a || *c == *b);
}

/* Edge operands for the integer instructions. */
static const uint32_t EDGE[] = {
    0,          1,          2,          3,          7,          31,         32,
    33,         63,         64,         0x7fff,     0x8000,     0xffff,     0x10000,
    0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffff9, 0xfffffffe, 0xffffffff,
    0xffff8000, 0x55555555, 0xaaaaaaaa, 0x12345678,
};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

/* ---------------------------------------------- host-side reference model */

static bool neg(uint32_t x) { return x >> 31; }
static uint32_t mag(uint32_t x) { return neg(x) ? 0u - x : x; }
static uint32_t sext16(uint32_t f) { return (f & 0x8000u) ? f | 0xffff0000u : f; }

/* R[rd] of a register-register instruction (docs/isa.md section 4), written
 * differently from the simulator on purpose; *divzero for a zero divisor. */
static uint32_t ref_rrr(enum op op, uint32_t a, uint32_t b, bool *divzero)
{
    uint32_t s = b & 31;
    *divzero = false;
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_AND: return a & b;
    case OP_OR: return a | b;
    case OP_XOR: return a ^ b;
    case OP_SLL: return a << s;
    case OP_SRL: return a >> s;
    case OP_SRA: return neg(a) ? ~(~a >> s) : a >> s;
    case OP_SLT: return (a ^ 0x80000000u) < (b ^ 0x80000000u);
    case OP_SLTU: return a < b;
    case OP_MUL: return (uint32_t)((uint64_t)a * b);
    case OP_MULHU: return (uint32_t)(((uint64_t)a * b) >> 32);
    case OP_MULH: {
        /* signed x signed = a*b - 2^32 (neg(a) b + neg(b) a)  (mod 2^64) */
        uint32_t hi = (uint32_t)(((uint64_t)a * b) >> 32);
        if (neg(a))
            hi -= b;
        if (neg(b))
            hi -= a;
        return hi;
    }
    case OP_DIVU:
    case OP_REMU:
    case OP_DIV:
    case OP_REM:
        if (b == 0) {
            *divzero = true;
            return 0;
        }
        if (op == OP_DIVU)
            return a / b;
        if (op == OP_REMU)
            return a % b;
        /* sign and magnitude: rounds toward zero, remainder takes the
         * dividend's sign; 0x80000000 / -1 falls out as 0x80000000 */
        if (op == OP_DIV)
            return neg(a) != neg(b) ? 0u - mag(a) / mag(b) : mag(a) / mag(b);
        return neg(a) ? 0u - mag(a) % mag(b) : mag(a) % mag(b);
    default: break;
    }
    CU_FAIL("ref_rrr: not a register-register op");
    return 0;
}

/* R[rd] of a register-immediate instruction, from the raw 16-bit field. */
static uint32_t ref_rri(enum op op, uint32_t a, uint32_t f)
{
    switch (op) {
    case OP_ADDI: return a + sext16(f);
    case OP_ANDI: return a & f;
    case OP_ORI: return a | f;
    case OP_XORI: return a ^ f;
    case OP_SLLI: return a << f;
    case OP_SRLI: return a >> f;
    case OP_SRAI: return neg(a) ? ~(~a >> f) : a >> f;
    case OP_SLTI: return (a ^ 0x80000000u) < (sext16(f) ^ 0x80000000u);
    case OP_SLTIU: return a < sext16(f);
    case OP_LUI: return f << 16;
    default: break;
    }
    CU_FAIL("ref_rri: not a register-immediate op");
    return 0;
}

/* The immediate as enc() takes it: signed for S16, the field for the rest. */
static int32_t imm_of(enum op op, uint32_t f)
{
    return isa_insns[op].imm == IMM_S16 ? (int32_t)sext16(f) : (int32_t)f;
}

static bool ref_branch(enum op op, uint32_t a, uint32_t b)
{
    bool lt = (a ^ 0x80000000u) < (b ^ 0x80000000u);
    switch (op) {
    case OP_BEQ: return a == b;
    case OP_BNE: return a != b;
    case OP_BLT: return lt;
    case OP_BGE: return !lt;
    case OP_BLTU: return a < b;
    case OP_BGEU: return !(a < b);
    default: break;
    }
    CU_FAIL("ref_branch: not a branch");
    return false;
}

/* docs/isa.md section 10: which instructions trap in user mode. */
static bool manual_traps_in_user(enum op op, enum isa_variant v)
{
    switch (op) {
    case OP_HALT: case OP_WFI: case OP_RFE: case OP_MFCR: case OP_MTCR:
    case OP_TLBFLUSH: case OP_TLBFLUSHV: case OP_IN: case OP_OUT:
        return true;
    case OP_RDSR: case OP_WRSR: case OP_RDPTB:
        return v == ISA_PG;
    default:
        return false;
    }
}

static const char *mn(enum op op) { return isa_insns[op].mnem; }

/* ------------------------------------------------ register-register ops */

static const enum op RRR_OPS[] = {OP_ADD, OP_SUB, OP_AND, OP_OR, OP_XOR, OP_SLL, OP_SRL, OP_SRA, OP_SLT,
                                  OP_SLTU, OP_MUL, OP_MULH, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU};
#define NRRR (sizeof RRR_OPS / sizeof RRR_OPS[0])

/* One case: op rd, rs1, rs2 with R[rs1] = a, R[rs2] = b (a == b when the
 * registers are the same); want is R[rd] afterwards, or a div-zero trap. */
static void rrr_case(struct rig *r, const struct conf *c, enum op op, unsigned rd, unsigned rs1, unsigned rs2,
                     uint32_t a, uint32_t b, uint32_t want, bool divzero)
{
    uint32_t regs[NREGS], exp[NREGS];
    regs_pattern(regs);
    regs[rs1] = a;
    regs[rs2] = b;
    if (rs1 == 0)
        a = 0;
    ctx("%s: %s r%u, r%u, r%u with 0x%08x, 0x%08x", c->name, mn(op), rd, rs1, rs2, a, b);
    CODE_AT(r, CODE, enc(op, rd, rs1, rs2, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
    enum exit_reason why = go(r, c, CODE, regs);
    memcpy(exp, regs, sizeof exp);
    if (divzero) {
        ended_by(r, why, CAUSE_DIV_ZERO, CODE, 0, c->user ? 0 : SR_S, 0);
    } else {
        ended_by_syscall(r, c, why, CODE + 4, 1);
        exp[rd] = want;
    }
    exp[0] = 0;
    regs_are(r, exp);
}

/* Hand-computed from the manual's section 4, one line per case. */
static const struct {
    enum op op;
    uint32_t a, b, want;
} RRR_LINES[] = {
    {OP_ADD, 0x00000000, 0x00000000, 0x00000000},
    {OP_ADD, 0x00000001, 0x00000001, 0x00000002},
    {OP_ADD, 0x00000003, 0x00000007, 0x0000000a},
    {OP_ADD, 0xffff8000, 0x00000000, 0xffff8000},
    {OP_ADD, 0x80000000, 0x80000000, 0x00000000},
    {OP_ADD, 0x7fffffff, 0x00000001, 0x80000000},
    {OP_ADD, 0xffffffff, 0x00000001, 0x00000000},
    {OP_SUB, 0x00000000, 0x00000000, 0x00000000},
    {OP_SUB, 0x00000001, 0x00000001, 0x00000000},
    {OP_SUB, 0x00000003, 0x00000007, 0xfffffffc},
    {OP_SUB, 0x80000000, 0x00000001, 0x7fffffff},
    {OP_SUB, 0x00000000, 0xffffffff, 0x00000001},
    {OP_SUB, 0x7fffffff, 0xffffffff, 0x80000000},
    {OP_AND, 0xff00ff00, 0x0f0f0f0f, 0x0f000f00},
    {OP_AND, 0x0ff00ff0, 0xf0f0f0f0, 0x00f000f0},
    {OP_OR, 0xff00ff00, 0x0f0f0f0f, 0xff0fff0f},
    {OP_OR, 0x0ff00ff0, 0xf0f0f0f0, 0xfff0fff0},
    {OP_XOR, 0xff00ff00, 0x0f0f0f0f, 0xf00ff00f},
    {OP_XOR, 0x0ff00ff0, 0xf0f0f0f0, 0xff00ff00},
    {OP_SLL, 0x00000001, 0, 0x00000001},
    {OP_SLL, 0x00000001, 1, 0x00000002},
    {OP_SLL, 0x00000001, 7, 0x00000080},
    {OP_SLL, 0x00000001, 31, 0x80000000},
    {OP_SLL, 0xffffffff, 14, 0xffffc000},
    {OP_SLL, 0x21212121, 32, 0x21212121},
    {OP_SLL, 0x21212121, 33, 0x42424242},
    {OP_SLL, 0x21212121, 63, 0x80000000},
    {OP_SLL, 0x21212121, 0xffffffe0, 0x21212121},
    {OP_SRL, 0x80000000, 0, 0x80000000},
    {OP_SRL, 0x80000000, 1, 0x40000000},
    {OP_SRL, 0x80000000, 31, 0x00000001},
    {OP_SRL, 0x21212121, 14, 0x00008484},
    {OP_SRL, 0xffffffff, 32, 0xffffffff},
    {OP_SRL, 0xffffffff, 33, 0x7fffffff},
    {OP_SRL, 0xffffffff, 0xffffffff, 0x00000001},
    {OP_SRA, 0x80000000, 0, 0x80000000},
    {OP_SRA, 0x80000000, 1, 0xc0000000},
    {OP_SRA, 0x80000000, 31, 0xffffffff},
    {OP_SRA, 0x7fffffff, 31, 0x00000000},
    {OP_SRA, 0x81818181, 7, 0xff030303},
    {OP_SRA, 0x81818181, 32, 0x81818181},
    {OP_SRA, 0x81818181, 33, 0xc0c0c0c0},
    {OP_SRA, 0x7fffffff, 33, 0x3fffffff},
    {OP_SLT, 0x00000000, 0x00000000, 0},
    {OP_SLT, 0x00000001, 0x00000001, 0},
    {OP_SLT, 0x00000003, 0x00000007, 1},
    {OP_SLT, 0x00000007, 0x00000003, 0},
    {OP_SLT, 0x80000000, 0x00000000, 1},
    {OP_SLT, 0x00000000, 0x80000000, 0},
    {OP_SLT, 0xffffffff, 0x00000000, 1},
    {OP_SLT, 0x7fffffff, 0x80000000, 0},
    {OP_SLT, 0x80000000, 0x7fffffff, 1},
    {OP_SLTU, 0x00000000, 0x00000000, 0},
    {OP_SLTU, 0x00000003, 0x00000007, 1},
    {OP_SLTU, 0xffffffff, 0x00000000, 0},
    {OP_SLTU, 0x00000000, 0xffffffff, 1},
    {OP_SLTU, 0x7fffffff, 0x80000000, 1},
    {OP_SLTU, 0x80000000, 0x7fffffff, 0},
    {OP_MUL, 0x00000000, 0x00000000, 0x00000000},
    {OP_MUL, 0x00000003, 0x00000007, 0x00000015},
    {OP_MUL, 0xfffffff9, 0x00000003, 0xffffffeb},
    {OP_MUL, 0xffffffff, 0xffffffff, 0x00000001},
    {OP_MUL, 0x80000000, 0xffffffff, 0x80000000},
    {OP_MUL, 0x12345678, 0x00000010, 0x23456780},
    {OP_MUL, 0x00010000, 0x00010000, 0x00000000},
    {OP_MULH, 0x00000003, 0x00000007, 0x00000000},
    {OP_MULH, 0xffffffff, 0xffffffff, 0x00000000},
    {OP_MULH, 0xffffffff, 0x00000001, 0xffffffff},
    {OP_MULH, 0x80000000, 0x80000000, 0x40000000},
    {OP_MULH, 0x80000000, 0x7fffffff, 0xc0000000},
    {OP_MULH, 0x7fffffff, 0x7fffffff, 0x3fffffff},
    {OP_MULH, 0x00010000, 0x00010000, 0x00000001},
    {OP_MULHU, 0x00000003, 0x00000007, 0x00000000},
    {OP_MULHU, 0xffffffff, 0xffffffff, 0xfffffffe},
    {OP_MULHU, 0x80000000, 0x80000000, 0x40000000},
    {OP_MULHU, 0xffffffff, 0x00000001, 0x00000000},
    {OP_MULHU, 0x80000000, 0x00000002, 0x00000001},
    {OP_DIV, 20, 6, 3},
    {OP_DIV, (uint32_t)-20, 6, (uint32_t)-3},
    {OP_DIV, 20, (uint32_t)-6, (uint32_t)-3},
    {OP_DIV, (uint32_t)-20, (uint32_t)-6, 3},
    {OP_DIV, 7, 7, 1},
    {OP_DIV, 0, 5, 0},
    {OP_DIV, 0x80000000, 1, 0x80000000},
    {OP_DIV, 0x80000000, 0xffffffff, 0x80000000}, /* the manual's special case */
    {OP_DIV, 0x7fffffff, 0xffffffff, 0x80000001},
    {OP_DIVU, 20, 6, 3},
    {OP_DIVU, (uint32_t)-20, 6, 0x2aaaaaa7},
    {OP_DIVU, 20, (uint32_t)-6, 0},
    {OP_DIVU, 0x80000000, 0xffffffff, 0},
    {OP_DIVU, 0xffffffff, 1, 0xffffffff},
    {OP_REM, 20, 6, 2},
    {OP_REM, (uint32_t)-20, 6, (uint32_t)-2},
    {OP_REM, 20, (uint32_t)-6, 2},
    {OP_REM, (uint32_t)-20, (uint32_t)-6, (uint32_t)-2},
    {OP_REM, 7, 7, 0},
    {OP_REM, 0x80000000, 1, 0},
    {OP_REM, 0x80000000, 0xffffffff, 0}, /* the manual's special case */
    {OP_REMU, 20, 6, 2},
    {OP_REMU, (uint32_t)-20, 6, 2},
    {OP_REMU, 20, (uint32_t)-6, 20},
    {OP_REMU, 0x80000000, 0xffffffff, 0x80000000},
    {OP_REMU, 0xffffffff, 0x10, 0xf},
};

static void test_rrr_lines(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++)
        for (size_t i = 0; i < sizeof RRR_LINES / sizeof RRR_LINES[0]; i++) {
            /* the line's value first, then the host model must agree with it */
            rrr_case(rigs[ci], &confs[ci], RRR_LINES[i].op, 3, 1, 2, RRR_LINES[i].a, RRR_LINES[i].b,
                     RRR_LINES[i].want, false);
            bool dz;
            CHECK_EQ(ref_rrr(RRR_LINES[i].op, RRR_LINES[i].a, RRR_LINES[i].b, &dz), RRR_LINES[i].want);
            covered(RRR_LINES[i].op);
        }
    rigs_free();
}

/* Every pair of edge operands and a few hundred random pairs, each with
 * random distinct registers, against the host model. */
static void test_rrr_sweep(void)
{
    rigs_new();
    rnd_seed(0x1234);
    for (size_t k = 0; k < NRRR; k++) {
        enum op op = RRR_OPS[k];
        for (int ci = 0; ci < NCONFS; ci++) {
            for (size_t i = 0; i < NEDGE * NEDGE + 300; i++) {
                uint32_t a, b;
                if (i < NEDGE * NEDGE)
                    a = EDGE[i / NEDGE], b = EDGE[i % NEDGE];
                else
                    a = rnd_operand(), b = rnd_operand();
                unsigned rd, rs1, rs2;
                pick_regs(&rd, &rs1, &rs2);
                bool dz;
                uint32_t want = ref_rrr(op, a, b, &dz);
                rrr_case(rigs[ci], &confs[ci], op, rd, rs1, rs2, a, b, want, dz);
            }
        }
        covered(op);
    }
    rigs_free();
}

/* rd = rs1 = rs2, rd = rs1, rd = rs2, r0 as a source and r0 as rd. */
static void test_rrr_aliasing_and_r0(void)
{
    rigs_new();
    rnd_seed(77);
    for (size_t k = 0; k < NRRR; k++) {
        enum op op = RRR_OPS[k];
        for (int ci = 0; ci < NCONFS; ci++) {
            struct rig *r = rigs[ci];
            const struct conf *c = &confs[ci];
            for (int t = 0; t < 12; t++) {
                uint32_t a = t < 6 ? EDGE[rnd() % NEDGE] : rnd_operand();
                uint32_t b = t < 6 ? EDGE[rnd() % NEDGE] : rnd_operand();
                bool dz;
                uint32_t w;
                w = ref_rrr(op, a, a, &dz);
                rrr_case(r, c, op, 5, 5, 5, a, a, w, dz); /* rd = rs1 = rs2 */
                w = ref_rrr(op, a, b, &dz);
                rrr_case(r, c, op, 5, 5, 6, a, b, w, dz); /* rd = rs1 */
                rrr_case(r, c, op, 6, 5, 6, a, b, w, dz); /* rd = rs2 */
                w = ref_rrr(op, 0, b, &dz);
                rrr_case(r, c, op, 7, 0, 6, 0, b, w, dz); /* r0 as rs1 */
                w = ref_rrr(op, a, 0, &dz);
                rrr_case(r, c, op, 7, 5, 0, a, 0, w, dz); /* r0 as rs2 */
                w = ref_rrr(op, a, b, &dz);
                rrr_case(r, c, op, 0, 5, 6, a, b, 0, dz); /* r0 as rd: discarded */
            }
            /* a write to r0 is not seen by the next instruction either */
            uint32_t regs[NREGS], exp[NREGS];
            regs_pattern(regs);
            regs[5] = 0x7fffffff;
            regs[6] = 3;
            ctx("%s: %s r0, r5, r6 then or r7, r0, r0", c->name, mn(op));
            CODE_AT(r, CODE, enc(op, 0, 5, 6, 0), enc(OP_OR, 7, 0, 0, 0), enc(OP_ADD, 8, 0, 5, 0),
                    enc(OP_SYSCALL, 0, 0, 0, 0));
            enum exit_reason why = go(r, c, CODE, regs);
            ended_by_syscall(r, c, why, CODE + 12, 3);
            memcpy(exp, regs, sizeof exp);
            exp[7] = 0;
            exp[8] = 0x7fffffff;
            regs_are(r, exp);
        }
    }
    rigs_free();
}

/* ------------------------------------------------ register-immediate ops */

static const enum op RRI_OPS[] = {OP_ADDI, OP_ANDI, OP_ORI,  OP_XORI,  OP_SLLI,
                                  OP_SRLI, OP_SRAI, OP_SLTI, OP_SLTIU, OP_LUI};
#define NRRI (sizeof RRI_OPS / sizeof RRI_OPS[0])

/* op rd, rs1, imm (lui rd, imm) with R[rs1] = a and the 16-bit field f. */
static void rri_case(struct rig *r, const struct conf *c, enum op op, unsigned rd, unsigned rs1, uint32_t a,
                     uint32_t f, uint32_t want)
{
    uint32_t regs[NREGS], exp[NREGS];
    bool lui = op == OP_LUI;
    regs_pattern(regs);
    if (!lui)
        regs[rs1] = a;
    if (lui)
        ctx("%s: lui r%u, 0x%x", c->name, rd, f);
    else
        ctx("%s: %s r%u, r%u, %d (field 0x%04x) with 0x%08x", c->name, mn(op), rd, rs1, imm_of(op, f), f,
            rs1 ? a : 0);
    CODE_AT(r, CODE, enc(op, rd, lui ? 0 : rs1, 0, imm_of(op, f)), enc(OP_SYSCALL, 0, 0, 0, 0));
    enum exit_reason why = go(r, c, CODE, regs);
    ended_by_syscall(r, c, why, CODE + 4, 1);
    memcpy(exp, regs, sizeof exp);
    exp[rd] = want;
    exp[0] = 0;
    regs_are(r, exp);
}

/* Hand-computed; imm is the value as written in assembly. */
static const struct {
    enum op op;
    uint32_t a;
    int32_t imm;
    uint32_t want;
} RRI_LINES[] = {
    {OP_ADDI, 0x00000000, 0, 0x00000000},
    {OP_ADDI, 0x00000001, 1, 0x00000002},
    {OP_ADDI, 0x00000003, 7, 0x0000000a},
    {OP_ADDI, 0x00000005, -1, 0x00000004},
    {OP_ADDI, 0x00000000, -32768, 0xffff8000}, /* sign-extended, lower limit */
    {OP_ADDI, 0x00000000, 32767, 0x00007fff},  /* upper limit */
    {OP_ADDI, 0x80000000, -1, 0x7fffffff},
    {OP_ADDI, 0x7fffffff, 1, 0x80000000},
    {OP_ADDI, 0xffffffff, 1, 0x00000000},
    {OP_ADDI, 0x00010000, -32768, 0x00008000},
    {OP_ANDI, 0xff00ff00, 0x0ff0, 0x00000f00},
    {OP_ANDI, 0xffffffff, 0xffff, 0x0000ffff}, /* zero-extended */
    {OP_ANDI, 0xffffffff, 0x8000, 0x00008000},
    {OP_ANDI, 0x12345678, 0, 0x00000000},
    {OP_ORI, 0x00000000, 0xffff, 0x0000ffff}, /* zero-extended */
    {OP_ORI, 0x00000000, 0x8000, 0x00008000},
    {OP_ORI, 0xff00ff00, 0x0f0f, 0xff00ff0f},
    {OP_ORI, 0x80000000, 1, 0x80000001},
    {OP_XORI, 0x00000000, 0xffff, 0x0000ffff},
    {OP_XORI, 0xffffffff, 0xffff, 0xffff0000}, /* zero-extended */
    {OP_XORI, 0x00ff0f00, 0x0f0f, 0x00ff000f},
    {OP_SLLI, 0x00000001, 0, 0x00000001},
    {OP_SLLI, 0x00000001, 31, 0x80000000},
    {OP_SLLI, 0x21212121, 14, 0x48484000},
    {OP_SLLI, 0xffffffff, 31, 0x80000000},
    {OP_SRLI, 0x80000000, 0, 0x80000000},
    {OP_SRLI, 0x80000000, 31, 0x00000001},
    {OP_SRLI, 0xffffffff, 1, 0x7fffffff},
    {OP_SRLI, 0x21212121, 14, 0x00008484},
    {OP_SRAI, 0x80000000, 0, 0x80000000},
    {OP_SRAI, 0x80000000, 1, 0xc0000000},
    {OP_SRAI, 0x80000000, 31, 0xffffffff},
    {OP_SRAI, 0x7fffffff, 31, 0x00000000},
    {OP_SRAI, 0x81818181, 7, 0xff030303},
    {OP_SLTI, 0x00000000, 0, 0},
    {OP_SLTI, 0x00000000, 1, 1},
    {OP_SLTI, 0x00000000, -1, 0}, /* -1 is sign-extended */
    {OP_SLTI, 0xffffffff, 0, 1},
    {OP_SLTI, 0xfffffffe, -1, 1},
    {OP_SLTI, 0x80000000, -32768, 1},
    {OP_SLTI, 0xffff8000, -32768, 0},
    {OP_SLTI, 0x00007ffe, 32767, 1},
    {OP_SLTI, 0x00007fff, 32767, 0},
    {OP_SLTIU, 0x00000000, 0, 0},
    {OP_SLTIU, 0x00000000, 1, 1},
    {OP_SLTIU, 0x00000001, 0, 0},
    {OP_SLTIU, 0xfffffffe, -1, 1}, /* compared with 0xffffffff */
    {OP_SLTIU, 0xffffffff, -1, 0},
    {OP_SLTIU, 0x7fffffff, -32768, 1}, /* compared with 0xffff8000 */
    {OP_SLTIU, 0xffff8000, -32768, 0},
    {OP_SLTIU, 0x00008000, 32767, 0},
    {OP_LUI, 0, 0x0000, 0x00000000},
    {OP_LUI, 0, 0x0001, 0x00010000},
    {OP_LUI, 0, 0x1234, 0x12340000},
    {OP_LUI, 0, 0x8000, 0x80000000},
    {OP_LUI, 0, 0xffff, 0xffff0000},
};

static void test_rri_lines(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++)
        for (size_t i = 0; i < sizeof RRI_LINES / sizeof RRI_LINES[0]; i++) {
            enum op op = RRI_LINES[i].op;
            uint32_t f = (uint32_t)RRI_LINES[i].imm & 0xffffu;
            rri_case(rigs[ci], &confs[ci], op, 3, 1, RRI_LINES[i].a, f, RRI_LINES[i].want);
            CHECK_EQ(ref_rri(op, RRI_LINES[i].a, f), RRI_LINES[i].want);
            covered(op);
        }
    rigs_free();
}

static const uint32_t IMM16_EDGE[] = {0, 1, 2, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff, 0x00ff, 0xff00};

static void test_rri_sweep(void)
{
    rigs_new();
    rnd_seed(0x5678);
    for (size_t k = 0; k < NRRI; k++) {
        enum op op = RRI_OPS[k];
        bool shift = isa_insns[op].imm == IMM_U5;
        for (int ci = 0; ci < NCONFS; ci++) {
            /* every edge operand with every edge immediate (every shift amount) */
            size_t nimm = shift ? 32 : sizeof IMM16_EDGE / sizeof IMM16_EDGE[0];
            for (size_t i = 0; i < NEDGE * nimm + 300; i++) {
                uint32_t a, f;
                if (i < NEDGE * nimm) {
                    a = EDGE[i / nimm];
                    f = shift ? (uint32_t)(i % nimm) : IMM16_EDGE[i % nimm];
                } else {
                    a = rnd_operand();
                    f = shift ? rnd() % 32 : rnd() & 0xffffu;
                }
                unsigned rd, rs1;
                pick_regs(&rd, &rs1, NULL);
                if (i % 7 == 0)
                    rs1 = rd; /* rd = rs1 */
                rri_case(rigs[ci], &confs[ci], op, rd, rs1, a, f, ref_rri(op, a, f));
            }
            /* rd = r0 discards the result; rs1 = r0 reads zero */
            uint32_t f = shift ? 5 : 0x8123;
            rri_case(rigs[ci], &confs[ci], op, 0, 4, 0xfedcba98, f, 0);
            if (op != OP_LUI)
                rri_case(rigs[ci], &confs[ci], op, 9, 0, 0, f, ref_rri(op, 0, f));
        }
        covered(op);
    }
    rigs_free();
}

/* ------------------------------------------------------ loads and stores */

static uint8_t area[AREA_LEN]; /* the host's copy of memory at AREA_LO */

static void area_fill(struct rig *r)
{
    for (uint32_t i = 0; i < AREA_LEN; i++)
        area[i] = (uint8_t)rnd();
    CU_ASSERT_FATAL(machine_write_phys(r->m, AREA_LO, area, AREA_LEN));
}

static uint8_t abyte(uint32_t a) { return area[a - AREA_LO]; }

/* The value a load of op at a gives, from the host's bytes, little-endian. */
static uint32_t ref_load(enum op op, uint32_t a)
{
    uint32_t b0 = abyte(a);
    switch (op) {
    case OP_LW: return b0 | (uint32_t)abyte(a + 1) << 8 | (uint32_t)abyte(a + 2) << 16 | (uint32_t)abyte(a + 3) << 24;
    case OP_LH: return sext16(b0 | (uint32_t)abyte(a + 1) << 8);
    case OP_LHU: return b0 | (uint32_t)abyte(a + 1) << 8;
    case OP_LB: return (b0 & 0x80u) ? b0 | 0xffffff00u : b0;
    case OP_LBU: return b0;
    default: break;
    }
    CU_FAIL("ref_load: not a load");
    return 0;
}

static unsigned width(enum op op)
{
    switch (op) {
    case OP_LW: case OP_SW: return 4;
    case OP_LH: case OP_LHU: case OP_SH: return 2;
    default: return 1;
    }
}

/* lX rd, imm(rs1) with R[rs1] = base. */
static void load_case(struct rig *r, const struct conf *c, enum op op, unsigned rd, unsigned rs1, uint32_t base,
                      int32_t imm, uint32_t want)
{
    uint32_t regs[NREGS], exp[NREGS];
    regs_pattern(regs);
    regs[rs1] = base;
    ctx("%s: %s r%u, %d(r%u) with r%u = 0x%08x (address 0x%08x)", c->name, mn(op), rd, imm, rs1, rs1, base,
        base + (uint32_t)imm);
    CODE_AT(r, CODE, enc(op, rd, rs1, 0, imm), enc(OP_SYSCALL, 0, 0, 0, 0));
    enum exit_reason why = go(r, c, CODE, regs);
    ended_by_syscall(r, c, why, CODE + 4, 1);
    memcpy(exp, regs, sizeof exp);
    exp[rd] = want;
    exp[0] = 0;
    regs_are(r, exp);
}

static const enum op LOAD_OPS[] = {OP_LW, OP_LH, OP_LHU, OP_LB, OP_LBU};
static const enum op STORE_OPS[] = {OP_SW, OP_SH, OP_SB};

/* Known bytes at DATA and what each load of them gives (section 4:
 * little-endian, sext for lh/lb, zext for lhu/lbu). */
static const uint8_t LIT_BYTES[16] = {0xff, 0x00, 0xf0, 0x0f, 0x00, 0x80, 0xff, 0x7f,
                                      0x44, 0x33, 0x22, 0x11, 0x80, 0x7f, 0x01, 0xfe};
static const struct {
    enum op op;
    int32_t off; /* from DATA */
    uint32_t want;
} LOAD_LINES[] = {
    {OP_LW, 0, 0x0ff000ff},  {OP_LW, 4, 0x7fff8000},  {OP_LW, 8, 0x11223344},  {OP_LW, 12, 0xfe017f80},
    {OP_LH, 0, 0x000000ff},  {OP_LH, 2, 0x00000ff0},  {OP_LH, 4, 0xffff8000},  {OP_LH, 6, 0x00007fff},
    {OP_LH, 8, 0x00003344},  {OP_LH, 10, 0x00001122}, {OP_LH, 12, 0x00007f80}, {OP_LH, 14, 0xfffffe01},
    {OP_LHU, 0, 0x000000ff}, {OP_LHU, 4, 0x00008000}, {OP_LHU, 6, 0x00007fff}, {OP_LHU, 14, 0x0000fe01},
    {OP_LB, 0, 0xffffffff},  {OP_LB, 1, 0x00000000},  {OP_LB, 2, 0xfffffff0},  {OP_LB, 3, 0x0000000f},
    {OP_LB, 11, 0x00000011}, {OP_LB, 12, 0xffffff80}, {OP_LB, 13, 0x0000007f}, {OP_LB, 15, 0xfffffffe},
    {OP_LBU, 0, 0x000000ff}, {OP_LBU, 5, 0x00000080}, {OP_LBU, 11, 0x00000011}, {OP_LBU, 15, 0x000000fe},
};

static void test_load_lines(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        CU_ASSERT_FATAL(machine_write_phys(r->m, DATA, LIT_BYTES, sizeof LIT_BYTES));
        for (size_t i = 0; i < sizeof LOAD_LINES / sizeof LOAD_LINES[0]; i++) {
            enum op op = LOAD_LINES[i].op;
            int32_t off = LOAD_LINES[i].off;
            uint32_t want = LOAD_LINES[i].want;
            load_case(r, &confs[ci], op, 3, 1, DATA, off, want);            /* positive offset */
            load_case(r, &confs[ci], op, 3, 1, DATA + 16, off - 16, want);  /* negative offset */
            load_case(r, &confs[ci], op, 3, 1, DATA + (uint32_t)off, 0, want);
            load_case(r, &confs[ci], op, 4, 4, DATA + 0x1001, off - 0x1001, want); /* rd = rs1, odd base */
            load_case(r, &confs[ci], op, 0, 1, DATA, off, 0);               /* rd = r0 */
            covered(op);
        }
    }
    rigs_free();
}

/* Random addresses over 64 KiB, offsets over the whole signed 16-bit range
 * (including -32768 and 32767), against the host's copy of the bytes. */
static void test_load_sweep(void)
{
    rigs_new();
    rnd_seed(0x10ad);
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        area_fill(r);
        for (size_t k = 0; k < sizeof LOAD_OPS / sizeof LOAD_OPS[0]; k++) {
            enum op op = LOAD_OPS[k];
            uint32_t w = width(op);
            static const int32_t OFFS[] = {-32768, -32767, -2, -1, 0, 1, 2, 32766, 32767};
            for (int i = 0; i < 300; i++) {
                int32_t imm = i < 9 ? OFFS[i] : (int32_t)(rnd() % 65536) - 32768;
                uint32_t a = AREA_LO + (rnd() % (AREA_LEN - 4)) / w * w;
                unsigned rd, rs1;
                pick_regs(&rd, &rs1, NULL);
                load_case(r, &confs[ci], op, rd, rs1, a - (uint32_t)imm, imm, ref_load(op, a));
            }
            covered(op);
        }
    }
    rigs_free();
}

/* sX rs2, imm(rs1): check the bytes around the address and, at the end,
 * the whole area against the host's model. */
static void store_case(struct rig *r, const struct conf *c, enum op op, unsigned rs2, unsigned rs1, uint32_t base,
                       int32_t imm, uint32_t value)
{
    uint32_t regs[NREGS];
    regs_pattern(regs);
    regs[rs2] = value;
    regs[rs1] = base;
    if (rs1 == rs2)
        value = base;
    if (rs2 == 0)
        value = 0;
    uint32_t a = base + (uint32_t)imm;
    ctx("%s: %s r%u, %d(r%u) with r%u = 0x%08x, value 0x%08x (address 0x%08x)", c->name, mn(op), rs2, imm, rs1,
        rs1, base, value, a);
    CODE_AT(r, CODE, enc(op, rs2, rs1, 0, imm), enc(OP_SYSCALL, 0, 0, 0, 0));
    enum exit_reason why = go(r, c, CODE, regs);
    ended_by_syscall(r, c, why, CODE + 4, 1);
    regs[0] = 0;
    regs_are(r, regs); /* a store writes no register */
    for (unsigned i = 0; i < width(op); i++) /* little-endian */
        area[a + i - AREA_LO] = (uint8_t)(value >> (8 * i));
    uint8_t got[16];
    uint32_t lo = a - 6;
    CHECK(machine_read_phys(r->m, lo, got, sizeof got));
    for (unsigned i = 0; i < sizeof got; i++)
        if (got[i] != area[lo + i - AREA_LO]) {
            ck_eq(got[i], area[lo + i - AREA_LO], "byte at address", __FILE__, __LINE__);
            fprintf(stderr, "    (the byte at 0x%08x)\n", lo + i);
        }
}

static void area_same(struct rig *r)
{
    static uint8_t got[AREA_LEN];
    CHECK(machine_read_phys(r->m, AREA_LO, got, AREA_LEN));
    CHECK(memcmp(got, area, AREA_LEN) == 0);
}

static void test_store_lines(void)
{
    rigs_new();
    rnd_seed(0x570e);
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        area_fill(r);
        store_case(r, c, OP_SW, 2, 1, DATA, 0x100, 0x11223344);
        store_case(r, c, OP_SH, 2, 1, DATA, 0x104, 0xaabbccdd);
        store_case(r, c, OP_SH, 2, 1, DATA, 0x106, 0x00008001);
        store_case(r, c, OP_SB, 2, 1, DATA, 0x109, 0x12345678);
        store_case(r, c, OP_SB, 2, 1, DATA + 0x200, 0x10a - 0x200, 0xffffff80);
        store_case(r, c, OP_SW, 2, 1, DATA + 0x10c + 32768, -32768, 0x80000001);
        store_case(r, c, OP_SH, 2, 1, DATA + 0x110 - 32767, 32767, 0xffff);
        store_case(r, c, OP_SB, 2, 1, DATA + 0x113 - 32767, 32767, 0x7f);
        store_case(r, c, OP_SW, 5, 5, DATA + 0x120, 0, 0);  /* the base stores itself */
        store_case(r, c, OP_SH, 5, 5, DATA + 0x124, 2, 0);
        store_case(r, c, OP_SB, 5, 5, DATA + 0x128, -1, 0);
        store_case(r, c, OP_SW, 0, 5, DATA + 0x130, 0, 0);  /* r0 stores zero */
        /* the bytes the manual's little-endian order predicts */
        uint8_t got[20];
        CHECK(machine_read_phys(r->m, DATA + 0x100, got, sizeof got));
        static const uint8_t want_sw[4] = {0x44, 0x33, 0x22, 0x11};
        static const uint8_t want_sh[4] = {0xdd, 0xcc, 0x01, 0x80};
        ctx("%s: bytes after sw 0x11223344 / sh 0xaabbccdd / sh 0x8001 / sb 0x78 / sb 0x80", c->name);
        CHECK(memcmp(got, want_sw, 4) == 0);
        CHECK(memcmp(got + 4, want_sh, 4) == 0);
        CHECK_EQ(got[9], 0x78);
        CHECK_EQ(got[10], 0x80);
        CHECK_EQ(le32(got + 12), 0x80000001);
        area_same(r);
    }
    for (size_t i = 0; i < 3; i++)
        covered(STORE_OPS[i]);
    rigs_free();
}

static void test_store_sweep(void)
{
    rigs_new();
    rnd_seed(0x5707);
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        area_fill(r);
        for (size_t k = 0; k < 3; k++) {
            enum op op = STORE_OPS[k];
            uint32_t w = width(op);
            for (int i = 0; i < 300; i++) {
                int32_t imm = i == 0 ? -32768 : i == 1 ? 32767 - (32767 % (int32_t)w) : (int32_t)(rnd() % 65536) - 32768;
                uint32_t a = AREA_LO + 8 + (rnd() % (AREA_LEN - 16)) / w * w;
                unsigned rs2, rs1;
                pick_regs(&rs2, &rs1, NULL);
                store_case(r, &confs[ci], op, rs2, rs1, a - (uint32_t)imm, imm, rnd_operand());
            }
        }
        ctx("%s: the whole store area after 900 random stores", confs[ci].name);
        area_same(r);
    }
    rigs_free();
}

/* -------------------------------------------------------------- branches */

static const enum op BR_OPS[] = {OP_BEQ, OP_BNE, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU};
static const uint32_t BR_EDGE[] = {0, 1, 2, 0xffffffff, 0xfffffffe, 0x7fffffff, 0x7ffffffe,
                                   0x80000000, 0x80000001, 0x12345678};
#define NBR_EDGE (sizeof BR_EDGE / sizeof BR_EDGE[0])

/* br rs1, rs2 forward (to +12) or backward (to -8); r5 = 2 on the taken
 * path, 1 on the fall-through, and the final syscall's address tells too. */
static void branch_case(struct rig *r, const struct conf *c, enum op op, unsigned rs1, unsigned rs2, uint32_t a,
                        uint32_t b, bool backward)
{
    uint32_t regs[NREGS], exp[NREGS];
    regs_pattern(regs);
    regs[rs1] = a;
    regs[rs2] = b;
    if (rs1 == rs2)
        a = b;
    bool taken = ref_branch(op, a, b);
    ctx("%s: %s r%u, r%u, %s with 0x%08x, 0x%08x (%s)", c->name, mn(op), rs1, rs2, backward ? "-8" : "+12", a, b,
        taken ? "taken" : "not taken");
    uint32_t start, epc;
    if (!backward) {
        CODE_AT(r, CODE, enc(op, rs1, rs2, 0, 12), enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0),
                enc(OP_ADDI, 5, 0, 0, 2), enc(OP_SYSCALL, 0, 0, 0, 0));
        start = CODE;
        epc = taken ? CODE + 16 : CODE + 8;
    } else {
        CODE_AT(r, CODE, enc(OP_ADDI, 5, 0, 0, 2), enc(OP_SYSCALL, 0, 0, 0, 0), enc(op, rs1, rs2, 0, -8),
                enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
        start = CODE + 8;
        epc = taken ? CODE + 4 : CODE + 16;
    }
    enum exit_reason why = go(r, c, start, regs);
    ended_by_syscall(r, c, why, epc, 2);
    memcpy(exp, regs, sizeof exp);
    exp[0] = 0;
    exp[5] = taken ? 2 : 1;
    regs_are(r, exp);
}

static void test_branches(void)
{
    rigs_new();
    rnd_seed(0xb4a);
    for (size_t k = 0; k < sizeof BR_OPS / sizeof BR_OPS[0]; k++) {
        enum op op = BR_OPS[k];
        for (int ci = 0; ci < NCONFS; ci++) {
            for (size_t i = 0; i < NBR_EDGE * NBR_EDGE + 100; i++) {
                uint32_t a, b;
                if (i < NBR_EDGE * NBR_EDGE)
                    a = BR_EDGE[i / NBR_EDGE], b = BR_EDGE[i % NBR_EDGE];
                else
                    a = rnd_operand(), b = rnd() % 4 ? rnd_operand() : a;
                unsigned rs1, rs2;
                do
                    rs1 = 1 + rnd() % 15, rs2 = 1 + rnd() % 15;
                while (rs1 == 5 || rs2 == 5 || rs1 == rs2);
                branch_case(rigs[ci], &confs[ci], op, rs1, rs2, a, b, i % 2);
            }
            /* the same register twice, and r0 */
            branch_case(rigs[ci], &confs[ci], op, 7, 7, 0x80000000, 0x80000000, false);
            branch_case(rigs[ci], &confs[ci], op, 7, 7, 0x80000000, 0x80000000, true);
            branch_case(rigs[ci], &confs[ci], op, 0, 0, 0, 0, false);
            branch_case(rigs[ci], &confs[ci], op, 0, 8, 0, 0xffffffff, false);
            branch_case(rigs[ci], &confs[ci], op, 8, 0, 0xffffffff, 0, true);
        }
        covered(op);
    }
    rigs_free();
}

/* The farthest targets a branch reaches: PC + 32767*4 and PC - 32768*4. */
static void test_branch_range(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        const uint32_t at = 0x40000;
        uint32_t regs[NREGS], exp[NREGS];
        regs_pattern(regs);
        for (int dir = 0; dir < 2; dir++) {
            int32_t off = dir ? -131072 : 131068;
            uint32_t target = at + (uint32_t)off;
            ctx("%s: beq r0, r0, %+d at 0x%x (target 0x%x)", c->name, off, at, target);
            CODE_AT(r, at, enc(OP_BEQ, 0, 0, 0, off), enc(OP_SYSCALL, 0, 0, 0, 0));
            CODE_AT(r, target, enc(OP_ADDI, 5, 0, 0, 0x77), enc(OP_SYSCALL, 0, 0, 0, 0));
            enum exit_reason why = go(r, c, at, regs);
            ended_by_syscall(r, c, why, target + 4, 2);
            memcpy(exp, regs, sizeof exp);
            exp[0] = 0;
            exp[5] = 0x77;
            regs_are(r, exp);
            /* and the encoding is the word count the manual describes */
            CHECK_EQ(enc(OP_BEQ, 0, 0, 0, off) & 0xffff, (uint32_t)(off / 4) & 0xffff);
        }
    }
    rigs_free();
}

/* ----------------------------------------------------------- jal and jalr */

static void test_jal(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        uint32_t regs[NREGS], exp[NREGS];
        regs_pattern(regs);
        enum exit_reason why;

        for (unsigned rd = 0; rd < NREGS; rd++) {
            ctx("%s: jal r%u, +12 at CODE", c->name, rd);
            CODE_AT(r, CODE, enc(OP_JAL, rd, 0, 0, 12), enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0),
                    enc(OP_SYSCALL, 0, 0, 0, 0));
            why = go(r, c, CODE, regs);
            ended_by_syscall(r, c, why, CODE + 12, 1);
            memcpy(exp, regs, sizeof exp);
            exp[rd] = CODE + 4; /* R[rd] = PC + 4 */
            exp[0] = 0;
            regs_are(r, exp);
        }

        ctx("%s: jal r7, -8 (backward)", c->name);
        CODE_AT(r, CODE, enc(OP_SYSCALL, 0, 0, 0, 0), enc(OP_ADDI, 5, 0, 0, 1), enc(OP_JAL, 7, 0, 0, -8),
                enc(OP_SYSCALL, 0, 0, 0, 0));
        why = go(r, c, CODE + 8, regs);
        ended_by_syscall(r, c, why, CODE, 1);
        memcpy(exp, regs, sizeof exp);
        exp[7] = CODE + 12;
        regs_are(r, exp);

        ctx("%s: jal r1, 0 (to itself, twice through a budget)", c->name);
        CODE_AT(r, CODE, enc(OP_JAL, 1, 0, 0, 0));
        for (unsigned i = 1; i < NREGS; i++)
            REG(r, i) = regs[i];
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, c->user ? 0 : SR_S);
        uint64_t i0 = CPU(r)->instret;
        CHECK_EQ(rig_run(r, 5), EXIT_BUDGET);
        CHECK_EQ(CPU(r)->pc, CODE);
        CHECK_EQ(REG(r, 1), CODE + 4);
        CHECK_EQ(CPU(r)->instret - i0, 5);

        ctx("%s: jal r2, +0x80000", c->name);
        CODE_AT(r, CODE, enc(OP_JAL, 2, 0, 0, 0x80000));
        CODE_AT(r, CODE + 0x80000, enc(OP_SYSCALL, 0, 0, 0, 0));
        why = go(r, c, CODE, regs);
        ended_by_syscall(r, c, why, CODE + 0x80000, 1);
        memcpy(exp, regs, sizeof exp);
        exp[2] = CODE + 4;
        regs_are(r, exp);

        /* The limits, +2097148 and -2097152 bytes, land outside this 1 MiB
         * machine: the jal retires (link written) and the fetch at the
         * target is a bus error whose address is the target. */
        static const int32_t LIMITS[] = {2097148, -2097152};
        for (int i = 0; i < 2; i++) {
            uint32_t target = CODE + (uint32_t)LIMITS[i];
            ctx("%s: jal r3, %+d at CODE (target 0x%08x, outside memory)", c->name, LIMITS[i], target);
            CODE_AT(r, CODE, enc(OP_JAL, 3, 0, 0, LIMITS[i]));
            why = go(r, c, CODE, regs);
            ended_by(r, why, CAUSE_BUS_ERROR | CAUSE_FETCH | (c->user ? CAUSE_USER : 0), target, target,
                     c->user ? 0 : SR_S, 1);
            memcpy(exp, regs, sizeof exp);
            exp[3] = CODE + 4;
            regs_are(r, exp);
        }
    }
    covered(OP_JAL);
    rigs_free();
}

static void jalr_case(struct rig *r, const struct conf *c, unsigned rd, unsigned rs1, uint32_t base, int32_t imm)
{
    uint32_t regs[NREGS], exp[NREGS];
    regs_pattern(regs);
    regs[rs1] = base;
    uint32_t target = (rs1 ? base : 0) + (uint32_t)imm;
    ctx("%s: jalr r%u, %d(r%u) with r%u = 0x%08x (target 0x%08x)", c->name, rd, imm, rs1, rs1, base, target);
    CODE_AT(r, CODE, enc(OP_JALR, rd, rs1, 0, imm), enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
    CODE_AT(r, target, enc(OP_SYSCALL, 0, 0, 0, 0));
    enum exit_reason why = go(r, c, CODE, regs);
    ended_by_syscall(r, c, why, target, 1);
    memcpy(exp, regs, sizeof exp);
    exp[rd] = CODE + 4;
    exp[0] = 0;
    regs_are(r, exp);
    CODE_AT(r, target, 0);
}

static void test_jalr(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        jalr_case(r, c, 1, 5, CODE + 0x100, 0);
        jalr_case(r, c, 1, 5, CODE + 0x100, 8);
        jalr_case(r, c, 1, 5, CODE + 0x100, -8);      /* negative offset */
        jalr_case(r, c, 1, 5, CODE + 0x40, -0x40 - 0x20 + 0x30); /* t = CODE + 0x10 */
        jalr_case(r, c, 9, 5, 0x20000 + 32768, -32768);
        jalr_case(r, c, 9, 5, 0x20000 - 32767, 32767); /* odd base, aligned sum */
        jalr_case(r, c, 9, 5, 0x20003, -3);
        jalr_case(r, c, 5, 5, CODE + 0x200, 4);        /* rd = rs1: target from the old value */
        jalr_case(r, c, 5, 5, CODE + 0x201, -1);
        jalr_case(r, c, 0, 5, CODE + 0x300, 0);        /* rd = r0: link discarded */
        jalr_case(r, c, 3, 0, 0, 0x2000);              /* rs1 = r0: absolute */
        jalr_case(r, c, 15, 14, 0xfffff000, 0x3000);   /* wraps: -4096 + 0x3000 */
    }
    covered(OP_JALR);
    rigs_free();
}

/* jalr to a non-multiple of 4: misaligned at the jalr, nothing written. */
static void test_jalr_misaligned(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        for (uint32_t low = 1; low < 4; low++) {
            for (int same = 0; same < 2; same++) {
                uint32_t regs[NREGS];
                regs_pattern(regs);
                unsigned rd = same ? 5 : 1;
                regs[5] = CODE + 0x100;
                ctx("%s: jalr r%u, %u(r5) with r5 = 0x%x", c->name, rd, low, regs[5]);
                CODE_AT(r, CODE, enc(OP_JALR, rd, 5, 0, (int32_t)low), enc(OP_SYSCALL, 0, 0, 0, 0));
                enum exit_reason why = go(r, c, CODE, regs);
                ended_by(r, why, CAUSE_MISALIGNED | CAUSE_FETCH | (c->user ? CAUSE_USER : 0), CODE,
                         CODE + 0x100 + low, c->user ? 0 : SR_S, 0);
                regs[0] = 0;
                regs_are(r, regs);
            }
        }
    }
    rigs_free();
}

/* ----------------------------------------------- syscall, break and hcall */

static void test_syscall_break(void)
{
    rigs_new();
    for (int ci = 0; ci < NCONFS; ci++) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        uint32_t regs[NREGS];
        regs_pattern(regs);
        regs[0] = 0;
        ctx("%s: addi; syscall", c->name);
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
        enum exit_reason why = go(r, c, CODE, regs);
        ended_by(r, why, CAUSE_SYSCALL, CODE + 4, 0, c->user ? 0 : SR_S, 1);
        regs_are(r, regs);
        ctx("%s: addi; break", c->name);
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 1), enc(OP_BREAK, 0, 0, 0, 0));
        why = go(r, c, CODE, regs);
        ended_by(r, why, CAUSE_BREAK, CODE + 4, 0, c->user ? 0 : SR_S, 1);
        regs_are(r, regs);
        /* hcall traps in every mode, with its own word in badaddr (the
         * number and the register a handler needs), and writes nothing */
        ctx("%s: addi; hcall r7, 0x1234", c->name);
        uint32_t hcall = enc(OP_HCALL, 7, 0, 0, 0x1234);
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 1), hcall);
        why = go(r, c, CODE, regs);
        ended_by(r, why, CAUSE_HYPERCALL, CODE + 4, hcall, c->user ? 0 : SR_S, 1);
        regs_are(r, regs);
    }
    covered(OP_SYSCALL);
    covered(OP_BREAK);
    covered(OP_HCALL);
    rigs_free();
}

/* ------------------------------------- system instructions, supervisor */

/* The supervisor configurations: pg and x86like behave alike there. */
#define FOR_SUPERVISOR(ci) for (int ci = 0; ci < NCONFS; ci += 2)

static void test_halt(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        static const uint32_t VALUES[] = {0, 1, 0xff, 0x100, 0x89abcdef, 0xffffffff};
        for (unsigned rs = 0; rs < NREGS; rs++) {
            uint32_t regs[NREGS];
            regs_pattern(regs);
            uint32_t v = VALUES[rs % 6];
            regs[rs] = v;
            ctx("%s: halt r%u with 0x%08x", c->name, rs, v);
            CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_HALT, rs, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
            CHECK_EQ(go(r, c, CODE, regs), EXIT_HALT);
            CHECK_EQ(r->exit.value, rs ? v : 0);
            CHECK_EQ(CPU(r)->instret - instret0, 2); /* halt retires */
            CHECK_EQ(CRV(r, CR_CAUSE), 0xc0c0c0c0u);  /* no trap happened */
            CHECK_EQ(CRV(r, CR_STATUS), SR_S);
            regs[0] = 0;
            regs_are(r, regs);
        }
    }
    covered(OP_HALT);
    rigs_free();
}

static void test_wfi(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        uint32_t regs[NREGS];
        regs_pattern(regs);
        regs[0] = 0;

        /* IE = 0: idle until the timer is pending, then go on at PC + 4 */
        ctx("%s: timer in 50 cycles; wfi; syscall with IE = 0", c->name);
        CODE_AT(r, CODE, enc(OP_WFI, 0, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
        for (unsigned i = 1; i < NREGS; i++)
            REG(r, i) = regs[i];
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, SR_S);
        instret0 = CPU(r)->instret;
        cycles0 = CPU(r)->cycles;
        machine_set_cr(r->m, CR_TIMER, 50);
        enum exit_reason why = rig_run(r, BUDGET);
        ended_by_syscall(r, c, why, CODE + 4, 1);
        CHECK_EQ(machine_pending_interrupt(r->m), CAUSE_TIMER);
        /* pending at cycle 50; the wfi idled until then; halt is cycle 51 */
        CHECK_EQ(CPU(r)->cycles - cycles0, 51);
        regs_are(r, regs);
        machine_set_cr(r->m, CR_TIMER, 0);

        /* IE = 1: the interrupt is taken after the wfi, epc = PC + 4 */
        ctx("%s: timer in 50 cycles; wfi; syscall with IE = 1", c->name);
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, SR_S | SR_IE);
        instret0 = CPU(r)->instret;
        machine_set_cr(r->m, CR_TIMER, 50);
        why = rig_run(r, BUDGET);
        ended_by(r, why, CAUSE_TIMER, CODE + 4, 0, SR_S | SR_IE, 1);
        machine_set_cr(r->m, CR_TIMER, 0);

        /* already pending: wfi returns at once, no idle cycles */
        ctx("%s: wfi with the timer already pending, IE = 0", c->name);
        CPU(r)->pc = CODE;
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_WFI, 0, 0, 0, 0),
                enc(OP_SYSCALL, 0, 0, 0, 0));
        machine_set_cr(r->m, CR_STATUS, SR_S);
        instret0 = CPU(r)->instret;
        cycles0 = CPU(r)->cycles;
        machine_set_cr(r->m, CR_TIMER, 1);
        why = rig_run(r, BUDGET);
        ended_by_syscall(r, c, why, CODE + 12, 3);
        CHECK_EQ(CPU(r)->cycles - cycles0, CPU(r)->instret - instret0);
        machine_set_cr(r->m, CR_TIMER, 0);

        /* nothing could ever wake it: the machine reports a deadlock */
        ctx("%s: wfi with nothing armed", c->name);
        CODE_AT(r, CODE, enc(OP_WFI, 0, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
        CHECK_EQ(go(r, c, CODE, regs), EXIT_DEADLOCK);
    }
    covered(OP_WFI);
    rigs_free();
}

/* rfe: S = PS, IE = PIE, pc = epc; PS, PIE and PG keep their values. */
static void test_rfe(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        for (int pg = 0; pg < 2; pg++) {
            if (pg) {
                identity_map(r, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
            }
            for (uint32_t bits = 0; bits < 16; bits++) {
                /* S is 1 (rfe runs in supervisor mode); IE, PS, PIE vary */
                uint32_t from = SR_S | (bits & 1 ? SR_IE : 0) | (bits & 2 ? SR_PS : 0) |
                                (bits & 4 ? SR_PIE : 0) | (pg ? SR_PG : 0);
                uint32_t target = bits & 8 ? CODE + 0x40 : CODE - 0x800;
                uint32_t regs[NREGS];
                regs_pattern(regs);
                regs[0] = 0;
                ctx("%s: rfe with status %s, epc 0x%x", c->name, say_status(from), target);
                CODE_AT(r, CODE, enc(OP_RFE, 0, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
                CODE_AT(r, target, enc(OP_SYSCALL, 0, 0, 0, 0));
                for (unsigned i = 1; i < NREGS; i++)
                    REG(r, i) = regs[i];
                CPU(r)->pc = CODE;
                machine_set_cr(r->m, CR_STATUS, from);
                machine_set_cr(r->m, CR_EPC, target);
                uint64_t i0 = CPU(r)->instret;
                CHECK_RULE(rig_run(r, 1), EXIT_BUDGET, "rfe stopped the machine (exit reason)");
                CHECK_RULE(CPU(r)->pc, target, "rfe did not jump to epc");
                uint32_t want = (from & (SR_PS | SR_PIE | SR_PG)) | (from & SR_PS ? SR_S : 0) |
                                (from & SR_PIE ? SR_IE : 0);
                CHECK_STATUS_AFTER_RFE(CRV(r, CR_STATUS), want);
                CHECK_RULE(CPU(r)->instret - i0, 1, "rfe did not retire exactly once");
                /* and on: the syscall at the target traps from that state */
                instret0 = CPU(r)->instret;
                enum exit_reason why = rig_run(r, BUDGET);
                ended_by(r, why, CAUSE_SYSCALL, target, 0, want, 0);
                regs_are(r, regs);
                CODE_AT(r, target, 0);
            }
            machine_set_cr(r->m, CR_STATUS, SR_S);
        }
    }
    covered(OP_RFE);
    rigs_free();
}

/* mfcr of every control register (section 5). */
static void test_mfcr(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        uint32_t regs[NREGS], exp[NREGS];
        regs_pattern(regs);
        ctx("%s: mfcr r1..r8 of cr 0..7", c->name);
        CODE_AT(r, CODE, enc(OP_MFCR, 1, 0, 0, CR_STATUS), enc(OP_MFCR, 2, 0, 0, CR_EPC),
                enc(OP_MFCR, 3, 0, 0, CR_CAUSE), enc(OP_MFCR, 4, 0, 0, CR_BADADDR), enc(OP_MFCR, 5, 0, 0, CR_TVEC),
                enc(OP_MFCR, 6, 0, 0, CR_PTB), enc(OP_MFCR, 7, 0, 0, CR_TIMER), enc(OP_MFCR, 8, 0, 0, CR_SCRATCH),
                enc(OP_MFCR, 0, 0, 0, CR_SCRATCH), enc(OP_SYSCALL, 0, 0, 0, 0));
        for (unsigned i = 1; i < NREGS; i++)
            REG(r, i) = regs[i];
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, SR_S | SR_PS | SR_PIE);
        machine_set_cr(r->m, CR_EPC, 0x11111110);
        machine_set_cr(r->m, CR_CAUSE, 0x22222222);
        machine_set_cr(r->m, CR_BADADDR, 0x33333333);
        machine_set_cr(r->m, CR_PTB, 0x55555000);
        machine_set_cr(r->m, CR_SCRATCH, 0x77777777);
        machine_set_cr(r->m, CR_TIMER, 0);
        instret0 = CPU(r)->instret;
        enum exit_reason why = rig_run(r, BUDGET);
        ended_by(r, why, CAUSE_SYSCALL, CODE + 36, 0, SR_S | SR_PS | SR_PIE, 9);
        memcpy(exp, regs, sizeof exp);
        exp[0] = 0;
        exp[1] = SR_S | SR_PS | SR_PIE;
        exp[2] = 0x11111110;
        exp[3] = 0x22222222;
        exp[4] = 0x33333333;
        exp[5] = HANDLER;
        exp[6] = 0x55555000;
        exp[7] = 0; /* disarmed */
        exp[8] = 0x77777777;
        regs_are(r, exp);
        machine_set_cr(r->m, CR_PTB, 0);

        /* an armed timer reads the instructions left: after the mtcr (K-th)
         * and 3 more retired, N - 3 remain until the count reaches K + N */
        ctx("%s: mtcr timer, 1000; nop; nop; mfcr timer", c->name);
        regs[1] = 1000;
        CODE_AT(r, CODE, enc(OP_MTCR, 1, 0, 0, CR_TIMER), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0),
                enc(OP_MFCR, 2, 0, 0, CR_TIMER), enc(OP_SYSCALL, 0, 0, 0, 0));
        why = go(r, c, CODE, regs);
        ended_by_syscall(r, c, why, CODE + 16, 4);
        memcpy(exp, regs, sizeof exp);
        exp[0] = 0;
        exp[2] = 1000 - 3;
        regs_are(r, exp);
        /* it keeps counting down: one more retired since (the halt) */
        CHECK_EQ(CRV(r, CR_TIMER), 1000 - 4);
        machine_set_cr(r->m, CR_TIMER, 0);

        /* one-shot: once it has fired it reads 0 (disarmed), still pending */
        regs[1] = 2;
        ctx("%s: mtcr timer, 2; nop; nop; mfcr r2, timer (fired)", c->name);
        CODE_AT(r, CODE, enc(OP_MTCR, 1, 0, 0, CR_TIMER), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0),
                enc(OP_MFCR, 2, 0, 0, CR_TIMER), enc(OP_SYSCALL, 0, 0, 0, 0));
        why = go(r, c, CODE, regs);
        ended_by_syscall(r, c, why, CODE + 16, 4);
        memcpy(exp, regs, sizeof exp);
        exp[0] = 0;
        exp[2] = 0;
        regs_are(r, exp);
        CHECK_EQ(machine_pending_interrupt(r->m), CAUSE_TIMER);
        machine_set_cr(r->m, CR_TIMER, 0);
        CHECK_EQ(machine_pending_interrupt(r->m), 0);
    }
    covered(OP_MFCR);
    rigs_free();
}

/* mtcr to every control register, read back by the host and by mfcr. */
static void test_mtcr_storage(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        static const struct {
            enum cr cr;
            uint32_t v, want;
        } W[] = {
            {CR_STATUS, 0xffffffe0u | SR_S | SR_PS | SR_PIE, SR_S | SR_PS | SR_PIE}, /* reserved bits ignored */
            {CR_STATUS, SR_S, SR_S},
            {CR_EPC, 0xfffffffe, 0xfffffffe}, /* plain storage: every bit */
            {CR_EPC, 0x00000001, 0x00000001},
            {CR_CAUSE, 0xa5a5a5a5, 0xa5a5a5a5},
            {CR_CAUSE, 0x00000000, 0x00000000},
            {CR_BADADDR, 0x5a5a5a5a, 0x5a5a5a5a},
            {CR_BADADDR, 0xffffffff, 0xffffffff},
            {CR_SCRATCH, 0xdeadbeef, 0xdeadbeef},
            {CR_SCRATCH, 0x00000001, 0x00000001},
            {CR_PTB, 0x12345fff, 0x12345000}, /* low 12 bits ignored */
            {CR_PTB, 0x00000abc, 0x00000000},
            {CR_PTB, 0xfffff000, 0xfffff000},
        };
        for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) {
            uint32_t regs[NREGS], exp[NREGS];
            regs_pattern(regs);
            regs[6] = W[i].v;
            ctx("%s: mtcr %s, r6 with 0x%08x; mfcr r7, %s", c->name, isa_cr_name(W[i].cr), W[i].v,
                isa_cr_name(W[i].cr));
            CODE_AT(r, CODE, enc(OP_MTCR, 6, 0, 0, W[i].cr), enc(OP_MFCR, 7, 0, 0, W[i].cr),
                    enc(OP_ADDI, 0, 0, 0, 0));
            for (unsigned k = 1; k < NREGS; k++)
                REG(r, k) = regs[k];
            CPU(r)->pc = CODE;
            machine_set_cr(r->m, CR_STATUS, SR_S);
            uint64_t i0 = CPU(r)->instret;
            CHECK_EQ(rig_run(r, 3), EXIT_BUDGET);
            CHECK_EQ(CPU(r)->instret - i0, 3);
            CHECK_EQ(CPU(r)->pc, CODE + 12);
            CHECK_EQ(CRV(r, W[i].cr), W[i].want);
            memcpy(exp, regs, sizeof exp);
            exp[0] = 0;
            exp[7] = W[i].want;
            regs_are(r, exp);
        }
        machine_set_cr(r->m, CR_PTB, 0);

        /* tvec: the next trap goes to the new address */
        uint32_t regs[NREGS], exp[NREGS];
        regs_pattern(regs);
        regs[6] = 0x3000;
        ctx("%s: mtcr tvec, r6 (0x3000); syscall", c->name);
        CODE_AT(r, 0x3000, enc(OP_ADDI, 9, 0, 0, 0x77), enc(OP_HALT, 0, 0, 0, 0));
        CODE_AT(r, CODE, enc(OP_MTCR, 6, 0, 0, CR_TVEC), enc(OP_MFCR, 7, 0, 0, CR_TVEC), enc(OP_SYSCALL, 0, 0, 0, 0));
        enum exit_reason why = go(r, c, CODE, regs);
        CHECK_EQ(why, EXIT_HALT);
        CHECK_EQ(CRV(r, CR_CAUSE), CAUSE_SYSCALL);
        CHECK_EQ(CRV(r, CR_EPC), CODE + 8);
        CHECK_EQ(CRV(r, CR_TVEC), 0x3000);
        memcpy(exp, regs, sizeof exp);
        exp[0] = 0;
        exp[7] = 0x3000;
        exp[9] = 0x77;
        regs_are(r, exp);
        machine_set_cr(r->m, CR_TVEC, HANDLER);
    }
    covered(OP_MTCR);
    rigs_free();
}

/* Side effects of writing status and timer (section 5). */
static void test_mtcr_status_timer_effects(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        uint32_t regs[NREGS], exp[NREGS];
        enum exit_reason why;
        regs_pattern(regs);
        regs[0] = 0;

        /* S = 0 takes effect from the next instruction: mfcr traps there */
        regs[1] = 0;
        ctx("%s: mtcr status, r1 (0); mfcr r2, scratch", c->name);
        CODE_AT(r, CODE, enc(OP_MTCR, 1, 0, 0, CR_STATUS), enc(OP_MFCR, 2, 0, 0, CR_SCRATCH),
                enc(OP_SYSCALL, 0, 0, 0, 0));
        why = go(r, c, CODE, regs);
        ended_by(r, why, CAUSE_PRIV, CODE + 4, enc(OP_MFCR, 2, 0, 0, CR_SCRATCH), 0, 1);
        regs_are(r, regs);

        /* the same through wrsr; in x86like the user-mode rdsr then runs */
        ctx("%s: wrsr r1 (0); rdsr r2; syscall", c->name);
        CODE_AT(r, CODE, enc(OP_WRSR, 1, 0, 0, 0), enc(OP_RDSR, 2, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
        why = go(r, c, CODE, regs);
        if (c->v == ISA_PG) {
            ended_by(r, why, CAUSE_PRIV, CODE + 4, enc(OP_RDSR, 2, 0, 0, 0), 0, 1);
            regs_are(r, regs);
        } else {
            ended_by(r, why, CAUSE_SYSCALL, CODE + 8, 0, 0, 2);
            memcpy(exp, regs, sizeof exp);
            exp[2] = 0; /* the real status: user mode, IE = 0 */
            regs_are(r, exp);
        }

        /* IE = 1 with a timer interrupt pending: taken before the next one */
        regs[1] = SR_S | SR_IE;
        ctx("%s: timer pending; mtcr status, r1 (S|IE); addi r5", c->name);
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_MTCR, 1, 0, 0, CR_STATUS),
                enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
        for (unsigned i = 1; i < NREGS; i++)
            REG(r, i) = regs[i];
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, SR_S);
        machine_set_cr(r->m, CR_TIMER, 1);
        instret0 = CPU(r)->instret;
        why = rig_run(r, BUDGET);
        ended_by(r, why, CAUSE_TIMER, CODE + 12, 0, SR_S | SR_IE, 3);
        regs_are(r, regs);

        /* writing timer clears the pending interrupt: 0 disarms */
        ctx("%s: timer pending; mtcr timer, r0; mtcr status, r1 (S|IE); syscall", c->name);
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_MTCR, 0, 0, 0, CR_TIMER),
                enc(OP_MTCR, 1, 0, 0, CR_STATUS), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, SR_S);
        machine_set_cr(r->m, CR_TIMER, 1);
        instret0 = CPU(r)->instret;
        why = rig_run(r, BUDGET);
        ended_by(r, why, CAUSE_SYSCALL, CODE + 20, 0, SR_S | SR_IE, 5);
        CHECK_EQ(CRV(r, CR_TIMER), 0);
        CHECK_EQ(machine_pending_interrupt(r->m), 0);

        /* ... and N > 0 re-arms: pending when the count reaches K + N */
        regs[2] = 3;
        ctx("%s: timer pending; mtcr timer, r2 (3) as K-th; taken before K + 4", c->name);
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_MTCR, 2, 0, 0, CR_TIMER),
                enc(OP_MTCR, 1, 0, 0, CR_STATUS), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0),
                enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
        for (unsigned i = 1; i < NREGS; i++)
            REG(r, i) = regs[i];
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, SR_S);
        machine_set_cr(r->m, CR_TIMER, 1);
        instret0 = CPU(r)->instret;
        why = rig_run(r, BUDGET);
        ended_by(r, why, CAUSE_TIMER, CODE + 24, 0, SR_S | SR_IE, 6);
        regs_are(r, regs);
        machine_set_cr(r->m, CR_TIMER, 0);
    }
    rigs_free();
}

/* Writing ptb, or changing PG, flushes the TLB; other writes do not
 * (section 5: "these side effects, and no others").  The TLB is observed
 * through a stale entry (section 7): page DATA is remapped in memory to
 * another frame, and a load sees the new frame only after a flush. */
static void test_mtcr_tlb_effects(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        const uint32_t rwx = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
        static const struct {
            const char *what;
            enum op op1, op2;
            enum cr cr1, cr2; /* for mtcr */
            bool flushes;
        } W[] = {
            {"mtcr ptb (same table, low bits set)", OP_MTCR, OP_ADDI, CR_PTB, 0, true},
            {"mtcr status PG off, mtcr status PG on", OP_MTCR, OP_MTCR, CR_STATUS, CR_STATUS, true},
            {"wrsr PG off, wrsr PG on", OP_WRSR, OP_WRSR, 0, 0, true},
            {"mtcr status with PG unchanged", OP_MTCR, OP_ADDI, CR_STATUS, 0, false},
            {"wrsr with PG unchanged", OP_WRSR, OP_ADDI, 0, 0, false},
            {"mtcr scratch", OP_MTCR, OP_ADDI, CR_SCRATCH, 0, false},
            {"mtcr epc, cause, badaddr", OP_MTCR, OP_MTCR, CR_EPC, CR_CAUSE, false},
        };
        for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) {
            identity_map(r, rwx);
            rig_poke32(r, DATA, 0x1111);
            rig_poke32(r, DATA + PAGE_SIZE, 0x2222);
            uint32_t regs[NREGS], exp[NREGS];
            regs_pattern(regs);
            regs[0] = 0;
            regs[1] = DATA;
            regs[2] = (DATA + PAGE_SIZE) | rwx; /* the new mapping */
            regs[3] = pte_addr(DATA);
            /* r4: first value written, r8: second */
            bool pgtoggle = W[i].op2 == OP_WRSR || (W[i].op2 == OP_MTCR && W[i].cr2 == CR_STATUS);
            if (W[i].cr1 == CR_PTB && W[i].op1 == OP_MTCR)
                regs[4] = PT_L1 | 0xabc;
            else if (pgtoggle)
                regs[4] = SR_S;
            else if (W[i].op1 == OP_WRSR || W[i].cr1 == CR_STATUS)
                regs[4] = SR_S | SR_PG;
            else
                regs[4] = 0x12345678;
            regs[8] = pgtoggle ? SR_S | SR_PG : 0x9abcdef0;
            uint32_t w1 = W[i].op1 == OP_WRSR ? enc(OP_WRSR, 4, 0, 0, 0) : enc(OP_MTCR, 4, 0, 0, W[i].cr1);
            uint32_t w2 = W[i].op2 == OP_WRSR   ? enc(OP_WRSR, 8, 0, 0, 0)
                          : W[i].op2 == OP_MTCR ? enc(OP_MTCR, 8, 0, 0, W[i].cr2)
                                                : enc(OP_ADDI, 0, 0, 0, 0);
            ctx("%s: TLB after %s", c->name, W[i].what);
            CODE_AT(r, CODE, enc(OP_LW, 5, 1, 0, 0), /* fills the TLB entry */
                    enc(OP_SW, 2, 3, 0, 0),          /* remap the page in memory */
                    enc(OP_LW, 6, 1, 0, 0),          /* stale: the old frame */
                    w1, w2, enc(OP_LW, 7, 1, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
            enum exit_reason why = go_status(r, SR_S | SR_PG, CODE, regs);
            ended_by(r, why, CAUSE_SYSCALL, CODE + 24, 0, SR_S | SR_PG, 6);
            memcpy(exp, regs, sizeof exp);
            exp[5] = 0x1111;
            exp[6] = 0x1111;
            exp[7] = W[i].flushes ? 0x2222 : 0x1111;
            regs_are(r, exp);
            if (W[i].cr1 == CR_PTB)
                CHECK_EQ(CRV(r, CR_PTB), PT_L1);
            machine_set_cr(r->m, CR_STATUS, SR_S);
        }
        machine_set_cr(r->m, CR_PTB, 0);
    }
    covered(OP_WRSR);
    rigs_free();
}

static void test_tlbflush_run(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        for (int pg = 0; pg < 2; pg++) {
            if (pg)
                identity_map(r, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
            uint32_t regs[NREGS];
            regs_pattern(regs);
            regs[0] = 0;
            regs[5] = DATA;
            ctx("%s: tlbflush; tlbflushv r5; tlbflushv r0 (paging %s)", c->name, pg ? "on" : "off");
            CODE_AT(r, CODE, enc(OP_TLBFLUSH, 0, 0, 0, 0), enc(OP_TLBFLUSHV, 5, 0, 0, 0),
                    enc(OP_TLBFLUSHV, 0, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
            enum exit_reason why = go_status(r, SR_S | (pg ? SR_PG : 0), CODE, regs);
            ended_by(r, why, CAUSE_SYSCALL, CODE + 12, 0, SR_S | (pg ? SR_PG : 0), 3);
            regs_are(r, regs);
        }
        machine_set_cr(r->m, CR_STATUS, SR_S);
    }
    covered(OP_TLBFLUSH);
    covered(OP_TLBFLUSHV);
    rigs_free();
}

static void test_in_out(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        static const uint32_t UNKNOWN[] = {0x0000, 0x0001, 0x000f, 0x0013, 0x001f, 0x0026, 0x7777, 0x8000, 0xffff};
        for (size_t i = 0; i < sizeof UNKNOWN / sizeof UNKNOWN[0]; i++) {
            uint32_t regs[NREGS], exp[NREGS];
            regs_pattern(regs);
            regs[0] = 0;
            regs[6] = 0x41;
            ctx("%s: out 0x%04x, r6; in r5, 0x%04x; in r0, 0x%04x (no device)", c->name, UNKNOWN[i],
                UNKNOWN[i], UNKNOWN[i]);
            CODE_AT(r, CODE, enc(OP_OUT, 6, 0, 0, (int32_t)UNKNOWN[i]), enc(OP_IN, 5, 0, 0, (int32_t)UNKNOWN[i]),
                    enc(OP_IN, 0, 0, 0, (int32_t)UNKNOWN[i]), enc(OP_SYSCALL, 0, 0, 0, 0));
            enum exit_reason why = go(r, c, CODE, regs);
            ended_by_syscall(r, c, why, CODE + 12, 3);
            memcpy(exp, regs, sizeof exp);
            exp[5] = 0xffffffff;
            regs_are(r, exp);
            CHECK_EQ(r->outlen, 0);
        }
        /* a port that answers: the console (section 8.2) */
        uint32_t regs[NREGS], exp[NREGS];
        regs_pattern(regs);
        regs[0] = 0;
        regs[6] = 0x1234565a; /* prints its low byte, 'Z' */
        rig_input(r, "q", 1);
        ctx("%s: out con.data, r6; in r5, con.data; in r7, con.data; in r8, con.status", c->name);
        CODE_AT(r, CODE, enc(OP_OUT, 6, 0, 0, PORT_CON_DATA), enc(OP_IN, 5, 0, 0, PORT_CON_DATA),
                enc(OP_IN, 7, 0, 0, PORT_CON_DATA), enc(OP_IN, 8, 0, 0, PORT_CON_STATUS),
                enc(OP_SYSCALL, 0, 0, 0, 0));
        enum exit_reason why = go(r, c, CODE, regs);
        ended_by_syscall(r, c, why, CODE + 16, 4);
        memcpy(exp, regs, sizeof exp);
        exp[5] = 'q';
        exp[7] = 0xffffffff;               /* the input has ended */
        exp[8] = CON_STATUS_EOF | CON_STATUS_TX;
        regs_are(r, exp);
        CHECK_EQ(r->outlen, 1);
        CHECK(r->out && r->out[0] == 'Z');
    }
    covered(OP_IN);
    covered(OP_OUT);
    rigs_free();
}

/* rdsr/wrsr/rdptb in supervisor mode: the same as mfcr/mtcr on status/ptb. */
static void test_rdsr_wrsr_rdptb(void)
{
    rigs_new();
    FOR_SUPERVISOR(ci) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        uint32_t regs[NREGS], exp[NREGS];
        regs_pattern(regs);
        regs[0] = 0;
        regs[6] = 0xffffffe0u | SR_S | SR_PIE; /* reserved bits ignored */
        ctx("%s: rdsr r5; wrsr r6; rdsr r7; rdptb r8; rdsr r0; rdptb r0", c->name);
        CODE_AT(r, CODE, enc(OP_RDSR, 5, 0, 0, 0), enc(OP_WRSR, 6, 0, 0, 0), enc(OP_RDSR, 7, 0, 0, 0),
                enc(OP_RDPTB, 8, 0, 0, 0), enc(OP_RDSR, 0, 0, 0, 0), enc(OP_RDPTB, 0, 0, 0, 0),
                enc(OP_SYSCALL, 0, 0, 0, 0));
        machine_set_cr(r->m, CR_PTB, 0x00abcfff);
        enum exit_reason why = go_status(r, SR_S | SR_PS, CODE, regs);
        ended_by(r, why, CAUSE_SYSCALL, CODE + 24, 0, SR_S | SR_PIE, 6);
        memcpy(exp, regs, sizeof exp);
        exp[5] = SR_S | SR_PS;
        exp[7] = SR_S | SR_PIE;
        exp[8] = 0x00abc000;
        regs_are(r, exp);
        machine_set_cr(r->m, CR_PTB, 0);
    }
    covered(OP_RDSR);
    covered(OP_WRSR);
    covered(OP_RDPTB);
    rigs_free();
}

/* ------------------------------------------- system instructions, user */

static const struct {
    enum op op;
    unsigned ra;
    int32_t imm;
} SYS_USER[] = {
    {OP_HALT, 7, 0},
    {OP_HALT, 0, 0},
    {OP_WFI, 0, 0},
    {OP_RFE, 0, 0},
    {OP_MFCR, 5, CR_STATUS},
    {OP_MFCR, 5, CR_EPC},
    {OP_MFCR, 5, CR_CAUSE},
    {OP_MFCR, 5, CR_BADADDR},
    {OP_MFCR, 5, CR_TVEC},
    {OP_MFCR, 5, CR_PTB},
    {OP_MFCR, 5, CR_TIMER},
    {OP_MFCR, 5, CR_SCRATCH},
    {OP_MTCR, 6, CR_STATUS},
    {OP_MTCR, 6, CR_EPC},
    {OP_MTCR, 6, CR_CAUSE},
    {OP_MTCR, 6, CR_BADADDR},
    {OP_MTCR, 6, CR_TVEC},
    {OP_MTCR, 6, CR_PTB},
    {OP_MTCR, 6, CR_TIMER},
    {OP_MTCR, 6, CR_SCRATCH},
    {OP_TLBFLUSH, 0, 0},
    {OP_TLBFLUSHV, 5, 0},
    {OP_IN, 5, PORT_CON_DATA},
    {OP_IN, 5, PORT_CON_STATUS},
    {OP_IN, 5, 0x7777},
    {OP_OUT, 6, PORT_CON_DATA},
    {OP_OUT, 6, PORT_CON_CTRL},
    {OP_OUT, 6, 0x7777},
    {OP_RDSR, 5, 0},
    {OP_WRSR, 6, 0},
    {OP_RDPTB, 5, 0},
};

/* In user mode, an instruction the manual lists as privileged in the
 * variant raises `privileged` with badaddr = the word and epc = its
 * address, and changes nothing else; the three x86like ones run. */
static void test_system_user(void)
{
    rigs_new();
    for (int ci = 1; ci < NCONFS; ci += 2) {
        struct rig *r = rigs[ci];
        const struct conf *c = &confs[ci];
        for (size_t i = 0; i < sizeof SYS_USER / sizeof SYS_USER[0]; i++) {
            enum op op = SYS_USER[i].op;
            for (int ie = 0; ie < 2; ie++) {
                uint32_t from = ie ? SR_IE | SR_PS : SR_PIE; /* PS/PIE opposite to S/IE */
                uint32_t w = enc(op, SYS_USER[i].ra, 0, 0, SYS_USER[i].imm);
                uint32_t regs[NREGS], exp[NREGS];
                regs_pattern(regs);
                regs[0] = 0;
                regs[6] = 0xffffffff; /* what a write would write: everything */
                rig_input(r, "k", 1);
                r->outlen = 0;
                machine_set_cr(r->m, CR_PTB, 0x00abc000);
                machine_set_cr(r->m, CR_SCRATCH, 0x5c5c5c5c);
                machine_set_cr(r->m, CR_TIMER, 0);
                machine_set_cr(r->m, CR_TVEC, HANDLER);
                ctx("%s: %s (0x%08x) in user mode, status 0x%02x", c->name, mn(op), w, from);
                CODE_AT(r, CODE, w, enc(OP_SYSCALL, 0, 0, 0, 0));
                enum exit_reason why = go_status(r, from, CODE, regs);
                memcpy(exp, regs, sizeof exp);
                if (manual_traps_in_user(op, c->v)) {
                    ended_by(r, why, CAUSE_PRIV, CODE, w, from, 0);
                    CHECK_EQ(CPU(r)->cycles - cycles0, 1); /* no idling either */
                } else {
                    ended_by(r, why, CAUSE_SYSCALL, CODE + 4, 0, from, 1);
                    if (op == OP_RDSR)
                        exp[5] = from; /* the real status, S = 0 */
                    if (op == OP_RDPTB)
                        exp[5] = 0x00abc000; /* the real ptb */
                    /* wrsr changed nothing: the syscall saw `from` (above) */
                }
                regs_are(r, exp);
                CHECK_EQ(CRV(r, CR_PTB), 0x00abc000);
                CHECK_EQ(CRV(r, CR_SCRATCH), 0x5c5c5c5c);
                CHECK_EQ(CRV(r, CR_TIMER), 0);
                CHECK_EQ(CRV(r, CR_TVEC), HANDLER);
                CHECK_EQ(r->outlen, 0);
                CHECK_EQ(r->inpos, 0); /* the console input was not touched */
                CHECK_EQ(machine_pending_interrupt(r->m), 0);
            }
            covered(op);
        }
        /* x86like: wrsr leaves the status as it was, rdsr shows it */
        if (c->v == ISA_X86LIKE) {
            static const uint32_t FROM[] = {0, SR_IE, SR_PS | SR_PIE, SR_IE | SR_PS | SR_PIE};
            static const uint32_t WRITE[] = {0, SR_S, SR_IE, SR_PG, 0xffffffff, SR_S | SR_IE | SR_PS | SR_PIE};
            for (size_t f = 0; f < 4; f++)
                for (size_t k = 0; k < 6; k++) {
                    uint32_t regs[NREGS], exp[NREGS];
                    regs_pattern(regs);
                    regs[0] = 0;
                    regs[6] = WRITE[k];
                    ctx("%s: wrsr r6 (0x%08x); rdsr r7; syscall from status 0x%02x", c->name, WRITE[k], FROM[f]);
                    CODE_AT(r, CODE, enc(OP_WRSR, 6, 0, 0, 0), enc(OP_RDSR, 7, 0, 0, 0),
                            enc(OP_SYSCALL, 0, 0, 0, 0));
                    enum exit_reason why = go_status(r, FROM[f], CODE, regs);
                    ended_by(r, why, CAUSE_SYSCALL, CODE + 8, 0, FROM[f], 2);
                    memcpy(exp, regs, sizeof exp);
                    exp[7] = FROM[f];
                    regs_are(r, exp);
                }
        }
    }
    rigs_free();
}

/* The table's privilege columns say what section 10 says. */
static void test_table_matches_manual(void)
{
    for (int op = 0; op < OP_COUNT; op++)
        for (int v = 0; v < ISA_NVARIANTS; v++) {
            ctx("%s in %s", mn((enum op)op), isa_variant_name((enum isa_variant)v));
            CHECK_EQ(isa_insns[op].traps_in_user[v], manual_traps_in_user((enum op)op, (enum isa_variant)v));
        }
}

/* ---------------------------------------------------------------- suites */

void suite_insn(void)
{
    CU_pSuite s = rule_suite("insn", NULL, NULL);
    CU_add_test(s, "register-register: one line per case", test_rrr_lines);
    CU_add_test(s, "register-register: edge and random operands vs host C", test_rrr_sweep);
    CU_add_test(s, "register-register: aliasing and r0", test_rrr_aliasing_and_r0);
    CU_add_test(s, "register-immediate: one line per case, immediate limits", test_rri_lines);
    CU_add_test(s, "register-immediate: edge and random operands vs host C", test_rri_sweep);
    CU_add_test(s, "loads: one line per case, extension, byte order", test_load_lines);
    CU_add_test(s, "loads: random addresses and offsets", test_load_sweep);
    CU_add_test(s, "stores: one line per case, byte order", test_store_lines);
    CU_add_test(s, "stores: random addresses, offsets and values", test_store_sweep);
    CU_add_test(s, "branches: taken/not, forward/backward, signed/unsigned", test_branches);
    CU_add_test(s, "branches: farthest targets", test_branch_range);
    CU_add_test(s, "jal: link, targets, limits", test_jal);
    CU_add_test(s, "jalr: link, targets, rd = rs1", test_jalr);
    CU_add_test(s, "jalr: misaligned target", test_jalr_misaligned);
    CU_add_test(s, "syscall and break", test_syscall_break);
    CU_add_test(s, "halt", test_halt);
    CU_add_test(s, "wfi", test_wfi);
    CU_add_test(s, "rfe: S = PS, IE = PIE, pc = epc; PS, PIE and PG kept", test_rfe);
    CU_add_test(s, "mfcr: every control register", test_mfcr);
    CU_add_test(s, "mtcr: every control register", test_mtcr_storage);
    CU_add_test(s, "mtcr/wrsr: status and timer side effects", test_mtcr_status_timer_effects);
    CU_add_test(s, "mtcr/wrsr: TLB flush side effects and no others", test_mtcr_tlb_effects);
    CU_add_test(s, "tlbflush and tlbflushv run", test_tlbflush_run);
    CU_add_test(s, "in and out", test_in_out);
    CU_add_test(s, "rdsr, wrsr, rdptb in supervisor mode", test_rdsr_wrsr_rdptb);
    CU_add_test(s, "system instructions in user mode, both variants", test_system_user);
    CU_add_test(s, "instruction table privilege columns = manual section 10", test_table_matches_manual);
}

/* Must run last: every other suite has marked what it covers. */
static void test_every_row_covered(void)
{
    for (int op = 0; op < OP_COUNT; op++) {
        if (!is_covered((enum op)op))
            fprintf(stderr, "\n  no instruction test covers `%s` (opcode 0x%02x)\n", isa_insns[op].mnem,
                    isa_insns[op].code);
        ctx("instruction `%s` (opcode 0x%02x) has a test", isa_insns[op].mnem, isa_insns[op].code);
        CHECK(is_covered((enum op)op));
    }
}

void suite_coverage(void)
{
    CU_pSuite s = CU_add_suite("coverage", NULL, NULL);
    CU_add_test(s, "every row of the instruction table has an instruction test", test_every_row_covered);
}
