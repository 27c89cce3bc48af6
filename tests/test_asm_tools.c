/*
 * test_asm_tools.c - vasm and vdis as programs ($VMLAB_BIN): the manual's
 * example runs on vrun and prints what the manual says, errors leave no
 * file behind, vdis output assembles back into the same file, and the
 * manual's generated tables are current.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asmtest.h"
#include "fileio.h"
#include "isa_doc.h"

#define MANUAL "docs/assembler.md"
#define EXAMPLE "assembler/examples/hello.s"

/* The fenced block right after marker, or NULL. */
static char *block_after(const char *text, const char *marker)
{
    const char *m = strstr(text, marker);
    if (!m)
        return NULL;
    const char *open = strstr(m, "```");
    const char *body = open ? strchr(open, '\n') : NULL;
    const char *close = body ? strstr(body + 1, "\n```") : NULL;
    if (!close)
        return NULL;
    size_t n = (size_t)(close + 1 - (body + 1));
    char *s = malloc(n + 1);
    memcpy(s, body + 1, n);
    s[n] = '\0';
    return s;
}

static void test_manual_example_runs(void)
{
    char *manual = read_text(MANUAL), *file = read_text(EXAMPLE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(manual);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    char *example = block_after(manual, "<!-- example: " EXAMPLE " -->");
    char *output = block_after(manual, "<!-- output -->");
    CU_ASSERT_PTR_NOT_NULL_FATAL(example);
    CU_ASSERT_PTR_NOT_NULL_FATAL(output);
    CU_ASSERT_STRING_EQUAL(example, file);
    if (strcmp(example, file) != 0)
        fprintf(stderr, "\nthe example in " MANUAL " is not " EXAMPLE "\n");

    char *vasm = tool("vasm"), *vrun = tool("vrun"), *dir = tmpdir_make();
    if (vasm && vrun && dir) {
        char *elf = tmp_path(dir, "hello.elf");
        char *a1[] = {vasm, "-o", elf, EXAMPLE, NULL};
        char *out, *err;
        CU_ASSERT_EQUAL(run_cmd(a1, false, &out, &err), 0);
        CU_ASSERT_STRING_EQUAL(err, "");
        free(out);
        free(err);
        char *a2[] = {vrun, "--native", elf, NULL};
        CU_ASSERT_EQUAL(run_cmd(a2, false, &out, &err), 0);
        CU_ASSERT_STRING_EQUAL(out, output);
        CU_ASSERT_STRING_EQUAL(err, "");
        if (strcmp(out, output) != 0)
            fprintf(stderr, "\nvrun printed '%s', the manual says '%s'\n", out, output);
        free(out);
        free(err);
        free(elf);
    }
    tmpdir_remove(dir);
    free(vasm);
    free(vrun);
    free(example);
    free(output);
    free(manual);
    free(file);
}

static void test_manual_tables_current(void)
{
    char *manual = read_text(MANUAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(manual);
    char err[200];
    char *a = isa_doc_update(manual, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    char *b = asm_doc_update(a, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_STRING_EQUAL(b, manual);
    if (strcmp(b, manual) != 0)
        fprintf(stderr, "\n" MANUAL " is out of date with the tables: run `make docs`\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(manual, "<!-- vasm pseudo -->"));
    CU_ASSERT_PTR_NOT_NULL(strstr(manual, "<!-- vasm directives -->"));
    CU_ASSERT_PTR_NOT_NULL(strstr(manual, "<!-- visa registers -->"));
    CU_ASSERT_PTR_NULL(asm_doc_update("<!-- vasm nosuch -->\n<!-- /vasm -->\n", err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "unknown table 'nosuch'");
    CU_ASSERT_PTR_NULL(asm_doc_update("<!-- vasm pseudo -->\nno end\n", err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "table 'pseudo' has no closing marker");
    free(a);
    free(b);
    free(manual);
}

static bool exists(const char *path) { return access(path, F_OK) == 0; }

static void test_vasm_errors_write_nothing(void)
{
    char *vasm = tool("vasm"), *dir = tmpdir_make();
    if (!vasm || !dir)
        goto done;
    char *src = tmp_text(dir, "bad.s", "start: nop\n       j nowhere\n");
    char *old = tmp_text(dir, "old.elf", "an older build");
    char *lst = tmp_path(dir, "bad.lst"), *map = tmp_path(dir, "bad.map"), *def = tmp_path(dir, "bad.elf");
    char *out, *err;
    char *a1[] = {vasm, "-o", old, "-l", lst, "-m", map, src, NULL};
    CU_ASSERT_EQUAL(run_cmd(a1, false, &out, &err), 1);
    char want[1024];
    snprintf(want, sizeof want, "%s:2:10: error: undefined symbol 'nowhere'\n       j nowhere\n         ^~~~~~~\n", src);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);
    free(err);
    char *kept = read_text(old);
    CU_ASSERT(kept && strcmp(kept, "an older build") == 0); /* untouched */
    free(kept);
    CU_ASSERT_FALSE(exists(lst));
    CU_ASSERT_FALSE(exists(map));
    char *a2[] = {vasm, src, NULL};
    CU_ASSERT_EQUAL(run_cmd(a2, false, NULL, NULL), 1);
    CU_ASSERT_FALSE(exists(def));

    /* an output that cannot be made: one line naming it (not a temporary
     * file), and no other output is written (suite outfiles: nor is an
     * existing one removed) */
    char *good = tmp_text(dir, "good.s", "_start: halt zero\n");
    char *elf = tmp_path(dir, "good.elf"), *nodir = tmp_path(dir, "nosuch/good.lst");
    char *a3[] = {vasm, "-o", elf, "-l", nodir, good, NULL};
    CU_ASSERT_EQUAL(run_cmd(a3, false, &out, &err), 1);
    snprintf(want, sizeof want, "vasm: %s: cannot create: No such file or directory\n", nodir);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_FALSE(exists(elf));
    free(out);
    free(err);
    free(good);
    free(elf);
    free(nodir);
    free(src);
    free(old);
    free(lst);
    free(map);
    free(def);
done:
    tmpdir_remove(dir);
    free(vasm);
}

static void test_vasm_outputs_and_usage(void)
{
    char *vasm = tool("vasm"), *dir = tmpdir_make();
    if (!vasm || !dir)
        goto done;
    char *src = tmp_text(dir, "p.s", "_start: halt zero\n");
    char *def = tmp_path(dir, "p.elf"), *lst = tmp_path(dir, "p.lst"), *map = tmp_path(dir, "p.map");
    char *a1[] = {vasm, "-l", lst, "-m", map, src, NULL};
    CU_ASSERT_EQUAL(run_cmd(a1, false, NULL, NULL), 0);
    CU_ASSERT(exists(def) && exists(lst) && exists(map)); /* p.s -> p.elf by default */
    char *m = read_text(map);
    CU_ASSERT(m && strcmp(m, "address   section  bind    name\n00001000  .text    local   _start\n") == 0);
    free(m);
    char *err;
    char *a2[] = {vasm, NULL};
    CU_ASSERT_EQUAL(run_cmd(a2, false, NULL, &err), 2);
    CU_ASSERT_STRING_EQUAL(err, "vasm: no source file given\nvasm: try 'vasm --help'\n");
    free(err);
    char *a3[] = {vasm, "--bogus", src, NULL};
    CU_ASSERT_EQUAL(run_cmd(a3, false, NULL, NULL), 2);
    char *a4[] = {vasm, "-o", src, src, NULL};
    CU_ASSERT_EQUAL(run_cmd(a4, false, NULL, NULL), 2);
    char *a5[] = {vasm, "--text", "0x1002", src, NULL};
    CU_ASSERT_EQUAL(run_cmd(a5, false, NULL, NULL), 2);
    char *out;
    char *a6[] = {vasm, "--pseudo", NULL};
    CU_ASSERT_EQUAL(run_cmd(a6, false, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "push rs              addi sp, sp, -4; sw rs, 0(sp)\n"));
    free(out);
    char *a7[] = {vasm, "--help", NULL};
    CU_ASSERT_EQUAL(run_cmd(a7, false, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "usage: vasm [options] FILE.s"));
    free(out);
    /* -D NAME[=VALUE]: the source chooses with .if; the listing does not
     * show the definitions' own lines; a bad one is bad usage */
    char *cond = tmp_text(dir, "c.s", ".if X == 2\n_start: halt zero\n.endif\n");
    char *a8[] = {vasm, "-D", "X=0x2", "-l", lst, "-o", def, cond, NULL};
    CU_ASSERT_EQUAL(run_cmd(a8, false, NULL, NULL), 0);
    m = read_text(lst);
    CU_ASSERT(m && strstr(m, "_start: halt zero") && !strstr(m, "command line") && !strstr(m, ".equ"));
    free(m);
    char *a9[] = {vasm, "-DX", "-o", def, cond, NULL};
    CU_ASSERT_EQUAL(run_cmd(a9, false, NULL, &err), 1); /* X = 1: nothing to load */
    free(err);
    char *a10[] = {vasm, "-D", "X=2x", "-o", def, cond, NULL};
    CU_ASSERT_EQUAL(run_cmd(a10, false, NULL, &err), 2);
    CU_ASSERT_STRING_EQUAL(err, "vasm: -D X=2x: not NAME or NAME=NUMBER (such as -D PARAVIRT=1)\nvasm: try 'vasm --help'\n");
    free(err);
    char *a11[] = {vasm, "-D", "a0", "-o", def, cond, NULL}; /* a register: the .equ's own error */
    CU_ASSERT_EQUAL(run_cmd(a11, false, NULL, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "<command line>:1:6: error: 'a0' is a register name"));
    free(err);
    free(cond);
    free(src);
    free(def);
    free(lst);
    free(map);
done:
    tmpdir_remove(dir);
    free(vasm);
}

/* vdis then vasm gives back the very same file. */
static void test_vdis_then_vasm(void)
{
    char *vasm = tool("vasm"), *vdis = tool("vdis"), *dir = tmpdir_make();
    if (!vasm || !vdis || !dir)
        goto done;
    char *elf = tmp_path(dir, "a.elf"), *dis = tmp_path(dir, "a.s"), *again = tmp_path(dir, "b.elf");
    char *a1[] = {vasm, "-o", elf, EXAMPLE, NULL};
    CU_ASSERT_EQUAL(run_cmd(a1, false, NULL, NULL), 0);
    char *a2[] = {vdis, "-o", dis, elf, NULL};
    CU_ASSERT_EQUAL(run_cmd(a2, false, NULL, NULL), 0);
    char *a3[] = {vasm, "-o", again, dis, NULL};
    CU_ASSERT_EQUAL(run_cmd(a3, false, NULL, NULL), 0);
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    char err[200];
    CU_ASSERT(file_read(elf, &x, &nx, err, sizeof err) && file_read(again, &y, &ny, err, sizeof err));
    CU_ASSERT(x && y && nx == ny && memcmp(x, y, nx) == 0);
    free(x);
    free(y);
    /* not an image */
    char *out, *e;
    char *a4[] = {vdis, EXAMPLE, NULL};
    CU_ASSERT_EQUAL(run_cmd(a4, false, &out, &e), 1);
    CU_ASSERT_STRING_EQUAL(e, "vdis: " EXAMPLE ": not an ELF file\n");
    free(out);
    free(e);
    free(elf);
    free(dis);
    free(again);
done:
    tmpdir_remove(dir);
    free(vasm);
    free(vdis);
}

static void test_vdis_words_and_raw(void)
{
    char *vdis = tool("vdis"), *dir = tmpdir_make();
    if (!vdis || !dir)
        goto done;
    char *out;
    char *a1[] = {vdis, "--words", "--base", "0x2000", "20500068", "0x68500010", "40000000", NULL};
    CU_ASSERT_EQUAL(run_cmd(a1, false, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "        .org    0x00002000\n"
                                       "        addi    t0, zero, 104            # 00002000: 20500068\n"
                                       "        out     con.data, t0             # 00002004: 68500010\n"
                                       "        beq     zero, zero, 0x00002008   # 00002008: 40000000\n"));
    free(out);
    char *raw = tmp_write(dir, "w.bin", "\x68\x00\x50\x20\x01", 5);
    char *a2[] = {vdis, "--raw", "--numeric", raw, NULL};
    CU_ASSERT_EQUAL(run_cmd(a2, false, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "        addi    r5, r0, 104              # 00001000: 20500068\n"
                                       "        .byte   0x01                     # 00001004: bytes\n"));
    free(out);
    char *a3[] = {vdis, "--words", "xyz", NULL};
    CU_ASSERT_EQUAL(run_cmd(a3, false, NULL, NULL), 2);
    char *a4[] = {vdis, "--base", "0x2000", raw, NULL};
    CU_ASSERT_EQUAL(run_cmd(a4, false, NULL, NULL), 2);
    free(raw);
done:
    tmpdir_remove(dir);
    free(vdis);
}

void suite_asm_tools(void)
{
    CU_pSuite s = CU_add_suite("assembler: vasm and vdis programs", NULL, NULL);
    CU_add_test(s, "the manual's example runs and prints what it says", test_manual_example_runs);
    CU_add_test(s, "the manual's tables are current", test_manual_tables_current);
    CU_add_test(s, "vasm: errors leave no file behind, exit 1", test_vasm_errors_write_nothing);
    CU_add_test(s, "vasm: outputs, options, usage", test_vasm_outputs_and_usage);
    CU_add_test(s, "vdis then vasm: the same file", test_vdis_then_vasm);
    CU_add_test(s, "vdis --words and --raw", test_vdis_words_and_raw);
}
