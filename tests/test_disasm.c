/*
 * test_disasm.c - the disassembler prints what vasm reads: every row of
 * the instruction table with random operands, and whole programs, come
 * back as the same bytes at the same addresses.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "disasm.h"

static uint32_t rnd(void) { return (uint32_t)rand() << 16 ^ (uint32_t)rand(); }

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

/* The bytes of the image at [addr, addr + n) must be exactly want. */
static void check_reassembles(const char *text, uint32_t addr, const uint8_t *want, size_t n)
{
    struct asm_result r;
    bool ok = asm_assemble_source("dis.s", text, strlen(text), NULL, &r);
    CU_ASSERT(ok);
    if (!ok) {
        fprintf(stderr, "\nthe disassembly does not assemble:\n%s", r.diag);
    } else {
        struct elf_image img;
        char err[200];
        CU_ASSERT_FATAL(elf_read_mem(r.elf, r.elf_len, &img, err, sizeof err));
        CU_ASSERT_EQUAL(img.nsegs, 1);
        CU_ASSERT_EQUAL(img.segs[0].paddr, addr);
        CU_ASSERT_EQUAL(img.segs[0].filesz, n);
        uint8_t *got = malloc(n);
        image_bytes(&img, addr, got, n);
        CU_ASSERT_EQUAL(memcmp(got, want, n), 0);
        for (size_t i = 0; i < n; i++)
            if (got[i] != want[i]) {
                fprintf(stderr, "\nfirst difference at 0x%08zx: 0x%02x, want 0x%02x\n", (size_t)addr + i, got[i],
                        want[i]);
                break;
            }
        free(got);
        elf_free(&img);
    }
    asm_result_free(&r);
}

/* Every row of the table, 64 times with random operands, at a low and a
 * high address (targets wrap around the address space both ways). */
static void roundtrip_table(uint32_t base, bool numeric)
{
    enum { TRIALS = 64 };
    size_t n = (size_t)OP_COUNT * TRIALS;
    uint8_t *bytes = malloc(n * 4 + 3);
    size_t k = 0;
    for (int op = 0; op < OP_COUNT; op++) {
        const struct isa_insn *in = &isa_insns[op];
        int nregs = isa_form_nregs(in->form);
        for (int t = 0; t < TRIALS; t++) {
            struct isa_fields f = {.op = (enum op)op};
            if (nregs >= 1) f.ra = (uint8_t)(rnd() % 16);
            if (nregs >= 2) f.rb = (uint8_t)(rnd() % 16);
            if (nregs >= 3) f.rc = (uint8_t)(rnd() % 16);
            if (isa_form_has_imm(in->form))
                f.imm = random_imm(in->imm);
            uint32_t w = isa_encode(&f);
            for (int b = 0; b < 4; b++)
                bytes[k++] = (uint8_t)(w >> (8 * b));
        }
    }
    /* and what is not an instruction: an illegal word, then 3 odd bytes */
    memcpy(bytes + k - 4, "\0\0\0\0", 4);
    memcpy(bytes + k, "\x01\x02\x03", 3);
    size_t len = k + 3;
    struct disasm_opts o = {.numeric_regs = numeric};
    char *text = disasm_raw(bytes, len, base, "random words", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ".word   0x00000000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "not an instruction"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ".byte   0x01, 0x02, 0x03"));
    check_reassembles(text, base, bytes, len);
    free(text);
    free(bytes);
}

static void test_roundtrip_every_instruction(void)
{
    srand(4);
    roundtrip_table(0x1000, false);
    roundtrip_table(0xffff0000, true);
    roundtrip_table(0x80000000, false);
}

static const char *named(void *ctx, uint32_t addr)
{
    (void)ctx;
    return addr == 0x1008 ? "there" : NULL;
}

static void check_insn(uint32_t word, uint32_t pc, bool numeric, disasm_namer *namer, const char *want)
{
    struct isa_fields f;
    char buf[128];
    CU_ASSERT_FATAL(isa_decode(word, &f));
    disasm_insn(&f, pc, numeric, namer, NULL, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, want);
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "\ngot '%s', want '%s'\n", buf, want);
}

static void test_formats(void)
{
    check_insn(ins(OP_ADD, 5, 6, 7, 0), 0, false, NULL, "add     t0, t1, t2");
    check_insn(ins(OP_ADD, 5, 6, 7, 0), 0, true, NULL, "add     r5, r6, r7");
    check_insn(ins(OP_ADDI, 2, 2, 0, -16), 0, false, NULL, "addi    sp, sp, -16");
    check_insn(ins(OP_ORI, 5, 5, 0, 0xbeef), 0, false, NULL, "ori     t0, t0, 0xbeef");
    check_insn(ins(OP_LUI, 10, 0, 0, 0x1234), 0, false, NULL, "lui     a0, 0x1234");
    check_insn(ins(OP_SRAI, 5, 5, 0, 31), 0, false, NULL, "srai    t0, t0, 31");
    check_insn(ins(OP_LW, 10, 2, 0, -4), 0, false, NULL, "lw      a0, -4(sp)");
    check_insn(ins(OP_SB, 5, 8, 0, 3), 0, false, NULL, "sb      t0, 3(s0)");
    check_insn(ins(OP_JALR, 0, 1, 0, 0), 0, false, NULL, "jalr    zero, 0(ra)");
    check_insn(ins(OP_BEQ, 5, 6, 0, 8), 0x1000, false, NULL, "beq     t0, t1, 0x00001008");
    check_insn(ins(OP_BEQ, 5, 6, 0, 8), 0x1000, false, named, "beq     t0, t1, there");
    check_insn(ins(OP_JAL, 1, 0, 0, -8), 0x1000, false, NULL, "jal     ra, 0x00000ff8");
    check_insn(ins(OP_JAL, 0, 0, 0, -8), 0x4, false, NULL, "jal     zero, 0xfffffffc");
    check_insn(ins(OP_MFCR, 5, 0, 0, CR_EPC), 0, false, NULL, "mfcr    t0, epc");
    check_insn(ins(OP_MTCR, 10, 0, 0, CR_PTB), 0, false, NULL, "mtcr    ptb, a0");
    check_insn(ins(OP_IN, 10, 0, 0, PORT_CON_STATUS), 0, false, NULL, "in      a0, con.status");
    check_insn(ins(OP_OUT, 10, 0, 0, 0x30), 0, false, NULL, "out     0x30, a0");
    check_insn(ins(OP_HALT, 0, 0, 0, 0), 0, false, NULL, "halt    zero");
    check_insn(ins(OP_TLBFLUSHV, 10, 0, 0, 0), 0, false, NULL, "tlbflushv a0");
    check_insn(ins(OP_WFI, 0, 0, 0, 0), 0, false, NULL, "wfi");
}

/* Assemble, disassemble, assemble: the same segments and entry point, and
 * for a program with no .equ or .set, the same file. */
static void image_roundtrip(const char *src, bool same_file)
{
    struct asm_result a, b;
    CU_ASSERT_FATAL(asm_text(src, &a));
    struct elf_image ia, ib;
    char err[200];
    CU_ASSERT_FATAL(elf_read_mem(a.elf, a.elf_len, &ia, err, sizeof err));
    struct disasm_opts o = {0};
    char *text = disasm_image(&ia, "a.elf", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    bool ok = asm_text(text, &b);
    CU_ASSERT(ok);
    if (!ok) {
        fprintf(stderr, "\n%s%s", text, b.diag);
    } else {
        CU_ASSERT_FATAL(elf_read_mem(b.elf, b.elf_len, &ib, err, sizeof err));
        CU_ASSERT_EQUAL(ia.entry, ib.entry);
        CU_ASSERT_EQUAL_FATAL(ia.nsegs, ib.nsegs);
        for (size_t i = 0; i < ia.nsegs; i++) {
            const struct elf_segment *x = &ia.segs[i], *y = &ib.segs[i];
            CU_ASSERT(x->paddr == y->paddr && x->filesz == y->filesz && x->memsz == y->memsz && x->flags == y->flags);
            CU_ASSERT(x->filesz == y->filesz && memcmp(ia.file + x->offset, ib.file + y->offset, x->filesz) == 0);
        }
        if (same_file) {
            CU_ASSERT(a.elf_len == b.elf_len && memcmp(a.elf, b.elf, a.elf_len) == 0);
        }
        elf_free(&ib);
    }
    free(text);
    elf_free(&ia);
    asm_result_free(&a);
    asm_result_free(&b);
}

static void test_roundtrip_programs(void)
{
    char *hello = read_text("assembler/examples/hello.s");
    CU_ASSERT_PTR_NOT_NULL_FATAL(hello);
    image_roundtrip(hello, true);
    free(hello);
    /* labels at odd places, words that are not instructions, code far
     * away, an entry point in the middle, every section */
    image_roundtrip("        .org    0x4000\n"
                    "first:  .word   0, 0xffffffff\n"
                    "        .global _start\n"
                    "_start: call    sub\n"
                    "        beq     t0, t1, first\n"
                    "sub:    ret\n"
                    "        .byte   1, 2\n"
                    "odd:    .byte   3\n"
                    "        .data\n"
                    "        .org    0x9000\n"
                    "msg:    .ascii  \"abc\"\n"
                    "m2:     .ascii  \"defgh\"\n"
                    "        .align  4\n"
                    "tbl:    .word   first, sub, odd\n"
                    "        .bss\n"
                    "buf:    .space  6\n"
                    "mid:    .space  10\n"
                    "end:\n",
                    true);
    /* an entry point that is neither _start's label nor the start of .text */
    image_roundtrip("nop\nnop\n.equ _start, 0x1004\n", false);
}

static void test_raw_words_default_base(void)
{
    uint32_t w[2] = {ins(OP_ADDI, 5, 0, 0, 104), ins(OP_OUT, 5, 0, 0, PORT_CON_DATA)};
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
    struct disasm_opts o = {0};
    char *text = disasm_raw(b, 8, 0x1000, "two words", &o);
    const char *want = "# two words, disassembled by vdis\n"
                       "# entry point 0x00001000\n"
                       "\n"
                       "        .text\n"
                       "        .org    0x00001000\n"
                       "        addi    t0, zero, 104            # 00001000: 20500068\n"
                       "        out     con.data, t0             # 00001004: 68500010\n";
    CU_ASSERT_STRING_EQUAL(text, want);
    if (strcmp(text, want) != 0)
        fprintf(stderr, "\n--- got:\n%s--- want:\n%s", text, want);
    free(text);
}

void suite_disasm(void)
{
    CU_pSuite s = CU_add_suite("disassembler", NULL, NULL);
    CU_add_test(s, "every instruction round-trips, random operands", test_roundtrip_every_instruction);
    CU_add_test(s, "instruction formats", test_formats);
    CU_add_test(s, "whole programs round-trip", test_roundtrip_programs);
    CU_add_test(s, "raw words", test_raw_words_default_base);
}
