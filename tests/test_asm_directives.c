/*
 * test_asm_directives.c - every directive, the layout of the sections and
 * the entry point (docs/assembler.md sections 3 and 4).
 */
#include <CUnit/CUnit.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"

/* Assemble (must work) and read the image back. */
static bool image_of(const char *src, const struct asm_options *opt, struct elf_image *img)
{
    struct asm_result r;
    char err[200];
    bool ok = asm_text_opts("t.s", src, opt, &r);
    if (!ok)
        fprintf(stderr, "\nunexpected errors:\n%s", r.diag);
    CU_ASSERT(ok);
    if (ok) {
        ok = elf_read_mem(r.elf, r.elf_len, img, err, sizeof err);
        CU_ASSERT(ok);
    }
    asm_result_free(&r);
    return ok;
}

static const struct elf_segment *segment_at(const struct elf_image *img, uint32_t addr)
{
    for (size_t i = 0; i < img->nsegs; i++)
        if (img->segs[i].paddr == addr)
            return &img->segs[i];
    return NULL;
}

static void check_segment(const struct elf_image *img, uint32_t addr, uint32_t filesz, uint32_t memsz,
                          uint32_t flags)
{
    const struct elf_segment *s = segment_at(img, addr);
    CU_ASSERT_PTR_NOT_NULL(s);
    if (!s) {
        fprintf(stderr, "\nno segment at 0x%08x\n", addr);
        return;
    }
    CU_ASSERT_EQUAL(s->filesz, filesz);
    CU_ASSERT_EQUAL(s->memsz, memsz);
    CU_ASSERT_EQUAL(s->flags, flags);
    CU_ASSERT_EQUAL(s->vaddr, addr);
}

static uint32_t sym(const struct elf_image *img, const char *name)
{
    const struct elf_symbol *s = elf_symbol_named(img, name);
    CU_ASSERT_PTR_NOT_NULL(s);
    return s ? s->value : 0xdeadbeef;
}

static void test_default_layout(void)
{
    struct elf_image img;
    if (!image_of(".text\nnop\n.data\nd: .word 1\n.bss\nb: .space 8\n.text\ncode2: nop\n.data\nd2: .byte 2\n.bss\nb2:\n",
                  NULL, &img))
        return;
    CU_ASSERT_EQUAL(img.nsegs, 3);
    check_segment(&img, 0x1000, 8, 8, PF_R | PF_X);
    check_segment(&img, 0x2000, 5, 5, PF_R | PF_W);
    check_segment(&img, 0x2008, 0, 8, PF_R | PF_W); /* .bss after .data, 4-aligned */
    CU_ASSERT_EQUAL(sym(&img, "code2"), 0x1004);
    CU_ASSERT_EQUAL(sym(&img, "d"), 0x2000);
    CU_ASSERT_EQUAL(sym(&img, "d2"), 0x2004);
    CU_ASSERT_EQUAL(sym(&img, "b"), 0x2008);
    CU_ASSERT_EQUAL(sym(&img, "b2"), 0x2010);
    CU_ASSERT_EQUAL(img.entry, 0x1000);
    elf_free(&img);

    /* .data starts at the first page boundary after .text */
    if (image_of(".space 0x1000\n.data\nd: .word 1\n", NULL, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "d"), 0x2000);
        elf_free(&img);
    }
    if (image_of(".space 0x1004\n.data\nd: .word 1\n", NULL, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "d"), 0x3000);
        elf_free(&img);
    }
    /* ... aligned to its largest .align; .bss to its own */
    if (image_of("nop\n.data\n.byte 1\n.align 8192\nd: .word 1\n.bss\n.align 64\nb: .space 4\n", NULL, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "d"), 0x4000);
        CU_ASSERT_EQUAL(sym(&img, "b"), 0x4040);
        elf_free(&img);
    }
    /* no .data: .bss still goes in its own page */
    if (image_of("nop\n.bss\nb: .space 4\n", NULL, &img)) {
        CU_ASSERT_EQUAL(img.nsegs, 2);
        CU_ASSERT_EQUAL(sym(&img, "b"), 0x2000);
        elf_free(&img);
    }
}

static void test_layout_options(void)
{
    struct elf_image img;
    struct asm_options o = {.text_base_set = true, .text_base = 0x40000};
    if (image_of("s: nop\n.data\nd: .word 1\n", &o, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "s"), 0x40000);
        CU_ASSERT_EQUAL(sym(&img, "d"), 0x41000);
        CU_ASSERT_EQUAL(img.entry, 0x40000);
        elf_free(&img);
    }
    o.data_base_set = true;
    o.data_base = 0x80004;
    if (image_of("s: nop\n.data\n.byte 1\n.align 8\nd: .word 1\n.bss\nb: .space 1\n", &o, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "d"), 0x80008); /* aligned from the given start */
        CU_ASSERT_EQUAL(sym(&img, "b"), 0x8000c);
        elf_free(&img);
    }
    /* an .org wins over the option */
    if (image_of(".org 0x3000\ns: nop\n", &o, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "s"), 0x3000);
        elf_free(&img);
    }
}

static void test_org(void)
{
    uint8_t b[24];
    const uint8_t want[24] = {1, 0, 0, 0, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
                              0xaa, 0xaa, 0xaa, 0xaa, 2, 0, 0, 0, 0, 0, 0, 0};
    CU_ASSERT(asm_bytes(".org 0x3000\n.word 1\n.org 0x3010, 0xaa\n.word 2\n.org 0x3018\n", 0x3000, b, 24));
    CU_ASSERT_EQUAL(memcmp(b, want, 24), 0);
    /* .org in each section; relative to a label in a .data whose start
     * comes from the layout */
    struct elf_image img;
    if (image_of(".org 0x1100\nnop\n.data\n.org 0x9000\nd: .word 1\n.bss\n.org 0xa000\nb: .space 4\n", NULL, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "d"), 0x9000);
        CU_ASSERT_EQUAL(sym(&img, "b"), 0xa000);
        CU_ASSERT_EQUAL(img.entry, 0x1100);
        elf_free(&img);
    }
    if (image_of("nop\n.data\nd: .word 1\n.org d + 16\ne: .word 2\n", NULL, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "e"), 0x2010);
        elf_free(&img);
    }
}

static void test_align(void)
{
    uint8_t b[32];
    const uint8_t want[32] = {1, 0, 0, 0, 2, 0, 0, 0, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
                              3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CU_ASSERT(asm_bytes(".byte 1\n.align 4\n.word 2\n.align 16, 0xee\n.word 3\n.align 1\n.align 4\n.word 4\n", 0x1000, b,
                        24));
    CU_ASSERT_EQUAL(memcmp(b, want, 24), 0);
    /* alignment is of the address, not of the offset in the section */
    struct elf_image img;
    struct asm_options o = {.text_base_set = true, .text_base = 0x1004};
    if (image_of("nop\n.align 16\nx: nop\n", &o, &img)) {
        CU_ASSERT_EQUAL(sym(&img, "x"), 0x1010);
        elf_free(&img);
    }
}

static void test_space(void)
{
    uint8_t b[12];
    const uint8_t want[12] = {0x41, 0x41, 0x41, 0, 0, 7, 0xff, 0xff, 9, 0, 0, 0};
    CU_ASSERT(asm_bytes(".space 3, 'A'\n.space 0\n.space 2\n.byte 7\n.space 2, -1\n.byte 9\n", 0x1000, b, 12));
    CU_ASSERT_EQUAL(memcmp(b, want, 12), 0);
}

static void test_data(void)
{
    uint8_t b[28];
    const uint8_t want[28] = {0x80, 0xff, 'x', 0, 0xff, 0xff, 0xff, 0xff, 0x34, 0x12, 0x00, 0x80,
                              0xfe, 0xff, 0xff, 0xff, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0x80, 1, 0, 2, 0};
    CU_ASSERT(asm_bytes(".byte -128, 255, 'x', 0\n.half -1, 65535, 0x1234, -32768\n.word -2, 0x12345678, "
                        "-2147483648\n.half 1, 2\n",
                        0x1000, b, 28));
    CU_ASSERT_EQUAL(memcmp(b, want, 28), 0);
}

static void test_strings(void)
{
    uint8_t b[16];
    CU_ASSERT(asm_bytes(".ascii \"ab\", \"c\"\n.asciz \"de\", \"\", \"f\"\n.ascii \"\"\n.byte 9\n", 0x1000, b, 10));
    CU_ASSERT_EQUAL(memcmp(b, "abcde\0\0f\0\x09", 10), 0);
}

static void test_symbols_and_binding(void)
{
    struct elf_image img;
    if (!image_of(".global _start, g2\n.globl g3\n.equ K, 0x1234\n.set V, 1\n.set V, 5\n.global K\n"
                  "loop: nop\n_start: nop\ng2: nop\ng3: nop\n.data\nobj: .word 1\n.bss\nzeros: .space 4\n",
                  NULL, &img))
        return;
    struct {
        const char *name;
        uint32_t value;
        uint8_t type, bind;
    } want[] = {
        {"loop", 0x1000, STT_FUNC, STB_LOCAL},    {"_start", 0x1004, STT_FUNC, STB_GLOBAL},
        {"g2", 0x1008, STT_FUNC, STB_GLOBAL},     {"g3", 0x100c, STT_FUNC, STB_GLOBAL},
        {"K", 0x1234, STT_NOTYPE, STB_GLOBAL},    {"V", 5, STT_NOTYPE, STB_LOCAL},
        {"obj", 0x2000, STT_OBJECT, STB_LOCAL},   {"zeros", 0x2004, STT_OBJECT, STB_LOCAL},
    };
    CU_ASSERT_EQUAL(img.nsyms, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct elf_symbol *s = elf_symbol_named(&img, want[i].name);
        CU_ASSERT_PTR_NOT_NULL(s);
        if (!s)
            continue;
        CU_ASSERT_EQUAL(s->value, want[i].value);
        CU_ASSERT_EQUAL(s->type, want[i].type);
        CU_ASSERT_EQUAL(s->bind, want[i].bind);
    }
    CU_ASSERT_EQUAL(img.entry, 0x1004); /* _start */
    CU_ASSERT_PTR_NULL(elf_symbol_named(&img, "1")); /* local labels stay out */
    elf_free(&img);
    /* _start as a .equ, and not global: still the entry point */
    if (image_of("nop\nnop\n.equ _start, 0x1004\n", NULL, &img)) {
        CU_ASSERT_EQUAL(img.entry, 0x1004);
        elf_free(&img);
    }
}

static void test_bss(void)
{
    struct elf_image img;
    if (image_of(".bss\na: .space 10\n.align 4\nb: .space 4, 0\nc:\n", NULL, &img)) {
        CU_ASSERT_EQUAL(img.nsegs, 1);
        check_segment(&img, 0x1000, 0, 16, PF_R | PF_W);
        CU_ASSERT_EQUAL(sym(&img, "b"), 0x100c);
        CU_ASSERT_EQUAL(sym(&img, "c"), 0x1010);
        elf_free(&img);
    }
}

static void test_include_and_incbin(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    /* main.s includes src/a.s (next to it), which includes b.s (next to
     * a.s), and lib.s (found through -I); incbin through both routes. */
    char *main_s = tmp_text(dir, "main.s",
                             ".include \"src/a.s\"\n.include \"lib.s\"\n.word A, B, LIB\n.data\n"
                             "blob: .incbin \"src/blob.bin\"\npart: .incbin \"blob2.bin\", 2, 3\ntail: .incbin \"blob2.bin\", 8\n");
    free(tmp_text(dir, "src/a.s", ".equ A, 1\n.include \"b.s\"\n"));
    free(tmp_text(dir, "src/b.s", ".equ B, 2\n"));
    free(tmp_text(dir, "libdir/lib.s", ".equ LIB, 3\nnop\n"));
    free(tmp_write(dir, "src/blob.bin", "\x01\x02\x03", 3));
    free(tmp_write(dir, "libdir/blob2.bin", "0123456789", 10));
    char *lib = tmp_path(dir, "libdir");
    const char *dirs[] = {lib};
    struct asm_options o = {.include_dirs = dirs, .ninclude_dirs = 1};
    struct asm_result r;
    bool ok = asm_assemble_file(main_s, &o, &r);
    if (!ok)
        fprintf(stderr, "\n%s", r.diag);
    CU_ASSERT(ok);
    struct elf_image img;
    char err[200];
    if (ok && elf_read_mem(r.elf, r.elf_len, &img, err, sizeof err)) {
        uint8_t b[16];
        image_bytes(&img, 0x1000, b, 16);
        CU_ASSERT_EQUAL(b[4], 1);  /* A, after lib.s's nop */
        CU_ASSERT_EQUAL(b[8], 2);  /* B */
        CU_ASSERT_EQUAL(b[12], 3); /* LIB */
        image_bytes(&img, 0x2000, b, 8);
        CU_ASSERT_EQUAL(memcmp(b, "\x01\x02\x03" "234" "89", 8), 0);
        CU_ASSERT_EQUAL(sym(&img, "part"), 0x2003);
        CU_ASSERT_EQUAL(sym(&img, "tail"), 0x2006);
        elf_free(&img);
    }
    asm_result_free(&r);
    free(lib);
    free(main_s);
    tmpdir_remove(dir);
}

/* li t0, N is addi t0, zero, N: which branches were assembled, in order. */
#define LI(n) ins(OP_ADDI, 5, 0, 0, (n))

static void test_conditionals(void)
{
    /* nesting; the branch not taken may hold anything, even an unknown
     * directive or a line the lexer refuses */
    CHECK_WORDS(".equ A, 1\n.equ B, 0\n"
                ".if A\n li t0, 1\n .if B\n  li t0, 2\n .else\n  li t0, 3\n  .if A + B\n   li t0, 4\n  .endif\n .endif\n"
                ".else\n li t0, 5\n .bogus ]]\n .if 1\n li t0, 6\n .else\n li t0, 7\n .endif\n.endif\n"
                "li t0, 8\n",
                LI(1), LI(3), LI(4), LI(8));
    CHECK_WORDS(".if 0\n li t0, 1\n.else\n .if 0\n li t0, 2\n .elsewhere\n .endif\n li t0, 3\n.endif\n", LI(3));
    /* .ifdef sees what is defined above it: a label further down is not,
     * and pass 2 (which knows it) takes the same branch */
    CHECK_WORDS(".ifdef L\n li t0, 1\n.else\n li t0, 2\n.endif\nL: nop\n.ifdef L\n li t0, 3\n.endif\n"
                ".ifndef M\n li t0, 4\n.endif\n",
                LI(2), ins(OP_ADDI, 0, 0, 0, 0), LI(3), LI(4));
    /* .set: the value at that line; a comment after the directive */
    CHECK_WORDS(".set V, 0\n.if V # off\n li t0, 1\n.endif # done\n.set V, 2\n.if V == 2\n li t0, 2\n.endif\n", LI(2));
    /* a skipped .include is not read (the file does not exist) */
    CHECK_WORDS(".if 0\n.include \"no-such-file.s\"\n.endif\nli t0, 9\n", LI(9));
    /* -D: NAME is 1, NAME=VALUE, hex and negative; they are .equ symbols */
    const char *defs[] = {"PV", "N=0x10", "M=-3"};
    struct asm_options o = {.defines = defs, .ndefines = 3};
    struct elf_image img;
    if (image_of(".if PV\nli t0, N\n.else\nli t0, 1\n.endif\nli t0, M\n", &o, &img)) {
        uint8_t b[8];
        CU_ASSERT(image_bytes(&img, 0x1000, b, 8));
        uint32_t w0 = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        uint32_t w1 = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        CU_ASSERT_EQUAL(w0, LI(16));
        CU_ASSERT_EQUAL(w1, LI(-3));
        CU_ASSERT_EQUAL(sym(&img, "N"), 16);
        elf_free(&img);
    }
    const char *zero[] = {"PV=0"};
    o = (struct asm_options){.defines = zero, .ndefines = 1};
    if (image_of(".if PV\nli t0, 2\n.else\nli t0, 1\n.endif\n", &o, &img)) {
        uint8_t b[4];
        CU_ASSERT(image_bytes(&img, 0x1000, b, 4));
        CU_ASSERT_EQUAL((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24, LI(1));
        elf_free(&img);
    }
}

void suite_asm_directives(void)
{
    CU_pSuite s = CU_add_suite("assembler: directives and layout", NULL, NULL);
    CU_add_test(s, ".text .data .bss: default layout", test_default_layout);
    CU_add_test(s, "--text and --data", test_layout_options);
    CU_add_test(s, ".org", test_org);
    CU_add_test(s, ".align", test_align);
    CU_add_test(s, ".space", test_space);
    CU_add_test(s, ".byte .half .word", test_data);
    CU_add_test(s, ".ascii .asciz", test_strings);
    CU_add_test(s, ".global .globl .equ .set and the symbol table", test_symbols_and_binding);
    CU_add_test(s, ".bss", test_bss);
    CU_add_test(s, ".include and .incbin with -I", test_include_and_incbin);
    CU_add_test(s, ".if .ifdef .ifndef .else .endif, -D", test_conditionals);
}
