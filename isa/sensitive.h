/*
 * sensitive.h - what the sensitive instructions do (docs/isa.md sections 4
 * and 8), and the hardware's half of a trap (section 6), written once for
 * both of their executors: the bare machine (isa/system.c, isa/trap.c) and
 * the VMM's interpreter (vmm/interp.c, vmm/reflect.c), which applies them
 * to a virtual CPU.  (The reference CPU, isa/ref/, has its own on purpose:
 * it checks this.)
 *
 * An executor says where the state lives (struct sensitive_cpu) and what
 * the hardware's side effects mean to it (struct sensitive_hooks): a write
 * of ptb flushes the bare machine's TLB, and makes the VMM switch shadow
 * page tables.  The rules themselves - the masks, the timer register, the
 * order in which an instruction retires and acts - are here and nowhere
 * else.  Everything is inline: these run on the VMM's exit path.
 */
#ifndef VMLAB_SENSITIVE_H
#define VMLAB_SENSITIVE_H

#include "devices.h"

/* The instructions of sensitive_exec: the instruction table's sensitive
 * ones.  All trap in user mode on pg; on x86like rdsr, wrsr and rdptb run
 * in user mode too (docs/isa.md section 10). */
#define SENSITIVE_OPS(X)                                                       \
    X(HALT) X(WFI) X(RFE) X(MFCR) X(MTCR) X(TLBFLUSH) X(TLBFLUSHV) X(IN) X(OUT) \
    X(RDSR) X(WRSR) X(RDPTB)

static inline bool sensitive_op(enum op op)
{
    switch (op) {
#define X(name) case OP_##name:
        SENSITIVE_OPS(X)
#undef X
        return true;
    default:
        return false;
    }
}

/* What the hardware's side effects mean to an executor; ctx is
 * sensitive_cpu.ctx.  The register already holds its new value. */
struct sensitive_hooks {
    void (*status_written)(void *ctx, uint32_t old, uint32_t now); /* mtcr, wrsr, rfe */
    void (*ptb_written)(void *ctx);
    void (*tlb_flush)(void *ctx);                   /* tlbflush */
    void (*tlb_flush_page)(void *ctx, uint32_t va); /* tlbflushv */
};

/* The CPU a sensitive instruction runs on.  General registers and pc are
 * in *regs (r[NREGS] takes writes to r0); control registers, instret and
 * cycles in *ctl.  On the bare machine both are its one struct cpu_state.
 * Under the VMM, regs is the real CPU's (a VM's registers live there while
 * it runs) and ctl is the VM's own: the real control registers belong to
 * the VMM. */
struct sensitive_cpu {
    struct cpu_state *regs;
    struct cpu_state *ctl;
    struct devices *dev;   /* timer, console, disk */
    const struct dma *dma; /* how they reach memory (wfi lets the disk finish) */
    const struct sensitive_hooks *hooks;
    void *ctx;
};

/* How an instruction ended; the executor stops as it stops. */
enum sensitive_result {
    SENSITIVE_DONE,     /* retired; go on at regs->pc */
    SENSITIVE_HALT,     /* halt retired; the value is its register's */
    SENSITIVE_DEADLOCK, /* wfi retired, and no interrupt can ever come; pc is after it */
    SENSITIVE_STALLED,  /* the console's host has no input yet (CONSOLE_AGAIN): the
                         * instruction did nothing - it did not retire, time did not
                         * pass, pc is on it - and executing it again later ends as
                         * if the input had been there */
};

/* The internal error of an op that is not sensitive_op's (sensitive.c). */
_Noreturn void sensitive_no_semantics(enum op op);

/* Register ra as an operand (r0 reads as zero), and written (writes to r0
 * go to the sink, r[NREGS]). */
static inline uint32_t reg_get(const struct cpu_state *regs, unsigned ra) { return ra ? regs->r[ra] : 0; }
static inline void reg_set(struct cpu_state *regs, unsigned ra, uint32_t v) { regs->r[ra ? ra : NREGS] = v; }

static inline uint32_t sensitive_read_cr(const struct sensitive_cpu *c, enum cr cr)
{
    if (cr == CR_TIMER)
        return itimer_read(&c->dev->timer, c->ctl->cycles);
    return c->ctl->cr[cr];
}

/* Writing a control register, as mtcr does; wrsr and rfe write status the
 * same way. */
static inline void sensitive_write_cr(const struct sensitive_cpu *c, enum cr cr, uint32_t v)
{
    uint32_t *crs = c->ctl->cr;
    switch (cr) {
    case CR_STATUS: {
        uint32_t old = crs[CR_STATUS];
        crs[CR_STATUS] = v & SR_WRITABLE;
        c->hooks->status_written(c->ctx, old, crs[CR_STATUS]);
        break;
    }
    case CR_PTB:
        crs[CR_PTB] = v & ~PAGE_MASK;
        c->hooks->ptb_written(c->ctx);
        break;
    case CR_TIMER:
        /* Arms the timer v cycles from now, and acknowledges its
         * interrupt; the count lives in the device, not here. */
        itimer_write(&c->dev->timer, v, c->ctl->cycles);
        crs[CR_TIMER] = 0;
        break;
    default:
        crs[cr] = v;
        break;
    }
}

/* Whether op (imm: its port or control register) reaches a device -
 * may raise or acknowledge an interrupt, or move a device's next event -
 * in sensitive_exec below, stalled or not: what an executor that leaves
 * quiet devices unpolled until their next event must know.  (Changing
 * status.IE is not: with no interrupt pending it changes nothing.) */
static inline bool sensitive_touches_devices(enum op op, int32_t imm)
{
    return op == OP_IN || op == OP_OUT || op == OP_WFI || (op == OP_MTCR && imm == CR_TIMER);
}

/*
 * Execute sensitive instruction op (fields ra and imm) at regs->pc, its
 * privilege already checked by the executor.  *halt_value is set for
 * SENSITIVE_HALT only.
 */
static inline enum sensitive_result sensitive_exec(const struct sensitive_cpu *c, enum op op, unsigned ra,
                                                   int32_t imm, uint32_t *halt_value)
{
    struct cpu_state *regs = c->regs, *ctl = c->ctl;

    /* Input the program looks for and the host does not have yet: the
     * instruction waits, undone, for the executor to run it again. */
    if ((op == OP_IN && !devices_in_ready(c->dev, (unsigned)imm)) || (op == OP_WFI && !devices_wait_ready(c->dev)))
        return SENSITIVE_STALLED;

    /* It retires - instret and cycles advance - before its effect on the
     * timer or a device is computed. */
    ctl->instret++;
    ctl->cycles++;
    regs->pc += 4;

    switch (op) {
    case OP_HALT:
        *halt_value = reg_get(regs, ra);
        return SENSITIVE_HALT;
    case OP_WFI:
        /* Time runs on while the CPU idles: to the next event. */
        return devices_wait(c->dev, &ctl->cycles, c->dma) ? SENSITIVE_DONE : SENSITIVE_DEADLOCK;
    case OP_RFE:
        regs->pc = ctl->cr[CR_EPC];
        sensitive_write_cr(c, CR_STATUS, sr_after_rfe(ctl->cr[CR_STATUS]));
        break;
    case OP_MFCR:
        reg_set(regs, ra, sensitive_read_cr(c, (enum cr)imm));
        break;
    case OP_MTCR:
        sensitive_write_cr(c, (enum cr)imm, reg_get(regs, ra));
        break;
    case OP_TLBFLUSH:
        c->hooks->tlb_flush(c->ctx);
        break;
    case OP_TLBFLUSHV:
        c->hooks->tlb_flush_page(c->ctx, reg_get(regs, ra));
        break;
    case OP_IN:
        reg_set(regs, ra, devices_in(c->dev, (unsigned)imm));
        break;
    case OP_OUT:
        devices_out(c->dev, (unsigned)imm, reg_get(regs, ra), ctl->cycles);
        break;
    case OP_RDSR:
        reg_set(regs, ra, ctl->cr[CR_STATUS]);
        break;
    case OP_WRSR:
        /* x86like, user mode: like POPF at CPL 3, the write is silently
         * dropped for every system bit - which is all of them.  (On pg,
         * wrsr traps in user mode and never gets here.) */
        if (ctl->cr[CR_STATUS] & SR_S)
            sensitive_write_cr(c, CR_STATUS, reg_get(regs, ra));
        break;
    case OP_RDPTB:
        reg_set(regs, ra, ctl->cr[CR_PTB]);
        break;
    default:
        sensitive_no_semantics(op);
    }
    return SENSITIVE_DONE;
}

/*
 * The hardware's half of a trap taken at regs->pc (the handler at tvec does
 * the rest): epc, cause, badaddr, status as sr_after_trap says, pc = tvec.
 * False, touching nothing, for an exception the handler's own first
 * instruction raised in supervisor mode: it would be taken again forever
 * (a double fault; real machines give up too - x86 calls it a triple
 * fault).
 */
static inline bool trap_deliver(struct cpu_state *regs, struct cpu_state *ctl, uint32_t cause, uint32_t badaddr)
{
    uint32_t *cr = ctl->cr;
    if (CAUSE_CODE(cause) < CAUSE_FIRST_INTERRUPT && is_double_fault(cr[CR_STATUS], regs->pc, cr[CR_TVEC]))
        return false;
    cr[CR_EPC] = regs->pc;
    cr[CR_CAUSE] = cause;
    cr[CR_BADADDR] = badaddr;
    cr[CR_STATUS] = sr_after_trap(cr[CR_STATUS]);
    regs->pc = cr[CR_TVEC];
    return true;
}

#endif
