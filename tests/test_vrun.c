/*
 * test_vrun.c - the runner, `vrun --native IMAGE` (docs/isa.md section 12,
 * `vrun -h`), as a user meets it: the binary at $VMLAB_BIN/vrun (make check
 * sets VMLAB_BIN=build/san/bin) run on images written into a temporary
 * directory.  Exit status = halt's value mod 256; console on stdin/stdout;
 * --boot, -m, --isa, --disk (saved back at exit), -n (124) and deadlock or
 * double fault (125); and every bad input gives one line on stderr,
 * `vrun: PATH: message` (or `vrun: message` for usage errors), a non-zero
 * exit status and never a crash (the binary is built with ASan and UBSan:
 * a sanitizer report would be more lines and a different status).
 */
#include <CUnit/CUnit.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "elf_write.h"
#include "json_strict.h"
#include "prog.h"
#include "rig.h"
#include "runvrun.h"
#include "scratch.h"

#define ENTRY IMAGE_ENTRY

static char *dir, *vrun_path;

/* Run vrun with args (NULL-terminated, without argv[0]) and stdin data. */
static void vrun(struct res *res, const char *in, size_t inlen, const char *const *args)
{
    run_vrun(vrun_path, dir, res, in, inlen, args);
}

/* --- the suite's directory ---------------------------------------------------- */

static int suite_init(void) { return vrun_suite_init(&vrun_path, &dir, "vrun", "adir"); }
static int suite_clean(void) { return vrun_suite_clean(&vrun_path, &dir); }

static void test_vrun_present(void)
{
    CU_ASSERT_FATAL(access(vrun_path, X_OK) == 0);
}

/* --- running programs ---------------------------------------------------------- */

static void test_vrun_exit_status(void)
{
    const uint32_t vals[] = {0, 1, 42, 255, 256, 0x1234, 0xffffffffu};
    for (int i = 0; i < 7; i++) {
        const char *img = halt_image(dir, "halt.elf", vals[i]);
        struct res r;
        vrun(&r, NULL, 0, (const char *[]){"--native", img, NULL});
        expect_ok(&r, (int)(vals[i] & 0xff));
        CU_ASSERT_EQUAL(r.outlen, 0);
        res_free(&r);
    }
}

/* stdin to the program, the program to stdout: an upper-casing echo that
 * stops at the end of input; binary bytes pass unchanged. */
static void test_vrun_console(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    uint32_t loop = p_op(&p, OP_IN, 5, 0, 0, PORT_CON_DATA);
    p_op(&p, OP_ADDI, 6, 5, 0, 1);
    size_t done = p_hole(&p);
    p_op(&p, OP_SLTI, 6, 5, 0, 'a');
    size_t skip1 = p_hole(&p);
    p_op(&p, OP_SLTI, 6, 5, 0, 'z' + 1);
    size_t skip2 = p_hole(&p);
    p_op(&p, OP_ADDI, 5, 5, 0, -32);
    uint32_t print = p_op(&p, OP_OUT, 5, 0, 0, PORT_CON_DATA);
    p_br(&p, OP_JAL, 0, 0, loop);
    uint32_t end = p_op(&p, OP_HALT, 0, 0, 0, 0);
    p_patch(&p, done, OP_BEQ, 6, 0, end);
    p_patch(&p, skip1, OP_BNE, 6, 0, print);
    p_patch(&p, skip2, OP_BEQ, 6, 0, print);
    const char *img = prog_image(dir, "echo.elf", &p, NULL, 0);
    static const char in[] = "Hello, vrun!\n\0\xff\x7f{z}";
    static const char want[] = "HELLO, VRUN!\n\0\xff\x7f{Z}";
    struct res r;
    vrun(&r, in, sizeof in - 1, (const char *[]){"--native", img, NULL});
    expect_ok(&r, 0);
    CU_ASSERT_EQUAL(r.outlen, sizeof want - 1);
    CU_ASSERT(memcmp(r.out, want, sizeof want - 1) == 0);
    res_free(&r);
}

/* --boot: a0 = the string's address, the last page; a1 = memory size. */
static void test_vrun_boot(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    size_t none = p_hole(&p);
    uint32_t loop = p_op(&p, OP_LBU, 5, 10, 0, 0);
    size_t end = p_hole(&p);
    p_op(&p, OP_OUT, 5, 0, 0, PORT_CON_DATA);
    p_op(&p, OP_ADDI, 10, 10, 0, 1);
    p_br(&p, OP_JAL, 0, 0, loop);
    uint32_t fin = p_op(&p, OP_SRLI, 6, 11, 0, 12); /* a1 / 4096 */
    p_op(&p, OP_HALT, 6, 0, 0, 0);
    uint32_t nothing = p_op(&p, OP_ADDI, 6, 0, 0, 99);
    p_op(&p, OP_HALT, 6, 0, 0, 0);
    p_patch(&p, none, OP_BEQ, 10, 0, nothing);
    p_patch(&p, end, OP_BEQ, 5, 0, fin);
    const char *img = prog_image(dir, "boot.elf", &p, NULL, 0);
    /* the string ends at a0 + strlen: fin sees a0 advanced, a1 intact */
    const char *arg = "root=/dev/vd0 quiet 'x' \"y\"";
    struct res r;
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "64K", "--boot", arg, img, NULL});
    expect_ok(&r, 16);
    CU_ASSERT_EQUAL(r.outlen, strlen(arg));
    CU_ASSERT_STRING_EQUAL(r.out, arg);
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--mem", "1M", img, NULL});
    expect_ok(&r, 99);
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "1M", "--boot", "", img, NULL});
    expect_ok(&r, 256 & 0xff); /* 1M / 4096 = 256: low byte 0 */
    res_free(&r);
}

/* The boot string's address is the last page: a program that halts with
 * a0 / 4096 sees memsize / 4096 - 1. */
static void test_vrun_boot_address(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_op(&p, OP_SRLI, 6, 10, 0, 12);
    p_op(&p, OP_HALT, 6, 0, 0, 0);
    const char *img = prog_image(dir, "addr.elf", &p, NULL, 0);
    struct res r;
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "200K", "--boot", "x", img, NULL});
    expect_ok(&r, 200 / 4 - 1);
    res_free(&r);
}

/* --isa: a user-mode rdsr traps in pg (cause 4), not in x86like (the
 * syscall after it traps: cause 1).  The handler halts with the cause. */
static void test_vrun_isa(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_li(&p, 5, ENTRY + 0x100);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TVEC);
    p_li(&p, 5, ENTRY + 0x80);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_EPC);
    p_op(&p, OP_RFE, 0, 0, 0, 0); /* PS = 0: to user mode at epc */
    while (p_here(&p) < ENTRY + 0x80)
        p_op(&p, OP_BREAK, 0, 0, 0, 0);
    p_op(&p, OP_RDSR, 6, 0, 0, 0);
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    while (p_here(&p) < ENTRY + 0x100)
        p_op(&p, OP_BREAK, 0, 0, 0, 0);
    p_op(&p, OP_MFCR, 5, 0, 0, CR_CAUSE);
    p_op(&p, OP_HALT, 5, 0, 0, 0);
    const char *img = prog_image(dir, "isa.elf", &p, NULL, 0);
    struct res r;
    vrun(&r, NULL, 0, (const char *[]){"--native", img, NULL});
    expect_ok(&r, CAUSE_PRIV);
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--isa", "pg", img, NULL});
    expect_ok(&r, CAUSE_PRIV);
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--isa", "x86like", img, NULL});
    expect_ok(&r, CAUSE_SYSCALL);
    res_free(&r);
}

/* -n: the limit stops the machine (124), a program that halts first is not
 * affected. */
static void test_vrun_limit(void)
{
    const char *img = spin_image(dir, "spin.elf");
    struct res r;
    char want[4200];
    vrun(&r, NULL, 0, (const char *[]){"--native", "-n", "1000", img, NULL});
    snprintf(want, sizeof want, "vrun: %s: stopped at the instruction limit (1000 instructions), pc 0x%08x", img,
             ENTRY);
    CU_ASSERT(r.exited && r.status == 124 && r.outlen == 0 && err_has_report(r.err, want, false));
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--max-insns", "77", img, NULL});
    snprintf(want, sizeof want, "vrun: %s: stopped at the instruction limit (77 instructions), pc 0x%08x", img,
             ENTRY);
    CU_ASSERT(r.exited && r.status == 124 && r.outlen == 0 && err_has_report(r.err, want, false));
    res_free(&r);
    const char *h = halt_image(dir, "halt3.elf", 3);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-n", "3", h, NULL}); /* li li halt */
    expect_ok(&r, 3);
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-n", "2", h, NULL});
    snprintf(want, sizeof want, "vrun: %s: stopped at the instruction limit (2 instructions), pc 0x%08x", h,
             ENTRY + 8);
    CU_ASSERT(r.exited && r.status == 124 && r.outlen == 0 && err_has_report(r.err, want, false));
    /* the same under the VMM, word for word */
    struct res v;
    vrun(&v, NULL, 0, (const char *[]){"-n", "2", h, NULL});
    CU_ASSERT_STRING_EQUAL(v.err, r.err);
    res_free(&v);
    res_free(&r);
}

/* Deadlock and double fault: 125. */
static void test_vrun_abnormal(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_op(&p, OP_ADDI, 5, 0, 0, 1);
    uint32_t w = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    const char *img = prog_image(dir, "deadlock.elf", &p, NULL, 0);
    struct res r;
    char want[4200];
    vrun(&r, NULL, 0, (const char *[]){"--native", img, NULL});
    snprintf(want, sizeof want, "vrun: %s: deadlock: wfi at pc 0x%08x waits for an interrupt that can never come",
             img, w);
    CU_ASSERT(r.exited && r.status == 125 && r.outlen == 0 && err_has_report(r.err, want, false));
    struct res v;
    vrun(&v, NULL, 0, (const char *[]){img, NULL});
    CU_ASSERT_STRING_EQUAL(v.err, r.err);
    res_free(&v);
    res_free(&r);

    p_init(&p, ENTRY);
    p_li(&p, 5, 0x7ffff000u);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TVEC);
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    img = prog_image(dir, "double.elf", &p, NULL, 0);
    vrun(&r, NULL, 0, (const char *[]){"--native", img, NULL});
    snprintf(want, sizeof want,
             "vrun: %s: double fault: the trap handler's first instruction, at 0x7ffff000, raised bus-error\n"
             "  the trap that led there: syscall (system call (syscall instruction)) at pc 0x%08x, in supervisor "
             "mode: syscall\n"
             "  the handler at tvec, 0x7ffff000, raised bus-error: (its instruction cannot be fetched)\n"
             "  pc 0x7ffff000\n",
             img, ENTRY + 12);
    CU_ASSERT(r.exited && r.status == 125 && r.outlen == 0);
    CU_ASSERT(strncmp(r.err, want, strlen(want)) == 0);
    if (strncmp(r.err, want, strlen(want)) != 0)
        fprintf(stderr, "\n  got:\n%s  wanted it to start:\n%s", r.err, want);
    res_free(&r);
}

/* Whether process pid catches SIGINT yet (Linux: SigCgt in its status). */
static bool catches_sigint(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    bool yes = false;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "SigCgt:", 7) == 0)
            yes = (strtoull(line + 7, NULL, 16) >> (SIGINT - 1)) & 1;
    if (f)
        fclose(f);
    return yes;
}

/* Ctrl-C stops a program that would run forever, natively and under the
 * VMM, and under the VMM traced one instruction at a time: status 130, one
 * line that says so with the count and the pc, and the registers; the
 * trace written whole (its last line an instruction). */
static void test_vrun_interrupted(void)
{
    const char *img = spin_image(dir, "forever.elf");
    const char *tpath = path_in(dir, "interrupted.trace");
    unlink(tpath);
    for (int vmm = 0; vmm < 3; vmm++) {
        const char *errpath = path_in(dir, "interrupted.err");
        pid_t pid = fork();
        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0) {
            int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 2);
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            if (vmm == 2)
                execl(vrun_path, vrun_path, "--trace", tpath, img, (char *)NULL);
            else if (vmm)
                execl(vrun_path, vrun_path, img, (char *)NULL);
            else
                execl(vrun_path, vrun_path, "--native", img, (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 3000 && !catches_sigint(pid); i++)
            nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL); /* let it run a while */
        kill(pid, SIGINT);
        int st = 0;
        waitpid(pid, &st, 0);
        CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 130);
        char *err = slurp(errpath, NULL);
        char want[4200];
        snprintf(want, sizeof want, "vrun: %s: interrupted (Ctrl-C) after ", img);
        CU_ASSERT(strncmp(err, want, strlen(want)) == 0);
        CU_ASSERT(strstr(err, " instructions, pc 0x") != NULL && strstr(err, "\n  pc 0x") != NULL &&
                  strstr(err, "\n  status 00000001 (S)") != NULL);
        if (strncmp(err, want, strlen(want)) != 0)
            fprintf(stderr, "\n  %s: %s", vmm ? "vmm" : "native", err);
        free(err);
    }
    size_t len = 0;
    char *t = file_bytes(tpath, &len);
    CU_ASSERT(t != NULL && len > 0 && t[len - 1] == '\n');
    if (t && len > 0) {
        char *last = t + len - 1;
        while (last > t && last[-1] != '\n')
            last--;
        CU_ASSERT(strncmp(last, "I ", 2) == 0 && strstr(last, " 0x00001000 ") && strstr(last, " beq "));
        if (strncmp(last, "I ", 2) != 0 || !strstr(last, " beq "))
            fprintf(stderr, "\n  the trace's last line: %s", last);
    }
    free(t);
}

/* --native --trace FILE: a line per instruction that retired (I) and per
 * trap taken (T), with the count, the pc and the disassembly; as many I
 * lines as --stats counts instructions; the trap where the syscall is,
 * and the handler's first instruction after it. */
static void test_vrun_trace(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    const uint32_t handler = ENTRY + 0x40;
    p_li(&p, 5, handler);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TVEC);
    uint32_t sc = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    while (p_here(&p) < handler)
        p_op(&p, OP_ADDI, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 7, 0, 0, 9);
    p_op(&p, OP_HALT, 7, 0, 0, 0);
    const char *img = prog_image(dir, "traced.elf", &p, NULL, 0);
    const char *path = path_in(dir, "traced.trace");
    struct res r;
    vrun(&r, NULL, 0, (const char *[]){"--native", "--stats", "--trace", path, img, NULL});
    CU_ASSERT(r.exited && r.status == 9);
    long long n = -1;
    CU_ASSERT(sscanf(r.err, "vrun: %lld instructions retired", &n) == 1);
    size_t len = 0;
    char *t = file_bytes(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    long long insns = 0, traps = 0;
    for (char *l = t; *l; l = strchr(l, '\n') + 1) {
        insns += l[0] == 'I';
        traps += l[0] == 'T';
        if (!strchr(l, '\n'))
            break;
    }
    CU_ASSERT_EQUAL(insns, n);
    CU_ASSERT_EQUAL(traps, 1);
    /* --stats counts the same trap by its cause; paging is off: no walks */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "\nvrun: traps taken: syscall 1 (1 in all)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "\nvrun: page-table walks (TLB misses with paging on): 0, reading 0 entries\n"));
    char want[200];
    snprintf(want, sizeof want, "T %10lld  0x%08x", n - 2, sc);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, want));
    snprintf(want, sizeof want, "trap: syscall, badaddr 0x00000000, to tvec 0x%08x\nI %10lld  0x%08x", handler,
             n - 1, handler);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "mtcr tvec, t0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "halt t2\n"));
    if (!strstr(t, want))
        fprintf(stderr, "\n  the trace:\n%s", t);
    free(t);
    res_free(&r);
    /* bad outputs: one line, nothing run, natively and under the VMM */
    for (int vmm = 0; vmm < 2; vmm++) {
        const char *bad = path_in(dir, "no-such-dir/t.trace");
        vrun(&r, NULL, 0, vmm ? (const char *[]){"--trace", bad, img, NULL}
                              : (const char *[]){"--native", "--trace", bad, img, NULL});
        snprintf(want, sizeof want, "vrun: %s: cannot create: No such file or directory", bad);
        expect_error(&r, 1, want);
        res_free(&r);
        vrun(&r, NULL, 0, vmm ? (const char *[]){"--trace", img, img, NULL}
                              : (const char *[]){"--native", "--trace", img, img, NULL});
        snprintf(want, sizeof want, "vrun: %s: the trace would overwrite the image (%s)", img, img);
        expect_error(&r, 2, want);
        res_free(&r);
    }
    /* not beside --lockstep */
    vrun(&r, NULL, 0, (const char *[]){"--lockstep", "--trace", path, img, NULL});
    snprintf(want, sizeof want, "vrun: --trace %s: not with --lockstep or --difftest (trace each run on its own)", path);
    expect_error(&r, 2, want);
    res_free(&r);
}

/* The lines of kind k in a trace. */
static long long count_lines(const char *t, char k)
{
    long long n = 0;
    for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
        n += l[0] == k;
        if (!strchr(l, '\n'))
            break;
    }
    return n;
}

/* --trace-events: only the lines asked for; a name that is not an event,
 * an empty one, exits on the bare machine and events without a trace are
 * refused in one line each that names the events. */
static void test_vrun_trace_events(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    const uint32_t handler = ENTRY + 0x40;
    p_li(&p, 5, handler);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TVEC);
    uint32_t sc = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    while (p_here(&p) < handler)
        p_op(&p, OP_ADDI, 0, 0, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    /* from the program: what precedes the syscall, then halt (the syscall
     * itself retires nothing: docs/isa.md section 6) */
    const long long retired = (sc - ENTRY) / 4 + 1;
    const char *img = prog_image(dir, "events.elf", &p, NULL, 0);
    const char *path = path_in(dir, "events.trace");
    const char *lists[] = {"insn", "trap", "trap,insn", NULL};
    const long long want_i[] = {retired, 0, retired, retired}, want_t[] = {0, 1, 1, 1};
    for (int k = 0; k < 4; k++) {
        struct res r;
        if (lists[k])
            vrun(&r, NULL, 0, (const char *[]){"--native", "--trace", path, "--trace-events", lists[k], img, NULL});
        else
            vrun(&r, NULL, 0, (const char *[]){"--native", "--trace", path, img, NULL});
        expect_ok(&r, 0);
        char *t = file_bytes(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_EQUAL(count_lines(t, 'I'), want_i[k]);
        CU_ASSERT_EQUAL(count_lines(t, 'T'), want_t[k]);
        CU_ASSERT_EQUAL(count_lines(t, 'I') + count_lines(t, 'T'), want_i[k] + want_t[k]); /* nothing else */
        if (count_lines(t, 'I') != want_i[k] || count_lines(t, 'T') != want_t[k])
            fprintf(stderr, "\n  --trace-events %s: the trace:\n%s", lists[k] ? lists[k] : "(none)", t);
        free(t);
        res_free(&r);
    }
    struct res r;
    vrun(&r, NULL, 0, (const char *[]){"--trace", path, "--trace-events", "insn,traps", img, NULL});
    expect_error(&r, 2, "vrun: --trace-events insn,traps: no event named \"traps\" (the events: insn, trap, exit)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--trace", path, "--trace-events", "insn,,trap", img, NULL});
    expect_error(&r, 2, "vrun: --trace-events 'insn,,trap': an empty event name (the events: insn, trap, exit)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--trace", path, "--trace-events", "insn,exit", img, NULL});
    expect_error(&r, 2,
                 "vrun: --trace-events insn,exit: the bare machine has no VM exits (with --native: insn, trap)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--trace-events", "exit", img, NULL});
    expect_error(&r, 2, "vrun: --trace-events exit: there is no trace to write them to (give --trace FILE)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--trace-exits", img, NULL});
    expect_error(&r, 2,
                 "vrun: --trace-exits: the bare machine has no VM exits (its instructions and traps: --trace FILE)");
    res_free(&r);
}

/* A number after "key": in a JSON text, or -1. */
static long long json_int(const char *j, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = j ? strstr(j, k) : NULL;
    return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

/* --native --stats and --stats-json: a program whose counts its source
 * gives.  Paging on (one level-2 table), then N loads from one data page:
 * by the manual's TLB (docs/isa.md section 7), the fetch after the wrsr
 * that turns paging on finds no entry (a walk), the first load finds none
 * (a walk), the other N-1 loads hit, the fetch after the syscall's trap
 * (which drops the one-entry instruction TLB) hits, and every other fetch
 * is from the page the instruction TLB holds; one syscall, no interrupt. */
static void test_vrun_native_stats_json(void)
{
    enum { N = 50, L1 = 0x4000, L2 = 0x5000, DATA = 0x6000 };
    uint8_t tables[2 * 4096] = {0};
    uint32_t entries[][2] = {{L1 + 0, L2 | PTE_V},
                             {L2 + 4 * (ENTRY >> 12), ENTRY | PTE_V | PTE_R | PTE_X},
                             {L2 + 4 * (DATA >> 12), DATA | PTE_V | PTE_R}};
    for (size_t i = 0; i < 3; i++)
        for (int b = 0; b < 4; b++)
            tables[entries[i][0] - L1 + (uint32_t)b] = (uint8_t)(entries[i][1] >> (8 * b));
    const struct elf_out_section secs[] = {{".data", L1, tables, sizeof tables, sizeof tables, PF_R | PF_W},
                                           {".rodata", DATA, (const uint8_t[4]){1, 2, 3, 4}, 4, 4096, PF_R}};
    struct prog p;
    p_init(&p, ENTRY);
    const uint32_t handler = ENTRY + 0x100;
    p_li(&p, 5, handler);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_TVEC);
    p_li(&p, 5, L1);
    p_op(&p, OP_MTCR, 5, 0, 0, CR_PTB);
    p_op(&p, OP_RDSR, 5, 0, 0, 0);
    p_op(&p, OP_ORI, 5, 5, 0, SR_PG);
    p_op(&p, OP_WRSR, 5, 0, 0, 0);
    p_li(&p, 6, DATA);
    p_li(&p, 7, N);
    uint32_t loop = p_op(&p, OP_LW, 8, 6, 0, 0);
    p_op(&p, OP_ADDI, 7, 7, 0, -1);
    p_br(&p, OP_BNE, 7, 0, loop);
    uint32_t sc = p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    while (p_here(&p) < handler)
        p_op(&p, OP_ADDI, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 9, 0, 0, 7);
    p_op(&p, OP_HALT, 9, 0, 0, 0);
    /* straight to the loop, N times round it, on to the syscall (which
     * retires nothing), and the handler's two */
    const long long retired = (loop - ENTRY) / 4 + 3LL * N + (sc - (loop + 12)) / 4 + 2;
    const char *img = prog_image(dir, "tlb.elf", &p, secs, 2);
    const char *json = path_in(dir, "tlb.json");
    unlink(json);
    struct res r;
    vrun(&r, NULL, 0, (const char *[]){"--native", "--stats", "--stats-json", json, img, NULL});
    CU_ASSERT(r.exited && r.status == 7);
    char want[300];
    snprintf(want, sizeof want,
             "vrun: %lld instructions retired, %lld cycles\nvrun: traps taken: syscall 1 (1 in all)\n"
             "vrun: page-table walks (TLB misses with paging on): 2, reading 4 entries\nvrun: TLB with paging on: %d hits, 2 misses\n",
             retired, retired, N);
    CU_ASSERT_STRING_EQUAL(r.err, want);
    size_t len = 0;
    char *j = file_bytes(json, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    char why[200] = "";
    CU_ASSERT(json_strict(j, len, why, sizeof why));
    if (why[0])
        fprintf(stderr, "\n  not JSON: %s\n%s", why, j);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"isa\": \"pg\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"mode\": \"native\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"name\": \"tlb\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"state\": \"halted\""));
    CU_ASSERT_EQUAL(json_int(j, "exit_value"), 7);
    CU_ASSERT_EQUAL(json_int(j, "instructions"), retired);
    CU_ASSERT_EQUAL(json_int(j, "cycles"), retired);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"traps\": {\"syscall\": 1}"));
    CU_ASSERT_EQUAL(json_int(j, "interrupts"), 0);
    CU_ASSERT_EQUAL(json_int(j, "hits"), N);
    CU_ASSERT_EQUAL(json_int(j, "misses"), 2);
    CU_ASSERT_EQUAL(json_int(j, "page_walks"), 2);
    if (json_int(j, "hits") != N)
        fprintf(stderr, "\n  the statistics:\n%s", j);
    free(j);
    res_free(&r);
    /* with --lockstep there is no one run to count */
    vrun(&r, NULL, 0, (const char *[]){"--lockstep", "--stats-json", json, img, NULL});
    snprintf(want, sizeof want,
             "vrun: --stats-json %s: not with --lockstep or --difftest (give it to a run of its own)", json);
    expect_error(&r, 2, want);
    res_free(&r);
}

/* A double fault explained, the same natively and under the VMM: the trap
 * that led there (its cause in words, pc with its symbol, the instruction),
 * why the handler could not run, and the registers. */
static void test_vrun_double_fault_explained(void)
{
    /* a division by zero before the program set tvec */
    struct prog p;
    p_init(&p, ENTRY);
    p_li(&p, 5, 7);
    uint32_t div = p_op(&p, OP_DIV, 6, 5, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    const char *img = prog_image(dir, "divzero.elf", &p, NULL, 0);
    struct res nat, vmm;
    vrun(&nat, NULL, 0, (const char *[]){"--native", img, NULL});
    vrun(&vmm, NULL, 0, (const char *[]){img, NULL});
    char want[4200];
    snprintf(want, sizeof want,
             "vrun: %s: double fault: the trap handler's first instruction, at 0x00000000, raised illegal\n"
             "  the trap that led there: div-zero (division by zero) at pc 0x%08x, in supervisor mode: "
             "div t1, t0, zero\n"
             "  tvec is 0: set it (mtcr tvec) before the first trap can happen\n"
             "  pc 0x00000000\n",
             img, div);
    CU_ASSERT(nat.exited && nat.status == 125 && vmm.exited && vmm.status == 125);
    CU_ASSERT(strncmp(nat.err, want, strlen(want)) == 0);
    if (strncmp(nat.err, want, strlen(want)) != 0)
        fprintf(stderr, "\n  got:\n%s  wanted it to start:\n%s", nat.err, want);
    /* the registers, status's bits by name */
    CU_ASSERT(strstr(nat.err, "\n  tp   00000000  t0   00000007  t1   00000000") != NULL);
    CU_ASSERT(strstr(nat.err, "\n  status 00000005 (S PS)  cause 00000007 (div-zero)\n") != NULL);
    /* one report, word for word, from both paths */
    CU_ASSERT_STRING_EQUAL(vmm.err, nat.err);
    res_free(&nat);
    res_free(&vmm);
}

static void test_vrun_help(void)
{
    const char *forms[2] = {"-h", "--help"};
    for (int i = 0; i < 2; i++) {
        struct res r;
        vrun(&r, NULL, 0, (const char *[]){forms[i], NULL});
        expect_ok(&r, 0);
        CU_ASSERT(strncmp(r.out, "usage:", 6) == 0);
        static const char *const opts[] = {"--native", "-m", "--isa", "pg", "x86like", "--disk",
                                           "-n",       "--boot", "-h", "124", "125"};
        for (size_t j = 0; j < sizeof opts / sizeof opts[0]; j++) {
            CU_ASSERT_PTR_NOT_NULL(strstr(r.out, opts[j]));
            if (!strstr(r.out, opts[j]))
                fprintf(stderr, "\n  -h does not mention %s", opts[j]);
        }
        res_free(&r);
    }
}

/* --- the disk --------------------------------------------------------------------- */

/* A program that prints 4 bytes of block 2 and writes its .data to block 1:
 * the file has block 1 replaced afterwards, nothing else. */
static void test_vrun_disk(void)
{
    uint8_t diskimg[4 * 512];
    for (size_t i = 0; i < sizeof diskimg; i++)
        diskimg[i] = (uint8_t)('A' + (i / 512) * 4 + (i % 4));
    const char *dpath = path_in(dir, "disk.img");
    spit(dpath, diskimg, sizeof diskimg);
    uint8_t data[512];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 3 + 1);
    const struct elf_out_section ds = {".data", 0x4000, data, sizeof data, sizeof data, PF_R | PF_W};
    struct prog p;
    p_init(&p, ENTRY);
    p_disk(&p, DISK_CMD_READ, 2, 0x8000);
    p_print4(&p, 0x8000);
    p_disk(&p, DISK_CMD_WRITE, 1, 0x4000);
    p_op(&p, OP_HALT, 6, 0, 0, 0);
    const char *img = prog_image(dir, "disk.elf", &p, &ds, 1);
    struct res r;
    vrun(&r, NULL, 0, (const char *[]){"--native", "--disk", dpath, img, NULL});
    expect_ok(&r, DISK_OK);
    CU_ASSERT_EQUAL(r.outlen, 4);
    CU_ASSERT(memcmp(r.out, "IJKL", 4) == 0);
    res_free(&r);
    size_t len;
    char *after = slurp(dpath, &len);
    CU_ASSERT_EQUAL_FATAL(len, sizeof diskimg);
    memcpy(diskimg + 512, data, 512);
    CU_ASSERT(memcmp(after, diskimg, sizeof diskimg) == 0);
    free(after);

    /* a program that only reads leaves the file as it was */
    p_init(&p, ENTRY);
    p_disk(&p, DISK_CMD_READ, 3, 0x8000);
    p_li(&p, 9, 0x8000);
    p_op(&p, OP_LBU, 8, 9, 0, 0);
    p_op(&p, OP_HALT, 8, 0, 0, 0);
    img = prog_image(dir, "diskread.elf", &p, NULL, 0);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--disk", dpath, img, NULL});
    expect_ok(&r, 'A' + 12);
    res_free(&r);
    after = slurp(dpath, &len);
    CU_ASSERT_EQUAL(len, sizeof diskimg);
    CU_ASSERT(len == sizeof diskimg && memcmp(after, diskimg, sizeof diskimg) == 0);
    free(after);
}

/* --- bad input ---------------------------------------------------------------------- */

static void write_file(const char *name, const void *data, size_t len) { spit(path_in(dir, name), data, len); }

static void test_vrun_bad_files(void)
{
    struct prog p;
    p_init(&p, ENTRY);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    p_op(&p, OP_HALT, 0, 0, 0, 0);
    const char *good = prog_image(dir, "good.elf", &p, NULL, 0);
    size_t glen;
    char *g = slurp(good, &glen);
    char *f = malloc(glen);
    struct res r;
    char want[4300];
    Elf32_Ehdr eh;
    Elf32_Phdr ph;

    const char *missing = path_in(dir, "missing.elf");
    vrun(&r, NULL, 0, (const char *[]){"--native", missing, NULL});
    snprintf(want, sizeof want, "vrun: %s: cannot open: No such file or directory", missing);
    expect_error(&r, 1, want);
    res_free(&r);

    const char *adir = path_in(dir, "adir");
    vrun(&r, NULL, 0, (const char *[]){"--native", adir, NULL});
    snprintf(want, sizeof want, "vrun: %s: is a directory", adir);
    expect_error(&r, 1, want);
    res_free(&r);

    const char *text = "this is a text file\n";
    write_file("text.elf", text, strlen(text));
    vrun(&r, NULL, 0, (const char *[]){"--native", path_in(dir, "text.elf"), NULL});
    snprintf(want, sizeof want, "vrun: %s: not an ELF file", path_in(dir, "text.elf"));
    expect_error(&r, 1, want);
    res_free(&r);

    write_file("empty.elf", "", 0);
    vrun(&r, NULL, 0, (const char *[]){"--native", path_in(dir, "empty.elf"), NULL});
    snprintf(want, sizeof want, "vrun: %s: not an ELF file", path_in(dir, "empty.elf"));
    expect_error(&r, 1, want);
    res_free(&r);

    memcpy(f, g, glen);
    f[EI_CLASS] = ELFCLASS64;
    write_file("elf64.elf", f, glen);
    vrun(&r, NULL, 0, (const char *[]){"--native", path_in(dir, "elf64.elf"), NULL});
    snprintf(want, sizeof want, "vrun: %s: not an ELF32 file (it is ELF64)", path_in(dir, "elf64.elf"));
    expect_error(&r, 1, want);
    res_free(&r);

    memcpy(f, g, glen);
    f[EI_DATA] = ELFDATA2MSB;
    write_file("be.elf", f, glen);
    vrun(&r, NULL, 0, (const char *[]){"--native", path_in(dir, "be.elf"), NULL});
    snprintf(want, sizeof want, "vrun: %s: not a little-endian ELF file", path_in(dir, "be.elf"));
    expect_error(&r, 1, want);
    res_free(&r);

    memcpy(f, g, glen);
    memcpy(&eh, f, sizeof eh);
    eh.e_machine = EM_RISCV;
    memcpy(f, &eh, sizeof eh);
    write_file("riscv.elf", f, glen);
    vrun(&r, NULL, 0, (const char *[]){"--native", path_in(dir, "riscv.elf"), NULL});
    snprintf(want, sizeof want, "vrun: %s: not a vmlab program (ELF machine %u, expected %u)",
             path_in(dir, "riscv.elf"), (unsigned)EM_RISCV, (unsigned)EM_VMLAB);
    expect_error(&r, 1, want);
    res_free(&r);

    /* segment outside a 64 KiB memory */
    struct prog q;
    p_init(&q, 0x20000);
    p_op(&q, OP_HALT, 0, 0, 0, 0);
    p_op(&q, OP_HALT, 0, 0, 0, 0);
    const char *far = prog_image(dir, "far.elf", &q, NULL, 0);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "64K", far, NULL});
    snprintf(want, sizeof want,
             "vrun: %s: segment at 0x00020000..0x00020008 is outside physical memory (64 KiB; try a larger -m)", far);
    expect_error(&r, 1, want);
    res_free(&r);

    /* overlapping: a .data section over the text */
    const uint8_t d8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const struct elf_out_section over = {".data", ENTRY + 4, d8, 8, 8, PF_R | PF_W};
    const char *ov = prog_image(dir, "overlap.elf", &p, &over, 1);
    vrun(&r, NULL, 0, (const char *[]){"--native", ov, NULL});
    snprintf(want, sizeof want, "vrun: %s: segments at 0x%08x and 0x%08x overlap", ov, ENTRY, ENTRY + 4);
    expect_error(&r, 1, want);
    res_free(&r);

    /* truncated: the file cut in the middle of the text */
    memcpy(&eh, g, sizeof eh);
    memcpy(&ph, g + eh.e_phoff, sizeof ph);
    write_file("cut.elf", g, ph.p_offset + 5);
    vrun(&r, NULL, 0, (const char *[]){"--native", path_in(dir, "cut.elf"), NULL});
    snprintf(want, sizeof want, "vrun: %s: segment 0 is truncated: it needs bytes %u..%u of a %u-byte file",
             path_in(dir, "cut.elf"), ph.p_offset, ph.p_offset + ph.p_filesz, ph.p_offset + 5);
    expect_error(&r, 1, want);
    res_free(&r);

    /* the boot argument: too long, or a segment in its page */
    char *longarg = malloc(5001);
    memset(longarg, 'b', 5000);
    longarg[5000] = '\0';
    vrun(&r, NULL, 0, (const char *[]){"--native", "--boot", longarg, good, NULL});
    snprintf(want, sizeof want, "vrun: %s: boot argument is 5000 bytes long; the limit is 4095", good);
    expect_error(&r, 1, want);
    res_free(&r);
    free(longarg);
    p_init(&q, 0xf800);
    p_op(&q, OP_HALT, 0, 0, 0, 0);
    const char *high = prog_image(dir, "high.elf", &q, NULL, 0);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "64K", high, NULL});
    expect_ok(&r, 0);
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "64K", "--boot", "x", high, NULL});
    snprintf(want, sizeof want,
             "vrun: %s: segment at 0x0000f800 reaches into the last page of memory (0x0000f000), where the boot argument goes",
             high);
    expect_error(&r, 1, want);
    res_free(&r);

    free(f);
    free(g);
}

static void test_vrun_bad_usage(void)
{
    const char *good = halt_image(dir, "ok.elf", 0);
    struct res r;
    char want[4300];

    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "1000", good, NULL});
    expect_error(&r, 2, "vrun: -m 1000: not a positive multiple of the page size (4K)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "0", good, NULL});
    expect_error(&r, 2, "vrun: -m 0: not a positive multiple of the page size (4K)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "2048M", good, NULL});
    expect_error(&r, 2, "vrun: -m 2048M: larger than the largest memory (1G)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-m", "12Q", good, NULL});
    expect_error(&r, 2, "vrun: -m 12Q: not a size (examples: 65536, 512K, 16M, 1G)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--isa", "arm", good, NULL});
    expect_error(&r, 2, "vrun: --isa arm: unknown variant (pg or x86like)");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--bogus", good, NULL});
    expect_error(&r, 2, "vrun: unknown option --bogus");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "-n", "lots", good, NULL});
    expect_error(&r, 2, "vrun: -n lots: not a number of instructions");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", good, "-m", NULL});
    expect_error(&r, 2, "vrun: -m needs an argument");
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", NULL});
    expect_error(&r, 2, "vrun: no image given");
    res_free(&r);

    /* the disk file */
    write_file("odd.img", (uint8_t[1000]){0}, 1000);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--disk", path_in(dir, "odd.img"), good, NULL});
    snprintf(want, sizeof want, "vrun: %s: disk image is 1000 bytes, not a whole number of 512-byte blocks",
             path_in(dir, "odd.img"));
    expect_error(&r, 1, want);
    res_free(&r);
    vrun(&r, NULL, 0, (const char *[]){"--native", "--disk", path_in(dir, "nodisk.img"), good, NULL});
    snprintf(want, sizeof want, "vrun: %s: cannot open: No such file or directory", path_in(dir, "nodisk.img"));
    expect_error(&r, 1, want);
    res_free(&r);
}

void suite_vrun(void)
{
    CU_pSuite s = CU_add_suite("vrun", suite_init, suite_clean);
    CU_add_test(s, "the vrun binary is there", test_vrun_present);
    CU_add_test(s, "exit status is the halt value mod 256", test_vrun_exit_status);
    CU_add_test(s, "console: stdin to the program, the program to stdout", test_vrun_console);
    CU_add_test(s, "--boot: the string, a0 and a1", test_vrun_boot);
    CU_add_test(s, "--boot: the last page of memory", test_vrun_boot_address);
    CU_add_test(s, "--isa pg / x86like", test_vrun_isa);
    CU_add_test(s, "-n: the instruction limit, 124", test_vrun_limit);
    CU_add_test(s, "deadlock and double fault, 125", test_vrun_abnormal);
    CU_add_test(s, "a double fault explained, the same natively and under the VMM", test_vrun_double_fault_explained);
    CU_add_test(s, "--native --trace: each instruction and trap", test_vrun_trace);
    CU_add_test(s, "--trace-events: only those lines; bad lists refused", test_vrun_trace_events);
    CU_add_test(s, "--native --stats-json: counts a program's source gives", test_vrun_native_stats_json);
    CU_add_test(s, "Ctrl-C: status 130, where it was, and the registers", test_vrun_interrupted);
    CU_add_test(s, "-h, --help", test_vrun_help);
    CU_add_test(s, "--disk: read, written, saved at exit", test_vrun_disk);
    CU_add_test(s, "bad files: one line each", test_vrun_bad_files);
    CU_add_test(s, "bad usage and disk files: one line each", test_vrun_bad_usage);
}
