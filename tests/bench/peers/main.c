/*
 * main.c - `make bench-peers`: the FNV loop of tests/bench/fnv_loop.h on
 * vmlab and on its peers, side by side, in one table from one run:
 *
 *   native C        the loop compiled by gcc -O2 (native.c)
 *   vmlab bare      vrun --native: the bare machine's interpreter
 *   vmlab VM        vrun: the same image as a VM's kernel under the VMM
 *   QEMU user       qemu-riscv32 on a static RV32IM Linux ELF (fnv_rv32.S)
 *   QEMU system     qemu-system-riscv32 -M virt -bios none, bare metal
 *   SPIM            spim -file fnv_mips.s (MIPS)
 *
 *   peers [-n ROUNDS] BUILD      ROUNDS also from $PEERS_ROUNDS (default 7)
 *
 * Each variant is a process, timed by its CPU time (user + system, from
 * wait4), at two loop lengths: the difference cancels start-up.  The runs
 * of a round are interleaved (stats.h's bench_order); every figure is taken
 * within a round, then the median over the rounds with its spread.  A
 * run's hash must be the one the host computes for the same count, or the
 * variant is refused; each loop's instructions are counted from its
 * listing (vdis, objdump -M no-aliases) or trace (SPIM's step), not
 * assumed.  $PEERS_ITERS (default 50000000) and $PEERS_SPIM_ITERS
 * (default 500000: SPIM is three orders slower) are the long lengths; the
 * short ones are a fifth.
 */
/* wait4, for each run's own CPU time, is BSD, not POSIX. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../fnv_loop.h"
#include "peers.h"

#ifndef PEERS_ITERS_ADDR
#error "PEERS_ITERS_ADDR: where fnv_rv32.S's SYSTEM build reads its count (the Makefile defines it)"
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

#define MAX_ARGS 16
#define OUT_MAX (1u << 20)
#define NVARIANTS 6
#define RUN_TIMEOUT_S 120 /* a run that prints nothing for this long is killed */

struct variant {
    const char *name;
    /* "@N" is replaced by the count; "@L" by QEMU's loader argument for it. */
    const char *argv[MAX_ARGS];
    const char *list_argv[MAX_ARGS];
    enum peers_listing list_kind;
    const char *list_stdin; /* a file of commands for the listing's tool, or NULL */
    const char *body;       /* the loop's mnemonics, as the listing must show them */
    bool spim;              /* the short counts */
};

/* The loop body on each ISA: the same nine operations (MIPS's mul is two). */
#define BODY_VMLAB "andi slli add lw xor mul sw addi bne"
#define BODY_RV32 "andi slli add lw xor mul sw addi bne"
#define BODY_MIPS "andi sll addu lw xor multu mflo sw addiu bne"

struct measured {
    double t_long[BENCH_MAX_ROUNDS], t_short[BENCH_MAX_ROUNDS];
    int insns;
    char ops[200]; /* the loop's mnemonics, from its listing */
    char why[256]; /* why it was refused; "" if not */
};

/* Runs argv with stdin from in_path (or /dev/null), its stdout and stderr
 * into out; the exit status (-1 if it could not run), its CPU seconds. */
static int run(char *const argv[], const char *in_path, char *out, size_t size, double *cpu)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(fd[1], 1) < 0 || dup2(fd[1], 2) < 0)
            _exit(127);
        close(fd[0]);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    bool killed = false;
    for (;;) {
        /* A peer that hangs (a bare-metal image that never reaches the
         * test device) must not hang the bench. */
        struct pollfd p = {.fd = fd[0], .events = POLLIN};
        int ready = poll(&p, 1, RUN_TIMEOUT_S * 1000);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        char sink[4096];
        char *dst = n + 1 < size ? out + n : sink;
        size_t room = n + 1 < size ? size - 1 - n : sizeof sink;
        ssize_t r = read(fd[0], dst, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (dst == out + n)
            n += (size_t)r;
    }
    out[n] = '\0';
    close(fd[0]);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR)
            return -1;
    if (killed) {
        snprintf(out, size, "no output for %d s: killed", RUN_TIMEOUT_S);
        return -1;
    }
    *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* argv with @N and @L filled in for n iterations, in bufs. */
static void fill(const char *const tmpl[], unsigned long n, char *argv[], char bufs[][96])
{
    int i = 0;
    for (; tmpl[i]; i++) {
        if (strcmp(tmpl[i], "@N") == 0) {
            snprintf(bufs[i], 96, "%lu", n);
            argv[i] = bufs[i];
        } else if (strcmp(tmpl[i], "@L") == 0) {
            snprintf(bufs[i], 96, "loader,addr=%s,data=%lu,data-len=4", STR(PEERS_ITERS_ADDR), n);
            argv[i] = bufs[i];
        } else {
            argv[i] = (char *)tmpl[i];
        }
    }
    argv[i] = NULL;
}

static unsigned long env_count(const char *name, unsigned long dflt)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return dflt;
    char *end;
    unsigned long n = strtoul(s, &end, 10);
    if (*end || s[0] == '-' || n < 5 || n > 0xffffffffu) {
        fprintf(stderr, "peers: %s=%s: not a count of iterations 5..4294967295\n", name, s);
        exit(2);
    }
    return n;
}

static uint32_t host_hash(unsigned long n)
{
    static uint32_t table[FNV_TABLE_WORDS];
    memset(table, 0, sizeof table);
    return fnv_loop(table, (uint32_t)n);
}

int main(int argc, char **argv)
{
    int rounds = BENCH_DEFAULT_ROUNDS;
    const char *env = getenv("PEERS_ROUNDS");
    if (env && *env && !bench_parse_rounds(env, &rounds)) {
        fprintf(stderr, "peers: PEERS_ROUNDS=%s: not a count of rounds 1..%d\n", env, BENCH_MAX_ROUNDS);
        return 2;
    }
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "-n") == 0) {
        if (!bench_parse_rounds(argv[a + 1], &rounds)) {
            fprintf(stderr, "peers: -n %s: not a count of rounds 1..%d\n", argv[a + 1], BENCH_MAX_ROUNDS);
            return 2;
        }
        a += 2;
    }
    if (a + 1 != argc) {
        fprintf(stderr, "usage: peers [-n ROUNDS] BUILD   (run from the source tree; make bench-peers)\n");
        return 2;
    }
    const char *b = argv[a];
    char native[512], vrun[512], vdis[512], vm_elf[512], user_elf[512], sys_elf[512], trace_cmd[512];
    snprintf(native, sizeof native, "%s/peers/native", b);
    snprintf(vrun, sizeof vrun, "%s/bin/vrun", b);
    snprintf(vdis, sizeof vdis, "%s/bin/vdis", b);
    snprintf(vm_elf, sizeof vm_elf, "%s/peers/fnv_vmlab.elf", b);
    snprintf(user_elf, sizeof user_elf, "%s/peers/fnv_user.elf", b);
    snprintf(sys_elf, sizeof sys_elf, "%s/peers/fnv_sys.elf", b);
    snprintf(trace_cmd, sizeof trace_cmd, "%s/peers/spim-trace.cmd", b);
    const char *mips_src = "tests/bench/peers/fnv_mips.s";
    FILE *f = fopen(trace_cmd, "w");
    if (!f || fprintf(f, "load \"%s\"\nstep 80\nexit\n", mips_src) < 0 || fclose(f) != 0) {
        fprintf(stderr, "peers: cannot write %s\n", trace_cmd);
        return 1;
    }

    const struct variant vs[NVARIANTS] = {
        {"native C (gcc -O2)", {native, "@N"}, {NULL}, PEERS_VDIS, NULL, NULL, false},
        {"vmlab bare machine",
         {vrun, "--native", "--boot", "@N", vm_elf},
         {vdis, vm_elf},
         PEERS_VDIS,
         NULL,
         BODY_VMLAB,
         false},
        {"vmlab under the VMM", {vrun, "--boot", "@N", vm_elf}, {vdis, vm_elf}, PEERS_VDIS, NULL, BODY_VMLAB, false},
        {"QEMU user (riscv32)",
         {"qemu-riscv32", user_elf, "@N"},
         {"riscv64-unknown-elf-objdump", "-d", "-M", "no-aliases", user_elf},
         PEERS_OBJDUMP,
         NULL,
         BODY_RV32,
         false},
        {"QEMU system (riscv32 virt)",
         {"qemu-system-riscv32", "-M", "virt", "-bios", "none", "-nographic", "-kernel", sys_elf, "-device", "@L"},
         {"riscv64-unknown-elf-objdump", "-d", "-M", "no-aliases", sys_elf},
         PEERS_OBJDUMP,
         NULL,
         BODY_RV32,
         false},
        {"SPIM (MIPS)", {"spim", "-file", mips_src, "@N"}, {"script", "-qec", "spim", "/dev/null"}, PEERS_SPIM,
         trace_cmd, BODY_MIPS, true},
    };
    const unsigned long n_long = env_count("PEERS_ITERS", 50000000), n_spim = env_count("PEERS_SPIM_ITERS", 500000);
    const uint32_t want_long = host_hash(n_long), want_short = host_hash(n_long / 5);
    const uint32_t want_spim_long = host_hash(n_spim), want_spim_short = host_hash(n_spim / 5);

    static char out[OUT_MAX];
    static struct measured m[NVARIANTS];
    char *args[MAX_ARGS + 1], bufs[MAX_ARGS][96];
    double cpu;

    /* The loops' instructions, counted from their listings. */
    for (int v = 0; v < NVARIANTS; v++) {
        if (!vs[v].list_argv[0])
            continue; /* native C: the host's compiler's loop, not counted */
        fill(vs[v].list_argv, 0, args, bufs);
        int st = run(args, vs[v].list_stdin, out, sizeof out, &cpu);
        char msg[200];
        m[v].insns = st == 0 ? peers_loop_insns(out, vs[v].list_kind, m[v].ops, sizeof m[v].ops, msg, sizeof msg) : -1;
        if (st != 0)
            snprintf(m[v].why, sizeof m[v].why, "listing: %s exited with %d", args[0], st);
        else if (m[v].insns < 0)
            snprintf(m[v].why, sizeof m[v].why, "listing: %s", msg);
        else if (strcmp(m[v].ops, vs[v].body) != 0)
            snprintf(m[v].why, sizeof m[v].why, "listing: the loop is \"%s\", not \"%s\"", m[v].ops, vs[v].body);
    }

    /* The runs: each variant at two lengths, interleaved round by round. */
    for (int i = 0; i < rounds; i++)
        for (int k = 0; k < 2 * NVARIANTS; k++) {
            int j = bench_order(i, k, 2 * NVARIANTS), v = j / 2;
            bool lng = j % 2 == 0;
            if (m[v].why[0])
                continue;
            unsigned long n = vs[v].spim ? n_spim : n_long;
            if (!lng)
                n /= 5;
            uint32_t want = vs[v].spim ? (lng ? want_spim_long : want_spim_short) : (lng ? want_long : want_short);
            fill(vs[v].argv, n, args, bufs);
            int st = run(args, NULL, out, sizeof out, &cpu);
            char msg[200];
            if (st != 0) {
                snprintf(m[v].why, sizeof m[v].why, "%lu iterations: exited with %d: %.120s", n, st, out);
            } else if (!peers_verdict(out, want, msg, sizeof msg)) {
                snprintf(m[v].why, sizeof m[v].why, "%lu iterations: %s", n, msg);
            }
            (lng ? m[v].t_long : m[v].t_short)[i] = cpu;
        }

    printf("peers: the FNV loop (tests/bench/fnv_loop.h), %lu and %lu iterations (SPIM %lu and %lu),\n"
           "  CPU time of each process (user + system), per iteration = (t(long) - t(short)) / (long - short);\n"
           "  median [min..max] of %d interleaved rounds\n",
           n_long, n_long / 5, n_spim, n_spim / 5, rounds);
    printf("  %-27s %5s %26s %24s %22s %20s\n", "variant", "insns", "ns/iteration", "guest MIPS", "x native C",
           "start-up ms");
    int status = 0;
    const struct peers_times nat = {m[0].t_long, m[0].t_short, (double)n_long, (double)(n_long / 5)};
    for (int v = 0; v < NVARIANTS; v++) {
        if (m[v].why[0] || m[0].why[0]) {
            printf("  %-27s REFUSED: %s\n", vs[v].name, m[v].why[0] ? m[v].why : "native C was refused");
            status = 1;
            continue;
        }
        unsigned long n = vs[v].spim ? n_spim : n_long;
        const struct peers_times t = {m[v].t_long, m[v].t_short, (double)n, (double)(n / 5)};
        struct peers_row r = peers_row_of(&t, &nat, m[v].insns, rounds);
        char c1[64], c2[64], c3[64], c4[64], ins[16];
        snprintf(ins, sizeof ins, "%d", m[v].insns);
        printf("  %-27s %5s %26s %24s %22s %20s\n", vs[v].name, v == 0 ? "-" : ins,
               bench_fmt(c1, sizeof c1, r.ns_per_iter, 1, 2),
               v == 0 ? "-" : bench_fmt(c2, sizeof c2, r.mips, 1, 0), bench_fmt(c3, sizeof c3, r.x_native, 1, 2),
               bench_fmt(c4, sizeof c4, r.startup_ms, 1, 1));
    }
    /* one variant of each ISA: vmlab bare, QEMU user, SPIM */
    printf("  loops as listed: vmlab \"%s\"; RV32IM \"%s\"; MIPS \"%s\"\n", m[1].ops, m[3].ops, m[5].ops);
    printf("  every run's hash checked against the host's: 0x%08x after %lu iterations (SPIM's %lu: 0x%08x)\n",
           want_long, n_long, n_spim, want_spim_long);
    return status;
}
