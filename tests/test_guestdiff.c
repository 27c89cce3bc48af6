/*
 * test_guestdiff.c - the fast machine's hardware guest mode against the
 * reference's (docs/isa.md section 14), one step at a time
 * (difftest_run_guest), on the guest fuzzer's generated kernels
 * (tests/fuzz/guestgen.h) run as guests under a trivial host.
 *
 * Each guest gets, from its seed:
 *   - with nested paging (3 in 4) a guest-physical memory at GBASE in a
 *     larger host memory, and a host table mapping it with holes,
 *     read-only and no-execute pages; else its memory at 0;
 *   - random exit controls: causes, system instructions, control
 *     registers read and written; owned PG and ptb (the host mirrors the
 *     guest's values into the CPU, a shadow-paging host's simplest case).
 * The host, the same on both sides, answers every exit: EXIT_TRAP is
 * reflected into the guest (section 6's delivery, done by hand);
 * EXIT_INTERRUPT too when the guest's IE is set, else the cause stops
 * exiting until the window opens (irq_window, EXIT_IRQ_WINDOW);
 * EXIT_INSN is emulated on the control block (mfcr, mtcr, rdsr, wrsr,
 * rdptb, rfe, the flushes) or skipped (in reads 0, out and wfi do
 * nothing); EXIT_NESTED_FAULT maps the page read-write-execute, skips a
 * data access outside the guest's memory, or ends the guest.
 *
 * The negative controls: each REF_INJECT bit of the guest mode breaks
 * the reference the way a fast machine might be wrong; each must make the
 * comparison report a difference that names the instruction, on a guest
 * that agrees with the sound reference.
 *
 * VMLAB_GUESTDIFF_ALL=1 prints every differing guest's report ("G seed:
 * ...") and each control's, to sort a failure's differences by kind;
 * VMLAB_GUESTDIFF_GUESTS and VMLAB_GUESTDIFF_SEED make a longer campaign.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "devices.h"
#include "difftest.h"
#include "elf_load.h"
#include "fuzz/guestgen.h"

#define HOST_MEM (1u << 20)
#define GBASE 0x40000u /* guest-physical 0 in host memory, with nested paging */
#define HROOT 0x80000u /* the host table: root and the level-2 table for gpa 0 - 4 MiB */
#define HL2 0x81000u
#define GUEST_INSNS 3000 /* instructions a guest may run */
#define GUEST_EXITS 300  /* exits the host answers */
#define SR_DEFINED (SR_S | SR_IE | SR_PS | SR_PIE | SR_PG)

/* What happened over the guests run, for the summary line. */
struct tally {
    unsigned guests, nested, differ;
    uint64_t insns, exits[EXIT_IRQ_WINDOW + 1], in_walk, walk_refs, walks;
};

/* Which controls a negative control needs to see its bug. */
enum want { WANT_NESTED = 1, WANT_PG_OWNED = 2, WANT_IRQ_EXITS = 4 };

struct world {
    struct machine *m;
    struct ref_machine *r;
    struct console_capture out[2]; /* fast, reference */
    struct guest_control gc[2];
    struct difftest *d;
    uint32_t gbase;
    bool owed;              /* a timer interrupt the host took while IE was clear, for the window */
    bool lying;             /* the host keeps paging on, identity-mapped, whatever the guest asks */
    uint32_t rng;
};

static uint32_t rnd(struct world *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 17;
    w->rng ^= w->rng << 5;
    return w->rng;
}

static bool one_in(struct world *w, unsigned n) { return rnd(w) % n == 0; }

/* --- the host's hands: the same change on both sides ----------------------------- */

static void put_word(struct world *w, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    machine_write_phys(w->m, pa, b, 4);
    ref_write_phys(w->r, pa, b, 4);
}

static void set_reg(struct world *w, unsigned n, uint32_t v)
{
    if (n == 0)
        return;
    machine_cpu(w->m)->r[n] = v;
    ref_cpu(w->r)->r[n] = v;
}

static void set_pc(struct world *w, uint32_t pc)
{
    machine_cpu(w->m)->pc = pc;
    ref_cpu(w->r)->pc = pc;
}

static void set_cpu_cr(struct world *w, enum cr cr, uint32_t v)
{
    machine_set_cr(w->m, cr, v);
    ref_set_cr(w->r, cr, v);
}

static void set_block_cr(struct world *w, enum cr cr, uint32_t v)
{
    w->gc[0].cr[cr] = w->gc[1].cr[cr] = v;
}

/* --- one guest ------------------------------------------------------------------- */

struct staging {
    uint8_t mem[GEN_MEM];
};

static bool stage_read(void *ctx, uint32_t pa, void *buf, size_t len)
{
    if ((uint64_t)pa + len > GEN_MEM)
        return false;
    memcpy(buf, ((struct staging *)ctx)->mem + pa, len);
    return true;
}

static bool stage_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    if ((uint64_t)pa + len > GEN_MEM)
        return false;
    memcpy(((struct staging *)ctx)->mem + pa, buf, len);
    return true;
}

static const uint8_t *output(void *ctx, bool reference, size_t *len)
{
    struct world *w = ctx;
    *len = w->out[reference].len;
    return w->out[reference].buf;
}

/* The host table: every page of the guest's memory, but some holes, some
 * read-only and some no-execute pages. */
static void host_table(struct world *w)
{
    put_word(w, HROOT, HL2 | PTE_V);
    for (uint32_t g = 0; g < GEN_MEM; g += PAGE_SIZE) {
        uint32_t bits = PTE_V | PTE_R | PTE_W | PTE_X;
        switch (rnd(w) % 16) {
        case 0: bits = 0; break;
        case 1: bits &= ~PTE_W; break;
        case 2: bits &= ~PTE_X; break;
        case 3: bits = PTE_V | PTE_X; break; /* execute only: a table there is refused R */
        default: break;
        }
        put_word(w, HL2 + 4 * VA_L2(g), (w->gbase + g) | bits | (rnd(w) & PTE_U)); /* U: ignored */
    }
}

static const enum op system_ops[] = {OP_HALT,     OP_WFI, OP_RFE, OP_MFCR, OP_MTCR, OP_TLBFLUSH,
                                     OP_TLBFLUSHV, OP_IN,  OP_OUT, OP_RDSR, OP_WRSR, OP_RDPTB};

static void controls(struct world *w, unsigned want)
{
    struct guest_control *g = &w->gc[0];
    *g = (struct guest_control){0};
    g->cr[CR_STATUS] = SR_S;
    /* interrupts: only the timer's, which the host can acknowledge */
#define X(NAME, code, name, desc)                                                                          \
    if ((code) < CAUSE_FIRST_INTERRUPT && one_in(w, 4))                                                    \
        g->cause_exits |= EXIT_ON(code);
    ISA_CAUSES(X)
#undef X
    if (((want & WANT_IRQ_EXITS) && !one_in(w, 4)) || one_in(w, 4))
        g->cause_exits |= EXIT_ON(CAUSE_TIMER);
    for (size_t i = 0; i < sizeof system_ops / sizeof system_ops[0]; i++)
        if (one_in(w, 10))
            guest_control_exit_on_insn(g, system_ops[i]);
    for (unsigned c = 0; c < NCRS; c++) {
        if (one_in(w, 8))
            g->cr_read_exits |= 1u << c;
        if (one_in(w, 8))
            g->cr_write_exits |= 1u << c;
    }
    if ((want & WANT_PG_OWNED) || one_in(w, 3))
        g->status_owned = SR_PG;
    g->ptb_owned = one_in(w, 3);
    g->nested = w->gbase != 0;
    g->nested_root = HROOT;
    /* Without nested paging, now and then a host whose PG and ptb differ
     * from the guest's: its own identity table of the guest's memory, on
     * whatever the guest sets (what the guest reads must be its own). */
    w->lying = !g->nested && g->status_owned && ((want & WANT_PG_OWNED) || one_in(w, 2));
    if (w->lying) {
        g->ptb_owned = true;
        put_word(w, HROOT, HL2 | PTE_V);
        for (uint32_t a = 0; a < GEN_MEM; a += PAGE_SIZE)
            put_word(w, HL2 + 4 * VA_L2(a), a | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
        set_cpu_cr(w, CR_PTB, HROOT);
        set_cpu_cr(w, CR_STATUS, machine_get_cr(w->m, CR_STATUS) | SR_PG);
    }
    w->gc[1] = *g;
}

/* Make both machines and load the guest; false after a CUnit failure. */
static bool make(struct world *w, const struct gen_guest *gg, const struct elf_image *img, unsigned inject,
                 unsigned want)
{
    char err[300];
    struct machine_config mc = {.mem_size = HOST_MEM, .isa = gg->isa};
    struct ref_config rc = {.mem_size = HOST_MEM, .isa = gg->isa, .inject = inject};
    w->m = machine_new(&mc, err, sizeof err);
    w->r = w->m ? ref_new(&rc, err, sizeof err) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->r);

    static struct staging st;
    memset(&st, 0, sizeof st);
    struct dma dma = {.ctx = &st, .mem_size = GEN_MEM, .read = stage_read, .write = stage_write};
    uint32_t regs[NREGS] = {0}, pc = 0;
    if (!elf_boot_into(&dma, regs, &pc, img, NULL, err, sizeof err)) {
        CU_FAIL(err);
        return false;
    }
    w->gbase = (want & WANT_NESTED) || !one_in(w, 4) ? GBASE : 0;
    machine_write_phys(w->m, w->gbase, st.mem, GEN_MEM);
    ref_write_phys(w->r, w->gbase, st.mem, GEN_MEM);
    for (unsigned i = 1; i < NREGS; i++)
        set_reg(w, i, regs[i]);
    set_pc(w, pc);
    if (w->gbase)
        host_table(w);

    static uint8_t disk[GEN_DISK_BLOCKS * DISK_BLOCK_SIZE];
    for (unsigned b = 0; b < GEN_DISK_BLOCKS; b++)
        memset(disk + b * DISK_BLOCK_SIZE, (int)b, DISK_BLOCK_SIZE);
    machine_attach_disk(w->m, disk, sizeof disk);
    ref_attach_disk(w->r, disk, sizeof disk);
    for (int i = 0; i < 2; i++)
        capture_init(&w->out[i], NULL, 0);
    struct console_io fio = capture_io(&w->out[0]), rio = capture_io(&w->out[1]);
    machine_set_console(w->m, &fio);
    ref_set_console(w->r, &rio);

    controls(w, want);
    struct difftest_options o = {.output = output, .output_ctx = w};
    w->d = difftest_new(w->m, w->r, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->d);
    difftest_seed(w->d);
    return true;
}

static void unmake(struct world *w)
{
    difftest_free(w->d);
    machine_free(w->m);
    ref_free(w->r);
    capture_free(&w->out[0]);
    capture_free(&w->out[1]);
}

/* Section 6's delivery, done by the host; false at what would be a
 * double fault on the bare machine. */
static bool reflect(struct world *w, uint32_t cause, uint32_t epc, uint32_t badaddr)
{
    const struct guest_control *g = &w->gc[0];
    uint32_t sr = g->cr[CR_STATUS];
    if ((sr & SR_S) && epc == g->cr[CR_TVEC] && CAUSE_CODE(cause) < CAUSE_FIRST_INTERRUPT)
        return false;
    set_block_cr(w, CR_EPC, epc);
    set_block_cr(w, CR_CAUSE, cause);
    set_block_cr(w, CR_BADADDR, badaddr);
    set_block_cr(w, CR_STATUS, (sr & SR_PG) | SR_S | (sr & SR_S ? SR_PS : 0) | (sr & SR_IE ? SR_PIE : 0));
    set_pc(w, g->cr[CR_TVEC]);
    return true;
}

/* A status or ptb value the guest writes, mirrored into the CPU where
 * the host owns it. */
static void guest_writes(struct world *w, enum cr cr, uint32_t v)
{
    const struct guest_control *g = &w->gc[0];
    if (cr == CR_TIMER) {
        set_cpu_cr(w, CR_TIMER, v);
        return;
    }
    if (cr == CR_STATUS) {
        v &= SR_DEFINED;
        if ((g->status_owned & SR_PG) && !w->lying)
            set_cpu_cr(w, CR_STATUS, (machine_get_cr(w->m, CR_STATUS) & ~SR_PG) | (v & SR_PG));
    }
    if (cr == CR_PTB) {
        v &= ~PAGE_MASK;
        if (g->ptb_owned && !w->lying)
            set_cpu_cr(w, CR_PTB, v);
    }
    set_block_cr(w, cr, v);
}

/* Emulate an intercepted instruction; false to end the guest. */
static bool emulate(struct world *w, const struct vm_exit *x)
{
    const struct isa_fields *f = &x->fields;
    const struct guest_control *g = &w->gc[0];
    uint32_t v = f->ra ? machine_cpu(w->m)->r[f->ra] : 0;
    switch (f->op) {
    case OP_HALT: return false;
    case OP_RFE:
        set_block_cr(w, CR_STATUS, sr_after_rfe(g->cr[CR_STATUS]));
        set_pc(w, g->cr[CR_EPC]);
        return true;
    case OP_MFCR:
    case OP_RDSR:
    case OP_RDPTB: {
        enum cr c = f->op == OP_MFCR ? (enum cr)f->imm : f->op == OP_RDSR ? CR_STATUS : CR_PTB;
        set_reg(w, f->ra, c == CR_TIMER ? machine_get_cr(w->m, CR_TIMER) : g->cr[c]);
        break;
    }
    case OP_MTCR: guest_writes(w, (enum cr)f->imm, v); break;
    case OP_WRSR: guest_writes(w, CR_STATUS, v); break;
    case OP_TLBFLUSH:
        machine_tlb_flush(w->m);
        ref_tlb_flush(w->r);
        break;
    case OP_TLBFLUSHV:
        machine_tlb_flush_page(w->m, v);
        ref_tlb_flush_page(w->r, v);
        break;
    case OP_IN: set_reg(w, f->ra, 0); break;
    default: break; /* out, wfi: skipped */
    }
    set_pc(w, x->pc + 4);
    return true;
}

/* The host's answer to an exit; false to end the guest. */
static bool host(struct world *w, const struct vm_exit *x)
{
    struct guest_control *g = w->gc;
    switch (x->reason) {
    case EXIT_TRAP: return reflect(w, x->cause, x->pc, x->addr);
    case EXIT_INTERRUPT: /* the timer's, the host's: acknowledged here, given to the guest when it can take it */
        if (g[0].cr[CR_STATUS] & SR_IE)
            return reflect(w, x->cause, x->pc, 0);
        machine_arm_timer(w->m, 0);
        ref_set_cr(w->r, CR_TIMER, 0);
        w->owed = true;
        g[0].irq_window = g[1].irq_window = true;
        return true;
    case EXIT_IRQ_WINDOW:
        g[0].irq_window = g[1].irq_window = false;
        if (w->owed) {
            w->owed = false;
            return reflect(w, CAUSE_TIMER, x->pc, 0);
        }
        return true;
    case EXIT_INSN: return emulate(w, x);
    case EXIT_NESTED_FAULT:
        if (x->addr < GEN_MEM) {
            uint32_t gpage = x->addr & ~PAGE_MASK;
            put_word(w, HL2 + 4 * VA_L2(gpage), (w->gbase + gpage) | PTE_V | PTE_R | PTE_W | PTE_X);
            return true;
        }
        if (x->in_walk || x->access == ACCESS_FETCH)
            return false;
        set_pc(w, x->pc + 4); /* a data access outside its memory: skipped */
        return true;
    default: return false; /* halt, deadlock, double fault... */
    }
}

/* Run one guest from seed; the difference (if any) in *res. */
static void run_guest(uint32_t seed, unsigned inject, unsigned want, struct tally *t, struct difftest_result *res)
{
    static uint8_t buf[600];
    struct world w = {.rng = seed * 2654435761u | 1};
    size_t size = 16 + rnd(&w) % (sizeof buf - 16);
    for (size_t k = 0; k < size; k++)
        buf[k] = (uint8_t)rnd(&w);
    struct gen_guest gg;
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(gen_guest(buf, size, &gg));
    if (!elf_read_mem(gg.elf, gg.elf_len, &img, err, sizeof err)) {
        CU_FAIL(err);
        gen_guest_free(&gg);
        return;
    }
    memset(res, 0, sizeof *res);
    if (make(&w, &gg, &img, inject, want)) {
        t->guests++;
        t->nested += w.gbase != 0;
        struct ref_counts before = *ref_counts(w.r);
        for (unsigned n = 0; n < GUEST_EXITS; n++) {
            uint64_t ran = ref_cpu(w.r)->instret;
            if (ran >= GUEST_INSNS)
                break;
            struct vm_exit x;
            enum exit_reason why = difftest_run_guest(w.d, &w.gc[0], &w.gc[1], GUEST_INSNS - ran, &x);
            if (difftest_result(w.d)->differ)
                break;
            t->exits[why]++;
            t->in_walk += why == EXIT_NESTED_FAULT && x.in_walk;
            if (why == EXIT_BUDGET || !host(&w, &x))
                break;
        }
        if (!difftest_result(w.d)->differ)
            difftest_check_memory(w.d);
        *res = *difftest_result(w.d);
        t->differ += res->differ;
        t->insns += ref_cpu(w.r)->instret;
        t->walks += ref_counts(w.r)->walks - before.walks;
        t->walk_refs += ref_counts(w.r)->walk_refs - before.walk_refs;
        unmake(&w);
    }
    elf_free(&img);
    gen_guest_free(&gg);
}

#define GUESTS 1500

/* VMLAB_GUESTDIFF_GUESTS=N and VMLAB_GUESTDIFF_SEED=S: a campaign of N
 * guests from seed S (1500 from 1 in make check). */
static unsigned from_env(const char *name, unsigned dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long n = v && *v ? strtoul(v, &end, 0) : dflt;
    return v && *v && (*end || n == 0 || n > 100000000ul) ? dflt : (unsigned)n;
}

static void test_generated_guests(void)
{
    struct tally t = {0};
    struct difftest_result res;
    unsigned bad = 0;
    unsigned guests = from_env("VMLAB_GUESTDIFF_GUESTS", GUESTS), first = from_env("VMLAB_GUESTDIFF_SEED", 1);
    for (uint32_t seed = first; seed < first + guests; seed++) {
        run_guest(seed, 0, 0, &t, &res);
        if (res.differ && getenv("VMLAB_GUESTDIFF_ALL"))
            fprintf(stderr, "G %u: %s\n", seed, res.report);
        if (res.differ && bad++ == 0) {
            fprintf(stderr, "\n  guest %u: %s\n", seed, res.report);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    if (bad)
        fprintf(stderr, "  %u of %u guests differ\n", bad, guests);
    CU_ASSERT_EQUAL(t.guests, guests);
    /* the exits the host answered: every kind the guest mode has was seen */
    CU_ASSERT(t.exits[EXIT_INSN] > 0);
    CU_ASSERT(t.exits[EXIT_NESTED_FAULT] > 0);
    CU_ASSERT(t.in_walk > 0);
    CU_ASSERT(t.exits[EXIT_IRQ_WINDOW] > 0);
    CU_ASSERT(t.exits[EXIT_INTERRUPT] > 0);
    CU_ASSERT(t.exits[EXIT_TRAP] > 0);
    printf("\n  guestdiff: %u guests (%u nested), %" PRIu64 " instructions, exits: insn %" PRIu64
           ", nested fault %" PRIu64 " (in walk %" PRIu64 "), irq window %" PRIu64 ", trap %" PRIu64
           ", interrupt %" PRIu64 "; %" PRIu64 " walks read %" PRIu64 " entries\n",
           t.guests, t.nested, t.insns, t.exits[EXIT_INSN], t.exits[EXIT_NESTED_FAULT], t.in_walk,
           t.exits[EXIT_IRQ_WINDOW], t.exits[EXIT_TRAP], t.exits[EXIT_INTERRUPT], t.walks, t.walk_refs);
}

/* A broken reference must be caught within `within` guests, with a report
 * that names the instruction. */
static void negative_control(unsigned inject, unsigned want, unsigned within)
{
    struct tally t = {0};
    struct difftest_result res = {0};
    uint32_t seed = 1;
    for (; seed <= within && !res.differ; seed++)
        run_guest(seed, inject, want, &t, &res);
    CU_ASSERT(res.differ);
    /* the report names the instruction: the step's pc, and its word if it was fetched */
    CU_ASSERT(strstr(res.report, "pc 0x") != NULL);
    CU_ASSERT(!res.fetched || strstr(res.report, "word 0x") != NULL);
    if (getenv("VMLAB_GUESTDIFF_ALL") || !res.differ)
        fprintf(stderr, "\n  inject 0x%x: %s after %u guests\n", inject, res.differ ? res.report : "no difference",
                seed - 1);
    /* and the same guest agrees with a sound reference: the bug made the difference */
    struct difftest_result clean;
    run_guest(seed - 1, 0, want, &t, &clean);
    CU_ASSERT_FALSE(clean.differ);
}

static void test_gpa_tables(void) { negative_control(REF_INJECT_GPA_TABLES, WANT_NESTED, 50); }
static void test_owned_pg_seen(void) { negative_control(REF_INJECT_OWNED_PG_SEEN, WANT_PG_OWNED, 200); }
static void test_irq_exit_waits(void) { negative_control(REF_INJECT_IRQ_EXIT_WAITS, WANT_IRQ_EXITS, 200); }
static void test_guest_perms(void) { negative_control(REF_INJECT_GUEST_PERMS, WANT_NESTED, 200); }
/* A D the reference does not write: named at the store by the comparison
 * of the leaf entries the step's walks read. */
static void test_no_dirty_nested(void) { negative_control(REF_INJECT_NO_DIRTY, WANT_NESTED, 400); }

void suite_guestdiff(void)
{
    CU_pSuite s = CU_add_suite("guestdiff", NULL, NULL);
    CU_add_test(s, "generated guests in guest mode: fast and reference agree", test_generated_guests);
    CU_add_test(s, "negative control: table entries read without the host walk", test_gpa_tables);
    CU_add_test(s, "negative control: the guest reads the host's owned PG", test_owned_pg_seen);
    CU_add_test(s, "negative control: an exiting interrupt waits for IE", test_irq_exit_waits);
    CU_add_test(s, "negative control: the combined entry has the guest's rights", test_guest_perms);
    CU_add_test(s, "negative control: the two-dimensional walk forgets D", test_no_dirty_nested);
}
