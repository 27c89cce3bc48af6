/*
 * vmm.h - the virtual machine monitor: runs unmodified guest kernels
 * deprivileged, in real user mode on a hosted vmlab machine, and emulates
 * everything privileged (docs/vmm.md).
 *
 * Threat model, as for any VMM: every guest runs hostile code from its
 * first instruction.  Nothing a guest does may reach memory it does not
 * own, stop another guest, or crash the VMM.
 */
#ifndef VMLAB_VMM_H
#define VMLAB_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "elf_load.h"
#include "machine.h"

/* How shadow page tables are loaded (docs/vmm.md, "PTE loading"). */
enum shadow_policy {
    SHADOW_REBUILD, /* rebuild the whole shadow on every ptb write */
    SHADOW_DEMAND,  /* start empty on every ptb write, fill on hidden faults */
    SHADOW_CACHE,   /* keep shadows per page table and reuse them (VMware) */
    SHADOW_NPOLICIES
};
bool shadow_policy_parse(const char *name, enum shadow_policy *out);
const char *shadow_policy_name(enum shadow_policy p);

/* Deliberate VMM bugs, for tests that must prove a checker catches them
 * (a comparison that never reports a difference proves nothing).  The
 * first two break equivalence (the lockstep comparison catches them), the
 * others break isolation (the isolation checker catches them). */
enum vmm_inject {
    INJECT_NONE = 0,
    INJECT_NO_DIRTY = 1,         /* never set D in the guest's page tables */
    INJECT_WRSR_IE = 2,          /* wrsr leaves the guest's IE unchanged, as POPF does */
    INJECT_NO_WRITE_PROTECT = 4, /* a guest frame that becomes a page table keeps its writable mappings */
    INJECT_STALE_TLB = 8,        /* a page-table write (DMA, traced store) leaves the real TLB unflushed */
    INJECT_MAP_SHADOW = 16,      /* the guest's last frame is mapped to the shadow table holding the entry */
    INJECT_MAP_FOREIGN = 32,     /* the guest's last frame is mapped to the host frame after it (another VM's) */
    INJECT_LEAK = 64,            /* a freed host frame never gets back to the free list */
    INJECT_WRONG_ROLE = 128,     /* virtual user mode runs on the supervisor shadow */
    INJECT_STALE_RMAP = 256,     /* reverse-map nodes into dropped tables are followed (a bug once real) */
    INJECT_TRACE_FLAG = 512,     /* a frame's trace count is kept as a flag: dropping one of its tables untraces it */
    INJECT_FAULT_ZAP = 1024,     /* every page fault first drops every shadow table: no instruction keeps what it needs */
    INJECT_CODE_WRITABLE = 2048, /* binary translation: a translation is mapped writable too */
    INJECT_CODE_ELSEWHERE = 4096,/* binary translation: the host frame after a translation is mapped in its place */
    INJECT_NO_IRQ_WINDOW = 8192, /* hw: a virtual interrupt pending while the guest has IE off waits for the
                                  * next exit instead of the interrupt window */
    INJECT_GUEST_TIMER = 16384,  /* hw: the control block leaves the real timer's interrupt to the guest */
    INJECT_UNOWNED_PTB = 32768,  /* hw over shadows: the control block does not own ptb (the guest's own
                                  * ptb, a guest-physical address, would be walked as host-physical) */
    INJECT_NESTED_OFF = 65536,   /* hw over nested paging: the control block leaves nested paging off (the
                                  * guest's addresses would be host-physical) */
};

/* The fewest shadow-table frames a VM can run in: a root, the level-2
 * tables of one instruction's fetch and data, and a fault's room to spare
 * (vmm/shadow.c).  vmm_new refuses fewer. */
#define VMM_MIN_SHADOW_FRAMES 4

struct vmm_config {
    enum isa_variant isa;      /* of the real machine, and so of every guest */
    /* The VMs' techniques (vmm/seams.h), by name; NULL: the first there is
     * ("trap-and-emulate", "shadow").  vmm_new refuses names it does not know. */
    const char *technique;
    const char *mmu;
    enum shadow_policy policy; /* the shadow MMU's policy */
    uint32_t quantum;          /* instructions a VM runs before the next gets the CPU */
    uint32_t shadow_frames;    /* shadow-table frames each VM may hold (0: default; at least VMM_MIN_SHADOW_FRAMES) */
    unsigned inject;           /* enum vmm_inject flags; 0 in real use */
    /* The isolation checker (docs/vmm.md section 8.1): after every exit,
     * check the invariants of resource control and stop the VM at the
     * first violation (VM_ISOLATION, vm_violation says which). */
    bool check_isolation;
    uint32_t check_full_every; /* a full audit every this many exits of a VM (0: 1024) */
};

struct vm_config {
    const char *name;
    uint32_t mem_size;           /* guest-physical memory, a multiple of PAGE_SIZE */
    const struct elf_image *image;
    const char *bootarg;         /* NULL: none */
    const uint8_t *disk;         /* disk image (copied), NULL: no disk... */
    size_t disk_len;
    struct disk_store *disk_store; /* ...or the disk as a store (disk_store.h, e.g. a file used in
                                    * place), which the VM owns from now on, even if vmm_add_vm fails */
    struct console_io io;        /* the VM's console */
    uint64_t max_insns;          /* stop the VM after this many instructions (0: no limit) */
};

enum vm_state {
    VM_RUNNABLE,
    VM_HALTED,       /* halt in virtual supervisor mode; exit_value holds its value */
    VM_LIMIT,        /* max_insns reached */
    VM_DEADLOCK,     /* wfi with no interrupt that could ever arrive */
    VM_DOUBLE_FAULT, /* the guest's trap handler cannot be fetched */
    VM_FAILED,       /* the VMM gave up on this VM; message says why */
    VM_ISOLATION,    /* the isolation checker stopped it; message and vm_violation say why */
};

/* The invariants of the isolation checker.  X(NAME, name, what is wrong) */
#define VMM_INVARIANTS(X)                                                                              \
    X(FRAME, "frame", "a shadow entry maps a host frame that is not the VM's guest memory")            \
    X(MAPPING, "mapping", "a shadow entry maps what the guest's entry does not (another frame, or "   \
                          "an entry that is not valid and accessed)")                                  \
    X(RIGHTS, "rights", "a shadow entry gives more rights than the guest's entry")                     \
    X(DIRTY, "dirty", "a shadow entry is writable while the guest's entry is clean")                   \
    X(LINK, "link", "a shadow root entry does not lead to the VM's own shadow of the guest's "        \
                    "level-2 table")                                                                   \
    X(TABLE, "table", "a shadow table is not the VM's, or its guest table is not traced")              \
    X(WRITE_PROTECT, "write-protect", "a traced guest page table is writable through a shadow entry") \
    X(HOST_WRITE, "host-write", "the VMM wrote to a host frame this VM does not own")                  \
    X(REAL_STATUS, "real-status", "the real status is not user mode with paging and interrupts on")    \
    X(REAL_PTB, "real-ptb", "the real ptb is not the current root of the VM's mode")                   \
    X(TLB, "tlb", "a real TLB entry gives more than the current shadow")                               \
    X(VCPU, "vcpu", "the virtual CPU is inconsistent")                                                 \
    X(BOOKS, "books", "the allocator's books do not balance")

enum vmm_invariant {
    INV_NONE,
#define X(NAME, name, what) INV_##NAME,
    VMM_INVARIANTS(X)
#undef X
    INV_COUNT
};
const char *vmm_invariant_name(enum vmm_invariant i);

/* What the isolation checker found.  Numbers that do not apply are
 * VIOLATION_NA; text says it all in one line. */
#define VIOLATION_NA 0xffffffffu
struct vmm_violation {
    enum vmm_invariant invariant;
    int vm;               /* id of the VM it stopped */
    uint64_t exits;       /* exits of that VM handled when it was found */
    bool at_entry;        /* found when the VM was put on the CPU, before it ran */
    struct vm_exit exit;  /* the exit that preceded it (all zero before the first) */
    uint32_t table;       /* the shadow table involved: its host frame */
    uint32_t level;       /* its level (1 or 2) */
    uint32_t key;         /* the guest frame it was made from */
    uint32_t index;       /* the entry in it */
    uint32_t entry;       /* that entry's value */
    uint32_t hfn;         /* the host frame involved */
    uint32_t gfn;         /* the guest frame involved */
    uint32_t gentry;      /* the guest's entry it was compared with */
    uint32_t slot, va;    /* the real TLB slot and its virtual page */
    char text[768];
};

/* Exit reasons as the dispatcher sorts them, for statistics. */
#define VMM_EXIT_KINDS(X)                                                      \
    X(EMULATED,   "privileged instruction emulated")                          \
    X(REFLECTED,  "trap reflected into the guest")                             \
    X(PF_HIDDEN,  "hidden page fault (shadow filled)")                         \
    X(PF_TRACING, "tracing page fault (guest page-table write)")              \
    X(PF_TRUE,    "true page fault (reflected)")                               \
    X(TIMER,      "real timer (scheduler, virtual devices)")                  \
    X(LIMIT,      "instruction limit")                                        \
    X(TRANSLATED, "code translated (binary translation)")                     \
    X(HYPERCALL,  "hypercall answered (paravirtualization)")                 \
    X(IRQ_WINDOW, "interrupt window (hardware guest mode: IE set, interrupt delivered)")

enum vmm_exit_kind {
#define X(name, desc) VMX_##name,
    VMM_EXIT_KINDS(X)
#undef X
    VMX_COUNT
};

#define VM_HYPERCALL_SLOTS 16 /* hypercall numbers counted one by one (pv.c checks they fit) */
struct vm_stats {
    uint64_t exits[VMX_COUNT];
    uint64_t emulated_by_op[OP_COUNT]; /* emulated instructions by opcode */
    uint64_t direct;          /* guest instructions the real CPU executed */
    uint64_t emulated;        /* privileged instructions the VMM executed by their rules (interp.c) */
    uint64_t chained;         /* ... of which right after another, without re-entering the guest
                               * (dispatch.c); each counts in exits[VMX_EMULATED] too */
    uint64_t interpreted;     /* other guest instructions its software CPU executed (hybrid.c) */
    uint64_t interrupts;      /* virtual interrupts delivered */
    uint64_t shadow_built;    /* shadow tables created */
    uint64_t shadow_reused;   /* root activations that found a shadow in the cache */
    uint64_t shadow_dropped;  /* shadow tables freed */
    uint64_t shadow_flushes;  /* times every shadow of the VM was dropped at once */
    uint64_t shadow_entries;  /* shadow entries filled */
    uint64_t write_protects;  /* writable mappings made read-only for tracing */
    /* binary translation (bt.c) */
    uint64_t bt_blocks;       /* blocks translated */
    uint64_t bt_patched;      /* sensitive instructions replaced by a trap word when translated */
    uint64_t bt_hits;         /* shadow fills of a code frame whose translation existed */
    uint64_t bt_invalidations;/* guest writes that reset translated words */
    uint64_t bt_data;         /* guest loads and stores to code frames, emulated */
    uint64_t bt_drops;        /* times every translation was dropped (the limit reached) */
    /* Paravirtualization (pv.c): hypercalls answered, by number
     * (isa/hypercalls.h; [0] counts numbers there is no call for), each
     * also an exit VMX_HYPERCALL; the page-table entries mmu_update wrote;
     * the calls refused (R[rd] = -1, the reason in the shared area). */
    uint64_t hypercalls[VM_HYPERCALL_SLOTS];
    uint64_t mmu_entries;
    uint64_t hc_refused;
    /* The machine's own counts while this VM ran (machine_counts), for
     * every technique: page-table walks (TLB misses with paging on) and
     * the table entries they read (2 a native walk, up to 8 nested). */
    uint64_t walks, walk_refs;
    /* The hardware guest mode (hw.c): VM entries, the exits by the
     * machine's reason (enum exit_reason: an EXIT_INSN is an instruction
     * the controls intercepted, an EXIT_TRAP a page fault, ...), and the
     * cycles entries and exits cost (GUEST_ENTRY_CYCLES and
     * GUEST_EXIT_CYCLES each, not in the guest's own cycles). */
    uint64_t guest_entries, transition_cycles;
    uint64_t guest_exits[EXIT_NREASONS];
    struct silent_log silent; /* the guest's sensitive instructions that ran directly in user mode
                               * without trapping: where it was lied to (the real machine records
                               * them here while the VM runs, vm_enter) */
};

struct vmm;
struct vm;

/*
 * What the VMM made of one exit, as an exit hook sees it after handling
 * (vmm_set_exit_hook).  Fields a kind does not use are 0.
 */
struct vmm_decision {
    enum vmm_exit_kind kind;  /* VMX_*: emulated, reflected, hidden fault filled, ... */
    enum op op;               /* EMULATED, PF_TRACING: the instruction the VMM executed */
    uint32_t cause;           /* REFLECTED, PF_TRUE: the cause delivered to the guest;
                               * HYPERCALL: the call's number (isa/hypercalls.h) */
    uint32_t gva;             /* page faults: the guest-virtual address */
    uint32_t gpa;             /* PF_TRACING: the guest entry written; PF_HIDDEN: the guest leaf entry */
    uint32_t before, after;   /* PF_TRACING: the guest entry before and after the store;
                               * PF_HIDDEN: the guest entry and the shadow entry made from it;
                               * TRANSLATED: the block's instructions and how many were patched
                               * (gva: where it starts); HYPERCALL: R[rd] before and after (cause:
                               * the call's number) */
    uint32_t interrupt;       /* a virtual interrupt delivered after the exit (its cause), or 0 */
    bool paging_off;          /* PF_HIDDEN: the guest's paging is off: no guest entry (gpa and
                               * before say nothing), the shadow maps guest-physical memory */
};

/*
 * Exit hooks, for debuggers and tracers: fn is called for every exit whose
 * kind is in mask (VMM_HOOK_KIND(VMX_...)), after the VMM has handled it,
 * with its decision; with VMM_HOOK_BEFORE in mask, also before, with the
 * real exit and a NULL decision.  Returning true pauses the VM after this
 * exit (vmm_run and vm_step return, VM_PAUSED_HOOK).  One hook per VMM;
 * fn NULL removes it.  With no hook, the exit path tests one pointer.
 */
#define VMM_HOOK_KIND(k) (1u << (k))
#define VMM_HOOK_ALL ((1u << VMX_COUNT) - 1)
#define VMM_HOOK_BEFORE (1u << 31)
typedef bool vmm_exit_hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d);
void vmm_set_exit_hook(struct vmm *v, unsigned mask, vmm_exit_hook *fn, void *ctx);
/* A decision in one line, e.g. "privileged instruction emulated: mtcr" or
 * "tracing page fault (guest page-table write): sw at va 0x..., guest
 * entry at 0x...: 0x... -> 0x...". */
void vmm_decision_format(const struct vmm_decision *d, char *buf, size_t len);

/* Why vm_step, vm_run_to_exit or vmm_run came back with a VM still runnable
 * (or VMR_STOPPED: every VM, or the one asked for, has stopped). */
enum vmm_return {
    VMR_STOPPED,      /* not runnable any more: vm_state says why */
    VMR_STEPPED,      /* the instructions asked for have retired */
    VMR_EXIT,         /* vm_run_to_exit: an exit was handled */
    VMR_HOOK,         /* the exit hook asked to pause */
    VMR_DEBUG,        /* the machine's debug path stopped it (a breakpoint, a watch) */
    VMR_INPUT,        /* waiting for console input that is not there yet */
    VMR_INTERRUPTED,  /* vmm_interrupt was called (a Ctrl-C) */
};
const char *vmm_return_name(enum vmm_return r);
/* Ask the running VMM to come back (VMR_INTERRUPTED) at the VM's next exit:
 * safe to call from a signal handler.  A guest that never exits is
 * stopped by the real timer, which the VMM arms at least every
 * VMM_INTERRUPT_SLICE instructions.  Cleared when vmm_run or a step
 * returns it. */
#define VMM_INTERRUPT_SLICE (1u << 26)
void vmm_interrupt(struct vmm *v);
/* After VMR_DEBUG: the breakpoint or watch the machine's debug path hit
 * (machine.h: breakpoints are set on vmm_machine(v) at guest virtual
 * addresses, watches at host physical ones, vm_host_frame). */
const struct debug_hit *vm_debug_hit(const struct vm *vm);

struct vmm *vmm_new(const struct vmm_config *cfg, uint32_t host_mem, char *err, size_t errlen);
void vmm_free(struct vmm *v);

/* Create a VM, boot its image (reset state: virtual supervisor, paging
 * off, pc at the entry, a0/a1 as docs/isa.md section 9 says). */
struct vm *vmm_add_vm(struct vmm *v, const struct vm_config *cfg, char *err, size_t errlen);

/* Power a VM off and on again with a new image and disk (a store the VM
 * owns from now on; NULL: none), as a fresh VM of the same memory size
 * would start: its memory zeroed, shadows dropped, virtual CPU and devices
 * at reset, statistics cleared.  It keeps its host frames, so a fuzzer or
 * a monitor can restart a VM thousands of times a second.  Not while the
 * VM runs. */
bool vm_reboot(struct vm *vm, const struct elf_image *image, const char *bootarg, struct disk_store *disk,
               char *err, size_t errlen);

/* Time-share the real CPU among the VMs until every one has stopped
 * (VMR_STOPPED), or a VM is paused by the hook or the debug path, or every
 * runnable VM waits for console input (VMR_INPUT: call again when there
 * is some).  A VM waiting for input is passed over while others run. */
enum vmm_return vmm_run(struct vmm *v);

/*
 * Running one VM alone, for lockstep comparison and debuggers.  None of
 * these counts a timer exit, flushes the real TLB or ends the VM where
 * the guest itself would not: the VM stays on the real CPU's MMU between
 * calls, and the steps are counted by the machine's instruction budget,
 * not the real timer.  Each returns why it came back.
 */
/* Until it has retired exactly `instret` instructions in all. */
enum vmm_return vmm_run_vm_until(struct vmm *v, struct vm *vm, uint64_t instret);
/* n more guest instructions, run directly or emulated (a trap reflected
 * into the guest retires nothing, as on the bare machine). */
enum vmm_return vm_step(struct vmm *v, struct vm *vm, uint64_t n);
/* Until the VMM has handled the VM's next exit. */
enum vmm_return vm_run_to_exit(struct vmm *v, struct vm *vm);

/* Results and inspection. */
enum vm_state vm_state(const struct vm *vm);
const char *vm_state_name(enum vm_state s);
const char *vm_name(const struct vm *vm);
const char *vm_message(const struct vm *vm); /* why VM_FAILED or VM_ISOLATION, or "" */
const struct vmm_violation *vm_violation(const struct vm *vm); /* NULL unless VM_ISOLATION */
uint32_t vm_exit_value(const struct vm *vm);
const struct vm_stats *vm_stats(const struct vm *vm);
uint64_t vm_instret(const struct vm *vm);
uint64_t vm_cycles(const struct vm *vm);
/* Whether the VM's last emulated instruction waits for console input its
 * host does not have yet (its read said CONSOLE_AGAIN, machine.h): it did
 * not execute, pc is on it, and the VM, still runnable, executes it again
 * when it next runs. */
bool vm_waiting_input(const struct vm *vm);
/* The VM's console (vm_config.io), and another in its place: how a
 * debugger records the input the guest reads and replays it (monitor/). */
struct console_io vm_console(const struct vm *vm);
void vm_set_console(struct vm *vm, const struct console_io *io);
/* Registers r0..r15, pc and the virtual control registers. */
void vm_regs(const struct vm *vm, uint32_t regs[NREGS], uint32_t *pc, uint32_t crs[NCRS]);
bool vm_read_phys(struct vm *vm, uint32_t gpa, void *buf, size_t len);
uint32_t vm_mem_size(const struct vm *vm);
/* The disk's contents when held in memory (NULL for a disk in a file). */
const uint8_t *vm_disk_image(const struct vm *vm, size_t *len, bool *written);
/* The disk's store, NULL if there is none.  A VM whose disk's file fails
 * stops as VM_FAILED, and disk_store_error says why. */
struct disk_store *vm_disk(struct vm *vm);

/* The summary printed at exit, and the same as JSON. */
void vm_stats_print(const struct vm *vm, FILE *f);
/* The same, with the silent log's pcs in place's words (with a symbol,
 * say: machine.h, silent_place_fn); vm_stats_print places by address. */
void vm_stats_print_placed(const struct vm *vm, FILE *f, silent_place_fn *place, void *ctx);
void vmm_stats_json(struct vmm *v, FILE *f);

/* Check every shadow entry of every VM against the rules (each maps a
 * frame its VM owns, with no more rights than the guest's tables give,
 * read-only if it is a guest page table), and the allocator's books.
 * Returns the number of violations, describing the first few on f (may
 * be NULL).  The isolation checker applies the same rules during runs. */
unsigned vmm_audit(struct vmm *v, FILE *f);

/* The host frames' owners, for isolation tests. */
enum frame_kind { FRAME_FREE, FRAME_GUEST, FRAME_SHADOW, FRAME_CODE /* translated code (bt.c) */ };
enum frame_kind vmm_frame_owner(const struct vmm *v, uint32_t hfn, int *vm_id);
int vm_id(const struct vm *vm);
/* The walk the real MMU would do for guest-virtual va through the tables
 * the VM's MMU technique made for its current mode (seams.h: walk), every
 * address host-physical.  It changes nothing: no entry is filled, no A or
 * D set, no table made.  For debuggers, beside the guest's own walk. */
struct vmm_mmu_walk {
    bool has_root;        /* false: no root made for the current mode yet (the VM's next entry makes it) */
    uint32_t root;        /* the root's host-physical address: the real ptb while the VM runs */
    const char *role;     /* the VM's modes the root serves: "sup", "user", "phys" (guest paging off) */
    uint32_t guest_table; /* "sup", "user": the guest-physical address of the guest table it is made from */
    int levels;           /* entries read, 1..PT_LEVELS (0 without a root): a walk stops at V clear */
    uint32_t entry_pa[PT_LEVELS], entry[PT_LEVELS]; /* [level - 1]: the entry's host-physical address, value */
};
/* False if the VM's MMU has no tables to walk (*out is then all zero). */
bool vm_mmu_walk(struct vm *vm, uint32_t va, struct vmm_mmu_walk *out);
/* The second stage's walk of guest-physical gpa under nested paging (the
 * host table's); false if the VM's MMU has none. */
bool vm_mmu_walk_gpa(struct vm *vm, uint32_t gpa, struct vmm_mmu_walk *out);
/* The control block of a VM run in the machine's hardware guest mode (as
 * its next entry will load it), NULL for a VM run deprivileged. */
const struct guest_control *vm_control_block(const struct vm *vm);
/* The entries the VM's MMU technique made from the guest's page-table word
 * at guest-physical gpa - a shadow entry per mode and level that has a
 * shadow of that guest table - at most max of them, in the order sup,
 * user; level 1, 2.  Changes nothing.  For debuggers: what a guest
 * page-table write changes beyond the guest's own entry. */
struct vmm_made_entry {
    const char *role; /* "sup" or "user" */
    int level;        /* of the guest table the entry is made from */
    uint32_t hpa;     /* the shadow entry's host-physical address */
    uint32_t value;
};
#define VMM_MADE_MAX 4 /* two modes, two levels */
int vm_mmu_made_from(struct vm *vm, uint32_t gpa, struct vmm_made_entry *out, int max);
/* The host frame backing a guest frame of a VM. */
uint32_t vm_host_frame(const struct vm *vm, uint32_t gfn);
/* Host frames on the free list: with vmm_remove_vm, what a leak test
 * counts before and after a run. */
uint32_t vmm_free_frames(const struct vmm *v);
/* Take a VM that is not on the CPU out of the VMM (a VM on it is left
 * alone), giving back every host frame it held and its promise of shadow
 * frames. */
void vmm_remove_vm(struct vmm *v, struct vm *vm);

struct machine *vmm_machine(struct vmm *v);

#endif
