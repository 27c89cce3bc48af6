/*
 * test_disk_store.c - where a disk's blocks live (isa/disk_store.h) and
 * reading inputs up to a limit (isa/read_capped.h).
 *
 * A file store holds no copy: it reads the file when asked (a change to
 * the file shows at once) and each write is in the file before the call
 * returns.  An overlay never writes its base, each overlay sees only its
 * own writes, and two overlays of a 2 TiB disk compare in the time of the
 * blocks they wrote.  An I/O error is kept and named, and stops the machine
 * (EXIT_DISK_ERROR, at the instant the command completes) or the VM
 * (VM_FAILED) - the device's timing and status codes are test_disk.c's.
 * read_capped never holds more than the limit plus one byte.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk_store.h"
#include "prog.h"
#include "read_capped.h"
#include "rig.h"
#include "scratch.h"
#include "vmm.h"

static char *dir;

static int suite_init(void)
{
    dir = scratch_dir("store");
    return dir ? 0 : 1;
}

static int suite_clean(void)
{
    tmpdir_remove(dir);
    return 0;
}

/* The store's error, "" if none (so that a comparison fails, not crashes). */
static const char *error_of(const struct disk_store *s)
{
    const char *e = s ? disk_store_error(s) : NULL;
    return e ? e : "";
}

static void fill(uint8_t *b, uint8_t v)
{
    for (unsigned i = 0; i < DISK_BLOCK_SIZE; i++)
        b[i] = (uint8_t)(v + i);
}

/* A file of n blocks, block i filled with fill(i). */
static const char *blocks_file(const char *name, unsigned n)
{
    const char *p = path_in(dir, name);
    uint8_t *img = malloc(n * DISK_BLOCK_SIZE);
    for (unsigned i = 0; i < n; i++)
        fill(img + i * DISK_BLOCK_SIZE, (uint8_t)i);
    spit(p, img, n * DISK_BLOCK_SIZE);
    free(img);
    return p;
}

static bool file_block_is(const char *path, unsigned block, const uint8_t *want)
{
    int fd = open(path, O_RDONLY);
    uint8_t b[DISK_BLOCK_SIZE];
    bool ok = fd >= 0 && pread(fd, b, sizeof b, (off_t)block * DISK_BLOCK_SIZE) == (ssize_t)sizeof b &&
              memcmp(b, want, sizeof b) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static struct disk_store *open_ok(const char *path, bool read_only)
{
    char err[300];
    struct stat st;
    struct disk_store *s = disk_store_open(path, read_only, &st, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(s);
    if (!s)
        fprintf(stderr, "\n  %s: %s", path, err);
    return s;
}

/* --- memory ----------------------------------------------------------------- */

static void test_store_memory(void)
{
    uint8_t img[4 * DISK_BLOCK_SIZE], b[DISK_BLOCK_SIZE], w[DISK_BLOCK_SIZE];
    for (unsigned i = 0; i < 4; i++)
        fill(img + i * DISK_BLOCK_SIZE, (uint8_t)i);
    struct disk_store *s = disk_store_memory(img, sizeof img);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(disk_store_blocks(s), 4);
    CU_ASSERT(disk_store_image(s) && disk_store_image(s) != img); /* a copy */
    CU_ASSERT(disk_store_read(s, 2, b) && memcmp(b, img + 2 * DISK_BLOCK_SIZE, sizeof b) == 0);
    CU_ASSERT_FALSE(disk_store_written(s));
    fill(w, 0x80);
    CU_ASSERT(disk_store_write(s, 3, w));
    CU_ASSERT(disk_store_written(s));
    CU_ASSERT(memcmp(disk_store_image(s) + 3 * DISK_BLOCK_SIZE, w, sizeof w) == 0);
    CU_ASSERT_FALSE(disk_store_persistent(s));
    CU_ASSERT_PTR_NULL(disk_store_error(s));
    disk_store_free(s);
    CU_ASSERT_PTR_NULL(disk_store_memory(img, 1000));
    CU_ASSERT_PTR_NULL(disk_store_memory(img, 511));
}

/* --- files ------------------------------------------------------------------ */

/* Reads come from the file when asked; each write is in the file when the
 * call returns; nothing else in the file changes. */
static void test_store_file_in_place(void)
{
    const char *p = blocks_file("inplace.img", 8);
    struct disk_store *s = open_ok(p, false);
    if (!s)
        return;
    CU_ASSERT(disk_store_persistent(s));
    CU_ASSERT_PTR_NULL(disk_store_image(s)); /* no copy */
    CU_ASSERT_EQUAL(disk_store_blocks(s), 8);
    uint8_t b[DISK_BLOCK_SIZE], w[DISK_BLOCK_SIZE];
    CU_ASSERT(disk_store_read(s, 5, b));
    fill(w, 5);
    CU_ASSERT(memcmp(b, w, sizeof b) == 0);
    /* another process changes block 6: the store sees it */
    int fd = open(p, O_WRONLY);
    fill(w, 0x66);
    CU_ASSERT(pwrite(fd, w, sizeof w, 6 * DISK_BLOCK_SIZE) == (ssize_t)sizeof w);
    close(fd);
    CU_ASSERT(disk_store_read(s, 6, b) && memcmp(b, w, sizeof b) == 0);
    /* a write is in the file at once */
    fill(w, 0xa0);
    CU_ASSERT(disk_store_write(s, 2, w));
    CU_ASSERT(file_block_is(p, 2, w));
    CU_ASSERT(disk_store_written(s));
    uint8_t want[DISK_BLOCK_SIZE];
    for (unsigned i = 0; i < 8; i++) {
        if (i == 2 || i == 6)
            continue;
        fill(want, (uint8_t)i);
        CU_ASSERT(file_block_is(p, i, want));
    }
    disk_store_free(s);
}

/* Errors: the first is kept with its block, and the store stays failed. */
static void test_store_file_errors(void)
{
    const char *p = blocks_file("errors.img", 8);
    uint8_t b[DISK_BLOCK_SIZE];
    /* a write the file cannot take (opened for reading only) */
    int fd = open(p, O_RDONLY);
    CU_ASSERT_FATAL(fd >= 0);
    struct disk_store *s = disk_store_file(fd, 8);
    fill(b, 1);
    CU_ASSERT(disk_store_read(s, 1, b));
    CU_ASSERT_FALSE(disk_store_write(s, 3, b));
    CU_ASSERT_STRING_EQUAL(error_of(s), "cannot write block 3: Bad file descriptor");
    CU_ASSERT_FALSE(disk_store_read(s, 1, b)); /* failed for good */
    CU_ASSERT_FALSE(disk_store_written(s));
    disk_store_free(s);
    /* a file cut short under the store */
    s = open_ok(p, false);
    if (!s)
        return;
    CU_ASSERT(truncate(p, 4 * DISK_BLOCK_SIZE + 100) == 0);
    CU_ASSERT(disk_store_read(s, 3, b));
    CU_ASSERT_FALSE(disk_store_read(s, 4, b));
    CU_ASSERT_STRING_EQUAL(error_of(s), "cannot read block 4: the file is shorter than when it was opened");
    disk_store_free(s);
}

static void expect_open_error(const char *path, bool read_only, const char *want)
{
    char err[300] = "";
    struct stat st;
    struct disk_store *s = disk_store_open(path, read_only, &st, err, sizeof err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err, want);
    disk_store_free(s);
}

static void test_store_open(void)
{
    expect_open_error(path_in(dir, "missing.img"), false, "cannot open: No such file or directory");
    expect_open_error(dir, false, "is a directory");
    spit(path_in(dir, "odd.img"), "abc", 3);
    expect_open_error(path_in(dir, "odd.img"), true, "disk image is 3 bytes, not a whole number of 512-byte blocks");
    /* read-only: refused for writing, whoever runs it (root included) */
    const char *ro = blocks_file("ro.img", 2);
    CU_ASSERT_FATAL(chmod(ro, 0444) == 0);
    expect_open_error(ro, false, "is read-only, and the guest's writes go to the disk file");
    struct disk_store *s = open_ok(ro, true);
    disk_store_free(s);
    /* a pipe: read whole into memory, never written back */
    int pfd[2];
    CU_ASSERT_FATAL(pipe(pfd) == 0);
    uint8_t img[2 * DISK_BLOCK_SIZE];
    memset(img, 'p', sizeof img);
    CU_ASSERT(write(pfd[1], img, sizeof img) == (ssize_t)sizeof img);
    close(pfd[1]);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", pfd[0]);
    s = open_ok(path, false);
    close(pfd[0]);
    if (s) {
        CU_ASSERT_FALSE(disk_store_persistent(s));
        CU_ASSERT_EQUAL(disk_store_blocks(s), 2);
        CU_ASSERT(disk_store_image(s) && memcmp(disk_store_image(s), img, sizeof img) == 0);
    }
    disk_store_free(s);
}

/* --- overlays ----------------------------------------------------------------- */

static void test_store_overlay(void)
{
    const char *p = blocks_file("base.img", 8);
    struct disk_store *base = open_ok(p, true);
    if (!base)
        return;
    struct disk_store *a = disk_store_overlay(base), *b = disk_store_overlay(base);
    CU_ASSERT_FATAL(a && b);
    uint32_t block = 99;
    CU_ASSERT(disk_store_same(a, b, &block));
    uint8_t w[DISK_BLOCK_SIZE], r[DISK_BLOCK_SIZE], orig[DISK_BLOCK_SIZE];
    fill(w, 0xee);
    CU_ASSERT(disk_store_write(a, 5, w));
    CU_ASSERT(disk_store_read(a, 5, r) && memcmp(r, w, sizeof r) == 0); /* a sees its write */
    fill(orig, 5);
    CU_ASSERT(disk_store_read(b, 5, r) && memcmp(r, orig, sizeof r) == 0); /* b does not */
    CU_ASSERT(file_block_is(p, 5, orig));                                   /* nor the file */
    CU_ASSERT_FALSE(disk_store_persistent(a));
    CU_ASSERT_FALSE(disk_store_same(a, b, &block));
    CU_ASSERT_EQUAL(block, 5);
    CU_ASSERT(disk_store_write(b, 3, w));
    CU_ASSERT_FALSE(disk_store_same(a, b, &block));
    CU_ASSERT_EQUAL(block, 3); /* the first that differs */
    CU_ASSERT(disk_store_write(a, 3, w));
    CU_ASSERT(disk_store_write(b, 5, w));
    CU_ASSERT(disk_store_same(a, b, &block)); /* the same writes: the same disk */
    /* a block written back to what the base holds is the same as unwritten */
    fill(orig, 7);
    CU_ASSERT(disk_store_write(a, 7, orig));
    CU_ASSERT(disk_store_same(a, b, &block));
    disk_store_free(a);
    disk_store_free(b);
    disk_store_free(base);
}

/* Many overlay blocks (the map grows), on the largest disk: comparing two
 * overlays looks at their blocks, not at 2^32 - 1 of them. */
static void test_store_overlay_large(void)
{
    const char *p = path_in(dir, "large.img");
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    bool sparse = ftruncate(fd, (off_t)DISK_MAX_BLOCKS * DISK_BLOCK_SIZE) == 0;
    close(fd);
    if (!sparse) {
        fprintf(stderr, "\n  no 2 TiB sparse file here: %s", strerror(errno));
        return;
    }
    struct disk_store *base = open_ok(p, true);
    if (!base)
        return;
    CU_ASSERT_EQUAL(disk_store_blocks(base), DISK_MAX_BLOCKS);
    struct disk_store *a = disk_store_overlay(base), *b = disk_store_overlay(base);
    uint8_t w[DISK_BLOCK_SIZE], r[DISK_BLOCK_SIZE];
    for (uint32_t i = 0; i < 5000; i++) {
        uint32_t block = DISK_MAX_BLOCKS - 1 - i * 858993u;
        fill(w, (uint8_t)i);
        CU_ASSERT(disk_store_write(a, block, w));
        CU_ASSERT(disk_store_write(b, block, w));
    }
    for (uint32_t i = 0; i < 5000; i += 499) {
        fill(w, (uint8_t)i);
        CU_ASSERT(disk_store_read(a, DISK_MAX_BLOCKS - 1 - i * 858993u, r) && memcmp(r, w, sizeof r) == 0);
    }
    uint32_t block;
    CU_ASSERT(disk_store_same(a, b, &block));
    fill(w, 1);
    CU_ASSERT(disk_store_write(b, 12345, w));
    CU_ASSERT_FALSE(disk_store_same(a, b, &block));
    CU_ASSERT_EQUAL(block, 12345);
    disk_store_free(a);
    disk_store_free(b);
    disk_store_free(base);
    unlink(p);
}

/* --- a failed store stops its machine ------------------------------------------ */

/* A write to a file opened for reading fails at completion: machine_run
 * returns EXIT_DISK_ERROR after exactly the instructions before the
 * completion (the one that would see it does not run). */
static void test_store_failure_stops_machine(void)
{
    const char *p = blocks_file("stop.img", 8);
    int fd = open(p, O_RDONLY);
    CU_ASSERT_FATAL(fd >= 0);
    struct rig *r = rig_new(ISA_PG, false);
    machine_attach_disk_store(r->m, disk_store_file(fd, 8));
    struct prog q;
    p_init(&q, CODE);
    p_disk_start(&q, DISK_CMD_WRITE, 4, 0x40000);
    uint64_t k = q.n;
    uint32_t loop = p_op(&q, OP_ADDI, 9, 9, 0, 1);
    p_br(&q, OP_BEQ, 0, 0, loop);
    p_load(&q, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_DISK_ERROR);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + DISK_LATENCY);
    CU_ASSERT_STRING_EQUAL(error_of(machine_disk(r->m)), "cannot write block 4: Bad file descriptor");
    /* and it stays stopped */
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_DISK_ERROR);
    CU_ASSERT_EQUAL(CPU(r)->instret, k + DISK_LATENCY);
    rig_free(r);
}

/* The same under the VMM: the VM fails, saying why. */
static void test_store_failure_stops_vm(void)
{
    const char *p = blocks_file("stopvm.img", 8);
    int fd = open(p, O_RDONLY);
    CU_ASSERT_FATAL(fd >= 0);
    struct prog q;
    p_init(&q, 0x1000);
    p_disk_start(&q, DISK_CMD_WRITE, 4, 0x4000);
    uint32_t loop = p_op(&q, OP_WFI, 0, 0, 0, 0); /* waits for the completion */
    p_br(&q, OP_BEQ, 0, 0, loop);
    uint8_t text[4 * PROG_MAX];
    p_bytes(&q, text);
    struct elf_segment seg = {.paddr = 0x1000, .vaddr = 0x1000, .filesz = 4 * (uint32_t)q.n,
                              .memsz = 4 * (uint32_t)q.n, .offset = 0, .flags = 5};
    struct elf_image img = {.file = text, .file_size = sizeof text, .entry = 0x1000, .segs = &seg, .nsegs = 1};
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE};
    struct vmm *v = vmm_new(&vc, (64u << 10) + (1024 + 2) * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct vm_config cfg = {.name = "d", .mem_size = 64u << 10, .image = &img, .disk_store = disk_store_file(fd, 8)};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_run(v);
    CU_ASSERT_EQUAL(vm_state(vm), VM_FAILED);
    CU_ASSERT_STRING_EQUAL(vm_message(vm), "disk: cannot write block 4: Bad file descriptor");
    CU_ASSERT_STRING_EQUAL(error_of(vm_disk(vm)), "cannot write block 4: Bad file descriptor");
    vmm_free(v);
}

/* --- read_capped ------------------------------------------------------------------ */

static void test_read_capped(void)
{
    char err[200];
    uint8_t *buf = NULL;
    size_t len = 0;
    /* /dev/zero: one byte past the limit, and no more, then refused */
    int fd = open("/dev/zero", O_RDONLY);
    CU_ASSERT_EQUAL(read_capped(fd, 1u << 20, &buf, &len, err, sizeof err), READ_TOO_BIG);
    CU_ASSERT_EQUAL(len, (1u << 20) + 1);
    close(fd);
    free(buf);
    /* a pipe of exactly the limit is read; one more byte is too many */
    for (size_t extra = 0; extra < 2; extra++) {
        int pfd[2];
        CU_ASSERT_FATAL(pipe(pfd) == 0);
        char data[1000];
        memset(data, 'x', sizeof data);
        CU_ASSERT(write(pfd[1], data, 900 + extra) == (ssize_t)(900 + extra));
        close(pfd[1]);
        buf = NULL;
        len = 0;
        CU_ASSERT_EQUAL(read_capped(pfd[0], 900, &buf, &len, err, sizeof err), extra ? READ_TOO_BIG : READ_OK);
        CU_ASSERT_EQUAL(len, 900 + extra);
        close(pfd[0]);
        free(buf);
    }
    /* a regular file past the limit: refused from its size, nothing read */
    const char *big = path_in(dir, "big.bin");
    fd = open(big, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT(ftruncate(fd, 5000) == 0);
    buf = NULL;
    len = 0;
    CU_ASSERT_EQUAL(read_capped(fd, 4999, &buf, &len, err, sizeof err), READ_TOO_BIG);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_PTR_NULL(buf);
    free(buf);
    /* appending: what is left after 10 bytes already held */
    CU_ASSERT(lseek(fd, 4000, SEEK_SET) == 4000);
    buf = malloc(10);
    memset(buf, 'h', 10);
    len = 10;
    CU_ASSERT_EQUAL(read_capped(fd, 1010, &buf, &len, err, sizeof err), READ_OK);
    CU_ASSERT_EQUAL(len, 1010);
    CU_ASSERT(buf[9] == 'h' && buf[10] == 0);
    free(buf);
    close(fd);
    /* a read that fails */
    buf = NULL;
    len = 0;
    CU_ASSERT_EQUAL(read_capped(-1, 10, &buf, &len, err, sizeof err), READ_FAILED);
    CU_ASSERT_STRING_EQUAL(err, "cannot read: Bad file descriptor");
    free(buf);
}

void suite_disk_store(void)
{
    CU_pSuite s = CU_add_suite("disk_store", suite_init, suite_clean);
    CU_add_test(s, "memory: a copy, written in place", test_store_memory);
    CU_add_test(s, "file: read when asked, each write in the file at once", test_store_file_in_place);
    CU_add_test(s, "file: an I/O error kept, named, final", test_store_file_errors);
    CU_add_test(s, "open: missing, directory, odd size, read-only, pipe", test_store_open);
    CU_add_test(s, "overlay: own writes only; the base never written", test_store_overlay);
    CU_add_test(s, "overlay: 5000 blocks of a 2 TiB disk, compared quickly", test_store_overlay_large);
    CU_add_test(s, "a failed disk stops the machine at the completion", test_store_failure_stops_machine);
    CU_add_test(s, "a failed disk stops its VM, saying why", test_store_failure_stops_vm);
    CU_add_test(s, "read_capped: never more than the limit and one byte", test_read_capped);
}
