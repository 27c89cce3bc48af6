/*
 * vmm_impl.h - the VMM's data structures, shared by the files of vmm/.
 *
 * The pieces, after the classic reference architecture:
 *   dispatch.c  the dispatcher: first to run on every exit, routes it
 *   interp.c    the interpreter: one routine per privileged instruction,
 *               applied to the virtual CPU
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

#include "devices.h"
#include "ptwalk.h"
#include "vmm.h"

/*
 * The virtual CPU.  While its VM is on the real CPU, the general registers
 * and pc live in the machine (machine_cpu); vcpu.r and vcpu.pc hold them
 * only while the VM is off it.  The control registers are always here: the
 * real ones belong to the VMM.
 */
struct vcpu {
    uint32_t r[NREGS + 1];
    uint32_t pc;
    uint32_t cr[NCRS];   /* cr[CR_TIMER] is unused: the virtual timer is in dev */
    uint64_t instret;    /* guest instructions retired: direct + emulated */
    uint64_t cycles;     /* instret + idle cycles in wfi */
};

/* Who owns a host frame. */
struct frame_owner {
    uint8_t kind;  /* enum frame_kind */
    uint8_t vm;    /* vm id */
};

/* --- shadow page tables --- */

enum role { ROLE_SUP, ROLE_USER, ROLE_PHYS, NROLES };

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
};

struct vm {
    struct vmm *vmm;
    int id;
    char name[32];
    enum vm_state state;
    uint32_t exit_value;
    char message[160];

    struct vcpu cpu;
    struct devices dev;     /* virtual timer, console, disk */
    struct dma dma;         /* guest-physical memory, for devices and the walker */
    uint32_t mem_size, nframes;
    uint32_t *pmap;         /* guest frame -> host frame */
    struct shadow sh;
    uint32_t reservation;   /* shadow frames set aside for this VM (vmm.reserved) */
    uint64_t max_insns;
    struct vm_stats st;
};

struct vmm {
    struct vmm_config cfg;
    struct machine *m;
    uint32_t nframes;
    struct frame_owner *owner;
    uint32_t *free_frames;  /* a stack of free host frames */
    struct spage **spage_of; /* host frame -> the shadow table in it, or NULL */
    uint32_t nfree;
    /* Shadow frames promised to the VMs and not yet taken: each VM may hold
     * up to cfg.shadow_frames, so that many are set aside for it when it is
     * made, and no VM can take the frames another was promised. */
    uint32_t reserved;
    struct vm **vms;
    int nvms;
    struct vm *current;     /* the VM on the real CPU, or NULL */
};

/* Registers of the current VM, on the real CPU. */
static inline struct cpu_state *vcpu_live(struct vm *vm) { return machine_cpu(vm->vmm->m); }
static inline bool vm_user(const struct vm *vm) { return !(vm->cpu.cr[CR_STATUS] & SR_S); }

/* alloc.c */
uint32_t alloc_frame(struct vmm *v, struct vm *vm, enum frame_kind kind); /* zeroed; 0 if none */
void free_frame(struct vmm *v, uint32_t hfn);

/* vm.c: guest-physical memory as the guest's hardware would see it */
bool vm_guest_read(struct vm *vm, uint32_t gpa, void *buf, size_t len);
/* A write by the VM's "hardware" (an emulated store, DMA): keeps shadows
 * of any guest page table it touches coherent. */
bool vm_guest_write(struct vm *vm, uint32_t gpa, const void *buf, size_t len);
void vm_fail(struct vm *vm, const char *fmt, ...);

/* shadow.c */
bool shadow_init(struct vm *vm);
void shadow_free(struct vm *vm);
/* Drop every shadow table of the VM (a reboot). */
void shadow_reset(struct vm *vm);
/* Point the real ptb at the root for the VM's current mode and tables. */
void shadow_activate(struct vm *vm);
/* The guest wrote ptb, or changed PG. */
void shadow_ptb_written(struct vm *vm);
void shadow_paging_changed(struct vm *vm);
/* A real page fault: hidden (fill), tracing (emulate the store) or true
 * (reflect).  Returns the exit kind it was. */
enum vmm_exit_kind shadow_fault(struct vm *vm, const struct vm_exit *x);
/* Guest memory at [gpa, gpa+len) changed (an emulated store or DMA): bring
 * the shadows made from it up to date, level-2 entries rewritten, level-1
 * entries unlinked (their child is found again on the next fault). */
void shadow_guest_wrote(struct vm *vm, uint32_t gpa, size_t len);
bool shadow_is_table(const struct vm *vm, uint32_t gfn);
unsigned shadow_audit(struct vm *vm, FILE *f, unsigned budget);

/* reflect.c */
/* Deliver a trap to the guest at its current pc: epc = pc. */
void reflect_trap(struct vm *vm, uint32_t cause, uint32_t badaddr);
/* Advance virtual time-driven devices; deliver a pending interrupt if the
 * guest's IE lets it in. */
void reflect_interrupts(struct vm *vm);

/* interp.c */
void interp_exec(struct vm *vm, uint32_t insn);
bool interp_has_routine(enum op op);
/* One guest instruction done by the VMM. */
void vm_retire_emulated(struct vm *vm, enum op op);

/* dispatch.c */
void dispatch_exit(struct vm *vm, const struct vm_exit *x);

#endif
