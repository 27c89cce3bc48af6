/*
 * difftest.c - see difftest.h.
 *
 * The two machines share nothing but the instruction table, arch.h's
 * constants, the device models and the loader.  The fast machine is
 * stepped through its door (machine_run with a budget of one, which must
 * not change what it does: the manual knows nothing of budgets), the
 * reference through ref_step, which also says which bytes it wrote.  Those
 * bytes are compared at once; the rest of memory a slice at a time,
 * because it is big.
 */
#include "difftest.h"

#include "capture.h"
#include "disk_store.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WATCH_MAX 8 /* differing words followed when narrowing a stray write */
/* Memory is compared a slice at a time, every mem_every steps, all of it at
 * the end: each page of a 16 MiB machine at least every 16 x 4096 steps,
 * for a tenth of the time a whole comparison each time would take. */
#define SLICE_BYTES (1u << 20)
#define MAX_SLICES (MACHINE_MAX_MEM / SLICE_BYTES)

struct difftest {
    struct machine *m;
    struct ref_machine *r;
    struct difftest_options o;
    struct difftest_result res;
    struct ref_step rec;

    uint64_t since_mem;    /* steps since memory was last compared */
    unsigned next_slice;   /* the slice compared next */
    /* when each slice last agreed: steps and instret at the time */
    uint64_t slice_ok_steps[MAX_SLICES], slice_ok_instret[MAX_SLICES];
    size_t out_seen;       /* console bytes already compared */

    /* the fast machine's trap registers before the step: did it take one? */
    uint32_t was_epc, was_cause, was_badaddr;

    struct tlb_view fast_tlb;
    uint8_t page_f[PAGE_SIZE];

    /* guest mode (difftest_run_guest): each side's control block, and
     * each side's counts before the step */
    struct guest_control *gf, *gr;
    struct machine_counts fast_counts;
    struct ref_counts ref_counts;
};

struct difftest *difftest_new(struct machine *m, struct ref_machine *r, const struct difftest_options *o)
{
    /* The reference machine knows two shapes, bare and hosted: exit controls
     * that send out some causes but not others have nothing to compare with. */
    uint32_t exits = machine_config(m)->exits;
    if (exits != 0 && exits != MACHINE_EXITS_ALL)
        return NULL;
    struct difftest *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->m = m;
    d->r = r;
    if (o)
        d->o = *o;
    if (d->o.mem_every == 0)
        d->o.mem_every = DIFFTEST_MEM_EVERY;
    for (unsigned k = 0; k < MAX_SLICES; k++)
        d->slice_ok_instret[k] = machine_cpu(m)->instret;
    return d;
}

void difftest_free(struct difftest *d) { free(d); }

const struct difftest_result *difftest_result(const struct difftest *d) { return &d->res; }

/* --- seeding ------------------------------------------------------------------ */

void difftest_seed(struct difftest *d)
{
    struct cpu_state *c = machine_cpu(d->m);
    struct ref_cpu *rc = ref_cpu(d->r);
    for (int i = 1; i < NREGS; i++)
        rc->r[i] = c->r[i];
    rc->r[0] = 0;
    rc->pc = c->pc;
    for (int i = 0; i < NCRS; i++)
        rc->cr[i] = i == CR_TIMER ? 0 : c->cr[i];
    rc->instret = c->instret;
    rc->cycles = c->cycles;

    /* The timer as the door shows it: the count left, and whether its
     * interrupt is pending (it outranks the others).  Left alone when the
     * reference already shows the same, so that a timer that reached its
     * count in the last step but has not been looked at yet stays so. */
    struct itimer *t = &ref_devices(d->r)->timer;
    uint32_t left = machine_get_cr(d->m, CR_TIMER);
    bool pending = machine_pending_interrupt(d->m) == CAUSE_TIMER;
    if (itimer_read(t, rc->cycles) != left || t->pending != pending) {
        t->at = left ? rc->cycles + left : 0;
        t->pending = pending;
    }

    uint32_t size = machine_mem_size(d->m);
    const uint8_t *rm = ref_memory(d->r);
    for (uint32_t pa = 0; pa < size; pa += PAGE_SIZE) {
        machine_read_phys(d->m, pa, d->page_f, PAGE_SIZE);
        if (memcmp(d->page_f, rm + pa, PAGE_SIZE) != 0)
            ref_write_phys(d->r, pa, d->page_f, PAGE_SIZE);
    }

    machine_tlb_inspect(d->m, &d->fast_tlb);
    ref_tlb_set(d->r, &d->fast_tlb);

    /* The disk: a copy of the fast machine's when it is held in memory
     * (the machine tests' disks) and the two differ. */
    size_t lf;
    bool wf;
    const uint8_t *df = machine_disk_image(d->m, &lf, &wf);
    uint32_t block;
    struct disk_store *fs = machine_disk(d->m), *rs = ref_disk(d->r);
    if (df && (!rs || disk_store_blocks(rs) * (size_t)DISK_BLOCK_SIZE != lf || !disk_store_same(fs, rs, &block)))
        ref_attach_disk(d->r, df, lf);

    for (unsigned k = 0; k < MAX_SLICES; k++) {
        d->slice_ok_steps[k] = d->res.steps;
        d->slice_ok_instret[k] = c->instret;
    }
    d->since_mem = 0;
    if (d->o.output) {
        size_t fl, rl;
        d->o.output(d->o.output_ctx, false, &fl);
        d->o.output(d->o.output_ctx, true, &rl);
        d->out_seen = fl < rl ? fl : rl;
    }
}

/* --- naming things ---------------------------------------------------------------- */

static void say(struct difftest *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct difftest *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->res.what, sizeof d->res.what, fmt, ap);
    va_end(ap);
}

static uint32_t word_of(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static const char *mem_addr(char buf[16], uint32_t a)
{
    snprintf(buf, 16, "0x%04x_%04x", a >> 16, a & 0xffff);
    return buf;
}

static const char *exit_name(enum exit_reason r)
{
    const char *d = machine_exit_reason_desc(r);
    return d ? d : "?";
}

static void describe_trap(char *buf, size_t len, uint32_t cause, uint32_t epc, uint32_t badaddr)
{
    snprintf(buf, len, "%s (cause 0x%x) at 0x%08x, badaddr 0x%08x", isa_cause_name(cause), cause, epc, badaddr);
}

/* The instruction the step attempted first, and the sentence. */
static void finish_report(struct difftest *d, uint64_t instret, const struct ref_step *rec, uint32_t pc)
{
    struct difftest_result *res = &d->res;
    res->differ = true;
    res->instret = instret;
    res->pc = pc;
    res->word = 0;
    res->fetched = false;
    res->mnem = NULL;
    if (rec && rec->nattempts) {
        res->pc = rec->attempt[0].pc;
        res->fetched = rec->attempt[0].fetched;
        res->word = rec->attempt[0].word;
        if (res->fetched)
            res->mnem = ref_mnemonic(res->word);
    }
    char insn[96];
    if (rec && !rec->nattempts)
        snprintf(insn, sizeof insn, "pc 0x%08x (no instruction executed)", res->pc);
    else if (!res->fetched)
        snprintf(insn, sizeof insn, "pc 0x%08x (not fetched)", res->pc);
    else
        snprintf(insn, sizeof insn, "pc 0x%08x, word 0x%08x (%s)", res->pc, res->word,
                 res->mnem ? res->mnem : "illegal");
    char then[96] = "";
    if (rec && rec->nattempts > 1 && rec->attempt[1].fetched) {
        const char *m = ref_mnemonic(rec->attempt[1].word);
        snprintf(then, sizeof then, " (after the trap, pc 0x%08x, word 0x%08x (%s) ran too)", rec->attempt[1].pc,
                 rec->attempt[1].word, m ? m : "illegal");
    }
    snprintf(res->report, sizeof res->report, "instret %" PRIu64 ", %s: %s%s", instret, insn, res->what, then);
}

/* --- comparing one step ------------------------------------------------------- */

static void describe_exit(char *buf, size_t len, const struct vm_exit *x)
{
    switch (x->reason) {
    case EXIT_TRAP:
    case EXIT_DOUBLE_FAULT:
        snprintf(buf, len, "%s %s (cause 0x%x) at 0x%08x, addr 0x%08x", exit_name(x->reason), isa_cause_name(x->cause),
                 x->cause, x->pc, x->addr);
        break;
    case EXIT_INTERRUPT:
        snprintf(buf, len, "interrupt %s at 0x%08x", isa_cause_name(x->cause), x->pc);
        break;
    case EXIT_HALT:
        snprintf(buf, len, "halt (value 0x%x) at 0x%08x", x->value, x->pc);
        break;
    default:
        snprintf(buf, len, "%s at 0x%08x", exit_name(x->reason), x->pc);
        break;
    }
}

static bool exits_differ(struct difftest *d, const struct vm_exit *f, const struct vm_exit *r)
{
    if (f->reason != r->reason) {
        char a[128], b[128];
        describe_exit(a, sizeof a, f);
        describe_exit(b, sizeof b, r);
        return say(d, "exit: fast %s, reference %s", a, b), true;
    }
#define FIELD(name)                                                                                      \
    if (f->name != r->name)                                                                              \
        return say(d, "exit (%s) " #name ": fast 0x%08x, reference 0x%08x", exit_name(f->reason),        \
                   (unsigned)f->name, (unsigned)r->name),                                                \
               true;
    FIELD(cause)
    FIELD(pc)
    FIELD(addr)
    FIELD(insn)
    FIELD(access)
    FIELD(value)
    FIELD(guest_va)
    FIELD(in_walk)
    if (f->reason == EXIT_INSN) { /* the decoded instruction the host emulates */
        FIELD(decoded)
        FIELD(fields.op)
        FIELD(fields.ra)
        FIELD(fields.rb)
        FIELD(fields.rc)
        FIELD(fields.imm)
    }
#undef FIELD
    return false;
}

/* Guest mode: the control blocks' guest state and what each side counted
 * in the step. */
static bool guest_differs(struct difftest *d)
{
    for (unsigned i = 0; i < NCRS; i++)
        if (d->gf->cr[i] != d->gr->cr[i])
            return say(d, "control block's %s: fast 0x%08x, reference 0x%08x", isa_cr_name(i), d->gf->cr[i],
                       d->gr->cr[i]),
                   true;
    struct machine_counts f;
    machine_counts(d->m, &f);
    const struct ref_counts *r = ref_counts(d->r);
#define COUNT(name, what)                                                                                        if (f.name - d->fast_counts.name != r->name - d->ref_counts.name)                                                return say(d, what " in the step: fast %" PRIu64 ", reference %" PRIu64, f.name - d->fast_counts.name,                    r->name - d->ref_counts.name),                                                                           true;
    COUNT(walks, "page-table walks")
    COUNT(walk_refs, "walk references")
    COUNT(guest_entries, "guest entries")
    COUNT(guest_exits, "guest exits")
    COUNT(guest_transition_cycles, "entry and exit cycles")
#undef COUNT
    return false;
}

/* Bare machine: the traps each took in the step, when only one side did. */
static bool traps_differ(struct difftest *d, bool hosted)
{
    if (hosted)
        return false; /* hosted traps are exits, compared as such */
    struct cpu_state *c = machine_cpu(d->m);
    const struct ref_cpu *rc = ref_cpu(d->r);
    if (c->pc == rc->pc && c->cr[CR_EPC] == rc->cr[CR_EPC] && c->cr[CR_CAUSE] == rc->cr[CR_CAUSE] &&
        c->cr[CR_BADADDR] == rc->cr[CR_BADADDR])
        return false; /* the same trap, or none, or an mtcr of the same values */
    bool fast_took = c->cr[CR_EPC] != d->was_epc || c->cr[CR_CAUSE] != d->was_cause ||
                     c->cr[CR_BADADDR] != d->was_badaddr;
    bool ref_took = d->rec.ntraps > 0;
    char a[128], b[128];
    if (fast_took && !ref_took) {
        describe_trap(a, sizeof a, c->cr[CR_CAUSE], c->cr[CR_EPC], c->cr[CR_BADADDR]);
        return say(d, "trap: fast %s, reference none", a), true;
    }
    if (ref_took && !fast_took) {
        const struct ref_trap *t = &d->rec.trap[0];
        describe_trap(b, sizeof b, t->cause, t->epc, t->badaddr);
        return say(d, "trap: fast none, reference %s", b), true;
    }
    return false;
}

static bool writes_differ(struct difftest *d)
{
    static const char *const by[] = {[REF_BY_STORE] = "a store", [REF_BY_WALKER] = "the walker's A/D update",
                                     [REF_BY_DMA] = "disk DMA"};
    for (unsigned i = 0; i < d->rec.nwrites; i++) {
        const struct ref_write *w = &d->rec.write[i];
        for (uint32_t o = 0; o < w->len; o += 4) {
            uint32_t n = w->len - o < 4 ? w->len - o : 4;
            uint8_t f[4] = {0}, r[4] = {0};
            machine_read_phys(d->m, w->pa + o, f, n);
            ref_read_phys(d->r, w->pa + o, r, n);
            if (memcmp(f, r, n) != 0) {
                uint32_t fv = 0, rv = 0;
                for (uint32_t k = 0; k < n; k++) {
                    fv |= (uint32_t)f[k] << (8 * k);
                    rv |= (uint32_t)r[k] << (8 * k);
                }
                char ab[16];
                return say(d, "memory %s (%u bytes, %s): fast 0x%0*x, reference 0x%0*x", mem_addr(ab, w->pa + o),
                           n, by[w->by], (int)(2 * n), fv, (int)(2 * n), rv),
                       true;
            }
        }
    }
    return false;
}

/* In guest mode the instruction TLB is not compared: entry drops it, so
 * what a step's exit leaves there is seen by no instruction. */
/* Guest mode: the leaf entries the reference's walks read in the step,
 * so that a walker's A or D that only the fast machine wrote is named at
 * its instruction - a stray write cannot be narrowed there by making the
 * pair again, since the host's answers would have to be made again too.
 * (Bare and hosted, the full comparison narrows it: a write the
 * reference did not log is the stray write those tests are about.) */
static bool leaves_differ(struct difftest *d)
{
    if (!d->gf)
        return false;
    for (unsigned i = 0; i < d->rec.nleaves; i++) {
        uint32_t pa = d->rec.leaf[i];
        uint8_t f[4] = {0}, r[4] = {0};
        machine_read_phys(d->m, pa, f, 4);
        ref_read_phys(d->r, pa, r, 4);
        if (memcmp(f, r, 4) != 0) {
            char ab[16];
            return say(d, "memory %s (a leaf entry the walk read): fast 0x%08x, reference 0x%08x", mem_addr(ab, pa),
                       word_of(f), word_of(r)),
                   true;
        }
    }
    return false;
}

static bool tlbs_differ(struct difftest *d)
{
    machine_tlb_inspect(d->m, &d->fast_tlb);
    const struct tlb_view *rt = ref_tlb(d->r);
    for (int i = 0; i < TLB_ENTRIES; i++) {
        const struct tlb_slot *f = &d->fast_tlb.slot[i], *r = &rt->slot[i];
        if (f->valid != r->valid || (f->valid && (f->vpage != r->vpage || f->pte != r->pte))) {
            char fs[48], rs[48];
            snprintf(fs, sizeof fs, f->valid ? "page 0x%08x pte 0x%08x" : "empty", f->vpage, f->pte);
            snprintf(rs, sizeof rs, r->valid ? "page 0x%08x pte 0x%08x" : "empty", r->vpage, r->pte);
            return say(d, "TLB entry %d: fast %s, reference %s", i, fs, rs), true;
        }
    }
    const struct itlb_entry *f = &d->fast_tlb.itlb, *r = &rt->itlb;
    if (d->gf)
        return false;
    if (f->valid != r->valid || (f->valid && (f->vpage != r->vpage || f->frame != r->frame))) {
        char fs[48], rs[48];
        snprintf(fs, sizeof fs, f->valid ? "page 0x%08x frame 0x%08x" : "empty", f->vpage, f->frame);
        snprintf(rs, sizeof rs, r->valid ? "page 0x%08x frame 0x%08x" : "empty", r->vpage, r->frame);
        return say(d, "instruction TLB: fast %s, reference %s", fs, rs), true;
    }
    return false;
}

static bool console_differs(struct difftest *d)
{
    if (!d->o.output)
        return false;
    size_t fl, rl;
    const uint8_t *fo = d->o.output(d->o.output_ctx, false, &fl);
    const uint8_t *ro = d->o.output(d->o.output_ctx, true, &rl);
    if (fl == rl && fl == d->out_seen)
        return false;
    size_t n = fl < rl ? fl : rl;
    for (size_t i = d->out_seen; i < n; i++)
        if (fo[i] != ro[i])
            return say(d, "console byte %zu: fast 0x%02x, reference 0x%02x", i, fo[i], ro[i]), true;
    if (fl != rl)
        return say(d, "console output: fast %zu bytes, reference %zu bytes", fl, rl), true;
    d->out_seen = n;
    return false;
}

/* Everything but the bulk of memory; true (and the message) if they differ. */
static bool state_differs(struct difftest *d, const struct vm_exit *fx, const struct vm_exit *rx)
{
    struct cpu_state *c = machine_cpu(d->m);
    struct ref_cpu *rc = ref_cpu(d->r);
    bool hosted = machine_config_hosted(machine_config(d->m));
    if (traps_differ(d, hosted) || exits_differ(d, fx, rx))
        return true;
    if (c->pc != rc->pc)
        return say(d, "pc: fast 0x%08x, reference 0x%08x", c->pc, rc->pc), true;
    for (unsigned i = 1; i < NREGS; i++)
        if (c->r[i] != rc->r[i])
            return say(d, "%s: fast 0x%08x, reference 0x%08x", isa_reg_name(i), c->r[i], rc->r[i]), true;
    for (unsigned i = 0; i < NCRS; i++) {
        bool timer = i == CR_TIMER; /* the count left is computed; the others are plain */
        uint32_t f = timer ? machine_get_cr(d->m, CR_TIMER) : c->cr[i];
        uint32_t r = timer ? ref_get_cr(d->r, CR_TIMER) : rc->cr[i];
        if (f != r)
            return say(d, "%s: fast 0x%08x, reference 0x%08x", isa_cr_name(i), f, r), true;
    }
    if (c->instret != rc->instret)
        return say(d, "instret: fast %" PRIu64 ", reference %" PRIu64, c->instret, rc->instret), true;
    if (c->cycles != rc->cycles)
        return say(d, "cycles: fast %" PRIu64 ", reference %" PRIu64, c->cycles, rc->cycles), true;
    uint32_t fp = machine_pending_interrupt(d->m), rp = ref_pending_interrupt(d->r);
    if (fp != rp)
        return say(d, "pending interrupt: fast %s, reference %s", fp ? isa_cause_name(fp) : "none",
                   rp ? isa_cause_name(rp) : "none"),
               true;
    return console_differs(d) || writes_differ(d) || leaves_differ(d) || tlbs_differ(d);
}

/* --- all of memory ------------------------------------------------------------ */

/* The words in [lo, hi) where memory differs, the first `max` of them. */
static unsigned memory_differences(struct difftest *d, struct machine *m, struct ref_machine *r, uint32_t lo,
                                   uint32_t hi, uint32_t *at, unsigned max)
{
    unsigned n = 0;
    const uint8_t *rm = ref_memory(r);
    for (uint32_t pa = lo; pa < hi && n < max; pa += PAGE_SIZE) {
        machine_read_phys(m, pa, d->page_f, PAGE_SIZE);
        if (memcmp(d->page_f, rm + pa, PAGE_SIZE) == 0)
            continue;
        for (uint32_t o = 0; o < PAGE_SIZE && n < max; o += 4)
            if (memcmp(d->page_f + o, rm + pa + o, 4) != 0)
                at[n++] = pa + o;
    }
    return n;
}


static bool word_differs(struct machine *m, struct ref_machine *r, uint32_t pa, uint32_t *fv, uint32_t *rv)
{
    uint8_t f[4], g[4];
    machine_read_phys(m, pa, f, 4);
    ref_read_phys(r, pa, g, 4);
    *fv = word_of(f);
    *rv = word_of(g);
    return *fv != *rv;
}

/* The first block where the disks differ, or -1; *fl and *rl their sizes
 * in bytes. */
static long disk_difference(struct machine *m, struct ref_machine *r, size_t *fl, size_t *rl)
{
    struct disk_store *fs = machine_disk(m), *rs = ref_disk(r);
    *fl = fs ? (size_t)disk_store_blocks(fs) * DISK_BLOCK_SIZE : 0;
    *rl = rs ? (size_t)disk_store_blocks(rs) * DISK_BLOCK_SIZE : 0;
    if (*fl != *rl)
        return 0;
    uint32_t block;
    return !fs || disk_store_same(fs, rs, &block) ? -1 : (long)block;
}

/* Re-run a fresh pair to step `from` (where the watched words last
 * agreed), then step it until one of them differs.  Names that step's
 * instruction; false if the pair could not be made or never differed. */
static bool narrow(struct difftest *d, uint64_t from, const uint32_t *watch, unsigned nwatch)
{
    struct machine *m;
    struct ref_machine *r;
    void *pair = d->o.remake ? d->o.remake(d->o.remake_ctx, &m, &r) : NULL;
    if (!pair)
        return false;
    struct vm_exit fx, rx;
    struct ref_step rec;
    bool found = false;
    for (uint64_t s = 0; s < d->res.steps && !found; s++) {
        uint64_t instret = machine_cpu(m)->instret;
        machine_run(m, 1, &fx);
        if (s < from) {
            ref_run(r, 1, &rx);
            continue;
        }
        ref_step(r, &rx, &rec);
        for (unsigned i = 0; i < nwatch && !found; i++) {
            uint32_t fv, rv;
            if (word_differs(m, r, watch[i], &fv, &rv)) {
                char ab[16];
                say(d, "memory %s: fast 0x%08x, reference 0x%08x, written outside the reference's log (a stray "
                       "write)",
                    mem_addr(ab, watch[i]), fv, rv);
                finish_report(d, instret, &rec, 0);
                found = true;
            }
        }
        if (fx.reason != EXIT_BUDGET)
            break;
    }
    d->o.unmake(pair);
    return found;
}

/* Memory differs at these words: name the instruction if the pair can be
 * made again, else the window in which it happened. */
static void memory_differs(struct difftest *d, const uint32_t *at, unsigned n)
{
    uint64_t from = UINT64_MAX, from_instret = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = at[i] / SLICE_BYTES;
        if (d->slice_ok_steps[k] < from) {
            from = d->slice_ok_steps[k];
            from_instret = d->slice_ok_instret[k];
        }
    }
    if (narrow(d, from, at, n))
        return;
    uint32_t fv, rv;
    char ab[16];
    word_differs(d->m, d->r, at[0], &fv, &rv);
    say(d, "memory %s: fast 0x%08x, reference 0x%08x, written outside the reference's log (a stray write) by "
           "one of the instructions after instret %" PRIu64,
        mem_addr(ab, at[0]), fv, rv, from_instret);
    finish_report(d, machine_cpu(d->m)->instret, NULL, machine_cpu(d->m)->pc);
}

static void slice_agrees(struct difftest *d, unsigned k)
{
    d->slice_ok_steps[k] = d->res.steps;
    d->slice_ok_instret[k] = machine_cpu(d->m)->instret;
}

static unsigned nslices(const struct difftest *d) { return (machine_mem_size(d->m) + SLICE_BYTES - 1) / SLICE_BYTES; }

/* The next slice of memory, in turn. */
static bool check_slice(struct difftest *d)
{
    unsigned k = d->next_slice;
    d->next_slice = (k + 1) % nslices(d);
    d->since_mem = 0;
    uint32_t size = machine_mem_size(d->m), lo = k * SLICE_BYTES;
    uint32_t hi = size - lo > SLICE_BYTES ? lo + SLICE_BYTES : size;
    uint32_t at[WATCH_MAX];
    unsigned n = memory_differences(d, d->m, d->r, lo, hi, at, WATCH_MAX);
    if (n == 0) {
        slice_agrees(d, k);
        return true;
    }
    memory_differs(d, at, n);
    return false;
}

bool difftest_check_memory(struct difftest *d)
{
    if (d->res.differ)
        return false;
    d->since_mem = 0;
    uint32_t at[WATCH_MAX];
    unsigned n = memory_differences(d, d->m, d->r, 0, machine_mem_size(d->m), at, WATCH_MAX);
    if (n) {
        memory_differs(d, at, n);
        return false;
    }
    for (unsigned k = 0; k < nslices(d); k++)
        slice_agrees(d, k);
    size_t fl, rl;
    long blk = disk_difference(d->m, d->r, &fl, &rl);
    if (blk < 0)
        return true;
    if (fl != rl)
        say(d, "disk: fast %zu bytes, reference %zu bytes", fl, rl);
    else
        say(d, "disk block %ld: fast and reference differ", blk);
    finish_report(d, machine_cpu(d->m)->instret, NULL, machine_cpu(d->m)->pc);
    return false;
}

/* --- stepping ------------------------------------------------------------------ */

static bool step(struct difftest *d, uint64_t budget, struct vm_exit *fx)
{
    struct cpu_state *c = machine_cpu(d->m);
    uint64_t instret = c->instret;
    const uint32_t *cr = d->gf ? d->gf->cr : c->cr; /* what a delivered trap would change */
    d->was_epc = cr[CR_EPC];
    d->was_cause = cr[CR_CAUSE];
    d->was_badaddr = cr[CR_BADADDR];
    struct vm_exit rx;
    memset(&d->rec, 0, sizeof d->rec);
    if (d->gf) {
        machine_counts(d->m, &d->fast_counts);
        d->ref_counts = *ref_counts(d->r);
        machine_run_guest(d->m, d->gf, budget, fx);
        if (budget)
            ref_step_guest(d->r, d->gr, &rx, &d->rec);
        else
            ref_run_guest(d->r, d->gr, 0, &rx);
    } else {
        machine_run(d->m, budget, fx);
        if (budget)
            ref_step(d->r, &rx, &d->rec);
        else
            ref_run(d->r, 0, &rx);
    }
    d->res.steps++;
    if (state_differs(d, fx, &rx) || (d->gf && guest_differs(d))) {
        finish_report(d, instret, &d->rec, c->pc);
        return false;
    }
    if (fx->reason != EXIT_BUDGET)
        return difftest_check_memory(d);
    if (++d->since_mem >= d->o.mem_every)
        return check_slice(d);
    return true;
}

enum exit_reason difftest_run(struct difftest *d, uint64_t budget, struct vm_exit *exit)
{
    struct vm_exit scratch;
    if (!exit)
        exit = &scratch;
    *exit = (struct vm_exit){.reason = EXIT_BUDGET, .pc = machine_cpu(d->m)->pc};
    if (d->res.differ)
        return exit->reason;
    if (budget == 0) {
        step(d, 0, exit);
        return exit->reason;
    }
    for (uint64_t done = 0; done < budget;) {
        uint64_t before = machine_cpu(d->m)->instret;
        if (!step(d, 1, exit) || exit->reason != EXIT_BUDGET)
            break;
        done += machine_cpu(d->m)->instret - before;
    }
    return exit->reason;
}

enum exit_reason difftest_run_guest(struct difftest *d, struct guest_control *fast, struct guest_control *ref,
                                    uint64_t budget, struct vm_exit *exit)
{
    d->gf = fast;
    d->gr = ref;
    enum exit_reason why = difftest_run(d, budget, exit);
    d->gf = d->gr = NULL;
    return why;
}

/* --- a whole image -------------------------------------------------------------- */

/* A booted pair and what it needs to live. */
struct pair {
    const struct difftest_image *c;
    struct machine *m;
    struct ref_machine *r;
    struct console_capture out[2]; /* fast, reference */
    char err[300];
};

static const uint8_t *pair_output(void *ctx, bool reference, size_t *len)
{
    struct pair *p = ctx;
    *len = p->out[reference].len;
    return p->out[reference].buf;
}

static void pair_free(struct pair *p)
{
    machine_free(p->m);
    ref_free(p->r);
    capture_free(&p->out[0]);
    capture_free(&p->out[1]);
    p->m = NULL;
    p->r = NULL;
    memset(p->out, 0, sizeof p->out);
}

static bool pair_make(struct pair *p)
{
    const struct difftest_image *c = p->c;
    for (int i = 0; i < 2; i++)
        capture_init(&p->out[i], c->input, c->input_len);
    struct machine_config mc = {.mem_size = c->mem_size, .isa = c->isa};
    struct ref_config rc = {.mem_size = c->mem_size, .isa = c->isa, .inject = c->inject};
    p->m = machine_new(&mc, p->err, sizeof p->err);
    p->r = p->m ? ref_new(&rc, p->err, sizeof p->err) : NULL;
    if (!p->r || !elf_boot(p->m, c->image, c->bootarg, p->err, sizeof p->err))
        goto fail;
    struct ref_cpu *cpu = ref_cpu(p->r);
    if (!elf_boot_into(ref_dma(p->r), cpu->r, &cpu->pc, c->image, c->bootarg, p->err, sizeof p->err))
        goto fail;
    if (c->disk && (!machine_attach_disk(p->m, c->disk, c->disk_len) || !ref_attach_disk(p->r, c->disk, c->disk_len))) {
        snprintf(p->err, sizeof p->err, "disk image of %zu bytes is not a whole number of blocks", c->disk_len);
        goto fail;
    }
    if (c->disk_base) { /* each machine writes its own overlay, never the file */
        struct disk_store *fs = disk_store_overlay(c->disk_base), *rs = disk_store_overlay(c->disk_base);
        if (!fs || !rs) {
            disk_store_free(fs);
            disk_store_free(rs);
            snprintf(p->err, sizeof p->err, "out of memory for the disk");
            goto fail;
        }
        machine_attach_disk_store(p->m, fs);
        ref_attach_disk_store(p->r, rs);
    }
    struct console_io fast = capture_io(&p->out[0]), ref = capture_io(&p->out[1]);
    machine_set_console(p->m, &fast);
    ref_set_console(p->r, &ref);
    return true;
fail:
    pair_free(p);
    return false;
}

/* Narrowing makes its own pair, with its own consoles. */
static void *remake(void *ctx, struct machine **m, struct ref_machine **r)
{
    struct pair *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    *p = (struct pair){.c = ctx};
    if (!pair_make(p)) {
        free(p);
        return NULL;
    }
    *m = p->m;
    *r = p->r;
    return p;
}

static void unmake(void *pair)
{
    pair_free(pair);
    free(pair);
}

bool difftest_image_run(const struct difftest_image *c, struct difftest_outcome *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct pair p = {.c = c};
    if (!pair_make(&p)) {
        snprintf(err, errlen, "%s", p.err);
        return false;
    }
    struct difftest_options o = {.mem_every = c->mem_every, .output = pair_output, .output_ctx = &p,
                                 .remake = remake, .unmake = unmake, .remake_ctx = (void *)c};
    struct difftest *d = difftest_new(p.m, p.r, &o);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        pair_free(&p);
        return false;
    }
    uint64_t budget = c->max_insns ? c->max_insns : UINT64_MAX;
    out->reason = difftest_run(d, budget, &out->exit);
    if (!d->res.differ && out->reason == EXIT_BUDGET)
        difftest_check_memory(d);
    out->res = d->res;
    out->instret = machine_cpu(p.m)->instret;
    difftest_free(d);
    pair_free(&p);
    return true;
}
