/*
 * test_asm_syntax.c - the assembler reads what docs/assembler.md section 2
 * says: registers, numbers, literals, expressions with C's precedence,
 * %hi/%lo, '.', local labels, .equ and .set, every operand kind.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"

/* Every register name, numeric and ABI, in every register field. */
static void test_register_names(void)
{
    char src[4096];
    size_t n = 0;
    uint32_t want[3 * NREGS + 1];
    size_t k = 0;
    for (unsigned r = 0; r < NREGS; r++) {
        unsigned r2 = (r + 5) % NREGS, r3 = (r + 11) % NREGS;
        n += (size_t)snprintf(src + n, sizeof src - n, "add %s, %s, %s\n", isa_reg_name(r), isa_reg_abi_name(r2),
                              isa_reg_name(r3));
        want[k++] = ins(OP_ADD, r, r2, r3, 0);
        n += (size_t)snprintf(src + n, sizeof src - n, "sub %s, %s, %s\n", isa_reg_abi_name(r), isa_reg_name(r2),
                              isa_reg_abi_name(r3));
        want[k++] = ins(OP_SUB, r, r2, r3, 0);
        n += (size_t)snprintf(src + n, sizeof src - n, "lw %s, -8(%s)\n", isa_reg_abi_name(r), isa_reg_abi_name(r3));
        want[k++] = ins(OP_LW, r, r3, 0, -8);
    }
    snprintf(src + n, sizeof src - n, "mv fp, s0\n");
    want[k++] = ins(OP_ADDI, 8, 8, 0, 0);
    check_words_at(src, 0x1000, want, k, __LINE__);
}

static void test_numbers_and_characters(void)
{
    CHECK_WORDS(".word 42, 0x2a, 0X2A, 0b101010, 0o52, 0, 4294967295, -2147483648\n",
                42, 42, 42, 42, 42, 0, 0xffffffff, 0x80000000);
    CHECK_WORDS(".word 'a', '\\n', '\\t', '\\r', '\\0', '\\\\', '\\'', '\"', '\\x41', '\\x7', '\\101', '\\e', '#', ';'\n",
                'a', '\n', '\t', '\r', 0, '\\', '\'', '"', 0x41, 7, 0101, 27, '#', ';');
    CHECK_WORDS(".word '\\a', '\\b', '\\f', '\\v', '\\377'\n", '\a', '\b', '\f', '\v', 0xff);
}

static void test_strings(void)
{
    uint8_t b[24];
    const uint8_t want[] = "ab\"c\\\n\t\x01z\0q#;";
    CU_ASSERT(asm_bytes(".ascii \"ab\\\"c\\\\\\n\\t\\x01z\"\n.asciz \"\"\n.ascii \"q#;\" # not a comment inside\n", 0x1000, b,
                        sizeof want - 1));
    CU_ASSERT_EQUAL(memcmp(b, want, sizeof want - 1), 0);
}

/* Each expression means what it means in C (whose compiler would rather
 * see parentheses in some of them: that is the point). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wparentheses"
static void test_precedence(void)
{
    static const struct {
        const char *text;
        int64_t value;
    } cases[] = {
#define E(x) {#x, (x)}
        E(1 + 2 * 3), E((1 + 2) * 3), E(10 - 4 - 3), E(100 / 10 / 5), E(7 % 4 * 3), E(1 << 2 + 1),
        E(64 >> 1 + 1), E(1 < 2 == 1), E(3 & 5 | 2), E(6 ^ 3 & 1), E(1 | 2 ^ 3), E(1 && 0 || 1), E(0 || 1 && 0),
        E(!0 + 1), E(~0 & 0xff), E(-3 * -3), E(2 * -3 + 10), E(-7 / 2 + 10), E(-7 % 3 + 10), E(5 > 3), E(5 >= 5),
        E(4 <= 3), E(3 != 3), E(2 + 3 == 5), E(1 + 1 << 1 + 1), E(0x10 | 0x01 << 4), E(~~5), E(!!7), E(- -4),
        E(+6), E(12 & 10 ^ 6 | 1), E((2 + 3) * (4 - 1) % 7), E(1 == 1 && 2 != 3 || 0), E(3 < 2 < 1), E(6 / 4 * 4),
#undef E
    };
    size_t n = sizeof cases / sizeof cases[0];
    char src[4096];
    size_t len = 0;
    uint32_t want[64];
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(src + len, sizeof src - len, ".word %s\n", cases[i].text);
        want[i] = (uint32_t)cases[i].value;
    }
    check_words_at(src, 0x1000, want, n, __LINE__);
}
#pragma GCC diagnostic pop

static void test_arithmetic_edges(void)
{
    /* 64-bit intermediate values; arithmetic shift right; truncating division */
    CHECK_WORDS(".word -1 >> 4, -16 >> 2, (1 << 40) >> 20, 0x100000000 - 1, -7 / 2, -7 % 2, 7 / -2\n",
                0xffffffff, (uint32_t)-4, 1u << 20, 0xffffffff, (uint32_t)-3, (uint32_t)-1, (uint32_t)-3);
    /* wraps instead of overflowing */
    CHECK_WORDS(".word (0x7fffffffffffffff + 1) >> 32, 0x4000000000000000 * 4\n", 0x80000000, 0);
}

static void test_hi_lo(void)
{
    CHECK_WORDS(".word %hi(0x12345678), %lo(0x12345678), %hi(-1), %lo(-1), %hi(0xffff), %lo(0x10000)\n",
                0x1234, 0x5678, 0xffff, 0xffff, 0, 0);
    CHECK_WORDS("lui t0, %hi(0xdeadbeef)\nori t0, t0, %lo(0xdeadbeef)\n", ins(OP_LUI, 5, 0, 0, 0xdead),
                ins(OP_ORI, 5, 5, 0, 0xbeef));
    /* with a label: the pair loads its address */
    CHECK_WORDS("lui a0, %hi(x)\nori a0, a0, %lo(x + 4)\n.org 0x1100\nx: .word 0\n", ins(OP_LUI, 10, 0, 0, 0),
                ins(OP_ORI, 10, 10, 0, 0x1104));
}

static void test_dot(void)
{
    CHECK_WORDS(".word ., ., . - 8\nj .\nbeq t0, t1, . + 8\n", 0x1000, 0x1004, 0x1000, ins(OP_JAL, 0, 0, 0, 0),
                ins(OP_BEQ, 5, 6, 0, 8));
    CHECK_WORDS("nop\nhere: .equ HERE, .\n.word HERE, here\n", ins(OP_ADDI, 0, 0, 0, 0), 0x1004, 0x1004);
}

static void test_labels_and_comments(void)
{
    CHECK_WORDS("a: b:\n"
                "c: .word a, b, c, d ; comment\n"
                "   # a comment line\n"
                "\n"
                "d:  # label then comment\n"
                "\t.word\t1\t# tab separated\n"
                "e:.word e\n"
                ".Lx: $y: z.w: .word .Lx, $y, z.w\n",
                0x1000, 0x1000, 0x1000, 0x1010, 1, 0x1014, 0x1018, 0x1018, 0x1018);
    /* CRLF line ends and a last line without a newline */
    CHECK_WORDS("x: .word 1\r\n.word x\r\n.word 3", 1, 0x1000, 3);
}

static void test_local_labels(void)
{
    CHECK_WORDS("1: .word 1b, 1f, 2f\n"
                "1: .word 1b\n"
                "2: .word 2b, 1b\n"
                "10: .word 10b\n"
                "1: j 1b\n"
                "0: .word 0b\n",
                0x1000, 0x100c, 0x1010, 0x100c, 0x1010, 0x100c, 0x1018, ins(OP_JAL, 0, 0, 0, 0), 0x1020);
    /* 0b1 is a binary number, 0b alone a local label */
    CHECK_WORDS("0: .word 0b1, 0b, 0b10\n", 1, 0x1000, 2);
    /* loops in code */
    CHECK_WORDS("li t0, 3\n1: addi t0, t0, -1\nbnez t0, 1b\nbeqz t0, 1f\nnop\n1: halt t0\n", ins(OP_ADDI, 5, 0, 0, 3),
                ins(OP_ADDI, 5, 5, 0, -1), ins(OP_BNE, 5, 0, 0, -4), ins(OP_BEQ, 5, 0, 0, 8), ins(OP_ADDI, 0, 0, 0, 0),
                ins(OP_HALT, 5, 0, 0, 0));
}

static void test_equ_and_set(void)
{
    /* .equ may be used before it is defined, also from another .equ */
    CHECK_WORDS(".word A, B, C\n.equ A, B * 2\n.equ B, C + 1\n.equ C, end - start\nstart: .space 12\nend:\n", 26, 13,
                12);
    /* .set: each use sees the latest .set above it */
    CHECK_WORDS(".set V, 1\n.word V\n.set V, V + 10\n.word V\n.set V, V * 2\n.word V\n", 1, 11, 22);
    /* a size from a .equ defined above, made of labels above */
    CHECK_WORDS("a: .word 1, 2\nb:\n.equ N, b - a\n.space N\n.word .\n", 1, 2, 0, 0, 0x1010);
    /* .equ of '.' is '.' where the .equ is, even when used before it */
    CHECK_WORDS(".word E\nnop\n.equ E, .\n", 0x1008, ins(OP_ADDI, 0, 0, 0, 0));
    /* in an instruction */
    CHECK_WORDS(".equ SIZE, 64\naddi sp, sp, -SIZE\nlw t0, SIZE-4(sp)\n", ins(OP_ADDI, 2, 2, 0, -64),
                ins(OP_LW, 5, 2, 0, 60));
}

/* Every operand kind of the instruction table. */
static void test_operand_kinds(void)
{
    CHECK_WORDS("mfcr t0, status\nmfcr t1, scratch\nmtcr tvec, a0\nmfcr t2, 3\n"
                "in a0, con.data\nout con.data, a0\nout disk.cmd, t0\nin t0, 0x30\n"
                "lw t0, (sp)\nsw t0, -4(sp)\nlb t0, x+1(zero)\njalr ra, 8(t0)\n"
                "slli t0, t0, 31\nlui t0, 0xffff\nandi t0, t0, 65535\nsltiu t0, t0, -1\n"
                "halt zero\nwfi\nrfe\nsyscall\nbreak\ntlbflush\ntlbflushv a0\nrdsr t0\nwrsr t0\nrdptb t0\n"
                "x: .word 0\n",
                ins(OP_MFCR, 5, 0, 0, CR_STATUS), ins(OP_MFCR, 6, 0, 0, CR_SCRATCH), ins(OP_MTCR, 10, 0, 0, CR_TVEC),
                ins(OP_MFCR, 7, 0, 0, 3), ins(OP_IN, 10, 0, 0, PORT_CON_DATA), ins(OP_OUT, 10, 0, 0, PORT_CON_DATA),
                ins(OP_OUT, 5, 0, 0, PORT_DISK_CMD), ins(OP_IN, 5, 0, 0, 0x30), ins(OP_LW, 5, 2, 0, 0),
                ins(OP_SW, 5, 2, 0, -4), ins(OP_LB, 5, 0, 0, 0x1069), ins(OP_JALR, 1, 5, 0, 8),
                ins(OP_SLLI, 5, 5, 0, 31), ins(OP_LUI, 5, 0, 0, 0xffff), ins(OP_ANDI, 5, 5, 0, 0xffff),
                ins(OP_SLTIU, 5, 5, 0, -1), ins(OP_HALT, 0, 0, 0, 0), ins(OP_WFI, 0, 0, 0, 0), ins(OP_RFE, 0, 0, 0, 0),
                ins(OP_SYSCALL, 0, 0, 0, 0), ins(OP_BREAK, 0, 0, 0, 0), ins(OP_TLBFLUSH, 0, 0, 0, 0),
                ins(OP_TLBFLUSHV, 10, 0, 0, 0), ins(OP_RDSR, 5, 0, 0, 0), ins(OP_WRSR, 5, 0, 0, 0),
                ins(OP_RDPTB, 5, 0, 0, 0));
    /* a control register or port name wins over a symbol of that name */
    CHECK_WORDS("timer: mfcr t0, timer\nmfcr t0, timer - timer + 2\n", ins(OP_MFCR, 5, 0, 0, CR_TIMER),
                ins(OP_MFCR, 5, 0, 0, 2));
}

static void test_targets(void)
{
    /* targets are addresses; the offset is from the instruction itself */
    CHECK_WORDS("back: nop\nbeq t0, t1, back\nbne t0, t1, fwd\njal ra, back\njal zero, 0x1000\nfwd: blt a0, a1, fwd\n",
                ins(OP_ADDI, 0, 0, 0, 0), ins(OP_BEQ, 5, 6, 0, -4), ins(OP_BNE, 5, 6, 0, 12), ins(OP_JAL, 1, 0, 0, -12),
                ins(OP_JAL, 0, 0, 0, -16), ins(OP_BLT, 10, 11, 0, 0));
    /* the farthest branches and jumps */
    uint32_t w[1];
    CU_ASSERT(asm_words("beq t0, t0, 0x1000 + 131068\n", 0x1000, w, 1) && w[0] == ins(OP_BEQ, 5, 5, 0, 131068));
    CU_ASSERT(asm_words(".org 0x40000\nbeq t0, t0, 0x40000 - 131072\n", 0x40000, w, 1) &&
              w[0] == ins(OP_BEQ, 5, 5, 0, -131072));
    CU_ASSERT(asm_words("jal zero, 0x1000 + 2097148\n", 0x1000, w, 1) && w[0] == ins(OP_JAL, 0, 0, 0, 2097148));
    /* the PC wraps around the address space, and so may a target */
    CU_ASSERT(asm_words("jal zero, 0xfffffffc\n", 0x1000, w, 1) && w[0] == ins(OP_JAL, 0, 0, 0, -0x1004));
    CU_ASSERT(asm_words("jal zero, -4\n", 0x1000, w, 1) && w[0] == ins(OP_JAL, 0, 0, 0, -0x1004));
}

void suite_asm_syntax(void)
{
    CU_pSuite s = CU_add_suite("assembler: syntax", NULL, NULL);
    CU_add_test(s, "register names", test_register_names);
    CU_add_test(s, "numbers and character literals", test_numbers_and_characters);
    CU_add_test(s, "strings and escapes", test_strings);
    CU_add_test(s, "expressions: C precedence", test_precedence);
    CU_add_test(s, "expressions: 64-bit, wrapping, shifts", test_arithmetic_edges);
    CU_add_test(s, "%hi and %lo", test_hi_lo);
    CU_add_test(s, "the location counter '.'", test_dot);
    CU_add_test(s, "labels, comments, line ends", test_labels_and_comments);
    CU_add_test(s, "local labels 1: 1b 1f", test_local_labels);
    CU_add_test(s, ".equ and .set", test_equ_and_set);
    CU_add_test(s, "every operand kind", test_operand_kinds);
    CU_add_test(s, "branch and jump targets", test_targets);
}
