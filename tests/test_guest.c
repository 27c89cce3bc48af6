/*
 * test_guest.c - the guest OS (guest-os/, docs/guest-os.md) on the bare
 * machine, checked two independent ways:
 *
 *   1. Golden files.  Each workload boots build/guest-os/kernel.elf
 *      in-process (machine_new, elf_boot, machine_run, console captured)
 *      and its console output, normalized (golden.h: user addresses by
 *      symbol, so that a longer guest-os/user/lib.s changes nothing), must
 *      equal tests/golden/NAME.out byte for byte.  A golden file is the
 *      normalized output of
 *          vrun --native build/guest-os/kernel.elf --boot 'BOOT' [-m MEM]
 *               [--disk FILE] [< INPUT]
 *      with the options in the table of workloads.c (the disk a file of zeros).
 *      VMLAB_GOLDEN_UPDATE=1 rewrites them (see check_golden).
 *   2. Oracles.  Every numeric result the programs print (CRC-32, prime
 *      count, matrix sum, memory checksum, forkwait sum) is recomputed here
 *      in C, from the definitions in docs/guest-os.md, so a wrong simulator
 *      (or a wrong golden file) cannot agree with itself.  The oracles are
 *      checked against known answers first.
 *
 * Besides: the kernel on other memory sizes and on the x86like variant;
 * the disk image after the disk test; misbehaving programs killed with
 * one line while the others finish; determinism; a 4095-byte boot string;
 * and, under the VMM, the supervisor-mode sanity check (x86like) and
 * lockstep equivalence of a workload under every shadow policy.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_load.h"
#include "lockstep.h"
#include "machine.h"
#include "scratch.h"
#include "vmm.h"
#include "workloads.h"

#define ACTUAL_DIR "build/guest-os/actual" /* outputs that did not match, for diff */
#define MIB (1u << 20)
#define DEFAULT_MEM GUEST_DEFAULT_MEM
#define INSN_LIMIT GUEST_INSN_LIMIT

/* ---- the oracles ----------------------------------------------------------- */

/* crc N: zlib's CRC-32 of N bytes, byte i = (i*7 + 3) & 0xff. */
static uint32_t crc32_bytes(const uint8_t *b, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= b[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint32_t oracle_crc(uint32_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + 3);
    uint32_t c = crc32_bytes(b, n);
    free(b);
    return c;
}

/* primes N: how many primes are below N (trial division: not the guest's sieve). */
static uint32_t oracle_primes(uint32_t n)
{
    uint32_t count = 0;
    for (uint32_t p = 2; p < n; p++) {
        bool prime = true;
        for (uint32_t d = 2; d * d <= p; d++)
            if (p % d == 0) {
                prime = false;
                break;
            }
        count += prime;
    }
    return count;
}

/* matmul N: the wrapping sum of C = A x B, A[i][j] = i+j, B[i][j] = i-j. */
static int32_t oracle_matmul(uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            for (uint32_t k = 0; k < n; k++)
                sum += (i + k) * (k - j);
    return (int32_t)sum;
}

/* memory N: word k = k * 0x9E3779B1 over N pages; sum = sum * 31 + word. */
static uint32_t oracle_memory(uint32_t pages)
{
    uint32_t sum = 0;
    for (uint32_t k = 0; k < pages * 1024; k++)
        sum = sum * 31 + k * 0x9E3779B1u;
    return sum;
}

/* forkwait N: child i exits with i & 0xff; the parent adds the statuses. */
static uint32_t oracle_forkwait(uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += i & 0xff;
    return sum;
}

/* The oracles themselves, against answers known from elsewhere. */
static void test_oracles(void)
{
    CU_ASSERT_EQUAL(crc32_bytes((const uint8_t *)"123456789", 9), 0xCBF43926u); /* the CRC-32 check value */
    CU_ASSERT_EQUAL(crc32_bytes(NULL, 0), 0);
    CU_ASSERT_EQUAL(oracle_primes(10), 4);
    CU_ASSERT_EQUAL(oracle_primes(5000), 669);
    CU_ASSERT_EQUAL(oracle_primes(10000), 1229);
    CU_ASSERT_EQUAL(oracle_primes(2), 0);
    /* matmul 2: A = [0 1; 1 2], B = [0 -1; 1 0], C = [1 0; 2 -1], sum 2 */
    CU_ASSERT_EQUAL(oracle_matmul(2), 2);
    CU_ASSERT_EQUAL(oracle_matmul(1), 0);
    CU_ASSERT_EQUAL(oracle_memory(0), 0);
    CU_ASSERT_EQUAL(oracle_forkwait(200), 19900);
    CU_ASSERT_EQUAL(oracle_forkwait(300), 32640 + 946);
}

/* Check every numeric result line of an output against its oracle.
 * Returns how many lines were checked. */
static unsigned check_results(const char *out)
{
    unsigned checked = 0;
    for (const char *line = out; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
        unsigned n, m, v;
        int s;
        char buf[200];
        size_t len = strcspn(line, "\n");
        if (len >= sizeof buf)
            continue;
        memcpy(buf, line, len);
        buf[len] = '\0';
        if (sscanf(buf, "crc %u: 0x%x", &n, &v) == 2) {
            if (v != oracle_crc(n))
                fprintf(stderr, "\n  '%s': the oracle says 0x%08x\n", buf, oracle_crc(n));
            CU_ASSERT_EQUAL(v, oracle_crc(n));
        } else if (sscanf(buf, "primes %u: %u", &n, &v) == 2) {
            if (v != oracle_primes(n))
                fprintf(stderr, "\n  '%s': the oracle says %u\n", buf, oracle_primes(n));
            CU_ASSERT_EQUAL(v, oracle_primes(n));
        } else if (sscanf(buf, "matmul %u: %d", &n, &s) == 2) {
            if (s != oracle_matmul(n))
                fprintf(stderr, "\n  '%s': the oracle says %d\n", buf, oracle_matmul(n));
            CU_ASSERT_EQUAL(s, oracle_matmul(n));
        } else if (sscanf(buf, "memory %u: pages %u sum 0x%x", &n, &m, &v) == 3) {
            CU_ASSERT_EQUAL(n, m);
            if (v != oracle_memory(n))
                fprintf(stderr, "\n  '%s': the oracle says 0x%08x\n", buf, oracle_memory(n));
            CU_ASSERT_EQUAL(v, oracle_memory(n));
        } else if (sscanf(buf, "forkwait %u: %u", &n, &v) == 2) {
            if (v != oracle_forkwait(n))
                fprintf(stderr, "\n  '%s': the oracle says %u\n", buf, oracle_forkwait(n));
            CU_ASSERT_EQUAL(v, oracle_forkwait(n));
        } else {
            continue;
        }
        checked++;
    }
    return checked;
}

/* ---- running the kernel -------------------------------------------------------- */

static const struct elf_image *kernel;

/* The kernel image (workloads.c reads it once). */
static bool have_kernel(void)
{
    kernel = guest_kernel();
    return kernel != NULL;
}

struct run {
    enum exit_reason reason;
    uint32_t value;            /* halt's register */
    uint64_t instret;
    char *out;                 /* console output, NUL-terminated */
    size_t outlen;
    uint8_t *disk;             /* the disk afterwards */
    size_t disklen;
    const char *in;
    size_t inpos;
};

static void cap_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct run *r = ctx;
    r->out = realloc(r->out, r->outlen + len + 1);
    memcpy(r->out + r->outlen, buf, len);
    r->outlen += len;
    r->out[r->outlen] = '\0';
}

static int cap_read(void *ctx)
{
    struct run *r = ctx;
    if (!r->in || !r->in[r->inpos])
        return -1;
    return (unsigned char)r->in[r->inpos++];
}

/* Boot the kernel natively with these options and run it to the end. */
static bool boot(const struct guest_opts *o, struct run *r)
{
    memset(r, 0, sizeof *r);
    r->out = calloc(1, 1);
    r->in = o->input;
    if (!have_kernel())
        return false;
    char err[300];
    struct machine_config cfg = {.mem_size = guest_mem(o), .isa = o->isa};
    struct machine *m = machine_new(&cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    machine_set_console(m, &(struct console_io){.ctx = r, .read = cap_read, .write = cap_write});
    size_t disklen;
    uint8_t *zeros = guest_disk(o, &disklen);
    if (zeros)
        CU_ASSERT_FATAL(machine_attach_disk(m, zeros, disklen));
    free(zeros);
    if (!elf_boot(m, kernel, o->boot, err, sizeof err)) {
        fprintf(stderr, "\nelf_boot: %s\n", err);
        CU_FAIL("elf_boot");
        machine_free(m);
        return false;
    }
    struct vm_exit x;
    r->reason = machine_run(m, INSN_LIMIT, &x);
    r->value = x.value;
    r->instret = machine_cpu(m)->instret;
    if (o->disk_blocks) {
        bool written;
        const uint8_t *d = machine_disk_image(m, &r->disklen, &written);
        r->disk = malloc(r->disklen);
        memcpy(r->disk, d, r->disklen);
    }
    machine_free(m);
    if (r->reason != EXIT_HALT || r->value != 0)
        fprintf(stderr, "\nkernel (boot '%s'): exit reason %d, value %u, output:\n%s\n", o->boot ? o->boot : "",
                r->reason, r->value, r->out);
    return true;
}

static void run_free(struct run *r)
{
    free(r->out);
    free(r->disk);
}

/* Compare with tests/golden/NAME.out, the console normalized (golden.h:
 * user addresses by symbol).  On a difference, say where, and keep the
 * normalized output in build/guest-os/actual/NAME.out for diff.
 * With VMLAB_GOLDEN_UPDATE=1 in the environment, write the golden file
 * instead (after a deliberate change to the guest OS: review the result
 * with git diff; the oracles still check every number). */
static void check_golden(const char *name, const struct run *r)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.out", GUEST_GOLDEN_DIR, name);
    size_t outlen;
    char *out = guest_normalized(r->out, r->outlen, &outlen);
    if (!out)
        return;
    const char *update = getenv("VMLAB_GOLDEN_UPDATE");
    if (update && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT(fwrite(out, 1, outlen, f) == outlen);
        fclose(f);
        fprintf(stderr, "\nwrote %s\n", path);
        free(out);
        return;
    }
    size_t len;
    char *want = file_bytes(path, &len);
    if (!want) {
        fprintf(stderr, "\n%s: %s\n", path, strerror(errno));
        CU_FAIL("golden file missing");
        free(out);
        return;
    }
    bool same = len == outlen && memcmp(want, out, len) == 0;
    CU_ASSERT(same);
    if (!same) {
        size_t i = 0, line = 1;
        while (i < len && i < outlen && want[i] == out[i])
            line += want[i++] == '\n';
        mkdir("build/guest-os", 0777);
        mkdir(ACTUAL_DIR, 0777);
        char apath[256];
        snprintf(apath, sizeof apath, "%s/%s.out", ACTUAL_DIR, name);
        FILE *f = fopen(apath, "wb");
        if (f) {
            fwrite(out, 1, outlen, f);
            fclose(f);
        }
        fprintf(stderr, "\n%s: differs from the output at line %zu (the output, normalized, is in %s)\n", path,
                line, apath);
    }
    free(want);
    free(out);
}

/* ---- the workloads with golden files ------------------------------------------------ */

/* The table is in workloads.c (the equivalence proof runs it too). */
#define NWORKLOADS GUEST_NWORKLOADS

static void run_workload(const struct guest_workload *w)
{
    struct run r;
    if (!boot(&w->o, &r)) {
        run_free(&r);
        return;
    }
    CU_ASSERT_EQUAL(r.reason, EXIT_HALT);
    CU_ASSERT_EQUAL(r.value, 0);
    check_golden(w->name, &r);
    CU_ASSERT_EQUAL(check_results(r.out), w->results);
    CU_ASSERT_PTR_NULL(strstr(r.out, "kernel: leak")); /* every page came back */
    CU_ASSERT_PTR_NULL(strstr(r.out, "panic"));
    run_free(&r);
}

#define WORKLOAD_TEST(i)                                                                                  \
    static void test_workload_##i(void) { run_workload(&guest_workloads[i]); }
GUEST_WORKLOAD_INDEXES(WORKLOAD_TEST)
#define WORKLOAD_FN(i) test_workload_##i,
static void (*const workload_tests[])(void) = {GUEST_WORKLOAD_INDEXES(WORKLOAD_FN)};
_Static_assert(sizeof workload_tests / sizeof workload_tests[0] == NWORKLOADS,
               "GUEST_WORKLOAD_INDEXES must count 0 .. GUEST_NWORKLOADS - 1");

/* Every file in tests/golden/ belongs to a workload above (none is stale). */
static void test_golden_files_used(void)
{
    DIR *d = opendir(GUEST_GOLDEN_DIR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *e;
    unsigned files = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".out") != 0)
            continue;
        files++;
        bool used = false;
        for (size_t i = 0; i < NWORKLOADS; i++)
            if (strlen(guest_workloads[i].name) == n - 4 && strncmp(guest_workloads[i].name, e->d_name, n - 4) == 0)
                used = true;
        if (!used)
            fprintf(stderr, "\n%s/%s: no workload uses it\n", GUEST_GOLDEN_DIR, e->d_name);
        CU_ASSERT(used);
    }
    closedir(d);
    CU_ASSERT_EQUAL(files, NWORKLOADS);
}

/* ---- more checks ----------------------------------------------------------------------- */

/* The whole output expected from one command, from the oracle alone. */
static void expect_alone(const char *bootstr, const char *line, uint32_t mem)
{
    char want[512];
    snprintf(want, sizeof want, "kernel: %u KiB of memory, paging on\n%sinit: done\nkernel: halt\n",
             (mem ? mem : DEFAULT_MEM) >> 10, line);
    struct run r;
    if (boot(&(struct guest_opts){.boot = bootstr, .mem = mem}, &r)) {
        CU_ASSERT_EQUAL(r.reason, EXIT_HALT);
        CU_ASSERT_EQUAL(r.value, 0);
        if (strcmp(r.out, want) != 0)
            fprintf(stderr, "\nboot '%s': got\n%swanted\n%s", bootstr, r.out, want);
        CU_ASSERT_STRING_EQUAL(r.out, want);
    }
    run_free(&r);
}

/* Other sizes than the defaults, edge cases included: the output is made
 * here from the oracles, without a golden file. */
static void test_oracle_sweep(void)
{
    static const uint32_t crc_n[] = {0, 1, 3, 4095, 4097, 10000};
    static const uint32_t primes_n[] = {0, 2, 3, 100, 30000};
    static const uint32_t matmul_n[] = {1, 2, 7, 50};
    static const uint32_t memory_n[] = {0, 1, 100};
    static const uint32_t forkwait_n[] = {0, 1, 63, 64, 65};
    char b[64], l[128];
    for (size_t i = 0; i < sizeof crc_n / sizeof crc_n[0]; i++) {
        snprintf(b, sizeof b, "crc %u", crc_n[i]);
        snprintf(l, sizeof l, "crc %u: 0x%08x\n", crc_n[i], oracle_crc(crc_n[i]));
        expect_alone(b, l, 0);
    }
    for (size_t i = 0; i < sizeof primes_n / sizeof primes_n[0]; i++) {
        snprintf(b, sizeof b, "primes %u", primes_n[i]);
        snprintf(l, sizeof l, "primes %u: %u\n", primes_n[i], oracle_primes(primes_n[i]));
        expect_alone(b, l, 0);
    }
    for (size_t i = 0; i < sizeof matmul_n / sizeof matmul_n[0]; i++) {
        snprintf(b, sizeof b, "matmul %u", matmul_n[i]);
        snprintf(l, sizeof l, "matmul %u: %d\n", matmul_n[i], oracle_matmul(matmul_n[i]));
        expect_alone(b, l, 0);
    }
    for (size_t i = 0; i < sizeof memory_n / sizeof memory_n[0]; i++) {
        snprintf(b, sizeof b, "memory %u", memory_n[i]);
        snprintf(l, sizeof l, "memory %u: pages %u sum 0x%08x\n", memory_n[i], memory_n[i],
                 oracle_memory(memory_n[i]));
        expect_alone(b, l, 0);
    }
    for (size_t i = 0; i < sizeof forkwait_n / sizeof forkwait_n[0]; i++) {
        snprintf(b, sizeof b, "forkwait %u", forkwait_n[i]);
        snprintf(l, sizeof l, "forkwait %u: %u\n", forkwait_n[i], oracle_forkwait(forkwait_n[i]));
        expect_alone(b, l, 0);
    }
}

/* Any memory size from 4 MiB up (not only multiples of the 4 MiB a
 * level-2 table covers), and the x86like variant on the bare machine,
 * where rdsr/wrsr/rdptb in supervisor mode behave as in pg. */
static void test_memory_sizes_and_variants(void)
{
    static const uint32_t sizes[] = {4 * MIB, 4 * MIB + 8192, 5 * MIB, 64 * MIB};
    char l[200];
    snprintf(l, sizeof l, "hello, world\nforkwait 100: %u\n", oracle_forkwait(100));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        expect_alone("hello; forkwait 100", l, sizes[i]);

    struct run pg, x86;
    if (boot(&(struct guest_opts){.boot = NULL, .isa = ISA_PG}, &pg) &&
        boot(&(struct guest_opts){.boot = NULL, .isa = ISA_X86LIKE}, &x86)) {
        CU_ASSERT_STRING_EQUAL(pg.out, x86.out);
        CU_ASSERT_EQUAL(pg.instret, x86.instret);
        CU_ASSERT_EQUAL(x86.reason, EXIT_HALT);
    }
    run_free(&pg);
    run_free(&x86);
}

/* Same image, boot string and input: the same output and instruction
 * count, every time. */
static void test_determinism(void)
{
    struct run a, b;
    struct guest_opts o = {.boot = "forkwait 40; pingpong 50; memory 10; disk; syscalls 100", .disk_blocks = 8};
    if (boot(&o, &a) && boot(&o, &b)) {
        CU_ASSERT_STRING_EQUAL(a.out, b.out);
        CU_ASSERT_EQUAL(a.instret, b.instret);
        CU_ASSERT_EQUAL(check_results(a.out), 2);
    }
    run_free(&a);
    run_free(&b);
}

/* The disk test writes its pattern to block 3 (through a buffer that
 * crosses a page boundary) and nothing else. */
static void test_disk_image(void)
{
    struct run r;
    if (boot(&(struct guest_opts){.boot = "disk; disk", .disk_blocks = 5}, &r)) {
        CU_ASSERT_EQUAL(r.reason, EXIT_HALT);
        CU_ASSERT_EQUAL_FATAL(r.disklen, 5 * 512);
        for (unsigned i = 0; i < r.disklen; i++) {
            uint8_t want = i / 512 == 3 ? (uint8_t)((i % 512) * 13 + 5) : 0;
            if (r.disk[i] != want) {
                fprintf(stderr, "\ndisk byte %u: 0x%02x, wanted 0x%02x\n", i, r.disk[i], want);
                CU_FAIL("disk image");
                break;
            }
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "disk: block 3 ok\ndisk: block 3 ok\n"));
    }
    run_free(&r);
    /* a disk of 3 blocks has no block 3: -1, reported as "no disk", no hang */
    if (boot(&(struct guest_opts){.boot = "disk", .disk_blocks = 3}, &r))
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "disk: no disk\n"));
    run_free(&r);
}

/* The kill lines: one per misbehaving program, naming the cause and pc. */
static void test_kill_lines(void)
{
    static const char *const lines[] = {
        "(priv): privileged at pc 0x", ", instruction 0x60000000\n",
        "(kaccess): page-fault at pc 0x", ", address 0x00001000\n",
        "(badptr): bad pointer 0x00001000 in write at pc 0x",
        "(div0): div-zero at pc 0x",
        "(illegal): illegal at pc 0x", ", instruction 0x00000000\n",
        "(misalign): misaligned at pc 0x",
        "(badargs): bad pointer 0x40000000 in read at pc 0x",
    };
    const struct guest_workload *w = guest_workload("misbehave");
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct run r;
    if (boot(&w->o, &r)) {
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            if (!strstr(r.out, lines[i]))
                fprintf(stderr, "\nmissing: '%s'\n", lines[i]);
            CU_ASSERT_PTR_NOT_NULL(strstr(r.out, lines[i]));
        }
        unsigned kills = 0;
        for (const char *p = r.out; (p = strstr(p, "kernel: killed pid ")) != NULL; p++)
            kills++;
        CU_ASSERT_EQUAL(kills, 7);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "hello, world\n"));
        CU_ASSERT_PTR_NULL(strstr(r.out, "still alive"));
        CU_ASSERT_EQUAL(check_results(r.out), 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "init: done\nkernel: halt\n"));
    }
    run_free(&r);
}

/* Out of memory: a heap larger than memory.  The process touching it dies
 * with one line; the others finish, and every page comes back.  (No golden
 * file: where memory runs out depends on the size of the kernel image.) */
static void test_out_of_memory(void)
{
    struct run r;
    if (boot(&(struct guest_opts){.boot = "memory 2000; hello; forkwait 50", .mem = 4 * MIB}, &r)) {
        CU_ASSERT_EQUAL(r.reason, EXIT_HALT);
        CU_ASSERT_EQUAL(r.value, 0);
        const char *kill = strstr(r.out, "kernel: killed pid 2 (memory): out of memory at pc 0x");
        CU_ASSERT_PTR_NOT_NULL(kill);
        if (kill) {
            unsigned pc, addr;
            CU_ASSERT_EQUAL(sscanf(kill, "kernel: killed pid 2 (memory): out of memory at pc 0x%x, address 0x%x\n",
                                   &pc, &addr), 2);
            CU_ASSERT(addr >= 0x40000000u + 2 * MIB && addr < 0x40000000u + 4 * MIB); /* some 3 MiB are free */
            CU_ASSERT_EQUAL(addr % 4096, 0);
        }
        CU_ASSERT_PTR_NULL(strstr(r.out, "memory 2000:"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "hello, world\n"));
        CU_ASSERT_EQUAL(check_results(r.out), 1); /* forkwait */
        CU_ASSERT_PTR_NULL(strstr(r.out, "kernel: leak"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "init: done\nkernel: halt\n"));
    }
    run_free(&r);
}

/* The longest boot string the loader takes (4095 bytes) reaches init whole. */
static void test_long_boot_string(void)
{
    char s[4096];
    memset(s, ' ', sizeof s);
    memcpy(s, "hello;", 6);
    memcpy(s + sizeof s - 1 - 10, "primes 100", 10);
    s[sizeof s - 1] = '\0';
    char l[100];
    snprintf(l, sizeof l, "hello, world\nprimes 100: %u\n", oracle_primes(100));
    expect_alone(s, l, 0);
}

/* ---- under the VMM ---------------------------------------------------------------------------- */

/* On the x86like variant rdsr does not trap in user mode, so the kernel,
 * deprivileged by the VMM, reads the real status word (S = 0): its sanity
 * check must catch that at boot, with its one line, and halt with 1. */
static void test_vmm_x86like_sanity_check(void)
{
    if (!have_kernel())
        return;
    char err[300];
    struct run r = {.out = calloc(1, 1)};
    struct vmm_config vc = {.isa = ISA_X86LIKE, .policy = SHADOW_CACHE};
    struct vmm *v = vmm_new(&vc, DEFAULT_MEM + 4 * MIB + PAGE_SIZE, err, sizeof err); /* + frame 0, never used */
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct vm_config cfg = {.name = "guest", .mem_size = DEFAULT_MEM, .image = kernel, .bootarg = "hello",
                            .io = {.ctx = &r, .write = cap_write}, .max_insns = INSN_LIMIT};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_run(v);
    CU_ASSERT_EQUAL(vm_state(vm), VM_HALTED);
    CU_ASSERT_EQUAL(vm_exit_value(vm), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "kernel: panic: not in supervisor mode (status 0x"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "hello, world"));
    vmm_free(v);
    run_free(&r);
}

/* The kernel relies only on what docs/isa.md promises, so under the VMM it
 * must do exactly what it does on the bare machine: lockstep finds no
 * difference, under every shadow policy. */
static void test_vmm_lockstep(void)
{
    if (!have_kernel())
        return;
    static const char boot_str[] = "hello; dirty; disk; priv; badptr; forkwait 8; pingpong 10; memory 4; crc 100";
    uint8_t *disk = calloc(8, 512);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct lockstep_config c = {.image = kernel, .bootarg = boot_str, .mem_size = DEFAULT_MEM,
                                    .isa = ISA_PG, .policy = (enum shadow_policy)p, .disk = disk,
                                    .disk_len = 8 * 512, .stride = 997};
        struct lockstep_result res;
        char err[300];
        CU_ASSERT_FATAL(lockstep_run(&c, &res, err, sizeof err));
        if (res.diverged)
            fprintf(stderr, "\nguest OS under the VMM (%s shadows): differs after %" PRIu64 " instructions: %s\n",
                    shadow_policy_name((enum shadow_policy)p), res.instret, res.what);
        CU_ASSERT_FALSE(res.diverged);
        CU_ASSERT_TRUE(res.both_stopped);
    }
    free(disk);
}

/* The build leaves the kernel's listing and symbol map beside it, made
 * from the same assembly: every global symbol of the image is in the map
 * at its address, and the listing shows the entry point's label there. */
static void test_kernel_listing_and_map(void)
{
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(elf_read_file(GUEST_KERNEL, &img, err, sizeof err));
    FILE *map = fopen("build/guest-os/kernel.map", "r"), *lst = fopen("build/guest-os/kernel.lst", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(map);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lst);
    char line[512];
    size_t globals = 0, found = 0;
    for (size_t i = 0; i < img.nsyms; i++) {
        if (img.syms[i].bind != 1 /* STB_GLOBAL */)
            continue;
        globals++;
        char want[300];
        snprintf(want, sizeof want, "%08x  ", img.syms[i].value);
        rewind(map);
        while (fgets(line, sizeof line, map))
            if (strncmp(line, want, strlen(want)) == 0 && strstr(line, " global ") &&
                strcmp(strrchr(line, ' ') + 1, "") != 0) {
                char *name = strrchr(line, ' ') + 1;
                name[strcspn(name, "\n")] = '\0';
                if (strcmp(name, img.syms[i].name) == 0) {
                    found++;
                    break;
                }
            }
    }
    CU_ASSERT(globals > 0);
    CU_ASSERT_EQUAL(found, globals);
    char entry[64];
    snprintf(entry, sizeof entry, "  %08x               _start:", img.entry);
    bool listed = false;
    while (!listed && fgets(line, sizeof line, lst))
        listed = strstr(line, entry) != NULL;
    CU_ASSERT_TRUE(listed);
    fclose(map);
    fclose(lst);
    elf_free(&img);
}

void suite_guest(void)
{
    CU_pSuite s = CU_add_suite("guest", NULL, guest_kernel_free);
    CU_add_test(s, "the oracles agree with known answers", test_oracles);
    CU_add_test(s, "the kernel's listing and symbol map, beside it", test_kernel_listing_and_map);
    for (size_t i = 0; i < NWORKLOADS; i++) {
        static char names[NWORKLOADS][80];
        snprintf(names[i], sizeof names[i], "workload %s: golden file and oracles", guest_workloads[i].name);
        CU_add_test(s, names[i], workload_tests[i]);
    }
    CU_add_test(s, "every golden file belongs to a workload", test_golden_files_used);
    CU_add_test(s, "other sizes: output made from the oracles", test_oracle_sweep);
    CU_add_test(s, "memory sizes 4 MiB to 64 MiB, and x86like", test_memory_sizes_and_variants);
    CU_add_test(s, "same input, same output and counts", test_determinism);
    CU_add_test(s, "disk: block 3 written, nothing else", test_disk_image);
    CU_add_test(s, "misbehaving programs killed with one line each", test_kill_lines);
    CU_add_test(s, "out of memory: one process dies, the rest finish", test_out_of_memory);
    CU_add_test(s, "a 4095-byte boot string", test_long_boot_string);
    CU_add_test(s, "VMM, x86like: the supervisor-mode check fires", test_vmm_x86like_sanity_check);
    CU_add_test(s, "VMM: lockstep with the bare machine, every policy", test_vmm_lockstep);
}
