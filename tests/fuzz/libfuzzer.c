/*
 * libfuzzer.c - the entry point libFuzzer calls, for the target named by
 * FUZZ_TARGET_FN at compile time (`make fuzz` builds one binary per target
 * of fuzz_targets.h).  A finding prints its report and aborts, so that
 * libFuzzer keeps the input (build/fuzz/findings/TARGET/); copy it into
 * tests/fuzz/regress/TARGET/ and it becomes a regression test.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char report[8192];
    if (!FUZZ_TARGET_FN(data, size, report, sizeof report)) {
        fprintf(stderr, "\nvmlab fuzz: finding:\n%s\n", report);
        abort();
    }
    return 0;
}
