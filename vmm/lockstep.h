/*
 * lockstep.h - the equivalence debugger: run a program on the bare machine
 * and under the VMM side by side and report the first instruction after
 * which what the program can see differs (registers, pc, control
 * registers, counts, console output, memory).
 */
#ifndef VMLAB_LOCKSTEP_H
#define VMLAB_LOCKSTEP_H

#include "vmm.h"

struct lockstep_config {
    const struct elf_image *image;
    const char *bootarg;
    uint32_t mem_size;
    enum isa_variant isa;
    const char *technique;    /* the VMM's CPU technique by name (NULL: the default) */
    const char *mmu;          /* ... and its memory technique (NULL: the default) */
    enum shadow_policy policy;
    unsigned inject;          /* enum vmm_inject, for tests of this checker */
    const uint8_t *input;     /* console input for both runs */
    size_t input_len;
    const uint8_t *disk;      /* disk image for both runs (each gets a copy), or NULL... */
    size_t disk_len;
    struct disk_store *disk_base; /* ...or a store each run sees through its own copy-on-write
                                   * overlay, so that it never changes (disk_store.h) */
    uint64_t stride;          /* compare every this many instructions (0: 10000) */
    unsigned all;             /* list up to this many differences where they part (0: the first only) */
    uint64_t max_insns;       /* compare exactly this many (0: until both stop) */
};

/* Console input is read whole before the runs (both replay it, and
 * narrowing a difference replays it again): at most this much. */
#define LOCKSTEP_INPUT_MAX (16u << 20)

struct lockstep_result {
    bool diverged;
    uint64_t instret;   /* the states first differ after this many instructions */
    char what[512];     /* what differs, e.g. "pc: native 0x..., vmm 0x..." (a page-table entry
                         * or ptb by field, docs/vmm.md section 8) */
    /* The instruction after which they differ, as the bare machine ran it
     * (when known: a difference found by stepping, not at the start). */
    bool has_insn;
    uint32_t pc;        /* its address */
    uint32_t insn;      /* its word (0 if it could not be read) */
    bool user;          /* run in user mode */
    /* With config.all: every difference at that instruction, up to all of
     * them (registers, control registers, counts, console, memory words),
     * one per line in list (nlist lines). */
    char list[32][320];
    unsigned nlist;
    uint64_t compared;  /* instructions the runs agreed on (if they never diverged) */
    bool both_stopped;
    bool disk_failed;   /* false return: the disk's file failed (err says how) */
};

/* False if the runs could not be set up, or the disk's file failed; the
 * message in err. */
bool lockstep_run(const struct lockstep_config *c, struct lockstep_result *res, char *err, size_t errlen);

#endif
