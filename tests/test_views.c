/*
 * test_views.c - the debugger's views (tools/session_views.h): the walk of
 * one address through the guest's tables and the shadow tables, the
 * virtual CPU beside the real one, and one exit explained.
 *
 * Test guests run under the VMM with an exit hook that stops at a chosen
 * exit and calls the views there, into a memory stream.  What the text
 * must say is worked out here, apart from the views: guest entries read
 * from guest memory at the addresses the manual's walk gives (L1 index
 * va[31:22], L2 index va[21:12]), the tables' places from the image's
 * symbols and the bits from the .s files that set them, the shadow walk
 * from the real ptb and host memory as the real MMU would read them, and
 * a shadow frame from the VM's pmap (vm_host_frame).  Only the views'
 * fixed layout words are written out here.
 */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "guestrun.h"
#include "machine.h"
#include "session.h"
#include "session_views.h"
#include "vmm.h"

/* --- finding things out independently --- */

static uint32_t sym(const struct elf_image *img, const char *name)
{
    const struct elf_symbol *s = elf_symbol_named(img, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s->value;
}

static uint32_t guest_word(struct vm *vm, uint32_t gpa)
{
    uint32_t w = 0;
    CU_ASSERT_FATAL(vm_read_phys(vm, gpa, &w, 4));
    return w; /* the host is little-endian, as the machine */
}

static uint32_t host_word(struct vmm *v, uint32_t hpa)
{
    uint32_t w = 0;
    CU_ASSERT_FATAL(machine_read_phys(vmm_machine(v), hpa, &w, 4));
    return w;
}

static uint32_t l1_index(uint32_t va) { return va >> 22; }
static uint32_t l2_index(uint32_t va) { return (va >> 12) & 0x3ff; }

/* Whether text holds the line piece fmt makes; if not, both on stderr. */
static bool says(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool says(const char *text, const char *fmt, ...)
{
    char want[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    if (text && strstr(text, want))
        return true;
    fprintf(stderr, "\nviews: expected \"%s\" in:\n%s\n", want, text ? text : "(nothing)");
    return false;
}

/* --- a VM stopped at a chosen exit --- */

struct catch;
typedef bool catch_fn(struct catch *c, const struct vm_exit *x, const struct vmm_decision *d);

struct catch {
    struct vmm *v;
    struct vm *vm;
    struct elf_image img;
    struct capture out;
    catch_fn *want;  /* the exit to stop at: the first it wants */

    uint32_t va;     /* what want looks for, and the address to walk (0: a fault's address, else pc) */
    enum vmm_exit_kind kind; /* what first_of_kind looks for */
    bool color;
    struct report_view before, after;
    struct view_made made; /* the shadow entries made from a store's word, before the exit */
    char *walk_before; /* the walk of va before the exit was handled (page faults) */
    bool caught;
    struct vm_exit x;
    struct vmm_decision d;
    char *exit_text, *walk, *cpus;
    bool changed;      /* the views changed host memory or the VM's statistics */
};

static uint32_t walk_va(const struct catch *c, const struct vm_exit *x)
{
    bool fault = x->reason == EXIT_TRAP && CAUSE_CODE(x->cause) == CAUSE_PAGE_FAULT;
    return c->va ? c->va : fault ? x->addr : x->pc;
}

static char *text_of_walk(struct catch *c, const struct report_view *v, uint32_t va)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    view_walk(f, v, c->vm, va, c->color);
    fclose(f);
    return buf;
}

static uint8_t *host_copy(struct vmm *v)
{
    uint32_t n = machine_mem_size(vmm_machine(v));
    uint8_t *m = malloc(n);
    CU_ASSERT_FATAL(m && machine_read_phys(vmm_machine(v), 0, m, n));
    return m;
}

static bool hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct catch *c = ctx;
    if (!d) {
        c->before = report_view_of_vm(vm, &c->img);
        view_made_before(vm, &c->before, x, &c->made);
        if (x->reason == EXIT_TRAP && CAUSE_CODE(x->cause) == CAUSE_PAGE_FAULT && !c->caught) {
            free(c->walk_before);
            c->walk_before = text_of_walk(c, &c->before, walk_va(c, x));
        }
        return false;
    }
    if (c->caught || !c->want(c, x, d))
        return false;
    c->caught = true;
    c->x = *x;
    c->d = *d;
    c->after = report_view_of_vm(vm, &c->img);
    uint8_t *was = host_copy(c->v);
    struct vm_stats st = *vm_stats(vm);
    c->walk = text_of_walk(c, &c->after, walk_va(c, x));
    size_t len;
    FILE *f = open_memstream(&c->exit_text, &len);
    view_exit(f, vm, &c->before, &c->after, x, d, &c->made, c->color);
    fclose(f);
    f = open_memstream(&c->cpus, &len);
    view_cpus(f, c->v, vm, &c->after, x, c->color);
    fclose(f);
    uint8_t *now = host_copy(c->v);
    c->changed = memcmp(was, now, machine_mem_size(vmm_machine(c->v))) != 0 ||
                 memcmp(&st, vm_stats(vm), sizeof st) != 0;
    free(was);
    free(now);
    return true;
}

static void run_to(struct catch *c, const char *guest, enum shadow_policy policy, catch_fn *want,
                   enum vmm_exit_kind kind, uint32_t va)
{
    memset(c, 0, sizeof *c);
    guest_image(guest, &c->img);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = policy};
    c->v = vmm_new(&vc, GUESTRUN_MEM + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->v);
    struct vm_config cfg = {.name = guest, .mem_size = GUESTRUN_MEM, .image = &c->img, .max_insns = 10000000,
                            .io = {.ctx = &c->out, .read = capture_read, .write = capture_write}};
    c->vm = vmm_add_vm(c->v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->vm);
    c->want = want;
    c->kind = kind;
    c->va = va;
    vmm_set_exit_hook(c->v, VMM_HOOK_ALL | VMM_HOOK_BEFORE, hook, c);
    CU_ASSERT_EQUAL(vmm_run(c->v), VMR_HOOK);
    CU_ASSERT_FATAL(c->caught);
    CU_ASSERT(!c->changed); /* the views looked and touched nothing */
}

static void catch_free(struct catch *c)
{
    free(c->walk_before);
    free(c->exit_text);
    free(c->walk);
    free(c->cpus);
    free(c->out.buf);
    vmm_free(c->v);
    elf_free(&c->img);
}

/* The walk the real MMU does through the real ptb, read from host memory:
 * its level-1 entry's address and value, and the level-2 one (0 if the
 * level-1 entry has V clear). */
struct host_walk {
    uint32_t root, e1_pa, e1, e2_pa, e2;
};

static struct host_walk real_walk(struct vmm *v, uint32_t va)
{
    struct host_walk h = {.root = machine_get_cr(vmm_machine(v), CR_PTB)};
    h.e1_pa = h.root + 4 * l1_index(va);
    h.e1 = host_word(v, h.e1_pa);
    if (h.e1 & PTE_V) {
        h.e2_pa = (h.e1 & ~PAGE_MASK) + 4 * l2_index(va);
        h.e2 = host_word(v, h.e2_pa);
    }
    return h;
}

/* --- paging.s --- */

#define USER_VA 0x00400000u  /* paging.s's .equ */
#define UDATA_VA 0x00401000u
#define PTE_UDATA 0x17u      /* V R W U, paging.s's .equ */

static bool hidden_at_va(struct catch *c, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    return d->kind == VMX_PF_HIDDEN && (d->gva & ~PAGE_MASK) == (c->va & ~PAGE_MASK);
}

/* The first touch of the user's data page: a hidden fault in virtual user
 * mode.  The guest's walk, the shadow walk, and the frames they end at. */
static void test_walk_hidden(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_DEMAND, hidden_at_va, VMX_COUNT, UDATA_VA + 0x10);
    uint32_t va = UDATA_VA + 0x10, pt_l1 = sym(&c.img, "pt_l1"), pt_u = sym(&c.img, "pt_u");
    uint32_t udata = sym(&c.img, "udata");
    CU_ASSERT_EQUAL(c.after.crs[CR_PTB], pt_l1);
    CU_ASSERT(says(c.walk, "walk of gva 0x%08x", va));
    CU_ASSERT(says(c.walk, "virtual user mode, paging on"));
    CU_ASSERT(says(c.walk, "ptb gpa 0x%08x\n", pt_l1));

    /* the guest's: level 1 leads to pt_u, level 2 to udata with the .s's bits and A (a load) */
    uint32_t g1_pa = pt_l1 + 4 * l1_index(va), g1 = guest_word(c.vm, g1_pa);
    uint32_t g2_pa = pt_u + 4 * l2_index(va), g2 = guest_word(c.vm, g2_pa);
    CU_ASSERT_EQUAL(g1, pt_u | PTE_V);
    CU_ASSERT_EQUAL(g2, udata | PTE_UDATA | PTE_A);
    CU_ASSERT(says(c.walk, "guest  gpa 0x%08x = 0x%08x  table 0x%08x, V\n", g1_pa, g1, pt_u));
    CU_ASSERT(says(c.walk, "guest  gpa 0x%08x = 0x%08x  frame 0x%08x, V R W U A\n", g2_pa, g2, udata));

    /* the shadow's, through the real ptb: the user role's root, made from pt_l1 */
    struct host_walk h = real_walk(c.v, va);
    uint32_t hframe = vm_host_frame(c.vm, udata >> PAGE_SHIFT) << PAGE_SHIFT;
    CU_ASSERT(says(c.walk, "ptb hpa 0x%08x: the root of role user, made from guest table gpa 0x%08x\n", h.root, pt_l1));
    CU_ASSERT(says(c.walk, "shadow hpa 0x%08x = 0x%08x  table 0x%08x, V\n", h.e1_pa, h.e1, h.e1 & ~PAGE_MASK));
    CU_ASSERT_EQUAL(h.e2 & ~PAGE_MASK, hframe);
    /* made from V R W U A: every shadow entry has U, A and D preset, W only once the guest's D is set */
    CU_ASSERT(says(c.walk, "shadow hpa 0x%08x = 0x%08x  frame 0x%08x, V R U A D\n", h.e2_pa, h.e2, hframe));
    CU_ASSERT(says(c.walk, "page     guest  gpa 0x%08x (host frame 0x%08x); user mode may load, store; not fetch\n",
                   udata + 0x10, hframe));
    CU_ASSERT(says(c.walk, "shadow hpa 0x%08x\n", hframe + 0x10));
    CU_ASSERT(!strstr(c.walk, "not filled"));

    /* before the fault was handled, the same level-2 shadow entry was empty */
    CU_ASSERT(says(c.walk_before, "shadow hpa 0x%08x = 0x00000000  not filled yet", h.e2_pa));
    CU_ASSERT(says(c.walk_before, "guest  gpa 0x%08x = 0x%08x", g2_pa, g2 & ~PTE_A));
    catch_free(&c);
}

/* Addresses the guest does not map: the walk stops where the manual says,
 * on both sides, and looking fills nothing (run_to checks memory). */
static void test_walk_unmapped(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_DEMAND, hidden_at_va, VMX_COUNT, UDATA_VA);
    uint32_t pt_l1 = sym(&c.img, "pt_l1"), pt_u = sym(&c.img, "pt_u");
    uint8_t *was = host_copy(c.v);

    uint32_t va = UDATA_VA + 2 * PAGE_SIZE; /* pt_u's entry 3: never written */
    char *t = text_of_walk(&c, &c.after, va);
    struct host_walk h = real_walk(c.v, va);
    CU_ASSERT_EQUAL(guest_word(c.vm, pt_u + 4 * l2_index(va)), 0);
    CU_ASSERT(says(t, "guest  gpa 0x%08x = 0x00000000  frame 0x00000000, V clear\n", pt_u + 4 * l2_index(va)));
    CU_ASSERT(says(t, "guest  stops at level 2: V clear, a page fault"));
    CU_ASSERT(says(t, "shadow hpa 0x%08x = 0x%08x  not filled yet", h.e2_pa, h.e2));
    free(t);

    va = 0x00800000; /* level-1 entry 2 of pt_l1: never written */
    t = text_of_walk(&c, &c.after, va);
    h = real_walk(c.v, va);
    CU_ASSERT_EQUAL(guest_word(c.vm, pt_l1 + 8), 0);
    CU_ASSERT(says(t, "guest  gpa 0x%08x = 0x00000000  table 0x00000000, V clear\n", pt_l1 + 8));
    CU_ASSERT(says(t, "guest  stops at level 1: V clear, a page fault"));
    CU_ASSERT(says(t, "shadow hpa 0x%08x = 0x00000000  not filled yet", h.e1_pa));
    CU_ASSERT(!strstr(t, "level 2"));
    free(t);

    uint8_t *now = host_copy(c.v);
    CU_ASSERT(memcmp(was, now, machine_mem_size(vmm_machine(c.v))) == 0);
    free(was);
    free(now);
    catch_free(&c);
}

/* A VM that has not run yet has no shadow root: the walk says so, and
 * looking makes none (no frame taken, no memory written). */
static void test_walk_before_first_run(void)
{
    struct elf_image img;
    guest_image("paging", &img);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_DEMAND};
    struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture out = {0};
    struct vm_config cfg = {.name = "paging", .mem_size = GUESTRUN_MEM, .image = &img, .max_insns = 10000000,
                            .io = {.ctx = &out, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    uint32_t free_before = vmm_free_frames(v);
    uint8_t *was = host_copy(v);
    struct report_view rv = report_view_of_vm(vm, &img);
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    view_walk(f, &rv, vm, rv.pc, false);
    fclose(f);
    CU_ASSERT(says(buf, "walk of gva 0x%08x <_start>, virtual supervisor mode, paging off\n", sym(&img, "_start")));
    CU_ASSERT(says(buf, "shadow no root for role phys yet"));
    CU_ASSERT(says(buf, "page     guest  gpa 0x%08x (host frame 0x%08x)\n", rv.pc,
                   vm_host_frame(vm, rv.pc >> PAGE_SHIFT) << PAGE_SHIFT));
    CU_ASSERT_EQUAL(vmm_free_frames(v), free_before);
    uint8_t *now = host_copy(v);
    CU_ASSERT(memcmp(was, now, machine_mem_size(vmm_machine(v))) == 0);
    CU_ASSERT_EQUAL(vm_stats(vm)->shadow_built, 0);
    free(was);
    free(now);
    free(buf);
    free(out.buf);
    vmm_free(v);
    elf_free(&img);
}

static bool first_of_kind(struct catch *c, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    return d->kind == c->kind;
}

/* The first privileged instruction: mtcr tvec at the top of _start. */
static void test_exit_emulated(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_CACHE, first_of_kind, VMX_EMULATED, 0);
    uint32_t start = sym(&c.img, "_start"), trap = sym(&c.img, "trap"), pc = c.x.pc;
    CU_ASSERT(says(c.exit_text, "at            gva 0x%08x <_start+%u>: mtcr tvec, ", pc, pc - start));
    CU_ASSERT(says(c.exit_text, ", virtual supervisor mode\n"));
    CU_ASSERT(says(c.exit_text, "changed       pc %08x -> %08x, ", pc, pc + 4));
    CU_ASSERT(says(c.exit_text, "tvec 00000000 -> %08x", trap));
    /* nothing else changed: two registers */
    const char *line = strstr(c.exit_text, "changed");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    unsigned arrows = 0;
    for (const char *p = line; *p && *p != '\n'; p++)
        arrows += p[0] == '-' && p[1] == '>';
    CU_ASSERT_EQUAL(arrows, 2);
    /* paging still off: the real ptb is the root that maps guest-physical memory */
    CU_ASSERT(says(c.cpus, "ptb       %08x gpa", 0u));
    CU_ASSERT(says(c.cpus, "%08x hpa: shadow root, role phys (guest paging off)\n",
                   machine_get_cr(vmm_machine(c.v), CR_PTB)));
    catch_free(&c);
}

/* The user program's first system call, reflected into the guest kernel. */
static void test_exit_reflected(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_CACHE, first_of_kind, VMX_REFLECTED, 0);
    uint32_t trap = sym(&c.img, "trap");
    CU_ASSERT_EQUAL(CAUSE_CODE(c.x.cause), CAUSE_SYSCALL);
    CU_ASSERT(says(c.exit_text, "at            gva 0x%08x <USER_VA+%u>: syscall, virtual user mode\n", c.x.pc,
                   c.x.pc - USER_VA));
    CU_ASSERT(says(c.exit_text, "reflected     %s (", isa_cause_name(CAUSE_SYSCALL)));
    CU_ASSERT(says(c.exit_text, "saved epc gva 0x%08x", c.x.pc));
    CU_ASSERT(says(c.exit_text, "handler       gva 0x%08x <trap>, virtual supervisor mode\n", trap));
    catch_free(&c);
}

/* A real timer exit at which the VMM delivers the virtual timer interrupt. */
static bool timer_delivered(struct catch *c, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)c;
    (void)x;
    return d->kind == VMX_TIMER && d->interrupt;
}

static void test_exit_interrupt(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_CACHE, timer_delivered, VMX_COUNT, 0);
    uint32_t trap = sym(&c.img, "trap");
    CU_ASSERT_EQUAL(CAUSE_CODE(c.d.interrupt), CAUSE_TIMER);
    CU_ASSERT(says(c.exit_text, "interrupt     %s (", isa_cause_name(CAUSE_TIMER)));
    CU_ASSERT(says(c.exit_text, "saved epc gva 0x%08x", c.x.pc)); /* the instruction it had not run yet */
    CU_ASSERT(says(c.exit_text, "handler       gva 0x%08x <trap>, virtual supervisor mode\n", trap));
    CU_ASSERT(!strstr(c.exit_text, "reflected"));
    catch_free(&c);
}

/* The hidden fault of test_walk_hidden, as the exit's block tells it. */
static void test_exit_hidden(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_DEMAND, hidden_at_va, VMX_COUNT, UDATA_VA);
    uint32_t pt_u = sym(&c.img, "pt_u"), udata = sym(&c.img, "udata");
    uint32_t g2_pa = pt_u + 4 * l2_index(UDATA_VA), g2 = guest_word(c.vm, g2_pa);
    struct host_walk h = real_walk(c.v, UDATA_VA);
    uint32_t hframe = vm_host_frame(c.vm, udata >> PAGE_SHIFT) << PAGE_SHIFT;
    CU_ASSERT(says(c.exit_text, "guest entry   gpa 0x%08x: 0x%08x (frame 0x%08x, V R W U A)\n", g2_pa, g2, udata));
    CU_ASSERT(says(c.exit_text, "shadow made   role user, hpa 0x%08x: 0x%08x (frame 0x%08x, V R U A D)\n", h.e2_pa,
                   h.e2, hframe));
    CU_ASSERT(says(c.exit_text, "virtual user mode\n"));
    catch_free(&c);
}

/* The first remap: the kernel's store into pt_u, the user data page's
 * entry switched from udata to udata2 (paging.s's remap xors the two). */
static void test_exit_tracing(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_CACHE, first_of_kind, VMX_PF_TRACING, 0);
    uint32_t pt_u = sym(&c.img, "pt_u"), udata = sym(&c.img, "udata"), udata2 = sym(&c.img, "udata2");
    uint32_t remap = sym(&c.img, "remap");
    uint32_t e_pa = pt_u + 4 * l2_index(UDATA_VA), now = guest_word(c.vm, e_pa), was = now ^ udata ^ udata2;
    CU_ASSERT_EQUAL(now & ~PAGE_MASK, udata2);
    CU_ASSERT(says(c.exit_text, "gva 0x%08x <remap+%u>: sw ", c.x.pc, c.x.pc - remap));
    CU_ASSERT(says(c.exit_text,
                   "guest entry   gpa 0x%08x, level 2, for gva 0x%08x: 0x%08x (frame 0x%08x, V R W U A D)\n",
                   e_pa, UDATA_VA, was, udata));
    CU_ASSERT(says(c.exit_text, "-> 0x%08x (frame 0x%08x, V R W U A D)\n", now, udata2));
    /* The user program ran through pt_u, so the user role has a shadow of
     * it, whose entry for UDATA_VA mapped udata's host frame before the
     * store; after it, the word in host memory at the address the block
     * names is what the block shows: none, or udata2's host frame. */
    const char *line = strstr(c.exit_text, "shadow entry  role user, hpa 0x");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    unsigned hpa = 0, was_s = 0, now_s = 0;
    CU_ASSERT_FATAL(sscanf(line, "shadow entry  role user, hpa 0x%x: 0x%x (%*[^)]) -> 0x%x", &hpa, &was_s, &now_s) ==
                    3);
    CU_ASSERT_EQUAL(was_s & ~PAGE_MASK, vm_host_frame(c.vm, udata >> PAGE_SHIFT) << PAGE_SHIFT);
    CU_ASSERT(was_s & PTE_V);
    uint8_t w[4];
    CU_ASSERT_FATAL(machine_read_phys(vmm_machine(c.v), hpa, w, 4));
    CU_ASSERT_EQUAL(now_s, (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24);
    CU_ASSERT(!(now_s & PTE_V) || (now_s & ~PAGE_MASK) == vm_host_frame(c.vm, udata2 >> PAGE_SHIFT) << PAGE_SHIFT);
    /* and it says nothing of a sup-role shadow: the kernel never walked pt_u */
    CU_ASSERT_PTR_NULL(strstr(c.exit_text, "role sup"));
    catch_free(&c);
}

/* The first walk of the user's data page in user mode after the remap: the
 * shadow's frame follows the guest's to udata2. */
static void test_walk_after_remap(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_CACHE, first_of_kind, VMX_PF_TRACING, 0);
    uint32_t udata2 = sym(&c.img, "udata2");
    char *t = text_of_walk(&c, &c.after, UDATA_VA);
    uint32_t hframe = vm_host_frame(c.vm, udata2 >> PAGE_SHIFT) << PAGE_SHIFT;
    CU_ASSERT(says(t, "frame 0x%08x, V R W U A D\n", udata2));
    CU_ASSERT(says(t, "gpa 0x%08x (host frame 0x%08x); supervisor mode may load, store; not fetch\n", udata2, hframe));
    free(t);
    catch_free(&c);
}

/* --- ptbswitch.s: the real ptb follows the guest's --- */

#define WINDOW_VA 0x00400000u /* ptbswitch.s's .equ */

static bool ptb_switch(struct catch *c, const struct vm_exit *x, const struct vmm_decision *d)
{
    if (d->kind != VMX_EMULATED || d->op != OP_MTCR)
        return false;
    /* the hook fills c->after only once caught: look now */
    struct report_view now = report_view_of_vm(c->vm, &c->img);
    (void)x;
    return now.crs[CR_PTB] != c->before.crs[CR_PTB] && now.crs[CR_STATUS] & SR_PG;
}

static void test_cpus_ptbswitch(void)
{
    struct catch c;
    run_to(&c, "ptbswitch", SHADOW_CACHE, ptb_switch, VMX_COUNT, WINDOW_VA);
    uint32_t root2 = sym(&c.img, "root2"), page_b = sym(&c.img, "page_b"), pt_x2 = sym(&c.img, "pt_x2");
    struct machine *m = vmm_machine(c.v);
    uint32_t rs = machine_get_cr(m, CR_STATUS), rptb = machine_get_cr(m, CR_PTB);
    char vbits[40], rbits[40];
    isa_status_bits(c.after.crs[CR_STATUS], vbits, sizeof vbits);
    isa_status_bits(rs, rbits, sizeof rbits);
    /* the manual's deprivileging: the real CPU runs the guest kernel in user mode, paging and interrupts on */
    CU_ASSERT(!(rs & SR_S) && (rs & SR_PG) && (rs & SR_IE));
    CU_ASSERT(c.after.crs[CR_STATUS] & SR_S);
    CU_ASSERT(says(c.cpus, "mode      supervisor"));
    CU_ASSERT(says(c.cpus, " user\n"));
    CU_ASSERT(says(c.cpus, "%08x (%s)", c.after.crs[CR_STATUS], vbits));
    CU_ASSERT(says(c.cpus, "%08x (%s)\n", rs, rbits));
    CU_ASSERT(says(c.cpus, "ptb       %08x gpa", root2));
    CU_ASSERT(says(c.cpus, "%08x hpa: shadow root, role sup, of guest table gpa %08x\n", rptb, root2));
    CU_ASSERT(says(c.cpus, "%08x (%s)\n", c.x.cause, isa_cause_name(CAUSE_PRIV)));

    /* through root2, WINDOW_VA is page_b */
    CU_ASSERT(says(c.walk, "guest  gpa 0x%08x = 0x%08x  table 0x%08x, V\n", root2 + 4 * l1_index(WINDOW_VA),
                   pt_x2 | PTE_V, pt_x2));
    CU_ASSERT(says(c.walk, "gpa 0x%08x (host frame 0x%08x)", page_b,
                   vm_host_frame(c.vm, page_b >> PAGE_SHIFT) << PAGE_SHIFT));
    CU_ASSERT(says(c.walk, "made from guest table gpa 0x%08x\n", root2));
    catch_free(&c);
}

/* --- sharedleaf.s: two roots, one level-2 table --- */

static void test_walk_sharedleaf(void)
{
    struct catch c;
    run_to(&c, "sharedleaf", SHADOW_CACHE, ptb_switch, VMX_COUNT, 0);
    uint32_t root2 = sym(&c.img, "root2"), pt_k = sym(&c.img, "pt_k");
    uint32_t va = c.after.pc;
    char *t = text_of_walk(&c, &c.after, va);
    struct host_walk h = real_walk(c.v, va);
    CU_ASSERT(says(t, "guest  gpa 0x%08x = 0x%08x  table 0x%08x, V\n", root2 + 4 * l1_index(va), pt_k | PTE_V, pt_k));
    CU_ASSERT(says(t, "guest  gpa 0x%08x = ", pt_k + 4 * l2_index(va)));
    CU_ASSERT(says(t, "ptb hpa 0x%08x: the root of role sup, made from guest table gpa 0x%08x\n", h.root, root2));
    if (h.e1 & PTE_V) {
        CU_ASSERT(says(t, "shadow hpa 0x%08x = 0x%08x  table 0x%08x, V\n", h.e1_pa, h.e1, h.e1 & ~PAGE_MASK));
    } else {
        CU_ASSERT(says(t, "shadow hpa 0x%08x = 0x%08x  not filled yet", h.e1_pa, h.e1));
    }
    free(t);
    catch_free(&c);
}

/* --- ptebeyond.s: frames past the end of guest memory --- */

#define BEYOND_VA 0x00400000u /* ptebeyond.s's .equ */

/* A true fault at BEYOND_VA whose guest level-1 entry points past memory
 * (c->va set) or within it (c->va 0): the guest's walk, read by the test. */
static bool beyond(struct catch *c, const struct vm_exit *x, const struct vmm_decision *d)
{
    (void)x;
    if (d->kind != VMX_PF_TRUE || (d->gva & ~PAGE_MASK) != BEYOND_VA)
        return false;
    struct report_view now = report_view_of_vm(c->vm, &c->img);
    uint32_t l1e = guest_word(c->vm, (now.crs[CR_PTB] & ~PAGE_MASK) + 4 * l1_index(BEYOND_VA));
    return ((l1e & ~PAGE_MASK) >= vm_mem_size(c->vm)) == (c->kind == VMX_COUNT);
}

static void test_walk_beyond_memory(void)
{
    struct catch c;
    /* a leaf for a frame past memory */
    run_to(&c, "ptebeyond", SHADOW_CACHE, beyond, VMX_PF_TRUE, BEYOND_VA);
    uint32_t ptb = c.after.crs[CR_PTB] & ~PAGE_MASK, mem = vm_mem_size(c.vm);
    uint32_t l1e = guest_word(c.vm, ptb + 4 * l1_index(BEYOND_VA));
    uint32_t l2e_pa = (l1e & ~PAGE_MASK) + 4 * l2_index(BEYOND_VA), l2e = guest_word(c.vm, l2e_pa);
    CU_ASSERT((l2e & PTE_V) && (l2e & ~PAGE_MASK) >= mem);
    CU_ASSERT(says(c.walk, "guest  gpa 0x%08x = 0x%08x  frame 0x%08x,", l2e_pa, l2e, l2e & ~PAGE_MASK));
    CU_ASSERT(says(c.walk, "page     guest  frame 0x%08x is outside memory: a bus error\n", l2e & ~PAGE_MASK));
    CU_ASSERT(!(guest_word(c.vm, l2e_pa) & PTE_A)); /* the manual: A only on success */
    CU_ASSERT(says(c.exit_text, "true fault    the guest's tables refuse gva 0x%08x\n", BEYOND_VA));
    CU_ASSERT(says(c.exit_text, "reflected     %s (", isa_cause_name(CAUSE_BUS_ERROR)));
    catch_free(&c);

    /* a level-1 entry for a frame past memory: the level-2 entry is not there to read */
    run_to(&c, "ptebeyond", SHADOW_CACHE, beyond, VMX_COUNT, BEYOND_VA);
    ptb = c.after.crs[CR_PTB] & ~PAGE_MASK;
    l1e = guest_word(c.vm, ptb + 4 * l1_index(BEYOND_VA));
    l2e_pa = (l1e & ~PAGE_MASK) + 4 * l2_index(BEYOND_VA);
    CU_ASSERT((l1e & PTE_V) && (l1e & ~PAGE_MASK) >= mem);
    CU_ASSERT(says(c.walk, "guest  gpa 0x%08x = 0x%08x  table 0x%08x, V\n", ptb + 4 * l1_index(BEYOND_VA), l1e,
                   l1e & ~PAGE_MASK));
    CU_ASSERT(says(c.walk, "level 2  guest  gpa 0x%08x  is outside memory: a bus error\n", l2e_pa));
    CU_ASSERT(says(c.walk, "page     guest  stops at level 2: a bus error\n"));
    catch_free(&c);
}

/* --- colour, and the bare machine --- */

static void test_color(void)
{
    struct catch c;
    run_to(&c, "paging", SHADOW_DEMAND, hidden_at_va, VMX_COUNT, UDATA_VA);
    CU_ASSERT(!strchr(c.walk, '\033') && !strchr(c.exit_text, '\033') && !strchr(c.cpus, '\033'));
    catch_free(&c);
    run_to(&c, "paging", SHADOW_DEMAND, hidden_at_va, VMX_COUNT, UDATA_VA);
    c.color = true;
    char *t = text_of_walk(&c, &c.after, UDATA_VA);
    CU_ASSERT(strstr(t, "\033[") && strstr(t, "\033[0m"));
    free(t);
    catch_free(&c);
}

static void test_walk_native(void)
{
    struct elf_image img;
    guest_image("paging", &img);
    char err[300];
    struct machine_config mc = {.mem_size = GUESTRUN_MEM, .isa = ISA_PG};
    struct machine *m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_FATAL(elf_boot(m, &img, NULL, err, sizeof err));
    struct vm_exit x;
    /* on until the user program runs: paging on, user mode */
    for (int i = 0; i < 100000 && !(!(machine_cpu(m)->cr[CR_STATUS] & SR_S) && machine_cpu(m)->cr[CR_STATUS] & SR_PG);
         i++)
        machine_run(m, 1, &x);
    const struct cpu_state *cpu = machine_cpu(m);
    CU_ASSERT_FATAL(!(cpu->cr[CR_STATUS] & SR_S));
    struct report_view v = {.img = &img, .pc = cpu->pc, .mem_size = machine_mem_size(m),
                            .read_phys = report_machine_memory, .ctx = m};
    memcpy(v.regs, cpu->r, sizeof v.regs);
    memcpy(v.crs, cpu->cr, sizeof v.crs);
    uint32_t msize = machine_mem_size(m);
    uint8_t *was = malloc(msize), *now = malloc(msize);
    CU_ASSERT_FATAL(was && now && machine_read_phys(m, 0, was, msize));
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    view_walk(f, &v, NULL, UDATA_VA, false);
    fclose(f);
    CU_ASSERT(machine_read_phys(m, 0, now, msize) && memcmp(was, now, msize) == 0); /* no A or D set */
    free(was);
    free(now);
    uint32_t pt_l1 = sym(&img, "pt_l1"), pt_u = sym(&img, "pt_u"), udata = sym(&img, "udata");
    CU_ASSERT(says(buf, "walk of gva 0x%08x", UDATA_VA));
    CU_ASSERT(says(buf, ", user mode, paging on\n"));
    CU_ASSERT(says(buf, "guest  pa 0x%08x = 0x%08x  table 0x%08x, V\n", pt_l1 + 4, pt_u | PTE_V, pt_u));
    CU_ASSERT(says(buf, "page     guest  pa 0x%08x; user mode may", udata));
    CU_ASSERT(!strstr(buf, "shadow") && !strstr(buf, "gpa") && !strstr(buf, "hpa"));
    free(buf);
    machine_free(m);
    elf_free(&img);
}

void suite_views(void)
{
    CU_pSuite s = CU_add_suite("views", NULL, NULL);
    CU_add_test(s, "the walk of a hidden fault, guest and shadow side by side", test_walk_hidden);
    CU_add_test(s, "unmapped addresses: where each walk stops, and nothing filled", test_walk_unmapped);
    CU_add_test(s, "a VM not run yet: no shadow root, and looking makes none", test_walk_before_first_run);
    CU_add_test(s, "an emulated exit: the registers it changed", test_exit_emulated);
    CU_add_test(s, "a reflected exit: saved state and handler", test_exit_reflected);
    CU_add_test(s, "a timer exit: the virtual interrupt delivered", test_exit_interrupt);
    CU_add_test(s, "a hidden fault: the guest entry and the shadow entry made", test_exit_hidden);
    CU_add_test(s, "a tracing fault: the guest entry before and after, the shadow entry", test_exit_tracing);
    CU_add_test(s, "after a remap the walk ends at the new frame", test_walk_after_remap);
    CU_add_test(s, "the virtual CPU beside the real CPU after a ptb switch", test_cpus_ptbswitch);
    CU_add_test(s, "two roots sharing a level-2 table", test_walk_sharedleaf);
    CU_add_test(s, "frames and tables past the end of guest memory", test_walk_beyond_memory);
    CU_add_test(s, "colour only when asked", test_color);
    CU_add_test(s, "a bare machine: the guest's walk alone", test_walk_native);
}
