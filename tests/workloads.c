/*
 * workloads.c - the table of guest-OS workloads (workloads.h).
 */
#include "workloads.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "scratch.h"

const struct guest_workload guest_workloads[GUEST_NWORKLOADS] = {
    /* the default demo: no boot string */
    {"demo", {.boot = NULL}, 5},
    /* each program of docs/guest-os.md with its default argument */
    {"hello", {.boot = "hello"}, 0},
    {"crc", {.boot = "crc"}, 1},
    {"primes", {.boot = "primes"}, 1},
    {"matmul", {.boot = "matmul"}, 1},
    {"syscalls", {.boot = "syscalls"}, 0},
    {"memory", {.boot = "memory"}, 1},
    {"forkwait", {.boot = "forkwait"}, 1},
    {"pingpong", {.boot = "pingpong"}, 0},
    {"dirty", {.boot = "dirty"}, 0},
    {"disk", {.boot = "disk", .disk_blocks = 16}, 0},
    {"disk-none", {.boot = "disk"}, 0},
    {"echo", {.boot = "echo", .input = "hello\nworld\n\nno newline at the end"}, 0},
    /* the misbehaving ones, alone */
    {"priv", {.boot = "priv"}, 0},
    {"kaccess", {.boot = "kaccess"}, 0},
    {"badptr", {.boot = "badptr"}, 0},
    {"div0", {.boot = "div0"}, 0},
    {"illegal", {.boot = "illegal"}, 0},
    {"misalign", {.boot = "misalign"}, 0},
    {"badargs", {.boot = "badargs"}, 0},
    {"wild", {.boot = "wild 1; wild 2; wild 3; wild 4; wild 5; wild 6; wild 7; wild 8; wild; hello"}, 0},
    /* misbehaving programs among well-behaved ones: they are killed, the others finish */
    {"misbehave",
     {.boot = "priv; hello; kaccess; crc 1000; badptr; div0; illegal; misalign; badargs; primes 1000; forkwait 30"},
     3},
    /* three processes want the disk at once: two sleep until it is free */
    {"disk-busy", {.boot = "disk; disk; disk", .disk_blocks = 16}, 0},
    /* a full process table and little memory: fork fails and is retried */
    {"crowded", {.boot = "forkwait 300; forkwait 300; memory 200; matmul 40", .mem = 4u << 20}, 4},
    /* init's parsing: unknown program, extra blanks and separators */
    {"init", {.boot = "nosuch; hello 1 2 3 ;;  ; primes   100  ;"}, 1},
};

const struct guest_workload *guest_workload(const char *name)
{
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        if (strcmp(guest_workloads[i].name, name) == 0)
            return &guest_workloads[i];
    return NULL;
}

char *guest_golden(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.out", GUEST_GOLDEN_DIR, name);
    return slurp(path, len);
}

char *guest_normalized(const char *out, size_t len, size_t *nlen)
{
    char err[400];
    struct golden_syms *g = golden_syms_open(GUEST_OS_DIR, err, sizeof err);
    if (!g) {
        fprintf(stderr, "\n%s (make guest builds it; make check does)\n", err);
        CU_FAIL("the guest OS's symbols cannot be read: no console can be normalized");
        return NULL;
    }
    char *n = golden_normalize(g, out, len, nlen);
    golden_syms_close(g);
    CU_ASSERT_PTR_NOT_NULL(n);
    return n;
}

bool guest_golden_same(const char *name, const char *out, size_t len, const char *who)
{
    size_t glen, nlen;
    char *want = guest_golden(name, &glen), *got = out ? guest_normalized(out, len, &nlen) : NULL;
    bool same = got && nlen == glen && memcmp(got, want, glen) == 0;
    if (!same && got) {
        size_t i = 0, line = 1;
        while (i < glen && i < nlen && want[i] == got[i])
            line += want[i++] == '\n';
        fprintf(stderr, "\n  %s: the console, normalized, differs from %s/%s.out at line %zu\n", who,
                GUEST_GOLDEN_DIR, name, line);
    }
    free(want);
    free(got);
    return same;
}

static struct elf_image kernel;
static bool kernel_loaded;

const struct elf_image *guest_kernel(void)
{
    if (!kernel_loaded) {
        char err[300];
        if (!elf_read_file(GUEST_KERNEL, &kernel, err, sizeof err)) {
            fprintf(stderr, "\n%s: %s (make guest builds it; make check does)\n", GUEST_KERNEL, err);
            CU_FAIL("the guest kernel is not built");
            return NULL;
        }
        kernel_loaded = true;
    }
    return &kernel;
}

int guest_kernel_free(void)
{
    if (kernel_loaded)
        elf_free(&kernel);
    kernel_loaded = false;
    return 0;
}

uint32_t guest_mem(const struct guest_opts *o) { return o->mem ? o->mem : GUEST_DEFAULT_MEM; }

uint8_t *guest_disk(const struct guest_opts *o, size_t *len)
{
    *len = (size_t)o->disk_blocks * 512;
    return o->disk_blocks ? calloc(1, *len) : NULL;
}
