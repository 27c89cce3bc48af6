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

#include "elf_load.h"
#include "fileio.h"
#include "lockstep.h"
#include "machine.h"
#include "vmm.h"

enum {
    EXIT_BAD_INPUT = 1,
    EXIT_USAGE = 2,
    EXIT_DIFFER = 3,     /* --lockstep: the two runs differ */
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
            "\n"
            "Run the ELF32 program IMAGE on the bare vmlab machine (--native), or as the\n"
            "guest kernel of a virtual machine under the VMM. The console is stdin/stdout;\n"
            "the exit status is the value of halt's register (mod 256).\n"
            "\n"
            "options:\n"
            "  --native          run on the bare machine (the image is the supervisor)\n"
            "  --lockstep        run IMAGE on the bare machine and under the VMM side by\n"
            "                    side, and report the first instruction after which they\n"
            "                    differ (console input: all of stdin, read first)\n"
            "  --vm IMAGE        add a virtual machine running IMAGE; options after it\n"
            "                    (-m, --disk, -n, --boot, --name) apply to it alone\n"
            "  -m, --mem SIZE    physical memory, bytes with an optional K or M suffix,\n"
            "                    a multiple of 4K (default 16M, at most 1024M)\n"
            "  --isa VARIANT     pg (default: every sensitive instruction is privileged)\n"
            "                    or x86like (rdsr, wrsr, rdptb do not trap in user mode)\n"
            "  --disk FILE       attach FILE as the disk (a whole number of 512-byte\n"
            "                    blocks); what the program writes is saved at exit\n"
            "  -n, --max-insns N stop after N retired instructions\n"
            "  --boot STRING     boot argument: a0 points to it at reset (docs/isa.md)\n"
            "  --name NAME       the VM's name in output prefixes and statistics\n"
            "  --shadow POLICY   shadow page tables: rebuild, demand or cache (default)\n"
            "  --quantum N       instructions a VM runs before the next (default 100000)\n"
            "  --check-isolation after every exit, check that no VM can reach what it\n"
            "                    does not own; stop a VM at the first violation\n"
            "  --console-dir DIR write each VM's console output to DIR/NAME.out instead\n"
            "                    of stdout (where, with several VMs, lines get [NAME])\n"
            "  --stats           print instruction counts (and the VMM's statistics) on\n"
            "                    stderr at exit\n"
            "  --stats-json FILE write the VMM's statistics as JSON\n"
            "  -h, --help        show this help\n"
            "\n"
            "exit status: the halt value (with several VMs: the first non-zero one);\n"
            "%d bad input; %d bad usage; %d instruction limit reached; %d machine stopped\n"
            "abnormally (deadlock, double fault, VM failure); with --lockstep, 0 when the\n"
            "runs agree and %d when they differ\n",
            prog, prog, prog, prog, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_LIMIT, EXIT_ABNORMAL, EXIT_DIFFER);
}

static int fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return EXIT_USAGE;
}

/* "16M", "4096K", "65536" -> bytes; false if malformed or too large. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    if (*end != '\0' || v > UINT32_MAX)
        return false;
    *out = v;
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
    bool native, stats, lockstep, check_isolation;
    enum isa_variant isa;
    enum shadow_policy policy;
    uint32_t quantum;
    const char *console_dir, *stats_json;
    struct image_opts defaults;
    struct image_opts vm[MAX_VMS];
    int nvms;
};

/* A VM name goes into output prefixes, file names (DIR/NAME.out) and JSON
 * strings: it must be usable in all three. */
#define NAME_MAX_LEN 31

static bool name_char_ok(unsigned char c) { return c >= 0x20 && c != 0x7f && c != '/' && c != '"' && c != '\\'; }

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char_ok((unsigned char)s[i]))
            return false;
    return true;
}

static int parse(int argc, char **argv, struct opts *o)
{
    enum { OPT_NATIVE = 256, OPT_LOCKSTEP, OPT_ISA, OPT_DISK, OPT_BOOT, OPT_STATS, OPT_VM, OPT_NAME, OPT_SHADOW,
           OPT_QUANTUM, OPT_CONSOLE_DIR, OPT_STATS_JSON, OPT_CHECK_ISOLATION };
    static const struct option opts[] = {
        {"native", no_argument, NULL, OPT_NATIVE},
        {"lockstep", no_argument, NULL, OPT_LOCKSTEP},
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
        case 'm':
            if (!parse_size(optarg, &v))
                return fail_usage("-m %s: not a size (examples: 65536, 512K, 16M)", optarg);
            cur->mem = (uint32_t)v;
            break;
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
            if (!name_ok(optarg))
                return fail_usage("--name %s: not a VM name (1 to 31 characters, none of them '/', '\"', '\\' "
                                  "or a control character)",
                                  optarg);
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
    if (o->check_isolation && (o->native || o->lockstep))
        return fail_usage("%s", "--check-isolation checks the VMM: not with --native or --lockstep");
    if (o->stats_json && (o->native || o->lockstep))
        return fail_usage("--stats-json %s: only a run under the VMM has VMM statistics (not --native or --lockstep)",
                          o->stats_json);
    return 0;
}

static int status_of(enum exit_reason r, uint32_t value)
{
    switch (r) {
    case EXIT_HALT: return (int)(value & 0xff);
    case EXIT_BUDGET: return EXIT_LIMIT;
    default: return EXIT_ABNORMAL;
    }
}

static bool load_disk(const char *path, uint8_t **buf, size_t *len)
{
    char err[300];
    if (!file_read(path, buf, len, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        return false;
    }
    if (*len % DISK_BLOCK_SIZE != 0) {
        fprintf(stderr, "%s: %s: disk image is %zu bytes, not a whole number of %u-byte blocks\n", prog, path,
                *len, DISK_BLOCK_SIZE);
        free(*buf);
        *buf = NULL; /* the caller may free it again */
        return false;
    }
    return true;
}

static bool save_disk(const char *path, const uint8_t *image, size_t len, bool written)
{
    char err[300];
    if (written && !file_write_atomic(path, image, len, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        return false;
    }
    return true;
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
        uint8_t *buf;
        size_t len;
        if (!load_disk(io->disk, &buf, &len)) {
            machine_free(m);
            return EXIT_BAD_INPUT;
        }
        machine_attach_disk(m, buf, len);
        free(buf);
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
    default: /* traps and interrupts only exit a hosted machine */
        fprintf(stderr, "%s: internal error: unexpected exit %d\n", prog, (int)ex.reason);
        break;
    }
    if (o->stats)
        fprintf(stderr, "%s: %" PRIu64 " instructions retired, %" PRIu64 " cycles\n", prog, cpu->instret,
                cpu->cycles);
    if (io->disk) {
        size_t len;
        bool written;
        const uint8_t *image = machine_disk_image(m, &len, &written);
        if (!save_disk(io->disk, image, len, written))
            status = EXIT_BAD_INPUT;
    }
    machine_free(m);
    return status;
}

/* --- under the VMM --- */

/* Whether name is already some VM's: an earlier VM's (names[0..i-1]) or
 * any VM's --name. */
static bool name_taken(const struct opts *o, char names[][NAME_MAX_LEN + 1], int i, const char *name)
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
 * extension ("guest-os/kernel.elf" -> "kernel"), made unique with "-2",
 * "-3"...  Two VMs given the same --name are a usage error: their output
 * prefixes, console files and statistics could not be told apart. */
static int name_vms(const struct opts *o, char names[][NAME_MAX_LEN + 1])
{
    for (int i = 0; i < o->nvms; i++)
        for (int j = 0; j < i; j++)
            if (o->vm[i].name && o->vm[j].name && strcmp(o->vm[i].name, o->vm[j].name) == 0)
                return fail_usage("--name %s: two VMs have this name (each needs its own)", o->vm[i].name);
    for (int i = 0; i < o->nvms; i++) {
        if (o->vm[i].name) {
            snprintf(names[i], NAME_MAX_LEN + 1, "%s", o->vm[i].name);
            continue;
        }
        const char *path = o->vm[i].path, *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t n = strcspn(base, ".");
        if (n == 0)
            n = strlen(base);
        if (n > NAME_MAX_LEN)
            n = NAME_MAX_LEN;
        char stem[NAME_MAX_LEN + 1];
        for (size_t k = 0; k < n; k++)
            stem[k] = name_char_ok((unsigned char)base[k]) ? base[k] : '_';
        stem[n] = '\0';
        if (n == 0)
            snprintf(stem, sizeof stem, "vm");
        snprintf(names[i], NAME_MAX_LEN + 1, "%s", stem);
        for (int k = 2; name_taken(o, names, i, names[i]); k++) {
            char suffix[16];
            int sl = snprintf(suffix, sizeof suffix, "-%d", k);
            int keep = (int)strlen(stem) < NAME_MAX_LEN - sl ? (int)strlen(stem) : NAME_MAX_LEN - sl;
            snprintf(names[i], NAME_MAX_LEN + 1, "%.*s%s", keep, stem, suffix);
        }
    }
    return 0;
}

/* A message about VM i on stderr: "vrun: PATH: ...", and with several VMs
 * "vrun: [NAME] PATH: ..." (several VMs may run the same image; NAME is
 * the prefix of their lines on stdout). */
static void vm_say(const struct opts *o, char names[][NAME_MAX_LEN + 1], int i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void vm_say(const struct opts *o, char names[][NAME_MAX_LEN + 1], int i, const char *fmt, ...)
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

/* Whether a file can be made at path: checked before the VMs run, so that
 * a mistyped --stats-json costs one line and not the run. */
static bool output_ok(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: %s: is a directory\n", prog, path);
        return false;
    }
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) {
        fprintf(stderr, "%s: %s: out of memory\n", prog, path);
        return false;
    }
    bool ok = access(dir, W_OK | X_OK) == 0;
    if (!ok)
        fprintf(stderr, "%s: %s: cannot write: %s\n", prog, path, strerror(errno));
    free(dir);
    return ok;
}

/* --console-dir: DIR/NAME.out for every VM, opened (and emptied) only once
 * every one of them can be; if one cannot, the files this made are
 * removed and the others left as they were. */
static bool open_console_files(const struct opts *o, char names[][NAME_MAX_LEN + 1], FILE *files[])
{
    int fds[MAX_VMS];
    bool created[MAX_VMS] = {0};
    char path[4096];
    bool ok = true;
    int n;
    for (n = 0; ok && n < o->nvms; n++) {
        snprintf(path, sizeof path, "%s/%s.out", o->console_dir, names[n]);
        fds[n] = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
        created[n] = fds[n] >= 0;
        if (fds[n] < 0 && errno == EEXIST)
            fds[n] = open(path, O_WRONLY);
        if (fds[n] < 0) {
            fprintf(stderr, "%s: %s: cannot create: %s\n", prog, path, strerror(errno));
            ok = false;
            break;
        }
    }
    for (int j = 0; ok && j < n; j++)
        if (ftruncate(fds[j], 0) != 0 || (files[j] = fdopen(fds[j], "w")) == NULL) {
            snprintf(path, sizeof path, "%s/%s.out", o->console_dir, names[j]);
            fprintf(stderr, "%s: %s: cannot write: %s\n", prog, path, strerror(errno));
            ok = false;
        }
    if (!ok)
        for (int j = 0; j < n; j++) {
            if (files[j])
                fclose(files[j]);
            else
                close(fds[j]);
            files[j] = NULL;
            if (created[j]) {
                snprintf(path, sizeof path, "%s/%s.out", o->console_dir, names[j]);
                unlink(path);
            }
        }
    return ok;
}

static int run_vms(const struct opts *o)
{
    char err[512];
    char names[MAX_VMS][NAME_MAX_LEN + 1];
    static struct out_stream outs[MAX_VMS];
    FILE *files[MAX_VMS] = {0};
    struct vm *vms[MAX_VMS] = {0};
    struct elf_image img = {0};
    uint8_t *disk = NULL;

    int status = name_vms(o, names);
    if (status)
        return status;
    /* the same checks, and words, as the bare machine's */
    for (int i = 0; i < o->nvms; i++) {
        uint32_t mem = o->vm[i].mem;
        if (mem == 0 || mem % PAGE_SIZE != 0) {
            fprintf(stderr, "%s: -m: memory size %u is not a positive multiple of the page size (%u bytes)\n",
                    prog, mem, PAGE_SIZE);
            return EXIT_USAGE;
        }
        if (mem > MACHINE_MAX_MEM) {
            fprintf(stderr, "%s: -m: memory size %u is larger than the maximum %u\n", prog, mem, MACHINE_MAX_MEM);
            return EXIT_USAGE;
        }
    }
    uint64_t host = PAGE_SIZE * 2;
    struct vmm_config cfg = {.isa = o->isa, .policy = o->policy, .quantum = o->quantum,
                             .check_isolation = o->check_isolation};
    uint32_t shadow_frames = 1024;
    for (int i = 0; i < o->nvms; i++)
        host += o->vm[i].mem + (uint64_t)shadow_frames * PAGE_SIZE;
    if (host > MACHINE_MAX_MEM) {
        fprintf(stderr, "%s: the VMs need %llu MiB of host memory; the machine has at most %u MiB\n", prog,
                (unsigned long long)(host >> 20), MACHINE_MAX_MEM >> 20);
        return EXIT_USAGE;
    }
    if (o->stats_json && !output_ok(o->stats_json))
        return EXIT_BAD_INPUT;
    cfg.shadow_frames = shadow_frames;
    /* A deliberately broken VMM (enum vmm_inject), to watch the checkers
     * catch it from the command line (docs/vmm.md 8.1); never in real use. */
    const char *inject = getenv("VMLAB_INJECT");
    uint64_t flags = 0;
    if (inject && (!parse_count(inject, &flags) || flags > UINT32_MAX)) {
        fprintf(stderr, "%s: VMLAB_INJECT=%s: not a number (of enum vmm_inject flags)\n", prog, inject);
        return EXIT_USAGE;
    }
    cfg.inject = (unsigned)flags;
    struct vmm *v = vmm_new(&cfg, (uint32_t)host, err, sizeof err);
    if (!v) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return EXIT_USAGE;
    }
    status = EXIT_BAD_INPUT;
    for (int i = 0; i < o->nvms; i++) {
        const struct image_opts *io = &o->vm[i];
        outs[i] = (struct out_stream){.f = stdout, .prefix = o->nvms > 1 ? names[i] : NULL};
        size_t disk_len = 0;
        if (io->disk && !load_disk(io->disk, &disk, &disk_len))
            goto done;
        if (!elf_read_file(io->path, &img, err, sizeof err)) {
            vm_say(o, names, i, "%s", err);
            goto done;
        }
        struct vm_config vc = {
            .name = names[i],
            .mem_size = io->mem,
            .image = &img,
            .bootarg = io->boot,
            .disk = disk,
            .disk_len = disk_len,
            .io = {.ctx = &outs[i], .read = i == 0 ? stdin_read : NULL, .write = stream_write},
            .max_insns = io->max_insns == UINT64_MAX ? 0 : io->max_insns,
        };
        vms[i] = vmm_add_vm(v, &vc, err, sizeof err);
        elf_free(&img);
        free(disk);
        disk = NULL;
        if (!vms[i]) {
            vm_say(o, names, i, "%s", err);
            goto done;
        }
    }
    /* every VM is ready: only now make their console files */
    if (o->console_dir) {
        if (!open_console_files(o, names, files))
            goto done;
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
            vm_say(o, names, i, "%s", vm_message(vm));
            s = EXIT_ABNORMAL;
            break;
        }
        if (status == 0)
            status = s;
        if (o->stats)
            vm_stats_print(vm, stderr);
        size_t len;
        bool written;
        const uint8_t *image = vm_disk_image(vm, &len, &written);
        if (o->vm[i].disk && !save_disk(o->vm[i].disk, image, len, written))
            status = EXIT_BAD_INPUT;
    }
    if (o->stats_json) {
        char *json = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&json, &len);
        if (f) {
            vmm_stats_json(v, f);
            fclose(f);
        }
        if (!f || !file_write_atomic(o->stats_json, json, len, err, sizeof err)) {
            fprintf(stderr, "%s: %s: %s\n", prog, o->stats_json, f ? err : "out of memory");
            status = EXIT_BAD_INPUT;
        }
        free(json);
    }
done:
    elf_free(&img);
    free(disk);
    for (int i = 0; i < o->nvms; i++)
        if (files[i])
            fclose(files[i]);
    vmm_free(v);
    return status;
}

/* --- native and VMM side by side --- */

static int run_lockstep(const struct opts *o)
{
    const struct image_opts *io = &o->vm[0];
    char err[512];
    struct elf_image img;
    uint8_t *input = NULL, *disk = NULL;
    size_t input_len = 0, disk_len = 0;
    if (!elf_read_file(io->path, &img, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, io->path, err);
        return EXIT_BAD_INPUT;
    }
    if (io->disk && !load_disk(io->disk, &disk, &disk_len)) {
        elf_free(&img);
        return EXIT_BAD_INPUT;
    }
    if (!file_read("/dev/stdin", &input, &input_len, err, sizeof err))
        input_len = 0;
    struct lockstep_config c = {
        .image = &img, .bootarg = io->boot, .mem_size = io->mem, .isa = o->isa, .policy = o->policy,
        .input = input, .input_len = input_len, .disk = disk, .disk_len = disk_len,
        .max_insns = io->max_insns == UINT64_MAX ? 0 : io->max_insns,
    };
    struct lockstep_result r;
    bool ok = lockstep_run(&c, &r, err, sizeof err);
    int status = 0;
    if (!ok) {
        fprintf(stderr, "%s: %s: %s\n", prog, io->path, err);
        status = EXIT_BAD_INPUT;
    } else if (r.diverged) {
        printf("%s: lockstep: first difference after instruction %" PRIu64 ": %s\n", prog, r.instret, r.what);
        status = EXIT_DIFFER;
    } else {
        printf("%s: lockstep: the bare machine and the VMM (%s shadows) agree for all %" PRIu64
               " instructions%s\n",
               prog, shadow_policy_name(o->policy), r.compared, r.both_stopped ? "; both stopped" : "");
    }
    elf_free(&img);
    free(input);
    free(disk);
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
    return o.native ? run_native(&o) : run_vms(&o);
}
