/*
 * campaign.c - a long fuzzing campaign for one target without libFuzzer:
 * inputs from the corpora (tests/fuzz/corpus/TARGET and what `make fuzz`
 * grew in build/fuzz/corpus/TARGET), mutated at random, each through the
 * target's check.  Built optimised (with UBSan, not ASan), it runs several
 * times as many inputs a second as the coverage-guided binaries; those
 * find the inputs that reach new code, this one hammers on them.
 *
 *   campaign TARGET EXECUTIONS SEED DIR...
 *
 * Stops after EXECUTIONS inputs or at the first finding, whose input it
 * writes to build/fuzz/findings/TARGET/campaign-SEED-N and whose report it
 * prints; exit status 0 when nothing was found.  Prints the executions and
 * their rate at the end (docs/testing.md, "Fuzzing").
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz_targets.h"

#define MAX_INPUTS 100000
#define MAX_LEN 4096

struct corpus {
    uint8_t **data;
    size_t *len;
    size_t n;
};

static void load_dir(struct corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && c->n < MAX_INPUTS) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        uint8_t *buf = malloc(MAX_LEN);
        size_t n = buf ? fread(buf, 1, MAX_LEN, f) : 0;
        fclose(f);
        if (!buf)
            continue;
        c->data[c->n] = buf;
        c->len[c->n++] = n;
    }
    closedir(d);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* Mutations in the manner of libFuzzer's: flip bits, set bytes, insert,
 * erase, copy a run from another input. */
static size_t mutate(uint8_t *b, size_t n, const struct corpus *c)
{
    for (int k = 1 + (int)(rng() % 4); k > 0; k--) {
        switch (rng() % 6) {
        case 0:
            if (n)
                b[rng() % n] ^= (uint8_t)(1u << (rng() % 8));
            break;
        case 1:
            if (n)
                b[rng() % n] = (uint8_t)rng();
            break;
        case 2:
            if (n < MAX_LEN) {
                size_t at = n ? rng() % (n + 1) : 0;
                memmove(b + at + 1, b + at, n - at);
                b[at] = (uint8_t)rng();
                n++;
            }
            break;
        case 3:
            if (n > 1) {
                size_t at = rng() % n, len = 1 + rng() % (n - at < 16 ? n - at : 16);
                memmove(b + at, b + at + len, n - at - len);
                n -= len;
            }
            break;
        default: {
            const size_t i = rng() % c->n;
            if (!c->len[i] || !n)
                break;
            size_t from = rng() % c->len[i], to = rng() % n, len = 1 + rng() % 64;
            if (from + len > c->len[i])
                len = c->len[i] - from;
            if (to + len > MAX_LEN)
                len = MAX_LEN - to;
            memcpy(b + to, c->data[i] + from, len);
            if (to + len > n)
                n = to + len;
            break;
        }
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: campaign TARGET EXECUTIONS SEED CORPUS_DIR...\n");
        return 2;
    }
    fuzz_check_fn *check = NULL;
#define X(name, fn)                                                            \
    if (strcmp(argv[1], #name) == 0)                                           \
        check = fn;
    FUZZ_TARGETS(X)
#undef X
    if (!check) {
        fprintf(stderr, "campaign: no fuzz target named '%s'\n", argv[1]);
        return 2;
    }
    uint64_t total = strtoull(argv[2], NULL, 10);
    rng_state = strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ull + 1;
    struct corpus c = {calloc(MAX_INPUTS, sizeof *c.data), calloc(MAX_INPUTS, sizeof *c.len), 0};
    if (!c.data || !c.len)
        return 2;
    for (int i = 4; i < argc; i++)
        load_dir(&c, argv[i]);
    if (c.n == 0) {
        fprintf(stderr, "campaign: no inputs in the corpus directories\n");
        return 2;
    }
    static uint8_t buf[MAX_LEN];
    static char report[16384];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t done = 0;
    int status = 0;
    for (; done < total; done++) {
        size_t i = rng() % c.n;
        memcpy(buf, c.data[i], c.len[i]);
        size_t n = rng() % 8 ? mutate(buf, c.len[i], &c) : c.len[i];
        if (!check(buf, n, report, sizeof report)) {
            char path[512];
            snprintf(path, sizeof path, "build/fuzz/findings/%s/campaign-%s-%llu", argv[1], argv[3],
                     (unsigned long long)done);
            FILE *f = fopen(path, "wb");
            if (f) {
                fwrite(buf, 1, n, f);
                fclose(f);
            }
            printf("campaign: finding after %llu inputs (kept in %s):\n%s\n", (unsigned long long)done, path, report);
            status = 1;
            done++;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("campaign: %s: %llu executions in %.0f s, %.0f/s, from %zu corpus inputs\n", argv[1],
           (unsigned long long)done, s, s > 0 ? (double)done / s : 0.0, c.n);
    return status;
}
