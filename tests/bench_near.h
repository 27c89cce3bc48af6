/*
 * bench_near.h - comparing the bench's floating-point figures with the
 * values a test worked out by hand (suites bench_stats and bench_peers).
 * Equal to within 1e-9 relative: the arithmetic is exact up to rounding,
 * so anything further off is a wrong formula, and the message says which.
 */
#ifndef VMLAB_TESTS_BENCH_NEAR_H
#define VMLAB_TESTS_BENCH_NEAR_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "bench/stats.h"

static inline bool near(double got, double want, const char *what)
{
    bool ok = fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
    if (!ok)
        fprintf(stderr, "\n  %s: %.12g, not %.12g", what, got, want);
    return ok;
}

/* A median and its spread, each named in the message when it is off. */
static inline bool stat_is(struct bench_stat s, double med, double lo, double hi, const char *what)
{
    char m[96], l[96], h[96];
    snprintf(m, sizeof m, "%s: median", what);
    snprintf(l, sizeof l, "%s: min", what);
    snprintf(h, sizeof h, "%s: max", what);
    bool a = near(s.med, med, m), b = near(s.lo, lo, l), c = near(s.hi, hi, h);
    return a && b && c;
}

#endif
