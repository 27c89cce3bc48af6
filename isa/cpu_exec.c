/*
 * cpu_exec.c - the CPU's inner loop: the semantics of every instruction
 * that runs without leaving it.
 *
 * Speed comes from four things, each kept simple:
 *   - instructions are decoded once per physical frame into struct dinsn
 *     slots (mmu.c invalidates a frame when it is written);
 *   - every load and store first tries one TLB tag compare (machine_impl.h);
 *   - the loop never looks at the timer or devices: machine_run hands it
 *     the number of instructions until the next event;
 *   - pc lives as a pointer into the current page's slots; it is turned back
 *     into an address only when something needs it.
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
#include "machine_impl.h"

/* GCC merges the identical "goto *jump[...]" tails of every instruction
 * back into one shared jump (cross-jumping), which undoes threading. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-crossjumping")
#endif

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

void cpu_exec(struct machine *m, uint64_t n)
{
    struct cpu_state *c = &m->cpu;
    uint32_t *const R = c->r;
    const size_t user = (size_t)cpu_user(m); /* an index on every access: no widening each time */
    struct tlb_entry *const T = (c->cr[CR_STATUS] & SR_PG) ? m->tlb : m->ptlb;
    uint64_t left = n;  /* instructions this block may still retire */
    uint32_t pc = c->pc;
    uint32_t vpage = 0; /* virtual address of the page being executed */
    struct dinsn *dp = NULL, *ip = NULL;
    uint8_t *hpage = NULL;

    m->end_block = false;

/* The address of the instruction at ip. */
#define PC() (vpage + (uint32_t)((ip - dp) << 2))
/* Write the loop's state back before any slow path. */
#define SYNC()                                                                 \
    do {                                                                       \
        c->instret += n - left;                                                \
        c->cycles += n - left;                                                 \
        n = left;                                                              \
        c->pc = PC();                                                          \
    } while (0)
#define NEXT                                                                   \
    {                                                                          \
        ip++;                                                                  \
        left--;                                                                \
        DISPATCH();                                                            \
    }
/* Retire a control transfer to t, staying on this page if we can. */
#define JUMP(t)                                                                \
    {                                                                          \
        uint32_t t_ = (t);                                                     \
        left--;                                                                \
        if ((t_ & ~PAGE_MASK) == vpage) {                                      \
            ip = dp + ((t_ & PAGE_MASK) >> 2);                                 \
            DISPATCH();                                                        \
        }                                                                      \
        pc = t_;                                                               \
        goto newpage;                                                          \
    }
/* Host address of an access, or leave through the trap path. */
#define ADDR(h, a, size, kind)                                                 \
    do {                                                                       \
        struct tlb_entry *e_ = &T[((a) >> PAGE_SHIFT) & TLB_MASK];             \
        if (likely(e_->tag[user][kind] == ((a) & (~PAGE_MASK | ((size) - 1))))) \
            h = e_->host + ((a) & PAGE_MASK);                                  \
        else {                                                                 \
            SYNC();                                                            \
            h = mmu_access(m, (a), (size), (kind));                            \
            if (!h)                                                            \
                return;                                                        \
            if (unlikely(m->end_block))                                        \
                slow_ended = true;                                             \
        }                                                                      \
    } while (0)
#define LOAD(conv, size)                                                       \
    {                                                                          \
        uint32_t a = R[ip->rb] + (uint32_t)ip->imm;                            \
        uint8_t *h;                                                            \
        bool slow_ended = false;                                               \
        ADDR(h, a, size, ACCESS_READ);                                         \
        R[ip->ra] = conv;                                                      \
        if (unlikely(slow_ended))                                              \
            goto end_after;                                                    \
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
            goto end_after;                                                    \
        NEXT                                                                   \
    }
#define TRAP(cause, addr, kind)                                                \
    {                                                                          \
        SYNC();                                                                \
        trap_raise(m, (cause), (addr), (kind));                                \
        return;                                                                \
    }

/*
 * Dispatch: with GCC or Clang each instruction jumps straight to the next
 * one's code through a table of label addresses ("threaded code"), which
 * predicts better than one shared switch; elsewhere it is a plain switch.
 * CASE(X) labels the code of OP_X either way.
 */
#if defined(__GNUC__) && !defined(VMLAB_SWITCH_DISPATCH)
    static const void *const jump[256] = {
#define X(name, mnem, code, form, imm, dst, sens, pg, x86) [OP_##name] = &&L_##name,
        ISA_INSTRUCTIONS(X)
#undef X
        [OP_DECODE] = &&L_DECODE, [OP_PAGE_END] = &&L_PAGE_END, [OP_BAD] = &&L_BAD,
    };
#define CASE(name) case OP_##name: L_##name:
#define DISPATCH()                                                             \
    do {                                                                       \
        if (unlikely(left == 0))                                               \
            goto end;                                                          \
        goto *ip->h;                                                           \
    } while (0)
#define HANDLER(op) jump[op]
#else
#define CASE(name) case OP_##name:
#define DISPATCH() continue
#define HANDLER(op) NULL
    static const void *const *const jump = NULL;
#endif
    m->handlers = jump;

newpage:
    if (unlikely(left == 0)) {
        /* The next instruction is not this block's: not even its fetch,
         * which could walk, fault or be preceded by an interrupt. */
        c->instret += n - left;
        c->cycles += n - left;
        c->pc = pc;
        return;
    }
    /* Find the page to fetch from and the decoded slots of its frame. */
    {
        c->instret += n - left;
        c->cycles += n - left;
        n = left;
        c->pc = pc;
        hpage = fetch_page(m, T, user, pc);
        if (!hpage)
            return;
        if (m->end_block) /* the walker changed the state we cache */
            return;
        uint32_t frame = (uint32_t)((hpage - m->mem) >> PAGE_SHIFT);
        dp = mmu_code_frame(m, frame);
        m->exec_frame = frame;
        vpage = pc & ~PAGE_MASK;
        ip = dp + ((pc & PAGE_MASK) >> 2);
    }

    for (;;) {
        if (unlikely(left == 0))
            goto end;
    dispatch:
        switch (ip->op) {
        CASE(ADD) R[ip->ra] = R[ip->rb] + R[ip->rc]; NEXT
        CASE(SUB) R[ip->ra] = R[ip->rb] - R[ip->rc]; NEXT
        CASE(AND) R[ip->ra] = R[ip->rb] & R[ip->rc]; NEXT
        CASE(OR) R[ip->ra] = R[ip->rb] | R[ip->rc]; NEXT
        CASE(XOR) R[ip->ra] = R[ip->rb] ^ R[ip->rc]; NEXT
        CASE(SLL) R[ip->ra] = R[ip->rb] << (R[ip->rc] & 31); NEXT
        CASE(SRL) R[ip->ra] = R[ip->rb] >> (R[ip->rc] & 31); NEXT
        CASE(SRA) R[ip->ra] = (uint32_t)((int32_t)R[ip->rb] >> (R[ip->rc] & 31)); NEXT
        CASE(SLT) R[ip->ra] = (int32_t)R[ip->rb] < (int32_t)R[ip->rc]; NEXT
        CASE(SLTU) R[ip->ra] = R[ip->rb] < R[ip->rc]; NEXT
        CASE(MUL) R[ip->ra] = R[ip->rb] * R[ip->rc]; NEXT
        CASE(MULH)
            R[ip->ra] = (uint32_t)((uint64_t)((int64_t)(int32_t)R[ip->rb] * (int32_t)R[ip->rc]) >> 32);
            NEXT
        CASE(MULHU) R[ip->ra] = (uint32_t)(((uint64_t)R[ip->rb] * R[ip->rc]) >> 32); NEXT
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
            R[ip->ra] = (uint32_t)(ip->op == OP_DIV ? q : r);
            NEXT
        }
        CASE(DIVU)
        CASE(REMU) {
            uint32_t a = R[ip->rb], b = R[ip->rc];
            if (b == 0)
                TRAP(CAUSE_DIV_ZERO, 0, ACCESS_READ);
            R[ip->ra] = ip->op == OP_DIVU ? a / b : a % b;
            NEXT
        }

        CASE(ADDI) R[ip->ra] = R[ip->rb] + (uint32_t)ip->imm; NEXT
        CASE(ANDI) R[ip->ra] = R[ip->rb] & (uint32_t)ip->imm; NEXT
        CASE(ORI) R[ip->ra] = R[ip->rb] | (uint32_t)ip->imm; NEXT
        CASE(XORI) R[ip->ra] = R[ip->rb] ^ (uint32_t)ip->imm; NEXT
        CASE(SLLI) R[ip->ra] = R[ip->rb] << ip->imm; NEXT
        CASE(SRLI) R[ip->ra] = R[ip->rb] >> ip->imm; NEXT
        CASE(SRAI) R[ip->ra] = (uint32_t)((int32_t)R[ip->rb] >> ip->imm); NEXT
        CASE(SLTI) R[ip->ra] = (int32_t)R[ip->rb] < ip->imm; NEXT
        CASE(SLTIU) R[ip->ra] = R[ip->rb] < (uint32_t)ip->imm; NEXT
        CASE(LUI) R[ip->ra] = (uint32_t)ip->imm << 16; NEXT

        CASE(LW) LOAD(ld32(h), 4)
        CASE(LH) LOAD((uint32_t)(int32_t)(int16_t)ld16(h), 2)
        CASE(LHU) LOAD(ld16(h), 2)
        CASE(LB) LOAD((uint32_t)(int32_t)(int8_t)*h, 1)
        CASE(LBU) LOAD(*h, 1)
        CASE(SW) STORE(st32(h, R[ip->ra]), 4)
        CASE(SH) STORE(st16(h, (uint16_t)R[ip->ra]), 2)
        CASE(SB) STORE(*h = (uint8_t)R[ip->ra], 1)

        CASE(BEQ) if (R[ip->ra] == R[ip->rb]) JUMP(PC() + (uint32_t)ip->imm) NEXT
        CASE(BNE) if (R[ip->ra] != R[ip->rb]) JUMP(PC() + (uint32_t)ip->imm) NEXT
        CASE(BLT) if ((int32_t)R[ip->ra] < (int32_t)R[ip->rb]) JUMP(PC() + (uint32_t)ip->imm) NEXT
        CASE(BGE) if ((int32_t)R[ip->ra] >= (int32_t)R[ip->rb]) JUMP(PC() + (uint32_t)ip->imm) NEXT
        CASE(BLTU) if (R[ip->ra] < R[ip->rb]) JUMP(PC() + (uint32_t)ip->imm) NEXT
        CASE(BGEU) if (R[ip->ra] >= R[ip->rb]) JUMP(PC() + (uint32_t)ip->imm) NEXT
        CASE(JAL) {
            uint32_t here = PC();
            R[ip->ra] = here + 4;
            JUMP(here + (uint32_t)ip->imm)
        }
        CASE(JALR) {
            uint32_t t = R[ip->rb] + (uint32_t)ip->imm;
            if (t & 3)
                TRAP(CAUSE_MISALIGNED | CAUSE_FETCH | (user ? CAUSE_USER : 0), t, ACCESS_FETCH);
            R[ip->ra] = PC() + 4;
            JUMP(t)
        }

        CASE(SYSCALL) TRAP(CAUSE_SYSCALL, 0, ACCESS_READ);
        CASE(BREAK) TRAP(CAUSE_BREAK, 0, ACCESS_READ);

        CASE(DECODE) {
            /* First execution of this slot since its frame was written. */
            uint32_t word = ld32(hpage + ((ip - dp) << 2));
            struct isa_fields f;
            if (!isa_decode(word, &f)) {
                *ip = (struct dinsn){.op = OP_BAD, .h = HANDLER(OP_BAD)};
            } else {
                const struct isa_insn *in = &isa_insns[f.op];
                *ip = (struct dinsn){.h = HANDLER(f.op),
                                     .op = (uint8_t)f.op,
                                     .ra = (uint8_t)(in->dst && f.ra == 0 ? NREGS : f.ra),
                                     .rb = f.rb,
                                     .rc = f.rc,
                                     .imm = f.imm};
            }
            goto dispatch;
        }
        CASE(PAGE_END)
            pc = vpage + PAGE_SIZE;
            goto newpage;
        CASE(BAD)
            TRAP(CAUSE_ILLEGAL, ld32(hpage + ((ip - dp) << 2)), ACCESS_READ);

        CASE(HALT) CASE(WFI) CASE(RFE) CASE(MFCR) CASE(MTCR) CASE(TLBFLUSH)
        CASE(TLBFLUSHV) CASE(IN) CASE(OUT) CASE(RDSR) CASE(WRSR) CASE(RDPTB)
            /* A system instruction: it runs outside the loop and ends the
             * block, retiring itself unless it traps. */
            SYNC();
            system_exec(m, ip);
            return;
        }
    }

end_after: /* a slow path changed cached state; the instruction at ip retired */
    ip++;
    left--;
end:
    SYNC();
#undef PC
#undef SYNC
#undef NEXT
#undef JUMP
#undef ADDR
#undef LOAD
#undef STORE
#undef TRAP
#undef CASE
#undef DISPATCH
#undef HANDLER
}
