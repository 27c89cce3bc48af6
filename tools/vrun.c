/*
 * vrun - run vmlab programs.
 *
 *   vrun --native IMAGE             on the bare machine: the program is the supervisor
 *   vrun IMAGE                      under the VMM, deprivileged
 *   vrun --vm A.elf --vm B.elf ...  several virtual machines, time-shared
 *
 * Options that follow a --vm apply to that VM; options before the first
 * image are defaults for every VM.  The console is stdin/stdout (stdin goes
 * to the first VM); the exit status is the value of halt's register
 * (modulo 256).  vrun's own troubles are reported on stderr in one line
 * each, with the exit statuses listed in usage().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "difftest.h"
#include "disk_store.h"
#include "elf_load.h"
#include "fileio.h"
#include "lockstep.h"
#include "machine.h"
#include "read_capped.h"
#include "vm_name.h"
#include "vmm.h"

enum {
    EXIT_BAD_INPUT = 1,
    EXIT_USAGE = 2,
    EXIT_DIFFER = 3,     /* --lockstep, --difftest: the two runs differ */
    EXIT_LIMIT = 124,    /* like timeout(1) */
    EXIT_ABNORMAL = 125, /* deadlock, double fault, VM failure */
};

#define MAX_VMS 16

static const char *prog = "vrun";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s --native IMAGE [options]\n"
            "       %s [options] IMAGE\n"
            "       %s [options] --vm IMAGE [vm options] [--vm IMAGE [vm options]]...\n"
            "       %s --lockstep [options] IMAGE\n"
            "       %s --difftest [options] IMAGE\n"
            "\n"
            "Run the ELF32 program IMAGE (at most 1 GiB) on the bare vmlab machine\n"
            "(--native), or as the guest kernel of a virtual machine under the VMM. The\n"
            "console is stdin/stdout; the exit status is the value of halt's register\n"
            "(mod 256).\n"
            "\n"
            "options:\n"
            "  --native          run on the bare machine (the image is the supervisor)\n"
            "  --lockstep        run IMAGE on the bare machine and under the VMM side by\n"
            "                    side, and report the first instruction after which they\n"
            "                    differ (console input: all of stdin, at most 16 MiB, read\n"
            "                    first; the disk file is never written)\n"
            "  --difftest        run IMAGE on the bare machine and on the reference CPU\n"
            "                    (isa/ref/) one instruction at a time, and report the\n"
            "                    first instruction after which they differ (input: as\n"
            "                    --lockstep)\n"
            "  --vm IMAGE        add a virtual machine running IMAGE; options after it\n"
            "                    (-m, --disk, -n, --boot, --name) apply to it alone\n"
            "  -m, --mem SIZE    physical memory, bytes with an optional K, M or G suffix,\n"
            "                    a multiple of 4K (default 16M, at most 1G); under the\n"
            "                    VMM all VMs, with 4M of shadow tables each, share a host\n"
            "                    of at most 4G less 4K\n"
            "  --isa VARIANT     pg (default: every sensitive instruction is privileged)\n"
            "                    or x86like (rdsr, wrsr, rdptb do not trap in user mode)\n"
            "  --disk FILE       attach FILE as the disk: a whole number of 512-byte blocks,\n"
            "                    at most 4294967295 of them; each block the program writes\n"
            "                    is written to FILE at once (a pipe or device is read\n"
            "                    whole, at most 64 MiB, and never written); one VM per file\n"
            "  -n, --max-insns N stop after N retired instructions\n"
            "  --boot STRING     boot argument: a0 points to it at reset (docs/isa.md)\n"
            "  --name NAME       the VM's name in output prefixes and statistics: 1 to 31\n"
            "                    bytes of UTF-8, no '/', '\"', '\\' or control characters\n"
            "  --shadow POLICY   shadow page tables: rebuild, demand or cache (default)\n"
            "  --quantum N       instructions a VM runs before the next (default 100000)\n"
            "  --check-isolation after every exit, check that no VM can reach what it\n"
            "                    does not own; stop a VM at the first violation\n"
            "  --console-dir DIR write each VM's console output to DIR/NAME.out instead\n"
            "                    of stdout (where, with several VMs, lines get [NAME])\n"
            "  --stats           print instruction counts (and the VMM's statistics) on\n"
            "                    stderr at exit\n"
            "  --stats-json FILE write the VMM's statistics as JSON\n"
            "                    (--stats-json and --console-dir files appear whole at\n"
            "                    exit, or not at all; never over an image or a disk)\n"
            "  -h, --help        show this help\n"
            "\n"
            "exit status: the halt value (with several VMs: the first non-zero one);\n"
            "%d bad input (or the disk file failed); %d bad usage; %d instruction limit\n"
            "reached; %d machine stopped abnormally (deadlock, double fault, VM failure);\n"
            "with --lockstep and --difftest, 0 when the runs agree and %d when they differ\n",
            prog, prog, prog, prog, prog, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_LIMIT, EXIT_ABNORMAL, EXIT_DIFFER);
}

static int fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return EXIT_USAGE;
}

/* -m's syntax, the same in every mode: digits, then K, M or G (either
 * case) for KiB, MiB, GiB: "65536", "512K", "16M", "1G".  false if
 * malformed; a value past 64 bits is UINT64_MAX, past every limit. */
static bool parse_size(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    bool over = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    unsigned shift = 0;
    switch (*s) {
    case 'K': case 'k': shift = 10; s++; break;
    case 'M': case 'm': shift = 20; s++; break;
    case 'G': case 'g': shift = 30; s++; break;
    }
    if (*s != '\0')
        return false;
    *out = over || v > UINT64_MAX >> shift ? UINT64_MAX : v << shift;
    return true;
}

static bool parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* Deliberate bugs asked for in the environment (VMLAB_INJECT and
 * VMLAB_REF_INJECT: the checkers' negative controls, never real use): a
 * number of flags, or false after one line on stderr. */
static bool env_flags(const char *name, const char *what, uint64_t *flags)
{
    const char *v = getenv(name);
    *flags = 0;
    if (!v || (parse_count(v, flags) && *flags <= UINT32_MAX))
        return true;
    fprintf(stderr, "%s: %s=%s: not a number (of %s flags)\n", prog, name, v, what);
    return false;
}

/* --- consoles --- */

/* A console's output: to a stream; with several VMs on one terminal, each
 * line preceded by "[name] " so that their output stays apart.  Such a
 * stream keeps its VM's line until the newline and writes it whole: the
 * VMs are time-shared, and a line written a piece at a time would be cut
 * by the other VMs' lines.  A line is written before it is complete only
 * when it grows past OUT_LINE_MAX (a guest that never ends its line must
 * not make vrun grow without bound) or when its VM waits for input from a
 * terminal (the prompt must be visible); if another VM writes while such a
 * piece stands unfinished on the shared stream, the piece is ended with a
 * newline first, and its VM's next output starts a fresh "[name] " line.
 * So with input from a file, every VM's lines are exactly its output. */
#define OUT_LINE_MAX 4096

struct out_stream {
    FILE *f;
    const char *prefix; /* NULL: the bytes go straight to f */
    char line[OUT_LINE_MAX];
    size_t len;
    bool continued; /* the start of this line is already on f */
};

/* The prefixed stream whose unfinished line is the last thing on stdout. */
static struct out_stream *open_line;

/* Write a prefixed stream's buffered line (complete or not) to its FILE. */
static void stream_emit(struct out_stream *o)
{
    if (open_line && open_line != o && open_line->f == o->f) {
        fputc('\n', o->f);
        open_line->continued = false;
        open_line = NULL;
    }
    if (!o->continued)
        fprintf(o->f, "[%s] ", o->prefix);
    fwrite(o->line, 1, o->len, o->f);
    bool complete = o->len && o->line[o->len - 1] == '\n';
    o->len = 0;
    o->continued = !complete;
    open_line = complete ? NULL : o;
    fflush(o->f);
}

static void stream_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct out_stream *o = ctx;
    if (!o->prefix) {
        fwrite(buf, 1, len, o->f);
        if (len && buf[len - 1] == '\n')
            fflush(o->f); /* line-buffered even when the stream is a pipe */
        return;
    }
    for (size_t i = 0; i < len; i++) {
        o->line[o->len++] = (char)buf[i];
        if (buf[i] == '\n' || o->len == sizeof o->line)
            stream_emit(o);
    }
}

/* At the end: what is left of a prefixed stream's line, ended with a
 * newline so that every line on the shared stream has one. */
static void stream_finish(struct out_stream *o)
{
    if (o->prefix && o->len)
        stream_emit(o);
    if (open_line == o) {
        fputc('\n', o->f);
        open_line = NULL;
        o->continued = false;
    }
    fflush(o->f);
}

static int stdin_read(void *ctx)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDIN_FILENO);
    struct out_stream *o = ctx;
    if (tty && o && o->prefix && o->len)
        stream_emit(o);
    fflush(stdout); /* a prompt must be visible before we wait for the answer */
    int ch = getchar();
    return ch == EOF ? -1 : ch;
}

/* --- what the command line asks for --- */

struct image_opts {
    const char *path;
    const char *disk;
    const char *boot;
    const char *name;
    uint32_t mem;
    uint64_t max_insns;
};

struct opts {
    bool native, stats, lockstep, difftest, check_isolation;
    enum isa_variant isa;
    enum shadow_policy policy;
    uint32_t quantum;
    const char *console_dir, *stats_json;
    struct image_opts defaults;
    struct image_opts vm[MAX_VMS];
    int nvms;
};

static int parse(int argc, char **argv, struct opts *o)
{
    enum { OPT_NATIVE = 256, OPT_LOCKSTEP, OPT_DIFFTEST, OPT_ISA, OPT_DISK, OPT_BOOT, OPT_STATS, OPT_VM, OPT_NAME,
           OPT_SHADOW, OPT_QUANTUM, OPT_CONSOLE_DIR, OPT_STATS_JSON, OPT_CHECK_ISOLATION };
    static const struct option opts[] = {
        {"native", no_argument, NULL, OPT_NATIVE},
        {"lockstep", no_argument, NULL, OPT_LOCKSTEP},
        {"difftest", no_argument, NULL, OPT_DIFFTEST},
        {"vm", required_argument, NULL, OPT_VM},
        {"mem", required_argument, NULL, 'm'},
        {"isa", required_argument, NULL, OPT_ISA},
        {"disk", required_argument, NULL, OPT_DISK},
        {"max-insns", required_argument, NULL, 'n'},
        {"boot", required_argument, NULL, OPT_BOOT},
        {"name", required_argument, NULL, OPT_NAME},
        {"shadow", required_argument, NULL, OPT_SHADOW},
        {"quantum", required_argument, NULL, OPT_QUANTUM},
        {"console-dir", required_argument, NULL, OPT_CONSOLE_DIR},
        {"stats", no_argument, NULL, OPT_STATS},
        {"stats-json", required_argument, NULL, OPT_STATS_JSON},
        {"check-isolation", no_argument, NULL, OPT_CHECK_ISOLATION},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    *o = (struct opts){.isa = ISA_PG, .policy = SHADOW_CACHE, .defaults = {.mem = MACHINE_DEFAULT_MEM,
                                                                           .max_insns = UINT64_MAX}};
    struct image_opts *cur = &o->defaults;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:n:h", opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case OPT_NATIVE: o->native = true; break;
        case OPT_LOCKSTEP: o->lockstep = true; break;
        case OPT_DIFFTEST: o->difftest = true; break;
        case OPT_VM:
            if (o->nvms == MAX_VMS)
                return fail_usage("too many --vm (at most %s)", "16");
            if (optarg[0] == '-' && optarg[1] != '\0') /* "--vm --boot x": the image was forgotten */
                return fail_usage("--vm needs an image, not the option %s (write ./NAME for a file named so)",
                                  optarg);
            cur = &o->vm[o->nvms++];
            *cur = o->defaults;
            cur->path = optarg;
            break;
        case 'm': {
            char why[100];
            if (!parse_size(optarg, &v))
                return fail_usage("-m %s: not a size (examples: 65536, 512K, 16M, 1G)", optarg);
            if (!machine_mem_size_ok(v, why, sizeof why)) {
                fprintf(stderr, "%s: -m %s: %s\n", prog, optarg, why);
                return EXIT_USAGE;
            }
            cur->mem = (uint32_t)v;
            break;
        }
        case OPT_ISA:
            if (!isa_variant_parse(optarg, &o->isa))
                return fail_usage("--isa %s: unknown variant (pg or x86like)", optarg);
            break;
        case OPT_SHADOW:
            if (!shadow_policy_parse(optarg, &o->policy))
                return fail_usage("--shadow %s: unknown policy (rebuild, demand or cache)", optarg);
            break;
        case OPT_QUANTUM:
            if (!parse_count(optarg, &v) || v == 0 || v > UINT32_MAX)
                return fail_usage("--quantum %s: not a number of instructions", optarg);
            o->quantum = (uint32_t)v;
            break;
        case OPT_DISK: cur->disk = optarg; break;
        case 'n':
            if (!parse_count(optarg, &cur->max_insns))
                return fail_usage("-n %s: not a number of instructions", optarg);
            if (cur->max_insns == 0) /* the VMM takes 0 for "no limit": say so rather than run unlimited */
                return fail_usage("-n %s: the limit must be at least 1 instruction", optarg);
            break;
        case OPT_BOOT: cur->boot = optarg; break;
        case OPT_NAME:
            switch (vm_name_check(optarg)) {
            case VM_NAME_OK: break;
            case VM_NAME_NOT_UTF8: /* not echoed: invalid bytes would garble the terminal */
                return fail_usage("%s", "--name: not valid UTF-8 (a VM name goes into JSON, file names and output "
                                        "prefixes)");
            case VM_NAME_BAD:
                return fail_usage("--name %s: not a VM name (1 to 31 bytes of UTF-8, none of them '/', '\"', "
                                  "'\\' or a control character)",
                                  optarg);
            }
            cur->name = optarg;
            break;
        case OPT_CONSOLE_DIR: o->console_dir = optarg; break;
        case OPT_STATS: o->stats = true; break;
        case OPT_STATS_JSON: o->stats_json = optarg; break;
        case OPT_CHECK_ISOLATION: o->check_isolation = true; break;
        case 'h': usage(stdout); return -1;
        case ':': return fail_usage("%s needs an argument", argv[optind - 1]);
        default: return fail_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        if (o->nvms > 0)
            return fail_usage("unexpected argument %s (give every image with --vm)", argv[optind]);
        if (optind + 1 < argc)
            return fail_usage("unexpected argument %s (one image at a time)", argv[optind + 1]);
        o->vm[0] = o->defaults;
        o->vm[0].path = argv[optind];
        o->nvms = 1;
    }
    if (o->nvms == 0)
        return fail_usage("%s", "no image given");
    if ((o->native || o->lockstep) && o->nvms > 1)
        return fail_usage("%s", "--native and --lockstep run one image; use --vm for several");
    if (o->native && o->lockstep)
        return fail_usage("%s", "--lockstep runs the image both ways already; drop --native");
    if (o->difftest && (o->nvms > 1 || o->native || o->lockstep))
        return fail_usage("%s", "--difftest runs one image on the bare machine and the reference; drop --native, "
                                "--lockstep and extra --vm");
    if (o->check_isolation && (o->native || o->lockstep || o->difftest))
        return fail_usage("%s", "--check-isolation checks the VMM: not with --native, --lockstep or --difftest");
    if (o->stats_json && (o->native || o->lockstep || o->difftest))
        return fail_usage("--stats-json %s: only a run under the VMM has VMM statistics (not --native or --lockstep)",
                          o->stats_json);
    return 0;
}

static int status_of(enum exit_reason r, uint32_t value)
{
    switch (r) {
    case EXIT_HALT: return (int)(value & 0xff);
    case EXIT_BUDGET: return EXIT_LIMIT;
    case EXIT_DISK_ERROR: return EXIT_BAD_INPUT;
    default: return EXIT_ABNORMAL;
    }
}

/* --- the disk --- */

/* --disk PATH, for the whole run (disk_store.h): a regular file or block
 * device is used in place, each block the guest writes written to it at
 * once; read_only (--lockstep) opens it for reading only, and each run
 * writes into its own copy-on-write overlay.  A pipe or device is read
 * whole.  NULL after one line on stderr. */
static struct disk_store *open_disk(const char *path, bool read_only, struct stat *st)
{
    char err[300];
    struct stat ignored;
    struct disk_store *s = disk_store_open(path, read_only, st ? st : &ignored, err, sizeof err);
    if (!s)
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
    return s;
}

/* After the run: a disk whose file failed, or whose writes could not reach
 * a file (a pipe or device), is said in one line; false then. */
static bool disk_ok_at_exit(const char *path, const char *vm, struct disk_store *s)
{
    if (!s)
        return true;
    const char *why = disk_store_error(s);
    if (!why && (!disk_store_written(s) || disk_store_persistent(s)))
        return true;
    fprintf(stderr, "%s: %s%s%s%s: %s\n", prog, vm ? "[" : "", vm ? vm : "", vm ? "] " : "", path,
            why ? why : "the guest's disk writes were not saved: a disk read from a pipe or device is never "
                        "written");
    return false;
}

/* --- on the bare machine --- */

static int run_native(const struct opts *o)
{
    const struct image_opts *io = &o->vm[0];
    struct machine_config cfg = {.mem_size = io->mem, .isa = o->isa};
    char err[512];
    struct machine *m = machine_new(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "%s: -m: %s\n", prog, err);
        return EXIT_USAGE;
    }
    struct elf_image img;
    if (!elf_read_file(io->path, &img, err, sizeof err) || !elf_boot(m, &img, io->boot, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, io->path, err);
        elf_free(&img);
        machine_free(m);
        return EXIT_BAD_INPUT;
    }
    elf_free(&img);
    if (io->disk) {
        struct disk_store *disk = open_disk(io->disk, false, NULL);
        if (!disk) {
            machine_free(m);
            return EXIT_BAD_INPUT;
        }
        machine_attach_disk_store(m, disk);
    }
    struct out_stream out = {.f = stdout};
    machine_set_console(m, &(struct console_io){.ctx = &out, .read = stdin_read, .write = stream_write});

    struct vm_exit ex;
    machine_run(m, io->max_insns, &ex);
    fflush(stdout);

    const struct cpu_state *cpu = machine_cpu(m);
    int status = status_of(ex.reason, ex.value);
    switch (ex.reason) {
    case EXIT_HALT:
        break;
    case EXIT_BUDGET:
        fprintf(stderr, "%s: %s: stopped at the instruction limit (%" PRIu64 " instructions), pc 0x%08x\n",
                prog, io->path, cpu->instret, ex.pc);
        break;
    case EXIT_DEADLOCK:
        fprintf(stderr, "%s: %s: deadlock: wfi at pc 0x%08x waits for an interrupt that can never come\n",
                prog, io->path, ex.pc - 4);
        break;
    case EXIT_DOUBLE_FAULT:
        fprintf(stderr, "%s: %s: double fault: the trap handler's first instruction, at 0x%08x, raised %s\n",
                prog, io->path, ex.pc, isa_cause_name(ex.cause));
        break;
    case EXIT_DISK_ERROR: /* said below, with the disk */
        break;
    default: /* traps and interrupts only exit a hosted machine */
        fprintf(stderr, "%s: internal error: unexpected exit %d\n", prog, (int)ex.reason);
        break;
    }
    if (o->stats)
        fprintf(stderr, "%s: %" PRIu64 " instructions retired, %" PRIu64 " cycles\n", prog, cpu->instret,
                cpu->cycles);
    if (!disk_ok_at_exit(io->disk, NULL, machine_disk(m)))
        status = EXIT_BAD_INPUT;
    machine_free(m);
    return status;
}

/* --- under the VMM --- */

/* Whether name is already some VM's: an earlier VM's (names[0..i-1]) or
 * any VM's --name. */
static bool name_taken(const struct opts *o, char names[][VM_NAME_MAX + 1], int i, const char *name)
{
    for (int j = 0; j < i; j++)
        if (strcmp(names[j], name) == 0)
            return true;
    for (int j = i; j < o->nvms; j++)
        if (o->vm[j].name && strcmp(o->vm[j].name, name) == 0)
            return true;
    return false;
}

/* Every VM's name: its --name, or else its image's file name without the
 * extension ("guest-os/kernel.elf" -> "kernel", vm_name.h), made unique
 * with "-2", "-3"...  Two VMs given the same --name are a usage error:
 * their output prefixes, console files and statistics could not be told
 * apart. */
static int name_vms(const struct opts *o, char names[][VM_NAME_MAX + 1])
{
    for (int i = 0; i < o->nvms; i++)
        for (int j = 0; j < i; j++)
            if (o->vm[i].name && o->vm[j].name && strcmp(o->vm[i].name, o->vm[j].name) == 0)
                return fail_usage("--name %s: two VMs have this name (each needs its own)", o->vm[i].name);
    for (int i = 0; i < o->nvms; i++) {
        if (o->vm[i].name) {
            snprintf(names[i], VM_NAME_MAX + 1, "%s", o->vm[i].name);
            continue;
        }
        char stem[VM_NAME_MAX + 1];
        vm_name_from_path(o->vm[i].path, VM_NAME_MAX, stem);
        snprintf(names[i], VM_NAME_MAX + 1, "%s", stem);
        for (int k = 2; name_taken(o, names, i, names[i]); k++) {
            char suffix[16];
            int sl = snprintf(suffix, sizeof suffix, "-%d", k);
            int keep = (int)vm_name_cut(stem, (size_t)(VM_NAME_MAX - sl)); /* between characters */
            snprintf(names[i], VM_NAME_MAX + 1, "%.*s%s", keep, stem, suffix);
        }
    }
    return 0;
}

/* A message about VM i on stderr: "vrun: PATH: ...", and with several VMs
 * "vrun: [NAME] PATH: ..." (several VMs may run the same image; NAME is
 * the prefix of their lines on stdout). */
static void vm_say(const struct opts *o, char names[][VM_NAME_MAX + 1], int i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void vm_say(const struct opts *o, char names[][VM_NAME_MAX + 1], int i, const char *fmt, ...)
{
    if (o->nvms > 1)
        fprintf(stderr, "%s: [%s] %s: ", prog, names[i], o->vm[i].path);
    else
        fprintf(stderr, "%s: %s: ", prog, o->vm[i].path);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The run's output files, all or none, none of them an image or a disk of
 * the run (fileio.h).  --stats-json is staged before the VMs run, so that a
 * mistyped path costs one line and not the run. */
static int stage_outputs(const struct opts *o, struct outset *set, int *stats)
{
    char err[4400];
    int r = 0;
    for (int i = 0; i < o->nvms && r >= 0; i++) {
        r = outset_input(set, o->vm[i].path, "the image", err, sizeof err);
        if (r >= 0 && o->vm[i].disk)
            r = outset_input(set, o->vm[i].disk, "the disk", err, sizeof err);
    }
    if (r >= 0 && o->stats_json)
        r = *stats = outset_add(set, o->stats_json, "the statistics", err, sizeof err);
    if (r >= 0)
        return 0;
    fprintf(stderr, "%s: %s\n", prog, err);
    return r == OUTSET_CLASH ? EXIT_USAGE : EXIT_BAD_INPUT;
}

/* --console-dir: DIR/NAME.out for every VM, staged with the other outputs:
 * written as the VMs run, in place once the run is over. */
static int open_console_files(const struct opts *o, char names[][VM_NAME_MAX + 1], struct outset *set,
                              FILE *files[])
{
    char path[4096], err[4400];
    for (int i = 0; i < o->nvms; i++) {
        snprintf(path, sizeof path, "%s/%s.out", o->console_dir, names[i]);
        int k = outset_add(set, path, "a console file", err, sizeof err);
        if (k >= 0 && !(files[i] = outset_stream(set, k))) {
            snprintf(err, sizeof err, "%s: cannot write: %s", path, strerror(errno));
            k = -1;
        }
        if (k < 0) {
            fprintf(stderr, "%s: %s\n", prog, err);
            return k == OUTSET_CLASH ? EXIT_USAGE : EXIT_BAD_INPUT;
        }
    }
    return 0;
}

static int run_vms(const struct opts *o)
{
    char err[512];
    char names[MAX_VMS][VM_NAME_MAX + 1];
    static struct out_stream outs[MAX_VMS];
    FILE *files[MAX_VMS] = {0};
    struct vm *vms[MAX_VMS] = {0};
    struct elf_image img = {0};
    struct stat disk_id[MAX_VMS];

    int status = name_vms(o, names);
    if (status)
        return status;
    /* Each VM's memory passed -m's checks; the VMM's host machine holds
     * them all, with each VM's shadow tables. */
    uint64_t host = PAGE_SIZE * 2;
    struct vmm_config cfg = {.isa = o->isa, .policy = o->policy, .quantum = o->quantum,
                             .check_isolation = o->check_isolation};
    uint32_t shadow_frames = 1024;
    for (int i = 0; i < o->nvms; i++)
        host += o->vm[i].mem + (uint64_t)shadow_frames * PAGE_SIZE;
    if (host > MACHINE_MAX_HOSTED_MEM) {
        fprintf(stderr,
                "%s: the VMs need %llu MiB of host memory (each VM's memory and %u MiB for its shadow tables); "
                "the VMM's host machine has at most 4 GiB less one %uK page\n",
                prog, (unsigned long long)(host >> 20), (shadow_frames * PAGE_SIZE) >> 20, PAGE_SIZE >> 10);
        return EXIT_USAGE;
    }
    /* A deliberately broken VMM (enum vmm_inject), to watch the checkers
     * catch it from the command line (docs/vmm.md 8.1); never in real use. */
    uint64_t flags = 0;
    if (!env_flags("VMLAB_INJECT", "enum vmm_inject", &flags))
        return EXIT_USAGE;
    cfg.inject = (unsigned)flags;
    struct outset *set = outset_new(prog);
    int stats = -1;
    if (!set) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_BAD_INPUT;
    }
    if ((status = stage_outputs(o, set, &stats)) != 0) {
        outset_free(set);
        return status;
    }
    cfg.shadow_frames = shadow_frames;
    struct vmm *v = vmm_new(&cfg, (uint32_t)host, err, sizeof err);
    if (!v) {
        fprintf(stderr, "%s: %s\n", prog, err);
        outset_free(set);
        return EXIT_USAGE;
    }
    status = EXIT_BAD_INPUT;
    for (int i = 0; i < o->nvms; i++) {
        const struct image_opts *io = &o->vm[i];
        outs[i] = (struct out_stream){.f = stdout, .prefix = o->nvms > 1 ? names[i] : NULL};
        struct disk_store *disk = NULL;
        if (io->disk && !(disk = open_disk(io->disk, false, &disk_id[i])))
            goto done;
        /* Two VMs writing one file would each overwrite the other's blocks:
         * the same file however it is named (links, ./, symlinks). */
        for (int j = 0; disk && j < i; j++)
            if (o->vm[j].disk && disk_id[j].st_dev == disk_id[i].st_dev && disk_id[j].st_ino == disk_id[i].st_ino) {
                fprintf(stderr, "%s: %s: the same file as the disk of VM %s (%s): two VMs cannot share a disk\n",
                        prog, io->disk, names[j], o->vm[j].disk);
                disk_store_free(disk);
                goto done;
            }
        if (!elf_read_file(io->path, &img, err, sizeof err)) {
            vm_say(o, names, i, "%s", err);
            disk_store_free(disk);
            goto done;
        }
        struct vm_config vc = {
            .name = names[i],
            .mem_size = io->mem,
            .image = &img,
            .bootarg = io->boot,
            .disk_store = disk, /* the VM's from now on */
            .io = {.ctx = &outs[i], .read = i == 0 ? stdin_read : NULL, .write = stream_write},
            .max_insns = io->max_insns == UINT64_MAX ? 0 : io->max_insns,
        };
        vms[i] = vmm_add_vm(v, &vc, err, sizeof err);
        elf_free(&img);
        if (!vms[i]) {
            vm_say(o, names, i, "%s", err);
            goto done;
        }
    }
    /* every VM is ready: only now make their console files */
    if (o->console_dir) {
        int s = open_console_files(o, names, set, files);
        if (s) {
            status = s;
            goto done;
        }
        for (int i = 0; i < o->nvms; i++)
            outs[i] = (struct out_stream){.f = files[i]};
    }

    vmm_run(v);
    for (int i = 0; i < o->nvms; i++)
        stream_finish(&outs[i]);
    fflush(stdout);

    status = 0;
    for (int i = 0; i < o->nvms; i++) {
        struct vm *vm = vms[i];
        int s;
        switch (vm_state(vm)) {
        case VM_HALTED: s = (int)(vm_exit_value(vm) & 0xff); break;
        case VM_LIMIT:
            vm_say(o, names, i, "stopped at the instruction limit (%" PRIu64 " instructions)", vm_instret(vm));
            s = EXIT_LIMIT;
            break;
        case VM_DEADLOCK:
            vm_say(o, names, i, "deadlock: wfi waits for an interrupt that can never come");
            s = EXIT_ABNORMAL;
            break;
        case VM_DOUBLE_FAULT:
            vm_say(o, names, i, "double fault: the guest's trap handler's first instruction raised %s",
                   isa_cause_name(vm_exit_value(vm)));
            s = EXIT_ABNORMAL;
            break;
        default:
            if (vm_disk(vm) && disk_store_error(vm_disk(vm))) {
                s = EXIT_BAD_INPUT; /* said below, with the disk */
                break;
            }
            vm_say(o, names, i, "%s", vm_message(vm));
            s = EXIT_ABNORMAL;
            break;
        }
        if (!disk_ok_at_exit(o->vm[i].disk, o->nvms > 1 ? names[i] : NULL, vm_disk(vm)) && s == 0)
            s = EXIT_BAD_INPUT;
        if (status == 0)
            status = s;
        if (o->stats)
            vm_stats_print(vm, stderr);
    }
    FILE *json = o->stats_json ? outset_stream(set, stats) : NULL;
    if (o->stats_json && !json) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", prog, o->stats_json, strerror(errno));
        status = EXIT_BAD_INPUT;
        goto done;
    }
    if (json)
        vmm_stats_json(v, json);
    char werr[4400];
    if (!outset_commit(set, werr, sizeof werr)) {
        fprintf(stderr, "%s: %s\n", prog, werr);
        status = EXIT_BAD_INPUT;
    }
done:
    elf_free(&img);
    outset_free(set); /* and the console files with it */
    vmm_free(v);
    return status;
}

/* --- native and VMM side by side --- */

/* All of stdin, for both runs of mode (at most LOCKSTEP_INPUT_MAX); a
 * closed stdin is no input.  false after one line on stderr. */
static bool read_input(const char *mode, uint8_t **input, size_t *len)
{
    if (fcntl(STDIN_FILENO, F_GETFD) < 0)
        return true;
    char err[300];
    switch (read_capped(STDIN_FILENO, LOCKSTEP_INPUT_MAX, input, len, err, sizeof err)) {
    case READ_OK: return true;
    case READ_TOO_BIG:
        fprintf(stderr, "%s: stdin: larger than the largest console input for %s (%u MiB)\n", prog, mode,
                LOCKSTEP_INPUT_MAX >> 20);
        return false;
    case READ_FAILED: break;
    }
    fprintf(stderr, "%s: stdin: %s\n", prog, err);
    return false;
}

/* What two machines run side by side share (--lockstep, --difftest): the
 * image, all of stdin, and the disk, which neither may change: each sees
 * it through its own overlay. */
struct side_by_side {
    struct elf_image img;
    uint8_t *input;
    size_t input_len;
    struct disk_store *disk;
};

static void side_by_side_close(struct side_by_side *s)
{
    elf_free(&s->img);
    free(s->input);
    disk_store_free(s->disk);
}

/* false after one line on stderr */
static bool side_by_side_open(const char *mode, const struct image_opts *io, struct side_by_side *s)
{
    char err[512];
    *s = (struct side_by_side){0};
    if (!elf_read_file(io->path, &s->img, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, io->path, err);
        return false;
    }
    if ((io->disk && !(s->disk = open_disk(io->disk, true, NULL))) || !read_input(mode, &s->input, &s->input_len)) {
        side_by_side_close(s);
        return false;
    }
    return true;
}

static int run_lockstep(const struct opts *o)
{
    const struct image_opts *io = &o->vm[0];
    char err[512];
    struct side_by_side sb;
    int status = EXIT_BAD_INPUT;
    if (!side_by_side_open("--lockstep", io, &sb))
        return EXIT_BAD_INPUT;
    struct lockstep_config c = {
        .image = &sb.img, .bootarg = io->boot, .mem_size = io->mem, .isa = o->isa, .policy = o->policy,
        .input = sb.input, .input_len = sb.input_len, .disk_base = sb.disk,
        .max_insns = io->max_insns == UINT64_MAX ? 0 : io->max_insns,
    };
    struct lockstep_result r;
    if (!lockstep_run(&c, &r, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, r.disk_failed ? io->disk : io->path, err);
        goto done;
    }
    if (r.diverged) {
        printf("%s: lockstep: first difference after instruction %" PRIu64 ": %s\n", prog, r.instret, r.what);
        status = EXIT_DIFFER;
    } else {
        printf("%s: lockstep: the bare machine and the VMM (%s shadows) agree for all %" PRIu64
               " instructions%s\n",
               prog, shadow_policy_name(o->policy), r.compared,
               r.both_stopped ? "; both stopped" : c.max_insns ? "; stopped at the instruction limit" : "");
        status = 0;
    }
done:
    side_by_side_close(&sb);
    return status;
}

/* --- the machine against the reference CPU --- */

static int run_difftest(const struct opts *o)
{
    const struct image_opts *io = &o->vm[0];
    char err[512];
    struct side_by_side sb;
    /* deliberate bugs in the reference, to see a difference reported
     * (docs/testing.md, negative controls) */
    uint64_t inject = 0;
    if (!env_flags("VMLAB_REF_INJECT", "enum ref_inject", &inject) || !side_by_side_open("--difftest", io, &sb))
        return EXIT_BAD_INPUT;
    struct difftest_image c = {
        .image = &sb.img, .bootarg = io->boot, .mem_size = io->mem, .isa = o->isa, .input = sb.input,
        .input_len = sb.input_len, .disk_base = sb.disk,
        .max_insns = io->max_insns == UINT64_MAX ? 0 : io->max_insns, .inject = (unsigned)inject,
    };
    struct difftest_outcome out;
    int status = 0;
    if (!difftest_image_run(&c, &out, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, io->path, err);
        status = EXIT_BAD_INPUT;
    } else if (out.res.differ) {
        printf("%s: difftest: %s\n", prog, out.res.report);
        status = EXIT_DIFFER;
    } else {
        printf("%s: difftest: the machine and the reference agree for all %" PRIu64 " instructions\n", prog,
               out.instret);
    }
    side_by_side_close(&sb);
    return status;
}

int main(int argc, char **argv)
{
    struct opts o;
    int r = parse(argc, argv, &o);
    if (r < 0)
        return 0; /* --help */
    if (r > 0)
        return r;
    if (o.lockstep)
        return run_lockstep(&o);
    if (o.difftest)
        return run_difftest(&o);
    return o.native ? run_native(&o) : run_vms(&o);
}
