/*
 * bench.h - what the parts of `make bench` share.  Every figure is a ratio
 * or a rate taken in one run, in CPU time, over rounds that interleave the
 * runs compared; the median is printed with its spread (stats.h), because
 * the machines this runs on are shared and noisy.
 */
#ifndef VMLAB_BENCH_H
#define VMLAB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"
#include "machine.h"
#include "vmm.h"

#include "stats.h"

#define BENCH_OS_MEM (16u << 20) /* the guest OS's memory in every part */

/* The guest OS's workloads that the VMM's parts time: a name for the
 * tables, and the boot string. */
struct bench_workload {
    const char *label, *boot;
};
#define BENCH_NWORKLOADS 4
extern const struct bench_workload bench_workloads[BENCH_NWORKLOADS];

/* Seconds of this thread's CPU time: on a shared machine other processes
 * move the wall clock by more than most of the differences measured. */
double bench_now(void);

/* The guest OS's kernel; false, after saying so, if it cannot be read. */
bool bench_kernel(const char *path, struct elf_image *img);

/* Console output is counted and hashed (FNV-1a), not shown: the runs are
 * compared by it. */
struct bench_sink {
    uint64_t bytes, hash;
};
#define BENCH_SINK_INIT {0, 14695981039346656037u}
void bench_sink_write(void *ctx, const uint8_t *b, size_t n);

/* One timed run of a workload. */
struct bench_run {
    double secs;
    uint64_t instret;
    struct bench_sink out;
    struct vm_stats st; /* VMM runs only */
    bool ok;            /* it halted */
};

/* The image on the bare machine (pg, mem bytes of memory) with boot string
 * boot, timed; `what` names the run in a message if it cannot start. */
struct bench_run bench_run_bare(const struct elf_image *img, const char *boot, uint32_t mem, const char *what);

/* Both runs halted after the same instructions with the same output: the
 * figures of the two compare like with like. */
bool bench_same(const struct bench_run *a, const struct bench_run *b);

/* All of a VM's exits, whatever their kind. */
uint64_t bench_exits(const struct vm_stats *s);

/* The parts; each prints its own table, over `rounds` interleaved rounds. */
int bench_machine(int rounds);
int bench_vmm(const char *kernel_path, int rounds);
int bench_ref(const char *kernel_path, int rounds);
int bench_isolation(const char *kernel_path, int rounds);

/* One run of the FNV loop (machine.c) on the bare machine, paging on, user
 * mode, for `make bench-profile`: iters iterations; prints the guest
 * instructions retired. */
int bench_fnv_once(unsigned iters);
/* bench --pairs (pairs.c): the dynamic pair and triple frequencies of the
 * guest OS's workloads on the reference CPU, the most frequent first. */
int bench_pairs(const char *kernel_path);

/* bench --regs (regs.c): a prototype timing the FNV loop's handlers with
 * the guest's registers in memory, forwarded, and in host registers. */
int bench_regs(int argc, char **argv);

#endif
