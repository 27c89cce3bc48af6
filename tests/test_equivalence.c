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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "isa.h"
#include "machine.h"
#include "vmm.h"
#include "workloads.h"

struct capture {
    uint8_t *buf;
    size_t len;
    const char *in;
    size_t inpos;
};

static void cap_write(void *ctx, const uint8_t *b, size_t n)
{
    struct capture *c = ctx;
    uint8_t *p = realloc(c->buf, c->len + n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    memcpy(p + c->len, b, n);
    c->buf = p;
    c->len += n;
}

static int cap_read(void *ctx)
{
    struct capture *c = ctx;
    return c->in && c->in[c->inpos] ? (unsigned char)c->in[c->inpos++] : -1;
}

/* Everything compared at the end of a run. */
struct final {
    enum vm_state stop; /* the bare machine's exit, in the VMM's terms */
    uint32_t value;
    uint64_t instret, cycles;
    uint32_t regs[NREGS], pc, crs[NCRS];
    uint8_t *mem;
    uint32_t memlen;
    struct capture out;
    uint8_t *disk;
    size_t disklen;
};

static void final_free(struct final *f)
{
    free(f->mem);
    free(f->out.buf);
    free(f->disk);
    memset(f, 0, sizeof *f);
}

static enum vm_state as_vm_state(enum exit_reason r)
{
    switch (r) {
    case EXIT_HALT: return VM_HALTED;
    case EXIT_BUDGET: return VM_LIMIT;
    case EXIT_DEADLOCK: return VM_DEADLOCK;
    case EXIT_DOUBLE_FAULT: return VM_DOUBLE_FAULT;
    default: return VM_FAILED; /* a bare machine never exits for a trap */
    }
}

static void *copy(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    if (n)
        memcpy(q, p, n);
    return q;
}

/* The workload on the bare machine. */
static bool run_native(const struct guest_workload *w, struct final *f)
{
    memset(f, 0, sizeof *f);
    const struct elf_image *k = guest_kernel();
    if (!k)
        return false;
    char err[300];
    struct machine_config mc = {.mem_size = guest_mem(&w->o), .isa = w->o.isa};
    struct machine *m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    f->out.in = w->o.input;
    machine_set_console(m, &(struct console_io){.ctx = &f->out, .read = cap_read, .write = cap_write});
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    if (disk)
        CU_ASSERT_FATAL(machine_attach_disk(m, disk, disklen));
    free(disk);
    CU_ASSERT_FATAL(elf_boot(m, k, w->o.boot, err, sizeof err));

    struct vm_exit x;
    enum exit_reason r = machine_run(m, GUEST_INSN_LIMIT, &x);
    struct cpu_state *c = machine_cpu(m);
    f->stop = as_vm_state(r);
    f->value = x.value;
    f->instret = c->instret;
    f->cycles = c->cycles;
    memcpy(f->regs, c->r, sizeof f->regs);
    f->pc = c->pc;
    for (int i = 0; i < NCRS; i++)
        f->crs[i] = machine_get_cr(m, (enum cr)i);
    f->memlen = mc.mem_size;
    f->mem = malloc(f->memlen);
    CU_ASSERT_FATAL(f->mem && machine_read_phys(m, 0, f->mem, f->memlen));
    if (w->o.disk_blocks) {
        bool written;
        const uint8_t *d = machine_disk_image(m, &f->disklen, &written);
        f->disk = copy(d, f->disklen);
    }
    machine_free(m);
    return true;
}

/* The end state of a VM that has stopped; its console output is already
 * in f->out. */
static void vm_final(struct vm *vm, struct final *f)
{
    f->stop = vm_state(vm);
    f->value = f->stop == VM_HALTED ? vm_exit_value(vm) : 0;
    f->instret = vm_instret(vm);
    f->cycles = vm_cycles(vm);
    vm_regs(vm, f->regs, &f->pc, f->crs);
    f->memlen = vm_mem_size(vm);
    f->mem = malloc(f->memlen);
    CU_ASSERT_FATAL(f->mem && vm_read_phys(vm, 0, f->mem, f->memlen));
    bool written;
    const uint8_t *d = vm_disk_image(vm, &f->disklen, &written);
    f->disk = d ? copy(d, f->disklen) : NULL;
    if (!d)
        f->disklen = 0;
}

static uint32_t word_at(const uint8_t *mem, uint32_t a)
{
    uint32_t v;
    memcpy(&v, mem + a, 4);
    return v;
}

/* The first difference between the two ends, in words; "" if none. */
static void first_difference(const struct final *n, const struct final *v, char *what, size_t len)
{
#define SAY(...) (snprintf(what, len, __VA_ARGS__))
    what[0] = '\0';
    if (n->stop != v->stop)
        SAY("stopped: native %s, vmm %s", vm_state_name(n->stop), vm_state_name(v->stop));
    else if (n->value != v->value)
        SAY("halt value: native %u, vmm %u", n->value, v->value);
    else if (n->instret != v->instret)
        SAY("instructions retired: native %" PRIu64 ", vmm %" PRIu64, n->instret, v->instret);
    else if (n->cycles != v->cycles)
        SAY("cycles: native %" PRIu64 ", vmm %" PRIu64, n->cycles, v->cycles);
    else if (n->pc != v->pc)
        SAY("pc: native 0x%08x, vmm 0x%08x", n->pc, v->pc);
    if (what[0])
        return;
    for (unsigned r = 1; r < NREGS; r++)
        if (n->regs[r] != v->regs[r])
            return (void)SAY("%s: native 0x%08x, vmm 0x%08x", isa_reg_name(r), n->regs[r], v->regs[r]);
    for (unsigned i = 0; i < NCRS; i++)
        if (n->crs[i] != v->crs[i])
            return (void)SAY("%s: native 0x%08x, vmm 0x%08x", isa_cr_name(i), n->crs[i], v->crs[i]);
    if (n->out.len != v->out.len || (n->out.len && memcmp(n->out.buf, v->out.buf, n->out.len) != 0)) {
        size_t i = 0, line = 1;
        while (i < n->out.len && i < v->out.len && n->out.buf[i] == v->out.buf[i])
            line += n->out.buf[i++] == '\n';
        return (void)SAY("console output: native %zu bytes, vmm %zu bytes, first different at line %zu",
                         n->out.len, v->out.len, line);
    }
    if (n->memlen != v->memlen)
        return (void)SAY("memory size: native %u, vmm %u", n->memlen, v->memlen);
    for (uint32_t a = 0; a < n->memlen; a += 4)
        if (word_at(n->mem, a) != word_at(v->mem, a))
            return (void)SAY("memory at 0x%08x: native 0x%08x, vmm 0x%08x", a, word_at(n->mem, a),
                             word_at(v->mem, a));
    if (n->disklen != v->disklen || (n->disklen && memcmp(n->disk, v->disk, n->disklen) != 0))
        return (void)SAY("disk image: native %zu bytes, vmm %zu bytes, or different bytes", n->disklen, v->disklen);
#undef SAY
}

static void expect_same(const struct guest_workload *w, const char *how, const struct final *n,
                        const struct final *v)
{
    char what[200];
    first_difference(n, v, what, sizeof what);
    if (what[0])
        fprintf(stderr, "\nworkload %s under the VMM (%s): %s\n", w->name, how, what);
    CU_ASSERT_STRING_EQUAL(what, "");
}

/* A VMM with room for these workloads' memory and shadows. */
static struct vmm *new_vmm(enum shadow_policy p, uint32_t quantum, unsigned inject,
                           const struct guest_workload *const *ws, size_t n)
{
    const uint32_t shadow_frames = 1024;
    uint64_t host = PAGE_SIZE; /* frame 0, which the VMM never hands out */
    for (size_t i = 0; i < n; i++)
        host += guest_mem(&ws[i]->o) + (uint64_t)shadow_frames * PAGE_SIZE;
    CU_ASSERT_FATAL(host <= UINT32_MAX);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = p, .quantum = quantum, .shadow_frames = shadow_frames,
                          .inject = inject};
    struct vmm *v = vmm_new(&vc, (uint32_t)host, err, sizeof err);
    if (!v)
        fprintf(stderr, "\nvmm_new: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

static struct vm *add_vm(struct vmm *v, const struct guest_workload *w, struct final *f)
{
    char err[300];
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    f->out.in = w->o.input;
    struct vm_config cfg = {.name = w->name,
                            .mem_size = guest_mem(&w->o),
                            .image = guest_kernel(),
                            .bootarg = w->o.boot,
                            .disk = disk,
                            .disk_len = disklen,
                            .io = {.ctx = &f->out, .read = cap_read, .write = cap_write},
                            .max_insns = GUEST_INSN_LIMIT};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    free(disk);
    if (!vm)
        fprintf(stderr, "\nvmm_add_vm %s: %s\n", w->name, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    return vm;
}

/* One workload alone under each policy, against one native run. */
static void check_workload(const struct guest_workload *w)
{
    struct final n;
    if (!run_native(w, &n))
        return;
    CU_ASSERT_EQUAL(n.stop, VM_HALTED); /* every workload ends with the kernel's halt */
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct vmm *v = new_vmm((enum shadow_policy)p, 0, INJECT_NONE, &w, 1);
        struct final f = {0};
        struct vm *vm = add_vm(v, w, &f);
        vmm_run(v);
        vm_final(vm, &f);
        char how[64];
        snprintf(how, sizeof how, "%s shadows, alone", shadow_policy_name((enum shadow_policy)p));
        expect_same(w, how, &n, &f);
        /* the efficiency is real: the kernel ran deprivileged, mostly directly */
        const struct vm_stats *s = vm_stats(vm);
        CU_ASSERT(s->direct + s->emulated == f.instret);
        CU_ASSERT(s->emulated > 0);
        CU_ASSERT(s->direct > s->emulated);
        CU_ASSERT_EQUAL(vmm_audit(v, stderr), 0);
        vmm_free(v);
        final_free(&f);
    }
    final_free(&n);
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
    const struct guest_workload *ws[GUEST_NWORKLOADS];
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        ws[i] = &guest_workloads[i];
    struct vmm *v = new_vmm(p, quantum, INJECT_NONE, ws, GUEST_NWORKLOADS);
    struct final *f = calloc(GUEST_NWORKLOADS, sizeof *f);
    struct vm *vm[GUEST_NWORKLOADS];
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        vm[i] = add_vm(v, ws[i], &f[i]);
    vmm_run(v);
    CU_ASSERT_EQUAL(vmm_audit(v, stderr), 0);
    char how[64];
    snprintf(how, sizeof how, "%s shadows, %d VMs at once, quantum %u", shadow_policy_name(p), GUEST_NWORKLOADS,
             quantum);
    uint64_t switched = 0;
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        struct final n;
        vm_final(vm[i], &f[i]);
        if (run_native(ws[i], &n))
            expect_same(ws[i], how, &n, &f[i]);
        final_free(&n);
        final_free(&f[i]);
        switched += vm_stats(vm[i])->exits[VMX_TIMER];
    }
    CU_ASSERT(switched > GUEST_NWORKLOADS); /* they really were time-shared */
    free(f);
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
    struct final n, v;
    if (!run_native(w, &n) || !run_native(w, &v))
        return;
    char what[200];
    first_difference(&n, &v, what, sizeof what);
    CU_ASSERT_STRING_EQUAL(what, "");

    v.mem[n.memlen - 1] ^= 1;
    first_difference(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "memory at 0x"));
    v.mem[n.memlen - 1] ^= 1;

    v.out.buf[v.out.len - 1] ^= 1;
    first_difference(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "console output"));
    v.out.buf[v.out.len - 1] ^= 1;

    v.crs[CR_SCRATCH] ^= 1;
    first_difference(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "scratch"));
    v.crs[CR_SCRATCH] ^= 1;

    v.regs[NREGS - 1] ^= 1;
    first_difference(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "native 0x"));
    v.regs[NREGS - 1] ^= 1;

    v.cycles++;
    first_difference(&n, &v, what, sizeof what);
    CU_ASSERT_PTR_NOT_NULL(strstr(what, "cycles"));
    v.cycles--;

    first_difference(&n, &v, what, sizeof what);
    CU_ASSERT_STRING_EQUAL(what, "");
    final_free(&n);
    final_free(&v);
}

static int suite_cleanup(void)
{
    guest_kernel_free();
    return 0;
}

/* And on a real VMM bug: a VMM that never sets the dirty bit in the
 * guest's page tables (enum vmm_inject) is caught by the workload that
 * reads D back, under every policy. */
static void test_broken_vmm_is_caught(void)
{
    const struct guest_workload *w = NULL;
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        if (strcmp(guest_workloads[i].name, "dirty") == 0)
            w = &guest_workloads[i];
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct final n;
    if (!run_native(w, &n))
        return;
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct vmm *v = new_vmm((enum shadow_policy)p, 0, INJECT_NO_DIRTY, &w, 1);
        struct final f = {0};
        struct vm *vm = add_vm(v, w, &f);
        vmm_run(v);
        vm_final(vm, &f);
        char what[200];
        first_difference(&n, &f, what, sizeof what);
        CU_ASSERT_PTR_NOT_NULL(strstr(what, "console output"));
        vmm_free(v);
        final_free(&f);
    }
    final_free(&n);
}

void suite_equivalence(void)
{
    CU_pSuite s = CU_add_suite("equivalence", NULL, suite_cleanup);
    CU_add_test(s, "the end-state comparison sees a one-bit difference", test_comparison_sees_differences);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        static char names[GUEST_NWORKLOADS][100];
        snprintf(names[i], sizeof names[i], "workload %s: VMM = bare machine, every policy", guest_workloads[i].name);
        CU_add_test(s, names[i], equivalence_tests[i]);
    }
    CU_add_test(s, "a VMM that forgets the dirty bit is caught", test_broken_vmm_is_caught);
    CU_add_test(s, "all workloads at once, rebuild shadows", test_all_at_once_rebuild);
    CU_add_test(s, "all workloads at once, demand shadows", test_all_at_once_demand);
    CU_add_test(s, "all workloads at once, cache shadows", test_all_at_once_cache);
}
