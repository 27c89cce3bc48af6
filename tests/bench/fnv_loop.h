/*
 * fnv_loop.h - the FNV-style loop that `make bench` (machine.c) and
 * `make bench-peers` (peers/) time, in C: one definition, so that the
 * native figure and the hash every other variant must reproduce come from
 * the same code.  Each iteration reads and writes a 4 KiB table, which
 * starts zeroed.
 */
#ifndef VMLAB_FNV_LOOP_H
#define VMLAB_FNV_LOOP_H

#include <stdint.h>

#define FNV_TABLE_WORDS 1024u

/* noinline and a used result keep the compiler honest. */
__attribute__((noinline, unused)) static uint32_t fnv_loop(uint32_t *table, uint32_t iters)
{
    uint32_t acc = 2166136261u;
    for (uint32_t i = iters; i != 0; i--) {
        uint32_t j = i & (FNV_TABLE_WORDS - 1);
        acc = (acc ^ table[j]) * 16777619u;
        table[j] = acc;
    }
    return acc;
}

#endif
