/*
 * test_guestos.c - the guest OS's kernel, unmodified, as a guest of the
 * hardware guest mode with nested paging (docs/isa.md section 14), the
 * fast machine beside the reference CPU step by step (difftest_run_guest),
 * and its console byte for byte the bare machine's (tests/golden/).
 *
 * The host is the least a host can be: the guest's memory at host-physical
 * = guest-physical behind an identity host table of exactly its size,
 * nothing intercepted, the devices and the timer the machine's own.  The
 * only exits are nested faults past the guest's memory, which the host
 * gives the guest as the bus error the bare machine raises there (same
 * cause, same badaddr: the access's virtual address).  So every workload
 * must print what it prints natively, and every page-table walk of the
 * kernel and its processes is a two-dimensional one.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "devices.h"
#include "difftest.h"
#include "workloads.h"

static const uint8_t *output(void *ctx, bool reference, size_t *len)
{
    struct console_capture *out = ctx;
    *len = out[reference].len;
    return out[reference].buf;
}

static void put(struct machine *m, struct ref_machine *r, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    machine_write_phys(m, pa, b, 4);
    ref_write_phys(r, pa, b, 4);
}

/* The guest's memory as the loader sees it: the first gmem bytes (so that
 * the kernel is told its size and finds its boot string at its top). */
static bool m_read(void *ctx, uint32_t pa, void *buf, size_t len) { return machine_read_phys(ctx, pa, buf, len); }
static bool m_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    return machine_write_phys(ctx, pa, buf, len);
}

/* Section 6's delivery of the bus error the guest would have had, on one
 * side; false at what would be a double fault. */
static bool bus_error(struct guest_control *g, uint32_t *pc, const struct vm_exit *x)
{
    uint32_t sr = g->cr[CR_STATUS];
    if ((sr & SR_S) && x->pc == g->cr[CR_TVEC])
        return false;
    g->cr[CR_EPC] = x->pc;
    g->cr[CR_CAUSE] = CAUSE_BUS_ERROR | (x->cause & (CAUSE_WRITE | CAUSE_FETCH | CAUSE_USER));
    g->cr[CR_BADADDR] = x->guest_va;
    g->cr[CR_STATUS] = (sr & SR_PG) | SR_S | (sr & SR_S ? SR_PS : 0) | (sr & SR_IE ? SR_PIE : 0);
    *pc = g->cr[CR_TVEC];
    return true;
}

/* The same workload on the bare machine: its walks and their references. */
static void native_counts(const struct guest_workload *wl, const struct elf_image *img, enum isa_variant isa,
                          struct machine_counts *c)
{
    char err[300];
    struct machine_config mc = {.mem_size = guest_mem(&wl->o), .isa = isa};
    struct machine *m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    struct console_capture out;
    const char *in = wl->o.input;
    capture_init(&out, (const uint8_t *)in, in ? strlen(in) : 0);
    struct console_io io = capture_io(&out);
    machine_set_console(m, &io);
    size_t dlen;
    uint8_t *disk = guest_disk(&wl->o, &dlen);
    if (disk)
        machine_attach_disk(m, disk, dlen);
    CU_ASSERT_FATAL(elf_boot(m, img, wl->o.boot, err, sizeof err));
    struct vm_exit x;
    CU_ASSERT_EQUAL(machine_run(m, GUEST_INSN_LIMIT, &x), EXIT_HALT);
    machine_counts(m, c);
    free(disk);
    capture_free(&out);
    machine_free(m);
}

/* Both machines with the kernel booted in the guest's memory, the
 * identity host table after it, and each side's control block. */
struct world {
    const struct guest_workload *wl;
    uint32_t gmem;
    struct machine *m;
    struct ref_machine *r;
    struct console_capture out[2]; /* fast, reference */
    uint8_t *disk;
    struct guest_control gc[2];
};

static void setup(struct world *w, const struct guest_workload *wl, const struct elf_image *img, enum isa_variant isa)
{
    w->wl = wl;
    w->gmem = guest_mem(&wl->o);
    uint32_t nl2 = (w->gmem + (4u << 20) - 1) >> 22; /* level-2 tables of the host's */
    uint32_t hroot = w->gmem, hmem = w->gmem + (1 + nl2) * PAGE_SIZE;
    char err[300];
    struct machine_config mc = {.mem_size = hmem, .isa = isa};
    struct ref_config rc = {.mem_size = hmem, .isa = isa};
    w->m = machine_new(&mc, err, sizeof err);
    w->r = ref_new(&rc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->r);
    struct machine *m = w->m;
    struct ref_machine *r = w->r;

    const char *in = wl->o.input;
    for (int i = 0; i < 2; i++)
        capture_init(&w->out[i], (const uint8_t *)in, in ? strlen(in) : 0);
    struct console_io fio = capture_io(&w->out[0]), rio = capture_io(&w->out[1]);
    machine_set_console(m, &fio);
    ref_set_console(r, &rio);
    size_t dlen;
    w->disk = guest_disk(&wl->o, &dlen);
    if (w->disk) {
        machine_attach_disk(m, w->disk, dlen);
        ref_attach_disk(r, w->disk, dlen);
    }
    struct ref_cpu *rcpu = ref_cpu(r);
    struct cpu_state *mcpu = machine_cpu(m);
    struct dma fdma = {.ctx = m, .mem_size = w->gmem, .read = m_read, .write = m_write};
    struct dma rdma = *ref_dma(r);
    rdma.mem_size = w->gmem;
    CU_ASSERT_FATAL(elf_boot_into(&fdma, mcpu->r, &mcpu->pc, img, wl->o.boot, err, sizeof err));
    CU_ASSERT_FATAL(elf_boot_into(&rdma, rcpu->r, &rcpu->pc, img, wl->o.boot, err, sizeof err));
    for (uint32_t t = 0; t < nl2; t++)
        put(m, r, hroot + 4 * t, (hroot + (1 + t) * PAGE_SIZE) | PTE_V);
    for (uint32_t g = 0; g < w->gmem; g += PAGE_SIZE)
        put(m, r, hroot + PAGE_SIZE * (1 + (g >> 22)) + 4 * VA_L2(g), g | PTE_V | PTE_R | PTE_W | PTE_X);

    w->gc[0] = (struct guest_control){.nested = true, .nested_root = hroot};
    for (int c = 0; c < NCRS; c++)
        w->gc[0].cr[c] = c == CR_TIMER ? 0 : machine_get_cr(m, (enum cr)c);
    w->gc[1] = w->gc[0];
}

static void teardown(struct world *w)
{
    free(w->disk);
    machine_free(w->m);
    ref_free(w->r);
    capture_free(&w->out[0]);
    capture_free(&w->out[1]);
}

/* Is the console the bare machine's (the golden file, normalized: golden.h)? */
static bool golden(const struct world *w, int side)
{
    return guest_golden_same(w->wl->name, (const char *)w->out[side].buf, w->out[side].len,
                             side ? "the reference" : "the machine");
}

/* Step by step: the two machines agree, and print what the bare machine
 * prints. */
static void compare(const struct guest_workload *wl, const struct elf_image *img, enum isa_variant isa)
{
    struct world w;
    setup(&w, wl, img, isa);
    struct difftest_options o = {.output = output, .output_ctx = w.out};
    struct difftest *d = difftest_new(w.m, w.r, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    difftest_seed(d);
    struct vm_exit x;
    for (;;) {
        uint64_t ran = machine_cpu(w.m)->instret;
        enum exit_reason why = difftest_run_guest(d, &w.gc[0], &w.gc[1], GUEST_INSN_LIMIT - ran, &x);
        if (why != EXIT_NESTED_FAULT || x.addr < w.gmem || difftest_result(d)->differ ||
            !bus_error(&w.gc[0], &machine_cpu(w.m)->pc, &x) || !bus_error(&w.gc[1], &ref_cpu(w.r)->pc, &x))
            break;
    }
    if (!difftest_result(d)->differ)
        difftest_check_memory(d);
    const struct difftest_result *res = difftest_result(d);
    if (res->differ)
        fprintf(stderr, "\n  guestos %s (%s): %s\n", wl->name, isa_variant_name(isa), res->report);
    CU_ASSERT_FALSE(res->differ);
    CU_ASSERT_EQUAL(x.reason, EXIT_HALT);
    CU_ASSERT(golden(&w, 0));
    difftest_free(d);
    teardown(&w);
}

/* One long run on each side (a step is an entry, and every entry drops
 * the instruction TLB, so that stepping walks more than running does):
 * the two count the same walks and references, and against the bare
 * machine's run the walks with paging on are the same (a combined entry
 * takes the guest entry's place in the TLB), a few more with paging off
 * at boot (the host's translations, 2 entries each), and each walk reads
 * up to 4 times the entries (8 instead of 2, 3 instead of 1 where the
 * guest's level 1 refuses). */
static void count(const struct guest_workload *wl, const struct elf_image *img, enum isa_variant isa)
{
    struct world w;
    setup(&w, wl, img, isa);
    struct vm_exit x;
    unsigned faults = 0;
    while (machine_run_guest(w.m, &w.gc[0], GUEST_INSN_LIMIT, &x) == EXIT_NESTED_FAULT && x.addr >= w.gmem &&
           bus_error(&w.gc[0], &machine_cpu(w.m)->pc, &x))
        faults++;
    CU_ASSERT_EQUAL(x.reason, EXIT_HALT);
    while (ref_run_guest(w.r, &w.gc[1], GUEST_INSN_LIMIT, &x) == EXIT_NESTED_FAULT && x.addr >= w.gmem &&
           bus_error(&w.gc[1], &ref_cpu(w.r)->pc, &x))
        continue;
    CU_ASSERT_EQUAL(x.reason, EXIT_HALT);
    CU_ASSERT(golden(&w, 0) && golden(&w, 1));
    struct machine_counts nc, bc;
    machine_counts(w.m, &nc);
    const struct ref_counts *rc = ref_counts(w.r);
    CU_ASSERT_EQUAL(nc.walks, rc->walks);
    CU_ASSERT_EQUAL(nc.walk_refs, rc->walk_refs);
    native_counts(wl, img, isa, &bc);
    uint64_t off = nc.walks - bc.walks, on_refs = nc.walk_refs - 2 * off;
    CU_ASSERT(nc.walks >= bc.walks && off < 32);
    CU_ASSERT(on_refs > 3 * bc.walk_refs && on_refs <= 4 * bc.walk_refs);
    printf("\n  guestos %s (%s): %" PRIu64 " instructions, %" PRIu64 " walks with paging on (as natively) and %" PRIu64
           " off, %" PRIu64 " references (natively %" PRIu64 ", x%.2f)",
           wl->name, isa_variant_name(isa), machine_cpu(w.m)->instret, bc.walks, off, nc.walk_refs, bc.walk_refs,
           bc.walk_refs ? (double)on_refs / (double)bc.walk_refs : 0.0);
    if (faults)
        printf(", %u bus errors given", faults);
    teardown(&w);
}

static void run_workload(const char *name, enum isa_variant isa)
{
    const struct guest_workload *wl = guest_workload(name);
    const struct elf_image *img = guest_kernel();
    CU_ASSERT_PTR_NOT_NULL_FATAL(wl);
    if (!img)
        return;
    compare(wl, img, isa);
    count(wl, img, isa);
}

static void test_hello_x86like(void) { run_workload("hello", ISA_X86LIKE); }
static void test_hello_pg(void) { run_workload("hello", ISA_PG); }
static void test_dirty(void) { run_workload("dirty", ISA_X86LIKE); }
static void test_wild(void) { run_workload("wild", ISA_X86LIKE); }

/* Every workload on both variants, in make difftest (VMLAB_DIFFTEST=1):
 * about 110 million steps, two and a half minutes with sanitizers. */
static void test_all(void)
{
    const char *e = getenv("VMLAB_DIFFTEST");
    if (!e || strcmp(e, "1") != 0)
        return;
    for (int v = 0; v < ISA_NVARIANTS; v++)
        for (int i = 0; i < GUEST_NWORKLOADS; i++)
            run_workload(guest_workloads[i].name, (enum isa_variant)v);
}
static void test_echo(void) { run_workload("echo", ISA_PG); }
static void test_disk(void) { run_workload("disk", ISA_X86LIKE); }

void suite_guestos(void)
{
    CU_pSuite s = CU_add_suite("guestos", NULL, guest_kernel_free);
    CU_add_test(s, "hello, x86like, nested: reference and golden output", test_hello_x86like);
    CU_add_test(s, "hello, pg, nested: reference and golden output", test_hello_pg);
    CU_add_test(s, "dirty, x86like, nested: reference and golden output", test_dirty);
    CU_add_test(s, "wild, x86like, nested: reference and golden output", test_wild);
    CU_add_test(s, "echo, pg, nested: reference and golden output", test_echo);
    CU_add_test(s, "disk, x86like, nested: reference and golden output", test_disk);
    CU_add_test(s, "every workload, both variants (make difftest only)", test_all);
}
