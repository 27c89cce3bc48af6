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
#include "elf_load.h"
#include "machine.h"
#include "ref.h"

#define GUEST_MEM (16u << 20)

static const char *const boots[] = {"crc", "primes", "forkwait"};
#define NBOOTS (sizeof boots / sizeof boots[0])

struct sink {
    uint64_t bytes, hash;
};

static void sink_write(void *ctx, const uint8_t *b, size_t n)
{
    struct sink *s = ctx;
    for (size_t i = 0; i < n; i++)
        s->hash = (s->hash ^ b[i]) * 1099511628211u;
    s->bytes += n;
}

struct run {
    double secs;
    uint64_t instret;
    struct sink out;
    bool ok;
};

static struct run run_fast(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct run r = {.out = {0, 14695981039346656037u}};
    struct machine_config mc = {.mem_size = GUEST_MEM, .isa = ISA_PG};
    struct machine *m = machine_new(&mc, err, sizeof err);
    if (!m || !elf_boot(m, img, boot, err, sizeof err)) {
        fprintf(stderr, "bench: machine %s: %s\n", boot, err);
        machine_free(m);
        return r;
    }
    machine_set_console(m, &(struct console_io){.ctx = &r.out, .write = sink_write});
    struct vm_exit x;
    double t0 = bench_now();
    machine_run(m, UINT64_MAX, &x);
    r.secs = bench_now() - t0;
    r.instret = machine_cpu(m)->instret;
    r.ok = x.reason == EXIT_HALT;
    machine_free(m);
    return r;
}

static struct run run_ref(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct run r = {.out = {0, 14695981039346656037u}};
    struct ref_config rc = {.mem_size = GUEST_MEM, .isa = ISA_PG};
    struct ref_machine *m = ref_new(&rc, err, sizeof err);
    struct ref_cpu *c = m ? ref_cpu(m) : NULL;
    if (!m || !elf_boot_into(ref_dma(m), c->r, &c->pc, img, boot, err, sizeof err)) {
        fprintf(stderr, "bench: reference %s: %s\n", boot, err);
        ref_free(m);
        return r;
    }
    ref_set_console(m, &(struct console_io){.ctx = &r.out, .write = sink_write});
    struct vm_exit x;
    double t0 = bench_now();
    ref_run(m, UINT64_MAX, &x);
    r.secs = bench_now() - t0;
    r.instret = c->instret;
    r.ok = x.reason == EXIT_HALT;
    ref_free(m);
    return r;
}

static struct run run_diff(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct run r = {0};
    struct difftest_image c = {.image = img, .bootarg = boot, .mem_size = GUEST_MEM, .isa = ISA_PG};
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
    char err[300];
    if (!elf_read_file(kernel_path, &img, err, sizeof err)) {
        fprintf(stderr, "bench: %s: %s (build the guest OS first)\n", kernel_path, err);
        return 1;
    }
    printf("The reference CPU: guest OS workloads, %u MiB, median of %d\n", GUEST_MEM >> 20, REPEAT);
    printf("  %-10s %12s %14s %14s %8s %16s\n", "workload", "instructions", "machine MIPS", "reference MIPS",
           "ratio", "difftest steps/s");
    int status = 0;
    for (size_t b = 0; b < NBOOTS; b++) {
        double tf[REPEAT], tr[REPEAT], td[REPEAT];
        struct run f = {0}, r = {0}, d = {0};
        for (int i = 0; i < REPEAT; i++) {
            f = run_fast(&img, boots[b]);
            r = run_ref(&img, boots[b]);
            d = run_diff(&img, boots[b]);
            tf[i] = f.secs;
            tr[i] = r.secs;
            td[i] = d.secs;
        }
        bool same = f.ok && r.ok && d.ok && f.instret == r.instret && f.instret == d.instret &&
                    f.out.bytes == r.out.bytes && f.out.hash == r.out.hash;
        double sf = bench_median(tf, REPEAT), sr = bench_median(tr, REPEAT), sd = bench_median(td, REPEAT);
        printf("  %-10s %12" PRIu64 " %14.1f %14.1f %8.1f %16.0f%s\n", boots[b], f.instret, f.instret / sf / 1e6,
               r.instret / sr / 1e6, sr / sf, d.instret / sd, same ? "" : "  (the runs differ!)");
        status |= !same;
    }
    elf_free(&img);
    return status;
}
