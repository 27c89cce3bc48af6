/*
 * test_determinism.c - docs/isa.md section 11: the same image, input and
 * disk give the same output, the same instruction and cycle counts and the
 * same final state on every run.
 *
 * One program uses everything that could smuggle in nondeterminism: timer
 * interrupts (re-armed by the handler, which also prints), console input
 * by interrupt and output, disk DMA reads and writes with their
 * completion interrupts, wfi idling, and a computation that stores into
 * memory in between.  It is run on fresh machines and the complete final
 * states are compared byte for byte: twice in the pg variant, once in
 * x86like (it uses none of the three instructions that differ), and in
 * pieces with machine_run budgets of 1 and 777 instructions.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "rig.h"

#define NBLK 4u
#define DISKBUF 0x40000u
#define RESULTS 0x60000u
#define TICK 97
static const char input[] = "The Quick Brown Fox Jumps";

struct snap {
    enum exit_reason why;
    uint32_t value;
    struct cpu_state cpu;
    uint32_t cr[NCRS];
    uint32_t pending;
    uint8_t *mem;
    uint8_t *out;
    size_t outlen;
    uint8_t disk[NBLK * DISK_BLOCK_SIZE];
    bool disk_written;
};

static void build(struct rig *r)
{
    uint8_t img[NBLK * DISK_BLOCK_SIZE];
    for (uint32_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 13 + (i >> 9));
    CU_ASSERT_FATAL(machine_attach_disk(r->m, img, sizeof img));

    /* the handler: r12 cause, r14 r15 scratch; r9 ticks, r10 checksum of
     * input, r11 sum of disk statuses, r3 disk completions */
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_MFCR, 12, 0, 0, CR_CAUSE);
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_TIMER);
    size_t not_timer = p_hole(&h);
    p_op(&h, OP_ADDI, 9, 9, 0, 1);
    p_op(&h, OP_ADDI, 14, 0, 0, TICK);
    p_op(&h, OP_MTCR, 14, 0, 0, CR_TIMER);
    p_op(&h, OP_ADDI, 14, 0, 0, '.');
    p_op(&h, OP_OUT, 14, 0, 0, PORT_CON_DATA);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, not_timer, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_CONSOLE);
    size_t not_con = p_hole(&h);
    p_op(&h, OP_IN, 15, 0, 0, PORT_CON_DATA);
    p_op(&h, OP_XORI, 15, 15, 0, 0x20);
    p_op(&h, OP_OUT, 15, 0, 0, PORT_CON_DATA);
    p_op(&h, OP_ADD, 10, 10, 15, 0);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, not_con, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_DISK);
    size_t not_disk = p_hole(&h);
    p_op(&h, OP_IN, 15, 0, 0, PORT_DISK_STATUS);
    p_op(&h, OP_ADD, 11, 11, 15, 0);
    p_op(&h, OP_OUT, 0, 0, 0, PORT_DISK_STATUS);
    p_op(&h, OP_ADDI, 3, 3, 0, 1);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, not_disk, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_HALT, 12, 0, 0, 0);
    p_load(&h, r);

    /* the program: r2 r4-r8 r13 */
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 2, RESULTS);
    p_op(&p, OP_ADDI, 4, 0, 0, CON_CTRL_RXIE);
    p_op(&p, OP_OUT, 4, 0, 0, PORT_CON_CTRL);
    p_op(&p, OP_ADDI, 4, 0, 0, DISK_CTRL_IE);
    p_op(&p, OP_OUT, 4, 0, 0, PORT_DISK_CTRL);
    p_op(&p, OP_ADDI, 4, 0, 0, TICK);
    p_op(&p, OP_MTCR, 4, 0, 0, CR_TIMER);
    p_op(&p, OP_ADDI, 4, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 4, 0, 0, CR_STATUS);
    /* disk: read block 1 */
    p_op(&p, OP_ADDI, 4, 0, 0, 1);
    p_op(&p, OP_OUT, 4, 0, 0, PORT_DISK_BLOCK);
    p_li(&p, 4, DISKBUF);
    p_op(&p, OP_OUT, 4, 0, 0, PORT_DISK_ADDR);
    p_op(&p, OP_ADDI, 4, 0, 0, DISK_CMD_READ);
    p_op(&p, OP_OUT, 4, 0, 0, PORT_DISK_CMD);
    /* compute: 3000 steps of an LCG, stored round a 256-word ring */
    p_li(&p, 6, 1103515245u);
    p_op(&p, OP_ADDI, 7, 0, 0, 3000);
    uint32_t loop = p_op(&p, OP_MUL, 5, 5, 6, 0);
    p_op(&p, OP_ADDI, 5, 5, 0, 12345);
    p_op(&p, OP_ANDI, 8, 7, 0, 255);
    p_op(&p, OP_SLLI, 8, 8, 0, 2);
    p_op(&p, OP_ADD, 8, 8, 2, 0);
    p_op(&p, OP_SW, 5, 8, 0, 0);
    p_op(&p, OP_ADDI, 7, 7, 0, -1);
    p_br(&p, OP_BNE, 7, 0, loop);
    /* wait for the disk */
    p_op(&p, OP_ADDI, 4, 0, 0, 1);
    uint32_t w1 = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_br(&p, OP_BLT, 3, 4, w1);
    /* consume the rest of the input: wait until the console says EOF */
    uint32_t w2 = p_op(&p, OP_IN, 7, 0, 0, PORT_CON_STATUS);
    p_op(&p, OP_ANDI, 7, 7, 0, CON_STATUS_EOF);
    size_t eof = p_hole(&p);
    p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_br(&p, OP_JAL, 0, 0, w2);
    p_patch(&p, eof, OP_BNE, 7, 0, p_here(&p));
    /* sum the block read */
    p_li(&p, 4, DISKBUF);
    p_op(&p, OP_ADDI, 7, 0, 0, DISK_BLOCK_SIZE / 4);
    p_op(&p, OP_ADDI, 8, 0, 0, 0);
    uint32_t sum = p_op(&p, OP_LW, 5, 4, 0, 0);
    p_op(&p, OP_ADD, 8, 8, 5, 0);
    p_op(&p, OP_ADDI, 4, 4, 0, 4);
    p_op(&p, OP_ADDI, 7, 7, 0, -1);
    p_br(&p, OP_BNE, 7, 0, sum);
    /* write the results to block 2 and wait */
    p_op(&p, OP_ADDI, 4, 0, 0, 2);
    p_op(&p, OP_OUT, 4, 0, 0, PORT_DISK_BLOCK);
    p_op(&p, OP_OUT, 2, 0, 0, PORT_DISK_ADDR);
    p_op(&p, OP_ADDI, 4, 0, 0, DISK_CMD_WRITE);
    p_op(&p, OP_OUT, 4, 0, 0, PORT_DISK_CMD);
    p_op(&p, OP_ADDI, 4, 0, 0, 2);
    uint32_t w3 = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_br(&p, OP_BLT, 3, 4, w3);
    /* quiet down and stop */
    p_op(&p, OP_MTCR, 0, 0, 0, CR_TIMER);
    p_op(&p, OP_OUT, 0, 0, 0, PORT_CON_CTRL);
    p_op(&p, OP_ADDI, 4, 0, 0, '\n');
    p_op(&p, OP_OUT, 4, 0, 0, PORT_CON_DATA);
    p_op(&p, OP_HALT, 8, 0, 0, 0);
    p_load(&p, r);
}

/* The program retires about 27,000 instructions; a broken machine that
 * never lets it halt stops here. */
#define LIMIT 200000u

/* Run a fresh machine to its halt in pieces of `step` instructions (0: in
 * one go) and record everything. */
static void run(enum isa_variant v, uint64_t step, struct snap *s)
{
    struct rig *r = rig_new(v, false);
    build(r);
    rig_input(r, input, strlen(input));
    enum exit_reason why;
    do
        why = rig_run(r, step ? step : LIMIT);
    while (step && why == EXIT_BUDGET && CPU(r)->instret < LIMIT);
    s->why = why;
    s->value = r->exit.value;
    s->cpu = *CPU(r);
    for (int c = 0; c < NCRS; c++)
        s->cr[c] = machine_get_cr(r->m, (enum cr)c);
    s->pending = machine_pending_interrupt(r->m);
    s->mem = malloc(RIG_MEM);
    CU_ASSERT_FATAL(machine_read_phys(r->m, 0, s->mem, RIG_MEM));
    s->out = r->out;
    s->outlen = r->outlen;
    r->out = NULL;
    size_t len;
    const uint8_t *d = machine_disk_image(r->m, &len, &s->disk_written);
    CU_ASSERT_FATAL(len == sizeof s->disk);
    memcpy(s->disk, d, len);
    rig_free(r);
}

static void snap_free(struct snap *s)
{
    free(s->mem);
    free(s->out);
}

static void same(const struct snap *a, const struct snap *b)
{
    CU_ASSERT_EQUAL(a->why, b->why);
    CU_ASSERT_EQUAL(a->value, b->value);
    CU_ASSERT_EQUAL(a->cpu.instret, b->cpu.instret);
    CU_ASSERT_EQUAL(a->cpu.cycles, b->cpu.cycles);
    CU_ASSERT_EQUAL(a->cpu.pc, b->cpu.pc);
    for (int i = 0; i < NREGS; i++)
        CU_ASSERT_EQUAL(a->cpu.r[i], b->cpu.r[i]);
    for (int c = 0; c < NCRS; c++)
        CU_ASSERT_EQUAL(a->cr[c], b->cr[c]);
    CU_ASSERT_EQUAL(a->pending, b->pending);
    CU_ASSERT(memcmp(a->mem, b->mem, RIG_MEM) == 0);
    CU_ASSERT_EQUAL_FATAL(a->outlen, b->outlen);
    CU_ASSERT(a->outlen == 0 || memcmp(a->out, b->out, a->outlen) == 0);
    CU_ASSERT(memcmp(a->disk, b->disk, sizeof a->disk) == 0);
    CU_ASSERT_EQUAL(a->disk_written, b->disk_written);
}

/* The run did what it was meant to: otherwise comparing two runs would
 * prove little. */
static void exercised(const struct snap *s)
{
    CU_ASSERT_EQUAL(s->why, EXIT_HALT);
    CU_ASSERT_EQUAL(s->cr[CR_CAUSE] & 0xff, CAUSE_DISK); /* the last interrupt */
    CU_ASSERT(s->cpu.r[9] > 20);                         /* timer ticks */
    CU_ASSERT_EQUAL(s->cpu.r[3], 2);                     /* two disk completions */
    CU_ASSERT_EQUAL(s->cpu.r[11], 2 * DISK_OK);
    CU_ASSERT(s->cpu.cycles > s->cpu.instret);           /* some idling */
    /* every input byte echoed with its case swapped, in order, among ticks */
    size_t j = 0, other = 0;
    uint32_t sum = 0;
    for (size_t i = 0; i < s->outlen && j < strlen(input); i++)
        if (s->out[i] == (uint8_t)(input[j] ^ 0x20)) {
            sum += (uint8_t)(input[j] ^ 0x20);
            j++;
        } else if (s->out[i] != '.') {
            other++;
        }
    CU_ASSERT_EQUAL(other, 0);
    CU_ASSERT_EQUAL(j, strlen(input));
    CU_ASSERT_EQUAL(s->cpu.r[10], sum);
    CU_ASSERT(s->outlen > 0 && s->out[s->outlen - 1] == '\n');
    /* block 2 on the disk is the results area */
    CU_ASSERT(s->disk_written);
    CU_ASSERT(memcmp(s->disk + 2 * DISK_BLOCK_SIZE, s->mem + RESULTS, DISK_BLOCK_SIZE) == 0);
    /* the halt value is the sum of block 1's words, computed here */
    uint32_t want = 0;
    for (uint32_t i = 0; i < DISK_BLOCK_SIZE; i += 4) {
        const uint8_t *b = s->disk + DISK_BLOCK_SIZE + i;
        want += (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    }
    CU_ASSERT_EQUAL(s->value, want);
}

static void test_two_runs_identical(void)
{
    struct snap a, b;
    run(ISA_PG, 0, &a);
    run(ISA_PG, 0, &b);
    exercised(&a);
    same(&a, &b);
    snap_free(&a);
    snap_free(&b);
}

static void test_variants_identical(void)
{
    struct snap a, b;
    run(ISA_PG, 0, &a);
    run(ISA_X86LIKE, 0, &b);
    exercised(&b);
    same(&a, &b);
    snap_free(&a);
    snap_free(&b);
}

/* Stopping and re-entering machine_run changes nothing. */
static void test_budget_pieces_identical(void)
{
    struct snap a, b, c;
    run(ISA_PG, 0, &a);
    run(ISA_PG, 777, &b);
    run(ISA_PG, 1, &c);
    same(&a, &b);
    same(&a, &c);
    snap_free(&a);
    snap_free(&b);
    snap_free(&c);
}

void suite_determinism(void)
{
    CU_pSuite s = CU_add_suite("determinism", NULL, NULL);
    CU_add_test(s, "two runs: same output, counts, registers, memory, disk", test_two_runs_identical);
    CU_add_test(s, "pg and x86like: the same", test_variants_identical);
    CU_add_test(s, "run in pieces of 1 and 777 instructions: the same", test_budget_pieces_identical);
}
