/*
 * ref_exec.c - docs/isa.md sections 4, 5 and 10: what each instruction
 * does, one at a time.
 *
 * The order of the checks is section 6's "which exception wins": the
 * fetch (misaligned pc, page fault, bus error), then a word that is not a
 * legal encoding (illegal in every mode), then a privileged instruction in
 * user mode, then the instruction's own exceptions (alignment before
 * translation for memory, a misaligned jalr target, a zero divisor).  An
 * instruction that raises one changes no register and no byte of memory,
 * and does not retire.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ref_impl.h"

static uint32_t get(const struct ref_machine *r, unsigned n) { return n == 0 ? 0 : r->cpu.r[n]; }

static void set(struct ref_machine *r, unsigned n, uint32_t v)
{
    if (n != 0)
        r->cpu.r[n] = v; /* writes to r0 are discarded */
}

static void retire(struct ref_machine *r)
{
    r->cpu.instret++;
    r->cpu.cycles++;
    if (r->attempt)
        r->attempt->retired = true;
}

/* Arithmetic shift right, spelled out: the vacated bits copy the sign. */
static uint32_t shift_right_arith(uint32_t x, unsigned s)
{
    if (s == 0)
        return x;
    uint32_t fill = (x & 0x80000000u) ? ~0u << (32 - s) : 0;
    return (x >> s) | fill;
}

static uint32_t sra(const struct ref_machine *r, uint32_t x, unsigned s)
{
    if (r->cfg.inject & REF_INJECT_SRA_LOGICAL)
        return x >> s;
    return shift_right_arith(x, s);
}

static int32_t as_signed(uint32_t x) { return x & 0x80000000u ? -(int32_t)(~x) - 1 : (int32_t)x; }

/* High 32 bits of the signed 64-bit product. */
static uint32_t mulh(uint32_t a, uint32_t b)
{
    int64_t p = (int64_t)as_signed(a) * (int64_t)as_signed(b);
    return (uint32_t)((uint64_t)p >> 32);
}

/* Signed division rounds toward zero; the remainder has the dividend's
 * sign; 0x80000000 / -1 = 0x80000000 and 0x80000000 rem -1 = 0. */
static uint32_t divs(uint32_t a, uint32_t b, bool want_rem)
{
    int32_t x = as_signed(a), y = as_signed(b);
    if (x == INT32_MIN && y == -1)
        return want_rem ? 0 : a;
    return (uint32_t)(want_rem ? x % y : x / y);
}

static bool branch_taken(enum op op, uint32_t a, uint32_t b)
{
    switch (op) {
    case OP_BEQ: return a == b;
    case OP_BNE: return a != b;
    case OP_BLT: return as_signed(a) < as_signed(b);
    case OP_BGE: return as_signed(a) >= as_signed(b);
    case OP_BLTU: return a < b;
    case OP_BGEU: return a >= b;
    default: return false;
    }
}

static unsigned access_size(enum op op)
{
    switch (op) {
    case OP_LW: case OP_SW: return 4;
    case OP_LH: case OP_LHU: case OP_SH: return 2;
    default: return 1;
    }
}

static uint32_t get_status(const struct ref_machine *r) { return r->cpu.cr[CR_STATUS]; }

/* The system instructions, once allowed to run: they retire first (so
 * mfcr timer sees the count after itself, and mtcr timer and out disk.cmd
 * start counting from their own cycle), and every one of them ends the
 * instruction TLB's translation. */
static void system_insn(struct ref_machine *r, const struct ref_insn *d)
{
    uint32_t next = r->cpu.pc + 4;
    retire(r);
    ref_forget_itlb(r);
    switch (d->op) {
    case OP_HALT:
        r->cpu.pc = next;
        r->exit->value = get(r, d->ra);
        ref_stop(r, EXIT_HALT);
        return;
    case OP_WFI:
        r->cpu.pc = next;
        if (!devices_wait(&r->dev, &r->cpu.cycles, &r->dma))
            ref_stop(r, EXIT_DEADLOCK);
        return;
    case OP_RFE: {
        uint32_t sr = get_status(r) & ~(SR_S | SR_IE);
        if (get_status(r) & SR_PS)
            sr |= SR_S;
        if (get_status(r) & SR_PIE)
            sr |= SR_IE;
        r->cpu.pc = r->cpu.cr[CR_EPC];
        ref_set_status(r, sr);
        return;
    }
    /* in guest mode, reads see the read shadows and status writes keep
     * the host's owned bits (ref_guest.c) */
    case OP_MFCR: set(r, d->ra, ref_read_cr(r, (enum cr)d->imm)); break;
    case OP_MTCR:
        if (d->imm == CR_STATUS)
            ref_write_status(r, get(r, d->ra));
        else
            ref_set_cr(r, (enum cr)d->imm, get(r, d->ra));
        break;
    case OP_TLBFLUSH: ref_tlb_flush(r); break;
    case OP_TLBFLUSHV: ref_tlb_flush_page(r, get(r, d->ra)); break;
    case OP_IN: set(r, d->ra, devices_in(&r->dev, d->imm)); break;
    case OP_OUT: devices_out(&r->dev, d->imm, get(r, d->ra), r->cpu.cycles); break;
    case OP_RDSR: set(r, d->ra, ref_read_cr(r, CR_STATUS)); break;
    case OP_WRSR:
        /* x86like lets it run in user mode, where it changes nothing */
        if (!ref_user(r))
            ref_write_status(r, get(r, d->ra));
        break;
    case OP_RDPTB: set(r, d->ra, ref_read_cr(r, CR_PTB)); break;
    default:
        fprintf(stderr, "vmlab: reference: %s is not a system instruction\n", isa_insns[d->op].mnem);
        abort();
    }
    r->cpu.pc = next;
}

void ref_execute(struct ref_machine *r)
{
    const uint32_t pc = r->cpu.pc;
    struct ref_step *s = r->rec;
    r->attempt = NULL;
    if (s && s->nattempts < REF_STEP_ATTEMPTS) {
        r->attempt = &s->attempt[s->nattempts++];
        *r->attempt = (struct ref_attempt){.pc = pc};
    }
    r->fetched = false;
    uint32_t word;
    if (!ref_fetch(r, pc, &word))
        return;
    r->word = word;
    r->fetched = true;
    if (r->attempt) {
        r->attempt->word = word;
        r->attempt->fetched = true;
    }

    struct ref_insn d;
    if (!ref_decode(word, &d)) {
        ref_exception(r, CAUSE_ILLEGAL, word, ACCESS_READ);
        return;
    }
    const struct isa_insn *in = &isa_insns[d.op];
    if (ref_user(r) && in->traps_in_user[r->cfg.isa]) {
        ref_exception(r, CAUSE_PRIV, word, ACCESS_READ);
        return;
    }
    if (in->sens != SENS_NONE && !in->traps_in_user[r->cfg.isa]) {
        r->seen.sensitive_unprivileged++;
        r->seen.sensitive_unprivileged_user += ref_user(r);
    }
    r->seen.hcall_supervisor += d.op == OP_HCALL && !ref_user(r);

    uint32_t a = get(r, d.rb), b = get(r, d.rc), imm = d.imm;
    uint32_t next = pc + 4;
    switch (d.op) {
    case OP_ADD: set(r, d.ra, a + b); break;
    case OP_SUB: set(r, d.ra, a - b); break;
    case OP_AND: set(r, d.ra, a & b); break;
    case OP_OR: set(r, d.ra, a | b); break;
    case OP_XOR: set(r, d.ra, a ^ b); break;
    case OP_SLL: set(r, d.ra, a << (b & 31)); break;
    case OP_SRL: set(r, d.ra, a >> (b & 31)); break;
    case OP_SRA: set(r, d.ra, sra(r, a, b & 31)); break;
    case OP_SLT: set(r, d.ra, as_signed(a) < as_signed(b)); break;
    case OP_SLTU: set(r, d.ra, a < b); break;
    case OP_MUL: set(r, d.ra, a * b); break;
    case OP_MULH: set(r, d.ra, mulh(a, b)); break;
    case OP_MULHU: set(r, d.ra, (uint32_t)(((uint64_t)a * b) >> 32)); break;
    case OP_DIV:
    case OP_DIVU:
    case OP_REM:
    case OP_REMU:
        if (b == 0) {
            ref_exception(r, CAUSE_DIV_ZERO, 0, ACCESS_READ);
            return;
        }
        if (d.op == OP_DIV)
            set(r, d.ra, divs(a, b, false));
        else if (d.op == OP_REM)
            set(r, d.ra, divs(a, b, true));
        else if (d.op == OP_DIVU)
            set(r, d.ra, a / b);
        else
            set(r, d.ra, a % b);
        break;

    case OP_ADDI: set(r, d.ra, a + imm); break;
    case OP_ANDI: set(r, d.ra, a & imm); break;
    case OP_ORI: set(r, d.ra, a | imm); break;
    case OP_XORI: set(r, d.ra, a ^ imm); break;
    case OP_SLLI: set(r, d.ra, a << imm); break;
    case OP_SRLI: set(r, d.ra, a >> imm); break;
    case OP_SRAI: set(r, d.ra, sra(r, a, imm)); break;
    case OP_SLTI: set(r, d.ra, as_signed(a) < as_signed(imm)); break;
    case OP_SLTIU: set(r, d.ra, a < imm); break;
    case OP_LUI: set(r, d.ra, imm << 16); break;

    case OP_LW:
    case OP_LH:
    case OP_LHU:
    case OP_LB:
    case OP_LBU: {
        uint32_t v;
        if (!ref_load(r, a + imm, access_size(d.op), &v))
            return;
        if (d.op == OP_LH && (v & 0x8000))
            v |= 0xffff0000u;
        if (d.op == OP_LB && (v & 0x80))
            v |= 0xffffff00u;
        set(r, d.ra, v);
        break;
    }
    case OP_SW:
    case OP_SH:
    case OP_SB:
        if (!ref_store(r, a + imm, access_size(d.op), get(r, d.ra)))
            return;
        break;

    case OP_BEQ:
    case OP_BNE:
    case OP_BLT:
    case OP_BGE:
    case OP_BLTU:
    case OP_BGEU:
        if (branch_taken(d.op, get(r, d.ra), get(r, d.rb)))
            next = pc + imm;
        break;
    case OP_JAL:
        set(r, d.ra, pc + 4);
        next = pc + imm;
        break;
    case OP_JALR: {
        uint32_t target = a + imm;
        if (target % 4 != 0) {
            /* the fault is the jalr's, reported as a fetch of the target */
            uint32_t cause = CAUSE_MISALIGNED | CAUSE_FETCH | (ref_user(r) ? CAUSE_USER : 0);
            ref_exception(r, cause, target, ACCESS_FETCH);
            return;
        }
        set(r, d.ra, pc + 4);
        next = target;
        break;
    }

    case OP_SYSCALL: ref_exception(r, CAUSE_SYSCALL, 0, ACCESS_READ); return;
    case OP_BREAK: ref_exception(r, CAUSE_BREAK, 0, ACCESS_READ); return;
    /* the word in badaddr: a handler finds the call's number and register there */
    case OP_HCALL: ref_exception(r, CAUSE_HYPERCALL, r->word, ACCESS_READ); return;

    case OP_HALT:
    case OP_WFI:
    case OP_RFE:
    case OP_MFCR:
    case OP_MTCR:
    case OP_TLBFLUSH:
    case OP_TLBFLUSHV:
    case OP_IN:
    case OP_OUT:
    case OP_RDSR:
    case OP_WRSR:
    case OP_RDPTB:
        if (ref_guest_intercepts(r, &d))
            return; /* the guest's host takes it, not run */
        system_insn(r, &d);
        return;

    default:
        fprintf(stderr, "vmlab: reference: %s has no semantics\n", in->mnem);
        abort();
    }
    retire(r);
    r->cpu.pc = next;
}
