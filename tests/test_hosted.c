/*
 * test_hosted.c - the hypervisor's door (isa/machine.h, cfg.exits): code
 * runs in real user mode; every exception makes machine_run return
 * EXIT_TRAP with the record (reason, cause, pc, addr, insn, access) and
 * nothing is delivered; the host fixes things and re-enters; interrupts
 * give EXIT_INTERRUPT; the budget gives EXIT_BUDGET after exactly that many
 * instructions; the host's control-register writes have the hardware's
 * side effects (ptb and PG flush the TLB); and in x86like, rdsr, wrsr and
 * rdptb run in user mode without the host ever seeing them.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "broken_rule.h"
#include "prog.h"
#include "pt.h"
#include "rig.h"

#define L1 0x10000u
#define POOL 0x11000u
#define FA 0x30000u
#define FB 0x31000u
#define FC 0x32000u
#define FD 0x33000u
#define VA1 0x12345000u
#define VA3 0x12346000u
#define WA 0xa1a1a1a1u
#define WB 0xb2b2b2b2u
#define WC 0xc3c3c3c3u
#define WD 0xd4d4d4d4u

/* Control registers a delivered trap would write: preset to values the
 * hardware would never write, so "nothing delivered" can be checked. */
#define S_EPC 0x11111110u
#define S_CAUSE 0x22222222u
#define S_BADADDR 0x33333333u

static struct rig *hosted(enum isa_variant v, uint32_t status)
{
    struct rig *r = rig_new(v, true);
    machine_set_cr(r->m, CR_EPC, S_EPC);
    machine_set_cr(r->m, CR_CAUSE, S_CAUSE);
    machine_set_cr(r->m, CR_BADADDR, S_BADADDR);
    machine_set_cr(r->m, CR_STATUS, status);
    return r;
}

/* The guest's pages for paging tests: code user R X, VA1 -> FA user R. */
static void map_guest(struct rig *r, struct pt *pt)
{
    pt_init(pt, r, L1, POOL);
    pt_identity(pt, CODE, 2, PTE_V | PTE_R | PTE_X | PTE_U);
    pt_map(pt, VA1, FA, PTE_V | PTE_R | PTE_U);
    rig_poke32(r, FA, WA);
    rig_poke32(r, FB, WB);
    rig_poke32(r, FC, WC);
    rig_poke32(r, FD, WD);
    machine_set_cr(r->m, CR_PTB, L1);
}

static void nothing_delivered(struct rig *r, uint32_t status)
{
    uint32_t st = CRV(r, CR_STATUS);
    RULE(st == status, "a hosted exit delivered the trap: status changed (the host decides what the guest sees)",
         "status %s, should be %s: %s", say_status(st), say_status(status), say_status_diff(st, status));
    RULE(CRV(r, CR_EPC) == S_EPC, "a hosted exit delivered the trap: epc was written", "epc 0x%08x, should be 0x%08x",
         CRV(r, CR_EPC), S_EPC);
    RULE(CRV(r, CR_CAUSE) == S_CAUSE, "a hosted exit delivered the trap: cause was written",
         "cause 0x%08x, should be 0x%08x", CRV(r, CR_CAUSE), S_CAUSE);
    RULE(CRV(r, CR_BADADDR) == S_BADADDR, "a hosted exit delivered the trap: badaddr was written",
         "badaddr 0x%08x, should be 0x%08x", CRV(r, CR_BADADDR), S_BADADDR);
}

/* --- every exception exits --------------------------------------------------- */

enum kind { K_SYSCALL, K_BREAK, K_HCALL, K_ILLEGAL, K_PRIV, K_MIS_LOAD, K_MIS_STORE, K_MIS_JALR, K_DIVZERO,
            K_BUS_LOAD, K_BUS_STORE, K_BUS_FETCH, K_PF_LOAD, K_PF_STORE, K_PF_FETCH };

struct hcase {
    const char *what;
    enum kind kind;
    uint32_t cause;
    bool mem;          /* addr and access are meaningful */
    enum access access;
    bool fetch_target; /* the fault is at the jump target, which was not fetched */
};

#define U CAUSE_USER
static const struct hcase hcases[] = {
    {"syscall", K_SYSCALL, CAUSE_SYSCALL, false, ACCESS_READ, false},
    {"break", K_BREAK, CAUSE_BREAK, false, ACCESS_READ, false},
    {"hcall", K_HCALL, CAUSE_HYPERCALL, false, ACCESS_READ, false},
    {"illegal", K_ILLEGAL, CAUSE_ILLEGAL, false, ACCESS_READ, false},
    {"privileged (mfcr)", K_PRIV, CAUSE_PRIV, false, ACCESS_READ, false},
    {"misaligned load", K_MIS_LOAD, CAUSE_MISALIGNED | U, true, ACCESS_READ, false},
    {"misaligned store", K_MIS_STORE, CAUSE_MISALIGNED | CAUSE_WRITE | U, true, ACCESS_WRITE, false},
    {"misaligned jalr target", K_MIS_JALR, CAUSE_MISALIGNED | CAUSE_FETCH | U, true, ACCESS_FETCH, false},
    {"div by zero", K_DIVZERO, CAUSE_DIV_ZERO, false, ACCESS_READ, false},
    {"bus error, load", K_BUS_LOAD, CAUSE_BUS_ERROR | U, true, ACCESS_READ, false},
    {"bus error, store", K_BUS_STORE, CAUSE_BUS_ERROR | CAUSE_WRITE | U, true, ACCESS_WRITE, false},
    {"bus error, fetch", K_BUS_FETCH, CAUSE_BUS_ERROR | CAUSE_FETCH | U, true, ACCESS_FETCH, true},
    {"page fault, load", K_PF_LOAD, CAUSE_PAGE_FAULT | U, true, ACCESS_READ, false},
    {"page fault, store", K_PF_STORE, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE | U, true, ACCESS_WRITE, false},
    {"page fault, fetch", K_PF_FETCH, CAUSE_PAGE_FAULT | CAUSE_FETCH | U, true, ACCESS_FETCH, true},
};

#define CHECK(c, got, want)                                                                                     \
    do {                                                                                                        \
        uint32_t g_ = (uint32_t)(got), w_ = (uint32_t)(want);                                                   \
        RULE(g_ == w_, "the exit record is wrong", "%s is 0x%x, should be 0x%x - in %s", #got, g_, w_, (c)->what); \
    } while (0)

static void run_hcase(const struct hcase *c, enum isa_variant v)
{
    bool paging = c->kind == K_PF_LOAD || c->kind == K_PF_STORE || c->kind == K_PF_FETCH;
    uint32_t status = paging ? SR_PG : 0;
    struct rig *r = hosted(v, status);
    struct pt pt;
    if (paging)
        map_guest(r, &pt);
    const uint32_t outside = RIG_MEM + 0x2000;
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, 0x8000);
    p_li(&p, 6, 0x5a5a5a5a);
    p_li(&p, 7, outside);
    p_li(&p, 8, VA1);
    p_li(&p, 9, VA3); /* not mapped */
    uint32_t word, addr = 0, pc;
    switch (c->kind) {
    case K_SYSCALL: word = enc(OP_SYSCALL, 0, 0, 0, 0); break;
    case K_BREAK: word = enc(OP_BREAK, 0, 0, 0, 0); break;
    case K_HCALL: word = enc(OP_HCALL, 6, 0, 0, 3); break; /* r6 is its register: left alone */
    case K_ILLEGAL: word = 0xff000000u; break;
    case K_PRIV: word = enc(OP_MFCR, 6, 0, 0, CR_SCRATCH); break;
    case K_MIS_LOAD: word = enc(OP_LW, 6, 5, 0, 2), addr = 0x8002; break;
    case K_MIS_STORE: word = enc(OP_SH, 6, 5, 0, 1), addr = 0x8001; break;
    case K_MIS_JALR: word = enc(OP_JALR, 6, 5, 0, 2), addr = 0x8002; break;
    case K_DIVZERO: word = enc(OP_DIVU, 6, 5, 0, 0); break;
    case K_BUS_LOAD: word = enc(OP_LW, 6, 7, 0, 4), addr = outside + 4; break;
    case K_BUS_STORE: word = enc(OP_SB, 6, 7, 0, 3), addr = outside + 3; break;
    case K_BUS_FETCH: word = enc(OP_JALR, 6, 7, 0, 8), addr = outside + 8; break;
    case K_PF_LOAD: word = enc(OP_LW, 6, 9, 0, 0x7fc), addr = VA3 + 0x7fc; break;
    case K_PF_STORE: word = enc(OP_SW, 6, 8, 0, 0x10), addr = VA1 + 0x10; break;
    default: word = enc(OP_JALR, 6, 9, 0, 0x40), addr = VA3 + 0x40; break;
    }
    uint32_t at = p_emit(&p, word);
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_load(&p, r);
    const uint64_t before = 10; /* the five li */
    pc = c->fetch_target ? addr : at;

    enum exit_reason why = rig_run(r, 1000);
    CHECK(c, why, EXIT_TRAP);
    CHECK(c, r->exit.reason, EXIT_TRAP);
    CHECK(c, r->exit.cause, c->cause);
    CHECK(c, r->exit.pc, pc);
    /* the instruction word; 0 only when it could not be fetched (the
     * misaligned jalr has its own test below) */
    if (c->kind != K_MIS_JALR)
        CHECK(c, r->exit.insn, c->fetch_target ? 0 : word);
    if (c->mem) {
        CHECK(c, r->exit.addr, addr);
        CHECK(c, r->exit.access, c->access);
    }
    /* nothing delivered: the CPU is at the instruction, in user mode */
    CHECK(c, CPU(r)->pc, pc);
    nothing_delivered(r, status);
    if (c->fetch_target) {
        CHECK(c, REG(r, 6), at + 4); /* the jump retired */
        CHECK(c, CPU(r)->instret, before + 1);
    } else {
        CHECK(c, REG(r, 6), 0x5a5a5a5a); /* the instruction did not complete */
        CHECK(c, CPU(r)->instret, before);
    }
    rig_free(r);
}

static void test_hosted_every_exception(void)
{
    for (size_t i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
        run_hcase(&hcases[i], ISA_PG);
        run_hcase(&hcases[i], ISA_X86LIKE);
    }
}

/* A jalr to a misaligned target traps at the jalr itself (docs/isa.md
 * section 4), which was fetched: machine.h promises its word in insn ("0
 * when it could not be fetched"), though the cause carries FETCH. */
static void test_hosted_misaligned_jalr_insn(void)
{
    for (int v = 0; v < 2; v++) {
        struct rig *r = hosted((enum isa_variant)v, 0);
        uint32_t w = enc(OP_JALR, 6, 5, 0, 2);
        RIG_PUT(r, CODE, enc(OP_ADDI, 5, 0, 0, 0x100), w);
        CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_TRAP);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_MISALIGNED | CAUSE_FETCH | CAUSE_USER);
        CU_ASSERT_EQUAL(r->exit.pc, CODE + 4);
        CU_ASSERT_EQUAL(r->exit.addr, 0x102);
        CU_ASSERT_EQUAL(r->exit.insn, w);
        rig_free(r);
    }
}

/* Supervisor code on a hosted machine exits too, and halt exits with its
 * value. */
static void test_hosted_supervisor(void)
{
    struct rig *r = hosted(ISA_PG, SR_S);
    struct prog p;
    p_init(&p, CODE);
    uint32_t sys = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 5, 0, 0, 42);
    p_op(&p, OP_HALT, 5, 0, 0, 0);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_TRAP);
    CU_ASSERT_EQUAL(r->exit.cause, CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(r->exit.pc, sys);
    nothing_delivered(r, SR_S);
    CPU(r)->pc += 4;
    CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 42);
    rig_free(r);
}

/* halt in user mode is privileged in both variants. */
static void test_hosted_user_halt(void)
{
    for (int v = 0; v < 2; v++) {
        struct rig *r = hosted((enum isa_variant)v, 0);
        uint32_t w = enc(OP_HALT, 5, 0, 0, 0);
        RIG_PUT(r, CODE, w);
        CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_TRAP);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_PRIV);
        CU_ASSERT_EQUAL(r->exit.insn, w);
        CU_ASSERT_EQUAL(r->exit.pc, CODE);
        rig_free(r);
    }
}

/* --- the host handles and re-enters ----------------------------------------- */

/* A page fault fixed by mapping the page; a privileged instruction emulated
 * from the instruction word; a syscall skipped. */
static void test_hosted_fix_and_reenter(void)
{
    struct rig *r = hosted(ISA_PG, SR_PG);
    struct pt pt;
    map_guest(r, &pt);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 9, VA3);
    uint32_t ld = p_op(&p, OP_LW, 6, 9, 0, 0x20);      /* VA3 not mapped */
    uint32_t mf = p_op(&p, OP_MFCR, 7, 0, 0, CR_SCRATCH); /* privileged */
    uint32_t sy = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 8, 6, 0, 1);
    uint32_t end = p_op(&p, OP_BREAK, 0, 0, 0, 0);
    p_load(&p, r);
    rig_poke32(r, FC + 0x20, 0x00c0ffee);

    CU_ASSERT_EQUAL_FATAL(rig_run(r, 1000), EXIT_TRAP);
    CU_ASSERT_EQUAL(r->exit.cause, CAUSE_PAGE_FAULT | CAUSE_USER);
    CU_ASSERT_EQUAL(r->exit.pc, ld);
    CU_ASSERT_EQUAL(r->exit.addr, VA3 + 0x20);
    pt_map(&pt, VA3, FC, PTE_V | PTE_R | PTE_U); /* the host maps it */

    CU_ASSERT_EQUAL_FATAL(rig_run(r, 1000), EXIT_TRAP);
    CU_ASSERT_EQUAL(REG(r, 6), 0x00c0ffee);
    CU_ASSERT_EQUAL(r->exit.cause, CAUSE_PRIV);
    CU_ASSERT_EQUAL(r->exit.pc, mf);
    struct isa_fields f;
    CU_ASSERT_FATAL(isa_decode(r->exit.insn, &f));
    CU_ASSERT_EQUAL(f.op, OP_MFCR);
    CU_ASSERT_EQUAL(f.imm, CR_SCRATCH);
    CPU(r)->r[f.ra] = 0x5c5c5c5c; /* emulate: the guest's scratch */
    CPU(r)->pc = r->exit.pc + 4;

    CU_ASSERT_EQUAL_FATAL(rig_run(r, 1000), EXIT_TRAP);
    CU_ASSERT_EQUAL(r->exit.cause, CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(r->exit.pc, sy);
    CU_ASSERT_EQUAL(REG(r, 7), 0x5c5c5c5c);
    CPU(r)->pc = sy + 4;

    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_TRAP);
    CU_ASSERT_EQUAL(r->exit.cause, CAUSE_BREAK);
    CU_ASSERT_EQUAL(r->exit.pc, end);
    CU_ASSERT_EQUAL(REG(r, 8), 0x00c0ffef);
    /* retired: li li lw addi (the emulated mfcr and the syscall did not) */
    CU_ASSERT_EQUAL(CPU(r)->instret, 4);
    nothing_delivered(r, SR_PG);
    rig_free(r);
}

/* --- interrupts ------------------------------------------------------------------- */

/* The timer, armed by the host at instret 0 with N: EXIT_INTERRUPT before
 * instruction N+1, pc = that instruction; not delivered; re-entering
 * without acknowledging exits again at once; acknowledged, the guest runs
 * on. */
static void test_hosted_timer_interrupt(void)
{
    const uint32_t ns[] = {1, 7, 100};
    for (int i = 0; i < 3; i++) {
        uint32_t n = ns[i];
        struct rig *r = hosted(ISA_PG, SR_IE);
        struct prog p;
        p_init(&p, CODE);
        for (uint32_t j = 0; j < n + 10; j++)
            p_op(&p, OP_ADDI, 7, 7, 0, 1);
        uint32_t end = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
        p_load(&p, r);
        machine_set_cr(r->m, CR_TIMER, n);
        CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_INTERRUPT);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_TIMER);
        CU_ASSERT_EQUAL(r->exit.pc, CODE + 4 * n);
        CU_ASSERT_EQUAL(CPU(r)->pc, CODE + 4 * n);
        CU_ASSERT_EQUAL(CPU(r)->instret, n);
        CU_ASSERT_EQUAL(REG(r, 7), n);
        nothing_delivered(r, SR_IE);
        /* not acknowledged: at once again, nothing run */
        CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_INTERRUPT);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_TIMER);
        CU_ASSERT_EQUAL(r->exit.pc, CODE + 4 * n);
        CU_ASSERT_EQUAL(CPU(r)->instret, n);
        /* acknowledged */
        machine_set_cr(r->m, CR_TIMER, 0);
        CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
        CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_TRAP);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_SYSCALL);
        CU_ASSERT_EQUAL(r->exit.pc, end);
        CU_ASSERT_EQUAL(REG(r, 7), n + 10);
        rig_free(r);
    }
}

/* With the guest's IE = 0 the interrupt stays pending and does not exit. */
static void test_hosted_timer_ie_off(void)
{
    struct rig *r = hosted(ISA_PG, 0);
    struct prog p;
    p_init(&p, CODE);
    for (int j = 0; j < 20; j++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_load(&p, r);
    machine_set_cr(r->m, CR_TIMER, 5);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_TRAP);
    CU_ASSERT_EQUAL(r->exit.cause, CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(REG(r, 7), 20);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), CAUSE_TIMER);
    /* the host enables interrupts: the exit comes before anything runs */
    CPU(r)->pc += 4;
    machine_set_cr(r->m, CR_STATUS, SR_IE);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_INTERRUPT);
    CU_ASSERT_EQUAL(r->exit.pc, CODE + 4 * 21);
    rig_free(r);
}

/* --- exit controls, cause by cause --------------------------------------------- */

/* Exit controls that send out page faults and the timer only: a system
 * call is delivered through tvec as on the bare machine (the handler's
 * halt ends the run), a page fault exits with nothing delivered; with the
 * timer left inside, its interrupt vectors to the handler too. */
static void test_exit_controls_per_cause(void)
{
    struct rig *r = rig_new_exits(ISA_PG, EXIT_ON(CAUSE_PAGE_FAULT) | EXIT_ON(CAUSE_TIMER));
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_ADDI, 7, 0, 0, 3);
    uint32_t sc = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_HALT);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), sc);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(CPU(r)->pc, HANDLER + 4);
    rig_free(r);

    /* a page fault exits; nothing delivered */
    r = rig_new_exits(ISA_PG, EXIT_ON(CAUSE_PAGE_FAULT) | EXIT_ON(CAUSE_TIMER));
    machine_set_cr(r->m, CR_EPC, S_EPC);
    machine_set_cr(r->m, CR_CAUSE, S_CAUSE);
    machine_set_cr(r->m, CR_BADADDR, S_BADADDR);
    machine_set_cr(r->m, CR_STATUS, SR_PG);
    struct pt pt;
    map_guest(r, &pt);
    p_init(&p, CODE);
    p_li(&p, 5, VA3); /* not mapped */
    uint32_t lw = p_op(&p, OP_LW, 6, 5, 0, 0);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_TRAP);
    CU_ASSERT_EQUAL(CAUSE_CODE(r->exit.cause), CAUSE_PAGE_FAULT);
    CU_ASSERT_EQUAL(r->exit.pc, lw);
    CU_ASSERT_EQUAL(r->exit.addr, VA3);
    nothing_delivered(r, SR_PG);
    rig_free(r);

    /* the timer left inside: delivered through tvec, no EXIT_INTERRUPT */
    r = rig_new_exits(ISA_PG, EXIT_ON(CAUSE_SYSCALL));
    machine_set_cr(r->m, CR_STATUS, SR_S | SR_IE);
    p_init(&p, CODE);
    for (int j = 0; j < 20; j++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_load(&p, r);
    machine_set_cr(r->m, CR_TIMER, 5);
    CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_HALT);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_TIMER);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), CODE + 4 * 5);
    CU_ASSERT_EQUAL(REG(r, 7), 5);
    rig_free(r);
}

/* Exit controls naming a cause that does not exist are refused. */
static void test_exit_controls_refused(void)
{
    char err[200] = "";
    struct machine_config cfg = {.mem_size = RIG_MEM, .isa = ISA_PG, .exits = EXIT_ON(10)};
    CU_ASSERT_PTR_NULL(machine_new(&cfg, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exit controls 0x00000400"));
    cfg.exits = EXIT_ON(CAUSE_DISK) | EXIT_ON(CAUSE_BUS_ERROR);
    struct machine *m = machine_new(&cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(m);
    machine_free(m);
}

/* --- the budget ---------------------------------------------------------------- */

static void test_hosted_budget(void)
{
    struct rig *r = hosted(ISA_PG, 0);
    struct prog p;
    p_init(&p, CODE);
    for (int j = 0; j < 20; j++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 0), EXIT_BUDGET);
    CU_ASSERT_EQUAL(CPU(r)->instret, 0);
    CU_ASSERT_EQUAL(CPU(r)->pc, CODE);
    CU_ASSERT_EQUAL(rig_run(r, 5), EXIT_BUDGET);
    CU_ASSERT_EQUAL(r->exit.reason, EXIT_BUDGET);
    CU_ASSERT_EQUAL(CPU(r)->instret, 5);
    CU_ASSERT_EQUAL(CPU(r)->pc, CODE + 20);
    CU_ASSERT_EQUAL(REG(r, 7), 5);
    CU_ASSERT_EQUAL(rig_run(r, 15), EXIT_BUDGET);
    CU_ASSERT_EQUAL(CPU(r)->instret, 20);
    /* the trap comes before the budget counts anything */
    CU_ASSERT_EQUAL(rig_run(r, 1), EXIT_TRAP);
    CU_ASSERT_EQUAL(CPU(r)->instret, 20);
    rig_free(r);
}

/* A guest that loops, loads and stores across two pages with paging on:
 * stepping one instruction at a time ends in the same state as one run,
 * and every step retires exactly one instruction. */
static void build_stepper(struct rig *r)
{
    struct pt pt;
    map_guest(r, &pt);
    pt_map(&pt, VA1, FA, PTE_V | PTE_R | PTE_W | PTE_U);
    struct prog p;
    p_init(&p, CODE + PAGE_SIZE - 40); /* the loop straddles the page boundary */
    p_li(&p, 5, VA1);
    p_op(&p, OP_ADDI, 6, 0, 0, 50);
    uint32_t loop = p_op(&p, OP_LW, 7, 5, 0, 0);
    p_op(&p, OP_ADD, 7, 7, 6, 0);
    p_op(&p, OP_SW, 7, 5, 0, 0);
    p_op(&p, OP_SW, 6, 5, 0, 0x100);
    p_op(&p, OP_MUL, 8, 7, 7, 0);
    p_op(&p, OP_XOR, 9, 9, 8, 0);
    p_op(&p, OP_SLLI, 10, 6, 0, 2);
    p_op(&p, OP_ADD, 10, 10, 5, 0);
    p_op(&p, OP_SW, 9, 10, 0, 0x200);
    p_op(&p, OP_ADDI, 6, 6, 0, -1);
    p_br(&p, OP_BNE, 6, 0, loop);
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_load(&p, r);
    CPU(r)->pc = p.base;
}

static void test_hosted_step_equals_run(void)
{
    struct rig *a = hosted(ISA_PG, SR_PG), *b = hosted(ISA_PG, SR_PG);
    build_stepper(a);
    build_stepper(b);
    CU_ASSERT_EQUAL(rig_run(a, 1000000), EXIT_TRAP);
    uint64_t steps = 0;
    enum exit_reason why;
    for (;;) {
        uint64_t before = CPU(b)->instret;
        why = rig_run(b, 1);
        if (why != EXIT_BUDGET)
            break;
        steps++;
        if (CPU(b)->instret != before + 1) {
            CU_FAIL("a step of budget 1 did not retire exactly one instruction");
            break;
        }
        if (steps > 100000)
            break;
    }
    CU_ASSERT_EQUAL(why, EXIT_TRAP);
    CU_ASSERT_EQUAL(b->exit.cause, CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(steps, CPU(a)->instret);
    CU_ASSERT_EQUAL(CPU(a)->instret, 2 + 1 + 50 * 11);
    CU_ASSERT_EQUAL(CPU(a)->instret, CPU(b)->instret);
    CU_ASSERT_EQUAL(CPU(a)->cycles, CPU(b)->cycles);
    CU_ASSERT_EQUAL(CPU(a)->pc, CPU(b)->pc);
    CU_ASSERT(memcmp(CPU(a)->r, CPU(b)->r, sizeof CPU(a)->r[0] * NREGS) == 0);
    CU_ASSERT_EQUAL(a->exit.pc, b->exit.pc);
    static uint8_t ma[RIG_MEM], mb[RIG_MEM];
    CU_ASSERT_FATAL(machine_read_phys(a->m, 0, ma, RIG_MEM));
    CU_ASSERT_FATAL(machine_read_phys(b->m, 0, mb, RIG_MEM));
    CU_ASSERT(memcmp(ma, mb, RIG_MEM) == 0);
    CU_ASSERT_EQUAL(rig_peek32(a, FA), WA + 50 * 51 / 2);
    rig_free(a);
    rig_free(b);
}

/* --- the host's view of the TLB -------------------------------------------------- */

/* The host changes the guest's PTE between runs: stale until the host
 * flushes - by writing ptb (even the same value), by flushing the page or
 * the whole TLB, or by toggling PG; a flush of another page does nothing. */
static void test_hosted_tlb_flushes(void)
{
    struct rig *r = hosted(ISA_PG, SR_PG);
    struct pt pt;
    map_guest(r, &pt);
    uint32_t e = pt_l2e(&pt, VA1);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, VA1);
    for (unsigned i = 0; i < 7; i++) {
        p_op(&p, OP_LW, 6 + i, 5, 0, 0);
        p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    }
    p_load(&p, r);
    static const uint32_t frames[] = {FB, 0, FC, FD, 0, FA};
    for (int step = 0; step < 7; step++) {
        CU_ASSERT_EQUAL_FATAL(rig_run(r, 1000), EXIT_TRAP);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_SYSCALL);
        CPU(r)->pc += 4;
        if (step < 6 && frames[step])
            rig_poke32(r, e, frames[step] | PTE_V | PTE_R | PTE_U);
        switch (step) {
        case 1: machine_set_cr(r->m, CR_PTB, L1); break;
        case 2: machine_tlb_flush_page(r->m, VA1 + 0x10); break;
        case 3: machine_tlb_flush_page(r->m, VA3); break;
        case 4: machine_tlb_flush(r->m); break;
        case 5:
            machine_set_cr(r->m, CR_STATUS, 0);
            machine_set_cr(r->m, CR_STATUS, SR_PG);
            break;
        }
    }
    CU_ASSERT_EQUAL(REG(r, 6), WA);  /* then remapped to FB */
    CU_ASSERT_EQUAL(REG(r, 7), WA);  /* stale; then ptb written */
    CU_ASSERT_EQUAL(REG(r, 8), WB);  /* then FC and a page flush */
    CU_ASSERT_EQUAL(REG(r, 9), WC);  /* then FD and a flush of another page */
    CU_ASSERT_EQUAL(REG(r, 10), WC); /* stale; then a full flush */
    CU_ASSERT_EQUAL(REG(r, 11), WD); /* then FA and PG off and on */
    CU_ASSERT_EQUAL(REG(r, 12), WA);
    rig_free(r);
}

/* --- the variants ------------------------------------------------------------------ */

/* x86like: rdsr, rdptb and wrsr run in user mode and never exit; rdsr and
 * rdptb reveal the real values, wrsr changes nothing.  pg: each exits as a
 * privileged instruction.  mfcr is privileged in both. */
static void test_hosted_x86like_sensitive(void)
{
    for (int v = 0; v < 2; v++) {
        struct rig *r = hosted((enum isa_variant)v, SR_IE);
        machine_set_cr(r->m, CR_PTB, 0x5000);
        struct prog p;
        p_init(&p, CODE);
        p_op(&p, OP_ADDI, 7, 0, 0, SR_S | SR_PG | SR_PS | SR_PIE); /* IE clear */
        uint32_t at[3];
        at[0] = p_op(&p, OP_RDSR, 5, 0, 0, 0);
        at[1] = p_op(&p, OP_RDPTB, 6, 0, 0, 0);
        at[2] = p_op(&p, OP_WRSR, 7, 0, 0, 0);
        uint32_t mf = p_op(&p, OP_MFCR, 8, 0, 0, CR_STATUS);
        p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
        p_load(&p, r);
        if (v == ISA_PG) {
            for (int i = 0; i < 3; i++) {
                CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_TRAP);
                CU_ASSERT_EQUAL(r->exit.cause, CAUSE_PRIV);
                CU_ASSERT_EQUAL(r->exit.pc, at[i]);
                CU_ASSERT_EQUAL(r->exit.insn, rig_peek32(r, at[i]));
                CPU(r)->pc = at[i] + 4;
            }
            CU_ASSERT_EQUAL(REG(r, 5), 0);
            CU_ASSERT_EQUAL(REG(r, 6), 0);
        }
        CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_TRAP);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_PRIV); /* mfcr, both variants */
        CU_ASSERT_EQUAL(r->exit.pc, mf);
        CPU(r)->pc = mf + 4;
        CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_TRAP);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_SYSCALL);
        if (v == ISA_X86LIKE) {
            CU_ASSERT_EQUAL(REG(r, 5), SR_IE);  /* the real status: user mode */
            CU_ASSERT_EQUAL(REG(r, 6), 0x5000); /* the real ptb */
            CU_ASSERT_EQUAL(CPU(r)->instret, 4);
        } else {
            CU_ASSERT_EQUAL(CPU(r)->instret, 1);
        }
        CU_ASSERT_EQUAL(CRV(r, CR_STATUS), SR_IE); /* wrsr changed nothing */
        nothing_delivered(r, SR_IE);
        rig_free(r);
    }
}

void suite_hosted(void)
{
    CU_pSuite s = rule_suite("hosted", NULL, NULL);
    CU_add_test(s, "every exception exits with its record, nothing delivered", test_hosted_every_exception);
    CU_add_test(s, "misaligned jalr: insn is the jalr's word", test_hosted_misaligned_jalr_insn);
    CU_add_test(s, "supervisor code exits too; halt gives EXIT_HALT", test_hosted_supervisor);
    CU_add_test(s, "halt in user mode is privileged", test_hosted_user_halt);
    CU_add_test(s, "the host maps, emulates, skips and re-enters", test_hosted_fix_and_reenter);
    CU_add_test(s, "timer: EXIT_INTERRUPT, pending until acknowledged", test_hosted_timer_interrupt);
    CU_add_test(s, "timer with guest IE=0: no exit until IE", test_hosted_timer_ie_off);
    CU_add_test(s, "exit controls: each cause exits or vectors inside, as set", test_exit_controls_per_cause);
    CU_add_test(s, "exit controls naming no cause are refused", test_exit_controls_refused);
    CU_add_test(s, "budget: EXIT_BUDGET after exactly that many", test_hosted_budget);
    CU_add_test(s, "stepping by 1 equals one run", test_hosted_step_equals_run);
    CU_add_test(s, "the host's ptb, PG and flush calls flush the TLB", test_hosted_tlb_flushes);
    CU_add_test(s, "x86like: rdsr, rdptb, wrsr never exit; pg: each does", test_hosted_x86like_sensitive);
}
