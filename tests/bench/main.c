/*
 * main.c - `make bench`: the machine against native C, then the VMM
 * against the bare machine on the guest OS's workloads, then the
 * reference CPU against the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    const char *kernel = argc > 1 ? argv[1] : "build/guest-os/kernel.elf";
    int status = bench_machine();
    printf("\n");
    status |= bench_vmm(kernel);
    printf("\n");
    status |= bench_ref(kernel);
    status |= bench_isolation(kernel);
    return status;
}
