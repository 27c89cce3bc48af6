/*
 * test_asm_errors.c - every error the assembler reports: the exact
 * file:line:col, message, source line and caret, in source order, and no
 * output when there is any.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"

static void test_unknown_mnemonic(void)
{
    CHECK_DIAG("        ad      t0, t1, t2\n",
               "t.s:1:9: error: unknown mnemonic 'ad'; did you mean 'add'?\n"
               "        ad      t0, t1, t2\n"
               "        ^~\n");
    CHECK_DIAG("x:\tpusj\tra\n", /* pseudo-instructions are suggested too; tabs stay tabs */
               "t.s:1:4: error: unknown mnemonic 'pusj'; did you mean 'push'?\n"
               "x:\tpusj\tra\n"
               "  \t^~~~\n");
    CHECK_DIAG("ADDI t0, t0, 1\n",
               "t.s:1:1: error: unknown mnemonic 'ADDI'; did you mean 'addi'?\n"
               "ADDI t0, t0, 1\n"
               "^~~~\n");
    CHECK_DIAG("nop\nloop\n",
               "t.s:2:1: error: unknown mnemonic 'loop'; a label needs a ':' after it\n"
               "loop\n"
               "^~~~\n");
}

static void test_operand_count(void)
{
    CHECK_DIAG("add t0, t1\n",
               "t.s:1:1: error: 'add' takes 3 operands (add rd, rs1, rs2), but 2 were given\n"
               "add t0, t1\n"
               "^~~\n");
    CHECK_DIAG("  lw t0\n",
               "t.s:1:3: error: 'lw' takes 2 operands (lw rd, imm(rs1)), but 1 was given\n"
               "  lw t0\n"
               "  ^~\n");
    CHECK_DIAG("ret ra\n",
               "t.s:1:1: error: 'ret' takes no operands, but 1 was given\n"
               "ret ra\n"
               "^~~\n");
    CHECK_DIAG("li t0, 1, 2\n",
               "t.s:1:1: error: 'li' takes 2 operands (li rd, imm), but 3 were given\n"
               "li t0, 1, 2\n"
               "^~\n");
    CHECK_DIAG("add t0, , t1\n",
               "t.s:1:9: error: missing operand before this ','\n"
               "add t0, , t1\n"
               "        ^\n");
}

static void test_operand_kind(void)
{
    CHECK_DIAG("add t0, t1, 5\n",
               "t.s:1:13: error: the third operand of 'add' must be a register; did you mean 'addi'?\n"
               "add t0, t1, 5\n"
               "            ^\n");
    CHECK_DIAG("sll t0, t1, 2\n",
               "t.s:1:13: error: the third operand of 'sll' must be a register; did you mean 'slli'?\n"
               "sll t0, t1, 2\n"
               "            ^\n");
    /* no sub with an immediate: nothing to suggest */
    CHECK_DIAG("sub t0, t1, 5\n",
               "t.s:1:13: error: the third operand of 'sub' must be a register\n"
               "sub t0, t1, 5\n"
               "            ^\n");
    CHECK_DIAG("addi t0, t1, t2\n",
               "t.s:1:14: error: the third operand of 'addi' must be a value, not a register\n"
               "addi t0, t1, t2\n"
               "             ^~\n");
    CHECK_DIAG("lw t0, buf\n",
               "t.s:1:8: error: the second operand of 'lw' must be a memory reference such as 8(sp)\n"
               "lw t0, buf\n"
               "       ^~~\n");
    CHECK_DIAG("beqz 4, 8\n",
               "t.s:1:6: error: the first operand of 'beqz' must be a register\n"
               "beqz 4, 8\n"
               "     ^\n");
    CHECK_DIAG(".ascii 65\n",
               "t.s:1:8: error: the first operand of '.ascii' must be a string in double quotes\n"
               ".ascii 65\n"
               "       ^~\n");
    CHECK_DIAG(".word 4 + t0\n",
               "t.s:1:11: error: 't0' is a register, not a value\n"
               ".word 4 + t0\n"
               "          ^~\n");
}

static void test_unknown_register(void)
{
    CHECK_DIAG("lw t0, 4(x9)\n",
               "t.s:1:10: error: unknown register 'x9'; did you mean 'r9'?\n"
               "lw t0, 4(x9)\n"
               "         ^~\n");
    CHECK_DIAG("mv t0, accumulator\n",
               "t.s:1:8: error: unknown register 'accumulator'\n"
               "mv t0, accumulator\n"
               "       ^~~~~~~~~~~\n");
    CHECK_DIAG("mfcr t0, stauts\n",
               "t.s:1:10: error: unknown control register 'stauts'; did you mean 'status'?\n"
               "mfcr t0, stauts\n"
               "         ^~~~~~\n");
    CHECK_DIAG("out con.dat, t0\n",
               "t.s:1:5: error: unknown port 'con.dat'; did you mean 'con.data'?\n"
               "out con.dat, t0\n"
               "    ^~~~~~~\n");
}

static void test_immediate_range(void)
{
    CHECK_DIAG("addi t0, t0, 40000\n",
               "t.s:1:14: error: immediate 40000 (0x9c40) is out of range for 'addi' (-32768..32767)\n"
               "addi t0, t0, 40000\n"
               "             ^~~~~\n");
    CHECK_DIAG("slli t0, t0, 32\n",
               "t.s:1:14: error: immediate 32 (0x20) is out of range for 'slli' (0..31)\n"
               "slli t0, t0, 32\n"
               "             ^~\n");
    CHECK_DIAG("ori t0, t0, -1\n",
               "t.s:1:13: error: immediate -1 is out of range for 'ori' (0..65535)\n"
               "ori t0, t0, -1\n"
               "            ^~\n");
    CHECK_DIAG("mfcr t0, 8\n",
               "t.s:1:10: error: control register number 8 is out of range for 'mfcr' (a control register 0..7)\n"
               "mfcr t0, 8\n"
               "         ^\n");
    CHECK_DIAG("sw t0, 0x8000(sp)\n",
               "t.s:1:8: error: immediate 32768 (0x8000) is out of range for 'sw' (-32768..32767)\n"
               "sw t0, 0x8000(sp)\n"
               "       ^~~~~~\n");
    CHECK_DIAG(".byte 256\n",
               "t.s:1:7: error: value 256 is out of range for '.byte' (-128..255)\n"
               ".byte 256\n"
               "      ^~~\n");
    CHECK_DIAG("li t0, 0x100000000\n",
               "t.s:1:8: error: value 4294967296 does not fit in 32 bits (-2147483648..4294967295)\n"
               "li t0, 0x100000000\n"
               "       ^~~~~~~~~~~\n");
}

static void test_branch_range(void)
{
    CHECK_DIAG("        beq     t0, t1, far\n        .space  0x40000\nfar:    nop\n",
               "t.s:1:25: error: target 0x00041004 is out of range for 'beq': it is 262148 bytes away, and the range "
               "is -131072..131068 bytes from the instruction, a multiple of 4\n"
               "        beq     t0, t1, far\n"
               "                        ^~~\n");
    CHECK_DIAG("call 0x1000 + 2097152\n",
               "t.s:1:6: error: target 0x00201000 is out of range for 'call': it is 2097152 bytes away, and the range "
               "is -2097152..2097148 bytes from the instruction, a multiple of 4\n"
               "call 0x1000 + 2097152\n"
               "     ^~~~~~~~~~~~~~~~\n");
    CHECK_DIAG("bne t0, t1, 0x1002\n",
               "t.s:1:13: error: target 0x00001002 of 'bne' is not a multiple of 4\n"
               "bne t0, t1, 0x1002\n"
               "            ^~~~~~\n");
}

static void test_undefined_symbol(void)
{
    CHECK_DIAG("        j       lopo\nloop:   nop\n",
               "t.s:1:17: error: undefined symbol 'lopo'; did you mean 'loop'?\n"
               "        j       lopo\n"
               "                ^~~~\n");
    CHECK_DIAG("la a0, nothing\n",
               "t.s:1:8: error: undefined symbol 'nothing'\n"
               "la a0, nothing\n"
               "       ^~~~~~~\n");
    CHECK_DIAG("j 3f\n1: j 2b\n",
               "t.s:1:3: error: '3f' refers to a label '3:' further down, but there is none\n"
               "j 3f\n"
               "  ^~\n"
               "t.s:2:6: error: '2b' refers to a label '2:' above it, but there is none\n"
               "1: j 2b\n"
               "     ^~\n");
    CHECK_DIAG(".global main\nnop\n",
               "t.s:1:9: error: 'main' is declared .global but never defined\n"
               ".global main\n"
               "        ^~~~\n");
    CHECK_DIAG("# only a comment\n", "t.s: error: the program is empty: there is nothing to load\n");
    CHECK_DIAG(".word V\n.set V, 1\n",
               "t.s:1:7: error: 'V' is used before its first .set\n"
               ".word V\n"
               "      ^\n");
}

static void test_duplicate_symbol(void)
{
    CHECK_DIAG("loop: nop\n  j loop\nloop: nop\n",
               "t.s:3:1: error: 'loop' is already defined\n"
               "loop: nop\n"
               "^~~~\n"
               "t.s:1:1: note: 'loop' was first defined here\n"
               "loop: nop\n"
               "^~~~\n");
    CHECK_DIAG(".equ N, 1\nN: nop\n.equ N, 2\n",
               "t.s:2:1: error: 'N' is already defined\n"
               "N: nop\n"
               "^\n"
               "t.s:1:6: note: 'N' was first defined here\n"
               ".equ N, 1\n"
               "     ^\n"
               "t.s:3:6: error: 'N' is already defined\n"
               ".equ N, 2\n"
               "     ^\n"
               "t.s:1:6: note: 'N' was first defined here\n"
               ".equ N, 1\n"
               "     ^\n");
    CHECK_DIAG("x: .set x, 1\n",
               "t.s:1:9: error: 'x' is a label; .set can only change a symbol made by .set\n"
               "x: .set x, 1\n"
               "        ^\n"
               "t.s:1:1: note: 'x' was first defined here\n"
               "x: .set x, 1\n"
               "^\n");
    CHECK_DIAG("sp: nop\n",
               "t.s:1:1: error: 'sp' is a register name, so it cannot be a symbol\n"
               "sp: nop\n"
               "^~\n");
}

static void test_unknown_directive(void)
{
    CHECK_DIAG("        .wrod   5\n",
               "t.s:1:9: error: unknown directive '.wrod'; did you mean '.word'?\n"
               "        .wrod   5\n"
               "        ^~~~~\n");
    /* other assemblers' names: SPIM's .asciiz, GNU as's .string */
    CHECK_DIAG("s: .asciiz \"hi\"\n",
               "t.s:1:4: error: unknown directive '.asciiz'; did you mean '.asciz'?\n"
               "s: .asciiz \"hi\"\n"
               "   ^~~~~~~\n");
    CHECK_DIAG("s: .string \"hi\"\n",
               "t.s:1:4: error: unknown directive '.string'; did you mean '.asciz'?\n"
               "s: .string \"hi\"\n"
               "   ^~~~~~~\n");
    CHECK_DIAG(".section .text\n",
               "t.s:1:1: error: unknown directive '.section'\n"
               ".section .text\n"
               "^~~~~~~~\n");
}

static void test_unterminated_string(void)
{
    CHECK_DIAG(".ascii \"abc\n",
               "t.s:1:8: error: unterminated string: it needs a closing '\"' on this line\n"
               ".ascii \"abc\n"
               "       ^\n");
    CHECK_DIAG("li t0, 'a\n",
               "t.s:1:8: error: unterminated character literal: it needs a closing \"'\"\n"
               "li t0, 'a\n"
               "       ^\n");
    CHECK_DIAG("li t0, 'ab'\n",
               "t.s:1:8: error: a character literal holds one character; use a string for more\n"
               "li t0, 'ab'\n"
               "       ^~~~\n");
}

static void test_bad_escape(void)
{
    CHECK_DIAG(".ascii \"a\\qb\"\n",
               "t.s:1:10: error: unknown escape sequence '\\q'\n"
               ".ascii \"a\\qb\"\n"
               "         ^~\n");
    CHECK_DIAG("li t0, '\\x'\n",
               "t.s:1:9: error: '\\x' needs one or two hex digits after it\n"
               "li t0, '\\x'\n"
               "        ^~\n");
    CHECK_DIAG(".byte '\\400'\n",
               "t.s:1:8: error: octal escape is larger than a byte (\\377)\n"
               ".byte '\\400'\n"
               "       ^~~~\n");
}

/* Files on disk, named by their full paths in the messages. */
struct files {
    char *dir;
};

static char *expect(const char *fmt, const char *dir)
{
    size_t n = strlen(fmt) + 8 * strlen(dir) + 1;
    char *s = malloc(n);
    /* every %s in fmt is dir */
    snprintf(s, n, fmt, dir, dir, dir, dir, dir, dir, dir, dir);
    return s;
}

static void check_file_diag(const char *path, const struct asm_options *o, const char *want)
{
    struct asm_result r;
    CU_ASSERT_FALSE(asm_assemble_file(path, o, &r));
    CU_ASSERT_PTR_NULL(r.elf);
    CU_ASSERT_STRING_EQUAL(r.diag, want);
    if (strcmp(r.diag, want) != 0)
        fprintf(stderr, "\n--- got:\n%s--- want:\n%s---\n", r.diag, want);
    asm_result_free(&r);
}

static void test_include_cycle(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *a = tmp_text(dir, "a.s", "nop\n.include \"b.s\"\n");
    free(tmp_text(dir, "b.s", "nop\n   .include \"a.s\"\n"));
    char *want = expect("%s/b.s:2:13: error: '.include' cycle: %s/a.s -> %s/b.s -> %s/a.s\n"
                        "   .include \"a.s\"\n"
                        "            ^~~~~\n",
                        dir);
    check_file_diag(a, NULL, want);
    free(want);
    char *self = tmp_text(dir, "self.s", ".include \"self.s\"\n");
    want = expect("%s/self.s:1:10: error: '.include' cycle: %s/self.s -> %s/self.s\n"
                  ".include \"self.s\"\n"
                  "         ^~~~~~~~\n",
                  dir);
    check_file_diag(self, NULL, want);
    free(want);
    free(self);
    free(a);
    tmpdir_remove(dir);
}

static void test_missing_files(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *inc = tmp_path(dir, "inc");
    char *m = tmp_text(dir, "m.s", ".include \"defs.s\"\n.data\n.incbin \"user.elf\"\n.incbin \"inc\"\n");
    free(tmp_text(dir, "inc/placeholder.s", "\n"));
    const char *dirs[] = {inc};
    struct asm_options o = {.include_dirs = dirs, .ninclude_dirs = 1};
    char *want = expect("%s/m.s:1:10: error: cannot find 'defs.s' (looked in '%s', '%s/inc')\n"
                        ".include \"defs.s\"\n"
                        "         ^~~~~~~~\n"
                        "%s/m.s:3:9: error: cannot find 'user.elf' (looked in '%s', '%s/inc')\n"
                        ".incbin \"user.elf\"\n"
                        "        ^~~~~~~~~~\n"
                        "%s/m.s:4:9: error: cannot read '%s/inc': is a directory\n"
                        ".incbin \"inc\"\n"
                        "        ^~~~~\n",
                        dir);
    check_file_diag(m, &o, want);
    free(want);
    /* the source file itself */
    char *none = tmp_path(dir, "none.s");
    want = expect("%s/none.s: error: cannot open: No such file or directory\n", dir);
    check_file_diag(none, NULL, want);
    free(want);
    free(none);
    free(m);
    free(inc);
    tmpdir_remove(dir);
}

static void test_misaligned(void)
{
    CHECK_DIAG(".byte 1\n.word 2\n",
               "t.s:2:1: error: '.word' at 0x00001001 is not aligned to 4 bytes (put .align 4 before it)\n"
               ".word 2\n"
               "^~~~~\n");
    CHECK_DIAG(".data\n.byte 1\n.half 2\n",
               "t.s:3:1: error: '.half' at 0x00001001 is not aligned to 2 bytes (put .align 2 before it)\n"
               ".half 2\n"
               "^~~~~\n");
    CHECK_DIAG(".ascii \"ab\"\nnop\n",
               "t.s:2:1: error: this instruction would be at 0x00001002, which is not a multiple of 4 (put .align 4 "
               "before it)\n"
               "nop\n"
               "^~~\n");
}

static void test_address_space(void)
{
    CHECK_DIAG("        .org    0xfffffffc\n        nop\n        nop\n",
               "t.s:3:9: error: this goes past the end of the 32-bit address space: .text would end at 0x100000004\n"
               "        nop\n"
               "        ^~~\n");
    CHECK_DIAG(".bss\n.org 0xfffffff0\n.space 0x20\n",
               "t.s:3:1: error: this goes past the end of the 32-bit address space: .bss would end at 0x100000010\n"
               ".space 0x20\n"
               "^~~~~~\n");
    CHECK_DIAG(".org 0x1000\nnop\n.org 0x800\n",
               "t.s:3:6: error: '.org' cannot go backwards: .text is already at 0x00001004\n"
               ".org 0x800\n"
               "     ^~~~~\n");
    CHECK_DIAG("nop\n.data\n.org 0x1000\n.word 1\n",
               "t.s:3:6: error: .text (0x00001000..0x00001003) and .data (0x00001000..0x00001003) overlap\n"
               ".org 0x1000\n"
               "     ^~~~~~\n");
}

static void test_sizes_known_in_pass1(void)
{
    CHECK_DIAG(".space N\n.equ N, 4\n",
               "t.s:1:8: error: the size of '.space' must be known here, but 'N' is defined further down\n"
               ".space N\n"
               "       ^\n");
    CHECK_DIAG("nop\n.data\na: .word 1\n.align a\n",
               "t.s:4:8: error: the alignment of '.align' must be known here, but it depends on where .data starts, "
               "which is decided after pass 1 (give .data a start with .org)\n"
               ".align a\n"
               "       ^\n");
    CHECK_DIAG(".align 3\n",
               "t.s:1:8: error: '.align' takes a power of two from 1 to 65536 (a number of bytes), not 3\n"
               ".align 3\n"
               "       ^\n");
}

static void test_expressions(void)
{
    CHECK_DIAG(".word 1 / (2 - 2)\n",
               "t.s:1:9: error: division by zero\n"
               ".word 1 / (2 - 2)\n"
               "        ^\n");
    CHECK_DIAG(".word (1 + 2\n",
               "t.s:1:7: error: this '(' has no matching ')'\n"
               ".word (1 + 2\n"
               "      ^\n");
    CHECK_DIAG(".word 1 +\n",
               "t.s:1:10: error: expected an expression\n"
               ".word 1 +\n"
               "         ^\n");
    CHECK_DIAG(".word 1 2\n",
               "t.s:1:9: error: unexpected '2' after the expression\n"
               ".word 1 2\n"
               "        ^\n");
    CHECK_DIAG(".word %high(1)\n",
               "t.s:1:7: error: unknown operator '%high' (there are %hi and %lo)\n"
               ".word %high(1)\n"
               "      ^~~~~\n");
    CHECK_DIAG(".word 010, 0x, 12ab\n",
               "t.s:1:7: error: a decimal number cannot start with 0 (octal is written 0o17)\n"
               ".word 010, 0x, 12ab\n"
               "      ^~~\n");
    CHECK_DIAG(".equ A, B\n.equ B, A + 1\n.word A\n",
               "t.s:1:9: error: 'B' is defined in terms of itself\n"
               ".equ A, B\n"
               "        ^\n");
    CHECK_DIAG("nop @\n",
               "t.s:1:5: error: unexpected character '@'\n"
               "nop @\n"
               "    ^\n");
}

static void test_bss_holds_zeros(void)
{
    CHECK_DIAG(".bss\n.word 1\n",
               "t.s:2:1: error: .bss holds only zeros: reserve space there with .space, or put this in .data\n"
               ".word 1\n"
               "^~~~~\n");
}

/* Errors of both passes come out in source order, all of them. */
static void test_all_errors_in_order(void)
{
    CHECK_DIAG("j nowhere\nad t0, t1, t2\naddi t0, t0, 99999\n.wrod 1\n",
               "t.s:1:3: error: undefined symbol 'nowhere'\n"
               "j nowhere\n"
               "  ^~~~~~~\n"
               "t.s:2:1: error: unknown mnemonic 'ad'; did you mean 'add'?\n"
               "ad t0, t1, t2\n"
               "^~\n"
               "t.s:3:14: error: immediate 99999 (0x1869f) is out of range for 'addi' (-32768..32767)\n"
               "addi t0, t0, 99999\n"
               "             ^~~~~\n"
               "t.s:4:1: error: unknown directive '.wrod'; did you mean '.word'?\n"
               ".wrod 1\n"
               "^~~~~\n");
}

static void test_stop_after_20(void)
{
    char src[2048] = "";
    for (int i = 0; i < 30; i++)
        strcat(src, "bad\n");
    struct asm_result r;
    CU_ASSERT_FALSE(asm_text(src, &r));
    CU_ASSERT_EQUAL(r.nerrors, 20);
    const char *last = "error: too many errors; stopped after 20\n";
    CU_ASSERT(strlen(r.diag) > strlen(last) && strcmp(r.diag + strlen(r.diag) - strlen(last), last) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.diag, "t.s:20:1: error"));
    CU_ASSERT_PTR_NULL(strstr(r.diag, "t.s:21:1: error"));
    asm_result_free(&r);
    struct asm_options o = {.max_errors = 2};
    check_diag_at("t.s", "bad\noops\nworst\n", &o,
                  "t.s:1:1: error: unknown mnemonic 'bad'; a label needs a ':' after it\nbad\n^~~\n"
                  "t.s:2:1: error: unknown mnemonic 'oops'; a label needs a ':' after it\noops\n^~~~\n"
                  "error: too many errors; stopped after 2\n",
                  __LINE__);
}

/* The library keeps nothing between runs: a failed run leaves no trace. */
static void test_runs_are_independent(void)
{
    struct asm_result a, b, c;
    CU_ASSERT(asm_text("x: .word x\n", &a));
    CU_ASSERT_FALSE(asm_text("x: .word y\n", &b));
    CU_ASSERT(asm_text("x: .word x\n", &c));
    CU_ASSERT(a.elf_len == c.elf_len && memcmp(a.elf, c.elf, a.elf_len) == 0);
    CU_ASSERT_STRING_EQUAL(c.diag, "");
    asm_result_free(&a);
    asm_result_free(&b);
    asm_result_free(&c);
}

static void test_conditional_errors(void)
{
    CHECK_DIAG("nop\n.if 1\nnop\n",
               "t.s:2:1: error: unterminated '.if': no '.endif' before the end of the file\n"
               ".if 1\n"
               "^~~\n");
    CHECK_DIAG("  .ifdef X\n.if 0\n.endif\n",
               "t.s:1:3: error: unterminated '.ifdef': no '.endif' before the end of the file\n"
               "  .ifdef X\n"
               "  ^~~~~~\n");
    CHECK_DIAG("nop\n.else\n",
               "t.s:2:1: error: '.else' without '.if'\n"
               ".else\n"
               "^~~~~\n");
    CHECK_DIAG(".if 1\n.endif\n\t.endif\n",
               "t.s:3:2: error: '.endif' without '.if'\n"
               "\t.endif\n"
               "\t^~~~~~\n");
    CHECK_DIAG(".if 0\n.else\nnop\n.else\n.endif\n",
               "t.s:4:1: error: '.else' after '.else'\n"
               ".else\n"
               "^~~~~\n"
               "t.s:1:1: note: the '.if' it belongs to is here\n"
               ".if 0\n"
               "^~~\n");
    CHECK_DIAG("x: .if 1\n",
               "t.s:1:4: error: '.if' must stand first on its line (no label before it)\n"
               "x: .if 1\n"
               "   ^~~\n");
    CHECK_DIAG(".if LATER + 1\nnop\n.endif\n.equ LATER, 1\n",
               "t.s:1:5: error: the value of '.if' must be known here, but 'LATER' is not defined above it (define it before, or with -D)\n"
               ".if LATER + 1\n"
               "    ^~~~~~~~~\n");
    CHECK_DIAG("nop\n.data\nhere: .word 0\n.if here\n.endif\n", /* where .data starts is decided after pass 1 */
               "t.s:4:5: error: the value of '.if' must be a number known here, not an address\n"
               ".if here\n"
               "    ^~~~\n");
    CHECK_DIAG(".if\n.endif\n",
               "t.s:1:1: error: '.if' needs a value: it is written .if EXPR\n"
               ".if\n"
               "^~~\n");
    CHECK_DIAG(".ifndef 3\n.endif\n",
               "t.s:1:1: error: '.ifndef' takes one name: it is written .ifndef NAME\n"
               ".ifndef 3\n"
               "^~~~~~~\n");
    CHECK_DIAG(".if 1\n.else 2\n.endif x\n",
               "t.s:2:7: error: '.else' takes no operands\n"
               ".else 2\n"
               "      ^\n"
               "t.s:3:8: error: '.endif' takes no operands\n"
               ".endif x\n"
               "       ^\n");
    /* in a branch not taken, an .if's expression is not even read */
    CHECK_DIAG(".if 0\n.if ]]\n.endif\n.endif\nx y\n",
               "t.s:5:1: error: unknown mnemonic 'x'\n"
               "x y\n"
               "^\n");
    /* a -D clashing with the source's own definition */
    const char *defs[] = {"K=2"};
    struct asm_options o = {.defines = defs, .ndefines = 1};
    check_diag_at("t.s", ".equ K, 3\n", &o,
                  "t.s:1:6: error: 'K' is already defined\n"
                  ".equ K, 3\n"
                  "     ^\n"
                  "<command line>:1:6: note: 'K' was first defined here\n"
                  ".equ K, 2\n"
                  "     ^\n",
                  __LINE__);
    /* a conditional opens and closes in one file */
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *main_s = tmp_text(dir, "main.s", ".if 1\n.include \"inc.s\"\n.endif\n.include \"open.s\"\n.endif\n");
    free(tmp_text(dir, "inc.s", "nop\n.endif\n"));
    free(tmp_text(dir, "open.s", ".ifndef Y\n"));
    struct asm_result r;
    CU_ASSERT_FALSE(asm_assemble_file(main_s, NULL, &r));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.diag, "inc.s:2:1: error: '.endif' without '.if'\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.diag, "open.s:1:1: error: unterminated '.ifndef'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.diag, "main.s:5:1: error: '.endif' without '.if'\n"));
    CU_ASSERT_EQUAL(r.nerrors, 3);
    asm_result_free(&r);
    free(main_s);
    tmpdir_remove(dir);
}

void suite_asm_errors(void)
{
    CU_pSuite s = CU_add_suite("assembler: errors", NULL, NULL);
    CU_add_test(s, ".if .else .endif: unterminated, unmatched, unknown values", test_conditional_errors);
    CU_add_test(s, "unknown mnemonic, with a suggestion", test_unknown_mnemonic);
    CU_add_test(s, "wrong operand count", test_operand_count);
    CU_add_test(s, "wrong operand kind", test_operand_kind);
    CU_add_test(s, "unknown register, control register, port", test_unknown_register);
    CU_add_test(s, "immediate out of range, with the range", test_immediate_range);
    CU_add_test(s, "branch target out of range or misaligned", test_branch_range);
    CU_add_test(s, "undefined symbol, local label, .global, .set", test_undefined_symbol);
    CU_add_test(s, "duplicate symbol, with a note", test_duplicate_symbol);
    CU_add_test(s, "unknown directive", test_unknown_directive);
    CU_add_test(s, "unterminated string and character", test_unterminated_string);
    CU_add_test(s, "bad escape", test_bad_escape);
    CU_add_test(s, ".include cycle", test_include_cycle);
    CU_add_test(s, "missing .include, .incbin and source file", test_missing_files);
    CU_add_test(s, "misaligned .word, .half, instruction", test_misaligned);
    CU_add_test(s, "past the end of the address space, backwards, overlap", test_address_space);
    CU_add_test(s, "sizes pass 1 cannot know", test_sizes_known_in_pass1);
    CU_add_test(s, "expression errors", test_expressions);
    CU_add_test(s, ".bss holds only zeros", test_bss_holds_zeros);
    CU_add_test(s, "every error of a run, in source order", test_all_errors_in_order);
    CU_add_test(s, "stop after 20 (--max-errors)", test_stop_after_20);
    CU_add_test(s, "runs are independent", test_runs_are_independent);
}
