/*
 * test_asm_output.c - what vasm makes: the listing, the symbol map, the
 * same bytes every time, an ELF file readelf accepts, and pseudo-
 * instructions that expand to exactly what their table (and so the
 * manual) says.
 */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "fileio.h"

static const char *lst_src = "        .equ    N, 3\n"
                             "# count down\n"
                             "start:  li      t0, N\n"
                             "loop:   addi    t0, t0, -1\n"
                             "        bnez    t0, loop\n"
                             "        la      a0, msg\n"
                             "        .data\n"
                             "msg:    .asciz  \"hi!\\n\"\n"
                             "        .align  4\n"
                             "        .word   1, 2, 3\n"
                             "        .bss\n"
                             "buf:    .space  64\n";

static void test_listing(void)
{
    struct asm_options o = {.listing = true, .map = true};
    struct asm_result r;
    CU_ASSERT_FATAL(asm_text_opts("t.s", lst_src, &o, &r));
    const char *want = " line  address   code         source\n"
                       "       t.s:\n"
                       "    1                                 .equ    N, 3\n"
                       "    2                         # count down\n"
                       "    3  00001000               start:  li      t0, N\n"
                       "       00001000  20500003               + addi    t0, zero, 3\n"
                       "    4  00001004  2055ffff     loop:   addi    t0, t0, -1\n"
                       "    5  00001008                       bnez    t0, loop\n"
                       "       00001008  4150ffff               + bne     t0, zero, loop\n"
                       "    6  0000100c                       la      a0, msg\n"
                       "       0000100c  29a00000               + lui     a0, 0x0\n"
                       "       00001010  22aa2000               + ori     a0, a0, 0x2000\n"
                       "    7                                 .data\n"
                       "    8  00002000  68 69 21 0a  msg:    .asciz  \"hi!\\n\"\n"
                       "       00002004  00\n"
                       "    9  00002005  00 00 00             .align  4\n"
                       "   10  00002008  01 00 00 00          .word   1, 2, 3\n"
                       "       0000200c  02 00 00 00\n"
                       "       00002010  03 00 00 00\n"
                       "   11                                 .bss\n"
                       "   12  00002014               buf:    .space  64\n";
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.listing);
    CU_ASSERT_STRING_EQUAL(r.listing, want);
    CU_ASSERT_EQUAL(r.listing_len, strlen(want));
    if (strcmp(r.listing, want) != 0)
        fprintf(stderr, "\n--- got:\n%s--- want:\n%s", r.listing, want);
    const char *map = "address   section  bind    name\n"
                      "00000003  abs      local   N\n"
                      "00001000  .text    local   start\n"
                      "00001004  .text    local   loop\n"
                      "00002000  .data    local   msg\n"
                      "00002014  .bss     local   buf\n";
    CU_ASSERT_STRING_EQUAL(r.map, map);
    asm_result_free(&r);
}

static void test_listing_long_data_and_includes(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *m = tmp_text(dir, "m.s", ".include \"inc.s\"\n.space 40, 7\n");
    free(tmp_text(dir, "inc.s", "ret\n"));
    struct asm_options o = {.listing = true};
    struct asm_result r;
    CU_ASSERT(asm_assemble_file(m, &o, &r));
    char want[2048];
    snprintf(want, sizeof want,
             " line  address   code         source\n"
             "       %s/m.s:\n"
             "    1                         .include \"inc.s\"\n"
             "       %s/inc.s:\n"
             "    1  00001000               ret\n"
             "       00001000  49010000       + jalr    zero, 0(ra)\n"
             "       %s/m.s:\n"
             "    2  00001004  07 07 07 07  .space 40, 7\n"
             "       00001008  07 07 07 07\n"
             "       0000100c  07 07 07 07\n"
             "       00001010  07 07 07 07\n"
             "       00001014  07 07 07 07\n"
             "       00001018  07 07 07 07\n"
             "       0000101c  07 07 07 07\n"
             "       00001020  07 07 07 07\n"
             "                              ... (40 bytes)\n",
             dir, dir, dir);
    CU_ASSERT_PTR_NOT_NULL(r.listing);
    if (r.listing) {
        CU_ASSERT_STRING_EQUAL(r.listing, want);
        if (strcmp(r.listing, want) != 0)
            fprintf(stderr, "\n--- got:\n%s--- want:\n%s", r.listing, want);
    }
    asm_result_free(&r);
    free(m);
    tmpdir_remove(dir);
}

/* No outputs at all when there is an error, even those asked for. */
static void test_nothing_on_error(void)
{
    struct asm_options o = {.listing = true, .map = true};
    struct asm_result r;
    CU_ASSERT_FALSE(asm_text_opts("t.s", "nop\nj nowhere\n", &o, &r));
    CU_ASSERT_PTR_NULL(r.elf);
    CU_ASSERT_PTR_NULL(r.listing);
    CU_ASSERT_PTR_NULL(r.map);
    CU_ASSERT_EQUAL(r.nerrors, 1);
    asm_result_free(&r);
}

static void test_same_bytes_every_time(void)
{
    char *src = read_text("assembler/examples/hello.s");
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    struct asm_options o = {.listing = true, .map = true};
    struct asm_result a, b, c;
    CU_ASSERT(asm_text_opts("hello.s", src, &o, &a));
    CU_ASSERT(asm_text_opts("hello.s", lst_src, &o, &c)); /* something else in between */
    CU_ASSERT(asm_text_opts("hello.s", src, &o, &b));
    CU_ASSERT(a.elf_len == b.elf_len && memcmp(a.elf, b.elf, a.elf_len) == 0);
    CU_ASSERT_STRING_EQUAL(a.listing, b.listing);
    CU_ASSERT_STRING_EQUAL(a.map, b.map);
    asm_result_free(&a);
    asm_result_free(&b);
    asm_result_free(&c);
    free(src);
}

static void test_readelf_accepts(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *src = read_text("assembler/examples/hello.s");
    struct asm_result r;
    CU_ASSERT_FATAL(src && asm_text(src, &r));
    char *elf = tmp_write(dir, "hello.elf", r.elf, r.elf_len);
    char *argv[] = {"readelf", "-h", "-l", "-s", "-W", elf, NULL};
    char *out = NULL, *err = NULL;
    int st = run_cmd(argv, true, &out, &err);
    if (st == 127) {
        fprintf(stderr, "\n  readelf not found: skipping the readelf test (install binutils to run it)\n");
    } else {
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_STRING_EQUAL(err, ""); /* readelf warns on stderr about anything odd */
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "EXEC (Executable file)"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "Entry point address:               0x1000"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "Machine:                           <unknown>: 0x564d"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "Number of program headers:         3"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, " 0x00001000 0x00001000 ")); /* .text: virtual = physical */
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "FUNC    GLOBAL DEFAULT    1 _start"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "OBJECT  LOCAL  DEFAULT    2 greeting"));
        if (st != 0 || *err)
            fprintf(stderr, "\nreadelf said:\n%s%s", out, err);
    }
    free(out);
    free(err);
    free(elf);
    free(src);
    asm_result_free(&r);
    tmpdir_remove(dir);
}

/* Replace whole words: "rd" in "li rd, imm" but not in "ord". */
static void substitute(const char *in, char *out, size_t len, const char *const *from, const char *const *to, int n)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < len;) {
        if (isalpha((unsigned char)*p) && (p == in || !isalnum((unsigned char)p[-1]))) {
            size_t w = 0;
            while (isalnum((unsigned char)p[w]) || p[w] == '_')
                w++;
            const char *rep = NULL;
            for (int k = 0; k < n; k++)
                if (strlen(from[k]) == w && strncmp(p, from[k], w) == 0)
                    rep = to[k];
            if (rep) {
                o += (size_t)snprintf(out + o, len - o, "%s", rep);
                p += w;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o < len ? o : len - 1] = '\0';
}

/* Every row of the pseudo-instruction table: the pseudo-instruction gives
 * the same bytes as the expansion the table prints (and the manual shows). */
static void test_pseudo_rows_expand_as_documented(void)
{
    char *table = asm_pseudo_table();
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    int rows = 0;
    for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n"), rows++) {
        char syntax[64], expansion[160], *cond;
        char *gap = strstr(line, "  ");
        CU_ASSERT_PTR_NOT_NULL_FATAL(gap);
        snprintf(syntax, sizeof syntax, "%.*s", (int)(gap - line), line);
        while (*gap == ' ')
            gap++;
        cond = strstr(gap, "   (");
        snprintf(expansion, sizeof expansion, "%.*s", cond ? (int)(cond - gap) : (int)strlen(gap), gap);
        /* a value that makes this row the one chosen */
        const char *imm = "0x12345678";
        if (cond && strstr(cond, "-32768..32767"))
            imm = "-5";
        else if (cond && strstr(cond, "0..65535"))
            imm = "0xfffe";
        else if (cond && strstr(cond, "low 16 bits"))
            imm = "0x70000";
        static const char *const from[] = {"rd", "rs", "rt", "imm", "symbol", "target"};
        const char *to[] = {"a0", "s1", "t2", imm, "L", "L"};
        char a[256], b[256], pa[320], pb[320];
        substitute(syntax, a, sizeof a, from, to, 6);
        substitute(expansion, b, sizeof b, from, to, 6);
        for (char *s = b; (s = strstr(s, "; ")) != NULL;)
            s[0] = '\n', s[1] = ' ';
        const char *tail = "\n.org 0x1100\nL: nop\n";
        snprintf(pa, sizeof pa, "%s%s", a, tail);
        snprintf(pb, sizeof pb, "%s%s", b, tail);
        uint8_t wa[8], wb[8];
        bool ok = asm_bytes(pa, 0x1000, wa, 8) && asm_bytes(pb, 0x1000, wb, 8);
        CU_ASSERT(ok);
        CU_ASSERT_EQUAL(memcmp(wa, wb, 8), 0);
        if (!ok || memcmp(wa, wb, 8) != 0)
            fprintf(stderr, "\nrow '%s': '%s' and '%s' differ\n", line, a, b);
    }
    CU_ASSERT(rows >= 20);
    free(table);
}

/* li: one instruction when pass 1 knows a small value, two otherwise. */
static void test_li_size(void)
{
    CHECK_WORDS(".equ SMALL, 100\n"
                "li t0, SMALL\n"        /* known above: addi */
                "here: li t0, here\n"   /* a .text label above: addi (0x1004 fits) */
                "li t0, later\n"        /* below: lui + ori, even though it is small */
                "li t0, d\n"            /* in .data, whose start pass 1 does not know: lui + ori */
                "later: nop\n"
                ".data\nd: .word 0\n",
                ins(OP_ADDI, 5, 0, 0, 100), ins(OP_ADDI, 5, 0, 0, 0x1004), ins(OP_LUI, 5, 0, 0, 0),
                ins(OP_ORI, 5, 5, 0, 0x1018), ins(OP_LUI, 5, 0, 0, 0), ins(OP_ORI, 5, 5, 0, 0x2000),
                ins(OP_ADDI, 0, 0, 0, 0));
    /* the conditions are on the value as written: 0xffffffff is not -1 */
    CHECK_WORDS("li a0, -32768\nli a0, 0x8000\nli a0, 0xffff0000\nli a0, -65536\nli a0, 0xffffffff\nli a0, -1\n",
                ins(OP_ADDI, 10, 0, 0, -32768), ins(OP_ORI, 10, 0, 0, 0x8000), ins(OP_LUI, 10, 0, 0, 0xffff),
                ins(OP_LUI, 10, 0, 0, 0xffff), ins(OP_LUI, 10, 0, 0, 0xffff), ins(OP_ORI, 10, 10, 0, 0xffff),
                ins(OP_ADDI, 10, 0, 0, -1));
}

void suite_asm_output(void)
{
    CU_pSuite s = CU_add_suite("assembler: outputs", NULL, NULL);
    CU_add_test(s, "listing and symbol map", test_listing);
    CU_add_test(s, "listing: long data, included files", test_listing_long_data_and_includes);
    CU_add_test(s, "no output at all after an error", test_nothing_on_error);
    CU_add_test(s, "same source, same bytes", test_same_bytes_every_time);
    CU_add_test(s, "readelf -h -l -s accepts the executable", test_readelf_accepts);
    CU_add_test(s, "every pseudo-instruction row expands as documented", test_pseudo_rows_expand_as_documented);
    CU_add_test(s, "li: its size is decided in pass 1", test_li_size);
}
