/*
 * test_stepping.c - what the fast machine does must not depend on how its
 * run is cut into machine_run calls or blocks, only on the manual; the
 * difftest (tests/test_difftest.c) steps it one instruction at a time and
 * found two places where it did.  Each case here shows the difference on
 * the fast machine alone, with expectations from docs/isa.md:
 *
 *   - The boundary between two instructions belongs to neither: an
 *     interrupt that becomes pending there is taken before the next
 *     instruction is even fetched (section 6: "Before each instruction, if
 *     IE = 1 and an interrupt is pending, the interrupt is taken
 *     instead").  The machine used to translate the next page's fetch at
 *     the end of a block, so a jump to an unmapped page followed by a
 *     timer interrupt delivered the fetch fault first, and the interrupt
 *     was lost behind IE = 0.
 *   - The one-entry instruction TLB keeps the page being executed until
 *     execution leaves the page, a trap is taken or a system instruction
 *     runs (section 7).  The machine used to forget it whenever machine_run
 *     returned or a device event ended a block, and translated again: after
 *     a kernel changed its code page's mapping without a flush (and the
 *     page's TLB entry had been evicted), the next instruction came from
 *     the new frame or faulted.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>

#include "prog.h"
#include "pt.h"
#include "rig.h"

#define L1 0x10000u
#define POOL 0x11000u
#define OUTSIDE (RIG_MEM + 0x1000u) /* paging off: past the end of memory */
#define UNMAPPED 0x00800000u        /* paging on: no level-1 entry */

/* Page tables for the boundary tests: code and handler identity-mapped,
 * supervisor R X, with A set; nothing at UNMAPPED. */
static void map_code(struct rig *r)
{
    struct pt pt;
    pt_init(&pt, r, L1, POOL);
    pt_identity(&pt, 0, 1, PTE_V | PTE_R | PTE_X | PTE_A);
    pt_identity(&pt, CODE, 1, PTE_V | PTE_R | PTE_X | PTE_A);
    machine_set_cr(r->m, CR_PTB, L1);
}

/* A timer interrupt becomes pending right after a jump to a page that
 * cannot be fetched: the interrupt is taken, with epc = the target;
 * the fetch fault would come only after the handler returned. */
static void interrupt_before_fetch(bool hosted, bool paging)
{
    struct rig *r = rig_new(ISA_PG, hosted);
    if (paging)
        map_code(r);
    uint32_t target = paging ? UNMAPPED : OUTSIDE;
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 6, target);
    p_op(&p, OP_ADDI, 5, 0, 0, 2);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TIMER); /* instruction K = 4: pending when 6 have retired */
    p_op(&p, OP_ADDI, 0, 0, 0, 0);        /* 5 */
    p_op(&p, OP_JALR, 0, 6, 0, 0);        /* 6: then the interrupt, before the target's fetch */
    p_load(&p, r);
    machine_set_cr(r->m, CR_STATUS, SR_S | SR_IE | (paging ? SR_PG : 0));
    CPU(r)->pc = CODE;
    enum exit_reason why = rig_run(r, 100);
    uint32_t cause, epc;
    if (hosted) {
        CU_ASSERT_EQUAL(why, EXIT_INTERRUPT);
        cause = r->exit.cause;
        epc = r->exit.pc;
    } else {
        CU_ASSERT_EQUAL(why, EXIT_HALT); /* the handler's halt */
        cause = CRV(r, CR_CAUSE);
        epc = CRV(r, CR_EPC);
    }
    CU_ASSERT_EQUAL(cause, CAUSE_TIMER);
    CU_ASSERT_EQUAL(epc, target);
    CU_ASSERT_EQUAL(CPU(r)->instret, hosted ? 6 : 7);
    if (cause != CAUSE_TIMER || epc != target)
        fprintf(stderr, "\n  %s, paging %s: cause 0x%x epc 0x%08x (want the timer at 0x%08x)",
                hosted ? "hosted" : "bare", paging ? "on" : "off", cause, epc, target);
    rig_free(r);
}

static void test_interrupt_before_next_fetch(void)
{
    for (int hosted = 0; hosted < 2; hosted++)
        for (int paging = 0; paging < 2; paging++)
            interrupt_before_fetch(hosted, paging);
}

/* With a budget of one the jump retires and machine_run returns: the
 * next instruction's fetch (and its fault) belongs to the next call. */
static void test_budget_ends_before_next_fetch(void)
{
    for (int hosted = 0; hosted < 2; hosted++) {
        struct rig *r = rig_new(ISA_PG, hosted);
        struct prog p;
        p_init(&p, CODE);
        p_li(&p, 6, OUTSIDE);
        uint32_t jump = p_op(&p, OP_JALR, 0, 6, 0, 0);
        p_load(&p, r);
        CU_ASSERT_EQUAL(rig_run(r, 2), EXIT_BUDGET);
        CU_ASSERT_EQUAL(rig_run(r, 1), EXIT_BUDGET);
        CU_ASSERT_EQUAL(CPU(r)->pc, OUTSIDE);
        CU_ASSERT_EQUAL(CRV(r, CR_EPC), 0); /* nothing delivered yet */
        CU_ASSERT_EQUAL(CPU(r)->instret, 3);
        /* and the next call takes the fault, at the target */
        enum exit_reason why = rig_run(r, 1);
        uint32_t cause = hosted ? r->exit.cause : CRV(r, CR_CAUSE);
        CU_ASSERT_EQUAL(why, hosted ? EXIT_TRAP : EXIT_HALT);
        CU_ASSERT_EQUAL(cause, CAUSE_BUS_ERROR | CAUSE_FETCH);
        CU_ASSERT_EQUAL(hosted ? r->exit.pc : CRV(r, CR_EPC), OUTSIDE);
        (void)jump;
        rig_free(r);
    }
}

/*
 * The instruction TLB.  The code page CODE runs from frame F1; its
 * level-2 entry is rewritten to point at F2 (the same code, but the
 * instruction that sets a0 says 2 instead of 1), and a load from the page
 * 64 pages up evicts the code page's TLB entry.  No flush, no trap, no
 * system instruction, no page change: the manual keeps the old
 * translation, so a0 = 1, however the run is sliced.
 */
#define F1 CODE
#define F2 0x20000u
#define ALIAS (CODE + TLB_ENTRIES * PAGE_SIZE) /* same TLB slot as CODE */
#define ALIAS_FRAME 0x30000u

enum slicing { ONE_RUN, ONE_STEP_AT_A_TIME, TIMER_EVENT, NSLICINGS };
static const char *const slicing_name[NSLICINGS] = {"one machine_run", "machine_run(1) each",
                                                    "a timer event (IE = 0) in the middle"};

static void build_remap(struct rig *r, uint32_t value_here, uint32_t base, struct pt *pt, bool arm)
{
    struct prog p;
    p_init(&p, base);
    p_li(&p, 5, pt_l2e(pt, CODE));                       /* the code page's level-2 entry */
    p_li(&p, 6, F2 | PTE_V | PTE_R | PTE_X | PTE_A);
    p_li(&p, 7, ALIAS);
    if (arm) {                                            /* a timer event, IE = 0: ends a block */
        p_op(&p, OP_ADDI, 8, 0, 0, 4);
        p_op(&p, OP_MTCR, 8, 0, 0, CR_TIMER);
    } else {
        p_op(&p, OP_ADDI, 0, 0, 0, 0);
        p_op(&p, OP_ADDI, 0, 0, 0, 0);
    }
    p_op(&p, OP_SW, 6, 5, 0, 0);                          /* remap the code page, no flush */
    p_op(&p, OP_LW, 9, 7, 0, 0);                          /* evict its TLB entry */
    p_op(&p, OP_ADDI, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 10, 0, 0, (int32_t)value_here);     /* a0 = 1 in F1, 2 in F2 */
    p_op(&p, OP_HALT, 10, 0, 0, 0);
    /* the code runs at CODE; it is placed in its frame */
    for (size_t i = 0; i < p.n; i++)
        rig_poke32(r, base + 4 * (uint32_t)i, p.w[i]);
}

static void itlb_case(enum slicing how)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct pt pt;
    pt_init(&pt, r, L1, POOL);
    pt_identity(&pt, 0, 1, PTE_V | PTE_R | PTE_X | PTE_A);
    pt_map(&pt, CODE, F1, PTE_V | PTE_R | PTE_X | PTE_A);
    pt_map(&pt, ALIAS, ALIAS_FRAME, PTE_V | PTE_R | PTE_A);
    pt_identity(&pt, L1, 2, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    build_remap(r, 1, F1, &pt, how == TIMER_EVENT);
    build_remap(r, 2, F2, &pt, how == TIMER_EVENT);
    machine_set_cr(r->m, CR_PTB, L1);
    machine_set_cr(r->m, CR_STATUS, SR_S | SR_PG);
    CPU(r)->pc = CODE;
    enum exit_reason why;
    if (how == ONE_STEP_AT_A_TIME)
        do
            why = rig_run(r, 1);
        while (why == EXIT_BUDGET && CPU(r)->instret < 100);
    else
        why = rig_run(r, 100);
    CU_ASSERT_EQUAL(why, EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 1);
    if (why != EXIT_HALT || r->exit.value != 1)
        fprintf(stderr, "\n  %s: exit %d, value %u, cause 0x%x (want halt with 1: the old frame)",
                slicing_name[how], (int)why, r->exit.value, CRV(r, CR_CAUSE));
    rig_free(r);
}

static void test_itlb_survives_slicing(void)
{
    for (int how = 0; how < NSLICINGS; how++)
        itlb_case((enum slicing)how);
}

/* ...and it is dropped where the manual says: a system instruction (here
 * tlbflush) after the remap makes the next fetch translate again. */
static void test_itlb_dropped_by_system_instruction(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct pt pt;
    pt_init(&pt, r, L1, POOL);
    pt_identity(&pt, 0, 1, PTE_V | PTE_R | PTE_X | PTE_A);
    pt_map(&pt, CODE, F1, PTE_V | PTE_R | PTE_X | PTE_A);
    pt_identity(&pt, L1, 2, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    for (int f = 0; f < 2; f++) {
        struct prog p;
        p_init(&p, f ? F2 : F1);
        p_li(&p, 5, pt_l2e(&pt, CODE));
        p_li(&p, 6, F2 | PTE_V | PTE_R | PTE_X | PTE_A);
        p_op(&p, OP_SW, 6, 5, 0, 0);
        p_op(&p, OP_TLBFLUSH, 0, 0, 0, 0);
        p_op(&p, OP_ADDI, 10, 0, 0, f ? 2 : 1);
        p_op(&p, OP_HALT, 10, 0, 0, 0);
        for (size_t i = 0; i < p.n; i++)
            rig_poke32(r, p.base + 4 * (uint32_t)i, p.w[i]);
    }
    machine_set_cr(r->m, CR_PTB, L1);
    machine_set_cr(r->m, CR_STATUS, SR_S | SR_PG);
    CPU(r)->pc = CODE;
    CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 2);
    rig_free(r);
}

void suite_stepping(void)
{
    CU_pSuite s = CU_add_suite("stepping", NULL, NULL);
    CU_add_test(s, "an interrupt at a boundary comes before the next page's fetch", test_interrupt_before_next_fetch);
    CU_add_test(s, "a budget of one ends before the next instruction's fetch", test_budget_ends_before_next_fetch);
    CU_add_test(s, "the instruction TLB survives machine_run calls and device events", test_itlb_survives_slicing);
    CU_add_test(s, "a system instruction drops the instruction TLB", test_itlb_dropped_by_system_instruction);
}
