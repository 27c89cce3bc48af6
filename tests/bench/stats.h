/*
 * stats.h - how `make bench` summarises its rounds: a median with the
 * spread (the lowest and highest round) around it, and ratios and
 * differences taken per round, from the two runs of an interleaved pair,
 * before the median is taken.  Plain C on arrays of doubles, so that the
 * test binary links it too (suite bench_stats).
 */
#ifndef VMLAB_BENCH_STATS_H
#define VMLAB_BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define BENCH_MAX_ROUNDS 99
#define BENCH_DEFAULT_ROUNDS 7

/* A figure over the rounds: the median (the mean of the two middle values
 * when the count is even) and the spread, min to max. */
struct bench_stat {
    double med, lo, hi;
};

/* Which of n compared runs goes k-th in round `round`: 0..n-1 in even
 * rounds, n-1..0 in odd ones (A B, B A, ...), so that what the first run
 * of a round pays and the next finds ready (fresh memory's page faults, the
 * heap's growth, cold caches) falls on every side alike. */
int bench_order(int round, int k, int n);

/* Over v[0..n-1]; v is left as it is.  n >= 1. */
struct bench_stat bench_stat_of(const double *v, int n);

/* Over the per-round ratios num[i] / den[i]: the ratio of an interleaved
 * pair is taken within its round, where both runs saw the same load. */
struct bench_stat bench_ratio_of(const double *num, const double *den, int n);

/* Over the per-round differences (a[i] - b[i]) / per: what each of `per`
 * units (exits, instructions) costs beyond the cheaper run. */
struct bench_stat bench_diff_per(const double *a, const double *b, double per, int n);

/* What one unit costs, from two runs that differ in their count of units
 * (guest instructions, VM exits): (count_a - count_b) / (units_a -
 * units_b), so that what the runs share (start-up, the rest of the
 * program) cancels.  make bench-profile's arithmetic on cachegrind's
 * counts.  NaN when the units are equal. */
double bench_cost_per(double count_a, double units_a, double count_b, double units_b);

/* s is a count of rounds, 1..BENCH_MAX_ROUNDS, in decimal; false if not. */
bool bench_parse_rounds(const char *s, int *rounds);

/* "med [lo..hi]" with scale applied and `decimals` places, into buf. */
const char *bench_fmt(char *buf, size_t size, struct bench_stat s, double scale, int decimals);

#endif
