/*
 * isolation.c - what the isolation checker costs (docs/vmm.md 8.1):
 *   - per exit, on the guest OS's workloads: the VMM with the checker off,
 *     with its incremental checks only, and as it runs by default (a whole
 *     audit every 1024 exits besides), alternately, medians over the rounds with their
 *     spread, min..max;
 *   - per run, on the small guests of tests/guests/ as a fuzzer would run
 *     them: a VMM made, one VM added, run to its end, freed, RUNS times.
 * Times are this process's CPU time, not the wall clock: on a shared
 * machine other processes move the wall clock by more than the checker
 * costs on the cheap workloads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "bench.h"

#define SMALL_MEM (1u << 20)
#define SMALL_SHADOWS 64
#define RUNS 200

enum mode { OFF, INCREMENTAL, DEFAULT, NMODES };

static void discard(void *ctx, const uint8_t *b, size_t n)
{
    (void)ctx, (void)b, (void)n;
}

struct one {
    double secs;
    uint64_t exits;
    bool ok;
};

static struct one run(const struct elf_image *img, const char *boot, uint32_t mem, uint32_t shadows, enum mode m,
                      const uint8_t *disk, size_t disk_len)
{
    struct one r = {0};
    char err[300];
    double t0 = bench_now();
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE, .shadow_frames = shadows,
                            .check_isolation = m != OFF, .check_full_every = m == INCREMENTAL ? UINT32_MAX : 0};
    struct vmm *v = vmm_new(&vc, mem + (shadows + 1) * PAGE_SIZE, err, sizeof err);
    struct vm_config cfg = {.name = "g", .mem_size = mem, .image = img, .bootarg = boot, .disk = disk,
                            .disk_len = disk_len, .io = {.write = discard}};
    struct vm *vm = v ? vmm_add_vm(v, &cfg, err, sizeof err) : NULL;
    if (!vm) {
        fprintf(stderr, "bench: %s\n", err);
        vmm_free(v);
        return r;
    }
    vmm_run(v);
    r.exits = bench_exits(vm_stats(vm));
    r.ok = vm_state(vm) == VM_HALTED;
    vmm_free(v);
    r.secs = bench_now() - t0;
    return r;
}

static const struct {
    const char *guest;
    unsigned disk_blocks;
} small[] = {{"isocheck", 1}, {"paging", 0}, {"chaos", 0}, {"selfref", 0}, {"ptebeyond", 0}};

int bench_isolation(const char *kernel_path, int rounds)
{
    struct elf_image img;
    char err[300];
    int status = 0;
    if (!bench_kernel(kernel_path, &img))
        return 1;
    printf("the isolation checker (CPU time): guest OS workloads, %u MiB, cache shadows,\n"
           "  median [min..max] of %d interleaved rounds\n",
           BENCH_OS_MEM >> 20, rounds);
    printf("  %-16s %9s %18s %18s %18s %16s %16s\n", "workload", "exits", "off ms", "incremental", "default",
           "ns/exit incr.", "ns/exit def.");
    for (size_t w = 0; w < BENCH_NWORKLOADS; w++) {
        double t[NMODES][BENCH_MAX_ROUNDS];
        struct one r[NMODES] = {{0}};
        for (int i = 0; i < rounds; i++) {
            for (int k = 0; k < NMODES; k++) {
                int m = bench_order(i, k, NMODES);
                r[m] = run(&img, bench_workloads[w].boot, BENCH_OS_MEM, 1024, (enum mode)m, NULL, 0);
                t[m][i] = r[m].secs;
            }
            for (int m = 0; m < NMODES; m++)
                if (!r[m].ok || r[m].exits != r[OFF].exits)
                    status = 1;
        }
        char f[NMODES][64], di[64], dd[64];
        for (int m = 0; m < NMODES; m++)
            bench_fmt(f[m], sizeof f[m], bench_stat_of(t[m], rounds), 1e3, 1);
        double n = (double)r[OFF].exits / 1e9;
        printf("  %-16s %9" PRIu64 " %18s %18s %18s %16s %16s%s\n", bench_workloads[w].label, r[OFF].exits, f[OFF],
               f[INCREMENTAL], f[DEFAULT], bench_fmt(di, sizeof di, bench_diff_per(t[INCREMENTAL], t[OFF], n, rounds), 1, 0),
               bench_fmt(dd, sizeof dd, bench_diff_per(t[DEFAULT], t[OFF], n, rounds), 1, 0), status ? "  FAILED" : "");
    }
    elf_free(&img);

    printf("\nper run: small guests of tests/guests, %u KiB, %u shadow frames, cache; VMM made, run, freed;\n"
           "  median [min..max] of %d interleaved rounds of %d runs\n",
           SMALL_MEM >> 10, SMALL_SHADOWS, rounds, RUNS);
    printf("  %-12s %7s %22s %22s %22s %22s\n", "guest", "exits", "off us/run", "on us/run", "off runs/s",
           "on runs/s");
    for (size_t g = 0; g < sizeof small / sizeof small[0]; g++) {
        char path[256];
        snprintf(path, sizeof path, "tests/guests/%s.s", small[g].guest);
        struct asm_result res;
        if (!asm_assemble_file(path, NULL, &res) || !elf_read_mem(res.elf, res.elf_len, &img, err, sizeof err)) {
            fprintf(stderr, "bench: %s: cannot assemble (run from the top of the tree)\n", path);
            asm_result_free(&res);
            return 1;
        }
        asm_result_free(&res);
        uint8_t disk[DISK_BLOCK_SIZE] = {0};
        const char *boot = strcmp(small[g].guest, "chaos") == 0 ? "a" : NULL;
        double t[2][BENCH_MAX_ROUNDS];
        struct one r[2];
        for (int i = 0; i < rounds; i++)
            for (int k = 0; k < 2; k++) {
                int on = bench_order(i, k, 2);
                double t0 = bench_now();
                for (int k = 0; k < RUNS; k++) {
                    r[on] = run(&img, boot, SMALL_MEM, SMALL_SHADOWS, on ? DEFAULT : OFF, disk,
                                small[g].disk_blocks * DISK_BLOCK_SIZE);
                    if (!r[on].ok)
                        status = 1;
                }
                t[on][i] = (bench_now() - t0) / RUNS;
            }
        double rate[2][BENCH_MAX_ROUNDS];
        for (int i = 0; i < rounds; i++)
            rate[0][i] = 1 / t[0][i], rate[1][i] = 1 / t[1][i];
        struct bench_stat off = bench_stat_of(t[0], rounds), on = bench_stat_of(t[1], rounds);
        char a[64], b[64], c[64], d[64];
        printf("  %-12s %7" PRIu64 " %22s %22s %22s %22s\n", small[g].guest, r[0].exits,
               bench_fmt(a, sizeof a, off, 1e6, 1), bench_fmt(b, sizeof b, on, 1e6, 1),
               bench_fmt(c, sizeof c, bench_stat_of(rate[0], rounds), 1, 0),
               bench_fmt(d, sizeof d, bench_stat_of(rate[1], rounds), 1, 0));
        elf_free(&img);
    }
    return status;
}
