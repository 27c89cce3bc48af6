/*
 * machine.h - the vmlab machine and its one door.
 *
 * A machine is a CPU, an MMU with a TLB, physical memory, a console, an
 * interval timer and a disk.  Nothing in it reads a clock: time is the count
 * of retired instructions (plus idle cycles in wfi), so the same image, boot
 * arguments and input give the same output and counts on every run.
 *
 * Bare machine: traps and interrupts vector through tvec in simulated memory,
 * as on real hardware.
 *
 * Hosted machine (a hypervisor is attached): the exit controls (cfg.exits)
 * say, cause by cause, which exceptions and interrupts leave the machine
 * instead of vectoring through tvec.  Such an event makes machine_run()
 * return an exit record, with the CPU state as it was at the faulting
 * instruction; the code running on the CPU never sees it.  The VMM sets
 * every cause (MACHINE_EXITS_ALL); a hardware guest mode would let some of
 * them (a guest's own system calls, say) vector inside.  The host - the VMM, written in C - is the
 * real supervisor: it reads and writes registers, control registers, memory
 * and the TLB through the functions below, and calls machine_run() again.
 * This loop is the VMM's only door into the machine:
 *
 *     for (;;) {
 *         machine_run(m, budget, &exit);   // enter
 *         switch (exit.reason) { ... }     // handle, then re-enter
 *     }
 */
#ifndef VMLAB_MACHINE_H
#define VMLAB_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "isa.h"

struct machine;

/* Exit controls: bit c set (EXIT_ON(c), c a cause code of docs/isa.md
 * section 6) makes that cause exit to the host instead of vectoring. */
#define EXIT_ON(code) (1u << (code))
#define MACHINE_EXIT_BIT_(NAME, code, name, desc) | EXIT_ON(code)
#define MACHINE_EXITS_ALL (0u ISA_CAUSES(MACHINE_EXIT_BIT_)) /* every cause: the VMM's machine */
#define X(NAME, code, name, desc) _Static_assert((code) < 32, "exit controls have a bit per cause code");
ISA_CAUSES(X)
#undef X

struct machine_config {
    uint32_t mem_size;     /* bytes of physical memory, a multiple of PAGE_SIZE */
    enum isa_variant isa;  /* ISA_PG or ISA_X86LIKE */
    uint32_t exits;        /* exit controls: 0 for a bare machine */
};

/* Whether a machine has a host: any cause exits to it. */
static inline bool machine_config_hosted(const struct machine_config *cfg) { return cfg->exits != 0; }

/* The memory of a machine a program runs on - the bare machine, and every
 * VM under the VMM - is a positive multiple of the page size, at most
 * MACHINE_MAX_MEM, in every mode (the guest OS's identity map relies on
 * the 1 GiB).  A hosted machine, the VMM's real machine, holds every VM's
 * memory and shadow tables, so it may fill the 32-bit physical space. */
#define MACHINE_DEFAULT_MEM (16u << 20)
#define MACHINE_MAX_MEM (1u << 30)
#define MACHINE_MAX_HOSTED_MEM (0u - PAGE_SIZE) /* 4 GiB less one page */

/* Whether bytes is a memory size a machine a program runs on may have;
 * if not, false and why in err: "not a positive multiple of the page size
 * (4K)" or "larger than the largest memory (1G)". */
bool machine_mem_size_ok(uint64_t bytes, char *err, size_t errlen);

/* The CPU's registers.  The host may read and write r[1..15] and pc freely
 * (for instance between two machine_run calls); control registers go
 * through machine_get_cr/machine_set_cr because writing them has effects. */
struct cpu_state {
    uint32_t r[NREGS + 1]; /* r[16] swallows writes to r0 */
    uint32_t pc;
    uint32_t cr[NCRS];     /* cr[CR_TIMER] is unused: see machine_get_cr */
    uint64_t instret;      /* instructions retired since reset */
    uint64_t cycles;       /* instret + cycles spent idle in wfi */
};

/* Why machine_run returned.  X(NAME, key, description): the key names it
 * in counts (--stats-json), the description in reports. */
#define MACHINE_EXIT_REASONS(X)                                                                                    \
    /* the instruction budget given to machine_run is spent */                                                    \
    X(BUDGET, "budget", "budget")                                                                                  \
    /* halt executed in supervisor mode; value = its register */                                                  \
    X(HALT, "halt", "halt")                                                                                        \
    /* an exception whose cause exits; nothing was delivered */                                                   \
    X(TRAP, "trap", "trap")                                                                                        \
    /* an interrupt whose cause exits is pending and IE is set (in guest mode: whatever IE) */                    \
    X(INTERRUPT, "interrupt", "interrupt")                                                                         \
    /* wfi with no interrupt that could ever arrive; pc is after the wfi */                                       \
    X(DEADLOCK, "deadlock", "deadlock")                                                                            \
    /* bare: the trap handler at tvec cannot be fetched */                                                        \
    X(DOUBLE_FAULT, "double_fault", "double fault")                                                                \
    /* the disk's file failed (disk_store_error); the command never completes */                                  \
    X(DISK_ERROR, "disk_error", "disk error")                                                                      \
    /* the console's host has no input yet (CONSOLE_AGAIN); pc is the instruction that looked for it, not         \
     * executed: run again when input may be there */                                                            \
    X(INPUT_WAIT, "input_wait", "input wait")                                                                      \
    /* a debugger's breakpoint or watched range was hit (struct debug_hit) */                                     \
    X(DEBUG, "debug", "debug (a debugger's breakpoint or watch)")                                                  \
    /* The hardware guest mode's own exits (machine_run_guest, below).  A system instruction the controls        \
     * intercept, in guest supervisor mode; not executed: pc, insn and the decoded fields name it */              \
    X(INSN, "insn", "intercepted instruction")                                                                     \
    /* nested paging: the host table refused a guest-physical address */                                         \
    X(NESTED_FAULT, "nested_fault", "nested page fault")                                                           \
    /* the guest can take an interrupt (status.IE set) and the host asked to know */                              \
    X(IRQ_WINDOW, "irq_window", "interrupt window")

enum exit_reason {
#define X(NAME, key, desc) EXIT_##NAME,
    MACHINE_EXIT_REASONS(X)
#undef X
    EXIT_NREASONS
};
/* The reason's key and description (NULL for a value that is none). */
const char *machine_exit_reason_key(enum exit_reason r);
const char *machine_exit_reason_desc(enum exit_reason r);

/* What an EXIT_DEBUG hit: see "The debug path" below. */
enum debug_event { DEBUG_BREAK = 1, DEBUG_WATCH };
struct debug_hit {
    enum debug_event event;
    uint32_t pc;        /* the instruction: at the breakpoint, or the one that made the access */
    int watch;          /* DEBUG_WATCH: the range's id (machine_watch_add); 0 for a breakpoint */
    uint32_t va;        /* DEBUG_WATCH: the access's virtual address */
    uint32_t pa;        /* DEBUG_WATCH: its physical address */
    uint32_t size;      /* DEBUG_WATCH: bytes accessed (1, 2 or 4; 4 for a fetch) */
    enum access access; /* DEBUG_WATCH: a read, a write or a fetch */
};

/* What machine_run reports.  For EXIT_TRAP: pc is the instruction that
 * trapped (it did not retire), cause the cause word (code and detail bits),
 * addr what badaddr would hold (the faulting address for page faults,
 * misaligned and bus errors, the instruction word for illegal and
 * privileged, else 0), insn the instruction word (0 when it could not be
 * fetched), access the kind of the faulting access (ACCESS_READ for traps
 * that are not memory accesses).  Fields a reason does not use are 0. */
struct vm_exit {
    enum exit_reason reason;
    uint32_t cause;
    uint32_t pc;
    uint32_t addr;
    uint32_t insn;
    /* EXIT_TRAP for a privileged instruction (the trap a trap-and-emulate
     * VMM emulates): decoded is true and fields holds what isa_decode(insn)
     * gives, as the CPU had decoded it - the host need not decode again. */
    bool decoded;
    struct isa_fields fields;
    enum access access;
    uint32_t value; /* EXIT_HALT: the halt register's value */
    /* EXIT_NESTED_FAULT: addr is the guest-physical address the host table
     * refused and cause the cause word its walk gave (page-fault, with
     * PROT if the host entry was valid but refused the access, or
     * bus-error; detail bits of the guest's access: WRITE, FETCH, USER);
     * guest_va the virtual address of the guest's access (its badaddr, had
     * it faulted on a bare machine); in_walk whether addr is one of the
     * guest's page-table entries, read by the walk of guest_va, rather
     * than the access's own address. */
    uint32_t guest_va;
    bool in_walk;
    struct debug_hit debug; /* EXIT_DEBUG: what was hit; pc is where the CPU stands */
};

/* The console's host side.  read returns the next input byte (0..255), -1
 * at the end of input, or CONSOLE_AGAIN for "no byte yet, ask again later"
 * (a read that blocks until the byte comes never says it).  Then the
 * instruction that looked for input - in from con.data or con.status, or
 * wfi with the input interrupt enabled - does not execute: it does not
 * retire, time does not pass, and machine_run returns EXIT_INPUT_WAIT with
 * pc on it.  Running the machine again executes it again and asks again;
 * the run ends exactly as it would have with a read that blocked.  write
 * takes output bytes.  Either may be NULL: no input, or output discarded. */
#define CONSOLE_AGAIN (-2)
struct console_io {
    void *ctx;
    int (*read)(void *ctx);
    void (*write)(void *ctx, const uint8_t *buf, size_t len);
};

/* Make a machine in its reset state; NULL and a message in err on bad
 * configuration (memory size not a multiple of a page, too large...). */
struct machine *machine_new(const struct machine_config *cfg, char *err, size_t errlen);
void machine_free(struct machine *m);

/* Reset the CPU, TLB and devices; memory and the disk keep their contents. */
void machine_reset(struct machine *m);

/* Run until something in enum exit_reason happens, at most budget
 * instructions (UINT64_MAX: no limit). */
enum exit_reason machine_run(struct machine *m, uint64_t budget, struct vm_exit *exit);

struct cpu_state *machine_cpu(struct machine *m);
const struct machine_config *machine_config(const struct machine *m);

/* Control registers, with the hardware's side effects: writing ptb or
 * changing status.PG flushes the TLB, writing timer arms it for that many
 * cycles from the current cycle count and clears a pending timer
 * interrupt.  Any write, like the mtcr it stands for, ends the one-entry
 * instruction TLB's translation (so do machine_tlb_flush and _page). */
uint32_t machine_get_cr(struct machine *m, enum cr cr);
void machine_set_cr(struct machine *m, enum cr cr, uint32_t value);
/* The host's own timer, between runs: what machine_set_cr(m, CR_TIMER,
 * cycles) does to the timer (armed for that many cycles from now, 0
 * disarms; a pending timer interrupt cleared), without the rest of a
 * control-register write (the instruction TLB stays) - what a host that
 * re-arms it at every exit (the VMM) needs, and no more. */
void machine_arm_timer(struct machine *m, uint32_t cycles);

/* The instruction word at pc as the CPU's next fetch would read it, if
 * the TLB (or the instruction TLB) holds the translation that fetch would
 * use; found with no side effect.  False if it does not (only a walk of
 * the tables could tell, or the fetch would trap), or a debugger is
 * attached (a breakpoint or fetch watch may be there).  How a host that
 * emulates an instruction looks cheaply at the next one without running
 * the machine (the VMM's chained emulation). */
bool machine_peek_fetch(const struct machine *m, uint32_t *word);

/* Physical memory as the host sees it.  Return false, touching nothing, if
 * any byte of [pa, pa+len) is outside memory.  Writes keep the CPU's
 * decoded-instruction cache coherent. */
bool machine_read_phys(struct machine *m, uint32_t pa, void *buf, size_t len);
bool machine_write_phys(struct machine *m, uint32_t pa, const void *buf, size_t len);
uint32_t machine_mem_size(const struct machine *m);

/* The TLB, as tlbflush and tlbflushv do it. */
void machine_tlb_flush(struct machine *m);
void machine_tlb_flush_page(struct machine *m, uint32_t va);

/* The TLB's architectural part (docs/isa.md section 7), read-only: each
 * entry's page and the level-2 entry it cached, and the one-entry
 * instruction TLB.  The reference machine (isa/ref/) is seeded from it
 * and compared with it; nothing else in the machine depends on it. */
struct tlb_slot {
    bool valid;
    uint32_t vpage; /* virtual address of the page */
    uint32_t pte;   /* the level-2 entry as cached (A and D as the walk left them) */
};
struct itlb_entry {
    bool valid;
    uint32_t vpage; /* the page being executed */
    uint32_t frame; /* physical address of its frame */
};
struct tlb_view {
    struct tlb_slot slot[TLB_ENTRIES];
    struct itlb_entry itlb;
};
void machine_tlb_inspect(const struct machine *m, struct tlb_view *out);

/*
 * Switching page tables without a flush, for a host that owns the tables
 * it switches between (the VMM's shadow roots).  machine_load_root sets
 * ptb to root and, instead of flushing, puts in use the TLB's set of
 * entries filled the last time root was loaded (if no other root has
 * evicted it since: TLB_SETS sets, the least recently loaded goes), or an
 * empty set tagged with it.  The caller vouches that every set's entries
 * still agree with its root's tables, which holds if it flushes
 * (machine_tlb_flush, _page: every set) whenever it takes away a right in
 * any table it may load.  Writing ptb through machine_set_cr flushes every
 * set and untags them, as always.  Like any ptb write, it ends the
 * instruction TLB's translation.
 */
#define TLB_SETS 8
void machine_load_root(struct machine *m, uint32_t root);
/* One set, for an auditor: its entries as machine_tlb_inspect shows them,
 * the root it is tagged with (valid if tagged), and whether it is the set
 * in use (whose root is ptb, tagged or not). */
struct tlb_set_view {
    bool tagged, current;
    uint32_t root;
    struct tlb_slot slot[TLB_ENTRIES];
};
void machine_tlb_inspect_set(const struct machine *m, unsigned set, struct tlb_set_view *out);
/* The second TLB of nested paging (docs/isa.md section 14): the host
 * table's translations of guest-physical pages cached while a guest ran
 * with its paging off, each slot's page (guest-physical) and combined
 * entry (the host frame).  All slots invalid when the last run had no
 * nested paging: on the bare machine paging off translates nothing. */
void machine_tlb_inspect_phys(const struct machine *m, struct tlb_slot out[TLB_ENTRIES]);

/* Devices. */
void machine_set_console(struct machine *m, const struct console_io *io);
struct console_io machine_console(const struct machine *m);
/* Attach a disk image of len bytes (a multiple of DISK_BLOCK_SIZE); the
 * machine keeps its own copy.  false if len is not a whole number of blocks. */
bool machine_attach_disk(struct machine *m, const uint8_t *image, size_t len);
/* Attach a disk store (disk_store.h: a file used in place, an overlay...);
 * the machine owns it from now on. */
struct disk_store;
void machine_attach_disk_store(struct machine *m, struct disk_store *s);
/* The disk's store, NULL if there is none. */
struct disk_store *machine_disk(struct machine *m);
/* The disk's current contents, when it is held in memory (NULL for a disk
 * in a file), and whether a command has written to it. */
const uint8_t *machine_disk_image(const struct machine *m, size_t *len, bool *written);

/* How many times the whole TLB has been flushed since the machine was made
 * (tlbflush, writing ptb or status.PG, machine_tlb_flush, and their
 * stand-ins in the host; not machine_reset): what a debugger or a test
 * checks to see that stepping disturbed nothing. */
uint64_t machine_tlb_flushes(const struct machine *m);
/* How many traps and interrupts the machine has delivered through tvec
 * (not those that exited to a host): a tracer stepping the machine sees a
 * trap as this count moving. */
uint64_t machine_traps_taken(const struct machine *m);
/* What the bare machine did, for vrun --native --stats: traps delivered
 * through tvec by cause code, page-table walks (each a TLB miss with
 * paging on, which refills the TLB or faults), and, if machine_count_tlb
 * was on all along, the TLB's hits: the accesses with paging on (loads,
 * stores, and fetches from a page the instruction TLB did not hold) that
 * a TLB entry served without a walk. */
struct machine_counts {
    uint64_t traps[32];
    uint64_t walks;
    /* The page-table entries the walks read: 2 for a whole native walk;
     * with nested paging each guest entry's address and the page's are
     * walked through the host table too, up to 8 (n*m + n + m for n
     * guest and m host levels; docs/isa.md section 14). */
    uint64_t walk_refs;
    /* The guest mode: entries (machine_run_guest calls), exits (their
     * returns, one each) and what they cost in cycles, GUEST_ENTRY_CYCLES
     * and GUEST_EXIT_CYCLES each - counted here, not in cpu.cycles, which
     * is the guest's own time. */
    uint64_t guest_entries, guest_exits, guest_transition_cycles;
    bool tlb_counted; /* tlb_hits means something */
    uint64_t tlb_hits;
};
void machine_counts(const struct machine *m, struct machine_counts *out);
/* Count the TLB's hits from now on.  The fast path has no counter: every
 * access then takes the MMU's slow path, which counts it, so the machine
 * runs several times slower - for statistics, never for timing.  Before
 * the first run (a hit before it is not counted). */
void machine_count_tlb(struct machine *m);

/*
 * The silent log (docs/isa.md section 10.1): every sensitive instruction
 * that ran in user mode without trapping - on x86like rdsr, wrsr and
 * rdptb (the table's rows with sens but not traps_in_user), on pg none -
 * counted by place, a pc and the instruction there (a pc may hold another
 * instruction in another address space).  Under a trap-and-emulate VMM
 * the guest runs in user mode, so these are the places where the guest
 * was lied to: the VMM never saw them.
 *
 * The first SILENT_LOG_PLACES distinct places are kept, sorted by pc (and
 * by opcode at one pc); one at any other place counts in elsewhere.  A
 * zeroed struct is an empty log.  The record is made on the system
 * instructions' slow path (isa/system.c), in user mode only: never in the
 * fast loop, nor for an instruction in supervisor mode.
 */
#define SILENT_LOG_PLACES 64
struct silent_place {
    uint32_t pc;
    enum op op;
    uint64_t count;
};
struct silent_log {
    uint64_t total;     /* every one, kept or not */
    uint64_t elsewhere; /* ... of which at places the log had no room left for */
    unsigned nplaces;
    struct silent_place place[SILENT_LOG_PLACES];
};
void silent_log_record(struct silent_log *log, uint32_t pc, enum op op);
/* Take back the record silent_log_record has just made of (pc, op): the
 * log is as it was before it (an instruction that stalled did not run). */
void silent_log_unrecord(struct silent_log *log, uint32_t pc, enum op op);
/* Where the machine records from now on: a log of the host's (the VMM
 * gives each VM its own, in vm_enter), or with NULL the machine's own,
 * which every machine starts with.  The log must outlive its use. */
void machine_set_silent_log(struct machine *m, struct silent_log *log);
const struct silent_log *machine_silent_log(const struct machine *m);
/* A place's pc in words for the log's text: "0x00002df0 <assert_supervisor>"
 * (ctx: the placer's own); NULL places by the bare address. */
typedef void silent_place_fn(void *ctx, uint32_t pc, char *buf, size_t len);
/* Whether anything can be silent on a variant: some sensitive instruction
 * does not trap in user mode (x86like; not pg). */
bool silent_possible(enum isa_variant v);
/* The log of a machine of variant v as --stats says it, every line
 * starting with lead:
 *   LEADsilent sensitive instructions (ran in user mode without trapping): N
 *   LEAD  0x00002df0 <assert_supervisor>  rdsr  1      (one line a place)
 *   LEAD  N more at other pcs                          (if any were elsewhere)
 * Nothing where nothing can be silent (pg), unless the log is not empty. */
void silent_log_print(FILE *f, const char *lead, const struct silent_log *log, enum isa_variant v,
                      silent_place_fn *place, void *ctx);
/* The log as --stats-json says it, the members of a VM's object without
 * braces: "silent_sensitive": N, "silent_sensitive_by_pc": [{"pc": 11760,
 * "insn": "rdsr", "count": 1}, ...], "silent_sensitive_other_pcs": N -
 * on every variant, pg's zeros included. */
void silent_log_json(FILE *f, const struct silent_log *log);

/*
 * The hardware guest mode (docs/isa.md section 14), modelled on VT-x and
 * AMD-V: an optional extension a host uses instead of running its guest
 * deprivileged.  The guest's kernel runs in supervisor mode inside guest
 * mode, so its sensitive instructions act on the guest's own control
 * registers, and only what the control block asks for exits.
 *
 * machine_run_guest is VM entry: it loads the guest state from the control
 * block into the CPU (the general registers and pc are the CPU's already,
 * as for machine_run), runs like machine_run, and at the exit - every
 * return is one - stores the guest state back.  While it runs, the exit
 * controls below replace cfg.exits.  Between two runs the CPU's control
 * registers hold what the guest left (and the host's own where it owns
 * them); the host reads and changes the guest's in the control block.
 */
#define GUEST_INSN_WORDS ((OP_COUNT + 31) / 32)
struct guest_control {
    /* Guest state: the guest's control registers.  Loaded at entry and
     * stored at exit, except cr[CR_TIMER] (the timer is the host's: a host
     * that gives the guest one intercepts mfcr and mtcr of timer), and
     * except what the host owns below: there the CPU keeps the host's
     * value, and this is what the guest reads (a read shadow). */
    uint32_t cr[NCRS];

    /* Exit controls.  cause_exits: EXIT_ON(code) for each exception and
     * interrupt that exits (EXIT_TRAP, EXIT_INTERRUPT) instead of
     * vectoring through the guest's tvec; an interrupt whose cause exits
     * is taken whatever the guest's status.IE (it is the host's). */
    uint32_t cause_exits;
    /* insn_exits: bit op (guest_control_exit_on_insn) for each system
     * instruction that exits (EXIT_INSN) before it runs in guest
     * supervisor mode; in guest user mode the privileged ones trap with
     * privileged as always.  cr_read_exits, cr_write_exits: bit cr - mfcr
     * (and rdsr, rdptb for status, ptb), mtcr (and wrsr for status) of
     * that control register exit the same way. */
    uint32_t insn_exits[GUEST_INSN_WORDS];
    uint32_t cr_read_exits, cr_write_exits;
    /* Exit (EXIT_IRQ_WINDOW) as soon as status.IE is set: at entry, or
     * after the instruction that sets it.  A host with an interrupt to
     * inject while the guest has them off sets it. */
    bool irq_window;

    /* Host-owned state, for shadow paging.  status_owned: the status bits
     * the host owns (only PG may be): the CPU keeps the host's, the guest
     * reads cr[CR_STATUS]'s, and an instruction that would write them with
     * another value exits (EXIT_INSN) before it runs.  ptb_owned: the
     * CPU's ptb is the host's (the table the MMU walks: machine_load_root
     * sets it), the guest reads cr[CR_PTB], and every write of ptb exits. */
    uint32_t status_owned;
    bool ptb_owned;

    /* Nested paging: every address the guest's paging produces (or, with
     * its paging off, every address) is guest-physical, and is translated
     * again through the host's table at nested_root, of the same format.
     * The TLB caches the combined translation.  A refusal there exits
     * (EXIT_NESTED_FAULT); a refusal by the guest's own table is the
     * guest's page fault. */
    bool nested;
    uint32_t nested_root;
};
static inline void guest_control_exit_on_insn(struct guest_control *gc, enum op op)
{
    gc->insn_exits[op / 32] |= 1u << (op % 32);
}
static inline bool guest_control_exits_on_insn(const struct guest_control *gc, enum op op)
{
    return gc->insn_exits[op / 32] >> (op % 32) & 1;
}
/* Enter the guest described by gc, run it as machine_run runs a machine
 * (at most budget instructions), and return its exit.  gc is the host's,
 * read at entry and written at exit; the machine keeps no pointer to it
 * after the call.  The TLB is flushed at entry when the translation the
 * guest runs under is not the one the last entry left (another nested
 * root, ptb or paging state, or owned state that was not owned). */
enum exit_reason machine_run_guest(struct machine *m, struct guest_control *gc, uint64_t budget,
                                   struct vm_exit *exit);

/* Set the pending-interrupt state's view: which interrupt (cause code) is
 * pending now, or 0.  Used by hosts to inspect the machine. */
uint32_t machine_pending_interrupt(struct machine *m);

/*
 * The debug path (docs/isa.md section 13): a debugger's breakpoints and
 * watched ranges.  A part of the simulator, not of the architecture: code
 * on the machine cannot see them, and with nothing attached the machine
 * runs exactly as fast as without them.  They work the same on a bare and
 * on a hosted machine (where the guest's addresses are the virtual
 * addresses of real user mode).
 *
 * A breakpoint is a virtual address of an instruction: machine_run stops
 * with EXIT_DEBUG before the instruction there is fetched, in any mode,
 * with the state exactly as it is before that instruction (pc = the
 * breakpoint).  The call that resumes from that stop steps over it: a
 * breakpoint is not reported twice at the same pc and instret.  A run
 * that ends for another reason (a budget, a watch) at a breakpoint's
 * address has not reported it; the next call does, at once.
 *
 * A watch is a range of physical memory and the kinds of CPU access it
 * catches.  A load or store that touches the range stops the machine once
 * it has completed: the instruction retired, a store's value is in
 * memory, pc is the next instruction's.  A fetch watch stops before the
 * fetched instruction executes, like a breakpoint on a physical address
 * (and is stepped over like one).  The page-table walker's and the
 * devices' accesses to memory are not the CPU's and are not watched.
 *
 * Breakpoints and fetch watches make machine_run execute one instruction
 * at a time (some 30 million instructions a second instead of several
 * hundred million); load and store watches only send the accesses to the
 * frames they cover through the MMU's slow path.
 */

/* WATCH_* are 1 << enum access, so a kind matches an access directly. */
enum watch_kind {
    WATCH_READ = 1 << ACCESS_READ,
    WATCH_WRITE = 1 << ACCESS_WRITE,
    WATCH_FETCH = 1 << ACCESS_FETCH,
};
#define WATCH_ACCESS (WATCH_READ | WATCH_WRITE)

/* Add a breakpoint at va (adding one that is there already changes
 * nothing); false if va is not a multiple of 4 (no instruction starts
 * there) or memory runs out. */
bool machine_break_add(struct machine *m, uint32_t va);
/* Remove the breakpoint at va; false if there was none. */
bool machine_break_del(struct machine *m, uint32_t va);
void machine_break_clear(struct machine *m);
/* How many breakpoints there are; the first max of them, in increasing
 * order, in va (which may be NULL when max is 0). */
size_t machine_breaks(const struct machine *m, uint32_t *va, size_t max);

/* Watch [pa, pa+len) for the kinds of access in kinds (WATCH_*).  Returns
 * the watch's id, a positive number never used again for this machine;
 * 0 and why in err if the range is empty or not all in memory, kinds is
 * empty or has other bits, or memory runs out.  A hit names the first
 * watch (lowest id) the access touches. */
int machine_watch_add(struct machine *m, uint32_t pa, uint32_t len, unsigned kinds, char *err, size_t errlen);
/* Remove the watch with that id; false if there is none. */
bool machine_watch_del(struct machine *m, int id);
void machine_watch_clear(struct machine *m);
struct watch_range {
    int id;
    uint32_t pa, len;
    unsigned kinds;
};
/* How many watches there are; the first max of them, by id, in out. */
size_t machine_watches(const struct machine *m, struct watch_range *out, size_t max);

/* The next machine_run does not stop for a breakpoint or fetch watch at
 * the current pc while instret is what it is now: how a debugger resumes
 * from where it stands (after a step that ended on a breakpoint, say).
 * A stop for a breakpoint does this by itself. */
void machine_debug_step_over(struct machine *m);

#endif
