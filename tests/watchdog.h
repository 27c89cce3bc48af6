/*
 * watchdog.h - a time limit for each test.  A broken rule of the VMM can
 * make a guest fault for ever without retiring an instruction (docs/vmm.md
 * 5), and then no instruction limit ends it: without a limit per test,
 * make check would hang until CI gives up, and say nothing of where.
 */
#ifndef VMLAB_TESTS_WATCHDOG_H
#define VMLAB_TESTS_WATCHDOG_H

#include <stdbool.h>

/* Watch the test CUnit is running, from a thread of its own: when one test
 * has run for `seconds`, say which on stderr and end the process with
 * WATCHDOG_STATUS.  seconds 0: no limit.  False if the thread cannot start
 * (the tests then run without a limit, after a line that says so). */
#define WATCHDOG_STATUS 124
#define WATCHDOG_DEFAULT_SECONDS 600
bool watchdog_start(unsigned seconds);

#endif
