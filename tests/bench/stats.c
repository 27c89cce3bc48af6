/*
 * stats.c - medians, spreads and per-round ratios for `make bench`
 * (stats.h).
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int bench_order(int round, int k, int n)
{
    return round % 2 ? n - 1 - k : k;
}

struct bench_stat bench_stat_of(const double *v, int n)
{
    double s[BENCH_MAX_ROUNDS];
    if (n < 1 || n > BENCH_MAX_ROUNDS)
        return (struct bench_stat){0, 0, 0};
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    return (struct bench_stat){med, s[0], s[n - 1]};
}

struct bench_stat bench_ratio_of(const double *num, const double *den, int n)
{
    double r[BENCH_MAX_ROUNDS];
    for (int i = 0; i < n && i < BENCH_MAX_ROUNDS; i++)
        r[i] = num[i] / den[i];
    return bench_stat_of(r, n);
}

struct bench_stat bench_diff_per(const double *a, const double *b, double per, int n)
{
    double d[BENCH_MAX_ROUNDS];
    for (int i = 0; i < n && i < BENCH_MAX_ROUNDS; i++)
        d[i] = (a[i] - b[i]) / per;
    return bench_stat_of(d, n);
}

double bench_cost_per(double count_a, double units_a, double count_b, double units_b)
{
    if (units_a == units_b)
        return NAN;
    return (count_a - count_b) / (units_a - units_b);
}

bool bench_parse_rounds(const char *s, int *rounds)
{
    if (*s < '0' || *s > '9') /* strtol would take a sign or leading blanks */
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > BENCH_MAX_ROUNDS)
        return false;
    *rounds = (int)v;
    return true;
}

const char *bench_fmt(char *buf, size_t size, struct bench_stat s, double scale, int decimals)
{
    snprintf(buf, size, "%.*f [%.*f..%.*f]", decimals, s.med * scale, decimals, s.lo * scale, decimals,
             s.hi * scale);
    return buf;
}
