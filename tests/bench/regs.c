/*
 * regs.c - bench --regs ITERS [ROUNDS]: a PROTOTYPE that asks what keeping
 * guest registers in host registers would buy the CPU loop
 * (docs/performance.md, section 3, "Guest registers in host registers").
 *
 * It is not the machine: it runs the FNV loop of `make bench` (machine.c,
 * nine guest instructions an iteration) in a small threaded interpreter
 * built like isa/cpu_exec.c - slots of 32 bytes holding the handler's
 * label address, "ip++; goto *ip->h", the budget charged a run at a time,
 * loads and stores through one TLB tag compare and an addend, a slow path
 * that leaves with R[] up to date - with the handlers that decode gives
 * the loop there (two-operand forms, the addi+bne superinstruction, a near
 * bne).  Three ways to hold the guest's registers:
 *
 *   mem   every register in R[] (memory), as cpu_exec does now: each
 *         dependent instruction waits for a store forwarded to a load;
 *   fwd   R[] still written by every instruction (so it is the
 *         architectural state at every exit, no sync needed), and the last
 *         result also kept in a host local t.  A slot whose source is the
 *         register its straight-line predecessor wrote gets a "forwarded"
 *         form that reads t instead of R[] (decided at decode; entering a
 *         run loads t from the first slot's source, so a branch may land
 *         anywhere).  This is what cpu_exec could do with more handlers;
 *   host  the loop's six registers in host locals with handlers made for
 *         them, R[] written only when leaving: the most host registers can
 *         buy with this dispatch (a real loop would need a handler per
 *         register combination, or a JIT).
 *
 * Each way must give the same hash, instret and table as native C
 * (fnv_loop.h); the rounds interleave the three and print CPU time
 * medians.  Host instructions: run under cachegrind with one way only
 * (bench --regs ITERS 1 WAY).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fnv_loop.h"

#define MEM_SIZE 0x10000u
#define TABLE 0x8000u
#define NTLB 16

struct slot {
    const void *h;
    struct slot *target;
    int32_t imm;
    uint8_t ra, rb, rc;
    uint16_t run;
    uint8_t pad[6];
};
_Static_assert(sizeof(struct slot) == 32, "like struct dinsn");

/* A TLB entry as the machine's: tags per access kind, host addend. */
struct tlbe {
    uint32_t tag_r, tag_w;
    uintptr_t addend;
};

struct proto {
    uint32_t R[17];
    uint64_t instret;
    uint8_t *mem;
    struct tlbe tlb[NTLB];
};

enum way { WAY_MEM, WAY_FWD, WAY_HOST, NWAYS };
static const char *const way_name[NWAYS] = {"mem", "fwd", "host"};

/* The loop's slots as decode leaves them (fwd: with its forwarded forms),
 * then a halt. */
enum h { H_ANDI, H_SLLI2, H_ADD2, H_LW, H_XOR2, H_MUL2, H_SW, H_ADDI_BNE, H_BNE, H_HALT, NH };

static void build(struct slot *s, const void *const *lab)
{
    static const struct {
        uint8_t h, ra, rb, rc;
        int32_t imm;
        uint16_t run;
    } prog[] = {
        {H_ANDI, 9, 5, 0, 1023, 9}, {H_SLLI2, 9, 9, 0, 2, 8}, {H_ADD2, 9, 9, 8, 0, 7},
        {H_LW, 10, 9, 0, 0, 6},     {H_XOR2, 6, 6, 10, 0, 5}, {H_MUL2, 6, 6, 7, 0, 4},
        {H_SW, 6, 9, 0, 0, 3},      {H_ADDI_BNE, 5, 5, 0, -1, 2}, {H_BNE, 5, 0, 0, -32, 1},
        {H_HALT, 0, 0, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof prog / sizeof prog[0]; i++)
        s[i] = (struct slot){.h = lab[prog[i].h], .imm = prog[i].imm, .ra = prog[i].ra,
                             .rb = prog[i].rb, .rc = prog[i].rc, .run = prog[i].run};
    s[8].target = &s[0];
    s[7].target = &s[0]; /* the superinstruction's branch part is slot 8's */
}

#define TAG(a, size) ((a) & (~0xfffu | ((size) - 1)))
#define ENTRY(p, a) (&(p)->tlb[((a) >> 12) & (NTLB - 1)])
#define ADDR(h, a, kind, tagf)                                                 \
    do {                                                                       \
        const struct tlbe *e_ = ENTRY(p, a);                                   \
        if (__builtin_expect(e_->tagf != TAG(a, 4), 1))                        \
            goto miss;                                                         \
        h = (uint8_t *)(e_->addend + (a));                                     \
    } while (0)
#define NEXT                                                                   \
    {                                                                          \
        ip++;                                                                  \
        goto *ip->h;                                                           \
    }

/* All three ways share this frame; ENTER and the register access differ. */
static int run_mem(struct proto *p, struct slot *ip0, int64_t budget)
{
    static const void *const lab[NH] = {&&andi, &&slli2, &&add2, &&lw, &&xor2, &&mul2,
                                        &&sw, &&addi_bne, &&bne, &&halt};
    if (!p) { /* set up: its labels into the slots */
        build(ip0, lab);
        return 0;
    }
    uint32_t *const R = p->R;
    int64_t left = budget, n = budget;
    struct slot *ip = ip0;
#define ENTER()                                                                \
    {                                                                          \
        left -= ip->run;                                                       \
        if (__builtin_expect(left < 0, 0))                                     \
            goto out;                                                          \
        goto *ip->h;                                                           \
    }
    ENTER();
andi:
    R[ip->ra] = R[ip->rb] & (uint32_t)ip->imm;
    NEXT
slli2:
    R[ip->ra] <<= ip->imm;
    NEXT
add2:
    R[ip->ra] += R[ip->rc];
    NEXT
lw : {
    uint32_t a = R[ip->rb] + (uint32_t)ip->imm;
    uint8_t *h;
    ADDR(h, a, 0, tag_r);
    uint32_t v;
    memcpy(&v, h, 4);
    R[ip->ra] = v;
    NEXT
}
xor2:
    R[ip->ra] ^= R[ip->rc];
    NEXT
mul2:
    R[ip->ra] *= R[ip->rc];
    NEXT
sw : {
    uint32_t a = R[ip->rb] + (uint32_t)ip->imm;
    uint8_t *h;
    ADDR(h, a, 1, tag_w);
    memcpy(h, &R[ip->ra], 4);
    NEXT
}
addi_bne:
    R[ip->ra] = R[ip->rb] + (uint32_t)ip->imm;
    ip++;
    /* fall into the branch part */
bne:
    if (R[ip->ra] != R[ip->rb]) {
        ip = ip->target;
        ENTER();
    }
    ip++;
    ENTER();
halt:
out:
    p->instret += (uint64_t)(n - left - ip->run);
    return 0;
miss:
    p->instret += (uint64_t)(n - left - ip->run);
    return -1;
#undef ENTER
}

static int run_fwd(struct proto *p, struct slot *ip0, int64_t budget)
{
    static const void *const lab[NH] = {&&andi, &&slli2, &&add2, &&lw, &&xor2, &&mul2,
                                        &&sw, &&addi_bne, &&bne, &&halt};
    if (!p) { /* set up: its labels into the slots */
        build(ip0, lab);
        return 0;
    }
    uint32_t *const R = p->R;
    int64_t left = budget, n = budget;
    struct slot *ip = ip0;
    uint32_t t; /* the last result, also in R[] */
#define ENTER()                                                                \
    {                                                                          \
        left -= ip->run;                                                       \
        if (__builtin_expect(left < 0, 0))                                     \
            goto out;                                                          \
        t = R[ip->rb];                                                         \
        goto *ip->h;                                                           \
    }
    ENTER();
andi: /* the run's first slot: plain (t was loaded from its source anyway) */
    R[ip->ra] = t = t & (uint32_t)ip->imm;
    NEXT
slli2: /* source forwarded from andi */
    R[ip->ra] = t = t << ip->imm;
    NEXT
add2: /* first source forwarded */
    R[ip->ra] = t = t + R[ip->rc];
    NEXT
lw : { /* base forwarded */
    uint32_t a = t + (uint32_t)ip->imm;
    uint8_t *h;
    ADDR(h, a, 0, tag_r);
    uint32_t v;
    memcpy(&v, h, 4);
    R[ip->ra] = t = v;
    NEXT
}
xor2: /* second source forwarded from lw */
    R[ip->ra] = t = R[ip->ra] ^ t;
    NEXT
mul2: /* first source forwarded from xor */
    R[ip->ra] = t = t * R[ip->rc];
    NEXT
sw : { /* the value forwarded from mul; t stays */
    uint32_t a = R[ip->rb] + (uint32_t)ip->imm;
    uint8_t *h;
    ADDR(h, a, 1, tag_w);
    memcpy(h, &t, 4);
    NEXT
}
addi_bne: /* plain addi (sw wrote no register), then a forwarded bne */
    R[ip->ra] = t = R[ip->rb] + (uint32_t)ip->imm;
    ip++;
    if (t != R[ip->rb]) {
        ip = ip->target;
        ENTER();
    }
    ip++;
    ENTER();
bne: /* reached alone only when a stop splits the superinstruction */
    if (R[ip->ra] != R[ip->rb]) {
        ip = ip->target;
        ENTER();
    }
    ip++;
    ENTER();
halt:
out:
    p->instret += (uint64_t)(n - left - ip->run);
    return 0;
miss:
    p->instret += (uint64_t)(n - left - ip->run);
    return -1;
#undef ENTER
}

static int run_host(struct proto *p, struct slot *ip0, int64_t budget)
{
    static const void *const lab[NH] = {&&andi, &&slli2, &&add2, &&lw, &&xor2, &&mul2,
                                        &&sw, &&addi_bne, &&bne, &&halt};
    if (!p) { /* set up: its labels into the slots */
        build(ip0, lab);
        return 0;
    }
    uint32_t *const R = p->R;
    int64_t left = budget, n = budget;
    struct slot *ip = ip0;
    uint32_t r5 = R[5], r6 = R[6], r7 = R[7], r8 = R[8], r9 = R[9], r10 = R[10];
    int rc = 0;
#define ENTER()                                                                \
    {                                                                          \
        left -= ip->run;                                                       \
        if (__builtin_expect(left < 0, 0))                                     \
            goto out;                                                          \
        goto *ip->h;                                                           \
    }
    ENTER();
andi:
    r9 = r5 & (uint32_t)ip->imm;
    NEXT
slli2:
    r9 <<= ip->imm;
    NEXT
add2:
    r9 += r8;
    NEXT
lw : {
    uint32_t a = r9 + (uint32_t)ip->imm;
    uint8_t *h;
    ADDR(h, a, 0, tag_r);
    memcpy(&r10, h, 4);
    NEXT
}
xor2:
    r6 ^= r10;
    NEXT
mul2:
    r6 *= r7;
    NEXT
sw : {
    uint32_t a = r9 + (uint32_t)ip->imm;
    uint8_t *h;
    ADDR(h, a, 1, tag_w);
    memcpy(h, &r6, 4);
    NEXT
}
addi_bne:
    r5 += (uint32_t)ip->imm;
    ip++;
    /* fall into the branch part */
bne:
    if (r5 != 0) {
        ip = ip->target;
        ENTER();
    }
    ip++;
    ENTER();
miss:
    rc = -1;
halt:
out:
    R[5] = r5, R[6] = r6, R[7] = r7, R[8] = r8, R[9] = r9, R[10] = r10;
    p->instret += (uint64_t)(n - left - ip->run);
    return rc;
#undef ENTER
}

typedef int run_fn(struct proto *, struct slot *, int64_t);
static run_fn *const way_fn[NWAYS] = {run_mem, run_fwd, run_host};

/* One run of a way: secs, and whether its hash, instret and table match
 * native C's. */
static bool run_way(enum way w, uint32_t iters, double *secs)
{
    static struct slot slots[16];
    static uint8_t mem[MEM_SIZE];
    static uint32_t table[FNV_TABLE_WORDS];
    struct proto p = {.mem = mem};
    way_fn[w](NULL, slots, 0);
    memset(mem, 0, sizeof mem);
    for (unsigned i = 0; i < NTLB; i++)
        p.tlb[i] = (struct tlbe){.tag_r = 1, .tag_w = 1}; /* never matches an aligned va */
    p.tlb[(TABLE >> 12) & (NTLB - 1)] =
        (struct tlbe){.tag_r = TABLE, .tag_w = TABLE, .addend = (uintptr_t)mem};
    p.R[5] = iters, p.R[6] = 2166136261u, p.R[7] = 16777619u, p.R[8] = TABLE;
    double t0 = bench_now();
    int rc = way_fn[w](&p, slots, INT64_MAX / 2);
    *secs = bench_now() - t0;
    memset(table, 0, sizeof table);
    uint32_t want = fnv_loop(table, iters);
    return rc == 0 && p.R[6] == want && p.instret == 9ull * iters &&
           memcmp(mem + TABLE, table, sizeof table) == 0;
}

int bench_regs(int argc, char **argv)
{
    char *end = NULL;
    unsigned long iters = argc > 0 ? strtoul(argv[0], &end, 10) : 0;
    int rounds = BENCH_DEFAULT_ROUNDS;
    int only = -1;
    if (argc > 2)
        for (int w = 0; w < NWAYS; w++)
            if (strcmp(argv[2], way_name[w]) == 0)
                only = w;
    if (!iters || *end || iters > 0xffffffffu || (argc > 1 && !bench_parse_rounds(argv[1], &rounds)) ||
        (argc > 2 && only < 0) || argc > 3) {
        fprintf(stderr, "bench: --regs ITERATIONS [ROUNDS [mem|fwd|host]]\n");
        return 2;
    }
    static double t[NWAYS][BENCH_MAX_ROUNDS], native[BENCH_MAX_ROUNDS];
    static uint32_t table[FNV_TABLE_WORDS];
    for (int r = 0; r < rounds; r++) {
        memset(table, 0, sizeof table);
        double t0 = bench_now();
        volatile uint32_t v = fnv_loop(table, (uint32_t)iters);
        (void)v;
        native[r] = bench_now() - t0;
        for (int k = 0; k < NWAYS; k++) {
            int w = bench_order(r, k, NWAYS);
            if (only >= 0 && w != only)
                continue;
            if (!run_way((enum way)w, (uint32_t)iters, &t[w][r])) {
                fprintf(stderr, "bench: --regs: way %s disagrees with native C\n", way_name[w]);
                return 1;
            }
        }
    }
    printf("bench --regs (a prototype, not the machine): FNV loop, %lu iterations, %d rounds, CPU time\n",
           iters, rounds);
    char b1[64], b2[64];
    for (int w = 0; w < NWAYS; w++) {
        if (only >= 0 && w != only)
            continue;
        struct bench_stat s = bench_stat_of(t[w], rounds);
        printf("  %-4s  %s s  %.0f guest MIPS", way_name[w], bench_fmt(b1, sizeof b1, s, 1, 3),
               9.0 * (double)iters / s.med / 1e6);
        printf("  x native %s", bench_fmt(b2, sizeof b2, bench_ratio_of(t[w], native, rounds), 1, 2));
        if (only < 0 && w != WAY_MEM)
            printf("  time / mem's %s", bench_fmt(b2, sizeof b2, bench_ratio_of(t[w], t[WAY_MEM], rounds), 1, 2));
        printf("\n");
    }
    printf("  native C %s s\n", bench_fmt(b1, sizeof b1, bench_stat_of(native, rounds), 1, 3));
    return 0;
}
