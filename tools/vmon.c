/*
 * vmon - the monitor: a vmlab program on the bare machine or under the
 * VMM, stopped at reset, stepped and looked at with commands
 * (docs/monitor.md).
 *
 *   vmon [options] IMAGE             under the VMM
 *   vmon --native [options] IMAGE    on the bare machine
 *   vmon -x FILE ... / cmds | vmon   batch mode, for graders
 *
 * This file is the command line, the prompt (GNU readline: editing,
 * history, completion) and Ctrl-C; the machine is the session's
 * (tools/session.h) and the commands are the monitor's (monitor/).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "disk_store.h"
#include "monitor.h"

static const char *prog = "vmon";

#define BATCH_MAX (16u << 20) /* a command file: at most this many bytes */
#define MAX_DUMPS 32

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options] IMAGE\n"
            "       %s --native [options] IMAGE\n"
            "       %s [options] --vm IMAGE [vm options] [--vm IMAGE [vm options]]...\n"
            "\n"
            "Open the ELF32 program IMAGE stopped at reset, under the VMM (or on the\n"
            "bare machine with --native), and run the monitor's commands on it: from\n"
            "a prompt with line editing, history (~/.vmon_history, or $VMON_HISTORY)\n"
            "and completion; or, in batch mode, from -x FILE or from stdin when it is\n"
            "not a terminal.  `help` lists the commands (docs/monitor.md).\n"
            "\n"
            "the machine (as vrun's):\n"
            "  --native          the bare machine (the image is the supervisor)\n"
            "  --vm IMAGE        add a virtual machine running IMAGE; -m, --disk, --boot,\n"
            "                    --name after it apply to it alone\n"
            "  -m, --mem SIZE    physical memory: bytes, K, M or G (default 16M, at most 1G)\n"
            "  --isa VARIANT     pg (default) or x86like\n"
            "  --disk FILE       the disk, only read: the guest's writes stay in memory\n"
            "  --boot STRING     boot argument (a0 points to it at reset)\n"
            "  --name NAME       the VM's name\n"
            "  --shadow POLICY   rebuild, demand or cache (default)\n"
            "  --technique NAME, --mmu NAME, --quantum N, --check-isolation  as vrun's\n"
            "\n"
            "the monitor:\n"
            "  -x FILE           run the commands of FILE (batch mode), then quit\n"
            "  --max-steps N     run at most N instructions over the whole session\n"
            "  --no-color        no colour in the views (there is none in batch mode, or\n"
            "                    when stdout is not a terminal or TERM is dumb)\n"
            "  --no-warn         every warning off (set warn NAME on turns one on again)\n"
            "  --dump-regs       at the end, the registers (info registers)\n"
            "  --dump CMD        at the end, a memory dump: \"x/NF ADDR\" or \"xp/NF ADDR\"\n"
            "                    (repeatable, at most %d)\n"
            "  -h, --help        show this help\n"
            "\n"
            "In batch mode there is no prompt, empty lines and lines starting with #\n"
            "are skipped, and an error names the line: \"vmon: FILE:LINE: error: ...\".\n"
            "\n"
            "exit status: %d all went well (whatever value the guest halted with);\n"
            "%d an image, disk or command file could not be read; %d bad usage;\n"
            "%d the guest ended in a run-time error (double fault, deadlock, the VMM\n"
            "stopped it); %d the step limit was reached; %d a command or operand was\n"
            "refused in batch mode (the session went on)\n",
            prog, prog, prog, MAX_DUMPS, MON_OK, MON_BAD_INPUT, MON_USAGE, MON_GUEST_ERROR, MON_STEP_LIMIT,
            MON_BAD_COMMAND);
}

struct opts {
    bool native, dump_regs, no_color, no_warn;
    const char *script; /* -x FILE */
    uint64_t max_steps;
    const char *dumps[MAX_DUMPS];
    int ndumps;
    struct session_vm defaults;
    struct session_config run;
};

static int fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return MON_USAGE;
}

static int parse(int argc, char **argv, struct opts *o)
{
    enum { OPT_NATIVE = 256, OPT_ISA, OPT_DISK, OPT_BOOT, OPT_VM, OPT_NAME, OPT_SHADOW, OPT_QUANTUM,
           OPT_CHECK_ISOLATION, OPT_TECHNIQUE, OPT_MMU, OPT_MAX_STEPS, OPT_DUMP_REGS, OPT_DUMP, OPT_NO_COLOR,
           OPT_NO_WARN };
    static const struct option opts[] = {
        {"native", no_argument, NULL, OPT_NATIVE},
        {"vm", required_argument, NULL, OPT_VM},
        {"mem", required_argument, NULL, 'm'},
        {"isa", required_argument, NULL, OPT_ISA},
        {"disk", required_argument, NULL, OPT_DISK},
        {"boot", required_argument, NULL, OPT_BOOT},
        {"name", required_argument, NULL, OPT_NAME},
        {"shadow", required_argument, NULL, OPT_SHADOW},
        {"technique", required_argument, NULL, OPT_TECHNIQUE},
        {"mmu", required_argument, NULL, OPT_MMU},
        {"quantum", required_argument, NULL, OPT_QUANTUM},
        {"check-isolation", no_argument, NULL, OPT_CHECK_ISOLATION},
        {"max-steps", required_argument, NULL, OPT_MAX_STEPS},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"no-warn", no_argument, NULL, OPT_NO_WARN},
        {"dump-regs", no_argument, NULL, OPT_DUMP_REGS},
        {"dump", required_argument, NULL, OPT_DUMP},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    *o = (struct opts){.max_steps = UINT64_MAX,
                       .run = {.isa = ISA_PG, .policy = SHADOW_CACHE},
                       .defaults = {.mem = MACHINE_DEFAULT_MEM, .max_insns = UINT64_MAX}};
    struct session_vm *cur = &o->defaults;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:x:h", opts, NULL)) != -1) {
        uint64_t v;
        char err[128];
        switch (c) {
        case OPT_NATIVE: o->native = true; break;
        case OPT_VM:
            if (o->run.nvms == SESSION_MAX_VMS)
                return fail_usage("too many --vm (at most %s)", "16");
            cur = &o->run.vm[o->run.nvms++];
            *cur = o->defaults;
            cur->path = optarg;
            break;
        case 'm':
            if (!session_parse_size(optarg, &v))
                return fail_usage("-m %s: not a size (bytes, or with a K, M or G suffix)", optarg);
            if (!machine_mem_size_ok(v, err, sizeof err)) {
                fprintf(stderr, "%s: -m %s: %s\n", prog, optarg, err);
                return MON_USAGE;
            }
            cur->mem = (uint32_t)v;
            break;
        case OPT_ISA:
            if (!isa_variant_parse(optarg, &o->run.isa))
                return fail_usage("--isa %s: not a variant (pg or x86like)", optarg);
            break;
        case OPT_SHADOW:
            if (!shadow_policy_parse(optarg, &o->run.policy))
                return fail_usage("--shadow %s: not a policy (rebuild, demand or cache)", optarg);
            break;
        case OPT_TECHNIQUE: o->run.technique = optarg; break;
        case OPT_MMU: o->run.mmu = optarg; break;
        case OPT_QUANTUM:
            if (!session_parse_count(optarg, &v) || v == 0 || v > UINT32_MAX)
                return fail_usage("--quantum %s: not a number of instructions", optarg);
            o->run.quantum = (uint32_t)v;
            break;
        case OPT_CHECK_ISOLATION: o->run.check_isolation = true; break;
        case OPT_DISK: cur->disk = optarg; break;
        case OPT_BOOT: cur->boot = optarg; break;
        case OPT_NAME:
            if (vm_name_check(optarg) != VM_NAME_OK)
                return fail_usage("--name %s: not a VM name (1 to 31 bytes of UTF-8, none of them '/', '\"', "
                                  "'\\' or a control character)",
                                  optarg);
            cur->name = optarg;
            break;
        case 'x': o->script = optarg; break;
        case OPT_MAX_STEPS:
            if (!session_parse_count(optarg, &o->max_steps) || o->max_steps == 0)
                return fail_usage("--max-steps %s: not a number of instructions from 1", optarg);
            break;
        case OPT_DUMP_REGS: o->dump_regs = true; break;
        case OPT_NO_COLOR: o->no_color = true; break;
        case OPT_NO_WARN: o->no_warn = true; break;
        case OPT_DUMP:
            if (o->ndumps == MAX_DUMPS)
                return fail_usage("too many --dump (at most %s)", "32");
            if (strncmp(optarg, "x/", 2) != 0 && strncmp(optarg, "xp/", 3) != 0 && strncmp(optarg, "x ", 2) != 0 &&
                strncmp(optarg, "xp ", 3) != 0)
                return fail_usage("--dump %s: not a memory dump (\"x/NF ADDR\" or \"xp/NF ADDR\")", optarg);
            o->dumps[o->ndumps++] = optarg;
            break;
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
    if (o->native && o->run.nvms > 1)
        return fail_usage("%s", "--native runs one image; use --vm for several");
    if (o->native && o->run.check_isolation)
        return fail_usage("%s", "--check-isolation checks the VMM: not with --native");
    return 0;
}

/* --- Ctrl-C: the only global, as a signal handler needs --- */

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* At the prompt, Ctrl-C drops the line being typed. */
static int on_signal_event(void)
{
    if (interrupted) {
        interrupted = 0;
        rl_replace_line("", 0);
        rl_crlf();
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

/* --- batch mode --- */

/* All of a command file (or stdin) first: the guest's console then reads
 * stdin's end, never the commands. */
static char *read_commands(const char *path, size_t *len)
{
    FILE *f = path ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "%s: %s: cannot read: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n > BATCH_MAX) {
            fprintf(stderr, "%s: %s: larger than %u bytes: not a command file\n", prog, path ? path : "<stdin>",
                    BATCH_MAX);
            free(buf);
            buf = NULL;
            break;
        }
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    if (buf && ferror(f)) {
        fprintf(stderr, "%s: %s: cannot read: %s\n", prog, path ? path : "<stdin>", strerror(errno));
        free(buf);
        buf = NULL;
    } else if (!buf && n <= BATCH_MAX) {
        fprintf(stderr, "%s: out of memory\n", prog);
    }
    if (path)
        fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static void run_batch(struct monitor *mon, char *text, size_t len)
{
    char *end = text + len;
    for (char *p = text; p < end && !mon->quit;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        char *next = nl ? nl + 1 : end;
        *stop = '\0'; /* text has a byte past its end for this */
        mon->line++;
        bool nul = strlen(p) < (size_t)(stop - p);
        if (stop > p && stop[-1] == '\r')
            stop[-1] = '\0';
        const char *s = p + strspn(p, " \t");
        if (nul)
            mon_error(mon, "a NUL byte in the line");
        else if (*s && *s != '#')
            monitor_exec(mon, s);
        p = next;
    }
}

/* --- the prompt --- */

/* Readline's completion calls take no context: the monitor it completes
 * for, and the words found, wait here. */
static struct monitor *completing;
static char **matches;
static size_t nmatches, cap_matches;

static void add_match(void *ctx, const char *word)
{
    (void)ctx;
    if (nmatches == cap_matches) {
        size_t c = cap_matches ? 2 * cap_matches : 64;
        char **m = realloc(matches, c * sizeof *m);
        if (!m)
            return;
        matches = m;
        cap_matches = c;
    }
    char *w = strdup(word);
    if (w)
        matches[nmatches++] = w;
}

static char *next_match(const char *text, int state)
{
    (void)text;
    static size_t i;
    if (state == 0)
        i = 0;
    return i < nmatches ? matches[i++] : NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    for (size_t i = 0; i < nmatches; i++) /* left from last time (readline took the ones it used) */
        matches[i] = NULL;
    nmatches = 0;
    monitor_complete(completing, rl_line_buffer, start, text, add_match, NULL);
    rl_attempted_completion_over = 1; /* no file names */
    return rl_completion_matches(text, next_match);
}

/* The history file: $VMON_HISTORY, or ~/.vmon_history; NULL: none. */
static const char *history_path(char *buf, size_t len)
{
    const char *h = getenv("VMON_HISTORY");
    if (h)
        return *h ? h : NULL;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    snprintf(buf, len, "%s/.vmon_history", home);
    return buf;
}

/* Written whole or not at all: to a temporary file beside it, renamed over it. */
static void save_history(const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "%s: %s: history not saved: %s\n", prog, path, strerror(errno));
        return;
    }
    close(fd);
    int e = write_history(tmp);
    if (e || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: %s: history not saved: %s\n", prog, path, strerror(e ? e : errno));
        unlink(tmp);
    }
}

static void run_prompt(struct monitor *mon)
{
    char hbuf[4096];
    const char *hist = history_path(hbuf, sizeof hbuf);
    using_history();
    stifle_history(1000);
    if (hist)
        read_history(hist); /* none yet is fine */
    completing = mon;
    rl_readline_name = "vmon";
    rl_attempted_completion_function = complete;
    rl_signal_event_hook = on_signal_event;
    rl_basic_word_break_characters = " \t\n*()+-:"; /* operands: "*sym", "gva:sym", "sym+4" */
    while (!mon->quit) {
        char *line = readline("(vmon) ");
        if (!line) {
            fputc('\n', stdout);
            break;
        }
        const char *s = line + strspn(line, " \t");
        if (*s) {
            HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
            if (!last || strcmp(last->line, line) != 0)
                add_history(line);
        }
        monitor_exec(mon, line);
        free(line);
    }
    if (hist)
        save_history(hist);
    for (size_t i = 0; i < nmatches; i++)
        matches[i] = NULL;
    free(matches);
}

/* vmon never writes a disk's file (the guest writes to an overlay, for
 * time travel: monitor_time_travel): whether the file failed, and a note
 * if the guest's writes were left out of it. */
static bool disk_at_exit(const char *path, const char *vm, struct disk_store *s)
{
    if (!s)
        return true;
    const char *why = disk_store_error(s);
    if (why || disk_store_written(s))
        fprintf(stderr, "%s: %s%s%s%s: %s\n", prog, vm ? "[" : "", vm ? vm : "", vm ? "] " : "", path,
                why ? why : "note: the guest's disk writes stayed in memory (vmon never changes a disk file)");
    return !why;
}

int main(int argc, char **argv)
{
    struct opts o;
    int r = parse(argc, argv, &o);
    if (r < 0)
        return 0;
    if (r > 0)
        return r;
    bool batch = o.script || !isatty(STDIN_FILENO);
    char *cmds = NULL;
    size_t cmdlen = 0;
    if (batch && !(cmds = read_commands(o.script, &cmdlen)))
        return MON_BAD_INPUT;

    static struct session sess; /* its consoles' lines are large */
    struct machine *m = NULL;
    struct elf_image syms = {0};
    struct console_out out = {.f = stdout};
    int status;
    if (o.native) {
        m = session_machine(prog, &o.run.vm[0], o.run.isa, &out, &syms, &status);
    } else if ((status = session_plan(&sess, prog, &o.run)) == 0) {
        status = session_start(&sess, 0);
    }
    if (status) {
        if (!o.native)
            session_free(&sess);
        free(cmds);
        return status;
    }

    struct sigaction sa = {.sa_handler = on_interrupt};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    static struct monitor mon;
    /* colour only for a person at a terminal: a transcript stays plain */
    const char *term = getenv("TERM");
    bool color = !batch && !o.no_color && isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0;
    struct monitor_options mo = {.batch = batch, .max_steps = o.max_steps, .color = color, .no_warn = o.no_warn};
    monitor_init(&mon, o.native ? NULL : &sess, m, &syms, &mo, &interrupted);
    if ((status = monitor_time_travel(&mon, &o.run.vm[0])) != MON_OK) {
        monitor_free(&mon);
        if (o.native) {
            machine_free(m);
            elf_free(&syms);
        } else {
            session_free(&sess);
        }
        monitor_time_travel_free(&mon);
        free(cmds);
        return status;
    }
    if (batch) {
        mon.src = o.script ? o.script : "<stdin>";
        run_batch(&mon, cmds, cmdlen);
        free(cmds);
        mon.src = "--dump";
        mon.line = 0;
        if (o.dump_regs)
            monitor_exec(&mon, "info registers");
        for (int i = 0; i < o.ndumps; i++) {
            mon.line = (unsigned)i + 1;
            monitor_exec(&mon, o.dumps[i]);
        }
    } else {
        printf("vmon: %s %s, stopped at reset (help lists the commands)\n", o.run.vm[0].path,
               o.native ? "on the bare machine" : "under the VMM");
        monitor_where(&mon);
        run_prompt(&mon);
        if (o.dump_regs)
            monitor_exec(&mon, "info registers");
        for (int i = 0; i < o.ndumps; i++)
            monitor_exec(&mon, o.dumps[i]);
    }
    fflush(stdout);
    status = mon.status;
    if (o.native) {
        if (!disk_at_exit(o.run.vm[0].disk, NULL, machine_disk(m)))
            status = MON_BAD_INPUT;
    } else {
        for (int i = 0; i < o.run.nvms; i++)
            if (!disk_at_exit(o.run.vm[i].disk, o.run.nvms > 1 ? sess.names[i] : NULL, vm_disk(sess.vms[i])))
                status = MON_BAD_INPUT;
    }
    monitor_free(&mon);
    if (o.native) {
        machine_free(m);
        elf_free(&syms);
    } else {
        session_free(&sess);
    }
    monitor_time_travel_free(&mon);
    return status;
}
