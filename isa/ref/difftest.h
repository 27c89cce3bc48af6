/*
 * difftest.h - the fast machine against the reference machine, one retired
 * instruction at a time.
 *
 * Both machines take the same step (machine_run and ref_run with a budget
 * of one); after each step the difftest compares r1..r15, pc, every
 * control register (the timer through its get function), instret, cycles,
 * the pending interrupt, the console output, the exit records, the TLBs
 * (architectural: docs/isa.md section 7), and every byte of memory the
 * reference wrote in the step (stores, the walker's A/D updates, disk
 * DMA), read back from the fast machine.  Every `mem_every` steps and at
 * the end it compares all of memory and the disk; a difference there was
 * written by nobody the reference logged (a stray write), and when the
 * pair can be made again from the start (an image), both are re-run to the
 * last point where memory agreed and stepped to the instruction that made
 * it differ.
 *
 * The first difference stops the comparison with a report that names the
 * instruction (instret, pc, word, mnemonic from the instruction table) and
 * what differs ("r10: fast 0x..., reference 0x...").
 */
#ifndef VMLAB_DIFFTEST_H
#define VMLAB_DIFFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"
#include "machine.h"
#include "ref.h"

#define DIFFTEST_MEM_EVERY 4096 /* steps between full memory comparisons, by default */

struct difftest;

/* The first difference, or how far the machines agreed. */
struct difftest_result {
    bool differ;
    uint64_t steps;   /* steps compared (a step retires one instruction, or stops) */
    uint64_t instret; /* the named instruction is the one after this many retired */
    uint32_t pc, word;
    bool fetched;     /* word is meaningful */
    const char *mnem; /* from the instruction table; NULL: not a legal word */
    char what[256];   /* what differs: "r10: fast 0x..., reference 0x..." */
    char report[512]; /* the whole sentence, instruction and what */
};

struct difftest_options {
    uint64_t mem_every; /* 0: DIFFTEST_MEM_EVERY */
    /* Each side's console output so far (reference: false for the fast
     * machine); NULL: the outputs are not compared. */
    const uint8_t *(*output)(void *ctx, bool reference, size_t *len);
    void *output_ctx;
    /* Make both machines again, in the state the comparison started from
     * (deterministic), so that a stray write can be narrowed down to its
     * instruction; NULL: a stray write is reported with the window of
     * instructions it happened in. */
    void *(*remake)(void *ctx, struct machine **m, struct ref_machine **r); /* returns a handle */
    void (*unmake)(void *handle);
    void *remake_ctx;
};

/* Compare a prepared pair; the caller keeps both machines.  NULL if out of
 * memory, or if m's exit controls are neither none (bare) nor
 * MACHINE_EXITS_ALL (hosted), the two shapes the reference knows. */
struct difftest *difftest_new(struct machine *m, struct ref_machine *r, const struct difftest_options *o);
void difftest_free(struct difftest *d);

/* Make the reference's state the fast machine's: registers, pc, control
 * registers, the armed timer and its pending interrupt, instret, cycles,
 * memory, the TLBs and the disk's contents.  The rest of the devices'
 * state (console, disk registers) is the reference's own, kept in step. */
void difftest_seed(struct difftest *d);

/* Step both machines until budget instructions retired or the fast
 * machine stops (its exit in *exit, which the reference must match),
 * comparing after every step; stops early at the first difference.  In
 * hosted mode every exit comes back here: the caller handles it and
 * applies the same to both machines (or calls difftest_seed). */
enum exit_reason difftest_run(struct difftest *d, uint64_t budget, struct vm_exit *exit);

/* Guest mode (docs/isa.md section 14): difftest_run, with each machine
 * entering its own copy of the control block at every step
 * (machine_run_guest and ref_step_guest, a budget of one: an entry and an
 * exit a step).  Beside everything difftest_run compares, after every
 * step: the two blocks' guest state, the exit records' guest_va and
 * in_walk (and an EXIT_INSN's decoded fields), the walks, walk
 * references, entries, exits and their cycles each side counted in the
 * step, and the leaf entries the reference's walks read (struct
 * ref_step's leaf: a walker's A or D only the fast machine wrote).  The machine is made bare: the blocks hold its exit controls.
 * Between runs the caller, the host, changes both blocks alike. */
enum exit_reason difftest_run_guest(struct difftest *d, struct guest_control *fast, struct guest_control *ref,
                                    uint64_t budget, struct vm_exit *exit);

/* Compare all of memory and the disk now. */
bool difftest_check_memory(struct difftest *d);

const struct difftest_result *difftest_result(const struct difftest *d);

/* A whole image on the bare machine and on the reference, from boot to
 * halt (or max_insns). */
struct difftest_image {
    const struct elf_image *image;
    const char *bootarg;
    uint32_t mem_size;
    enum isa_variant isa;
    const uint8_t *input; /* console input for both */
    size_t input_len;
    const uint8_t *disk;  /* disk image for both (each gets a copy), or NULL... */
    size_t disk_len;
    struct disk_store *disk_base; /* ...or a store each sees through its own
                                   * copy-on-write overlay (disk_store.h) */
    uint64_t max_insns;   /* 0: until the fast machine stops */
    unsigned inject;      /* enum ref_inject, for negative controls */
    uint64_t mem_every;   /* 0: DIFFTEST_MEM_EVERY */
};

struct difftest_outcome {
    struct difftest_result res;
    enum exit_reason reason; /* how the fast machine stopped (EXIT_BUDGET at max_insns) */
    struct vm_exit exit;
    uint64_t instret;
};

/* False only if the machines could not be made (message in err). */
bool difftest_image_run(const struct difftest_image *c, struct difftest_outcome *out, char *err, size_t errlen);

#endif
