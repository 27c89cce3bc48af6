/*
 * cpu_exec.c - the CPU's inner loop: the semantics of every instruction
 * that runs without leaving it.
 *
 * Speed comes from a few things, each kept simple (docs/performance.md,
 * section 3, measures each):
 *   - instructions are decoded once per physical frame into struct dinsn
 *     slots (mmu.c invalidates a frame when it is written), a straight line
 *     at a time (decode_run);
 *   - each slot holds the address of the code that runs it, so dispatch is
 *     "ip++; goto *ip->h" (threaded code; a plain switch elsewhere);
 *   - the budget is charged a straight line ("run") at a time, not per
 *     instruction: entering a run charges every instruction up to its
 *     control transfer.  Where the budget ends inside a run, a stop is
 *     planted in the slot where it ends and removed when reached or when
 *     anything leaves the loop, so instret stays exact (plant_stop).
 *     Mid-run, the instructions charged but not retired are exactly
 *     ip->run, which is how every exit counts instret;
 *   - a branch or jal to its own page jumps to the target slot, found at
 *     decode, with a handler of its own; the pc is rebuilt only when
 *     something needs it;
 *   - superinstructions (superinsn.h) run the most frequent pairs and
 *     triples with one dispatch;
 *   - an ALU instruction whose destination is its first source has a
 *     handler of its own that updates the register in place;
 *   - with -DVMLAB_FORWARD only, an instruction reading the register the
 *     one before it wrote takes the value from a host local (off by
 *     default: the FNV loop gains, the guest OS's own mix does not);
 *   - every load and store first tries one TLB tag compare and adds the
 *     entry's addend (machine_impl.h);
 *   - the loop never looks at the timer or devices: machine_run hands it
 *     the number of instructions until the next event.
 * Anything unusual (a TLB miss, a trap, a system instruction) writes the
 * state back to struct machine and calls a slow path.
 *
 * The CPU keeps the translation of the page it executes from (an
 * instruction TLB of one entry, m->itlb) until execution leaves that page,
 * a trap is taken, or a system instruction runs (docs/isa.md, "Paging"):
 * not until this function returns, which it does at every device event and
 * budget, so the translation lives in struct machine.  And a block ends at
 * an instruction boundary, before the next instruction's fetch: an
 * interrupt may come first.
 */
#include <stddef.h>

#include "machine_impl.h"
#include "superinsn.h"

/* GCC merges the identical "goto *ip->h" tails of every instruction back
 * into one shared jump (cross-jumping), which undoes threading. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-crossjumping")
#endif

/* The control transfers whose target decode found in their own page. */
#define NEAR_TRANSFERS(Z) Z(BEQ) Z(BNE) Z(BLT) Z(BGE) Z(BLTU) Z(BGEU) Z(JAL)
/* The operations with a form of their own for ra == rb (add r5, r5, r6):
 * the host then updates R[ra] in place, one load and one store fewer. */
#define TWO_OPERAND(W)                                                         \
    W(ADD) W(SUB) W(AND) W(OR) W(XOR) W(SLL) W(SRL) W(SRA) W(MUL)              \
    W(ADDI) W(ANDI) W(ORI) W(XORI) W(SLLI) W(SRLI) W(SRAI)
/* The forwarded forms, built with -DVMLAB_FORWARD (make check-forward):
 * every register write also leaves the value in the host local t, and an
 * instruction whose source is the register its straight-line predecessor
 * wrote reads t, not R[] (a load forwarded from a store costs a few cycles
 * on the dependency chain).  By operand: the first source (the TWO_OPERAND
 * ops), the second (their register forms), a load's base, a store's value.
 * Off by default: the FNV loop runs in 0.9 of the time, the guest OS's own
 * mix no faster (docs/performance.md, section 3). */
#ifdef VMLAB_FORWARD
enum { FORWARD = 1 };
#else
enum { FORWARD = 0 };
#endif
#define FWD_SRC2(W) W(ADD) W(SUB) W(AND) W(OR) W(XOR) W(SLL) W(SRL) W(SRA) W(MUL)
#define FWD_BASE(W) W(LW) W(LH) W(LHU) W(LB) W(LBU)
#define FWD_VAL(W) W(SW) W(SH) W(SB)

/* The ops of the near transfers and the superinstructions, after the
 * internal ones. */
enum {
    OP_SUPER_BEFORE = OP_FIRST_SUPER - 1,
#define Z(name) OP_##name##_NEAR,
    NEAR_TRANSFERS(Z)
#undef Z
#define W(name) OP_##name##_2,
    TWO_OPERAND(W)
#undef W
#define W(name) OP_##name##_F1,
    TWO_OPERAND(W)
#undef W
#define W(name) OP_##name##_F2,
    FWD_SRC2(W)
#undef W
#define W(name) OP_##name##_FB,
    FWD_BASE(W)
#undef W
#define W(name) OP_##name##_FV,
    FWD_VAL(W)
#undef W
#define X(name, a, b) OP_##name,
    SUPERINSN_PAIRS(X)
#undef X
#define Y(name, a, b, c) OP_##name,
    SUPERINSN_TRIPLES(Y)
#undef Y
    OP_XCOUNT
};
_Static_assert(OP_XCOUNT <= 256, "xop is a byte");

/* The table lists control transfers, then the trap and system
 * instructions, last: from OP_BEQ on, an instruction ends a run. */
_Static_assert(OP_SW < OP_BEQ && OP_BEQ < OP_JAL && OP_JALR < OP_SYSCALL && OP_SYSCALL < OP_HALT &&
                   OP_RDPTB == OP_COUNT - 1,
               "ends_run relies on the table's order");
static bool ends_run(unsigned op) { return op >= OP_BEQ; }

/* Only a superinstruction's last part may end a run (superinsn.h). */
#define X(name, a, b) _Static_assert(OP_##a < OP_BEQ, #name ": only the last part may end a run");
SUPERINSN_PAIRS(X)
#undef X
#define Y(name, a, b, c)                                                       \
    _Static_assert(OP_##a < OP_BEQ && OP_##b < OP_BEQ, #name ": only the last part may end a run");
SUPERINSN_TRIPLES(Y)
#undef Y

/* The host address of the page holding pc, to fetch from: the instruction
 * TLB's frame if it holds pc's page, else pc translated (the TLB's fast
 * tag, or the MMU, which may trap: NULL) and kept in the instruction TLB.
 * Out of line: the hot loop's registers are worth more than a call per
 * page change. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static uint8_t *fetch_page(struct machine *m, const struct tlb_entry *T, size_t user, uint32_t pc)
{
    uint32_t vpage = pc & ~PAGE_MASK;
    if (m->itlb.valid && m->itlb.vpage == vpage && !(pc & 3))
        return m->mem + m->itlb.frame;
    const struct tlb_entry *e = &T[(pc >> PAGE_SHIFT) & TLB_MASK];
    uint8_t *h;
    if (likely(e->tag[user][ACCESS_FETCH] == (pc & (~PAGE_MASK | 3)))) {
        h = e->host;
    } else {
        h = mmu_access(m, pc, 4, ACCESS_FETCH);
        if (!h)
            return NULL;
        h -= pc & PAGE_MASK;
    }
    m->itlb = (struct itlb_entry){.valid = true, .vpage = vpage, .frame = (uint32_t)(h - m->mem)};
    return h;
}

static void set_xop(struct dinsn *d, unsigned xop, const void *const *handlers)
{
    d->xop = (uint8_t)xop;
    d->h = handlers ? handlers[xop] : NULL;
}

static void decode_slot(struct dinsn *d, uint32_t word)
{
    struct isa_fields f;
    if (!isa_decode(word, &f)) {
        *d = (struct dinsn){.op = OP_BAD, .near_target = d->near_target};
        return;
    }
    const struct isa_insn *in = &isa_insns[f.op];
    *d = (struct dinsn){.op = (uint8_t)f.op,
                        .ra = (uint8_t)(in->dst && f.ra == 0 ? NREGS : f.ra),
                        .rb = f.rb,
                        .rc = f.rc,
                        .imm = f.imm,
                        .near_target = d->near_target};
}

/* The superinstruction starting at d, or d->op: the longest that matches,
 * within the page (the slot past its end is OP_PAGE_END, which matches
 * nothing). */
static bool transfers(unsigned op) { return op >= OP_BEQ && op <= OP_JAL; }

/* Can d be a superinstruction's last part?  A control transfer only if
 * near: the superinstructions have no code for the far case. */
static bool last_part_ok(const struct dinsn *d) { return !transfers(d->op) || d->target != NULL; }

/* The forwarded form of d, if its predecessor in the page falls through to
 * it writing a register d reads (which that register is: *fwd), else 0. */
static unsigned forwarded(const struct dinsn *d, const struct dinsn *dp, uint8_t *fwd)
{
    if (d == dp || d->near_target || ends_run(d[-1].op) || !isa_insns[d[-1].op].dst)
        return 0;
    unsigned w = d[-1].ra; /* NREGS for r0, which nothing reads */
    *fwd = (uint8_t)w;
    switch (d->op) {
#define W(name) case OP_##name: if (d->rb == w) return OP_##name##_F1; break;
    TWO_OPERAND(W)
#undef W
    }
    switch (d->op) {
#define W(name) case OP_##name: if (d->rc == w) return OP_##name##_F2; break;
    FWD_SRC2(W)
#undef W
#define W(name) case OP_##name: if (d->rb == w) return OP_##name##_FB; break;
    FWD_BASE(W)
#undef W
#define W(name) case OP_##name: if (d->ra == w) return OP_##name##_FV; break;
    FWD_VAL(W)
#undef W
    }
    return 0;
}

static unsigned fuse(const struct dinsn *d, const struct dinsn *dp, const struct dinsn *page_end, unsigned *span,
                     uint8_t *fwd)
{
    *span = 1;
    *fwd = d->rb; /* any register will do: the plain forms read R[] */
    if (transfers(d->op) && d->target) {
        switch (d->op) {
#define Z(name) case OP_##name: return OP_##name##_NEAR;
        NEAR_TRANSFERS(Z)
#undef Z
        }
    }
    if (ends_run(d->op) || d + 1 >= page_end)
        return d->op;
    if (!ends_run(d[1].op) && d + 2 < page_end && last_part_ok(&d[2])) {
#define Y(name, a, b, c)                                                       \
        if (d[0].op == OP_##a && d[1].op == OP_##b && d[2].op == OP_##c)      \
            return *span = 3, OP_##name;
        SUPERINSN_TRIPLES(Y)
#undef Y
    }
    if (last_part_ok(&d[1])) {
#define X(name, a, b)                                                          \
        if (d[0].op == OP_##a && d[1].op == OP_##b)                            \
            return *span = 2, OP_##name;
        SUPERINSN_PAIRS(X)
#undef X
    }
    uint8_t w = 0;
    unsigned f = FORWARD ? forwarded(d, dp, &w) : 0;
    if (f) {
        *fwd = w;
        return f;
    }
    if (d->ra == d->rb) {
        switch (d->op) {
#define W(name) case OP_##name: return OP_##name##_2;
        TWO_OPERAND(W)
#undef W
        }
    }
    return d->op;
}

/*
 * Decode the straight line from slot first (not decoded yet) on: up to
 * and including the instruction that ends it, or up to a slot decoded
 * before (whose run is known), or the page's end.  So a decoded slot that
 * falls through always has a decoded successor, and its run is its
 * successor's plus one.  Then the branch targets in the page and the
 * superinstructions.  Out of line: it runs once per run per frame.
 */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void decode_run(struct dinsn *dp, struct dinsn *first, const uint8_t *hpage, const void *const *handlers)
{
    struct dinsn *const page_end = dp + DPAGE_SLOTS - 1;
    struct dinsn *last = first;
    for (;;) {
        decode_slot(last, ld32(hpage + ((last - dp) << 2)));
        if (ends_run(last->op) || last[1].op != OP_DECODE)
            break;
        last++;
    }
    for (struct dinsn *d = last; d >= first; d--) {
        d->run = (uint16_t)(ends_run(d->op) ? 1 : d[1].run + 1);
        if (d->op >= OP_BEQ && d->op <= OP_JAL) {
            int64_t off = (int64_t)((d - dp) << 2) + d->imm;
            if (off >= 0 && off < PAGE_SIZE && !(off & 3)) {
                struct dinsn *x = d->target = dp + (off >> 2);
                if (FORWARD && !x->near_target) {
                    /* Near entries do not reload the forwarded value: a
                     * forwarded form decoded there before goes. */
                    x->near_target = 1;
                    if (x->xop >= OP_ADD_F1 && x->xop <= OP_SB_FV) {
                        unsigned span;
                        uint8_t fwd;
                        set_xop(x, fuse(x, dp, page_end, &span, &fwd), handlers);
                        x->fwd = fwd;
                    }
                }
            }
        }
    }
    for (struct dinsn *d = first; d <= last; d++) {
        unsigned span;
        uint8_t fwd;
        set_xop(d, fuse(d, dp, page_end, &span, &fwd), handlers);
        d->span = (uint8_t)span;
        d->fwd = fwd;
    }
}

void cpu_exec(struct machine *m, uint64_t budget)
{
    struct cpu_state *c = &m->cpu;
    uint32_t *const R = c->r;
    const size_t user = (size_t)cpu_user(m); /* an index on every access: no widening each time */
    struct tlb_entry *const T = (c->cr[CR_STATUS] & SR_PG) ? m->tlb : m->ptlb;
    /* This mode's row of tags in the first entry: the others are
     * sizeof *T apart. */
    const char *const tags = (const char *)T + (user ? offsetof(struct tlb_entry, tag[1])
                                                     : offsetof(struct tlb_entry, tag[0]));
    /* n: the instructions left at the last sync (instret and cycles were
     * brought up to date then).  left: n minus what has been charged
     * since, whole runs at a time; negative while a stop is planted. */
    int64_t n = budget > INT32_MAX ? INT32_MAX : (int64_t)budget; /* machine_run comes back for more */
    int64_t left = n;
    uint32_t pc = c->pc;
    uint32_t vpage = 0; /* virtual address of the page being executed */
    struct dinsn *dp = NULL, *ip = NULL;
    uint8_t *hpage = NULL;
#ifdef VMLAB_FORWARD
    uint32_t t = 0; /* the last register written (forwarded forms) */
#endif
    /* The slots plant_stop changed, to put back: the stop's and those of
     * the superinstructions that cover it. */
    struct {
        struct dinsn *d;
        uint8_t xop;
    } planted[3];
    int nplanted = 0;

    m->end_block = false;

/* The address of the instruction at ip. */
#define PC() (vpage + (uint32_t)((ip - dp) << 2))
/* Put back what plant_stop changed. */
#define UNPLANT()                                                              \
    while (nplanted) {                                                         \
        nplanted--;                                                            \
        set_xop(planted[nplanted].d, planted[nplanted].xop, HANDLERS);        \
    }
/* Write the loop's state back before any slow path: the instruction at ip
 * has not retired, nor the rest of its run, ip->run in all. */
#define SYNC()                                                                 \
    do {                                                                       \
        int64_t a_ = left + ip->run;                                           \
        c->instret += (uint64_t)(n - a_);                                      \
        c->cycles += (uint64_t)(n - a_);                                       \
        n = left = a_;                                                         \
        c->pc = PC();                                                          \
        UNPLANT();                                                             \
    } while (0)
/* ip is the first slot of a run: charge the run, planting a stop where
 * the budget ends if it ends inside. */
#define ENTER_NEAR()                                                           \
    do {                                                                       \
        left -= ip->run;                                                       \
        if (unlikely(left < 0))                                                \
            goto plant;                                                        \
        DISPATCH();                                                            \
    } while (0)
/* The same from anywhere decode cannot see (a page change, a decode, a
 * jalr): the forwarded value reloaded.  A near transfer's target and the
 * slot after a branch have no forwarded form: ENTER_NEAR. */
#define ENTER()                                                                \
    do {                                                                       \
        LOAD_T();                                                              \
        ENTER_NEAR();                                                          \
    } while (0)
#define NEXT                                                                   \
    {                                                                          \
        ip++;                                                                  \
        DISPATCH();                                                            \
    }
/* A control transfer to the slot decode found, else to address far.
 * (Redefined below for the near transfers, which have a target.) */
#define TRANSFER(far)                                                          \
    {                                                                          \
        if (likely(ip->target != NULL)) {                                      \
            ip = ip->target;                                                   \
            ENTER_NEAR();                                                      \
        }                                                                      \
        pc = (far);                                                            \
        goto newpage;                                                          \
    }
/* A conditional branch: its run ends here, taken or not. */
#define BRANCH(cond)                                                           \
    {                                                                          \
        if (cond)                                                              \
            TRANSFER(PC() + (uint32_t)ip->imm)                                 \
        ip++;                                                                  \
        ENTER_NEAR();                                                          \
    }
/* Host address of an access, or leave through the trap path.  After a
 * slow path the loop goes on only if nothing it caches changed and the
 * budget covers the rest of the run; else the block ends after this
 * instruction (slow_ended). */
#define ADDR(h, a, size, kind)                                                 \
    do {                                                                       \
        /* the entry's byte offset: one shift and one mask */                 \
        size_t o_ = ((a) >> (PAGE_SHIFT - TLB_ENTRY_SHIFT)) & (TLB_MASK << TLB_ENTRY_SHIFT); \
        const uint32_t *tag_ = (const uint32_t *)(tags + o_) + (kind);         \
        if (likely(*tag_ == ((a) & (~PAGE_MASK | ((size) - 1)))))              \
            h = (uint8_t *)(((const struct tlb_entry *)((const char *)T + o_))->addend + (a)); \
        else {                                                                 \
            SYNC();                                                            \
            h = mmu_access(m, (a), (size), (kind));                            \
            if (!h)                                                            \
                return;                                                        \
            if (unlikely(m->end_block) || n < ip->run)                         \
                slow_ended = true;                                             \
            else                                                               \
                left = n - ip->run;                                            \
        }                                                                      \
    } while (0)
#define END_AFTER()                                                            \
    {                                                                          \
        c->instret++;                                                          \
        c->cycles++;                                                           \
        c->pc += 4;                                                            \
        return;                                                                \
    }
#define LOAD(conv, size)                                                       \
    {                                                                          \
        uint32_t a = BASE + (uint32_t)ip->imm;                                 \
        uint8_t *h;                                                            \
        bool slow_ended = false;                                               \
        ADDR(h, a, size, ACCESS_READ);                                         \
        SET(conv);                                                             \
        if (unlikely(slow_ended))                                              \
            END_AFTER()                                                        \
        NEXT                                                                   \
    }
#define STORE(put, size)                                                       \
    {                                                                          \
        uint32_t a = R[ip->rb] + (uint32_t)ip->imm;                            \
        uint8_t *h;                                                            \
        bool slow_ended = false;                                               \
        ADDR(h, a, size, ACCESS_WRITE);                                        \
        put;                                                                   \
        if (unlikely(slow_ended))                                              \
            END_AFTER()                                                        \
        NEXT                                                                   \
    }
#define TRAP(cause, addr, kind)                                                \
    {                                                                          \
        SYNC();                                                                \
        trap_raise(m, (cause), (addr), (kind));                                \
        return;                                                                \
    }

/* Each instruction's code, from its operands to the next dispatch: one
 * place for the plain handlers, the two-operand and forwarded forms and the
 * superinstructions alike.  SRC1 and SRC2 are an operation's sources, BASE
 * a load's base, VAL a store's value; SET writes the destination, and t. */
#define SRC1 R[ip->rb]
#define SRC2 R[ip->rc]
#define BASE R[ip->rb]
#define VAL R[ip->ra]
#ifdef VMLAB_FORWARD
#define SET(v) (R[ip->ra] = t = (v))
#define LOAD_T() (t = R[ip->fwd])
#else
#define SET(v) (R[ip->ra] = (v))
#define LOAD_T() ((void)0)
#endif
#define I_ADD SET(SRC1 + SRC2); NEXT
#define I_SUB SET(SRC1 - SRC2); NEXT
#define I_AND SET(SRC1 & SRC2); NEXT
#define I_OR SET(SRC1 | SRC2); NEXT
#define I_XOR SET(SRC1 ^ SRC2); NEXT
#define I_SLL SET(SRC1 << (SRC2 & 31)); NEXT
#define I_SRL SET(SRC1 >> (SRC2 & 31)); NEXT
#define I_SRA SET((uint32_t)((int32_t)SRC1 >> (SRC2 & 31))); NEXT
#define I_SLT SET((int32_t)SRC1 < (int32_t)SRC2); NEXT
#define I_SLTU SET(SRC1 < SRC2); NEXT
#define I_MUL SET(SRC1 * SRC2); NEXT
#define I_MULH                                                                 \
    SET((uint32_t)((uint64_t)((int64_t)(int32_t)R[ip->rb] * (int32_t)R[ip->rc]) >> 32)); NEXT
#define I_MULHU SET((uint32_t)(((uint64_t)SRC1 * SRC2) >> 32)); NEXT
#define I_ADDI SET(SRC1 + (uint32_t)ip->imm); NEXT
#define I_ANDI SET(SRC1 & (uint32_t)ip->imm); NEXT
#define I_ORI SET(SRC1 | (uint32_t)ip->imm); NEXT
#define I_XORI SET(SRC1 ^ (uint32_t)ip->imm); NEXT
#define I_SLLI SET(SRC1 << ip->imm); NEXT
#define I_SRLI SET(SRC1 >> ip->imm); NEXT
#define I_SRAI SET((uint32_t)((int32_t)SRC1 >> ip->imm)); NEXT
#define I_SLTI SET((int32_t)SRC1 < ip->imm); NEXT
#define I_SLTIU SET(SRC1 < (uint32_t)ip->imm); NEXT
#define I_LUI SET((uint32_t)ip->imm << 16); NEXT
#define I_LW LOAD(ld32(h), 4)
#define I_LH LOAD((uint32_t)(int32_t)(int16_t)ld16(h), 2)
#define I_LHU LOAD(ld16(h), 2)
#define I_LB LOAD((uint32_t)(int32_t)(int8_t)*h, 1)
#define I_LBU LOAD(*h, 1)
#define I_SW STORE(st32(h, VAL), 4)
#define I_SH STORE(st16(h, (uint16_t)VAL), 2)
#define I_SB STORE(*h = (uint8_t)VAL, 1)
#define I_BEQ BRANCH(R[ip->ra] == R[ip->rb])
#define I_BNE BRANCH(R[ip->ra] != R[ip->rb])
#define I_BLT BRANCH((int32_t)R[ip->ra] < (int32_t)R[ip->rb])
#define I_BGE BRANCH((int32_t)R[ip->ra] >= (int32_t)R[ip->rb])
#define I_BLTU BRANCH(R[ip->ra] < R[ip->rb])
#define I_BGEU BRANCH(R[ip->ra] >= R[ip->rb])
#define I_JAL                                                                  \
    {                                                                          \
        uint32_t here = PC();                                                  \
        SET(here + 4);                                                         \
        TRANSFER(here + (uint32_t)ip->imm)                                     \
    }
#define I_JALR                                                                 \
    {                                                                          \
        uint32_t to = R[ip->rb] + (uint32_t)ip->imm;                           \
        if (to & 3)                                                            \
            TRAP(CAUSE_MISALIGNED | CAUSE_FETCH | (user ? CAUSE_USER : 0), to, ACCESS_FETCH); \
        SET(PC() + 4);                                                         \
        if ((to & ~PAGE_MASK) == vpage) {                                      \
            ip = dp + ((to & PAGE_MASK) >> 2);                                 \
            ENTER();                                                           \
        }                                                                      \
        pc = to;                                                               \
        goto newpage;                                                          \
    }

/*
 * Dispatch: with GCC or Clang each instruction jumps straight to the next
 * one's code through the label address in its slot ("threaded code"),
 * which predicts better than one shared switch; elsewhere it is a plain
 * switch on xop.  CASE(X) labels the code of OP_X either way.
 */
#if defined(__GNUC__) && !defined(VMLAB_SWITCH_DISPATCH)
    static const void *const jump[256] = {
#define X(name, mnem, code, form, imm, dst, sens, pg, x86) [OP_##name] = &&L_##name,
        ISA_INSTRUCTIONS(X)
#undef X
        [OP_DECODE] = &&L_DECODE, [OP_PAGE_END] = &&L_PAGE_END, [OP_BAD] = &&L_BAD, [OP_STOP] = &&L_STOP,
#define Z(name) [OP_##name##_NEAR] = &&L_##name##_NEAR,
        NEAR_TRANSFERS(Z)
#undef Z
#define W(name) [OP_##name##_2] = &&L_##name##_2,
        TWO_OPERAND(W)
#undef W
#ifdef VMLAB_FORWARD
#define W(name) [OP_##name##_F1] = &&L_##name##_F1,
        TWO_OPERAND(W)
#undef W
#define W(name) [OP_##name##_F2] = &&L_##name##_F2,
        FWD_SRC2(W)
#undef W
#define W(name) [OP_##name##_FB] = &&L_##name##_FB,
        FWD_BASE(W)
#undef W
#define W(name) [OP_##name##_FV] = &&L_##name##_FV,
        FWD_VAL(W)
#undef W
#endif
#define X(name, a, b) [OP_##name] = &&L_##name,
        SUPERINSN_PAIRS(X)
#undef X
#define Y(name, a, b, c) [OP_##name] = &&L_##name,
        SUPERINSN_TRIPLES(Y)
#undef Y
    };
#define CASE(name) case OP_##name: L_##name:
#define DISPATCH() goto *ip->h
#define HANDLERS jump
#else
#define CASE(name) case OP_##name:
#define DISPATCH() goto dispatch
#define HANDLERS NULL
#endif
    m->handlers = HANDLERS;

newpage:
    /* Between runs: left is exact. */
    c->instret += (uint64_t)(n - left);
    c->cycles += (uint64_t)(n - left);
    n = left;
    c->pc = pc;
    /* The next instruction is not this block's: not even its fetch, which
     * could walk, fault or be preceded by an interrupt. */
    if (unlikely(left == 0))
        return;
    /* Find the page to fetch from and the decoded slots of its frame. */
    hpage = fetch_page(m, T, user, pc);
    if (!hpage)
        return;
    if (m->end_block) /* the walker changed the state we cache */
        return;
    {
        uint32_t frame = (uint32_t)((hpage - m->mem) >> PAGE_SHIFT);
        dp = mmu_code_frame(m, frame);
        m->exec_frame = frame;
        vpage = pc & ~PAGE_MASK;
        ip = dp + ((pc & PAGE_MASK) >> 2);
    }
    ENTER();

plant: {
    /* The budget ends inside the run ip starts: a stop where it ends, and
     * the superinstructions that would run past it split for the moment
     * (the stop's slot is one of their later parts). */
    struct dinsn *s = ip + (left + ip->run);
    planted[0].d = s;
    planted[0].xop = s->xop;
    nplanted = 1;
    set_xop(s, OP_STOP, HANDLERS);
    for (int k = 1; k <= 2 && s - dp >= k; k++) {
        if (s[-k].span > k) {
            planted[nplanted].d = s - k;
            planted[nplanted].xop = s[-k].xop;
            nplanted++;
            set_xop(s - k, s[-k].op, HANDLERS);
        }
    }
    DISPATCH();
}

    for (;;) {
#if defined(__GNUC__)
    dispatch: __attribute__((unused)); /* threaded code never comes back here */
#else
    dispatch:
#endif
        switch (ip->xop) {
        CASE(ADD) I_ADD
        CASE(SUB) I_SUB
        CASE(AND) I_AND
        CASE(OR) I_OR
        CASE(XOR) I_XOR
        CASE(SLL) I_SLL
        CASE(SRL) I_SRL
        CASE(SRA) I_SRA
        CASE(SLT) I_SLT
        CASE(SLTU) I_SLTU
        CASE(MUL) I_MUL
        CASE(MULH) I_MULH
        CASE(MULHU) I_MULHU
        CASE(DIV)
        CASE(REM) {
            int32_t a = (int32_t)R[ip->rb], b = (int32_t)R[ip->rc];
            if (b == 0)
                TRAP(CAUSE_DIV_ZERO, 0, ACCESS_READ);
            int32_t q, r;
            if (a == INT32_MIN && b == -1)
                q = INT32_MIN, r = 0; /* the one quotient that overflows */
            else
                q = a / b, r = a % b;
            SET((uint32_t)(ip->op == OP_DIV ? q : r));
            NEXT
        }
        CASE(DIVU)
        CASE(REMU) {
            uint32_t a = R[ip->rb], b = R[ip->rc];
            if (b == 0)
                TRAP(CAUSE_DIV_ZERO, 0, ACCESS_READ);
            SET(ip->op == OP_DIVU ? a / b : a % b);
            NEXT
        }

        CASE(ADDI) I_ADDI
        CASE(ANDI) I_ANDI
        CASE(ORI) I_ORI
        CASE(XORI) I_XORI
        CASE(SLLI) I_SLLI
        CASE(SRLI) I_SRLI
        CASE(SRAI) I_SRAI
        CASE(SLTI) I_SLTI
        CASE(SLTIU) I_SLTIU
        CASE(LUI) I_LUI

        CASE(LW) I_LW
        CASE(LH) I_LH
        CASE(LHU) I_LHU
        CASE(LB) I_LB
        CASE(LBU) I_LBU
        CASE(SW) I_SW
        CASE(SH) I_SH
        CASE(SB) I_SB

        CASE(BEQ) I_BEQ
        CASE(BNE) I_BNE
        CASE(BLT) I_BLT
        CASE(BGE) I_BGE
        CASE(BLTU) I_BLTU
        CASE(BGEU) I_BGEU
        CASE(JAL) I_JAL
        CASE(JALR) I_JALR

        CASE(SYSCALL) TRAP(CAUSE_SYSCALL, 0, ACCESS_READ);
        CASE(BREAK) TRAP(CAUSE_BREAK, 0, ACCESS_READ);
        CASE(HCALL) TRAP(CAUSE_HYPERCALL, ld32(hpage + ((ip - dp) << 2)), ACCESS_READ);

        CASE(DECODE)
            /* First execution of this slot since its frame was written:
             * its run was charged as empty; now charge it. */
            decode_run(dp, ip, hpage, HANDLERS);
            ENTER();
        CASE(PAGE_END)
            pc = vpage + PAGE_SIZE;
            goto newpage;
        CASE(BAD)
            TRAP(CAUSE_ILLEGAL, ld32(hpage + ((ip - dp) << 2)), ACCESS_READ);
        CASE(STOP)
            /* The budget ends here: left + ip->run is 0. */
            SYNC();
            return;

        CASE(HALT) CASE(WFI) CASE(RFE) CASE(MFCR) CASE(MTCR) CASE(TLBFLUSH)
        CASE(TLBFLUSHV) CASE(IN) CASE(OUT) CASE(RDSR) CASE(WRSR) CASE(RDPTB)
            /* A system instruction: it runs outside the loop and ends the
             * block, retiring itself unless it traps. */
            SYNC();
            system_exec(m, ip);
            return;

/* The near transfers: the target is known to be in the page. */
#undef TRANSFER
#define TRANSFER(far)                                                          \
    {                                                                          \
        ip = ip->target;                                                       \
        ENTER_NEAR();                                                          \
    }
#define Z(name) CASE(name##_NEAR) I_##name
        NEAR_TRANSFERS(Z)
#undef Z

/* The two-operand forms. */
#undef SRC1
#define SRC1 R[ip->ra]
#define W(name) CASE(name##_2) I_##name
        TWO_OPERAND(W)
#undef W
#undef SRC1

/* The forwarded forms: an operand from t.  Only with the switch: their
 * dead code costs clang's build host instructions elsewhere. */
#define SRC1 R[ip->rb]
#ifdef VMLAB_FORWARD
#undef SRC1
#define SRC1 t
#define W(name) CASE(name##_F1) I_##name
        TWO_OPERAND(W)
#undef W
#undef SRC1
#define SRC1 R[ip->rb]
#undef SRC2
#define SRC2 t
#define W(name) CASE(name##_F2) I_##name
        FWD_SRC2(W)
#undef W
#undef SRC2
#define SRC2 R[ip->rc]
#undef BASE
#define BASE t
#define W(name) CASE(name##_FB) I_##name
        FWD_BASE(W)
#undef W
#undef BASE
#define BASE R[ip->rb]
#undef VAL
#define VAL t
#define W(name) CASE(name##_FV) I_##name
        FWD_VAL(W)
#undef W
#undef VAL
#define VAL R[ip->ra]
#endif

/* The superinstructions: the parts' code one after the other, each part
 * but the last stepping ip on without a dispatch; a transfer, last, is
 * near (fuse). */
#undef NEXT
#define NEXT ip++;
#define X(name, a, b) CASE(name) I_##a I_##b DISPATCH();
        SUPERINSN_PAIRS(X)
#undef X
#define Y(name, a, b, c) CASE(name) I_##a I_##b I_##c DISPATCH();
        SUPERINSN_TRIPLES(Y)
#undef Y
        }
    }
#undef PC
#undef UNPLANT
#undef SYNC
#undef ENTER
#undef ENTER_NEAR
#undef NEXT
#undef BRANCH
#undef TRANSFER
#undef SRC1
#undef SRC2
#undef BASE
#undef VAL
#undef SET
#undef LOAD_T
#undef ADDR
#undef END_AFTER
#undef LOAD
#undef STORE
#undef TRAP
#undef CASE
#undef DISPATCH
#undef HANDLERS
}
