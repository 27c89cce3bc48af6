/*
 * test_timer.c - the interval timer of docs/isa.md section 8.1 and the
 * idle cycles of wfi (section 11).
 *
 * The rule under test: if `mtcr timer` is the K-th instruction retired
 * since reset and N > 0, the timer interrupt (cause 16) becomes pending
 * when the retired count reaches K + N and, with IE = 1, is taken before
 * instruction K + N + 1, whose address lands in epc.  Instruction numbers
 * and addresses are computed here from the program's layout.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>

#include "prog.h"
#include "rig.h"

#define MAGIC 0x600du

static void p_end(struct prog *p)
{
    p_li(p, 13, MAGIC);
    p_op(p, OP_HALT, 13, 0, 0, 0);
}

/* status = S | IE (two instructions). */
static void p_enable(struct prog *p)
{
    p_op(p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(p, OP_MTCR, 6, 0, 0, CR_STATUS);
}

/* Arm the timer with n (li + mtcr); returns K, the number of the mtcr
 * among the instructions retired since reset (the program starts at the
 * first instruction of p and has no branches before this point). */
static uint64_t p_arm(struct prog *p, uint32_t n)
{
    p_li(p, 5, n);
    p_op(p, OP_MTCR, 5, 0, 0, CR_TIMER);
    return p->n;
}

/* Straight line: the interrupt comes before instruction K+N+1. */
static void timer_straight(uint32_t n)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_enable(&p);
    uint64_t k = p_arm(&p, n);
    for (uint32_t i = 0; i < n + 20; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0); /* the handler */
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_TIMER);
    CU_ASSERT_EQUAL(CRV(r, CR_BADADDR), 0);
    /* instruction i (from 1) is at CODE + 4(i-1): K+N+1 is at CODE + 4(K+N) */
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), CODE + 4 * (uint32_t)(k + n));
    CU_ASSERT_EQUAL(REG(r, 7), n);
    CU_ASSERT_EQUAL(CRV(r, CR_STATUS), SR_S | SR_PS | SR_PIE);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + n + 1); /* + the handler's halt */
    CU_ASSERT_EQUAL(CPU(r)->cycles, CPU(r)->instret);
    CU_ASSERT_EQUAL(CRV(r, CR_TIMER), 0);                          /* one-shot */
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), CAUSE_TIMER); /* taken, not acknowledged */
    if (CRV(r, CR_EPC) != CODE + 4 * (uint32_t)(k + n))
        fprintf(stderr, "\n  N=%u: epc 0x%x, expected 0x%x", n, CRV(r, CR_EPC), CODE + 4 * (uint32_t)(k + n));
    rig_free(r);
}

static void test_timer_exact_small(void)
{
    const uint32_t ns[] = {1, 2, 3, 4, 7, 16, 100, 333};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        timer_straight(ns[i]);
}

/* In a two-instruction loop, for large N: which of the two comes next
 * depends on the parity of N. */
static void timer_loop(uint32_t n)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_enable(&p);
    uint64_t k = p_arm(&p, n);
    uint32_t loop = p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_br(&p, OP_BEQ, 0, 0, loop);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 10000000), EXIT_HALT);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_TIMER);
    /* instruction K+j: j odd is the addi, j even the beq; j = N+1 is next */
    uint32_t want = ((n + 1) % 2 == 1) ? loop : loop + 4;
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), want);
    CU_ASSERT_EQUAL(REG(r, 7), (n + 1) / 2);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + n + 1);
    rig_free(r);
}

static void test_timer_exact_loop(void)
{
    const uint32_t ns[] = {1000, 1001, 65536, 123457};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        timer_loop(ns[i]);
}

/* A trapping instruction does not retire, so it does not count; the
 * handler's instructions do. */
static void test_timer_counts_retired_only(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_MFCR, 12, 0, 0, CR_CAUSE);
    p_op(&h, OP_ADDI, 13, 12, 0, -CAUSE_SYSCALL);
    size_t not_sys = p_hole(&h);
    p_op(&h, OP_MFCR, 14, 0, 0, CR_EPC);
    p_op(&h, OP_ADDI, 14, 14, 0, 4);
    p_op(&h, OP_MTCR, 14, 0, 0, CR_EPC);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, not_sys, OP_BNE, 13, 0, p_here(&h));
    p_op(&h, OP_HALT, 0, 0, 0, 0);
    p_load(&h, r);
    const unsigned handler_len = 7; /* mfcr addi bne mfcr addi mtcr rfe */

    struct prog p;
    p_init(&p, CODE);
    p_enable(&p);
    const uint32_t n = 10;
    p_arm(&p, n);
    uint32_t sys = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    for (int i = 0; i < 30; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 10000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_TIMER);
    /* after the mtcr: 7 handler instructions, then n - 7 addis, then the interrupt */
    CU_ASSERT_EQUAL(REG(r, 7), n - handler_len);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), sys + 4 + 4 * (n - handler_len));
    rig_free(r);
}

/* Reading timer gives the instructions left: the read that is instruction
 * J sees K + N - J, and consecutive reads count down by one. */
static void test_timer_reads_count_down(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    CU_ASSERT_EQUAL(CRV(r, CR_TIMER), 0); /* disarmed at reset */
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_MFCR, 4, 0, 0, CR_TIMER); /* instruction 1: disarmed, 0 */
    const uint32_t n = 100;
    uint64_t k = p_arm(&p, n);
    p_op(&p, OP_MFCR, 8, 0, 0, CR_TIMER);  /* J = K+1 */
    p_op(&p, OP_MFCR, 9, 0, 0, CR_TIMER);  /* J = K+2 */
    for (int i = 0; i < 10; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_op(&p, OP_MFCR, 10, 0, 0, CR_TIMER); /* J = K+13 */
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 10000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 4), 0);
    CU_ASSERT_EQUAL(REG(r, 8), (uint32_t)(k + n - (k + 1)));
    CU_ASSERT_EQUAL(REG(r, 9), (uint32_t)(k + n - (k + 2)));
    CU_ASSERT_EQUAL(REG(r, 10), (uint32_t)(k + n - (k + 13)));
    /* the host sees the same count: the program ended at instruction K+16 */
    CU_ASSERT_EQUAL(CPU(r)->instret, k + 16);
    CU_ASSERT_EQUAL(CRV(r, CR_TIMER), (uint32_t)(k + n - (k + 16)));
    rig_free(r);
}

/* Writing 0 disarms: no interrupt ever comes, and timer reads 0. */
static void test_timer_disarm(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_enable(&p);
    p_arm(&p, 5);
    p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_op(&p, OP_MTCR, 0, 0, 0, CR_TIMER);
    p_op(&p, OP_MFCR, 8, 0, 0, CR_TIMER);
    for (int i = 0; i < 30; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 10000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), 0);
    CU_ASSERT_EQUAL(REG(r, 7), 31);
    CU_ASSERT_EQUAL(REG(r, 8), 0);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
    rig_free(r);
}

/* With IE = 0 the interrupt stays pending (the timer reads 0: it fired and
 * is disarmed) and is taken right after the instruction that sets IE. */
static void test_timer_pending_until_ie(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    uint64_t k = p_arm(&p, 3);
    for (int i = 0; i < 10; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_op(&p, OP_MFCR, 8, 0, 0, CR_TIMER);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    uint32_t en = p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_op(&p, OP_ADDI, 9, 0, 0, 1);
    p_end(&p);
    p_load(&p, r);
    /* stop after K+5 instructions: fired at K+3, pending, not taken */
    CU_ASSERT_EQUAL(rig_run(r, k + 5), EXIT_BUDGET);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), CAUSE_TIMER);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), 0);
    CU_ASSERT_EQUAL(REG(r, 7), 5);
    CU_ASSERT_EQUAL(rig_run(r, 10000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_TIMER);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), en + 4);
    CU_ASSERT_EQUAL(REG(r, 7), 10);
    CU_ASSERT_EQUAL(REG(r, 8), 0);
    CU_ASSERT_EQUAL(REG(r, 9), 0);
    rig_free(r);
}

/* Taking the interrupt does not acknowledge it: a handler that returns
 * without writing timer is interrupted again at once, at the same epc. */
static void test_timer_not_acknowledged_repeats(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_ADDI, 9, 9, 0, 1);
    p_op(&h, OP_ADDI, 10, 9, 0, -3);
    size_t done = p_hole(&h);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, done, OP_BEQ, 10, 0, p_here(&h));
    p_op(&h, OP_HALT, 0, 0, 0, 0);
    p_load(&h, r);
    struct prog p;
    p_init(&p, CODE);
    p_enable(&p);
    uint64_t k = p_arm(&p, 5);
    for (int i = 0; i < 50; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 10000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0);
    CU_ASSERT_EQUAL(REG(r, 9), 3);
    CU_ASSERT_EQUAL(REG(r, 7), 5);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), CODE + 4 * (uint32_t)(k + 5));
    rig_free(r);
}

/* Acknowledging by writing timer: with 0 the program then runs to its end;
 * with the next interval the timer is periodic (interrupt count checked
 * against a model of section 8.1 computed here). */
static void timer_ack(uint32_t period)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_ADDI, 9, 9, 0, 1);
    p_op(&h, OP_ADDI, 11, 0, 0, (int32_t)period);
    p_op(&h, OP_MTCR, 11, 0, 0, CR_TIMER);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_load(&h, r);
    struct prog p;
    p_init(&p, CODE);
    p_enable(&p);
    const uint32_t first = 20, body = 200;
    uint64_t k = p_arm(&p, first);
    for (uint32_t i = 0; i < body; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_op(&p, OP_HALT, 7, 0, 0, 0);
    p_load(&p, r);

    /* the model: retired count, when the timer is due, main's progress */
    uint64_t cnt = k, due = k + first;
    uint32_t main_done = 0, ints = 0;
    for (int guard = 0; main_done < body + 1 && guard < 1000000; guard++) {
        if (due && cnt >= due) {
            ints++;
            due = 0;
            cnt += 3; /* addi, addi, mtcr timer (the third) */
            due = period ? cnt + period : 0;
            cnt += 1; /* rfe */
            continue;
        }
        main_done++;
        cnt++;
    }
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, body);
    CU_ASSERT_EQUAL(REG(r, 9), ints);
    CU_ASSERT_EQUAL(CPU(r)->instret, cnt);
    CU_ASSERT(period == 0 ? ints == 1 : ints > 5);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
    rig_free(r);
}

static void test_timer_ack_disarm(void) { timer_ack(0); }
static void test_timer_ack_periodic(void) { timer_ack(20); }
/* interval 2: the handler's rfe retires, then one instruction of the
 * program, then the next interrupt */
static void test_timer_ack_periodic_2(void) { timer_ack(2); }

/* wfi jumps to the timer: the cycles in between are idle, counted in
 * cycles but not in instret, and the interrupt's epc is the instruction
 * after the wfi.  (wfi is instruction K+1 and retires; the CPU then idles
 * until the cycle count reaches K+N.) */
static void test_timer_wfi_fast_forward(void)
{
    const uint32_t ns[] = {1, 2, 50, 1000000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint32_t n = ns[i];
        struct rig *r = rig_new(ISA_PG, false);
        struct prog p;
        p_init(&p, CODE);
        p_enable(&p);
        uint64_t k = p_arm(&p, n);
        uint32_t w = p_op(&p, OP_WFI, 0, 0, 0, 0);
        p_op(&p, OP_ADDI, 7, 0, 0, 1);
        p_end(&p);
        p_load(&p, r);
        CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
        CU_ASSERT_EQUAL(r->exit.value, 0);
        CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_TIMER);
        CU_ASSERT_EQUAL(CRV(r, CR_EPC), w + 4);
        CU_ASSERT_EQUAL(REG(r, 7), 0);
        CU_ASSERT_EQUAL(CPU(r)->instret, k + 2); /* wfi, the handler's halt */
        uint64_t idle = (k + n > k + 1) ? (k + n) - (k + 1) : 0;
        CU_ASSERT_EQUAL(CPU(r)->cycles, CPU(r)->instret + idle);
        CU_ASSERT_EQUAL(CPU(r)->cycles - CPU(r)->instret, idle);
        if (CPU(r)->cycles != CPU(r)->instret + idle)
            fprintf(stderr, "\n  N=%u: instret %llu cycles %llu, expected idle %llu", n,
                    (unsigned long long)CPU(r)->instret, (unsigned long long)CPU(r)->cycles,
                    (unsigned long long)idle);
        rig_free(r);
    }
}

/* wfi wakes on a pending interrupt even with IE = 0, and goes on at the
 * next instruction without a trap; if one is already pending it does not
 * wait at all. */
static void test_timer_wfi_ie_off(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    const uint32_t n = 40;
    uint64_t k = p_arm(&p, n);
    p_op(&p, OP_WFI, 0, 0, 0, 0);        /* K+1: idles to K+N */
    p_op(&p, OP_ADDI, 7, 0, 0, 7);       /* K+2 */
    p_op(&p, OP_WFI, 0, 0, 0, 0);        /* K+3: already pending: no wait */
    p_op(&p, OP_HALT, 7, 0, 0, 0);       /* K+4 */
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 7);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), 0);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + 4);
    CU_ASSERT_EQUAL(CPU(r)->cycles, k + n + 3);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), CAUSE_TIMER);
    rig_free(r);
}

/* wfi with nothing that could ever wake the CPU: deadlock. */
static void test_timer_wfi_deadlock(void)
{
    for (int variant = 0; variant < 3; variant++) {
        struct rig *r = rig_new(ISA_PG, false);
        struct prog p;
        p_init(&p, CODE);
        p_enable(&p);
        if (variant == 1) { /* armed, then disarmed */
            p_arm(&p, 10);
            p_op(&p, OP_MTCR, 0, 0, 0, CR_TIMER);
        }
        if (variant == 2) { /* console interrupt on, but the input has ended */
            p_op(&p, OP_ADDI, 5, 0, 0, CON_CTRL_RXIE);
            p_op(&p, OP_OUT, 5, 0, 0, PORT_CON_CTRL);
        }
        p_op(&p, OP_WFI, 0, 0, 0, 0);
        p_end(&p);
        p_load(&p, r);
        CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_DEADLOCK);
        CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), 0);
        rig_free(r);
    }
}

void suite_timer(void)
{
    CU_pSuite s = CU_add_suite("timer", NULL, NULL);
    CU_add_test(s, "interrupt before instruction K+N+1, small N", test_timer_exact_small);
    CU_add_test(s, "interrupt before instruction K+N+1, large N in a loop", test_timer_exact_loop);
    CU_add_test(s, "a trapping instruction does not count", test_timer_counts_retired_only);
    CU_add_test(s, "reading timer counts down", test_timer_reads_count_down);
    CU_add_test(s, "writing 0 disarms", test_timer_disarm);
    CU_add_test(s, "pending with IE=0, taken when IE is set", test_timer_pending_until_ie);
    CU_add_test(s, "not acknowledged: taken again at once", test_timer_not_acknowledged_repeats);
    CU_add_test(s, "acknowledged with 0", test_timer_ack_disarm);
    CU_add_test(s, "acknowledged with the next interval: periodic", test_timer_ack_periodic);
    CU_add_test(s, "periodic with interval 2", test_timer_ack_periodic_2);
    CU_add_test(s, "wfi fast-forwards to the timer", test_timer_wfi_fast_forward);
    CU_add_test(s, "wfi with IE=0 wakes and goes on", test_timer_wfi_ie_off);
    CU_add_test(s, "wfi with nothing armed: deadlock", test_timer_wfi_deadlock);
}
