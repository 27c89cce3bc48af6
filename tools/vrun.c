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
 *
 * This file is the command line, the runs and their reports; the images,
 * disks and consoles, and the VMM and its VMs made from the options, are
 * the session's (session.h), which the other front ends share.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"
#include "disk_store.h"
#include "lockstep.h"
#include "seams.h"
#include "session.h"

enum {
    EXIT_BAD_INPUT = SESSION_BAD_INPUT,
    EXIT_USAGE = SESSION_USAGE,
    EXIT_DIFFER = 3,     /* --lockstep, --difftest: the two runs differ */
    EXIT_LIMIT = 124,    /* like timeout(1) */
    EXIT_ABNORMAL = 125, /* deadlock, double fault, VM failure */
    EXIT_INTERRUPTED = 130, /* Ctrl-C, as a shell reports SIGINT */
};

#define MAX_VMS SESSION_MAX_VMS

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
            "  --lockstep-all N  the same, listing up to N of the things that differ\n"
            "                    there (registers, control registers, counts, console,\n"
            "                    memory words; page-table entries by field), at most\n"
            "                    32, instead of the first only\n"
            "  --difftest        run IMAGE on the bare machine and on the reference CPU\n"
            "                    (isa/ref/) one instruction at a time, and report the\n"
            "                    first instruction after which they differ, its pc placed\n"
            "                    by the image's symbols (input: as --lockstep)\n"
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
            "  --technique NAME  how the VMM virtualizes the CPU: trap-and-emulate\n"
            "                    (default), hybrid, which interprets the guest's\n"
            "                    supervisor mode (docs/vmm.md section 2), bt, which\n"
            "                    runs it from translated code (section 12), pv,\n"
            "                    which answers a paravirtualized kernel's hypercalls\n"
            "                    (section 13; the kernel is kernel-pv.elf), or hw,\n"
            "                    which runs it in the machine's hardware guest mode\n"
            "                    (section 14: only what the control block asks for\n"
            "                    exits)\n"
            "  --mmu NAME        how it virtualizes memory: shadow (default), or nested,\n"
            "                    a host table under the guest's own page tables (with\n"
            "                    --technique hw only)\n"
            "  --shadow POLICY   shadow page tables: rebuild, demand or cache (default)\n"
            "  --quantum N       instructions a VM runs before the next (default 100000)\n"
            "  --check-isolation after every exit, check that no VM can reach what it\n"
            "                    does not own; stop a VM at the first violation\n"
            "  --trace-exits     print every VM exit and what the VMM made of it on\n"
            "                    stderr (privileged instruction emulated: mtcr, ...)\n"
            "  --trace FILE      write a trace to FILE, one line per event with the\n"
            "                    instruction count, pc and symbol: every instruction\n"
            "                    that retired (I, disassembled), every trap the program\n"
            "                    took (T; under the VMM, what the guest saw) and, under\n"
            "                    the VMM, every exit (E) with the VMM's decision; the\n"
            "                    program is run one instruction at a time, and its I\n"
            "                    and T lines are the same natively and under the VMM\n"
            "  --trace-events LIST\n"
            "                    only these events in the trace, comma-separated: insn,\n"
            "                    trap, exit (exit not with --native; default: all)\n"
            "  --console-dir DIR write each VM's console output to DIR/NAME.out instead\n"
            "                    of stdout (where, with several VMs, lines get [NAME])\n"
            "  --stats           print statistics on stderr at exit: with --native,\n"
            "                    instructions, traps by cause, TLB hits and misses (the\n"
            "                    run is slower: every access is counted), page walks;\n"
            "                    under the VMM, the VMM's summary of each VM; both,\n"
            "                    on x86like: the sensitive instructions that ran in\n"
            "                    user mode without trapping, by pc (docs/isa.md 10)\n"
            "  --stats-json FILE write the same as JSON (the keys: docs/vmm.md 9)\n"
            "                    (--stats-json and --console-dir files appear whole at\n"
            "                    exit, or not at all; never over an image or a disk)\n"
            "  -h, --help        show this help\n"
            "\n"
            "exit status: the halt value (with several VMs: the first non-zero one);\n"
            "%d bad input (or the disk file failed); %d bad usage; %d instruction limit\n"
            "reached; %d machine stopped abnormally (deadlock, double fault, VM failure);\n"
            "130 interrupted by Ctrl-C (the registers are printed, as at any stop);\n"
            "a non-zero halt right after a fault in supervisor mode (a kernel's panic)\n"
            "also names that trap, its pc placed by the image's symbols, on stderr;\n"
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

/* Deliberate bugs asked for in the environment (VMLAB_INJECT and
 * VMLAB_REF_INJECT: the checkers' negative controls, never real use): a
 * number of flags, or false after one line on stderr. */
static bool env_flags(const char *name, const char *what, uint64_t *flags)
{
    const char *v = getenv(name);
    *flags = 0;
    if (!v || (session_parse_count(v, flags) && *flags <= UINT32_MAX))
        return true;
    fprintf(stderr, "%s: %s=%s: not a number (of %s flags)\n", prog, name, v, what);
    return false;
}

/* --- what the command line asks for --- */

struct opts {
    bool native, stats, lockstep, difftest;
    unsigned lockstep_all; /* --lockstep-all N */
    const char *console_dir, *stats_json, *trace;
    const char *trace_events; /* --trace-events LIST as given, or NULL */
    struct session_vm defaults; /* what --vm starts from */
    struct session_config run;  /* the VMs, or the one image, and how they run */
};

static int parse(int argc, char **argv, struct opts *o)
{
    enum { OPT_NATIVE = 256, OPT_LOCKSTEP, OPT_DIFFTEST, OPT_ISA, OPT_DISK, OPT_BOOT, OPT_STATS, OPT_VM, OPT_NAME,
           OPT_SHADOW, OPT_QUANTUM, OPT_CONSOLE_DIR, OPT_STATS_JSON, OPT_CHECK_ISOLATION, OPT_TECHNIQUE, OPT_MMU,
           OPT_TRACE_EXITS, OPT_LOCKSTEP_ALL, OPT_TRACE, OPT_TRACE_EVENTS };
    static const struct option opts[] = {
        {"native", no_argument, NULL, OPT_NATIVE},
        {"lockstep", no_argument, NULL, OPT_LOCKSTEP},
        {"lockstep-all", required_argument, NULL, OPT_LOCKSTEP_ALL},
        {"difftest", no_argument, NULL, OPT_DIFFTEST},
        {"vm", required_argument, NULL, OPT_VM},
        {"mem", required_argument, NULL, 'm'},
        {"isa", required_argument, NULL, OPT_ISA},
        {"disk", required_argument, NULL, OPT_DISK},
        {"max-insns", required_argument, NULL, 'n'},
        {"boot", required_argument, NULL, OPT_BOOT},
        {"name", required_argument, NULL, OPT_NAME},
        {"shadow", required_argument, NULL, OPT_SHADOW},
        {"technique", required_argument, NULL, OPT_TECHNIQUE},
        {"mmu", required_argument, NULL, OPT_MMU},
        {"trace-exits", no_argument, NULL, OPT_TRACE_EXITS},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"trace-events", required_argument, NULL, OPT_TRACE_EVENTS},
        {"quantum", required_argument, NULL, OPT_QUANTUM},
        {"console-dir", required_argument, NULL, OPT_CONSOLE_DIR},
        {"stats", no_argument, NULL, OPT_STATS},
        {"stats-json", required_argument, NULL, OPT_STATS_JSON},
        {"check-isolation", no_argument, NULL, OPT_CHECK_ISOLATION},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    *o = (struct opts){.run = {.isa = ISA_PG, .policy = SHADOW_CACHE}, .defaults = {.mem = MACHINE_DEFAULT_MEM,
                                                                           .max_insns = UINT64_MAX}};
    struct session_vm *cur = &o->defaults;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:n:h", opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case OPT_NATIVE: o->native = true; break;
        case OPT_LOCKSTEP: o->lockstep = true; break;
        case OPT_LOCKSTEP_ALL:
            if (!session_parse_count(optarg, &v) || v == 0 || v > 32)
                return fail_usage("--lockstep-all %s: not a number of differences from 1 to 32", optarg);
            o->lockstep = true;
            o->lockstep_all = (unsigned)v;
            break;
        case OPT_DIFFTEST: o->difftest = true; break;
        case OPT_VM:
            if (o->run.nvms == MAX_VMS)
                return fail_usage("too many --vm (at most %s)", "16");
            if (optarg[0] == '-' && optarg[1] != '\0') /* "--vm --boot x": the image was forgotten */
                return fail_usage("--vm needs an image, not the option %s (write ./NAME for a file named so)",
                                  optarg);
            cur = &o->run.vm[o->run.nvms++];
            *cur = o->defaults;
            cur->path = optarg;
            break;
        case 'm': {
            char why[100];
            if (!session_parse_size(optarg, &v))
                return fail_usage("-m %s: not a size (examples: 65536, 512K, 16M, 1G)", optarg);
            if (!machine_mem_size_ok(v, why, sizeof why)) {
                fprintf(stderr, "%s: -m %s: %s\n", prog, optarg, why);
                return EXIT_USAGE;
            }
            cur->mem = (uint32_t)v;
            break;
        }
        case OPT_ISA:
            if (!isa_variant_parse(optarg, &o->run.isa))
                return fail_usage("--isa %s: unknown variant (pg or x86like)", optarg);
            break;
        case OPT_SHADOW:
            if (!shadow_policy_parse(optarg, &o->run.policy))
                return fail_usage("--shadow %s: unknown policy (rebuild, demand or cache)", optarg);
            break;
        case OPT_TECHNIQUE: o->run.technique = optarg; break;
        case OPT_MMU: o->run.mmu = optarg; break;
        case OPT_TRACE_EXITS: o->run.trace_exits = true; break;
        case OPT_TRACE: o->trace = optarg; break;
        case OPT_TRACE_EVENTS: {
            char bad[64];
            o->trace_events = optarg;
            if (!trace_events_parse(optarg, &o->run.trace_events, bad, sizeof bad)) {
                if (bad[0] == '\0')
                    fprintf(stderr, "%s: --trace-events '%s': an empty event name (the events: %s)\n", prog,
                            optarg, trace_event_names);
                else
                    fprintf(stderr, "%s: --trace-events %s: no event named \"%s\" (the events: %s)\n", prog,
                            optarg, bad, trace_event_names);
                return EXIT_USAGE;
            }
            break;
        }
        case OPT_QUANTUM:
            if (!session_parse_count(optarg, &v) || v == 0 || v > UINT32_MAX)
                return fail_usage("--quantum %s: not a number of instructions", optarg);
            o->run.quantum = (uint32_t)v;
            break;
        case OPT_DISK: cur->disk = optarg; break;
        case 'n':
            if (!session_parse_count(optarg, &cur->max_insns))
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
        case OPT_CHECK_ISOLATION: o->run.check_isolation = true; break;
        case 'h': usage(stdout); return -1;
        case ':': return fail_usage("%s needs an argument", argv[optind - 1]);
        default: return fail_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        if (o->run.nvms > 0)
            return fail_usage("unexpected argument %s (give every image with --vm)", argv[optind]);
        if (optind + 1 < argc)
            return fail_usage("unexpected argument %s (one image at a time)", argv[optind + 1]);
        o->run.vm[0] = o->defaults;
        o->run.vm[0].path = argv[optind];
        o->run.nvms = 1;
    }
    if (o->run.nvms == 0)
        return fail_usage("%s", "no image given");
    if ((o->native || o->lockstep) && o->run.nvms > 1)
        return fail_usage("%s", "--native and --lockstep run one image; use --vm for several");
    if (o->native && o->lockstep)
        return fail_usage("%s", "--lockstep runs the image both ways already; drop --native");
    if (o->difftest && (o->run.nvms > 1 || o->native || o->lockstep))
        return fail_usage("%s", "--difftest runs one image on the bare machine and the reference; drop --native, "
                                "--lockstep and extra --vm");
    if (o->run.mmu && vmm_mmu_find(o->run.mmu) && vmm_mmu_find(o->run.mmu)->guest_mode_only &&
        !(vmm_technique_find(o->run.technique) && vmm_technique_find(o->run.technique)->control_block))
        return fail_usage("--mmu %s needs --technique hw: nested paging is the hardware guest mode's (docs/vmm.md "
                          "section 14)",
                          o->run.mmu);
    if (o->run.check_isolation && (o->native || o->lockstep || o->difftest))
        return fail_usage("%s", "--check-isolation checks the VMM: not with --native, --lockstep or --difftest");
    if (o->trace && (o->lockstep || o->difftest))
        return fail_usage("--trace %s: not with --lockstep or --difftest (trace each run on its own)", o->trace);
    if (o->trace_events && !o->trace)
        return fail_usage("--trace-events %s: there is no trace to write them to (give --trace FILE)",
                          o->trace_events);
    if (o->native && o->run.trace_exits)
        return fail_usage("%s",
                          "--trace-exits: the bare machine has no VM exits (its instructions and traps: --trace FILE)");
    if (o->native && (o->run.trace_events & TRACE_EXIT))
        return fail_usage("--trace-events %s: the bare machine has no VM exits (with --native: insn, trap)",
                          o->trace_events);
    if (!o->trace_events) /* every event the run has */
        o->run.trace_events = o->native ? TRACE_INSN | TRACE_TRAP : TRACE_ALL;
    if (o->stats_json && (o->lockstep || o->difftest))
        return fail_usage("--stats-json %s: not with --lockstep or --difftest (give it to a run of its own)",
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

/* Physical memory, as a report reads it. */
/* Ctrl-C: the run stops where it is and says so, with the registers.  The
 * handler only sets flags (async-signal-safe); the bare machine is run in
 * slices that look at them, the VMM comes back at the VM's next exit. */
static volatile sig_atomic_t interrupted;
static struct vmm *interrupt_vmm;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
    if (interrupt_vmm)
        vmm_interrupt(interrupt_vmm);
}

static void catch_interrupts(struct vmm *v)
{
    interrupt_vmm = v;
    struct sigaction sa = {.sa_handler = on_interrupt};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

#define NATIVE_SLICE (1u << 24) /* instructions between looks at Ctrl-C */

/* --- on the bare machine --- */

/* The run's output files, all or none, none of them an image or a disk of
 * the run (fileio.h).  --stats-json is staged before the run, so that a
 * mistyped path costs one line and not the run. */
static int stage_outputs(const struct opts *o, struct outset *set, int *stats, int *trace)
{
    char err[4400];
    int r = 0;
    for (int i = 0; i < o->run.nvms && r >= 0; i++) {
        r = outset_input(set, o->run.vm[i].path, "the image", err, sizeof err);
        if (r >= 0 && o->run.vm[i].disk)
            r = outset_input(set, o->run.vm[i].disk, "the disk", err, sizeof err);
    }
    if (r >= 0 && o->stats_json)
        r = *stats = outset_add(set, o->stats_json, "the statistics", err, sizeof err);
    if (r >= 0 && o->trace)
        r = *trace = outset_add(set, o->trace, "the trace", err, sizeof err);
    if (r >= 0)
        return 0;
    fprintf(stderr, "%s: %s\n", prog, err);
    return r == OUTSET_CLASH ? EXIT_USAGE : EXIT_BAD_INPUT;
}

static int run_native(const struct opts *o)
{
    const struct session_vm *io = &o->run.vm[0];
    struct console_out out = {.f = stdout};
    int status;
    struct elf_image syms;
    struct machine *m = session_machine(prog, io, o->run.isa, &out, &syms, &status);
    if (!m)
        return status;

    struct vm_exit ex;
    struct outset *set = NULL;
    FILE *trace = NULL;
    int stats = -1, tk = -1;
    if (o->trace || o->stats_json) {
        if (!(set = outset_new(prog))) {
            fprintf(stderr, "%s: out of memory\n", prog);
            status = EXIT_BAD_INPUT;
        } else if ((status = stage_outputs(o, set, &stats, &tk)) == 0 && o->trace &&
                   !(trace = outset_stream(set, tk))) {
            fprintf(stderr, "%s: %s: cannot write: %s\n", prog, o->trace, strerror(errno));
            status = EXIT_BAD_INPUT;
        }
        if (status) {
            outset_free(set);
            machine_free(m);
            elf_free(&syms);
            return status;
        }
    }
    if (o->stats || o->stats_json)
        machine_count_tlb(m); /* slower: every access through the MMU's slow path */
    if (trace) {
        trace_buffer(trace);
        catch_interrupts(NULL);
        trace_machine(m, io->max_insns, &syms, trace, o->run.trace_events, &interrupted, &ex);
    } else {
        catch_interrupts(NULL);
        uint64_t left = io->max_insns; /* UINT64_MAX: no limit */
        for (;;) {
            uint64_t n = left < NATIVE_SLICE ? left : NATIVE_SLICE;
            machine_run(m, n, &ex);
            if (ex.reason != EXIT_BUDGET)
                break;
            if (left != UINT64_MAX && (left -= n) == 0)
                break; /* the limit */
            if (interrupted)
                break;
        }
    }
    fflush(stdout);

    status = status_of(ex.reason, ex.value);
    if (ex.reason == EXIT_BUDGET && interrupted)
        status = EXIT_INTERRUPTED;
    struct report_view v = report_view_of_machine(m, &syms);
    char prefix[PATH_MAX + 16];
    snprintf(prefix, sizeof prefix, "%s: %s: ", prog, io->path);
    switch (ex.reason) {
    case EXIT_HALT: report_stop(stderr, prefix, &v, REPORT_HALT, ex.value, 0, NULL); break;
    case EXIT_BUDGET:
        report_stop(stderr, prefix, &v, interrupted ? REPORT_INTERRUPTED : REPORT_LIMIT, 0, machine_cpu(m)->instret,
                    NULL);
        break;
    case EXIT_DEADLOCK: report_stop(stderr, prefix, &v, REPORT_DEADLOCK, 0, 0, NULL); break;
    case EXIT_DOUBLE_FAULT: report_stop(stderr, prefix, &v, REPORT_DOUBLE_FAULT, ex.cause, 0, NULL); break;
    case EXIT_DISK_ERROR: /* said below, with the disk */
        break;
    default: /* traps and interrupts only exit a hosted machine */
        fprintf(stderr, "%s: internal error: unexpected exit %d\n", prog, (int)ex.reason);
        break;
    }
    if (o->stats)
        native_stats_print_syms(stderr, prog, m, &syms);
    if (o->stats_json) {
        FILE *json = outset_stream(set, stats);
        char name[VM_NAME_MAX + 1];
        vm_name_from_path(io->path, VM_NAME_MAX, name);
        if (json)
            native_stats_json(json, m, o->run.isa, name, native_state(ex.reason, interrupted),
                              ex.reason == EXIT_HALT ? ex.value : ex.reason == EXIT_DOUBLE_FAULT ? ex.cause : 0);
        else {
            fprintf(stderr, "%s: %s: cannot write: %s\n", prog, o->stats_json, strerror(errno));
            status = EXIT_BAD_INPUT;
        }
    }
    if (!session_disk_ok_at_exit(prog, io->disk, NULL, machine_disk(m)))
        status = EXIT_BAD_INPUT;
    if (set) {
        char werr[4400];
        if (!outset_commit(set, werr, sizeof werr)) {
            fprintf(stderr, "%s: %s\n", prog, werr);
            status = EXIT_BAD_INPUT;
        }
        outset_free(set);
    }
    machine_free(m);
    elf_free(&syms);
    return status;
}

/* --- under the VMM --- */

static int run_vms(const struct opts *o)
{
    static struct session sess; /* its consoles' lines are large */
    int status = session_plan(&sess, prog, &o->run);
    if (status)
        return status;
    /* A deliberately broken VMM (enum vmm_inject), to watch the checkers
     * catch it from the command line (docs/vmm.md 8.1); never in real use. */
    uint64_t flags = 0;
    if (!env_flags("VMLAB_INJECT", "enum vmm_inject", &flags))
        return EXIT_USAGE;
    struct outset *set = outset_new(prog);
    int stats = -1, trace = -1;
    if (!set) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_BAD_INPUT;
    }
    if ((status = stage_outputs(o, set, &stats, &trace)) != 0) {
        outset_free(set);
        return status;
    }
    if (o->trace && !(sess.trace = outset_stream(set, trace))) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", prog, o->trace, strerror(errno));
        outset_free(set);
        return EXIT_BAD_INPUT;
    }
    if (sess.trace)
        trace_buffer(sess.trace);
    sess.stop = &interrupted;
    if ((status = session_start(&sess, (unsigned)flags)) != 0)
        goto done;
    /* every VM is ready: only now make their console files */
    if (o->console_dir && (status = session_console_files(&sess, o->console_dir, set)) != 0)
        goto done;

    catch_interrupts(sess.vmm);
    session_run(&sess); /* a VM still runnable after it was interrupted */
    interrupt_vmm = NULL;

    status = 0;
    for (int i = 0; i < o->run.nvms; i++) {
        struct vm *vm = sess.vms[i];
        int s;
        struct report_view v = report_view_of_vm(vm, &sess.syms[i]);
        char prefix[PATH_MAX + 64];
        session_prefix(&sess, i, prefix, sizeof prefix);
        switch (vm_state(vm)) {
        case VM_HALTED:
            s = (int)(vm_exit_value(vm) & 0xff);
            report_stop(stderr, prefix, &v, REPORT_HALT, vm_exit_value(vm), 0, NULL);
            break;
        case VM_RUNNABLE: /* only after Ctrl-C */
            report_stop(stderr, prefix, &v, REPORT_INTERRUPTED, 0, vm_instret(vm), NULL);
            s = EXIT_INTERRUPTED;
            break;
        case VM_LIMIT:
            report_stop(stderr, prefix, &v, REPORT_LIMIT, 0, vm_instret(vm), NULL);
            s = EXIT_LIMIT;
            break;
        case VM_DEADLOCK:
            report_stop(stderr, prefix, &v, REPORT_DEADLOCK, 0, 0, NULL);
            s = EXIT_ABNORMAL;
            break;
        case VM_DOUBLE_FAULT:
            report_stop(stderr, prefix, &v, REPORT_DOUBLE_FAULT, vm_exit_value(vm), 0, NULL);
            s = EXIT_ABNORMAL;
            break;
        default:
            if (vm_disk(vm) && disk_store_error(vm_disk(vm))) {
                s = EXIT_BAD_INPUT; /* said below, with the disk */
                break;
            }
            report_stop(stderr, prefix, &v, REPORT_FAILED, 0, 0, vm_message(vm));
            s = EXIT_ABNORMAL;
            break;
        }
        const char *name = o->run.nvms > 1 ? sess.names[i] : NULL;
        if (!session_disk_ok_at_exit(prog, o->run.vm[i].disk, name, vm_disk(vm)) && s == 0)
            s = EXIT_BAD_INPUT;
        if (status == 0)
            status = s;
        if (o->stats)
            vm_stats_print_placed(vm, stderr, session_place_pc, &sess.syms[i]);
    }
    FILE *json = o->stats_json ? outset_stream(set, stats) : NULL;
    if (o->stats_json && !json) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", prog, o->stats_json, strerror(errno));
        status = EXIT_BAD_INPUT;
        goto done;
    }
    if (json)
        vmm_stats_json(sess.vmm, json);
    char werr[4400];
    if (!outset_commit(set, werr, sizeof werr)) {
        fprintf(stderr, "%s: %s\n", prog, werr);
        status = EXIT_BAD_INPUT;
    }
done:
    outset_free(set); /* and the console files with it */
    session_free(&sess);
    return status;
}

/* --- native and VMM side by side --- */

static int run_lockstep(const struct opts *o)
{
    const struct session_vm *io = &o->run.vm[0];
    char err[512];
    struct session_inputs sb;
    int status = EXIT_BAD_INPUT;
    uint64_t inject = 0; /* a broken VMM for lockstep to catch, as in run_vms */
    if (!env_flags("VMLAB_INJECT", "enum vmm_inject", &inject))
        return EXIT_USAGE;
    if (!session_inputs_open(prog, "--lockstep", io, &sb))
        return EXIT_BAD_INPUT;
    struct lockstep_config c = {
        .image = &sb.img, .bootarg = io->boot, .mem_size = io->mem, .isa = o->run.isa,
        .technique = o->run.technique, .mmu = o->run.mmu, .policy = o->run.policy,
        .inject = (unsigned)inject, .input = sb.input, .input_len = sb.input_len, .disk_base = sb.disk,
        .max_insns = io->max_insns == UINT64_MAX ? 0 : io->max_insns, .all = o->lockstep_all,
    };
    static struct lockstep_result r; /* large: the list of differences */
    if (!lockstep_run(&c, &r, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, r.disk_failed ? io->disk : io->path, err);
        goto done;
    }
    if (r.diverged) {
        printf("%s: lockstep: first difference after instruction %" PRIu64 ": %s\n", prog, r.instret, r.what);
        if (r.has_insn) {
            struct report_view v = {.img = &sb.img};
            char where[160], insn[128];
            report_where(&v, r.pc, where, sizeof where);
            if (r.insn)
                report_insn_text(r.insn, r.pc, insn, sizeof insn);
            else
                snprintf(insn, sizeof insn, "(its word cannot be read)");
            printf("  the instruction: %s, in %s mode: %s\n", where, r.user ? "user" : "supervisor", insn);
        }
        if (r.nlist)
            printf("  what differs there:\n");
        for (unsigned k = 0; k < r.nlist; k++)
            printf("    %s\n", r.list[k]);
        status = EXIT_DIFFER;
    } else {
        const struct vmm_mmu *mmu = vmm_mmu_find(o->run.mmu);
        printf("%s: lockstep: the bare machine and the VMM (%s%s) agree for all %" PRIu64 " instructions%s\n", prog,
               mmu && mmu->guest_mode_only ? mmu->name : shadow_policy_name(o->run.policy),
               mmu && mmu->guest_mode_only ? " paging" : " shadows", r.compared,
               r.both_stopped ? "; both stopped" : c.max_insns ? "; stopped at the instruction limit" : "");
        status = 0;
    }
done:
    session_inputs_close(&sb);
    return status;
}

/* --- the machine against the reference CPU --- */

static int run_difftest(const struct opts *o)
{
    const struct session_vm *io = &o->run.vm[0];
    char err[512];
    struct session_inputs sb;
    /* deliberate bugs in the reference, to see a difference reported
     * (docs/testing.md, negative controls) */
    uint64_t inject = 0;
    if (!env_flags("VMLAB_REF_INJECT", "enum ref_inject", &inject) || !session_inputs_open(prog, "--difftest", io, &sb))
        return EXIT_BAD_INPUT;
    struct difftest_image c = {
        .image = &sb.img, .bootarg = io->boot, .mem_size = io->mem, .isa = o->run.isa, .input = sb.input,
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
        struct report_view v = {.img = &sb.img}; /* its symbols place the pc */
        char at[160];
        report_where(&v, out.res.pc, at, sizeof at);
        if (strchr(at, '<'))
            printf("%s: difftest: pc %s\n", prog, at);
        status = EXIT_DIFFER;
    } else {
        printf("%s: difftest: the machine and the reference agree for all %" PRIu64 " instructions\n", prog,
               out.instret);
    }
    session_inputs_close(&sb);
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
