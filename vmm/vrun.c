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
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "fileio.h"
#include "lockstep.h"
#include "machine.h"
#include "vmm.h"

enum {
    EXIT_BAD_INPUT = 1,
    EXIT_USAGE = 2,
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
            "  --console-dir DIR with several VMs, write each one's console to DIR/NAME.out\n"
            "                    instead of prefixing its lines with [NAME] on stdout\n"
            "  --stats           print instruction counts (and the VMM's statistics) on\n"
            "                    stderr at exit\n"
            "  --stats-json FILE write the VMM's statistics as JSON\n"
            "  -h, --help        show this help\n"
            "\n"
            "exit status: the halt value (with several VMs: the first non-zero one);\n"
            "%d bad input; %d bad usage; %d instruction limit reached; %d machine stopped\n"
            "abnormally (deadlock, double fault, VM failure)\n",
            prog, prog, prog, prog, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_LIMIT, EXIT_ABNORMAL);
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

static int stdin_read(void *ctx)
{
    (void)ctx;
    fflush(stdout); /* a prompt must be visible before we wait for the answer */
    int ch = getchar();
    return ch == EOF ? -1 : ch;
}

/* A console's output: to a stream, optionally with "[name] " before each
 * line so that several VMs' output stays apart on one terminal. */
struct out_stream {
    FILE *f;
    const char *prefix;
    bool at_line_start;
};

static void stream_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct out_stream *o = ctx;
    for (size_t i = 0; i < len; i++) {
        if (o->prefix && o->at_line_start)
            fprintf(o->f, "[%s] ", o->prefix);
        fputc(buf[i], o->f);
        o->at_line_start = buf[i] == '\n';
    }
    if (len && buf[len - 1] == '\n')
        fflush(o->f); /* line-buffered even when the stream is a pipe */
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
    bool native, stats, lockstep;
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
    enum { OPT_NATIVE = 256, OPT_LOCKSTEP, OPT_ISA, OPT_DISK, OPT_BOOT, OPT_STATS, OPT_VM, OPT_NAME, OPT_SHADOW,
           OPT_QUANTUM, OPT_CONSOLE_DIR, OPT_STATS_JSON };
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
            break;
        case OPT_BOOT: cur->boot = optarg; break;
        case OPT_NAME: cur->name = optarg; break;
        case OPT_CONSOLE_DIR: o->console_dir = optarg; break;
        case OPT_STATS: o->stats = true; break;
        case OPT_STATS_JSON: o->stats_json = optarg; break;
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

/* "guest-os/kernel.elf" -> "kernel", unique among the VMs so far. */
static void vm_default_name(const struct opts *o, int i, char *buf, size_t len)
{
    const char *path = o->vm[i].path, *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    snprintf(buf, len, "%.*s", (int)(n ? n : strlen(base)), base);
    int same = 0;
    for (int j = 0; j < i; j++)
        if (!o->vm[j].name) {
            const char *p = o->vm[j].path, *b = strrchr(p, '/');
            b = b ? b + 1 : p;
            if (strncmp(b, base, n) == 0 && (b[n] == '.' || b[n] == '\0'))
                same++;
        }
    if (same)
        snprintf(buf + strlen(buf), len - strlen(buf), "-%d", same + 1);
}

static int run_vms(const struct opts *o)
{
    char err[512];
    char names[MAX_VMS][32];
    struct out_stream outs[MAX_VMS];
    FILE *files[MAX_VMS] = {0};
    struct vm *vms[MAX_VMS] = {0};
    struct elf_image img = {0};
    uint8_t *disk = NULL;
    int status = EXIT_BAD_INPUT;

    uint64_t host = PAGE_SIZE * 2;
    struct vmm_config cfg = {.isa = o->isa, .policy = o->policy, .quantum = o->quantum};
    uint32_t shadow_frames = 1024;
    for (int i = 0; i < o->nvms; i++)
        host += o->vm[i].mem + (uint64_t)shadow_frames * PAGE_SIZE;
    if (host > MACHINE_MAX_MEM) {
        fprintf(stderr, "%s: the VMs need %llu MiB of host memory; the machine has at most %u MiB\n", prog,
                (unsigned long long)(host >> 20), MACHINE_MAX_MEM >> 20);
        return EXIT_USAGE;
    }
    cfg.shadow_frames = shadow_frames;
    struct vmm *v = vmm_new(&cfg, (uint32_t)host, err, sizeof err);
    if (!v) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < o->nvms; i++) {
        const struct image_opts *io = &o->vm[i];
        if (io->name)
            snprintf(names[i], sizeof names[i], "%s", io->name);
        else
            vm_default_name(o, i, names[i], sizeof names[i]);
        outs[i] = (struct out_stream){.f = stdout, .at_line_start = true,
                                      .prefix = o->nvms > 1 ? names[i] : NULL};
        if (o->nvms > 1 && o->console_dir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.out", o->console_dir, names[i]);
            files[i] = fopen(path, "w");
            if (!files[i]) {
                fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
                goto done;
            }
            outs[i] = (struct out_stream){.f = files[i]};
        }
        size_t disk_len = 0;
        if (io->disk && !load_disk(io->disk, &disk, &disk_len))
            goto done;
        if (!elf_read_file(io->path, &img, err, sizeof err)) {
            fprintf(stderr, "%s: %s: %s\n", prog, io->path, err);
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
            fprintf(stderr, "%s: %s: %s\n", prog, io->path, err);
            goto done;
        }
    }

    vmm_run(v);
    fflush(stdout);

    status = 0;
    for (int i = 0; i < o->nvms; i++) {
        struct vm *vm = vms[i];
        const char *path = o->vm[i].path;
        int s;
        switch (vm_state(vm)) {
        case VM_HALTED: s = (int)(vm_exit_value(vm) & 0xff); break;
        case VM_LIMIT:
            fprintf(stderr, "%s: %s: stopped at the instruction limit (%" PRIu64 " instructions)\n", prog, path,
                    vm_instret(vm));
            s = EXIT_LIMIT;
            break;
        case VM_DEADLOCK:
            fprintf(stderr, "%s: %s: deadlock: wfi waits for an interrupt that can never come\n", prog, path);
            s = EXIT_ABNORMAL;
            break;
        case VM_DOUBLE_FAULT:
            fprintf(stderr, "%s: %s: double fault: the guest's trap handler's first instruction raised %s\n",
                    prog, path, isa_cause_name(vm_exit_value(vm)));
            s = EXIT_ABNORMAL;
            break;
        default:
            fprintf(stderr, "%s: %s: %s\n", prog, path, vm_message(vm));
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
        status = 1;
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
