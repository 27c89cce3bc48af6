/*
 * figures.c - the arithmetic of `make bench-peers`' table (peers.h): time
 * per iteration from two loop lengths, so that start-up (loading QEMU,
 * assembling for SPIM, building the vmlab machine) cancels; guest MIPS from
 * the instructions counted in the loop; the ratio to native C within each
 * round; medians over the rounds (../stats.h).
 */
#include "peers.h"

double peers_per_iter(double t_long, double t_short, double n_long, double n_short)
{
    return (t_long - t_short) / (n_long - n_short);
}

struct peers_row peers_row_of(const struct peers_times *v, const struct peers_times *native, int insns,
                              int rounds)
{
    double ns[BENCH_MAX_ROUNDS], mips[BENCH_MAX_ROUNDS], x[BENCH_MAX_ROUNDS], start[BENCH_MAX_ROUNDS];
    for (int i = 0; i < rounds; i++) {
        double per = peers_per_iter(v->t_long[i], v->t_short[i], v->n_long, v->n_short);
        double per_native = peers_per_iter(native->t_long[i], native->t_short[i], native->n_long, native->n_short);
        ns[i] = per * 1e9;
        mips[i] = insns > 0 ? insns / per / 1e6 : 0;
        x[i] = per / per_native;
        start[i] = (v->t_long[i] - v->n_long * per) * 1e3;
    }
    struct peers_row r = {bench_stat_of(ns, rounds), bench_stat_of(mips, rounds), bench_stat_of(x, rounds),
                          bench_stat_of(start, rounds)};
    return r;
}
