/*
 * trap.c - how the hardware delivers exceptions and interrupts.
 *
 * A cause the exit controls leave inside (every cause, on a bare machine):
 * save state in epc/cause/badaddr/status and jump to tvec.  A cause they
 * send out (every cause, on the VMM's machine): deliver nothing; stop and
 * describe the event in the exit record, so the host decides what the
 * guest sees.
 */
#include "machine_impl.h"
#include "sensitive.h"

void machine_stop(struct machine *m, enum exit_reason reason)
{
    m->exit->reason = reason;
    m->exit->pc = m->cpu.pc;
    m->stop = true;
    m->end_block = true;
}

/* The hardware's half of a trap (sensitive.h); the kernel's handler at
 * tvec does the rest.  A double fault stops the machine. */
static void deliver(struct machine *m, uint32_t cause, uint32_t badaddr)
{
    if (!trap_deliver(&m->cpu, &m->cpu, cause, badaddr)) {
        m->exit->cause = cause;
        m->exit->addr = badaddr;
        machine_stop(m, EXIT_DOUBLE_FAULT);
        return;
    }
    m->traps_taken++;
    m->traps_by_cause[CAUSE_CODE(cause) & 31]++;
    m->end_block = true;
}

void trap_raise(struct machine *m, uint32_t cause, uint32_t addr, enum access access)
{
    mmu_forget_itlb(m);
    if (!(machine_exits(m) & EXIT_ON(CAUSE_CODE(cause)))) {
        deliver(m, cause, addr);
        return;
    }
    struct vm_exit *x = m->exit;
    x->cause = cause;
    x->addr = addr;
    x->access = access;
    /* The instruction word, so the VMM can decode what trapped.  The CPU
     * is still executing from the page of pc unless the fetch failed. */
    bool fetched = !((cause & CAUSE_FETCH) && addr == m->cpu.pc); /* a misaligned jalr was fetched */
    x->insn = !fetched ? 0 : ld32(m->mem + ((uint32_t)m->exec_frame << PAGE_SHIFT) + (m->cpu.pc & PAGE_MASK));
    machine_stop(m, EXIT_TRAP);
}

/* In guest mode an interrupt that exits is the host's: taken whatever
 * the guest's IE (docs/isa.md section 14). */
bool trap_take_interrupt(struct machine *m)
{
    uint32_t cause;
    if (m->cpu.cr[CR_STATUS] & SR_IE) {
        cause = machine_pending_interrupt(m);
    } else if (m->guest) {
        uint32_t host = devices_pending_mask(&m->dev) & machine_exits(m);
        cause = host ? (uint32_t)__builtin_ctz(host) : 0; /* the lowest code wins, as always */
    } else {
        return false;
    }
    if (!cause)
        return false;
    bool exits = machine_exits(m) & EXIT_ON(CAUSE_CODE(cause));
    mmu_forget_itlb(m);
    if (exits) {
        m->exit->cause = cause;
        machine_stop(m, EXIT_INTERRUPT);
    } else {
        deliver(m, cause, 0);
    }
    return true;
}
