/*
 * rig.h - a test bench for machine tests: a small machine, a way to put
 * instructions in memory, a captured console, and a default trap handler
 * (a halt at HANDLER) so a test can run code and then inspect what the
 * hardware saved.
 */
#ifndef VMLAB_TESTS_RIG_H
#define VMLAB_TESTS_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine.h"

#define RIG_MEM (1u << 20) /* 1 MiB */
#define HANDLER 0x0100u    /* tvec: a "halt r0" unless the test puts something else */
#define CODE 0x1000u       /* where tests put the code under test */

struct ref_machine;
struct difftest;

struct rig {
    struct machine *m;
    struct vm_exit exit;
    uint8_t *out;   /* console output so far */
    size_t outlen;
    const char *in; /* console input, NULL: none */
    size_t inlen, inpos;

    /* Diffed against the reference CPU (rig_difftest): the reference's
     * console, the comparison, and whether it has found a difference. */
    struct ref_machine *ref;
    struct difftest *dt;
    uint8_t *ref_out;
    size_t ref_outlen, ref_inpos;
    bool no_console;
    bool diverged;
};

/* A bare (or hosted) machine of RIG_MEM bytes, pc = CODE, tvec = HANDLER. */
struct rig *rig_new(enum isa_variant v, bool hosted);
/* The same with exit controls of the test's choosing (cfg.exits); not
 * diffed against the reference CPU unless they are none or all. */
struct rig *rig_new_exits(enum isa_variant v, uint32_t exits);
void rig_free(struct rig *r);

/* Whether rigs made from now on run every rig_run beside the reference CPU
 * (isa/ref/) and fail the test at the first instruction where the two
 * differ, and with which deliberate bugs in the reference (enum
 * ref_inject: the difftest suite's negative controls).  Off unless the
 * environment says VMLAB_DIFFTEST=1. */
void rig_difftest(bool on, unsigned inject);
bool rig_difftest_on(void);
/* Rigs that found a difference so far (the difftest suite's own checks). */
unsigned rig_difftest_failures(void);
uint64_t rig_difftest_steps(void);

/* No console at all: no input, output discarded (machine_set_console(NULL)). */
void rig_no_console(struct rig *r);

/* Encode one instruction; fails the test (and returns 0) if it cannot. */
uint32_t enc(enum op op, unsigned ra, unsigned rb, unsigned rc, int32_t imm);

/* Write words at physical address pa; returns the address after them. */
uint32_t rig_put(struct rig *r, uint32_t pa, const uint32_t *words, size_t n);
#define RIG_PUT(r, pa, ...)                                                     \
    rig_put((r), (pa), (const uint32_t[]){__VA_ARGS__},                         \
            sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))
void rig_poke32(struct rig *r, uint32_t pa, uint32_t v);
uint32_t rig_peek32(struct rig *r, uint32_t pa);

void rig_input(struct rig *r, const char *in, size_t len);
enum exit_reason rig_run(struct rig *r, uint64_t budget);

/* Shorthands. */
#define CPU(r) machine_cpu((r)->m)
#define REG(r, n) (machine_cpu((r)->m)->r[n])
#define CRV(r, c) machine_get_cr((r)->m, (c))

/* Every instruction test marks the instructions it exercises; a final test
 * fails for any row of the table that nobody marked. */
void covered(enum op op);
bool is_covered(enum op op);

#endif
