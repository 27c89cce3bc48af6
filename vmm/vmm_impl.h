/*
 * vmm_impl.h - the VMM's data structures, shared by the files of vmm/.
 *
 * The pieces, after the classic reference architecture:
 *   dispatch.c  the dispatcher: first to run on every exit, routes it
 *   interp.c    the interpreter: privileged instructions applied to the
 *               virtual CPU (their rules are isa/sensitive.h's)
 *   alloc.c     the allocator: host frames for guest memory and shadows
 *   shadow.c    the shadow pager: shadow page tables, kept coherent by
 *               write-protecting the guest's page tables
 *   reflect.c   delivering traps and interrupts into the guest
 *   vm.c        virtual machines: creation, guest memory, virtual devices
 *   sched.c     time-sharing the real CPU among VMs
 *   stats.c     what happened, as text and JSON
 */
#ifndef VMLAB_VMM_IMPL_H
#define VMLAB_VMM_IMPL_H

#include <signal.h>

#include "devices.h"
#include "ptwalk.h"
#include "seams.h"
#include "vmm.h"

#define MAX_VMS 64 /* VMs one VMM holds at once; ids are 0..MAX_VMS-1 */

/* Who owns a host frame. */
struct frame_owner {
    uint8_t kind;  /* enum frame_kind */
    uint8_t vm;    /* vm id */
};

/* --- shadow page tables --- */

/* ROLE_GUEST serves both modes of a guest that runs in the hardware guest
 * mode (hw.c), where the real CPU checks U itself: its entries keep the
 * guest's U bit.  The roles made from guest tables come first
 * (< ROLE_PHYS): shadow_guest_wrote and the checker loop over them. */
enum role { ROLE_SUP, ROLE_USER, ROLE_GUEST, ROLE_PHYS, NROLES };

/* A shadow table: one host frame that the real MMU walks, made from one
 * guest table (key) for one role.  Level 1 tables are roots (what the real
 * ptb points at); level 2 tables are shared by every root whose guest
 * level-1 table points at the same guest level-2 table.  ROLE_PHYS tables
 * map guest-physical memory one to one, for a guest with paging off; their
 * key is 0 for the root and the level-1 index for level-2 tables. */
struct spage {
    uint32_t key;      /* guest frame number of the guest table, see above */
    uint8_t level;     /* 1 or 2 */
    uint8_t role;
    uint32_t hfn;      /* host frame holding the shadow table */
    uint32_t flood;    /* guest writes to its table since a fault last used it */
    struct spage *hnext;
    /* level 2: the root entries that point here */
    struct sparent { struct spage *root; uint32_t index; } *parents;
    uint32_t nparents, capparents;
};

/* A writable shadow entry that maps a guest frame, remembered so the entry
 * can be made read-only when that frame becomes a page table.  Entries go
 * stale when shadows change; a stale one is checked and skipped. */
struct rmap_node {
    uint32_t spte_pa; /* host-physical address of the shadow entry */
    uint32_t next;    /* index + 1 of the next node, 0 ends */
};

struct shadow {
    enum shadow_policy policy;
    struct spage **hash;
    uint32_t nbuckets;
    uint32_t nframes, limit;     /* shadow frames held, and the most allowed */
    uint16_t *pt_count;          /* per guest frame: shadows made from it */
    uint32_t *rhead;             /* per guest frame: rmap list */
    struct rmap_node *rnodes;
    uint32_t nrnodes, caprnodes;
    struct spage *root[NROLES];  /* current root of each role, or NULL */
    uint64_t stall_instret;      /* the last fault's instret and pc, and the faults there since */
    uint32_t stall_pc, stall_faults;
};

struct vm {
    struct vmm *vmm;
    int id;
    char name[32];
    enum vm_state state;
    uint32_t exit_value;
    char message[160];
    const struct vmm_technique *tech; /* how its CPU is virtualized (seams.h) */
    const struct vmm_mmu *mmu;        /* how its memory is */
    struct vmm_decision dec;          /* the exit being handled: what the VMM decided */
    struct debug_hit debug_hit;       /* the last VMR_DEBUG stop: what the machine's debug path hit */

    /* The virtual CPU.  While the VM is on the real CPU its general
     * registers and pc live in the machine (vcpu_live); cpu.r and cpu.pc
     * hold them only while it is off.  The control registers, instret
     * (direct + emulated) and cycles (instret + idle cycles in wfi) are
     * always here: the real ones belong to the VMM.  cpu.cr[CR_TIMER] is
     * unused: the virtual timer is in dev. */
    struct cpu_state cpu;
    /* The last instruction the interpreter ran for this VM looked for
     * console input its host did not have yet (CONSOLE_AGAIN): it did not
     * retire and pc is still on it, so running the VM again executes it
     * again.  The VM stays runnable; the flag is cleared when the
     * interpreter next completes an instruction of the VM. */
    bool waiting_input;
    /* The VMM changed the VM outside an exit (the hybrid technique's
     * interpreter ran it): the isolation checker looks before it runs
     * directly again. */
    bool unchecked;
    /* The CPU technique's own state (seams.h: its reset and free), or NULL. */
    void *tech_data;
    /* The guest's page tables change only through validated updates its
     * technique writes with vm_guest_write (paravirtualization, pv.c):
     * no leaf it may use maps one of them writable, so the shadow pager
     * need not write-protect a frame when it becomes a traced table. */
    bool pt_validated;
    struct devices dev;     /* virtual timer, console, disk */
    struct dma dma;         /* guest-physical memory, for devices and the walker */
    /* As the machine's dev_quiet (isa/machine_impl.h), for the virtual
     * devices: reflect_interrupts found no interrupt pending and no disk
     * error, and nothing happens before cycle dev_next, unless the
     * interpreter reaches a device or the host changes them (reboot,
     * console), which clear dev_quiet. */
    bool dev_quiet;
    uint64_t dev_next;
    uint32_t mem_size, nframes;
    uint32_t *pmap;         /* guest frame -> host frame */
    struct shadow sh;
    /* The translation cache of a technique that translates code (bt.c),
     * NULL until it has one, and the host frames it holds (FRAME_CODE). */
    struct tc *tc;
    uint32_t code_frames;
    uint32_t reservation;   /* shadow frames set aside for this VM (vmm.reserved) */
    uint64_t max_insns;
    /* Chained emulation (dispatch.c) may go on while instret is below
     * this; 0 while it must not (run_slice sets it for each exit). */
    uint64_t chain_end;
    /* Guest pcs (direct-mapped, unchained_slot) where chaining last found an
     * instruction that is not privileged: a hint that spares the look
     * the next time, never a reason to chain (a stale one only loses a
     * chain).  Kernels put their privileged instructions between others,
     * so this is the common answer. */
    uint32_t unchained_pc[256];
    struct vm_stats st;

    /* The isolation checker's (isolation.c), used only when it is on. */
    uint64_t nexits;            /* exits handled */
    uint32_t iso_until_whole;   /* exits until the next whole audit */
    struct vm_exit last_exit;   /* the latest of them */
    bool iso_seen;              /* audited whole once, at its first entry */
    bool iso_ended;             /* audited whole at its end */
    struct vmm_violation violation; /* why VM_ISOLATION */
};

struct vmm {
    struct vmm_config cfg;
    /* Opcode bytes of the instructions that trap in user mode on cfg.isa:
     * what chained emulation looks for (dispatch.c). */
    bool privileged_code[256];
    struct machine *m;
    struct cpu_state *real; /* its CPU's registers, machine_cpu(m): vcpu_live is on every exit */
    uint32_t nframes;
    struct frame_owner *owner;
    uint32_t *free_frames;  /* a stack of free host frames */
    struct spage **spage_of; /* host frame -> the shadow table in it, or NULL */
    uint32_t nfree;
    uint32_t nfresh;        /* free_frames[0..nfresh) were never handed out */
    /* Shadow frames promised to the VMs and not yet taken: each VM may hold
     * up to cfg.shadow_frames, so that many are set aside for it when it is
     * made, and no VM can take the frames another was promised. */
    uint32_t reserved;
    struct vm **vms;
    int nvms;
    struct vm *current;     /* the VM on the real CPU, or NULL */
    /* The VM whose MMU state (the real ptb, and the real TLB's entries) is
     * on the real machine, kept there between its turns on the CPU so that
     * stepping it does not flush the TLB; NULL when nothing may be trusted
     * (another VM ran, or a VM's structures changed while it was off). */
    struct vm *loaded;
    struct iso *iso;        /* the isolation checker, or NULL when it is off */
    volatile sig_atomic_t interrupted; /* vmm_interrupt: come back at the next exit */
    /* The exit hook (vmm_set_exit_hook): NULL when none is set. */
    vmm_exit_hook *hook;
    unsigned hook_mask;
    void *hook_ctx;
};

/* The cycle of the VM's next device event (devices_next_event). */
static inline uint64_t vm_next_event(const struct vm *vm)
{
    return vm->dev_quiet ? vm->dev_next : devices_next_event(&vm->dev);
}

/* Where vm->unchained_pc keeps pc: a kernel's few dozen places of
 * privileged instructions, spread over a few KiB, rarely collide. */
static inline uint32_t *unchained_slot(struct vm *vm, uint32_t pc)
{
    return &vm->unchained_pc[((pc >> 2) ^ (pc >> 10)) & 255];
}

/* Registers of the current VM, on the real CPU. */
static inline struct cpu_state *vcpu_live(struct vm *vm) { return vm->vmm->real; }
static inline bool vm_user(const struct vm *vm) { return !(vm->cpu.cr[CR_STATUS] & SR_S); }

/* alloc.c */
uint32_t alloc_frame(struct vmm *v, struct vm *vm, enum frame_kind kind); /* zeroed; 0 if none */
void free_frame(struct vmm *v, uint32_t hfn);
/* Write a FRAME_CODE frame (translated code: bt.c); false if it is none. */
bool code_frame_write(struct vmm *v, uint32_t pa, const void *buf, size_t len);
/* A walk of a table the VMM made (a shadow root, nested paging's host
 * table) at host-physical root, for va, read only: what vm_mmu_walk
 * reports, has_root and root included (shadow.c). */
struct vmm_mmu_walk;
void host_table_walk(struct vm *vm, uint32_t root, uint32_t va, bool user, struct vmm_mmu_walk *out);
/* Host memory as the VMM reads it: a little-endian word. */
uint32_t host_word(struct vmm *v, uint32_t pa);

/* vm.c: guest-physical memory as the guest's hardware would see it */
bool vm_guest_read(struct vm *vm, uint32_t gpa, void *buf, size_t len);
/* A write by the VM's "hardware" (an emulated store, DMA): keeps shadows
 * of any guest page table it touches coherent. */
bool vm_guest_write(struct vm *vm, uint32_t gpa, const void *buf, size_t len);
/* The same without telling the shadow pager: only for changes that never
 * make a shadow entry give more than it should (the walker's A and D). */
bool vm_guest_write_untraced(struct vm *vm, uint32_t gpa, const void *buf, size_t len);
/* A word of guest-physical memory; 0 outside it. */
uint32_t vm_guest_word(struct vm *vm, uint32_t gpa);
struct vm *vm_by_id(struct vmm *v, int id);
void vm_fail(struct vm *vm, const char *fmt, ...);

/* shadow.c: shadow paging (the seam's operations are in shadow_paging);
 * what its auditors (audit.c, isolation.c) also need: */
bool shadow_is_table(const struct vm *vm, uint32_t gfn);
/* The ROLE_PHYS shadow made whole at once: a root and the level-2 tables
 * mapping all of guest-physical memory one to one, every right.  That is
 * nested paging's host table (nested.c).  NULL if a frame is missing
 * (vm_fail says why). */
struct spage *shadow_phys_build(struct vm *vm);
/* Frames the ROLE_PHYS shadow of a VM of `frames` guest frames needs, whole. */
uint32_t shadow_phys_frames(uint32_t frames);
struct spage *shadow_lookup(struct shadow *sh, uint32_t key, int level, int role);
/* The role the VM's current mode runs in, and the key of its root. */
int shadow_role(const struct vm *vm);
uint32_t shadow_root_key(const struct vm *vm, int role);
const char *shadow_role_name(int role);

/* reflect.c */
/* Deliver a trap to the guest at its current pc: epc = pc. */
void reflect_trap(struct vm *vm, uint32_t cause, uint32_t badaddr);
/* Advance virtual time-driven devices; deliver a pending interrupt if the
 * guest's IE lets it in. */
void reflect_interrupts(struct vm *vm);

/* interp.c */
/* Emulate the decoded instruction f (the exit record's fields, or
 * isa_decode's of the trapping word) at the guest's pc. */
void interp_exec(struct vm *vm, const struct isa_fields *f);
bool interp_has_routine(enum op op);
/* Write the virtual status as mtcr status does (a hypercall's iret, irq). */
void interp_write_status(struct vm *vm, uint32_t v);
/* One guest instruction done by the VMM. */
void vm_retire_emulated(struct vm *vm, enum op op);

/* dispatch.c: the trap-and-emulate technique's dispatcher, and the real
 * CPU it sets up for a deprivileged guest (hybrid.c runs virtual user mode
 * the same way) */
void dispatch_exit(struct vm *vm, const struct vm_exit *x);
/* The exits that are the host's, not the guest's, alike under every
 * technique: the real timer's interrupt and a spent budget.  False, and
 * nothing done, for any other. */
bool dispatch_host_exit(struct vm *vm, const struct vm_exit *x);
void dispatch_load(struct vm *vm);

/* The MMU state on the real machine is no longer the VM's to trust (its
 * structures changed while it was off the CPU): the next entry activates
 * it again. */
static inline void vm_unload(struct vm *vm)
{
    if (vm->vmm->loaded == vm)
        vm->vmm->loaded = NULL;
}

/*
 * audit.c - the rules of resource control, each written once.  The
 * isolation checker applies them during runs, vmm_audit() in tests.  Each
 * audit adds what it finds to a struct findings and returns false if it
 * found anything; with stop set it returns at the first finding.
 */
struct findings {
    unsigned n;                  /* violations found */
    bool stop;                   /* stop looking after the first */
    FILE *f;                     /* describe up to `budget` of them here (may be NULL) */
    unsigned budget;
    struct vmm_violation first;  /* the first of them (set only once n > 0) */
};
/* An empty struct findings; `first` is left alone (it is large, and this
 * runs after every exit). */
static inline void findings_init(struct findings *fd, bool stop, FILE *f, unsigned budget)
{
    fd->n = 0;
    fd->stop = stop;
    fd->f = f;
    fd->budget = budget;
}
/* Host frames by owner, as the books count them. */
struct frame_counts {
    uint32_t owned[MAX_VMS][4]; /* [vm][enum frame_kind], FRAME_FREE unused */
    uint32_t nfree;             /* frames owned by nobody, frame 0 aside */
};
const char *vmm_invariant_what(enum vmm_invariant i);
/* One shadow entry, value e, at index i of table sp. */
bool audit_spte(struct vm *vm, const struct spage *sp, uint32_t i, uint32_t e, struct findings *fd);
/* A shadow table's owner and tracing, without its entries. */
bool audit_table_header(struct vm *vm, const struct spage *sp, struct findings *fd);
/* A whole shadow table; every shadow table of a VM, with its counts. */
bool audit_table(struct vm *vm, const struct spage *sp, struct findings *fd);
bool audit_shadows(struct vm *vm, struct findings *fd);
/* Guest frame gfn, from which `tables` shadow tables are made, is traced as often. */
bool audit_trace_count(struct vm *vm, uint32_t gfn, uint32_t tables, struct findings *fd);
/* No writable shadow entry of vm maps a host frame marked in marked[]. */
bool audit_writable(struct vm *vm, const uint8_t *marked, struct findings *fd);
/* For each host frame, the valid writable entries of every shadow table
 * that map it (counts[] has a slot per host frame). */
void count_writable(struct vmm *v, uint32_t *counts);
/* Add sign times the valid writable entries of the table in host frame
 * hfn to counts[]. */
void count_writable_in(struct vmm *v, uint32_t hfn, int sign, uint32_t *counts);
/* The virtual CPU, the real CPU (when vm is on it) and the real TLB. */
bool audit_vcpu(struct vm *vm, struct findings *fd);
bool audit_real(struct vm *vm, struct findings *fd);
bool audit_tlb(struct vm *vm, struct findings *fd);
/* The shadow pager's part of audit_real (seams.h, vmm_mmu.audit_real). */
bool audit_shadow_real(struct vm *vm, const struct guest_control *gc, struct findings *fd);
/* Every entry of every set of the real TLB, and the instruction TLB, maps
 * a frame of vm's guest memory (nested paging's rule: nested.c). */
bool audit_tlb_frames(struct vm *vm, struct findings *fd);
/* Host frames by owner, as they are (no judgement). */
void count_frames(const struct vmm *v, struct frame_counts *c);
/* The allocator, whole; counts (may be NULL) gets what it counted. */
bool audit_books(struct vmm *v, struct vm *vm, struct frame_counts *counts, struct findings *fd);
/* The same from counts kept up to date since the last whole count. */
bool audit_counts(struct vmm *v, struct vm *vm, const struct frame_counts *counts, struct findings *fd);
/* Start a violation report of vm: every number VIOLATION_NA, no text. */
void violation_start(struct vmm_violation *r, enum vmm_invariant inv, const struct vm *vm);
void violation_say(struct vmm_violation *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void violation_found(struct findings *fd, const struct vmm_violation *r);
/* "guest memory of VM 'a'", "free", ... */
void describe_frame(struct vmm *v, uint32_t hfn, char *buf, size_t len);

/*
 * isolation.c - the isolation checker: what the VMM changed while it
 * handled an exit (logged by the hooks below), and the checks after each
 * exit that are enough because of it.
 */
struct iso;
bool iso_new(struct vmm *v);
void iso_free(struct vmm *v);
void iso_vms_changed(struct vmm *v);            /* a VM was added or removed */
void iso_entered(struct vm *vm);                /* before the VM runs on the CPU */
void iso_after_exit(struct vm *vm, const struct vm_exit *x);
void iso_left(struct vm *vm);                   /* after its slice */
void iso_log_spte(struct vmm *v, uint32_t pa, uint32_t now);
void iso_log_guest_write(struct vmm *v, const struct vm *vm, uint32_t gpa, size_t len);
void iso_log_owner(struct vmm *v, uint32_t hfn, struct frame_owner was, struct frame_owner now);
void iso_log_traced(struct vmm *v, const struct vm *vm, uint32_t gfn, bool traced);

/* The hooks the VMM calls where it changes what the checker watches;
 * when the checker is off each costs one predictable branch. */
static inline void note_spte(struct vmm *v, uint32_t pa, uint32_t now)
{
    if (__builtin_expect(v->iso != NULL, 0))
        iso_log_spte(v, pa, now);
}
static inline void note_guest_write(struct vmm *v, const struct vm *vm, uint32_t gpa, size_t len)
{
    if (__builtin_expect(v->iso != NULL, 0))
        iso_log_guest_write(v, vm, gpa, len);
}
static inline void note_owner(struct vmm *v, uint32_t hfn, struct frame_owner was, struct frame_owner now)
{
    if (__builtin_expect(v->iso != NULL, 0))
        iso_log_owner(v, hfn, was, now);
}
static inline void note_traced(struct vmm *v, const struct vm *vm, uint32_t gfn, bool traced)
{
    if (__builtin_expect(v->iso != NULL, 0))
        iso_log_traced(v, vm, gfn, traced);
}

#endif
