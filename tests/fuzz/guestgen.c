/*
 * guestgen.c - see guestgen.h.
 *
 * Registers the generated code keeps for itself: tp counts traps, gp
 * counts interrupts, s0 points into the data frames and s1 at the page
 * tables.  Random operations write only ra, t0-t2 and a0-a5, so loads and
 * stores through s0 and s1 land where the generator meant them to, while
 * loads, stores and jumps through other registers go anywhere.
 */
#include "guestgen.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "elf_write.h"
#include "hypercalls.h"

/* The layout of guestgen.h. */
#define TEXT 0x1000u
#define TEXT_END 0x7000u
#define BODY 0x1f00u /* the body starts near a page's end: most bodies cross into the next */
#define HANDLER 0x7000u
#define PT 0x8000u
#define ROOT_A 0x8000u
#define ROOT_B 0x9000u
#define L2_K 0xa000u
#define L2_D 0xb000u
#define L2_E 0xc000u
#define L2_X 0xd000u
#define PT_END 0xe000u
#define DATA 0x10000u
#define NDATA 16u
/* op_hcall's mmu_update batches (batches()): in the handler's page, after
 * its code */
#define GEN_BATCHES (HANDLER + 0x800u)
#define GEN_NBATCHES 4u

enum { R_RA = 1, R_GP = 3, R_TP = 4, R_T0 = 5, R_S0 = 8, R_S1 = 9, R_A0 = 10 };
static const uint8_t dst_regs[] = {1, 5, 6, 7, 10, 11, 12, 13, 14, 15};

/* The fuzzer's bytes, read front to back; zeros once they run out. */
struct input {
    const uint8_t *p;
    size_t len, pos;
};

static uint32_t byte(struct input *in) { return in->pos < in->len ? in->p[in->pos++] : 0; }
static uint32_t word(struct input *in)
{
    uint32_t w = 0;
    for (int i = 0; i < 4; i++)
        w |= byte(in) << (8 * i);
    return w;
}
static bool exhausted(const struct input *in) { return in->pos >= in->len; }

/* Words of a region, emitted in order from its base address. */
struct code {
    uint32_t base, end; /* [base, end) */
    uint32_t *w;
    size_t n;
};

static uint32_t here(const struct code *c) { return c->base + 4u * (uint32_t)c->n; }
static bool room(const struct code *c, unsigned words) { return here(c) + 4u * words <= c->end; }

static void put(struct code *c, uint32_t w)
{
    if (here(c) < c->end)
        c->w[c->n++] = w;
}

/* One instruction from the table; immediates are masked to their field
 * by isa_encode, so any value the generator picks encodes. */
static void ins(struct code *c, enum op op, unsigned ra, unsigned rb, unsigned rc, int32_t imm)
{
    struct isa_fields f = {.op = op, .ra = (uint8_t)ra, .rb = (uint8_t)rb, .rc = (uint8_t)rc, .imm = imm};
    put(c, isa_encode(&f));
}

static void li(struct code *c, unsigned rd, uint32_t v)
{
    ins(c, OP_LUI, rd, 0, 0, (int32_t)(v >> 16));
    ins(c, OP_ORI, rd, rd, 0, (int32_t)(v & 0xffffu));
}

/* Values that sit on the edges the machine and the VMM care about. */
static const uint32_t interesting[] = {
    0,          1,          2,           3,           4,          0xfff,       0x1000,     0xffc,
    0xffd,      0xffe,      0x7fff,      0x8000,      0xffff,     0x10000,     0x7fffffff, 0x80000000u,
    0xffffffffu, 0xfffffffcu, GEN_DATA_VA, GEN_DATA_VA + 0xfff, DATA, PT, HANDLER, GEN_MEM,
    GEN_MEM - 4, GEN_MEM - 512, ROOT_B,   L2_D,       0x00401000, 0x12345678, 0x40000000, 31,
};
#define NINTERESTING (sizeof interesting / sizeof interesting[0])

static uint32_t value(struct input *in)
{
    uint32_t b = byte(in);
    if (b < 128)
        return interesting[b % NINTERESTING];
    if (b < 192)
        return word(in);
    return (uint32_t)(int32_t)(int8_t)byte(in);
}

static const int32_t offsets[] = {0, 1, 2, 3, 4, 8, 0xffc, 0xffd, 0xffe, 0xfff, 0x1000, 0x1ffe,
                                  -1, -2, -4, 0x7ffc, -0x8000, 0x3ffc, 0x2000, 0x7fff};
#define NOFFSETS (sizeof offsets / sizeof offsets[0])

static int32_t offset(struct input *in)
{
    uint32_t b = byte(in);
    if (b < 200)
        return offsets[b % NOFFSETS];
    return (int32_t)(int16_t)(byte(in) | byte(in) << 8);
}

static unsigned any_reg(struct input *in) { return byte(in) & 15; }
static unsigned dst_reg(struct input *in) { return dst_regs[byte(in) % sizeof dst_regs]; }

/* A base register for a memory access: mostly s0, sometimes s1 or any. */
static unsigned base_reg(struct input *in)
{
    uint32_t b = byte(in);
    return b < 180 ? R_S0 : b < 200 ? R_S1 : b & 15;
}

static const enum op alu_ops[] = {OP_ADD, OP_SUB,  OP_AND,  OP_OR,   OP_XOR,  OP_SLL,  OP_SRL,  OP_SRA,
                                  OP_SLT, OP_SLTU, OP_MUL,  OP_MULH, OP_MULHU, OP_DIV, OP_DIVU, OP_REM,
                                  OP_REMU, OP_ADDI, OP_ANDI, OP_ORI, OP_XORI, OP_SLLI, OP_SRLI, OP_SRAI,
                                  OP_SLTI, OP_SLTIU, OP_LUI};
static const enum op load_ops[] = {OP_LW, OP_LH, OP_LHU, OP_LB, OP_LBU};
static const enum op store_ops[] = {OP_SW, OP_SH, OP_SB};
static const enum op branch_ops[] = {OP_BEQ, OP_BNE, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU};
static const unsigned ports[] = {PORT_CON_DATA,   PORT_CON_STATUS, PORT_CON_CTRL, PORT_DISK_BLOCK, PORT_DISK_ADDR,
                                 PORT_DISK_CMD,   PORT_DISK_STATUS, PORT_DISK_CTRL, PORT_DISK_SIZE, 0x99};
#define PICK(in, a) (a)[byte(in) % (sizeof(a) / sizeof((a)[0]))]

static void op_alu(struct code *c, struct input *in)
{
    enum op op = PICK(in, alu_ops);
    const struct isa_insn *d = &isa_insns[op];
    unsigned rd = dst_reg(in);
    if (d->form == FORM_RRR)
        ins(c, op, rd, any_reg(in), any_reg(in), 0);
    else if (d->form == FORM_RI)
        ins(c, op, rd, 0, 0, (int32_t)(value(in) & 0xffff));
    else
        ins(c, op, rd, any_reg(in), 0, d->imm == IMM_U5 ? (int32_t)(byte(in) & 31) : (int32_t)value(in));
}

static void op_set_reg(struct code *c, struct input *in) { li(c, dst_reg(in), value(in)); }

/* Point s0 at another data page: by its physical address, its virtual
 * one, or through root entries 2 and 3, which op_pte may link to any
 * table or data frame (a data frame then becomes a page table). */
static void op_move_s0(struct code *c, struct input *in)
{
    static const uint32_t bases[] = {GEN_DATA_VA, GEN_DATA_VA, GEN_DATA_VA, DATA, DATA, DATA, 2u << 22, 3u << 22};
    uint32_t b = byte(in);
    li(c, R_S0, bases[b >> 5] + (b & 15) * PAGE_SIZE);
}

static void op_load(struct code *c, struct input *in)
{
    ins(c, PICK(in, load_ops), dst_reg(in), base_reg(in), 0, offset(in));
}

static void op_store(struct code *c, struct input *in)
{
    ins(c, PICK(in, store_ops), any_reg(in), base_reg(in), 0, offset(in));
}

/* Branches and jal go forward a few words, so the body ends. */
static void op_branch(struct code *c, struct input *in)
{
    int32_t skip = 4 * (int32_t)(1 + (byte(in) & 3));
    if (byte(in) & 1)
        ins(c, PICK(in, branch_ops), any_reg(in), any_reg(in), 0, skip);
    else
        ins(c, OP_JAL, dst_reg(in), 0, 0, skip);
}

/* jalr anywhere: into data (not executable), the handler, page 0, a
 * misaligned address, or just ahead. */
static void op_jalr(struct code *c, struct input *in)
{
    uint32_t b = byte(in);
    if (b < 64) {
        ins(c, OP_JALR, dst_reg(in), any_reg(in), 0, offset(in));
        return;
    }
    uint32_t t = b < 128 ? here(c) + 12 + (b & 3) : value(in);
    li(c, R_T0, t);
    ins(c, OP_JALR, dst_reg(in), R_T0, 0, 0);
}

static void op_cr(struct code *c, struct input *in)
{
    uint32_t b = byte(in);
    unsigned cr = byte(in) & 7;
    if (b & 1) {
        ins(c, OP_MFCR, dst_reg(in), 0, 0, (int32_t)cr);
        return;
    }
    if (cr == CR_TVEC && (b & 0x70)) /* a lost handler ends most runs: rarely */
        cr = CR_SCRATCH;
    uint32_t v = value(in);
    if (cr == CR_STATUS && (b & 0x80)) /* flip a bit of the current status */
        v = 1u << (byte(in) % 6);
    if (cr == CR_STATUS && (b & 0x80)) {
        ins(c, OP_MFCR, R_T0, 0, 0, CR_STATUS);
        li(c, R_A0 + 5, v);
        ins(c, OP_XOR, R_T0, R_T0, R_A0 + 5, 0);
    } else {
        li(c, R_T0, v);
    }
    ins(c, OP_MTCR, R_T0, 0, 0, (int32_t)cr);
}

static void op_ptb(struct code *c, struct input *in)
{
    static const uint32_t roots[] = {ROOT_A, ROOT_B, ROOT_A, ROOT_B, L2_K, L2_X, 0, GEN_MEM,
                                     0xffffffffu, ROOT_A + 0x123, DATA, L2_D};
    uint32_t b = byte(in);
    li(c, R_T0, b < 240 ? roots[b % (sizeof roots / sizeof roots[0])] : word(in));
    ins(c, OP_MTCR, R_T0, 0, 0, CR_PTB);
}

static void op_flush(struct code *c, struct input *in)
{
    uint32_t b = byte(in);
    if (b & 1)
        ins(c, OP_TLBFLUSH, 0, 0, 0, 0);
    else
        ins(c, OP_TLBFLUSHV, b & 2 ? R_S0 : any_reg(in), 0, 0, 0);
}

/* A page-table entry written through s1, then (usually) a flush. */
static void op_pte(struct code *c, struct input *in)
{
    static const uint32_t tables[] = {ROOT_A, ROOT_B, L2_D, L2_D, L2_E, L2_X, L2_K};
    uint32_t table = PICK(in, tables);
    bool root = table == ROOT_A || table == ROOT_B;
    uint32_t b = byte(in);
    uint32_t index = root ? (b < 200 ? b & 3 : byte(in) | (byte(in) & 3) << 8) : (b < 200 ? b & 15 : byte(in) | (byte(in) & 3) << 8);
    uint32_t f = byte(in);
    uint32_t frame;
    if (root) {
        static const uint32_t l2s[] = {L2_K, L2_D, L2_E, L2_X, ROOT_A, ROOT_B, DATA, GEN_MEM, 0};
        frame = l2s[f % (sizeof l2s / sizeof l2s[0])];
        if (frame == DATA)
            frame += (f >> 4) * PAGE_SIZE; /* any of the sixteen */
    } else if (f < 128) {
        frame = DATA + (f & 15) * PAGE_SIZE;
    } else if (f < 176) {
        frame = PT + (f % 6) * PAGE_SIZE; /* a page table: the guest edits its tables through it */
    } else if (f < 200) {
        frame = TEXT + (f % 6) * PAGE_SIZE;
    } else if (f < 220) {
        frame = GEN_MEM + (f & 7) * PAGE_SIZE; /* past the end of memory */
    } else {
        frame = (word(in) & ~PAGE_MASK);
    }
    uint32_t bits = byte(in);
    uint32_t pte = frame | (bits & 0x7f) | (bits < 160 ? PTE_V | PTE_A : 0) | (bits < 64 ? PTE_D : 0);
    li(c, R_T0, pte);
    ins(c, OP_SW, R_T0, R_S1, 0, (int32_t)(table - PT + 4 * index));
    uint32_t fl = byte(in);
    if (fl < 200)
        ins(c, OP_TLBFLUSH, 0, 0, 0, 0);
    else if (fl < 230)
        ins(c, OP_TLBFLUSHV, R_S0, 0, 0, 0);
}

/* Six entries of one table read and written back, nothing through it in
 * between: more writes than the VMM waits for before it takes a traced
 * table for data and drops its shadow (vmm/shadow.c, FLOOD_LIMIT), which
 * single writes seldom reach.  The entries keep their values. */
static void op_flood(struct code *c, struct input *in)
{
    static const uint32_t tables[] = {L2_D, L2_D, L2_E, L2_X, L2_K, ROOT_A, ROOT_B};
    uint32_t table = PICK(in, tables), b = byte(in);
    for (uint32_t k = 0; k < 6; k++) {
        int32_t at = (int32_t)(table - PT + 4 * ((b + k) & 15));
        ins(c, OP_LW, R_T0, R_S1, 0, at);
        ins(c, OP_SW, R_T0, R_S1, 0, at);
    }
}

static void op_x86(struct code *c, struct input *in)
{
    uint32_t b = byte(in);
    if (b % 3 == 0)
        ins(c, OP_RDSR, dst_reg(in), 0, 0, 0);
    else if (b % 3 == 1)
        ins(c, OP_RDPTB, dst_reg(in), 0, 0, 0);
    else
        ins(c, OP_WRSR, any_reg(in), 0, 0, 0);
}

static void op_io(struct code *c, struct input *in)
{
    unsigned port = PICK(in, ports);
    if (byte(in) & 1) {
        ins(c, OP_IN, dst_reg(in), 0, 0, (int32_t)port);
        return;
    }
    uint32_t v;
    uint32_t b = byte(in);
    switch (port) {
    case PORT_DISK_CMD: v = 1 + (b & 1) + (b > 240 ? 5 : 0); break;
    case PORT_DISK_BLOCK: v = b < 200 ? b % (GEN_DISK_BLOCKS + 2) : value(in); break;
    case PORT_DISK_ADDR: {
        static const uint32_t a[] = {DATA, DATA + 0x200, PT, ROOT_A, L2_D, TEXT, GEN_MEM - 512, GEN_MEM - 256, GEN_MEM,
                                     0xfffffe00u};
        v = b < 200 ? a[b % (sizeof a / sizeof a[0])] : value(in);
        break;
    }
    case PORT_CON_DATA: v = 'A' + (b % 26); break;
    default: v = value(in); break;
    }
    li(c, R_T0, v);
    ins(c, OP_OUT, R_T0, 0, 0, (int32_t)port);
}

/* A whole disk transfer at once (op_io rarely lines up block, address and
 * command): mostly a read onto a live page table or data, then perhaps a
 * load through s0 (the TLB holds a translation the transfer may change)
 * and wfi (the transfer lands at once, and nothing else runs between). */
static void op_dma(struct code *c, struct input *in)
{
    static const uint32_t addrs[] = {L2_D, L2_D, L2_E, ROOT_A, ROOT_B, L2_K, DATA, TEXT};
    uint32_t b = byte(in), how = byte(in);
    li(c, R_T0, b % GEN_DISK_BLOCKS);
    ins(c, OP_OUT, R_T0, 0, 0, PORT_DISK_BLOCK);
    li(c, R_T0, addrs[(b >> 3) % (sizeof addrs / sizeof addrs[0])] + (how & 4 ? 0x200 : 0));
    ins(c, OP_OUT, R_T0, 0, 0, PORT_DISK_ADDR);
    li(c, R_T0, how < 224 ? 1 : 2);
    ins(c, OP_OUT, R_T0, 0, 0, PORT_DISK_CMD);
    if (how & 1)
        ins(c, OP_LW, dst_reg(in), R_S0, 0, 0);
    if (how & 2)
        ins(c, OP_WFI, 0, 0, 0, 0);
}

/* rfe to the next instruction, in the mode and interrupt state chosen. */
static void op_rfe(struct code *c, struct input *in)
{
    uint32_t b = byte(in);
    ins(c, OP_MFCR, R_T0, 0, 0, CR_STATUS);
    li(c, R_A0 + 5, b & (SR_PS | SR_PIE));
    ins(c, OP_XOR, R_T0, R_T0, R_A0 + 5, 0);
    ins(c, OP_MTCR, R_T0, 0, 0, CR_STATUS);
    uint32_t target = b & 0x80 ? value(in) : here(c) + 16;
    li(c, R_T0, target);
    ins(c, OP_MTCR, R_T0, 0, 0, CR_EPC);
    ins(c, OP_RFE, 0, 0, 0, 0);
}

static void op_timer(struct code *c, struct input *in)
{
    li(c, R_T0, 1 + byte(in) * (byte(in) & 3));
    ins(c, OP_MTCR, R_T0, 0, 0, CR_TIMER);
}

/* A word that is not an instruction: an unknown opcode, or a known one
 * with a field it does not use set. */
static void op_raw(struct code *c, struct input *in)
{
    uint32_t b = byte(in);
    if (b < 128) {
        put(c, word(in));
        return;
    }
    enum op op = (enum op)(byte(in) % OP_COUNT);
    struct isa_fields f = {.op = op};
    put(c, isa_encode(&f) | (1u << (byte(in) % 24)));
}

/* A hypercall, with an argument that makes the call mean something to a
 * paravirtualizing VMM (--technique pv): its shared area on a page table
 * or past memory, a root that is no table, an mmu_update batch among
 * those batches() leaves in the handler's page.  On the bare machine, and
 * to the other techniques, it is a trap like syscall: the handler skips
 * it. */
static void op_hcall(struct code *c, struct input *in)
{
    static const uint32_t calls[] = {HC_SET_TRAP, HC_SET_SHARED, HC_SET_SHARED, HC_IRET, HC_IRQ, HC_STATUS,
                                     HC_TIMER, HC_SET_PTB, HC_GET_PTB, HC_FLUSH, HC_MMU_UPDATE, HC_MMU_UPDATE,
                                     HC_MMU_UPDATE, HC_MMU_UPDATE, HC_IDLE, HC_HALT, 0, 13, 0xffff};
    static const uint32_t shared[] = {DATA, DATA + 0x10, DATA + PAGE_SIZE - 8, PT, ROOT_A, L2_D, GEN_MEM - 8, GEN_MEM,
                                      0xfffffff0u};
    static const uint32_t roots[] = {ROOT_A, ROOT_B, L2_D, DATA, GEN_MEM, ROOT_A + 4};
    uint32_t n = PICK(in, calls), b = byte(in), arg;
    unsigned reg = b & 1 ? R_T0 : dst_reg(in);
    switch (n) {
    case HC_SET_TRAP: arg = b & 2 ? HANDLER : value(in); break;
    case HC_SET_SHARED: arg = b < 240 ? PICK(in, shared) : value(in); break;
    case HC_IRQ: arg = b >> 1 & 1; break;
    case HC_TIMER: arg = 1 + (b >> 2); break;
    case HC_SET_PTB: arg = PICK(in, roots); break;
    case HC_FLUSH: arg = b & 2 ? 0 : value(in); break;
    case HC_MMU_UPDATE: arg = b < 240 ? GEN_BATCHES + (b >> 1) % GEN_NBATCHES * 0x100 : value(in); break;
    default: arg = value(in); break;
    }
    li(c, reg, arg);
    ins(c, OP_HCALL, reg, 0, 0, (int32_t)n);
}

static void op_misc(struct code *c, struct input *in)
{
    switch (byte(in) % 6) {
    case 0: ins(c, OP_SYSCALL, 0, 0, 0, 0); break; /* the handler switches mode */
    case 1: ins(c, OP_BREAK, 0, 0, 0, 0); break;
    case 2: ins(c, OP_WFI, 0, 0, 0, 0); break;
    case 3: ins(c, OP_HALT, dst_reg(in), 0, 0, 0); break;
    case 4: op_hcall(c, in); break;
    default: ins(c, OP_SYSCALL, 0, 0, 0, 0); break;
    }
}

typedef void (*gen_op)(struct code *, struct input *);
/* Weighted by repetition. */
static const gen_op ops[] = {
    op_alu,  op_alu,   op_alu,  op_alu,  op_set_reg, op_move_s0, op_load, op_load, op_load, op_store,
    op_store, op_store, op_branch, op_jalr, op_cr,  op_cr,      op_ptb,  op_flush, op_pte, op_pte,
    op_pte,  op_flood, op_x86,   op_io,   op_io,   op_dma,  op_rfe,     op_timer, op_raw, op_misc,
};
#define NOPS (sizeof ops / sizeof ops[0])

/* --- the fixed parts ----------------------------------------------------- */

/* Skip the faulting instruction and count; halt after GEN_MAX_TRAPS; a
 * syscall flips the mode rfe returns to; interrupts are acknowledged (the
 * timer re-armed a few times). */
static void handler(struct code *c)
{
    ins(c, OP_MTCR, R_T0, 0, 0, CR_SCRATCH);
    ins(c, OP_MFCR, R_T0, 0, 0, CR_CAUSE);
    ins(c, OP_ANDI, R_T0, R_T0, 0, 0xff);
    ins(c, OP_SLTI, R_T0, R_T0, 0, CAUSE_FIRST_INTERRUPT);
    ins(c, OP_BEQ, R_T0, 0, 0, 4 * 16); /* to irq */
    ins(c, OP_MFCR, R_T0, 0, 0, CR_EPC);
    ins(c, OP_ADDI, R_T0, R_T0, 0, 4);
    ins(c, OP_MTCR, R_T0, 0, 0, CR_EPC);
    ins(c, OP_ADDI, R_TP, R_TP, 0, 1);
    ins(c, OP_SLTI, R_T0, R_TP, 0, GEN_MAX_TRAPS);
    ins(c, OP_BEQ, R_T0, 0, 0, 4 * 18); /* to stop */
    ins(c, OP_MFCR, R_T0, 0, 0, CR_CAUSE);
    ins(c, OP_ANDI, R_T0, R_T0, 0, 0xff);
    ins(c, OP_ADDI, R_T0, R_T0, 0, -CAUSE_SYSCALL);
    ins(c, OP_BNE, R_T0, 0, 0, 4 * 4); /* to out */
    ins(c, OP_MFCR, R_T0, 0, 0, CR_STATUS);
    ins(c, OP_XORI, R_T0, R_T0, 0, SR_PS);
    ins(c, OP_MTCR, R_T0, 0, 0, CR_STATUS);
    /* out: */
    ins(c, OP_MFCR, R_T0, 0, 0, CR_SCRATCH);
    ins(c, OP_RFE, 0, 0, 0, 0);
    /* irq: */
    ins(c, OP_ADDI, R_GP, R_GP, 0, 1);
    ins(c, OP_OUT, 0, 0, 0, PORT_DISK_STATUS); /* acknowledge the disk, whichever it was */
    ins(c, OP_IN, R_T0, 0, 0, PORT_CON_DATA);  /* and the console */
    ins(c, OP_SLTI, R_T0, R_GP, 0, 20);        /* the timer: again, 20 times */
    ins(c, OP_SLLI, R_T0, R_T0, 0, 6);
    ins(c, OP_MTCR, R_T0, 0, 0, CR_TIMER);
    ins(c, OP_SLTI, R_T0, R_GP, 0, GEN_MAX_TRAPS);
    ins(c, OP_BNE, R_T0, 0, 0, -4 * 9); /* to out */
    /* stop: */
    ins(c, OP_HALT, R_TP, 0, 0, 0);
}

static void put32(uint8_t *mem, uint32_t pa, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        mem[pa + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

/* mmu_update batches for op_hcall, in the handler's page after its code:
 * page-table entries of the guest's tables set to frames it owns and
 * frames it does not, tables among them, with any rights; counts of 0,
 * too many, and a batch that runs past memory.  Drawn from a hash of the
 * input, not from its bytes, so that every other part of the guest stays
 * what the same bytes made before batches existed. */
static void batches(uint8_t *mem, const uint8_t *p, size_t len)
{
    uint32_t x = 2166136261u;
    for (size_t i = 0; i < len; i++)
        x = (x ^ p[i]) * 16777619u;
    static const uint32_t entries[] = {ROOT_A, ROOT_A + 4, ROOT_A + 8, ROOT_B + 4, L2_D, L2_D + 4, L2_E + 8,
                                       L2_K + 4 * (DATA >> PAGE_SHIFT), L2_X + 4, L2_K + 0x20, DATA, GEN_MEM,
                                       ROOT_A + 2};
    static const uint32_t frames[] = {DATA, DATA + PAGE_SIZE, L2_D, L2_E, ROOT_A, ROOT_B, HANDLER, TEXT, GEN_MEM,
                                      0xfffff000u, L2_K};
    for (uint32_t k = 0; k < GEN_NBATCHES; k++) {
        uint32_t at = GEN_BATCHES + k * 0x100;
        x = x * 1103515245u + 12345u;
        uint32_t n = 1 + (x >> 16) % 6;
        if (k == GEN_NBATCHES - 1)
            n = (x >> 8) & 1 ? 0 : MMU_BATCH_MAX + 1;
        put32(mem, at, n);
        for (uint32_t i = 0; i < 15 && i < n; i++) {
            x = x * 1103515245u + 12345u;
            uint32_t e = entries[(x >> 16) % (sizeof entries / sizeof *entries)];
            x = x * 1103515245u + 12345u;
            uint32_t f = frames[(x >> 16) % (sizeof frames / sizeof *frames)] | ((x >> 4) & 0x7f);
            put32(mem, at + 4 + 8 * i, e);
            put32(mem, at + 8 + 8 * i, f);
        }
    }
}

/* The initial page tables and data (see guestgen.h), with the data
 * mapping's permissions chosen by the input. */
static void tables(uint8_t *mem, struct input *in)
{
    const uint32_t code = PTE_V | PTE_R | PTE_X | PTE_U | PTE_A;
    for (uint32_t pa = TEXT; pa < TEXT_END; pa += PAGE_SIZE)
        put32(mem, L2_K + 4 * (pa >> PAGE_SHIFT), pa | code);
    put32(mem, L2_K + 4 * (HANDLER >> PAGE_SHIFT), HANDLER | PTE_V | PTE_R | PTE_X | PTE_A);
    for (uint32_t pa = PT; pa < PT_END; pa += PAGE_SIZE)
        put32(mem, L2_K + 4 * (pa >> PAGE_SHIFT), pa | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    for (uint32_t i = 0; i < NDATA; i++) {
        uint32_t pa = DATA + i * PAGE_SIZE;
        put32(mem, L2_K + 4 * (pa >> PAGE_SHIFT), pa | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
        uint32_t b = byte(in);
        uint32_t bits = b < 160 ? PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D : (b & 0x7f);
        put32(mem, L2_D + 4 * i, pa | bits);
        put32(mem, L2_E + 4 * i, (DATA + (NDATA - 1 - i) * PAGE_SIZE) | PTE_V | PTE_R | PTE_U | PTE_A);
    }
    /* X: mappings a kernel should not make */
    put32(mem, L2_X + 0, ROOT_A | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D); /* its own root, writable */
    put32(mem, L2_X + 4, L2_D | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A);           /* a table, clean */
    put32(mem, L2_X + 8, GEN_MEM | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D); /* past memory */
    put32(mem, L2_X + 12, 0 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    put32(mem, L2_X + 16, TEXT | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D); /* code, writable */
    put32(mem, ROOT_A + 0, L2_K | PTE_V);
    put32(mem, ROOT_A + 4, L2_D | PTE_V);
    put32(mem, ROOT_A + 8, L2_X | PTE_V);
    put32(mem, ROOT_B + 0, L2_K | PTE_V);
    put32(mem, ROOT_B + 4, L2_E | PTE_V);
    put32(mem, ROOT_B + 8, L2_D | PTE_V);
    put32(mem, ROOT_B + 12, ROOT_B | PTE_V); /* a root used as its own level 2 */
}

bool gen_guest(const uint8_t *data, size_t len, struct gen_guest *g)
{
    struct input in = {data, len, 0};
    memset(g, 0, sizeof *g);
    uint32_t flags = byte(&in);
    g->isa = flags & 1 ? ISA_X86LIKE : ISA_PG;
    g->user = flags & 2;
    g->paging = !(flags & 4);
    bool ie = flags & 8;
    g->choice = flags >> 4;

    /* Physical memory up to the page tables' end, as the image; each data
     * frame starts with a word that names it; the rest is zero.  (Small
     * buffers: a fuzzer makes thousands of images a second.) */
    uint8_t *mem = calloc(1, PT_END);
    uint32_t *words = calloc((TEXT_END - TEXT) / 4, sizeof *words);
    uint32_t hwords[64];
    if (!mem || !words) {
        free(mem);
        free(words);
        return false;
    }
    tables(mem, &in);
    batches(mem, in.p, in.len);

    struct code h = {.base = HANDLER, .end = HANDLER + sizeof hwords, .w = hwords};
    handler(&h);
    for (size_t i = 0; i < h.n; i++)
        put32(mem, HANDLER + 4 * (uint32_t)i, hwords[i]);

    struct code c = {.base = TEXT, .end = TEXT_END - 8 * 4, .w = words};
    ins(&c, OP_LUI, R_T0, 0, 0, HANDLER >> 16);
    ins(&c, OP_ORI, R_T0, R_T0, 0, HANDLER & 0xffff);
    ins(&c, OP_MTCR, R_T0, 0, 0, CR_TVEC);
    li(&c, R_S1, PT);
    li(&c, R_S0, g->paging ? GEN_DATA_VA : DATA);
    for (unsigned r = 0; r < sizeof dst_regs; r++)
        if (dst_regs[r] != R_T0)
            li(&c, dst_regs[r], value(&in));
    if (ie)
        op_timer(&c, &in);
    if (g->paging) {
        li(&c, R_T0, ROOT_A);
        ins(&c, OP_MTCR, R_T0, 0, 0, CR_PTB);
    }
    uint32_t sr = SR_S | (g->paging ? SR_PG : 0);
    if (g->user) {
        li(&c, R_T0, sr | (ie ? SR_PIE : 0)); /* PS = 0: rfe enters user mode */
        ins(&c, OP_MTCR, R_T0, 0, 0, CR_STATUS);
        li(&c, R_T0, BODY);
        ins(&c, OP_MTCR, R_T0, 0, 0, CR_EPC);
        ins(&c, OP_RFE, 0, 0, 0, 0);
    } else {
        li(&c, R_T0, sr | (ie ? SR_IE : 0));
        ins(&c, OP_MTCR, R_T0, 0, 0, CR_STATUS);
        ins(&c, OP_JAL, 0, 0, 0, (int32_t)(BODY - here(&c)));
    }
    c.n = (BODY - TEXT) / 4; /* zeros (illegal words) up to the body */

    /* The body: what the rest of the bytes say, while there is room. */
    while (!exhausted(&in) && g->nops < GEN_MAX_OPS && room(&c, 12)) {
        ops[byte(&in) % NOPS](&c, &in);
        g->nops++;
    }
    /* Its end: halt with the trap count, after room for the last
     * forward branches to land. */
    c.end = TEXT_END;
    for (int i = 0; i < 8; i++)
        ins(&c, OP_HALT, R_TP, 0, 0, 0);
    for (size_t i = 0; i < c.n; i++)
        put32(mem, TEXT + 4 * (uint32_t)i, words[i]);
    free(words);

    struct elf_out_section secs[2 + NDATA] = {
        {".text", TEXT, mem + TEXT, PT - TEXT, PT - TEXT, PF_R | PF_X},
        {".data", PT, mem + PT, PT_END - PT, PT_END - PT, PF_R | PF_W},
    };
    uint8_t names[NDATA][4];
    for (uint32_t i = 0; i < NDATA; i++) {
        uint32_t v = 0xd0d00000u | i;
        for (int k = 0; k < 4; k++)
            names[i][k] = (uint8_t)(v >> (8 * k));
        secs[2 + i] = (struct elf_out_section){".data", DATA + i * PAGE_SIZE, names[i], 4, 4, PF_R | PF_W};
    }
    bool ok = elf_write_mem(TEXT, secs, 2 + NDATA, NULL, 0, &g->elf, &g->elf_len);
    free(mem);
    return ok;
}

void gen_guest_free(struct gen_guest *g)
{
    free(g->elf);
    memset(g, 0, sizeof *g);
}
