/*
 * fuzz_guest.c - see fuzz_guest.h.
 *
 * Each input is run three ways, each against what is independent of it:
 *   1. the reference CPU (isa/ref/), written from the manual alone;
 *   2. the fast bare machine, which must end exactly as the reference
 *      did: the same registers, control registers, counts, stop, console
 *      output, memory and disk (a difference is then narrowed to its
 *      instruction by the difftest, for the report);
 *   3. the VMM with the isolation checker on after every exit, which must
 *      never fail or find a violation, and must end as the reference did
 *      whenever the reference saw nothing a trap-and-emulate VMM cannot
 *      reproduce (struct ref_observed: a stale TLB entry relied on, or
 *      x86like's unprivileged sensitive instructions).
 * The VMM is not compared with the fast machine: both run on the same
 * fast CPU, and a bug they shared would agree with itself.
 */
#include "fuzz_guest.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "difftest.h"
#include "disk_store.h"
#include "elf_load.h"
#include "fuzz_targets.h"
#include "guestgen.h"
#include "machine.h"
#include "ref.h"
#include "seams.h"
#include "vmm.h"

/* Shadow frames per VM: few, so that the VMM's limits are reached often. */
#define FUZZ_SHADOW_FRAMES 48

enum { RUN_REF, RUN_FAST, RUN_VMM, NRUNS };
static const char *const run_name[NRUNS] = {"reference", "bare machine", "VMM"};

/* How a run ended, and everything the guest can see at the end. */
struct outcome {
    enum exit_reason reason;
    uint32_t value; /* halt's value */
    uint32_t r[NREGS], pc, cr[NCRS];
    uint64_t instret, cycles;
};

struct fuzz_guest {
    struct machine *m[ISA_NVARIANTS];
    struct ref_machine *r[ISA_NVARIANTS];
    struct vmm *v[ISA_NVARIANTS][SHADOW_NPOLICIES];
    struct vm *vm[ISA_NVARIANTS][SHADOW_NPOLICIES];
    uint8_t *disk;
    struct console_capture out[NRUNS];
    uint8_t page[2][PAGE_SIZE];
    unsigned inject; /* enum vmm_inject */
    const char *technique; /* the VMM's (NULL: the default) */
    const char *mmu;       /* ... and its memory technique */
    struct fuzz_guest_stats st;
};

struct fuzz_guest *fuzz_guest_new(unsigned inject)
{
    struct fuzz_guest *f = calloc(1, sizeof *f);
    if (f)
        f->disk = calloc(GEN_DISK_BLOCKS, DISK_BLOCK_SIZE);
    if (!f || !f->disk) {
        free(f);
        return NULL;
    }
    f->inject = inject;
    return f;
}

void fuzz_guest_set_technique(struct fuzz_guest *f, const char *technique) { f->technique = technique; }
void fuzz_guest_set_mmu(struct fuzz_guest *f, const char *mmu) { f->mmu = mmu; }

void fuzz_guest_free(struct fuzz_guest *f)
{
    if (!f)
        return;
    for (int i = 0; i < NRUNS; i++)
        capture_free(&f->out[i]);
    for (int i = 0; i < ISA_NVARIANTS; i++) {
        machine_free(f->m[i]);
        ref_free(f->r[i]);
        for (int p = 0; p < SHADOW_NPOLICIES; p++)
            vmm_free(f->v[i][p]);
    }
    free(f->disk);
    free(f);
}

const struct fuzz_guest_stats *fuzz_guest_stats(const struct fuzz_guest *f) { return &f->st; }

/* The disk every run starts with (every guest has one): block i filled
 * with i. */
static void fresh_disk(struct fuzz_guest *f)
{
    for (unsigned b = 0; b < GEN_DISK_BLOCKS; b++)
        memset(f->disk + b * DISK_BLOCK_SIZE, (int)b, DISK_BLOCK_SIZE);
}

static struct disk_store *disk_copy(struct fuzz_guest *f)
{
    return disk_store_memory(f->disk, GEN_DISK_BLOCKS * DISK_BLOCK_SIZE);
}

/* --- the three machines, each rebooted in place for every input ------------- */

static struct machine *bare(struct fuzz_guest *f, const struct gen_guest *g, const struct elf_image *img, char *err,
                            size_t errlen)
{
    struct machine **mp = &f->m[g->isa];
    if (!*mp) {
        struct machine_config mc = {.mem_size = GEN_MEM, .isa = g->isa};
        if (!(*mp = machine_new(&mc, err, errlen)))
            return NULL;
    }
    struct machine *m = *mp;
    /* Zero what the last run changed (untouched memory is zero already). */
    static const uint8_t zeros[PAGE_SIZE];
    for (uint32_t pa = 0; pa < GEN_MEM; pa += PAGE_SIZE) {
        machine_read_phys(m, pa, f->page[0], PAGE_SIZE);
        if (memcmp(f->page[0], zeros, PAGE_SIZE) != 0)
            machine_write_phys(m, pa, zeros, PAGE_SIZE);
    }
    machine_reset(m);
    struct disk_store *d = disk_copy(f);
    if (!d) {
        snprintf(err, errlen, "out of memory for the disk");
        return NULL;
    }
    machine_attach_disk_store(m, d);
    capture_clear(&f->out[RUN_FAST]);
    struct console_io io = capture_io(&f->out[RUN_FAST]);
    machine_set_console(m, &io);
    return elf_boot(m, img, NULL, err, errlen) ? m : NULL;
}

static struct ref_machine *reference(struct fuzz_guest *f, const struct gen_guest *g, const struct elf_image *img,
                                     char *err, size_t errlen)
{
    struct ref_machine **rp = &f->r[g->isa];
    if (!*rp) {
        struct ref_config rc = {.mem_size = GEN_MEM, .isa = g->isa};
        if (!(*rp = ref_new(&rc, err, errlen)))
            return NULL;
    }
    struct ref_machine *r = *rp;
    static const uint8_t zeros[PAGE_SIZE];
    const uint8_t *mem = ref_memory(r);
    for (uint32_t pa = 0; pa < GEN_MEM; pa += PAGE_SIZE)
        if (memcmp(mem + pa, zeros, PAGE_SIZE) != 0)
            ref_write_phys(r, pa, zeros, PAGE_SIZE);
    ref_reset(r);
    struct disk_store *d = disk_copy(f);
    if (!d) {
        snprintf(err, errlen, "out of memory for the disk");
        return NULL;
    }
    ref_attach_disk_store(r, d);
    capture_clear(&f->out[RUN_REF]);
    struct console_io io = capture_io(&f->out[RUN_REF]);
    ref_set_console(r, &io);
    struct ref_cpu *c = ref_cpu(r);
    return elf_boot_into(ref_dma(r), c->r, &c->pc, img, NULL, err, errlen) ? r : NULL;
}

static struct vm *virtual(struct fuzz_guest *f, const struct gen_guest *g, unsigned policy,
                          const struct elf_image *img, char *err, size_t errlen)
{
    struct vmm **vp = &f->v[g->isa][policy];
    struct vm **vmp = &f->vm[g->isa][policy];
    capture_clear(&f->out[RUN_VMM]);
    struct disk_store *d = disk_copy(f);
    if (!d) {
        snprintf(err, errlen, "out of memory for the disk");
        return NULL;
    }
    if (!*vp) {
        struct vmm_config vc = {.isa = g->isa,
                                .technique = f->technique,
                                .mmu = f->mmu,
                                .policy = (enum shadow_policy)policy,
                                .shadow_frames = FUZZ_SHADOW_FRAMES,
                                .check_isolation = true,
                                .inject = f->inject};
        const struct vmm_technique *t = vmm_technique_find(f->technique);
        uint32_t own = t ? t->frames : 0; /* the technique's own frames (seams.h) */
        if (!(*vp = vmm_new(&vc, GEN_MEM + (FUZZ_SHADOW_FRAMES + 2 + own) * PAGE_SIZE, err, errlen))) {
            disk_store_free(d);
            return NULL;
        }
        struct vm_config cfg = {.name = "fuzz",
                                .mem_size = GEN_MEM,
                                .image = img,
                                .disk_store = d,
                                .io = capture_io(&f->out[RUN_VMM]),
                                .max_insns = FUZZ_GUEST_INSNS};
        *vmp = vmm_add_vm(*vp, &cfg, err, errlen);
        return *vmp;
    }
    return vm_reboot(*vmp, img, NULL, d, err, errlen) ? *vmp : NULL;
}

/* --- what each run ended with --------------------------------------------- */

static void outcome_of_bare(struct machine *m, const struct vm_exit *x, struct outcome *o)
{
    struct cpu_state *c = machine_cpu(m);
    *o = (struct outcome){.reason = x->reason, .value = x->value, .pc = c->pc, .instret = c->instret,
                          .cycles = c->cycles};
    memcpy(o->r, c->r, sizeof o->r);
    o->r[0] = 0;
    for (int i = 0; i < NCRS; i++)
        o->cr[i] = machine_get_cr(m, (enum cr)i);
}

static void outcome_of_ref(struct ref_machine *r, const struct vm_exit *x, struct outcome *o)
{
    struct ref_cpu *c = ref_cpu(r);
    *o = (struct outcome){.reason = x->reason, .value = x->value, .pc = c->pc, .instret = c->instret,
                          .cycles = c->cycles};
    memcpy(o->r, c->r, sizeof o->r);
    for (int i = 0; i < NCRS; i++)
        o->cr[i] = ref_get_cr(r, (enum cr)i);
}

/* A VM's state as the exit reason the bare machine would have given. */
static bool outcome_of_vm(struct vm *vm, struct outcome *o)
{
    *o = (struct outcome){.instret = vm_instret(vm), .cycles = vm_cycles(vm), .value = vm_exit_value(vm)};
    vm_regs(vm, o->r, &o->pc, o->cr);
    switch (vm_state(vm)) {
    case VM_HALTED: o->reason = EXIT_HALT; return true;
    case VM_LIMIT: o->reason = EXIT_BUDGET; return true;
    case VM_DEADLOCK: o->reason = EXIT_DEADLOCK; return true;
    case VM_DOUBLE_FAULT: o->reason = EXIT_DOUBLE_FAULT; o->value = 0; return true;
    default: return false;
    }
}

/* Whether the VMM's run must end as the reference's: not when the guest
 * relied on a stale TLB entry (the VMM applies every table write at once),
 * nor ran an instruction the technique cannot reproduce - x86like's
 * unprivileged sensitive ones (binary translation patches those of
 * supervisor mode, so only user mode's count for it), or, for
 * paravirtualization, a hypercall in supervisor mode, which the VMM
 * answers where the bare machine traps. */
static bool comparable(const struct fuzz_guest *f, const struct ref_observed *seen)
{
    const char *t = f->technique ? f->technique : "";
    if (seen->stale_tlb)
        return false;
    if (strcmp(t, "bt") == 0)
        return seen->sensitive_unprivileged_user == 0;
    if (strcmp(t, "pv") == 0)
        return seen->sensitive_unprivileged == 0 && seen->hcall_supervisor == 0;
    if (strcmp(t, "hw") == 0)
        return true; /* the hardware guest mode runs every instruction as the bare machine does */
    return seen->sensitive_unprivileged == 0;
}

#define SAY(...) (snprintf(why, len, __VA_ARGS__), false)

static bool same_outcome(const struct outcome *a, const struct outcome *b, char *why, size_t len)
{
    if (a->reason != b->reason)
        return SAY("stopped by exit reason %d, not %d", b->reason, a->reason);
    if (a->reason == EXIT_HALT && a->value != b->value)
        return SAY("halted with 0x%08x, not 0x%08x", b->value, a->value);
    if (a->instret != b->instret)
        return SAY("%" PRIu64 " instructions retired, not %" PRIu64, b->instret, a->instret);
    if (a->cycles != b->cycles)
        return SAY("%" PRIu64 " cycles, not %" PRIu64, b->cycles, a->cycles);
    if (a->pc != b->pc)
        return SAY("pc 0x%08x, not 0x%08x", b->pc, a->pc);
    for (int i = 1; i < NREGS; i++)
        if (a->r[i] != b->r[i])
            return SAY("%s = 0x%08x, not 0x%08x", isa_reg_name((unsigned)i), b->r[i], a->r[i]);
    for (int i = 0; i < NCRS; i++)
        if (a->cr[i] != b->cr[i])
            return SAY("%s = 0x%08x, not 0x%08x", isa_cr_name((unsigned)i), b->cr[i], a->cr[i]);
    return true;
}

static bool same_output(const struct console_capture *a, const struct console_capture *b, char *why, size_t len)
{
    if (capture_same(a, b))
        return true;
    return SAY("console output of %zu bytes, not %zu, or other bytes", b->len, a->len);
}

/* Memory, a page at a time through each run's own door. */
typedef bool read_fn(void *ctx, uint32_t pa, void *buf, size_t len);
static bool ref_read(void *ctx, uint32_t pa, void *buf, size_t len) { return ref_read_phys(ctx, pa, buf, len); }
static bool fast_read(void *ctx, uint32_t pa, void *buf, size_t len) { return machine_read_phys(ctx, pa, buf, len); }
static bool vm_read(void *ctx, uint32_t pa, void *buf, size_t len) { return vm_read_phys(ctx, pa, buf, len); }

static bool same_memory(struct fuzz_guest *f, read_fn *ra, void *a, read_fn *rb, void *b, char *why, size_t len)
{
    for (uint32_t pa = 0; pa < GEN_MEM; pa += PAGE_SIZE) {
        ra(a, pa, f->page[0], PAGE_SIZE);
        rb(b, pa, f->page[1], PAGE_SIZE);
        if (memcmp(f->page[0], f->page[1], PAGE_SIZE) != 0) {
            uint32_t o = 0;
            while (f->page[0][o] == f->page[1][o])
                o++;
            return SAY("memory at 0x%08x holds 0x%02x, not 0x%02x", pa + o, f->page[1][o], f->page[0][o]);
        }
    }
    return true;
}

static bool same_disk(struct disk_store *a, struct disk_store *b, char *why, size_t len)
{
    uint32_t block;
    if (disk_store_same(a, b, &block))
        return true;
    return SAY("disk block %u differs", block);
}

/* The report of a fast-vs-reference difference: the difftest names the
 * instruction. */
static void name_the_instruction(const struct gen_guest *g, const struct elf_image *img, const uint8_t *disk,
                                 char *report, size_t len)
{
    struct difftest_image c = {.image = img, .mem_size = GEN_MEM, .isa = g->isa, .disk = disk,
                               .disk_len = GEN_DISK_BLOCKS * DISK_BLOCK_SIZE, .max_insns = FUZZ_GUEST_INSNS};
    struct difftest_outcome out;
    char err[256];
    size_t at = strlen(report);
    if (!difftest_image_run(&c, &out, err, sizeof err))
        snprintf(report + at, len - at, "\n  (the difftest could not run: %s)", err);
    else if (out.res.differ)
        snprintf(report + at, len - at, "\n  difftest: %s", out.res.report);
    else
        snprintf(report + at, len - at, "\n  (stepped one instruction at a time, they agree)");
}

bool fuzz_guest_check(struct fuzz_guest *f, const uint8_t *data, size_t size, char *report, size_t len)
{
    struct gen_guest g;
    struct elf_image img;
    char err[256], why[256];
    bool ok = false;
    f->st.inputs++;
    if (!gen_guest(data, size, &g)) {
        snprintf(report, len, "out of memory");
        return false;
    }
    if (!elf_read_mem(g.elf, g.elf_len, &img, err, sizeof err)) {
        snprintf(report, len, "the generator made an image the loader refuses: %s", err);
        gen_guest_free(&g);
        return false;
    }
    fresh_disk(f);
    unsigned policy = g.choice % SHADOW_NPOLICIES;
    const char *isa = isa_variant_name(g.isa), *pol = shadow_policy_name((enum shadow_policy)policy);
    struct ref_machine *r = reference(f, &g, &img, err, sizeof err);
    struct machine *m = r ? bare(f, &g, &img, err, sizeof err) : NULL;
    struct vm *vm = m ? virtual(f, &g, policy, &img, err, sizeof err) : NULL;
    if (!vm) {
        snprintf(report, len, "setting up: %s", err);
        goto out;
    }

    struct vm_exit xr, xm;
    struct outcome o[NRUNS];
    ref_run(r, FUZZ_GUEST_INSNS, &xr);
    outcome_of_ref(r, &xr, &o[RUN_REF]);
    machine_run(m, FUZZ_GUEST_INSNS, &xm);
    outcome_of_bare(m, &xm, &o[RUN_FAST]);
    if (!same_outcome(&o[RUN_REF], &o[RUN_FAST], why, sizeof why) ||
        !same_output(&f->out[RUN_REF], &f->out[RUN_FAST], why, sizeof why) ||
        !same_memory(f, ref_read, r, fast_read, m, why, sizeof why) ||
        !same_disk(ref_disk(r), machine_disk(m), why, sizeof why)) {
        snprintf(report, len, "the bare machine does not end as the reference CPU (%s ISA): the %s %s", isa,
                 run_name[RUN_FAST], why);
        fresh_disk(f);
        name_the_instruction(&g, &img, f->disk, report, len);
        goto out;
    }

    vmm_run(f->v[g.isa][policy]);
    f->st.vm_runs++;
    f->st.instructions += vm_instret(vm);
    if (vm_state(vm) == VM_ISOLATION) {
        snprintf(report, len, "isolation violation (%s ISA, %s shadows): %s", isa, pol, vm_violation(vm)->text);
        goto out;
    }
    if (!outcome_of_vm(vm, &o[RUN_VMM])) {
        snprintf(report, len, "the VMM stopped the guest (%s ISA, %s shadows): %s: %s", isa, pol,
                 vm_state_name(vm_state(vm)), vm_message(vm));
        goto out;
    }
    if (comparable(f, ref_observed(r))) {
        f->st.compared++;
        if (!same_outcome(&o[RUN_REF], &o[RUN_VMM], why, sizeof why) ||
            !same_output(&f->out[RUN_REF], &f->out[RUN_VMM], why, sizeof why) ||
            !same_memory(f, ref_read, r, vm_read, vm, why, sizeof why) ||
            !same_disk(ref_disk(r), vm_disk(vm), why, sizeof why)) {
            snprintf(report, len,
                     "the VMM does not end as the reference CPU (%s ISA, %s shadows, technique %s), on a guest "
                     "that relies on no stale TLB entry and runs nothing the technique cannot reproduce: the %s %s",
                     isa, pol, f->technique ? f->technique : "trap-and-emulate", run_name[RUN_VMM], why);
            goto out;
        }
    }
    ok = true;
out:
    elf_free(&img);
    gen_guest_free(&g);
    return ok;
}

unsigned fuzz_guest_check_drawn(struct fuzz_guest *f, unsigned n, uint32_t seed, unsigned *first, char *report,
                                size_t len)
{
    static uint8_t buf[2048];
    static char one[8192];
    uint32_t x = seed;
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t size = 16 + (x % (sizeof buf - 16));
        for (size_t k = 0; k < size; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[k] = (uint8_t)x;
        }
        if (!fuzz_guest_check(f, buf, size, one, sizeof one) && bad++ == 0) {
            *first = i;
            snprintf(report, len, "%s", one);
        }
    }
    return bad;
}

bool fuzz_guest_inject_flags(const char *v, unsigned *inject, char *report, size_t len)
{
    char *end = NULL;
    unsigned long n = v ? strtoul(v, &end, 0) : 0;
    if (v && (!*v || *end || n > UINT_MAX)) {
        snprintf(report, len, "VMLAB_INJECT=%s: not a number (of enum vmm_inject flags)", v);
        return false;
    }
    *inject = (unsigned)n;
    return true;
}

/* The target as libFuzzer and the regression suite call it: one context
 * for the life of the process, with the VMM VMLAB_INJECT asks for. */
bool fuzz_check_guest(const uint8_t *data, size_t size, char *report, size_t len)
{
    static struct fuzz_guest *f;
    unsigned inject;
    if (!f && !fuzz_guest_inject_flags(getenv("VMLAB_INJECT"), &inject, report, len))
        return false;
    if (!f && !(f = fuzz_guest_new(inject))) {
        snprintf(report, len, "out of memory");
        return false;
    }
    /* VMLAB_TECHNIQUE=bt or pv: the VMM runs under that technique instead */
    const char *t = getenv("VMLAB_TECHNIQUE");
    if (t && *t && !vmm_technique_find(t)) {
        snprintf(report, len, "VMLAB_TECHNIQUE=%s: no such technique", t);
        return false;
    }
    if (t && *t)
        fuzz_guest_set_technique(f, t);
    /* VMLAB_MMU=nested (with VMLAB_TECHNIQUE=hw): nested paging instead */
    const char *mmu = getenv("VMLAB_MMU");
    if (mmu && *mmu && (!vmm_mmu_find(mmu) || !vmm_serves(vmm_technique_find(t && *t ? t : NULL), vmm_mmu_find(mmu)))) {
        snprintf(report, len, "VMLAB_MMU=%s: no such memory technique, or not for technique %s", mmu,
                 t && *t ? t : "trap-and-emulate");
        return false;
    }
    if (mmu && *mmu)
        fuzz_guest_set_mmu(f, mmu);
    return fuzz_guest_check(f, data, size, report, len);
}
