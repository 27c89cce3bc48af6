/*
 * machine_impl.h - the inside of struct machine, shared by the files of
 * isa/ that implement it.  Nothing outside isa/ includes this file.
 */
#ifndef VMLAB_MACHINE_IMPL_H
#define VMLAB_MACHINE_IMPL_H

#include <string.h>

#include "devices.h"
#include "machine.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/*
 * The TLB: 64 entries, direct-mapped by the low 6 bits of the virtual page
 * number (an architectural fact: it decides which stale entries survive).
 *
 * Each entry keeps the PTE it was filled from, and for speed a precomputed
 * tag per (mode, access kind): the page's virtual address if that access is
 * allowed straight away, or TAG_NONE.  The fast path of a load is then one
 * compare: tag == va & (~PAGE_MASK | (size - 1)), which also fails for a
 * misaligned address (its low bits survive the mask, a tag's are zero).
 * "Allowed straight away" means no A or D bit to set and, for stores, no
 * decoded instructions in the frame to invalidate; everything else goes to
 * the slow path in mmu.c.
 *
 * TAG_NONE must differ from every value the mask can produce, misaligned
 * ones included: the mask keeps bits 31..12 and at most bits 1..0, so bits
 * 11..2 of a masked address are always zero and TAG_NONE has them set.
 * (It once was 1, which a misaligned address in page 0 matches: the CPU
 * then used an empty slot's host pointer, NULL or a frame mapped long ago.)
 *
 * After a tag matches, the host address is va + addend (host - vpage, as
 * an integer): no mask, no page offset added.  An entry is 64 bytes, a
 * power of two, so that the loop finds the entry of va with a shift and a
 * mask; and the loop picks its mode's row of tags once, when it starts.
 */
#define TLB_SIZE TLB_ENTRIES
#define TLB_MASK (TLB_SIZE - 1)
#define TAG_NONE (PAGE_MASK & ~3u)
_Static_assert((TAG_NONE & ~3u & PAGE_MASK) != 0, "TAG_NONE must not be a masked address");
_Static_assert(TLB_SIZE <= 64, "a set's filled has a bit per slot");

struct tlb_entry {
    union {
        struct {
            uint32_t tag[2][3]; /* [user][enum access] */
            uintptr_t addend;   /* host address of va: va + addend (set_tags keeps it) */
            uint32_t vpage;     /* virtual page address; valid tells if it means anything */
            uint32_t pte;       /* leaf PTE as cached, A and D as the walker left them */
            uint8_t *host;      /* host address of the frame */
            bool valid;
        };
        uint8_t size_[64];
    };
};
#define TLB_ENTRY_SHIFT 6
_Static_assert(sizeof(struct tlb_entry) == 1u << TLB_ENTRY_SHIFT, "a power of two: the loop indexes the TLB by a shift");

/*
 * The architectural TLB is one set of TLB_SIZE entries: the set in use.
 * The machine keeps TLB_SETS of them, each tagged by the root (ptb) it was
 * filled under, so that a host switching between page tables it owns and
 * keeps coherent itself (the VMM's shadow roots) finds each root's
 * translations where it left them: machine_load_root.  Everything the
 * architecture says flushes - tlbflush, tlbflushv, writing ptb or
 * status.PG - flushes every set, and writing ptb also untags them all, so
 * a bare machine (which never calls machine_load_root) sees exactly one
 * TLB.
 */
struct tlb_set {
    struct tlb_entry e[TLB_SIZE];
    uint64_t filled;   /* bit i: e[i] may be valid, so that a flush empties only those */
    uint64_t used;     /* the machine's tlb_clock when last loaded: the oldest is evicted */
    uint32_t root;     /* the ptb its entries were filled under, if tagged */
    bool tagged;       /* root means something: machine_load_root may reuse the set */
};

/* A decoded instruction (cpu_exec.c says how the loop uses each field).
 * ra is already redirected to the sink register r[16] when the
 * instruction writes r0.  op is what the slot holds (an instruction of the
 * table, or OP_DECODE, OP_PAGE_END, OP_BAD); xop is what runs it: op, a
 * form of op decode chose (a near transfer, a two-operand form), a
 * superinstruction (superinsn.h) covering span slots from here, or
 * OP_STOP, planted for a moment where a budget ends.  h is xop's handler
 * (a label address in cpu_exec; NULL when the loop is built as a switch,
 * -DVMLAB_SWITCH_DISPATCH).  run counts the instructions from this slot to
 * the end of its straight line (the next control transfer, trap or system
 * instruction, or the page's end), charged to the budget at once. */
struct dinsn {
    const void *h;
    struct dinsn *target; /* a branch or jal's target slot in this page, or NULL */
    int32_t imm;
    uint8_t op, ra, rb, rc;
    uint16_t run;
    uint8_t xop;
    uint8_t span;
    /* The register a run entered here loads into cpu_exec's forwarded
     * value, the source this slot's forwarded form reads from it. */
    uint8_t fwd;
    /* A near branch or jal in the page lands here: entered without a
     * reload of that value, so no forwarded form.  Kept across decodes
     * until the frame's slots are made anew. */
    uint8_t near_target;
    uint8_t unused[2];
};
_Static_assert(sizeof(struct dinsn) == 32, "a power of two: the pc is the slot's index");

/* Internal ops, after the table's: a slot not decoded yet, the slot past
 * the end of a page, a word that is not a legal instruction, and the stop
 * planted where a budget ends inside a straight line. */
enum { OP_DECODE = OP_COUNT, OP_PAGE_END, OP_BAD, OP_STOP, OP_FIRST_SUPER };
#define DPAGE_SLOTS ((int)(PAGE_SIZE / 4) + 1)

struct machine {
    struct cpu_state cpu;
    struct machine_config cfg;

    uint8_t *mem;
    uint32_t nframes;

    struct tlb_entry *tlb;            /* the architectural TLB (paging on): tlb_cur->e */
    struct tlb_set *tlb_cur;          /* the set in use */
    struct tlb_entry ptlb[TLB_SIZE];  /* identity "TLB" when paging is off; not architectural */

    /* The one-entry instruction TLB (architectural: docs/isa.md section 7):
     * the page being executed keeps its frame until execution leaves it, a
     * trap is taken or a system instruction runs.  A physical address, not
     * a host pointer. */
    struct itlb_entry itlb;

    struct dinsn **dcache; /* per frame: decoded slots, or NULL */
    uint8_t *is_code;      /* per frame: stores must invalidate dcache[frame] */
    uint32_t exec_frame;   /* frame the CPU is executing from */
    /* cpu_exec's handler per op (label addresses, valid only there; NULL
     * with the switch), set by it on entry: what mmu.c writes into the
     * slots it creates or invalidates. */
    const void *const *handlers;

    struct devices dev;    /* timer, console, disk */
    struct dma dma;        /* how the devices reach physical memory */

    /* Set by the slow paths for the run loop. */
    bool stop;             /* machine_run must return */
    bool end_block;        /* state the hot loop caches has changed */
    struct vm_exit *exit;  /* where machine_run reports */
    /* The devices were last serviced (machine_run) with no interrupt
     * pending and no disk error, and their next event is at cycle
     * dev_next: until then, entering the CPU need not service them or
     * look for an interrupt again (a change of status.IE changes nothing
     * while none is pending).  Whatever may change the devices - a system
     * instruction that reaches one (sensitive_touches_devices), the
     * host's control-register and device calls, a reset - clears
     * dev_quiet; machine_arm_timer moves dev_next. */
    bool dev_quiet;
    uint64_t dev_next;

    /* The debug path (debug.c), last so that nothing the CPU loop uses
     * moves.  dbg is NULL while no breakpoint or watch is attached. */
    struct debugger *dbg;
    struct {
        bool on;
        uint32_t pc;
        uint64_t instret;
    } step_over;           /* machine_debug_step_over: not before this pc at this instret */
    int watch_ids;         /* the last watch id handed out */
    uint64_t tlb_flushes;  /* mmu_flush_all calls */
    uint64_t traps_taken;  /* traps and interrupts delivered through tvec (trap.c) */
    uint64_t traps_by_cause[32]; /* ... by cause code */
    uint64_t walks;        /* page-table walks that refilled the TLB (mmu.c) */
    unsigned count_tlb;    /* machine_count_tlb: 7, every kind of access slow (mmu_access counts hits); else 0 */
    uint64_t tlb_hits;     /* ... the accesses with paging on that the TLB served there */
    /* The silent log (machine.h): where system_exec records, NULL for
     * silent_own, the machine's own. */
    struct silent_log *silent;
    struct silent_log silent_own;
    /* The hardware guest mode (docs/isa.md section 14): the control block
     * of the machine_run_guest call under way, NULL outside one. */
    struct guest_control *guest;
    /* What the last run translated through, for the TLB at the next entry:
     * a host table (nested paging; then ptlb caches its translations of
     * guest-physical pages, not the identity) and which. */
    bool ran_nested;
    uint32_t ran_nested_root;
    uint64_t walk_refs;    /* page-table entries the walks read, both stages */
    uint64_t guest_entries, guest_exits, guest_transition_cycles;
    /* The TLB's sets (mmu.c), last: 24 KiB the hot loop reaches only
     * through tlb. */
    uint64_t tlb_clock;               /* machine_load_root calls, for the sets' used */
    struct tlb_set tlb_sets[TLB_SETS];
};

/* --- mmu.c --- */

/* The slow path of every memory access: translate va for an access of kind
 * and size (1, 2 or 4) in the current mode, check alignment and
 * permissions, set A/D, refill the TLB, invalidate decoded code on stores.
 * Returns the host address, or NULL after raising the trap. */
uint8_t *mmu_access(struct machine *m, uint32_t va, unsigned size, enum access kind);
void mmu_flush_all(struct machine *m);
/* Drop the instruction TLB: after a trap, a system instruction, a flush. */
void mmu_forget_itlb(struct machine *m);
/* Empty both TLBs, the architectural one and the paging-off one. */
void mmu_reset(struct machine *m);
void mmu_flush_page(struct machine *m, uint32_t va);
/* ptb written by mtcr or machine_set_cr: flush, and no set keeps a root. */
void mmu_ptb_written(struct machine *m);
/* machine_load_root's work: ptb = root, and the set tagged with it in use. */
void mmu_load_root(struct machine *m, uint32_t root);
/* The host address of the frame holding pa, or NULL if outside memory. */
static inline uint8_t *mmu_phys(struct machine *m, uint32_t pa)
{
    return (pa >> PAGE_SHIFT) < m->nframes ? m->mem + pa : NULL;
}
/* Empty the paging-off TLB (ptlb): its entries were the identity, or a
 * host table's translations (nested paging), and that changes. */
void mmu_clear_ptlb(struct machine *m);
/* Called before memory in [pa, pa+len) changes behind the CPU's back. */
void mmu_invalidate_code(struct machine *m, uint32_t pa, size_t len);
/* The decoded slots of a frame, created on first use; marks it as code. */
struct dinsn *mmu_code_frame(struct machine *m, uint32_t frame);
/* Recompute the fast tags of the TLB entries (both TLBs) that map a frame
 * in [first, last]: after the debugger's watches there changed. */
void mmu_retag_frames(struct machine *m, uint32_t first, uint32_t last);
/* The physical address the fetch of the instruction at pc would read,
 * found without side effects (no A bit, no TLB fill); false if that fetch
 * would trap. */
bool mmu_probe_fetch(const struct machine *m, uint32_t pc, uint32_t *pa);
/* Its first half: 1 and *pa if the instruction TLB or the TLB translates
 * the fetch, -1 if it would trap without a walk, 0 if only a walk can
 * tell. */
int mmu_probe_fetch_cached(const struct machine *m, uint32_t pc, uint32_t *pa);

/* --- debug.c: the debugger's hooks, called only when m->dbg --- */

/* Before machine_run lets the CPU run n instructions: how many it may
 * run (one while breakpoints or fetch watches need every pc checked), or
 * a stop (m->stop) with EXIT_DEBUG at a breakpoint or fetch watch. */
uint64_t debug_before(struct machine *m, uint64_t n);
/* A load or store of size bytes at va, physical address pa, has passed
 * every check in the MMU and will complete: stop after it if it touches a
 * watch of its kind. */
void debug_access(struct machine *m, uint32_t va, uint32_t pa, unsigned size, enum access k);
/* The kinds (1 << enum access) some watch covers in this frame. */
unsigned debug_frame_watched(const struct machine *m, uint32_t frame);
void debug_free(struct machine *m);

/* --- trap.c --- */

/* Raise an exception for the instruction at cpu.pc: vector to tvec, or stop
 * with an EXIT_TRAP record if the exit controls send its cause out. */
void trap_raise(struct machine *m, uint32_t cause, uint32_t addr, enum access access);
/* Deliver the highest-priority pending interrupt if status.IE allows. */
bool trap_take_interrupt(struct machine *m);
void machine_stop(struct machine *m, enum exit_reason reason);

/* --- system.c: the instructions that end a block --- */

/* Execute a system instruction at cpu.pc (state synced); false if it trapped
 * or stopped the machine. */
bool system_exec(struct machine *m, const struct dinsn *d);

/* --- machine.c --- */
/* Bring the timer and devices up to cpu.cycles. */
void machine_service_events(struct machine *m);

/* --- cpu_exec.c --- */
/* Execute at most n instructions; returns early on traps and system
 * instructions.  Keeps cpu.pc, instret and cycles exact. */
void cpu_exec(struct machine *m, uint64_t n);

/* Little-endian access to host memory, whatever the host's byte order. */
static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}
static inline uint16_t ld16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap16(v);
#endif
    return v;
}
static inline void st32(uint8_t *p, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    memcpy(p, &v, 4);
}
static inline void st16(uint8_t *p, uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap16(v);
#endif
    memcpy(p, &v, 2);
}

/* The exit controls in force: the guest's in guest mode. */
static inline uint32_t machine_exits(const struct machine *m)
{
    return m->guest ? m->guest->cause_exits : m->cfg.exits;
}
/* Nested paging is on: addresses are guest-physical. */
static inline bool mmu_nested(const struct machine *m) { return m->guest && m->guest->nested; }

static inline bool cpu_user(const struct machine *m)
{
    return !(m->cpu.cr[CR_STATUS] & SR_S);
}

#endif
