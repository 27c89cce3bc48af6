/*
 * test_loop.c - the tricks of the CPU loop (isa/cpu_exec.c,
 * docs/performance.md section 3) against the reference CPU (isa/ref/).
 *
 * Each program runs on the fast machine and on the reference side by
 * side, both given the same budget again and again (machine_run and
 * ref_run of k instructions) for every k from 1 to past the longest run of
 * the program, then in one go: so a budget ends at every offset of every
 * straight line, between the parts of every superinstruction, on a
 * resolved branch, across a page end.  After each slice the two must
 * agree on the exit, instret, pc, registers and control registers, and at
 * the end on all of memory.  The programs:
 *   - every superinstruction of isa/superinsn.h, its parts with operands
 *     that make each branch go both ways (taken in one pass, not in the
 *     next), in a loop: budgets and resolved branches;
 *   - the same with a trap in each part that can trap (a misaligned
 *     access; with paging, an access to a page not mapped), and a TLB
 *     miss in each (the walk's slow path, after which the loop goes on);
 *   - self-modifying code: a store that rewrites the second part of a
 *     superinstruction it is the first part of, one that rewrites a
 *     resolved branch ahead of it and another superinstruction's part;
 *   - straight lines and branches across a page's end (fall through into
 *     the next page, branch back into the previous one, jal out of and
 *     jalr into the page, a superinstruction's parts split by the end, a
 *     superinstruction's branch to the next page);
 *   - every ALU operation with its destination as its first source (the
 *     two-operand forms) and without;
 *   - every operation reading the register the one before wrote (the
 *     forwarded forms), a jump onto such a slot, a forwarded load that traps.
 * Everything runs with paging off in supervisor mode and with paging on
 * in user mode.  The suite caught a superinstruction left whole where a
 * budget ends inside it, a run charged one short, and a slow path that
 * went on past the budget (the commit that added it says how).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "pt.h"
#include "ref.h"
#include "superinsn.h"

#define DATA 0x8000u    /* the data the programs load and store */
#define UNMAPPED 0x9000u /* with paging: a page the tables do not map */
#define PT_L1 0x10000u
#define PT_POOL 0x11000u
#define MAX_INSNS 20000 /* a program that runs longer has looped by mistake */

/* The registers the programs use. */
enum { RLINK = 1, RDATA = 2, RMISAL = 3, RUNMAP = 4, RA = 6, RB = 7, RC = 8, RD = 9, RLD = 10, RX = 11, RCOUNT = 12, RNEW = 13, RAT = 14 };

/* A fresh machine with the program loaded; paging: identity-mapped user
 * pages for code, data and the handler, the tables, user mode. */
static struct rig *setup(const struct prog *p, bool paging)
{
    struct rig *r = rig_new(ISA_PG, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    rig_no_console(r);
    p_load(p, r);
    for (uint32_t i = 0; i < 64; i++)
        rig_poke32(r, DATA + 4 * i, 0x01010101u * i);
    if (paging) {
        struct pt pt;
        pt_init(&pt, r, PT_L1, PT_POOL);
        pt_identity(&pt, 0, 1, PTE_V | PTE_R | PTE_X);                   /* the handler, supervisor */
        pt_identity(&pt, CODE, 7, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U); /* code, writable: it rewrites itself */
        pt_identity(&pt, DATA, 1, PTE_V | PTE_R | PTE_W | PTE_U);
        machine_set_cr(r->m, CR_PTB, PT_L1);
        machine_set_cr(r->m, CR_STATUS, SR_PG);
    }
    CPU(r)->pc = p->base;
    return r;
}

/* The reference in the same state: memory, pc, the control registers. */
static struct ref_machine *ref_twin(struct rig *r)
{
    char err[200];
    struct ref_config c = {.mem_size = RIG_MEM, .isa = ISA_PG};
    struct ref_machine *f = ref_new(&c, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t *mem = malloc(RIG_MEM);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
    CU_ASSERT_FATAL(machine_read_phys(r->m, 0, mem, RIG_MEM));
    CU_ASSERT_FATAL(ref_write_phys(f, 0, mem, RIG_MEM));
    free(mem);
    ref_set_cr(f, CR_TVEC, machine_get_cr(r->m, CR_TVEC));
    ref_set_cr(f, CR_PTB, machine_get_cr(r->m, CR_PTB));
    ref_set_cr(f, CR_STATUS, machine_get_cr(r->m, CR_STATUS));
    ref_cpu(f)->pc = CPU(r)->pc;
    return f;
}

static const enum cr compared_crs[] = {CR_STATUS, CR_EPC, CR_CAUSE, CR_BADADDR};

/* Run p in slices of k instructions on both (k = 0: one slice for all);
 * false, after saying where, at the first difference. */
static bool lockstep(const struct prog *p, bool paging, uint64_t k, uint64_t *total)
{
    struct rig *r = setup(p, paging);
    struct ref_machine *f = ref_twin(r);
    struct cpu_state *c = CPU(r);
    struct ref_cpu *fc = ref_cpu(f);
    bool same = true;
    uint64_t budget = k ? k : MAX_INSNS;
    char what[120] = "";
    for (uint64_t slices = 0; same && slices <= MAX_INSNS; slices++) {
        struct vm_exit xa, xb;
        enum exit_reason a = machine_run(r->m, budget, &xa);
        enum exit_reason b = ref_run(f, budget, &xb);
        if (a != b)
            snprintf(what, sizeof what, "exit %d, reference %d", (int)a, (int)b);
        else if (c->instret != fc->instret || c->cycles != fc->cycles)
            snprintf(what, sizeof what, "instret %llu, reference %llu", (unsigned long long)c->instret,
                     (unsigned long long)fc->instret);
        else if (c->pc != fc->pc)
            snprintf(what, sizeof what, "pc 0x%x, reference 0x%x", c->pc, fc->pc);
        for (int i = 1; i < NREGS && !*what; i++)
            if (c->r[i] != fc->r[i])
                snprintf(what, sizeof what, "r%d 0x%x, reference 0x%x", i, c->r[i], fc->r[i]);
        for (size_t i = 0; i < sizeof compared_crs / sizeof compared_crs[0] && !*what; i++)
            if (machine_get_cr(r->m, compared_crs[i]) != ref_get_cr(f, compared_crs[i]))
                snprintf(what, sizeof what, "cr %d 0x%x, reference 0x%x", (int)compared_crs[i],
                         machine_get_cr(r->m, compared_crs[i]), ref_get_cr(f, compared_crs[i]));
        if (*what) {
            same = false;
            break;
        }
        if (a != EXIT_BUDGET)
            break;
        if (!k) {
            snprintf(what, sizeof what, "still running after %d instructions", MAX_INSNS);
            same = false;
        }
    }
    if (same) {
        static uint8_t a[RIG_MEM];
        CU_ASSERT_FATAL(machine_read_phys(r->m, 0, a, RIG_MEM));
        if (memcmp(a, ref_memory(f), RIG_MEM) != 0) {
            snprintf(what, sizeof what, "memory differs");
            same = false;
        }
    }
    if (!same)
        fprintf(stderr, "\n    loop: slices of %llu, paging %s, at instret %llu: %s\n", (unsigned long long)k,
                paging ? "on" : "off", (unsigned long long)c->instret, what);
    if (total)
        *total = c->instret;
    rig_free(r);
    ref_free(f);
    return same;
}

/* Every slice length from 1 to past the program's longest run, and all at
 * once, paging off and on; the program must halt. */
static void check(const struct prog *p)
{
    for (int paging = 0; paging <= 1; paging++) {
        uint64_t total = 0;
        CU_ASSERT(lockstep(p, paging, 0, &total));
        CU_ASSERT(total > 0);
        for (uint64_t k = 1; k <= 24; k++)
            if (!lockstep(p, paging, k, NULL)) {
                CU_FAIL("the fast loop and the reference differ");
                break;
            }
    }
}

/* The end of every program: a syscall, whose trap the handler at
 * HANDLER (halt r0) ends. */
static void p_finish(struct prog *p)
{
    p_op(p, OP_SYSCALL, 0, 0, 0, 0);
}

/* The set-up every program starts with. */
static void p_start(struct prog *p, uint32_t base)
{
    p_init(p, base);
    p_li(p, RDATA, DATA);
    p_li(p, RMISAL, DATA + 2);
    p_li(p, RUNMAP, UNMAPPED);
    p_li(p, RCOUNT, 3);
    p_op(p, OP_ADDI, RA, 0, 0, 1);
}

/* One part of a superinstruction: its op with operands that vary between
 * passes of the loop.  base: the register a load or store uses (RDATA, or
 * RMISAL / RUNMAP to make it trap).  A branch skips the filler after the
 * superinstruction when taken (RB's low bit, which changes every pass). */
static void p_part(struct prog *p, enum op op, unsigned base, int i)
{
    switch (op) {
    case OP_ADDI: p_op(p, OP_ADDI, RA, RA, 0, 3); break;
    case OP_ANDI: p_op(p, OP_ANDI, RB, RA, 0, 1); break;
    case OP_SRLI: p_op(p, OP_SRLI, RC, RA, 0, 1); break;
    case OP_XOR: p_op(p, OP_XOR, RD, RD, RA, 0); break;
    case OP_LW: p_op(p, OP_LW, RLD, base, 0, 4 * i); break;
    case OP_SW: p_op(p, OP_SW, RA, base, 0, 4 * i + 64); break;
    case OP_BEQ: p_op(p, OP_BEQ, RB, 0, 0, 8); break;
    case OP_BNE: p_op(p, OP_BNE, RB, 0, 0, 8); break;
    case OP_JAL: p_op(p, OP_JAL, RLINK, 0, 0, 8); break;
    default: CU_FAIL_FATAL("test_loop: a superinstruction part p_part does not know; add it");
    }
}

/* The parts of every superinstruction, from the one table. */
struct super {
    const char *name;
    enum op part[3];
    int n;
};
static const struct super supers[] = {
#define X(name, a, b) {#name, {OP_##a, OP_##b}, 2},
    SUPERINSN_PAIRS(X)
#undef X
#define Y(name, a, b, c) {#name, {OP_##a, OP_##b, OP_##c}, 3},
    SUPERINSN_TRIPLES(Y)
#undef Y
};
#define NSUPERS (sizeof supers / sizeof supers[0])

/* A loop of RCOUNT passes over the superinstruction, the part numbered
 * trap using base register `base`; a filler a branch may skip after it. */
static void super_prog(struct prog *p, const struct super *s, int trap, unsigned base)
{
    p_start(p, CODE);
    uint32_t loop = p_here(p);
    for (int i = 0; i < s->n; i++)
        p_part(p, s->part[i], i == trap ? base : RDATA, i);
    p_op(p, OP_ADDI, RX, RX, 0, 1); /* skipped by a taken branch or jal */
    p_op(p, OP_ADDI, RCOUNT, RCOUNT, 0, -1);
    p_br(p, OP_BNE, RCOUNT, 0, loop);
    p_finish(p);
}

static bool can_trap(enum op op) { return op == OP_LW || op == OP_SW; }

static void test_superinstructions(void)
{
    for (size_t i = 0; i < NSUPERS; i++) {
        struct prog p;
        super_prog(&p, &supers[i], -1, RDATA);
        check(&p);
    }
}

static void test_superinstruction_traps(void)
{
    for (size_t i = 0; i < NSUPERS; i++)
        for (int part = 0; part < supers[i].n; part++) {
            if (!can_trap(supers[i].part[part]))
                continue;
            struct prog p;
            super_prog(&p, &supers[i], part, RMISAL);
            check(&p);
            super_prog(&p, &supers[i], part, RUNMAP); /* a page fault with paging; a plain access without */
            check(&p);
        }
}

/* Two superinstructions back to back in one long straight line, with
 * every plain instruction between: budgets end everywhere in a run of
 * ~40. */
static void test_long_run(void)
{
    struct prog p;
    p_start(&p, CODE);
    uint32_t loop = p_here(&p);
    for (size_t i = 0; i < NSUPERS; i++)
        if (supers[i].part[supers[i].n - 1] < OP_BEQ) /* no branch: one straight line */
            for (int k = 0; k < supers[i].n; k++)
                p_part(&p, supers[i].part[k], RDATA, k + (int)i % 8);
    p_op(&p, OP_ADD, RD, RD, RLD, 0);
    p_op(&p, OP_ADDI, RCOUNT, RCOUNT, 0, -1);
    p_br(&p, OP_BNE, RCOUNT, 0, loop);
    p_finish(&p);
    check(&p);
}

/* Code that rewrites itself under the loop's decoded slots. */
static void test_self_modifying(void)
{
    /* A store, first part of a pair (sw sw), rewrites the second part:
     * the new instruction runs, in the same pass. */
    struct prog p;
    p_start(&p, CODE);
    p_li(&p, RNEW, enc(OP_ADDI, RX, RX, 0, 100));
    uint32_t loop = p_here(&p);
    size_t li = p.n;
    p_li(&p, RAT, 0); /* patched: the address of the second sw */
    uint32_t first = p_op(&p, OP_SW, RNEW, RAT, 0, 0);
    p_op(&p, OP_SW, RA, RDATA, 0, 4);
    p_op(&p, OP_SW, RA, RDATA, 0, 8); /* sw sw sw, then sw sw from the second */
    p.w[li] = enc(OP_LUI, RAT, 0, 0, (int32_t)((first + 4) >> 16));
    p.w[li + 1] = enc(OP_ORI, RAT, RAT, 0, (int32_t)((first + 4) & 0xffff));
    p_op(&p, OP_ADDI, RCOUNT, RCOUNT, 0, -1);
    p_br(&p, OP_BNE, RCOUNT, 0, loop);
    p_finish(&p);
    check(&p);

    /* A store rewrites a resolved branch ahead of it (its target moves)
     * and the second part of a superinstruction (addi bne) it ran in the
     * pass before. */
    p_start(&p, CODE);
    size_t hole = p_hole(&p); /* a li of the new branch, filled below */
    p_hole(&p);
    size_t hole2 = p_hole(&p);
    p_hole(&p);
    loop = p_here(&p);
    uint32_t st = p_op(&p, OP_SW, RNEW, RAT, 0, 0);
    p_op(&p, OP_ADDI, RA, RA, 0, 1);
    uint32_t br = p_op(&p, OP_BNE, RA, 0, 0, 8);     /* addi bne; rewritten to skip two */
    p_op(&p, OP_ADDI, RX, RX, 0, 1);
    p_op(&p, OP_ADDI, RX, RX, 0, 16);
    p_op(&p, OP_XOR, RD, RD, RA, 0);
    p_op(&p, OP_ADDI, RCOUNT, RCOUNT, 0, -1);
    p_br(&p, OP_BNE, RCOUNT, 0, loop);
    p_finish(&p);
    p.w[hole] = enc(OP_LUI, RNEW, 0, 0, (int32_t)(enc(OP_BNE, RA, 0, 0, 12) >> 16));
    p.w[hole + 1] = enc(OP_ORI, RNEW, RNEW, 0, (int32_t)(enc(OP_BNE, RA, 0, 0, 12) & 0xffff));
    p.w[hole2] = enc(OP_LUI, RAT, 0, 0, (int32_t)(br >> 16));
    p.w[hole2 + 1] = enc(OP_ORI, RAT, RAT, 0, (int32_t)(br & 0xffff));
    (void)st;
    check(&p);
}

/* Straight lines and branches across the end of a page. */
static void test_page_ends(void)
{
    const uint32_t page2 = CODE + PAGE_SIZE;
    for (int before = 1; before <= 6; before++) {
        /* The loop's head is `before` instructions before a page's end:
         * a superinstruction split by it, a run falling into the next
         * page, a branch back (not resolved: another page). */
        struct prog p;
        p_start(&p, CODE);
        p_op(&p, OP_JAL, 0, 0, 0, (int32_t)(page2 - 4u * (uint32_t)before - p_here(&p)));
        while (p_here(&p) < page2 - 4u * (uint32_t)before)
            p_op(&p, OP_ADDI, RX, RX, 0, 1); /* not run */
        uint32_t loop = p_here(&p);
        p_op(&p, OP_LW, RLD, RDATA, 0, 0);
        p_op(&p, OP_LW, RLD, RDATA, 0, 4);
        p_op(&p, OP_LW, RLD, RDATA, 0, 8);
        p_op(&p, OP_ANDI, RB, RLD, 0, 1);
        p_op(&p, OP_BEQ, RB, 0, 0, 8);
        p_op(&p, OP_ADDI, RX, RX, 0, 1);
        p_op(&p, OP_ADDI, RA, RA, 0, 3);
        p_op(&p, OP_JAL, RLINK, 0, 0, 12);  /* over a page end or within */
        p_op(&p, OP_ADDI, RX, RX, 0, 5);
        p_op(&p, OP_ADDI, RX, RX, 0, 7);
        p_op(&p, OP_ADDI, RCOUNT, RCOUNT, 0, -1);
        p_br(&p, OP_BNE, RCOUNT, 0, loop);
        /* jalr within this page, then into the one before */
        uint32_t here = p_here(&p);
        p_li(&p, RAT, here + 16);
        p_op(&p, OP_JALR, RLINK, RAT, 0, 0);
        p_op(&p, OP_ADDI, RX, RX, 0, 9); /* skipped */
        p_li(&p, RAT, loop - 8);
        p_op(&p, OP_ADDI, RX, RX, 0, 11);
        p_op(&p, OP_ADDI, RCOUNT, RCOUNT, 0, 1);
        p_op(&p, OP_JALR, 0, RAT, 0, 0);   /* to two slots before the loop, in the page before */
        CU_ASSERT_FATAL(p_here(&p) == here + 36);
        p_finish(&p);
        /* the jalr lands at loop - 8: make those two a path to the end */
        p.w[(loop - 8 - CODE) / 4] = enc(OP_ADDI, RCOUNT, 0, 0, -100);
        p.w[(loop - 4 - CODE) / 4] = enc(OP_JAL, 0, 0, 0, (int32_t)(here + 36 - (loop - 4)));
        check(&p);
    }
}

/* Every register-register and register-immediate operation of the table
 * with its destination as its first source (the loop runs those with
 * handlers of their own), then as a plain three-register one, on values
 * that change each pass. */
static void test_two_operand_forms(void)
{
    struct prog p;
    p_start(&p, CODE);
    p_li(&p, RB, 0x9e3779b9u);
    p_li(&p, RC, 0x12345u);
    uint32_t loop = p_here(&p);
    for (int op = 0; op < OP_COUNT; op++) {
        const struct isa_insn *in = &isa_insns[op];
        bool shift = in->imm == IMM_U5;
        if (in->form == FORM_RRR) {
            p_op(&p, (enum op)op, RA, RA, RC, 0);
            p_op(&p, (enum op)op, RD, RB, RA, 0);
            p_op(&p, OP_ORI, RD, RD, 0, 1);
            p_op(&p, (enum op)op, RD, RB, RD, 0); /* destination as the second source */
        } else if (in->form == FORM_RRI) {
            p_op(&p, (enum op)op, RA, RA, 0, shift ? 3 : 0x1235);
            p_op(&p, (enum op)op, RD, RB, 0, shift ? 7 : 0x0f0f);
        } else {
            continue;
        }
        p_op(&p, OP_XOR, RX, RX, RA, 0);
        p_op(&p, OP_ADD, RX, RX, RD, 0);
        p_op(&p, OP_ORI, RA, RA, 0, 1); /* no zero divisor next */
        p_op(&p, OP_ADDI, RC, RC, 0, 77);
    }
    p_op(&p, OP_ADDI, RCOUNT, RCOUNT, 0, -1);
    p_br(&p, OP_BNE, RCOUNT, 0, loop);
    p_finish(&p);
    check(&p);
}

/* The forwarded forms: each operation reading the register the one before
 * it wrote, in every operand position the loop forwards (first source,
 * second source, a load's base, a store's value), a write to r0 before a
 * read of r0 and a store before a read of its value (neither forwarded),
 * jumps onto a slot that would be forwarded, the branch decoded before it
 * and after it (a near target has no forwarded form), and last a
 * forwarded load that traps.  Forwarded forms exist only in the build of
 * make check-forward; elsewhere this is one more straight-line program. */
static void test_forwarded_forms(void)
{
    struct prog p;
    p_start(&p, CODE);
    p_li(&p, RB, 0x9e3779b9u);
    p_li(&p, RC, 0x12345u);
    /* The loop's first slot reads what the slot before it wrote: decoded
     * forwarded on the way in, it must lose that when the loop's branch,
     * decoded later, makes it a near target. */
    p_op(&p, OP_ADDI, RA, RA, 0, 7);
    uint32_t loop = p_here(&p);
    p_op(&p, OP_ADD, RX, RA, RX, 0);
    for (int op = 0; op < OP_COUNT; op++) {
        const struct isa_insn *in = &isa_insns[op];
        bool shift = in->imm == IMM_U5;
        if (in->form == FORM_RRR) {
            p_op(&p, OP_ADDI, RA, RA, 0, 0x35);
            p_op(&p, (enum op)op, RD, RA, RC, 0); /* first source */
            p_op(&p, OP_ORI, RD, RD, 0, 1);        /* no zero divisor next */
            p_op(&p, (enum op)op, RD, RB, RD, 0); /* second source, and destination */
            p_op(&p, OP_ORI, RD, RD, 0, 1);
            p_op(&p, (enum op)op, RA, RA, RD, 0); /* second source, destination the first */
        } else if (in->form == FORM_RRI) {
            p_op(&p, OP_XOR, RA, RA, RB, 0);
            p_op(&p, (enum op)op, RD, RA, 0, shift ? 5 : 0x2b1);  /* first source */
            p_op(&p, (enum op)op, RD, RD, 0, shift ? 3 : 0x1235); /* and destination */
        } else {
            continue;
        }
        p_op(&p, OP_XOR, RX, RX, RD, 0); /* second source */
        p_op(&p, OP_ADD, RX, RX, RA, 0);
        p_op(&p, OP_ADDI, RC, RC, 0, 77);
    }
    static const enum op loads[] = {OP_LW, OP_LH, OP_LHU, OP_LB, OP_LBU};
    static const enum op stores[] = {OP_SW, OP_SH, OP_SB};
    for (int i = 0; i < 5; i++) {
        p_op(&p, OP_ADDI, RAT, RDATA, 0, 4 * i);
        p_op(&p, loads[i], RLD, RAT, 0, 4);      /* base */
        p_op(&p, OP_XOR, RA, RA, RLD, 0);        /* second source */
        p_op(&p, stores[i % 3], RA, RDATA, 0, 4 * i + 8); /* value */
    }
    p_op(&p, OP_ADDI, RX, RX, 0, 3); /* a store writes no register: not forwarded */
    p_op(&p, OP_SW, RA, RDATA, 0, 96);
    p_op(&p, OP_ADD, RD, RA, RB, 0);
    p_op(&p, OP_XOR, RX, RX, RD, 0);
    p_op(&p, OP_ADDI, 0, RA, 0, 5); /* r0 written, then read */
    p_op(&p, OP_ADD, RD, 0, RB, 0);
    p_op(&p, OP_XOR, RX, RX, RD, 0);
    p_op(&p, OP_ADDI, RX, RX, 0, 5);
    /* A branch decoded before the straight line it lands in: taken from
     * the second pass on (RCOUNT even), over two slots onto one that reads
     * what the slot before it writes. */
    p_op(&p, OP_ANDI, RAT, RCOUNT, 0, 1);
    p_op(&p, OP_BEQ, RAT, 0, 0, 12);
    p_op(&p, OP_ADDI, RD, RD, 0, 1);
    p_op(&p, OP_ADDI, RA, RA, 0, 1);
    p_op(&p, OP_ADD, RD, RA, RB, 0);
    p_op(&p, OP_XOR, RX, RX, RD, 0);
    /* A jalr onto a forwarded slot in its page: the first pass (RCOUNT
     * odd) branches there, decoding it forwarded; the others come by the
     * jalr. */
    p_op(&p, OP_ANDI, RAT, RCOUNT, 0, 1);
    p_op(&p, OP_BNE, RAT, 0, 0, 16);
    p_op(&p, OP_JAL, RLINK, 0, 0, 4);
    p_op(&p, OP_ADDI, RAT, RLINK, 0, 12);
    p_op(&p, OP_JALR, 0, RAT, 0, 0);
    p_op(&p, OP_ADDI, RA, RA, 0, 1);
    p_op(&p, OP_ADD, RD, RA, RB, 0);
    p_op(&p, OP_XOR, RX, RX, RD, 0);
    p_op(&p, OP_JAL, 0, 0, 0, 8);       /* over the next, onto a forwarded slot */
    p_op(&p, OP_ADDI, RA, RA, 0, 1);
    p_op(&p, OP_ADD, RD, RA, RB, 0);
    p_op(&p, OP_XOR, RX, RX, RD, 0);
    p_op(&p, OP_ADDI, RCOUNT, RCOUNT, 0, -1);
    p_br(&p, OP_BNE, RCOUNT, 0, loop);
    p_op(&p, OP_ADDI, RAT, RMISAL, 0, 0);
    p_op(&p, OP_LW, RLD, RAT, 0, 0); /* traps: the handler halts */
    p_finish(&p);
    check(&p);
}

void suite_loop(void)
{
    CU_pSuite s = CU_add_suite("loop", NULL, NULL);
    CU_add_test(s, "every superinstruction, budgets ending at every offset, both ways of its branch", test_superinstructions);
    CU_add_test(s, "a trap or TLB miss in each part of each superinstruction", test_superinstruction_traps);
    CU_add_test(s, "a long straight line: budgets ending at every offset", test_long_run);
    CU_add_test(s, "self-modifying code over superinstructions and resolved branches", test_self_modifying);
    CU_add_test(s, "runs and branches across a page's end", test_page_ends);
    CU_add_test(s, "every ALU operation with its destination as its first source", test_two_operand_forms);
    CU_add_test(s, "forwarded forms: every operand from the instruction before", test_forwarded_forms);
}
