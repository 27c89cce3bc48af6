/*
 * ref_guest.c - docs/isa.md section 14: the hardware guest mode's entry
 * and exit, its exit controls and the host's owned state.
 *
 * Entry (ref_run_guest):
 *   1. load the guest state: every control register but timer; not ptb
 *      if the host owns it; status but the owned bits (only PG may be);
 *   2. if the translation is not the one the last exit left - nested or
 *      not, another nested root, ptb or PG - empty the TLBs; entry drops
 *      the instruction TLB in any case, as a trap does;
 *   3. run as ref_run, with the control block's exit controls:
 *        1. a system instruction in supervisor mode whose bit is set in
 *           insn_exits, or that reads (mfcr, rdsr, rdptb) or writes (mtcr,
 *           wrsr) a control register whose bit is set, exits (EXIT_INSN)
 *           before it runs;
 *        2. so does one that would write owned state: any ptb write when
 *           ptb is owned, a status write whose owned bits differ from the
 *           guest's view;
 *        3. a cause in cause_exits exits instead of vectoring; such an
 *           interrupt whatever the guest's IE (ref_trap.c);
 *        4. with irq_window, the run exits as soon as IE is 1, before any
 *           interrupt is looked at (ref_machine.c);
 *   4. store the guest state back (not timer, not what is owned: there
 *      the control block keeps the guest's value, its read shadow).
 * Every return is one exit: GUEST_ENTRY_CYCLES + GUEST_EXIT_CYCLES,
 * counted apart from the guest's cycles.  Every exit, a spent budget's
 * too, drops the instruction TLB.  A run outside guest mode after a guest
 * with nested paging starts with empty TLBs (ref_machine.c).
 */
#include <string.h>

#include "ref_impl.h"

#define SR_DEFINED (SR_S | SR_IE | SR_PS | SR_PIE | SR_PG) /* bits 5-31 read as zero */

static uint32_t owned_status(const struct guest_control *gc) { return gc->status_owned & SR_PG; }

bool ref_cause_exits(const struct ref_machine *r, uint32_t code)
{
    if (!r->gc)
        return r->cfg.hosted;
    return code < 32 && (r->gc->cause_exits >> code & 1);
}

uint32_t ref_read_cr(struct ref_machine *r, enum cr cr)
{
    const struct guest_control *gc = r->gc;
    if (cr == CR_TIMER || !gc)
        return ref_get_cr(r, cr);
    if (cr == CR_PTB && gc->ptb_owned)
        return gc->cr[CR_PTB];
    if (cr == CR_STATUS) {
        uint32_t owned = r->cfg.inject & REF_INJECT_OWNED_PG_SEEN ? 0 : owned_status(gc);
        return (r->cpu.cr[CR_STATUS] & ~owned) | (gc->cr[CR_STATUS] & owned);
    }
    return r->cpu.cr[cr];
}

void ref_write_status(struct ref_machine *r, uint32_t v)
{
    uint32_t owned = r->gc ? owned_status(r->gc) : 0;
    ref_set_status(r, (v & ~owned) | (r->cpu.cr[CR_STATUS] & owned));
}

bool ref_guest_intercepts(struct ref_machine *r, const struct ref_insn *d)
{
    const struct guest_control *gc = r->gc;
    if (!gc || ref_user(r))
        return false;
    int reads = -1, writes = -1; /* the control register the instruction reads or writes */
    switch (d->op) {
    case OP_MFCR: reads = (int)d->imm; break;
    case OP_RDSR: reads = CR_STATUS; break;
    case OP_RDPTB: reads = CR_PTB; break;
    case OP_MTCR: writes = (int)d->imm; break;
    case OP_WRSR: writes = CR_STATUS; break;
    case OP_HALT: case OP_WFI: case OP_RFE: case OP_TLBFLUSH: case OP_TLBFLUSHV: case OP_IN: case OP_OUT:
        break;
    default:
        return false; /* not a system instruction: no control applies */
    }
    uint32_t value = d->ra ? r->cpu.r[d->ra] : 0;
    bool exits = guest_control_exits_on_insn(gc, d->op) || (reads >= 0 && (gc->cr_read_exits >> reads & 1)) ||
                 (writes >= 0 && (gc->cr_write_exits >> writes & 1)) ||
                 (writes == CR_PTB && gc->ptb_owned) ||
                 (writes == CR_STATUS && ((value ^ gc->cr[CR_STATUS]) & owned_status(gc)));
    if (!exits)
        return false;
    struct vm_exit *x = r->exit;
    x->insn = r->word;
    x->decoded = true;
    x->fields = (struct isa_fields){.op = d->op, .ra = (uint8_t)d->ra, .rb = (uint8_t)d->rb, .rc = (uint8_t)d->rc,
                                    .imm = (int32_t)d->imm};
    ref_stop(r, EXIT_INSN);
    return true;
}

static struct ref_context context_of(const struct guest_control *gc)
{
    return (struct ref_context){.nested = gc->nested, .nested_root = gc->nested ? gc->nested_root & ~PAGE_MASK : 0};
}

static bool same_context(const struct ref_context *a, const struct ref_context *b)
{
    return a->nested == b->nested && a->nested_root == b->nested_root;
}

static void enter(struct ref_machine *r, const struct guest_control *gc)
{
    uint32_t *cr = r->cpu.cr;
    for (int i = 0; i < NCRS; i++) {
        if (i == CR_TIMER || (i == CR_PTB && gc->ptb_owned))
            continue;
        if (i == CR_STATUS)
            cr[i] = (gc->cr[i] & SR_DEFINED & ~owned_status(gc)) | (cr[i] & owned_status(gc));
        else if (i == CR_PTB)
            cr[i] = gc->cr[i] & ~PAGE_MASK;
        else
            cr[i] = gc->cr[i];
    }
}

static void leave(const struct ref_machine *r, struct guest_control *gc)
{
    const uint32_t *cr = r->cpu.cr;
    for (int i = 0; i < NCRS; i++) {
        if (i == CR_TIMER || (i == CR_PTB && gc->ptb_owned))
            continue;
        if (i == CR_STATUS)
            gc->cr[i] = (cr[i] & ~owned_status(gc)) | (gc->cr[i] & owned_status(gc));
        else
            gc->cr[i] = cr[i];
    }
}

enum exit_reason ref_run_guest(struct ref_machine *r, struct guest_control *gc, uint64_t budget,
                               struct vm_exit *exit)
{
    struct vm_exit scratch;
    if (!exit)
        exit = &scratch;
    r->counts.guest_entries++;
    r->counts.guest_transition_cycles += GUEST_ENTRY_CYCLES;
    uint32_t ptb = r->cpu.cr[CR_PTB], pg = r->cpu.cr[CR_STATUS] & SR_PG;
    enter(r, gc);
    struct ref_context now = context_of(gc);
    if (!same_context(&now, &r->last) || r->cpu.cr[CR_PTB] != ptb || (r->cpu.cr[CR_STATUS] & SR_PG) != pg)
        ref_tlb_flush(r);
    r->last = now;
    ref_forget_itlb(r);

    r->gc = gc;
    ref_run(r, budget, exit);
    r->gc = NULL;

    ref_forget_itlb(r);
    leave(r, gc);
    r->counts.guest_exits++;
    r->counts.guest_transition_cycles += GUEST_EXIT_CYCLES;
    return exit->reason;
}

enum exit_reason ref_step_guest(struct ref_machine *r, struct guest_control *gc, struct vm_exit *exit,
                                struct ref_step *rec)
{
    memset(rec, 0, sizeof *rec);
    r->rec = rec;
    enum exit_reason why = ref_run_guest(r, gc, 1, exit);
    r->rec = NULL;
    return why;
}
