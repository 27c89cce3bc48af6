/*
 * test_ref.c - the reference CPU (isa/ref/) on its own, against oracles
 * that owe nothing to either machine: values computed here in C, and the
 * manual's own examples and rules (docs/isa.md).  The difftest checks the
 * fast machine against the reference; this checks that the reference is
 * worth checking against.
 *
 *   - every register-register and register-immediate operation on edge
 *     operands (0, 1, -1, INT_MIN, INT_MAX, ...), results computed in C,
 *     div-zero traps that write nothing;
 *   - loads' sign and zero extension, little-endian stores;
 *   - section 3's encoding rules: the manual's example word, unknown
 *     opcodes, unused fields, shift amounts, control register numbers;
 *     illegal before privileged;
 *   - section 6's trap mechanics, detail bits (the manual's 0xb05), double
 *     fault;
 *   - section 7's walk: A and D in memory, a stale TLB entry that keeps
 *     allowing, tlbflushv;
 *   - section 8.1's timer: taken before instruction K + N + 1.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "prog.h"
#include "ref.h"

#define MEM (1u << 20)
#define RESULT_REG 10

static struct ref_machine *make(enum isa_variant v, bool hosted)
{
    char err[200];
    struct ref_config c = {.mem_size = MEM, .isa = v, .hosted = hosted};
    struct ref_machine *r = ref_new(&c, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    return r;
}

static void poke(struct ref_machine *r, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    CU_ASSERT_FATAL(ref_write_phys(r, pa, b, 4));
}

static uint32_t peek(struct ref_machine *r, uint32_t pa)
{
    uint8_t b[4] = {0};
    CU_ASSERT(ref_read_phys(r, pa, b, 4));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void load(struct ref_machine *r, const struct prog *p)
{
    for (size_t i = 0; i < p->n; i++)
        poke(r, p->base + 4 * (uint32_t)i, p->w[i]);
}

/* A program at CODE with a handler (halt r0) at HANDLER; run to its halt. */
static enum exit_reason run(struct ref_machine *r, const struct prog *p, uint32_t status, struct vm_exit *x)
{
    load(r, p);
    poke(r, HANDLER, enc(OP_HALT, 0, 0, 0, 0));
    ref_set_cr(r, CR_TVEC, HANDLER);
    ref_set_cr(r, CR_STATUS, status);
    ref_cpu(r)->pc = p->base;
    return ref_run(r, 10000, x);
}

/* --- arithmetic against C ------------------------------------------------------ */

static const uint32_t edges[] = {0,          1,          2,          3,          5,          31,
                                 32,         33,         0x7fff,     0x8000,     0xffff,     0x10000,
                                 0x12345678, 0x7fffffff, 0x80000000, 0x80000001, 0xdeadbeef, 0xfffffffe,
                                 0xffffffff};
#define NEDGES (sizeof edges / sizeof edges[0])

/* The result of a register-register operation, as the manual defines it;
 * false for a zero divisor (a div-zero trap). */
static bool host_rr(enum op op, uint32_t a, uint32_t b, uint32_t *out)
{
    int32_t sa = (int32_t)a, sb = (int32_t)b;
    int64_t wide = (int64_t)sa * (int64_t)sb;
    switch (op) {
    case OP_ADD: *out = a + b; return true;
    case OP_SUB: *out = a - b; return true;
    case OP_AND: *out = a & b; return true;
    case OP_OR: *out = a | b; return true;
    case OP_XOR: *out = a ^ b; return true;
    case OP_SLL: *out = a << (b % 32); return true;
    case OP_SRL: *out = a >> (b % 32); return true;
    case OP_SRA: { /* floor(a / 2^s) */
        int64_t d = (int64_t)1 << (b % 32), q = sa / d;
        if (sa % d < 0)
            q--;
        *out = (uint32_t)(int32_t)q;
        return true;
    }
    case OP_SLT: *out = sa < sb; return true;
    case OP_SLTU: *out = a < b; return true;
    case OP_MUL: *out = (uint32_t)((uint64_t)a * b); return true;
    case OP_MULH: *out = (uint32_t)(((uint64_t)wide) >> 32); return true;
    case OP_MULHU: *out = (uint32_t)(((uint64_t)a * b) >> 32); return true;
    case OP_DIV:
        if (b == 0)
            return false;
        *out = sa == INT32_MIN && sb == -1 ? 0x80000000u : (uint32_t)(sa / sb);
        return true;
    case OP_DIVU:
        if (b == 0)
            return false;
        *out = a / b;
        return true;
    case OP_REM:
        if (b == 0)
            return false;
        *out = sa == INT32_MIN && sb == -1 ? 0 : (uint32_t)(sa % sb);
        return true;
    case OP_REMU:
        if (b == 0)
            return false;
        *out = a % b;
        return true;
    default: CU_FAIL("not a register-register operation"); return false;
    }
}

static void test_register_register(void)
{
    static const enum op ops[] = {OP_ADD, OP_SUB, OP_AND, OP_OR,  OP_XOR,   OP_SLL, OP_SRL,  OP_SRA, OP_SLT,
                                  OP_SLTU, OP_MUL, OP_MULH, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU};
    struct ref_machine *r = make(ISA_PG, false);
    unsigned wrong = 0;
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (size_t i = 0; i < NEDGES; i++)
            for (size_t j = 0; j < NEDGES; j++) {
                uint32_t a = edges[i], b = edges[j], want = 0;
                bool ok = host_rr(ops[o], a, b, &want);
                ref_reset(r);
                struct prog p;
                p_init(&p, CODE);
                p_li(&p, 5, a);
                p_li(&p, 6, b);
                p_li(&p, RESULT_REG, 0x5a5a5a5a);
                uint32_t at = p_op(&p, ops[o], RESULT_REG, 5, 6, 0);
                p_op(&p, OP_HALT, RESULT_REG, 0, 0, 0);
                struct vm_exit x;
                CU_ASSERT_EQUAL(run(r, &p, SR_S, &x), EXIT_HALT);
                uint32_t got = ref_cpu(r)->r[RESULT_REG];
                bool right = ok ? x.value == want && ref_cpu(r)->pc == at + 8
                                : ref_get_cr(r, CR_CAUSE) == CAUSE_DIV_ZERO && ref_get_cr(r, CR_EPC) == at &&
                                      ref_get_cr(r, CR_BADADDR) == 0 && got == 0x5a5a5a5a;
                if (!right && wrong++ < 5)
                    fprintf(stderr, "\n  %s 0x%08x, 0x%08x: reference 0x%08x (cause 0x%x), C says %s0x%08x",
                            isa_insns[ops[o]].mnem, a, b, got, ref_get_cr(r, CR_CAUSE), ok ? "" : "div-zero, ",
                            want);
                CU_ASSERT(right);
            }
    ref_free(r);
}

static uint32_t sext16(uint32_t v) { return (uint32_t)(int32_t)(int16_t)(uint16_t)v; }

static void test_register_immediate(void)
{
    static const int32_t imms[] = {0, 1, 5, 31, 0x7fff, -1, -32768, -2};
    struct ref_machine *r = make(ISA_PG, false);
    for (size_t i = 0; i < NEDGES; i++)
        for (size_t k = 0; k < sizeof imms / sizeof imms[0]; k++) {
            uint32_t a = edges[i];
            uint32_t raw = (uint32_t)imms[k] & 0xffff; /* the 16 bits of the field */
            struct {
                enum op op;
                uint32_t want;
                bool fits;
            } cases[] = {
                {OP_ADDI, a + sext16(raw), true},
                {OP_ANDI, a & raw, true},
                {OP_ORI, a | raw, true},
                {OP_XORI, a ^ raw, true},
                {OP_SLLI, a << (raw & 31), raw < 32},
                {OP_SRLI, a >> (raw & 31), raw < 32},
                {OP_SLTI, (int32_t)a < (int32_t)sext16(raw), true},
                {OP_SLTIU, a < sext16(raw), true},
                {OP_LUI, raw << 16, true},
            };
            for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
                if (!cases[c].fits)
                    continue;
                const struct isa_insn *in = &isa_insns[cases[c].op];
                int32_t imm = in->imm == IMM_S16 ? (int32_t)sext16(raw) : (int32_t)raw;
                ref_reset(r);
                struct prog p;
                p_init(&p, CODE);
                p_li(&p, 5, a);
                p_op(&p, cases[c].op, RESULT_REG, in->form == FORM_RI ? 0 : 5, 0, imm);
                p_op(&p, OP_HALT, RESULT_REG, 0, 0, 0);
                struct vm_exit x;
                CU_ASSERT_EQUAL(run(r, &p, SR_S, &x), EXIT_HALT);
                CU_ASSERT_EQUAL(x.value, cases[c].want);
                if (x.value != cases[c].want)
                    fprintf(stderr, "\n  %s 0x%08x, %d: reference 0x%08x, C 0x%08x", in->mnem, a, imm, x.value,
                            cases[c].want);
            }
        }
    ref_free(r);
}

/* srai: the sign fills in, for every shift amount. */
static void test_shift_arithmetic_immediate(void)
{
    struct ref_machine *r = make(ISA_PG, false);
    for (size_t i = 0; i < NEDGES; i++)
        for (uint32_t s = 0; s < 32; s++) {
            uint32_t a = edges[i], want = a >> s;
            if ((a & 0x80000000u) && s)
                want |= ~(0xffffffffu >> s);
            ref_reset(r);
            struct prog p;
            p_init(&p, CODE);
            p_li(&p, 5, a);
            p_op(&p, OP_SRAI, RESULT_REG, 5, 0, (int32_t)s);
            p_op(&p, OP_HALT, RESULT_REG, 0, 0, 0);
            struct vm_exit x;
            CU_ASSERT_EQUAL(run(r, &p, SR_S, &x), EXIT_HALT);
            CU_ASSERT_EQUAL(x.value, want);
        }
    ref_free(r);
}

/* Loads extend as the manual says; memory is little-endian. */
static void test_loads_and_stores(void)
{
    struct ref_machine *r = make(ISA_PG, false);
    const uint32_t data = 0x8000u, word = 0x80ff7f01u;
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, data);
    p_li(&p, 6, word);
    p_op(&p, OP_SW, 6, 5, 0, 0);
    p_op(&p, OP_LB, 7, 5, 0, 3);   /* 0x80 */
    p_op(&p, OP_LBU, 8, 5, 0, 3);
    p_op(&p, OP_LH, 9, 5, 0, 2);   /* 0x80ff */
    p_op(&p, OP_LHU, 11, 5, 0, 2);
    p_op(&p, OP_LB, 12, 5, 0, 0);  /* 0x01 */
    p_op(&p, OP_LH, 13, 5, 0, 0);  /* 0x7f01 */
    p_op(&p, OP_SB, 6, 5, 0, 4);   /* byte 0x01 at data + 4 */
    p_op(&p, OP_SH, 6, 5, 0, 6);   /* halfword 0x7f01 at data + 6 */
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    struct vm_exit x;
    CU_ASSERT_EQUAL(run(r, &p, SR_S, &x), EXIT_HALT);
    uint8_t bytes[8];
    CU_ASSERT(ref_read_phys(r, data, bytes, 8));
    const uint8_t want[8] = {0x01, 0x7f, 0xff, 0x80, 0x01, 0x00, 0x01, 0x7f};
    CU_ASSERT(memcmp(bytes, want, 8) == 0);
    const struct ref_cpu *c = ref_cpu(r);
    CU_ASSERT_EQUAL(c->r[7], 0xffffff80u);
    CU_ASSERT_EQUAL(c->r[8], 0x80u);
    CU_ASSERT_EQUAL(c->r[9], 0xffff80ffu);
    CU_ASSERT_EQUAL(c->r[11], 0x80ffu);
    CU_ASSERT_EQUAL(c->r[12], 0x01u);
    CU_ASSERT_EQUAL(c->r[13], 0x7f01u);
    ref_free(r);
}

/* --- section 3: the encoding ------------------------------------------------------ */

/* Run one word at CODE; the cause it raised (0: it halted or retired). */
static uint32_t one_word(struct ref_machine *r, uint32_t word, uint32_t status)
{
    ref_reset(r);
    struct prog p;
    p_init(&p, CODE);
    p_emit(&p, word);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    struct vm_exit x;
    run(r, &p, status, &x);
    return ref_get_cr(r, CR_EPC) == CODE && ref_cpu(r)->pc == HANDLER + 4 ? ref_get_cr(r, CR_CAUSE) : 0;
}

static void test_encoding_rules(void)
{
    struct ref_machine *r = make(ISA_PG, false);
    /* the manual's example: addi r5, r0, 100 is 0x20500064 */
    ref_reset(r);
    struct prog p;
    p_init(&p, CODE);
    p_emit(&p, 0x20500064u);
    p_op(&p, OP_HALT, 5, 0, 0, 0);
    struct vm_exit x;
    CU_ASSERT_EQUAL(run(r, &p, SR_S, &x), EXIT_HALT);
    CU_ASSERT_EQUAL(x.value, 100);
    CU_ASSERT_STRING_EQUAL(ref_mnemonic(0x20500064u), "addi");

    /* zeroed memory traps: opcode 0x00 is never used; badaddr = the word */
    CU_ASSERT_EQUAL(one_word(r, 0, SR_S), CAUSE_ILLEGAL);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_BADADDR), 0);
    /* every opcode byte the table does not have */
    for (unsigned code = 0; code < 256; code++) {
        bool known = false;
        for (int op = 0; op < OP_COUNT; op++)
            known |= isa_insns[op].code == code;
        if (!known) {
            CU_ASSERT_EQUAL(one_word(r, code << 24, SR_S), CAUSE_ILLEGAL);
            CU_ASSERT_PTR_NULL(ref_mnemonic(code << 24));
        }
    }
    /* a field the instruction does not use must be zero */
    CU_ASSERT_EQUAL(one_word(r, 0x01123001u, SR_S), CAUSE_ILLEGAL); /* add r1, r2, r3 + low bits */
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_BADADDR), 0x01123001u);
    CU_ASSERT_EQUAL(one_word(r, 0x01123000u, SR_S), 0);             /* the same without them */
    CU_ASSERT_EQUAL(one_word(r, 0x50100000u, SR_S), CAUSE_ILLEGAL); /* syscall with ra = 1 */
    CU_ASSERT_EQUAL(one_word(r, 0x50000001u, SR_S), CAUSE_ILLEGAL); /* syscall with an immediate */
    CU_ASSERT_EQUAL(one_word(r, 0x50000000u, SR_S), CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(one_word(r, 0x29510001u, SR_S), CAUSE_ILLEGAL); /* lui with rb = 1 */
    CU_ASSERT_EQUAL(one_word(r, 0x60510000u, SR_S), CAUSE_ILLEGAL); /* halt with rb = 1 */
    /* shift amounts 0..31; control registers 0..7 */
    CU_ASSERT_EQUAL(one_word(r, 0x2455001fu, SR_S), 0);             /* slli r5, r5, 31 */
    CU_ASSERT_EQUAL(one_word(r, 0x24550020u, SR_S), CAUSE_ILLEGAL); /* slli r5, r5, 32 */
    CU_ASSERT_EQUAL(one_word(r, 0x26550100u, SR_S), CAUSE_ILLEGAL); /* srai r5, r5, 256 */
    CU_ASSERT_EQUAL(one_word(r, 0x63500007u, SR_S), 0);             /* mfcr r5, scratch */
    CU_ASSERT_EQUAL(one_word(r, 0x63500008u, SR_S), CAUSE_ILLEGAL); /* mfcr r5, 8 */
    CU_ASSERT_EQUAL(one_word(r, 0x64500008u, SR_S), CAUSE_ILLEGAL); /* mtcr 8, r5 */
    /* illegal wins over privileged, in user mode */
    CU_ASSERT_EQUAL(one_word(r, 0x63500008u, 0), CAUSE_ILLEGAL);
    CU_ASSERT_EQUAL(one_word(r, 0x63500007u, 0), CAUSE_PRIV);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_BADADDR), 0x63500007u);
    ref_free(r);
}

/* Every instruction the table marks as trapping in user mode does, with a
 * legal encoding, in each variant; the others run. */
static void test_privilege_per_variant(void)
{
    for (int v = 0; v < ISA_NVARIANTS; v++) {
        struct ref_machine *r = make((enum isa_variant)v, false);
        for (int op = 0; op < OP_COUNT; op++) {
            const struct isa_insn *in = &isa_insns[op];
            if (in->sens == SENS_NONE)
                continue;
            uint32_t word = (uint32_t)in->code << 24; /* every field 0: legal for these */
            if (in->imm == IMM_PORT)
                word |= 0x99; /* a port no device answers */
            uint32_t cause = one_word(r, word, 0);
            CU_ASSERT_EQUAL(cause == CAUSE_PRIV, in->traps_in_user[v]);
        }
        ref_free(r);
    }
}

/* --- section 6: traps ---------------------------------------------------------- */

/* What the hardware does on a trap, and rfe, bit by bit (section 6). */
static void test_trap_mechanics(void)
{
    struct ref_machine *r = make(ISA_PG, false);
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_MFCR, 7, 0, 0, CR_STATUS);   /* status as the handler sees it */
    p_op(&h, OP_MFCR, 8, 0, 0, CR_EPC);
    p_op(&h, OP_ADDI, 8, 8, 0, 4);
    p_op(&h, OP_MTCR, 8, 0, 0, CR_EPC);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    load(r, &h);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_ADDI, 9, 0, 0, SR_S | SR_IE);  /* supervisor, interrupts on (nothing pending) */
    p_op(&p, OP_WRSR, 9, 0, 0, 0);
    uint32_t sc = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&p, OP_RDSR, 11, 0, 0, 0);            /* after rfe */
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    load(r, &p);
    ref_set_cr(r, CR_TVEC, HANDLER);
    ref_cpu(r)->pc = CODE;
    struct vm_exit x;
    CU_ASSERT_EQUAL(ref_run(r, 100, &x), EXIT_HALT);
    const struct ref_cpu *c = ref_cpu(r);
    CU_ASSERT_EQUAL(c->r[7], SR_S | SR_PS | SR_PIE);   /* S=1, IE=0, PS=S, PIE=IE */
    CU_ASSERT_EQUAL(c->r[11], SR_S | SR_IE | SR_PS | SR_PIE); /* rfe: S=PS, IE=PIE, PS and PIE kept */
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_CAUSE), CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_EPC), sc + 4);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_BADADDR), 0);
    CU_ASSERT_EQUAL(c->instret, 9); /* 2 + the handler's 5 + 2: the syscall did not retire */
    ref_free(r);
}

/* The manual's example: a user store to a read-only page is cause 0xb05;
 * and the faulting store wrote nothing. */
#define L1 0x10000u
#define L2 0x11000u /* level-2 tables: L2 + PAGE_SIZE * (level-1 index), for indices 0 and 1 */
#define UPAGE 0x00400000u
#define UFRAME 0x40000u

/* The leaf entry of va, from the manual's layout. */
static uint32_t leaf(uint32_t va) { return L2 + PAGE_SIZE * (va >> 22) + 4 * ((va >> 12) & 0x3ff); }

static void map(struct ref_machine *r, uint32_t va, uint32_t pa, uint32_t bits)
{
    poke(r, L1 + 4 * (va >> 22), (L2 + PAGE_SIZE * (va >> 22)) | PTE_V);
    poke(r, leaf(va), (pa & ~PAGE_MASK) | bits);
}

static struct ref_machine *paged(void)
{
    struct ref_machine *r = make(ISA_PG, false);
    for (uint32_t a = 0; a < 0x20000; a += PAGE_SIZE) /* kernel: identity, supervisor, A D set */
        map(r, a, a, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    ref_set_cr(r, CR_PTB, L1);
    return r;
}

static void test_detail_bits_0xb05(void)
{
    struct ref_machine *r = paged();
    map(r, UPAGE, UFRAME, PTE_V | PTE_R | PTE_X | PTE_U); /* user, read-only, A clear */
    poke(r, UFRAME + 0x100, 0x11111111);
    struct prog p;
    p_init(&p, UFRAME);
    p_li(&p, 5, UPAGE + 0x100);
    p_op(&p, OP_LW, 6, 5, 0, 0);  /* a load: allowed, sets A */
    uint32_t st = p_op(&p, OP_SW, 5, 5, 0, 0);
    load(r, &p);
    poke(r, HANDLER, enc(OP_HALT, 0, 0, 0, 0));
    ref_set_cr(r, CR_TVEC, HANDLER);
    ref_set_cr(r, CR_STATUS, SR_PG); /* user mode */
    ref_cpu(r)->pc = UPAGE;
    struct vm_exit x;
    CU_ASSERT_EQUAL(ref_run(r, 100, &x), EXIT_HALT);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_CAUSE), 0xb05u);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_EPC), st - UFRAME + UPAGE);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_BADADDR), UPAGE + 0x100);
    CU_ASSERT_EQUAL(peek(r, UFRAME + 0x100), 0x11111111u);
    CU_ASSERT_EQUAL(ref_cpu(r)->r[6], 0x11111111u);
    /* A set by the fetch and the load, D not: the store was refused */
    CU_ASSERT_EQUAL(peek(r, leaf(UPAGE)), UFRAME | PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    ref_free(r);
}

/* A double fault: the handler's first instruction raises an exception in
 * supervisor mode; the machine stops there. */
static void test_double_fault(void)
{
    struct ref_machine *r = make(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_BREAK, 0, 0, 0, 0);
    load(r, &p);
    poke(r, HANDLER, 0); /* illegal */
    ref_set_cr(r, CR_TVEC, HANDLER);
    ref_cpu(r)->pc = CODE;
    struct vm_exit x;
    CU_ASSERT_EQUAL(ref_run(r, 100, &x), EXIT_DOUBLE_FAULT);
    CU_ASSERT_EQUAL(x.pc, HANDLER);
    CU_ASSERT_EQUAL(x.cause, CAUSE_ILLEGAL);
    CU_ASSERT_EQUAL(ref_get_cr(r, CR_CAUSE), CAUSE_BREAK); /* the first trap was delivered */
    ref_free(r);
}

/* --- section 7: the walk and the TLB ------------------------------------------------ */

static void test_walk_sets_a_and_d(void)
{
    struct ref_machine *r = paged();
    map(r, UPAGE, UFRAME, PTE_V | PTE_R | PTE_W | PTE_U);               /* data, A D clear */
    map(r, UPAGE + PAGE_SIZE, UFRAME + PAGE_SIZE, PTE_V | PTE_R | PTE_U); /* read only, A clear */
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, UPAGE);
    p_op(&p, OP_LW, 6, 5, 0, PAGE_SIZE); /* the second page: A */
    p_op(&p, OP_LW, 6, 5, 0, 0);         /* the first: A */
    p_op(&p, OP_SW, 6, 5, 0, 0);         /* then a store: walks again for D */
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    struct vm_exit x;
    CU_ASSERT_EQUAL(run(r, &p, SR_S | SR_PG, &x), EXIT_HALT);
    uint32_t e0 = leaf(UPAGE);
    CU_ASSERT_EQUAL(peek(r, e0), UFRAME | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    CU_ASSERT_EQUAL(peek(r, e0 + 4), (UFRAME + PAGE_SIZE) | PTE_V | PTE_R | PTE_U | PTE_A);
    /* the TLB caches the entries as the walker left them, in slot vpn mod 64 */
    const struct tlb_view *t = ref_tlb(r);
    unsigned s = (UPAGE >> 12) % TLB_ENTRIES;
    CU_ASSERT(t->slot[s].valid);
    CU_ASSERT_EQUAL(t->slot[s].vpage, UPAGE);
    CU_ASSERT_EQUAL(t->slot[s].pte, peek(r, e0));
    ref_free(r);
}

/* Changing an entry does not change the TLB: the old frame until
 * tlbflushv; making it more permissive needs no flush. */
static void test_stale_entry_until_flush(void)
{
    struct ref_machine *r = paged();
    map(r, UPAGE, UFRAME, PTE_V | PTE_R | PTE_A);
    poke(r, UFRAME, 0xf1f1f1f1);
    poke(r, UFRAME + PAGE_SIZE, 0xf2f2f2f2);
    poke(r, UFRAME + PAGE_SIZE + 4, 0xf2f2f2f2);
    uint32_t e = leaf(UPAGE);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, UPAGE);
    p_li(&p, 7, e);
    p_op(&p, OP_LW, 8, 5, 0, 0);          /* fills the TLB: F1 */
    p_li(&p, 6, (UFRAME + PAGE_SIZE) | PTE_V | PTE_R | PTE_W | PTE_A);
    p_op(&p, OP_SW, 6, 7, 0, 0);          /* now F2, and writable */
    p_op(&p, OP_LW, 9, 5, 0, 0);          /* stale: still F1 */
    p_op(&p, OP_SW, 0, 5, 0, 0);          /* the entry refuses a store: walks, refills with F2 */
    p_op(&p, OP_LW, 11, 5, 0, 4);         /* F2 now */
    p_op(&p, OP_TLBFLUSHV, 5, 0, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    struct vm_exit x;
    CU_ASSERT_EQUAL(run(r, &p, SR_S | SR_PG, &x), EXIT_HALT);
    const struct ref_cpu *c = ref_cpu(r);
    CU_ASSERT_EQUAL(c->r[8], 0xf1f1f1f1u);
    CU_ASSERT_EQUAL(c->r[9], 0xf1f1f1f1u);
    CU_ASSERT_EQUAL(peek(r, UFRAME + PAGE_SIZE), 0);   /* the store went to F2 */
    CU_ASSERT_EQUAL(peek(r, UFRAME), 0xf1f1f1f1u);
    CU_ASSERT_EQUAL(c->r[11], 0xf2f2f2f2u);
    CU_ASSERT_FALSE(ref_tlb(r)->slot[(UPAGE >> 12) % TLB_ENTRIES].valid);
    ref_free(r);
}

/* --- section 8.1: the timer ------------------------------------------------------- */

static void test_timer_exact(void)
{
    for (uint32_t n = 1; n < 12; n++) {
        struct ref_machine *r = make(ISA_PG, false);
        struct prog p;
        p_init(&p, CODE);
        p_op(&p, OP_ADDI, 5, 0, 0, SR_S | SR_IE);
        p_op(&p, OP_MTCR, 5, 0, 0, CR_STATUS);
        p_op(&p, OP_ADDI, 5, 0, 0, (int32_t)n);
        p_op(&p, OP_MTCR, 5, 0, 0, CR_TIMER); /* instruction K = 4 */
        for (int i = 0; i < 20; i++)
            p_op(&p, OP_ADDI, 6, 6, 0, 1);
        p_op(&p, OP_HALT, 0, 0, 0, 0);
        struct vm_exit x;
        CU_ASSERT_EQUAL(run(r, &p, SR_S, &x), EXIT_HALT);
        CU_ASSERT_EQUAL(ref_get_cr(r, CR_CAUSE), CAUSE_TIMER);
        /* instruction i (from 1) is at CODE + 4(i - 1): K + N + 1 at CODE + 4(K + N) */
        CU_ASSERT_EQUAL(ref_get_cr(r, CR_EPC), CODE + 4 * (4 + n));
        CU_ASSERT_EQUAL(ref_cpu(r)->r[6], n);
        ref_free(r);
    }
}

void suite_ref(void)
{
    CU_pSuite s = CU_add_suite("ref", NULL, NULL);
    CU_add_test(s, "register-register operations against C, edge operands", test_register_register);
    CU_add_test(s, "register-immediate operations against C", test_register_immediate);
    CU_add_test(s, "srai fills in the sign for every amount", test_shift_arithmetic_immediate);
    CU_add_test(s, "loads extend, stores are little-endian", test_loads_and_stores);
    CU_add_test(s, "section 3: the encoding rules", test_encoding_rules);
    CU_add_test(s, "section 10: privileged per variant", test_privilege_per_variant);
    CU_add_test(s, "section 6: trap mechanics and rfe", test_trap_mechanics);
    CU_add_test(s, "section 6: a user store to a read-only page is 0xb05", test_detail_bits_0xb05);
    CU_add_test(s, "section 6: double fault", test_double_fault);
    CU_add_test(s, "section 7: the walk sets A and D, the TLB caches the entry", test_walk_sets_a_and_d);
    CU_add_test(s, "section 7: a stale entry keeps its frame until tlbflushv", test_stale_entry_until_flush);
    CU_add_test(s, "section 8.1: the timer fires before instruction K+N+1", test_timer_exact);
}
