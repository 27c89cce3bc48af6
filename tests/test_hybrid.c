/*
 * test_hybrid.c - the hybrid technique (vmm/hybrid.c, docs/vmm.md section
 * 2.3): the guest's virtual supervisor mode interpreted in software, its
 * user mode run directly.  What it must do, on BOTH isas:
 *
 *   - every guest-OS workload of workloads.c, under each shadow policy,
 *     with the isolation checker on, ends exactly as on the bare machine
 *     (on x86like too, where trap-and-emulate panics), and lockstep
 *     finds no instruction where the two differ;
 *   - a step of n instructions, or an instruction limit of n, ends where
 *     the bare machine is after n;
 *   - a timer interrupt that comes while the kernel is interpreted lands
 *     at the bare machine's instruction;
 *   - the kernel's own faults reach it with the hardware's cause, badaddr
 *     and epc (checked against the manual, not only against the machine);
 *   - and what it cannot do: on x86like a USER program's rdptb runs
 *     directly and sees the real ptb (Theorem 3's hybrid hides the kernel,
 *     not user mode) - the one place native and hybrid differ.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "broken_rule.h"
#include "guestrun.h"
#include "lockstep.h"
#include "workloads.h"

static const enum isa_variant isas[] = {ISA_PG, ISA_X86LIKE};

/* The workload's run on the bare machine, or under the hybrid technique
 * (with the isolation checker on); false if there is no kernel. */
static bool run_workload(const struct guest_workload *w, enum isa_variant isa, const char *technique,
                         enum shadow_policy p, uint64_t max_insns, struct guest_end *e)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return false;
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    struct guest_run c = {.image = k, .boot = w->o.boot, .mem = guest_mem(&w->o), .isa = isa, .disk = disk,
                          .disk_len = disklen, .input = w->o.input,
                          .max_insns = max_insns ? max_insns : GUEST_INSN_LIMIT, .technique = technique,
                          .policy = p, .check = true};
    if (technique)
        guest_run_vmm(&c, e);
    else
        guest_run_bare(&c, e);
    free(disk);
    return true;
}

/* The hybrid run's own counts: every instruction is counted once, and
 * both halves of the technique did their part. */
static void expect_counts(const struct guest_end *f, const char *who)
{
    const struct vm_stats *s = &f->stats;
    RULE(s->direct + s->emulated + s->interpreted == f->instret, "the hybrid VMM's counts do not add up",
         "%llu direct + %llu emulated + %llu interpreted, should be the %llu instructions retired - %s",
         (unsigned long long)s->direct, (unsigned long long)s->emulated, (unsigned long long)s->interpreted,
         (unsigned long long)f->instret, who);
    RULE(s->interpreted > 0, "the hybrid VMM interpreted nothing: the kernel ran on the real CPU", "%s", who);
    RULE(s->exits[VMX_EMULATED] == 0, "a privileged instruction trapped out of the interpreted kernel",
         "%llu emulation exits - %s", (unsigned long long)s->exits[VMX_EMULATED], who);
}

static void check_workload(const struct guest_workload *w)
{
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end n;
        if (!run_workload(w, isas[i], NULL, SHADOW_CACHE, 0, &n))
            return;
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            struct guest_end f;
            run_workload(w, isas[i], "hybrid", (enum shadow_policy)p, 0, &f);
            char who[160], what[300];
            snprintf(who, sizeof who, "workload %s (boot '%s'), %s, hybrid, %s shadows, isolation checker on",
                     w->name, w->o.boot ? w->o.boot : "", isa_variant_name(isas[i]),
                     shadow_policy_name((enum shadow_policy)p));
            guest_end_diff(&n, &f, what, sizeof what);
            RULE(!what[0], "under the hybrid VMM the guest OS ended differently from the bare machine",
                 "%s - %s; vrun --lockstep --technique hybrid finds the instruction", what, who);
            expect_counts(&f, who);
            RULE(f.audit == 0, "the shadow audit found wrong shadow entries when the VM stopped",
                 "%u findings, the first: %s - %s", f.audit, f.audit_first, who);
            guest_end_free(&f);
        }
        guest_end_free(&n);
    }
}

#define HYBRID_TEST(i)                                                                                    \
    static void test_workload_##i(void) { check_workload(&guest_workloads[i]); }
GUEST_WORKLOAD_INDEXES(HYBRID_TEST)
#define HYBRID_FN(i) test_workload_##i,
static void (*const workload_tests[])(void) = {GUEST_WORKLOAD_INDEXES(HYBRID_FN)};
_Static_assert(sizeof workload_tests / sizeof workload_tests[0] == GUEST_NWORKLOADS,
               "GUEST_WORKLOAD_INDEXES must count 0 .. GUEST_NWORKLOADS - 1");

/* The contrast that makes the point: the same kernel on x86like under
 * trap-and-emulate does not end as natively (it panics: rdsr shows it
 * user mode), under hybrid it does (above). */
static void test_x86like_trap_and_emulate_fails(void)
{
    struct guest_end n, t;
    if (!run_workload(&guest_workloads[0], ISA_X86LIKE, NULL, SHADOW_CACHE, 0, &n))
        return;
    run_workload(&guest_workloads[0], ISA_X86LIKE, "trap-and-emulate", SHADOW_CACHE, 0, &t);
    char what[300];
    guest_end_diff(&n, &t, what, sizeof what);
    RULE(what[0] != 0, "on x86like the demo ended under trap-and-emulate as natively",
         "the kernel should see the real mode through rdsr and panic");
    RULE(t.out && strstr(t.out, "not in supervisor mode"), "trap-and-emulate on x86like did not panic",
         "its output: %s", say_text(t.out ? t.out : ""));
    guest_end_free(&n);
    guest_end_free(&t);
}

/* --- lockstep ------------------------------------------------------------------------ */

static void lockstep_workload(const char *name, enum isa_variant isa, enum shadow_policy p)
{
    const struct guest_workload *w = guest_workload(name);
    const struct elf_image *k = guest_kernel();
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    if (!k)
        return;
    size_t disklen;
    uint8_t *disk = guest_disk(&w->o, &disklen);
    const char *in = w->o.input ? w->o.input : "";
    struct lockstep_config c = {.image = k, .bootarg = w->o.boot, .mem_size = guest_mem(&w->o), .isa = isa,
                                .technique = "hybrid", .policy = p, .input = (const uint8_t *)in,
                                .input_len = strlen(in), .disk = disk, .disk_len = disklen, .stride = 997};
    static struct lockstep_result r;
    char err[300];
    bool ok = lockstep_run(&c, &r, err, sizeof err);
    RULE(ok, "lockstep could not run", "%s - workload %s", err, name);
    RULE(ok && !r.diverged, "lockstep found an instruction where hybrid and the bare machine part",
         "after instruction %llu (pc 0x%08x, %s mode): %s - workload %s, %s, %s shadows",
         (unsigned long long)r.instret, r.pc, r.user ? "user" : "supervisor", r.what, name, isa_variant_name(isa),
         shadow_policy_name(p));
    RULE(ok && r.both_stopped, "lockstep did not run both to the end", "workload %s", name);
    free(disk);
}

static void test_lockstep(void)
{
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        lockstep_workload("demo", isas[i], SHADOW_CACHE);
        lockstep_workload("misbehave", isas[i], SHADOW_DEMAND);
        lockstep_workload("disk-busy", isas[i], SHADOW_REBUILD);
        lockstep_workload("echo", isas[i], SHADOW_CACHE);
    }
}

/* --- stepping and the instruction limit ---------------------------------------------- */

/* After n instructions - stepped by vm_step in uneven pieces, and run to
 * an instruction limit of n - the hybrid VM is where the bare machine is
 * after n: registers, pc, control registers, counts, memory, output. */
static void step_to(enum isa_variant isa, uint64_t n, unsigned *in_kernel)
{
    const struct guest_workload *w = &guest_workloads[0];
    struct guest_end bare, lim;
    if (!run_workload(w, isa, NULL, SHADOW_CACHE, n, &bare))
        return;
    char who[120], what[300];
    snprintf(who, sizeof who, "the demo on %s, %llu instructions", isa_variant_name(isa), (unsigned long long)n);

    run_workload(w, isa, "hybrid", SHADOW_CACHE, n, &lim);
    guest_end_diff(&bare, &lim, what, sizeof what);
    RULE(!what[0], "with an instruction limit, hybrid stopped elsewhere than the bare machine", "%s - %s", what,
         who);
    guest_end_free(&lim);

    char err[300];
    struct vmm_config vc = {.isa = isa, .technique = "hybrid", .shadow_frames = 1024};
    struct vmm *v = vmm_new(&vc, guest_mem(&w->o) + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "stepped", .mem_size = guest_mem(&w->o), .image = guest_kernel(),
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    uint64_t done = 0, piece = 1;
    while (done < n && vm_state(vm) == VM_RUNNABLE) {
        uint64_t k = piece < n - done ? piece : n - done;
        enum vmm_return r = vm_step(v, vm, k);
        RULE(r == VMR_STEPPED, "vm_step did not come back stepped", "%s after %llu - %s", vmm_return_name(r),
             (unsigned long long)done, who);
        done += k;
        RULE(vm_instret(vm) == done, "vm_step ran a different number of instructions",
             "%llu retired, %llu asked - %s", (unsigned long long)vm_instret(vm), (unsigned long long)done, who);
        piece = piece * 3 + 1; /* 1, 4, 13, 40, ...: the ends fall everywhere */
    }
    struct guest_end st;
    guest_end_of(vm, &cap, &st);
    st.state = bare.state; /* the bare machine stopped at its limit; the VM is still runnable */
    guest_end_diff(&bare, &st, what, sizeof what);
    RULE(!what[0], "stepped under hybrid, the VM is elsewhere than the bare machine", "%s - %s", what, who);
    *in_kernel += (st.crs[CR_STATUS] & SR_S) != 0;
    guest_end_free(&st);
    guest_end_free(&bare);
    vmm_free(v);
}

static void test_stepping(void)
{
    static const uint64_t ns[] = {1, 2, 7, 1000, 31337, 250001, 1234567, 3000000};
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        unsigned in_kernel = 0;
        for (size_t j = 0; j < sizeof ns / sizeof *ns; j++)
            step_to(isas[i], ns[j], &in_kernel);
        /* the point is to end inside interpreted code, most of the time */
        RULE(in_kernel >= 4, "too few of the steps ended in the interpreted kernel to prove anything",
             "%u of %zu - %s", in_kernel, sizeof ns / sizeof *ns, isa_variant_name(isas[i]));
    }
}

/* --- small kernels of tests/guests ---------------------------------------------------- */

static bool load_guest(const char *name, struct elf_image *img)
{
    char path[128];
    snprintf(path, sizeof path, "tests/guests/%s.s", name);
    bool ok = asm_file_image(path, img);
    RULE(ok, "a test guest does not assemble", "%s", path);
    return ok;
}

static void run_small(const struct elf_image *img, enum isa_variant isa, const char *technique,
                      struct guest_end *e)
{
    struct guest_run c = {.image = img, .isa = isa, .technique = technique, .policy = SHADOW_CACHE,
                          .check = true};
    if (technique)
        guest_run_vmm(&c, e);
    else
        guest_run_bare(&c, e);
}

/* irq.s spins in supervisor mode with interrupts on until the timer's
 * interrupt comes: where it lands decides its registers (the spin count)
 * and epc.  Under hybrid the whole kernel is interpreted, and the
 * interrupt must land at the bare machine's instruction. */
static void test_timer_in_interpreted_code(void)
{
    struct elf_image img;
    if (!load_guest("irq", &img))
        return;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end n, h;
        run_small(&img, isas[i], NULL, &n);
        run_small(&img, isas[i], "hybrid", &h);
        char what[300];
        guest_end_diff(&n, &h, what, sizeof what);
        RULE(!what[0], "the timer interrupt landed elsewhere in interpreted code than on the bare machine",
             "%s - irq.s on %s", what, isa_variant_name(isas[i]));
        /* the program's own account (tests/guests/irq.s): supervisor mode seen, one tick, halt 0 */
        RULE(h.out && strcmp(h.out, "S tick\n") == 0, "irq.s did not see supervisor mode and its tick",
             "its output: %s - %s", say_text(h.out ? h.out : ""), isa_variant_name(isas[i]));
        RULE(h.stats.direct == 0 && h.stats.interrupts == 1,
             "irq.s is all kernel: nothing should run directly, and one interrupt be delivered",
             "%llu direct, %llu interrupts - %s", (unsigned long long)h.stats.direct,
             (unsigned long long)h.stats.interrupts, isa_variant_name(isas[i]));
        guest_end_free(&n);
        guest_end_free(&h);
    }
    elf_free(&img);
}

static uint32_t word_at(const struct guest_end *e, uint32_t a)
{
    if (!e->mem || a + 4 > e->memlen)
        return 0xdeadbeef;
    return (uint32_t)e->mem[a] | (uint32_t)e->mem[a + 1] << 8 | (uint32_t)e->mem[a + 2] << 16 |
           (uint32_t)e->mem[a + 3] << 24;
}

static uint32_t sym(const struct elf_image *img, const char *name)
{
    const struct elf_symbol *s = elf_symbol_named(img, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s->value;
}

/* kfaults.s: each kind of fault, raised by the kernel itself, recorded by
 * its handler; the causes and addresses are the manual's (docs/isa.md
 * sections 6 and 7): a supervisor-mode access, so no USER bit. */
static void test_kernel_faults(void)
{
    struct elf_image img;
    if (!load_guest("kfaults", &img))
        return;
    const uint32_t table = 0x90000, hole = 0x80000, ro = 0x81000, far = 0x00400000;
    const struct {
        uint32_t cause, badaddr;
        const char *at; /* the instruction's label: its address is epc (HOLE's own for the fetch) */
    } want[] = {
        {CAUSE_MISALIGNED, 0x1002, "mis_lw"},
        {CAUSE_MISALIGNED | CAUSE_WRITE, 0x1001, "mis_sh"},
        {CAUSE_ILLEGAL, 0xff000000, "bad"},
        {CAUSE_DIV_ZERO, 0, "dz"},
        {CAUSE_BREAK, 0, "brk"},
        {CAUSE_SYSCALL, 0, "sys"},
        {CAUSE_BUS_ERROR, 0x00200000, "bus"},
        {CAUSE_MISALIGNED | CAUSE_FETCH, 0x1002, "mis_j"},
        {CAUSE_PAGE_FAULT, hole, "pf_lw"},
        {CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE, ro, "pf_sw"},
        {CAUSE_PAGE_FAULT, far + 8, "pf_far"},
        {CAUSE_PAGE_FAULT | CAUSE_FETCH, hole, NULL},
    };
    const uint32_t nwant = sizeof want / sizeof *want;
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end n, h;
        run_small(&img, isas[i], NULL, &n);
        run_small(&img, isas[i], "hybrid", &h);
        char what[300];
        guest_end_diff(&n, &h, what, sizeof what);
        RULE(!what[0], "a fault in interpreted kernel code reached the guest differently than on the bare machine",
             "%s - kfaults.s on %s", what, isa_variant_name(isas[i]));
        RULE(h.state == VM_HALTED && h.value == nwant, "kfaults.s did not take each trap once",
             "state %s, halt value %u, %u traps expected - %s", vm_state_name(h.state), h.value, nwant,
             isa_variant_name(isas[i]));
        for (uint32_t k = 0; k < nwant && k < word_at(&h, table); k++) {
            uint32_t rec = table + 4 + 12 * k;
            uint32_t cause = word_at(&h, rec), bad = word_at(&h, rec + 4), epc = word_at(&h, rec + 8);
            uint32_t at = want[k].at ? sym(&img, want[k].at) : hole;
            RULE(cause == want[k].cause && bad == want[k].badaddr && epc == at,
                 "a kernel fault under hybrid has the wrong cause, badaddr or epc",
                 "trap %u: cause %s, badaddr 0x%08x, epc 0x%08x; the manual says cause %s, badaddr 0x%08x, "
                 "epc 0x%08x - %s",
                 k, say_cause(cause), bad, epc, say_cause(want[k].cause), want[k].badaddr, at,
                 isa_variant_name(isas[i]));
        }
        RULE(h.stats.direct == 0, "kfaults.s never leaves supervisor mode, yet something ran directly",
             "%llu direct", (unsigned long long)h.stats.direct);
        guest_end_free(&n);
        guest_end_free(&h);
    }
    elf_free(&img);
}

/* userptb.s: a user program reads ptb.  On pg it traps, and hybrid is
 * exact; on x86like it runs directly and sees the real ptb - a shadow
 * table of the VMM - where natively it sees the kernel's: lockstep finds
 * exactly that instruction, in user mode, and a0. */
static void test_user_rdptb_witness(void)
{
    struct elf_image img;
    if (!load_guest("userptb", &img))
        return;
    const uint32_t ptb = 0x5000; /* userptb.s's PTB */
    struct guest_end n, h;
    char what[300];

    run_small(&img, ISA_PG, NULL, &n);
    run_small(&img, ISA_PG, "hybrid", &h);
    guest_end_diff(&n, &h, what, sizeof what);
    RULE(!what[0], "on pg a user program's rdptb traps, and hybrid should be exact", "%s", what);
    RULE(h.value == 0x77, "on pg rdptb should have trapped in user mode, leaving a0 as it was",
         "halt value 0x%x", h.value);
    guest_end_free(&n);
    guest_end_free(&h);

    run_small(&img, ISA_X86LIKE, NULL, &n);
    run_small(&img, ISA_X86LIKE, "hybrid", &h);
    RULE(n.value == ptb, "natively on x86like a user program's rdptb gives ptb", "halt value 0x%x, ptb 0x%x",
         n.value, ptb);
    RULE(h.value != ptb, "under hybrid on x86like a user program's rdptb should see the real ptb, not the guest's",
         "halt value 0x%x: Theorem 3's hybrid runs user mode directly", h.value);
    guest_end_free(&n);
    guest_end_free(&h);

    struct lockstep_config c = {.image = &img, .mem_size = 1u << 20, .isa = ISA_X86LIKE, .technique = "hybrid",
                                .policy = SHADOW_CACHE};
    static struct lockstep_result r;
    char err[300];
    bool ok = lockstep_run(&c, &r, err, sizeof err);
    RULE(ok, "lockstep could not run", "%s", err);
    uint32_t user = sym(&img, "user");
    RULE(ok && r.diverged && r.has_insn && r.pc == user && r.user && strncmp(r.what, "r10: native 0x00005000", 22) == 0,
         "lockstep should find the user program's rdptb, and a0, as the one place hybrid differs on x86like",
         "diverged %d at pc 0x%08x (%s mode), rdptb at 0x%08x: %s", r.diverged, r.pc, r.user ? "user" : "supervisor",
         user, r.what);
    elf_free(&img);
}

/* --- every computing instruction, interpreted -------------------------------------- */

/* What each computing instruction gives, written here from docs/isa.md
 * section 5 (not from isa/alu.h, which it checks). */
static uint32_t expect_op(const char *m, uint32_t a, uint32_t b)
{
    int64_t sa = (int32_t)a, sb = (int32_t)b;
    if (!strcmp(m, "add") || !strcmp(m, "addi")) return (uint32_t)((uint64_t)a + b);
    if (!strcmp(m, "sub")) return (uint32_t)((uint64_t)a - b);
    if (!strcmp(m, "and") || !strcmp(m, "andi")) return a & b;
    if (!strcmp(m, "or") || !strcmp(m, "ori")) return a | b;
    if (!strcmp(m, "xor") || !strcmp(m, "xori")) return a ^ b;
    if (!strcmp(m, "sll") || !strcmp(m, "slli")) return (uint32_t)((uint64_t)a << (b % 32));
    if (!strcmp(m, "srl") || !strcmp(m, "srli")) return a >> (b % 32);
    if (!strcmp(m, "sra") || !strcmp(m, "srai")) return (uint32_t)(sa >> (b % 32));
    if (!strcmp(m, "slt") || !strcmp(m, "slti")) return sa < sb ? 1 : 0;
    if (!strcmp(m, "sltu") || !strcmp(m, "sltiu")) return a < b ? 1 : 0;
    if (!strcmp(m, "mul")) return (uint32_t)(sa * sb);
    if (!strcmp(m, "mulh")) return (uint32_t)((uint64_t)(sa * sb) >> 32);
    if (!strcmp(m, "mulhu")) return (uint32_t)(((uint64_t)a * b) >> 32);
    if (!strcmp(m, "div")) return sb == -1 ? (uint32_t)-sa : (uint32_t)(sa / sb);
    if (!strcmp(m, "rem")) return sb == -1 ? 0 : (uint32_t)(sa % sb);
    if (!strcmp(m, "divu")) return a / b;
    if (!strcmp(m, "remu")) return a % b;
    if (!strcmp(m, "beq")) return a == b;
    if (!strcmp(m, "bne")) return a != b;
    if (!strcmp(m, "blt")) return sa < sb;
    if (!strcmp(m, "bge")) return sa >= sb;
    if (!strcmp(m, "bltu")) return a < b;
    if (!strcmp(m, "bgeu")) return a >= b;
    CU_FAIL("no expectation for an instruction");
    return 0;
}

/* A kernel, in supervisor mode throughout, that applies each computing
 * instruction to pairs of operands and stores each result at `out`, in
 * order; and what the manual says each result is. */
static char *alu_kernel(uint32_t **want, size_t *n)
{
    static const uint32_t vals[] = {0, 1, 2, 5, 31, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff9,
                                    0x12345678, 0x80000001};
    static const char *const rrr[] = {"add", "sub", "and", "or", "xor", "sll", "srl", "sra", "slt", "sltu",
                                      "mul", "mulh", "mulhu", "div", "rem", "divu", "remu"};
    static const char *const br[] = {"beq", "bne", "blt", "bge", "bltu", "bgeu"};
    static const struct { const char *m; int32_t imm[5]; } rri[] = {
        {"addi", {-1, 0, 1, 0x7fff, -0x8000}}, {"slti", {-1, 0, 1, 0x7fff, -0x8000}},
        {"sltiu", {-1, 0, 1, 0x7fff, -0x8000}}, {"andi", {0, 0xffff, 0x8000, 0x1234, 1}},
        {"ori", {0, 0xffff, 0x8000, 0x1234, 1}}, {"xori", {0, 0xffff, 0x8000, 0x1234, 1}},
        {"slli", {0, 1, 31, 16, 5}}, {"srli", {0, 1, 31, 16, 5}}, {"srai", {0, 1, 31, 16, 5}}};
    const size_t nv = sizeof vals / sizeof *vals;
    size_t cap = 64 * 1024, len = 0, k = 0;
    char *s = malloc(cap * 16);
    *want = malloc(cap * sizeof **want);
    CU_ASSERT_FATAL(s && *want);
#define EMIT(...) (len += (size_t)sprintf(s + len, __VA_ARGS__))
    EMIT("        .text\n_start: la      s0, out\n");
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nv; j++) {
            uint32_t a = vals[i], b = vals[j];
            EMIT("        li      a0, %u\n        li      a1, %u\n", a, b);
            for (size_t o = 0; o < sizeof rrr / sizeof *rrr; o++) {
                if (b == 0 && o >= 13)
                    continue; /* division by zero traps: kfaults.s */
                EMIT("        %s a2, a0, a1\n        sw      a2, %zu(s0)\n", rrr[o], 4 * k);
                (*want)[k++] = expect_op(rrr[o], a, b);
            }
            for (size_t o = 0; o < sizeof br / sizeof *br; o++) {
                EMIT("        li      a2, 1\n        %s a0, a1, 1f\n        li      a2, 0\n1:      sw      a2, %zu(s0)\n",
                     br[o], 4 * k);
                (*want)[k++] = expect_op(br[o], a, b);
            }
        }
    for (size_t i = 0; i < nv; i++)
        for (size_t o = 0; o < sizeof rri / sizeof *rri; o++)
            for (int j = 0; j < 5; j++) {
                int32_t imm = rri[o].imm[j];
                uint32_t b = (uint32_t)imm; /* as decoded: the U16 ones are all positive here */
                EMIT("        li      a0, %u\n        %s a2, a0, %d\n        sw      a2, %zu(s0)\n", vals[i],
                     rri[o].m, imm, 4 * k);
                (*want)[k++] = expect_op(rri[o].m, vals[i], b);
            }
    /* loads: each size and extension, from a word the kernel stores */
    static const char *const ld[] = {"lw", "lh", "lhu", "lb", "lbu"};
    for (size_t i = 0; i < nv; i++)
        for (size_t o = 0; o < sizeof ld / sizeof *ld; o++) {
            EMIT("        la      a1, word\n        li      a0, %u\n        sw      a0, 0(a1)\n"
                 "        %s a2, 0(a1)\n        sw      a2, %zu(s0)\n",
                 vals[i], ld[o], 4 * k);
            uint32_t v = vals[i];
            (*want)[k++] = o == 0 ? v : o == 1 ? (uint32_t)(int32_t)(int16_t)(v & 0xffff) : o == 2 ? v & 0xffff
                         : o == 3 ? (uint32_t)(int32_t)(int8_t)(v & 0xff) : v & 0xff;
        }
    EMIT("        halt    zero\n        .bss\n        .align  4\nword:   .space  4\nout:    .space  %zu\n", 4 * k);
#undef EMIT
    *n = k;
    return s;
}

static void test_alu_in_kernel(void)
{
    uint32_t *want;
    size_t n;
    char *src = alu_kernel(&want, &n);
    struct asm_result res;
    struct elf_image img;
    char err[300];
    bool ok = asm_assemble_source("alu.s", src, strlen(src), NULL, &res);
    RULE(ok, "the generated kernel does not assemble", "%s", res.diag ? res.diag : "");
    ok = ok && elf_read_mem(res.elf, res.elf_len, &img, err, sizeof err);
    asm_result_free(&res);
    free(src);
    if (!ok) {
        free(want);
        return;
    }
    uint32_t out = sym(&img, "out");
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        struct guest_end nat, h;
        run_small(&img, isas[i], NULL, &nat);
        run_small(&img, isas[i], "hybrid", &h);
        char what[300];
        guest_end_diff(&nat, &h, what, sizeof what);
        RULE(!what[0], "an interpreted computing instruction gave another result than the bare machine",
             "%s - %s", what, isa_variant_name(isas[i]));
        for (size_t k = 0; k < n; k++)
            if (!RULE(word_at(&h, out + 4 * (uint32_t)k) == want[k],
                      "an interpreted computing instruction gave another result than the manual's",
                      "result %zu: 0x%08x, the manual says 0x%08x - %s", k, word_at(&h, out + 4 * (uint32_t)k),
                      want[k], isa_variant_name(isas[i])))
                break;
        RULE(h.stats.direct == 0 && h.stats.interpreted >= 2 * n, "the ALU kernel was not interpreted",
             "%llu direct, %llu interpreted", (unsigned long long)h.stats.direct,
             (unsigned long long)h.stats.interpreted);
        guest_end_free(&nat);
        guest_end_free(&h);
    }
    elf_free(&img);
    free(want);
}

/* --- the counts in --stats and --stats-json ------------------------------------------ */

/* The interpreted instructions show beside the others, in both forms, and
 * the efficiency is direct over all three. */
static void test_stats_show_interpreted(void)
{
    if (!guest_kernel())
        return;
    char err[300];
    struct vmm_config vc = {.isa = ISA_X86LIKE, .technique = "hybrid", .shadow_frames = 1024};
    struct vmm *v = vmm_new(&vc, GUEST_DEFAULT_MEM + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture cap = {0};
    struct vm_config cfg = {.name = "k", .mem_size = GUEST_DEFAULT_MEM, .image = guest_kernel(),
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    vmm_run(v);
    const struct vm_stats *s = vm_stats(vm);
    char *text = NULL, *json = NULL;
    size_t tlen = 0, jlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    vm_stats_print(vm, f);
    fclose(f);
    f = open_memstream(&json, &jlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    vmm_stats_json(v, f);
    fclose(f);
    char want[200];
    snprintf(want, sizeof want, "%.4f%% direct: %llu direct, %llu emulated, %llu interpreted\n",
             100.0 * (double)s->direct / (double)vm_instret(vm), (unsigned long long)s->direct,
             (unsigned long long)s->emulated, (unsigned long long)s->interpreted);
    RULE(strstr(text, want) != NULL, "--stats does not show the interpreted instructions in the efficiency line",
         "wanted \"%s\" in: %s", say_text(want), say_text(text));
    snprintf(want, sizeof want, "\"interpreted\": %llu,", (unsigned long long)s->interpreted);
    RULE(strstr(json, want) != NULL, "--stats-json does not have the interpreted instructions",
         "wanted %s in: %s", want, say_text(json));
    free(text);
    free(json);
    free(cap.buf);
    vmm_free(v);
}

/* Every workload at once, each in its own VM, time-shared with a short
 * prime quantum on x86like: the world switches fall in the middle of
 * interpreted kernel code, and each VM still ends as it does alone on
 * the bare machine. */
static void test_all_at_once(void)
{
    if (!guest_kernel())
        return;
    const uint32_t shadow_frames = 1024;
    uint64_t host = PAGE_SIZE;
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++)
        host += guest_mem(&guest_workloads[i].o) + (uint64_t)shadow_frames * PAGE_SIZE;
    CU_ASSERT_FATAL(host <= UINT32_MAX);
    char err[300];
    struct vmm_config vc = {.isa = ISA_X86LIKE, .technique = "hybrid", .policy = SHADOW_CACHE, .quantum = 997,
                            .shadow_frames = shadow_frames};
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
    expect_audit_clean(v, "every VM, hybrid, x86like");
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        struct guest_end n, f;
        guest_end_of(vm[i], &out[i], &f);
        if (run_workload(&guest_workloads[i], ISA_X86LIKE, NULL, SHADOW_CACHE, 0, &n)) {
            char what[300];
            guest_end_diff(&n, &f, what, sizeof what);
            RULE(!what[0], "time-shared under hybrid, a VM ended differently from the bare machine",
                 "%s - workload %s, x86like, %d VMs at once, quantum 997", what, guest_workloads[i].name,
                 GUEST_NWORKLOADS);
            guest_end_free(&n);
        }
        guest_end_free(&f);
    }
    free(out);
    vmm_free(v);
}

void suite_hybrid(void)
{
    CU_pSuite s = rule_suite("hybrid", NULL, guest_kernel_free);
    for (size_t i = 0; i < GUEST_NWORKLOADS; i++) {
        static char names[GUEST_NWORKLOADS][140];
        snprintf(names[i], sizeof names[i],
                 "workload %s ends under hybrid as on the bare machine: both isas, every policy, checker on",
                 guest_workloads[i].name);
        CU_add_test(s, names[i], workload_tests[i]);
    }
    CU_add_test(s, "x86like: trap-and-emulate panics where hybrid does not", test_x86like_trap_and_emulate_fails);
    CU_add_test(s, "lockstep with the bare machine finds no difference, both isas", test_lockstep);
    CU_add_test(s, "vm_step n and an instruction limit n end where the bare machine is after n", test_stepping);
    CU_add_test(s, "a timer interrupt in interpreted code lands at the native instruction", test_timer_in_interpreted_code);
    CU_add_test(s, "the kernel's own faults reach it with the manual's cause, badaddr and epc", test_kernel_faults);
    CU_add_test(s, "every computing instruction, interpreted, gives the manual's result", test_alu_in_kernel);
    CU_add_test(s, "x86like: a user program's rdptb sees the real ptb, the one difference", test_user_rdptb_witness);
    CU_add_test(s, "--stats and --stats-json show the interpreted instructions", test_stats_show_interpreted);
    CU_add_test(s, "every workload at once, time-shared on x86like: each ends as on the bare machine", test_all_at_once);
}
