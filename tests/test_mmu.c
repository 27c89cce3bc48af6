/*
 * test_mmu.c - paging as docs/isa.md section 7 describes it: the two-level
 * walk, A and D written back to the level-2 entry, every page fault and its
 * cause word, bus errors from the walk, the TLB's staleness until a flush
 * (tlbflushv, tlbflush, writing ptb, toggling PG), direct-mapped eviction,
 * the one-entry instruction TLB, and self-modifying code.
 *
 * Every expected value is computed here from the manual: cause words from
 * the detail-bit table of section 6, PTE words from the bit layout of
 * section 7.  Programs run on a bare rig whose page tables are built in its
 * memory by tests/pt.h; the default trap handler (halt r0 at HANDLER) stops
 * the machine so the saved state can be inspected, and a program that runs
 * to its end halts with MAGIC instead.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "ptwalk.h"

#include "broken_rule.h"
#include "prog.h"
#include "pt.h"
#include "rig.h"

/* Physical layout of the rig's 1 MiB for these tests. */
#define L1 0x10000u     /* level-1 table; level-2 tables follow it */
#define POOL 0x11000u
#define PT_PAGES 8u     /* 0x10000..0x17fff: identity-mapped so programs can edit PTEs */
#define FA 0x30000u     /* data frames */
#define FB 0x31000u
#define FC 0x32000u
#define FD 0x33000u
#define F1 0x34000u     /* two code frames for the instruction-TLB test */
#define F2 0x35000u
#define OUTSIDE 0x0ff00000u /* a frame far past the end of physical memory */

/* Virtual pages.  TLB entry = vpn mod 64: handler 0, code 1-2, tables
 * 16-23; VA1 and VA2 share entry 5, VA3 is entry 6, VC entry 4, VALIAS 5
 * (used in a test that does not touch VA1). */
#define VA1 0x12345000u /* L1 index 0x48, L2 index 0x345 */
#define VA2 0x12385000u /* VA1 + 64 pages: same TLB entry */
#define VA3 0x12346000u /* VA1 + 1 page: the next TLB entry */
#define VC 0x00404000u
#define VALIAS 0x00405000u

#define MAGIC 0x600du /* a program that reaches its end halts with this */

#define WA 0xa1a1a1a1u /* the first word of FA, FB, FC, FD */
#define WB 0xb2b2b2b2u
#define WC 0xc3c3c3c3u
#define WD 0xd4d4d4d4u

#define PF CAUSE_PAGE_FAULT

/* A rig with paging on: handler page (supervisor R X), two code pages
 * (R X U), the page tables themselves (supervisor R W), identity-mapped. */
static struct rig *mmu_rig(struct pt *pt, bool user)
{
    struct rig *r = rig_new(ISA_PG, false);
    pt_init(pt, r, L1, POOL);
    pt_map(pt, 0, 0, PTE_V | PTE_R | PTE_X);
    pt_identity(pt, CODE, 2, PTE_V | PTE_R | PTE_X | PTE_U);
    pt_identity(pt, L1, PT_PAGES, PTE_V | PTE_R | PTE_W);
    rig_poke32(r, FA, WA);
    rig_poke32(r, FB, WB);
    rig_poke32(r, FC, WC);
    rig_poke32(r, FD, WD);
    machine_set_cr(r->m, CR_PTB, L1);
    machine_set_cr(r->m, CR_STATUS, SR_PG | (user ? 0 : SR_S));
    return r;
}

static void p_end(struct prog *p)
{
    p_li(p, 13, MAGIC);
    p_op(p, OP_HALT, 13, 0, 0, 0);
}

/* Run to the end; the program must reach its halt (no trap). */
static bool run_clean(struct rig *r)
{
    enum exit_reason why = rig_run(r, 1000000);
    bool ok = why == EXIT_HALT && r->exit.value == MAGIC && CRV(r, CR_CAUSE) == 0;
    RULE(ok, "the program trapped where every access should have been allowed",
         "cause %s at epc 0x%08x, badaddr 0x%08x (exit reason %d, halt value 0x%x)", say_cause(CRV(r, CR_CAUSE)),
         CRV(r, CR_EPC), CRV(r, CR_BADADDR), (int)why, r->exit.value);
    return ok;
}

/* --- the walk ------------------------------------------------------------- */

/* A page-table entry as the manual says it is by now. */
#define expect_pte(got, want, rule) expect_pte_at(__FILE__, __LINE__, (got), (want), (rule))
static void expect_pte_at(const char *file, int line, uint32_t got, uint32_t want, const char *rule)
{
    rule_check(got == want, file, line, rule, "entry %s, should be %s: %s", say_pte(got), say_pte(want),
               say_pte_diff(got, want));
}

static void test_walk_and_accessed_dirty(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    /* VA1 is only loaded from, VA3 only stored to; VA1's entry carries soft
     * bits, which hardware never touches. */
    uint32_t e1 = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W | 0xa80u);
    uint32_t e3 = pt_map(&pt, VA3, FB, PTE_V | PTE_R | PTE_W);
    uint32_t l1e = rig_peek32(r, pt_l1e(&pt, VA1));
    uint32_t ecode = pt_l2e(&pt, CODE), ehandler = pt_l2e(&pt, 0);
    rig_poke32(r, FA + 0x678, 0xdeadbeef);

    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_op(&p, OP_LW, 6, 5, 0, 0x678);
    p_li(&p, 9, VA3);
    p_li(&p, 7, 0xcafef00d);
    p_op(&p, OP_SW, 7, 9, 0, 0x10);
    p_end(&p);
    p_load(&p, r);
    run_clean(r);

    RULE(REG(r, 6) == 0xdeadbeef, "a load through the page table read the wrong word", "0x%08x, should be 0xdeadbeef",
         REG(r, 6));
    RULE(rig_peek32(r, FB + 0x10) == 0xcafef00d, "a store through the page table did not reach its frame",
         "word 0x%08x, should be 0xcafef00d", rig_peek32(r, FB + 0x10));
    RULE(rig_peek32(r, FA + 0x10) == 0, "a store through the page table reached another frame",
         "word 0x%08x in the frame of another page, should be 0", rig_peek32(r, FA + 0x10));
    /* A on a load, A and D on a store, written back to the level-2 entry */
    expect_pte(rig_peek32(r, e1), FA | PTE_V | PTE_R | PTE_W | 0xa80u | PTE_A,
               "a load did not set A (only A) in the level-2 entry, keeping the soft bits");
    expect_pte(rig_peek32(r, e3), FB | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D,
               "a store did not set A and D in the level-2 entry");
    /* A on a fetch, never D; untouched pages stay untouched */
    expect_pte(rig_peek32(r, ecode), CODE | PTE_V | PTE_R | PTE_X | PTE_U | PTE_A,
               "a fetch did not set A (only A) in the level-2 entry");
    expect_pte(rig_peek32(r, ehandler), 0 | PTE_V | PTE_R | PTE_X, "the entry of a page never used was written");
    /* the level-1 entry is never written */
    expect_pte(rig_peek32(r, pt_l1e(&pt, VA1)), l1e, "the walk wrote the level-1 entry (it never does)");
    rig_free(r);
}

/* Every byte of the level-2 index and offset matters: two pages that differ
 * only in L1 index, or only in L2 index, reach different frames. */
static void test_walk_indexes(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    const uint32_t va[4] = {0x00c07000u, 0x00c08000u, 0x01007000u, 0xffc07000u};
    const uint32_t fr[4] = {FA, FB, FC, FD};
    for (int i = 0; i < 4; i++)
        pt_map(&pt, va[i], fr[i], PTE_V | PTE_R);
    struct prog p;
    p_init(&p, CODE);
    for (int i = 0; i < 4; i++) {
        p_li(&p, 5, va[i]);
        p_op(&p, OP_LW, 6 + (unsigned)i, 5, 0, 0);
    }
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(REG(r, 7), WB);
    CU_ASSERT_EQUAL(REG(r, 8), WC);
    CU_ASSERT_EQUAL(REG(r, 9), WD);
    rig_free(r);
}

/* In a level-1 entry only V and the frame matter: permission bits there
 * grant nothing. */
static void test_l1_permission_bits_ignored(void)
{
    for (int user = 0; user < 2; user++) {
        struct pt pt;
        struct rig *r = mmu_rig(&pt, user);
        uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R); /* read-only, supervisor only */
        uint32_t l1a = pt_l1e(&pt, VA1);
        uint32_t l1e = rig_peek32(r, l1a) | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
        rig_poke32(r, l1a, l1e);
        struct prog p;
        p_init(&p, CODE);
        p_li(&p, 5, VA1);
        p_op(&p, user ? OP_LW : OP_SW, 7, 5, 0, 8);
        p_end(&p);
        p_load(&p, r);
        CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
        CU_ASSERT_EQUAL(r->exit.value, 0);
        CU_ASSERT_EQUAL(CRV(r, CR_CAUSE),
                        user ? (PF | CAUSE_PROT | CAUSE_USER) : (PF | CAUSE_PROT | CAUSE_WRITE));
        CU_ASSERT_EQUAL(CRV(r, CR_BADADDR), VA1 + 8);
        CU_ASSERT_EQUAL(rig_peek32(r, l1a), l1e);
        CU_ASSERT_EQUAL(rig_peek32(r, e), FA | PTE_V | PTE_R);
        rig_free(r);
    }
}

/* --- every fault ------------------------------------------------------------ */

enum acc { LD, ST, FE };
enum where {
    LEAF,       /* VA1's level-2 entry is `leaf` */
    L1_NONE,    /* VA1's level-1 entry is 0 */
    L1_NOV,     /* level-1 entry has frame and R W X U but not V; the leaf is valid */
    L1_OUTSIDE, /* level-1 entry points to a table past the end of memory */
};

struct fcase {
    const char *what;
    bool user;
    enum where where;
    uint32_t leaf;
    enum acc acc;
    uint32_t cause;
};

#define RWXU (PTE_R | PTE_W | PTE_X | PTE_U)
static const struct fcase fcases[] = {
    /* protection: U */
    {"user load, page without U", true, LEAF, FA | PTE_V | PTE_R | PTE_W | PTE_X, LD, PF | CAUSE_PROT | CAUSE_USER},
    {"user store, page without U", true, LEAF, FA | PTE_V | PTE_R | PTE_W | PTE_X, ST,
     PF | CAUSE_PROT | CAUSE_WRITE | CAUSE_USER},
    {"user fetch, page without U", true, LEAF, FA | PTE_V | PTE_R | PTE_W | PTE_X, FE,
     PF | CAUSE_PROT | CAUSE_FETCH | CAUSE_USER},
    /* protection: W */
    {"supervisor store, read-only page", false, LEAF, FA | PTE_V | PTE_R | PTE_X | PTE_U, ST,
     PF | CAUSE_PROT | CAUSE_WRITE},
    {"user store, read-only page", true, LEAF, FA | PTE_V | PTE_R | PTE_X | PTE_U, ST,
     PF | CAUSE_PROT | CAUSE_WRITE | CAUSE_USER},
    {"store, execute-only page", false, LEAF, FA | PTE_V | PTE_X, ST, PF | CAUSE_PROT | CAUSE_WRITE},
    /* protection: X */
    {"supervisor fetch, page without X", false, LEAF, FA | PTE_V | PTE_R | PTE_W | PTE_U, FE,
     PF | CAUSE_PROT | CAUSE_FETCH},
    {"user fetch, page without X", true, LEAF, FA | PTE_V | PTE_R | PTE_W | PTE_U, FE,
     PF | CAUSE_PROT | CAUSE_FETCH | CAUSE_USER},
    /* protection: R (execute-only and write-only pages) */
    {"supervisor load, execute-only page", false, LEAF, FA | PTE_V | PTE_X, LD, PF | CAUSE_PROT},
    {"user load, execute-only page", true, LEAF, FA | PTE_V | PTE_X | PTE_U, LD, PF | CAUSE_PROT | CAUSE_USER},
    {"load, write-only page", false, LEAF, FA | PTE_V | PTE_W, LD, PF | CAUSE_PROT},
    /* not present at level 2 */
    {"load, L2 entry 0", false, LEAF, 0, LD, PF},
    {"user store, L2 entry 0", true, LEAF, 0, ST, PF | CAUSE_WRITE | CAUSE_USER},
    {"fetch, L2 entry 0", false, LEAF, 0, FE, PF | CAUSE_FETCH},
    {"user fetch, L2 entry 0", true, LEAF, 0, FE, PF | CAUSE_FETCH | CAUSE_USER},
    {"load, L2 entry all permissions but V", false, LEAF, FA | RWXU | PTE_A | PTE_D, LD, PF},
    {"user load, L2 entry all permissions but V", true, LEAF, FA | RWXU, LD, PF | CAUSE_USER},
    /* not present at level 1 */
    {"load, L1 entry 0", false, L1_NONE, 0, LD, PF},
    {"user load, L1 entry 0", true, L1_NONE, 0, LD, PF | CAUSE_USER},
    {"store, L1 entry 0", false, L1_NONE, 0, ST, PF | CAUSE_WRITE},
    {"fetch, L1 entry 0", false, L1_NONE, 0, FE, PF | CAUSE_FETCH},
    {"user fetch, L1 entry 0", true, L1_NONE, 0, FE, PF | CAUSE_FETCH | CAUSE_USER},
    {"load, L1 entry without V", false, L1_NOV, 0, LD, PF},
    {"user store, L1 entry without V", true, L1_NOV, 0, ST, PF | CAUSE_WRITE | CAUSE_USER},
    /* a frame outside physical memory: bus error, with the access's detail bits */
    {"load, leaf frame outside memory", false, LEAF, OUTSIDE | PTE_V | PTE_R, LD, CAUSE_BUS_ERROR},
    {"user load, leaf frame outside memory", true, LEAF, OUTSIDE | PTE_V | PTE_R | PTE_U, LD,
     CAUSE_BUS_ERROR | CAUSE_USER},
    {"store, leaf frame outside memory", false, LEAF, OUTSIDE | PTE_V | PTE_R | PTE_W, ST,
     CAUSE_BUS_ERROR | CAUSE_WRITE},
    {"fetch, leaf frame outside memory", false, LEAF, OUTSIDE | PTE_V | PTE_X, FE,
     CAUSE_BUS_ERROR | CAUSE_FETCH},
    {"load, level-2 table outside memory", false, L1_OUTSIDE, 0, LD, CAUSE_BUS_ERROR},
    {"user store, level-2 table outside memory", true, L1_OUTSIDE, 0, ST,
     CAUSE_BUS_ERROR | CAUSE_WRITE | CAUSE_USER},
};

#define CHECK(c, got, want, rule)                                                                               \
    do {                                                                                                        \
        uint32_t g_ = (uint32_t)(got), w_ = (uint32_t)(want);                                                   \
        RULE(g_ == w_, (rule), "0x%x, should be 0x%x - in %s", g_, w_, (c)->what);                              \
    } while (0)

static void run_fault_case(const struct fcase *c)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, c->user);
    /* FA holds syscalls: a fetch that wrongly succeeds traps with cause 1 */
    for (uint32_t a = FA; a < FA + PAGE_SIZE; a += 4)
        rig_poke32(r, a, enc(OP_SYSCALL, 0, 0, 0, 0));
    uint32_t leafa = 0;
    switch (c->where) {
    case LEAF:
        leafa = pt_l2e(&pt, VA1);
        rig_poke32(r, leafa, c->leaf);
        break;
    case L1_NONE:
        break;
    case L1_NOV: {
        pt_map(&pt, VA1, FA, PTE_V | RWXU);
        uint32_t a = pt_l1e(&pt, VA1);
        rig_poke32(r, a, (rig_peek32(r, a) & ~PTE_V) | RWXU);
        break;
    }
    case L1_OUTSIDE:
        rig_poke32(r, pt_l1e(&pt, VA1), OUTSIDE | PTE_V);
        break;
    }
    const uint32_t off = c->acc == FE ? 0x40 : 0x7fc;
    const uint32_t va = VA1 + off;
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 6, 0x5a5a5a5a);
    p_li(&p, 7, 0x77777777);
    uint32_t at;
    switch (c->acc) {
    case LD: at = p_op(&p, OP_LW, 6, 5, 0, (int32_t)off); break;
    case ST: at = p_op(&p, OP_SW, 7, 5, 0, (int32_t)off); break;
    default: at = p_op(&p, OP_JALR, 1, 5, 0, (int32_t)off); break;
    }
    p_end(&p);
    p_load(&p, r);

    enum exit_reason why = rig_run(r, 1000);
    CHECK(c, why, EXIT_HALT, "the machine did not stop at the trap handler's halt (exit reason)");
    CHECK(c, r->exit.value, 0, "the access did not fault: the program ran to its end"); /* not MAGIC */
    RULE(CRV(r, CR_CAUSE) == c->cause, "the fault has the wrong cause", "cause %s, should be %s%s - in %s",
         say_cause(CRV(r, CR_CAUSE)), say_cause(c->cause), cause_hint(CRV(r, CR_CAUSE), c->cause), c->what);
    CHECK(c, CRV(r, CR_BADADDR), va, "the fault saved the wrong badaddr (the address accessed)");
    /* epc: the faulting instruction; for a fetch, the instruction not fetched */
    CHECK(c, CRV(r, CR_EPC), c->acc == FE ? va : at,
          "the fault saved the wrong epc (the access's instruction; for a fetch, the address fetched)");
    /* S = 1, IE = 0, PS = the mode before, PIE = 0, PG unchanged */
    uint32_t st = CRV(r, CR_STATUS), want_st = SR_S | SR_PG | (c->user ? 0 : SR_PS);
    RULE(st == want_st, trap_status_rule(st, want_st), "status %s, should be %s: %s - in %s", say_status(st),
         say_status(want_st), say_status_diff(st, want_st), c->what);
    /* the instruction did not complete and did not retire */
    CHECK(c, REG(r, 6), 0x5a5a5a5a, "the faulting load wrote its register");
    CHECK(c, rig_peek32(r, FA + 0x7fc), enc(OP_SYSCALL, 0, 0, 0, 0), "the faulting store wrote memory");
    if (c->acc == FE) {
        CHECK(c, REG(r, 1), at + 4, "the jalr did not link (it retired; its target's fetch faulted)");
        CHECK(c, CPU(r)->instret, 6 + 1 + 1, "the wrong number of instructions retired");
    } else {
        CHECK(c, REG(r, 1), 0, "r1 changed");
        CHECK(c, CPU(r)->instret, 6 + 1, "the wrong number of instructions retired (the faulting one does not)");
    }
    /* a failed walk sets no A or D */
    if (c->where == LEAF)
        RULE(rig_peek32(r, leafa) == c->leaf, "a walk that faulted wrote A or D", "entry %s, should be %s - in %s",
             say_pte(rig_peek32(r, leafa)), say_pte(c->leaf), c->what);
    rig_free(r);
}

static void test_faults(void)
{
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++)
        run_fault_case(&fcases[i]);
}

/* Supervisor mode may load, store and fetch on a U page. */
static void test_supervisor_uses_user_pages(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U);
    RIG_PUT(r, FA + 0x100, enc(OP_ADDI, 9, 0, 0, 77), enc(OP_JALR, 0, 1, 0, 0));
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_op(&p, OP_LW, 6, 5, 0, 0);
    p_li(&p, 7, 0x0badf00d);
    p_op(&p, OP_SW, 7, 5, 0, 4);
    p_op(&p, OP_JALR, 1, 5, 0, 0x100);
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(REG(r, 9), 77);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 4), 0x0badf00d);
    CU_ASSERT_EQUAL(rig_peek32(r, e), FA | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    rig_free(r);
}

/* User mode reaches U pages with exactly the permissions they give. */
static void test_user_uses_user_pages(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, true);
    pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W | PTE_U);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_op(&p, OP_LW, 6, 5, 0, 0);
    p_li(&p, 7, 0x12344321);
    p_op(&p, OP_SW, 7, 5, 0, 8);
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0); /* back to the handler: the end */
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 8), 0x12344321);
    rig_free(r);
}

/* --- the TLB ------------------------------------------------------------------ */

/* Remapping a page without a flush: the old frame is still used; a
 * tlbflushv of another page changes nothing; a tlbflushv of any address in
 * the page (or a tlbflush) brings the new mapping. */
static void tlb_remap(bool full_flush)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W);
    pt_map(&pt, VA3, FC, PTE_V | PTE_R | PTE_W);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 8, e);
    p_op(&p, OP_LW, 6, 5, 0, 0);          /* fills the TLB: FA */
    p_li(&p, 7, FB | PTE_V | PTE_R | PTE_W);
    p_op(&p, OP_SW, 7, 8, 0, 0);          /* remap to FB, no flush */
    p_op(&p, OP_LW, 9, 5, 0, 0);          /* stale: FA */
    p_li(&p, 10, VA3);
    p_op(&p, OP_TLBFLUSHV, 10, 0, 0, 0);  /* another page */
    p_op(&p, OP_LW, 11, 5, 0, 0);         /* still FA */
    if (full_flush) {
        p_op(&p, OP_TLBFLUSH, 0, 0, 0, 0);
    } else {
        p_li(&p, 10, VA1 + 0xabc);        /* any address in the page */
        p_op(&p, OP_TLBFLUSHV, 10, 0, 0, 0);
    }
    p_op(&p, OP_LW, 12, 5, 0, 0);         /* FB */
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(REG(r, 9), WA);
    CU_ASSERT_EQUAL(REG(r, 11), WA);
    CU_ASSERT_EQUAL(REG(r, 12), WB);
    /* the new walk set A in the new entry */
    CU_ASSERT_EQUAL(rig_peek32(r, e), FB | PTE_V | PTE_R | PTE_W | PTE_A);
    rig_free(r);
}

static void test_tlb_stale_remap_tlbflushv(void) { tlb_remap(false); }
static void test_tlb_stale_remap_tlbflush(void) { tlb_remap(true); }

/* Clearing W without a flush: a cached entry with W and D keeps allowing
 * stores, to the old frame, until tlbflushv; then the store faults. */
static void test_tlb_stale_write_permission(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 8, e);
    p_li(&p, 7, 0x11111111);
    p_op(&p, OP_SW, 7, 5, 0, 0);         /* walk: A and D, cached */
    p_li(&p, 7, FA | PTE_V | PTE_R | PTE_A | PTE_D);
    p_op(&p, OP_SW, 7, 8, 0, 0);         /* read-only now, no flush */
    p_li(&p, 7, 0x22222222);
    p_op(&p, OP_SW, 7, 5, 0, 4);         /* the stale entry allows it */
    p_op(&p, OP_TLBFLUSHV, 5, 0, 0, 0);
    p_li(&p, 7, 0x33333333);
    uint32_t at = p_op(&p, OP_SW, 7, 5, 0, 8); /* walks: faults */
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), PF | CAUSE_PROT | CAUSE_WRITE);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), at);
    CU_ASSERT_EQUAL(CRV(r, CR_BADADDR), VA1 + 8);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 0), 0x11111111);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 4), 0x22222222);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 8), 0);
    rig_free(r);
}

/* A cached entry with W but not D does not let a store through: the store
 * walks the tables again and sees what they say now. */
static void test_tlb_clean_entry_rewalks_on_store(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 8, e);
    p_op(&p, OP_LW, 6, 5, 0, 0);         /* cached with W, without D */
    p_li(&p, 7, FA | PTE_V | PTE_R | PTE_A);
    p_op(&p, OP_SW, 7, 8, 0, 0);         /* clear W, no flush */
    uint32_t at = p_op(&p, OP_SW, 7, 5, 0, 0);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), PF | CAUSE_PROT | CAUSE_WRITE);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), at);
    CU_ASSERT_EQUAL(CRV(r, CR_BADADDR), VA1);
    CU_ASSERT_EQUAL(rig_peek32(r, FA), WA);
    rig_free(r);
}

/* The first store to a page whose cached entry has D clear sets D in
 * memory; a kernel that clears D without a flush is not told again until
 * it flushes. */
static void test_tlb_dirty_bit(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W);
    const uint32_t clean = FA | PTE_V | PTE_R | PTE_W | PTE_A;
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 8, e);
    p_li(&p, 7, 0x5555aaaa);
    p_op(&p, OP_LW, 6, 5, 0, 0);         /* cached clean */
    p_op(&p, OP_LW, 9, 8, 0, 0);         /* PTE: A, no D */
    p_op(&p, OP_SW, 7, 5, 0, 0);         /* first store: D */
    p_op(&p, OP_LW, 10, 8, 0, 0);        /* PTE: A and D */
    p_li(&p, 11, clean);
    p_op(&p, OP_SW, 11, 8, 0, 0);        /* the kernel clears D, no flush */
    p_op(&p, OP_SW, 7, 5, 0, 4);         /* cached entry has D: no walk */
    p_op(&p, OP_LW, 12, 8, 0, 0);        /* PTE: still no D */
    p_op(&p, OP_TLBFLUSHV, 5, 0, 0, 0);
    p_op(&p, OP_SW, 7, 5, 0, 8);         /* walks: D again */
    p_op(&p, OP_LW, 14, 8, 0, 0);
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 9), clean);
    CU_ASSERT_EQUAL(REG(r, 10), clean | PTE_D);
    CU_ASSERT_EQUAL(REG(r, 12), clean);
    CU_ASSERT_EQUAL(REG(r, 14), clean | PTE_D);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 0), 0x5555aaaa);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 4), 0x5555aaaa);
    CU_ASSERT_EQUAL(rig_peek32(r, FA + 8), 0x5555aaaa);
    rig_free(r);
}

/* Making a mapping more permissive needs no flush: the access the cached
 * entry refuses walks again. */
static void test_tlb_more_permissive_needs_no_flush(void)
{
    for (int user = 0; user < 2; user++) {
        struct pt pt;
        struct rig *r = mmu_rig(&pt, user);
        /* the user program may not write page tables: give it the PTE's page */
        uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_U);
        if (user)
            pt_map(&pt, VA3, e, PTE_V | PTE_R | PTE_W | PTE_U);
        uint32_t epage = user ? VA3 | (e & PAGE_MASK) : e;
        RIG_PUT(r, FA + 0x100, enc(OP_ADDI, 9, 0, 0, 55), enc(OP_JALR, 0, 1, 0, 0));
        struct prog p;
        p_init(&p, CODE);
        p_li(&p, 5, VA1);
        p_li(&p, 8, epage);
        p_op(&p, OP_LW, 6, 5, 0, 0);          /* cached read-only */
        p_li(&p, 7, FA | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A);
        p_op(&p, OP_SW, 7, 8, 0, 0);          /* add W and X, no flush */
        p_op(&p, OP_SW, 7, 5, 0, 0x10);       /* store works */
        p_op(&p, OP_JALR, 1, 5, 0, 0x100);    /* fetch works */
        if (user)
            p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
        else
            p_end(&p);
        p_load(&p, r);
        CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
        CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), user ? CAUSE_SYSCALL : 0);
        CU_ASSERT_EQUAL(REG(r, 6), WA);
        CU_ASSERT_EQUAL(REG(r, 9), 55);
        CU_ASSERT_EQUAL(rig_peek32(r, FA + 0x10), FA | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A);
        rig_free(r);
    }
}

/* Writing ptb flushes the whole TLB, even with the same value; writing
 * status without changing PG does not. */
static void test_tlb_ptb_write_flushes(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 8, e);
    p_op(&p, OP_LW, 6, 5, 0, 0);
    p_li(&p, 7, FB | PTE_V | PTE_R | PTE_W);
    p_op(&p, OP_SW, 7, 8, 0, 0);
    p_op(&p, OP_LW, 9, 5, 0, 0);            /* stale */
    p_op(&p, OP_MFCR, 12, 0, 0, CR_STATUS);
    p_op(&p, OP_MTCR, 12, 0, 0, CR_STATUS); /* same PG: no flush */
    p_op(&p, OP_LW, 10, 5, 0, 0);           /* still stale */
    p_li(&p, 11, L1);
    p_op(&p, OP_MTCR, 11, 0, 0, CR_PTB);    /* same ptb: flush */
    p_op(&p, OP_LW, 11, 5, 0, 0);
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(REG(r, 9), WA);
    CU_ASSERT_EQUAL(REG(r, 10), WA);
    CU_ASSERT_EQUAL(REG(r, 11), WB);
    rig_free(r);
}

/* Switching to another page table through ptb: its mappings, not the old
 * cached ones; the low 12 bits of the written value are ignored. */
static void test_tlb_ptb_switch(void)
{
    struct pt pt, pt2;
    struct rig *r = mmu_rig(&pt, false);
    pt_map(&pt, VA1, FA, PTE_V | PTE_R);
    /* a second table at 0x20000 with the same code, handler and tables */
    pt_init(&pt2, r, 0x20000, 0x21000);
    pt_map(&pt2, 0, 0, PTE_V | PTE_R | PTE_X);
    pt_identity(&pt2, CODE, 2, PTE_V | PTE_R | PTE_X | PTE_U);
    pt_map(&pt2, VA1, FB, PTE_V | PTE_R);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_op(&p, OP_LW, 6, 5, 0, 0);
    p_li(&p, 7, 0x20000 | 0x123);
    p_op(&p, OP_MTCR, 7, 0, 0, CR_PTB);
    p_op(&p, OP_LW, 9, 5, 0, 0);
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(REG(r, 9), WB);
    rig_free(r);
}

/* Turning paging off and on flushes the TLB. */
static void test_tlb_pg_toggle_flushes(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 8, e);
    p_op(&p, OP_LW, 6, 5, 0, 0);
    p_li(&p, 7, FB | PTE_V | PTE_R | PTE_W);
    p_op(&p, OP_SW, 7, 8, 0, 0);
    p_op(&p, OP_LW, 9, 5, 0, 0);            /* stale */
    p_op(&p, OP_MFCR, 12, 0, 0, CR_STATUS);
    p_op(&p, OP_XORI, 13, 12, 0, SR_PG);
    p_op(&p, OP_MTCR, 13, 0, 0, CR_STATUS); /* paging off (the code is identity-mapped) */
    p_li(&p, 15, FB);
    p_op(&p, OP_LW, 14, 15, 0, 0);          /* physical */
    p_op(&p, OP_MTCR, 12, 0, 0, CR_STATUS); /* paging on */
    p_op(&p, OP_LW, 11, 5, 0, 0);
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(REG(r, 9), WA);
    CU_ASSERT_EQUAL(REG(r, 14), WB);
    CU_ASSERT_EQUAL(REG(r, 11), WB);
    rig_free(r);
}

/* Direct-mapped: a page whose vpn is the same mod 64 evicts the stale entry;
 * a neighbour does not. */
static void test_tlb_direct_mapped_eviction(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    CU_ASSERT_EQUAL((VA1 >> 12) % 64, (VA2 >> 12) % 64);
    CU_ASSERT_NOT_EQUAL((VA1 >> 12) % 64, (VA3 >> 12) % 64);
    uint32_t e = pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W);
    pt_map(&pt, VA2, FD, PTE_V | PTE_R);
    pt_map(&pt, VA3, FC, PTE_V | PTE_R);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    p_li(&p, 8, e);
    p_op(&p, OP_LW, 6, 5, 0, 0);   /* VA1 -> FA cached */
    p_li(&p, 7, FB | PTE_V | PTE_R | PTE_W);
    p_op(&p, OP_SW, 7, 8, 0, 0);   /* remap, no flush */
    p_li(&p, 10, VA3);
    p_op(&p, OP_LW, 12, 10, 0, 0); /* neighbour */
    p_op(&p, OP_LW, 9, 5, 0, 0);   /* still stale */
    p_li(&p, 10, VA2);
    p_op(&p, OP_LW, 14, 10, 0, 0); /* same entry: evicts VA1 */
    p_op(&p, OP_LW, 11, 5, 0, 0);  /* walks: FB */
    p_end(&p);
    p_load(&p, r);
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), WA);
    CU_ASSERT_EQUAL(REG(r, 12), WC);
    CU_ASSERT_EQUAL(REG(r, 9), WA);
    CU_ASSERT_EQUAL(REG(r, 14), WD);
    CU_ASSERT_EQUAL(REG(r, 11), WB);
    rig_free(r);
}

/* The instruction side: the CPU keeps its code page's translation until a
 * system instruction, which translates again through the (stale) TLB; only
 * after tlbflushv does the new frame run. */
static void test_tlb_stale_code_mapping(void)
{
    struct pt pt;
    struct rig *r = mmu_rig(&pt, false);
    uint32_t e = pt_map(&pt, VC, F1, PTE_V | PTE_R | PTE_X);
    for (int version = 1; version <= 2; version++) {
        struct prog p;
        p_init(&p, VC);
        p_li(&p, 8, e);
        p_li(&p, 7, F2 | PTE_V | PTE_R | PTE_X | PTE_A);
        p_li(&p, 9, VC);
        p_op(&p, OP_SW, 7, 8, 0, 0);            /* remap our own code page */
        p_op(&p, OP_ADDI, 6, 0, 0, version);    /* still F1 */
        p_op(&p, OP_MFCR, 11, 0, 0, CR_SCRATCH); /* a system instruction */
        p_op(&p, OP_ADDI, 12, 0, 0, version);   /* translated again: stale TLB, F1 */
        p_op(&p, OP_TLBFLUSHV, 9, 0, 0, 0);
        p_op(&p, OP_ADDI, 10, 0, 0, version);   /* F2 */
        p_end(&p);
        rig_put(r, version == 1 ? F1 : F2, p.w, p.n);
    }
    CPU(r)->pc = VC;
    run_clean(r);
    CU_ASSERT_EQUAL(REG(r, 6), 1);
    CU_ASSERT_EQUAL(REG(r, 12), 1);
    CU_ASSERT_EQUAL(REG(r, 10), 2);
    rig_free(r);
}

/* --- self-modifying code -------------------------------------------------------- */

/* Run X once, store a new instruction over X, run X again: the new one
 * runs.  The store targets the instruction right after it.  With paging,
 * the store goes through a second (writable) virtual alias of the code. */
static void self_modifying(bool paging)
{
    struct pt pt;
    struct rig *r = paging ? mmu_rig(&pt, false) : rig_new(ISA_PG, false);
    uint32_t base = 0;
    if (paging) {
        pt_map(&pt, VALIAS, CODE, PTE_V | PTE_R | PTE_W);
        base = VALIAS - CODE;
    }
    const uint32_t neww = enc(OP_ADDI, 6, 6, 0, 100);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 7, neww);
    p_li(&p, 10, base);
    p_op(&p, OP_ADDI, 8, 0, 0, 2);
    uint32_t loop = p_op(&p, OP_ADDI, 9, 8, 0, -1);
    size_t skip = p_hole(&p);
    size_t st = p_hole(&p);
    uint32_t x = p_op(&p, OP_ADDI, 6, 6, 0, 1);
    p_patch(&p, skip, OP_BNE, 9, 0, x);
    p.w[st] = enc(OP_SW, 7, 10, 0, (int32_t)x);
    p_op(&p, OP_ADDI, 8, 8, 0, -1);
    p_br(&p, OP_BNE, 8, 0, loop);
    p_op(&p, OP_HALT, 6, 0, 0, 0);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 101); /* 1 by the old X, 100 by the new */
    CU_ASSERT_EQUAL(rig_peek32(r, x), neww);
    rig_free(r);
}

static void test_self_modifying_code(void) { self_modifying(false); }
static void test_self_modifying_code_paging(void) { self_modifying(true); }

/* --- pt_walk itself, over a plain array (the walk both the MMU and the
 * VMM use): how far it got, and where, on every way it can end. --- */

struct flat {
    uint8_t b[64 << 10];
};

static bool flat_read(void *ctx, uint32_t pa, void *buf, size_t len)
{
    memcpy(buf, ((struct flat *)ctx)->b + pa, len);
    return true;
}

static bool flat_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    memcpy(((struct flat *)ctx)->b + pa, buf, len);
    return true;
}

static void flat_put(struct flat *f, uint32_t pa, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        f->b[pa + k] = (uint8_t)(v >> (8 * k));
}

static uint32_t flat_get(const struct flat *f, uint32_t pa)
{
    return (uint32_t)f->b[pa] | (uint32_t)f->b[pa + 1] << 8 | (uint32_t)f->b[pa + 2] << 16 |
           (uint32_t)f->b[pa + 3] << 24;
}

static void test_walk_levels(void)
{
    static struct flat f;
    memset(&f, 0, sizeof f);
    struct dma mem = {&f, sizeof f.b, flat_read, flat_write};
    const uint32_t root = 0x1000, leaf = 0x2000, page = 0x5000;
    const uint32_t va = (3u << 22) | (7u << 12) | 0x123; /* root index 3, leaf index 7 */
    struct pt_walk w;

    /* The indexes: the top ten bits, then the next ten (section 7). */
    CU_ASSERT_EQUAL(VA_INDEX(va, PT_ROOT), 3);
    CU_ASSERT_EQUAL(VA_INDEX(va, PT_LEAF), 7);
    CU_ASSERT_EQUAL(PT_ENTRIES * PT_SPAN(PT_LEAF), PT_SPAN(PT_ROOT));

    /* An empty root: the walk ends at level 1, at root + 4 * 3. */
    uint32_t cause = pt_walk(&mem, root, va, ACCESS_READ, false, true, &w);
    CU_ASSERT_EQUAL(cause, CAUSE_PAGE_FAULT);
    CU_ASSERT_EQUAL(w.level, 1);
    CU_ASSERT_EQUAL(w.entry_pa[0], root + 4 * 3);

    /* A root entry, no leaf entry: it ends at level 2, at leaf + 4 * 7. */
    flat_put(&f, root + 4 * 3, leaf | PTE_V);
    cause = pt_walk(&mem, root, va, ACCESS_WRITE, true, true, &w);
    CU_ASSERT_EQUAL(cause, CAUSE_PAGE_FAULT | CAUSE_WRITE | CAUSE_USER);
    CU_ASSERT_EQUAL(w.level, 2);
    CU_ASSERT_EQUAL(w.entry_pa[0], root + 4 * 3);
    CU_ASSERT_EQUAL(w.entry_pa[1], leaf + 4 * 7);

    /* A leaf that refuses the store: a protection fault at level 2, and
     * nothing written back. */
    flat_put(&f, leaf + 4 * 7, page | PTE_V | PTE_R | PTE_U);
    cause = pt_walk(&mem, root, va, ACCESS_WRITE, true, true, &w);
    CU_ASSERT_EQUAL(cause, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE | CAUSE_USER);
    CU_ASSERT_EQUAL(w.level, 2);
    CU_ASSERT_EQUAL(flat_get(&f, leaf + 4 * 7), page | PTE_V | PTE_R | PTE_U);

    /* A leaf that allows it: the page, and A and D written to the leaf. */
    flat_put(&f, leaf + 4 * 7, page | PTE_V | PTE_R | PTE_W | PTE_U);
    cause = pt_walk(&mem, root, va, ACCESS_WRITE, true, true, &w);
    CU_ASSERT_EQUAL(cause, 0);
    CU_ASSERT_EQUAL(w.level, PT_LEAF);
    CU_ASSERT_EQUAL(w.page, page);
    CU_ASSERT_EQUAL(w.pte_pa, leaf + 4 * 7);
    CU_ASSERT_EQUAL(flat_get(&f, leaf + 4 * 7), page | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);

    /* A root entry pointing past memory: a bus error at level 2. */
    flat_put(&f, root + 4 * 3, (uint32_t)sizeof f.b | PTE_V);
    cause = pt_walk(&mem, root, va, ACCESS_FETCH, false, true, &w);
    CU_ASSERT_EQUAL(cause, CAUSE_BUS_ERROR | CAUSE_FETCH);
    CU_ASSERT_EQUAL(w.level, 2);
    CU_ASSERT_EQUAL(w.entry_pa[1], (uint32_t)sizeof f.b + 4 * 7);
}

void suite_mmu(void)
{
    CU_pSuite s = rule_suite("mmu", NULL, NULL);
    CU_add_test(s, "walk: translation, A on load and fetch, A+D on store, soft bits kept", test_walk_and_accessed_dirty);
    CU_add_test(s, "walk: L1 and L2 indexes", test_walk_indexes);
    CU_add_test(s, "walk: level by level, and how far a failed walk got", test_walk_levels);
    CU_add_test(s, "walk: permission bits of a level-1 entry are ignored", test_l1_permission_bits_ignored);
    CU_add_test(s, "faults: every protection, not-present and bus-error case", test_faults);
    CU_add_test(s, "supervisor may use U pages", test_supervisor_uses_user_pages);
    CU_add_test(s, "user mode uses U pages", test_user_uses_user_pages);
    CU_add_test(s, "TLB: stale remap until tlbflushv", test_tlb_stale_remap_tlbflushv);
    CU_add_test(s, "TLB: stale remap until tlbflush", test_tlb_stale_remap_tlbflush);
    CU_add_test(s, "TLB: cleared W still writable until flushed", test_tlb_stale_write_permission);
    CU_add_test(s, "TLB: a store through a clean entry walks again", test_tlb_clean_entry_rewalks_on_store);
    CU_add_test(s, "TLB: D set by the first store, cached after", test_tlb_dirty_bit);
    CU_add_test(s, "TLB: more permissive needs no flush", test_tlb_more_permissive_needs_no_flush);
    CU_add_test(s, "TLB: writing ptb flushes, writing status without PG change does not", test_tlb_ptb_write_flushes);
    CU_add_test(s, "TLB: switching page tables through ptb", test_tlb_ptb_switch);
    CU_add_test(s, "TLB: turning paging off and on flushes", test_tlb_pg_toggle_flushes);
    CU_add_test(s, "TLB: direct-mapped eviction", test_tlb_direct_mapped_eviction);
    CU_add_test(s, "TLB: stale code mapping until flushed", test_tlb_stale_code_mapping);
    CU_add_test(s, "self-modifying code, paging off", test_self_modifying_code);
    CU_add_test(s, "self-modifying code through an alias, paging on", test_self_modifying_code_paging);
}
