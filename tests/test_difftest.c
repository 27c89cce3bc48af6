/*
 * test_difftest.c - the fast machine against the reference CPU, one
 * instruction at a time (isa/ref/difftest.h, docs/testing.md).
 *
 *   - Negative controls first: a comparison that never reports proves
 *     nothing.  Each deliberate bug of the reference (enum ref_inject) is
 *     caught and named at the right instruction: its instret, pc, word and
 *     mnemonic, and what differs, all computed here from the program's
 *     layout; in bare and hosted mode; a stray write narrowed down by
 *     re-running, or given as a window when the pair cannot be re-made;
 *     and through the rig, and vrun --difftest (exit status 3).
 *   - The condition of the TLB hole (issue 10): the three-instruction
 *     crash and the user store into a kernel page, bare and hosted, both
 *     variants: the two machines agree, on a misaligned trap.
 *   - Hosted mode: the caller handles every exit and applies it to both.
 *   - Everything runs through it: every hand-written guest of tests/guests
 *     and the example of assembler/examples in both variants; the guest-OS
 *     workloads of tests/workloads.c: the shorter ones in make check, all
 *     of them in both variants when VMLAB_DIFFTEST=1 (make difftest).
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "difftest.h"
#include "prog.h"
#include "ref.h"
#include "workloads.h"

#define MEM (1u << 20)
#define L1 0x10000u
#define L2 0x11000u /* the level-2 table for virtual 0..4 MiB */
#define DATA_VA 0x00040000u
#define DATA_PTE (L2 + 4 * (DATA_VA >> 12)) /* its entry in paged_spec's tables */
#define F1 0x50000u
#define F2 0x51000u

/* --- a prepared pair ---------------------------------------------------------- */

/* What both machines start from: words in memory, registers, control
 * registers.  Deterministic, so it can be made again (for narrowing). */
struct spec {
    enum isa_variant isa;
    bool hosted;
    unsigned inject;
    uint32_t status, ptb, tvec; /* tvec 0: HANDLER */
    struct prog code;
    uint32_t poke_at[16], poke_val[16];
    unsigned npokes;
};

struct pair {
    struct machine *m;
    struct ref_machine *r;
    uint8_t out[2][256];
    size_t outlen[2];
    bool garble; /* the reference's console flips bit 0 of what it prints */
};

static void put(struct pair *p, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    CU_ASSERT_FATAL(machine_write_phys(p->m, pa, b, 4) && ref_write_phys(p->r, pa, b, 4));
}

static void out_fast(void *ctx, const uint8_t *b, size_t n)
{
    struct pair *p = ctx;
    for (size_t i = 0; i < n && p->outlen[0] < sizeof p->out[0]; i++)
        p->out[0][p->outlen[0]++] = b[i];
}

static void out_ref(void *ctx, const uint8_t *b, size_t n)
{
    struct pair *p = ctx;
    for (size_t i = 0; i < n && p->outlen[1] < sizeof p->out[1]; i++)
        p->out[1][p->outlen[1]++] = b[i] ^ (p->garble ? 1 : 0);
}

static const uint8_t *outputs(void *ctx, bool reference, size_t *len)
{
    struct pair *p = ctx;
    *len = p->outlen[reference];
    return p->out[reference];
}

static struct pair *pair_make(const struct spec *s)
{
    char err[200];
    struct pair *p = calloc(1, sizeof *p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct machine_config mc = {.mem_size = MEM, .isa = s->isa, .exits = s->hosted ? MACHINE_EXITS_ALL : 0};
    struct ref_config rc = {.mem_size = MEM, .isa = s->isa, .hosted = s->hosted, .inject = s->inject};
    p->m = machine_new(&mc, err, sizeof err);
    p->r = ref_new(&rc, err, sizeof err);
    CU_ASSERT_FATAL(p->m && p->r);
    machine_set_console(p->m, &(struct console_io){.ctx = p, .write = out_fast});
    ref_set_console(p->r, &(struct console_io){.ctx = p, .write = out_ref});
    for (size_t i = 0; i < s->code.n; i++)
        put(p, s->code.base + 4 * (uint32_t)i, s->code.w[i]);
    for (unsigned i = 0; i < s->npokes; i++)
        put(p, s->poke_at[i], s->poke_val[i]);
    uint32_t tvec = s->tvec ? s->tvec : HANDLER;
    put(p, tvec, enc(OP_HALT, 0, 0, 0, 0));
    const uint32_t crs[][2] = {{CR_TVEC, tvec}, {CR_PTB, s->ptb}, {CR_STATUS, s->status}};
    for (size_t i = 0; i < 3; i++) {
        machine_set_cr(p->m, (enum cr)crs[i][0], crs[i][1]);
        ref_set_cr(p->r, (enum cr)crs[i][0], crs[i][1]);
    }
    machine_cpu(p->m)->pc = ref_cpu(p->r)->pc = s->code.base;
    return p;
}

static void pair_free(void *handle)
{
    struct pair *p = handle;
    machine_free(p->m);
    ref_free(p->r);
    free(p);
}

static void *remake(void *ctx, struct machine **m, struct ref_machine **r)
{
    struct pair *p = pair_make(ctx);
    *m = p->m;
    *r = p->r;
    return p;
}

/* Run a spec to its stop through the difftest; the result. */
static struct difftest_result diff_spec(const struct spec *s, bool can_remake, struct vm_exit *x)
{
    struct pair *p = pair_make(s);
    struct difftest_options o = {.output = outputs, .output_ctx = p};
    if (can_remake) {
        o.remake = remake;
        o.unmake = pair_free;
        o.remake_ctx = (void *)s;
    }
    struct difftest *d = difftest_new(p->m, p->r, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct vm_exit scratch;
    difftest_run(d, 10000, x ? x : &scratch);
    struct difftest_result res = *difftest_result(d);
    difftest_free(d);
    pair_free(p);
    return res;
}

/* The result names this instruction and says this. */
static void expect_named(const struct difftest_result *res, uint64_t instret, uint32_t pc, uint32_t word,
                         const char *mnem, const char *what)
{
    CU_ASSERT_TRUE(res->differ);
    CU_ASSERT_EQUAL(res->instret, instret);
    CU_ASSERT_EQUAL(res->pc, pc);
    CU_ASSERT_TRUE(res->fetched);
    CU_ASSERT_EQUAL(res->word, word);
    CU_ASSERT(res->mnem && strcmp(res->mnem, mnem) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(res->what, what));
    char head[128];
    snprintf(head, sizeof head, "instret %" PRIu64 ", pc 0x%08x, word 0x%08x (%s): ", instret, pc, word, mnem);
    CU_ASSERT(strncmp(res->report, head, strlen(head)) == 0);
    if (!res->differ || res->instret != instret || !strstr(res->what, what) ||
        strncmp(res->report, head, strlen(head)) != 0)
        fprintf(stderr, "\n  report: %s\n  wanted: %s...%s\n", res->report, head, what);
}

/* s's bug (its inject) is caught and named at this instruction, and
 * without the bug the same program agrees: the result without it. */
static struct difftest_result expect_only_the_bug(const struct spec *s, uint64_t instret, uint32_t pc, uint32_t word,
                                                  const char *mnem, const char *what)
{
    struct difftest_result res = diff_spec(s, false, NULL);
    expect_named(&res, instret, pc, word, mnem, what);
    struct spec clean = *s;
    clean.inject = 0;
    res = diff_spec(&clean, false, NULL);
    CU_ASSERT_FALSE(res.differ);
    return res;
}

/* --- negative controls ------------------------------------------------------------ */

/* A wrong sra, caught at the sra, with both values. */
static void test_wrong_sra_is_named(void)
{
    for (int hosted = 0; hosted < 2; hosted++) {
        struct spec s = {.hosted = hosted, .inject = REF_INJECT_SRA_LOGICAL, .status = SR_S};
        p_init(&s.code, CODE);
        p_li(&s.code, 5, 0x80000000u);            /* instret 0, 1 */
        p_op(&s.code, OP_ADDI, 6, 0, 0, 4);       /* 2 */
        p_op(&s.code, OP_SRL, 9, 5, 6, 0);        /* 3: a logical shift: the same on both */
        uint32_t at = p_op(&s.code, OP_SRA, 10, 5, 6, 0); /* 4 */
        p_op(&s.code, OP_HALT, 10, 0, 0, 0);
        struct difftest_result res = expect_only_the_bug(&s, 4, at, enc(OP_SRA, 10, 5, 6, 0), "sra",
                                                         "r10: fast 0xf8000000, reference 0x08000000");
        CU_ASSERT_EQUAL(res.steps, 6);
    }
}

/* An exception's epc off by 4: bare, the control register after the
 * handler's first instruction; hosted, the exit record. */
static void test_wrong_epc_is_named(void)
{
    for (int hosted = 0; hosted < 2; hosted++) {
        struct spec s = {.hosted = hosted, .inject = REF_INJECT_EPC_NEXT, .status = SR_S};
        p_init(&s.code, CODE);
        p_op(&s.code, OP_ADDI, 5, 0, 0, 1);
        p_op(&s.code, OP_ADDI, 6, 0, 0, 2);
        uint32_t at = p_op(&s.code, OP_SYSCALL, 0, 0, 0, 0); /* instret 2 */
        p_op(&s.code, OP_HALT, 0, 0, 0, 0);
        struct difftest_result res = diff_spec(&s, false, NULL);
        char what[100];
        if (hosted)
            snprintf(what, sizeof what, "exit (trap) pc: fast 0x%08x, reference 0x%08x", at, at + 4);
        else
            snprintf(what, sizeof what, "epc: fast 0x%08x, reference 0x%08x", at, at + 4);
        expect_named(&res, 2, at, enc(OP_SYSCALL, 0, 0, 0, 0), "syscall", what);
    }
}

/* Paging on: the kernel identity-mapped, DATA_VA -> F1 (A set, D clear). */
static void paged_spec(struct spec *s)
{
    s->status = SR_S | SR_PG;
    s->ptb = L1;
    s->npokes = 0;
    s->poke_at[s->npokes] = L1;
    s->poke_val[s->npokes++] = L2 | PTE_V;
    for (uint32_t pa = 0; pa < 0x3000; pa += PAGE_SIZE) { /* handler, code, level 1 */
        s->poke_at[s->npokes] = L2 + 4 * (pa >> 12);
        s->poke_val[s->npokes++] = pa | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
    }
    s->poke_at[s->npokes] = L2 + 4 * (L1 >> 12);
    s->poke_val[s->npokes++] = L1 | PTE_V | PTE_R | PTE_A;
    s->poke_at[s->npokes] = L2 + 4 * (L2 >> 12);
    s->poke_val[s->npokes++] = L2 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    s->poke_at[s->npokes] = DATA_PTE;
    s->poke_val[s->npokes++] = F1 | PTE_V | PTE_R | PTE_W | PTE_A;
    s->poke_at[s->npokes] = F1;
    s->poke_val[s->npokes++] = 0x11111111;
    s->poke_at[s->npokes] = F2;
    s->poke_val[s->npokes++] = 0x22222222;
}

/* A stale-TLB rule broken (the reference walks on every access): caught
 * at the load that the stale entry should have served from the old frame. */
static void test_stale_tlb_rule_is_named(void)
{
    struct spec s = {.inject = REF_INJECT_NO_TLB};
    paged_spec(&s);
    p_init(&s.code, CODE);
    p_li(&s.code, 5, DATA_VA);                                  /* 0, 1 */
    p_li(&s.code, 7, DATA_PTE);                                 /* 2, 3 */
    p_li(&s.code, 6, F2 | PTE_V | PTE_R | PTE_W | PTE_A);       /* 4, 5 */
    p_op(&s.code, OP_LW, 8, 5, 0, 0);                           /* 6: fills the TLB from F1 */
    p_op(&s.code, OP_SW, 6, 7, 0, 0);                           /* 7: remap to F2, no flush */
    uint32_t at = p_op(&s.code, OP_LW, 9, 5, 0, 0);             /* 8: still F1 */
    p_op(&s.code, OP_HALT, 9, 0, 0, 0);
    expect_only_the_bug(&s, 8, at, enc(OP_LW, 9, 5, 0, 0), "lw", "r9: fast 0x11111111, reference 0x22222222");
}

/* A missed D bit: the store's walk sets D in memory on the fast machine
 * only.  Nothing the reference logged differs, nor the TLBs (both cache
 * D): only memory, found by the full comparison at the halt, and narrowed
 * down to the store by running both again from the start. */
static struct spec dirty_spec(void)
{
    struct spec s = {.inject = REF_INJECT_NO_DIRTY};
    paged_spec(&s);
    p_init(&s.code, CODE);
    p_li(&s.code, 5, DATA_VA);                 /* 0, 1 */
    p_op(&s.code, OP_ADDI, 6, 0, 0, 7);        /* 2 */
    p_op(&s.code, OP_SW, 6, 5, 0, 8);          /* 3: walks: D */
    for (int i = 0; i < 20; i++)
        p_op(&s.code, OP_ADDI, 6, 6, 0, 1);
    p_op(&s.code, OP_HALT, 6, 0, 0, 0);
    return s;
}

/* dirty_spec's store is named, and the report says, between the entry's
 * address and its two values, `how`, and after them `then`. */
static void expect_store_named(const struct spec *s, bool can_remake, const char *how, const char *then)
{
    char what[160];
    snprintf(what, sizeof what, "memory 0x%04x_%04x%s: fast 0x%08x, reference 0x%08x%s", DATA_PTE >> 16,
             DATA_PTE & 0xffff, how, F1 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D, F1 | PTE_V | PTE_R | PTE_W | PTE_A,
             then);
    struct difftest_result res = diff_spec(s, can_remake, NULL);
    expect_named(&res, 3, CODE + 12, enc(OP_SW, 6, 5, 0, 8), "sw", what);
}

static void test_missed_dirty_bit_is_narrowed(void)
{
    struct spec s = dirty_spec();
    expect_store_named(&s, true, "", ", written outside the reference's log");
}

/* With A clear too, the walker's write is in the reference's log, and the
 * step itself shows the difference. */
static void test_walker_write_compared_at_once(void)
{
    struct spec s = dirty_spec();
    for (unsigned i = 0; i < s.npokes; i++)
        if (s.poke_at[i] == DATA_PTE)
            s.poke_val[i] &= ~PTE_A;
    expect_store_named(&s, false, " (4 bytes, the walker's A/D update)", "");
}

/* The TLBs are compared after every step: an entry, and the instruction
 * TLB, changed on the reference's side between two runs (the instruction
 * TLB to a copy of the code page, so that only the comparison can tell). */
static void test_tlbs_compared(void)
{
    for (int which = 0; which < 2; which++) {
        struct spec s = dirty_spec();
        s.inject = 0;
        struct pair *p = pair_make(&s);
        struct difftest *d = difftest_new(p->m, p->r, NULL);
        struct vm_exit x;
        CU_ASSERT_EQUAL(difftest_run(d, 4, &x), EXIT_BUDGET); /* the sw filled slot 0 */
        CU_ASSERT_FALSE(difftest_result(d)->differ);
        struct tlb_view t = *ref_tlb(p->r);
        unsigned slot = (DATA_VA >> PAGE_SHIFT) % TLB_ENTRIES;
        CU_ASSERT_TRUE(t.slot[slot].valid && t.itlb.valid);
        if (which) {
            uint8_t page[PAGE_SIZE];
            CU_ASSERT(machine_read_phys(p->m, CODE, page, PAGE_SIZE) && ref_write_phys(p->r, 0x3000, page, PAGE_SIZE));
            t.itlb.frame = 0x3000;
        } else
            t.slot[slot].pte ^= PTE_X;
        ref_tlb_set(p->r, &t);
        difftest_run(d, 1, &x);
        const char *what = which ? "instruction TLB: fast page 0x00001000 frame 0x00001000, reference page "
                                   "0x00001000 frame 0x00003000"
                                 : "TLB entry 0: fast page 0x00040000 pte 0x00050067, reference page 0x00040000 "
                                   "pte 0x0005006f";
        expect_named(difftest_result(d), 4, CODE + 16, enc(OP_ADDI, 6, 6, 0, 1), "addi", what);
        difftest_free(d);
        pair_free(p);
    }
}

/* The same without a way to make the pair again: the window. */
static void test_stray_write_window_without_remake(void)
{
    struct spec s = dirty_spec();
    struct difftest_result res = diff_spec(&s, false, NULL);
    CU_ASSERT_TRUE(res.differ);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.what, "written outside the reference's log (a stray write) by one of the "
                                            "instructions after instret 0"));
    CU_ASSERT_EQUAL(res.instret, 25); /* where it was found: after the halt */
}

/* Console output is compared byte by byte. */
static void test_console_compared(void)
{
    struct spec s = {.status = SR_S};
    p_init(&s.code, CODE);
    p_op(&s.code, OP_ADDI, 5, 0, 0, 'A');
    p_op(&s.code, OP_OUT, 5, 0, 0, PORT_CON_DATA);
    p_op(&s.code, OP_HALT, 0, 0, 0, 0);
    struct pair *p = pair_make(&s);
    struct difftest_options o = {.output = outputs, .output_ctx = p};
    struct difftest *d = difftest_new(p->m, p->r, &o);
    struct vm_exit x;
    CU_ASSERT_EQUAL(difftest_run(d, 1, &x), EXIT_BUDGET);
    CU_ASSERT_FALSE(difftest_result(d)->differ);
    p->garble = true;
    difftest_run(d, 10, &x);
    expect_named(difftest_result(d), 1, CODE + 4, enc(OP_OUT, 5, 0, 0, PORT_CON_DATA), "out",
                 "console byte 0: fast 0x41, reference 0x40");
    difftest_free(d);
    pair_free(p);
}

/* The rig's diffing (VMLAB_DIFFTEST=1) catches a wrong sra too. */
static void test_rig_catches_wrong_sra(void)
{
    bool was = rig_difftest_on();
    unsigned before = rig_difftest_failures();
    rig_difftest(true, REF_INJECT_SRA_LOGICAL);
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 5, 0xf0000000u);
    p_op(&p, OP_SRAI, 6, 5, 0, 4);
    p_op(&p, OP_HALT, 6, 0, 0, 0);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 10), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0xff000000u); /* the fast machine is right */
    CU_ASSERT_EQUAL(rig_difftest_failures(), before + 1);
    rig_free(r);
    rig_difftest(was, 0);
}

/* --- the TLB hole's condition --------------------------------------------------- */

/* Both machines agree on s; hosted, they stop at the misaligned trap of
 * the instruction at pc, with this cause.  How they stopped. */
static struct vm_exit expect_agree_on_trap(const struct spec *s, uint32_t cause, uint32_t pc)
{
    struct vm_exit x;
    struct difftest_result res = diff_spec(s, true, &x);
    CU_ASSERT_FALSE(res.differ);
    if (res.differ)
        fprintf(stderr, "\n  %s\n", res.report);
    if (s->hosted) {
        CU_ASSERT_EQUAL(x.reason, EXIT_TRAP);
        CU_ASSERT_EQUAL(x.cause, cause);
        CU_ASSERT_EQUAL(x.pc, pc);
    }
    return x;
}

/* The three instructions of issue 10 (li t0, 1; lh a0, 0(t0); halt a0),
 * a user store at address 1 after the kernel read a supervisor-only page
 * 0, and a load at 1 after the kernel read page 0 and flushed: both
 * machines must take the same misaligned trap.  (On the machine of commit
 * 433eab2 the difftest names the sh and the lh: docs/testing.md.) */
static void test_tlb_hole_condition_agrees(void)
{
    for (int v = 0; v < ISA_NVARIANTS; v++)
        for (int hosted = 0; hosted < 2; hosted++) {
            struct spec s = {.isa = (enum isa_variant)v, .hosted = hosted, .status = SR_S};
            p_init(&s.code, CODE);
            p_li(&s.code, 5, 1);
            uint32_t at = p_op(&s.code, OP_LH, 10, 5, 0, 0);
            p_op(&s.code, OP_HALT, 10, 0, 0, 0);
            struct vm_exit x = expect_agree_on_trap(&s, CAUSE_MISALIGNED, at);
            if (!hosted)
                CU_ASSERT_EQUAL(x.reason, EXIT_HALT); /* the handler's */

            /* page 0 -> a kernel frame, supervisor only; the kernel reads
             * it, drops to user mode, and the user stores at 1 */
            struct spec k = {.isa = (enum isa_variant)v, .hosted = hosted, .tvec = 0x2000};
            paged_spec(&k);
            k.poke_at[k.npokes] = L2; /* page 0 -> F1, supervisor RW */
            k.poke_val[k.npokes++] = F1 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
            k.poke_at[k.npokes] = L2 + 4 * (CODE >> 12);
            k.poke_val[k.npokes++] = CODE | PTE_V | PTE_R | PTE_X | PTE_U | PTE_A;
            p_init(&k.code, CODE);
            p_op(&k.code, OP_LW, 6, 0, 0, 4);               /* page 0 into TLB slot 0 */
            p_li(&k.code, 7, CODE + 0x100);
            p_op(&k.code, OP_MTCR, 7, 0, 0, CR_EPC);
            p_op(&k.code, OP_RFE, 0, 0, 0, 0);              /* PS = 0: user mode */
            while (p_here(&k.code) < CODE + 0x100)
                p_op(&k.code, OP_ADDI, 0, 0, 0, 0);
            p_li(&k.code, 5, 0x4142);
            uint32_t st = p_op(&k.code, OP_SH, 5, 0, 0, 1);
            p_op(&k.code, OP_HALT, 0, 0, 0, 0);
            expect_agree_on_trap(&k, CAUSE_MISALIGNED | CAUSE_WRITE | CAUSE_USER, st);

            /* the slot flushed after use: an emptied slot kept its frame */
            struct spec f = k;
            f.status = SR_S | SR_PG;
            p_init(&f.code, CODE);
            p_op(&f.code, OP_LW, 6, 0, 0, 4);
            p_op(&f.code, OP_TLBFLUSH, 0, 0, 0, 0);
            uint32_t ld = p_op(&f.code, OP_LH, 10, 0, 0, 1);
            p_op(&f.code, OP_HALT, 10, 0, 0, 0);
            expect_agree_on_trap(&f, CAUSE_MISALIGNED, ld);
        }
}

/* --- hosted mode: the caller handles each exit, on both ------------------------ */

static void hosted_syscalls(unsigned inject, bool by_seed)
{
    struct spec s = {.hosted = true, .inject = inject, .status = 0}; /* user mode */
    p_init(&s.code, CODE);
    p_op(&s.code, OP_ADDI, 11, 0, 0, 5);
    uint32_t loop = p_op(&s.code, OP_ADDI, 10, 10, 0, 1);
    p_op(&s.code, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&s.code, OP_ADD, 13, 13, 12, 0);                 /* the "system call's" result */
    p_br(&s.code, OP_BLT, 10, 11, loop);
    p_op(&s.code, OP_MFCR, 9, 0, 0, CR_STATUS);           /* privileged: the last exit */
    struct pair *p = pair_make(&s);
    struct difftest_options o = {.output = outputs, .output_ctx = p};
    struct difftest *d = difftest_new(p->m, p->r, &o);
    unsigned syscalls = 0;
    struct vm_exit x;
    for (;;) {
        enum exit_reason why = difftest_run(d, 1000, &x);
        if (difftest_result(d)->differ || why != EXIT_TRAP || CAUSE_CODE(x.cause) != CAUSE_SYSCALL)
            break;
        syscalls++;
        /* the host's handling: skip the syscall, result in r12 = 100 * a0 */
        struct cpu_state *c = machine_cpu(p->m);
        c->pc += 4;
        c->r[12] = 100 * c->r[10];
        if (by_seed) {
            difftest_seed(d);
        } else {
            ref_cpu(p->r)->pc += 4;
            ref_cpu(p->r)->r[12] = 100 * ref_cpu(p->r)->r[10];
        }
    }
    const struct difftest_result *res = difftest_result(d);
    if (!inject) {
        CU_ASSERT_FALSE(res->differ);
        CU_ASSERT_EQUAL(syscalls, 5);
        CU_ASSERT_EQUAL(x.reason, EXIT_TRAP);
        CU_ASSERT_EQUAL(x.cause, CAUSE_PRIV);
        CU_ASSERT_EQUAL(x.insn, enc(OP_MFCR, 9, 0, 0, CR_STATUS));
        CU_ASSERT_EQUAL(machine_cpu(p->m)->r[13], 100 + 200 + 300 + 400 + 500);
    } else {
        expect_named(res, 2, loop + 4, enc(OP_SYSCALL, 0, 0, 0, 0), "syscall", "exit (trap) pc");
    }
    difftest_free(d);
    pair_free(p);
}

static void test_hosted_exits_handled_on_both(void)
{
    hosted_syscalls(0, false);
    hosted_syscalls(0, true);
    hosted_syscalls(REF_INJECT_EPC_NEXT, false);
}

/* --- random programs --------------------------------------------------------------- */

static uint32_t rand_state;
static uint32_t rand32(void)
{
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 17;
    rand_state ^= rand_state << 5;
    return rand_state;
}

/* A legal instruction of the table with random operands (branches and
 * jumps kept near, ports near the devices'), or now and then any word. */
static uint32_t random_word(void)
{
    if (rand32() % 4 == 0)
        return rand32();
    enum op op = (enum op)(rand32() % OP_COUNT);
    const struct isa_insn *in = &isa_insns[op];
    int n = isa_form_nregs(in->form);
    unsigned ra = n > 0 ? rand32() % 16 : 0, rb = n > 1 ? rand32() % 16 : 0, rc = n > 2 ? rand32() % 16 : 0;
    if (in->form == FORM_RI || in->form == FORM_IR)
        rb = 0;
    int32_t imm = 0;
    switch (in->imm) {
    case IMM_S16: imm = (int16_t)rand32(); break;
    case IMM_U16: imm = (int32_t)(rand32() & 0xffff); break;
    case IMM_U5: imm = (int32_t)(rand32() % 32); break;
    case IMM_PC16:
    case IMM_PC20: imm = ((int32_t)(rand32() % 64) - 32) * 4; break;
    case IMM_CR: imm = (int32_t)(rand32() % NCRS); break;
    case IMM_PORT: imm = 0x10 + (int32_t)(rand32() % 0x18); break;
    case IMM_NONE: break;
    }
    struct isa_fields f = {.op = op, .ra = (uint8_t)ra, .rb = (uint8_t)rb, .rc = (uint8_t)rc, .imm = imm};
    return isa_encode(&f);
}

/* Random programs and page tables, random registers, status and timer, in
 * both variants, bare (a handler that skips the trapping instruction) and
 * hosted (the host skips it): about 100,000 steps where the two machines
 * must agree; every kind of stop happens. */
static void test_random_programs(void)
{
    unsigned reasons[EXIT_DOUBLE_FAULT + 1] = {0};
    uint64_t steps = 0;
    for (unsigned t = 0; t < 200; t++) {
        rand_state = t * 2654435761u + 1;
        struct spec s = {.isa = (enum isa_variant)(rand32() % 2), .hosted = rand32() % 4 == 0, .ptb = 0x8000};
        s.status = SR_S | (rand32() & (SR_IE | SR_PS | SR_PIE | SR_PG));
        s.tvec = 0x2000;
        p_init(&s.code, CODE);
        while (s.code.n < 1024)
            p_emit(&s.code, random_word());
        struct pair *p = pair_make(&s);
        /* the handler skips the trapping instruction: epc + 4, rfe */
        const uint32_t handler[] = {enc(OP_MFCR, 5, 0, 0, CR_EPC), enc(OP_ADDI, 5, 5, 0, 4),
                                    enc(OP_MTCR, 5, 0, 0, CR_EPC), enc(OP_RFE, 0, 0, 0, 0)};
        for (uint32_t i = 0; i < 4; i++)
            put(p, s.tvec + 4 * i, handler[i]);
        for (uint32_t a = 0x8000; a < 0xa000; a += 4) /* entries into the first 128 KiB, or anything */
            put(p, a, rand32() % 3 ? ((rand32() & ~PAGE_MASK) % 0x20000) | (rand32() & 0x7f) : rand32());
        for (unsigned i = 1; i < NREGS; i++)
            machine_cpu(p->m)->r[i] = ref_cpu(p->r)->r[i] = rand32() % 3 ? rand32() % 0x12000 : rand32();
        uint32_t timer = rand32() % 4 ? 0 : rand32() % 200;
        machine_set_cr(p->m, CR_TIMER, timer);
        ref_set_cr(p->r, CR_TIMER, timer);
        struct difftest *d = difftest_new(p->m, p->r, NULL);
        struct vm_exit x;
        for (int k = 0; k < 50; k++) {
            enum exit_reason why = difftest_run(d, 2000, &x);
            if (difftest_result(d)->differ || (why != EXIT_TRAP && why != EXIT_INTERRUPT))
                break;
            if (why == EXIT_TRAP) {
                machine_cpu(p->m)->pc += 4;
                ref_cpu(p->r)->pc += 4;
            } else { /* acknowledge: disarm the timer, interrupts off */
                for (int side = 0; side < 2; side++) {
                    uint32_t sr = side ? ref_get_cr(p->r, CR_STATUS) : machine_get_cr(p->m, CR_STATUS);
                    if (side) {
                        ref_set_cr(p->r, CR_TIMER, 0);
                        ref_set_cr(p->r, CR_STATUS, sr & ~SR_IE);
                    } else {
                        machine_set_cr(p->m, CR_TIMER, 0);
                        machine_set_cr(p->m, CR_STATUS, sr & ~SR_IE);
                    }
                }
            }
        }
        if (!difftest_result(d)->differ)
            difftest_check_memory(d);
        const struct difftest_result *res = difftest_result(d);
        CU_ASSERT_FALSE(res->differ);
        if (res->differ)
            fprintf(stderr, "\n  random program %u (%s, %s): %s\n", t, isa_variant_name(s.isa),
                    s.hosted ? "hosted" : "bare", res->report);
        steps += res->steps;
        reasons[x.reason]++;
        difftest_free(d);
        pair_free(p);
    }
    CU_ASSERT(steps > 50000);
    for (int why = EXIT_BUDGET; why <= EXIT_DOUBLE_FAULT; why++)
        CU_ASSERT(why == EXIT_INTERRUPT || reasons[why] > 0); /* interrupts end in the host's hands */
}

/* --- whole images --------------------------------------------------------------- */

static bool diff_image(const char *what, const struct elf_image *img, const char *boot, uint32_t mem,
                       enum isa_variant v, const uint8_t *disk, size_t disk_len, const char *input,
                       struct difftest_outcome *out)
{
    char err[300];
    struct difftest_image c = {.image = img, .bootarg = boot, .mem_size = mem, .isa = v, .disk = disk,
                               .disk_len = disk_len, .input = (const uint8_t *)input,
                               .input_len = input ? strlen(input) : 0, .max_insns = GUEST_INSN_LIMIT};
    bool ok = difftest_image_run(&c, out, err, sizeof err);
    CU_ASSERT(ok);
    if (!ok)
        fprintf(stderr, "\n  %s: %s\n", what, err);
    else if (out->res.differ)
        fprintf(stderr, "\n  difftest %s (%s): %s\n", what, isa_variant_name(v), out->res.report);
    CU_ASSERT_FALSE(out->res.differ);
    return ok && !out->res.differ;
}

/* Every kernel of tests/guests, as test_vmm.c runs them, and the example. */
static void test_guests_and_example(void)
{
    static const struct {
        const char *path, *boot;
        uint32_t mem;
        enum exit_reason stop;
    } guests[] = {
        {"tests/guests/paging.s", NULL, MEM, EXIT_HALT},
        {"tests/guests/badptb.s", NULL, MEM, EXIT_DOUBLE_FAULT},
        {"tests/guests/irq.s", NULL, MEM, EXIT_HALT},
        {"tests/guests/chainirq.s", NULL, MEM, EXIT_HALT},
        {"tests/guests/chaos.s", "a", MEM, EXIT_HALT},
        {"tests/guests/chaos.s", "q", MEM, EXIT_HALT},
        {"tests/guests/chaos.s", "7", MEM, EXIT_HALT},
        {"tests/guests/dma.s", NULL, MEM, EXIT_HALT},
        {"tests/guests/manyl2.s", NULL, 8u << 20, EXIT_HALT},
        {"tests/guests/farl2.s", NULL, 8u << 20, EXIT_HALT},
        {"tests/guests/rmapleak.s", NULL, MEM, EXIT_HALT},
        {"assembler/examples/hello.s", NULL, MEM, EXIT_HALT},
    };
    for (size_t i = 0; i < sizeof guests / sizeof guests[0]; i++) {
        struct elf_image img;
        bool ok = asm_file_image(guests[i].path, &img);
        CU_ASSERT(ok);
        if (!ok)
            continue;
        for (int v = 0; v < ISA_NVARIANTS; v++) {
            struct difftest_outcome out;
            static uint8_t disk[8 * DISK_BLOCK_SIZE];
            if (diff_image(guests[i].path, &img, guests[i].boot, guests[i].mem, (enum isa_variant)v, disk,
                           sizeof disk, NULL, &out)) {
                CU_ASSERT_EQUAL(out.reason, guests[i].stop);
                CU_ASSERT(out.instret > 5); /* badptb double-faults after 9 */
            }
        }
        elf_free(&img);
    }
}

/* The guest-OS workloads.  Every one boots the kernel (150,000
 * instructions) before it does anything of its own, so make check runs a
 * few that between them use every part of the kernel (about 2.2 million
 * instructions): hello in both variants, crc, dirty (A and D read back),
 * disk (DMA and its interrupt), echo (console input), wild (every hostile
 * access, killed) and init (the boot string's parsing).  With
 * VMLAB_DIFFTEST=1 (make difftest) all 25 run, in both variants. */
static bool on_demand(void)
{
    const char *e = getenv("VMLAB_DIFFTEST");
    return e && strcmp(e, "1") == 0;
}

static bool in_make_check(const char *name, enum isa_variant v)
{
    static const char *const quick[] = {"hello", "crc", "dirty", "disk", "echo", "wild", "init", NULL};
    if (v != ISA_PG)
        return strcmp(name, "hello") == 0;
    for (int i = 0; quick[i]; i++)
        if (strcmp(name, quick[i]) == 0)
            return true;
    return false;
}

static void diff_workload(const struct guest_workload *w, enum isa_variant v)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    size_t len;
    uint8_t *disk = guest_disk(&w->o, &len);
    struct difftest_outcome out;
    if (diff_image(w->name, k, w->o.boot, guest_mem(&w->o), v, disk, len, w->o.input, &out)) {
        CU_ASSERT_EQUAL(out.reason, EXIT_HALT); /* every workload ends with the kernel's halt */
        CU_ASSERT(out.instret > 100000);
    }
    free(disk);
}

#define WORKLOAD_TESTS(i)                                                                                   \
    static void test_workload_pg_##i(void) { diff_workload(&guest_workloads[i], ISA_PG); }                 \
    static void test_workload_x86_##i(void) { diff_workload(&guest_workloads[i], ISA_X86LIKE); }
GUEST_WORKLOAD_INDEXES(WORKLOAD_TESTS)
#define WORKLOAD_FNS(i) {test_workload_pg_##i, test_workload_x86_##i},
static void (*const workload_tests[][ISA_NVARIANTS])(void) = {GUEST_WORKLOAD_INDEXES(WORKLOAD_FNS)};
_Static_assert(sizeof workload_tests / sizeof workload_tests[0] == GUEST_NWORKLOADS,
               "GUEST_WORKLOAD_INDEXES must count 0 .. GUEST_NWORKLOADS - 1");

/* --- vrun --difftest ------------------------------------------------------------------ */

static void test_vrun_difftest(void)
{
    char *vrun = tool("vrun"), *dir = tmpdir_make();
    if (!vrun)
        return;
    struct asm_result res;
    CU_ASSERT_FATAL(asm_text("start:  lui t0, 0x8000\n        srai a0, t0, 3\n        addi t1, zero, 2\n"
                             "        sra a1, t0, t1\n        halt zero\n",
                             &res));
    char *img = tmp_write(dir, "sra.elf", res.elf, res.elf_len);
    asm_result_free(&res);

    char *out = NULL, *err = NULL;
    int st = run_cmd((char *[]){vrun, "--difftest", img, NULL}, false, &out, &err);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_STRING_EQUAL(out ? out : "",
                           "vrun: difftest: the machine and the reference agree for all 5 instructions\n");
    CU_ASSERT_STRING_EQUAL(err ? err : "?", "");
    free(out);
    free(err);

    /* the negative control through the command line: exit status 3 and the
     * report, at the srai (the second instruction) */
    setenv("VMLAB_REF_INJECT", "1", 1);
    st = run_cmd((char *[]){vrun, "--difftest", "--isa", "x86like", img, NULL}, false, &out, &err);
    unsetenv("VMLAB_REF_INJECT");
    CU_ASSERT_EQUAL(st, 3);
    char want[240];
    snprintf(want, sizeof want,
             "vrun: difftest: instret 1, pc 0x00001004, word 0x%08x (srai): r10: fast 0xf0000000, reference "
             "0x10000000\nvrun: difftest: pc 0x00001004 <start+4>\n",
             enc(OP_SRAI, 10, 5, 0, 3));
    CU_ASSERT_STRING_EQUAL(out ? out : "", want);
    free(out);
    free(err);

    /* bad input and bad usage, as elsewhere in vrun */
    char *junk = tmp_text(dir, "junk.elf", "not an image");
    st = run_cmd((char *[]){vrun, "--difftest", junk, NULL}, false, &out, &err);
    CU_ASSERT_EQUAL(st, 1);
    CU_ASSERT(err && strncmp(err, "vrun: ", 6) == 0 && strstr(err, "junk.elf: "));
    free(out);
    free(err);
    st = run_cmd((char *[]){vrun, "--difftest", "--native", img, NULL}, false, &out, &err);
    CU_ASSERT_EQUAL(st, 2);
    free(out);
    free(err);
    st = run_cmd((char *[]){vrun, "-h", NULL}, false, &out, &err);
    CU_ASSERT(out && strstr(out, "--difftest"));
    free(out);
    free(err);
    free(junk);
    free(img);
    tmpdir_remove(dir);
    free(vrun);
}

void suite_difftest(void)
{
    CU_pSuite s = CU_add_suite("difftest", NULL, guest_kernel_free);
    CU_add_test(s, "negative control: a wrong sra is named, bare and hosted", test_wrong_sra_is_named);
    CU_add_test(s, "negative control: an epc off by 4 is named, bare and hosted", test_wrong_epc_is_named);
    CU_add_test(s, "negative control: a broken stale-TLB rule is named", test_stale_tlb_rule_is_named);
    CU_add_test(s, "negative control: a missed D bit is narrowed to its store", test_missed_dirty_bit_is_narrowed);
    CU_add_test(s, "negative control: a stray write without re-making: the window",
                test_stray_write_window_without_remake);
    CU_add_test(s, "negative control: the walker's logged write is compared at once",
                test_walker_write_compared_at_once);
    CU_add_test(s, "negative control: the TLBs are compared", test_tlbs_compared);
    CU_add_test(s, "negative control: console bytes are compared", test_console_compared);
    CU_add_test(s, "negative control: the rig's diffing catches a wrong srai", test_rig_catches_wrong_sra);
    CU_add_test(s, "the TLB hole's condition: both machines take the misaligned trap",
                test_tlb_hole_condition_agrees);
    CU_add_test(s, "hosted: exits handled by the caller on both", test_hosted_exits_handled_on_both);
    CU_add_test(s, "200 random programs, both variants, bare and hosted", test_random_programs);
    CU_add_test(s, "tests/guests and assembler/examples, both variants", test_guests_and_example);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        for (int v = 0; v < ISA_NVARIANTS; v++) {
            const char *name = guest_workloads[i].name;
            if (!on_demand() && !in_make_check(name, (enum isa_variant)v))
                continue;
            static char names[GUEST_NWORKLOADS][ISA_NVARIANTS][100];
            snprintf(names[i][v], sizeof names[i][v], "workload %s, %s", name, isa_variant_name((enum isa_variant)v));
            CU_add_test(s, names[i][v], workload_tests[i][v]);
        }
    CU_add_test(s, "vrun --difftest: agreement, the report and exit 3, errors", test_vrun_difftest);
}
