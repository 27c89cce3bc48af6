/*
 * test_fuzzregress.c - the fuzz targets of tests/fuzz in `make check`.
 *
 * Every input kept under tests/fuzz/regress/TARGET/ (a finding, kept once
 * it was fixed) and under tests/fuzz/corpus/TARGET/ (the seeds `make fuzz`
 * starts from) goes through the target's check again; then a few thousand
 * inputs made here from a fixed seed, so that the check functions
 * themselves stay exercised between fuzzing campaigns.  The long campaigns
 * are `make fuzz` (docs/testing.md).
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asmtest.h"
#include "fuzz/fuzz_guest.h"
#include "fuzz/fuzz_targets.h"
#include "scratch.h"
#include "vmm.h"

/* Inputs a negative control of the guest target may take to be caught. */
#define GUEST_CONTROL_INPUTS 3000

static uint32_t rng_state;

static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* Every regular file in dir through check; the number of files tried. */
static unsigned replay_dir(const char *dir, fuzz_check_fn *check)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *data = slurp(path, &len);
        char report[8192];
        bool ok = check((const uint8_t *)data, len, report, sizeof report);
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "\n  %s: %s", path, report);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

/* The kept findings, and the seeds: tests/fuzz/corpus/TARGET, and for the
 * asm target the project's own sources (fuzz_targets.h, FUZZ_SEEDS_asm). */
static void replay(const char *target, fuzz_check_fn *check)
{
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/regress/%s", target);
    replay_dir(dir, check);
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", target);
    unsigned seeds = replay_dir(dir, check);
    if (strcmp(target, "asm") == 0) {
        static const char *const more[] = {FUZZ_SEEDS_asm};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            seeds += replay_dir(more[i], check);
    }
    CU_ASSERT(seeds > 0); /* every target has seeds */
}

/* A generated input that fails is written to build/fuzzregress/, so that
 * it can be kept in tests/fuzz/regress/TARGET/ once it is fixed. */
static void check_generated(const char *target, fuzz_check_fn *check, const uint8_t *data, size_t len)
{
    static unsigned saved;
    char report[8192];
    bool ok = check(data, len, report, sizeof report);
    CU_ASSERT(ok);
    if (ok)
        return;
    char path[256];
    mkdir("build/fuzzregress", 0777);
    snprintf(path, sizeof path, "build/fuzzregress/%s-%u", target, saved++);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    fprintf(stderr, "\n  generated input (kept in %s): %s", path, report);
}

/* Random bytes as guests: the generator makes a kernel of any of them. */
static void test_guest(void)
{
    replay("guest", fuzz_check_guest);
    rng_state = 0x9e3779b9u;
    static uint8_t buf[2048];
    for (int i = 0; i < 1500; i++) {
        size_t len = 16 + rng() % (sizeof buf - 16);
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)rng();
        check_generated("guest", fuzz_check_guest, buf, len);
    }
}

/* The fuzzer's negative controls: each deliberately broken VMM (enum
 * vmm_inject) must be caught by the same check, on inputs generated as in
 * test_guest, within a few hundred guests.  A broken VMM the fuzzer could
 * not tell from the real one would make its millions of clean runs worth
 * nothing.  All but one: INJECT_STALE_RMAP writes only into a dropped
 * shadow table's frame while that frame is still free, and the allocator
 * hands the last frame freed out first, to this VM's next table; the
 * hostile guest rmapstale, with a second VM made at the right moment,
 * catches it (suite isolation), one fuzzed VM alone cannot. */
static void test_guest_catches_broken_vmms(void)
{
    static const struct {
        unsigned inject;
        const char *name;
    } broken[] = {
        {INJECT_NO_DIRTY, "no D bits"},
        {INJECT_WRSR_IE, "wrsr keeps IE"},
        {INJECT_NO_WRITE_PROTECT, "no write protection"},
        {INJECT_STALE_TLB, "stale TLB"},
        {INJECT_MAP_SHADOW, "maps a shadow table"},
        {INJECT_MAP_FOREIGN, "maps a foreign frame"},
        {INJECT_LEAK, "leaks frames"},
        {INJECT_WRONG_ROLE, "wrong role"},
        {INJECT_TRACE_FLAG, "trace count a flag"},
        {INJECT_FAULT_ZAP, "drops all at faults"},
    };
    static uint8_t buf[2048];
    for (size_t b = 0; b < sizeof broken / sizeof broken[0]; b++) {
        struct fuzz_guest *f = fuzz_guest_new(broken[b].inject);
        CU_ASSERT_FATAL(f != NULL);
        rng_state = 0x9e3779b9u;
        char report[8192];
        unsigned tried = 0;
        bool caught = false;
        while (!caught && tried < GUEST_CONTROL_INPUTS) {
            size_t len = 16 + rng() % (sizeof buf - 16);
            for (size_t k = 0; k < len; k++)
                buf[k] = (uint8_t)rng();
            caught = !fuzz_guest_check(f, buf, len, report, sizeof report);
            tried++;
        }
        if (getenv("VMLAB_FUZZ_CONTROLS"))
            fprintf(stderr, "\n  %-22s %s after %u generated guests", broken[b].name, caught ? "caught" : "NOT caught",
                    tried);
        CU_ASSERT(caught);
        if (!caught)
            fprintf(stderr, "\n  the guest fuzzer did not catch the broken VMM '%s' in %u inputs", broken[b].name, tried);
        fuzz_guest_free(f);
    }
}

/* The drivers' VMLAB_INJECT: a number of flags, or a one-line refusal. */
static void test_guest_inject_variable(void)
{
    unsigned inject = 99;
    char report[256];
    CU_ASSERT(fuzz_guest_inject_flags(NULL, &inject, report, sizeof report));
    CU_ASSERT_EQUAL(inject, 0);
    CU_ASSERT(fuzz_guest_inject_flags("0x10", &inject, report, sizeof report));
    CU_ASSERT_EQUAL(inject, INJECT_MAP_SHADOW);
    static const char *const bad[] = {"", "frame", "8x", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "VMLAB_INJECT=%s: not a number (of enum vmm_inject flags)", bad[i]);
        CU_ASSERT_FALSE(fuzz_guest_inject_flags(bad[i], &inject, report, sizeof report));
        CU_ASSERT_STRING_EQUAL(report, want);
    }
}

/* The drivers' VMLAB_TECHNIQUE: a technique's name, or a one-line refusal
 * before any guest runs. */
static void test_guest_technique_variable(void)
{
    char report[256] = "";
    const uint8_t input[16] = {0};
    setenv("VMLAB_TECHNIQUE", "nosuch", 1);
    CU_ASSERT_FALSE(fuzz_check_guest(input, sizeof input, report, sizeof report));
    unsetenv("VMLAB_TECHNIQUE");
    CU_ASSERT_STRING_EQUAL(report, "VMLAB_TECHNIQUE=nosuch: no such technique");
}

/* A valid image with bytes changed here and there. */
static void test_elf(void)
{
    replay("elf", fuzz_check_elf);
    struct asm_result res;
    CU_ASSERT_FATAL(asm_text("_start: li a0, 7\n  la t0, d\n  lw a1, 0(t0)\n  halt a0\n  .data\nd: .word 42\n", &res));
    uint8_t *img = malloc(res.elf_len);
    rng_state = 0x12345u;
    for (int i = 0; i < 3000; i++) {
        memcpy(img, res.elf, res.elf_len);
        for (int k = 1 + (int)(rng() % 4); k > 0; k--)
            img[rng() % res.elf_len] = (uint8_t)rng();
        check_generated("elf", fuzz_check_elf, img, res.elf_len - (rng() % 8 == 0 ? rng() % res.elf_len : 0));
    }
    free(img);
    asm_result_free(&res);
}

/* Sources made of the assembler's own words, in random order. */
static void test_asm(void)
{
    replay("asm", fuzz_check_asm);
    static const char *const words[] = {
        "add", "addi", "lw", "sw", "beq", "jal", "jalr", "li", "la", "mtcr", "mfcr", "halt", "rfe", ".word", ".byte",
        ".space", ".equ", ".org", ".align", ".data", ".text", ".asciz", ".globl", "t0", "a0", "zero", "sp", "ra",
        "status", "ptb", "x", "y", "1", "-1", "0x7fff", "0xffffffff", "(", ")", ",", ":", "+", "-", "*", "/", "%",
        "<<", ">>", "&", "|", "^", "~", "\"s\"", "'c'", "#", "\n", "\n", "\n", "1:", "1b", "1f", ". ", "x:",
        "y:", "%hi(x)", "%lo(x)"};
    const size_t nwords = sizeof words / sizeof words[0];
    static char src[4096];
    rng_state = 0xabcdefu;
    for (int i = 0; i < 3000; i++) {
        size_t len = 0, n = 1 + rng() % 60;
        for (size_t k = 0; k < n; k++) {
            const char *w = words[rng() % nwords];
            size_t wl = strlen(w);
            if (len + wl + 2 >= sizeof src)
                break;
            memcpy(src + len, w, wl);
            len += wl;
            src[len++] = rng() % 4 ? ' ' : '\n';
        }
        check_generated("asm", fuzz_check_asm, (const uint8_t *)src, len);
    }
}

/* Command lines of dictionary words ("@N") and stray text. */
static void test_vrun(void)
{
    replay("vrun", fuzz_check_vrun);
    static char line[1024];
    rng_state = 0x5eed;
    for (int i = 0; i < 300; i++) {
        size_t len = 0;
        for (int k = 1 + (int)(rng() % 8); k > 0; k--)
            len += (size_t)snprintf(line + len, sizeof line - len, rng() % 8 ? "@%u\n" : "x%u\n", rng() % 64);
        check_generated("vrun", fuzz_check_vrun, (const uint8_t *)line, len);
    }
}

void suite_fuzzregress(void)
{
    CU_pSuite s = CU_add_suite("fuzzregress", NULL, NULL);
    CU_add_test(s, "guest: kept inputs and 1,500 generated guests", test_guest);
    CU_add_test(s, "guest: every deliberately broken VMM is caught", test_guest_catches_broken_vmms);
    CU_add_test(s, "guest: VMLAB_INJECT read, or refused in one line", test_guest_inject_variable);
    CU_add_test(s, "guest: VMLAB_TECHNIQUE refused in one line when it names none", test_guest_technique_variable);
    CU_add_test(s, "elf: kept inputs and 3,000 damaged images", test_elf);
    CU_add_test(s, "asm: kept inputs and 3,000 random sources", test_asm);
    CU_add_test(s, "vrun: kept command lines and 300 random ones", test_vrun);
}
