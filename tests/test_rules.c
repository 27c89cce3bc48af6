/*
 * test_rules.c - suite `rules`: the rules of docs/isa.md that the VMM's
 * interpreter, dispatcher, reflection and shadow pager (and the bare
 * machine's system instructions and traps) must keep, each test written to
 * kill a mutant that `make mutate` found surviving every other fast suite
 * (docs/testing.md, "Mutation testing"); each test is named for its rule,
 * and each failure says which rule broke.  And the mutator itself, on a
 * small C file whose points are counted here by hand.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mutate/mutator.h"

/* --- the mutator --- */

/* A C file with one of each form the mutator reads, and some that it must
 * not take for code: comments, strings, preprocessor lines. */
static const char *const fixture_lines[] = {
    "#include <stdbool.h>",                 /*  1 */
    "#define TWICE(x) \\",                  /*  2 */
    "    ((x) + (x)) /* if (a) b; */",      /*  3 */
    "struct p { int a; };",                 /*  4 */
    "static const struct p table = {1};",   /*  5 */
    "static int count;",                    /*  6 */
    "/* not code: if (x) return; a && b */", /* 7 */
    "static bool ready(int a, int b)",      /*  8 */
    "{",                                    /*  9 */
    "    if (a > 0 && b > 0)",              /* 10 */
    "        return true;",                 /* 11 */
    "    return a == b;",                   /* 12 */
    "}",                                    /* 13 */
    "int step(int *v, int n)",              /* 14 */
    "{",                                    /* 15 */
    "    int s = n > 1 ? v[0] : 0;",        /* 16 */
    "    const char *m = \"a; b && c\";",   /* 17 */
    "    for (int i = 0; i < n; i++)",      /* 18 */
    "        s += v[i];",                   /* 19 */
    "    while (s > 100 || !ready(s, n))",  /* 20 */
    "        s /= 2;",                      /* 21 */
    "    do {",                             /* 22 */
    "        count++;",                     /* 23 */
    "    } while (count < 3);",             /* 24 */
    "    switch (n) {",                     /* 25 */
    "    case 1:",                          /* 26 */
    "        s = TWICE(s);",                /* 27 */
    "        break;",                       /* 28 */
    "    default:",                         /* 29 */
    "        s--;",                         /* 30 */
    "    }",                                /* 31 */
    "    if (m[0] == 'a')",                 /* 32 */
    "        goto out;",                    /* 33 */
    "    else",                             /* 34 */
    "        s = 0;",                       /* 35 */
    "out:",                                 /* 36 */
    "    return s;",                        /* 37 */
    "}",                                    /* 38 */
    "static int kind(int op)",              /* 39 */
    "{",                                    /* 40 */
    "    switch (op) {",                    /* 41 */
    "#define CASE(n) case n:",              /* 42 */
    "    CASE(1) CASE(2)",                  /* 43 */
    "#undef CASE",                          /* 44 */
    "        return 1;",                    /* 45 */
    "    }",                                /* 46 */
    "    return 0;",                        /* 47 */
    "}",                                    /* 48 */
};

/* Its points, found by reading it: line, column, kind, original, replacement.
 * Nothing in comments, strings, the macro, the struct or the initializer;
 * no deletion of a declaration; the `return 1` whose statement would take
 * the #undef with it is left alone; only the bool function's returns are
 * negated. */
static const struct {
    unsigned line, col;
    const char *kind, *original, *replacement;
} fixture_points[] = {
    {10, 9, "negate-if", "a > 0 && b > 0", "!(a > 0 && b > 0)"},
    {10, 15, "and-to-or", "&&", "||"},
    {11, 9, "delete", "return true;", "{}"},
    {11, 16, "negate-return", "true", "false"},
    {12, 5, "delete", "return a == b;", "{}"},
    {12, 12, "negate-return", "a == b", "!(a == b)"},
    {16, 13, "negate-cond", "n > 1", "!(n > 1)"},
    {18, 21, "negate-for", "i < n", "!(i < n)"},
    {19, 9, "delete", "s += v[i];", "{}"},
    {20, 12, "negate-while", "s > 100 || !ready(s, n)", "!(s > 100 || !ready(s, n))"},
    {20, 20, "or-to-and", "||", "&&"},
    {21, 9, "delete", "s /= 2;", "{}"},
    {23, 9, "delete", "count++;", "{}"},
    {24, 14, "negate-while", "count < 3", "!(count < 3)"},
    {27, 9, "delete", "s = TWICE(s);", "{}"},
    {28, 9, "delete", "break;", "{}"},
    {30, 9, "delete", "s--;", "{}"},
    {32, 9, "negate-if", "m[0] == 'a'", "!(m[0] == 'a')"},
    {33, 9, "delete", "goto out;", "{}"},
    {35, 9, "delete", "s = 0;", "{}"},
    {37, 5, "delete", "return s;", "{}"},
    {47, 5, "delete", "return 0;", "{}"},
};

static char *fixture_text(size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixture_lines / sizeof fixture_lines[0]; i++)
        n += strlen(fixture_lines[i]) + 1;
    char *s = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    s[0] = 0;
    for (size_t i = 0; i < sizeof fixture_lines / sizeof fixture_lines[0]; i++) {
        strcat(s, fixture_lines[i]);
        strcat(s, "\n");
    }
    *len = n;
    return s;
}

/* The offset of line:col in the fixture, counted from its lines. */
static size_t fixture_offset(unsigned line, unsigned col)
{
    size_t off = 0;
    for (unsigned i = 0; i + 1 < line; i++)
        off += strlen(fixture_lines[i]) + 1;
    return off + col - 1;
}

static void test_mutator_points(void)
{
    size_t len;
    char *src = fixture_text(&len), err[256];
    struct mutations ms;
    CU_ASSERT_FATAL(mutations_find("fixture.c", src, len, &ms, err, sizeof err));
    size_t want = sizeof fixture_points / sizeof fixture_points[0];
    if (ms.n != want)
        fprintf(stderr, "\n  the mutator found %zu points in the fixture, not %zu", ms.n, want);
    CU_ASSERT_EQUAL(ms.n, want);
    for (size_t i = 0; i < ms.n && i < want; i++) {
        char got[512], expect[512];
        mutation_describe("fixture.c", &ms.m[i], got, sizeof got);
        snprintf(expect, sizeof expect, "fixture.c:%u:%u: %s: %s -> %s", fixture_points[i].line,
                 fixture_points[i].col, fixture_points[i].kind, fixture_points[i].original,
                 fixture_points[i].replacement);
        if (strcmp(got, expect) != 0)
            fprintf(stderr, "\n  mutation point %zu is\n    %s\n  not\n    %s", i + 1, got, expect);
        CU_ASSERT_STRING_EQUAL(got, expect);
    }
    mutations_free(&ms);
    free(src);
}

/* Each mutated copy is the fixture with exactly its one change: the text
 * before the point and after its original as they were, the replacement
 * between (offsets from the fixture's lines, not from the mutator). */
static void test_mutator_copies(void)
{
    size_t len;
    char *src = fixture_text(&len), err[256];
    struct mutations ms;
    CU_ASSERT_FATAL(mutations_find("fixture.c", src, len, &ms, err, sizeof err));
    size_t want = sizeof fixture_points / sizeof fixture_points[0];
    CU_ASSERT_EQUAL_FATAL(ms.n, want);
    for (size_t i = 0; i < ms.n; i++) {
        size_t at = fixture_offset(fixture_points[i].line, fixture_points[i].col);
        size_t olen = strlen(fixture_points[i].original), rlen = strlen(fixture_points[i].replacement), outlen;
        CU_ASSERT_FATAL(at + olen <= len && memcmp(src + at, fixture_points[i].original, olen) == 0);
        char *out = mutation_apply(src, len, &ms.m[i], &outlen);
        CU_ASSERT_PTR_NOT_NULL_FATAL(out);
        bool one_change = outlen == len - olen + rlen && memcmp(out, src, at) == 0 &&
                          memcmp(out + at, fixture_points[i].replacement, rlen) == 0 &&
                          memcmp(out + at + rlen, src + at + olen, len - at - olen) == 0 && out[outlen] == 0;
        if (!one_change)
            fprintf(stderr, "\n  the copy of mutation point %zu (%u:%u %s) is not the fixture with that one change:\n%s",
                    i + 1, fixture_points[i].line, fixture_points[i].col, fixture_points[i].kind, out);
        CU_ASSERT_TRUE(one_change);
        free(out);
    }
    mutations_free(&ms);
    free(src);
}

/* What it cannot read, it refuses, saying where - rather than mutate a
 * text it misread. */
static void test_mutator_refuses(void)
{
    static const char *const bad[] = {
        "int f(void) { return 1; /* never closed",
        "int f(void) { if (x) return 1; ",
        "int f(void) { return \"never closed; }\n",
    };
    static const char *const bad_where[] = {
        "bad.c:1:25: error: unterminated comment",
        "bad.c:1:13: error: unbalanced bracket",
        "bad.c:1:22: error: unterminated string",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mutations ms;
        char err[256] = "";
        bool ok = mutations_find("bad.c", bad[i], strlen(bad[i]), &ms, err, sizeof err);
        if (ok || strncmp(err, bad_where[i], strlen(bad_where[i])) != 0)
            fprintf(stderr, "\n  the mutator read a broken file (%s) or did not say where (%s)", bad[i], err);
        CU_ASSERT_FALSE(ok);
        CU_ASSERT_EQUAL(ms.n, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad_where[i]));
    }
}

void suite_rules(void)
{
    CU_pSuite s = CU_add_suite("rules", NULL, NULL);
    CU_add_test(s, "the mutator lists every point of a small C file, and nothing else", test_mutator_points);
    CU_add_test(s, "each mutated copy is the original with exactly one change", test_mutator_copies);
    CU_add_test(s, "the mutator refuses a file it cannot read, saying where", test_mutator_refuses);
}
