/*
 * pgclass.h - an empirical Popek-Goldberg classifier: each instruction's
 * class DISCOVERED by running it, one instruction at a time, on the
 * machine of machine.h, from many generated states, and comparing what
 * happened.  It reads nothing of the instruction table but what it needs
 * to spell legal words (form, immediate kind); not the sensitivity, not
 * the privilege columns.  tools/vpg.c prints it; tests/test_vpg.c checks
 * it against the table of docs/isa.md section 10.
 *
 * The definitions (Popek and Goldberg 1974, adapted to this machine):
 *
 *  - A STATE is what a program and its supervisor set up before the
 *    instruction: its VIRTUAL VIEW - general registers, pc, the contents
 *    of the pages it can address (a code page and a data page), and the
 *    device registers it writes itself (disk.block, disk.addr, disk.ctrl,
 *    con.ctrl) and its console input - and the CONFIGURATION around it:
 *    mode S, IE (and PS, PIE), paging PG, ptb and the physical frames
 *    behind the view (its placement), tvec, epc, cause, badaddr, scratch,
 *    the timer, which disk is attached (if any), the TLB.
 *  - An OUTCOME is whether the instruction trapped (its cause), the
 *    registers, pc and the view's pages after it (read through the
 *    placement the state had), and the configuration after it.  Time
 *    (instret, cycles) is not part of it; the timer is kept as the cycle
 *    at which it fires, so that counting down is no change.
 *  - PRIVILEGED: traps with cause `privileged` in every user-mode state and
 *    in no supervisor-mode state.  An instruction that traps in both modes
 *    (syscall, break) leaves the VMM in control anyway: neither privileged
 *    nor sensitive.
 *  - CONTROL-SENSITIVE: in some state where it does not trap it changes
 *    the configuration: a status bit, ptb, tvec, epc, cause, badaddr,
 *    scratch, the timer, a device, a TLB entry it invalidates (filling one
 *    is what any access does, not a change of the map), or it stops the CPU
 *    (halts, idles, deadlocks).
 *  - BEHAVIOUR-SENSITIVE: two states with the same virtual view whose
 *    configuration differs - mode, IE, PG, ptb and placement, the disk - give
 *    different outcomes, neither trapping: different registers, pc or
 *    view, or a different effect on the configuration (a part that one run
 *    changes and the other leaves alone, or changes to another value).  The
 *    TLB is left out of this comparison: it caches the placement, which the
 *    two states differ in by construction.
 *  - USER-SENSITIVE: control-sensitive in a user-mode state, or
 *    behaviour-sensitive with both states in user mode (Theorem 3).
 *  - The CLASS: innocuous if not sensitive; privileged if sensitive and
 *    privileged; else control-sensitive if it is so (the more dangerous
 *    half), else behaviour-sensitive.
 *
 * Theorem 1: a trap-and-emulate VMM exists if every sensitive instruction
 * is privileged.  Theorem 3: a hybrid VMM (virtual supervisor mode
 * interpreted) exists if every user-sensitive instruction is privileged.
 */
#ifndef VMLAB_PGCLASS_H
#define VMLAB_PGCLASS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "isa.h"

/* The virtual view: these pages, at these virtual addresses, in every
 * state (with paging off the placement is the identity). */
#define PG_VIEW_PAGES 2
#define PG_VIEW_BASE 0x4000u /* the code page; the data page follows */
#define PG_MEM_SIZE (64u << 10)

/* One generated state, enough to rebuild it on a fresh machine. */
struct pg_state {
    uint32_t word;                 /* the instruction, at pc */
    uint32_t pc;
    uint32_t r[NREGS];             /* r[0] is 0 */
    uint64_t content;              /* seed of the view's bytes */
    uint32_t status, tvec, epc, cause, badaddr, scratch;
    uint32_t timer;                /* armed this many cycles ahead */
    uint32_t frame[PG_VIEW_PAGES]; /* physical address behind each page of the view */
    uint32_t l1, l2;               /* the page tables' frames; ptb = l1 */
    uint32_t disk_blocks;          /* 0: no disk */
    uint32_t disk_block, disk_addr, disk_ctrl, con_ctrl;
    bool con_input;                /* input waits at the console, else it has ended */
};

/* What a run showed: at most a line, "r5: 0x00000013 / 0x00000011". */
#define PG_WHAT 200
struct pg_witness {
    bool found;
    struct pg_state a, b; /* b: only for behaviour */
    char what[PG_WHAT];
};

struct pg_insn {
    bool control, behaviour;           /* sensitive, in the definitions above */
    bool user_control, user_behaviour; /* ... using user-mode states only */
    bool privileged;
    unsigned long user_runs, user_priv, super_runs, super_priv;
    struct pg_witness cw, bw, ucw, ubw; /* control, behaviour, and in user mode */
};

struct pg_report {
    enum isa_variant isa;
    unsigned states;
    uint64_t seed;
    unsigned long runs;
    struct pg_insn insn[OP_COUNT];
};

/* The first 8 states cover each mode, IE and PG; each state has
 * PG_VARIANTS variants (mode, IE, PG, placement, disk). */
#define PG_MIN_STATES 8u
#define PG_VARIANTS 5
#define PG_DEFAULT_STATES 16u
#define PG_DEFAULT_SEED 1u
#define PG_MAX_STATES 4096u

/* Classify every instruction of variant isa from `states` generated
 * states (per encoding) and seed.  False and why in err if the machine
 * cannot be made. */
bool pgclass_run(struct pg_report *rep, enum isa_variant isa, unsigned states, uint64_t seed, char *err,
                 size_t errlen);

enum isa_sens pg_sensitivity(const struct pg_insn *in);
bool pg_sensitive(const struct pg_insn *in);
bool pg_user_sensitive(const struct pg_insn *in);
enum isa_class pg_class(const struct pg_insn *in);
/* Theorem 1 (user false) or 3 (user true) holds for the report. */
bool pg_theorem(const struct pg_report *rep, bool user);

/* Replay a witness on a fresh machine and describe it again, into what:
 * the configuration change (control) or the difference between the two
 * outcomes (behaviour).  False if the replay shows no change, no
 * difference, or a trap. */
bool pg_replay(enum isa_variant isa, const struct pg_witness *w, bool behaviour, char *what, size_t len);

/* One run on a fresh machine: the instruction's register results, for a
 * test that checks them against the manual.  False if it trapped. */
bool pg_run_regs(enum isa_variant isa, const struct pg_state *s, uint32_t r[NREGS], uint32_t *pc);

/* "S=1 IE=0 PG=1 ptb=0x0000a000 code@0x00007000 data@0x00009000 disk=4"
 * and the fields by which b differs from a: "S 1/0". */
void pg_state_describe(const struct pg_state *s, char *buf, size_t len);
void pg_state_differences(const struct pg_state *a, const struct pg_state *b, char *buf, size_t len);
/* The instruction of a state, "mfcr r5, status". */
void pg_insn_text(uint32_t word, char *buf, size_t len);

/* Output: the table, the verdicts with witnesses; JSON; and the table of
 * docs/isa.md section 10 from both variants' reports. */
void pg_print_text(FILE *f, const struct pg_report *rep);
void pg_print_json(FILE *f, const struct pg_report *rep);
void pg_print_markdown(FILE *f, const struct pg_report *pg, const struct pg_report *x86);

#endif
