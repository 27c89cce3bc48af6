/*
 * ref.c - what the reference CPU costs (docs/testing.md): the fast machine
 * alone, the reference alone, and the two side by side in the difftest,
 * on guest-OS workloads.  Each is run REPEAT times in the same round;
 * medians kept.  The runs must agree in instructions and output, or the
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

int bench_ref(const char *kernel_path)
{
    struct elf_image img;
    if (!bench_kernel(kernel_path, &img))
        return 1;
    printf("The reference CPU: guest OS workloads, %u MiB, median of %d\n", BENCH_OS_MEM >> 20, REPEAT);
    printf("  %-10s %12s %14s %14s %8s %16s\n", "workload", "instructions", "machine MIPS", "reference MIPS",
           "ratio", "difftest steps/s");
    int status = 0;
    for (size_t b = 0; b < NBOOTS; b++) {
        double tf[REPEAT], tr[REPEAT], td[REPEAT];
        struct bench_run f = {0}, r = {0}, d = {0};
        for (int i = 0; i < REPEAT; i++) {
            f = bench_run_bare(&img, boots[b], BENCH_OS_MEM, "machine");
            r = run_ref(&img, boots[b]);
            d = run_diff(&img, boots[b]);
            tf[i] = f.secs;
            tr[i] = r.secs;
            td[i] = d.secs;
        }
        bool same = bench_same(&f, &r) && d.ok && f.instret == d.instret; /* the difftest keeps no output */
        double sf = bench_median(tf, REPEAT), sr = bench_median(tr, REPEAT), sd = bench_median(td, REPEAT);
        printf("  %-10s %12" PRIu64 " %14.1f %14.1f %8.1f %16.0f%s\n", boots[b], f.instret, f.instret / sf / 1e6,
               r.instret / sr / 1e6, sr / sf, d.instret / sd, same ? "" : "  (the runs differ!)");
        status |= !same;
    }
    elf_free(&img);
    return status;
}
