/*
 * ref.c - what the reference CPU costs (docs/testing.md): the fast machine
 * alone, the reference alone, and the two side by side in the difftest,
 * on guest-OS workloads.  The three alternate within each round; medians
 * over the rounds, with their spread, min..max; the ratio is taken within
 * each round.  The runs must agree in instructions and output, or the
 * figures mean nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "difftest.h"
#include "ref.h"

static const char *const boots[] = {"crc", "primes", "forkwait"};
#define NBOOTS (sizeof boots / sizeof boots[0])

static struct bench_run run_ref(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct bench_run r = {.out = BENCH_SINK_INIT};
    struct ref_config rc = {.mem_size = BENCH_OS_MEM, .isa = ISA_PG};
    struct ref_machine *m = ref_new(&rc, err, sizeof err);
    struct ref_cpu *c = m ? ref_cpu(m) : NULL;
    if (!m || !elf_boot_into(ref_dma(m), c->r, &c->pc, img, boot, err, sizeof err)) {
        fprintf(stderr, "bench: reference %s: %s\n", boot, err);
        ref_free(m);
        return r;
    }
    ref_set_console(m, &(struct console_io){.ctx = &r.out, .write = bench_sink_write});
    struct vm_exit x;
    double t0 = bench_now();
    ref_run(m, UINT64_MAX, &x);
    r.secs = bench_now() - t0;
    r.instret = c->instret;
    r.ok = x.reason == EXIT_HALT;
    ref_free(m);
    return r;
}

static struct bench_run run_diff(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct bench_run r = {0};
    struct difftest_image c = {.image = img, .bootarg = boot, .mem_size = BENCH_OS_MEM, .isa = ISA_PG};
    struct difftest_outcome out;
    double t0 = bench_now();
    bool ok = difftest_image_run(&c, &out, err, sizeof err);
    r.secs = bench_now() - t0;
    if (!ok)
        fprintf(stderr, "bench: difftest %s: %s\n", boot, err);
    else if (out.res.differ)
        fprintf(stderr, "bench: difftest %s: %s\n", boot, out.res.report);
    r.instret = out.res.steps;
    r.ok = ok && !out.res.differ && out.reason == EXIT_HALT;
    return r;
}

int bench_ref(const char *kernel_path, int rounds)
{
    struct elf_image img;
    if (!bench_kernel(kernel_path, &img))
        return 1;
    printf("The reference CPU: guest OS workloads, %u MiB, CPU time, median [min..max] of %d interleaved rounds\n",
           BENCH_OS_MEM >> 20, rounds);
    printf("  %-10s %12s %20s %20s %18s %28s\n", "workload", "instructions", "machine MIPS", "reference MIPS",
           "ratio", "difftest steps/s");
    int status = 0;
    for (size_t b = 0; b < NBOOTS; b++) {
        double tf[BENCH_MAX_ROUNDS], tr[BENCH_MAX_ROUNDS];
        double mf[BENCH_MAX_ROUNDS], mr[BENCH_MAX_ROUNDS], sd[BENCH_MAX_ROUNDS];
        struct bench_run f = {0}, r = {0}, d = {0};
        for (int i = 0; i < rounds; i++) {
            for (int k = 0; k < 3; k++)
                switch (bench_order(i, k, 3)) {
                case 0: f = bench_run_bare(&img, boots[b], BENCH_OS_MEM, "machine"); break;
                case 1: r = run_ref(&img, boots[b]); break;
                default: d = run_diff(&img, boots[b]); break;
                }
            tf[i] = f.secs;
            tr[i] = r.secs;
            mf[i] = (double)f.instret / f.secs / 1e6;
            mr[i] = (double)r.instret / r.secs / 1e6;
            sd[i] = (double)d.instret / d.secs;
        }
        bool same = bench_same(&f, &r) && d.ok && f.instret == d.instret; /* the difftest keeps no output */
        char a[64], c[64], e[64], g[64];
        printf("  %-10s %12" PRIu64 " %20s %20s %18s %28s%s\n", boots[b], f.instret,
               bench_fmt(a, sizeof a, bench_stat_of(mf, rounds), 1, 1),
               bench_fmt(c, sizeof c, bench_stat_of(mr, rounds), 1, 1),
               bench_fmt(e, sizeof e, bench_ratio_of(tr, tf, rounds), 1, 1),
               bench_fmt(g, sizeof g, bench_stat_of(sd, rounds), 1, 0), same ? "" : "  (the runs differ!)");
        status |= !same;
    }
    elf_free(&img);
    return status;
}
