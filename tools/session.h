/*
 * session.h - what the front ends share: vrun today, the monitor (vmon)
 * and the experiment runner (vexp) to come.  A session takes what a
 * command line asks for (struct session_config: images, disks, memory,
 * boot strings, names) and makes the machine of it: the VMM and its VMs,
 * or one bare machine, or the inputs two machines run side by side share;
 * it owns the consoles (stdin, stdout with one "[name] " line at a time
 * per VM, --console-dir files) and says what went wrong with an image or a
 * disk in the front end's words.
 *
 * Every failure is one line on stderr, "PROG: ...", and a status from
 * enum session_status, which is the front end's exit status for it.  What
 * the front end does with the machine - run it, report how it ended - is
 * the front end's (tools/vrun.c).
 *
 *   static struct session s;                     a VMM with its VMs
 *   status = session_plan(&s, "vrun", &cfg);     names, host memory
 *   status = session_start(&s, inject);          VMM, disks, images, consoles
 *   session_console_files(&s, dir, outputs);     optional: consoles to files
 *   session_run(&s);                             every VM to its end
 *   ... vm_state(s.vms[i]) ..., session_say(&s, i, ...)
 *   session_free(&s);
 *
 * The code: session.c (the VMM and its VMs, the bare machine),
 * session_console.c (consoles), session_input.c (images, disks, stdin),
 * session_report.c (reports), session_trace.c (--trace), session_stats.c
 * (the bare machine's statistics).
 */
#ifndef VMLAB_TOOLS_SESSION_H
#define VMLAB_TOOLS_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "elf_load.h"
#include "fileio.h"
#include "machine.h"
#include "vm_name.h"
#include "vmm.h"

/* The exit status of a failed step, after its one line on stderr. */
enum session_status {
    SESSION_OK = 0,
    SESSION_BAD_INPUT = 1, /* an image, a disk, an output file, stdin */
    SESSION_USAGE = 2,     /* what was asked for cannot be made */
};

#define SESSION_MAX_VMS 16

/* One VM (or the one bare machine) as the command line gives it. */
struct session_vm {
    const char *path; /* the image */
    const char *disk; /* NULL: none */
    const char *boot; /* NULL: none */
    const char *name; /* NULL: from the image's file name */
    uint32_t mem;
    uint64_t max_insns; /* UINT64_MAX: no limit */
};

struct session_config {
    enum isa_variant isa;
    const char *technique, *mmu; /* the VMM's techniques by name (NULL: the defaults) */
    bool trace_exits;            /* every exit and what the VMM made of it, on stderr */
    unsigned trace_events;       /* what --trace FILE writes: enum trace_event flags */
    enum shadow_policy policy;
    uint32_t quantum; /* 0: the VMM's default */
    bool check_isolation;
    struct session_vm vm[SESSION_MAX_VMS];
    int nvms;
};

/* --- consoles (session_console.c) --- */

/* A console's output: to a stream; with several VMs on one stream, each
 * line preceded by "[name] " and written whole (session_console.c says
 * when a piece of a line goes out early).  Streams sharing a FILE share
 * *open_line, the prefixed stream whose unfinished line is the last thing
 * on it. */
#define CONSOLE_LINE_MAX 4096

struct console_out {
    FILE *f;
    const char *prefix; /* NULL: the bytes go straight to f */
    struct console_out **open_line;
    char line[CONSOLE_LINE_MAX];
    size_t len;
    bool continued; /* the start of this line is already on f */
};

/* struct console_io's write and read: ctx is a struct console_out; read
 * takes stdin (and first shows ctx's unfinished line on a terminal). */
void console_out_write(void *ctx, const uint8_t *buf, size_t len);
int console_stdin_read(void *ctx);
/* At the end: what is left of a prefixed stream's line, with a newline. */
void console_out_finish(struct console_out *o);

/* --- inputs (session_input.c) --- */

/* The front ends' numbers.  A size: digits, then K, M or G (either case)
 * for KiB, MiB, GiB ("65536", "512K", "16M", "1G"); a value past 64 bits
 * is UINT64_MAX, past every limit.  A count: decimal digits only.  False
 * if malformed. */
bool session_parse_size(const char *s, uint64_t *out);
bool session_parse_count(const char *s, uint64_t *out);

/* Read and check an image (at most 1 GiB, elf_load.h); false after one line
 * on stderr, "PROG: PATH: not an ELF file" and the like. */
bool session_read_image(const char *prog, const char *path, struct elf_image *img);

/* Open a disk file for the whole run (disk_store.h): in place, or with
 * read_only into an overlay of its own; a pipe or device read whole.  *st
 * (when not NULL) is what the file is.  NULL after one line on stderr. */
struct disk_store *session_open_disk(const char *prog, const char *path, bool read_only, struct stat *st);
/* After the run: a disk whose file failed, or whose writes could not
 * reach a file, said in one line ("PROG: [vm] path: ..."; vm may be NULL);
 * false then.  s may be NULL (no disk). */
bool session_disk_ok_at_exit(const char *prog, const char *path, const char *vm, struct disk_store *s);

/* What two machines run side by side share (vrun --lockstep, --difftest):
 * the image, all of stdin (at most LOCKSTEP_INPUT_MAX; mode names the run
 * in the message when it is larger), and the disk, which neither may
 * change: each sees it through an overlay of its own. */
struct session_inputs {
    struct elf_image img;
    uint8_t *input;
    size_t input_len;
    struct disk_store *disk;
};
/* false after one line on stderr (then nothing to close) */
bool session_inputs_open(const char *prog, const char *mode, const struct session_vm *vm, struct session_inputs *in);
void session_inputs_close(struct session_inputs *in);

/* --- reports (session_report.c) --- */

/* A stopped machine as a report sees it - the bare machine or a VM, in
 * the same terms: its registers, and its (guest-)physical memory. */
struct report_view {
    const struct elf_image *img; /* symbols (report_keep_symbols); NULL: none */
    uint32_t regs[NREGS], pc, crs[NCRS];
    uint32_t mem_size;
    bool (*read_phys)(void *ctx, uint32_t pa, void *buf, size_t len);
    void *ctx;
};
/* The instruction at va, fetched through the view's tables in user mode or
 * not (A and D untouched), disassembled; or why it cannot be fetched. */
void report_fetch_text(const struct report_view *v, uint32_t va, bool user, char *buf, size_t len);
/* A bare machine's physical memory, as report_view.read_phys (ctx: the machine). */
bool report_machine_memory(void *ctx, uint32_t pa, void *buf, size_t len);
/* A stopped bare machine, or a VM, as the reports see it: its registers
 * and control registers now, its (guest-)physical memory, and syms (may
 * be NULL) to place addresses by. */
struct report_view report_view_of_machine(struct machine *m, const struct elf_image *syms);
struct report_view report_view_of_vm(struct vm *vm, const struct elf_image *syms);
/* An instruction word at pc, disassembled for a sentence: "div t1, t0, t0",
 * or ".word 0x... (not an instruction)". */
void report_insn_text(uint32_t word, uint32_t pc, char *buf, size_t len);
/* va as "0x00001004 <_start+4>" (the nearest symbol at or below it). */
void report_where(const struct report_view *v, uint32_t va, char *buf, size_t len);
/* After "double fault: ...": the trap that led there (cause, pc with its
 * symbol, the instruction, the address and, for a page fault, the entry
 * that refused it), and why the handler could not run (tvec is 0, tvec not
 * mapped...).  cause is the handler's own trap.  Lines start with two
 * spaces. */
void report_double_fault(FILE *f, const struct report_view *v, uint32_t cause);
/* A guest that halts with a non-zero value after a fault (an exception
 * other than syscall and break) taken in supervisor mode (PS set) - a
 * kernel that panics on its own fault: that
 * trap from the trap registers, "misaligned (...) at pc 0x00001594
 * <sys_read+12>: lw t0, 2(a1), address 0x00004002",
 * in buf; false if the last trap was none of that. */
bool report_last_trap(const struct report_view *v, char *buf, size_t len);
/* pc with its symbol, the sixteen registers, the control registers with
 * status's bits by name. */
void report_registers(FILE *f, const struct report_view *v);
/* An image's symbols alone (the rest of it is not kept for a report); free
 * with elf_free.  False if out of memory. */
bool report_keep_symbols(const struct elf_image *img, struct elf_image *out);
/* Why a run stopped, in the terms both paths share. */
enum report_stop {
    REPORT_HALT, REPORT_INTERRUPTED, REPORT_LIMIT, REPORT_DEADLOCK, REPORT_DOUBLE_FAULT,
    REPORT_FAILED /* under the VMM only */
};
/* The report of a stop, one routine for the bare machine and the VMM: its
 * first line after prefix ("vrun: kernel.elf: "), what explains it, then
 * the registers.  value: the halt value (REPORT_HALT), or the handler's
 * own trap cause (REPORT_DOUBLE_FAULT); message: the VMM's reason for
 * REPORT_FAILED (a VMM bug or an isolation violation, vm_message).  A
 * halt says nothing unless it is non-zero right after a supervisor fault
 * (report_last_trap). */
void report_stop(FILE *f, const char *prefix, const struct report_view *v, enum report_stop k, uint32_t value,
                 uint64_t instret, const char *message);

/* --- traces (session_trace.c): vrun --trace --- */

/* What a trace may hold, as --trace-events names them (trace_events_parse):
 * the instructions that retired (I lines), the traps and interrupts the
 * program took (T: natively, through tvec; under the VMM, what the guest
 * saw, reflected into it), and the VM exits with the VMM's decision (E,
 * under the VMM only). */
enum trace_event {
    TRACE_INSN = 1,
    TRACE_TRAP = 2,
    TRACE_EXIT = 4,
    TRACE_ALL = 7,
};
/* The names, "insn, trap, exit", for a message. */
extern const char trace_event_names[];
/* A comma-separated list of names ("insn,trap") as flags; false, with the
 * first name that is not one in bad (cut to badlen), if any is unknown or
 * the list is empty. */
bool trace_events_parse(const char *list, unsigned *events, char *bad, size_t badlen);
/* A trace file's stream made fast: a large buffer, so that a run of
 * millions of lines makes few system calls.  Before the first write. */
void trace_buffer(FILE *f);

/* Run m for at most budget instructions one at a time, writing to f an I
 * line for each instruction that retires and a T line for each trap taken
 * (as events asks), and stopping early (EXIT_BUDGET) once *stop is set
 * (stop may be NULL); what machine_run would have returned, with its
 * record in *ex. */
enum exit_reason trace_machine(struct machine *m, uint64_t budget, const struct elf_image *syms, FILE *f,
                               unsigned events, const volatile sig_atomic_t *stop, struct vm_exit *ex);
/* An exit hook (vmm_set_exit_hook; ctx: the session) writing an E line per
 * exit to the session's exit trace. */
bool trace_exit_hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d);
/* The session's VMs to their end (or until *s->stop), stepped one guest
 * instruction at a time (vm_step), each VM a quantum in turn, writing
 * their I and T lines (as s->cfg->trace_events asks) to s->trace in the
 * native trace's words and numbering; E lines come from the exit hook. */
struct session;
enum vmm_return trace_vms(struct session *s);

/* --- the bare machine (session.c) --- */

/* vm's bare machine: its memory, its image booted, its disk attached, the
 * console on stdin and *out (out->f set by the caller); the image's
 * symbols in *syms (free with elf_free).  NULL after one line on stderr,
 * with the status in *status. */
struct machine *session_machine(const char *prog, const struct session_vm *vm, enum isa_variant isa,
                                struct console_out *out, struct elf_image *syms, int *status);

/* --- the bare machine's statistics (session_stats.c) --- */

/* How the bare machine stopped, as a VM's state says it (vm_state_name):
 * halted, instruction limit, runnable (interrupted), deadlock... */
enum vm_state native_state(enum exit_reason r, bool interrupted);
/* vrun --native --stats: instructions, traps by cause, page walks, the
 * TLB's hits if machine_count_tlb was on, and the silent log
 * (silent_log_print); lines "PROG: ..." on f. */
void native_stats_print(FILE *f, const char *prog, struct machine *m);
/* The same, the silent log's pcs placed by syms (may be NULL) as
 * report_where places them: "0x00002df0 <assert_supervisor>". */
void native_stats_print_syms(FILE *f, const char *prog, struct machine *m, const struct elf_image *syms);
/* silent_place_fn (machine.h) by report_where; ctx: a struct elf_image of
 * symbols (report_keep_symbols). */
void session_place_pc(void *ctx, uint32_t pc, char *buf, size_t len);
/* The same as JSON, in the VMM's shape and key names (vmm_stats_json):
 * {"isa", "mode": "native", "vms": [{"name", "state", "exit_value",
 * "instructions", "cycles", "traps": {cause: n}, "interrupts", "tlb":
 * {"hits", "misses"}, "page_walks", and the silent log's keys
 * (silent_log_json)}]}.  name: a VM name (vm_name.h). */
void native_stats_json(FILE *f, struct machine *m, enum isa_variant isa, const char *name, enum vm_state state,
                       uint32_t exit_value);

/* --- the VMM and its VMs (session.c) --- */

struct session {
    const char *prog;
    const struct session_config *cfg; /* the caller's, for the session's life */
    char names[SESSION_MAX_VMS][VM_NAME_MAX + 1];
    uint64_t host_mem; /* the host machine's memory, bytes */
    struct console_out *open_line;
    struct console_out out[SESSION_MAX_VMS];
    struct stat disk_id[SESSION_MAX_VMS];
    struct vmm *vmm;
    struct vm *vms[SESSION_MAX_VMS];
    struct elf_image syms[SESSION_MAX_VMS]; /* each VM's image's symbols, for reports */
    FILE *trace;      /* --trace FILE's stream (set before session_start), or NULL */
    FILE *exit_trace; /* where the exit hook writes E lines (session_start), or NULL */
    const volatile sig_atomic_t *stop; /* a traced run stops once it is set (may be NULL) */
};

/* The host machine's memory for cfg's VMs: each VM's, and shadow_frames
 * pages of shadow tables for each, and two pages. */
uint64_t session_host_mem(const struct session_config *cfg, uint32_t shadow_frames);

/* Name every VM (its --name, or its image's file name made unique with
 * "-2", "-3"...) and size the host; nothing is opened yet.  0, or a
 * status after one line on stderr. */
int session_plan(struct session *s, const char *prog, const struct session_config *cfg);
/* Make the VMM (inject: enum vmm_inject, 0 in real use) and each VM: its
 * disk, its image, its console (stdin goes to the first VM; with several
 * VMs, lines get "[name] ").  0, or a status after one line on stderr;
 * session_free either way. */
int session_start(struct session *s, unsigned inject);
/* Send each VM's console to DIR/NAME.out instead, a file of outputs (made
 * whole at outset_commit).  0, or a status after one line on stderr. */
int session_console_files(struct session *s, const char *dir, struct outset *outputs);
/* Every VM to its end, or until vmm_interrupt (VMR_INTERRUPTED), and the
 * consoles' last lines out. */
enum vmm_return session_run(struct session *s);
void session_free(struct session *s);

/* A message about VM i on stderr: "PROG: PATH: ...", and with several VMs
 * "PROG: [NAME] PATH: ..." (several VMs may run the same image; NAME is
 * the prefix of their lines on stdout). */
void session_say(const struct session *s, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* What session_say puts before its line: "vrun: kernel.elf: " (with the
 * VM's name, "vrun: [a] kernel.elf: ", when there are several). */
void session_prefix(const struct session *s, int i, char *buf, size_t len);

#endif
