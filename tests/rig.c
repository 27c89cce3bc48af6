/*
 * rig.c - see rig.h.
 */
#include "rig.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"
#include "ref.h"

static bool coverage[OP_COUNT];

void covered(enum op op) { coverage[op] = true; }
bool is_covered(enum op op) { return coverage[op]; }

static void cap_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct rig *r = ctx;
    r->out = realloc(r->out, r->outlen + len + 1);
    memcpy(r->out + r->outlen, buf, len);
    r->outlen += len;
    r->out[r->outlen] = '\0';
}

static int cap_read(void *ctx)
{
    struct rig *r = ctx;
    if (!r->in || r->inpos >= r->inlen)
        return -1;
    return (unsigned char)r->in[r->inpos++];
}

/* --- the reference beside the machine ------------------------------------------ */

static int diff_mode = -1; /* -1: as the environment says */
static unsigned diff_inject;
static bool diff_inject_env; /* VMLAB_REF_INJECT: say every difference, fail none */
static unsigned diff_failures;
static uint64_t diff_steps;

void rig_difftest(bool on, unsigned inject)
{
    diff_mode = on;
    diff_inject = inject;
    diff_inject_env = false;
}

bool rig_difftest_on(void)
{
    if (diff_mode < 0) {
        const char *e = getenv("VMLAB_DIFFTEST");
        diff_mode = e && strcmp(e, "1") == 0;
        const char *i = getenv("VMLAB_REF_INJECT");
        if (i) {
            diff_inject = (unsigned)strtoul(i, NULL, 0);
            diff_inject_env = true;
        }
    }
    return diff_mode;
}

unsigned rig_difftest_failures(void) { return diff_failures; }
uint64_t rig_difftest_steps(void) { return diff_steps; }

/* The reference's console: its own output, the rig's input read with its
 * own cursor (set to the machine's at every rig_run). */
static void ref_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct rig *r = ctx;
    if (r->no_console)
        return;
    r->ref_out = realloc(r->ref_out, r->ref_outlen + len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->ref_out);
    memcpy(r->ref_out + r->ref_outlen, buf, len);
    r->ref_outlen += len;
}

static int ref_read(void *ctx)
{
    struct rig *r = ctx;
    if (r->no_console || !r->in || r->ref_inpos >= r->inlen)
        return -1;
    return (unsigned char)r->in[r->ref_inpos++];
}

static const uint8_t *outputs(void *ctx, bool reference, size_t *len)
{
    struct rig *r = ctx;
    *len = reference ? r->ref_outlen : r->outlen;
    return reference ? r->ref_out : r->out;
}

static void attach_reference(struct rig *r, enum isa_variant v, bool hosted)
{
    char err[200];
    struct ref_config rc = {.mem_size = RIG_MEM, .isa = v, .hosted = hosted, .inject = diff_inject};
    r->ref = ref_new(&rc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->ref);
    ref_set_console(r->ref, &(struct console_io){.ctx = r, .read = ref_read, .write = ref_write});
    struct difftest_options o = {.output = outputs, .output_ctx = r};
    r->dt = difftest_new(r->m, r->ref, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->dt);
}

/* Both machines from the state the test left the machine in, step by
 * step; then all of memory, so that a stray write is caught before the
 * test's next pokes are copied over it. */
static enum exit_reason run_diffed(struct rig *r, uint64_t budget)
{
    r->ref_inpos = r->inpos;
    difftest_seed(r->dt);
    uint64_t before = difftest_result(r->dt)->steps, start = CPU(r)->instret;
    enum exit_reason why = difftest_run(r->dt, budget, &r->exit);
    if (!difftest_result(r->dt)->differ)
        difftest_check_memory(r->dt);
    const struct difftest_result *res = difftest_result(r->dt);
    diff_steps += res->steps - before;
    if (res->differ) {
        r->diverged = true;
        diff_failures++;
        /* with a deliberate bug in the reference the difference is the
         * expected outcome; otherwise it fails the test */
        if (!diff_inject || diff_inject_env)
            fprintf(stderr, "\n  difftest (rig, %s, %s): %s\n", isa_variant_name(machine_config(r->m)->isa),
                    machine_config_hosted(machine_config(r->m)) ? "hosted" : "bare", res->report);
        if (!diff_inject)
            CU_FAIL("the machine and the reference CPU differ");
        /* the rest of the budget on the machine alone, so that the test
         * goes on to check what it checks */
        uint64_t done = CPU(r)->instret - start;
        if (why == EXIT_BUDGET && done < budget)
            why = machine_run(r->m, budget - done, &r->exit);
    }
    return why;
}

/* --- the rig ------------------------------------------------------------------ */

struct rig *rig_new(enum isa_variant v, bool hosted)
{
    return rig_new_exits(v, hosted ? MACHINE_EXITS_ALL : 0);
}

struct rig *rig_new_exits(enum isa_variant v, uint32_t exits)
{
    char err[200];
    struct rig *r = calloc(1, sizeof *r);
    struct machine_config cfg = {.mem_size = RIG_MEM, .isa = v, .exits = exits};
    r->m = machine_new(&cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->m);
    machine_set_console(r->m, &(struct console_io){.ctx = r, .read = cap_read, .write = cap_write});
    /* the reference knows bare and hosted, not controls in between */
    if (rig_difftest_on() && (exits == 0 || exits == MACHINE_EXITS_ALL))
        attach_reference(r, v, exits != 0);
    machine_set_cr(r->m, CR_TVEC, HANDLER);
    rig_put(r, HANDLER, (uint32_t[]){enc(OP_HALT, 0, 0, 0, 0)}, 1);
    CPU(r)->pc = CODE;
    return r;
}

void rig_no_console(struct rig *r)
{
    machine_set_console(r->m, NULL);
    r->no_console = true;
}

void rig_free(struct rig *r)
{
    if (!r)
        return;
    difftest_free(r->dt);
    ref_free(r->ref);
    free(r->ref_out);
    machine_free(r->m);
    free(r->out);
    free(r);
}

uint32_t enc(enum op op, unsigned ra, unsigned rb, unsigned rc, int32_t imm)
{
    const struct isa_insn *in = &isa_insns[op];
    if (isa_form_has_imm(in->form) && !isa_imm_fits(in->imm, imm)) {
        CU_FAIL("enc: immediate out of range");
        return 0;
    }
    struct isa_fields f = {.op = op, .ra = (uint8_t)ra, .rb = (uint8_t)rb, .rc = (uint8_t)rc, .imm = imm};
    return isa_encode(&f);
}

uint32_t rig_put(struct rig *r, uint32_t pa, const uint32_t *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rig_poke32(r, pa + 4 * (uint32_t)i, words[i]);
    return pa + 4 * (uint32_t)n;
}

void rig_poke32(struct rig *r, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    CU_ASSERT_FATAL(machine_write_phys(r->m, pa, b, 4));
}

uint32_t rig_peek32(struct rig *r, uint32_t pa)
{
    uint8_t b[4] = {0};
    CU_ASSERT(machine_read_phys(r->m, pa, b, 4));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void rig_input(struct rig *r, const char *in, size_t len)
{
    r->in = in;
    r->inlen = len;
    r->inpos = 0;
}

enum exit_reason rig_run(struct rig *r, uint64_t budget)
{
    if (r->dt && !r->diverged)
        return run_diffed(r, budget);
    return machine_run(r->m, budget, &r->exit);
}
