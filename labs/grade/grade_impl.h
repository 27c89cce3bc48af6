/*
 * grade_impl.h - the runner's side of a test (lab.h is the tests' side):
 * what one running test keeps, and the pieces of the runner.
 */
#ifndef VMLAB_GRADE_IMPL_H
#define VMLAB_GRADE_IMPL_H

#include <stdio.h>

#include "lab.h"

struct lab_ctx {
    const struct lab_test *test;
    const char *root, *build, *scratch;
    FILE *out;      /* NAME.output: everything */
    FILE *result;   /* NAME.result: the verdict and the failures */
    int failures;
    void **strings; /* lab_str's, freed when the test ends */
    size_t nstrings, capstrings;
};

/* How one test ended, as the runner saw it. */
struct verdict {
    const struct lab_test *test;
    bool passed;
    char reason[512]; /* the first line of what happened, for the summary and JSON */
    char output[512]; /* NAME.output, NAME.result */
    char result[512];
};

/* The tests of GRADE_EXTRA=DIR for lab n: a table made at run time
 * (extra.c); NULL and 0 when there are none. */
struct lab_test *extra_tests(int n, const char *dir, size_t *count);

/* Print the verdicts (the terminal) and write them as JSON (report.c). */
void report_print(const struct lab *lab, const struct verdict *v, size_t n, const char *json_path);
bool report_json(const struct lab *lab, const struct verdict *v, size_t n, const char *path);

/* The runner's options, for the extra tests' own use. */
extern const char *grade_extra_dir;

#endif
