/*
 * test_trap.c - every trap cause of docs/isa.md section 6, with the state
 * the hardware saves checked against the manual:
 *   epc, cause with its detail bits, badaddr (the manual's table);
 *   status afterwards: S = 1, IE = 0, PS = the old S, PIE = the old IE,
 *   PG unchanged - from both modes and both IE values, with PS/PIE set to
 *   the opposite beforehand so that a missing write shows;
 *   pc = tvec (the only halt in memory is at tvec, and exactly one
 *   instruction - that halt - retires after the trap);
 *   registers and all of memory unchanged by the faulting instruction, and
 *   instret not counting it.
 * Then the trap flow: rfe back to user mode, nested traps, double fault,
 * and interrupts recognised only when IE = 1.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broken_rule.h"
#include "insn_check.h"

#define TVEC_T 0x3000u /* this suite's handler: a lone `halt r0` */
#define DATA 0x40000u
#define BUDGET 10000

/* A rig whose only halt is at tvec = TVEC_T. */
static struct rig *trap_rig(enum isa_variant v)
{
    struct rig *r = rig_new(v, false);
    rig_poke32(r, HANDLER, 0);
    rig_poke32(r, TVEC_T, enc(OP_HALT, 0, 0, 0, 0));
    machine_set_cr(r->m, CR_TVEC, TVEC_T);
    return r;
}

static struct rig *rg[ISA_NVARIANTS];

static void rigs_new(void)
{
    for (int v = 0; v < ISA_NVARIANTS; v++)
        rg[v] = trap_rig((enum isa_variant)v);
}

static void rigs_free(void)
{
    for (int v = 0; v < ISA_NVARIANTS; v++) {
        rig_free(rg[v]);
        rg[v] = NULL;
    }
}

#define FOR_VARIANTS(v) for (int v = 0; v < ISA_NVARIANTS; v++)

/* The four starting states, S x IE, each with PS/PIE opposite. */
static const uint32_t FROM[4] = {SR_S | SR_PIE, SR_S | SR_IE, SR_PS | SR_PIE, SR_IE | SR_PS};
#define FROM_USER(s) (!((s) & SR_S))

static void regs_pattern(uint32_t regs[NREGS])
{
    regs[0] = 0;
    for (unsigned i = 1; i < NREGS; i++)
        regs[i] = 0x70605000u + i * 0x01010101u;
}

static void set_regs(struct rig *r, const uint32_t regs[NREGS])
{
    for (unsigned i = 1; i < NREGS; i++)
        REG(r, i) = regs[i];
}

#define CODE_AT(r, pa, ...) RIG_PUT((r), (pa), __VA_ARGS__)

static bool check_memory = true;
static uint32_t tvec_after; /* what tvec must be after a run; 0: unchanged */

static void regs_are(struct rig *r, const uint32_t want[NREGS])
{
    bool same = true;
    for (unsigned i = 0; i < NREGS; i++)
        if (REG(r, i) != want[i]) {
            same = false;
            char rule[120];
            snprintf(rule, sizeof rule, "%s is wrong after the trap (the instruction that traps changes no register)",
                     isa_reg_name(i));
            ck_rule(REG(r, i), want[i], rule, __FILE__, __LINE__);
        }
    if (same)
        CHECK(same);
}

/* What a trap taken in status s leaves in status (section 6, step 4). */
static uint32_t status_after_trap(uint32_t s)
{
    return (s & SR_PG) | SR_S | (s & SR_S ? SR_PS : 0) | (s & SR_IE ? SR_PIE : 0);
}

/*
 * Run the code already in memory from CPU(r)->pc, starting in status
 * `from`, and check that a trap with (cause, epc, badaddr) was taken in
 * status `at` after `retired` instructions retired; registers are then
 * want (NULL: as they were) and memory as it was.
 */
static void expect_trap_at(struct rig *r, uint32_t from, uint32_t at, unsigned retired, const uint32_t *want,
                           uint32_t cause, uint32_t epc, uint32_t badaddr)
{
    static uint8_t before[RIG_MEM], after[RIG_MEM];
    uint32_t regs0[NREGS];
    for (unsigned i = 0; i < NREGS; i++)
        regs0[i] = REG(r, i);
    machine_set_cr(r->m, CR_STATUS, from);
    machine_set_cr(r->m, CR_EPC, 0xe0e0e0e0u);
    machine_set_cr(r->m, CR_CAUSE, 0xc0c0c0c0u);
    machine_set_cr(r->m, CR_BADADDR, 0xbabababau);
    machine_set_cr(r->m, CR_SCRATCH, 0x5c5c5c5cu);
    if (check_memory)
        CHECK(machine_read_phys(r->m, 0, before, RIG_MEM));
    uint32_t tvec = CRV(r, CR_TVEC), ptb = CRV(r, CR_PTB);
    uint64_t i0 = CPU(r)->instret;

    enum exit_reason why = rig_run(r, BUDGET);

    CHECK_RULE(why, EXIT_HALT, "the trap did not reach the handler at tvec (its halt; exit reason)");
    CHECK_CAUSE(CRV(r, CR_CAUSE), cause, "the trap has the wrong cause");
    CHECK_RULE(CRV(r, CR_EPC), epc, "the trap saved the wrong epc");
    CHECK_RULE(CRV(r, CR_BADADDR), badaddr, "the trap saved the wrong badaddr");
    if (at == from)
        CHECK_STATUS_AFTER_TRAP(CRV(r, CR_STATUS), status_after_trap(at));
    else
        CHECK_STATUS(CRV(r, CR_STATUS), status_after_trap(at),
                     "status after the trap is wrong: the code before it changed status (rfe, mtcr, wrsr), "
                     "then the trap saved S and IE in PS and PIE");
    CHECK_RULE(CPU(r)->instret - i0, retired + 1, /* + the halt at tvec */
               "the wrong number of instructions retired (one that traps does not retire)");
    CHECK_RULE(CRV(r, CR_TVEC), tvec_after ? tvec_after : tvec, "the trap changed tvec");
    CHECK_RULE(CRV(r, CR_PTB), ptb, "the trap changed ptb");
    CHECK_RULE(CRV(r, CR_SCRATCH), 0x5c5c5c5cu, "the trap changed scratch");
    if (want)
        memcpy(regs0, want, sizeof regs0);
    regs0[0] = 0;
    regs_are(r, regs0);
    if (check_memory) {
        CHECK(machine_read_phys(r->m, 0, after, RIG_MEM));
        uint32_t i = 0;
        while (i < RIG_MEM && before[i] == after[i])
            i++;
        RULE(i == RIG_MEM, "the instruction that trapped changed memory",
             "the byte at 0x%08x went from 0x%02x to 0x%02x%s%s",
             i, before[i % RIG_MEM], after[i % RIG_MEM], ctx_str()[0] ? " - in " : "", ctx_str());
    }
}

static void expect_trap(struct rig *r, uint32_t from, unsigned retired, const uint32_t *want, uint32_t cause,
                        uint32_t epc, uint32_t badaddr)
{
    expect_trap_at(r, from, from, retired, want, cause, epc, badaddr);
}

static uint32_t user_bit(uint32_t s) { return FROM_USER(s) ? CAUSE_USER : 0; }

/* Paging on, identity map (with U, A and D: the walker writes nothing). */
static uint32_t paging(struct rig *r, bool on)
{
    if (on)
        identity_map(r, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    return on ? SR_PG : 0;
}

/* ------------------------------------------------------ syscall and break */

static void test_syscall_break(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int pg = 0; pg < 2; pg++) {
            uint32_t pgbit = paging(r, pg);
            for (int s = 0; s < 4; s++) {
                uint32_t from = FROM[s] | pgbit;
                for (int b = 0; b < 2; b++) {
                    enum op op = b ? OP_BREAK : OP_SYSCALL;
                    uint32_t regs[NREGS], want[NREGS];
                    regs_pattern(regs);
                    ctx("%s: addi r5, r5, 1; %s from status 0x%02x", isa_variant_name(v), isa_insns[op].mnem,
                        from);
                    CODE_AT(r, CODE, enc(OP_ADDI, 5, 5, 0, 1), enc(op, 0, 0, 0, 0));
                    set_regs(r, regs);
                    CPU(r)->pc = CODE;
                    memcpy(want, regs, sizeof want);
                    want[5] += 1;
                    /* no detail bits for these, user mode or not */
                    expect_trap(r, from, 1, want, b ? CAUSE_BREAK : CAUSE_SYSCALL, CODE + 4, 0);
                }
            }
        }
    }
    rigs_free();
}

/* -------------------------------------------------------------- illegal */

/* The opcodes of the manual's table in section 3. */
static bool manual_opcode(unsigned b)
{
    return (b >= 0x01 && b <= 0x11) || (b >= 0x20 && b <= 0x29) || (b >= 0x30 && b <= 0x34) ||
           (b >= 0x38 && b <= 0x3a) || (b >= 0x40 && b <= 0x45) || b == 0x48 || b == 0x49 || b == 0x50 ||
           b == 0x51 || b == 0x52 || (b >= 0x60 && b <= 0x68) || (b >= 0x70 && b <= 0x72);
}

/* Legal words with a field made nonzero that the format leaves unused
 * (section 3), a control-register number above 7, a shift above 31. */
static uint32_t illegal_word(size_t i, const char **what)
{
#define W(desc, expr)                                                          \
    if (i == n++) {                                                            \
        *what = desc;                                                          \
        return (expr);                                                         \
    }
    size_t n = 0;
    W("opcode 0x00, all zero", 0x00000000u)
    W("opcode 0x00 with fields", 0x00123456u)
    W("add with low bit of the unused field", enc(OP_ADD, 1, 2, 3, 0) | 0x001u)
    W("sub with high bit of the unused field", enc(OP_SUB, 1, 2, 3, 0) | 0x800u)
    W("remu with unused field 0xfff", enc(OP_REMU, 1, 2, 3, 0) | 0xfffu)
    W("lui with rb = 2", enc(OP_LUI, 1, 0, 0, 5) | 2u << 16)
    W("mfcr with rb = 1", enc(OP_MFCR, 1, 0, 0, CR_SCRATCH) | 1u << 16)
    W("in with rb = 15", enc(OP_IN, 1, 0, 0, 0x10) | 15u << 16)
    W("hcall with rb = 4", enc(OP_HCALL, 1, 0, 0, 7) | 4u << 16)
    W("mtcr with rb = 3", enc(OP_MTCR, 1, 0, 0, CR_SCRATCH) | 3u << 16)
    W("out with rb = 1", enc(OP_OUT, 1, 0, 0, 0x10) | 1u << 16)
    W("halt with rb = 1", enc(OP_HALT, 1, 0, 0, 0) | 1u << 16)
    W("halt with imm = 1", enc(OP_HALT, 1, 0, 0, 0) | 1u)
    W("tlbflushv with imm = 0x8000", enc(OP_TLBFLUSHV, 1, 0, 0, 0) | 0x8000u)
    W("rdsr with imm = 4", enc(OP_RDSR, 1, 0, 0, 0) | 4u)
    W("wrsr with rb = 2", enc(OP_WRSR, 1, 0, 0, 0) | 2u << 16)
    W("rdptb with imm = 0xffff", enc(OP_RDPTB, 1, 0, 0, 0) | 0xffffu)
    W("syscall with ra = 1", enc(OP_SYSCALL, 0, 0, 0, 0) | 1u << 20)
    W("syscall with imm = 1", enc(OP_SYSCALL, 0, 0, 0, 0) | 1u)
    W("break with rb = 1", enc(OP_BREAK, 0, 0, 0, 0) | 1u << 16)
    W("wfi with imm = 0x10", enc(OP_WFI, 0, 0, 0, 0) | 0x10u)
    W("rfe with ra = 15", enc(OP_RFE, 0, 0, 0, 0) | 15u << 20)
    W("tlbflush with rb = 1", enc(OP_TLBFLUSH, 0, 0, 0, 0) | 1u << 16)
    W("mfcr r1, 8", enc(OP_MFCR, 1, 0, 0, 0) | 8u)
    W("mfcr r1, 0xffff", enc(OP_MFCR, 1, 0, 0, 0) | 0xffffu)
    W("mtcr 8, r1", enc(OP_MTCR, 1, 0, 0, 0) | 8u)
    W("mtcr 0x100, r1", enc(OP_MTCR, 1, 0, 0, 0) | 0x100u)
    W("slli r1, r2, 32", enc(OP_SLLI, 1, 2, 0, 0) | 32u)
    W("srli r1, r2, 33", enc(OP_SRLI, 1, 2, 0, 0) | 33u)
    W("srai r1, r2, 0xffff", enc(OP_SRAI, 1, 2, 0, 0) | 0xffffu)
    W("slli r1, r2, 0x8000", enc(OP_SLLI, 1, 2, 0, 0) | 0x8000u)
#undef W
    return 0xffffffffu; /* past the end */
}
#define NILLEGAL_WORDS 30

static void test_illegal(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int pg = 0; pg < 2; pg++) {
            uint32_t pgbit = paging(r, pg);
            for (int s = 0; s < 4; s++) {
                uint32_t from = FROM[s] | pgbit;
                for (size_t i = 0; i < NILLEGAL_WORDS; i++) {
                    const char *what;
                    uint32_t w = illegal_word(i, &what);
                    ctx("%s: illegal word 0x%08x (%s) from status 0x%02x", isa_variant_name(v), w, what, from);
                    uint32_t regs[NREGS];
                    regs_pattern(regs);
                    set_regs(r, regs);
                    CODE_AT(r, CODE, w, enc(OP_SYSCALL, 0, 0, 0, 0));
                    CPU(r)->pc = CODE;
                    expect_trap(r, from, 0, NULL, CAUSE_ILLEGAL, CODE, w);
                }
            }
        }
    }
    rigs_free();
}

/* Every opcode byte the manual does not list, in both modes. */
static void test_illegal_opcodes(void)
{
    rigs_new();
    check_memory = false; /* 400 words x 8 runs: registers and state only */
    rnd_seed(0x111);
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int s = 0; s < 4; s += 1) {
            for (unsigned b = 0; b < 256; b++) {
                if (manual_opcode(b))
                    continue;
                for (int k = 0; k < 2; k++) {
                    uint32_t w = b << 24 | (k ? rnd() & 0xffffffu : 0);
                    ctx("%s: unknown opcode 0x%02x, word 0x%08x, from status 0x%02x", isa_variant_name(v), b, w,
                        FROM[s]);
                    uint32_t regs[NREGS];
                    regs_pattern(regs);
                    set_regs(r, regs);
                    CODE_AT(r, CODE, w);
                    CPU(r)->pc = CODE;
                    expect_trap(r, FROM[s], 0, NULL, CAUSE_ILLEGAL, CODE, w);
                }
            }
        }
    }
    check_memory = true;
    rigs_free();
}

/* ----------------------------------------------------------- privileged */

/* docs/isa.md section 10. */
static bool manual_privileged(enum op op, enum isa_variant v)
{
    switch (op) {
    case OP_HALT: case OP_WFI: case OP_RFE: case OP_MFCR: case OP_MTCR:
    case OP_TLBFLUSH: case OP_TLBFLUSHV: case OP_IN: case OP_OUT:
        return true;
    case OP_RDSR: case OP_WRSR: case OP_RDPTB:
        return v == ISA_PG;
    default:
        return false;
    }
}

static void test_privileged(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int pg = 0; pg < 2; pg++) {
            uint32_t pgbit = paging(r, pg);
            for (int s = 2; s < 4; s++) { /* user mode, IE = 0 and 1 */
                uint32_t from = FROM[s] | pgbit;
                for (int op = 0; op < OP_COUNT; op++) {
                    if (!manual_privileged((enum op)op, (enum isa_variant)v))
                        continue;
                    const struct isa_insn *in = &isa_insns[op];
                    /* operands: r6 (all ones) and the scratch register or port 0x10 */
                    int32_t imm = in->imm == IMM_CR ? CR_SCRATCH : in->imm == IMM_PORT ? PORT_CON_DATA : 0;
                    unsigned ra = isa_form_nregs(in->form) ? 6 : 0;
                    uint32_t w = enc((enum op)op, ra, 0, 0, imm);
                    ctx("%s: %s (0x%08x) in user mode, status 0x%02x", isa_variant_name(v), in->mnem, w, from);
                    uint32_t regs[NREGS];
                    regs_pattern(regs);
                    regs[6] = 0xffffffffu;
                    set_regs(r, regs);
                    r->outlen = 0;
                    CODE_AT(r, CODE, w, enc(OP_SYSCALL, 0, 0, 0, 0));
                    CPU(r)->pc = CODE;
                    expect_trap(r, from, 0, NULL, CAUSE_PRIV, CODE, w);
                    CHECK_EQ(r->outlen, 0);
                }
            }
        }
    }
    rigs_free();
}

/* ----------------------------------------------------------- misaligned */

static const struct {
    enum op op;
    uint32_t low; /* address modulo 4 */
} MISALIGNED[] = {
    {OP_LW, 1}, {OP_LW, 2}, {OP_LW, 3}, {OP_LH, 1}, {OP_LH, 3}, {OP_LHU, 1}, {OP_LHU, 3},
    {OP_SW, 1}, {OP_SW, 2}, {OP_SW, 3}, {OP_SH, 1}, {OP_SH, 3},
};

static bool is_store(enum op op) { return op == OP_SW || op == OP_SH || op == OP_SB; }

static void test_misaligned_access(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int pg = 0; pg < 2; pg++) {
            uint32_t pgbit = paging(r, pg);
            for (int s = 0; s < 4; s++) {
                uint32_t from = FROM[s] | pgbit;
                for (size_t i = 0; i < sizeof MISALIGNED / sizeof MISALIGNED[0]; i++) {
                    enum op op = MISALIGNED[i].op;
                    for (int form = 0; form < 3; form++) {
                        /* the address as base + offset, as base alone, and with rd = base */
                        uint32_t a = DATA + 0x100 + MISALIGNED[i].low;
                        unsigned rd = form == 2 ? 5 : 6;
                        int32_t imm = form == 0 ? (int32_t)MISALIGNED[i].low + 0x100 : 0;
                        uint32_t regs[NREGS];
                        regs_pattern(regs);
                        regs[5] = a - (uint32_t)imm;
                        ctx("%s: %s r%u, %d(r5) with r5 = 0x%08x (address 0x%08x) from status 0x%02x",
                            isa_variant_name(v), isa_insns[op].mnem, rd, imm, regs[5], a, from);
                        set_regs(r, regs);
                        CODE_AT(r, CODE, enc(op, rd, 5, 0, imm), enc(OP_SYSCALL, 0, 0, 0, 0));
                        CPU(r)->pc = CODE;
                        uint32_t cause = CAUSE_MISALIGNED | (is_store(op) ? CAUSE_WRITE : 0) | user_bit(from);
                        expect_trap(r, from, 0, NULL, cause, CODE, a);
                    }
                }
            }
        }
    }
    rigs_free();
}

/* jalr to a target that is not a multiple of 4 traps at the jalr, with
 * the fetch bit and badaddr = the target; rfe to such an epc faults on
 * the fetch at the target. */
static void test_misaligned_jump(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int pg = 0; pg < 2; pg++) {
            uint32_t pgbit = paging(r, pg);
            for (int s = 0; s < 4; s++) {
                uint32_t from = FROM[s] | pgbit;
                for (uint32_t low = 1; low < 4; low++)
                    for (unsigned rd = 0; rd < 3; rd++) { /* r0, r1, and rd = rs1 */
                        unsigned d = rd == 2 ? 5 : rd;
                        uint32_t regs[NREGS];
                        regs_pattern(regs);
                        regs[5] = CODE + 0x100;
                        uint32_t t = regs[5] + low;
                        ctx("%s: jalr r%u, %u(r5) -> 0x%08x from status 0x%02x", isa_variant_name(v), d, low, t,
                            from);
                        set_regs(r, regs);
                        CODE_AT(r, CODE, enc(OP_JALR, d, 5, 0, (int32_t)low), enc(OP_SYSCALL, 0, 0, 0, 0));
                        CPU(r)->pc = CODE;
                        expect_trap(r, from, 0, NULL, CAUSE_MISALIGNED | CAUSE_FETCH | user_bit(from), CODE, t);
                    }
            }
            /* rfe from supervisor mode to a misaligned epc, to either mode */
            for (int ps = 0; ps < 2; ps++)
                for (uint32_t low = 1; low < 4; low++) {
                    uint32_t from = SR_S | (ps ? SR_PS : 0) | pgbit;
                    uint32_t at = (ps ? SR_S : 0) | SR_PS * (uint32_t)ps | pgbit; /* after the rfe */
                    uint32_t t = CODE + 0x100 + low;
                    ctx("%s: mtcr epc (0x%08x); rfe with PS = %d (to %s mode)", isa_variant_name(v), t, ps,
                        ps ? "supervisor" : "user");
                    /* expect_trap sets epc to a sentinel: the code sets it */
                    uint32_t regs[NREGS];
                    regs_pattern(regs);
                    regs[7] = t;
                    set_regs(r, regs);
                    CODE_AT(r, CODE, enc(OP_MTCR, 7, 0, 0, CR_EPC), enc(OP_RFE, 0, 0, 0, 0));
                    CPU(r)->pc = CODE;
                    expect_trap_at(r, from, at, 2, NULL, CAUSE_MISALIGNED | CAUSE_FETCH | user_bit(at), t, t);
                }
        }
    }
    rigs_free();
}

/* ------------------------------------------------------------- div-zero */

static void test_div_zero(void)
{
    static const enum op DIVS[] = {OP_DIV, OP_DIVU, OP_REM, OP_REMU};
    static const uint32_t DIVIDEND[] = {0, 1, 0xffffffff, 0x80000000, 0x7fffffff};
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int pg = 0; pg < 2; pg++) {
            uint32_t pgbit = paging(r, pg);
            for (int s = 0; s < 4; s++) {
                uint32_t from = FROM[s] | pgbit;
                for (size_t k = 0; k < 4; k++)
                    for (size_t d = 0; d < 5; d++)
                        for (int form = 0; form < 4; form++) {
                            /* rd, rs1, rs2: distinct; rd = rs1; rd = rs2; divisor r0 */
                            static const unsigned F[4][3] = {{7, 5, 6}, {5, 5, 6}, {6, 5, 6}, {7, 5, 0}};
                            unsigned rd = F[form][0], rs1 = F[form][1], rs2 = F[form][2];
                            uint32_t regs[NREGS];
                            regs_pattern(regs);
                            regs[5] = DIVIDEND[d];
                            if (rs2)
                                regs[rs2] = 0;
                            ctx("%s: %s r%u, r%u, r%u with 0x%08x / 0 from status 0x%02x", isa_variant_name(v),
                                isa_insns[DIVS[k]].mnem, rd, rs1, rs2, DIVIDEND[d], from);
                            set_regs(r, regs);
                            CODE_AT(r, CODE, enc(DIVS[k], rd, rs1, rs2, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
                            CPU(r)->pc = CODE;
                            expect_trap(r, from, 0, NULL, CAUSE_DIV_ZERO, CODE, 0);
                        }
            }
        }
    }
    rigs_free();
}

/* ------------------------------------------------------------ bus error */

static void test_bus_error_access(void)
{
    static const enum op OPS[] = {OP_LW, OP_LH, OP_LHU, OP_LB, OP_LBU, OP_SW, OP_SH, OP_SB};
    /* (base, offset): at the end of memory, past it, at the top of the address space */
    static const struct {
        uint32_t base;
        int32_t imm;
    } AT[] = {
        {RIG_MEM, 0}, {RIG_MEM - 4, 4}, {RIG_MEM - 0x100, 0x108}, {0, -4}, {0x80000000u, 0}, {RIG_MEM + 0x7ff8, -0x7ff8 + 0x1000},
    };
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int s = 0; s < 4; s++) {
            uint32_t from = FROM[s];
            for (size_t k = 0; k < sizeof OPS / sizeof OPS[0]; k++)
                for (size_t i = 0; i < sizeof AT / sizeof AT[0]; i++) {
                    enum op op = OPS[k];
                    uint32_t regs[NREGS];
                    regs_pattern(regs);
                    regs[5] = AT[i].base;
                    uint32_t a = AT[i].base + (uint32_t)AT[i].imm;
                    ctx("%s: %s r6, %d(r5) with r5 = 0x%08x (address 0x%08x, outside memory) from status 0x%02x",
                        isa_variant_name(v), isa_insns[op].mnem, AT[i].imm, AT[i].base, a, from);
                    set_regs(r, regs);
                    CODE_AT(r, CODE, enc(op, 6, 5, 0, AT[i].imm), enc(OP_SYSCALL, 0, 0, 0, 0));
                    CPU(r)->pc = CODE;
                    uint32_t cause = CAUSE_BUS_ERROR | (is_store(op) ? CAUSE_WRITE : 0) | user_bit(from);
                    expect_trap(r, from, 0, NULL, cause, CODE, a);
                }
            /* the last word of memory is fine */
            uint32_t regs[NREGS];
            regs_pattern(regs);
            regs[5] = RIG_MEM - 4;
            ctx("%s: lw r6, 0(r5) at the last word of memory from status 0x%02x", isa_variant_name(v), from);
            set_regs(r, regs);
            CODE_AT(r, CODE, enc(OP_LW, 6, 5, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
            CPU(r)->pc = CODE;
            regs[6] = rig_peek32(r, RIG_MEM - 4);
            expect_trap(r, from, 1, regs, CAUSE_SYSCALL, CODE + 4, 0);
        }
    }
    rigs_free();
}

static void test_bus_error_fetch(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        for (int s = 0; s < 4; s++) {
            uint32_t from = FROM[s];
            static const uint32_t T[] = {RIG_MEM, RIG_MEM + 0x1000, 0x80000000u, 0xfffffffcu};
            for (size_t i = 0; i < 4; i++) {
                /* jalr there: the jalr retires (link written), the fetch faults */
                uint32_t regs[NREGS], want[NREGS];
                regs_pattern(regs);
                regs[5] = T[i];
                ctx("%s: jalr r1, 0(r5) to 0x%08x (outside memory) from status 0x%02x", isa_variant_name(v), T[i],
                    from);
                set_regs(r, regs);
                CODE_AT(r, CODE, enc(OP_JALR, 1, 5, 0, 0));
                CPU(r)->pc = CODE;
                memcpy(want, regs, sizeof want);
                want[1] = CODE + 4;
                expect_trap(r, from, 1, want, CAUSE_BUS_ERROR | CAUSE_FETCH | user_bit(from), T[i], T[i]);
            }
            /* running off the end of memory */
            uint32_t regs[NREGS], want[NREGS];
            regs_pattern(regs);
            ctx("%s: addi at the last word of memory, then the fetch past it, from status 0x%02x",
                isa_variant_name(v), from);
            set_regs(r, regs);
            CODE_AT(r, RIG_MEM - 4, enc(OP_ADDI, 5, 5, 0, 1));
            CPU(r)->pc = RIG_MEM - 4;
            memcpy(want, regs, sizeof want);
            want[5] += 1;
            expect_trap(r, from, 1, want, CAUSE_BUS_ERROR | CAUSE_FETCH | user_bit(from), RIG_MEM, RIG_MEM);
            CODE_AT(r, RIG_MEM - 4, 0);
        }
    }
    rigs_free();
}

/* ----------------------------------------------------------- page fault */

#define P_NP 0x50000u  /* level-2 entry not valid */
#define P_RO 0x51000u  /* V R U: read-only, not executable */
#define P_NX 0x52000u  /* V R W U: not executable */
#define P_SUP 0x53000u /* V R W X: supervisor only */
#define P_NOR 0x54000u /* V W X U: not readable */
#define P_L1 0x00c00000u /* level-1 entry not valid */

static void pf_tables(struct rig *r)
{
    const uint32_t ad = PTE_A | PTE_D;
    identity_map(r, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | ad);
    rig_poke32(r, pte_addr(P_NP), P_NP | PTE_R | PTE_W | PTE_X | PTE_U | ad);
    rig_poke32(r, pte_addr(P_RO), P_RO | PTE_V | PTE_R | PTE_U | ad);
    rig_poke32(r, pte_addr(P_NX), P_NX | PTE_V | PTE_R | PTE_W | PTE_U | ad);
    rig_poke32(r, pte_addr(P_SUP), P_SUP | PTE_V | PTE_R | PTE_W | PTE_X | ad);
    rig_poke32(r, pte_addr(P_NOR), P_NOR | PTE_V | PTE_W | PTE_X | PTE_U | ad);
}

static void test_page_faults(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        pf_tables(r);
        for (int s = 0; s < 4; s++) {
            uint32_t from = FROM[s] | SR_PG;
            uint32_t u = user_bit(from);
            static const struct {
                const char *what;
                enum op op;
                uint32_t addr;
                uint32_t cause;
                bool user_only;
            } C[] = {
                {"load, not present", OP_LW, P_NP + 8, CAUSE_PAGE_FAULT, false},
                {"store, not present", OP_SW, P_NP + 8, CAUSE_PAGE_FAULT | CAUSE_WRITE, false},
                {"byte load, level 1 not present", OP_LBU, P_L1 + 3, CAUSE_PAGE_FAULT, false},
                {"store, level 1 not present", OP_SH, P_L1 + 2, CAUSE_PAGE_FAULT | CAUSE_WRITE, false},
                {"store to a read-only page", OP_SW, P_RO + 4, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE, false},
                {"byte store to a read-only page", OP_SB, P_RO + 5, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE, false},
                {"load from a page without R", OP_LW, P_NOR, CAUSE_PAGE_FAULT | CAUSE_PROT, false},
                {"load from a supervisor page in user mode", OP_LH, P_SUP + 2, CAUSE_PAGE_FAULT | CAUSE_PROT, true},
                {"store to a supervisor page in user mode", OP_SW, P_SUP, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE, true},
            };
            for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
                uint32_t regs[NREGS], want[NREGS];
                regs_pattern(regs);
                regs[5] = C[i].addr;
                set_regs(r, regs);
                CODE_AT(r, CODE, enc(C[i].op, 6, 5, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
                CPU(r)->pc = CODE;
                ctx("%s: %s (%s at 0x%08x) from status 0x%02x", isa_variant_name(v), C[i].what,
                    isa_insns[C[i].op].mnem, C[i].addr, from);
                if (C[i].user_only && !FROM_USER(from)) {
                    /* supervisor mode may use any page */
                    memcpy(want, regs, sizeof want);
                    if (!is_store(C[i].op))
                        want[6] = 0;
                    check_memory = !is_store(C[i].op);
                    expect_trap(r, from, 1, want, CAUSE_SYSCALL, CODE + 4, 0);
                    check_memory = true;
                    if (is_store(C[i].op)) {
                        CHECK_EQ(rig_peek32(r, C[i].addr), regs[6]);
                        rig_poke32(r, C[i].addr, 0);
                    }
                    continue;
                }
                expect_trap(r, from, 0, NULL, C[i].cause | u, CODE, C[i].addr);
            }
            /* fetches: jalr retires, the fetch at the target faults */
            static const struct {
                const char *what;
                uint32_t addr, cause;
                bool user_only;
            } F[] = {
                {"fetch, not present", P_NP, CAUSE_PAGE_FAULT | CAUSE_FETCH, false},
                {"fetch, level 1 not present", P_L1, CAUSE_PAGE_FAULT | CAUSE_FETCH, false},
                {"fetch from a page without X", P_NX + 0x10, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_FETCH, false},
                {"fetch from a read-only page", P_RO, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_FETCH, false},
                {"fetch from a supervisor page in user mode", P_SUP, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_FETCH, true},
            };
            for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
                uint32_t regs[NREGS], want[NREGS];
                regs_pattern(regs);
                regs[5] = F[i].addr;
                set_regs(r, regs);
                CODE_AT(r, CODE, enc(OP_JALR, 1, 5, 0, 0));
                CPU(r)->pc = CODE;
                memcpy(want, regs, sizeof want);
                want[1] = CODE + 4;
                ctx("%s: %s (jalr to 0x%08x) from status 0x%02x", isa_variant_name(v), F[i].what, F[i].addr, from);
                if (F[i].user_only && !FROM_USER(from)) {
                    CODE_AT(r, F[i].addr, enc(OP_SYSCALL, 0, 0, 0, 0));
                    expect_trap(r, from, 1, want, CAUSE_SYSCALL, F[i].addr, 0);
                    CODE_AT(r, F[i].addr, 0);
                    continue;
                }
                expect_trap(r, from, 1, want, F[i].cause | u, F[i].addr, F[i].addr);
            }
        }
        machine_set_cr(r->m, CR_STATUS, SR_S);
    }
    /* the manual's example: a user store to a read-only page is 0xb05 */
    CHECK_EQ(CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE | CAUSE_USER, 0xb05);
    rigs_free();
}

/* ------------------------------------------------------------ trap flow */

/* A kernel-style handler: count syscalls in r8, step epc over the syscall
 * and rfe; halt at the second.  The user program between them runs in
 * user mode. */
static void test_rfe_to_user_and_back(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        const uint32_t H = 0x5000, U = 0x6000;
        CODE_AT(r, H, enc(OP_MFCR, 7, 0, 0, CR_CAUSE),   /* H+0 */
                enc(OP_ADDI, 8, 8, 0, 1),               /* H+4  count */
                enc(OP_ADDI, 9, 0, 0, 2),               /* H+8 */
                enc(OP_BEQ, 8, 9, 0, 24),               /* H+12 -> H+36 */
                enc(OP_MFCR, 10, 0, 0, CR_EPC),         /* H+16 */
                enc(OP_ADDI, 10, 10, 0, 4),             /* H+20 */
                enc(OP_MTCR, 10, 0, 0, CR_EPC),         /* H+24 */
                enc(OP_RFE, 0, 0, 0, 0),                /* H+28 */
                0,                                      /* H+32 */
                enc(OP_HALT, 0, 0, 0, 0));              /* H+36 */
        CODE_AT(r, U, enc(OP_SYSCALL, 0, 0, 0, 0), enc(OP_ADDI, 11, 0, 0, 5), enc(OP_SYSCALL, 0, 0, 0, 0));
        /* supervisor code: go to user mode at U with IE = 1 */
        CODE_AT(r, CODE, enc(OP_MTCR, 5, 0, 0, CR_TVEC), enc(OP_MTCR, 6, 0, 0, CR_EPC), enc(OP_MTCR, 12, 0, 0, CR_STATUS),
                enc(OP_RFE, 0, 0, 0, 0));
        uint32_t regs[NREGS];
        regs_pattern(regs);
        regs[5] = H;
        regs[6] = U;
        regs[8] = 0;
        regs[12] = SR_S | SR_PIE; /* PS = 0: rfe goes to user mode */
        set_regs(r, regs);
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_STATUS, SR_S);
        uint64_t i0 = CPU(r)->instret;
        ctx("%s: rfe to user mode, two syscalls through a handler", isa_variant_name(v));
        CHECK_RULE(rig_run(r, BUDGET), EXIT_HALT, "the program did not end at the handler's halt (exit reason)");
        CHECK_RULE(REG(r, 8), 2, "the handler did not run twice (a syscall, rfe back to user mode, a syscall)");
        CHECK_CAUSE(REG(r, 7), CAUSE_SYSCALL, "the handler read the wrong cause"); /* no USER bit on a syscall */
        CHECK_RULE(REG(r, 11), 5, "the user code after the first syscall did not run: rfe did not return to epc");
        CHECK_CAUSE(CRV(r, CR_CAUSE), CAUSE_SYSCALL, "the last trap has the wrong cause");
        CHECK_RULE(CRV(r, CR_EPC), U + 8, "the last trap saved the wrong epc");
        CHECK_RULE(CRV(r, CR_BADADDR), 0, "a syscall did not leave badaddr 0");
        CHECK_STATUS(CRV(r, CR_STATUS), SR_S | SR_PIE, /* from user mode, IE = 1 */
                     "the second syscall was not taken from user mode with IE = 1: rfe did not restore S = PS "
                     "and IE = PIE, or the trap did not save them");
        /* 4 + (4 handler to the beq + 4 to rfe) + 1 user addi + 4 + halt */
        CHECK_RULE(CPU(r)->instret - i0, 4 + 8 + 1 + 4 + 1, "the wrong number of instructions retired");
        machine_set_cr(r->m, CR_TVEC, TVEC_T);
    }
    rigs_free();
}

/* A trap inside a handler overwrites epc, cause, badaddr, PS and PIE. */
static void test_nested_trap(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        const uint32_t H = 0x5000;
        /* the handler puts tvec back to the halt, then faults itself */
        CODE_AT(r, H, enc(OP_MTCR, 9, 0, 0, CR_TVEC), enc(OP_LW, 10, 0, 0, 2));
        for (int s = 0; s < 4; s++) {
            uint32_t from = FROM[s];
            uint32_t regs[NREGS];
            regs_pattern(regs);
            regs[5] = DATA + 1;
            regs[9] = TVEC_T;
            set_regs(r, regs);
            CODE_AT(r, CODE, enc(OP_SH, 6, 5, 0, 0));
            CPU(r)->pc = CODE;
            machine_set_cr(r->m, CR_TVEC, H);
            ctx("%s: misaligned sh from status 0x%02x, then misaligned lw in the handler", isa_variant_name(v), from);
            /* the second trap is taken in supervisor mode with IE = 0 */
            tvec_after = TVEC_T;
            expect_trap_at(r, from, SR_S, 1, NULL, CAUSE_MISALIGNED, H + 4, 2);
            tvec_after = 0;
        }
    }
    rigs_free();
}

/* The handler cannot be fetched: machine_run reports a double fault. */
static void test_double_fault(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        static const uint32_t TV[] = {RIG_MEM, RIG_MEM + 0x100, 0xfffff000u, TVEC_T + 2};
        for (int pg = 0; pg < 2; pg++) {
            uint32_t pgbit = paging(r, pg);
            for (size_t i = 0; i < 5; i++) {
                for (int s = 0; s < 4; s++) {
                    /* i == 4: paging on, tvec on a page that is not mapped */
                    uint32_t tv = i < 4 ? TV[i] : P_NP;
                    if (i == 4 && !pg)
                        continue;
                    if (i == 4)
                        rig_poke32(r, pte_addr(P_NP), 0);
                    ctx("%s: syscall with tvec = 0x%08x from status 0x%02x", isa_variant_name(v), tv,
                        FROM[s] | pgbit);
                    CODE_AT(r, CODE, enc(OP_SYSCALL, 0, 0, 0, 0));
                    CPU(r)->pc = CODE;
                    machine_set_cr(r->m, CR_TVEC, tv);
                    machine_set_cr(r->m, CR_STATUS, FROM[s] | pgbit);
                    CHECK_EQ(rig_run(r, BUDGET), EXIT_DOUBLE_FAULT);
                    machine_set_cr(r->m, CR_TVEC, TVEC_T);
                }
            }
            /* an interrupt delivered to a tvec outside memory as well */
            ctx("%s: timer interrupt with tvec outside memory", isa_variant_name(v));
            CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 0, 0, 0, 0), enc(OP_SYSCALL, 0, 0, 0, 0));
            CPU(r)->pc = CODE;
            machine_set_cr(r->m, CR_TVEC, RIG_MEM);
            machine_set_cr(r->m, CR_STATUS, SR_S | SR_IE | pgbit);
            machine_set_cr(r->m, CR_TIMER, 1);
            CHECK_EQ(rig_run(r, BUDGET), EXIT_DOUBLE_FAULT);
            machine_set_cr(r->m, CR_TIMER, 0);
            machine_set_cr(r->m, CR_TVEC, TVEC_T);
            machine_set_cr(r->m, CR_STATUS, SR_S);
        }
    }
    rigs_free();
}

/*
 * The instruction at tvec faults (here: it is illegal, as zeroed memory
 * is).  Section 6: "If the trap handler itself cannot be fetched (the
 * instruction at tvec faults), the machine gives up and stops".  Run in a
 * child process with an alarm, so a machine that loops instead of
 * stopping fails this test rather than hanging the suite.
 */
static void test_double_fault_illegal_handler(void)
{
    pid_t pid[ISA_NVARIANTS];
    fflush(NULL);
    FOR_VARIANTS(v) {
        pid[v] = fork();
        CU_ASSERT_FATAL(pid[v] >= 0);
        if (pid[v] == 0) {
            alarm(1);
            struct rig *r = trap_rig((enum isa_variant)v);
            rig_poke32(r, TVEC_T, 0); /* zeroed memory at tvec: illegal */
            rig_poke32(r, CODE, enc(OP_SYSCALL, 0, 0, 0, 0));
            enum exit_reason why = rig_run(r, BUDGET);
            _exit(why == EXIT_DOUBLE_FAULT ? 0 : 10 + (int)why);
        }
    }
    FOR_VARIANTS(v) {
        int st = 0;
        CU_ASSERT_FATAL(waitpid(pid[v], &st, 0) == pid[v]);
        ctx("%s: syscall with an illegal instruction (a zero word) at tvec", isa_variant_name((enum isa_variant)v));
        if (WIFSIGNALED(st))
            fprintf(stderr, "\n  %s: machine_run(budget %d) did not return within 1 s (signal %d): the machine "
                            "loops trapping at tvec instead of reporting a double fault\n",
                    ctx_str(), BUDGET, WTERMSIG(st));
        else if (WEXITSTATUS(st) != 0)
            fprintf(stderr, "\n  %s: machine_run returned exit reason %d, not EXIT_DOUBLE_FAULT\n", ctx_str(),
                    WEXITSTATUS(st) - 10);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
}

/* ------------------------------------------------------------ interrupts */

static void nops(struct rig *r, uint32_t at, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        rig_poke32(r, at + 4 * i, enc(OP_ADDI, 0, 0, 0, 0));
}

static void test_interrupt_needs_ie(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        uint32_t regs[NREGS];
        regs_pattern(regs);

        /* pending after 3 instructions with IE = 0; IE set by the 21st */
        for (int how = 0; how < 2; how++) {
            regs[1] = SR_S | SR_IE;
            set_regs(r, regs);
            nops(r, CODE, 20);
            CODE_AT(r, CODE + 80, how ? enc(OP_WRSR, 1, 0, 0, 0) : enc(OP_MTCR, 1, 0, 0, CR_STATUS),
                    enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
            CPU(r)->pc = CODE;
            machine_set_cr(r->m, CR_TIMER, 3);
            ctx("%s: timer pending from the 3rd instruction, IE set by %s as the 21st", isa_variant_name(v),
                how ? "wrsr" : "mtcr");
            expect_trap_at(r, SR_S, SR_S | SR_IE, 21, NULL, CAUSE_TIMER, CODE + 84, 0);
            machine_set_cr(r->m, CR_TIMER, 0);
        }

        /* IE = 0 throughout: never taken, still pending at the end */
        set_regs(r, regs);
        nops(r, CODE, 30);
        CODE_AT(r, CODE + 120, enc(OP_SYSCALL, 0, 0, 0, 0));
        CPU(r)->pc = CODE;
        machine_set_cr(r->m, CR_TIMER, 3);
        ctx("%s: timer pending with IE = 0 throughout", isa_variant_name(v));
        expect_trap(r, SR_S, 30, NULL, CAUSE_SYSCALL, CODE + 120, 0);
        CHECK_EQ(machine_pending_interrupt(r->m), CAUSE_TIMER);
        machine_set_cr(r->m, CR_TIMER, 0);

        /* from user mode with IE = 1: no USER bit, epc = the next instruction */
        for (int s = 1; s < 4; s += 2) {
            set_regs(r, regs);
            nops(r, CODE, 30);
            CPU(r)->pc = CODE;
            machine_set_cr(r->m, CR_TIMER, 5);
            ctx("%s: timer interrupt after 5 instructions from status 0x%02x", isa_variant_name(v), FROM[s]);
            expect_trap(r, FROM[s], 5, NULL, CAUSE_TIMER, CODE + 20, 0);
            machine_set_cr(r->m, CR_TIMER, 0);
        }

        /* rfe that sets IE with an interrupt pending: taken at the target */
        for (int ps = 0; ps < 2; ps++) {
            regs[6] = 0x6000;
            set_regs(r, regs);
            CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_MTCR, 6, 0, 0, CR_EPC), enc(OP_RFE, 0, 0, 0, 0));
            CODE_AT(r, 0x6000, enc(OP_ADDI, 5, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
            CPU(r)->pc = CODE;
            machine_set_cr(r->m, CR_TIMER, 1);
            uint32_t from = SR_S | SR_PIE | (ps ? SR_PS : 0);
            uint32_t at = (ps ? SR_S | SR_PS : 0) | SR_IE | SR_PIE;
            ctx("%s: rfe to 0x6000 setting IE (PS = %d) with the timer pending", isa_variant_name(v), ps);
            expect_trap_at(r, from, at, 3, NULL, CAUSE_TIMER, 0x6000, 0);
            machine_set_cr(r->m, CR_TIMER, 0);
        }
    }
    rigs_free();
}

/* Taking an interrupt does not acknowledge it: a handler that returns
 * without writing timer is interrupted again at once, and the
 * interrupted instruction never runs. */
static void test_interrupt_not_acknowledged(void)
{
    rigs_new();
    FOR_VARIANTS(v) {
        struct rig *r = rg[v];
        const uint32_t H = 0x5000;
        CODE_AT(r, H, enc(OP_RFE, 0, 0, 0, 0));
        CODE_AT(r, CODE, enc(OP_ADDI, 0, 0, 0, 0), enc(OP_ADDI, 5, 5, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
        for (int s = 1; s < 4; s += 2) {
            uint32_t regs[NREGS];
            regs_pattern(regs);
            set_regs(r, regs);
            CPU(r)->pc = CODE;
            machine_set_cr(r->m, CR_TVEC, H);
            machine_set_cr(r->m, CR_STATUS, FROM[s]);
            machine_set_cr(r->m, CR_TIMER, 1);
            uint64_t i0 = CPU(r)->instret;
            ctx("%s: timer interrupt from status 0x%02x, handler only rfe", isa_variant_name(v), FROM[s]);
            CHECK_RULE(rig_run(r, 10), EXIT_BUDGET,
                       "the machine stopped (exit reason) instead of looping in the handler");
            CHECK_RULE(CPU(r)->instret - i0, 10, /* the first nop, then 9 rfe */
                       "the wrong number of instructions retired (the first nop, then only the handler's rfe)");
            CHECK_RULE(REG(r, 5), regs[5], /* the addi never ran */
                       "the interrupted instruction ran: an interrupt still pending must be taken again as soon "
                       "as rfe turns IE back on");
            CHECK_RULE(CRV(r, CR_EPC), CODE + 4, "the interrupt saved the wrong epc (the instruction it interrupted)");
            CHECK_CAUSE(CRV(r, CR_CAUSE), CAUSE_TIMER, "the last trap was not the timer interrupt");
            CHECK_CAUSE(machine_pending_interrupt(r->m), CAUSE_TIMER,
                        "taking the interrupt acknowledged it (only writing timer does)");
            /* acknowledged: the program goes on */
            machine_set_cr(r->m, CR_TIMER, 0);
            machine_set_cr(r->m, CR_TVEC, TVEC_T);
            CHECK_RULE(rig_run(r, BUDGET), EXIT_HALT, "once acknowledged, the program did not run on to its syscall");
            CHECK_CAUSE(CRV(r, CR_CAUSE), CAUSE_SYSCALL,
                        "once acknowledged, the program did not run on to its syscall");
            CHECK_RULE(REG(r, 5), regs[5] + 1, "once acknowledged, the interrupted instruction did not run");
        }
    }
    rigs_free();
}

/* ------------------------------------------------- the failures' words */

/* What a failed check of these suites says (tests/broken_rule.h), for the
 * status words of the manual's examples: the rule that broke and the bits
 * by name, so that a student who deletes rfe's restore reads "rfe". */
static void test_failure_words(void)
{
#define SAYS(got, want) CU_ASSERT_STRING_EQUAL((got), (want))
    /* a trap from supervisor mode (S) that forgot to save S in PS */
    SAYS(trap_status_rule(SR_S, SR_S | SR_PS), "the trap did not save the previous mode in PS");
    SAYS(trap_status_rule(SR_S | SR_PS, SR_S | SR_PIE), "the trap did not save the previous mode in PS");
    SAYS(trap_status_rule(SR_S | SR_PS, SR_S | SR_PS | SR_PIE),
         "the trap did not save the previous interrupt enable in PIE");
    SAYS(trap_status_rule(SR_PS, SR_S | SR_PS), "the trap did not enter supervisor mode (S = 1)");
    SAYS(trap_status_rule(SR_S | SR_IE, SR_S), "the trap did not turn interrupts off (IE = 0)");
    SAYS(trap_status_rule(SR_S, SR_S | SR_PG), "the trap changed PG, which it must keep");
    /* rfe with PS = 0 that left S = 1: the issue's deleted restore */
    SAYS(rfe_status_rule(SR_S, 0), "rfe did not restore the previous mode (S = PS)");
    SAYS(rfe_status_rule(SR_S | SR_PS, SR_S | SR_PS | SR_IE | SR_PIE),
         "rfe did not restore the previous interrupt enable (IE = PIE)");
    SAYS(rfe_status_rule(SR_S, SR_S | SR_PS), "rfe changed PS, PIE or PG, which it must keep");
    /* the bits by name (docs/isa.md section 5), and what differs */
    SAYS(say_status(SR_S | SR_PS), "0x00000005 (S PS)");
    SAYS(say_status(0), "0x00000000 (no bit set)");
    SAYS(say_status_diff(SR_S | SR_PS, SR_S | SR_PIE), "PS is set, should be clear; PIE is clear, should be set");
    SAYS(say_cause(0xb05), "page-fault (0x00000b05)");
    SAYS(cause_hint(CAUSE_MISALIGNED | CAUSE_FETCH, CAUSE_MISALIGNED | CAUSE_FETCH | CAUSE_USER),
         " (USER is clear: but the access was made in user mode)");
    SAYS(cause_hint(CAUSE_SYSCALL, CAUSE_TIMER),
         " (the pending interrupt was not taken: IE was not 1 when it should have been)");
    SAYS(cause_hint(CAUSE_SYSCALL, CAUSE_BREAK), "");
    /* a level-2 entry (section 7) that a store left clean */
    SAYS(say_pte(0x00012000u | PTE_V | PTE_R | PTE_W | PTE_A), "0x00012027 (frame 0x00012000 V R W A)");
    SAYS(say_pte_diff(0x00012027u, 0x00012067u), "D is clear, should be set");
    SAYS(say_pte_diff(0x00012027u, 0x00013027u), "frame 0x00012000, should be 0x00013000");
#undef SAYS
}

/* ---------------------------------------------------------------- suite */

void suite_trap(void)
{
    CU_pSuite s = rule_suite("trap", NULL, NULL);
    CU_add_test(s, "syscall and break: epc, cause, badaddr and status saved as section 6 says", test_syscall_break);
    CU_add_test(s, "illegal: opcode 0, unused fields, CR number, shift", test_illegal);
    CU_add_test(s, "illegal: every opcode the manual does not list", test_illegal_opcodes);
    CU_add_test(s, "privileged: every privileged instruction from user mode", test_privileged);
    CU_add_test(s, "misaligned: loads and stores", test_misaligned_access);
    CU_add_test(s, "misaligned jalr or rfe target: the fetch faults, in the mode rfe entered", test_misaligned_jump);
    CU_add_test(s, "div-zero: div, divu, rem, remu", test_div_zero);
    CU_add_test(s, "bus-error: loads and stores outside memory", test_bus_error_access);
    CU_add_test(s, "bus-error: fetch outside memory", test_bus_error_fetch);
    CU_add_test(s, "page-fault: each access kind, cause bits", test_page_faults);
    CU_add_test(s, "rfe enters user mode (S = PS), a syscall comes back to the handler", test_rfe_to_user_and_back);
    CU_add_test(s, "a trap inside a handler overwrites the saved state", test_nested_trap);
    CU_add_test(s, "double fault: tvec cannot be fetched", test_double_fault);
    CU_add_test(s, "double fault: the instruction at tvec is illegal", test_double_fault_illegal_handler);
    CU_add_test(s, "interrupts only when IE = 1", test_interrupt_needs_ie);
    CU_add_test(s, "an interrupt not acknowledged is taken again at once", test_interrupt_not_acknowledged);
    CU_add_test(s, "a failed check says the rule in words, status bits and PTE fields by name", test_failure_words);
}
