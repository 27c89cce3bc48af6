/*
 * test_asm_limits.c - the assembler's limits (asm.h, vasm -h,
 * docs/assembler.md section 8): expressions nested at most
 * ASM_MAX_NESTING deep, files of at most ASM_MAX_FILE_BYTES, lines of at
 * most ASM_MAX_LINE_BYTES; past them, one error in compiler style, never a
 * crash (50,000 '(' or a 20,000-long .equ chain overflowed the stack, and
 * `.incbin "/dev/zero"` read until memory ran out).  Also a .equ whose
 * definition failed, used where a size is needed (read out of bounds),
 * and .incbin's length, which may not be negative.
 */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asmtest.h"

/* A string made with printf, or n copies of one. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static char *rep(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

#define NEST_MSG "expression nested too deeply (more than 256 levels of parentheses, unary operators and .equ references)"

/* The manual (docs/assembler.md, section 8): a line longer than 480 bytes
 * is shown from 160 bytes before the culprit to 160 after, with "..."
 * where it is cut; the caret lines up under it. */
static char *shown(const char *line, size_t col0, size_t len)
{
    size_t n = strlen(line);
    if (n <= 480) {
        char *caret = fmt("%*s^%s", (int)col0, "", "");
        char *tilde = rep("~", len > 1 ? len - 1 : 0);
        char *s = fmt("%s\n%s%s\n", line, caret, tilde);
        free(caret);
        free(tilde);
        return s;
    }
    size_t b = col0 > 160 ? col0 - 160 : 0, e = col0 + 160 < n ? col0 + 160 : n;
    size_t t = len > 1 ? (col0 + len > e ? e - col0 : len) - 1 : 0;
    char *tilde = rep("~", t);
    char *s = fmt("%s%.*s%s\n%s%*s^%s\n", b ? "..." : "", (int)(e - b), line + b, e < n ? "..." : "", b ? "   " : "",
                  (int)(col0 - b), "", tilde);
    free(tilde);
    return s;
}

static void check_nesting(const char *src, const char *line, int lineno, size_t col0, size_t len)
{
    char *where = shown(line, col0, len);
    char *want = fmt("t.s:%d:%zu: error: " NEST_MSG "\n%s", lineno, col0 + 1, where);
    check_diag_at("t.s", src, NULL, want, __LINE__);
    free(where);
    free(want);
}

/* 256 levels of each kind assemble to the value the host computes; 257
 * are one error, at the token that opens the 257th level (for %lo, its
 * '('). */
static void test_nesting_limit(void)
{
    /* parentheses: .word ((...(1 + 1)...)) */
    char *open = rep("(", 256), *close = rep(")", 256);
    char *src = fmt(".word %s7%s\n", open, close);
    uint32_t w;
    CU_ASSERT(asm_words(src, 0x1000, &w, 1) && w == 7);
    free(src), free(open), free(close);
    open = rep("(", 257), close = rep(")", 257);
    char *line = fmt(".word %s7%s", open, close);
    src = fmt("%s\n", line);
    check_nesting(src, line, 1, 6 + 256, 1);
    free(src), free(line), free(open), free(close);

    /* unary operators: -(-(-...7)) = 7 for an even count */
    open = rep("-", 256);
    src = fmt(".word %s7\n", open);
    CU_ASSERT(asm_words(src, 0x1000, &w, 1) && w == 7);
    free(src), free(open);
    open = rep("~", 257);
    line = fmt(".word %s7", open);
    src = fmt("%s\n", line);
    check_nesting(src, line, 1, 6 + 256, 1);
    free(src), free(line), free(open);

    /* %lo(%lo(...)): each is a level too */
    open = rep("%lo(", 257), close = rep(")", 257);
    line = fmt(".word %s5%s", open, close);
    src = fmt("%s\n", line);
    check_nesting(src, line, 1, 6 + 4 * 256 + 3, 1);
    free(src), free(line), free(open), free(close);

    /* a chain of .equ, each defined by the next one further down: .word q0
     * evaluates q0 (level 1), which evaluates q1 (level 2) ... q255 = 3 is
     * level 256; one .equ more is one too many */
    for (int n = 255; n <= 256; n++) {
        size_t cap = 64 + (size_t)n * 32, len = 0;
        char *s = malloc(cap);
        len += (size_t)snprintf(s + len, cap - len, ".word q0\n");
        for (int k = 0; k < n; k++)
            len += (size_t)snprintf(s + len, cap - len, ".equ q%d, q%d\n", k, k + 1);
        snprintf(s + len, cap - len, ".equ q%d, 3\n", n);
        if (n == 255) {
            CU_ASSERT(asm_words(s, 0x1000, &w, 1) && w == 3);
        } else { /* q256 is on line 258 */
            check_nesting(s, ".equ q256, 3", 258, 11, 1);
        }
        free(s);
    }
}

/* The crashes themselves, through the program: vasm dies of a signal on
 * the unbounded stack, and must instead say the one line and exit 1. */
static void test_nesting_crash(void)
{
    char *vasm = tool("vasm"), *dir = tmpdir_make();
    if (!vasm || !dir)
        goto done;
    char *open = rep("(", 50000), *close = rep(")", 50000);
    char *text = fmt(".word %s1%s\n", open, close);
    char *parens = tmp_text(dir, "parens.s", text);
    free(text), free(open), free(close);
    size_t cap = 20001 * 32, len = 0;
    text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, ".word e0\n");
    for (int k = 0; k < 20000; k++)
        len += (size_t)snprintf(text + len, cap - len, ".equ e%d, e%d + 1\n", k, k + 1);
    snprintf(text + len, cap - len, ".equ e20000, 0\n");
    char *chain = tmp_text(dir, "chain.s", text);
    free(text);
    open = rep("-", 50000);
    text = fmt(".word %s1\n", open);
    char *minus = tmp_text(dir, "minus.s", text);
    free(text), free(open);

    struct {
        const char *path;
        const char *where;
    } cases[] = {{parens, ":1:263: error: "}, {chain, ":258:12: error: "}, {minus, ":1:263: error: "}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out, *err;
        char *obj = fmt("%s.elf", cases[i].path);
        char *argv[] = {vasm, "-o", obj, (char *)cases[i].path, NULL};
        int st = run_cmd(argv, false, &out, &err);
        CU_ASSERT_EQUAL(st, 1);
        char *first = fmt("%s%s" NEST_MSG "\n", cases[i].path, cases[i].where);
        CU_ASSERT(strncmp(err, first, strlen(first)) == 0);
        if (st != 1 || strncmp(err, first, strlen(first)) != 0)
            fprintf(stderr, "\n  vasm %s: status %d, stderr begins: %.300s\n", cases[i].path, st, err);
        /* the error, its line and its caret: nothing more */
        int lines = 0;
        for (const char *p = err; *p; p++)
            lines += *p == '\n';
        CU_ASSERT_EQUAL(lines, 3);
        CU_ASSERT(access(obj, F_OK) != 0);
        free(first);
        free(obj);
        free(out);
        free(err);
    }
    free(parens);
    free(chain);
    free(minus);
done:
    tmpdir_remove(dir);
    free(vasm);
}

/* A .equ whose own line failed, used where pass 1 needs a value: one
 * error, the definition's (this read the section table at index -1). */
static void test_failed_equ_as_size(void)
{
    const char *want = "t.s:1:9: error: expected an expression, not '/'\n"
                       ".equ N, /1\n"
                       "        ^\n";
    CHECK_DIAG(".equ N, /1\n.space N\n", want);
    CHECK_DIAG(".equ N, /1\n.align N\n.org N\n.incbin \"x\", N\n.word N\nli t0, N\n", want);
    /* used before its line: that is an error of its own */
    CHECK_DIAG(".space N\n.equ N, /1\n",
               "t.s:1:8: error: the size of '.space' must be known here, but 'N' is defined further down\n"
               ".space N\n"
               "       ^\n"
               "t.s:2:9: error: expected an expression, not '/'\n"
               ".equ N, /1\n"
               "        ^\n");
}

static void test_line_limit(void)
{
    /* ASM_MAX_LINE_BYTES is 1 MiB: a comment that long is fine, one byte
     * more is an error at the first byte past the limit */
    for (size_t n = (1u << 20); n <= (1u << 20) + 1; n++) {
        char *line = malloc(n + 1);
        memset(line, 'x', n);
        line[0] = '#';
        line[n] = '\0';
        char *src = fmt("nop\n%s\nnop\n", line);
        if (n == (1u << 20)) {
            CHECK_WORDS(src, ins(OP_ADDI, 0, 0, 0, 0), ins(OP_ADDI, 0, 0, 0, 0));
        } else {
            char *where = shown(line, 1u << 20, 1);
            char *want = fmt("t.s:2:%u: error: line is longer than 1048576 bytes, the limit\n%s", (1u << 20) + 1, where);
            check_diag_at("t.s", src, NULL, want, __LINE__);
            free(where);
            free(want);
        }
        free(src);
        free(line);
    }
}

/* Every file vasm reads stops at 64 MiB: a device is read no further, a
 * larger regular file (sparse: no disk space) is refused unread.  (That
 * 64 MiB itself is read: the fileio suite, with small limits.) */
static void test_input_limit(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *big = tmp_path(dir, "big.bin");
    FILE *f = fopen(big, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(ftruncate(fileno(f), (64 << 20) + 1) == 0);
    fclose(f);
    const char *dirs[] = {dir};
    struct asm_options o = {.include_dirs = dirs, .ninclude_dirs = 1};
    char *want = fmt("t.s:2:9: error: cannot read '/dev/zero': larger than the limit of 64 MiB\n"
                     ".incbin \"/dev/zero\"\n"
                     "        ^~~~~~~~~~~\n"
                     "t.s:3:10: error: cannot read '%s/big.bin': larger than the limit of 64 MiB\n"
                     ".include \"big.bin\"\n"
                     "         ^~~~~~~~~\n",
                     dir);
    check_diag_at("t.s", "nop\n.incbin \"/dev/zero\"\n.include \"big.bin\"\n", &o, want, __LINE__);
    free(want);
    /* the source file itself */
    struct asm_result z;
    CU_ASSERT_FALSE(asm_assemble_file(big, NULL, &z));
    want = fmt("%s: error: larger than the limit of 64 MiB\n", big);
    CU_ASSERT_STRING_EQUAL(z.diag, want);
    free(want);
    asm_result_free(&z);
    free(big);
    tmpdir_remove(dir);
}

/* The other tools' inputs: vdis --raw holds what vasm can make (64 MiB),
 * visa --update a manual (16 MiB).  Sparse files: refused unread, and
 * left as they were. */
static void test_tool_input_limits(void)
{
    char *vdis = tool("vdis"), *visa = tool("visa"), *vasm = tool("vasm"), *dir = tmpdir_make();
    if (!vdis || !visa || !vasm || !dir)
        goto done;
    struct {
        char *argv[6];
        size_t size;
        const char *want;
    } cases[] = {
        {{vdis, "--raw", "--base", "0xffff0000", NULL}, (64u << 20) + 1, "vdis: %s: larger than the limit of 64 MiB\n"},
        {{visa, "--update", NULL}, (16u << 20) + 1, "visa: %s: larger than the limit of 16 MiB\n"},
        {{vasm, "--update-docs", NULL}, (64u << 20) + 1, "vasm: %s: larger than the limit of 64 MiB\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *big = tmp_path(dir, "big");
        FILE *f = fopen(big, "wb");
        CU_ASSERT_FATAL(f != NULL);
        CU_ASSERT(ftruncate(fileno(f), (off_t)cases[i].size) == 0);
        fclose(f);
        char **argv = cases[i].argv;
        int n = 0;
        while (argv[n])
            n++;
        argv[n] = big;
        char *out, *err;
        int st = run_cmd(argv, false, &out, &err);
        argv[n] = NULL;
        char *want = fmt(cases[i].want, big);
        CU_ASSERT_EQUAL(st, 1);
        CU_ASSERT_STRING_EQUAL(err, want);
        CU_ASSERT_STRING_EQUAL(out, "");
        if (st != 1 || strcmp(err, want) != 0)
            fprintf(stderr, "\n  %s: status %d, stderr %.200s", argv[0], st, err);
        struct stat sb;
        CU_ASSERT(stat(big, &sb) == 0 && (size_t)sb.st_size == cases[i].size);
        free(want);
        free(out);
        free(err);
        unlink(big);
        free(big);
    }
done:
    tmpdir_remove(dir);
    free(vdis);
    free(visa);
    free(vasm);
}

static void test_incbin_length(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    free(tmp_write(dir, "b.bin", "0123456789", 10));
    const char *dirs[] = {dir};
    struct asm_options o = {.include_dirs = dirs, .ninclude_dirs = 1};
    check_diag_at("t.s", ".data\n.incbin \"b.bin\", 2, -1\n.incbin \"b.bin\", 0, 0 - 10\n", &o,
                  "t.s:2:21: error: the length of '.incbin' cannot be negative (-1); leave it out to take the file to "
                  "its end\n"
                  ".incbin \"b.bin\", 2, -1\n"
                  "                    ^~\n"
                  "t.s:3:21: error: the length of '.incbin' cannot be negative (-10); leave it out to take the file "
                  "to its end\n"
                  ".incbin \"b.bin\", 0, 0 - 10\n"
                  "                    ^~~~~~\n",
                  __LINE__);
    /* left out: to the end; 0: nothing */
    struct asm_result r;
    struct elf_image img;
    char err[200];
    CU_ASSERT_FATAL(asm_text_opts("t.s", "nop\n.data\na: .incbin \"b.bin\", 7\nb: .incbin \"b.bin\", 3, 0\n.byte 0x41\n", &o,
                                  &r));
    CU_ASSERT_FATAL(elf_read_mem(r.elf, r.elf_len, &img, err, sizeof err));
    uint8_t got[4];
    image_bytes(&img, 0x2000, got, 4);
    CU_ASSERT(memcmp(got, "789A", 4) == 0);
    elf_free(&img);
    asm_result_free(&r);
    tmpdir_remove(dir);
}

void suite_asm_limits(void)
{
    CU_pSuite s = CU_add_suite("assembler: limits", NULL, NULL);
    CU_add_test(s, "expressions nest 256 deep: parentheses, unary, %lo, .equ", test_nesting_limit);
    CU_add_test(s, "50,000 '(', 50,000 '-', a 20,000 .equ chain: one error", test_nesting_crash);
    CU_add_test(s, "a failed .equ used as a size: its own error only", test_failed_equ_as_size);
    CU_add_test(s, "lines of at most 1 MiB", test_line_limit);
    CU_add_test(s, "files of at most 64 MiB: /dev/zero, a sparse file", test_input_limit);
    CU_add_test(s, "vdis --raw, visa --update, vasm --update-docs: files past their limit", test_tool_input_limits);
    CU_add_test(s, ".incbin: a negative length is an error", test_incbin_length);
}
