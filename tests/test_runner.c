/*
 * test_runner.c - the test runner's own rules (suite `runner`): a test
 * that hangs is stopped, named, and fails the run (tests/watchdog.h).
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "watchdog.h"

/* A child of this test starts the watchdog with a limit of one second and
 * then hangs: within a few seconds it must be ended with WATCHDOG_STATUS,
 * after one line that names this test and its suite. */
static void test_hanging_test_stopped(void)
{
    int fd[2];
    CU_ASSERT_FATAL(pipe(fd) == 0);
    time_t start = time(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        if (!watchdog_start(1))
            _exit(3);
        for (int i = 0; i < 30; i++)
            sleep(1); /* hangs, as a looping guest would */
        _exit(0);
    }
    close(fd[1]);
    char said[1024] = "";
    size_t n = 0;
    ssize_t k;
    while (n + 1 < sizeof said && (k = read(fd[0], said + n, sizeof said - 1 - n)) > 0)
        n += (size_t)k;
    said[n] = '\0';
    close(fd[0]);
    int st;
    CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
    time_t took = time(NULL) - start;
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == WATCHDOG_STATUS);
    CU_ASSERT(took <= 10); /* stopped at its limit, not at the end of the hang (30 s) */
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "\"a hanging test is stopped and named\" of suite runner has run for 1 s"));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != WATCHDOG_STATUS || !strstr(said, "of suite runner"))
        fprintf(stderr, "\n  the watchdog's child ended with status 0x%x after %ld s, saying: %s\n", st, (long)took,
                said);
}

/* A limit that is not a number of seconds is refused in one line, with
 * status 2, before any test runs (this binary, run again). */
static void test_bad_timeout_refused(void)
{
    int fd[2];
    CU_ASSERT_FATAL(pipe(fd) == 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        setenv("VMLAB_TEST_TIMEOUT", "10s", 1);
        execl("/proc/self/exe", "vmlab-tests", "runner", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char said[1024] = "";
    size_t n = 0;
    ssize_t k;
    while (n + 1 < sizeof said && (k = read(fd[0], said + n, sizeof said - 1 - n)) > 0)
        n += (size_t)k;
    said[n] = '\0';
    close(fd[0]);
    int st;
    CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    CU_ASSERT_STRING_EQUAL(said, "vmlab-tests: VMLAB_TEST_TIMEOUT=10s: not a number of seconds (0 to 86400)\n");
}

void suite_runner(void)
{
    CU_pSuite s = CU_add_suite("runner", NULL, NULL);
    CU_add_test(s, "a hanging test is stopped and named", test_hanging_test_stopped);
    CU_add_test(s, "a time limit that is not a number of seconds is refused", test_bad_timeout_refused);
}
