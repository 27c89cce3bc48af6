/*
 * ref_impl.h - the inside of struct ref_machine, shared by the files of
 * isa/ref/ that implement it.  Each file is one part of docs/isa.md:
 *
 *   ref_decode.c  section 3, the encoding: fields and what makes a word illegal
 *   ref_exec.c    sections 4, 5 and 10: what each instruction does
 *   ref_mmu.c     section 7: alignment, the TLBs, the walk; physical memory
 *   ref_trap.c    section 6: exceptions, interrupts, double faults
 *   ref_guest.c   section 14: guest mode's entry and exit, exit controls, owned state
 *   ref_nested.c  section 14: nested paging, the two-dimensional walk
 *   ref_machine.c making a machine, its run loop, the door's accessors
 */
#ifndef VMLAB_REF_IMPL_H
#define VMLAB_REF_IMPL_H

#include "ref.h"

struct ref_machine {
    struct ref_config cfg;
    struct ref_cpu cpu;
    uint8_t *mem;
    struct tlb_view tlb;  /* the TLB and the instruction TLB: all that is cached */
    struct devices dev;   /* timer, console, disk */
    struct dma dma;       /* how the devices (and the loader) reach memory */

    /* The instruction being executed, for exit records and the step log. */
    uint32_t word;
    bool fetched;

    struct ref_observed seen;     /* counted, never acted on (ref.h) */
    struct ref_counts counts;

    /* Guest mode (ref_guest.c): the control block while ref_run_guest
     * runs, else NULL; the translation the TLBs were filled under; and,
     * for nested paging with the guest's paging off, the stage-2 TLB
     * (gpage -> host leaf entry), flushed with the other. */
    struct guest_control *gc;
    struct ref_context {
        bool nested;
        uint32_t nested_root;
    } last;
    struct tlb_slot tlb2[TLB_ENTRIES];

    struct ref_step *rec;         /* where this step records, or NULL */
    struct ref_attempt *attempt;  /* the record of the instruction being executed, or NULL */
    struct vm_exit *exit; /* where ref_run reports */
    bool stop;            /* ref_run must return */
};

/* --- ref_decode.c --- */

/* An instruction's fields, immediates extended as section 3 says (branch
 * and jump offsets in bytes). */
struct ref_insn {
    enum op op;
    unsigned ra, rb, rc;
    uint32_t imm;
};
bool ref_decode(uint32_t word, struct ref_insn *d);

/* --- ref_exec.c --- */

/* Fetch, decode and execute the instruction at pc: it retires, or raises
 * an exception, or stops the machine. */
void ref_execute(struct ref_machine *r);

/* --- ref_mmu.c --- */

bool ref_user(const struct ref_machine *r);
/* Translate va for an access of `size` bytes; false after raising the
 * trap (misaligned, page fault or bus error). */
bool ref_translate(struct ref_machine *r, uint32_t va, unsigned size, enum access k, uint32_t *pa);
/* The instruction word at pc, through the instruction TLB; false after
 * raising the trap. */
bool ref_fetch(struct ref_machine *r, uint32_t pc, uint32_t *word);
/* Loads and stores at virtual addresses; false after raising the trap. */
bool ref_load(struct ref_machine *r, uint32_t va, unsigned size, uint32_t *value);
bool ref_store(struct ref_machine *r, uint32_t va, unsigned size, uint32_t value);
void ref_forget_itlb(struct ref_machine *r);
/* Little-endian words of physical memory; the caller has checked pa. */
uint32_t ref_phys_word(const struct ref_machine *r, uint32_t pa);
/* Write len (1, 2 or 4) bytes of value at pa, logging who wrote them. */
void ref_phys_put(struct ref_machine *r, uint32_t pa, unsigned len, uint32_t value, enum ref_writer by);
bool ref_phys_ok(const struct ref_machine *r, uint64_t pa, uint64_t len);
void ref_log_write(struct ref_machine *r, uint32_t pa, uint32_t len, uint32_t value, enum ref_writer by);
/* A walk read the leaf entry at pa (struct ref_step's leaf). */
void ref_log_leaf(struct ref_machine *r, uint32_t pa);

/* --- ref_trap.c --- */

/* The instruction at pc raises an exception. */
void ref_exception(struct ref_machine *r, uint32_t cause, uint32_t badaddr, enum access k);
/* Take the pending interrupt of highest priority, if IE allows. */
void ref_interrupt(struct ref_machine *r);
void ref_stop(struct ref_machine *r, enum exit_reason why);

/* --- ref_guest.c --- */

/* Does the running guest's control block make this decoded system
 * instruction exit before it runs (exit controls 1 and 2)?  Then the exit
 * is made and true. */
bool ref_guest_intercepts(struct ref_machine *r, const struct ref_insn *d);
/* A control register as the instruction reading it sees it: the guest's
 * read shadows for what the host owns. */
uint32_t ref_read_cr(struct ref_machine *r, enum cr cr);
/* status as mtcr and wrsr write it: the host's owned bits stay. */
void ref_write_status(struct ref_machine *r, uint32_t value);
/* Does cause (a code) exit to the host rather than vector? */
bool ref_cause_exits(const struct ref_machine *r, uint32_t code);

/* --- ref_nested.c --- */

/* ref_translate's nested half: va is aligned; false after the trap or exit. */
bool ref_nested_translate(struct ref_machine *r, uint32_t va, enum access k, uint32_t *pa);
/* The detail bits of a memory trap: what kind of access, in which mode. */
uint32_t ref_access_detail(const struct ref_machine *r, enum access k);

/* --- ref_machine.c --- */

/* Write a status word with mtcr's side effects. */
void ref_set_status(struct ref_machine *r, uint32_t value);

#endif
