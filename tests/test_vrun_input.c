/*
 * test_vrun_input.c - bad and outsized input to vrun, and its disk file
 * (issue 10, part 4; docs/testing.md, "Bad input: vrun and its files").
 * The binary at $VMLAB_BIN/vrun runs programs built here, in every mode
 * where it matters: --native, under the VMM, and --lockstep.
 *
 * - Every input is capped at its documented limit, and a device or pipe
 *   that never ends (/dev/zero) is refused in one line, quickly: images
 *   (1 GiB, the largest memory), disks (4294967295 blocks in a file; 64 MiB
 *   read from a pipe or device), console input for --lockstep (16 MiB).
 * - The disk is used in place: a 1 GiB sparse disk costs no memory and
 *   stays sparse; each completed guest write is in the file at once, so a
 *   run killed with SIGKILL leaves the file holding exactly a prefix of the
 *   guest's writes, every reported one included; --lockstep never changes
 *   the file; an I/O error on the file stops the run with one line.
 * - -m: one syntax (K, M, G) and one limit (1G) in every mode.
 * - Two VMs cannot share one disk, however it is spelled.
 * - VM names are valid UTF-8, so --stats-json is strict JSON.
 * - --lockstep -n N compares exactly N instructions.
 */
#include <CUnit/CUnit.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elf_write.h"
#include "json_strict.h"
#include "prog.h"
#include "rig.h"
#include "runvrun.h"
#include "scratch.h"

#define ENTRY IMAGE_ENTRY
#define BUF 0x8000u
#define DATA 0x4000u
#define GiB (1ull << 30)

static char *dir, *vrun_path;

#define VRUN(r, ...) run_vrun(vrun_path, dir, (r), NULL, 0, (const char *[]){__VA_ARGS__, NULL})
#define VRUN_WITH(r, setup, ...) run_vrun_with(vrun_path, dir, (r), (setup), (const char *[]){__VA_ARGS__, NULL})

/* The three ways to run one image: the bare machine, the VMM, lockstep. */
static const char *const modes[3] = {"--native", "--shadow=cache", "--lockstep"};

/* --- images ---------------------------------------------------------------- */

static void p_putc(struct prog *p, char c)
{
    p_op(p, OP_ADDI, 8, 0, 0, c);
    p_op(p, OP_OUT, 8, 0, 0, PORT_CON_DATA);
}

/* If the last disk status (r6) is not ok, halt with 100 + status. */
static void p_check_ok(struct prog *p)
{
    size_t ok = p_hole(p);
    p_op(p, OP_ADDI, 5, 6, 0, 100);
    p_op(p, OP_HALT, 5, 0, 0, 0);
    p_patch(p, ok, OP_BEQ, 6, 0, p_here(p));
}

static uint8_t data_block[DISK_BLOCK_SIZE];
static const struct elf_out_section *data_section(void)
{
    static struct elf_out_section ds;
    for (size_t i = 0; i < sizeof data_block; i++)
        data_block[i] = (uint8_t)(i * 7 + 3);
    memcpy(data_block, "DATA", 4);
    ds = (struct elf_out_section){".data", DATA, data_block, sizeof data_block, sizeof data_block, PF_R | PF_W};
    return &ds;
}

/* Read `block` and print its first 4 bytes, write .data to `wblock`, halt 0. */
static const char *read_write_image(const char *name, uint32_t block, uint32_t wblock)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_disk(&p, DISK_CMD_READ, block, BUF);
    p_check_ok(&p);
    p_print4(&p, BUF);
    p_disk(&p, DISK_CMD_WRITE, wblock, DATA);
    p_check_ok(&p);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    return prog_image(dir, name, &p, data_section(), 1);
}

/* A sparse file of `size` bytes with `what` (4 bytes) at `off`. */
static bool sparse_file(const char *path, unsigned long long size, unsigned long long off, const char *what)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    bool ok = ftruncate(fd, (off_t)size) == 0;
    if (ok && what)
        ok = pwrite(fd, what, 4, (off_t)off) == 4;
    close(fd);
    if (!ok)
        fprintf(stderr, "\n  cannot make a sparse file of %llu bytes here: %s", size, strerror(errno));
    return ok;
}

static bool file_has(const char *path, unsigned long long off, const void *want, size_t n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    char buf[DISK_BLOCK_SIZE];
    bool ok = n <= sizeof buf && pread(fd, buf, n, (off_t)off) == (ssize_t)n && memcmp(buf, want, n) == 0;
    close(fd);
    return ok;
}

/* --- the suite's directory ---------------------------------------------------- */

static int suite_init(void) { return vrun_suite_init(&vrun_path, &dir, "input", NULL); }
static int suite_clean(void) { return vrun_suite_clean(&vrun_path, &dir); }

/* --- 1. inputs are capped ------------------------------------------------------ */

/* /dev/zero as the image: refused at once (its first bytes are not an ELF
 * header), in every mode; a regular file past 1 GiB is refused by its size
 * before anything is read. */
static void test_image_capped(void)
{
    struct res r;
    char want[4300];
    for (int m = 0; m < 3; m++) {
        VRUN(&r, modes[m], "/dev/zero");
        expect_error(&r, 1, "vrun: /dev/zero: not an ELF file");
        res_free(&r);
    }
    /* a good image, grown (sparsely) past the largest memory */
    const char *big = halt_image(dir, "big.elf", 0);
    CU_ASSERT_FATAL(truncate(big, (off_t)(GiB + 1)) == 0);
    snprintf(want, sizeof want, "vrun: %s: larger than the largest image (1 GiB)", big);
    for (int m = 0; m < 3; m++) {
        VRUN(&r, modes[m], big);
        expect_error(&r, 1, want);
        CU_ASSERT(r.maxrss_kib < 256 * 1024);
        res_free(&r);
    }
    unlink(big);
    /* an image through a pipe is read like a file */
    const char *h7 = halt_image(dir, "h7.elf", 7);
    size_t len;
    char *bytes = slurp(h7, &len);
    struct vrun_setup s = {.in = bytes, .inlen = len};
    VRUN_WITH(&r, &s, "--native", "/dev/fd/0");
    expect_ok(&r, 7);
    res_free(&r);
    free(bytes);
}

/* /dev/zero as the disk: read as a device, up to 64 MiB, then refused. */
static void test_disk_capped(void)
{
    const char *h = halt_image(dir, "h0.elf", 0);
    struct res r;
    for (int m = 0; m < 3; m += 2) { /* the VMM opens a disk as --native does */
        VRUN(&r, modes[m], "--disk", "/dev/zero", h);
        expect_error(&r, 1, "vrun: /dev/zero: larger than the largest disk read from a pipe or device (64 MiB)");
        CU_ASSERT(r.maxrss_kib < 512 * 1024);
        res_free(&r);
    }
}

/* A disk of 2^32 blocks is more than disk.block can address: refused by
 * its size, at once.  One block less is the largest disk: disk.size reads
 * 0xffffffff, and its last block is read and written in place. */
static void test_disk_largest(void)
{
    const unsigned long long max_blocks = 0xffffffffull;
    const char *d = path_in(dir, "huge.img");
    if (!sparse_file(d, (max_blocks + 1) * DISK_BLOCK_SIZE, 0, NULL))
        return;
    const char *h = halt_image(dir, "h0.elf", 0);
    struct res r;
    char want[4300];
    snprintf(want, sizeof want,
             "vrun: %s: disk image is %llu bytes, larger than the largest disk (4294967295 blocks of 512 bytes)", d,
             (max_blocks + 1) * DISK_BLOCK_SIZE);
    for (int m = 0; m < 3; m++) {
        VRUN(&r, modes[m], "--disk", d, h);
        expect_error(&r, 1, want);
        res_free(&r);
    }
    const unsigned long long last = (max_blocks - 1) * DISK_BLOCK_SIZE;
    CU_ASSERT_FATAL(sparse_file(d, max_blocks * DISK_BLOCK_SIZE, last, "LAST"));
    struct prog p;
    p_init(&p, ENTRY);
    p_op(&p, OP_IN, 10, 0, 0, PORT_DISK_SIZE);
    p_li(&p, 11, 0xffffffffu);
    size_t same = p_hole(&p);
    p_op(&p, OP_ADDI, 5, 0, 0, 3);
    p_op(&p, OP_HALT, 5, 0, 0, 0);
    p_patch(&p, same, OP_BEQ, 10, 11, p_here(&p));
    p_disk(&p, DISK_CMD_READ, 0xfffffffeu, BUF);
    p_check_ok(&p);
    p_print4(&p, BUF);
    p_disk(&p, DISK_CMD_WRITE, 0xfffffffeu, DATA);
    p_check_ok(&p);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    const char *img = prog_image(dir, "last.elf", &p, data_section(), 1);
    for (int m = 0; m < 2; m++) {
        CU_ASSERT_FATAL(sparse_file(d, max_blocks * DISK_BLOCK_SIZE, last, "LAST"));
        VRUN(&r, modes[m], "--disk", d, img);
        expect_ok(&r, 0);
        CU_ASSERT(r.outlen == 4 && memcmp(r.out, "LAST", 4) == 0);
        CU_ASSERT(file_has(d, last, data_block, sizeof data_block));
        struct stat st;
        CU_ASSERT(stat(d, &st) == 0 && (unsigned long long)st.st_size == max_blocks * DISK_BLOCK_SIZE);
        CU_ASSERT(st.st_blocks * 512 < (1 << 20)); /* still sparse */
        res_free(&r);
    }
    unlink(d);
}

/* A disk from a pipe: read whole (it is not seekable), usable for reading;
 * the guest's writes cannot be saved, and vrun says so. */
static void test_disk_from_pipe(void)
{
    char disk[4 * DISK_BLOCK_SIZE];
    memset(disk, '.', sizeof disk);
    memcpy(disk + 2 * DISK_BLOCK_SIZE, "PIPE", 4);
    struct vrun_setup s = {.in = disk, .inlen = sizeof disk};
    struct prog p;
    p_init(&p, ENTRY);
    p_disk(&p, DISK_CMD_READ, 2, BUF);
    p_check_ok(&p);
    p_print4(&p, BUF);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    const char *reader = prog_image(dir, "piperead.elf", &p, NULL, 0);
    const char *writer = read_write_image("pipewrite.elf", 2, 1);
    struct res r;
    for (int m = 0; m < 3; m++) {
        VRUN_WITH(&r, &s, modes[m], "--disk", "/dev/fd/0", reader);
        if (m < 2) {
            expect_ok(&r, 0);
            CU_ASSERT(r.outlen == 4 && memcmp(r.out, "PIPE", 4) == 0);
        } else {
            CU_ASSERT_EQUAL(r.status, 0);
            CU_ASSERT_PTR_NOT_NULL(strstr(r.out, " agree for all "));
        }
        res_free(&r);
    }
    for (int m = 0; m < 2; m++) {
        VRUN_WITH(&r, &s, modes[m], "--disk", "/dev/fd/0", writer);
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT(r.outlen == 4 && memcmp(r.out, "PIPE", 4) == 0);
        CU_ASSERT_STRING_EQUAL(r.err, "vrun: /dev/fd/0: the guest's disk writes were not saved: a disk read from a "
                                      "pipe or device is never written\n");
        res_free(&r);
    }
    /* a pipe that is not whole blocks */
    s.inlen = 1000;
    VRUN_WITH(&r, &s, "--native", "--disk", "/dev/fd/0", reader);
    expect_error(&r, 1, "vrun: /dev/fd/0: disk image is 1000 bytes, not a whole number of 512-byte blocks");
    res_free(&r);
}

/* Console input for --lockstep is read whole before the runs: at most
 * 16 MiB of it. */
static void test_lockstep_input_capped(void)
{
    const char *h = halt_image(dir, "h0.elf", 0);
    struct res r;
    VRUN_WITH(&r, &(struct vrun_setup){.stdin_path = "/dev/zero"}, "--lockstep", h);
    expect_error(&r, 1, "vrun: stdin: larger than the largest console input for --lockstep (16 MiB)");
    CU_ASSERT(r.maxrss_kib < 512 * 1024);
    res_free(&r);
    /* a regular file past the limit: refused by its size */
    const char *in = path_in(dir, "big.in");
    CU_ASSERT_FATAL(sparse_file(in, (16u << 20) + 1, 0, NULL));
    VRUN_WITH(&r, &(struct vrun_setup){.stdin_path = in}, "--lockstep", h);
    expect_error(&r, 1, "vrun: stdin: larger than the largest console input for --lockstep (16 MiB)");
    res_free(&r);
    /* exactly the limit is input */
    CU_ASSERT_FATAL(sparse_file(in, 16u << 20, 0, NULL));
    VRUN_WITH(&r, &(struct vrun_setup){.stdin_path = in}, "--lockstep", h);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(r.errlen, 0);
    res_free(&r);
    unlink(in);
}

/* --- 2. the disk in place ---------------------------------------------------------- */

/* A 1 GiB sparse disk: the guest reads block 5 and writes block 1000000.
 * vrun holds no copy of the disk (its memory stays far below the disk's
 * size), the file keeps its size and stays sparse, and only that block
 * changed. */
static void test_disk_sparse(void)
{
    const char *d = path_in(dir, "sparse.img");
    const char *img = read_write_image("sparse.elf", 5, 1000000);
    for (int m = 0; m < 2; m++) {
        CU_ASSERT_FATAL(sparse_file(d, GiB, 5 * DISK_BLOCK_SIZE, "BLK5"));
        struct res r;
        VRUN(&r, modes[m], "-m", "64K", "--disk", d, img);
        expect_ok(&r, 0);
        CU_ASSERT(r.outlen == 4 && memcmp(r.out, "BLK5", 4) == 0);
        CU_ASSERT(r.maxrss_kib < 256 * 1024);
        if (r.maxrss_kib >= 256 * 1024)
            fprintf(stderr, "\n  %s: vrun used %ld KiB for a 1 GiB sparse disk", modes[m], r.maxrss_kib);
        struct stat st;
        CU_ASSERT_FATAL(stat(d, &st) == 0);
        CU_ASSERT_EQUAL((unsigned long long)st.st_size, GiB);
        CU_ASSERT(st.st_blocks * 512 < (1 << 20));
        CU_ASSERT(file_has(d, 1000000ull * DISK_BLOCK_SIZE, data_block, sizeof data_block));
        CU_ASSERT(file_has(d, 5 * DISK_BLOCK_SIZE, "BLK5", 4));
        res_free(&r);
    }
    unlink(d);
}

/* The disk through a symbolic link and a hard link: the writes reach the
 * file itself, and the links stay what they were. */
static void test_disk_links(void)
{
    const char *img = read_write_image("links.elf", 0, 3);
    const char *d = path_in(dir, "real.img"), *sym = path_in(dir, "sym.img"), *hard = path_in(dir, "hard.img");
    uint8_t zeros[8 * DISK_BLOCK_SIZE] = {0};
    spit(d, zeros, sizeof zeros);
    unlink(sym);
    unlink(hard);
    CU_ASSERT_FATAL(symlink(d, sym) == 0);
    CU_ASSERT_FATAL(link(d, hard) == 0);
    const char *via[2] = {sym, hard};
    for (int i = 0; i < 2; i++) {
        spit(d, zeros, sizeof zeros);
        struct res r;
        VRUN(&r, "--native", "--disk", via[i], img);
        expect_ok(&r, 0);
        CU_ASSERT(file_has(d, 3 * DISK_BLOCK_SIZE, data_block, sizeof data_block));
        struct stat st, ht;
        CU_ASSERT(lstat(sym, &st) == 0 && S_ISLNK(st.st_mode));
        CU_ASSERT(stat(hard, &ht) == 0 && ht.st_nlink == 2);
        res_free(&r);
    }
    unlink(sym);
    unlink(hard);
    unlink(d);
}

/* A guest that writes forever: write number s (s = 0, 1, 2...) fills block
 * s mod 64 with the word s and, once complete, prints a newline. */
#define KBLOCKS 64u
static const char *writer_image(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_li(&p, 12, BUF);
    uint32_t loop = p_op(&p, OP_ADD, 10, 12, 0, 0);
    p_op(&p, OP_ADDI, 11, 0, 0, DISK_BLOCK_SIZE / 4);
    uint32_t fill = p_op(&p, OP_SW, 9, 10, 0, 0);
    p_op(&p, OP_ADDI, 10, 10, 0, 4);
    p_op(&p, OP_ADDI, 11, 11, 0, -1);
    p_br(&p, OP_BNE, 11, 0, fill);
    p_op(&p, OP_ANDI, 5, 9, 0, KBLOCKS - 1);
    p_op(&p, OP_OUT, 5, 0, 0, PORT_DISK_BLOCK);
    p_op(&p, OP_OUT, 12, 0, 0, PORT_DISK_ADDR);
    p_op(&p, OP_ADDI, 5, 0, 0, DISK_CMD_WRITE);
    p_op(&p, OP_OUT, 5, 0, 0, PORT_DISK_CMD);
    p_disk_wait(&p);
    p_check_ok(&p);
    p_putc(&p, '\n');
    p_op(&p, OP_ADDI, 9, 9, 0, 1);
    p_br(&p, OP_JAL, 0, 0, loop);
    return prog_image(dir, "writer.elf", &p, NULL, 0);
}

/* Whether the file holds exactly the first T of the writer's writes for
 * some T >= reported: block b holds the last s < T with s mod 64 = b (or
 * its first contents, 0xff bytes, if there is none); no block is torn. */
static bool holds_prefix(const char *path, unsigned long reported, unsigned long *prefix)
{
    size_t len;
    char *f = slurp(path, &len);
    bool ok = len == KBLOCKS * DISK_BLOCK_SIZE;
    uint32_t val[KBLOCKS];
    long long top = -1;
    for (uint32_t b = 0; ok && b < KBLOCKS; b++) {
        memcpy(&val[b], f + b * DISK_BLOCK_SIZE, 4);
        for (uint32_t w = 1; w < DISK_BLOCK_SIZE / 4; w++) {
            uint32_t x;
            memcpy(&x, f + b * DISK_BLOCK_SIZE + 4 * w, 4);
            if (x != val[b]) {
                fprintf(stderr, "\n  block %u is torn (word %u: 0x%08x, word 0: 0x%08x)", b, w, x, val[b]);
                ok = false;
            }
        }
        if (val[b] != 0xffffffffu && (long long)val[b] > top)
            top = val[b];
    }
    long long t = top + 1; /* writes 0 .. t-1 are in the file */
    for (uint32_t b = 0; ok && b < KBLOCKS; b++) {
        long long want = t - 1 - ((t - 1 - (long long)b) % KBLOCKS + KBLOCKS) % KBLOCKS;
        uint32_t w = want >= 0 ? (uint32_t)want : 0xffffffffu;
        if (val[b] != w) {
            fprintf(stderr, "\n  block %u holds write %u; a prefix of %lld writes has %u there", b, val[b], t, w);
            ok = false;
        }
    }
    if (ok && t < (long long)reported) {
        fprintf(stderr, "\n  the file holds %lld writes; the guest had reported %lu", t, reported);
        ok = false;
    }
    free(f);
    *prefix = (unsigned long)t;
    return ok;
}

/* kill -9 in the middle of a guest that writes its disk without pause:
 * the file holds a prefix of its writes, and every write the guest had
 * reported complete is in it. */
static void test_disk_killed(void)
{
    const char *img = writer_image();
    const char *d = path_in(dir, "killed.img");
    uint8_t init[KBLOCKS * DISK_BLOCK_SIZE];
    memset(init, 0xff, sizeof init);
    for (int m = 0; m < 2; m++) {
        spit(d, init, sizeof init);
        struct live l;
        live_start(&l, vrun_path, dir, (const char *[]){modes[m], "-m", "64K", "--disk", d, img, NULL});
        unsigned long seen = 0;
        CU_ASSERT(live_lines(&l, 3 * KBLOCKS + 17, &seen));
        kill(l.pid, SIGKILL);
        char *err;
        int st = live_end(&l, &err);
        CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        CU_ASSERT_STRING_EQUAL(err, "");
        free(err);
        unsigned long prefix;
        CU_ASSERT(holds_prefix(d, seen, &prefix));
        CU_ASSERT(prefix >= 3 * KBLOCKS + 17);
    }
    unlink(d);
}

/* --lockstep runs two machines on the disk and never writes the file; the
 * guest still sees its own writes (both runs agree on them). */
static void test_disk_lockstep_unchanged(void)
{
    const char *img = read_write_image("ls.elf", 2, 2);
    const char *reread;
    {
        struct prog p;
        p_init(&p, ENTRY);
        p_disk(&p, DISK_CMD_WRITE, 2, DATA);
        p_check_ok(&p);
        p_disk(&p, DISK_CMD_READ, 2, BUF);
        p_check_ok(&p);
        p_li(&p, 9, BUF);
        p_op(&p, OP_LW, 10, 9, 0, 0);
        p_li(&p, 9, DATA);
        p_op(&p, OP_LW, 11, 9, 0, 0);
        size_t same = p_hole(&p);
        p_op(&p, OP_ADDI, 5, 0, 0, 9);
        p_op(&p, OP_HALT, 5, 0, 0, 0);
        p_patch(&p, same, OP_BEQ, 10, 11, p_here(&p));
        p_op(&p, OP_HALT, 0, 0, 0, 0);
        reread = prog_image(dir, "reread.elf", &p, data_section(), 1);
    }
    const char *d = path_in(dir, "ls.img");
    uint8_t init[8 * DISK_BLOCK_SIZE];
    memset(init, 'z', sizeof init);
    memcpy(init + 2 * DISK_BLOCK_SIZE, "OLD2", 4);
    const char *imgs[2] = {img, reread};
    for (int i = 0; i < 2; i++) {
        spit(d, init, sizeof init);
        struct stat before, after;
        CU_ASSERT_FATAL(stat(d, &before) == 0);
        struct res r;
        VRUN(&r, "--lockstep", "--disk", d, imgs[i]);
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT_EQUAL(r.errlen, 0);
        CU_ASSERT(strstr(r.out, " agree for all ") && strstr(r.out, "; both stopped"));
        size_t len;
        char *now = slurp(d, &len);
        CU_ASSERT(len == sizeof init && memcmp(now, init, len) == 0);
        CU_ASSERT(stat(d, &after) == 0 && after.st_ino == before.st_ino);
        free(now);
        res_free(&r);
    }
    /* the same guest natively halts 0: it read back what it wrote */
    spit(d, init, sizeof init);
    struct res r;
    VRUN(&r, "--native", "--disk", d, reread);
    expect_ok(&r, 0);
    res_free(&r);
    unlink(d);
}

/* A write the file refuses (RLIMIT_FSIZE: EFBIG past 64 KiB) stops the run
 * with one line naming the file and the block; what was written before it
 * is in the file. */
static void test_disk_write_error(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_disk(&p, DISK_CMD_WRITE, 0, DATA);
    p_check_ok(&p);
    p_putc(&p, 'a');
    p_disk(&p, DISK_CMD_WRITE, 2047, DATA);
    p_putc(&p, 'b'); /* never: the run stops at the failed write */
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    const char *img = prog_image(dir, "efbig.elf", &p, data_section(), 1);
    const char *d = path_in(dir, "efbig.img");
    char want[4300];
    snprintf(want, sizeof want, "vrun: %s: cannot write block 2047: File too large\n", d);
    for (int m = 0; m < 2; m++) {
        CU_ASSERT_FATAL(sparse_file(d, 2048 * DISK_BLOCK_SIZE, 0, NULL));
        struct res r;
        struct vrun_setup limited = {.stdin_path = "/dev/null", .fsize_limit = 64 * 1024};
        VRUN_WITH(&r, &limited, modes[m], "-m", "64K", "--disk", d, img);
        CU_ASSERT(r.exited);
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT_STRING_EQUAL(r.err, want);
        CU_ASSERT(r.outlen == 1 && r.out[0] == 'a');
        CU_ASSERT(file_has(d, 0, data_block, sizeof data_block));
        res_free(&r);
    }
    unlink(d);
}

/* A file cut short while the guest runs: the read of a block it no longer
 * has stops the run with one line. */
static void test_disk_read_error(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_putc(&p, '\n');
    p_op(&p, OP_IN, 5, 0, 0, PORT_CON_DATA); /* waits for the test */
    p_disk(&p, DISK_CMD_READ, 7, BUF);
    p_putc(&p, 'x'); /* never */
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    const char *img = prog_image(dir, "cut.elf", &p, NULL, 0);
    const char *d = path_in(dir, "cut.img");
    char want[4300];
    snprintf(want, sizeof want, "vrun: %s: cannot read block 7: the file is shorter than when it was opened\n", d);
    for (int m = 0; m < 2; m++) {
        uint8_t blocks[16 * DISK_BLOCK_SIZE] = {0};
        spit(d, blocks, sizeof blocks);
        struct live l;
        live_start(&l, vrun_path, dir, (const char *[]){modes[m], "-m", "64K", "--disk", d, img, NULL});
        unsigned long seen = 0;
        CU_ASSERT(live_lines(&l, 1, &seen));
        CU_ASSERT(truncate(d, 4 * DISK_BLOCK_SIZE) == 0);
        CU_ASSERT(write(l.to, "g", 1) == 1);
        char *err;
        int st = live_end(&l, &err);
        CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
        CU_ASSERT_STRING_EQUAL(err, want);
        free(err);
    }
    unlink(d);
}

/* --- 4. memory sizes ------------------------------------------------------------------ */

/* -m with each of sizes (NULL-terminated) is refused in every mode, in
 * one line saying why. */
static void expect_mem_refused(const char *img, const char *const *sizes, const char *why)
{
    char want[300];
    for (int m = 0; m < 3; m++)
        for (int i = 0; sizes[i]; i++) {
            struct res r;
            VRUN(&r, modes[m], "-m", sizes[i], img);
            snprintf(want, sizeof want, "vrun: -m %s: %s", sizes[i], why);
            expect_error(&r, 2, want);
            res_free(&r);
        }
}

/* One syntax and one limit, in every mode: 1G is the largest memory. */
static void test_mem_sizes(void)
{
    const char *h = halt_image(dir, "h5.elf", 5);
    struct res r;
    /* the largest memory, in every mode (a 1 GiB VM costs seconds - the VMM
     * zeroes all of it, docs/vmm.md section 11 - so once, with time) */
    static const char *const ok[] = {"1024M", "1G"};
    struct vrun_setup slow = {.stdin_path = "/dev/null", .timeout = 300};
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < (m == 0 ? 2 : 1); i++) {
            VRUN_WITH(&r, &slow, modes[m], "-m", ok[i], h);
            if (m < 2) {
                expect_ok(&r, 5);
            } else {
                CU_ASSERT_EQUAL(r.status, 0);
                CU_ASSERT_EQUAL(r.errlen, 0);
                CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "agree for all 3 instructions; both stopped"));
            }
            if (r.errlen)
                fprintf(stderr, "\n  %s -m %s: %s", modes[m], ok[i], r.err);
            res_free(&r);
        }
    /* the spellings of one size, suffixes in either case: the program
     * halts with its memory size (a1) in units of 64K */
    struct prog p;
    p_init(&p, ENTRY);
    p_op(&p, OP_SRLI, 5, 11, 0, 16);
    p_op(&p, OP_HALT, 5, 0, 0, 0);
    const char *size = prog_image(dir, "size.elf", &p, NULL, 0);
    static const struct {
        const char *spelled;
        int units;
    } sizes[] = {{"65536", 1}, {"64K", 1}, {"64k", 1}, {"1m", 16}, {"1M", 16}, {"1024K", 16}, {"1048576", 16}};
    for (int i = 0; i < 7; i++) {
        VRUN(&r, "--native", "-m", sizes[i].spelled, size);
        expect_ok(&r, sizes[i].units);
        res_free(&r);
    }
    static const char *const big[] = {"1025M", "2G", "4G", "5G", "4294967296", "99999999999999999999",
                                      "17179869184K", NULL};
    expect_mem_refused(h, big, "larger than the largest memory (1G)");
    static const char *const odd[] = {"0", "1000", "6K", "0G", NULL};
    expect_mem_refused(h, odd, "not a positive multiple of the page size (4K)");
    static const char *const junk[] = {"12Q", "1T", "G", "-1M", "1GB", "1.5G", " 1G", "", NULL};
    expect_mem_refused(h, junk, "not a size (examples: 65536, 512K, 16M, 1G)");
    /* several VMs: the host holds them all, with their shadow tables */
    VRUN(&r, "-m", "1G", "--vm", h, "--vm", h, "--vm", h, "--vm", h);
    expect_error(&r, 2,
                 "vrun: the VMs need 4112 MiB of host memory (each VM's memory and 4 MiB for its shadow tables); "
                 "the VMM's host machine has at most 4 GiB less one 4K page");
    res_free(&r);
}

/* --- 5. one disk, one VM ----------------------------------------------------------------- */

static void test_disk_shared(void)
{
    const char *h = halt_image(dir, "h0.elf", 0);
    uint8_t zeros[4 * DISK_BLOCK_SIZE] = {0};
    const char *d = path_in(dir, "shared.img"), *other = path_in(dir, "other.img"),
               *sym = path_in(dir, "shared-sym.img"), *hard = path_in(dir, "shared-hard.img");
    spit(d, zeros, sizeof zeros);
    spit(other, zeros, sizeof zeros);
    unlink(sym);
    unlink(hard);
    CU_ASSERT_FATAL(symlink("shared.img", sym) == 0);
    CU_ASSERT_FATAL(link(d, hard) == 0);
    char dotted[4200], doubled[4200];
    snprintf(dotted, sizeof dotted, "%s/./shared.img", dir);
    snprintf(doubled, sizeof doubled, "%s//shared.img", dir);
    const char *same[] = {d, dotted, doubled, sym, hard};
    struct res r;
    char want[9000];
    for (int i = 0; i < 5; i++) {
        VRUN(&r, "-m", "64K", "--vm", h, "--name", "a", "--disk", d, "--vm", h, "--name", "b", "--disk", same[i]);
        snprintf(want, sizeof want, "vrun: %s: the same file as the disk of VM a (%s): two VMs cannot share a disk",
                 same[i], d);
        expect_error(&r, 1, want);
        res_free(&r);
    }
    /* the third VM against the first, and a default disk for every VM */
    VRUN(&r, "-m", "64K", "--vm", h, "--name", "a", "--disk", d, "--vm", h, "--name", "b", "--disk", other, "--vm",
         h, "--name", "c", "--disk", hard);
    snprintf(want, sizeof want, "vrun: %s: the same file as the disk of VM a (%s): two VMs cannot share a disk",
             hard, d);
    expect_error(&r, 1, want);
    res_free(&r);
    VRUN(&r, "-m", "64K", "--disk", d, "--vm", h, "--name", "a", "--vm", h, "--name", "b");
    snprintf(want, sizeof want, "vrun: %s: the same file as the disk of VM a (%s): two VMs cannot share a disk", d,
             d);
    expect_error(&r, 1, want);
    res_free(&r);
    /* two files: fine */
    VRUN(&r, "-m", "64K", "--vm", h, "--name", "a", "--disk", d, "--vm", h, "--name", "b", "--disk", other);
    expect_ok(&r, 0);
    res_free(&r);
    unlink(sym);
    unlink(hard);
}

/* --- 6. VM names and JSON ------------------------------------------------------------------ */

static void expect_strict_json(const char *path)
{
    size_t len;
    char *j = slurp(path, &len);
    char why[200];
    bool ok = len > 0 && json_strict(j, len, why, sizeof why);
    CU_ASSERT(ok);
    if (!ok)
        fprintf(stderr, "\n  %s is not strict JSON: %s", path, len ? why : "empty");
    free(j);
}

static void test_names_utf8(void)
{
    const char *h = halt_image(dir, "h0.elf", 0);
    const char *json = path_in(dir, "names.json");
    struct res r;
    char why[200];
    /* the checker itself refuses what it must */
    static const char *const invalid[] = {"{\"a\": \"\xff\"}", "{\"a\": \"\t\"}", "{\"a\": 1,}", "[1] [2]",
                                          "{\"a\": \"\xed\xa0\x80\"}", "{\"a\": \"\\x\"}", "{'a': 1}"};
    for (int i = 0; i < 7; i++)
        CU_ASSERT_FALSE(json_strict(invalid[i], strlen(invalid[i]), why, sizeof why));
    const char *fine = "{\"a\": [\"caf\xc3\xa9\", -1.5e3, true, null, {}], \"b\\u00e9\": \"\\n\"}";
    CU_ASSERT(json_strict(fine, strlen(fine), why, sizeof why));

    static const char *const bad[] = {"\xff",         "ab\xc3",          "\xc0\xaf", "\xe0\x80\xaf",
                                      "\xed\xa0\x80", "\xf4\x90\x80\x80", "x\x80y"};
    for (int i = 0; i < 7; i++) {
        unlink(json);
        VRUN(&r, "--stats-json", json, "--name", bad[i], "-m", "64K", h);
        expect_error(&r, 2, "vrun: --name: not valid UTF-8 (a VM name goes into JSON, file names and output "
                            "prefixes)");
        CU_ASSERT(access(json, F_OK) != 0);
        res_free(&r);
    }
    /* a C1 control character is valid UTF-8, and still a control character */
    VRUN(&r, "--name", "a\xc2\x85", "-m", "64K", h);
    expect_error(&r, 2, "vrun: --name a\xc2\x85: not a VM name (1 to 31 bytes of UTF-8, none of them '/', '\"', "
                        "'\\' or a control character)");
    res_free(&r);
    static const char *const good[] = {"caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x99\x82",
                                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9"};
    for (int i = 0; i < 4; i++) {
        unlink(json);
        VRUN(&r, "--stats-json", json, "--name", good[i], "-m", "64K", h);
        expect_ok(&r, 0);
        expect_strict_json(json);
        size_t len;
        char *j = slurp(json, &len);
        char key[64];
        snprintf(key, sizeof key, "\"name\": \"%s\"", good[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(j, key));
        free(j);
        res_free(&r);
    }
    /* the 31-byte limit counts bytes: 30 a's and an é is 32 */
    VRUN(&r, "--name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9", "-m", "64K", h);
    expect_error(&r, 2, "vrun: --name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9: not a VM name (1 to 31 bytes of UTF-8, "
                        "none of them '/', '\"', '\\' or a control character)");
    res_free(&r);

    /* names made from file names: invalid bytes become '_', and a long
     * name is cut between characters, not inside one */
    struct {
        const char *file, *name, *name2;
    } files[] = {
        {"k\xff\xfe.elf", "k__", "k__-2"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9.elf", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9.elf", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaa-2"},
        {"t\x01\x7f\xc2\x9f.elf", "t___", "t___-2"},
    };
    size_t hl;
    char *hb = slurp(h, &hl);
    for (int i = 0; i < 4; i++) {
        const char *p = path_in(dir, files[i].file);
        spit(p, hb, hl);
        unlink(json);
        VRUN(&r, "--stats-json", json, "-m", "64K", "--vm", p, "--vm", p);
        expect_ok(&r, 0);
        expect_strict_json(json);
        size_t len;
        char *j = slurp(json, &len);
        char k1[80], k2[80];
        snprintf(k1, sizeof k1, "\"name\": \"%s\"", files[i].name);
        snprintf(k2, sizeof k2, "\"name\": \"%s\"", files[i].name2);
        CU_ASSERT(strstr(j, k1) && strstr(j, k2));
        if (!strstr(j, k1) || !strstr(j, k2))
            fprintf(stderr, "\n  wanted names %s and %s in:\n%.300s", files[i].name, files[i].name2, j);
        free(j);
        res_free(&r);
        unlink(p);
    }
    free(hb);
}

/* --- 7. --lockstep -n ----------------------------------------------------------------------- */

static void test_lockstep_limit(void)
{
    const char *spin = spin_image(dir, "spin.elf");
    static const char *const limits[] = {"1", "2000", "9999", "10000", "10001", "25000"};
    char want[300];
    for (int i = 0; i < 6; i++) {
        struct res r;
        VRUN(&r, "--lockstep", "-n", limits[i], spin);
        snprintf(want, sizeof want,
                 "vrun: lockstep: the bare machine and the VMM (cache shadows) agree for all %s instructions; "
                 "stopped at the instruction limit\n",
                 limits[i]);
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT_STRING_EQUAL(r.out, want);
        CU_ASSERT_EQUAL(r.errlen, 0);
        if (strcmp(r.out, want) != 0)
            fprintf(stderr, "\n  -n %s: %s", limits[i], r.out);
        res_free(&r);
    }
    /* a program that halts before the limit: both stopped, its own count */
    const char *h = halt_image(dir, "h0.elf", 0);
    struct res r;
    VRUN(&r, "--lockstep", "-n", "2000", h);
    CU_ASSERT_STRING_EQUAL(r.out, "vrun: lockstep: the bare machine and the VMM (cache shadows) agree for all 3 "
                                  "instructions; both stopped\n");
    res_free(&r);
}

void suite_vrun_input(void)
{
    CU_pSuite s = CU_add_suite("vrun_input", suite_init, suite_clean);
    CU_add_test(s, "images: /dev/zero and a file past 1 GiB refused at once", test_image_capped);
    CU_add_test(s, "disks: /dev/zero read to 64 MiB, then refused", test_disk_capped);
    CU_add_test(s, "disks: 2^32 blocks refused, 2^32-1 used in place", test_disk_largest);
    CU_add_test(s, "disks: from a pipe, read whole; writes not saved, said", test_disk_from_pipe);
    CU_add_test(s, "--lockstep console input: at most 16 MiB", test_lockstep_input_capped);
    CU_add_test(s, "a 1 GiB sparse disk: no copy in memory, stays sparse", test_disk_sparse);
    CU_add_test(s, "a disk through a symbolic or hard link", test_disk_links);
    CU_add_test(s, "kill -9 mid-run: the file holds a prefix of the writes", test_disk_killed);
    CU_add_test(s, "--lockstep never writes the disk file", test_disk_lockstep_unchanged);
    CU_add_test(s, "a write error on the disk file stops the run, said", test_disk_write_error);
    CU_add_test(s, "a read error on the disk file stops the run, said", test_disk_read_error);
    CU_add_test(s, "-m: one syntax, one limit, every mode", test_mem_sizes);
    CU_add_test(s, "two VMs cannot share a disk, however spelled", test_disk_shared);
    CU_add_test(s, "VM names are UTF-8: --stats-json is strict JSON", test_names_utf8);
    CU_add_test(s, "--lockstep -n N compares exactly N instructions", test_lockstep_limit);
}
