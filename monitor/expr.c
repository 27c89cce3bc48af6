/*
 * expr.c - the monitor's operands: expressions over numbers, registers and
 * symbols, addresses with their space, counts.  Arithmetic is the
 * machine's, modulo 2^32.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

#define MAX_DEPTH 64 /* parentheses; deeper is refused, not a stack overflow */

struct parser {
    struct monitor *mon;
    const char *text, *p;
    bool failed;
};

static bool fail(struct parser *ps, const char *fmt, const char *arg)
{
    if (!ps->failed) {
        char msg[512];
        snprintf(msg, sizeof msg, fmt, arg);
        mon_error(ps->mon, "%s: %s", ps->text, msg);
    }
    ps->failed = true;
    return false;
}

static void skip(struct parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static bool name_char(char c, bool first)
{
    return isalpha((unsigned char)c) || c == '_' || c == '.' || c == '$' || (!first && isdigit((unsigned char)c));
}

/* A name: a register (r5, t0, sp), pc, or a symbol of the image. */
static bool name_value(struct parser *ps, const char *name, uint32_t *v)
{
    struct report_view view = mon_view(ps->mon);
    int r = isa_find_reg(name);
    if (r >= 0) {
        *v = r ? view.regs[r] : 0;
        return true;
    }
    if (strcmp(name, "pc") == 0) {
        *v = view.pc;
        return true;
    }
    const struct elf_image *syms = mon_syms(ps->mon);
    const struct elf_symbol *s = syms ? elf_symbol_named(syms, name) : NULL;
    if (!s)
        return fail(ps, "no register or symbol named \"%s\"", name);
    *v = s->value;
    return true;
}

static bool sum(struct parser *ps, uint32_t *v, int depth);

static bool primary(struct parser *ps, uint32_t *v, int depth)
{
    skip(ps);
    char c = *ps->p;
    if (c == '(') {
        if (depth >= MAX_DEPTH)
            return fail(ps, "%s", "parentheses nested too deep");
        ps->p++;
        if (!sum(ps, v, depth + 1))
            return false;
        skip(ps);
        if (*ps->p != ')')
            return fail(ps, "%s", "a ( without its )");
        ps->p++;
        return true;
    }
    if (c == '-') {
        ps->p++;
        if (!primary(ps, v, depth + 1))
            return false;
        *v = 0u - *v;
        return true;
    }
    if (isdigit((unsigned char)c)) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(ps->p, &end, 0);
        if (errno || n > UINT32_MAX)
            return fail(ps, "%s", "a number past 32 bits");
        if (name_char(*end, false)) {
            char bad[64];
            size_t k = 0;
            while (name_char(ps->p[k], false) && k + 1 < sizeof bad) {
                bad[k] = ps->p[k];
                k++;
            }
            bad[k] = '\0';
            return fail(ps, "\"%s\" is not a number", bad);
        }
        *v = (uint32_t)n;
        ps->p = end;
        return true;
    }
    if (name_char(c, true)) {
        char name[256];
        size_t k = 0;
        while (name_char(ps->p[k], false)) {
            if (k + 1 >= sizeof name)
                return fail(ps, "%s", "a name longer than 255 bytes");
            name[k] = ps->p[k];
            k++;
        }
        name[k] = '\0';
        ps->p += k;
        return name_value(ps, name, v);
    }
    if (!c)
        return fail(ps, "%s", "an operand is missing at the end");
    char bad[2] = {c, '\0'};
    return fail(ps, "unexpected '%s'", bad);
}

static bool product(struct parser *ps, uint32_t *v, int depth)
{
    if (!primary(ps, v, depth))
        return false;
    for (;;) {
        skip(ps);
        if (*ps->p != '*')
            return true;
        ps->p++;
        uint32_t r;
        if (!primary(ps, &r, depth))
            return false;
        *v *= r;
    }
}

static bool sum(struct parser *ps, uint32_t *v, int depth)
{
    if (!product(ps, v, depth))
        return false;
    for (;;) {
        skip(ps);
        char op = *ps->p;
        if (op != '+' && op != '-')
            return true;
        ps->p++;
        uint32_t r;
        if (!product(ps, &r, depth))
            return false;
        *v = op == '+' ? *v + r : *v - r;
    }
}

bool mon_expr(struct monitor *mon, const char *text, uint32_t *value)
{
    struct parser ps = {.mon = mon, .text = text, .p = text};
    if (!sum(&ps, value, 0))
        return false;
    skip(&ps);
    if (*ps.p) {
        char bad[2] = {*ps.p, '\0'};
        return fail(&ps, "unexpected '%s'", bad);
    }
    return true;
}

bool mon_address(struct monitor *mon, const char *text, enum mon_space *space, uint32_t *value)
{
    *space = SPACE_GVA;
    if (strncmp(text, "gva:", 4) == 0)
        text += 4;
    else if (strncmp(text, "gpa:", 4) == 0) {
        *space = SPACE_GPA;
        text += 4;
    } else if (strncmp(text, "hpa:", 4) == 0)
        return mon_error(mon, "%s: a host-physical address (hpa:) is for x and xp alone, under the VMM", text);
    return mon_expr(mon, text, value);
}

bool mon_count(struct monitor *mon, const char *what, const char *text, uint64_t max, uint64_t *value)
{
    char *end;
    errno = 0;
    unsigned long long n = isdigit((unsigned char)text[0]) ? strtoull(text, &end, 10) : 0;
    if (!isdigit((unsigned char)text[0]) || errno || *end || n == 0 || n > max)
        return mon_error(mon, "%s %s: not a count from 1 to %llu", what, text, (unsigned long long)max);
    *value = n;
    return true;
}
