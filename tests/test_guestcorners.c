/*
 * test_guestcorners.c - the corners of docs/isa.md section 14 that
 * generated guests reach rarely or never, each a small program run by the
 * guest-mode difftest (difftest_run_guest): the fast machine and the
 * reference must agree step by step, and the reference must do what the
 * section says (checked here too, so that agreeing on something else
 * fails).
 *
 * Memory: 1 MiB; with nested paging guest-physical = host-physical
 * through an identity host table at HROOT (so that a case can take a
 * right away from one page), code at CODE, data at DATA.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "difftest.h"
#include "prog.h"

#define MEM (1u << 20)
#define HROOT 0x80000u
#define HL2 0x81000u
#define GL1 0x8000u /* the guest's table: identity, U, for 0 - 4 MiB */
#define GL2 0x9000u
#define DATA 0x3000u
#define RWX (PTE_V | PTE_R | PTE_W | PTE_X)

struct pair {
    struct machine *m;
    struct ref_machine *r;
    struct difftest *d;
    struct guest_control gc[2];
    struct vm_exit x;
};

static void put(struct pair *p, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    machine_write_phys(p->m, pa, b, 4);
    ref_write_phys(p->r, pa, b, 4);
}

static uint32_t get(struct pair *p, uint32_t pa)
{
    uint8_t b[4];
    ref_read_phys(p->r, pa, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void host_map(struct pair *p, uint32_t gpa, uint32_t bits) { put(p, HL2 + 4 * VA_L2(gpa), gpa | bits); }

static void cpu_cr(struct pair *p, enum cr cr, uint32_t v)
{
    machine_set_cr(p->m, cr, v);
    ref_set_cr(p->r, cr, v);
}

/* Both machines, the host and guest tables, the program at CODE, and a
 * control block: supervisor, nested paging as asked, nothing exiting. */
static void make(struct pair *p, enum isa_variant v, const struct prog *code, bool nested)
{
    char err[200];
    struct machine_config mc = {.mem_size = MEM, .isa = v};
    struct ref_config rc = {.mem_size = MEM, .isa = v};
    memset(p, 0, sizeof *p);
    p->m = machine_new(&mc, err, sizeof err);
    p->r = ref_new(&rc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->r);
    put(p, HROOT, HL2 | PTE_V);
    put(p, GL1, GL2 | PTE_V);
    for (uint32_t a = 0; a < 0x40000; a += PAGE_SIZE) {
        host_map(p, a, RWX);
        put(p, GL2 + 4 * VA_L2(a), a | RWX | PTE_U);
    }
    for (size_t i = 0; i < code->n; i++)
        put(p, code->base + 4 * (uint32_t)i, code->w[i]);
    machine_cpu(p->m)->pc = ref_cpu(p->r)->pc = code->base;
    p->d = difftest_new(p->m, p->r, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->d);
    difftest_seed(p->d);
    p->gc[0] = (struct guest_control){.nested = nested, .nested_root = HROOT};
    p->gc[0].cr[CR_STATUS] = SR_S;
    p->gc[0].cr[CR_PTB] = GL1;
    p->gc[1] = p->gc[0];
}

/* Run both to an exit; false (and the report) if they differ. */
static enum exit_reason run(struct pair *p, uint64_t budget)
{
    p->gc[1] = p->gc[0]; /* the host's changes, on both */
    enum exit_reason why = difftest_run_guest(p->d, &p->gc[0], &p->gc[1], budget, &p->x);
    const struct difftest_result *res = difftest_result(p->d);
    if (res->differ) {
        fprintf(stderr, "\n  guestcorners: %s\n", res->report);
        CU_FAIL("the fast machine and the reference differ in guest mode");
    }
    return why;
}

static void pc_to(struct pair *p, uint32_t pc) { machine_cpu(p->m)->pc = ref_cpu(p->r)->pc = pc; }

static void unmake(struct pair *p)
{
    if (!difftest_result(p->d)->differ)
        CU_ASSERT(difftest_check_memory(p->d));
    difftest_free(p->d);
    machine_free(p->m);
    ref_free(p->r);
}

/* x86like's rdsr and rdptb in guest user mode read the guest's own status
 * and ptb, the read shadows, while the host runs its own paging. */
static void test_user_mode_reads_shadows(void)
{
    struct prog c;
    p_init(&c, CODE);
    p_op(&c, OP_RDSR, 5, 0, 0, 0);
    p_op(&c, OP_RDPTB, 6, 0, 0, 0);
    p_op(&c, OP_HALT, 0, 0, 0, 0); /* privileged in user mode: exits */
    struct pair p;
    make(&p, ISA_X86LIKE, &c, false);
    cpu_cr(&p, CR_PTB, GL1); /* the host's identity table, paging on */
    cpu_cr(&p, CR_STATUS, SR_S | SR_PG);
    p.gc[0].ptb_owned = true;
    p.gc[0].status_owned = SR_PG;
    p.gc[0].cr[CR_STATUS] = 0; /* user mode, paging off as the guest sees it */
    p.gc[0].cr[CR_PTB] = 0x5000;
    p.gc[0].cause_exits = EXIT_ON(CAUSE_PRIV);
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_TRAP);
    CU_ASSERT_EQUAL(ref_cpu(p.r)->r[5], 0u);
    CU_ASSERT_EQUAL(ref_cpu(p.r)->r[6], 0x5000u);
    unmake(&p);
}

/* Exit controls name system instructions only; only PG may be owned. */
static void test_controls_outside_their_range(void)
{
    struct prog c;
    p_init(&c, CODE);
    p_op(&c, OP_ADDI, 5, 0, 0, 7);
    p_op(&c, OP_ADDI, 9, 0, 0, SR_S | SR_IE);
    p_op(&c, OP_MTCR, 9, 0, 0, CR_STATUS); /* IE is not ownable: runs */
    p_op(&c, OP_HALT, 5, 0, 0, 0);
    struct pair p;
    make(&p, ISA_PG, &c, true);
    guest_control_exit_on_insn(&p.gc[0], OP_ADDI);
    p.gc[0].status_owned = SR_IE | SR_PG;
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_HALT);
    CU_ASSERT_EQUAL(p.x.value, 7u);
    CU_ASSERT_EQUAL(p.gc[0].cr[CR_STATUS], SR_S | SR_IE);
    unmake(&p);
}

/* An intercepted instruction's decoded fields are isa_decode's: an
 * immediate's high bits are not a register (a port of 0x1234 has no rc). */
static void test_intercepted_fields(void)
{
    struct prog c;
    p_init(&c, CODE);
    p_op(&c, OP_OUT, 5, 0, 0, 0x1234);
    p_op(&c, OP_IN, 6, 0, 0, 0xfedc);
    struct pair p;
    make(&p, ISA_PG, &c, true);
    guest_control_exit_on_insn(&p.gc[0], OP_OUT);
    guest_control_exit_on_insn(&p.gc[0], OP_IN);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(run(&p, 10), EXIT_INSN);
        struct isa_fields want;
        CU_ASSERT(isa_decode(c.w[i], &want));
        CU_ASSERT(p.x.decoded);
        CU_ASSERT(p.x.fields.op == want.op && p.x.fields.ra == want.ra && p.x.fields.rb == want.rb &&
                  p.x.fields.rc == want.rc && p.x.fields.imm == want.imm);
        CU_ASSERT_EQUAL(p.x.fields.rc, 0);
        pc_to(&p, CODE + 4);
    }
    unmake(&p);
}

/* With the guest's paging off, the host's translations are cached: a
 * right the host takes away without a flush keeps allowing, until the
 * guest's tlbflushv of that address (flushed with the first TLB). */
static void test_paging_off_tlb_and_flushes(void)
{
    for (int flush = 0; flush < 3; flush++) {
        struct prog c;
        p_init(&c, CODE);
        p_li(&c, 5, DATA);
        p_op(&c, OP_SW, 5, 5, 0, 0); /* fills the stage-2 entry, writable */
        p_op(&c, OP_HALT, 0, 0, 0, 0);
        uint32_t again = p_here(&c);
        if (flush == 1)
            p_op(&c, OP_TLBFLUSHV, 5, 0, 0, 0);
        if (flush == 2)
            p_op(&c, OP_TLBFLUSH, 0, 0, 0, 0);
        p_op(&c, OP_SW, 0, 5, 0, 4);
        p_op(&c, OP_HALT, 0, 0, 0, 0);
        struct pair p;
        make(&p, ISA_PG, &c, true);
        CU_ASSERT_EQUAL(run(&p, 20), EXIT_HALT);
        host_map(&p, DATA, PTE_V | PTE_R | PTE_X); /* no W now, no flush */
        put(&p, DATA + 4, 0x5a5a5a5a);
        pc_to(&p, again);
        enum exit_reason why = run(&p, 20);
        if (flush) {
            CU_ASSERT_EQUAL(why, EXIT_NESTED_FAULT);
            CU_ASSERT_EQUAL(p.x.addr, DATA + 4);
            CU_ASSERT_EQUAL(p.x.cause, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE);
            CU_ASSERT_FALSE(p.x.in_walk);
        } else {
            CU_ASSERT_EQUAL(why, EXIT_HALT);
            CU_ASSERT_EQUAL(get(&p, DATA + 4), 0u);
        }
        unmake(&p);
    }
}

/* A fetch the host refuses: FETCH in the cause, guest_va the pc; the
 * guest's own A is set only after the host allowed the page. */
static void test_fetch_refused(void)
{
    struct prog c;
    p_init(&c, CODE);
    p_op(&c, OP_JAL, 0, 0, 0, (int32_t)(DATA - CODE));
    struct pair p;
    make(&p, ISA_PG, &c, true);
    p.gc[0].cr[CR_STATUS] = SR_S | SR_PG;
    put(&p, GL2 + 4 * VA_L2(DATA), DATA | RWX | PTE_U); /* A clear */
    host_map(&p, DATA, PTE_V | PTE_R | PTE_W);           /* not executable */
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_NESTED_FAULT);
    CU_ASSERT_EQUAL(p.x.pc, DATA);
    CU_ASSERT_EQUAL(p.x.guest_va, DATA);
    CU_ASSERT_EQUAL(p.x.addr, DATA);
    CU_ASSERT_EQUAL(p.x.cause, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_FETCH);
    CU_ASSERT_EQUAL(p.x.access, ACCESS_FETCH);
    CU_ASSERT_EQUAL(get(&p, GL2 + 4 * VA_L2(DATA)) & PTE_A, 0u);
    unmake(&p);
}

/* The guest's walk sets A and D in its own entries even where the host
 * maps its table read-only: table entries are checked for R only. */
static void test_ad_through_a_read_only_table(void)
{
    struct prog c;
    p_init(&c, CODE);
    p_li(&c, 5, DATA);
    p_op(&c, OP_SW, 5, 5, 0, 0);
    p_op(&c, OP_HALT, 0, 0, 0, 0);
    struct pair p;
    make(&p, ISA_PG, &c, true);
    p.gc[0].cr[CR_STATUS] = SR_S | SR_PG;
    put(&p, GL2 + 4 * VA_L2(DATA), DATA | RWX);
    host_map(&p, GL2, PTE_V | PTE_R);
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_HALT);
    CU_ASSERT_EQUAL(get(&p, GL2 + 4 * VA_L2(DATA)), DATA | RWX | PTE_A | PTE_D);
    unmake(&p);
}

/* Entries: under another nested root or with nesting switched, the TLB
 * starts empty; ownership alone changes nothing; a bare run after a
 * nested guest starts empty too. */
static void test_entry_contexts(void)
{
    struct prog c;
    p_init(&c, CODE);
    p_li(&c, 5, DATA);
    p_op(&c, OP_LW, 6, 5, 0, 0);
    p_op(&c, OP_HALT, 0, 0, 0, 0);
    struct pair p;
    make(&p, ISA_PG, &c, true);
    p.gc[0].cr[CR_STATUS] = SR_S | SR_PG;
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_HALT);
    unsigned slot = (DATA >> PAGE_SHIFT) % TLB_ENTRIES;
    CU_ASSERT(ref_tlb(p.r)->slot[slot].valid);
    p.gc[0].status_owned = SR_PG; /* owned now, the same value */
    run(&p, 0);
    CU_ASSERT(ref_tlb(p.r)->slot[slot].valid);
    p.gc[0].nested = false; /* the same ptb, not nested */
    run(&p, 0);
    CU_ASSERT_FALSE(ref_tlb(p.r)->slot[slot].valid);
    pc_to(&p, CODE);
    p.gc[0].nested = true;
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_HALT);
    CU_ASSERT(ref_tlb(p.r)->slot[slot].valid);
    struct vm_exit x;
    difftest_run(p.d, 0, &x); /* outside guest mode */
    CU_ASSERT_FALSE(difftest_result(p.d)->differ);
    CU_ASSERT_FALSE(ref_tlb(p.r)->slot[slot].valid);
    unmake(&p);
}

/* At entry, before the first instruction: an exiting interrupt with IE
 * clear, the window with IE set, and nothing at all with a budget of 0. */
static void test_at_entry(void)
{
    struct prog c;
    p_init(&c, CODE);
    p_op(&c, OP_HALT, 0, 0, 0, 0);
    struct pair p;
    make(&p, ISA_PG, &c, true);
    CU_ASSERT_EQUAL(run(&p, 0), EXIT_BUDGET);
    cpu_cr(&p, CR_TIMER, 1);
    p.gc[0].cause_exits = EXIT_ON(CAUSE_TIMER);
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_HALT); /* not pending yet at the first instruction */
    pc_to(&p, CODE);
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_INTERRUPT);
    CU_ASSERT_EQUAL(ref_cpu(p.r)->instret, 1u);
    cpu_cr(&p, CR_TIMER, 0);
    p.gc[0].cr[CR_STATUS] = SR_S | SR_IE;
    p.gc[0].irq_window = true;
    CU_ASSERT_EQUAL(run(&p, 10), EXIT_IRQ_WINDOW);
    CU_ASSERT_EQUAL(ref_cpu(p.r)->instret, 1u);
    unmake(&p);
}

void suite_guestcorners(void)
{
    CU_pSuite s = CU_add_suite("guestcorners", NULL, NULL);
    CU_add_test(s, "user-mode rdsr and rdptb read the shadows", test_user_mode_reads_shadows);
    CU_add_test(s, "exit bits of an add and an owned IE do nothing", test_controls_outside_their_range);
    CU_add_test(s, "an intercepted instruction's fields are isa_decode's", test_intercepted_fields);
    CU_add_test(s, "the paging-off TLB: stale until tlbflushv or tlbflush", test_paging_off_tlb_and_flushes);
    CU_add_test(s, "a refused fetch: FETCH, guest_va, A left clear", test_fetch_refused);
    CU_add_test(s, "A and D through a host read-only guest table", test_ad_through_a_read_only_table);
    CU_add_test(s, "entry contexts: root, nesting, ownership, a bare run", test_entry_contexts);
    CU_add_test(s, "at entry: an exiting interrupt, the window, budget 0", test_at_entry);
}
