/*
 * test_tlbhole.c - regression tests for the TLB fast-path hole (issue 10,
 * part 1).
 *
 * An empty TLB slot used to carry the tag 1, and the fast path compares
 * va & (~PAGE_MASK | (size - 1)) with the tag; for a misaligned address in
 * virtual page 0 that is 1 too, so the CPU used the empty slot's host
 * pointer: NULL (the host died of SIGSEGV) or a frame the slot mapped
 * before (a user program wrote a supervisor-only page).  The manual
 * (docs/isa.md section 6, "Which exception wins") says alignment is checked
 * before translation: every such access is a misaligned trap that changes
 * no register and no byte of memory.
 *
 * Every case runs in both ISA variants, bare and hosted, with paging off
 * and on, in supervisor and user mode, and with TLB slot 0 empty, flushed
 * after use, and holding a live supervisor-only entry that maps another
 * frame.  Expected cause words come from the manual's detail-bit table.
 * Then the same programs through vrun (bare, VMM, lockstep) and the guest
 * OS's `wild 8`, a user program that stores a halfword at address 1.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "prog.h"
#include "pt.h"
#include "rig.h"

#define L1 0x10000u
#define POOL 0x11000u
#define TVEC_H 0x2000u   /* handler: halt r0 (supervisor only when paging is on) */
#define SECRET 0x40000u  /* the frame virtual page 0 maps, supervisor-only */
#define SECRET_WORD 0x5ec2e7a5u
#define STORE_VALUE 0x4142u

/* What TLB slot 0 holds when the faulting access runs. */
enum slot { SLOT_EMPTY, SLOT_FLUSHED, SLOT_LIVE, NSLOTS };
static const char *const slot_name[NSLOTS] = {"empty", "flushed", "live"};

struct access_case {
    enum op op;
    uint32_t addr;
};

/* Loads and stores whose address is not a multiple of their size, most in
 * page 0 (the slot an empty tag used to match), some at other pages'
 * last bytes. */
static const struct access_case cases[] = {
    {OP_LH, 1},          {OP_LH, 3},          {OP_LHU, 0xfff},     {OP_LW, 1},
    {OP_LW, 2},          {OP_LW, 3},          {OP_LW, 0x245},      {OP_LW, 0xffd},
    {OP_SH, 1},          {OP_SH, 0xfff},      {OP_SW, 2},          {OP_SW, 0x245},
    {OP_LW, 0x12345fffu}, {OP_SH, 0x12345fffu}, {OP_LH, 0xffffffffu}, {OP_SW, 0xfffffffeu},
};
#define NCASES (sizeof cases / sizeof cases[0])

static bool is_store(enum op op) { return op == OP_SW || op == OP_SH || op == OP_SB; }

/* A rig with TVEC_H as its only handler; paging tables built when pg:
 * code and handler identity-mapped (code with U), the tables themselves
 * supervisor RW, virtual page 0 -> SECRET supervisor RW, A and D set. */
static struct rig *hole_rig(enum isa_variant v, bool hosted, bool pg)
{
    struct rig *r = rig_new(v, hosted);
    rig_poke32(r, HANDLER, 0);
    rig_poke32(r, TVEC_H, enc(OP_HALT, 0, 0, 0, 0));
    machine_set_cr(r->m, CR_TVEC, TVEC_H);
    rig_poke32(r, SECRET, SECRET_WORD);
    rig_poke32(r, 0, SECRET_WORD ^ 1); /* physical page 0: what paging-off accesses would reach */
    if (pg) {
        struct pt pt;
        pt_init(&pt, r, L1, POOL);
        pt_identity(&pt, CODE, 2, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
        pt_identity(&pt, TVEC_H, 1, PTE_V | PTE_R | PTE_X | PTE_A);
        pt_identity(&pt, L1, 4, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
        pt_map(&pt, 0, SECRET, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
        machine_set_cr(r->m, CR_PTB, L1);
    }
    return r;
}

/* Put slot 0 in the state asked for: a supervisor prelude at CODE + 0x800
 * reads virtual address 0 (filling slot 0) and, for SLOT_FLUSHED, flushes
 * the TLB, then halts.  Returns false if the prelude did not halt. */
static bool prepare_slot(struct rig *r, bool pg, enum slot s)
{
    if (s == SLOT_EMPTY)
        return true;
    struct prog p;
    p_init(&p, CODE + 0x800);
    p_op(&p, OP_LW, 6, 0, 0, 0);
    if (s == SLOT_FLUSHED)
        p_op(&p, OP_TLBFLUSH, 0, 0, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    p_load(&p, r);
    machine_set_cr(r->m, CR_STATUS, SR_S | (pg ? SR_PG : 0));
    CPU(r)->pc = p.base;
    enum exit_reason why = rig_run(r, 100);
    CU_ASSERT_EQUAL(why, EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 6), pg ? SECRET_WORD : SECRET_WORD ^ 1);
    return why == EXIT_HALT;
}

static uint8_t *memory_copy(struct rig *r)
{
    uint8_t *m = malloc(RIG_MEM);
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT(machine_read_phys(r->m, 0, m, RIG_MEM));
    return m;
}

/* The trap as the host sees it: from the exit record when hosted, from
 * the control registers the handler was entered with when bare. */
struct seen {
    uint32_t cause, epc, badaddr;
};

static bool run_to_trap(struct rig *r, bool hosted, struct seen *s, uint64_t budget)
{
    enum exit_reason why = rig_run(r, budget);
    if (hosted) {
        CU_ASSERT_EQUAL(why, EXIT_TRAP);
        *s = (struct seen){r->exit.cause, r->exit.pc, r->exit.addr};
        return why == EXIT_TRAP;
    }
    /* the handler's halt ran: pc is past it */
    CU_ASSERT_EQUAL(why, EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(r)->pc, TVEC_H + 4);
    *s = (struct seen){CRV(r, CR_CAUSE), CRV(r, CR_EPC), CRV(r, CR_BADADDR)};
    return why == EXIT_HALT;
}

static void one_access(enum isa_variant v, bool hosted, bool pg, bool user, enum slot slot,
                       const struct access_case *c)
{
    struct rig *r = hole_rig(v, hosted, pg);
    if (!prepare_slot(r, pg, slot)) {
        rig_free(r);
        return;
    }
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, c->addr);
    p_li(&p, 10, STORE_VALUE);
    uint32_t at = p_op(&p, c->op, 10, 5, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    p_load(&p, r);
    machine_set_cr(r->m, CR_STATUS, (user ? 0 : SR_S) | (pg ? SR_PG : 0));
    CPU(r)->pc = CODE;

    /* Four instructions load the registers; the fifth must trap. */
    CU_ASSERT_EQUAL(rig_run(r, 4), EXIT_BUDGET);
    uint32_t regs[NREGS + 1];
    memcpy(regs, CPU(r)->r, sizeof regs);
    uint64_t instret = CPU(r)->instret;
    uint8_t *before = memory_copy(r);

    struct seen s;
    if (run_to_trap(r, hosted, &s, 10)) {
        uint32_t want = CAUSE_MISALIGNED | (is_store(c->op) ? CAUSE_WRITE : 0) | (user ? CAUSE_USER : 0);
        CU_ASSERT_EQUAL(s.cause, want);
        CU_ASSERT_EQUAL(s.epc, at);
        CU_ASSERT_EQUAL(s.badaddr, c->addr);
        if (s.cause != want || s.epc != at || s.badaddr != c->addr)
            fprintf(stderr,
                    "\n  %s %s 0x%08x (%s, %s, paging %s, %s, slot 0 %s): cause 0x%x epc 0x%x badaddr 0x%x",
                    isa_insns[c->op].mnem, is_store(c->op) ? "to" : "from", c->addr, isa_variant_name(v),
                    hosted ? "hosted" : "bare", pg ? "on" : "off", user ? "user" : "supervisor",
                    slot_name[slot], s.cause, s.epc, s.badaddr);
        /* the faulting instruction changed nothing (bare: the halt retired) */
        CU_ASSERT(memcmp(CPU(r)->r, regs, sizeof regs) == 0);
        CU_ASSERT_EQUAL(CPU(r)->instret, instret + (hosted ? 0 : 1));
        uint8_t *after = memory_copy(r);
        CU_ASSERT(memcmp(before, after, RIG_MEM) == 0);
        free(after);
    }
    free(before);
    rig_free(r);
}

static void test_misaligned_never_uses_a_slot(void)
{
    for (int v = 0; v < ISA_NVARIANTS; v++)
        for (int hosted = 0; hosted < 2; hosted++)
            for (int pg = 0; pg < 2; pg++)
                for (int user = 0; user < 2; user++)
                    for (int slot = 0; slot < NSLOTS; slot++)
                        for (size_t i = 0; i < NCASES; i++)
                            one_access((enum isa_variant)v, hosted, pg, user, (enum slot)slot, &cases[i]);
}

/* rfe to an epc that is not a multiple of 4: rfe completes, the fetch at
 * the new pc raises misaligned with FETCH (and USER if rfe entered user
 * mode), and epc = badaddr = that pc. */
static void test_rfe_to_misaligned_pc(void)
{
    static const uint32_t targets[] = {1, 2, 3, 0xfff, CODE + 1, 0x12345ffeu};
    for (int v = 0; v < ISA_NVARIANTS; v++)
        for (int hosted = 0; hosted < 2; hosted++)
            for (int pg = 0; pg < 2; pg++)
                for (int user = 0; user < 2; user++)
                    for (int slot = 0; slot < NSLOTS; slot++)
                        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
                            struct rig *r = hole_rig((enum isa_variant)v, hosted, pg);
                            if (!prepare_slot(r, pg, (enum slot)slot)) {
                                rig_free(r);
                                continue;
                            }
                            struct prog p;
                            p_init(&p, CODE);
                            p_op(&p, OP_RFE, 0, 0, 0, 0);
                            p_load(&p, r);
                            machine_set_cr(r->m, CR_EPC, targets[i]);
                            machine_set_cr(r->m, CR_STATUS, SR_S | (user ? 0 : SR_PS) | (pg ? SR_PG : 0));
                            CPU(r)->pc = CODE;
                            struct seen s;
                            if (run_to_trap(r, hosted, &s, 10)) {
                                uint32_t want = CAUSE_MISALIGNED | CAUSE_FETCH | (user ? CAUSE_USER : 0);
                                CU_ASSERT_EQUAL(s.cause, want);
                                CU_ASSERT_EQUAL(s.epc, targets[i]);
                                CU_ASSERT_EQUAL(s.badaddr, targets[i]);
                            }
                            rig_free(r);
                        }
}

/* The attack as the issue tells it: a kernel maps page 0 supervisor-only
 * and reads it, drops to user mode, and the user stores a halfword at
 * address 1.  It must trap, and the kernel's page must keep its bytes. */
static void test_user_cannot_write_kernel_page(void)
{
    for (int v = 0; v < ISA_NVARIANTS; v++)
        for (int hosted = 0; hosted < 2; hosted++) {
            struct rig *r = hole_rig((enum isa_variant)v, hosted, true);
            struct prog p;
            p_init(&p, CODE);
            p_op(&p, OP_LW, 6, 0, 0, 0);            /* the kernel reads page 0 */
            p_li(&p, 7, CODE + 0x100);              /* PS = 0: rfe drops to user mode */
            p_op(&p, OP_MTCR, 7, 0, 0, CR_EPC);
            p_op(&p, OP_RFE, 0, 0, 0, 0);
            p_load(&p, r);
            struct prog u;
            p_init(&u, CODE + 0x100);
            p_li(&u, 5, STORE_VALUE);
            uint32_t at = p_op(&u, OP_SH, 5, 0, 0, 1);
            p_op(&u, OP_SH, 5, 0, 0, 0);            /* aligned: a permission fault */
            p_load(&u, r);
            machine_set_cr(r->m, CR_STATUS, SR_S | SR_PG);
            CPU(r)->pc = CODE;
            struct seen s;
            if (run_to_trap(r, hosted, &s, 100)) {
                CU_ASSERT_EQUAL(s.cause, CAUSE_MISALIGNED | CAUSE_WRITE | CAUSE_USER);
                CU_ASSERT_EQUAL(s.epc, at);
                CU_ASSERT_EQUAL(s.badaddr, 1);
            }
            CU_ASSERT_EQUAL(rig_peek32(r, SECRET), SECRET_WORD);
            /* and the aligned store right after it is refused by U */
            CPU(r)->pc = at + 4;
            machine_set_cr(r->m, CR_STATUS, SR_PG);
            if (run_to_trap(r, hosted, &s, 10)) {
                CU_ASSERT_EQUAL(s.cause, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE | CAUSE_USER);
                CU_ASSERT_EQUAL(s.badaddr, 0);
            }
            CU_ASSERT_EQUAL(rig_peek32(r, SECRET), SECRET_WORD);
            rig_free(r);
        }
}

/* The three-instruction program of the issue, and its relatives, through
 * vrun: bare, under the VMM with each shadow policy, and in lockstep.  A
 * handler reports the trap by halting with its cause, so every mode must
 * exit with status 6 (misaligned); lockstep must agree (status 0). */
static void test_vrun_survives(void)
{
    static const char *const bodies[] = {
        "li t0, 1\n lh a0, 0(t0)\n",
        "li t0, 0xfff\n sh t0, 0(t0)\n",
        "lw a1, 0x245(zero)\n",
        "li t0, 1\n mtcr epc, t0\n rfe\n",
        "li t0, 3\n lw a0, 0(t0)\n",
    };
    char *vrun = tool("vrun"), *dir = tmpdir_make();
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "        la t1, handler\n        mtcr tvec, t1\n        %s        halt zero\n"
                 "handler: mfcr a0, cause\n        halt a0\n",
                 bodies[i]);
        struct asm_result res;
        CU_ASSERT_FATAL(asm_text(src, &res));
        char *img = tmp_write(dir, "hole.elf", res.elf, res.elf_len);
        asm_result_free(&res);
        const char *modes[][4] = {{"--native", NULL},
                                  {"--shadow", "cache", NULL},
                                  {"--shadow", "demand", NULL},
                                  {"--shadow", "rebuild", NULL},
                                  {"--lockstep", NULL}};
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
            char *argv[8] = {vrun};
            int n = 1;
            for (int k = 0; modes[m][k]; k++)
                argv[n++] = (char *)modes[m][k];
            argv[n++] = img;
            argv[n] = NULL;
            char *err = NULL;
            int st = run_cmd(argv, false, NULL, &err);
            int want = strcmp(modes[m][0], "--lockstep") == 0 ? 0 : CAUSE_MISALIGNED;
            CU_ASSERT_EQUAL(st, want);
            if (st != want)
                fprintf(stderr, "\n  vrun %s on `%s`: status %d (want %d), stderr: %s", modes[m][0], bodies[i],
                        st, want, err ? err : "");
            free(err);
        }
        free(img);
    }
    tmpdir_remove(dir);
    free(vrun);
}

void suite_tlbhole(void)
{
    CU_pSuite s = CU_add_suite("tlbhole", NULL, NULL);
    CU_add_test(s, "misaligned loads and stores trap whatever TLB slot 0 holds", test_misaligned_never_uses_a_slot);
    CU_add_test(s, "rfe to a misaligned pc traps on the fetch", test_rfe_to_misaligned_pc);
    CU_add_test(s, "a user store at address 1 cannot write a kernel page", test_user_cannot_write_kernel_page);
    CU_add_test(s, "vrun, the VMM and lockstep survive the three-instruction crash", test_vrun_survives);
}
