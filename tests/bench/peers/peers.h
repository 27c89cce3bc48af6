/*
 * peers.h - what `make bench-peers` reads from the tools it runs and the
 * arithmetic of its table, apart from running them (main.c), so that suite
 * bench_peers can feed them recorded text without QEMU or SPIM installed.
 *
 * Every variant prints "fnv 0x%08x" (the hash of fnv_loop.h's loop); the
 * loop's instructions per iteration come from a listing or a trace, in
 * which the loop runs from the label fnv_loop to the label fnv_end and ends
 * in a branch back to fnv_loop.
 */
#ifndef VMLAB_BENCH_PEERS_H
#define VMLAB_BENCH_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../stats.h"

/* The hash a run printed: the first line that is "fnv 0x" and eight hex
 * digits, after whatever banner the tool prints.  False if there is none. */
bool peers_hash(const char *out, uint32_t *hash);

/* Whether a run's output may be timed: it printed the hash the host
 * computed.  Else false, with why in msg (a variant that computes
 * something else is not measured, however fast). */
bool peers_verdict(const char *out, uint32_t want, char *msg, size_t size);

/* Where the loop's instructions per iteration are read from. */
enum peers_listing {
    PEERS_VDIS,    /* vmlab's disassembler: "fnv_loop:" ... "fnv_end:" */
    PEERS_OBJDUMP, /* objdump -d -M no-aliases: "<fnv_loop>:" ... "<fnv_end>:" */
    PEERS_SPIM,    /* SPIM's step trace: the lines from one execution of the
                      branch back to fnv_loop to the next (pseudo-instructions
                      counted as what they expand to) */
};

/* Instructions per iteration of the loop in text, or -1 (with why in msg)
 * if the loop is not there as described; their mnemonics into ops (when
 * not NULL), space-separated, for the caller to hold against the body it
 * expects. */
int peers_loop_insns(const char *text, enum peers_listing kind, char *ops, size_t ops_size, char *msg, size_t size);

/* Seconds per iteration with the start-up cost subtracted: a run of
 * n_long iterations took t_long, one of n_short took t_short. */
double peers_per_iter(double t_long, double t_short, double n_long, double n_short);

/* A variant's row: its per-round times of the long and short runs, and the
 * native C variant's of the same rounds. */
struct peers_times {
    const double *t_long, *t_short;
    double n_long, n_short;
};

struct peers_row {
    struct bench_stat ns_per_iter;
    struct bench_stat mips;      /* insns / ns_per_iter; zeros when insns is 0 */
    struct bench_stat x_native;  /* per-round ratio to native's time per iteration */
    struct bench_stat startup_ms; /* t_long - n_long * per_iter */
};

/* Every figure is taken within a round, then the median over the rounds
 * (rounds <= BENCH_MAX_ROUNDS). */
struct peers_row peers_row_of(const struct peers_times *v, const struct peers_times *native, int insns,
                              int rounds);

#endif
