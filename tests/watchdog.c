/*
 * watchdog.c - a time limit for each test (watchdog.h).  CUnit's basic
 * runner keeps its own test-start handler, so the limit is kept by a
 * thread that looks at which test is running once a second: a test that
 * stays current for the whole limit is the one that hangs.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "watchdog.h"

static unsigned limit;

static void *watch(void *arg)
{
    (void)arg;
    CU_pTest seen = NULL;
    time_t since = time(NULL);
    for (;;) {
        sleep(1);
        CU_pTest now = CU_get_current_test();
        time_t t = time(NULL);
        if (now != seen) {
            seen = now;
            since = t;
        } else if (now && t - since >= (time_t)limit) {
            CU_pSuite s = CU_get_current_suite();
            fprintf(stderr,
                    "\nvmlab-tests: the test \"%s\" of suite %s has run for %u s: stopped (a guest that never "
                    "retires an instruction?  VMLAB_TEST_TIMEOUT=SECONDS changes the limit, 0 removes it)\n",
                    now->pName, s ? s->pName : "?", limit);
            _exit(WATCHDOG_STATUS);
        }
    }
    return NULL;
}

bool watchdog_start(unsigned seconds)
{
    if (seconds == 0)
        return true;
    limit = seconds;
    pthread_t th;
    pthread_attr_t a;
    bool ok = pthread_attr_init(&a) == 0 && pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) == 0 &&
              pthread_create(&th, &a, watch, NULL) == 0;
    if (!ok)
        fprintf(stderr, "vmlab-tests: cannot start the watchdog thread: each test runs without a time limit\n");
    return ok;
}
