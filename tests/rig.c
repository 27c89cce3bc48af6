/*
 * rig.c - see rig.h.
 */
#include "rig.h"

#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

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

struct rig *rig_new(enum isa_variant v, bool hosted)
{
    char err[200];
    struct rig *r = calloc(1, sizeof *r);
    struct machine_config cfg = {.mem_size = RIG_MEM, .isa = v, .hosted = hosted};
    r->m = machine_new(&cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->m);
    machine_set_console(r->m, &(struct console_io){.ctx = r, .read = cap_read, .write = cap_write});
    machine_set_cr(r->m, CR_TVEC, HANDLER);
    rig_put(r, HANDLER, (uint32_t[]){enc(OP_HALT, 0, 0, 0, 0)}, 1);
    CPU(r)->pc = CODE;
    return r;
}

void rig_free(struct rig *r)
{
    if (!r)
        return;
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
    return machine_run(r->m, budget, &r->exit);
}
