/*
 * workloads.h - the guest-OS workloads every test runs: each is a boot
 * string for build/guest-os/kernel.elf with the machine it needs.  One
 * table serves the golden-file tests (test_guest.c) and the equivalence
 * proof (test_equivalence.c), so a workload added here is checked both
 * ways.  Each has tests/golden/NAME.out, the output of
 *     vrun --native build/guest-os/kernel.elf --boot 'BOOT' [-m MEM]
 *          [--disk FILE] [< INPUT]
 * (the disk a file of zeros), normalized: user addresses by symbol
 * (golden.h), so that a longer guest-os/user/lib.s leaves it right.
 */
#ifndef VMLAB_TESTS_WORKLOADS_H
#define VMLAB_TESTS_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"
#include "machine.h"

#define GUEST_KERNEL "build/guest-os/kernel.elf"
#define GUEST_DEFAULT_MEM (16u << 20)
#define GUEST_INSN_LIMIT 400000000ull /* a hung kernel fails its test instead of hanging it */

struct guest_opts {
    const char *boot;          /* NULL: no boot string (the demo) */
    uint32_t mem;              /* 0: GUEST_DEFAULT_MEM */
    enum isa_variant isa;
    unsigned disk_blocks;      /* 0: no disk; else a disk of zeros */
    const char *input;         /* console input, NULL: none */
};

struct guest_workload {
    const char *name;          /* tests/golden/NAME.out */
    struct guest_opts o;
    unsigned results;          /* how many lines the oracles of test_guest.c must check */
};

/* CUnit tests take no arguments: a file that wants one test per workload
 * defines F(i) and expands GUEST_WORKLOAD_INDEXES(F). */
#define GUEST_NWORKLOADS 25
#define GUEST_WORKLOAD_INDEXES(F)                                                                       \
    F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15) F(16) F(17)    \
    F(18) F(19) F(20) F(21) F(22) F(23) F(24)

extern const struct guest_workload guest_workloads[GUEST_NWORKLOADS];

/* The workload of that name, NULL if none. */
const struct guest_workload *guest_workload(const char *name);

/* The golden outputs: NAME.out for each workload, and what the runner's
 * tests compare with. */
#define GUEST_GOLDEN_DIR "tests/golden"
/* GUEST_GOLDEN_DIR/NAME.out, NUL-terminated ("" if it cannot be read);
 * len may be NULL; free() it. */
char *guest_golden(const char *name, size_t *len);

/* The build of the guest OS whose symbols normalize a console (golden.h):
 * kernel.elf and user/NAME.elf. */
#define GUEST_OS_DIR "build/guest-os"
/* A console as the golden files hold it (tests/golden.h: user addresses by
 * symbol), by GUEST_OS_DIR's symbols; NUL-terminated, its length in *nlen
 * (may be NULL); free() it.  NULL, and a CUnit failure saying why, if the
 * symbols cannot be read.  Every comparison with a golden file goes
 * through it; VMLAB_GOLDEN_UPDATE=1 writes its result. */
char *guest_normalized(const char *out, size_t len, size_t *nlen);
/* Is the console out (len bytes), normalized, the golden file NAME.out?
 * On a difference, says on stderr at which line, for who. */
bool guest_golden_same(const char *name, const char *out, size_t len, const char *who);

/* The kernel image, read once per process; NULL (and a CUnit failure
 * saying how to build it) if it is missing.  guest_kernel_free has the
 * form of a CUnit suite cleanup, which is where it serves. */
const struct elf_image *guest_kernel(void);
int guest_kernel_free(void);

uint32_t guest_mem(const struct guest_opts *o);
/* A disk of o->disk_blocks zero blocks (NULL if none); free() it. */
uint8_t *guest_disk(const struct guest_opts *o, size_t *len);

#endif
