/*
 * tests.c - lab 2, trap-and-emulate: the dispatcher's routing, the
 * interpreter's side of privileged instructions, and the reflection of
 * traps and interrupts (docs/labs/lab2.md).
 *
 * The measure is equivalence (Popek and Goldberg): each small guest kernel
 * of labs/lab2/guests/ exercises one routine, and runs on the bare machine
 * and under the VMM; console, halt value, final registers, control
 * registers and instruction count must be the same (run.c).  A few tests
 * also hold the VMM's own counts to what its exits show.  Then the guest
 * OS runs workloads equal to the bare machine.
 */
#include <inttypes.h>
#include <string.h>

#include "lab.h"
#include "run.h"

/* One guest, both ways; true if equivalent. */
static bool guest(struct lab_ctx *t, const char *name, struct l2_guest *g, struct l2_end *n, struct l2_end *v)
{
    g->name = name;
    g->watch_exits = true;
    if (!l2_assemble(t, g))
        return false;
    return l2_equivalent(t, g, n, v);
}

static void done(struct l2_guest *g, struct l2_end *n, struct l2_end *v)
{
    l2_end_free(n);
    l2_end_free(v);
    elf_free(&g->img);
}

/* The privileged instructions of emulate.s, emulated; and interp_exec's
 * counts: one per instruction the dispatcher emulated. */
static void t_emulate(struct lab_ctx *t)
{
    struct l2_guest g = {0};
    struct l2_end n, v;
    if (guest(t, "emulate", &g, &n, &v)) {
        uint64_t exits = v.exits_by_kind[VMX_EMULATED], by_op = 0;
        for (int op = 0; op < OP_COUNT; op++)
            by_op += v.stats.emulated_by_op[op];
        if (v.stats.emulated != exits || by_op != exits)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "interp_exec counts each instruction it emulates once: the "
                                                "dispatcher emulated %" PRIu64 " (exits of kind emulated)",
                                                exits),
                            .happened = lab_str(t,
                                                "vm_stats says emulated = %" PRIu64
                                                ", and its counts by instruction add up to %" PRIu64,
                                                v.stats.emulated, by_op),
                            .look = "vmm/interp.c, region interp-result: vm->st.emulated and "
                                    "vm->st.emulated_by_op[f.op], once each, for every end but a stall",
                            .vmon = lab_str(t, "build/bin/vrun --stats %s (the VMM's counts)", g.elf),
                        });
    }
    done(&g, &n, &v);
}

/* halt's value, and wfi's deadlock. */
static void t_halt_deadlock(struct lab_ctx *t)
{
    struct l2_guest g = {0}, d = {0};
    struct l2_end n, v, dn, dv;
    guest(t, "emulate", &g, &n, &v);
    if (!lab_failed(t) && v.value != 0x2a)
        lab_fail(t, (struct lab_failure){
                        .expected = "emulate.s halts with 0x2a (a0): vm_exit_value says so",
                        .happened = lab_str(t, "the VM %s", l2_end_summary(t, &v)),
                    });
    guest(t, "deadlock", &d, &dn, &dv);
    done(&g, &n, &v);
    done(&d, &dn, &dv);
}

static void t_syscall(struct lab_ctx *t)
{
    struct l2_guest g = {0};
    struct l2_end n, v;
    guest(t, "syscall", &g, &n, &v);
    done(&g, &n, &v);
}

/* A guest user program's privileged instructions: reflected, and so none
 * was emulated. */
static void t_userpriv(struct lab_ctx *t)
{
    struct l2_guest g = {0};
    struct l2_end n, v;
    guest(t, "userpriv", &g, &n, &v);
    done(&g, &n, &v);
}

static void t_misaligned(struct lab_ctx *t)
{
    struct l2_guest g = {0};
    struct l2_end n, v;
    guest(t, "misaligned", &g, &n, &v);
    done(&g, &n, &v);
}

static void t_doublefault(struct lab_ctx *t)
{
    struct l2_guest g = {0};
    struct l2_end n, v;
    guest(t, "doublefault", &g, &n, &v);
    done(&g, &n, &v);
}

/* The virtual timer's interrupt, IE off then on; and each delivered one
 * counted once. */
static void t_interrupt(struct lab_ctx *t)
{
    struct l2_guest g = {0};
    struct l2_end n, v;
    if (guest(t, "timer", &g, &n, &v) && v.stats.interrupts != 2)
        lab_fail(t, (struct lab_failure){
                        .expected = "timer.s takes 2 interrupts, and the VMM counts each it delivers "
                                    "(vm->st.interrupts)",
                        .happened = lab_str(t, "vm_stats says %" PRIu64 " interrupts", v.stats.interrupts),
                        .look = "vmm/reflect.c, region reflect-interrupts",
                    });
    done(&g, &n, &v);
}

/* Console input that the host has only once the VM waited for it: each
 * `in` stalls first, and must not count. */
static void t_console(struct lab_ctx *t)
{
    struct l2_guest g = {.input = "vmm!", .input_waits = true};
    struct l2_end n, v;
    if (guest(t, "console", &g, &n, &v)) {
        uint64_t exits = v.exits_by_kind[VMX_EMULATED];
        if (v.stats.emulated + v.agains != exits)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "the VMM emulated %" PRIu64 " instructions, %u of them an `in` "
                                                "that stalled (no input yet: it did not happen, and must not "
                                                "count): vm_stats' emulated = %" PRIu64,
                                                exits, v.agains, exits - v.agains),
                            .happened = lab_str(t, "vm_stats says emulated = %" PRIu64, v.stats.emulated),
                            .look = "vmm/interp.c, region interp-result: SENSITIVE_STALLED returns before "
                                    "the counts",
                        });
    }
    done(&g, &n, &v);
}

static void t_mmu_hooks(struct lab_ctx *t)
{
    struct l2_guest g = {0};
    struct l2_end n, v;
    guest(t, "paging", &g, &n, &v);
    done(&g, &n, &v);
}

/* The guest OS, booted with a boot string, both ways: each workload here
 * retires 1 to 4 million instructions, so 20 million is a kernel that
 * went wrong, stopped before the grader's time is up. */
static void os(struct lab_ctx *t, const char *boot, const char *input, bool watch)
{
    struct l2_guest g = {.name = "kernel.elf", .boot = boot, .input = input, .mem = 16u << 20,
                         .max_insns = 20000000ull, .watch_exits = watch};
    struct l2_end n, v;
    if (l2_kernel(t, &g))
        l2_equivalent(t, &g, &n, &v);
    else
        memset(&n, 0, sizeof n), memset(&v, 0, sizeof v);
    done(&g, &n, &v);
}

static void t_os_misbehave(struct lab_ctx *t)
{
    os(t, "priv; hello; kaccess; crc 1000; badptr; div0; illegal; misalign; badargs; primes 1000; forkwait 30",
       NULL, true);
}

/* As vrun runs it: no exit hook, so that chained emulation runs too. */
static void t_os_demo(struct lab_ctx *t)
{
    os(t, NULL, NULL, false);
    if (!lab_failed(t))
        os(t, "echo", "hello\nworld\n", false);
    if (!lab_failed(t))
        os(t, "pingpong", NULL, false);
}

/* The guest a test assembled, in the monitor (the grader's scratch
 * directory for test TEST is build/labs/lab2/TEST.files). */
#define VMON_GUEST(test, name)                                                                             \
    "build/bin/vmon build/labs/lab2/" test ".files/" name ".elf, then `catch reflected`, `catch emulated`, " \
    "`continue`, `info cpu`, `history`"

static const struct lab_test tests[] = {
    {"emulate-privileged", 15,
     "a guest kernel's mtcr, mfcr, rdsr, wrsr, rfe, rdptb, tlbflush are emulated, each exactly as the hardware "
     "executes it, and counted once",
     "vmm/dispatch.c dispatch_trap (region dispatch-trap: CAUSE_PRIV in virtual supervisor mode -> emulate); "
     "vmm/interp.c (regions interp-result, mmu-hooks); docs/vmm.md sections 3 and 4",
     VMON_GUEST("emulate-privileged", "emulate"), t_emulate},
    {"halt-deadlock", 5,
     "halt stops the VM with its register's value; wfi with no interrupt that can come is a deadlock",
     "vmm/interp.c interp_exec, region interp-result (SENSITIVE_HALT, SENSITIVE_DEADLOCK); docs/isa.md section 4",
     VMON_GUEST("halt-deadlock", "deadlock"), t_halt_deadlock},
    {"reflect-syscall", 15,
     "syscall, break, div-zero and an illegal word from the guest's user mode reach its kernel with the epc, "
     "cause, badaddr and status the hardware gives",
     "vmm/dispatch.c dispatch_trap (region dispatch-trap); vmm/reflect.c reflect_trap (region reflect-trap); "
     "docs/isa.md section 6; docs/vmm.md section 3",
     VMON_GUEST("reflect-syscall", "syscall"), t_syscall},
    {"reflect-user-privileged", 10,
     "a privileged instruction of the guest's user program is reflected (a privileged trap for its kernel), "
     "never emulated",
     "vmm/dispatch.c dispatch_trap, region dispatch-trap: CAUSE_PRIV, and the guest's mode (vm_user); "
     "docs/vmm.md section 3 (step 2)",
     VMON_GUEST("reflect-user-privileged", "userpriv"), t_userpriv},
    {"misaligned-user-bit", 10,
     "a misaligned access traps with CAUSE_USER set as the guest's mode says, not the real CPU's",
     "vmm/dispatch.c dispatch_trap, region dispatch-trap: CAUSE_MISALIGNED; docs/isa.md section 6 (detail bits)",
     VMON_GUEST("misaligned-user-bit", "misaligned"), t_misaligned},
    {"double-fault", 5,
     "a trap whose handler's first instruction traps again stops the VM with a double fault",
     "vmm/reflect.c reflect_trap, region reflect-trap: when trap_deliver returns false; docs/isa.md section 6",
     VMON_GUEST("double-fault", "doublefault"), t_doublefault},
    {"interrupt-ie", 10,
     "the virtual timer's interrupt waits while the guest's IE is clear, and is taken as soon as it is set, "
     "in supervisor and in user mode",
     "vmm/reflect.c reflect_interrupts, region reflect-interrupts: the guest's status, vm->cpu.cr[CR_STATUS]; "
     "docs/isa.md sections 6 and 8.1",
     VMON_GUEST("interrupt-ie", "timer"), t_interrupt},
    {"console-input", 5,
     "an `in` with no input yet waits, undone and uncounted, and runs again when the byte comes",
     "vmm/interp.c interp_exec, region interp-result: SENSITIVE_STALLED; docs/vmm.md section 4 (the end)",
     VMON_GUEST("console-input", "console"), t_console},
    {"mmu-hooks", 10,
     "a change of ptb, of paging or of mode (wrsr, mtcr, rfe, a trap) puts the guest on the right shadow root",
     "vmm/interp.c, region mmu-hooks (guest_status_written: paging, then mode; guest_ptb_written); "
     "docs/vmm.md sections 3 to 5",
     VMON_GUEST("mmu-hooks", "paging") "; `walk ADDR` shows the guest's walk beside the shadow's", t_mmu_hooks},
    {"guest-os-misbehave", 8,
     "the guest OS runs its misbehaving programs (privileged instructions, kernel accesses, bad pointers, "
     "div0, illegal, misaligned) and fork/wait equal to the bare machine",
     "vmm/dispatch.c, vmm/interp.c, vmm/reflect.c; docs/guest-os.md",
     "build/bin/vrun --lockstep build/guest-os/kernel.elf --boot 'priv; kaccess; misalign'", t_os_misbehave},
    {"guest-os-demo", 7,
     "the guest OS boots and runs its demo, echo (console input) and pingpong (timer preemption) equal to "
     "the bare machine, with chained emulation on as vrun runs it",
     "vmm/dispatch.c, vmm/interp.c, vmm/reflect.c; docs/guest-os.md",
     "build/bin/vrun --lockstep build/guest-os/kernel.elf; build/bin/vmon build/guest-os/kernel.elf",
     t_os_demo},
};

const struct lab lab2 = {2, "trap-and-emulate", tests, sizeof tests / sizeof tests[0]};
