/*
 * vmm.c - the VMM against the bare machine, on the guest OS's workloads:
 * the time ratio, the share of guest instructions run directly, and what
 * each exit costs, under each shadow policy.  Each workload runs natively
 * and under the VMM in the same round, alternately; the ratio and the cost
 * of an exit are taken within each round, and every figure is the median
 * over the rounds with its spread, min..max (CPU time).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static struct bench_run run_vmm(const struct elf_image *img, const char *boot, enum shadow_policy p)
{
    char err[300];
    struct bench_run r = {.out = BENCH_SINK_INIT};
    struct vmm_config vc = {.isa = ISA_PG, .policy = p};
    struct vmm *v = vmm_new(&vc, BENCH_OS_MEM + (1024 + 2) * PAGE_SIZE, err, sizeof err);
    struct vm_config cfg = {.name = "guest", .mem_size = BENCH_OS_MEM, .image = img, .bootarg = boot,
                            .io = {.ctx = &r.out, .write = bench_sink_write}};
    struct vm *vm = v ? vmm_add_vm(v, &cfg, err, sizeof err) : NULL;
    if (!vm) {
        fprintf(stderr, "bench: vmm %s: %s\n", boot, err);
        vmm_free(v);
        return r;
    }
    double t0 = bench_now();
    vmm_run(v);
    r.secs = bench_now() - t0;
    r.instret = vm_instret(vm);
    r.st = *vm_stats(vm);
    r.ok = vm_state(vm) == VM_HALTED;
    vmm_free(v);
    return r;
}

/* Starting a VM as vrun does before the guest's first instruction, in
 * process: vmm_new and vmm_add_vm of a BENCH_OS_MEM VM with the kernel
 * loaded (the target: 10 ms).  The time of each round; the VMM is
 * freed after the clock stops. */
static void vm_start_times(const struct elf_image *img, double *t, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        char err[300];
        struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE};
        struct vm_config cfg = {.name = "guest", .mem_size = BENCH_OS_MEM, .image = img, .bootarg = "hello"};
        double t0 = bench_now();
        struct vmm *v = vmm_new(&vc, BENCH_OS_MEM + (1024 + 2) * PAGE_SIZE, err, sizeof err);
        struct vm *vm = v ? vmm_add_vm(v, &cfg, err, sizeof err) : NULL;
        t[i] = bench_now() - t0;
        if (!vm)
            fprintf(stderr, "bench: VM start: %s\n", err);
        vmm_free(v);
    }
}

/* One workload under one policy: native and VMM times, round by round. */
struct result {
    double tn[BENCH_MAX_ROUNDS], tv[BENCH_MAX_ROUNDS];
    struct bench_run last_native, last_vmm;
    bool equal;
};

static void measure(struct result *res, const struct elf_image *img, const char *boot, enum shadow_policy p,
                    int rounds)
{
    res->equal = true;
    for (int i = 0; i < rounds; i++) {
        for (int k = 0; k < 2; k++) {
            if (bench_order(i, k, 2) == 0)
                res->last_native = bench_run_bare(img, boot, BENCH_OS_MEM, "native");
            else
                res->last_vmm = run_vmm(img, boot, p);
        }
        res->tn[i] = res->last_native.secs;
        res->tv[i] = res->last_vmm.secs;
        if (!bench_same(&res->last_native, &res->last_vmm))
            res->equal = false;
    }
}

int bench_vmm(const char *kernel_path, int rounds)
{
    struct elf_image img;
    if (!bench_kernel(kernel_path, &img))
        return 1;
    int status = 0;
    printf("VMM against the bare machine: guest OS workloads, %u MiB, cache shadows,\n"
           "  CPU time, median [min..max] of %d interleaved rounds\n",
           BENCH_OS_MEM >> 20, rounds);
    printf("  %-32s %12s %18s %18s %22s %10s %9s %16s\n", "workload (boot argument)", "guest insns", "native ms",
           "VMM ms", "ratio", "direct %", "exits", "ns/exit");
    static struct result cache[BENCH_NWORKLOADS], other;
    for (size_t w = 0; w < BENCH_NWORKLOADS; w++) {
        struct result *rp = &cache[w];
        measure(rp, &img, bench_workloads[w].boot, SHADOW_CACHE, rounds);
        const struct result r = *rp;
        const struct vm_stats *s = &r.last_vmm.st;
        uint64_t n = bench_exits(s);
        double direct = 100.0 * (double)s->direct / (double)(s->direct + s->emulated);
        char label[64];
        snprintf(label, sizeof label, "%s (%s)", bench_workloads[w].label, bench_workloads[w].boot);
        char a[64], b[64], c[64], d[64];
        printf("  %-32s %12" PRIu64 " %18s %18s %22s %10.4f %9" PRIu64 " %16s%s\n", label, r.last_vmm.instret,
               bench_fmt(a, sizeof a, bench_stat_of(r.tn, rounds), 1e3, 1),
               bench_fmt(b, sizeof b, bench_stat_of(r.tv, rounds), 1e3, 1),
               bench_fmt(c, sizeof c, bench_ratio_of(r.tv, r.tn, rounds), 1, 3), direct, n,
               n ? bench_fmt(d, sizeof d, bench_diff_per(r.tv, r.tn, (double)n / 1e9, rounds), 1, 0) : "-",
               r.equal ? "" : "  NOT EQUIVALENT");
        if (!r.equal)
            status = 1;
    }

    double start[BENCH_MAX_ROUNDS];
    char st[64];
    vm_start_times(&img, start, rounds);
    printf("  VM start (vmm_new, vmm_add_vm: %u MiB, kernel loaded) %s ms\n", BENCH_OS_MEM >> 20,
           bench_fmt(st, sizeof st, bench_stat_of(start, rounds), 1e3, 2));

    printf("\nshadow policies: VMM/native time, median [min..max] (hidden page faults, shadow tables built)\n");
    printf("  %-16s", "workload");
    for (int p = 0; p < SHADOW_NPOLICIES; p++)
        printf(" %36s", shadow_policy_name((enum shadow_policy)p));
    printf("\n");
    for (size_t w = 0; w < BENCH_NWORKLOADS; w++) {
        printf("  %-16s", bench_workloads[w].label);
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            const struct result *r = &cache[w];
            if (p != SHADOW_CACHE) {
                measure(&other, &img, bench_workloads[w].boot, (enum shadow_policy)p, rounds);
                r = &other;
            }
            const struct vm_stats *s = &r->last_vmm.st;
            char cell[96], ratio[64];
            snprintf(cell, sizeof cell, "%s (%" PRIu64 ", %" PRIu64 ")%s",
                     bench_fmt(ratio, sizeof ratio, bench_ratio_of(r->tv, r->tn, rounds), 1, 3),
                     s->exits[VMX_PF_HIDDEN], s->shadow_built, r->equal ? "" : "!");
            printf(" %36s", cell);
            if (!r->equal)
                status = 1;
        }
        printf("\n");
    }
    elf_free(&img);
    return status;
}
