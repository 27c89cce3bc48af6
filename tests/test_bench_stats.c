/*
 * test_bench_stats.c - suite bench_stats: the arithmetic of `make bench`
 * and `make bench-profile` (tests/bench/stats.c) on made-up numbers worked
 * out by hand: medians of odd and even counts with their min..max spread,
 * ratios and differences taken per round (not of the medians), the cost of
 * a unit from two runs, the count of rounds accepted.  No timing: speed is
 * measured by the bench, not asserted by tests.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_near.h"

static void test_median_and_spread(void)
{
    const double odd[] = {5, 1, 4, 2, 3};
    CU_ASSERT(stat_is(bench_stat_of(odd, 5), 3, 1, 5, "{5,1,4,2,3}"));
    CU_ASSERT(odd[0] == 5 && odd[1] == 1 && odd[4] == 3); /* left as it was */
    const double even[] = {4, 1, 3, 2};
    CU_ASSERT(stat_is(bench_stat_of(even, 4), 2.5, 1, 4, "{4,1,3,2}"));
    const double one[] = {7.25};
    CU_ASSERT(stat_is(bench_stat_of(one, 1), 7.25, 7.25, 7.25, "{7.25}"));
}

/* The ratio of each round's pair, then the median: here 3, where the ratio
 * of the medians (20 / 10) would be 2. */
/* A B C, C B A, A B C, ...: each run first in half the rounds. */
static void test_order_alternates(void)
{
    const int want[4][3] = {{0, 1, 2}, {2, 1, 0}, {0, 1, 2}, {2, 1, 0}};
    for (int round = 0; round < 4; round++)
        for (int k = 0; k < 3; k++) {
            int got = bench_order(round, k, 3);
            if (got != want[round][k])
                fprintf(stderr, "\n  round %d, place %d: run %d, not %d", round, k, got, want[round][k]);
            CU_ASSERT_EQUAL(got, want[round][k]);
        }
    CU_ASSERT(bench_order(1, 0, 2) == 1 && bench_order(1, 1, 2) == 0 && bench_order(6, 0, 2) == 0);
}

static void test_ratio_per_round(void)
{
    const double num[] = {12, 30, 20}, den[] = {4, 10, 20};
    CU_ASSERT(stat_is(bench_ratio_of(num, den, 3), 3, 1, 3, "ratios 12/4, 30/10, 20/20"));
}

static void test_difference_per_unit(void)
{
    const double a[] = {10, 20, 30}, b[] = {4, 8, 30};
    CU_ASSERT(stat_is(bench_diff_per(a, b, 2, 3), 3, 0, 6, "(a - b) / 2"));
}

/* make bench-profile: (count_a - count_b) / (units_a - units_b). */
static void test_cost_per_unit(void)
{
    CU_ASSERT(near(bench_cost_per(1000, 30, 400, 10), 30, "(1000 - 400) / (30 - 10)"));
    CU_ASSERT(near(bench_cost_per(400, 10, 1000, 30), 30, "the runs in the other order"));
    CU_ASSERT(near(bench_cost_per(5000, 100, 2000, 0), 30, "(5000 - 2000) / 100 exits, none natively"));
    CU_ASSERT(near(bench_cost_per(290000019, 27000009, 0, 9000009), 290000019.0 / 18000000,
                   "units differ by 18000000"));
    CU_ASSERT(isnan(bench_cost_per(5, 3, 2, 3)));
}

static void test_rounds(void)
{
    int r = 0;
    CU_ASSERT(bench_parse_rounds("7", &r) && r == 7);
    CU_ASSERT(bench_parse_rounds("1", &r) && r == 1);
    CU_ASSERT(bench_parse_rounds("99", &r) && r == BENCH_MAX_ROUNDS);
    r = 42;
    const char *bad[] = {"0", "100", "-3", "+5", "7x", "", " 7", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool took = bench_parse_rounds(bad[i], &r);
        if (took)
            fprintf(stderr, "\n  rounds '%s' accepted as %d", bad[i], r);
        CU_ASSERT(!took && r == 42);
    }
}

static void test_format(void)
{
    char buf[64];
    const char *s = bench_fmt(buf, sizeof buf, (struct bench_stat){0.0025, 0.001, 0.004}, 1e3, 1);
    if (strcmp(s, "2.5 [1.0..4.0]") != 0)
        fprintf(stderr, "\n  formatted '%s'", s);
    CU_ASSERT_STRING_EQUAL(s, "2.5 [1.0..4.0]");
}

void suite_bench_stats(void)
{
    CU_pSuite s = CU_add_suite("bench_stats", NULL, NULL);
    CU_add_test(s, "median of odd and even counts, min..max spread, input untouched", test_median_and_spread);
    CU_add_test(s, "the order of the runs compared reverses every round", test_order_alternates);
    CU_add_test(s, "ratios are taken per round, then the median", test_ratio_per_round);
    CU_add_test(s, "differences per unit are taken per round", test_difference_per_unit);
    CU_add_test(s, "bench-profile: the cost of a unit from two runs", test_cost_per_unit);
    CU_add_test(s, "a count of rounds is 1..99 in decimal, nothing else", test_rounds);
    CU_add_test(s, "a figure prints as median [min..max]", test_format);
}
