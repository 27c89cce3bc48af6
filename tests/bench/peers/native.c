/*
 * native.c - the FNV loop (tests/bench/fnv_loop.h) compiled by the host's
 * C compiler (gcc -O2), run by `make bench-peers` as a program of its own
 * so that it is timed like every other variant:  native ITERATIONS
 * prints "fnv 0x%08x".
 */
#include <stdio.h>
#include <stdlib.h>

#include "../fnv_loop.h"

int main(int argc, char **argv)
{
    static uint32_t table[FNV_TABLE_WORDS];
    char *end;
    unsigned long iters = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
    if (argc != 2 || *end || argv[1][0] == '-' || iters > 0xffffffffu) {
        fprintf(stderr, "usage: native ITERATIONS\n");
        return 2;
    }
    printf("fnv 0x%08x\n", (unsigned)fnv_loop(table, (uint32_t)iters));
    return 0;
}
