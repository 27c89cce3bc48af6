/*
 * test_golden.c - suite golden: the golden files survive a longer user
 * library (golden.h, docs/testing.md "Golden files").
 *
 *   - The normalizer on lines made here from the build's own symbols: an
 *     address mid-function, at a label, in data, in the heap, on the stack,
 *     in the kernel; an unknown program; a line with no address; a real
 *     change (another pc) still shows; the result normalizes to itself.
 *   - The proof: guest-os/ copied to a scratch directory, lib.s grown as a
 *     student's new system call grows it (a stub after _start, and a page
 *     of padding so that .data and the heap move too), every program and
 *     the kernel assembled there, every workload run on both kernels: the
 *     raw consoles of the workloads whose goldens hold addresses differ
 *     (so byte-exact goldens would have failed), and every normalized
 *     console equals its golden file.
 *   - Broken normalizers the proof must reject: none at all (identity), and
 *     the right one reading stale symbols (the unchanged build's).
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch.h"
#include "asm.h"
#include "elf_load.h"
#include "golden.h"
#include "guestrun.h"
#include "scratch.h"
#include "workloads.h"

/* ---- the normalizer, on lines made from the build's symbols ----------------------- */

static struct golden_syms *syms;

static int suite_init(void)
{
    char err[400];
    syms = golden_syms_open(GUEST_OS_DIR, err, sizeof err);
    if (!syms)
        fprintf(stderr, "\nsuite golden: %s (make guest builds it)\n", err);
    return 0; /* each test fails on its own without the symbols */
}

/* The value of a symbol of build/guest-os/user/PROG.elf (0, and a failed
 * test, if there is none). */
static uint32_t sym_of(const char *prog, const char *name)
{
    char path[256], err[300];
    snprintf(path, sizeof path, "%s/user/%s.elf", GUEST_OS_DIR, prog);
    struct elf_image img;
    if (!elf_read_file(path, &img, err, sizeof err)) {
        fprintf(stderr, "\n%s: %s\n", path, err);
        CU_FAIL("a user program is not built");
        return 0;
    }
    const struct elf_symbol *s = elf_symbol_named(&img, name);
    uint32_t v = s ? s->value : 0;
    CU_ASSERT_PTR_NOT_NULL(s);
    elf_free(&img);
    return v;
}

/* Where the kernel starts PROG's heap: its image's end, rounded up to a
 * page (guest-os/kernel/exec.s), computed here from the segments. */
static uint32_t heap_of(const char *prog)
{
    char path[256], err[300];
    snprintf(path, sizeof path, "%s/user/%s.elf", GUEST_OS_DIR, prog);
    struct elf_image img;
    if (!elf_read_file(path, &img, err, sizeof err)) {
        CU_FAIL("a user program is not built");
        return 0;
    }
    uint32_t end = 0;
    for (size_t i = 0; i < img.nsegs; i++)
        if (img.segs[i].vaddr + img.segs[i].memsz > end)
            end = img.segs[i].vaddr + img.segs[i].memsz;
    elf_free(&img);
    return (end + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
}

/* line, normalized, must be want. */
static void expect_norm_at(const char *line, const char *want, int at)
{
    if (!syms) {
        CU_FAIL("no symbols");
        return;
    }
    size_t n;
    char *got = golden_normalize(syms, line, strlen(line), &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  line %d: normalized\n    %s\n  is\n    %s\n  wanted\n    %s\n", at, line, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(n, strlen(got));
    free(got);
}
#define EXPECT_NORM(line, want) expect_norm_at((line), (want), __LINE__)

/* A kill line of wild's with the pc and address given. */
static char *kill_line(char *buf, size_t len, const char *prog, uint32_t pc, uint32_t addr)
{
    snprintf(buf, len, "kernel: killed pid 5 (%s): page-fault at pc 0x%08x, address 0x%08x\n", prog, pc, addr);
    return buf;
}

static void test_code_addresses(void)
{
    char line[200];
    uint32_t deed4 = sym_of("wild", "deed4"), deed6 = sym_of("wild", "deed6"), start = sym_of("wild", "_start");
    /* mid-function, and the fixed _start */
    EXPECT_NORM(kill_line(line, sizeof line, "wild", deed4 + 8, start),
                "kernel: killed pid 5 (wild): page-fault at pc <deed4+0x8>, address <_start>\n");
    /* at a label */
    snprintf(line, sizeof line, "kernel: killed pid 7 (wild): privileged at pc 0x%08x, instruction 0x62000000", deed6);
    EXPECT_NORM(line, "kernel: killed pid 7 (wild): privileged at pc <deed6>, instruction 0x62000000");
    /* lib.s's code: the program's labels include the library's */
    uint32_t rd = sym_of("badargs", "read");
    snprintf(line, sizeof line, "kernel: killed pid 2 (badargs): bad pointer 0x%08x in read at pc 0x%08x\n", start,
             rd + 4);
    EXPECT_NORM(line, "kernel: killed pid 2 (badargs): bad pointer <_start> in read at pc <read+0x4>\n");
}

static void test_data_addresses(void)
{
    char line[200];
    uint32_t main_ = sym_of("misalign", "main"), msg = sym_of("misalign", "msg_try");
    snprintf(line, sizeof line, "kernel: killed pid 2 (misalign): misaligned at pc 0x%08x, address 0x%08x\n",
             main_ + 0x1c, msg + 1);
    EXPECT_NORM(line, "kernel: killed pid 2 (misalign): misaligned at pc <main+0x1c>, address <msg_try+0x1>\n");
    /* the program's own line: an address of its image is one too */
    snprintf(line, sizeof line, "misalign: buffer at 0x%08x\n", msg);
    EXPECT_NORM(line, "misalign: buffer at <msg_try>\n");
}

static void test_past_the_image(void)
{
    char line[200];
    uint32_t heap = heap_of("wild"), deed4 = sym_of("wild", "deed4");
    CU_ASSERT(heap > deed4);
    EXPECT_NORM(kill_line(line, sizeof line, "wild", heap, heap),
                "kernel: killed pid 5 (wild): page-fault at pc <heap>, address <heap>\n");
    EXPECT_NORM(kill_line(line, sizeof line, "wild", deed4 + 8, heap + PAGE_SIZE),
                "kernel: killed pid 5 (wild): page-fault at pc <deed4+0x8>, address <heap+0x1000>\n");
    /* the stack's guard page and the kernel do not move */
    EXPECT_NORM(kill_line(line, sizeof line, "wild", deed4 + 8, 0x7fffdffc),
                "kernel: killed pid 5 (wild): page-fault at pc <deed4+0x8>, address 0x7fffdffc\n");
    EXPECT_NORM(kill_line(line, sizeof line, "wild", 0x1000, 0x1000),
                "kernel: killed pid 5 (wild): page-fault at pc 0x00001000, address 0x00001000\n");
    /* a program's own number in the heap's range is a checksum: kept */
    snprintf(line, sizeof line, "wild 32: pages 32 sum 0x%08x\n", heap + 0x5ec2000);
    EXPECT_NORM(line, line);
    /* an instruction word is not an address, whatever its value */
    snprintf(line, sizeof line, "kernel: killed pid 2 (wild): privileged at pc 0x%08x, instruction 0x%08x\n",
             deed4, heap);
    char want[200];
    snprintf(want, sizeof want, "kernel: killed pid 2 (wild): privileged at pc <deed4>, instruction 0x%08x\n", heap);
    EXPECT_NORM(line, want);
}

static void test_left_alone(void)
{
    char line[200];
    uint32_t deed4 = sym_of("wild", "deed4");
    /* an unknown program, and a name that would be a path */
    EXPECT_NORM(kill_line(line, sizeof line, "nosuch", deed4, deed4), line);
    EXPECT_NORM(kill_line(line, sizeof line, "../user/wild", deed4, deed4), line);
    /* lines with no address, the kernel's own lines, lines no program owns */
    EXPECT_NORM("crc 4096: 0x5e4e1995\n", "crc 4096: 0x5e4e1995\n");
    EXPECT_NORM("kernel: 16384 KiB of memory, paging on\n", "kernel: 16384 KiB of memory, paging on\n");
    snprintf(line, sizeof line, "hello, world 0x%08x\n", deed4);
    EXPECT_NORM(line, line);
    /* a number that is not 8 digits, or part of a longer word */
    snprintf(line, sizeof line, "wild: 0x%07x x0x%08x 0x%08x0\n", deed4 & 0xfffffff, deed4, deed4);
    EXPECT_NORM(line, line);
    EXPECT_NORM("", "");
    /* the last line without its newline keeps it missing */
    snprintf(line, sizeof line, "wild: at 0x%08x", deed4);
    EXPECT_NORM(line, "wild: at <deed4>");
}

/* Normalizing does not hide what a golden file is for: another pc, pid or
 * program still shows; and the result normalizes to itself. */
static void test_real_changes_show(void)
{
    if (!syms) {
        CU_FAIL("no symbols");
        return;
    }
    char a[200], b[200];
    uint32_t deed4 = sym_of("wild", "deed4");
    kill_line(a, sizeof a, "wild", deed4 + 8, deed4);
    kill_line(b, sizeof b, "wild", deed4 + 12, deed4);
    char *na = golden_normalize(syms, a, strlen(a), NULL), *nb = golden_normalize(syms, b, strlen(b), NULL);
    CU_ASSERT(na && nb && strcmp(na, nb) != 0);
    free(nb);
    nb = golden_normalize(syms, na, strlen(na), NULL);
    CU_ASSERT(nb && strcmp(na, nb) == 0);
    free(na), free(nb);

    /* every golden file is a fixed point (stored normalized) */
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        size_t len, nlen;
        char *g = guest_golden(guest_workloads[i].name, &len);
        char *n = golden_normalize(syms, g, len, &nlen);
        CU_ASSERT(len > 0 && n && nlen == len && memcmp(n, g, len) == 0);
        free(g), free(n);
    }
}

static void test_no_symbols(void)
{
    char err[400];
    struct golden_syms *g = golden_syms_open("build/no-such-dir", err, sizeof err);
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "build/no-such-dir/kernel.elf"));
}

/* ---- the proof: a longer lib.s ------------------------------------------------------ */

/* What a student's new system call adds at the start of lib.s's text, and
 * a page of padding (jumped over, never run) so that .data and the heap
 * move as well as the code. */
static const char GROWTH[] = "\n# grown by suite golden: a new system call, and a page more of code\n"
                             "newcall:\n"
                             "        j       1f\n"
                             "        .space  4096\n"
                             "1:      li      a5, 99\n"
                             "        syscall\n"
                             "        ret\n";

struct proof {
    bool built;                     /* tried */
    bool ok;                        /* built and run */
    char *dir;                      /* the scratch directory */
    char *raw[GUEST_NWORKLOADS][2]; /* the consoles: [0] this build, [1] the grown one */
    size_t len[GUEST_NWORKLOADS][2];
};

static struct proof proof;

static bool copy_sources(const char *from, const char *to)
{
    DIR *d = opendir(from);
    if (!d || mkdir(to, 0777) != 0) {
        if (d)
            closedir(d);
        return false;
    }
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".s") != 0)
            continue;
        char src[512], dst[512];
        snprintf(src, sizeof src, "%s/%s", from, e->d_name);
        snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
        size_t len;
        char *text = file_bytes(src, &len);
        ok = text != NULL;
        if (ok)
            spit(dst, text, len);
        free(text);
    }
    closedir(d);
    return ok;
}

/* lib.s with GROWTH after _start's two instructions. */
static bool grow_lib(const char *path)
{
    size_t len;
    char *s = file_bytes(path, &len);
    char *at = s ? strstr(s, "\n_start:\n") : NULL;
    for (int k = 0; at && k < 3; k++) /* past "_start:" and its two lines */
        at = strchr(at + 1, '\n');
    if (!at) {
        fprintf(stderr, "\n%s: no _start with two instructions to grow after\n", path);
        free(s);
        return false;
    }
    size_t head = (size_t)(at + 1 - s);
    char *t = malloc(len + sizeof GROWTH);
    memcpy(t, s, head);
    memcpy(t + head, GROWTH, sizeof GROWTH - 1);
    memcpy(t + head + sizeof GROWTH - 1, s + head, len - head);
    spit(path, t, len + sizeof GROWTH - 1);
    free(s);
    free(t);
    return true;
}

static bool assemble(const char *src, const char *out, const char *incdir)
{
    struct asm_result res;
    const char *const dirs[] = {incdir};
    struct asm_options o = {.include_dirs = dirs, .ninclude_dirs = incdir ? 1 : 0};
    bool ok = asm_assemble_file(src, &o, &res);
    if (!ok)
        fprintf(stderr, "\n%s:\n%s", src, res.diag);
    else
        spit(out, res.elf, res.elf_len);
    asm_result_free(&res);
    return ok;
}

/* The grown guest OS: DIR/src (the sources), DIR/os/kernel.elf and
 * DIR/os/user/NAME.elf (a build golden_syms_open reads). */
static bool build_grown(const char *dir)
{
    char p[512], q[512], r[512];
    snprintf(p, sizeof p, "%s/src", dir);
    snprintf(q, sizeof q, "%s/os", dir);
    if (mkdir(p, 0777) != 0 || mkdir(q, 0777) != 0)
        return false;
    snprintf(p, sizeof p, "%s/src/user", dir);
    snprintf(q, sizeof q, "%s/src/kernel", dir);
    if (!copy_sources("guest-os/user", p) || !copy_sources("guest-os/kernel", q))
        return false;
    snprintf(p, sizeof p, "%s/src/syscall-numbers.s", dir);
    size_t len;
    char *nums = file_bytes("guest-os/syscall-numbers.s", &len);
    if (!nums)
        return false;
    spit(p, nums, len);
    free(nums);
    snprintf(p, sizeof p, "%s/src/user/lib.s", dir);
    if (!grow_lib(p))
        return false;
    snprintf(q, sizeof q, "%s/os/user", dir);
    if (mkdir(q, 0777) != 0)
        return false;
    snprintf(p, sizeof p, "%s/src/user", dir);
    DIR *d = opendir(p);
    if (!d)
        return false;
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".s") != 0 || strcmp(e->d_name, "lib.s") == 0)
            continue;
        snprintf(p, sizeof p, "%s/src/user/%s", dir, e->d_name);
        snprintf(r, sizeof r, "%s/os/user/%.*s.elf", dir, (int)(n - 2), e->d_name);
        ok = assemble(p, r, NULL);
    }
    closedir(d);
    snprintf(p, sizeof p, "%s/src/kernel/kernel.s", dir);
    snprintf(r, sizeof r, "%s/os/kernel.elf", dir);
    return ok && assemble(p, r, q);
}

static void run_console(const struct elf_image *img, const struct guest_workload *w, char **out, size_t *len)
{
    size_t dlen;
    uint8_t *disk = guest_disk(&w->o, &dlen);
    struct guest_run c = {.image = img,
                          .boot = w->o.boot,
                          .mem = guest_mem(&w->o),
                          .isa = w->o.isa,
                          .disk = disk,
                          .disk_len = dlen,
                          .input = w->o.input,
                          .max_insns = GUEST_INSN_LIMIT};
    struct guest_end e;
    guest_run_bare(&c, &e);
    CU_ASSERT_EQUAL(e.state, VM_HALTED);
    *out = e.out;
    *len = e.outlen;
    e.out = NULL;
    guest_end_free(&e);
    free(disk);
}

/* Build the grown guest OS and run every workload on both kernels, once. */
static const struct proof *proof_world(void)
{
    if (proof.built)
        return proof.ok ? &proof : NULL;
    proof.built = true;
    proof.dir = scratch_dir("golden");
    CU_ASSERT_PTR_NOT_NULL_FATAL(proof.dir);
    if (!build_grown(proof.dir)) {
        CU_FAIL("the grown guest OS does not build (see above)");
        return NULL;
    }
    char path[512], err[300];
    snprintf(path, sizeof path, "%s/os/kernel.elf", proof.dir);
    struct elf_image grown;
    if (!elf_read_file(path, &grown, err, sizeof err)) {
        fprintf(stderr, "\n%s: %s\n", path, err);
        CU_FAIL("the grown kernel cannot be read");
        return NULL;
    }
    const struct elf_image *orig = guest_kernel();
    if (!orig) {
        elf_free(&grown);
        return NULL;
    }
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        run_console(orig, &guest_workloads[i], &proof.raw[i][0], &proof.len[i][0]);
        run_console(&grown, &guest_workloads[i], &proof.raw[i][1], &proof.len[i][1]);
    }
    elf_free(&grown);
    proof.ok = true;
    return &proof;
}

/* Does the proof hold with norm and the symbols of syms_dir for the grown
 * build?  Every grown console, normalized, is its golden file; and the raw
 * consoles of the workloads whose goldens hold a symbolic address differ
 * from this build's (at least one does).  why: what broke first. */
static bool proof_holds(const struct proof *pf, golden_normalizer *norm, const char *syms_dir, char *why,
                        size_t n)
{
    char err[400];
    struct golden_syms *g = golden_syms_open(syms_dir, err, sizeof err);
    if (!g) {
        snprintf(why, n, "%s", err);
        return false;
    }
    bool holds = true;
    unsigned moved = 0;
    for (size_t i = 0; holds && i < GUEST_NWORKLOADS; i++) {
        const char *name = guest_workloads[i].name;
        size_t glen, nlen;
        char *want = guest_golden(name, &glen);
        bool symbolic = strstr(want, " <") != NULL;
        bool differ = pf->len[i][0] != pf->len[i][1] || memcmp(pf->raw[i][0], pf->raw[i][1], pf->len[i][0]) != 0;
        char *got = norm(g, pf->raw[i][1], pf->len[i][1], &nlen);
        if (symbolic && !differ)
            snprintf(why, n, "%s: its golden holds addresses, yet its raw console did not change", name), holds = false;
        else if (!got || nlen != glen || memcmp(got, want, glen) != 0)
            snprintf(why, n, "%s: the grown build's console, normalized, is not the golden file", name),
                holds = false;
        moved += symbolic && differ;
        free(want);
        free(got);
    }
    golden_syms_close(g);
    if (holds && moved == 0)
        snprintf(why, n, "no workload's console moved: lib.s did not grow"), holds = false;
    return holds;
}

static void test_proof(void)
{
    const struct proof *pf = proof_world();
    if (!pf)
        return;
    char os[600], why[400];
    snprintf(os, sizeof os, "%s/os", pf->dir);
    bool holds = proof_holds(pf, golden_normalize, os, why, sizeof why);
    if (!holds)
        fprintf(stderr, "\n  a longer lib.s: %s\n", why);
    CU_ASSERT(holds);
    /* and it is a proof: byte-exact goldens would have failed */
    unsigned moved = 0;
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        moved += pf->len[i][0] != pf->len[i][1] || memcmp(pf->raw[i][0], pf->raw[i][1], pf->len[i][0]) != 0;
    CU_ASSERT(moved >= 10); /* demo, misbehave, wild, priv, kaccess, badptr, div0, illegal, misalign, badargs */
}

static char *identity(struct golden_syms *g, const char *text, size_t len, size_t *outlen)
{
    (void)g;
    char *s = malloc(len + 1);
    memcpy(s, text, len);
    s[len] = '\0';
    *outlen = len;
    return s;
}

static void test_broken_identity(void)
{
    const struct proof *pf = proof_world();
    if (!pf)
        return;
    char os[600], why[400] = "";
    snprintf(os, sizeof os, "%s/os", pf->dir);
    CU_ASSERT_FALSE(proof_holds(pf, identity, os, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "normalized, is not the golden file"));
}

static void test_broken_stale_symbols(void)
{
    const struct proof *pf = proof_world();
    if (!pf)
        return;
    char why[400] = "";
    CU_ASSERT_FALSE(proof_holds(pf, golden_normalize, GUEST_OS_DIR, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "normalized, is not the golden file"));
}

static int suite_clean(void)
{
    golden_syms_close(syms);
    syms = NULL;
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        free(proof.raw[i][0]), free(proof.raw[i][1]);
    tmpdir_remove(proof.dir);
    memset(&proof, 0, sizeof proof);
    return guest_kernel_free();
}

void suite_golden(void)
{
    CU_pSuite s = CU_add_suite("golden", suite_init, suite_clean);
    CU_add_test(s, "normalize: code addresses, mid-function and at a label", test_code_addresses);
    CU_add_test(s, "normalize: data addresses", test_data_addresses);
    CU_add_test(s, "normalize: the heap moves with the image; stack and kernel stay", test_past_the_image);
    CU_add_test(s, "normalize: unknown programs and lines with no address stay", test_left_alone);
    CU_add_test(s, "normalize: a real change still shows; normalized text is a fixed point", test_real_changes_show);
    CU_add_test(s, "normalize: a build without symbols is refused in words", test_no_symbols);
    CU_add_test(s, "a longer lib.s: raw consoles move, normalized ones are the golden files", test_proof);
    CU_add_test(s, "broken: no normalizing fails the proof", test_broken_identity);
    CU_add_test(s, "broken: the unchanged build's symbols fail the proof", test_broken_stale_symbols);
}
