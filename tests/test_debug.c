/*
 * test_debug.c - the debug path (isa/machine.h, docs/isa.md section 13):
 * breakpoints on virtual addresses, watched physical ranges and single
 * steps, on the bare and the hosted machine; and that attaching them
 * changes nothing a program does.
 *
 * Each stop is checked against a run of the same program with nothing
 * attached, cut by a budget at the same instret: the state must be the
 * same byte for byte.  Runs with a debugger attached go straight to
 * machine_run (drun): the reference CPU (isa/ref/) knows no debugger, so
 * VMLAB_DIFFTEST=1 cannot run them beside it.  The runs they are compared
 * with have nothing attached and go through rig_run, so they are diffed.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"
#include "prog.h"
#include "pt.h"
#include "rig.h"
#include "workloads.h"

#define DATA 0x8000u
#define L1 0x10000u
#define POOL 0x11000u
#define UCODE 0x00400000u  /* user code, two pages ... */
#define UCODE_PA 0x20000u  /* ... in these frames */
#define UDATA 0x00505000u  /* user data, one page (TLB slot 5: no other page uses it) ... */
#define UDATA_PA 0x30000u  /* ... in this frame */

/* A run with a debugger attached: never beside the reference. */
static enum exit_reason drun(struct rig *r, uint64_t budget) { return machine_run(r->m, budget, &r->exit); }

/* --- comparing whole states ------------------------------------------------- */

struct snap {
    uint32_t r[NREGS + 1], pc, cr[NCRS];
    uint64_t instret, cycles, flushes;
    struct tlb_view tlb;
    uint8_t *mem;
    char *out;
    size_t outlen;
};

static void snap_take(struct rig *r, struct snap *s)
{
    const struct cpu_state *c = CPU(r);
    memcpy(s->r, c->r, sizeof s->r);
    s->pc = c->pc;
    for (int i = 0; i < NCRS; i++)
        s->cr[i] = machine_get_cr(r->m, (enum cr)i);
    s->instret = c->instret;
    s->cycles = c->cycles;
    s->flushes = machine_tlb_flushes(r->m);
    machine_tlb_inspect(r->m, &s->tlb);
    s->mem = malloc(RIG_MEM);
    CU_ASSERT_FATAL(s->mem && machine_read_phys(r->m, 0, s->mem, RIG_MEM));
    s->outlen = r->outlen;
    s->out = malloc(r->outlen + 1);
    CU_ASSERT_FATAL(s->out != NULL);
    memcpy(s->out, r->out ? (char *)r->out : "", r->outlen);
    s->out[s->outlen] = '\0';
}

static void snap_free(struct snap *s)
{
    free(s->mem);
    free(s->out);
}

/* The first thing in which a and b differ, "" if none. */
static void snap_diff(const struct snap *a, const struct snap *b, char *what, size_t len)
{
    *what = '\0';
    for (int i = 0; i <= NREGS; i++)
        if (a->r[i] != b->r[i]) {
            snprintf(what, len, "r%d: 0x%08x and 0x%08x", i, a->r[i], b->r[i]);
            return;
        }
    if (a->pc != b->pc) {
        snprintf(what, len, "pc: 0x%08x and 0x%08x", a->pc, b->pc);
        return;
    }
    for (int i = 0; i < NCRS; i++)
        if (a->cr[i] != b->cr[i]) {
            snprintf(what, len, "control register %d: 0x%08x and 0x%08x", i, a->cr[i], b->cr[i]);
            return;
        }
    if (a->instret != b->instret || a->cycles != b->cycles || a->flushes != b->flushes) {
        snprintf(what, len, "instret %llu and %llu, cycles %llu and %llu, TLB flushes %llu and %llu",
                 (unsigned long long)a->instret, (unsigned long long)b->instret, (unsigned long long)a->cycles,
                 (unsigned long long)b->cycles, (unsigned long long)a->flushes, (unsigned long long)b->flushes);
        return;
    }
    for (int i = 0; i < TLB_ENTRIES; i++) {
        const struct tlb_slot *x = &a->tlb.slot[i], *y = &b->tlb.slot[i];
        if (x->valid != y->valid || (x->valid && (x->vpage != y->vpage || x->pte != y->pte))) {
            snprintf(what, len, "TLB slot %d", i);
            return;
        }
    }
    const struct itlb_entry *x = &a->tlb.itlb, *y = &b->tlb.itlb;
    if (x->valid != y->valid || (x->valid && (x->vpage != y->vpage || x->frame != y->frame))) {
        snprintf(what, len, "instruction TLB");
        return;
    }
    for (uint32_t i = 0; i < RIG_MEM; i++)
        if (a->mem[i] != b->mem[i]) {
            snprintf(what, len, "memory at 0x%x: 0x%02x and 0x%02x", i, a->mem[i], b->mem[i]);
            return;
        }
    if (a->outlen != b->outlen || memcmp(a->out, b->out, a->outlen) != 0)
        snprintf(what, len, "console output: \"%s\" and \"%s\"", a->out, b->out);
}

#define EXPECT_SAME(ra, rb)                                                       \
    do {                                                                          \
        struct snap sa_, sb_;                                                     \
        char w_[300];                                                             \
        snap_take((ra), &sa_);                                                    \
        snap_take((rb), &sb_);                                                    \
        snap_diff(&sa_, &sb_, w_, sizeof w_);                                     \
        CU_ASSERT_STRING_EQUAL(w_, "");                                           \
        if (*w_)                                                                  \
            fprintf(stderr, "\n  %s:%d: the states differ: %s", __FILE__, __LINE__, w_); \
        snap_free(&sa_);                                                          \
        snap_free(&sb_);                                                          \
    } while (0)

/* An exit record says nothing but what its reason uses. */
static void expect_break_record(const struct vm_exit *x, uint32_t at)
{
    CU_ASSERT_EQUAL(x->reason, EXIT_DEBUG);
    CU_ASSERT_EQUAL(x->pc, at);
    CU_ASSERT_EQUAL(x->debug.event, DEBUG_BREAK);
    CU_ASSERT_EQUAL(x->debug.pc, at);
    CU_ASSERT_EQUAL(x->debug.watch, 0);
    CU_ASSERT_EQUAL(x->debug.va, 0);
    CU_ASSERT_EQUAL(x->debug.pa, 0);
    CU_ASSERT_EQUAL(x->debug.size, 0);
    CU_ASSERT_EQUAL(x->cause, 0);
    CU_ASSERT_EQUAL(x->addr, 0);
    CU_ASSERT_EQUAL(x->insn, 0);
    CU_ASSERT_EQUAL(x->value, 0);
}

static void expect_watch_record(const struct vm_exit *x, int id, uint32_t insn_pc, uint32_t next_pc, uint32_t va,
                                uint32_t pa, uint32_t size, enum access k)
{
    CU_ASSERT_EQUAL(x->reason, EXIT_DEBUG);
    CU_ASSERT_EQUAL(x->pc, next_pc);
    CU_ASSERT_EQUAL(x->debug.event, DEBUG_WATCH);
    CU_ASSERT_EQUAL(x->debug.pc, insn_pc);
    CU_ASSERT_EQUAL(x->debug.watch, id);
    CU_ASSERT_EQUAL(x->debug.va, va);
    CU_ASSERT_EQUAL(x->debug.pa, pa);
    CU_ASSERT_EQUAL(x->debug.size, size);
    CU_ASSERT_EQUAL(x->debug.access, k);
    CU_ASSERT_EQUAL(x->cause, 0);
    CU_ASSERT_EQUAL(x->addr, 0);
    CU_ASSERT_EQUAL(x->value, 0);
}

/* --- programs ------------------------------------------------------------------ */

/* Supervisor, paging off, at CODE: a loop of five, a store and a load of
 * its sum at DATA+4, halt with it. */
struct simple {
    uint32_t loop, store, load, halt;
};

static struct simple put_simple(struct rig *r)
{
    struct prog p;
    struct simple s;
    p_init(&p, CODE);
    p_li(&p, 1, 5);
    p_op(&p, OP_ADDI, 2, 0, 0, 0);
    s.loop = p_op(&p, OP_ADD, 2, 2, 1, 0);
    p_op(&p, OP_ADDI, 1, 1, 0, -1);
    p_br(&p, OP_BNE, 1, 0, s.loop);
    p_li(&p, 3, DATA);
    s.store = p_op(&p, OP_SW, 2, 3, 0, 4);
    s.load = p_op(&p, OP_LW, 4, 3, 0, 4);
    s.halt = p_op(&p, OP_HALT, 4, 0, 0, 0);
    p_load(&p, r);
    return s;
}

/* User mode with paging: page 0 (the handler) identity-mapped for the
 * supervisor, UCODE (two pages) in frames UCODE_PA.., UDATA in UDATA_PA. */
static void map_user(struct rig *r)
{
    struct pt pt;
    pt_init(&pt, r, L1, POOL);
    pt_identity(&pt, 0, 1, PTE_V | PTE_R | PTE_X | PTE_A);
    pt_map(&pt, UCODE, UCODE_PA, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    pt_map(&pt, UCODE + PAGE_SIZE, UCODE_PA + PAGE_SIZE, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    pt_map(&pt, UDATA, UDATA_PA, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    machine_set_cr(r->m, CR_PTB, L1);
}

/* The handler for the busy program, at HANDLER: a syscall prints r1 and
 * returns past it, a timer interrupt counts in r14 and re-arms the timer,
 * anything else halts with the cause. */
static void put_handler(struct rig *r)
{
    struct prog p;
    p_init(&p, HANDLER);
    p_op(&p, OP_MFCR, 12, 0, 0, CR_CAUSE);
    p_op(&p, OP_ADDI, 13, 12, 0, -CAUSE_SYSCALL);
    size_t to_sys = p_hole(&p);
    p_op(&p, OP_ADDI, 13, 12, 0, -CAUSE_TIMER);
    size_t to_tick = p_hole(&p);
    p_op(&p, OP_HALT, 12, 0, 0, 0);
    p_patch(&p, to_sys, OP_BEQ, 13, 0, p_here(&p));
    p_op(&p, OP_MFCR, 13, 0, 0, CR_EPC);
    p_op(&p, OP_ADDI, 13, 13, 0, 4);
    p_op(&p, OP_MTCR, 13, 0, 0, CR_EPC);
    p_op(&p, OP_OUT, 1, 0, 0, PORT_CON_DATA);
    p_op(&p, OP_RFE, 0, 0, 0, 0);
    p_patch(&p, to_tick, OP_BEQ, 13, 0, p_here(&p));
    p_op(&p, OP_ADDI, 14, 14, 0, 1);
    p_op(&p, OP_ADDI, 13, 0, 0, 37);
    p_op(&p, OP_MTCR, 13, 0, 0, CR_TIMER);
    p_op(&p, OP_RFE, 0, 0, 0, 0);
    p_load(&p, r);
}

/* What the busy program touches, for watches that must never be hit:
 * UDATA words 0 and 16 (lw, sw), byte 9 (sb), bytes 8-9 (lhu). */
#define BUSY_UNTOUCHED_A 4u  /* [4, 8) */
#define BUSY_UNTOUCHED_B 10u /* [10, 16) */

struct busy {
    uint32_t loop, func, after_func, syscall, unused_code;
};

/* User mode, paging, interrupts: twenty rounds of loads and stores to
 * UDATA, a call to a function on the next page, a syscall that prints;
 * timer interrupts all along; halt (privileged: the handler halts with
 * CAUSE_PRIV). */
static struct busy put_busy(struct rig *r, bool hosted)
{
    struct busy b;
    struct prog f;
    map_user(r);
    if (!hosted)
        put_handler(r);
    p_init(&f, UCODE + PAGE_SIZE);
    b.func = p_op(&f, OP_LW, 7, 3, 0, 16);
    p_op(&f, OP_ADDI, 7, 7, 0, 3);
    p_op(&f, OP_SW, 7, 3, 0, 16);
    p_op(&f, OP_LHU, 8, 3, 0, 8);
    p_op(&f, OP_JALR, 0, 15, 0, 0);
    b.unused_code = p_op(&f, OP_ADDI, 9, 9, 0, 1);
    struct prog p;
    p_init(&p, UCODE);
    p_li(&p, 3, UDATA);
    p_op(&p, OP_ADDI, 1, 0, 0, 'a');
    p_op(&p, OP_ADDI, 6, 0, 0, 20);
    b.loop = p_op(&p, OP_LW, 4, 3, 0, 0);
    p_op(&p, OP_ADD, 4, 4, 6, 0);
    p_op(&p, OP_SW, 4, 3, 0, 0);
    p_op(&p, OP_SB, 6, 3, 0, 9);
    p_br(&p, OP_JAL, 15, 0, b.func);
    b.after_func = p_here(&p);
    b.syscall = hosted ? p_op(&p, OP_ADDI, 0, 0, 0, 0) : p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 1, 1, 0, 1);
    p_op(&p, OP_ADDI, 6, 6, 0, -1);
    p_br(&p, OP_BNE, 6, 0, b.loop);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    /* the code runs at UCODE; it is placed in its frames */
    rig_put(r, UCODE_PA, p.w, p.n);
    rig_put(r, UCODE_PA + PAGE_SIZE, f.w, f.n);
    if (!hosted)
        machine_set_cr(r->m, CR_TIMER, 37);
    machine_set_cr(r->m, CR_STATUS, SR_PG | (hosted ? 0 : SR_IE));
    CPU(r)->pc = UCODE;
    return b;
}

/* --- breakpoints ---------------------------------------------------------------- */

/* It stops before the instruction, with everything exactly as a budget
 * that ends at the same instret leaves it; resuming runs on from there. */
static void test_break_stops_before(void)
{
    struct rig *a = rig_new(ISA_PG, false), *b = rig_new(ISA_PG, false);
    struct simple s = put_simple(a);
    put_simple(b);
    CU_ASSERT(machine_break_add(b->m, s.store));
    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_DEBUG);
    expect_break_record(&b->exit, s.store);
    CU_ASSERT_EQUAL(CPU(b)->pc, s.store);
    CU_ASSERT_EQUAL(rig_peek32(b, DATA + 4), 0); /* the store has not run */
    CU_ASSERT_EQUAL(rig_run(a, CPU(b)->instret), EXIT_BUDGET);
    CU_ASSERT_EQUAL(CPU(a)->pc, s.store);
    EXPECT_SAME(a, b);
    /* resuming steps over it, and the run ends as the one without it */
    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(rig_run(a, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(b->exit.value, a->exit.value);
    EXPECT_SAME(a, b);
    rig_free(a);
    rig_free(b);
}

/* A breakpoint in a loop stops at every arrival - the instrets where a
 * run stepped one instruction at a time stands at it - and never twice
 * at the same one. */
static void test_break_each_arrival(void)
{
    struct rig *a = rig_new(ISA_PG, false), *b = rig_new(ISA_PG, false);
    struct simple s = put_simple(a);
    put_simple(b);
    uint64_t arrivals[16];
    int n = 0;
    while (n < 16) {
        if (CPU(a)->pc == s.loop)
            arrivals[n++] = CPU(a)->instret;
        if (rig_run(a, 1) != EXIT_BUDGET)
            break;
    }
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT(machine_break_add(b->m, s.loop));
    int hits = 0;
    enum exit_reason why;
    while ((why = drun(b, 1000)) == EXIT_DEBUG && hits < 16) {
        CU_ASSERT(hits < n && CPU(b)->instret == arrivals[hits]);
        expect_break_record(&b->exit, s.loop);
        hits++;
    }
    CU_ASSERT_EQUAL(why, EXIT_HALT);
    CU_ASSERT_EQUAL(hits, n);
    EXPECT_SAME(a, b);
    rig_free(a);
    rig_free(b);
}

static void test_break_several_del_clear(void)
{
    struct rig *b = rig_new(ISA_PG, false);
    struct simple s = put_simple(b);
    uint32_t at[4] = {0};
    CU_ASSERT(machine_break_add(b->m, s.halt));
    CU_ASSERT(machine_break_add(b->m, s.loop + 4));
    CU_ASSERT(machine_break_add(b->m, s.load));
    CU_ASSERT(machine_break_add(b->m, s.load)); /* there already: nothing changes */
    CU_ASSERT_FALSE(machine_break_add(b->m, s.load + 2));
    CU_ASSERT_EQUAL(machine_breaks(b->m, NULL, 0), 3);
    CU_ASSERT_EQUAL(machine_breaks(b->m, at, 4), 3);
    CU_ASSERT(at[0] == s.loop + 4 && at[1] == s.load && at[2] == s.halt);
    CU_ASSERT_FALSE(machine_break_del(b->m, s.store));

    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_DEBUG);
    expect_break_record(&b->exit, s.loop + 4);
    CU_ASSERT(machine_break_del(b->m, s.loop + 4));
    CU_ASSERT_FALSE(machine_break_del(b->m, s.loop + 4));
    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_DEBUG); /* not again in the loop */
    expect_break_record(&b->exit, s.load);
    CU_ASSERT_EQUAL(rig_peek32(b, DATA + 4), 15); /* the store before it ran */
    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_DEBUG);
    expect_break_record(&b->exit, s.halt);
    CU_ASSERT_EQUAL(CPU(b)->r[4], 15);
    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(b->exit.value, 15);

    /* cleared: the same program runs through */
    machine_reset(b->m);
    machine_set_cr(b->m, CR_TVEC, HANDLER);
    CPU(b)->pc = CODE;
    machine_break_add(b->m, s.loop);
    machine_break_add(b->m, s.halt);
    machine_break_clear(b->m);
    CU_ASSERT_EQUAL(machine_breaks(b->m, at, 4), 0);
    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(b->exit.value, 15);
    rig_free(b);
}

/* A breakpoint is a virtual address: in user mode with paging, it stops at
 * the page's virtual address, not at the frame's physical one; bare and
 * hosted alike, with the hosted machine's other exits as without it. */
static void test_break_user_paging(void)
{
    for (int hosted = 0; hosted < 2; hosted++) {
        struct rig *a = rig_new(ISA_PG, hosted), *b = rig_new(ISA_PG, hosted);
        struct busy ba = put_busy(a, hosted);
        put_busy(b, hosted);
        uint32_t at = ba.func + 4; /* on the second page */
        CU_ASSERT(machine_break_add(b->m, UCODE_PA + PAGE_SIZE + 4)); /* the frame's address: never pc */
        CU_ASSERT(machine_break_add(b->m, at));
        CU_ASSERT_EQUAL(drun(b, 100000), EXIT_DEBUG);
        expect_break_record(&b->exit, at);
        CU_ASSERT_FALSE(machine_cpu(b->m)->cr[CR_STATUS] & SR_S);
        CU_ASSERT_EQUAL(rig_run(a, CPU(b)->instret), EXIT_BUDGET);
        EXPECT_SAME(a, b);
        /* the first call after it; the next one stops at the next round */
        uint64_t first = CPU(b)->instret;
        CU_ASSERT_EQUAL(drun(b, 100000), EXIT_DEBUG);
        expect_break_record(&b->exit, at);
        CU_ASSERT(CPU(b)->instret > first);
        CU_ASSERT(machine_break_del(b->m, at));
        CU_ASSERT_EQUAL(rig_run(a, CPU(b)->instret - CPU(a)->instret), EXIT_BUDGET);
        enum exit_reason wa = rig_run(a, 100000), wb = drun(b, 100000);
        CU_ASSERT_EQUAL(wa, hosted ? EXIT_TRAP : EXIT_HALT);
        CU_ASSERT_EQUAL(wb, wa);
        CU_ASSERT_EQUAL(b->exit.cause, a->exit.cause);
        CU_ASSERT_EQUAL(b->exit.pc, a->exit.pc);
        CU_ASSERT_EQUAL(b->exit.addr, a->exit.addr);
        CU_ASSERT_EQUAL(b->exit.insn, a->exit.insn);
        CU_ASSERT_EQUAL(b->exit.access, a->exit.access);
        CU_ASSERT_EQUAL(b->exit.value, a->exit.value);
        CU_ASSERT_EQUAL(b->exit.debug.event, 0);
        EXPECT_SAME(a, b);
        rig_free(a);
        rig_free(b);
    }
}

/* A trap or an interrupt delivered to tvec stops at a breakpoint there,
 * with the trap's state saved and nothing of the handler run. */
static void test_break_on_handler(void)
{
    struct rig *b = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_ADDI, 5, 0, 0, 1);
    uint32_t sc = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    p_load(&p, b);
    CU_ASSERT(machine_break_add(b->m, HANDLER));
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_DEBUG);
    expect_break_record(&b->exit, HANDLER);
    CU_ASSERT_EQUAL(CRV(b, CR_CAUSE), CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(CRV(b, CR_EPC), sc);
    CU_ASSERT_EQUAL(CPU(b)->instret, 1); /* the syscall did not retire */
    CU_ASSERT(CRV(b, CR_STATUS) & SR_S);
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_HALT); /* the handler's halt */
    CU_ASSERT_EQUAL(CPU(b)->instret, 2);
    rig_free(b);

    /* an interrupt: the timer fires in a loop with IE set.  machine_run
     * takes a pending interrupt before it checks its budget, so a budget
     * run to the same instret has delivered it too. */
    struct rig *a = rig_new(ISA_PG, false);
    b = rig_new(ISA_PG, false);
    p_init(&p, CODE);
    p_op(&p, OP_ADDI, 5, 0, 0, 10);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TIMER);
    uint32_t spin = p_op(&p, OP_ADDI, 6, 6, 0, 1);
    p_br(&p, OP_JAL, 0, 0, spin);
    p_load(&p, a);
    p_load(&p, b);
    machine_set_cr(a->m, CR_STATUS, SR_S | SR_IE);
    machine_set_cr(b->m, CR_STATUS, SR_S | SR_IE);
    CU_ASSERT(machine_break_add(b->m, HANDLER));
    CU_ASSERT_EQUAL(drun(b, 1000), EXIT_DEBUG);
    expect_break_record(&b->exit, HANDLER);
    CU_ASSERT_EQUAL(CRV(b, CR_CAUSE), CAUSE_TIMER);
    CU_ASSERT(CRV(b, CR_EPC) == spin || CRV(b, CR_EPC) == spin + 4);
    CU_ASSERT_EQUAL(rig_run(a, CPU(b)->instret), EXIT_BUDGET);
    EXPECT_SAME(a, b);
    rig_free(a);
    rig_free(b);
}

/* A budget of one retires one instruction with breakpoints attached too;
 * standing on a breakpoint it has not reported, the call reports it and
 * retires nothing, unless the host steps over it. */
static void test_break_single_step(void)
{
    struct rig *b = rig_new(ISA_PG, false);
    struct simple s = put_simple(b);
    CU_ASSERT(machine_break_add(b->m, s.store));
    CU_ASSERT(machine_break_add(b->m, 0x7ffc)); /* never reached */
    uint64_t before = CPU(b)->instret;
    while (CPU(b)->pc != s.store && CPU(b)->instret < 100) {
        CU_ASSERT_EQUAL(drun(b, 1), EXIT_BUDGET);
        CU_ASSERT_EQUAL(CPU(b)->instret, ++before);
    }
    CU_ASSERT_EQUAL(drun(b, 1), EXIT_DEBUG);
    expect_break_record(&b->exit, s.store);
    CU_ASSERT_EQUAL(CPU(b)->instret, before);
    CU_ASSERT_EQUAL(drun(b, 1), EXIT_BUDGET); /* stepped over */
    CU_ASSERT_EQUAL(CPU(b)->instret, before + 1);
    CU_ASSERT_EQUAL(CPU(b)->pc, s.load);
    /* machine_debug_step_over: the host resumes from a breakpoint itself */
    CU_ASSERT(machine_break_add(b->m, s.load));
    machine_debug_step_over(b->m);
    CU_ASSERT_EQUAL(drun(b, 1), EXIT_BUDGET);
    CU_ASSERT_EQUAL(CPU(b)->pc, s.halt);
    /* a budget of 0 checks nothing */
    CU_ASSERT(machine_break_add(b->m, s.halt));
    CU_ASSERT_EQUAL(drun(b, 0), EXIT_BUDGET);
    CU_ASSERT_EQUAL(drun(b, 5), EXIT_DEBUG);
    expect_break_record(&b->exit, s.halt);
    rig_free(b);
}

/* --- watches ---------------------------------------------------------------------- */

/* Supervisor, paging off: stores and loads of each size around DATA+4. */
struct around {
    uint32_t sw_at, sb_in, lw_at, end;
};

static struct around put_around(struct rig *r)
{
    struct prog p;
    struct around a;
    p_init(&p, CODE);
    p_li(&p, 3, DATA);
    p_li(&p, 2, 0x12345678);
    p_op(&p, OP_SW, 2, 3, 0, 0);  /* neighbours, before and after */
    p_op(&p, OP_SW, 2, 3, 0, 8);
    p_op(&p, OP_SB, 2, 3, 0, 3);
    p_op(&p, OP_SB, 2, 3, 0, 8);
    p_op(&p, OP_LW, 5, 3, 0, 0);
    p_op(&p, OP_LBU, 5, 3, 0, 8);
    p_op(&p, OP_LH, 5, 3, 0, 2);
    a.sw_at = p_op(&p, OP_SW, 2, 3, 0, 4); /* DATA+4 */
    a.sb_in = p_op(&p, OP_SB, 0, 3, 0, 6);
    a.lw_at = p_op(&p, OP_LW, 4, 3, 0, 4);
    p_op(&p, OP_ADDI, 9, 0, 0, 1);
    a.end = p_op(&p, OP_HALT, 4, 0, 0, 0);
    p_load(&p, r);
    return a;
}

/* A write watch stops after the store, value in memory, instruction
 * retired; the record says where and how.  Its neighbours do not stop. */
static void test_watch_write(void)
{
    struct rig *a = rig_new(ISA_PG, false), *b = rig_new(ISA_PG, false);
    struct around w = put_around(a);
    put_around(b);
    char err[200];
    int id = machine_watch_add(b->m, DATA + 4, 4, WATCH_WRITE, err, sizeof err);
    CU_ASSERT(id > 0);
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_DEBUG);
    expect_watch_record(&b->exit, id, w.sw_at, w.sw_at + 4, DATA + 4, DATA + 4, 4, ACCESS_WRITE);
    CU_ASSERT_EQUAL(CPU(b)->pc, w.sw_at + 4);
    CU_ASSERT_EQUAL(rig_peek32(b, DATA + 4), 0x12345678);
    CU_ASSERT_EQUAL(rig_run(a, CPU(b)->instret), EXIT_BUDGET);
    EXPECT_SAME(a, b);
    /* a byte inside */
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_DEBUG);
    expect_watch_record(&b->exit, id, w.sb_in, w.sb_in + 4, DATA + 6, DATA + 6, 1, ACCESS_WRITE);
    CU_ASSERT_EQUAL(rig_peek32(b, DATA + 4), 0x12005678);
    /* a write watch lets loads through */
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_HALT);
    CU_ASSERT_EQUAL(rig_run(a, 100), EXIT_HALT);
    EXPECT_SAME(a, b);
    rig_free(a);
    rig_free(b);
}

static void test_watch_read(void)
{
    struct rig *b = rig_new(ISA_PG, false);
    struct around w = put_around(b);
    char err[200];
    int id = machine_watch_add(b->m, DATA + 4, 4, WATCH_READ, err, sizeof err);
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_DEBUG);
    expect_watch_record(&b->exit, id, w.lw_at, w.lw_at + 4, DATA + 4, DATA + 4, 4, ACCESS_READ);
    CU_ASSERT_EQUAL(CPU(b)->r[4], 0x12005678); /* the load retired */
    CU_ASSERT_EQUAL(CPU(b)->r[9], 0);          /* the next one did not */
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_HALT);
    /* read and write, and a second watch that covers the same word: the
     * first one added is named */
    struct rig *c = rig_new(ISA_PG, false);
    put_around(c);
    int id1 = machine_watch_add(c->m, DATA + 4, 2, WATCH_ACCESS, err, sizeof err);
    int id2 = machine_watch_add(c->m, DATA, 16, WATCH_WRITE, err, sizeof err);
    CU_ASSERT(id1 > 0 && id2 > id1);
    CU_ASSERT_EQUAL(drun(c, 100), EXIT_DEBUG); /* the first neighbour: only id2 */
    CU_ASSERT_EQUAL(c->exit.debug.watch, id2);
    CU_ASSERT(machine_watch_del(c->m, id2));
    CU_ASSERT_EQUAL(drun(c, 100), EXIT_DEBUG);
    expect_watch_record(&c->exit, id1, w.sw_at, w.sw_at + 4, DATA + 4, DATA + 4, 4, ACCESS_WRITE);
    CU_ASSERT_EQUAL(drun(c, 100), EXIT_DEBUG); /* the byte at 6 is not in [4, 6) */
    expect_watch_record(&c->exit, id1, w.lw_at, w.lw_at + 4, DATA + 4, DATA + 4, 4, ACCESS_READ);
    CU_ASSERT_EQUAL(drun(c, 100), EXIT_HALT);
    rig_free(b);
    rig_free(c);
}

/* With paging on, user mode: va and pa both in the record; and a page
 * already in the TLB with its fast tags (D set, stored to) is caught as
 * soon as the watch is added.  Removing it lets the run go to its end as
 * one without it. */
static void test_watch_paging_tlb_hit(void)
{
    for (int hosted = 0; hosted < 2; hosted++) {
        struct rig *a = rig_new(ISA_PG, hosted), *b = rig_new(ISA_PG, hosted);
        struct busy bu = put_busy(a, hosted);
        put_busy(b, hosted);
        /* two rounds, so that UDATA's entry is hot */
        uint32_t rounds = 0;
        while (rounds < 2 && drun(b, 1) == EXIT_BUDGET)
            rounds += CPU(b)->pc == bu.loop;
        struct tlb_view v;
        machine_tlb_inspect(b->m, &v);
        const struct tlb_slot *e = &v.slot[(UDATA >> PAGE_SHIFT) % TLB_ENTRIES];
        CU_ASSERT(e->valid && e->vpage == UDATA && (e->pte & PTE_D));
        uint64_t flushes = machine_tlb_flushes(b->m);
        char err[200];
        int id = machine_watch_add(b->m, UDATA_PA + 16, 4, WATCH_WRITE, err, sizeof err);
        CU_ASSERT_EQUAL(drun(b, 100000), EXIT_DEBUG);
        uint32_t sw16 = bu.func + 8;
        expect_watch_record(&b->exit, id, sw16, sw16 + 4, UDATA + 16, UDATA_PA + 16, 4, ACCESS_WRITE);
        CU_ASSERT_EQUAL(rig_peek32(b, UDATA_PA + 16), 3 * rounds); /* one more call than rounds done */
        CU_ASSERT_EQUAL(machine_tlb_flushes(b->m), flushes); /* caught without a flush */
        CU_ASSERT_EQUAL(rig_run(a, CPU(b)->instret), EXIT_BUDGET);
        EXPECT_SAME(a, b);
        CU_ASSERT(machine_watch_del(b->m, id));
        CU_ASSERT_FALSE(machine_watch_del(b->m, id));
        enum exit_reason wa = rig_run(a, 100000);
        CU_ASSERT_EQUAL(drun(b, 100000), wa);
        EXPECT_SAME(a, b);
        rig_free(a);
        rig_free(b);
    }
}

/* A fetch watch stops before the instruction fetched from the range runs,
 * as a breakpoint on a physical address; loads from the range do not. */
static void test_watch_fetch(void)
{
    struct rig *a = rig_new(ISA_PG, false), *b = rig_new(ISA_PG, false);
    struct busy bu = put_busy(a, false);
    put_busy(b, false);
    uint32_t pa = UCODE_PA + (bu.after_func - UCODE);
    char err[200];
    int id = machine_watch_add(b->m, pa, 4, WATCH_FETCH, err, sizeof err);
    CU_ASSERT(id > 0);
    CU_ASSERT_EQUAL(drun(b, 100000), EXIT_DEBUG);
    expect_watch_record(&b->exit, id, bu.after_func, bu.after_func, bu.after_func, pa, 4, ACCESS_FETCH);
    CU_ASSERT_EQUAL(rig_run(a, CPU(b)->instret), EXIT_BUDGET);
    EXPECT_SAME(a, b);
    /* stepped over, and stops at the next round */
    uint64_t first = CPU(b)->instret;
    CU_ASSERT_EQUAL(drun(b, 100000), EXIT_DEBUG);
    CU_ASSERT_EQUAL(b->exit.debug.access, ACCESS_FETCH);
    CU_ASSERT(CPU(b)->instret > first);
    rig_free(a);
    rig_free(b);

    /* the code read as data */
    b = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 3, CODE);
    p_op(&p, OP_LW, 4, 3, 0, 0);
    p_op(&p, OP_HALT, 4, 0, 0, 0);
    p_load(&p, b);
    CU_ASSERT(machine_watch_add(b->m, CODE, 4, WATCH_FETCH, err, sizeof err) > 0);
    machine_debug_step_over(b->m); /* the watched word is where we stand */
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_HALT);
    rig_free(b);
}

static void test_watch_bad_input(void)
{
    struct rig *b = rig_new(ISA_PG, false);
    char err[200];
    CU_ASSERT_EQUAL(machine_watch_add(b->m, DATA, 0, WATCH_READ, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "an empty range watches nothing");
    CU_ASSERT_EQUAL(machine_watch_add(b->m, RIG_MEM - 4, 8, WATCH_READ, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "[0x000ffffc, 0x00100004) is not all in memory (1048576 bytes)");
    CU_ASSERT_EQUAL(machine_watch_add(b->m, 0xfffffff0u, 0x20, WATCH_READ, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "[0xfffffff0, 0x100000010) is not all in memory (1048576 bytes)");
    CU_ASSERT_EQUAL(machine_watch_add(b->m, DATA, 4, 0, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "kinds 0x0: not a set of WATCH_READ, WATCH_WRITE and WATCH_FETCH");
    CU_ASSERT_EQUAL(machine_watch_add(b->m, DATA, 4, WATCH_READ | 8, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "kinds 0x9: not a set of WATCH_READ, WATCH_WRITE and WATCH_FETCH");
    CU_ASSERT_EQUAL(machine_watches(b->m, NULL, 0), 0);
    /* the last byte of memory is fine; ids are never used again */
    int i1 = machine_watch_add(b->m, RIG_MEM - 1, 1, WATCH_WRITE, err, sizeof err);
    int i2 = machine_watch_add(b->m, 0, RIG_MEM, WATCH_READ | WATCH_FETCH, err, sizeof err);
    CU_ASSERT(i1 > 0 && i2 > i1);
    struct watch_range w[3];
    CU_ASSERT_EQUAL(machine_watches(b->m, w, 3), 2);
    CU_ASSERT(w[0].id == i1 && w[0].pa == RIG_MEM - 1 && w[0].len == 1 && w[0].kinds == WATCH_WRITE);
    CU_ASSERT(w[1].id == i2 && w[1].pa == 0 && w[1].len == RIG_MEM && w[1].kinds == (WATCH_READ | WATCH_FETCH));
    machine_watch_clear(b->m);
    CU_ASSERT_EQUAL(machine_watches(b->m, w, 3), 0);
    CU_ASSERT_FALSE(machine_watch_del(b->m, i1));
    int i3 = machine_watch_add(b->m, DATA, 4, WATCH_WRITE, err, sizeof err);
    CU_ASSERT(i3 > i2);
    rig_free(b);
}

/* A watch hit on the one instruction of a budget of one: it retired, and
 * the exit says the watch.  The watch is added when the neighbours' stores
 * have left the page's paging-off entry hot, with a write tag. */
static void test_watch_single_step(void)
{
    struct rig *b = rig_new(ISA_PG, false);
    struct around w = put_around(b);
    while (CPU(b)->pc != w.sw_at && CPU(b)->instret < 100)
        CU_ASSERT_EQUAL(drun(b, 1), EXIT_BUDGET);
    char err[200];
    int id = machine_watch_add(b->m, DATA + 4, 4, WATCH_WRITE, err, sizeof err);
    uint64_t before = CPU(b)->instret;
    CU_ASSERT_EQUAL(drun(b, 1), EXIT_DEBUG);
    expect_watch_record(&b->exit, id, w.sw_at, w.sw_at + 4, DATA + 4, DATA + 4, 4, ACCESS_WRITE);
    CU_ASSERT_EQUAL(CPU(b)->instret, before + 1);
    rig_free(b);
}

/* --- nothing changes ---------------------------------------------------------------- */

/* Breakpoints and watches that are never hit, in the pages and frames the
 * program uses: the busy program ends exactly as without them, run in one
 * call or one instruction at a time. */
static void attach_never_hit(struct rig *r, const struct busy *bu, bool stepping)
{
    char err[200];
    CU_ASSERT(machine_watch_add(r->m, UDATA_PA + BUSY_UNTOUCHED_A, 4, WATCH_ACCESS, err, sizeof err) > 0);
    CU_ASSERT(machine_watch_add(r->m, UDATA_PA + BUSY_UNTOUCHED_B, 6, WATCH_ACCESS, err, sizeof err) > 0);
    CU_ASSERT(machine_watch_add(r->m, UCODE_PA, 2 * PAGE_SIZE, WATCH_WRITE, err, sizeof err) > 0);
    if (!stepping)
        return;
    CU_ASSERT(machine_break_add(r->m, bu->unused_code));
    CU_ASSERT(machine_break_add(r->m, UCODE_PA + (bu->loop - UCODE))); /* a physical address */
    CU_ASSERT(machine_break_add(r->m, HANDLER + 0x80));
    CU_ASSERT(machine_watch_add(r->m, UDATA_PA, 32, WATCH_FETCH, err, sizeof err) > 0);
    CU_ASSERT(machine_watch_add(r->m, UCODE_PA + (bu->unused_code - UCODE), 4, WATCH_FETCH, err, sizeof err) > 0);
}

static void test_never_hit_changes_nothing(void)
{
    /* one call; one instruction at a time; load and store watches only,
     * which need no stepping */
    for (int way = 0; way < 3; way++) {
        struct rig *a = rig_new(ISA_PG, false), *b = rig_new(ISA_PG, false);
        struct busy bu = put_busy(a, false);
        put_busy(b, false);
        attach_never_hit(b, &bu, way != 2);
        CU_ASSERT_EQUAL(rig_run(a, 1000000), EXIT_HALT);
        CU_ASSERT_EQUAL(a->exit.value, CAUSE_PRIV);
        CU_ASSERT(CPU(a)->r[14] > 5); /* the timer interrupted it often */
        CU_ASSERT_EQUAL(a->outlen, 20);
        enum exit_reason why;
        if (way == 1) {
            uint64_t n = 0;
            while ((why = drun(b, 1)) == EXIT_BUDGET && n < 1000000)
                CU_ASSERT_EQUAL(CPU(b)->instret, ++n);
        } else {
            why = drun(b, 1000000);
        }
        CU_ASSERT_EQUAL(why, EXIT_HALT);
        CU_ASSERT_EQUAL(b->exit.value, a->exit.value);
        CU_ASSERT_EQUAL(b->exit.pc, a->exit.pc);
        EXPECT_SAME(a, b);
        rig_free(a);
        rig_free(b);
    }
}

/* One instruction at a time with nothing attached ends as one call does,
 * and stepping flushes nothing: the flush counter stands still while the
 * program flushes nothing, and counts each tlbflush when it does. */
static void test_stepping_flushes_nothing(void)
{
    struct rig *a = rig_new(ISA_PG, false), *b = rig_new(ISA_PG, false);
    put_busy(a, false);
    put_busy(b, false);
    uint64_t flushes = machine_tlb_flushes(b->m);
    CU_ASSERT(flushes > 0); /* ptb and status.PG were written */
    CU_ASSERT_EQUAL(rig_run(a, 1000000), EXIT_HALT);
    enum exit_reason why;
    while ((why = drun(b, 1)) == EXIT_BUDGET && CPU(b)->instret < 1000000)
        CU_ASSERT_EQUAL(machine_tlb_flushes(b->m), flushes);
    CU_ASSERT_EQUAL(why, EXIT_HALT);
    CU_ASSERT_EQUAL(machine_tlb_flushes(b->m), flushes);
    EXPECT_SAME(a, b);
    rig_free(a);
    rig_free(b);

    b = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_TLBFLUSH, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 5, 0, 0, 0);
    p_op(&p, OP_TLBFLUSH, 0, 0, 0, 0);
    p_op(&p, OP_TLBFLUSHV, 5, 0, 0, 0); /* one page: not a full flush */
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    p_load(&p, b);
    flushes = machine_tlb_flushes(b->m);
    CU_ASSERT_EQUAL(drun(b, 100), EXIT_HALT);
    CU_ASSERT_EQUAL(machine_tlb_flushes(b->m), flushes + 2);
    machine_tlb_flush(b->m);
    machine_set_cr(b->m, CR_PTB, L1);
    CU_ASSERT_EQUAL(machine_tlb_flushes(b->m), flushes + 4);
    rig_free(b);
}

/* The guest OS, booted, with a breakpoint it never reaches (so every
 * instruction is checked) and a write watch on its kernel's code: every
 * instruction, trap, interrupt and disk transfer as without them. */
struct os_run {
    struct machine *m;
    struct capture out;
};

static bool os_boot(struct os_run *o, const struct guest_workload *w)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return false;
    char err[300];
    struct machine_config mc = {.mem_size = guest_mem(&w->o), .isa = w->o.isa};
    o->m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_FATAL(o->m != NULL);
    CU_ASSERT_FATAL(elf_boot(o->m, k, w->o.boot, err, sizeof err));
    o->out = (struct capture){.in = w->o.input};
    machine_set_console(o->m, &(struct console_io){.ctx = &o->out, .read = capture_read, .write = capture_write});
    size_t len;
    uint8_t *disk = guest_disk(&w->o, &len);
    if (disk)
        CU_ASSERT_FATAL(machine_attach_disk(o->m, disk, len));
    free(disk);
    return true;
}

static void test_guest_os_unchanged(void)
{
    const struct guest_workload *w = guest_workload("disk");
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct os_run a, b;
    if (!os_boot(&a, w) || !os_boot(&b, w))
        return;
    const struct elf_image *k = guest_kernel();
    char err[200];
    CU_ASSERT(machine_break_add(b.m, 0xfffffffcu));
    CU_ASSERT(machine_watch_add(b.m, k->entry & ~PAGE_MASK, PAGE_SIZE, WATCH_WRITE, err, sizeof err) > 0);
    struct vm_exit xa, xb;
    CU_ASSERT_EQUAL(machine_run(a.m, GUEST_INSN_LIMIT, &xa), EXIT_HALT);
    CU_ASSERT_EQUAL(machine_run(b.m, GUEST_INSN_LIMIT, &xb), EXIT_HALT);
    CU_ASSERT_EQUAL(xa.value, xb.value);
    const struct cpu_state *ca = machine_cpu(a.m), *cb = machine_cpu(b.m);
    CU_ASSERT(ca->instret > 100000);
    CU_ASSERT_EQUAL(ca->instret, cb->instret);
    CU_ASSERT_EQUAL(ca->cycles, cb->cycles);
    CU_ASSERT_EQUAL(ca->pc, cb->pc);
    CU_ASSERT(memcmp(ca->r, cb->r, sizeof ca->r) == 0);
    CU_ASSERT_EQUAL(machine_tlb_flushes(a.m), machine_tlb_flushes(b.m));
    CU_ASSERT_EQUAL(a.out.len, b.out.len);
    CU_ASSERT_STRING_EQUAL(captured(&a.out), captured(&b.out));
    uint32_t mem = machine_mem_size(a.m);
    uint8_t *ma = malloc(mem), *mb = malloc(mem);
    CU_ASSERT_FATAL(ma && mb && machine_read_phys(a.m, 0, ma, mem) && machine_read_phys(b.m, 0, mb, mem));
    CU_ASSERT(memcmp(ma, mb, mem) == 0);
    size_t la, lb;
    bool wa, wb;
    const uint8_t *da = machine_disk_image(a.m, &la, &wa), *db = machine_disk_image(b.m, &lb, &wb);
    CU_ASSERT(wa && wb && la == lb && memcmp(da, db, la) == 0);
    free(ma);
    free(mb);
    free(a.out.buf);
    free(b.out.buf);
    machine_free(a.m);
    machine_free(b.m);
}

void suite_debug(void)
{
    CU_pSuite s = CU_add_suite("debug", NULL, guest_kernel_free);
    CU_add_test(s, "a breakpoint stops before its instruction, in the state a budget leaves", test_break_stops_before);
    CU_add_test(s, "a breakpoint stops at each arrival, stepped over on resuming", test_break_each_arrival);
    CU_add_test(s, "several breakpoints, delete, clear, list", test_break_several_del_clear);
    CU_add_test(s, "breakpoints are virtual addresses: user mode, paging, hosted", test_break_user_paging);
    CU_add_test(s, "a breakpoint on the handler a trap or interrupt reaches", test_break_on_handler);
    CU_add_test(s, "single steps with breakpoints attached", test_break_single_step);
    CU_add_test(s, "a write watch stops after the store; its neighbours do not", test_watch_write);
    CU_add_test(s, "read watches, overlapping watches", test_watch_read);
    CU_add_test(s, "watches with paging, hosted, on a page hot in the TLB", test_watch_paging_tlb_hit);
    CU_add_test(s, "a fetch watch stops before the instruction", test_watch_fetch);
    CU_add_test(s, "watches: bad ranges and kinds, list, ids", test_watch_bad_input);
    CU_add_test(s, "a watch hit on a single step, added with the page hot (paging off)", test_watch_single_step);
    CU_add_test(s, "breakpoints and watches never hit change nothing", test_never_hit_changes_nothing);
    CU_add_test(s, "stepping flushes no TLB; the flush counter counts flushes", test_stepping_flushes_nothing);
    CU_add_test(s, "the guest OS with a breakpoint and a watch never hit", test_guest_os_unchanged);
}
