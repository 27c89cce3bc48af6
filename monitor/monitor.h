/*
 * monitor.h - the monitor behind vmon (docs/monitor.md): a machine made by
 * a session (tools/session.h), stopped at reset, and the commands that step
 * it, stop it and look at it.  The same commands drive the bare machine
 * (--native) and a VM under the VMM.
 *
 * The monitor reads no terminal and knows nothing of readline: the front
 * end (tools/vmon.c) gives it one line at a time (monitor_exec), says where
 * the line came from (a batch file and its line number, for errors), and
 * asks it for completions (monitor_complete).
 *
 *   monitor_init(&mon, &sess or NULL, machine or NULL, syms, &opts);
 *   while (!mon.quit && line) monitor_exec(&mon, line);
 *   status = mon.status;
 *   monitor_free(&mon);
 *
 * The code: commands.c (the command table, the only list of commands, and
 * the dispatcher), expr.c (operands), run.c (stepping, breakpoints, how a
 * stop is told), show.c (registers, memory, disassembly, VMs), complete.c
 * (what a word may complete to), timetravel.c (going back), warn.c (the
 * warnings that teach).
 */
#ifndef VMLAB_MONITOR_H
#define VMLAB_MONITOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "session.h"
#include "session_views.h"

/* vmon's exit statuses (docs/monitor.md, vmon -h). */
enum monitor_status {
    MON_OK = 0,
    MON_BAD_INPUT = SESSION_BAD_INPUT, /* an image, a disk, a command file */
    MON_USAGE = SESSION_USAGE,
    MON_GUEST_ERROR = 3, /* the guest ended in a run-time error: double fault, deadlock, the VMM stopped it */
    MON_STEP_LIMIT = 4,  /* --max-steps reached (or a VM's own instruction limit) */
    MON_BAD_COMMAND = 5, /* a command or operand was refused in batch mode (the session went on) */
};

struct monitor_options {
    bool batch;         /* errors name the file and line; a bad command sets MON_BAD_COMMAND */
    uint64_t max_steps; /* instructions over the whole session; UINT64_MAX: no limit */
    bool color;         /* the views in ANSI colour (a terminal, not --no-color; never in batch mode) */
    bool no_warn;       /* --no-warn: every warning off */
};

#define MON_MAX_BREAKS 64

struct mon_break {
    int id; /* 0: the slot is free */
    uint32_t va;
    bool enabled;
    uint64_t hits;
    enum { BREAK_ALWAYS, BREAK_IF_USER, BREAK_IF_SUPERVISOR, BREAK_IF_VM } cond; /* break_cond.c */
    int vm; /* BREAK_IF_VM: its index */
};

/* A catchpoint (catch.c): the next exit of a kind (enum vmm_exit_kind), or
 * of a trap cause (a cause code, isa.h). */
struct mon_catch {
    int id; /* 0: the slot is free; numbered with the breakpoints */
    bool by_cause;
    unsigned what; /* enum vmm_exit_kind, or the cause code */
    uint64_t hits;
};

/* A watchpoint (catch.c): guest memory, within one page, stopped at when
 * it is written - by the CPU (the machine's watch on the host-physical
 * range) or, for a guest page-table entry under the VMM, by the VMM
 * emulating the store (a tracing fault, seen by the exit hook). */
#define MON_WATCH_WORDS 4 /* a watch covers 1 to 4 words */
struct mon_watch {
    int id;      /* 0: the slot is free; numbered with the breakpoints */
    int machine; /* the machine's watch id */
    bool pte;    /* watch pte ADDR: the guest's leaf entry for gva */
    bool virt;   /* given as a guest-virtual address (gva) */
    uint32_t gva, gpa, len;
    uint32_t old[MON_WATCH_WORDS]; /* the words as last seen, for old -> new */
    uint64_t hits;
};
#define MON_MAX_CATCHES 16
#define MON_MAX_WATCHES 8

/* One exit as the exit hook saw it, for history. */
struct mon_exit_record {
    uint64_t instret;
    struct vm_exit exit;
    struct vmm_decision decision;
};
#define MON_HISTORY 64

/* An address and the space it is in: every address the monitor takes or
 * prints says which. */
enum mon_space { SPACE_GVA, SPACE_GPA, SPACE_HPA }; /* hpa: x and xp only, under the VMM */

/* What a run that just ended saw, for the line that says why it stopped. */
enum mon_stop {
    STOP_STEPPED,     /* the instructions asked for retired */
    STOP_BREAK,       /* a breakpoint */
    STOP_REACHED,     /* run-to's address */
    STOP_EXIT,        /* until-exit: the VM exit it ran to */
    STOP_ENDED,       /* the guest stopped for good (halt, double fault, ...) */
    STOP_INTERRUPTED, /* Ctrl-C */
    STOP_STEP_LIMIT,  /* --max-steps */
    STOP_INPUT,       /* the guest waits for console input there is not yet */
    STOP_WATCH,       /* a watchpoint: the CPU wrote watched memory */
};

/* Warnings that teach (warn.c): X(id, name, brief), the only list of them. */
#define MON_WARNINGS(X)                                                                                \
    X(flush, "flush", "a live guest page-table entry changed, no TLB flush before user mode")          \
    X(user_access, "user-access", "the guest kernel reached user memory through a user mapping")   \
    X(sensitive, "sensitive", "x86like: a sensitive instruction ran in user mode without trapping")
enum {
#define X(id, name, brief) MON_WARN_##id,
    MON_WARNINGS(X)
#undef X
    MON_NWARN
};
struct mon_warning_kind {
    const char *name, *brief;
};
extern const struct mon_warning_kind mon_warning_kinds[MON_NWARN];
/* A changed live entry not yet flushed (vm NULL: the slot is free); level:
 * PT_ROOT or PT_LEAF. */
struct mon_stale {
    struct vm *vm;
    uint32_t gpa, va, pc, before, after;
    int level;
};
#define MON_MAX_STALE 8
#define MON_WARN_PAGES 256 /* user-access: the pages warned of, each once */
#define MON_WARN_SENS 256  /* sensitive: at most this many instructions watched */
struct mon_warn {
    bool off[MON_NWARN]; /* zero: all on */
    uint64_t count[MON_NWARN];
    struct mon_stale stale[MON_MAX_STALE];
    uint32_t pages[MON_WARN_PAGES];
    unsigned npages;
    uint32_t sens[MON_WARN_SENS]; /* sensitive: the breakpoints set on the image's code */
    unsigned nsens;
};

struct monitor {
    struct session *s;             /* under the VMM; NULL natively */
    struct machine *m;             /* the bare machine (natively), or the VMM's real machine */
    const struct elf_image *nsyms; /* natively: the image's symbols */
    int cur;                       /* the current VM (under the VMM) */
    FILE *out;                     /* what commands print (errors go to stderr) */
    struct monitor_options opt;

    struct mon_break breaks[MON_MAX_BREAKS];
    int next_break;

    char last_run[256]; /* the last step or continue command, which an empty line repeats */
    const char *src;    /* batch: where commands come from, for errors ("-x FILE" or "<stdin>") */
    unsigned line;      /* its line number */

    uint64_t steps;      /* instructions run over the session, for --max-steps */
    int status;          /* enum monitor_status, kept for the end */
    bool quit;
    /* Natively, how the bare machine ended (a machine that ended does not run
     * again): its exit, valid when ended. */
    bool ended;
    struct vm_exit end;

    /* until-exit: the exit hook (under the VMM) writes the last exit here,
     * and pauses the VM when pause_on_exit is set. */
    bool pause_on_exit, saw_exit;
    struct vm_exit exit;
    struct vmm_decision decision;
    /* The views: the virtual CPU as the exit hook's before call saw it
     * (view_exit's "before"); any_exit: exit and decision hold one. */
    struct report_view before;
    struct view_made made;           /* the shadow entries made from the word a store exit writes, before it */
    bool any_exit;
    /* catch.c: catchpoints and watchpoints; the exit hook says which one
     * stopped the run (its id; 0: none). */
    struct mon_catch catches[MON_MAX_CATCHES];
    struct mon_watch watches[MON_MAX_WATCHES];
    int caught, watched;
    /* history.c: the last MON_HISTORY exits, a ring (nhist counts all). */
    struct mon_exit_record hist[MON_HISTORY];
    uint64_t nhist;

    /* The Ctrl-C flag: set by the front end's signal handler; a run looks
     * at it between slices (run.c) and stops, and clears it when it starts. */
    volatile sig_atomic_t *interrupted;

    /* Time travel (timetravel.c): what going back needs, and whether a
     * replay runs now (the guest's console is then silent; an exit hook
     * that keeps a record of exits should skip them: they happened). */
    struct mon_tt *tt;
    bool replaying;
    struct mon_warn warn; /* warn.c */
    /* run-to's or next's address while it runs: a conditional breakpoint
     * there whose condition fails still ends that run. */
    bool run_target_on;
    uint32_t run_target;
};

/* s (under the VMM) or m (natively, with its symbols syms): one of them. */
void monitor_init(struct monitor *mon, struct session *s, struct machine *m, const struct elf_image *syms,
                  const struct monitor_options *opt, volatile sig_atomic_t *interrupted);
void monitor_free(struct monitor *mon);

/* Time travel (timetravel.c), before any command: read the image again
 * (and keep it for reboots), put each disk on an overlay of its file, which
 * vmon then never writes, and record the console; natively, native is the
 * bare machine's image, disk and boot string.  A status: MON_OK, or
 * MON_BAD_INPUT after one line on stderr.  Free after the machine and the
 * session (a disk's file outlives its overlay). */
int monitor_time_travel(struct monitor *mon, const struct session_vm *native);
void monitor_time_travel_free(struct monitor *mon);

/* Run one command line (an empty one repeats the last step or continue).
 * Errors are one line on stderr; the session goes on. */
void monitor_exec(struct monitor *mon, const char *line);

/* Where the machine stands now, one line: "gva 0x00001004 <_start+4>: addi t0, t0, 1". */
void monitor_where(struct monitor *mon);

/* Words that complete `text`, the word that starts at `start` of `line`:
 * command names in the first word, then the words of a two-word command,
 * symbols and register names.  Calls fn for each, in order, without
 * duplicates. */
void monitor_complete(struct monitor *mon, const char *line, int start, const char *text,
                      void (*fn)(void *ctx, const char *word), void *ctx);

/* --- inside the monitor (the files of monitor/) --- */

/* One line on stderr, "vmon: SRC:LINE: error: ..." in batch mode (and the
 * status MON_BAD_COMMAND kept), "error: ..." interactively.  Returns false. */
bool mon_error(struct monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current machine as a report sees it (session.h), with its symbols. */
struct report_view mon_view(struct monitor *mon);
const struct elf_image *mon_syms(struct monitor *mon);
struct vm *mon_vm(struct monitor *mon); /* NULL natively */
/* Whether the current CPU (the virtual one under the VMM) is in user mode. */
bool mon_user_mode(struct monitor *mon);

/* Operands (expr.c).  An expression: numbers (decimal, 0x hex), registers
 * by name (r5, t0, sp, pc), symbols, + - * and parentheses.  An address: an
 * expression, with "gva:" or "gpa:" before it for its space (default gva).
 * False after mon_error. */
bool mon_expr(struct monitor *mon, const char *text, uint32_t *value);
bool mon_address(struct monitor *mon, const char *text, enum mon_space *space, uint32_t *value);
/* A count: a positive decimal number, at most max. */
bool mon_count(struct monitor *mon, const char *what, const char *text, uint64_t max, uint64_t *value);

/* Guest-virtual to guest-physical through the guest's own tables for a
 * read, A and D untouched (paging off: the same address); false, and why
 * in why, if they refuse it. */
bool mon_translate(struct monitor *mon, uint32_t gva, uint32_t *gpa, char *why, size_t len);
bool mon_read_phys(struct monitor *mon, uint32_t gpa, void *buf, size_t len);
bool mon_word(struct monitor *mon, uint32_t gpa, uint32_t *word); /* little-endian, as the machine's */

/* A guest-virtual address as printed: "gva 0x00001004 <_start+4>". */
void mon_where_text(struct monitor *mon, uint32_t gva, char *buf, size_t len);

/* The commands' handlers: argv[0] is the command word as typed (x/4w keeps
 * its format there), argc counts it.  false after mon_error. */
typedef bool mon_handler(struct monitor *mon, int argc, char **argv);
mon_handler cmd_help, cmd_step, cmd_continue, cmd_until_exit, cmd_run_to, cmd_break, cmd_delete, cmd_disable,
    cmd_enable, cmd_info_breaks, cmd_info_regs, cmd_x, cmd_xp, cmd_disas, cmd_info_vms, cmd_vm, cmd_quit,
    cmd_walk, cmd_info_cpu, cmd_info_control, cmd_catch, cmd_info_catches, cmd_watch, cmd_info_watches, cmd_history;
mon_handler cmd_next, cmd_finish; /* step_over.c */
mon_handler cmd_info_tlb, cmd_info_stats; /* tlb_stats.c */
mon_handler cmd_checkpoint, cmd_info_checkpoints, cmd_restart, cmd_reverse_step, cmd_reverse_continue;
mon_handler cmd_set_warn, cmd_info_warnings;

/* The command table (commands.c), the only list of commands: help,
 * completion and the dispatcher read it.  A name or alias may have two
 * words ("info registers", "i r"). */
struct mon_command {
    const char *name;
    const char *aliases[4]; /* NULL-terminated */
    const char *args;       /* for help: "[N]", "ADDR" */
    const char *brief;      /* one line */
    const char *details;    /* help CMD: what follows the line, with an example */
    mon_handler *fn;
    bool repeats; /* an empty line runs it again (step, continue) */
    bool format;  /* takes /NF after its name (x/4w) */
};
extern const struct mon_command mon_commands[];
extern const int mon_ncommands;

/* The exit hook run.c sets on the VMM (ctx: the monitor). */
bool mon_exit_hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d);

/* An exit in words (run.c): its reason as the real machine reported it,
 * "page-fault (page fault)", and its instruction, "lw t0, 0(s0)". */
void mon_exit_reason_text(const struct vm_exit *x, char *buf, size_t len);
void mon_exit_insn_text(const struct vm_exit *x, char *buf, size_t len);
/* The block that explains the exit the run stopped at (look.c: view_exit
 * from mon->before, the virtual CPU now, mon->exit and mon->decision). */
void mon_tell_exit(struct monitor *mon);
/* catch.c: from the exit hook, whether a catchpoint or (a tracing fault's
 * store) a watchpoint stops the run there (and which: mon->caught,
 * mon->watched); the watchpoint of a machine's watch id; the lines that
 * say which stopped it (by_vmm: at an exit, where a watch was hit by the
 * VMM's store); delete N for a catchpoint or watchpoint (false: none). */
bool mon_catch_exit(struct monitor *mon, const struct vm_exit *x, const struct vmm_decision *d);
int mon_watch_of_machine(struct monitor *mon, int machine_id);
void mon_tell_caught(struct monitor *mon, bool by_vmm);
bool mon_delete_other(struct monitor *mon, int id);
/* Each watch's words as a run begins, its "old" (a page-table walk's A and
 * D, a device's DMA are no CPU stores: no watch stops at them). */
void mon_watch_refresh(struct monitor *mon);
/* run.c: run up to n instructions (UINT64_MAX: no end of its own), a
 * breakpoint at pc stepped over first; why it stopped, and in *hit the pc
 * of a breakpoint.  Then the line that says why, and where the guest stands. */
bool mon_can_run(struct monitor *mon, const char *cmd); /* false after mon_error: the guest has ended, or the step limit */
enum mon_stop mon_run(struct monitor *mon, uint64_t n, uint32_t *hit);
void mon_tell_stop(struct monitor *mon, enum mon_stop why, uint64_t retired, uint32_t hit);
/* break_cond.c: the condition after "if" (argv[0]), into b; whether b's
 * condition holds now; " if user" or "" for info breakpoints. */
bool mon_break_cond_parse(struct monitor *mon, int argc, char **argv, struct mon_break *b);
bool mon_break_cond_holds(struct monitor *mon, const struct mon_break *b);
void mon_break_cond_text(struct monitor *mon, const struct mon_break *b, char *buf, size_t len);
/* Whether a stop at va is one: the enabled breakpoint there (if any) has
 * its condition hold now (reverse-continue's replay asks at each hit). */
bool mon_break_cond_at(struct monitor *mon, uint32_t va);
/* history.c: one exit into the ring. */
void mon_history_add(struct monitor *mon, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d);
/* warn.c: the warnings an exit may raise (from the exit hook, after it). */
void mon_warn_exit(struct monitor *mon, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d);
/* warn.c, sensitive (x86like under the VMM): a breakpoint on each of the
 * image's sensitive instructions that do not trap (at init); whether a
 * breakpoint hit at pc is one of those (and no user breakpoint); then, the
 * instruction stepped over, what the guest saw (before: the view before). */
void mon_warn_arm(struct monitor *mon);
bool mon_warn_ours(struct monitor *mon, uint32_t pc);
void mon_warn_sensitive(struct monitor *mon, const struct report_view *before);

#endif
