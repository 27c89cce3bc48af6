/*
 * main.c - the test runner: every suite of tests/ in one CUnit registry.
 * Each test_*.c file has one function that adds its suites.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#define SUITES(X)                                                              \
    X(isa_table)                                                               \
    X(smoke)                                                                   \
    X(docs)

#define X(name) void suite_##name(void);
SUITES(X)
#undef X

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
#define X(name) suite_##name();
    SUITES(X)
#undef X
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n%u passed, %u failed\n", run - CU_get_number_of_tests_failed(), CU_get_number_of_tests_failed());
    return failed ? 1 : 0;
}
