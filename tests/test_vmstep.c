/*
 * test_vmstep.c - the VMM's seams for debuggers (vmm.h): the exit hook and
 * what it is told, stepping a VM, running it to its next exit, pausing it
 * from the hook, and the techniques chosen by name.
 *
 * The guest is tests/guests/paging.s: system calls, timer interrupts,
 * privileged instructions and page-table writes, in about 40,000
 * instructions.  Each way of running it is compared with one plain run:
 * the same exits with the same decisions in the same order, the same end
 * (and so the bare machine's: test_vmm.c proves that one), and no TLB
 * flush or timer exit that the plain run did not have.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"
#include "machine.h"
#include "vmm.h"

/* One exit as the hook saw it. */
struct seen {
    struct vmm_decision d;
    uint32_t pc;           /* the real exit's pc */
    enum exit_reason reason;
    uint64_t instret;      /* the VM's count after it was handled */
};

struct log {
    struct seen *e;
    size_t n, cap;
    size_t before;         /* calls before handling (VMM_HOOK_BEFORE) */
    size_t unpaired;       /* an after-call with no before-call, or two befores in a row */
    bool open;             /* a before-call waits for its after-call */
    enum vmm_exit_kind pause_on; /* ask to pause after the first exit of this kind (VMX_COUNT: never) */
    size_t pauses;
};

static bool record(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct log *l = ctx;
    if (!d) {
        l->before++;
        l->unpaired += l->open;
        l->open = true;
        return false;
    }
    l->unpaired += !l->open && l->before > 0;
    l->open = false;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->e = realloc(l->e, l->cap * sizeof *l->e);
    }
    l->e[l->n++] = (struct seen){.d = *d, .pc = x->pc, .reason = x->reason, .instret = vm_instret(vm)};
    if (d->kind == l->pause_on && l->pauses == 0) {
        l->pauses++;
        return true;
    }
    return false;
}

/* A VMM with the paging kernel in one VM, the hook recording into l. */
struct rig {
    struct vmm *v;
    struct vm *vm;
    struct capture out;
    struct elf_image img;
};

static void rig_make(struct rig *r, struct log *l, unsigned mask, bool check)
{
    memset(r, 0, sizeof *r);
    guest_image("paging", &r->img);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE, .check_isolation = check};
    r->v = vmm_new(&vc, GUESTRUN_MEM + 1025 * PAGE_SIZE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->v);
    struct vm_config cfg = {.name = "paging", .mem_size = GUESTRUN_MEM, .image = &r->img, .max_insns = 10000000,
                            .io = {.ctx = &r->out, .read = capture_read, .write = capture_write}};
    r->vm = vmm_add_vm(r->v, &cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->vm);
    if (l) {
        memset(l, 0, sizeof *l);
        l->pause_on = VMX_COUNT;
        vmm_set_exit_hook(r->v, mask, record, l);
    }
}

static void rig_end(struct rig *r, struct guest_end *e)
{
    guest_end_of(r->vm, &r->out, e);
    CU_ASSERT_EQUAL(vmm_audit(r->v, stderr), 0);
}

static void rig_free(struct rig *r)
{
    free(r->out.buf);
    vmm_free(r->v);
    elf_free(&r->img);
}

static uint64_t flushes(struct rig *r) { return machine_tlb_flushes(vmm_machine(r->v)); }

/* The plain run: vmm_run to the end, every exit recorded. */
static void plain_run(struct log *l, struct guest_end *e, uint64_t *nflush)
{
    struct rig r;
    rig_make(&r, l, VMM_HOOK_ALL, false);
    CU_ASSERT_EQUAL(vmm_run(r.v), VMR_STOPPED);
    CU_ASSERT_EQUAL(vm_state(r.vm), VM_HALTED);
    *nflush = flushes(&r);
    rig_end(&r, e);
    rig_free(&r);
}

/* Field by field: a struct's padding is not its value. */
static bool same_seen(const struct seen *a, const struct seen *b)
{
    const struct vmm_decision *x = &a->d, *y = &b->d;
    return x->kind == y->kind && x->op == y->op && x->cause == y->cause && x->gva == y->gva && x->gpa == y->gpa &&
           x->before == y->before && x->after == y->after && x->interrupt == y->interrupt &&
           x->paging_off == y->paging_off && a->pc == b->pc && a->reason == b->reason && a->instret == b->instret;
}

static void expect_same_exits(const struct log *a, const struct log *b)
{
    CU_ASSERT_EQUAL(a->n, b->n);
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++)
        if (!same_seen(&a->e[i], &b->e[i])) {
            fprintf(stderr, "\n  exit %zu differs: kind %d/%d, op %d/%d, pc 0x%08x/0x%08x, instret %llu/%llu\n", i,
                    (int)a->e[i].d.kind, (int)b->e[i].d.kind, (int)a->e[i].d.op, (int)b->e[i].d.op, a->e[i].pc,
                    b->e[i].pc, (unsigned long long)a->e[i].instret, (unsigned long long)b->e[i].instret);
            CU_FAIL("the exits differ");
            return;
        }
}

static void expect_same_end(const struct guest_end *a, const struct guest_end *b)
{
    char what[300];
    guest_end_diff(a, b, what, sizeof what);
    if (what[0])
        fprintf(stderr, "\n  ends differ: %s\n", what);
    CU_ASSERT_STRING_EQUAL(what, "");
}

static size_t count(const struct log *l, enum vmm_exit_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->e[i].d.kind == k;
    return n;
}

/* What the hook is told is what happened: the plain run's exits. */
static void test_hook_decisions(void)
{
    struct log l;
    struct guest_end e;
    uint64_t nf;
    plain_run(&l, &e, &nf);
    /* every kind the kernel causes is there, and agrees with the statistics */
    CU_ASSERT_TRUE(count(&l, VMX_EMULATED) > 0);
    CU_ASSERT_TRUE(count(&l, VMX_REFLECTED) > 0);
    CU_ASSERT_TRUE(count(&l, VMX_PF_HIDDEN) > 0);
    CU_ASSERT_TRUE(count(&l, VMX_PF_TRACING) > 0);
    CU_ASSERT_TRUE(count(&l, VMX_TIMER) > 0);
    for (int k = 0; k < VMX_COUNT; k++)
        CU_ASSERT_EQUAL(count(&l, (enum vmm_exit_kind)k), e.stats.exits[k]);
    size_t syscalls = 0, emulated_ok = 0, tracing_ok = 0, hidden_ok = 0;
    for (size_t i = 0; i < l.n; i++) {
        const struct vmm_decision *d = &l.e[i].d;
        if (d->kind == VMX_REFLECTED && CAUSE_CODE(d->cause) == CAUSE_SYSCALL)
            syscalls++;
        /* an emulated instruction is a privileged one, and the real exit was its trap */
        if (d->kind == VMX_EMULATED && isa_insns[d->op].traps_in_user[ISA_PG] && l.e[i].reason == EXIT_TRAP)
            emulated_ok++;
        /* a traced store: the entry before and after, as the store made it */
        if (d->kind == VMX_PF_TRACING && d->op == OP_SW && d->gpa < GUESTRUN_MEM)
            tracing_ok++;
        /* a hidden fault: the guest entry allows it, and the shadow entry made from it maps a page */
        if (d->kind == VMX_PF_HIDDEN && (d->paging_off || (d->before & PTE_V)) && (d->after & PTE_V) &&
            (d->after & PTE_U))
            hidden_ok++;
    }
    CU_ASSERT_TRUE(syscalls > 0);
    CU_ASSERT_EQUAL(emulated_ok, count(&l, VMX_EMULATED));
    CU_ASSERT_EQUAL(tracing_ok, count(&l, VMX_PF_TRACING));
    CU_ASSERT_EQUAL(hidden_ok, count(&l, VMX_PF_HIDDEN));
    free(l.e);
    guest_end_free(&e);
}

/* The mask: only the kinds asked for, and the before-calls only when asked. */
static void test_hook_mask(void)
{
    struct log all, some;
    struct guest_end e;
    uint64_t nf;
    plain_run(&all, &e, &nf);
    guest_end_free(&e);
    struct rig r;
    rig_make(&r, &some, VMM_HOOK_KIND(VMX_PF_TRACING) | VMM_HOOK_KIND(VMX_REFLECTED) | VMM_HOOK_BEFORE, false);
    vmm_run(r.v);
    CU_ASSERT_EQUAL(some.n, count(&all, VMX_PF_TRACING) + count(&all, VMX_REFLECTED));
    CU_ASSERT_EQUAL(count(&some, VMX_EMULATED), 0);
    CU_ASSERT_EQUAL(some.before, all.n); /* a before-call for every exit */
    rig_free(&r);
    /* no hook: the same run, nothing called */
    struct log none;
    rig_make(&r, &none, VMM_HOOK_ALL, false);
    vmm_set_exit_hook(r.v, VMM_HOOK_ALL, NULL, NULL);
    vmm_run(r.v);
    CU_ASSERT_EQUAL(none.n, 0);
    CU_ASSERT_EQUAL(vm_state(r.vm), VM_HALTED);
    rig_free(&r);
    free(all.e);
    free(some.e);
}

/*
 * The test: step the VM one instruction at a time through the
 * whole kernel, system calls included.  Each step retires exactly one
 * instruction; the hook sees the plain run's exits, no more (no timer exit
 * per step) and no fewer; the TLB is flushed exactly as often as in the
 * plain run; and the end is the plain run's.  With the isolation checker
 * on, which audits the real TLB against the shadows at every entry.
 */
static void test_step_through_syscalls(void)
{
    struct log plain, stepped;
    struct guest_end pe, se;
    uint64_t plain_flushes;
    plain_run(&plain, &pe, &plain_flushes);

    struct rig r;
    rig_make(&r, &stepped, VMM_HOOK_ALL | VMM_HOOK_BEFORE, true);
    uint64_t steps = 0, bad_steps = 0;
    size_t syscall_steps = 0;
    enum vmm_return why;
    for (;;) {
        uint64_t before = vm_instret(r.vm);
        size_t exits = stepped.n;
        why = vm_step(r.v, r.vm, 1);
        if (why != VMR_STEPPED)
            break;
        steps++;
        bad_steps += vm_instret(r.vm) != before + 1;
        for (size_t i = exits; i < stepped.n; i++)
            syscall_steps += stepped.e[i].d.kind == VMX_REFLECTED && CAUSE_CODE(stepped.e[i].d.cause) == CAUSE_SYSCALL;
    }
    CU_ASSERT_EQUAL(why, VMR_STOPPED);
    CU_ASSERT_EQUAL(vm_state(r.vm), VM_HALTED);
    CU_ASSERT_EQUAL(bad_steps, 0);
    CU_ASSERT_TRUE(syscall_steps > 0);
    CU_ASSERT_EQUAL(steps + 1, pe.instret); /* the last step is the halt, which stops it */
    expect_same_exits(&plain, &stepped);
    CU_ASSERT_EQUAL(stepped.unpaired, 0);
    CU_ASSERT_EQUAL(stepped.before, stepped.n);
    uint64_t stepped_flushes = flushes(&r);
    if (stepped_flushes != plain_flushes)
        fprintf(stderr, "\n  TLB flushes: plain run %llu, stepped %llu\n", (unsigned long long)plain_flushes,
                (unsigned long long)stepped_flushes);
    CU_ASSERT_EQUAL(stepped_flushes, plain_flushes);
    CU_ASSERT_EQUAL(vm_violation(r.vm), NULL);
    rig_end(&r, &se);
    expect_same_end(&pe, &se);
    CU_ASSERT_EQUAL(se.stats.exits[VMX_TIMER], pe.stats.exits[VMX_TIMER]);
    rig_free(&r);
    free(plain.e);
    free(stepped.e);
    guest_end_free(&pe);
    guest_end_free(&se);
}

/* Steps of irregular sizes, and running to the next exit, each exit once. */
static void test_step_sizes_and_run_to_exit(void)
{
    struct log plain, a, b;
    struct guest_end pe, ae, be;
    uint64_t nf;
    plain_run(&plain, &pe, &nf);

    struct rig r;
    rig_make(&r, &a, VMM_HOOK_ALL, false);
    uint64_t n = 1;
    while (vm_step(r.v, r.vm, n) == VMR_STEPPED)
        n = n * 7 % 1009 + 1;
    rig_end(&r, &ae);
    expect_same_end(&pe, &ae);
    expect_same_exits(&plain, &a);
    rig_free(&r);

    rig_make(&r, &b, VMM_HOOK_ALL, false);
    size_t calls = 0, one_each = 0;
    enum vmm_return why;
    for (;;) {
        size_t exits = b.n;
        why = vm_run_to_exit(r.v, r.vm);
        calls++;
        one_each += b.n == exits + 1;
        if (why != VMR_EXIT)
            break;
    }
    CU_ASSERT_EQUAL(why, VMR_STOPPED);
    CU_ASSERT_EQUAL(one_each, calls);
    rig_end(&r, &be);
    expect_same_end(&pe, &be);
    expect_same_exits(&plain, &b);
    rig_free(&r);
    free(plain.e);
    free(a.e);
    free(b.e);
    guest_end_free(&pe);
    guest_end_free(&ae);
    guest_end_free(&be);
}

/* The hook pauses the VM at the first traced page-table store: vmm_run
 * comes back with it runnable, right after that exit; run again, it ends
 * as the plain run did. */
static void test_hook_pauses(void)
{
    struct log plain, l;
    struct guest_end pe, e;
    uint64_t nf;
    plain_run(&plain, &pe, &nf);
    size_t first = 0;
    while (first < plain.n && plain.e[first].d.kind != VMX_PF_TRACING)
        first++;
    CU_ASSERT_FATAL(first < plain.n);

    struct rig r;
    rig_make(&r, &l, VMM_HOOK_ALL, true);
    l.pause_on = VMX_PF_TRACING;
    CU_ASSERT_EQUAL(vmm_run(r.v), VMR_HOOK);
    CU_ASSERT_EQUAL(vm_state(r.vm), VM_RUNNABLE);
    CU_ASSERT_EQUAL(l.n, first + 1);
    CU_ASSERT_EQUAL(vm_instret(r.vm), plain.e[first].instret);
    /* the guest's entry holds what the hook was told it holds now */
    uint32_t entry = 0;
    CU_ASSERT_TRUE(vm_read_phys(r.vm, l.e[first].d.gpa, &entry, 4));
    CU_ASSERT_EQUAL(entry, l.e[first].d.after);
    CU_ASSERT_EQUAL(vmm_run(r.v), VMR_STOPPED);
    rig_end(&r, &e);
    expect_same_end(&pe, &e);
    expect_same_exits(&plain, &l);
    rig_free(&r);
    free(plain.e);
    free(l.e);
    guest_end_free(&pe);
    guest_end_free(&e);
}

/* Two VMs stepped in turn: each entry after the other VM ran must load the
 * MMU again (the isolation checker audits the real TLB at every entry),
 * and a VM rebooted while its MMU state is on the machine starts clean. */
static void test_two_vms_stepped_in_turn(void)
{
    struct log plain;
    struct guest_end pe;
    uint64_t nf;
    plain_run(&plain, &pe, &nf);

    struct elf_image img;
    guest_image("paging", &img);
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE, .check_isolation = true};
    struct vmm *v = vmm_new(&vc, 2 * (GUESTRUN_MEM + 1025 * PAGE_SIZE), err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct capture out[2] = {{0}};
    struct vm *vm[2];
    for (int i = 0; i < 2; i++) {
        struct vm_config cfg = {.name = i ? "b" : "a", .mem_size = GUESTRUN_MEM, .image = &img,
                                .io = {.ctx = &out[i], .read = capture_read, .write = capture_write}};
        vm[i] = vmm_add_vm(v, &cfg, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(vm[i]);
    }
    /* a steps alone for a while, then is rebooted with its MMU state loaded */
    for (int k = 0; k < 500; k++)
        vm_step(v, vm[0], 13);
    CU_ASSERT_TRUE(vm_reboot(vm[0], &img, NULL, NULL, err, sizeof err));
    free(out[0].buf); /* what it printed before the reboot */
    out[0] = (struct capture){0};
    bool going[2] = {true, true};
    uint64_t n = 1;
    while (going[0] || going[1])
        for (int i = 0; i < 2; i++)
            if (going[i]) {
                going[i] = vm_step(v, vm[i], n) == VMR_STEPPED;
                n = n * 5 % 997 + 1;
            }
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_PTR_NULL(vm_violation(vm[i]));
        struct guest_end e;
        guest_end_of(vm[i], &out[i], &e);
        expect_same_end(&pe, &e);
        guest_end_free(&e);
    }
    CU_ASSERT_EQUAL(vmm_audit(v, stderr), 0);
    vmm_free(v);
    elf_free(&img);
    free(plain.e);
    guest_end_free(&pe);
}

/* A breakpoint on a guest virtual address, set on the VMM's machine: the
 * VM stops before the instruction there (VMR_DEBUG, vm_debug_hit), every
 * time the guest reaches it; run again, it steps over it; and with the
 * stops it ends as the plain run did, with the same exits. */
static void test_breakpoint_under_vmm(void)
{
    const uint32_t user_va = 0x00400000; /* paging.s: the user program's first instruction */
    struct log plain, l;
    struct guest_end pe, e;
    uint64_t nf;
    plain_run(&plain, &pe, &nf);

    struct rig r;
    rig_make(&r, &l, VMM_HOOK_ALL, true);
    CU_ASSERT_TRUE(machine_break_add(vmm_machine(r.v), user_va));
    unsigned hits = 0;
    enum vmm_return why;
    while ((why = vmm_run(r.v)) == VMR_DEBUG) {
        const struct debug_hit *h = vm_debug_hit(r.vm);
        uint32_t regs[NREGS], pc, crs[NCRS];
        vm_regs(r.vm, regs, &pc, crs);
        CU_ASSERT_EQUAL(h->event, DEBUG_BREAK);
        CU_ASSERT_EQUAL(h->pc, user_va);
        CU_ASSERT_EQUAL(pc, user_va);
        CU_ASSERT_EQUAL(crs[CR_STATUS] & SR_S, 0); /* the guest's user mode */
        hits++;
        if (hits > 1000)
            break;
    }
    CU_ASSERT_EQUAL(why, VMR_STOPPED);
    CU_ASSERT_TRUE(hits >= 1);
    expect_same_exits(&plain, &l);
    rig_end(&r, &e);
    expect_same_end(&pe, &e);
    rig_free(&r);
    free(plain.e);
    free(l.e);
    guest_end_free(&pe);
    guest_end_free(&e);
}

/* A console host that cannot block: no byte until the test opens it. */
struct gate {
    bool open;
    const char *in;
    size_t pos;
    unsigned agains;
    struct capture out;
};

static int gate_read(void *ctx)
{
    struct gate *g = ctx;
    if (!g->open) {
        g->agains++;
        return CONSOLE_AGAIN;
    }
    return g->in[g->pos] ? (unsigned char)g->in[g->pos++] : -1;
}

static void gate_write(void *ctx, const uint8_t *b, size_t n) { capture_write(&((struct gate *)ctx)->out, b, n); }

/* A VM waiting for console input is descheduled and the others run: with
 * conwait.s waiting and the paging kernel beside it, vmm_run comes back
 * (VMR_INPUT) only when the paging kernel has ended, having asked the
 * waiting VM's host a handful of times, not once per instruction; given
 * its input, the waiting VM ends as on the bare machine with a host that
 * blocks. */
static void test_input_wait_deschedules(void)
{
    static const char input[] = "ab\ncd\nef.";
    struct elf_image conwait, paging;
    guest_image("conwait", &conwait);
    guest_image("paging", &paging);
    struct guest_run c = {.image = &conwait, .input = input};
    struct guest_end bare;
    guest_run_bare(&c, &bare);
    CU_ASSERT_EQUAL(bare.state, VM_HALTED);

    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .policy = SHADOW_CACHE, .quantum = 2000, .check_isolation = true};
    struct vmm *v = vmm_new(&vc, 2 * (GUESTRUN_MEM + 1025 * PAGE_SIZE), err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct gate g = {.in = input};
    struct capture pout = {0};
    struct vm_config ca = {.name = "waits", .mem_size = GUESTRUN_MEM, .image = &conwait,
                           .io = {.ctx = &g, .read = gate_read, .write = gate_write}};
    struct vm_config cb = {.name = "runs", .mem_size = GUESTRUN_MEM, .image = &paging,
                           .io = {.ctx = &pout, .read = capture_read, .write = capture_write}};
    struct vm *a = vmm_add_vm(v, &ca, err, sizeof err), *b = vmm_add_vm(v, &cb, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(vmm_run(v), VMR_INPUT);
    CU_ASSERT_EQUAL(vm_state(b), VM_HALTED);
    CU_ASSERT_EQUAL(vm_state(a), VM_RUNNABLE);
    CU_ASSERT_TRUE(vm_waiting_input(a));
    uint64_t slices = vm_instret(b) / 2000 + 1;
    CU_ASSERT_TRUE(g.agains >= 2 && g.agains <= slices + 2);
    /* nothing comes: asking again changes nothing */
    uint64_t at = vm_instret(a);
    CU_ASSERT_EQUAL(vmm_run(v), VMR_INPUT);
    CU_ASSERT_EQUAL(vm_instret(a), at);
    g.open = true;
    CU_ASSERT_EQUAL(vmm_run(v), VMR_STOPPED);
    struct guest_end e;
    guest_end_of(a, &g.out, &e);
    expect_same_end(&bare, &e);
    CU_ASSERT_PTR_NULL(vm_violation(a));
    CU_ASSERT_PTR_NULL(vm_violation(b));
    guest_end_free(&e);
    guest_end_free(&bare);
    free(pout.buf);
    vmm_free(v);
    elf_free(&conwait);
    elf_free(&paging);
}

/* Techniques by name: the defaults, each by its own name, and a name that
 * is not one refused with the names there are. */
static void test_techniques_by_name(void)
{
    char err[300];
    struct vmm_config vc = {.isa = ISA_PG, .technique = "trap-and-emulate", .mmu = "shadow"};
    struct vmm *v = vmm_new(&vc, 4u << 20, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(v);
    vmm_free(v);
    vc.technique = "binary-translation";
    CU_ASSERT_PTR_NULL(vmm_new(&vc, 4u << 20, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err,
                           "unknown technique 'binary-translation' (there is: trap-and-emulate, hybrid, bt, pv, hw)");
    vc.technique = NULL;
    vc.mmu = "ept";
    CU_ASSERT_PTR_NULL(vmm_new(&vc, 4u << 20, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "unknown memory technique 'ept' (there is: shadow, nested)");
    vc.mmu = "nested"; /* the hardware guest mode's only */
    CU_ASSERT_PTR_NULL(vmm_new(&vc, 4u << 20, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "memory technique 'nested' needs the hardware guest mode: technique hw, not "
                                "'trap-and-emulate'");
    vc.technique = "hw";
    v = vmm_new(&vc, 4u << 20, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(v);
    vmm_free(v);
}

void suite_vmstep(void)
{
    CU_pSuite s = CU_add_suite("vmstep", NULL, NULL);
    CU_add_test(s, "the exit hook is told each exit's decision", test_hook_decisions);
    CU_add_test(s, "the hook's mask, before-calls, and no hook", test_hook_mask);
    CU_add_test(s, "stepping 1 by 1 through system calls: the plain run's exits, TLB flushes and end",
                test_step_through_syscalls);
    CU_add_test(s, "steps of any size, and running to each next exit", test_step_sizes_and_run_to_exit);
    CU_add_test(s, "the hook pauses the VM; run again, it ends as before", test_hook_pauses);
    CU_add_test(s, "two VMs stepped in turn, one rebooted while loaded", test_two_vms_stepped_in_turn);
    CU_add_test(s, "a breakpoint at a guest address stops the VM; resumed, it ends as before",
                test_breakpoint_under_vmm);
    CU_add_test(s, "a VM waiting for input is descheduled; the others run", test_input_wait_deschedules);
    CU_add_test(s, "techniques chosen by name; unknown names refused", test_techniques_by_name);
}
