/*
 * bench.h - what the parts of `make bench` share.  Every figure is a ratio
 * or a rate taken in one run, each measurement repeated and the median
 * kept, because the machines this runs on are shared and noisy.
 */
#ifndef VMLAB_BENCH_H
#define VMLAB_BENCH_H

#include <stdint.h>

#define REPEAT 5

double bench_now(void);              /* seconds, monotonic */
double bench_median(double *v, int n); /* sorts v */

/* The parts; each prints its own table. */
int bench_machine(void);
int bench_vmm(const char *kernel_path);
int bench_ref(const char *kernel_path);
int bench_isolation(const char *kernel_path);

#endif
