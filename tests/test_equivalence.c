/*
 * test_equivalence.c - the VMM's first property, proved on the real guest
 * OS: every workload of workloads.c, run under the VMM, ends exactly as on
 * the bare machine.  "Exactly" is everything a program or its user can
 * see at the end:
 *
 *   how it stopped and halt's value, retired instructions and cycles,
 *   r1..r15, pc, every control register (the VMM's virtual ones against
 *   the machine's real ones), the console output byte for byte, the
 *   whole guest-physical memory, and the disk image.
 *
 * Each workload runs under each shadow policy, first as the only VM, then
 * all of them at once in one VMM, time-shared with a short quantum (so a
 * world switch happens in the middle of everything the kernel does).
 * Where a run differs, the message names the workload, the policy and
 * the first difference; `vrun --lockstep` then finds the instruction.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broken_rule.h"
#include "guestrun.h"
#include "workloads.h"

/* Run the workload on the bare machine (policy and inject unused) or as
 * the only VM of a VMM; false if there is no kernel to run. */
static bool run_workload(const struct guest_workload *w, bool under_vmm, enum shadow_policy p, unsigned inject,
                         struct guest_end *e)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return false;
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = w->o.isa, .disk = disk,
                          .disk_len = disklen, .input = w->o.input, .max_insns = GUEST_INSN_LIMIT, .policy = p,
                          .inject = inject}; /* the audit's first finding is in the failure's message */
    if (under_vmm)
        guest_run_vmm(&c, e);
    else
        guest_run_bare(&c, e);
    free(disk);
    return true;
}

static bool run_native(const struct guest_workload *w, struct guest_end *e)
{
    return run_workload(w, false, SHADOW_CACHE, INJECT_NONE, e);
}

static void expect_same(const struct guest_workload *w, const char *how, const struct guest_end *n,
                        const struct guest_end *v)
{
    char what[300];
    guest_end_diff(n, v, what, sizeof what);
    RULE(!what[0], "under the VMM the guest OS ended differently from the bare machine",
         "%s - in workload %s (boot '%s'), %s; vrun --lockstep finds the instruction", what, w->name,
         w->o.boot ? w->o.boot : "", how);
}

/* One workload alone under each policy, against one native run. */
static void check_workload(const struct guest_workload *w)
{
    struct guest_end n;
    if (!run_native(w, &n))
        return;
    CU_ASSERT_EQUAL(n.state, VM_HALTED); /* every workload ends with the kernel's halt */
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct guest_end f;
        run_workload(w, true, (enum shadow_policy)p, INJECT_NONE, &f);
        char how[64];
        snprintf(how, sizeof how, "%s shadows, alone", shadow_policy_name((enum shadow_policy)p));
        expect_same(w, how, &n, &f);
        /* the efficiency is real: the kernel ran deprivileged, mostly directly */
        const struct vm_stats *s = &f.stats;
        RULE(s->direct + s->emulated == f.instret, "the VMM's counts do not add up",
             "%llu direct + %llu emulated, should be the %llu instructions retired - in workload %s, %s",
             (unsigned long long)s->direct, (unsigned long long)s->emulated, (unsigned long long)f.instret, w->name,
             how);
        RULE(s->emulated > 0, "the VMM emulated nothing: the guest kernel did not run deprivileged",
             "in workload %s, %s", w->name, how);
        RULE(s->direct > s->emulated, "the guest ran mostly emulated, not directly",
             "%llu direct, %llu emulated - in workload %s, %s", (unsigned long long)s->direct,
             (unsigned long long)s->emulated, w->name, how);
        RULE(f.audit == 0, "the shadow audit found wrong shadow entries when the VM stopped",
             "%u findings, the first: %s - in workload %s, %s", f.audit, f.audit_first, w->name, how);
        guest_end_free(&f);
    }
    guest_end_free(&n);
}

#define EQUIVALENCE_TEST(i)                                                                               \
    static void test_equivalence_##i(void) { check_workload(&guest_workloads[i]); }
GUEST_WORKLOAD_INDEXES(EQUIVALENCE_TEST)
#define EQUIVALENCE_FN(i) test_equivalence_##i,
static void (*const equivalence_tests[])(void) = {GUEST_WORKLOAD_INDEXES(EQUIVALENCE_FN)};
_Static_assert(sizeof equivalence_tests / sizeof equivalence_tests[0] == GUEST_NWORKLOADS,
               "GUEST_WORKLOAD_INDEXES must count 0 .. GUEST_NWORKLOADS - 1");

/* Every workload at once, one VM each, in one VMM: each must still end
 * exactly as it does alone on the bare machine, however the scheduler
 * interleaved them.  The quanta differ per policy, and are prime, so the
 * world switches fall at different places in each run. */
static void check_all_at_once(enum shadow_policy p, uint32_t quantum)
{
    if (!guest_kernel())
        return;
    const uint32_t shadow_frames = 1024;
    uint64_t host = PAGE_SIZE; /* frame 0, which the VMM never hands out */
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        host += guest_mem(&guest_workloads[i].o) + (uint64_t)shadow_frames * PAGE_SIZE;
    CU_ASSERT_FATAL(host <= UINT32_MAX);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = p, .quantum = quantum, .shadow_frames = shadow_frames};
    struct vmm *v = vmm_new(&vc, (uint32_t)host, err, sizeof err);
    if (!v)
        fprintf(stderr, "\nvmm_new: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture *out = calloc(GUEST_NWORKLOADS, sizeof *out);
    struct vm *vm[GUEST_NWORKLOADS];
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        const struct guest_workload *w = &guest_workloads[i];
        size_t disklen;
        uint8_t *disk = guest_disk(&w->o, &disklen);
        out[i].in = w->o.input;
        struct vm_config cfg = {.name = w->name,
                                .mem_size = guest_mem(&w->o),
                                .image = guest_kernel(),
                                .bootarg = w->o.boot,
                                .disk = disk,
                                .disk_len = disklen,
                                .io = {.ctx = &out[i], .read = capture_read, .write = capture_write},
                                .max_insns = GUEST_INSN_LIMIT};
        vm[i] = vmm_add_vm(v, &cfg, err, sizeof err);
        free(disk);
        if (!vm[i])
            fprintf(stderr, "\nvmm_add_vm %s: %s\n", w->name, err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(vm[i]);
    }
    vmm_run(v);
    expect_audit_clean(v, "every VM of the test");
    char how[64];
    snprintf(how, sizeof how, "%s shadows, %d VMs at once, quantum %u", shadow_policy_name(p), GUEST_NWORKLOADS,
             quantum);
    uint64_t switched = 0;
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        struct guest_end n, f;
        guest_end_of(vm[i], &out[i], &f);
        if (run_native(&guest_workloads[i], &n))
            expect_same(&guest_workloads[i], how, &n, &f);
        guest_end_free(&n);
        guest_end_free(&f);
        switched += vm_stats(vm[i])->exits[VMX_TIMER];
    }
    RULE(switched > GUEST_NWORKLOADS, "the VMs were not time-shared: too few timer exits", /* they really were */
         "%llu timer exits for %d VMs - %s", (unsigned long long)switched, GUEST_NWORKLOADS, how);
    free(out);
    vmm_free(v);
}

static void test_all_at_once_rebuild(void) { check_all_at_once(SHADOW_REBUILD, 997); }
static void test_all_at_once_demand(void) { check_all_at_once(SHADOW_DEMAND, 7919); }
static void test_all_at_once_cache(void) { check_all_at_once(SHADOW_CACHE, 100003); }

/* The comparison itself can fail: a deliberate one-byte change anywhere
 * in the end state is reported (a checker that never reports proves
 * nothing). */
static void test_comparison_sees_differences(void)
{
    const struct guest_workload *w = &guest_workloads[1]; /* hello */
    struct guest_end n, v;
    if (!run_native(w, &n) || !run_native(w, &v))
        return;
    char what[200];
    guest_end_diff(&n, &v, what, sizeof what);
    CU_ASSERT_STRING_EQUAL(what, "");

    v.mem[n.memlen - 1] ^= 1;
    guest_end_diff(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "memory at 0x"));
    v.mem[n.memlen - 1] ^= 1;

    v.out[v.outlen - 1] ^= 1;
    guest_end_diff(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "console output"));
    v.out[v.outlen - 1] ^= 1;

    v.crs[CR_SCRATCH] ^= 1;
    guest_end_diff(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "scratch"));
    v.crs[CR_SCRATCH] ^= 1;

    v.regs[NREGS - 1] ^= 1;
    guest_end_diff(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "native 0x"));
    v.regs[NREGS - 1] ^= 1;

    v.cycles++;
    guest_end_diff(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "cycles"));
    v.cycles--;

    guest_end_diff(&n, &v, what, sizeof what);
    CU_ASSERT_STRING_EQUAL(what, "");
    guest_end_free(&n);
    guest_end_free(&v);
}

/* And on a real VMM bug: a VMM that never sets the dirty bit in the
 * guest's page tables (enum vmm_inject) is caught by the workload that
 * reads D back, under every policy. */
static void test_broken_vmm_is_caught(void)
{
    const struct guest_workload *w = guest_workload("dirty");
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct guest_end n;
    if (!run_native(w, &n))
        return;
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct guest_end f;
        run_workload(w, true, (enum shadow_policy)p, INJECT_NO_DIRTY, &f);
        char what[300];
        guest_end_diff(&n, &f, what, sizeof what);
        RULE(strstr(what, "console output") != NULL,
             "a VMM that never sets the guest's dirty bits was not caught by the workload that reads D back",
             "the first difference was \"%s\", should be in the console output - %s shadows", what,
             shadow_policy_name((enum shadow_policy)p));
        guest_end_free(&f);
    }
    guest_end_free(&n);
}

void suite_equivalence(void)
{
    CU_pSuite s = rule_suite("equivalence", NULL, guest_kernel_free);
    CU_add_test(s, "the end-state comparison sees a one-bit difference", test_comparison_sees_differences);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        static char names[GUEST_NWORKLOADS][100];
        snprintf(names[i], sizeof names[i],
                 "workload %s ends under the VMM exactly as on the bare machine, every policy",
                 guest_workloads[i].name);
        CU_add_test(s, names[i], equivalence_tests[i]);
    }
    CU_add_test(s, "a VMM that never sets the guest's dirty bits is caught", test_broken_vmm_is_caught);
    CU_add_test(s, "all workloads at once in one VMM, rebuild shadows: each ends as on the bare machine",
                test_all_at_once_rebuild);
    CU_add_test(s, "all workloads at once in one VMM, demand shadows: each ends as on the bare machine",
                test_all_at_once_demand);
    CU_add_test(s, "all workloads at once in one VMM, cache shadows: each ends as on the bare machine",
                test_all_at_once_cache);
}
