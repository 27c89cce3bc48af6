/*
 * system.c - the system instructions: everything the table marks as
 * sensitive.  They are rare, so they leave the hot loop and run here with
 * the CPU state written back to struct machine; each one ends the block,
 * because any of them may change what the loop caches (mode, paging, TLB,
 * interrupt state, device events).  What each one does is sensitive.h's,
 * shared with the VMM's interpreter; here is what it means to this
 * machine: the privilege check, the silent log of those that pass it in
 * user mode, and the TLB behind status and ptb.  The
 * host's machine_get_cr and machine_set_cr follow the same rule.
 */
#include "machine_impl.h"
#include "sensitive.h"

/* Paging turned on or off: every translation the TLB holds is stale.  (A
 * change of mode is not: each entry holds a tag per mode.) */
static void status_written(void *ctx, uint32_t old, uint32_t now)
{
    struct machine *m = ctx;
    if (m->guest && m->guest->status_owned) {
        /* The guest wrote its owned bits as it reads them (else the write
         * exited): the CPU keeps the host's. */
        uint32_t owned = m->guest->status_owned & SR_PG;
        now = m->cpu.cr[CR_STATUS] = (now & ~owned) | (old & owned);
    }
    if ((old ^ now) & SR_PG)
        mmu_flush_all(m);
}

static void ptb_written(void *ctx) { mmu_ptb_written(ctx); }
static void tlb_flush(void *ctx) { mmu_flush_all(ctx); }
static void tlb_flush_page(void *ctx, uint32_t va) { mmu_flush_page(ctx, va); }

static const struct sensitive_hooks bare_hooks = {
    .status_written = status_written,
    .ptb_written = ptb_written,
    .tlb_flush = tlb_flush,
    .tlb_flush_page = tlb_flush_page,
};

static inline struct sensitive_cpu bare_cpu(struct machine *m)
{
    return (struct sensitive_cpu){
        .regs = &m->cpu, .ctl = &m->cpu, .dev = &m->dev, .dma = &m->dma, .hooks = &bare_hooks, .ctx = m};
}

/* The host's door to the control registers: the rule of mfcr and mtcr. */
uint32_t machine_get_cr(struct machine *m, enum cr cr)
{
    struct sensitive_cpu c = bare_cpu(m);
    return sensitive_read_cr(&c, cr);
}

void machine_set_cr(struct machine *m, enum cr cr, uint32_t v)
{
    struct sensitive_cpu c = bare_cpu(m);
    sensitive_write_cr(&c, cr, v);
    mmu_forget_itlb(m); /* as the mtcr it stands for would */
    m->end_block = true;
    m->dev_quiet = false;
}

/* The exit record's copy of a decoded instruction: isa_decode's fields,
 * ra as the word has it (the decoder sends writes to r0 to the sink). */
static void exit_fields(struct vm_exit *x, const struct dinsn *d)
{
    x->decoded = true;
    x->fields = (struct isa_fields){
        .op = (enum op)d->op, .ra = d->ra == NREGS ? 0 : d->ra, .rb = d->rb, .rc = d->rc, .imm = d->imm};
}

/* The control register an instruction reads or writes, or -1. */
static int cr_read_by(const struct dinsn *d)
{
    switch (d->op) {
    case OP_MFCR: return d->imm;
    case OP_RDSR: return CR_STATUS;
    case OP_RDPTB: return CR_PTB;
    default: return -1;
    }
}
static int cr_written_by(const struct dinsn *d)
{
    switch (d->op) {
    case OP_MTCR: return d->imm;
    case OP_WRSR: return CR_STATUS;
    default: return -1;
    }
}

/* Guest mode, supervisor: whether the control block makes this
 * instruction exit before it runs (docs/isa.md section 14). */
static bool guest_intercepts(const struct machine *m, const struct dinsn *d)
{
    const struct guest_control *gc = m->guest;
    if (guest_control_exits_on_insn(gc, (enum op)d->op))
        return true;
    int rd = cr_read_by(d), wr = cr_written_by(d);
    if (rd >= 0 && rd < 32 && (gc->cr_read_exits >> rd & 1))
        return true;
    if (wr >= 0 && wr < 32 && (gc->cr_write_exits >> wr & 1))
        return true;
    if (wr == CR_PTB && gc->ptb_owned)
        return true;
    uint32_t owned = gc->status_owned & SR_PG;
    return wr == CR_STATUS && (reg_get(&m->cpu, d->ra) & owned) != (gc->cr[CR_STATUS] & owned);
}

/* Guest mode: what the guest reads of owned state is its own (the
 * control block's), not the CPU's. */
static void guest_read_shadows(struct machine *m, const struct dinsn *d)
{
    const struct guest_control *gc = m->guest;
    int rd = cr_read_by(d);
    uint32_t owned = gc->status_owned & SR_PG;
    if (rd == CR_STATUS && owned)
        m->cpu.r[d->ra] = (m->cpu.r[d->ra] & ~owned) | (gc->cr[CR_STATUS] & owned);
    else if (rd == CR_PTB && gc->ptb_owned)
        m->cpu.r[d->ra] = gc->cr[CR_PTB];
}

static inline struct silent_log *silent_log_of(struct machine *m) { return m->silent ? m->silent : &m->silent_own; }

bool system_exec(struct machine *m, const struct dinsn *d)
{
    struct cpu_state *c = &m->cpu;

    mmu_forget_itlb(m); /* every system instruction: docs/isa.md section 7 */
    if (cpu_user(m)) {
        if (isa_insns[d->op].traps_in_user[m->cfg.isa]) {
            uint32_t word = ld32(m->mem + ((uint32_t)m->exec_frame << PAGE_SHIFT) + (c->pc & PAGE_MASK));
            trap_raise(m, CAUSE_PRIV, word, ACCESS_READ);
            if (m->stop && m->exit->reason == EXIT_TRAP)
                exit_fields(m->exit, d);
            return false;
        }
        /* Sensitive, in user mode, and it runs: the program is not
         * stopped to be told the truth - x86like's rdsr, wrsr and rdptb.
         * Recorded here, before it runs, so that supervisor mode, the
         * common case, carries nothing across it. */
        if (isa_insns[d->op].sens != SENS_NONE)
            silent_log_record(silent_log_of(m), c->pc, (enum op)d->op);
    } else if (m->guest && guest_intercepts(m, d)) {
        m->exit->insn = ld32(m->mem + ((uint32_t)m->exec_frame << PAGE_SHIFT) + (c->pc & PAGE_MASK));
        exit_fields(m->exit, d);
        machine_stop(m, EXIT_INSN);
        return false;
    }
    m->end_block = true;
    if (sensitive_touches_devices((enum op)d->op, d->imm))
        m->dev_quiet = false;
    struct sensitive_cpu s = bare_cpu(m);
    switch (sensitive_exec(&s, (enum op)d->op, d->ra, d->imm, &m->exit->value)) {
    case SENSITIVE_DONE:
        if (m->guest) {
            guest_read_shadows(m, d);
            if (m->guest->irq_window && (c->cr[CR_STATUS] & SR_IE)) {
                machine_stop(m, EXIT_IRQ_WINDOW);
                return false;
            }
        }
        return true;
    case SENSITIVE_HALT:
        machine_stop(m, EXIT_HALT);
        break;
    case SENSITIVE_DEADLOCK:
        machine_stop(m, EXIT_DEADLOCK);
        break;
    case SENSITIVE_STALLED:
        /* It did not run after all, and changed nothing - mode, pc - so
         * the same test finds the record to take back: it runs later. */
        if (cpu_user(m) && isa_insns[d->op].sens != SENS_NONE)
            silent_log_unrecord(silent_log_of(m), c->pc, (enum op)d->op);
        machine_stop(m, EXIT_INPUT_WAIT);
        break;
    }
    return false;
}
