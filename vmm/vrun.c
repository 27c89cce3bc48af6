/*
 * vrun - run a vmlab program.
 *
 *   vrun --native IMAGE    on the bare machine: the program is the supervisor
 *
 * The console is stdin/stdout; the exit status is the value of halt's
 * register (modulo 256).  vrun's own troubles are reported on stderr in one
 * line each, with the exit statuses listed in usage().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "fileio.h"
#include "machine.h"

enum {
    EXIT_BAD_INPUT = 1,
    EXIT_USAGE = 2,
    EXIT_LIMIT = 124,    /* like timeout(1) */
    EXIT_ABNORMAL = 125, /* deadlock or double fault */
};

static const char *prog = "vrun";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s --native IMAGE [options]\n"
            "\n"
            "Run the ELF32 program IMAGE on the bare vmlab machine. The console is\n"
            "stdin/stdout; the exit status is the value of halt's register (mod 256).\n"
            "\n"
            "options:\n"
            "  --native          run on the bare machine (the image is the supervisor)\n"
            "  -m, --mem SIZE    physical memory, bytes with an optional K or M suffix,\n"
            "                    a multiple of 4K (default 16M, at most 1024M)\n"
            "  --isa VARIANT     pg (default: every sensitive instruction is privileged)\n"
            "                    or x86like (rdsr, wrsr, rdptb do not trap in user mode)\n"
            "  --disk FILE       attach FILE as the disk (a whole number of 512-byte\n"
            "                    blocks); what the program writes is saved at exit\n"
            "  -n, --max-insns N stop after N retired instructions\n"
            "  --boot STRING     boot argument: a0 points to it at reset (docs/isa.md)\n"
            "  --stats           print instruction and cycle counts on stderr at exit\n"
            "  -h, --help        show this help\n"
            "\n"
            "exit status: the halt value; %d bad input; %d bad usage; %d instruction\n"
            "limit reached; %d machine stopped abnormally (deadlock, double fault)\n",
            prog, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_LIMIT, EXIT_ABNORMAL);
}

static int fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s: try '%s --help'\n", prog, prog);
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

static int con_read(void *ctx)
{
    (void)ctx;
    fflush(stdout); /* a prompt must be visible before we wait for the answer */
    int ch = getchar();
    return ch == EOF ? -1 : ch;
}

static void con_write(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    fwrite(buf, 1, len, stdout);
    if (len && buf[len - 1] == '\n')
        fflush(stdout); /* line-buffered even when stdout is a pipe */
}

int main(int argc, char **argv)
{
    enum { OPT_NATIVE = 256, OPT_ISA, OPT_DISK, OPT_BOOT, OPT_STATS };
    static const struct option opts[] = {
        {"native", no_argument, NULL, OPT_NATIVE},
        {"mem", required_argument, NULL, 'm'},
        {"isa", required_argument, NULL, OPT_ISA},
        {"disk", required_argument, NULL, OPT_DISK},
        {"max-insns", required_argument, NULL, 'n'},
        {"boot", required_argument, NULL, OPT_BOOT},
        {"stats", no_argument, NULL, OPT_STATS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct machine_config cfg = {.mem_size = MACHINE_DEFAULT_MEM, .isa = ISA_PG};
    bool native = false, stats = false;
    const char *disk_path = NULL, *bootarg = NULL;
    uint64_t max_insns = UINT64_MAX;
    char err[512];
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:n:h", opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case OPT_NATIVE: native = true; break;
        case 'm':
            if (!parse_size(optarg, &v))
                return fail_usage("-m %s: not a size (examples: 65536, 512K, 16M)", optarg);
            cfg.mem_size = (uint32_t)v;
            break;
        case OPT_ISA:
            if (!isa_variant_parse(optarg, &cfg.isa))
                return fail_usage("--isa %s: unknown variant (pg or x86like)", optarg);
            break;
        case OPT_DISK: disk_path = optarg; break;
        case 'n':
            if (!parse_count(optarg, &max_insns))
                return fail_usage("-n %s: not a number of instructions", optarg);
            break;
        case OPT_BOOT: bootarg = optarg; break;
        case OPT_STATS: stats = true; break;
        case 'h': usage(stdout); return 0;
        case ':': return fail_usage("%s needs an argument", argv[optind - 1]);
        default: return fail_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return fail_usage("%s", "no image given");
    if (optind + 1 < argc)
        return fail_usage("unexpected argument %s (one image at a time)", argv[optind + 1]);
    if (!native)
        return fail_usage("%s", "say how to run the image: --native (the VMM is not built yet)");
    const char *path = argv[optind];

    struct machine *m = machine_new(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "%s: -m: %s\n", prog, err);
        return EXIT_USAGE;
    }
    struct elf_image img;
    if (!elf_read_file(path, &img, err, sizeof err) || !elf_boot(m, &img, bootarg, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        elf_free(&img);
        machine_free(m);
        return EXIT_BAD_INPUT;
    }
    elf_free(&img);
    if (disk_path) {
        uint8_t *buf;
        size_t len;
        if (!file_read(disk_path, &buf, &len, err, sizeof err)) {
            fprintf(stderr, "%s: %s: %s\n", prog, disk_path, err);
            machine_free(m);
            return EXIT_BAD_INPUT;
        }
        bool ok = machine_attach_disk(m, buf, len);
        free(buf);
        if (!ok) {
            fprintf(stderr, "%s: %s: disk image is %zu bytes, not a whole number of %u-byte blocks\n",
                    prog, disk_path, len, DISK_BLOCK_SIZE);
            machine_free(m);
            return EXIT_BAD_INPUT;
        }
    }
    machine_set_console(m, &(struct console_io){.read = con_read, .write = con_write});

    struct vm_exit ex;
    machine_run(m, max_insns, &ex);
    fflush(stdout);

    const struct cpu_state *cpu = machine_cpu(m);
    int status;
    switch (ex.reason) {
    case EXIT_HALT:
        status = (int)(ex.value & 0xff);
        break;
    case EXIT_BUDGET:
        fprintf(stderr, "%s: %s: stopped at the instruction limit (%" PRIu64 " instructions), pc 0x%08x\n",
                prog, path, cpu->instret, ex.pc);
        status = EXIT_LIMIT;
        break;
    case EXIT_DEADLOCK:
        fprintf(stderr, "%s: %s: deadlock: wfi at pc 0x%08x waits for an interrupt that can never come\n",
                prog, path, ex.pc - 4);
        status = EXIT_ABNORMAL;
        break;
    case EXIT_DOUBLE_FAULT:
        fprintf(stderr, "%s: %s: double fault: the trap handler at tvec 0x%08x cannot be fetched (%s)\n",
                prog, path, ex.addr, isa_cause_name(ex.cause));
        status = EXIT_ABNORMAL;
        break;
    default: /* traps and interrupts only exit a hosted machine */
        fprintf(stderr, "%s: internal error: unexpected exit %d\n", prog, (int)ex.reason);
        status = EXIT_ABNORMAL;
        break;
    }
    if (stats)
        fprintf(stderr, "%s: %" PRIu64 " instructions retired, %" PRIu64 " cycles\n", prog, cpu->instret,
                cpu->cycles);

    if (disk_path) {
        size_t len;
        bool written;
        const uint8_t *image = machine_disk_image(m, &len, &written);
        if (written && !file_write_atomic(disk_path, image, len, err, sizeof err)) {
            fprintf(stderr, "%s: %s: %s\n", prog, disk_path, err);
            status = EXIT_BAD_INPUT;
        }
    }
    machine_free(m);
    return status;
}
