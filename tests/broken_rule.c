/*
 * broken_rule.c - see broken_rule.h.
 */
#include "broken_rule.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa.h"

/* The running test of a rule_suite: whether one of its checks failed, and
 * how many failed after that one. */
static bool in_rule_test;
static bool test_failed;
static unsigned more_failed;
static const char *first_file; /* where the first failed check is */
static int first_line;

static void test_start(void)
{
    in_rule_test = true;
    test_failed = false;
    more_failed = 0;
}

/* One line for all the failures left unsaid: they repeat the first, or
 * follow from it. */
static void test_done(void)
{
    if (more_failed) {
        char msg[200];
        snprintf(msg, sizeof msg, "... and %u more failed check%s in this test, not shown: start with the first",
                 more_failed, more_failed == 1 ? "" : "s");
        CU_assertImplementation(CU_FALSE, (unsigned)first_line, msg, first_file, "", CU_FALSE);
    }
    in_rule_test = false;
}

CU_pSuite rule_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean)
{
    return CU_add_suite_with_setup_and_teardown(name, init, clean, test_start, test_done);
}

static void vbroken(const char *file, int line, const char *rule, const char *fmt, va_list ap)
{
    if (in_rule_test && test_failed) {
        more_failed++;
        return;
    }
    char detail[1200], msg[1500];
    vsnprintf(detail, sizeof detail, fmt, ap);
    snprintf(msg, sizeof msg, "%s%s%s", rule, detail[0] ? ": " : "", detail);
    /* Outside a rule_suite every failure is said at once as well, as
     * before (those suites' output is their own). */
    if (!in_rule_test)
        fprintf(stderr, "\n  FAIL %s:%d: %s\n", file, line, msg);
    test_failed = true;
    first_file = file;
    first_line = line;
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

void rule_broken(const char *file, int line, const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vbroken(file, line, rule, fmt, ap);
    va_end(ap);
}

bool rule_check(bool ok, const char *file, int line, const char *rule, const char *fmt, ...)
{
    if (ok) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, rule, file, "", CU_FALSE);
        return true;
    }
    va_list ap;
    va_start(ap, fmt);
    vbroken(file, line, rule, fmt, ap);
    va_end(ap);
    return false;
}

bool rule_streq(const char *got, const char *want, const char *file, int line, const char *what)
{
    return rule_check(strcmp(got, want) == 0, file, line, what, "\"%.200s\", should be \"%.200s\"", got, want);
}

/* --- values in words --------------------------------------------------- */

#define NBUFS 8
#define BUFLEN 400

static char *buf(void)
{
    static char bufs[NBUFS][BUFLEN];
    static unsigned next;
    char *b = bufs[next++ % NBUFS];
    b[0] = '\0';
    return b;
}

static void append(char *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char *b, const char *fmt, ...)
{
    size_t k = strlen(b);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + k, BUFLEN - k, fmt, ap);
    va_end(ap);
}

/* "PS is set, should be clear" for a bit that differs. */
static void bit_diff(char *b, const char *name, uint32_t got, uint32_t want, uint32_t mask)
{
    if ((got ^ want) & mask)
        append(b, "%s%s is %s, should be %s", b[0] ? "; " : "", name, got & mask ? "set" : "clear",
               got & mask ? "clear" : "set");
}

const char *say_status(uint32_t sr)
{
    char bits[64], *b = buf();
    isa_status_bits(sr, bits, sizeof bits);
    append(b, "0x%08x (%s)", sr, bits[0] ? bits : "no bit set");
    return b;
}

const char *say_status_diff(uint32_t got, uint32_t want)
{
    char *b = buf();
#define X(NAME, bit, name, desc) bit_diff(b, name, got, want, SR_##NAME);
    ISA_STATUS_BITS(X)
#undef X
    if (!b[0] && got != want)
        append(b, "unnamed bits 0x%08x differ", got ^ want);
    return b;
}

const char *say_cause(uint32_t cause)
{
    char *b = buf();
    append(b, "%s (0x%08x)", isa_cause_name(cause), cause);
    return b;
}

const char *say_pte(uint32_t pte)
{
    char *b = buf();
    append(b, "0x%08x (frame 0x%08x", pte, PTE_FRAME(pte));
#define X(NAME, bit, name, desc)                                                                                   \
    if (pte & PTE_##NAME)                                                                                          \
        append(b, " %s", name);
    ISA_PTE_BITS(X)
#undef X
    append(b, ")");
    return b;
}

const char *say_pte_diff(uint32_t got, uint32_t want)
{
    char *b = buf();
#define X(NAME, bit, name, desc) bit_diff(b, name, got, want, PTE_##NAME);
    ISA_PTE_BITS(X)
#undef X
    if (PTE_FRAME(got) != PTE_FRAME(want))
        append(b, "%sframe 0x%08x, should be 0x%08x", b[0] ? "; " : "", PTE_FRAME(got), PTE_FRAME(want));
    if (!b[0] && got != want)
        append(b, "soft bits 0x%08x differ", got ^ want);
    return b;
}

/* --- rules in words ---------------------------------------------------- */

const char *cause_hint(uint32_t got, uint32_t want)
{
    uint32_t d = got ^ want;
    if (CAUSE_CODE(want) >= CAUSE_FIRST_INTERRUPT && CAUSE_CODE(got) < CAUSE_FIRST_INTERRUPT)
        return " (the pending interrupt was not taken: IE was not 1 when it should have been)";
    if (!d || CAUSE_CODE(d))
        return "";
    return d & CAUSE_USER    ? (want & CAUSE_USER ? " (USER is clear: but the access was made in user mode)"
                                                  : " (USER is set: but the access was made in supervisor mode)")
           : d & CAUSE_WRITE ? (want & CAUSE_WRITE ? " (WRITE is clear: but the access was a store)"
                                                   : " (WRITE is set: but the access was not a store)")
           : d & CAUSE_FETCH ? (want & CAUSE_FETCH ? " (FETCH is clear: but the access was an instruction fetch)"
                                                   : " (FETCH is set: but the access was not a fetch)")
           : d & CAUSE_PROT  ? (want & CAUSE_PROT ? " (PROT is clear: but the page was present and refused the access)"
                                                  : " (PROT is set: but the page was not present)")
                             : "";
}

/* docs/isa.md section 6, step 4, one bit at a time. */
const char *trap_status_rule(uint32_t got, uint32_t want)
{
    uint32_t d = got ^ want;
    return d & SR_S     ? "the trap did not enter supervisor mode (S = 1)"
           : d & SR_IE  ? "the trap did not turn interrupts off (IE = 0)"
           : d & SR_PS  ? "the trap did not save the previous mode in PS"
           : d & SR_PIE ? "the trap did not save the previous interrupt enable in PIE"
           : d & SR_PG  ? "the trap changed PG, which it must keep"
                        : "status after the trap is wrong";
}

/* rfe (section 4): S = PS, IE = PIE; PS, PIE and PG keep their values. */
const char *rfe_status_rule(uint32_t got, uint32_t want)
{
    uint32_t d = got ^ want;
    return d & SR_S                     ? "rfe did not restore the previous mode (S = PS)"
           : d & SR_IE                  ? "rfe did not restore the previous interrupt enable (IE = PIE)"
           : d & (SR_PS | SR_PIE | SR_PG) ? "rfe changed PS, PIE or PG, which it must keep"
                                        : "status after rfe is wrong";
}

const char *say_text(const char *s)
{
    char *b = buf();
    size_t k = 0;
    for (size_t i = 0; s[i] && k + 8 < 160; i++) {
        unsigned char c = (unsigned char)s[i];
        k += (size_t)snprintf(b + k, BUFLEN - k, c == '\n' ? "\\n" : c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
        if (k + 8 >= 160 && s[i + 1])
            k += (size_t)snprintf(b + k, BUFLEN - k, "...");
    }
    return b;
}
