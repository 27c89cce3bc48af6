/*
 * main.c - the test runner: every suite of tests/ in one CUnit registry.
 * Each test_*.c file has one function that adds its suites.
 */
#include <CUnit/Basic.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "watchdog.h"

#define SUITES(X)                                                              \
    X(isa_table)                                                               \
    X(smoke)                                                                   \
    X(docs)                                                                    \
    X(insn)                                                                    \
    X(trap)                                                                    \
    X(mmu)                                                                     \
    X(tlbhole)                                                                 \
    X(guestmode)                                                               \
    X(stepping)                                                                \
    X(debug)                                                                   \
    X(ref)                                                                     \
    X(ref_guest)                                                               \
    X(loop)                                                                    \
    X(timer)                                                                   \
    X(console)                                                                 \
    X(disk)                                                                    \
    X(disk_store)                                                              \
    X(determinism)                                                             \
    X(elf)                                                                     \
    X(vpg)                                                                     \
    X(vrun)                                                                    \
    X(vrun_vmm)                                                                \
    X(vrun_input)                                                              \
    X(oracle)                                                                  \
    X(reports)                                                                 \
    X(hosted)                                                                  \
    X(asm_syntax)                                                              \
    X(asm_directives)                                                          \
    X(asm_errors)                                                              \
    X(asm_output)                                                              \
    X(asm_limits)                                                              \
    X(disasm)                                                                  \
    X(asm_tools)                                                               \
    X(fileio)                                                                  \
    X(outfiles)                                                                \
    X(vexp)                                                                    \
    X(bench_stats)                                                             \
    X(bench_peers)                                                             \
    X(vmm)                                                                     \
    X(guest)                                                                   \
    X(pvguest)                                                                 \
    X(equivalence)                                                             \
    X(critical)                                                                \
    X(valgrind)                                                                \
    X(fuzzregress)                                                             \
    X(difftest)                                                                \
    X(guestdiff)                                                               \
    X(guestcorners)                                                            \
    X(guestos)                                                                 \
    X(golden)                                                                  \
    X(isolation)                                                               \
    X(hostile)                                                                 \
    X(vmstep)                                                                  \
    X(hybrid)                                                                  \
    X(bt)                                                                      \
    X(pv)                                                                      \
    X(hw)                                                                      \
    X(exitpath)                                                                \
    X(vmon)                                                                    \
    X(vmon_tty)                                                                \
    X(layers)                                                                  \
    X(rules)                                                                   \
    X(views)                                                                   \
    X(runner)                                                                  \
    X(labs)                                                                    \
    X(coverage) /* must stay last: it checks what every suite above covered */

#define X(name) void suite_##name(void);
SUITES(X)
#undef X

/* Keep only the suites named on the command line active (all when none is
 * named); a name may be a shell pattern ('asm_*', 'vrun*').  False, after a
 * message, if a name or pattern matches no suite. */
static bool select_suites(int argc, char **argv)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++) {
        bool found = false;
        for (CU_pSuite s = CU_get_registry()->pSuite; s && !found; s = s->pNext)
            found = fnmatch(argv[i], s->pName, 0) == 0;
        if (!found) {
            fprintf(stderr, "vmlab-tests: no suite named '%s'; the suites are:", argv[i]);
            for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext)
                fprintf(stderr, "%s '%s'", s == CU_get_registry()->pSuite ? "" : ",", s->pName);
            fprintf(stderr, "\n");
            return false;
        }
    }
    for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext) {
        bool named = false;
        for (int i = 1; i < argc; i++)
            named |= fnmatch(argv[i], s->pName, 0) == 0;
        CU_set_suite_active(s, named);
    }
    return true;
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
#define X(name) suite_##name();
    SUITES(X)
#undef X
    if (!select_suites(argc, argv)) {
        CU_cleanup_registry();
        return 2;
    }
    const char *t = getenv("VMLAB_TEST_TIMEOUT");
    char *end = NULL;
    unsigned long seconds = t && *t ? strtoul(t, &end, 10) : WATCHDOG_DEFAULT_SECONDS;
    if (t && *t && (*end || seconds > 86400)) {
        fprintf(stderr, "vmlab-tests: VMLAB_TEST_TIMEOUT=%s: not a number of seconds (0 to 86400)\n", t);
        CU_cleanup_registry();
        return 2;
    }
    watchdog_start((unsigned)seconds);
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned tests_failed = CU_get_number_of_tests_failed();
    unsigned asserts_failed = CU_get_number_of_failures();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n%u passed, %u failed\n", run - tests_failed, tests_failed);
    /* make check runs this twice (the second time beside the reference
     * CPU) and prints the sum of the runs it names in VMLAB_TALLY. */
    const char *tally = getenv("VMLAB_TALLY");
    FILE *f = tally ? fopen(tally, "a") : NULL;
    if (f) {
        fprintf(f, "%u %u\n", run - tests_failed, tests_failed);
        fclose(f);
    }
    return tests_failed || asserts_failed ? 1 : 0;
}
