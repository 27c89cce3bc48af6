/*
 * broken_rule.h - how a failed check speaks: which rule of the machine or
 * of the VMM broke, in a student's words ("rfe did not restore the
 * previous mode"), for which instruction, trap or guest, with the values
 * decoded by the ISA's own namers (status bits, causes, page-table
 * entries) - and, in a suite made with rule_suite, only the first broken
 * rule of each test, so that one bug reads as one line per test and not a
 * thousand.  The checks after the first still run and still count: the
 * test ends with one more line saying how many of them failed too.
 */
#ifndef VMLAB_TESTS_BROKEN_RULE_H
#define VMLAB_TESTS_BROKEN_RULE_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A failed check: `rule` says what went wrong, the rest the values and
 * the case.  One CUnit failure (the first of a test in a rule_suite;
 * later ones are counted). */
void rule_broken(const char *file, int line, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* ok: one passed CUnit assert; else rule_broken.  Returns ok. */
bool rule_check(bool ok, const char *file, int line, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define RULE(ok, rule, ...) rule_check((ok) != 0, __FILE__, __LINE__, (rule), __VA_ARGS__)

/* A suite whose tests stop reporting at their first broken rule. */
CU_pSuite rule_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean);

/* Values in words.  Each returns one of a few static buffers, good until
 * the eighth call after it. */
const char *say_status(uint32_t sr);                     /* "0x00000005 (S PS)" */
const char *say_status_diff(uint32_t got, uint32_t want); /* "PS is set, should be clear" */
const char *say_cause(uint32_t cause);                   /* "page-fault (0x00000b05)" */
const char *say_pte(uint32_t pte);                       /* "0x00012067 (frame 0x00012000 V R W A D)" */
const char *say_pte_diff(uint32_t got, uint32_t want);   /* "D is clear, should be set" */
const char *say_text(const char *s);                     /* "ab\ncd": newlines and control bytes escaped, cut short */

/* Rules in words, for the value that broke them. */
/* " (USER is clear: but the access was made in user mode)", or "" */
const char *cause_hint(uint32_t got, uint32_t want);
/* status after a trap (section 6), the first bit that is wrong: "the trap
 * did not save the previous mode in PS" */
const char *trap_status_rule(uint32_t got, uint32_t want);
/* status after rfe: "rfe did not restore the previous mode (S = PS)" */
const char *rfe_status_rule(uint32_t got, uint32_t want);

/* In a file that includes this header, CUnit's plain (not FATAL) asserts
 * go through rule_check as well, each argument evaluated once as CUnit
 * does: the expression is the rule, and a test stops saying at its first
 * failure.  Each is still one CUnit assert. */
bool rule_streq(const char *got, const char *want, const char *file, int line, const char *what);
#undef CU_ASSERT
#undef CU_ASSERT_TRUE
#undef CU_ASSERT_FALSE
#undef CU_ASSERT_EQUAL
#undef CU_ASSERT_NOT_EQUAL
#undef CU_ASSERT_PTR_NULL
#undef CU_ASSERT_PTR_NOT_NULL
#undef CU_ASSERT_STRING_EQUAL
#define CU_ASSERT(v) ((void)rule_check((v) != 0, __FILE__, __LINE__, #v, "%s", "false, should be true"))
#define CU_ASSERT_TRUE(v) CU_ASSERT(v)
#define CU_ASSERT_FALSE(v) ((void)rule_check(!(v), __FILE__, __LINE__, #v, "%s", "true, should be false"))
#define CU_ASSERT_EQUAL(a, b) ((void)rule_check((a) == (b), __FILE__, __LINE__, #a " == " #b, "%s", "not equal"))
#define CU_ASSERT_NOT_EQUAL(a, b) ((void)rule_check((a) != (b), __FILE__, __LINE__, #a " != " #b, "%s", "equal"))
#define CU_ASSERT_PTR_NULL(p) ((void)rule_check((p) == NULL, __FILE__, __LINE__, #p, "%s", "not NULL, should be"))
#define CU_ASSERT_PTR_NOT_NULL(p) ((void)rule_check((p) != NULL, __FILE__, __LINE__, #p, "%s", "NULL, should not be"))
#define CU_ASSERT_STRING_EQUAL(a, b) ((void)rule_streq((a), (b), __FILE__, __LINE__, #a))

#endif
