/*
 * insn_check.c - see insn_check.h.
 */
#include "insn_check.h"

#include "broken_rule.h"

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>

const struct conf confs[NCONFS] = {
    {ISA_PG, false, "pg/supervisor"},
    {ISA_PG, true, "pg/user"},
    {ISA_X86LIKE, false, "x86like/supervisor"},
    {ISA_X86LIKE, true, "x86like/user"},
};

static char ctx_buf[600];

void ctx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx_buf, sizeof ctx_buf, fmt, ap);
    va_end(ap);
}

const char *ctx_str(void) { return ctx_buf; }

/* The case under test, after the values: " - in pg/user: add r1, r2, r3". */
static const char *in_case(void)
{
    static char b[sizeof ctx_buf + 8];
    snprintf(b, sizeof b, "%s%s", ctx_buf[0] ? " - in " : "", ctx_buf);
    return b;
}

void ck_eq(uint64_t got, uint64_t want, const char *what, const char *file, int line)
{
    rule_check(got == want, file, line, what, "0x%llx, should be 0x%llx%s", (unsigned long long)got,
               (unsigned long long)want, in_case());
}

void ck_true(bool ok, const char *what, const char *file, int line)
{
    rule_check(ok, file, line, what, "false, should be true%s", in_case());
}

void ck_rule(uint64_t got, uint64_t want, const char *rule, const char *file, int line)
{
    rule_check(got == want, file, line, rule, "0x%llx, should be 0x%llx%s", (unsigned long long)got,
               (unsigned long long)want, in_case());
}

void ck_cause(uint32_t got, uint32_t want, const char *rule, const char *file, int line)
{
    rule_check(got == want, file, line, rule, "cause %s, should be %s%s%s", say_cause(got), say_cause(want),
               cause_hint(got, want), in_case());
}

void ck_status(uint32_t got, uint32_t want, const char *rule, const char *file, int line)
{
    rule_check(got == want, file, line, rule, "status %s, should be %s: %s%s", say_status(got), say_status(want),
               say_status_diff(got, want), in_case());
}

void ck_status_after_trap(uint32_t got, uint32_t want, const char *file, int line)
{
    ck_status(got, want, trap_status_rule(got, want), file, line);
}

void ck_status_after_rfe(uint32_t got, uint32_t want, const char *file, int line)
{
    ck_status(got, want, rfe_status_rule(got, want), file, line);
}

static uint32_t rnd_state = 1;

void rnd_seed(uint32_t s) { rnd_state = s ? s : 1; }

uint32_t rnd(void)
{
    uint32_t x = rnd_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rnd_state = x;
}

uint32_t rnd_operand(void)
{
    switch (rnd() % 6) {
    case 0: return rnd() % 64 - 32;               /* small, either sign */
    case 1: return 1u << (rnd() % 32);            /* a power of two */
    case 2: return (1u << (rnd() % 32)) - 1;      /* all ones below it */
    case 3: return 0x80000000u + rnd() % 16 - 8;  /* around the sign boundary */
    default: return rnd();
    }
}

uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint32_t peek32(struct rig *r, uint32_t pa)
{
    uint8_t b[4] = {0};
    CHECK(machine_read_phys(r->m, pa, b, 4));
    return le32(b);
}

/* docs/isa.md section 7: L1 index = va[31:22], L2 index = va[21:12];
 * an entry is frame | bits. */
uint32_t pte_addr(uint32_t va) { return PT_L2 + 4 * ((va >> 12) & 0x3ffu); }

void identity_map(struct rig *r, uint32_t bits)
{
    static uint8_t l1[PAGE_SIZE], l2[PAGE_SIZE];
    for (uint32_t i = 0; i < PAGE_SIZE; i++)
        l1[i] = l2[i] = 0;
    put_le32(l1, PT_L2 | PTE_V); /* va 0..4 MiB: L1 entry 0 */
    for (uint32_t pa = 0; pa < RIG_MEM; pa += PAGE_SIZE)
        put_le32(l2 + 4 * (pa >> 12), pa | bits);
    CU_ASSERT_FATAL(machine_write_phys(r->m, PT_L1, l1, sizeof l1));
    CU_ASSERT_FATAL(machine_write_phys(r->m, PT_L2, l2, sizeof l2));
    machine_set_cr(r->m, CR_PTB, PT_L1);
}
