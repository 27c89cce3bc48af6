/*
 * insn_check.h - helpers shared by test_insn.c and test_trap.c, the tests
 * that prove sections 3-6 and 10 of docs/isa.md: the four configurations
 * every instruction runs in, assertions that say which case failed and
 * with what values, a deterministic random number generator, and an
 * identity page table for the cases that need paging on.
 */
#ifndef VMLAB_TESTS_INSN_CHECK_H
#define VMLAB_TESTS_INSN_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "rig.h"

/* A configuration: ISA variant x mode the code under test starts in. */
struct conf {
    enum isa_variant v;
    bool user;
    const char *name;
};
#define NCONFS 4
extern const struct conf confs[NCONFS];

/* Describe the case under test; printed with every failed check. */
void ctx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *ctx_str(void);

/* Assertions that say the case, what was checked and both values on
 * failure (CU_ASSERT_EQUAL says neither), through broken_rule.h.  Each is
 * one CUnit assert. */
void ck_eq(uint64_t got, uint64_t want, const char *what, const char *file, int line);
void ck_true(bool ok, const char *what, const char *file, int line);
#define CHECK_EQ(got, want) ck_eq((uint64_t)(got), (uint64_t)(want), #got, __FILE__, __LINE__)
#define CHECK(cond) ck_true((cond), #cond, __FILE__, __LINE__)

/* The same, with the rule that broke in words (rule: "rfe did not jump to
 * epc") and the values decoded: a 32-bit value, a cause, a status word. */
void ck_rule(uint64_t got, uint64_t want, const char *rule, const char *file, int line);
void ck_cause(uint32_t got, uint32_t want, const char *rule, const char *file, int line);
void ck_status(uint32_t got, uint32_t want, const char *rule, const char *file, int line);
#define CHECK_RULE(got, want, rule) ck_rule((uint64_t)(got), (uint64_t)(want), (rule), __FILE__, __LINE__)
#define CHECK_CAUSE(got, want, rule) ck_cause((got), (want), (rule), __FILE__, __LINE__)
#define CHECK_STATUS(got, want, rule) ck_status((got), (want), (rule), __FILE__, __LINE__)

/* Status after a trap, or after rfe, against the manual's (section 6,
 * and rfe in section 4): the rule is the first bit that differs, in words
 * ("the trap did not save the previous mode in PS"). */
void ck_status_after_trap(uint32_t got, uint32_t want, const char *file, int line);
void ck_status_after_rfe(uint32_t got, uint32_t want, const char *file, int line);
#define CHECK_STATUS_AFTER_TRAP(got, want) ck_status_after_trap((got), (want), __FILE__, __LINE__)
#define CHECK_STATUS_AFTER_RFE(got, want) ck_status_after_rfe((got), (want), __FILE__, __LINE__)

/* Deterministic pseudo-random numbers (xorshift32); each test seeds. */
void rnd_seed(uint32_t s);
uint32_t rnd(void);
/* An operand that is often interesting: small, near a power of two, a
 * sign boundary, or just random. */
uint32_t rnd_operand(void);

/* Host-side little-endian helpers for checking memory. */
uint32_t le32(const uint8_t *p);
void put_le32(uint8_t *p, uint32_t v);

/* An identity map of the first RIG_MEM bytes with the given leaf bits,
 * level 1 at PT_L1 and level 2 at PT_L2 (both inside memory, clear of
 * CODE, HANDLER and the data areas the tests use).  Returns nothing; the
 * caller turns paging on.  pte_addr(va) is the leaf entry's address. */
#define PT_L1 0x0f0000u
#define PT_L2 0x0f1000u
void identity_map(struct rig *r, uint32_t bits);
uint32_t pte_addr(uint32_t va);

/* Write a little-endian word and read one, through the rig. */
uint32_t peek32(struct rig *r, uint32_t pa);

#endif
