/*
 * ref_trap.c - docs/isa.md section 6: what the hardware does on a trap.
 *
 * Bare machine, exactly this and nothing more:
 *   1. epc = the faulting instruction (exceptions) or the next one to
 *      execute (interrupts);
 *   2. cause = the code and its detail bits;
 *   3. badaddr = the faulting address, the instruction word, or 0;
 *   4. PS = S, PIE = IE; then S = 1, IE = 0; PG unchanged;
 *   5. pc = tvec.
 * Except that an exception raised in supervisor mode by the instruction at
 * tvec (the handler's first) would repeat forever: the machine stops with
 * a double fault instead.
 *
 * Hosted machine (machine.h): nothing is delivered; the run stops with an
 * exit record describing the trap, and the host decides.
 *
 * Guest mode (section 14): the control block's cause_exits say which
 * causes exit; an interrupt whose cause exits is taken whatever the
 * guest's IE, the others only when IE is set.
 *
 * Either way a trap ends the instruction TLB's translation.
 */
#include "devices_impl.h"
#include "ref_impl.h"

void ref_stop(struct ref_machine *r, enum exit_reason why)
{
    r->exit->reason = why;
    r->exit->pc = r->cpu.pc;
    r->stop = true;
}

static void record(struct ref_machine *r, uint32_t cause, uint32_t epc, uint32_t badaddr)
{
    struct ref_step *s = r->rec;
    if (s && s->ntraps < REF_STEP_TRAPS)
        s->trap[s->ntraps++] = (struct ref_trap){.cause = cause, .epc = epc, .badaddr = badaddr};
}

static void deliver(struct ref_machine *r, uint32_t cause, uint32_t epc, uint32_t badaddr)
{
    uint32_t *cr = r->cpu.cr;
    uint32_t old = cr[CR_STATUS];
    uint32_t sr = old & SR_PG;
    sr |= SR_S;
    if (old & SR_S)
        sr |= SR_PS;
    if (old & SR_IE)
        sr |= SR_PIE;
    cr[CR_EPC] = epc;
    cr[CR_CAUSE] = cause;
    cr[CR_BADADDR] = badaddr;
    cr[CR_STATUS] = sr;
    r->cpu.pc = cr[CR_TVEC];
}

void ref_exception(struct ref_machine *r, uint32_t cause, uint32_t badaddr, enum access k)
{
    uint32_t epc = r->cpu.pc;
    if (r->cfg.inject & REF_INJECT_EPC_NEXT)
        epc += 4;
    record(r, cause, epc, badaddr);
    ref_forget_itlb(r);
    if (ref_cause_exits(r, CAUSE_CODE(cause))) {
        struct vm_exit *x = r->exit;
        x->cause = cause;
        x->addr = badaddr;
        x->access = k;
        x->insn = r->fetched ? r->word : 0;
        ref_stop(r, EXIT_TRAP);
        x->pc = epc;
        return;
    }
    bool supervisor = r->cpu.cr[CR_STATUS] & SR_S;
    if (supervisor && r->cpu.pc == r->cpu.cr[CR_TVEC]) {
        r->exit->cause = cause;
        r->exit->addr = badaddr;
        ref_stop(r, EXIT_DOUBLE_FAULT);
        return;
    }
    deliver(r, cause, epc, badaddr);
}

/* The interrupt to take now, or 0: the lowest code (timer, then console,
 * then disk) of those pending that IE allows or, in guest mode, that exit. */
static uint32_t interrupt_to_take(const struct ref_machine *r)
{
    bool ie = r->cpu.cr[CR_STATUS] & SR_IE;
    if (!r->gc)
        return ie ? devices_pending(&r->dev) : 0;
    const struct devices *dv = &r->dev;
    const bool pending[] = {dv->timer.pending, console_irq(&dv->con), disk_irq(&dv->disk)};
    const uint32_t code[] = {CAUSE_TIMER, CAUSE_CONSOLE, CAUSE_DISK};
    bool waits = r->cfg.inject & REF_INJECT_IRQ_EXIT_WAITS;
    for (int i = 0; i < 3; i++)
        if (pending[i] && (ie || (ref_cause_exits(r, code[i]) && !waits)))
            return code[i];
    return 0;
}

void ref_interrupt(struct ref_machine *r)
{
    uint32_t cause = interrupt_to_take(r);
    if (cause == 0)
        return;
    record(r, cause, r->cpu.pc, 0);
    ref_forget_itlb(r);
    if (ref_cause_exits(r, cause)) {
        r->exit->cause = cause;
        ref_stop(r, EXIT_INTERRUPT);
        return;
    }
    deliver(r, cause, r->cpu.pc, 0);
}
