/*
 * run.c - what the benchmark's parts do alike with the guest OS: its
 * workloads, its kernel read, a workload run on the bare machine against
 * the clock, the console output the runs are compared by counted and
 * hashed, and a VM's exits summed.
 */
#include <stdio.h>

#include "bench.h"

const struct bench_workload bench_workloads[] = { /* another count than BENCH_NWORKLOADS conflicts with bench.h */
    {"compute", "crc 400000"},
    {"system calls", "syscalls 20000"},
    {"forkwait", "forkwait 200"},
    {"context switch", "pingpong 5000"},
};

bool bench_kernel(const char *path, struct elf_image *img)
{
    char err[300];
    if (elf_read_file(path, img, err, sizeof err))
        return true;
    fprintf(stderr, "bench: %s: %s (build the guest OS first)\n", path, err);
    return false;
}

void bench_sink_write(void *ctx, const uint8_t *b, size_t n)
{
    struct bench_sink *s = ctx;
    for (size_t i = 0; i < n; i++)
        s->hash = (s->hash ^ b[i]) * 1099511628211u;
    s->bytes += n;
}

struct bench_run bench_run_bare(const struct elf_image *img, const char *boot, uint32_t mem, const char *what)
{
    char err[300];
    struct bench_run r = {.out = BENCH_SINK_INIT};
    struct machine_config mc = {.mem_size = mem, .isa = ISA_PG};
    struct machine *m = machine_new(&mc, err, sizeof err);
    if (!m || !elf_boot(m, img, boot, err, sizeof err)) {
        fprintf(stderr, "bench: %s %s: %s\n", what, boot, err);
        machine_free(m);
        return r;
    }
    machine_set_console(m, &(struct console_io){.ctx = &r.out, .write = bench_sink_write});
    struct vm_exit x;
    double t0 = bench_now();
    machine_run(m, UINT64_MAX, &x);
    r.secs = bench_now() - t0;
    r.instret = machine_cpu(m)->instret;
    r.ok = x.reason == EXIT_HALT;
    machine_free(m);
    return r;
}

bool bench_same(const struct bench_run *a, const struct bench_run *b)
{
    return a->ok && b->ok && a->instret == b->instret && a->out.bytes == b->out.bytes && a->out.hash == b->out.hash;
}

uint64_t bench_exits(const struct vm_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < VMX_COUNT; i++)
        n += s->exits[i];
    return n;
}
