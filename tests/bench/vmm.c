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
#include "elf_load.h"
#include "machine.h"
#include "vmm.h"

#define GUEST_MEM (16u << 20)

struct workload {
    const char *label;
    const char *boot;
};

static const struct workload workloads[] = {
    {"compute", "crc 400000"},
    {"system calls", "syscalls 20000"},
    {"forkwait", "forkwait 200"},
    {"context switch", "pingpong 5000"},
};
#define NWORK (sizeof workloads / sizeof workloads[0])

/* Console output is counted, not shown: the runs are compared by it. */
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
    struct vm_stats st; /* VMM runs only */
    bool ok;
};

static struct run run_native(const struct elf_image *img, const char *boot)
{
    char err[300];
    struct run r = {.out = {0, 14695981039346656037u}};
    struct machine_config mc = {.mem_size = GUEST_MEM, .isa = ISA_PG};
    struct machine *m = machine_new(&mc, err, sizeof err);
    if (!m || !elf_boot(m, img, boot, err, sizeof err)) {
        fprintf(stderr, "bench: native %s: %s\n", boot, err);
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

static struct run run_vmm(const struct elf_image *img, const char *boot, enum shadow_policy p)
{
    char err[300];
    struct run r = {.out = {0, 14695981039346656037u}};
    struct vmm_config vc = {.isa = ISA_PG, .policy = p};
    struct vmm *v = vmm_new(&vc, GUEST_MEM + (1024 + 2) * PAGE_SIZE, err, sizeof err);
    struct vm_config cfg = {.name = "guest", .mem_size = GUEST_MEM, .image = img, .bootarg = boot,
                            .io = {.ctx = &r.out, .write = sink_write}};
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

static uint64_t exits(const struct vm_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < VMX_COUNT; i++)
        n += s->exits[i];
    return n;
}

/* One workload under one policy: medians of native and VMM times. */
struct result {
    double native, vmm;
    struct run last_native, last_vmm;
    bool equal;
};

static struct result measure(const struct elf_image *img, const char *boot, enum shadow_policy p)
{
    double tn[REPEAT], tv[REPEAT];
    struct result res = {.equal = true};
    for (int i = 0; i < REPEAT; i++) {
        res.last_native = run_native(img, boot);
        res.last_vmm = run_vmm(img, boot, p);
        tn[i] = res.last_native.secs;
        tv[i] = res.last_vmm.secs;
        const struct run *a = &res.last_native, *b = &res.last_vmm;
        if (!a->ok || !b->ok || a->instret != b->instret || a->out.bytes != b->out.bytes || a->out.hash != b->out.hash)
            res.equal = false;
    }
    res.native = bench_median(tn, REPEAT);
    res.vmm = bench_median(tv, REPEAT);
    return res;
}

int bench_vmm(const char *kernel_path)
{
    struct elf_image img;
    char err[300];
    if (!elf_read_file(kernel_path, &img, err, sizeof err)) {
        fprintf(stderr, "bench: %s: %s (build the guest OS first)\n", kernel_path, err);
        return 1;
    }
    int status = 0;
    printf("VMM against the bare machine: guest OS workloads, %u MiB, cache shadows, median of %d\n",
           GUEST_MEM >> 20, REPEAT);
    printf("  %-32s %12s %10s %10s %8s %10s %9s %8s\n", "workload (boot argument)", "guest insns", "native ms",
           "VMM ms", "ratio", "direct %", "exits", "ns/exit");
    struct result cache[NWORK];
    for (size_t w = 0; w < NWORK; w++) {
        struct result r = measure(&img, workloads[w].boot, SHADOW_CACHE);
        cache[w] = r;
        const struct vm_stats *s = &r.last_vmm.st;
        uint64_t n = exits(s);
        double direct = 100.0 * (double)s->direct / (double)(s->direct + s->emulated);
        char label[64];
        snprintf(label, sizeof label, "%s (%s)", workloads[w].label, workloads[w].boot);
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
    for (size_t w = 0; w < NWORK; w++) {
        printf("  %-16s", workloads[w].label);
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            struct result r = p == SHADOW_CACHE ? cache[w] : measure(&img, workloads[w].boot, (enum shadow_policy)p);
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
