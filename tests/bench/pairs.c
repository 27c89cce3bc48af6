/*
 * pairs.c - bench --pairs: which pairs and triples of instructions the
 * guest OS's workloads execute one right after the other, to choose the
 * superinstructions (isa/superinsn.h; docs/performance.md, section 3).
 *
 * Each workload runs on the reference CPU one step at a time; a sequence
 * counts when its instructions retired in a row at consecutive addresses
 * (what one decoded slot can fuse: the same straight line), whatever
 * traps or interrupts came between runs.  Shares are of all the retired
 * instructions of all the workloads together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ref.h"

/* The workloads: make bench's, and the demo that make run shows. */
static const char *const boots[] = {"crc 400000", "syscalls 20000", "forkwait 200", "pingpong 5000", ""};
#define NBOOTS (sizeof boots / sizeof boots[0])

struct seq {
    uint64_t count;
    unsigned ops[3];
};

static int by_count(const void *a, const void *b)
{
    const struct seq *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* Counts of pairs [a][b] and triples [a][b][c] (by enum op). */
struct tally {
    uint64_t total;
    uint64_t pair[OP_COUNT][OP_COUNT];
    uint64_t triple[OP_COUNT][OP_COUNT][OP_COUNT];
};

static bool tally_boot(struct tally *t, const struct elf_image *img, const char *boot)
{
    char err[300];
    struct bench_sink out = BENCH_SINK_INIT;
    struct ref_config rc = {.mem_size = BENCH_OS_MEM, .isa = ISA_PG};
    struct ref_machine *m = ref_new(&rc, err, sizeof err);
    struct ref_cpu *c = m ? ref_cpu(m) : NULL;
    if (!m || !elf_boot_into(ref_dma(m), c->r, &c->pc, img, boot, err, sizeof err)) {
        fprintf(stderr, "bench: --pairs '%s': %s\n", boot, err);
        ref_free(m);
        return false;
    }
    ref_set_console(m, &(struct console_io){.ctx = &out, .write = bench_sink_write});
    /* The last two retired in a row: op and address, or none (-1). */
    int prev[2] = {-1, -1};
    uint32_t prev_pc = 0;
    struct vm_exit x;
    struct ref_step rec;
    enum exit_reason why;
    while ((why = ref_step(m, &x, &rec)) == EXIT_BUDGET) {
        for (unsigned i = 0; i < rec.nattempts; i++) {
            const struct ref_attempt *a = &rec.attempt[i];
            struct isa_fields f;
            if (!a->retired || !a->fetched || !isa_decode(a->word, &f)) {
                prev[0] = prev[1] = -1;
                continue;
            }
            t->total++;
            if (prev[1] < 0 || a->pc != prev_pc + 4)
                prev[0] = prev[1] = -1;
            if (prev[1] >= 0)
                t->pair[prev[1]][f.op]++;
            if (prev[0] >= 0)
                t->triple[prev[0]][prev[1]][f.op]++;
            prev[0] = prev[1];
            prev[1] = (int)f.op;
            prev_pc = a->pc;
        }
    }
    ref_free(m);
    if (why != EXIT_HALT) {
        fprintf(stderr, "bench: --pairs '%s': stopped (%d), not halted\n", boot, (int)why);
        return false;
    }
    return true;
}

static void print_top(const char *what, struct seq *s, size_t n, unsigned len, uint64_t total, size_t top)
{
    qsort(s, n, sizeof *s, by_count);
    printf("  %-24s %14s %8s\n", what, "count", "share");
    for (size_t i = 0; i < top && i < n && s[i].count; i++) {
        char name[40] = "";
        for (unsigned k = 0; k < len; k++) {
            strcat(name, isa_insns[s[i].ops[k]].mnem);
            if (k + 1 < len)
                strcat(name, " ");
        }
        printf("  %-24s %14llu %7.2f%%\n", name, (unsigned long long)s[i].count, 100.0 * (double)s[i].count / (double)total);
    }
}

int bench_pairs(const char *kernel_path)
{
    struct elf_image img;
    if (!bench_kernel(kernel_path, &img))
        return 1;
    struct tally *t = calloc(1, sizeof *t);
    if (!t)
        return 1;
    int status = 0;
    printf("Dynamic sequences at consecutive addresses, the reference CPU, workloads:");
    for (size_t b = 0; b < NBOOTS; b++) {
        printf(" '%s'", boots[b]);
        if (!tally_boot(t, &img, boots[b]))
            status = 1;
    }
    printf("\n  %llu instructions retired\n", (unsigned long long)t->total);
    size_t np = (size_t)OP_COUNT * OP_COUNT, nt = np * OP_COUNT;
    struct seq *s = calloc(nt, sizeof *s);
    if (!s) {
        free(t);
        return 1;
    }
    for (size_t i = 0; i < np; i++)
        s[i] = (struct seq){t->pair[i / OP_COUNT][i % OP_COUNT], {(unsigned)(i / OP_COUNT), (unsigned)(i % OP_COUNT)}};
    print_top("pair", s, np, 2, t->total, 15);
    for (size_t i = 0; i < nt; i++)
        s[i] = (struct seq){t->triple[i / np][i / OP_COUNT % OP_COUNT][i % OP_COUNT],
                            {(unsigned)(i / np), (unsigned)(i / OP_COUNT % OP_COUNT), (unsigned)(i % OP_COUNT)}};
    print_top("triple", s, nt, 3, t->total, 10);
    free(s);
    free(t);
    return status;
}
