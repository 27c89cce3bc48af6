/*
 * fuzz_guest.h - one fuzzed guest, run every way vmlab can run it, and
 * checked: the generated kernel (guestgen.h) on the fast bare machine and
 * under the VMM with every shadow policy and the isolation checks on.
 *
 * A finding is anything that must never happen, whatever the guest does:
 * the VMM failing or breaking an isolation invariant, the host crashing
 * (the sanitizers and libFuzzer see that), or the runs disagreeing where
 * the manual says they must agree.  Machines and VMMs are made once per
 * context and rebooted for each input, so a run costs what the guest
 * executes, not the setting up of megabytes of memory.
 */
#ifndef VMLAB_FUZZ_GUEST_H
#define VMLAB_FUZZ_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_GUEST_INSNS 20000 /* each run stops after this many instructions */

struct fuzz_guest;

struct fuzz_guest_stats {
    uint64_t inputs;       /* inputs checked */
    uint64_t vm_runs;      /* runs under the VMM with the isolation checks */
    uint64_t compared;     /* VMM runs compared with the bare machine */
    uint64_t instructions; /* guest instructions run under the VMM */
};

/* inject: enum vmm_inject flags for the runs under the VMM; 0 is the real
 * VMM.  Anything else is a deliberately broken one, to show the fuzzer
 * finds what it is for (the negative controls in suite fuzzregress, and
 * VMLAB_INJECT=N for the libFuzzer and campaign drivers). */
struct fuzz_guest *fuzz_guest_new(unsigned inject);
/* Run the VMM with a technique by name (vmm_config.technique; NULL, as
 * made: the default), before the first check. */
void fuzz_guest_set_technique(struct fuzz_guest *f, const char *technique);
/* ... and a memory technique (vmm_config.mmu: nested paging with hw). */
void fuzz_guest_set_mmu(struct fuzz_guest *f, const char *mmu);

/* VMLAB_INJECT's value v (NULL: unset, the real VMM) as flags; false with
 * a one-line report if it is not a number that fits. */
bool fuzz_guest_inject_flags(const char *v, unsigned *inject, char *report, size_t len);
void fuzz_guest_free(struct fuzz_guest *f);

/* Check one input.  True if nothing is wrong; otherwise false with a
 * report in report[0..len). */
bool fuzz_guest_check(struct fuzz_guest *f, const uint8_t *data, size_t size, char *report, size_t len);
/* n inputs of up to 2 KiB drawn from seed (xorshift), each checked: how
 * many failed, and the first one's number and report in *first, report. */
unsigned fuzz_guest_check_drawn(struct fuzz_guest *f, unsigned n, uint32_t seed, unsigned *first, char *report,
                                size_t len);

const struct fuzz_guest_stats *fuzz_guest_stats(const struct fuzz_guest *f);

#endif
