/*
 * main.c - `make bench`: the machine against native C, then the VMM
 * against the bare machine on the guest OS's workloads, then the
 * reference CPU against the machine, then the isolation checker.
 *
 *   bench [-n ROUNDS] [KERNEL]   every table (ROUNDS also from $BENCH_ROUNDS)
 *   bench --fnv ITERS            one FNV loop, for make bench-profile
 *   bench --pairs [KERNEL]       the guest OS's most frequent instruction pairs and triples
 *   bench --regs ITERS [ROUNDS [WAY]]  prototype: guest registers in host registers (regs.c)
 *   bench --cost CA UA CB UB     (CA - CB) / (UA - UB), for make bench-profile
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A count from the command line: a decimal number, whole and >= 0. */
static bool count_arg(const char *s, double *v)
{
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s || *end || s[0] == '-')
        return false;
    *v = (double)n;
    return true;
}

static int cost(char **argv)
{
    double c[4];
    for (int i = 0; i < 4; i++)
        if (!argv[i] || !count_arg(argv[i], &c[i])) {
            fprintf(stderr, "bench: --cost wants four counts: COUNT_A UNITS_A COUNT_B UNITS_B\n");
            return 2;
        }
    double per = bench_cost_per(c[0], c[1], c[2], c[3]);
    if (isnan(per)) {
        fprintf(stderr, "bench: --cost: the two runs have the same count of units\n");
        return 1;
    }
    printf("%.1f\n", per);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench [-n ROUNDS] [KERNEL]   (ROUNDS 1..%d, default %d or $BENCH_ROUNDS)\n"
                    "       bench --fnv ITERATIONS\n"
                    "       bench --pairs [KERNEL]\n"
                    "       bench --regs ITERATIONS [ROUNDS [mem|fwd|host]]\n"
                    "       bench --cost COUNT_A UNITS_A COUNT_B UNITS_B\n",
            BENCH_MAX_ROUNDS, BENCH_DEFAULT_ROUNDS);
    return 2;
}

int main(int argc, char **argv)
{
    const char *kernel = "build/guest-os/kernel.elf";
    int rounds = BENCH_DEFAULT_ROUNDS;
    const char *env = getenv("BENCH_ROUNDS");
    if (env && *env && !bench_parse_rounds(env, &rounds)) {
        fprintf(stderr, "bench: BENCH_ROUNDS=%s: not a count of rounds 1..%d\n", env, BENCH_MAX_ROUNDS);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cost") == 0) {
            return argc - i - 1 == 4 ? cost(argv + i + 1) : usage();
        } else if (strcmp(argv[i], "--fnv") == 0) {
            char *end;
            unsigned long iters = i + 1 < argc ? strtoul(argv[i + 1], &end, 10) : 0;
            if (!iters || *end || iters > 0xffffffffu || argv[i + 1][0] == '-') {
                fprintf(stderr, "bench: --fnv wants a count of iterations 1..4294967295\n");
                return 2;
            }
            return bench_fnv_once((unsigned)iters);
        } else if (strcmp(argv[i], "--regs") == 0) {
            return bench_regs(argc - i - 1, argv + i + 1);
        } else if (strcmp(argv[i], "--pairs") == 0) {
            return bench_pairs(i + 1 < argc ? argv[i + 1] : kernel);
        } else if (strcmp(argv[i], "-n") == 0) {
            if (i + 1 >= argc || !bench_parse_rounds(argv[i + 1], &rounds)) {
                fprintf(stderr, "bench: -n wants a count of rounds 1..%d\n", BENCH_MAX_ROUNDS);
                return 2;
            }
            i++;
        } else if (argv[i][0] == '-') {
            return usage();
        } else {
            kernel = argv[i];
        }
    }
    int status = bench_machine(rounds);
    printf("\n");
    status |= bench_vmm(kernel, rounds);
    printf("\n");
    status |= bench_ref(kernel, rounds);
    printf("\n");
    status |= bench_isolation(kernel, rounds);
    return status;
}
