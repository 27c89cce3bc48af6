/*
 * ref.h - the reference machine: a second implementation of the vmlab CPU
 * and MMU, written from docs/isa.md alone, to check the fast machine
 * against (isa/ref/difftest.h).
 *
 * It is deliberately plain, meant to be read next to the manual: every
 * fetch reads the instruction word from memory and decodes it, every
 * access goes through the MMU model, and the only things it caches are the
 * ones the manual makes architectural (section 7): the 64-entry TLB and
 * the one-entry instruction TLB.  It shares with the fast machine only the
 * instruction table (isa/instructions.h), the constants of isa/arch.h, the
 * device models (isa/devices.h: they are not the CPU) and the ELF loader;
 * nothing of cpu_exec.c, mmu.c, ptwalk.c, trap.c, system.c or machine.c.
 *
 * Its door is machine.h's: the same struct vm_exit, the same run-with-a-
 * budget loop, bare (traps vector through tvec) or hosted (every
 * exception and interrupt stops the run with an exit record).  A step
 * (ref_step) also records what it did: the instructions it attempted, the
 * traps it took and every byte of memory it wrote.
 */
#ifndef VMLAB_REF_H
#define VMLAB_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices.h"
#include "isa.h"
#include "machine.h"

struct ref_machine;

/* Deliberate bugs, one bit each, for the difftest's negative controls
 * (tests/test_difftest.c): a checker that never reports proves nothing. */
enum ref_inject {
    REF_INJECT_SRA_LOGICAL = 1u << 0, /* sra and srai shift in zeros */
    REF_INJECT_NO_DIRTY = 1u << 1,    /* the walker never writes D back to memory */
    REF_INJECT_NO_TLB = 1u << 2,      /* every access walks: stale entries stop allowing */
    REF_INJECT_EPC_NEXT = 1u << 3,    /* an exception's epc is the next instruction */
    /* The guest mode's (docs/isa.md section 14), each a way a fast
     * machine might get it wrong (tests/test_guestdiff.c): */
    REF_INJECT_GPA_TABLES = 1u << 4,   /* nested: the guest's table entries are read at their
                                        * guest-physical addresses, without the host walk */
    REF_INJECT_OWNED_PG_SEEN = 1u << 5, /* the guest reads the host's owned PG, not its shadow */
    REF_INJECT_IRQ_EXIT_WAITS = 1u << 6, /* an interrupt whose cause exits waits for the guest's IE */
    REF_INJECT_GUEST_PERMS = 1u << 7,  /* the combined TLB entry has the guest entry's R, W, X only */
};

struct ref_config {
    uint32_t mem_size;    /* bytes, a multiple of PAGE_SIZE */
    enum isa_variant isa; /* ISA_PG or ISA_X86LIKE */
    bool hosted;          /* traps exit to the host instead of vectoring */
    unsigned inject;      /* enum ref_inject bits; 0 in every real use */
};

/* The registers.  cr[CR_TIMER] is unused: the timer is read and written
 * through ref_get_cr/ref_set_cr, as on the fast machine. */
struct ref_cpu {
    uint32_t r[NREGS]; /* r[0] is always 0 */
    uint32_t pc;
    uint32_t cr[NCRS];
    uint64_t instret; /* instructions retired since reset */
    uint64_t cycles;  /* instret + cycles idle in wfi */
};

/* What one step did. */
enum ref_writer { REF_BY_STORE, REF_BY_WALKER, REF_BY_DMA };
struct ref_write {
    uint32_t pa, len;   /* physical bytes written */
    uint32_t value;     /* the value, for stores and the walker (len <= 4) */
    enum ref_writer by;
};
struct ref_attempt {
    uint32_t pc;
    uint32_t word;  /* valid if fetched */
    bool fetched;
    bool retired;
};
struct ref_trap {
    uint32_t cause, epc, badaddr; /* as delivered (bare) or reported (hosted) */
};
#define REF_STEP_ATTEMPTS 2 /* an instruction that traps, then the handler's first */
#define REF_STEP_TRAPS 3    /* an interrupt, an exception, the handler's own */
#define REF_STEP_WRITES 8
#define REF_STEP_LEAVES 4 /* a fetch's walk and an access's, and the trap handler's fetch */
struct ref_step {
    unsigned nattempts, ntraps, nwrites;
    bool writes_lost; /* more than REF_STEP_WRITES writes: the rest are not listed */
    struct ref_attempt attempt[REF_STEP_ATTEMPTS];
    struct ref_trap trap[REF_STEP_TRAPS];
    struct ref_write write[REF_STEP_WRITES];
    /* The physical addresses of the leaf entries the step's walks read -
     * where a walker sets A and D - so that a write of them that the
     * reference did not make is seen at once (the first REF_STEP_LEAVES). */
    unsigned nleaves;
    uint32_t leaf[REF_STEP_LEAVES];
};

/* A machine in its reset state; NULL and a message in err on a bad
 * configuration. */
/* What a run did that a trap-and-emulate VMM cannot reproduce, counted
 * (since the last reset) so that a checker knows when a run under the VMM
 * must equal this one:
 *   - stale_tlb: an access or fetch went through a TLB entry (or the
 *     instruction TLB) whose translation a walk of the tables in memory
 *     would no longer give: another frame, a fault, or A (D for a store)
 *     clear in memory.  A VMM that traces page tables applies every table
 *     write at once (docs/vmm.md, "Known limits").
 *   - sensitive_unprivileged: an instruction ran that is sensitive yet does
 *     not trap in user mode in this variant (x86like's rdsr, wrsr, rdptb,
 *     docs/isa.md section 10): deprivileged, it acts on the real state.
 * Counting changes nothing the machine does. */
struct ref_observed {
    uint64_t stale_tlb;
    uint64_t sensitive_unprivileged;
    uint64_t sensitive_unprivileged_user; /* ... of which in user mode (binary translation patches the rest) */
    uint64_t hcall_supervisor;            /* hcalls in supervisor mode: a paravirtualizing VMM answers them */
};
const struct ref_observed *ref_observed(const struct ref_machine *r);

/* What the MMU and the guest mode did since the machine was made (not
 * reset), to compare with machine_counts: walks are TLB misses that
 * walked (with nested paging and the guest's paging off, misses of the
 * stage-2 TLB that walked the host table), walk_refs every table entry
 * they read, of both stages; guest_entries and guest_exits count
 * ref_run_guest's entries and exits, guest_transition_cycles their cost. */
struct ref_counts {
    uint64_t walks, walk_refs;
    uint64_t guest_entries, guest_exits, guest_transition_cycles;
};
const struct ref_counts *ref_counts(const struct ref_machine *r);

struct ref_machine *ref_new(const struct ref_config *cfg, char *err, size_t errlen);
void ref_free(struct ref_machine *r);
/* Reset the CPU, the TLBs and the devices; memory and the disk stay. */
void ref_reset(struct ref_machine *r);

/* Run as machine_run does: until something of enum exit_reason happens,
 * at most budget retired instructions. */
enum exit_reason ref_run(struct ref_machine *r, uint64_t budget, struct vm_exit *exit);
/* ref_run with a budget of one, recording what happened in *rec. */
enum exit_reason ref_step(struct ref_machine *r, struct vm_exit *exit, struct ref_step *rec);

/* The hardware guest mode (docs/isa.md section 14), as machine_run_guest:
 * load the guest state from gc (not the timer, not what the host owns),
 * run with gc's exit controls instead of the configuration's bare or
 * hosted shape, and store the guest state back at the exit; every return
 * is one exit.  The TLBs start empty when the translation differs from the
 * one the last exit left (nested root, ptb, PG); entry and exit drop the
 * instruction TLB.  gc is only used during the call. */
enum exit_reason ref_run_guest(struct ref_machine *r, struct guest_control *gc, uint64_t budget,
                               struct vm_exit *exit);
/* ref_run_guest with a budget of one, recording what happened in *rec. */
enum exit_reason ref_step_guest(struct ref_machine *r, struct guest_control *gc, struct vm_exit *exit,
                                struct ref_step *rec);

struct ref_cpu *ref_cpu(struct ref_machine *r);
const struct ref_config *ref_config(const struct ref_machine *r);

/* Control registers with the side effects of mtcr (docs/isa.md section
 * 5).  A write from the host also drops the instruction TLB, as the
 * system instruction it stands for would. */
uint32_t ref_get_cr(struct ref_machine *r, enum cr cr);
void ref_set_cr(struct ref_machine *r, enum cr cr, uint32_t value);

/* Physical memory; false, touching nothing, if any byte is outside. */
bool ref_read_phys(const struct ref_machine *r, uint32_t pa, void *buf, size_t len);
bool ref_write_phys(struct ref_machine *r, uint32_t pa, const void *buf, size_t len);
uint32_t ref_mem_size(const struct ref_machine *r);
/* All of physical memory, read-only (the difftest compares it). */
const uint8_t *ref_memory(const struct ref_machine *r);
/* Physical memory as a struct dma, for elf_boot_into and the devices. */
const struct dma *ref_dma(const struct ref_machine *r);

/* The TLBs: flushes as tlbflush and tlbflushv do them; the whole
 * architectural state read and written (the difftest seeds it). */
void ref_tlb_flush(struct ref_machine *r);
void ref_tlb_flush_page(struct ref_machine *r, uint32_t va);
const struct tlb_view *ref_tlb(const struct ref_machine *r);
void ref_tlb_set(struct ref_machine *r, const struct tlb_view *in);

/* Devices: the same models as the fast machine's, the reference's own. */
void ref_set_console(struct ref_machine *r, const struct console_io *io);
/* A copy of image as the disk; false if it is not whole blocks.  Or a
 * store (disk_store.h), which the reference owns from then on. */
bool ref_attach_disk(struct ref_machine *r, const uint8_t *image, size_t len);
struct disk_store;
void ref_attach_disk_store(struct ref_machine *r, struct disk_store *s);
/* The disk's store, NULL if there is none. */
struct disk_store *ref_disk(struct ref_machine *r);
uint32_t ref_pending_interrupt(const struct ref_machine *r);
struct devices *ref_devices(struct ref_machine *r);

/* The mnemonic of an instruction word from the instruction table, or
 * NULL if the word is not a legal instruction (docs/isa.md section 3). */
const char *ref_mnemonic(uint32_t word);

#endif
