/*
 * guestrun.h - running a guest (a test guest, tests/guests/NAME.s, or the
 * guest OS) on the bare machine and under the VMM, everything each run
 * ends with, and where two ends differ, for the VMM's tests (test_vmm.c),
 * the equivalence proof (test_equivalence.c), the hostile guests
 * (test_hostile.c) and the isolation checker's tests (test_isolation.c).
 */
#ifndef VMLAB_TESTS_GUESTRUN_H
#define VMLAB_TESTS_GUESTRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "elf_load.h"
#include "vmm.h"

#define GUESTRUN_MEM (1u << 20)         /* guest memory unless said otherwise */
#define GUESTRUN_LIMIT 200000000ull     /* instructions, unless said otherwise */

/* Assemble tests/guests/NAME.s; fails the test (fatally) if it cannot. */
bool guest_image(const char *name, struct elf_image *img);

struct guest_run {
    const struct elf_image *image;
    const char *boot;
    uint32_t mem;                 /* 0: GUESTRUN_MEM */
    enum isa_variant isa;
    const uint8_t *disk;          /* NULL: no disk */
    size_t disk_len;
    const char *input;            /* console input, NULL: none */
    unsigned input_again;         /* the console's host says CONSOLE_AGAIN this many times before
                                   * each byte and the end of input; the bare machine is run again
                                   * at each EXIT_INPUT_WAIT, the VMM again while the VM waits */
    uint64_t max_insns;           /* 0: GUESTRUN_LIMIT */
    /* under the VMM */
    const char *technique;        /* the CPU technique by name (NULL: the default) */
    const char *mmu;              /* the memory technique by name (NULL: the default) */
    enum shadow_policy policy;
    unsigned inject;
    bool check;                   /* the isolation checker */
    uint32_t full_every;          /* its whole audits (0: its default) */
    uint32_t shadow_frames;       /* 0: 1024 */
    FILE *findings;               /* where the shadow audit says what it finds (NULL: nowhere) */
};

struct guest_end {
    enum vm_state state;          /* the bare machine's exits in the VMM's terms */
    uint32_t value;               /* halt: its value; double fault: the cause raised */
    uint64_t instret, cycles;
    uint32_t regs[NREGS], pc, crs[NCRS];
    char *out;                    /* console output, NUL-terminated */
    size_t outlen;
    uint8_t *mem;                 /* all of (guest-)physical memory */
    uint32_t memlen;
    uint8_t *disk;
    size_t disklen;
    /* under the VMM */
    struct vmm_violation violation; /* when state is VM_ISOLATION */
    char message[200];            /* vm_message: why it stopped, when the VMM stopped it */
    struct vm_stats stats;
    unsigned audit;               /* vmm_audit() findings when it stopped */
    char audit_first[400];        /* ... the first of them, in the audit's words ("" if none) */
    unsigned audit_after;         /* ... and once it was removed */
    uint32_t free_before;         /* host frames free before the VM was made */
    uint32_t free_after;          /* ... and after it was removed again */
    /* input_again */
    unsigned agains;              /* CONSOLE_AGAIN answers the host gave */
    unsigned input_waits;         /* bare: EXIT_INPUT_WAIT exits, each on an in or a wfi */
    unsigned retry_wrong;         /* VMM: retries (asks after an "again") that found the VM moved
                                   * on, or vm_waiting_input not saying it waits; and first asks
                                   * that found it saying so */
};

void guest_run_bare(const struct guest_run *c, struct guest_end *e);
void guest_run_vmm(const struct guest_run *c, struct guest_end *e);
void guest_end_free(struct guest_end *e);

/* What the bare machine's end and a VM's end first differ in ("" if
 * nothing): how they stopped, counts, registers, output (and the line
 * where it parts), memory, disk. */
void guest_end_diff(const struct guest_end *bare, const struct guest_end *vmm, char *what, size_t len);

/* Run c under the VMM, and again on the bare machine (c's technique
 * aside), and say in what what first differs at their ends ("" if
 * nothing): how a technique's instruction limit, or anything else of c,
 * is checked against the bare machine in one line. */
void guest_vmm_against_bare(const struct guest_run *c, char *what, size_t len);

/* A VM (guest_run_vmm) ended exactly as the bare machine did - what
 * differs first goes to what, "" if nothing - with the shadow audit clean
 * before and after it was removed, and every host frame back on the free
 * list; a failure says which of these broke, for `who` (the guest and the
 * policy: "guest paging, cache shadows"). */
void expect_vm_as_bare(const struct guest_end *bare, const struct guest_end *vmm, const char *who, char *what,
                       size_t len);

/* A run (bare or VMM) ended with the guest's halt: else a failure that says
 * how it ended instead (the isolation checker's words, when it stopped
 * the VM), for `who` ("guest paging, cache shadows"). */
void expect_halted(const struct guest_end *e, const char *who);

/* The shadow audit of every VM of v (vmm_audit) finds nothing: else a
 * failure with how many findings and the first in the audit's words, for
 * `who`.  Returns the findings. */
#define expect_audit_clean(v, who) expect_audit_clean_at(__FILE__, __LINE__, (v), (who))
unsigned expect_audit_clean_at(const char *file, int line, struct vmm *v, const char *who);

/* Where a student looks first when the VMM and the bare machine part
 * after the instruction `insn` at pc (the guest in user mode or not), in
 * words: the instruction disassembled, and the VMM's routine that handles
 * it ("the guest kernel's rfe is emulated by the VMM: vmm/interp.c ...").
 * known: whether the instruction is known at all. */
const char *vmm_where_to_look(bool known, uint32_t pc, uint32_t insn, bool user);

/* A console for VMs made by hand: output appended, NUL-terminated; input
 * from in (NULL: none).  With again set, the host is one that cannot
 * block: it answers CONSOLE_AGAIN that many times before each byte and
 * before the end of the input.  With vm set, each ask checks the VM: a
 * retry finds it where the "again" left it, saying it waits for input. */
struct capture {
    char *buf;
    size_t len;
    const char *in;
    size_t inpos;
    unsigned again;
    unsigned given;            /* "again"s given since the last real answer */
    unsigned agains;           /* ... and in all */
    const struct vm *vm;
    uint64_t at_instret;       /* the VM when the last "again" was given */
    uint32_t at_pc;
    uint64_t at_emulated;
    unsigned retry_wrong;      /* asks where the VM was not as it should be */
};
void capture_write(void *ctx, const uint8_t *b, size_t n);
int capture_read(void *ctx);
/* What it holds so far, "" before the first byte. */
static inline const char *captured(const struct capture *c) { return c->buf ? c->buf : ""; }

/* What a VM made by hand ended with; its output (taken from out, which is
 * left empty) and its disk included.  Not the audit or free counts. */
void guest_end_of(struct vm *vm, struct capture *out, struct guest_end *e);

#endif
