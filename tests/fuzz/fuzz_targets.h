/*
 * fuzz_targets.h - every fuzz target of tests/fuzz: a function that
 * checks one input and says what is wrong with it.  libFuzzer drives each
 * one (tests/fuzz/libfuzzer.c, `make fuzz`); the test suite `fuzzregress`
 * replays every kept input (tests/fuzz/regress/TARGET/) and a few thousand
 * generated ones through the same functions in `make check`.
 *
 * A check returns true when the input was handled as it must be, and
 * otherwise false with a one-paragraph report.  It never exits: the
 * drivers decide what a finding does.
 */
#ifndef VMLAB_FUZZ_TARGETS_H
#define VMLAB_FUZZ_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef bool fuzz_check_fn(const uint8_t *data, size_t size, char *report, size_t len);

/* X(name, function) */
#define FUZZ_TARGETS(X)                                                        \
    X(guest, fuzz_check_guest)                                                 \
    X(elf, fuzz_check_elf)                                                     \
    X(asm, fuzz_check_asm)                                                     \
    X(vrun, fuzz_check_vrun)

#define X(name, fn) fuzz_check_fn fn;
FUZZ_TARGETS(X)
#undef X

/* Seeds besides tests/fuzz/corpus/TARGET: the asm target starts from the
 * project's own sources (tests/fuzz/run.sh, test_fuzzregress.c). */
#define FUZZ_SEEDS_asm "tests/guests", "assembler/examples"

/* Images and sources larger than this are not tried: the tools' own limits
 * are tested elsewhere, and a fuzzer's time is better spent on variety. */
#define FUZZ_MAX_INPUT (64u << 10)

#endif
