/*
 * test_smoke.c - the machine runs a small program end to end.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "rig.h"

/* sum 1..100 in a loop, print "ok\n", halt with the sum's low byte */
static void test_loop_and_print(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    RIG_PUT(r, CODE,
            enc(OP_ADDI, 5, 0, 0, 100),       /* t0 = 100 */
            enc(OP_ADDI, 6, 0, 0, 0),         /* t1 = 0 */
            enc(OP_ADD, 6, 6, 5, 0),          /* loop: t1 += t0 */
            enc(OP_ADDI, 5, 5, 0, -1),        /* t0-- */
            enc(OP_BNE, 5, 0, 0, -8),         /* if t0 != 0 goto loop */
            enc(OP_ADDI, 7, 0, 0, 'o'),
            enc(OP_OUT, 7, 0, 0, PORT_CON_DATA),
            enc(OP_ADDI, 7, 0, 0, 'k'),
            enc(OP_OUT, 7, 0, 0, PORT_CON_DATA),
            enc(OP_ADDI, 7, 0, 0, '\n'),
            enc(OP_OUT, 7, 0, 0, PORT_CON_DATA),
            enc(OP_HALT, 6, 0, 0, 0));
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 5050);
    CU_ASSERT_EQUAL(REG(r, 6), 5050);
    CU_ASSERT_EQUAL(CPU(r)->instret, 2 + 300 + 7);
    CU_ASSERT_EQUAL(r->outlen, 3);
    CU_ASSERT(r->out && memcmp(r->out, "ok\n", 3) == 0);
    rig_free(r);
}

void suite_smoke(void)
{
    CU_pSuite s = CU_add_suite("smoke", NULL, NULL);
    CU_add_test(s, "loop, console and halt", test_loop_and_print);
}
