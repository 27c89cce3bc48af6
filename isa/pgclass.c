/*
 * pgclass.c - the empirical Popek-Goldberg classifier (pgclass.h has the
 * definitions).  Every instruction is run, one at a time, on a hosted
 * machine (every trap exits, so a trap is an outcome, not a jump), from
 * generated states and from variants of each state that keep the virtual
 * view and change the configuration: the mode, IE, PG, the placement in
 * physical memory (and so ptb), the devices.
 *
 * The machine's devices are read here through machine_impl.h, read-only,
 * for the snapshot of the configuration: a port read would change them.
 */
#include "pgclass.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "machine.h"
#include "machine_impl.h"

/* --- a deterministic generator (xorshift64*) ----------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *g)
{
    g->s ^= g->s >> 12;
    g->s ^= g->s << 25;
    g->s ^= g->s >> 27;
    return g->s * 0x2545f4914f6cdd1dull;
}

static uint32_t rng_below(struct rng *g, uint32_t n) { return (uint32_t)(rng_next(g) % n); }
static void rng_seed(struct rng *g, uint64_t seed) { g->s = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull; }

/* --- the machine a run uses ------------------------------------------------ */

struct con_ctx {
    bool input;
    unsigned taken, written;
    int last;
};

static int con_read(void *ctx)
{
    struct con_ctx *c = ctx;
    static const char input[] = "pg";
    if (!c->input || c->taken >= sizeof input - 1)
        return -1;
    return (uint8_t)input[c->taken++];
}

static void con_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct con_ctx *c = ctx;
    c->written += (unsigned)len;
    if (len)
        c->last = buf[len - 1];
}

enum cpu_end { CPU_RUNNING, CPU_HALTED, CPU_IDLED, CPU_DEADLOCKED };
static const char *const cpu_end_names[] = {"running", "halted", "idled (wfi)", "deadlocked"};

/* The configuration, as the outcome compares it. */
struct config {
    uint32_t cr[NCRS]; /* cr[CR_TIMER] unused: the timer is below */
    uint64_t timer_at;
    bool timer_pending;
    uint32_t irq;
    uint32_t con_ctrl;
    unsigned con_taken, con_written;
    int con_last;
    bool disk;
    uint32_t disk_block, disk_addr, disk_ctrl, disk_status;
    bool disk_done;
    uint32_t op_cmd, op_block, op_addr;
    uint64_t op_done_at;
    enum cpu_end cpu;
    struct tlb_view tlb;
};

struct outcome {
    bool trapped;
    uint32_t cause;
    uint32_t r[NREGS];
    uint32_t pc;
    uint8_t view[PG_VIEW_PAGES][PAGE_SIZE];
    struct config before, after;
};

struct runner {
    struct machine *m;
    struct con_ctx con;
    uint8_t *zero;
    uint8_t disk[16 * DISK_BLOCK_SIZE];
};

static bool runner_open(struct runner *r, enum isa_variant isa, char *err, size_t errlen)
{
    struct machine_config cfg = {.mem_size = PG_MEM_SIZE, .isa = isa, .exits = MACHINE_EXITS_ALL};
    *r = (struct runner){0};
    struct isa_fields f;
    if (isa_decode(0, &f)) {
        snprintf(err, errlen, "the word 0 is an instruction: the TLB cannot be filled by a fetch that traps");
        return false;
    }
    r->zero = calloc(1, PG_MEM_SIZE);
    r->m = r->zero ? machine_new(&cfg, err, errlen) : NULL;
    if (!r->m) {
        if (!r->zero)
            snprintf(err, errlen, "out of memory");
        free(r->zero);
        return false;
    }
    for (size_t i = 0; i < sizeof r->disk; i++)
        r->disk[i] = (uint8_t)(i * 7 + 1);
    return true;
}

static void runner_close(struct runner *r)
{
    machine_free(r->m);
    free(r->zero);
}

static void wr32(struct machine *m, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    machine_write_phys(m, pa, b, 4);
}

static uint32_t view_va(int page) { return PG_VIEW_BASE + (uint32_t)page * PAGE_SIZE; }

static bool paging(const struct pg_state *s) { return (s->status & SR_PG) != 0; }
static bool user(const struct pg_state *s) { return !(s->status & SR_S); }

/* The view's bytes: the same for every state with the same content seed
 * and instruction. */
static void view_bytes(const struct pg_state *s, int page, uint8_t *buf)
{
    struct rng g;
    rng_seed(&g, s->content + (uint64_t)page * 0x1000193u);
    for (uint32_t i = 0; i < PAGE_SIZE; i += 8) {
        uint64_t v = rng_next(&g);
        memcpy(buf + i, &v, 8);
    }
    uint32_t off = s->pc - view_va(page);
    if (off < PAGE_SIZE) {
        uint8_t w[4] = {(uint8_t)s->word, (uint8_t)(s->word >> 8), (uint8_t)(s->word >> 16), (uint8_t)(s->word >> 24)};
        memcpy(buf + off, w, 4);
    }
}

static void snapshot(struct machine *m, const struct con_ctx *con, struct config *c)
{
    *c = (struct config){0};
    for (int i = 0; i < NCRS; i++)
        if (i != CR_TIMER)
            c->cr[i] = machine_get_cr(m, (enum cr)i);
    const struct devices *d = &m->dev;
    c->timer_at = d->timer.at;
    c->timer_pending = d->timer.pending;
    c->irq = machine_pending_interrupt(m);
    c->con_ctrl = d->con.ctrl;
    c->con_taken = con->taken;
    c->con_written = con->written;
    c->con_last = con->written ? con->last : -1;
    c->disk = d->disk.store != NULL;
    c->disk_block = d->disk.block;
    c->disk_addr = d->disk.addr;
    c->disk_ctrl = d->disk.ctrl;
    c->disk_status = d->disk.status;
    c->disk_done = d->disk.done;
    c->op_cmd = d->disk.op_cmd;
    c->op_block = d->disk.op_block;
    c->op_addr = d->disk.op_addr;
    c->op_done_at = d->disk.op_done_at;
    machine_tlb_inspect(m, &c->tlb);
}

/* Set the machine up in state s, run the instruction, and record. */
static void run(struct runner *rn, const struct pg_state *s, struct outcome *o)
{
    struct machine *m = rn->m;
    machine_reset(m);
    machine_write_phys(m, 0, rn->zero, PG_MEM_SIZE);
    uint8_t page[PAGE_SIZE];
    for (int i = 0; i < PG_VIEW_PAGES; i++) {
        view_bytes(s, i, page);
        machine_write_phys(m, s->frame[i], page, PAGE_SIZE);
        wr32(m, s->l2 + 4 * VA_L2(view_va(i)), s->frame[i] | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U);
    }
    wr32(m, s->l1 + 4 * VA_L1(PG_VIEW_BASE), s->l2 | PTE_V);

    rn->con = (struct con_ctx){.input = s->con_input, .last = -1};
    struct console_io io = {.ctx = &rn->con, .read = con_read, .write = con_write};
    machine_set_console(m, &io);
    if (s->disk_blocks)
        machine_attach_disk(m, rn->disk, (size_t)s->disk_blocks * DISK_BLOCK_SIZE);
    else
        machine_attach_disk_store(m, NULL);
    devices_out(&m->dev, PORT_DISK_BLOCK, s->disk_block, 0);
    devices_out(&m->dev, PORT_DISK_ADDR, s->disk_addr, 0);
    devices_out(&m->dev, PORT_DISK_CTRL, s->disk_ctrl, 0);
    devices_out(&m->dev, PORT_CON_CTRL, s->con_ctrl, 0);

    machine_set_cr(m, CR_PTB, s->l1);
    machine_set_cr(m, CR_STATUS, s->status);
    machine_set_cr(m, CR_TVEC, s->tvec);
    machine_set_cr(m, CR_EPC, s->epc);
    machine_set_cr(m, CR_CAUSE, s->cause);
    machine_set_cr(m, CR_BADADDR, s->badaddr);
    machine_set_cr(m, CR_SCRATCH, s->scratch);
    machine_set_cr(m, CR_TIMER, s->timer);

    struct cpu_state *cpu = machine_cpu(m);
    struct vm_exit ex;
    if (paging(s)) {
        /* A TLB holding the view's pages, as a running program's would: a
         * fetch of a word that is no instruction fills the entry, then
         * traps (to the host), changing nothing else. */
        for (int i = 0; i < PG_VIEW_PAGES; i++) {
            uint8_t keep[4];
            machine_read_phys(m, s->frame[i], keep, 4);
            wr32(m, s->frame[i], 0);
            cpu->pc = view_va(i);
            machine_run(m, 1, &ex);
            machine_write_phys(m, s->frame[i], keep, 4);
        }
    }
    memcpy(cpu->r, s->r, sizeof s->r);
    cpu->r[0] = 0;
    cpu->pc = s->pc;
    uint64_t instret = cpu->instret, cycles = cpu->cycles;

    snapshot(m, &rn->con, &o->before);
    machine_run(m, 1, &ex);
    o->trapped = ex.reason == EXIT_TRAP;
    o->cause = o->trapped ? ex.cause : 0;
    memcpy(o->r, cpu->r, sizeof o->r);
    o->r[0] = 0;
    o->pc = cpu->pc;
    for (int i = 0; i < PG_VIEW_PAGES; i++)
        machine_read_phys(m, s->frame[i], o->view[i], PAGE_SIZE);
    snapshot(m, &rn->con, &o->after);
    o->after.cpu = ex.reason == EXIT_HALT       ? CPU_HALTED
                   : ex.reason == EXIT_DEADLOCK ? CPU_DEADLOCKED
                   : cpu->cycles - cycles > cpu->instret - instret ? CPU_IDLED
                                                                   : CPU_RUNNING;
}

/* --- comparing configurations -------------------------------------------- */

/* The configuration as named parts, one value each (the TLB apart). */
struct part {
    const char *name;
    uint64_t v;
    bool bit; /* a status bit: printed as 0/1 */
};
#define NPARTS 40

static int parts(const struct config *c, struct part *p)
{
    int n = 0;
#define X(NAME, bit_, name, desc) p[n++] = (struct part){"status." name, (c->cr[CR_STATUS] >> (bit_)) & 1, true};
    ISA_STATUS_BITS(X)
#undef X
#define X(NAME, num, name, desc) \
    if ((num) != CR_STATUS && (num) != CR_TIMER) \
        p[n++] = (struct part){name, c->cr[num], false};
    ISA_CONTROL_REGISTERS(X)
#undef X
    p[n++] = (struct part){"timer (the cycle it fires at)", c->timer_at, false};
    p[n++] = (struct part){"timer interrupt raised", c->timer_pending, true};
    p[n++] = (struct part){"pending interrupt", c->irq, false};
    p[n++] = (struct part){"con.ctrl", c->con_ctrl, false};
    p[n++] = (struct part){"console input taken (bytes)", c->con_taken, false};
    p[n++] = (struct part){"console output (bytes)", c->con_written, false};
    p[n++] = (struct part){"disk attached", c->disk, true};
    p[n++] = (struct part){"disk.block", c->disk_block, false};
    p[n++] = (struct part){"disk.addr", c->disk_addr, false};
    p[n++] = (struct part){"disk.ctrl", c->disk_ctrl, false};
    p[n++] = (struct part){"disk.status", c->disk_status, false};
    p[n++] = (struct part){"disk interrupt raised", c->disk_done, true};
    p[n++] = (struct part){"disk command in flight", c->op_cmd, false};
    p[n++] = (struct part){"disk command's block", c->op_block, false};
    p[n++] = (struct part){"disk command's address", c->op_addr, false};
    p[n++] = (struct part){"disk command's completion", c->op_done_at, false};
    p[n++] = (struct part){"cpu", c->cpu, false};
    return n;
}

static void part_value(const struct part *p, char *buf, size_t len)
{
    if (p->bit)
        snprintf(buf, len, "%u", (unsigned)p->v);
    else if (strcmp(p->name, "cpu") == 0)
        snprintf(buf, len, "%s", cpu_end_names[p->v]);
    else
        snprintf(buf, len, "0x%08" PRIx64, p->v);
}

/* TLB entries valid before and gone after (a fill that replaces one is an
 * access's doing, not an invalidation). */
static int tlb_invalidated(const struct config *before, const struct config *after)
{
    int n = 0;
    for (int i = 0; i < TLB_ENTRIES; i++)
        n += before->tlb.slot[i].valid && !after->tlb.slot[i].valid;
    return n;
}

/* Control: what the run changed in the configuration, and the rank of
 * that part (lower: more telling, status bits first); -1 if nothing. */
static int config_change(const struct outcome *o, char *what, size_t len)
{
    if (o->trapped)
        return -1;
    struct part a[NPARTS], b[NPARTS];
    int n = parts(&o->before, a);
    parts(&o->after, b);
    for (int i = 0; i < n; i++)
        if (a[i].v != b[i].v) {
            char va[40], vb[40];
            part_value(&a[i], va, sizeof va);
            part_value(&b[i], vb, sizeof vb);
            snprintf(what, len, "%s: %s -> %s", a[i].name, va, vb);
            return i;
        }
    int k = tlb_invalidated(&o->before, &o->after);
    if (k) {
        snprintf(what, len, "TLB: %d entr%s invalidated", k, k == 1 ? "y" : "ies");
        return n;
    }
    return -1;
}

/* Behaviour: how the outcomes of two states with the same view differ,
 * and the rank of that difference (0: what the program sees, else 1 + the
 * configuration part's); -1 if they do not differ, or if either trapped. */
static int outcomes_differ(const struct outcome *a, const struct outcome *b, char *what, size_t len)
{
    if (a->trapped || b->trapped)
        return -1;
    for (int i = 1; i < NREGS; i++)
        if (a->r[i] != b->r[i]) {
            snprintf(what, len, "%s: 0x%08x / 0x%08x", isa_reg_name((unsigned)i), a->r[i], b->r[i]);
            return 0;
        }
    if (a->pc != b->pc) {
        snprintf(what, len, "pc: 0x%08x / 0x%08x", a->pc, b->pc);
        return 0;
    }
    for (int p = 0; p < PG_VIEW_PAGES; p++)
        for (uint32_t i = 0; i < PAGE_SIZE; i += 4)
            if (memcmp(&a->view[p][i], &b->view[p][i], 4) != 0) {
                uint32_t x, y;
                memcpy(&x, &a->view[p][i], 4);
                memcpy(&y, &b->view[p][i], 4);
                snprintf(what, len, "memory at 0x%08x: 0x%08x / 0x%08x", view_va(p) + i, x, y);
                return 0;
            }
    /* The effect on the configuration: part by part, both runs leave it
     * alone, or both bring it to the same value. */
    struct part a0[NPARTS], a1[NPARTS], b0[NPARTS], b1[NPARTS];
    int n = parts(&a->before, a0);
    parts(&a->after, a1);
    parts(&b->before, b0);
    parts(&b->after, b1);
    for (int i = 0; i < n; i++) {
        bool same = a1[i].v == b1[i].v || (a0[i].v == a1[i].v && b0[i].v == b1[i].v);
        if (!same) {
            char va[40], vb[40];
            part_value(&a1[i], va, sizeof va);
            part_value(&b1[i], vb, sizeof vb);
            snprintf(what, len, "%s: %s %s / %s %s", a0[i].name, a0[i].v == a1[i].v ? "left at" : "set to", va,
                     b0[i].v == b1[i].v ? "left at" : "set to", vb);
            return 1 + i;
        }
    }
    return -1;
}

/* --- generating states ----------------------------------------------------- */

#define NFRAMES (PG_MEM_SIZE / PAGE_SIZE)

/* Physical frames that are not the view's identity frames. */
static uint32_t pick_frame(struct rng *g, const uint32_t *taken, int ntaken)
{
    for (;;) {
        uint32_t pa = rng_below(g, NFRAMES) * PAGE_SIZE;
        bool ok = pa < PG_VIEW_BASE || pa >= view_va(PG_VIEW_PAGES);
        for (int i = 0; i < ntaken; i++)
            ok &= taken[i] != pa;
        if (ok)
            return pa;
    }
}

static void place(struct pg_state *s, struct rng *g, bool relocate)
{
    uint32_t taken[PG_VIEW_PAGES + 2] = {0};
    int n = 0;
    for (int i = 0; i < PG_VIEW_PAGES; i++) {
        s->frame[i] = relocate ? pick_frame(g, taken, n) : view_va(i);
        if (relocate)
            taken[n++] = s->frame[i];
    }
    s->l1 = pick_frame(g, taken, n);
    taken[n++] = s->l1;
    s->l2 = pick_frame(g, taken, n);
}

static uint32_t some_value(struct rng *g)
{
    switch (rng_below(g, 5)) {
    case 0: return view_va((int)rng_below(g, PG_VIEW_PAGES)) + 4 * rng_below(g, PAGE_SIZE / 4);
    case 1: return rng_below(g, 32);
    case 2: return (uint32_t)rng_next(g);
    case 3: return rng_below(g, 2) ? 0 : 0xffffffffu;
    default: return rng_below(g, 0x100);
    }
}

static void base_state(struct pg_state *s, struct rng *g, unsigned index, uint32_t word)
{
    *s = (struct pg_state){.word = word};
    s->status = (index & 1 ? SR_S : 0) | (index & 2 ? SR_IE : 0) | (index & 4 ? SR_PG : 0) |
                (rng_below(g, 2) ? SR_PS : 0) | (rng_below(g, 2) ? SR_PIE : 0);
    place(s, g, (index & 4) && (index & 8));
    s->pc = PG_VIEW_BASE + 4 * rng_below(g, PAGE_SIZE / 4);
    for (int i = 1; i < NREGS; i++)
        s->r[i] = some_value(g);
    s->content = rng_next(g);
    s->tvec = some_value(g) & ~3u;
    s->epc = some_value(g) & ~3u;
    s->cause = rng_below(g, 20);
    s->badaddr = some_value(g);
    s->scratch = some_value(g);
    s->timer = 2 + rng_below(g, 1000);
    static const uint32_t sizes[] = {0, 4, 8};
    s->disk_blocks = sizes[rng_below(g, 3)];
    s->disk_block = rng_below(g, 10);
    s->disk_addr = rng_below(g, NFRAMES) * PAGE_SIZE;
    s->disk_ctrl = rng_below(g, 2);
    s->con_ctrl = rng_below(g, 2);
    s->con_input = rng_below(g, 2);
}

/* The variants of a state: the same view, another configuration. */
enum { VAR_MODE, VAR_IE, VAR_PG, VAR_PLACE, VAR_DEVICES, NVARIANTS };
_Static_assert(NVARIANTS == PG_VARIANTS, "pgclass.h counts the variants");

static void variant(struct pg_state *v, const struct pg_state *s, int kind, struct rng *g)
{
    *v = *s;
    switch (kind) {
    case VAR_MODE: v->status ^= SR_S; break;
    case VAR_IE: v->status ^= SR_IE; break;
    case VAR_PG:
        v->status ^= SR_PG;
        for (int i = 0; i < PG_VIEW_PAGES; i++)
            v->frame[i] = view_va(i); /* paging off sees physical addresses */
        break;
    case VAR_PLACE:
        v->status |= SR_PG;
        do
            place(v, g, true);
        while (v->l1 == s->l1);
        break;
    case VAR_DEVICES:
        /* Another disk, or none.  The devices' registers (disk.block,
         * con.ctrl...) are the program's to write, like its general
         * registers: they belong to the view, and stay. */
        v->disk_blocks = (s->disk_blocks + 4) % 12;
        break;
    }
}

/* The legal words of an instruction to try: every value of a control
 * register or port operand, else random operands. */
static int encodings(int op, struct rng *g, uint32_t *words, int max)
{
    const struct isa_insn *in = &isa_insns[op];
    uint32_t values[64];
    int nv = 0;
    if (in->imm == IMM_CR) {
        for (int i = 0; i < NCRS; i++)
            values[nv++] = (uint32_t)i;
    } else if (in->imm == IMM_PORT) {
#define X(NAME, port, name, rw, desc) values[nv++] = port;
        ISA_PORTS(X)
#undef X
        values[nv++] = 0x7fff; /* a port no device answers */
    } else {
        nv = 8;
    }
    int n = 0;
    for (int i = 0; i < nv && n < max; i++) {
        struct isa_fields f = {.op = (enum op)op};
        int nregs = isa_form_nregs(in->form);
        f.ra = nregs > 0 ? (uint8_t)(1 + rng_below(g, NREGS - 1)) : 0;
        f.rb = nregs > 1 ? (uint8_t)rng_below(g, NREGS) : 0;
        f.rc = nregs > 2 ? (uint8_t)rng_below(g, NREGS) : 0;
        switch (in->imm) {
        case IMM_NONE: f.imm = 0; break;
        case IMM_S16: f.imm = rng_below(g, 2) ? 4 * ((int32_t)rng_below(g, 64) - 32) : (int16_t)rng_next(g); break;
        case IMM_U16: f.imm = (int32_t)rng_below(g, 0x10000); break;
        case IMM_U5: f.imm = (int32_t)rng_below(g, 32); break;
        case IMM_PC16:
        case IMM_PC20: f.imm = 4 * ((int32_t)rng_below(g, 64) - 32); break;
        case IMM_CR:
        case IMM_PORT: f.imm = (int32_t)values[i]; break;
        }
        if (!isa_form_has_imm(in->form))
            f.imm = 0;
        uint32_t w = isa_encode(&f);
        struct isa_fields back;
        if (isa_decode(w, &back) && back.op == f.op)
            words[n++] = w;
    }
    return n;
}

/* --- classifying ----------------------------------------------------------- */

static int state_differences(const struct pg_state *a, const struct pg_state *b, char *buf, size_t len);

/* Keep the simplest witness found: the lowest score (the rank of the part
 * changed, or the number of fields two states differ in). */
static void keep(struct pg_witness *w, int *best, int score, const struct pg_state *a, const struct pg_state *b,
                 const char *what)
{
    if (w->found && score >= *best)
        return;
    *best = score;
    w->found = true;
    w->a = *a;
    if (b)
        w->b = *b;
    snprintf(w->what, sizeof w->what, "%s", what);
}

/* The scores of the witnesses kept so far. */
struct scores {
    int c, uc, b, ub;
};

/* One run's share: privilege counts and control sensitivity. */
static void account(struct pg_insn *in, struct scores *sc, const struct pg_state *s, const struct outcome *o)
{
    bool priv = o->trapped && CAUSE_CODE(o->cause) == CAUSE_PRIV;
    if (user(s)) {
        in->user_runs++;
        in->user_priv += priv;
    } else {
        in->super_runs++;
        in->super_priv += priv;
    }
    char what[PG_WHAT];
    int rank = config_change(o, what, sizeof what);
    if (rank >= 0) {
        in->control = true;
        keep(&in->cw, &sc->c, rank, s, NULL, what);
        if (user(s)) {
            in->user_control = true;
            keep(&in->ucw, &sc->uc, rank, s, NULL, what);
        }
    }
}

bool pgclass_run(struct pg_report *rep, enum isa_variant isa, unsigned states, uint64_t seed, char *err,
                 size_t errlen)
{
    *rep = (struct pg_report){.isa = isa, .states = states, .seed = seed};
    struct runner rn;
    if (!runner_open(&rn, isa, err, errlen))
        return false;
    struct outcome *base = malloc(sizeof *base), *var = malloc(sizeof *var);
    if (!base || !var) {
        free(base);
        free(var);
        runner_close(&rn);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (int op = 0; op < OP_COUNT; op++) {
        struct rng g;
        rng_seed(&g, seed ^ ((uint64_t)(op + 1) << 32));
        struct pg_insn *in = &rep->insn[op];
        struct scores sc = {0};
        uint32_t words[64];
        int nw = encodings(op, &g, words, 64);
        for (int e = 0; e < nw; e++)
            for (unsigned i = 0; i < states; i++) {
                struct pg_state s, v;
                base_state(&s, &g, i, words[e]);
                run(&rn, &s, base);
                rep->runs++;
                account(in, &sc, &s, base);
                for (int k = 0; k < NVARIANTS; k++) {
                    variant(&v, &s, k, &g);
                    run(&rn, &v, var);
                    rep->runs++;
                    account(in, &sc, &v, var);
                    char what[PG_WHAT];
                    int rank = outcomes_differ(base, var, what, sizeof what);
                    if (rank >= 0) {
                        int d = 100 * state_differences(&s, &v, NULL, 0) + rank;
                        in->behaviour = true;
                        keep(&in->bw, &sc.b, d, &s, &v, what);
                        if (user(&s) && user(&v)) {
                            in->user_behaviour = true;
                            keep(&in->ubw, &sc.ub, d, &s, &v, what);
                        }
                    }
                }
            }
        in->privileged = in->user_runs > 0 && in->user_priv == in->user_runs && in->super_priv == 0;
    }
    free(base);
    free(var);
    runner_close(&rn);
    return true;
}

bool pg_replay(enum isa_variant isa, const struct pg_witness *w, bool behaviour, char *what, size_t len)
{
    struct runner rn;
    char err[200];
    if (!w->found || !runner_open(&rn, isa, err, sizeof err))
        return false;
    struct outcome *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    bool ok = false;
    if (a && b) {
        run(&rn, &w->a, a);
        if (behaviour) {
            run(&rn, &w->b, b);
            ok = outcomes_differ(a, b, what, len) >= 0;
        } else {
            ok = config_change(a, what, len) >= 0;
        }
    }
    free(a);
    free(b);
    runner_close(&rn);
    return ok;
}

bool pg_run_regs(enum isa_variant isa, const struct pg_state *s, uint32_t r[NREGS], uint32_t *pc)
{
    struct runner rn;
    char err[200];
    if (!runner_open(&rn, isa, err, sizeof err))
        return false;
    struct outcome *o = malloc(sizeof *o);
    bool ok = false;
    if (o) {
        run(&rn, s, o);
        ok = !o->trapped;
        memcpy(r, o->r, sizeof o->r);
        *pc = o->pc;
    }
    free(o);
    runner_close(&rn);
    return ok;
}

enum isa_sens pg_sensitivity(const struct pg_insn *in)
{
    return in->control && in->behaviour ? SENS_BOTH : in->control ? SENS_CONTROL : in->behaviour ? SENS_BEHAV : SENS_NONE;
}

bool pg_sensitive(const struct pg_insn *in) { return in->control || in->behaviour; }
bool pg_user_sensitive(const struct pg_insn *in) { return in->user_control || in->user_behaviour; }

enum isa_class pg_class(const struct pg_insn *in)
{
    if (!pg_sensitive(in))
        return CLASS_INNOCUOUS;
    if (in->privileged)
        return CLASS_PRIVILEGED;
    return in->control ? CLASS_CONTROL : CLASS_BEHAVIOUR;
}

bool pg_theorem(const struct pg_report *rep, bool user_only)
{
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *in = &rep->insn[op];
        if ((user_only ? pg_user_sensitive(in) : pg_sensitive(in)) && !in->privileged)
            return false;
    }
    return true;
}

/* --- describing --------------------------------------------------------------- */

void pg_state_describe(const struct pg_state *s, char *buf, size_t len)
{
    snprintf(buf, len, "S=%d IE=%d PG=%d ptb=0x%08x code@0x%08x data@0x%08x disk=%u", !!(s->status & SR_S),
             !!(s->status & SR_IE), !!(s->status & SR_PG), s->l1, s->frame[0], s->frame[1], s->disk_blocks);
}

/* The fields b differs from a in, into buf (which may be NULL); how many. */
static int state_differences(const struct pg_state *a, const struct pg_state *b, char *buf, size_t len)
{
    size_t n = 0;
    int count = 0;
    if (len)
        buf[0] = '\0';
#define ADD(...) (count++, n < len ? (void)(n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__)) : (void)0)
    static const struct {
        const char *name;
        uint32_t bit;
    } bits[] = {{"S", SR_S}, {"IE", SR_IE}, {"PG", SR_PG}};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if ((a->status ^ b->status) & bits[i].bit)
            ADD("%s%s %d/%d", n ? ", " : "", bits[i].name, !!(a->status & bits[i].bit), !!(b->status & bits[i].bit));
    if (a->l1 != b->l1)
        ADD("%sptb 0x%08x/0x%08x", n ? ", " : "", a->l1, b->l1);
    for (int i = 0; i < PG_VIEW_PAGES; i++)
        if (a->frame[i] != b->frame[i])
            ADD("%s%s page at physical 0x%08x/0x%08x", n ? ", " : "", i ? "data" : "code", a->frame[i], b->frame[i]);
    if (a->disk_blocks != b->disk_blocks)
        ADD("%sdisk blocks %u/%u", n ? ", " : "", a->disk_blocks, b->disk_blocks);
    if (a->disk_block != b->disk_block)
        ADD("%sdisk.block %u/%u", n ? ", " : "", a->disk_block, b->disk_block);
    if (a->disk_addr != b->disk_addr)
        ADD("%sdisk.addr 0x%08x/0x%08x", n ? ", " : "", a->disk_addr, b->disk_addr);
    if (a->disk_ctrl != b->disk_ctrl)
        ADD("%sdisk.ctrl %u/%u", n ? ", " : "", a->disk_ctrl, b->disk_ctrl);
#undef ADD
    return count;
}

void pg_state_differences(const struct pg_state *a, const struct pg_state *b, char *buf, size_t len)
{
    state_differences(a, b, buf, len);
}

void pg_insn_text(uint32_t word, char *buf, size_t len)
{
    struct isa_fields f;
    if (!isa_decode(word, &f)) {
        snprintf(buf, len, ".word 0x%08x", word);
        return;
    }
    const struct isa_insn *in = &isa_insns[f.op];
    const char *ra = isa_reg_name(f.ra), *rb = isa_reg_name(f.rb), *rc = isa_reg_name(f.rc);
    char imm[24];
    if (in->imm == IMM_CR)
        snprintf(imm, sizeof imm, "%s", isa_cr_name((unsigned)f.imm));
    else if (in->imm == IMM_PORT && isa_port_name((unsigned)f.imm))
        snprintf(imm, sizeof imm, "%s", isa_port_name((unsigned)f.imm));
    else
        snprintf(imm, sizeof imm, "%d", f.imm);
    switch (in->form) {
    case FORM_NONE: snprintf(buf, len, "%s", in->mnem); break;
    case FORM_R: snprintf(buf, len, "%s %s", in->mnem, ra); break;
    case FORM_RRR: snprintf(buf, len, "%s %s, %s, %s", in->mnem, ra, rb, rc); break;
    case FORM_RRI: snprintf(buf, len, "%s %s, %s, %s", in->mnem, ra, rb, imm); break;
    case FORM_RI: snprintf(buf, len, "%s %s, %s", in->mnem, ra, imm); break;
    case FORM_IR: snprintf(buf, len, "%s %s, %s", in->mnem, imm, ra); break;
    case FORM_MEM: snprintf(buf, len, "%s %s, %s(%s)", in->mnem, ra, imm, rb); break;
    case FORM_BR: snprintf(buf, len, "%s %s, %s, pc%+d", in->mnem, ra, rb, f.imm); break;
    case FORM_J: snprintf(buf, len, "%s %s, pc%+d", in->mnem, ra, f.imm); break;
    }
}
