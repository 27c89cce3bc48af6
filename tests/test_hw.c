/*
 * test_hw.c - the hardware guest mode in the VMM (vmm/hw.c, vmm/nested.c;
 * docs/vmm.md section 14), suite `hw`.  What it must do, on BOTH isas:
 *
 *   - every guest-OS workload of workloads.c under --technique hw, over
 *     shadow paging with each policy and over nested paging, with the
 *     isolation checker on, ends exactly as on the bare machine
 *     (registers, memory, disk, output, instret) - on x86like too, where
 *     trap-and-emulate does not;
 *   - its counts add up: direct + emulated == instret, one exit per entry,
 *     GUEST_ENTRY_CYCLES + GUEST_EXIT_CYCLES a round trip; the devices'
 *     instructions and the guest's TLB flushes reach the VMM exactly as
 *     often as under trap-and-emulate on pg, which sees every one (under
 *     nested paging the flushes do not); nested paging has no page-fault
 *     exit;
 *   - page walks as the manual counts them: a guest touching K pages
 *     after a flush misses K + 1 times, 2 entries a walk over shadow
 *     tables, 8 under nested paging (docs/isa.md section 14);
 *   - hostile guests: a host-table entry lost exits and is made again
 *     (the guest, the other VM and the checker see nothing); a page table
 *     pointing past memory gets the bare machine's bus error; a VMM that
 *     maps a guest-physical page to another VM's frame is stopped by the
 *     checker before the guest runs on it.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "broken_rule.h"
#include "fuzz/fuzz_guest.h"
#include "guestrun.h"
#include "lockstep.h"
#include "seams.h"
#include "workloads.h"

static const enum isa_variant isas[] = {ISA_PG, ISA_X86LIKE};

/* The configurations of the VMM under hw: shadow paging with each
 * policy, and nested paging (which has none: one run). */
struct hwcfg {
    const char *mmu;
    enum shadow_policy policy;
};
static const struct hwcfg hwcfgs[] = {
    {"shadow", SHADOW_REBUILD}, {"shadow", SHADOW_DEMAND}, {"shadow", SHADOW_CACHE}, {"nested", SHADOW_CACHE}};
#define NHWCFGS (sizeof hwcfgs / sizeof *hwcfgs)

static const char *cfg_name(const struct hwcfg *h)
{
    static char b[64];
    if (strcmp(h->mmu, "nested") == 0)
        return "nested paging";
    snprintf(b, sizeof b, "%s shadows", shadow_policy_name(h->policy));
    return b;
}

/* The workload's run on the bare machine (technique NULL), or under a
 * technique with the isolation checker on; false if there is no kernel. */
static bool run_workload(const struct guest_workload *w, enum isa_variant isa, const char *technique, const char *mmu,
                         enum shadow_policy p, unsigned inject, struct guest_end *e)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return false;
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = isa, .disk = disk,
                          .disk_len = disklen, .input = w->o.input, .max_insns = GUEST_INSN_LIMIT,
                          .technique = technique, .mmu = mmu, .policy = p, .check = true, .inject = inject};
    if (technique)
        guest_run_vmm(&c, e);
    else
        guest_run_bare(&c, e);
    free(disk);
    return true;
}

/* hw's own counts, which no comparison with the bare machine sees. */
static void expect_counts(const struct guest_end *f, bool nested, const char *who)
{
    const struct vm_stats *s = &f->stats;
    RULE(s->direct + s->emulated == f->instret && s->interpreted == 0, "hw's counts do not add up",
         "%llu direct + %llu emulated (+ %llu interpreted), should be the %llu instructions retired - %s",
         (unsigned long long)s->direct, (unsigned long long)s->emulated, (unsigned long long)s->interpreted,
         (unsigned long long)f->instret, who);
    uint64_t exits = 0;
    for (size_t i = 0; i < sizeof s->guest_exits / sizeof *s->guest_exits; i++)
        exits += s->guest_exits[i];
    RULE(s->guest_entries > 0 && exits == s->guest_entries &&
             s->transition_cycles == s->guest_entries * (GUEST_ENTRY_CYCLES + GUEST_EXIT_CYCLES),
         "the guest mode's entries, exits and transition cycles do not agree",
         "%llu entries, %llu exits, %llu cycles - %s", (unsigned long long)s->guest_entries,
         (unsigned long long)exits, (unsigned long long)s->transition_cycles, who);
    uint64_t faults = s->exits[VMX_PF_HIDDEN] + s->exits[VMX_PF_TRACING] + s->exits[VMX_PF_TRUE];
    RULE(!nested || (faults == 0 && s->guest_exits[EXIT_TRAP] == 0 && s->emulated_by_op[OP_TLBFLUSH] == 0 &&
                     s->emulated_by_op[OP_TLBFLUSHV] == 0 && s->shadow_built == 1 + (f->memlen / PAGE_SIZE + PT_ENTRIES - 1) / PT_ENTRIES),
         "under nested paging the VMM saw page faults, TLB flushes or more tables than its host table",
         "%llu page faults, %llu trap exits, %llu tlbflush, %llu tlbflushv emulated, %llu tables - %s",
         (unsigned long long)faults, (unsigned long long)s->guest_exits[EXIT_TRAP],
         (unsigned long long)s->emulated_by_op[OP_TLBFLUSH], (unsigned long long)s->emulated_by_op[OP_TLBFLUSHV],
         (unsigned long long)s->shadow_built, who);
    RULE(s->exits[VMX_REFLECTED] == 0 || nested, "hw reflected a trap the hardware delivers itself",
         "%llu reflected - %s", (unsigned long long)s->exits[VMX_REFLECTED], who);
    RULE(s->silent.total == 0, "a sensitive instruction ran silently under hw", "%llu silent - %s",
         (unsigned long long)s->silent.total, who);
    RULE(s->walks > 0 && s->walk_refs >= s->walks && s->walk_refs <= (nested ? 8 : 2) * s->walks,
         "the walk references are not what walks of the tables read",
         "%llu walks, %llu references (at most %u a walk) - %s", (unsigned long long)s->walks,
         (unsigned long long)s->walk_refs, nested ? 8 : 2, who);
    RULE(f->free_after == f->free_before, "hw's frames did not all go back when the VM was removed",
         "%u free before, %u after - %s", f->free_before, f->free_after, who);
}

/* The instructions the VMM must see under hw, as often as
 * trap-and-emulate, which sees every privileged instruction of the guest
 * kernel: the devices' and halt always; the TLB flushes over shadow
 * tables (the pager sees every flush), none under nested paging. */
static void expect_same_interceptions(const struct guest_end *te, const struct guest_end *f, bool nested,
                                      const char *who)
{
    static const enum op ops[] = {OP_IN, OP_OUT, OP_WFI, OP_HALT, OP_TLBFLUSH, OP_TLBFLUSHV};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        bool flush = ops[i] == OP_TLBFLUSH || ops[i] == OP_TLBFLUSHV;
        uint64_t want = nested && flush ? 0 : te->stats.emulated_by_op[ops[i]];
        RULE(f->stats.emulated_by_op[ops[i]] == want, "hw did not intercept an instruction as often as it must",
             "%s emulated %llu times, trap-and-emulate %llu (want %llu) - %s", isa_insns[ops[i]].mnem,
             (unsigned long long)f->stats.emulated_by_op[ops[i]], (unsigned long long)te->stats.emulated_by_op[ops[i]],
             (unsigned long long)want, who);
    }
}

static void check_workload(const struct guest_workload *w)
{
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end n, te;
        if (!run_workload(w, isas[i], NULL, NULL, SHADOW_CACHE, 0, &n))
            return;
        /* trap-and-emulate sees every privileged instruction on pg (on
         * x86like its kernel panics: the contrast test below) */
        bool pg = isas[i] == ISA_PG;
        if (pg)
            run_workload(w, isas[i], "trap-and-emulate", NULL, SHADOW_CACHE, 0, &te);
        for (size_t h = 0; h < NHWCFGS; h++) {
            struct guest_end f;
            bool nested = strcmp(hwcfgs[h].mmu, "nested") == 0;
            run_workload(w, isas[i], "hw", hwcfgs[h].mmu, hwcfgs[h].policy, 0, &f);
            char who[200], what[300];
            snprintf(who, sizeof who, "workload %s (boot '%s'), %s, hw, %s, isolation checker on", w->name,
                     w->o.boot ? w->o.boot : "", isa_variant_name(isas[i]), cfg_name(&hwcfgs[h]));
            guest_end_diff(&n, &f, what, sizeof what);
            RULE(!what[0], "under hw the guest OS ended differently from the bare machine",
                 "%s - %s; vrun --lockstep --technique hw finds the instruction", what, who);
            expect_counts(&f, nested, who);
            if (pg)
                expect_same_interceptions(&te, &f, nested, who);
            RULE(f.audit == 0, "the audit found wrong entries when the VM stopped", "%u findings, the first: %s - %s",
                 f.audit, f.audit_first, who);
            guest_end_free(&f);
        }
        if (pg)
            guest_end_free(&te);
        guest_end_free(&n);
    }
}

#define HW_TEST(i) \
    static void test_workload_##i(void) { check_workload(&guest_workloads[i]); }
GUEST_WORKLOAD_INDEXES(HW_TEST)
#define HW_FN(i) test_workload_##i,
static void (*const workload_tests[])(void) = {GUEST_WORKLOAD_INDEXES(HW_FN)};
_Static_assert(sizeof workload_tests / sizeof workload_tests[0] == GUEST_NWORKLOADS,
               "GUEST_WORKLOAD_INDEXES must count 0 .. GUEST_NWORKLOADS - 1");

/* The contrast: on x86like trap-and-emulate lets the kernel's rdsr see the
 * real mode (it panics); hw, where the kernel's rdsr reads its own status,
 * does not. */
static void test_x86like_trap_and_emulate_fails(void)
{
    struct guest_end n, t;
    const struct guest_workload *w = &guest_workloads[0];
    if (!run_workload(w, ISA_X86LIKE, NULL, NULL, SHADOW_CACHE, 0, &n))
        return;
    run_workload(w, ISA_X86LIKE, "trap-and-emulate", NULL, SHADOW_CACHE, 0, &t);
    char what[300];
    guest_end_diff(&n, &t, what, sizeof what);
    RULE(what[0] != 0, "on x86like the demo ended under trap-and-emulate as natively",
         "the kernel should see the real mode through rdsr and panic");
    for (size_t h = 0; h < NHWCFGS; h++) {
        struct guest_end f;
        run_workload(w, ISA_X86LIKE, "hw", hwcfgs[h].mmu, hwcfgs[h].policy, 0, &f);
        guest_end_diff(&n, &f, what, sizeof what);
        RULE(!what[0], "on x86like the demo under hw did not end as natively", "%s - %s", what,
             cfg_name(&hwcfgs[h]));
        RULE(f.stats.emulated_by_op[OP_RDSR] + f.stats.emulated_by_op[OP_WRSR] + f.stats.emulated_by_op[OP_RDPTB] == 0,
             "under hw the VMM emulated rdsr, wrsr or rdptb: they should run in the guest", "%s",
             cfg_name(&hwcfgs[h]));
        guest_end_free(&f);
    }
    guest_end_free(&n);
    guest_end_free(&t);
}

/* Lockstep with the bare machine (vrun --lockstep --technique hw [--mmu
 * nested]) finds no instruction where they part, every 997 instructions
 * compared, on the workloads with most exits of each kind. */
static void test_lockstep(void)
{
    static const char *const names[] = {"demo", "misbehave", "disk-busy", "echo"};
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        for (size_t n = 0; n < sizeof names / sizeof *names; n++)
            for (size_t h = 2; h < NHWCFGS; h++) { /* cached shadows, nested paging */
                const struct guest_workload *w = guest_workload(names[n]);
                CU_ASSERT_PTR_NOT_NULL_FATAL(w);
                if (!guest_kernel())
                    return;
                size_t disklen = 0;
                uint8_t *disk = guest_disk(&w->o, &disklen);
                const char *in = w->o.input ? w->o.input : "";
                struct lockstep_config c = {.image = guest_kernel(), .bootarg = w->o.boot, .mem_size = guest_mem(&w->o),
                                            .isa = isas[i], .technique = "hw", .mmu = hwcfgs[h].mmu,
                                            .policy = hwcfgs[h].policy, .input = (const uint8_t *)in,
                                            .input_len = strlen(in), .disk = disk, .disk_len = disklen, .stride = 997};
                static struct lockstep_result r;
                char err[300];
                bool ok = lockstep_run(&c, &r, err, sizeof err);
                RULE(ok && !r.diverged && r.both_stopped, "lockstep found an instruction where hw and the bare machine part",
                     "%s; after instruction %llu (pc 0x%08x): %s - %s, %s, %s", ok ? "" : err,
                     (unsigned long long)r.instret, r.pc, r.what, names[n], isa_variant_name(isas[i]),
                     cfg_name(&hwcfgs[h]));
                free(disk);
            }
}

/* Generated guests (tests/fuzz/guestgen.c: random kernels of system
 * instructions, page tables, traps, devices, hypercalls) under hw, over
 * shadows with every policy and over nested paging, checker on: each
 * ends as on the reference CPU (isa/ref/), but where the guest relies on
 * a stale TLB entry. */
#define HW_FUZZ_INPUTS 1500
static void test_generated_guests(void)
{
    static const char *const mmus[] = {"shadow", "nested"};
    for (size_t i = 0; i < sizeof mmus / sizeof *mmus; i++) {
        struct fuzz_guest *f = fuzz_guest_new(0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fuzz_guest_set_technique(f, "hw");
        fuzz_guest_set_mmu(f, mmus[i]);
        static char report[8192];
        unsigned first = 0, bad = fuzz_guest_check_drawn(f, HW_FUZZ_INPUTS, 0x68770017u, &first, report, sizeof report);
        RULE(bad == 0, "generated guests under hw did not end as on the reference CPU, or broke a rule",
             "%u of %u over %s; the first, input %u: %s", bad, HW_FUZZ_INPUTS, mmus[i], first, report);
        const struct fuzz_guest_stats *st = fuzz_guest_stats(f);
        RULE(st->compared * 2 > st->inputs, "too few generated guests were compared with the reference CPU",
             "%llu of %llu over %s", (unsigned long long)st->compared, (unsigned long long)st->inputs, mmus[i]);
        fuzz_guest_free(f);
    }
}

/* Every workload at once in one VMM, time-shared with a quantum of 997
 * and the checker on, on x86like, over cached shadows and over nested
 * paging: a world switch in the middle of everything, each VM's host
 * table or shadow its own (the TLB flushed when another VM is put on the
 * CPU), and each VM ends as alone on the bare machine. */
static void test_all_at_once(void)
{
    if (!guest_kernel())
        return;
    for (size_t h = 2; h < NHWCFGS; h++) {
        const uint32_t shadow_frames = 1024;
        uint64_t host = PAGE_SIZE;
        for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
            host += guest_mem(&guest_workloads[i].o) + (uint64_t)shadow_frames * PAGE_SIZE;
        CU_ASSERT_FATAL(host <= UINT32_MAX);
        char err[300];
        struct vmm_config vc = {.isa = ISA_X86LIKE, .technique = "hw", .mmu = hwcfgs[h].mmu,
                                .policy = hwcfgs[h].policy, .quantum = 997, .shadow_frames = shadow_frames,
                                .check_isolation = true};
        struct vmm *v = vmm_new(&vc, (uint32_t)host, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        struct capture *out = calloc(GUEST_NWORKLOADS, sizeof *out);
        struct vm *vm[GUEST_NWORKLOADS];
        CU_ASSERT_PTR_NOT_NULL_FATAL(out);
        for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
            const struct guest_workload *w = &guest_workloads[i];
            size_t disklen;
            uint8_t *disk = guest_disk(&w->o, &disklen);
            out[i].in = w->o.input;
            struct vm_config cfg = {.name = w->name, .mem_size = guest_mem(&w->o), .image = guest_kernel(),
                                    .bootarg = w->o.boot, .disk = disk, .disk_len = disklen,
                                    .io = {.ctx = &out[i], .read = capture_read, .write = capture_write},
                                    .max_insns = GUEST_INSN_LIMIT};
            vm[i] = vmm_add_vm(v, &cfg, err, sizeof err);
            free(disk);
            CU_ASSERT_PTR_NOT_NULL_FATAL(vm[i]);
        }
        vmm_run(v);
        expect_audit_clean(v, "every VM, after all ran under hw");
        for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
            struct guest_end n, f;
            guest_end_of(vm[i], &out[i], &f);
            if (run_workload(&guest_workloads[i], ISA_X86LIKE, NULL, NULL, SHADOW_CACHE, 0, &n)) {
                char what[300];
                guest_end_diff(&n, &f, what, sizeof what);
                RULE(!what[0], "time-shared under hw, a VM ended differently from the bare machine",
                     "%s%s%s - workload %s, x86like, %d VMs at once, quantum 997, %s, checker on", what,
                     f.state == VM_ISOLATION ? ": " : "", f.state == VM_ISOLATION ? f.violation.text : "",
                     guest_workloads[i].name, GUEST_NWORKLOADS, cfg_name(&hwcfgs[h]));
                guest_end_free(&n);
            }
            guest_end_free(&f);
        }
        free(out);
        vmm_free(v);
    }
}

/* An instruction limit of n ends the VM where the bare machine is after
 * n - registers, pc, memory, output - wherever n falls (the budget is the
 * machine's, inside the guest mode). */
static void test_instruction_limit(void)
{
    static const uint64_t ns[] = {1, 2, 7, 1000, 31337, 250001, 1234567, 3000000};
    const struct guest_workload *w = &guest_workloads[0];
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        for (size_t h = 2; h < NHWCFGS; h++)
            for (size_t j = 0; j < sizeof ns / sizeof *ns; j++) {
                struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = isas[i],
                                      .max_insns = ns[j], .technique = "hw", .mmu = hwcfgs[h].mmu,
                                      .policy = hwcfgs[h].policy, .check = true};
                char what[300];
                guest_vmm_against_bare(&c, what, sizeof what);
                RULE(!what[0], "with an instruction limit, hw stopped elsewhere than the bare machine",
                     "%s - the demo on %s, %llu instructions, %s", what, isa_variant_name(isas[i]),
                     (unsigned long long)ns[j], cfg_name(&hwcfgs[h]));
            }
}

/* --- page walks ---------------------------------------------------------------------- */

/* tests/guests/hwwalks.s touches NPAGES pages after a tlbflush, in code of
 * one page: NPAGES + 1 TLB misses from `flushed` to its halt (the code
 * page's first fetch, each data page once), each a whole walk.  A walk
 * reads PT_LEVELS = 2 entries over a shadow (the real MMU walks one
 * table), n*m + n + m = 8 under nested paging with the guest's paging on
 * (docs/isa.md section 14: each of the guest's 2 entries and the page
 * translated by the host table's 2 levels). */
#define HWWALKS_NPAGES 8
static void test_walk_references(void)
{
    struct elf_image img;
    if (!guest_image("hwwalks", &img))
        return;
    const struct elf_symbol *flushed = elf_symbol_named(&img, "flushed");
    CU_ASSERT_PTR_NOT_NULL_FATAL(flushed);
    const uint64_t misses = HWWALKS_NPAGES + 1;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        for (size_t h = 0; h < NHWCFGS; h++) {
            bool nested = strcmp(hwcfgs[h].mmu, "nested") == 0;
            const uint64_t refs = misses * (nested ? PT_LEVELS * PT_LEVELS + 2 * PT_LEVELS : PT_LEVELS);
            char err[300];
            struct vmm_config vc = {.isa = isas[i], .technique = "hw", .mmu = hwcfgs[h].mmu,
                                    .policy = hwcfgs[h].policy, .check_isolation = true};
            struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 1100 * PAGE_SIZE, err, sizeof err);
            CU_ASSERT_PTR_NOT_NULL_FATAL(v);
            struct vm_config cfg = {.name = "walks", .mem_size = GUESTRUN_MEM, .image = &img,
                                    .max_insns = 100000};
            struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
            CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
            uint32_t regs[NREGS], pc = 0, crs[NCRS];
            for (int n = 0; n < 20000 && pc != flushed->value && vm_state(vm) == VM_RUNNABLE; n++) {
                vm_step(v, vm, 1);
                vm_regs(vm, regs, &pc, crs);
            }
            CU_ASSERT_EQUAL_FATAL(pc, flushed->value);
            struct vm_stats at = *vm_stats(vm);
            vmm_run(v);
            const struct vm_stats *s = vm_stats(vm);
            RULE(vm_state(vm) == VM_HALTED && vm_exit_value(vm) == 0, "hwwalks.s did not halt with 0",
                 "%s: %s - %s, %s", vm_state_name(vm_state(vm)), vm_message(vm), isa_variant_name(isas[i]),
                 cfg_name(&hwcfgs[h]));
            RULE(s->walks - at.walks == misses && s->walk_refs - at.walk_refs == refs,
                 "the TLB misses after the flush, or the entries their walks read, are not the manual's",
                 "%llu walks reading %llu entries; want %llu walks, %llu entries - %s, %s",
                 (unsigned long long)(s->walks - at.walks), (unsigned long long)(s->walk_refs - at.walk_refs),
                 (unsigned long long)misses, (unsigned long long)refs, isa_variant_name(isas[i]),
                 cfg_name(&hwcfgs[h]));
            vmm_free(v);
        }
    elf_free(&img);
}

/* --- hostile guests ------------------------------------------------------------------- */

/* A test guest natively and under every hw configuration, checker on:
 * each must end as the bare machine. */
static void expect_guest_as_bare(const char *name, uint32_t mem, uint32_t value)
{
    struct elf_image img;
    if (!guest_image(name, &img))
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_run c = {.image = &img, .mem = mem, .isa = isas[i], .check = true};
        struct guest_end n;
        guest_run_bare(&c, &n);
        RULE(n.state == VM_HALTED && n.value == value, "the test guest did not do what the manual says natively",
             "%s, halt value %u, want %u - %s.s on %s: %s", vm_state_name(n.state), n.value, value, name,
             isa_variant_name(isas[i]), n.out);
        for (size_t h = 0; h < NHWCFGS; h++) {
            struct guest_end f;
            c.technique = "hw";
            c.mmu = hwcfgs[h].mmu;
            c.policy = hwcfgs[h].policy;
            guest_run_vmm(&c, &f);
            char who[160], what[300];
            snprintf(who, sizeof who, "guest %s (%s), hw, %s", name, isa_variant_name(isas[i]),
                     cfg_name(&hwcfgs[h]));
            expect_vm_as_bare(&n, &f, who, what, sizeof what);
            guest_end_free(&f);
        }
        guest_end_free(&n);
    }
    elf_free(&img);
}

/* ptebeyond.s: leaf and level-1 entries for frames past memory - loads,
 * stores and jumps through them, from both modes - are the bare machine's
 * bus errors (55 checks of its own), in a small memory too; under nested
 * paging each is a nested fault the VMM turns into that bus error. */
static void test_tables_past_memory(void)
{
    expect_guest_as_bare("ptebeyond", GUESTRUN_MEM, 0);
    expect_guest_as_bare("ptebeyond", 64u << 10, 0);
}

/* The host-table entry of one guest page - one its guest has not touched
 * yet - made invalid behind the VMM's back (as a bit flip, or a VMM that
 * lost it, would): the guest's first access there exits, the VMM makes
 * the entry again, and the guest goes on.  The VM and the other VM of the
 * same VMM both end as alone on the bare machine, the checker silent. */
static void test_lost_host_entry(void)
{
    struct elf_image vic;
    if (!guest_image("victim", &vic))
        return;
    const struct elf_symbol *secret = elf_symbol_named(&vic, "secret");
    CU_ASSERT_PTR_NOT_NULL_FATAL(secret);
    uint8_t disk_a[4 * DISK_BLOCK_SIZE] = {0}, disk_b[4 * DISK_BLOCK_SIZE] = {0};
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end bare;
        guest_run_bare(&(struct guest_run){.image = &vic, .isa = isas[i], .disk = disk_a, .disk_len = sizeof disk_a},
                       &bare);
        CU_ASSERT_EQUAL(bare.state, VM_HALTED);
        char err[300];
        struct vmm_config vc = {.isa = isas[i], .technique = "hw", .mmu = "nested", .quantum = 997,
                                .check_isolation = true};
        struct vmm *v = vmm_new(&vc, 2 * GUESTRUN_MEM + 64 * PAGE_SIZE, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        struct capture oa = {0}, ob = {0};
        struct vm_config ca = {.name = "a", .mem_size = GUESTRUN_MEM, .image = &vic, .disk = disk_a,
                               .disk_len = sizeof disk_a, .max_insns = GUESTRUN_LIMIT,
                               .io = {.ctx = &oa, .write = capture_write}};
        struct vm_config cb = ca;
        cb.name = "b", cb.disk = disk_b, cb.io.ctx = &ob;
        struct vm *a = vmm_add_vm(v, &ca, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        vm_step(v, a, 1); /* its first entry makes its host table */
        struct vmm_mmu_walk walk;
        CU_ASSERT_FATAL(vm_mmu_walk(a, secret->value, &walk) && walk.has_root && walk.levels == PT_LEVELS);
        uint32_t e = walk.entry[PT_LEAF - 1];
        CU_ASSERT_EQUAL(PTE_FRAME(e), vm_host_frame(a, secret->value >> PAGE_SHIFT) << PAGE_SHIFT);
        e &= ~PTE_V;
        CU_ASSERT_FATAL(machine_write_phys(vmm_machine(v), walk.entry_pa[PT_LEAF - 1], &e, 4));
        /* the other VM, added now: the checker counts its books afresh */
        struct vm *b = vmm_add_vm(v, &cb, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        vmm_run(v);
        struct guest_end end_a, end_b;
        guest_end_of(a, &oa, &end_a);
        guest_end_of(b, &ob, &end_b);
        char what[300];
        guest_end_diff(&bare, &end_a, what, sizeof what);
        RULE(!what[0], "the VM whose host-table entry was lost ended differently from the bare machine", "%s%s%s - %s",
             what, end_a.state == VM_ISOLATION ? ": " : "", end_a.state == VM_ISOLATION ? end_a.violation.text : "",
             isa_variant_name(isas[i]));
        guest_end_diff(&bare, &end_b, what, sizeof what);
        RULE(!what[0], "the other VM ended differently from the bare machine", "%s%s%s - %s", what,
             end_b.state == VM_ISOLATION ? ": " : "", end_b.state == VM_ISOLATION ? end_b.violation.text : "",
             isa_variant_name(isas[i]));
        RULE(end_a.stats.guest_exits[EXIT_NESTED_FAULT] >= 1 && end_a.stats.exits[VMX_PF_HIDDEN] >= 1,
             "the lost entry did not exit, or was not made again", "%llu nested faults, %llu made again - %s",
             (unsigned long long)end_a.stats.guest_exits[EXIT_NESTED_FAULT],
             (unsigned long long)end_a.stats.exits[VMX_PF_HIDDEN], isa_variant_name(isas[i]));
        expect_audit_clean(v, "both VMs, after the lost entry");
        guest_end_free(&end_a);
        guest_end_free(&end_b);
        guest_end_free(&bare);
        vmm_free(v);
    }
    elf_free(&vic);
}

/* --- broken VMMs the tests must catch ------------------------------------------------- */

/* A VMM whose host table maps the guest's last page to the host frame
 * after it (another VM's memory), or to the host table itself: the
 * checker stops the VM before it runs on it. */
static void test_checker_catches_wrong_frames(void)
{
    static const struct {
        unsigned inject;
        const char *what;
    } broken[] = {
        {INJECT_MAP_FOREIGN, "the guest's last page mapped to the host frame after its own"},
        {INJECT_MAP_SHADOW, "the guest's last page mapped to the host table"},
    };
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        for (size_t b = 0; b < sizeof broken / sizeof *broken; b++) {
            struct guest_run c = {.image = k, .isa = isas[i], .max_insns = GUEST_INSN_LIMIT, .technique = "hw",
                                  .mmu = "nested", .check = true, .inject = broken[b].inject};
            struct guest_end e;
            guest_run_vmm(&c, &e);
            RULE(e.state == VM_ISOLATION && e.violation.invariant == INV_FRAME && e.instret == 0,
                 "the isolation checker did not stop a nested-paging VMM that maps a page to a wrong frame",
                 "%s: state %s after %llu instructions, %s - %s", broken[b].what, vm_state_name(e.state),
                 (unsigned long long)e.instret, e.message, isa_variant_name(isas[i]));
            guest_end_free(&e);
        }
}

/* A control block that leaves the real timer to the guest (it could keep
 * the real CPU), over shadows does not own ptb (the guest's own table
 * would be walked at a host-physical address), or under the nested MMU
 * leaves nested paging off (every guest address host-physical): the
 * checker stops the VM before its first instruction. */
static void test_checker_catches_bad_control_blocks(void)
{
    static const struct {
        unsigned inject;
        const char *mmu;
        const char *what;
        enum vmm_invariant inv;
    } broken[] = {
        {INJECT_GUEST_TIMER, "shadow", "the real timer left to the guest, over shadows", INV_REAL_STATUS},
        {INJECT_GUEST_TIMER, "nested", "the real timer left to the guest, nested paging", INV_REAL_STATUS},
        {INJECT_UNOWNED_PTB, "shadow", "ptb not owned over shadows", INV_REAL_STATUS},
        {INJECT_NESTED_OFF, "nested", "nested paging off under the nested MMU", INV_REAL_PTB},
    };
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
        for (size_t b = 0; b < sizeof broken / sizeof *broken; b++) {
            struct guest_run c = {.image = k, .isa = isas[i], .max_insns = GUEST_INSN_LIMIT, .technique = "hw",
                                  .mmu = broken[b].mmu, .check = true, .inject = broken[b].inject};
            struct guest_end e;
            guest_run_vmm(&c, &e);
            RULE(e.state == VM_ISOLATION && e.violation.invariant == broken[b].inv && e.violation.at_entry &&
                     e.instret == 0,
                 "the isolation checker did not stop a VM entered with a bad control block",
                 "%s: state %s after %llu instructions, %s - %s", broken[b].what, vm_state_name(e.state),
                 (unsigned long long)e.instret, e.message, isa_variant_name(isas[i]));
            guest_end_free(&e);
        }
}

/* The shadow pager broken on purpose as the isolation suite breaks it
 * (tests/test_isolation.c): under hw too, over every policy, the checker
 * stops isocheck.s for the rule broken. */
static void test_checker_catches_shadow_bugs_under_hw(void)
{
    static const struct {
        unsigned inject;
        enum vmm_invariant inv;
    } broken[] = {
        {INJECT_NO_WRITE_PROTECT, INV_WRITE_PROTECT}, {INJECT_STALE_TLB, INV_TLB}, {INJECT_MAP_SHADOW, INV_FRAME},
        {INJECT_LEAK, INV_BOOKS},                     {INJECT_NO_DIRTY, INV_DIRTY},
    };
    struct elf_image img;
    if (!guest_image("isocheck", &img))
        return;
    uint8_t disk[DISK_BLOCK_SIZE] = {0};
    for (size_t b = 0; b < sizeof broken / sizeof *broken; b++)
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            struct guest_run c = {.image = &img, .disk = disk, .disk_len = sizeof disk, .technique = "hw",
                                  .policy = (enum shadow_policy)p, .inject = broken[b].inject, .check = true};
            struct guest_end e;
            guest_run_vmm(&c, &e);
            RULE(e.state == VM_ISOLATION && e.violation.invariant == broken[b].inv,
                 "under hw the isolation checker did not catch a shadow pager broken on purpose",
                 "inject 0x%x: the VM ended %s, rule %s, should be stopped for %s - %s shadows", broken[b].inject,
                 vm_state_name(e.state), vmm_invariant_name(e.violation.invariant),
                 vmm_invariant_name(broken[b].inv), shadow_policy_name((enum shadow_policy)p));
            guest_end_free(&e);
        }
    elf_free(&img);
}

/* A VMM that forgets the interrupt window delivers a virtual interrupt
 * the guest could not take at once at the next exit instead, later than
 * the bare machine: a workload that runs several processes ends
 * differently. */
static void test_equivalence_catches_no_irq_window(void)
{
    const struct guest_workload *w = guest_workload("demo");
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct guest_end n, f;
    if (!run_workload(w, ISA_PG, NULL, NULL, SHADOW_CACHE, 0, &n))
        return;
    for (size_t h = 0; h < NHWCFGS; h++) {
        run_workload(w, ISA_PG, "hw", hwcfgs[h].mmu, hwcfgs[h].policy, INJECT_NO_IRQ_WINDOW, &f);
        char what[300];
        guest_end_diff(&n, &f, what, sizeof what);
        RULE(what[0] != 0, "a VMM without the interrupt window ended the demo as the bare machine",
             "its interrupts came late and nothing showed - %s", cfg_name(&hwcfgs[h]));
        guest_end_free(&f);
    }
    guest_end_free(&n);
}

/* --- statistics ----------------------------------------------------------------------- */

/* --stats and --stats-json (vm_stats_print, vmm_stats_json) show the guest
 * mode's entries, exits by reason, transition cycles, walks and walk
 * references. */
static void test_stats(void)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return;
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .technique = "hw", .mmu = "nested"};
    struct vmm *v = vmm_new(&vc, GUEST_DEFAULT_MEM + 64 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "k", .mem_size = GUEST_DEFAULT_MEM, .image = k, .bootarg = "hello",
                            .io = {.ctx = &cap, .write = capture_write}, .max_insns = GUEST_INSN_LIMIT};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_run(v);
    CU_ASSERT_EQUAL(vm_state(vm), VM_HALTED);
    char *text = NULL, *json = NULL;
    size_t tlen = 0, jlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    vm_stats_print(vm, f);
    fclose(f);
    f = open_memstream(&json, &jlen);
    vmm_stats_json(v, f);
    fclose(f);
    const struct vm_stats *s = vm_stats(vm);
    char want[200];
    snprintf(want, sizeof want, "  TLB misses          %llu walks, %llu walk references",
             (unsigned long long)s->walks, (unsigned long long)s->walk_refs);
    RULE(strstr(text, "  guest mode          ") && strstr(text, " insn ") && strstr(text, want),
         "--stats does not show the guest mode's exits or the walks", "%s", text);
    snprintf(want, sizeof want, "\"walks\": %llu, \"walk_refs\": %llu", (unsigned long long)s->walks,
             (unsigned long long)s->walk_refs);
    RULE(strstr(json, want) && strstr(json, "\"mmu\": \"nested\"") && strstr(json, "\"exits_by_reason\": {") &&
             strstr(json, "\"nested_fault\": ") && strstr(json, "\"transition_cycles\": "),
         "--stats-json does not show the guest mode's counts", "%s", json);
    free(text);
    free(json);
    free(cap.buf);
    vmm_free(v);
}

void suite_hw(void)
{
    CU_pSuite s = rule_suite("hw", NULL, guest_kernel_free);
    static char names[GUEST_NWORKLOADS][160];
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        snprintf(names[i], sizeof names[i],
                 "workload %s ends under hw as on the bare machine: both isas, every shadow policy and nested "
                 "paging, checker on",
                 guest_workloads[i].name);
        CU_add_test(s, names[i], workload_tests[i]);
    }
    CU_add_test(s, "x86like: trap-and-emulate fails where hw does not", test_x86like_trap_and_emulate_fails);
    CU_add_test(s, "lockstep with the bare machine finds no difference, both isas, shadows and nested",
                test_lockstep);
    CU_add_test(s, "generated guests under hw end as on the reference CPU, shadows and nested, checker on",
                test_generated_guests);
    CU_add_test(s, "every workload at once, time-shared on x86like, checker on: each ends as on the bare machine",
                test_all_at_once);
    CU_add_test(s, "an instruction limit n ends where the bare machine is after n", test_instruction_limit);
    CU_add_test(s, "K pages after a flush: K + 1 walks, 2 entries each over shadows, 8 nested", test_walk_references);
    CU_add_test(s, "page tables past memory: the bare machine's bus errors under hw", test_tables_past_memory);
    CU_add_test(s, "a host-table entry lost exits and is made again; the other VM and the checker see nothing",
                test_lost_host_entry);
    CU_add_test(s, "the checker stops a host table that maps another VM's frame or itself",
                test_checker_catches_wrong_frames);
    CU_add_test(s, "the checker stops a VM entered with a control block that leaves it the timer or ptb",
                test_checker_catches_bad_control_blocks);
    CU_add_test(s, "the checker catches the shadow pager's bugs under hw too", test_checker_catches_shadow_bugs_under_hw);
    CU_add_test(s, "equivalence catches a VMM without the interrupt window", test_equivalence_catches_no_irq_window);
    CU_add_test(s, "--stats and --stats-json show guest-mode exits, entries, cycles and walks", test_stats);
}
