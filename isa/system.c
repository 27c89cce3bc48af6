/*
 * system.c - the system instructions: everything the table marks as
 * sensitive.  They are rare, so they leave the hot loop and run here with
 * the CPU state written back to struct machine; each one ends the block,
 * because any of them may change what the loop caches (mode, paging, TLB,
 * interrupt state, device events).
 */
#include <stdio.h>
#include <stdlib.h>

#include "machine_impl.h"

bool system_exec(struct machine *m, const struct dinsn *d)
{
    struct cpu_state *c = &m->cpu;
    const struct isa_insn *in = &isa_insns[d->op];
    uint32_t *R = c->r;
    uint32_t next = c->pc + 4;

    mmu_forget_itlb(m); /* every system instruction: docs/isa.md section 7 */
    if (cpu_user(m) && in->traps_in_user[m->cfg.isa]) {
        uint32_t word = ld32(m->mem + ((uint32_t)m->exec_frame << PAGE_SHIFT) + (c->pc & PAGE_MASK));
        trap_raise(m, CAUSE_PRIV, word, ACCESS_READ);
        return false;
    }
    /* From here on the instruction retires. */
    c->instret++;
    c->cycles++;
    m->end_block = true;

    switch (d->op) {
    case OP_HALT:
        c->pc = next;
        m->exit->value = R[d->ra];
        machine_stop(m, EXIT_HALT);
        return false;
    case OP_WFI:
        c->pc = next;
        if (!devices_wait(&m->dev, &c->cycles, &m->dma)) {
            machine_stop(m, EXIT_DEADLOCK);
            return false;
        }
        return true;
    case OP_RFE:
        c->pc = c->cr[CR_EPC];
        machine_set_cr(m, CR_STATUS, sr_after_rfe(c->cr[CR_STATUS]));
        return true;
    case OP_MFCR:
        R[d->ra] = machine_get_cr(m, (enum cr)d->imm);
        break;
    case OP_MTCR:
        machine_set_cr(m, (enum cr)d->imm, R[d->ra]);
        break;
    case OP_TLBFLUSH:
        mmu_flush_all(m);
        break;
    case OP_TLBFLUSHV:
        mmu_flush_page(m, R[d->ra]);
        break;
    case OP_IN:
        R[d->ra] = devices_in(&m->dev, (unsigned)d->imm);
        break;
    case OP_OUT:
        devices_out(&m->dev, (unsigned)d->imm, R[d->ra], c->cycles);
        break;
    case OP_RDSR:
        R[d->ra] = c->cr[CR_STATUS];
        break;
    case OP_WRSR:
        /* x86like, user mode: like POPF at CPL 3, the write is silently
         * dropped for every system bit - which is all of them. */
        if (!cpu_user(m))
            machine_set_cr(m, CR_STATUS, R[d->ra]);
        break;
    case OP_RDPTB:
        R[d->ra] = c->cr[CR_PTB];
        break;
    default:
        fprintf(stderr, "vmlab: internal error: %s has no semantics\n", in->mnem);
        abort();
    }
    c->pc = next;
    return true;
}
