/*
 * test_isa_table.c - the instruction table is consistent, and encode and
 * decode are each other's inverse.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"

static void test_unique_mnemonics(void)
{
    for (int i = 0; i < OP_COUNT; i++) {
        CU_ASSERT_EQUAL(isa_find_mnemonic(isa_insns[i].mnem), i);
        for (int j = i + 1; j < OP_COUNT; j++)
            CU_ASSERT_NOT_EQUAL(isa_insns[i].code, isa_insns[j].code);
    }
}

static uint32_t rnd(void) { return (uint32_t)rand() << 16 ^ (uint32_t)rand(); }

/* A random legal immediate of each kind. */
static int32_t random_imm(enum isa_imm k)
{
    switch (k) {
    case IMM_NONE: return 0;
    case IMM_S16: return (int32_t)(rnd() % 65536) - 32768;
    case IMM_U16: case IMM_PORT: return (int32_t)(rnd() % 65536);
    case IMM_U5: return (int32_t)(rnd() % 32);
    case IMM_PC16: return ((int32_t)(rnd() % 65536) - 32768) * 4;
    case IMM_PC20: return ((int32_t)(rnd() % (1u << 20)) - (1 << 19)) * 4;
    case IMM_CR: return (int32_t)(rnd() % NCRS);
    }
    return 0;
}

static void test_encode_decode_roundtrip(void)
{
    srand(1);
    for (int op = 0; op < OP_COUNT; op++) {
        const struct isa_insn *in = &isa_insns[op];
        int nregs = isa_form_nregs(in->form);
        for (int trial = 0; trial < 200; trial++) {
            struct isa_fields f = {.op = (enum op)op};
            if (nregs >= 1) f.ra = (uint8_t)(rnd() % 16);
            if (nregs >= 2) f.rb = (uint8_t)(rnd() % 16);
            if (nregs >= 3) f.rc = (uint8_t)(rnd() % 16);
            if (isa_form_has_imm(in->form))
                f.imm = random_imm(in->imm);
            uint32_t w = isa_encode(&f);
            struct isa_fields g;
            CU_ASSERT_FATAL(isa_decode(w, &g));
            CU_ASSERT_EQUAL(g.op, f.op);
            CU_ASSERT_EQUAL(g.ra, f.ra);
            CU_ASSERT_EQUAL(g.rb, f.rb);
            CU_ASSERT_EQUAL(g.rc, f.rc);
            CU_ASSERT_EQUAL(g.imm, f.imm);
            CU_ASSERT_EQUAL(w >> 24, in->code);
        }
    }
}

/* Every word either decodes and re-encodes to itself, or is illegal: so
 * each legal instruction has exactly one encoding. */
static void test_decode_is_canonical(void)
{
    srand(2);
    int legal = 0;
    for (int i = 0; i < 200000; i++) {
        uint32_t w = rnd();
        struct isa_fields f;
        if (isa_decode(w, &f)) {
            legal++;
            CU_ASSERT_EQUAL(isa_encode(&f), w);
        }
    }
    CU_ASSERT(legal > 100); /* the sample did reach legal words */
}

static void test_illegal_words(void)
{
    struct isa_fields f;
    CU_ASSERT_FALSE(isa_decode(0x00000000, &f)); /* zeroed memory traps */
    CU_ASSERT_FALSE(isa_decode(0xffffffff, &f));
    uint32_t add = isa_encode(&(struct isa_fields){.op = OP_ADD, .ra = 1, .rb = 2, .rc = 3});
    CU_ASSERT_TRUE(isa_decode(add, &f));
    CU_ASSERT_FALSE(isa_decode(add | 1, &f));          /* R-type low bits */
    uint32_t halt = isa_encode(&(struct isa_fields){.op = OP_HALT, .ra = 1});
    CU_ASSERT_FALSE(isa_decode(halt | (3u << 16), &f)); /* unused rb */
    CU_ASSERT_FALSE(isa_decode(halt | 5u, &f));         /* unused imm */
    uint32_t mfcr = isa_encode(&(struct isa_fields){.op = OP_MFCR, .ra = 1, .imm = 0});
    CU_ASSERT_FALSE(isa_decode(mfcr | NCRS, &f));       /* no such control register */
    uint32_t slli = isa_encode(&(struct isa_fields){.op = OP_SLLI, .ra = 1, .rb = 1, .imm = 3});
    CU_ASSERT_FALSE(isa_decode(slli | 32u, &f));        /* shift amount > 31 */
}

static void test_imm_ranges(void)
{
    CU_ASSERT(isa_imm_fits(IMM_S16, -32768) && isa_imm_fits(IMM_S16, 32767));
    CU_ASSERT(!isa_imm_fits(IMM_S16, -32769) && !isa_imm_fits(IMM_S16, 32768));
    CU_ASSERT(isa_imm_fits(IMM_U16, 65535) && !isa_imm_fits(IMM_U16, -1));
    CU_ASSERT(isa_imm_fits(IMM_U5, 31) && !isa_imm_fits(IMM_U5, 32));
    CU_ASSERT(isa_imm_fits(IMM_PC16, -131072) && isa_imm_fits(IMM_PC16, 131068));
    CU_ASSERT(!isa_imm_fits(IMM_PC16, 131072) && !isa_imm_fits(IMM_PC16, 2));
    CU_ASSERT(isa_imm_fits(IMM_PC20, -2097152) && !isa_imm_fits(IMM_PC20, 2097152));
    CU_ASSERT(isa_imm_fits(IMM_CR, NCRS - 1) && !isa_imm_fits(IMM_CR, NCRS));
}

/* pg satisfies Popek and Goldberg's Theorem 1: every sensitive instruction
 * is privileged.  x86like differs from pg only in rdsr, wrsr and rdptb. */
static void test_classes(void)
{
    for (int op = 0; op < OP_COUNT; op++) {
        enum isa_class pg = isa_class((enum op)op, ISA_PG);
        enum isa_class x86 = isa_class((enum op)op, ISA_X86LIKE);
        CU_ASSERT(pg == CLASS_INNOCUOUS || pg == CLASS_PRIVILEGED);
        if (op == OP_RDSR || op == OP_RDPTB) {
            CU_ASSERT_EQUAL(x86, CLASS_BEHAVIOUR);
        } else if (op == OP_WRSR) {
            CU_ASSERT_EQUAL(x86, CLASS_CONTROL);
        } else {
            CU_ASSERT_EQUAL(x86, pg);
        }
        if (isa_insns[op].sens == SENS_NONE)
            CU_ASSERT_FALSE(isa_insns[op].traps_in_user[ISA_PG]);
    }
}

static void test_names(void)
{
    CU_ASSERT_EQUAL(isa_find_reg("r0"), 0);
    CU_ASSERT_EQUAL(isa_find_reg("zero"), 0);
    CU_ASSERT_EQUAL(isa_find_reg("sp"), 2);
    CU_ASSERT_EQUAL(isa_find_reg("a5"), 15);
    CU_ASSERT_EQUAL(isa_find_reg("r16"), -1);
    CU_ASSERT_EQUAL(isa_find_cr("ptb"), CR_PTB);
    CU_ASSERT_STRING_EQUAL(isa_cr_name(CR_TVEC), "tvec");
    CU_ASSERT_STRING_EQUAL(isa_cause_name(CAUSE_PAGE_FAULT | CAUSE_WRITE), "page-fault");
    CU_ASSERT_STRING_EQUAL(isa_port_name(PORT_DISK_CMD), "disk.cmd");
    CU_ASSERT_EQUAL(isa_find_port("con.data"), PORT_CON_DATA);
    enum isa_variant v;
    CU_ASSERT(isa_variant_parse("x86like", &v) && v == ISA_X86LIKE);
    CU_ASSERT_FALSE(isa_variant_parse("x86", &v));
}

void suite_isa_table(void)
{
    CU_pSuite s = CU_add_suite("isa table", NULL, NULL);
    CU_add_test(s, "mnemonics and opcodes are unique", test_unique_mnemonics);
    CU_add_test(s, "encode/decode round trip, every instruction", test_encode_decode_roundtrip);
    CU_add_test(s, "every legal word has one encoding", test_decode_is_canonical);
    CU_add_test(s, "illegal words are rejected", test_illegal_words);
    CU_add_test(s, "immediate ranges", test_imm_ranges);
    CU_add_test(s, "Popek-Goldberg classes per variant", test_classes);
    CU_add_test(s, "register, CR, cause and port names", test_names);
}
