/*
 * machine.c - how fast the simulated machine runs, against the same loop
 * compiled natively.
 *
 * The workload is a compute loop (an FNV-style hash that reads and writes
 * a 4 KiB table) written once as guest code and once in C.  It runs:
 *   - natively, compiled by the host's C compiler;
 *   - on the bare machine with paging off, in supervisor mode;
 *   - on the bare machine with paging on, in user mode (as a process would).
 * The three alternate within each round (native, off, on, native, ...);
 * times are this thread's CPU time; ratios are taken within a round and
 * every figure is the median over the rounds with its spread, min..max.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fnv_loop.h"
#include "machine.h"

#define ITERS 20000000u /* loop iterations per run */
#define CODE 0x1000u
#define TABLE 0x8000u
#define PT_L1 0x10000u
#define PT_L2 0x11000u

static uint32_t enc(enum op op, unsigned ra, unsigned rb, unsigned rc, int32_t imm)
{
    struct isa_fields f = {.op = op, .ra = (uint8_t)ra, .rb = (uint8_t)rb, .rc = (uint8_t)rc, .imm = imm};
    return isa_encode(&f);
}

static void put32(struct machine *m, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    machine_write_phys(m, pa, b, 4);
}

/* The same loop as guest code: 9 instructions per iteration, ending in
 * halt (supervisor) or syscall (user; the handler at tvec halts). */
static struct machine *make_guest(bool paging, uint32_t iters)
{
    char err[200];
    struct machine_config cfg = {.mem_size = 1u << 20, .isa = ISA_PG};
    struct machine *m = machine_new(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    const uint32_t prog[] = {
        enc(OP_LUI, 5, 0, 0, (int32_t)(iters >> 16)),       /* t0 = iters */
        enc(OP_ORI, 5, 5, 0, (int32_t)(iters & 0xffff)),
        enc(OP_LUI, 6, 0, 0, 0x811c),                       /* t1 = 2166136261 */
        enc(OP_ORI, 6, 6, 0, 0x9dc5),
        enc(OP_LUI, 7, 0, 0, 0x0100),                       /* t2 = 16777619 */
        enc(OP_ORI, 7, 7, 0, 0x0193),
        enc(OP_LUI, 8, 0, 0, 0),                            /* s0 = TABLE */
        enc(OP_ORI, 8, 8, 0, TABLE),
        /* loop: */
        enc(OP_ANDI, 9, 5, 0, 1023),                        /* s1 = t0 & 1023 */
        enc(OP_SLLI, 9, 9, 0, 2),
        enc(OP_ADD, 9, 9, 8, 0),                            /* s1 = &table[j] */
        enc(OP_LW, 10, 9, 0, 0),
        enc(OP_XOR, 6, 6, 10, 0),
        enc(OP_MUL, 6, 6, 7, 0),
        enc(OP_SW, 6, 9, 0, 0),
        enc(OP_ADDI, 5, 5, 0, -1),
        enc(OP_BNE, 5, 0, 0, -32),                          /* back to loop */
        enc(paging ? OP_SYSCALL : OP_HALT, 6, 0, 0, 0),
    };
    for (size_t i = 0; i < sizeof prog / sizeof prog[0]; i++)
        put32(m, CODE + 4 * (uint32_t)i, prog[i]);
    put32(m, 0x100, enc(OP_HALT, 6, 0, 0, 0)); /* trap handler */
    machine_set_cr(m, CR_TVEC, 0x100);
    if (paging) {
        /* Identity-map the first 64 KiB as user pages; the handler's page
         * too (supervisor may use user pages). */
        put32(m, PT_L1, PT_L2 | PTE_V);
        for (uint32_t pa = 0; pa < 0x10000; pa += PAGE_SIZE)
            put32(m, PT_L2 + (pa >> PAGE_SHIFT) * 4, pa | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U);
        machine_set_cr(m, CR_PTB, PT_L1);
        machine_set_cr(m, CR_STATUS, SR_PG); /* user mode, paging on */
    }
    machine_cpu(m)->pc = CODE;
    return m;
}

struct result {
    double secs;
    uint64_t insns;
    uint32_t value;
};

static struct result run_guest(bool paging)
{
    struct machine *m = make_guest(paging, ITERS);
    struct vm_exit ex;
    double t0 = bench_now();
    machine_run(m, UINT64_MAX, &ex);
    double t1 = bench_now();
    struct result r = {t1 - t0, machine_cpu(m)->instret, ex.value};
    if (ex.reason != EXIT_HALT) {
        fprintf(stderr, "bench: guest stopped with reason %d at pc 0x%x\n", ex.reason, ex.pc);
        exit(1);
    }
    machine_free(m);
    return r;
}

int bench_fnv_once(unsigned iters)
{
    struct machine *m = make_guest(true, iters);
    struct vm_exit ex;
    machine_run(m, UINT64_MAX, &ex);
    uint64_t n = machine_cpu(m)->instret;
    machine_free(m);
    if (ex.reason != EXIT_HALT) {
        fprintf(stderr, "bench: guest stopped with reason %d at pc 0x%x\n", ex.reason, ex.pc);
        return 1;
    }
    printf("%llu\n", (unsigned long long)n);
    return 0;
}

int bench_machine(int rounds)
{
    static uint32_t table[FNV_TABLE_WORDS];
    double tn[BENCH_MAX_ROUNDS], toff[BENCH_MAX_ROUNDS], ton[BENCH_MAX_ROUNDS];
    double mips_off[BENCH_MAX_ROUNDS], mips_on[BENCH_MAX_ROUNDS];
    uint32_t native_value = 0;
    struct result off = {0}, on = {0};

    for (int i = 0; i < rounds; i++) {
        for (int k = 0; k < 3; k++)
            switch (bench_order(i, k, 3)) {
            case 0: {
                memset(table, 0, sizeof table);
                double t0 = bench_now();
                native_value = fnv_loop(table, ITERS);
                tn[i] = bench_now() - t0;
                break;
            }
            case 1:
                off = run_guest(false);
                toff[i] = off.secs;
                mips_off[i] = (double)off.insns / off.secs / 1e6;
                break;
            default:
                on = run_guest(true);
                ton[i] = on.secs;
                mips_on[i] = (double)on.insns / on.secs / 1e6;
                break;
            }
    }
    if (off.value != native_value || on.value != native_value) {
        fprintf(stderr, "bench: guest computed 0x%08x/0x%08x, native C 0x%08x\n", off.value, on.value,
                native_value);
        return 1;
    }
    char a[64], b[64], c[64];
    printf("vmlab machine benchmark: FNV loop, %u iterations, %.0f guest instructions,\n"
           "  CPU time, median [min..max] of %d interleaved rounds\n",
           ITERS, (double)on.insns, rounds);
    printf("  %-34s %24s ms\n", "native C (host -O2)", bench_fmt(a, sizeof a, bench_stat_of(tn, rounds), 1e3, 1));
    printf("  %-34s %24s ms  %22s guest MIPS  %18s x native time\n", "machine, paging off, supervisor",
           bench_fmt(a, sizeof a, bench_stat_of(toff, rounds), 1e3, 1),
           bench_fmt(b, sizeof b, bench_stat_of(mips_off, rounds), 1, 0),
           bench_fmt(c, sizeof c, bench_ratio_of(toff, tn, rounds), 1, 1));
    printf("  %-34s %24s ms  %22s guest MIPS  %18s x native time\n", "machine, paging on, user mode",
           bench_fmt(a, sizeof a, bench_stat_of(ton, rounds), 1e3, 1),
           bench_fmt(b, sizeof b, bench_stat_of(mips_on, rounds), 1, 0),
           bench_fmt(c, sizeof c, bench_ratio_of(ton, tn, rounds), 1, 1));
    printf("  paging on / paging off: %s\n", bench_fmt(a, sizeof a, bench_ratio_of(ton, toff, rounds), 1, 2));
    return 0;
}
