/*
 * prog.h - a tiny in-test program builder for the machine tests of
 * test_mmu.c, test_timer.c, test_console.c, test_disk.c,
 * test_determinism.c, test_hosted.c, test_disk_store.c and the vrun
 * suites.
 *
 * A struct prog collects instruction words for a given load address, so a
 * test can name addresses (p_here) and branch to them without counting
 * words by hand; forward branches are emitted as placeholders and patched
 * once the target is known.  Every word comes from enc() (tests/rig.h),
 * that is from the one instruction table.
 */
#ifndef VMLAB_TESTS_PROG_H
#define VMLAB_TESTS_PROG_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdint.h>

#include "rig.h"

#define PROG_MAX 2048

struct prog {
    uint32_t base;
    size_t n;
    uint32_t w[PROG_MAX];
};

static inline void p_init(struct prog *p, uint32_t base)
{
    p->base = base;
    p->n = 0;
}

/* Address of the next word to be emitted. */
static inline uint32_t p_here(const struct prog *p) { return p->base + 4u * (uint32_t)p->n; }

/* Emit one word; returns its address. */
static inline uint32_t p_emit(struct prog *p, uint32_t w)
{
    uint32_t a = p_here(p);
    CU_ASSERT_FATAL(p->n < PROG_MAX);
    p->w[p->n++] = w;
    return a;
}

/* Shorthand: emit enc(op, ...). */
static inline uint32_t p_op(struct prog *p, enum op op, unsigned ra, unsigned rb, unsigned rc, int32_t imm)
{
    return p_emit(p, enc(op, ra, rb, rc, imm));
}

/* rd = v, always two instructions (lui, ori) so that layouts are fixed. */
static inline void p_li(struct prog *p, unsigned rd, uint32_t v)
{
    p_op(p, OP_LUI, rd, 0, 0, (int32_t)(v >> 16));
    p_op(p, OP_ORI, rd, rd, 0, (int32_t)(v & 0xffffu));
}

/* A conditional branch (or jal with rb ignored) to an absolute target. */
static inline uint32_t p_br(struct prog *p, enum op op, unsigned ra, unsigned rb, uint32_t target)
{
    int32_t off = (int32_t)(target - p_here(p));
    if (op == OP_JAL)
        return p_op(p, OP_JAL, ra, 0, 0, off);
    return p_op(p, op, ra, rb, 0, off);
}

/* A placeholder for a forward branch; returns its index for p_patch. */
static inline size_t p_hole(struct prog *p)
{
    p_emit(p, 0);
    return p->n - 1;
}

static inline void p_patch(struct prog *p, size_t idx, enum op op, unsigned ra, unsigned rb, uint32_t target)
{
    uint32_t at = p->base + 4u * (uint32_t)idx;
    int32_t off = (int32_t)(target - at);
    p->w[idx] = op == OP_JAL ? enc(OP_JAL, ra, 0, 0, off) : enc(op, ra, rb, 0, off);
}

/* Address of word idx. */
static inline uint32_t p_addr(const struct prog *p, size_t idx) { return p->base + 4u * (uint32_t)idx; }

/* Copy the program into the rig's memory at its base. */
static inline void p_load(const struct prog *p, struct rig *r) { rig_put(r, p->base, p->w, p->n); }

/* Little-endian bytes of the program, for ELF images. */
static inline void p_bytes(const struct prog *p, uint8_t *out)
{
    for (size_t i = 0; i < p->n; i++)
        for (int b = 0; b < 4; b++)
            out[4 * i + (size_t)b] = (uint8_t)(p->w[i] >> (8 * b));
}

/* Start one disk command (r5 scratch). */
static inline void p_disk_start(struct prog *p, uint32_t cmd, uint32_t block, uint32_t addr)
{
    p_li(p, 5, block);
    p_op(p, OP_OUT, 5, 0, 0, PORT_DISK_BLOCK);
    p_li(p, 5, addr);
    p_op(p, OP_OUT, 5, 0, 0, PORT_DISK_ADDR);
    p_op(p, OP_ADDI, 5, 0, 0, (int32_t)cmd);
    p_op(p, OP_OUT, 5, 0, 0, PORT_DISK_CMD);
}

/* Poll until the disk is not busy; the final status in r6 (r7 scratch). */
static inline void p_disk_wait(struct prog *p)
{
    uint32_t l = p_op(p, OP_IN, 6, 0, 0, PORT_DISK_STATUS);
    p_op(p, OP_ADDI, 7, 6, 0, -DISK_BUSY);
    p_br(p, OP_BEQ, 7, 0, l);
}

/* One disk command, to its end; the final status in r6 (r5, r7 scratch). */
static inline void p_disk(struct prog *p, uint32_t cmd, uint32_t block, uint32_t addr)
{
    p_disk_start(p, cmd, block, addr);
    p_disk_wait(p);
}

/* Print the 4 bytes at addr (r8, r9 scratch). */
static inline void p_print4(struct prog *p, uint32_t addr)
{
    p_li(p, 9, addr);
    for (int i = 0; i < 4; i++) {
        p_op(p, OP_LBU, 8, 9, 0, i);
        p_op(p, OP_OUT, 8, 0, 0, PORT_CON_DATA);
    }
}

#endif
