/*
 * test_valgrind.c - the end-to-end runs under Valgrind: the optimised tools
 * of build/bin (no sanitizers: Valgrind and ASan do not mix), each doing a
 * whole job a user would give it, under memcheck with every leak kind an
 * error.  A run passes when Valgrind reports no error and no leak *and*
 * the tool's output is right (checked against the golden files of the bare
 * machine, or against the image the build made), so a tool that exits
 * early cannot pass by doing nothing.
 *
 * make check sets VMLAB_REL_BIN=build/bin and installs valgrind when it is
 * missing (tests/need-packages.sh).  The ASan/UBSan tools of build/san/bin
 * are what every other suite runs; this suite is the second, independent
 * memory checker the issue asks for, on the code paths a user takes.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asmtest.h"
#include "scratch.h"
#include "workloads.h"

#define VALGRIND_ERROR 99 /* valgrind's exit status when it found something */

static char *rel_bin(const char *name)
{
    const char *dir = getenv("VMLAB_REL_BIN");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", dir && *dir ? dir : "build/bin", name);
    struct stat st;
    if (stat(p, &st) != 0) {
        fprintf(stderr, "\n  %s is missing: make check builds it (make all)", p);
        CU_FAIL("tool missing");
    }
    return p;
}

/* Run argv (argv[0] a tool name of build/bin) under memcheck; returns the
 * tool's exit status, or VALGRIND_ERROR, after printing Valgrind's report
 * when it found something.  *out gets stdout (free it). */
static int under_valgrind(const char *const *argv, char **out)
{
    char *tool = rel_bin(argv[0]);
    char *args[64] = {"valgrind",
                      "-q",
                      "--error-exitcode=99",
                      "--leak-check=full",
                      "--show-leak-kinds=all",
                      "--errors-for-leak-kinds=all",
                      "--track-fds=no",
                      tool};
    int n = 8;
    for (int i = 1; argv[i] && n < 63; i++)
        args[n++] = (char *)argv[i];
    args[n] = NULL;
    char *err = NULL;
    int st = run_cmd(args, true, out, &err);
    if (st == 127)
        CU_FAIL("valgrind could not be run: make check installs it (tests/need-packages.sh)");
    if (st == VALGRIND_ERROR || st < 0)
        fprintf(stderr, "\n  valgrind %s: status %d\n%s", argv[0], st, err ? err : "");
    free(err);
    free(tool);
    return st;
}

#define VG(out, ...) under_valgrind((const char *const[]){__VA_ARGS__, NULL}, (out))

static void expect_golden(int st, int want, const char *out, const char *name)
{
    CU_ASSERT_EQUAL(st, want);
    CU_ASSERT_PTR_NOT_NULL(out);
    CU_ASSERT(out && guest_golden_same(name, out, strlen(out), "under valgrind"));
}

/* The guest OS's demo on the bare machine and under the VMM (each shadow
 * policy), with statistics on. */
static void test_vrun_demo(void)
{
    char *out = NULL;
    int st = VG(&out, "vrun", "--native", GUEST_KERNEL);
    expect_golden(st, 0, out, "demo");
    free(out);
    static const char *const policies[] = {"cache", "demand", "rebuild"};
    for (int p = 0; p < 3; p++) {
        out = NULL;
        st = VG(&out, "vrun", "--stats", "--shadow", policies[p], GUEST_KERNEL);
        expect_golden(st, 0, out, "demo");
        free(out);
    }
}

/* Binary translation (vmm/bt.c), where trap-and-emulate fails, with the
 * isolation checker: its translation cache, side tables and emulated
 * accesses to code frames. */
static void test_vrun_bt(void)
{
    char *out = NULL;
    int st = VG(&out, "vrun", "--stats", "--technique", "bt", "--isa", "x86like", "--check-isolation", GUEST_KERNEL);
    expect_golden(st, 0, out, "demo");
    free(out);
}

/* The hardware guest mode (vmm/hw.c) over shadows and over nested paging
 * (vmm/nested.c), on x86like, with the isolation checker: the control
 * block, the host table, the nested faults. */
static void test_vrun_hw(void)
{
    static const char *const mmus[] = {"shadow", "nested"};
    for (int i = 0; i < 2; i++) {
        char *out = NULL;
        int st = VG(&out, "vrun", "--stats", "--technique", "hw", "--mmu", mmus[i], "--isa", "x86like",
                    "--check-isolation", GUEST_KERNEL);
        expect_golden(st, 0, out, "demo");
        free(out);
    }
}

/* Several VMs at once with console files and JSON statistics, the disk,
 * and lockstep. */
static void test_vrun_vms_disk_lockstep(void)
{
    char *dir = tmpdir_make();
    char *json = tmp_path(dir, "stats.json");
    char *outdir = tmp_path(dir, "con");
    mkdir(outdir, 0777);
    char *out = NULL;
    int st = VG(&out, "vrun", "--console-dir", outdir, "--stats-json", json, "--vm", GUEST_KERNEL, "--name", "a",
                "--boot", "crc", "--vm", GUEST_KERNEL, "--name", "b", "--boot", "primes");
    CU_ASSERT_EQUAL(st, 0);
    free(out);
    char path[4096];
    snprintf(path, sizeof path, "%s/a.out", outdir);
    char *a = read_text(path);
    CU_ASSERT(a && guest_golden_same("crc", a, strlen(a), "VM a under valgrind"));
    snprintf(path, sizeof path, "%s/b.out", outdir);
    char *b = read_text(path);
    CU_ASSERT(b && guest_golden_same("primes", b, strlen(b), "VM b under valgrind"));
    char *j = read_text(json);
    CU_ASSERT(j && strstr(j, "\"a\"") && strstr(j, "\"b\""));
    free(a), free(b), free(j);

    /* the disk workload, with the disk workloads.c gives it */
    size_t zlen;
    uint8_t *zeros = guest_disk(&guest_workload("disk")->o, &zlen);
    char *disk = tmp_write(dir, "disk.img", zeros, zlen);
    free(zeros);
    out = NULL;
    st = VG(&out, "vrun", "--disk", disk, "--boot", "disk", GUEST_KERNEL);
    expect_golden(st, 0, out, "disk");
    free(out);

    out = NULL;
    st = VG(&out, "vrun", "--lockstep", "--boot", "forkwait", GUEST_KERNEL);
    CU_ASSERT_EQUAL(st, 0);
    free(out);
    free(disk), free(json), free(outdir);
    tmpdir_remove(dir);
}

/* vasm builds the guest kernel with a listing and a map (the same bytes
 * as the build's), and vdis's output of it assembles back to those bytes. */
static void test_vasm_vdis(void)
{
    char *dir = tmpdir_make();
    char *elf = tmp_path(dir, "kernel.elf"), *lst = tmp_path(dir, "kernel.lst"), *map = tmp_path(dir, "kernel.map");
    char *out = NULL;
    int st = VG(&out, "vasm", "-I", "build/guest-os/user", "-o", elf, "-l", lst, "-m", map,
                "guest-os/kernel/kernel.s");
    CU_ASSERT_EQUAL(st, 0);
    free(out);
    size_t n1, n2;
    char *mine = slurp(elf, &n1), *built = slurp(GUEST_KERNEL, &n2);
    CU_ASSERT(n1 > 0 && n1 == n2 && memcmp(mine, built, n1) == 0);
    free(mine), free(built);

    char *dis = tmp_path(dir, "kernel.s"), *again = tmp_path(dir, "again.elf");
    out = NULL;
    st = VG(&out, "vdis", "-o", dis, GUEST_KERNEL);
    CU_ASSERT_EQUAL(st, 0);
    free(out);
    out = NULL;
    st = VG(&out, "vasm", "-o", again, dis);
    CU_ASSERT_EQUAL(st, 0);
    free(out);
    out = NULL;
    st = VG(&out, "vdis", again);
    char *first = read_text(dis);
    CU_ASSERT_EQUAL(st, 0);
    /* the same program, line for line, after the header that names the file */
    const char *b1 = first ? strchr(first, '\n') : NULL, *b2 = out ? strchr(out, '\n') : NULL;
    CU_ASSERT(b1 && b2 && strlen(b1) > 1000 && strcmp(b1, b2) == 0);
    free(first), free(out);
    free(elf), free(lst), free(map), free(dis), free(again);
    tmpdir_remove(dir);
}

/* The error paths: bad source, a file that is not an image, bad usage.
 * They must fail cleanly, with nothing leaked on the way out. */
static void test_error_paths(void)
{
    char *dir = tmpdir_make();
    char *bad = tmp_text(dir, "bad.s", "  addi t0, t0\n  frob a0\n  .word (1 +\n");
    char *notelf = tmp_text(dir, "not.elf", "hello\n");
    char *o = tmp_path(dir, "o.elf");
    char *out = NULL;
    CU_ASSERT_EQUAL(VG(&out, "vasm", "-o", o, bad), 1);
    free(out);
    out = NULL;
    CU_ASSERT_EQUAL(VG(&out, "vrun", "--native", notelf), 1);
    free(out);
    out = NULL;
    CU_ASSERT_EQUAL(VG(&out, "vrun", notelf), 1);
    free(out);
    out = NULL;
    CU_ASSERT_EQUAL(VG(&out, "vdis", notelf), 1);
    free(out);
    out = NULL;
    CU_ASSERT_EQUAL(VG(&out, "vrun", "--shadow", "nosuch", GUEST_KERNEL), 2);
    free(out);
    free(bad), free(notelf), free(o);
    tmpdir_remove(dir);
}

void suite_valgrind(void)
{
    CU_pSuite s = CU_add_suite("valgrind", NULL, NULL);
    CU_add_test(s, "vrun: the demo bare and under every shadow policy", test_vrun_demo);
    CU_add_test(s, "vrun: the demo under bt on x86like, isolation checker on", test_vrun_bt);
    CU_add_test(s, "vrun: the demo under hw over shadows and nested paging on x86like, checker on", test_vrun_hw);
    CU_add_test(s, "vrun: two VMs, console files, JSON, the disk, lockstep", test_vrun_vms_disk_lockstep);
    CU_add_test(s, "vasm and vdis: the kernel, its listing and map, a round trip", test_vasm_vdis);
    CU_add_test(s, "the tools' error paths", test_error_paths);
}
