/*
 * test_disk.c - the block disk of docs/isa.md section 8.3: DMA reads and
 * writes, the 500-cycle latency (data moved at completion, not before),
 * the completion interrupt and its acknowledgement, a command while busy,
 * every error status (including DMA buffers outside physical memory, which
 * must be the device's error and never the simulator's crash), disk.size,
 * and the interrupt priority of section 6.
 *
 * Latency, as read from the manual: a command given by the K-th retired
 * instruction completes when the cycle count reaches K + 500, so
 * instruction K + 500 still sees `busy` and the old memory, instruction
 * K + 501 the final status (the same counting as the timer's in 8.1).
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "pt.h"
#include "rig.h"

#define MAGIC 0x600du
#define NBLK 8u
#define BUF 0x40000u
#define BUF2 0x48000u

static uint8_t pat(uint32_t block, uint32_t i) { return (uint8_t)(block * 37u + i * 11u + 5u); }

static void attach(struct rig *r, uint32_t nblocks)
{
    uint8_t *img = malloc(nblocks * DISK_BLOCK_SIZE);
    for (uint32_t b = 0; b < nblocks; b++)
        for (uint32_t i = 0; i < DISK_BLOCK_SIZE; i++)
            img[b * DISK_BLOCK_SIZE + i] = pat(b, i);
    CU_ASSERT_FATAL(machine_attach_disk(r->m, img, nblocks * DISK_BLOCK_SIZE));
    free(img);
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t pat32(uint32_t block, uint32_t i)
{
    uint8_t b[4] = {pat(block, i), pat(block, i + 1), pat(block, i + 2), pat(block, i + 3)};
    return le32(b);
}

static void p_end(struct prog *p)
{
    p_li(p, 13, MAGIC);
    p_op(p, OP_HALT, 13, 0, 0, 0);
}

/* out port, v (three instructions) */
static void p_out(struct prog *p, unsigned port, uint32_t v)
{
    p_li(p, 5, v);
    p_op(p, OP_OUT, 5, 0, 0, (int32_t)port);
}

/* block, addr, cmd: the command is the last instruction emitted */
static void p_cmd(struct prog *p, uint32_t cmd, uint32_t block, uint32_t addr)
{
    p_out(p, PORT_DISK_BLOCK, block);
    p_out(p, PORT_DISK_ADDR, addr);
    p_out(p, PORT_DISK_CMD, cmd);
}

static bool mem_is_block(struct rig *r, uint32_t pa, uint32_t block)
{
    uint8_t b[DISK_BLOCK_SIZE];
    CU_ASSERT_FATAL(machine_read_phys(r->m, pa, b, sizeof b));
    for (uint32_t i = 0; i < DISK_BLOCK_SIZE; i++)
        if (b[i] != pat(block, i))
            return false;
    return true;
}

static bool disk_block_is(struct rig *r, uint32_t block, const uint8_t *want)
{
    size_t len;
    bool written;
    const uint8_t *img = machine_disk_image(r->m, &len, &written);
    CU_ASSERT_FATAL(len == NBLK * DISK_BLOCK_SIZE);
    return memcmp(img + block * DISK_BLOCK_SIZE, want, DISK_BLOCK_SIZE) == 0;
}

static bool disk_unchanged(struct rig *r)
{
    uint8_t want[DISK_BLOCK_SIZE];
    for (uint32_t b = 0; b < NBLK; b++) {
        for (uint32_t i = 0; i < DISK_BLOCK_SIZE; i++)
            want[i] = pat(b, i);
        if (!disk_block_is(r, b, want))
            return false;
    }
    return true;
}

static bool disk_written(struct rig *r)
{
    size_t len;
    bool written;
    machine_disk_image(r->m, &len, &written);
    return written;
}

static void test_disk_read(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    rig_poke32(r, BUF - 4, 0xeeeeeeee);
    rig_poke32(r, BUF + DISK_BLOCK_SIZE, 0xeeeeeeee);
    struct prog p;
    p_init(&p, CODE);
    p_cmd(&p, DISK_CMD_READ, 3, BUF);
    p_disk_wait(&p);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 6), DISK_OK);
    CU_ASSERT(mem_is_block(r, BUF, 3));
    CU_ASSERT_EQUAL(rig_peek32(r, BUF - 4), 0xeeeeeeee);
    CU_ASSERT_EQUAL(rig_peek32(r, BUF + DISK_BLOCK_SIZE), 0xeeeeeeee);
    CU_ASSERT(disk_unchanged(r));
    CU_ASSERT_FALSE(disk_written(r));
    rig_free(r);
}

static void test_disk_write(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    uint8_t data[DISK_BLOCK_SIZE];
    for (uint32_t i = 0; i < DISK_BLOCK_SIZE; i++)
        data[i] = (uint8_t)(0xa5 ^ (i * 7));
    CU_ASSERT_FATAL(machine_write_phys(r->m, BUF2, data, sizeof data));
    struct prog p;
    p_init(&p, CODE);
    p_cmd(&p, DISK_CMD_WRITE, 5, BUF2);
    p_disk_wait(&p);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_FALSE(disk_written(r));
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 6), DISK_OK);
    CU_ASSERT(disk_block_is(r, 5, data));
    CU_ASSERT(disk_written(r));
    /* every other block as it was */
    uint8_t want[DISK_BLOCK_SIZE];
    for (uint32_t b = 0; b < NBLK; b++) {
        if (b == 5)
            continue;
        for (uint32_t i = 0; i < DISK_BLOCK_SIZE; i++)
            want[i] = pat(b, i);
        CU_ASSERT(disk_block_is(r, b, want));
    }
    rig_free(r);
}

/* Busy for exactly 500 cycles; memory unchanged until completion. */
static void test_disk_latency_read(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    rig_poke32(r, BUF, 0x99999999);
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 10, BUF);
    p_cmd(&p, DISK_CMD_READ, 3, BUF);
    uint64_t k = p.n;                          /* the out disk.cmd */
    p_op(&p, OP_IN, 8, 0, 0, PORT_DISK_STATUS);  /* K+1 */
    p_op(&p, OP_LW, 9, 10, 0, 0);                /* K+2 */
    while (p.n < k + 498)
        p_op(&p, OP_ADDI, 15, 15, 0, 1);
    p_op(&p, OP_IN, 11, 0, 0, PORT_DISK_STATUS); /* K+499 */
    p_op(&p, OP_LW, 12, 10, 0, 0);               /* K+500 */
    p_op(&p, OP_IN, 13, 0, 0, PORT_DISK_STATUS); /* K+501 */
    p_op(&p, OP_LW, 14, 10, 0, 0);               /* K+502 */
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + 503);
    CU_ASSERT_EQUAL(REG(r, 8), DISK_BUSY);
    CU_ASSERT_EQUAL(REG(r, 9), 0x99999999);
    CU_ASSERT_EQUAL(REG(r, 11), DISK_BUSY);
    CU_ASSERT_EQUAL(REG(r, 12), 0x99999999);
    CU_ASSERT_EQUAL(REG(r, 13), DISK_OK);
    CU_ASSERT_EQUAL(REG(r, 14), pat32(3, 0));
    rig_free(r);
}

/* A write copies memory at completion: a change to the buffer after the
 * command but before completion reaches the disk. */
static void test_disk_write_copies_at_completion(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    uint8_t data[DISK_BLOCK_SIZE] = {0};
    CU_ASSERT_FATAL(machine_write_phys(r->m, BUF, data, sizeof data));
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 10, BUF);
    p_li(&p, 9, 0x76543210);
    p_cmd(&p, DISK_CMD_WRITE, 2, BUF);
    p_op(&p, OP_SW, 9, 10, 0, 0x100);
    p_disk_wait(&p);
    p_op(&p, OP_SW, 9, 10, 0, 0x104); /* after completion: not on the disk */
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 6), DISK_OK);
    data[0x100] = 0x10, data[0x101] = 0x32, data[0x102] = 0x54, data[0x103] = 0x76;
    CU_ASSERT(disk_block_is(r, 2, data));
    rig_free(r);
}

/* With disk.ctrl IE and status IE the completion interrupt (cause 18) is
 * taken before instruction K+501; it stays pending until disk.status is
 * written. */
static void test_disk_interrupt(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_DISK_CTRL, DISK_CTRL_IE);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_cmd(&p, DISK_CMD_READ, 1, BUF);
    uint64_t k = p.n;
    uint32_t cmd_at = p_addr(&p, p.n - 1);
    for (int i = 0; i < 600; i++)
        p_op(&p, OP_ADDI, 15, 15, 0, 1);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_DISK);
    CU_ASSERT_EQUAL(CRV(r, CR_BADADDR), 0);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), cmd_at + 4 * 501);
    CU_ASSERT_EQUAL(REG(r, 15), 500);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + 501);
    CU_ASSERT(mem_is_block(r, BUF, 1));
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), CAUSE_DISK);
    rig_free(r);
}

/* A handler that writes disk.status acknowledges: the program then runs
 * to its end. */
static void test_disk_interrupt_acknowledge(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_MFCR, 12, 0, 0, CR_CAUSE);
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_DISK);
    size_t bad = p_hole(&h);
    p_op(&h, OP_IN, 8, 0, 0, PORT_DISK_STATUS);
    p_op(&h, OP_OUT, 0, 0, 0, PORT_DISK_STATUS);
    p_op(&h, OP_ADDI, 9, 9, 0, 1);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, bad, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_HALT, 12, 0, 0, 0);
    p_load(&h, r);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_DISK_CTRL, DISK_CTRL_IE);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_cmd(&p, DISK_CMD_READ, 6, BUF);
    p_op(&p, OP_ADDI, 10, 0, 0, 1);
    uint32_t loop = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_br(&p, OP_BNE, 9, 10, loop);
    p_op(&p, OP_IN, 11, 0, 0, PORT_DISK_STATUS);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 9), 1);
    CU_ASSERT_EQUAL(REG(r, 8), DISK_OK);
    CU_ASSERT_EQUAL(REG(r, 11), DISK_OK);
    CU_ASSERT(mem_is_block(r, BUF, 6));
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
    rig_free(r);
}

/* wfi waits for the disk: 500 cycles after the command, the CPU idle for
 * all of them but the wfi's own. */
static void test_disk_wfi(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_DISK_CTRL, DISK_CTRL_IE);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_cmd(&p, DISK_CMD_READ, 7, BUF);
    uint64_t k = p.n;
    uint32_t w = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_DISK);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), w + 4);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + 2);
    CU_ASSERT_EQUAL(CPU(r)->cycles, k + DISK_LATENCY + 1);
    CU_ASSERT(mem_is_block(r, BUF, 7));
    rig_free(r);
}

/* Without disk.ctrl IE the completion raises no interrupt, even with
 * status IE: the program polls disk.status instead. */
static void test_disk_no_interrupt_without_ctrl(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_cmd(&p, DISK_CMD_READ, 2, BUF);
    p_disk_wait(&p);
    for (int i = 0; i < 10; i++)
        p_op(&p, OP_ADDI, 15, 15, 0, 1);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), 0);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
    CU_ASSERT(mem_is_block(r, BUF, 2));
    rig_free(r);
}

/* A command while busy is ignored: the first completes on its own
 * schedule; block and addr read back what was last written. */
static void test_disk_busy_ignores_command(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    rig_poke32(r, BUF2, 0x13572468);
    struct prog p;
    p_init(&p, CODE);
    p_cmd(&p, DISK_CMD_READ, 1, BUF);
    uint64_t k = p.n;
    p_cmd(&p, DISK_CMD_READ, 2, BUF2); /* K+1 .. K+9 */
    p_op(&p, OP_IN, 8, 0, 0, PORT_DISK_BLOCK);
    p_op(&p, OP_IN, 9, 0, 0, PORT_DISK_ADDR);
    while (p.n < k + 500)
        p_op(&p, OP_ADDI, 15, 15, 0, 1);
    p_op(&p, OP_IN, 11, 0, 0, PORT_DISK_STATUS); /* K+501 */
    for (int i = 0; i < 600; i++)
        p_op(&p, OP_ADDI, 15, 15, 0, 1);
    p_op(&p, OP_IN, 12, 0, 0, PORT_DISK_STATUS);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 8), 2);
    CU_ASSERT_EQUAL(REG(r, 9), BUF2);
    CU_ASSERT_EQUAL(REG(r, 11), DISK_OK);
    CU_ASSERT_EQUAL(REG(r, 12), DISK_OK);
    CU_ASSERT(mem_is_block(r, BUF, 1));
    CU_ASSERT_EQUAL(rig_peek32(r, BUF2), 0x13572468);
    rig_free(r);
}

/* --- errors -------------------------------------------------------------- */

struct dcase {
    const char *what;
    bool disk;
    uint32_t cmd, block, addr;
    uint32_t status;
};

static const struct dcase dcases[] = {
    {"read, block = size", true, DISK_CMD_READ, NBLK, BUF, DISK_BAD_BLOCK},
    {"read, block 0xffffffff", true, DISK_CMD_READ, 0xffffffffu, BUF, DISK_BAD_BLOCK},
    {"write, block = size", true, DISK_CMD_WRITE, NBLK, BUF, DISK_BAD_BLOCK},
    {"read, addr = memsize - 100", true, DISK_CMD_READ, 1, RIG_MEM - 100, DISK_BAD_ADDR},
    {"read, addr = memsize - 511", true, DISK_CMD_READ, 1, RIG_MEM - 511, DISK_BAD_ADDR},
    {"read, addr = memsize", true, DISK_CMD_READ, 1, RIG_MEM, DISK_BAD_ADDR},
    {"read, addr = 0xffffff00 (addr + 512 wraps)", true, DISK_CMD_READ, 1, 0xffffff00u, DISK_BAD_ADDR},
    {"read, addr = 0xfffffe00", true, DISK_CMD_READ, 1, 0xfffffe00u, DISK_BAD_ADDR},
    {"read, addr = 0x80000000", true, DISK_CMD_READ, 1, 0x80000000u, DISK_BAD_ADDR},
    {"write, addr = memsize - 100", true, DISK_CMD_WRITE, 1, RIG_MEM - 100, DISK_BAD_ADDR},
    {"write, addr = 0xffffff00", true, DISK_CMD_WRITE, 1, 0xffffff00u, DISK_BAD_ADDR},
    {"command 0", true, 0, 1, BUF, DISK_BAD_CMD},
    {"command 3", true, 3, 1, BUF, DISK_BAD_CMD},
    {"command 0xffffffff", true, 0xffffffffu, 1, BUF, DISK_BAD_CMD},
    {"read, no disk", false, DISK_CMD_READ, 0, BUF, DISK_NO_DISK},
    {"write, no disk", false, DISK_CMD_WRITE, 0, BUF, DISK_NO_DISK},
    /* the edge that is inside: must succeed */
    {"read, addr = memsize - 512", true, DISK_CMD_READ, 4, RIG_MEM - 512, DISK_OK},
    {"read, addr = 0", true, DISK_CMD_READ, 4, 0, DISK_OK},
};

static void run_dcase(const struct dcase *c)
{
    struct rig *r = rig_new(ISA_PG, false);
    if (c->disk)
        attach(r, NBLK);
    struct prog p;
    /* (a read to address 0 overwrites the handler: no case traps) */
    p_init(&p, CODE);
    p_cmd(&p, c->cmd, c->block, c->addr);
    p_op(&p, OP_IN, 8, 0, 0, PORT_DISK_STATUS); /* busy: checks happen at completion */
    p_disk_wait(&p);
    p_op(&p, OP_HALT, 6, 0, 0, 0);
    p_load(&p, r);
    uint8_t *before = malloc(RIG_MEM), *after = malloc(RIG_MEM);
    CU_ASSERT_FATAL(machine_read_phys(r->m, 0, before, RIG_MEM));
    enum exit_reason why = rig_run(r, 100000);
    CU_ASSERT_EQUAL(why, EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, c->status);
    CU_ASSERT_EQUAL(REG(r, 8), DISK_BUSY);
    if (why != EXIT_HALT || r->exit.value != c->status)
        fprintf(stderr, "\n  [%s] exit %d status %u, expected %u", c->what, (int)why, r->exit.value, c->status);
    CU_ASSERT_FATAL(machine_read_phys(r->m, 0, after, RIG_MEM));
    if (c->status == DISK_OK && c->cmd == DISK_CMD_READ) {
        CU_ASSERT(mem_is_block(r, c->addr, c->block));
        memcpy(after + c->addr, before + c->addr, DISK_BLOCK_SIZE);
    }
    CU_ASSERT(memcmp(before, after, RIG_MEM) == 0); /* nothing else moved */
    if (c->disk) {
        CU_ASSERT(disk_unchanged(r));
        CU_ASSERT_FALSE(disk_written(r));
    }
    free(before);
    free(after);
    rig_free(r);
}

static void test_disk_errors(void)
{
    for (size_t i = 0; i < sizeof dcases / sizeof dcases[0]; i++)
        run_dcase(&dcases[i]);
}

/* An error completes like a success: after 500 cycles, with the interrupt. */
static void test_disk_error_interrupts(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_DISK_CTRL, DISK_CTRL_IE);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_cmd(&p, DISK_CMD_READ, 0, 0xffffff00u);
    uint32_t w = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_DISK);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), w + 4);
    rig_free(r);
}

/* disk.size is the number of blocks; an image that is not a whole number
 * of blocks is refused. */
static void test_disk_size(void)
{
    const uint32_t sizes[] = {1, 8, 2049};
    for (size_t i = 0; i < 3; i++) {
        struct rig *r = rig_new(ISA_PG, false);
        attach(r, sizes[i]);
        struct prog p;
        p_init(&p, CODE);
        p_op(&p, OP_IN, 6, 0, 0, PORT_DISK_SIZE);
        p_cmd(&p, DISK_CMD_READ, sizes[i] - 1, BUF); /* the last block reads */
        p_disk_wait(&p);
        p_op(&p, OP_IN, 8, 0, 0, PORT_DISK_SIZE);
        p_end(&p);
        p_load(&p, r);
        CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
        CU_ASSERT_EQUAL(REG(r, 8), sizes[i]);
        CU_ASSERT_EQUAL(REG(r, 6), DISK_OK);
        CU_ASSERT(mem_is_block(r, BUF, sizes[i] - 1));
        rig_free(r);
    }
    struct rig *r = rig_new(ISA_PG, false);
    uint8_t odd[1000] = {0};
    CU_ASSERT_FALSE(machine_attach_disk(r->m, odd, sizeof odd));
    CU_ASSERT_FALSE(machine_attach_disk(r->m, odd, 511));
    rig_free(r);
}

/* DMA over code that has already run: the new code runs. */
static void test_disk_dma_over_code(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    /* block 0 of the disk holds a function "r9 = 2; return" */
    uint8_t img[NBLK * DISK_BLOCK_SIZE] = {0};
    uint32_t fn2[2] = {enc(OP_ADDI, 9, 0, 0, 2), enc(OP_JALR, 0, 1, 0, 0)};
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < 4; b++)
            img[4 * i + b] = (uint8_t)(fn2[i] >> (8 * b));
    CU_ASSERT_FATAL(machine_attach_disk(r->m, img, sizeof img));
    const uint32_t fn = 0x3000;
    RIG_PUT(r, fn, enc(OP_ADDI, 9, 0, 0, 1), enc(OP_JALR, 0, 1, 0, 0));
    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 4, fn);
    p_op(&p, OP_JALR, 1, 4, 0, 0);
    p_op(&p, OP_ADD, 10, 9, 0, 0); /* r10 = 1 */
    p_cmd(&p, DISK_CMD_READ, 0, fn);
    p_disk_wait(&p);
    p_op(&p, OP_JALR, 1, 4, 0, 0);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 10), 1);
    CU_ASSERT_EQUAL(REG(r, 9), 2);
    rig_free(r);
}

/* DMA uses physical addresses, whatever paging says: with paging on and
 * the virtual page BUF mapped to another frame, a read to BUF lands at
 * physical BUF; the program sees it through a mapping of that frame. */
static void test_disk_dma_physical_with_paging(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    struct pt pt;
    const uint32_t other = 0x31000, alias = 0x00800000;
    pt_init(&pt, r, 0x10000, 0x11000);
    pt_map(&pt, 0, 0, PTE_V | PTE_R | PTE_X);
    pt_identity(&pt, CODE, 2, PTE_V | PTE_R | PTE_X);
    pt_map(&pt, BUF, other, PTE_V | PTE_R | PTE_W);
    pt_map(&pt, alias, BUF, PTE_V | PTE_R);
    machine_set_cr(r->m, CR_PTB, 0x10000);
    machine_set_cr(r->m, CR_STATUS, SR_S | SR_PG);
    rig_poke32(r, other, 0x0e0e0e0e);
    struct prog p;
    p_init(&p, CODE);
    p_cmd(&p, DISK_CMD_READ, 5, BUF);
    p_disk_wait(&p);
    p_li(&p, 9, alias);
    p_op(&p, OP_LW, 10, 9, 0, 0);
    p_li(&p, 9, BUF);
    p_op(&p, OP_LW, 11, 9, 0, 0);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 6), DISK_OK);
    CU_ASSERT(mem_is_block(r, BUF, 5));
    CU_ASSERT_EQUAL(REG(r, 10), pat32(5, 0));
    CU_ASSERT_EQUAL(REG(r, 11), 0x0e0e0e0e);
    CU_ASSERT_EQUAL(rig_peek32(r, other), 0x0e0e0e0e);
    rig_free(r);
}

/* Several interrupts pending at once: timer (16) first, then console (17),
 * then disk (18), each taken once acknowledged. */
static void test_interrupt_priority(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    attach(r, NBLK);
    rig_input(r, "c", 1);
    const uint32_t log = 0x50000;
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_MFCR, 12, 0, 0, CR_CAUSE);
    p_op(&h, OP_SW, 12, 11, 0, 0);
    p_op(&h, OP_ADDI, 11, 11, 0, 4);
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_TIMER);
    size_t not_timer = p_hole(&h);
    p_op(&h, OP_MTCR, 0, 0, 0, CR_TIMER);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, not_timer, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_CONSOLE);
    size_t not_con = p_hole(&h);
    p_op(&h, OP_IN, 15, 0, 0, PORT_CON_DATA);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, not_con, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_DISK);
    size_t not_disk = p_hole(&h);
    p_op(&h, OP_OUT, 0, 0, 0, PORT_DISK_STATUS);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, not_disk, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_HALT, 12, 0, 0, 0);
    p_load(&h, r);

    struct prog p;
    p_init(&p, CODE);
    p_li(&p, 11, log);
    p_out(&p, PORT_DISK_CTRL, DISK_CTRL_IE);
    p_cmd(&p, DISK_CMD_READ, 0, BUF);           /* disk: pending in 500 */
    p_out(&p, PORT_CON_CTRL, CON_CTRL_RXIE);
    p_op(&p, OP_IN, 6, 0, 0, PORT_CON_STATUS);  /* console: pending now */
    p_op(&p, OP_ADDI, 5, 0, 0, 1);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TIMER);       /* timer: pending next */
    for (int i = 0; i < 600; i++)
        p_op(&p, OP_ADDI, 7, 7, 0, 1);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 11), log + 12);
    CU_ASSERT_EQUAL(rig_peek32(r, log + 0), CAUSE_TIMER);
    CU_ASSERT_EQUAL(rig_peek32(r, log + 4), CAUSE_CONSOLE);
    CU_ASSERT_EQUAL(rig_peek32(r, log + 8), CAUSE_DISK);
    CU_ASSERT_EQUAL(REG(r, 15), 'c');
    rig_free(r);
}

void suite_disk(void)
{
    CU_pSuite s = CU_add_suite("disk", NULL, NULL);
    CU_add_test(s, "read a block by DMA", test_disk_read);
    CU_add_test(s, "write a block by DMA", test_disk_write);
    CU_add_test(s, "500-cycle latency: busy and old data until then", test_disk_latency_read);
    CU_add_test(s, "a write copies memory at completion", test_disk_write_copies_at_completion);
    CU_add_test(s, "completion interrupt before instruction K+501", test_disk_interrupt);
    CU_add_test(s, "acknowledged by writing disk.status", test_disk_interrupt_acknowledge);
    CU_add_test(s, "wfi waits for the disk", test_disk_wfi);
    CU_add_test(s, "no interrupt without disk.ctrl IE", test_disk_no_interrupt_without_ctrl);
    CU_add_test(s, "a command while busy is ignored", test_disk_busy_ignores_command);
    CU_add_test(s, "errors: bad block, bad addr (incl. wrap), no disk, bad cmd", test_disk_errors);
    CU_add_test(s, "an error completes with the interrupt", test_disk_error_interrupts);
    CU_add_test(s, "disk.size; images of partial blocks refused", test_disk_size);
    CU_add_test(s, "DMA over code that already ran", test_disk_dma_over_code);
    CU_add_test(s, "DMA addresses are physical, with paging on", test_disk_dma_physical_with_paging);
    CU_add_test(s, "interrupt priority: timer, console, disk", test_interrupt_priority);
}
