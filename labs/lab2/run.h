/*
 * run.h - lab 2's measure, equivalence: a guest run on the bare machine
 * and under the VMM (in this process, through machine.h and vmm.h), what
 * each run ended with, and the first place the two differ, said the way a
 * student can act on (the equivalence debugger's instruction, vrun
 * --lockstep's, when the ends differ).
 */
#ifndef VMLAB_LAB2_RUN_H
#define VMLAB_LAB2_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"
#include "lab.h"
#include "vmm.h"

struct l2_guest {
    const char *name;         /* labs/lab2/guests/NAME.s, or the guest OS's workload */
    struct elf_image img;
    char elf[400];            /* its image on disk, for the vmon and vrun commands */
    char src[300];            /* its source, "" for the guest OS */
    const char *boot;         /* the boot string, NULL: none */
    uint32_t mem;
    const char *input;        /* console input, NULL: none */
    bool input_waits;         /* the console host has each byte only after the VM waited for it */
    bool watch_exits;         /* run under an exit hook: counts, and a stop for an exit storm */
    uint64_t max_insns;
};

/* How a run ended: the bare machine's in the VMM's terms. */
struct l2_end {
    enum vm_state state;
    uint32_t value;           /* halt: its value; double fault: the cause */
    uint64_t instret, cycles;
    uint32_t regs[NREGS], pc, crs[NCRS];
    char *out;                /* console output, NUL-terminated */
    size_t outlen;
    char message[400];        /* the VMM's own word when it stopped the VM */
    bool storm;               /* stopped: exits kept coming and nothing retired */
    char last_exit[300];      /* the last exit the VMM handled, in its words */
    struct vm_stats stats;
    uint64_t exits_by_kind[VMX_COUNT]; /* as the exit hook saw them */
    unsigned agains;          /* "ask again later" answers of the console host */
};

/* Assemble labs/lab2/guests/NAME.s into the test's scratch directory and
 * read it. */
bool l2_assemble(struct lab_ctx *t, struct l2_guest *g);
/* BUILD/guest-os/kernel.elf, read. */
bool l2_kernel(struct lab_ctx *t, struct l2_guest *g);

void l2_run_bare(const struct l2_guest *g, struct l2_end *e);
void l2_run_vmm(const struct l2_guest *g, struct l2_end *e);
void l2_end_free(struct l2_end *e);

/* Both runs, compared: false (and a failure, with the first difference,
 * the lockstep debugger's instruction, where to look and vmon commands)
 * if they differ.  The ends are the caller's to free. */
bool l2_equivalent(struct lab_ctx *t, struct l2_guest *g, struct l2_end *bare, struct l2_end *vmm);

/* "halted with 0x2a after 57 instructions" */
const char *l2_end_summary(struct lab_ctx *t, const struct l2_end *e);

#endif
