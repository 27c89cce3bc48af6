/*
 * vmm.c - the VMM against the bare machine, on the guest OS's workloads:
 * the time ratio, the share of guest instructions run directly, and what
 * each exit costs, under each shadow policy.  Each workload runs natively
 * and under the VMM in the same round, REPEAT rounds, medians kept.
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

/* One workload under one policy: medians of native and VMM times. */
struct result {
    double native, vmm;
    struct bench_run last_native, last_vmm;
    bool equal;
};

static struct result measure(const struct elf_image *img, const char *boot, enum shadow_policy p)
{
    double tn[REPEAT], tv[REPEAT];
    struct result res = {.equal = true};
    for (int i = 0; i < REPEAT; i++) {
        res.last_native = bench_run_bare(img, boot, BENCH_OS_MEM, "native");
        res.last_vmm = run_vmm(img, boot, p);
        tn[i] = res.last_native.secs;
        tv[i] = res.last_vmm.secs;
        if (!bench_same(&res.last_native, &res.last_vmm))
            res.equal = false;
    }
    res.native = bench_median(tn, REPEAT);
    res.vmm = bench_median(tv, REPEAT);
    return res;
}

int bench_vmm(const char *kernel_path)
{
    struct elf_image img;
    if (!bench_kernel(kernel_path, &img))
        return 1;
    int status = 0;
    printf("VMM against the bare machine: guest OS workloads, %u MiB, cache shadows, median of %d\n",
           BENCH_OS_MEM >> 20, REPEAT);
    printf("  %-32s %12s %10s %10s %8s %10s %9s %8s\n", "workload (boot argument)", "guest insns", "native ms",
           "VMM ms", "ratio", "direct %", "exits", "ns/exit");
    struct result cache[BENCH_NWORKLOADS];
    for (size_t w = 0; w < BENCH_NWORKLOADS; w++) {
        struct result r = measure(&img, bench_workloads[w].boot, SHADOW_CACHE);
        cache[w] = r;
        const struct vm_stats *s = &r.last_vmm.st;
        uint64_t n = bench_exits(s);
        double direct = 100.0 * (double)s->direct / (double)(s->direct + s->emulated);
        char label[64];
        snprintf(label, sizeof label, "%s (%s)", bench_workloads[w].label, bench_workloads[w].boot);
        printf("  %-32s %12" PRIu64 " %10.1f %10.1f %8.3f %10.4f %9" PRIu64 " %8.0f%s\n", label,
               r.last_vmm.instret, r.native * 1e3, r.vmm * 1e3, r.vmm / r.native, direct, n,
               n ? (r.vmm - r.native) * 1e9 / (double)n : 0.0, r.equal ? "" : "  NOT EQUIVALENT");
        if (!r.equal)
            status = 1;
    }

    printf("\nshadow policies: VMM/native time (hidden page faults, shadow tables built)\n");
    printf("  %-16s", "workload");
    for (int p = 0; p < SHADOW_NPOLICIES; p++)
        printf(" %24s", shadow_policy_name((enum shadow_policy)p));
    printf("\n");
    for (size_t w = 0; w < BENCH_NWORKLOADS; w++) {
        printf("  %-16s", bench_workloads[w].label);
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            struct result r =
                p == SHADOW_CACHE ? cache[w] : measure(&img, bench_workloads[w].boot, (enum shadow_policy)p);
            const struct vm_stats *s = &r.last_vmm.st;
            char cell[64];
            snprintf(cell, sizeof cell, "%.3f (%" PRIu64 ", %" PRIu64 ")%s", r.vmm / r.native,
                     s->exits[VMX_PF_HIDDEN], s->shadow_built, r.equal ? "" : "!");
            printf(" %24s", cell);
            if (!r.equal)
                status = 1;
        }
        printf("\n");
    }
    elf_free(&img);
    return status;
}
