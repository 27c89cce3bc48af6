/*
 * test_critical.c - the silent failure of trap-and-emulate on x86like,
 * shown by the guest OS (docs/guest-os.md, section 13): the boot option
 * nocheck and the program `critical N`.
 *
 * `critical N` has the kernel update a counter N times, each update in a
 * critical section (irq_save/irq_restore: rdsr/wrsr), while every timer
 * tick taken in the kernel meanwhile adds one to the same counter.  It
 * prints N, the ticks T, the counter C and the updates lost.  Checked here:
 *
 *   - on the bare machine (both ISAs) and under the VMM on pg (every shadow
 *     policy): C = N + T exactly, where N is the argument given here, and
 *     T is at least what the documented work per update (CRIT_WORK
 *     two-instruction turns) and quantum (QUANTUM) imply; the whole output
 *     is made here from N and T; under the VMM it is the bare machine's
 *     end, byte for byte and count for count;
 *   - under the VMM on x86like with nocheck: the run goes on to its end
 *     (init: done, kernel: halt, status 0), but updates are lost, as many
 *     as N + T - C, and ticks were taken inside a critical section; the
 *     output is not the bare machine's; `vrun --lockstep` names the first
 *     instruction where the two part, with its symbol: a rdsr or wrsr;
 *   - a disk interrupt during the call: handled, the same under the VMM;
 *   - without nocheck on x86like: the supervisor check's panic, as before;
 *   - the option itself: nocheck alone is the demo, only the exact word at
 *     the front is the option, and natively it changes nothing.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"
#include "runvrun.h"
#include "workloads.h"

/* From docs/guest-os.md (sections 6 and 13): the time slice, and the work
 * in each update (turns of a two-instruction loop). */
#define QUANTUM 20000u
#define CRIT_WORK 100u

#define BOOT_LINE "kernel: 16384 KiB of memory, paging on\n"
#define END_LINES "init: done\nkernel: halt\n"

static char *dir, *vrun_path;

static int suite_init(void) { return vrun_suite_init(&vrun_path, &dir, "critical", NULL); }
static int suite_clean(void)
{
    guest_kernel_free();
    return vrun_suite_clean(&vrun_path, &dir);
}

#define DISK_BLOCKS 8

/* Boot the kernel with this boot string (and a disk of zeros if disk), on
 * the bare machine or under the VMM; false if there is no kernel. */
static bool run_disk(const char *boot, bool disk, enum isa_variant isa, bool vmm, enum shadow_policy p,
                     struct guest_end *e)
{
    const struct elf_image *k = guest_kernel();
    if (!k)
        return false;
    uint8_t *zeros = disk ? calloc(DISK_BLOCKS, 512) : NULL;
    struct guest_run c = {.image = k, .boot = boot, .mem = GUEST_DEFAULT_MEM, .isa = isa, .disk = zeros,
                          .disk_len = disk ? DISK_BLOCKS * 512 : 0, .max_insns = GUEST_INSN_LIMIT, .policy = p};
    if (vmm)
        guest_run_vmm(&c, e);
    else
        guest_run_bare(&c, e);
    free(zeros);
    return true;
}

static bool run(const char *boot, enum isa_variant isa, bool vmm, enum shadow_policy p, struct guest_end *e)
{
    return run_disk(boot, false, isa, vmm, p, e);
}

/* What a critical line says. */
struct crit {
    unsigned n, updates, ticks, counter;
    bool none_lost;
    int lost;                  /* when !none_lost */
    unsigned inside;
};

/* Find and read the line "critical N: ..." in out; false if there is none
 * or it does not have one of the two documented forms. */
static bool parse(const char *out, struct crit *c)
{
    memset(c, 0, sizeof *c);
    const char *l = strstr(out, "critical ");
    if (!l)
        return false;
    char line[300];
    size_t len = strcspn(l, "\n");
    if (len >= sizeof line)
        return false;
    memcpy(line, l, len);
    line[len] = '\0';
    int used = 0;
    if (sscanf(line, "critical %u: %u updates and %u timer ticks, counter %u: %n", &c->n, &c->updates, &c->ticks,
               &c->counter, &used) != 4 || used == 0)
        return false;
    const char *rest = line + used;
    if (strcmp(rest, "none lost") == 0) {
        c->none_lost = true;
        return true;
    }
    int tail = 0;
    return sscanf(rest, "%d lost (%u timer interrupts inside a critical section)%n", &c->lost, &c->inside, &tail) ==
               2 &&
           rest[tail] == '\0';
}

/* A run where nothing was lost: exactly the output made from N and the
 * ticks it reports, with enough ticks for the experiment to mean something. */
static void expect_exact(const struct guest_end *e, unsigned n, const char *who)
{
    struct crit c;
    CU_ASSERT_EQUAL(e->state, VM_HALTED);
    CU_ASSERT_EQUAL(e->value, 0);
    bool parsed = parse(e->out, &c);
    CU_ASSERT(parsed);
    if (!parsed) {
        fprintf(stderr, "\n%s: no critical line in:\n%s", who, e->out);
        return;
    }
    char want[400];
    snprintf(want, sizeof want,
             BOOT_LINE "critical %u: %u updates and %u timer ticks, counter %u: none lost\n" END_LINES, n, n, c.ticks,
             n + c.ticks);
    if (strcmp(e->out, want) != 0)
        fprintf(stderr, "\n%s: got\n%swanted\n%s", who, e->out, want);
    CU_ASSERT_STRING_EQUAL(e->out, want);
    /* the call lasts at least n * 2 * CRIT_WORK instructions, all in the
     * kernel: a tick every QUANTUM of them is taken there */
    unsigned least = n * 2 * CRIT_WORK / QUANTUM;
    if (c.ticks + 1 < least)
        fprintf(stderr, "\n%s: %u ticks, at least %u expected\n", who, c.ticks, least - 1);
    CU_ASSERT(c.ticks + 1 >= least);
}

static const unsigned sizes[] = {0, 1, 7, 1000, 3000};

/* On the bare machine, either ISA, with and without the option: exact. */
static void test_native(void)
{
    static const enum isa_variant isas[] = {ISA_PG, ISA_X86LIKE};
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            char boot[64], who[100];
            struct guest_end plain, opt;
            snprintf(boot, sizeof boot, "critical %u", sizes[k]);
            snprintf(who, sizeof who, "bare %s, boot '%s'", isa_variant_name(isas[i]), boot);
            if (!run(boot, isas[i], false, SHADOW_CACHE, &plain))
                return;
            expect_exact(&plain, sizes[k], who);
            snprintf(boot, sizeof boot, "nocheck; critical %u", sizes[k]);
            run(boot, isas[i], false, SHADOW_CACHE, &opt);
            CU_ASSERT_STRING_EQUAL(opt.out, plain.out); /* the checks pass natively: nothing changes */
            guest_end_free(&plain);
            guest_end_free(&opt);
        }
}

/* Under the VMM on pg, every policy, with and without the option: the
 * bare machine's end exactly (output, counts, registers, memory). */
static void test_vmm_pg(void)
{
    static const char *const boots[] = {"critical 1000", "nocheck; critical 1000", "critical 3000; critical 7"};
    for (size_t b = 0; b < sizeof boots / sizeof boots[0]; b++) {
        struct guest_end n;
        if (!run(boots[b], ISA_PG, false, SHADOW_CACHE, &n))
            return;
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            struct guest_end v;
            char who[120], what[300];
            run(boots[b], ISA_PG, true, (enum shadow_policy)p, &v);
            snprintf(who, sizeof who, "VMM pg, %s shadows, boot '%s'", shadow_policy_name((enum shadow_policy)p),
                     boots[b]);
            guest_end_diff(&n, &v, what, sizeof what);
            if (what[0])
                fprintf(stderr, "\n%s: differs from the bare machine: %s\n", who, what);
            CU_ASSERT_STRING_EQUAL(what, "");
            if (b < 2)
                expect_exact(&v, 1000, who);
            guest_end_free(&v);
        }
        guest_end_free(&n);
    }
}

/* The disk's interrupt, too, may come while the call runs with interrupts
 * on (kernel_intr takes it on the interrupted code's stack): the transfers
 * and the counts come out right, on the bare machine and, exactly as
 * there, under the VMM on pg. */
static void test_disk_during_call(void)
{
    static const char boot[] = "disk; critical 300; disk; critical 50";
    struct guest_end n;
    if (!run_disk(boot, true, ISA_PG, false, SHADOW_CACHE, &n))
        return;
    CU_ASSERT_EQUAL(n.state, VM_HALTED);
    CU_ASSERT_EQUAL(n.value, 0);
    const char *ok = strstr(n.out, "disk: block 3 ok\n");
    CU_ASSERT(ok && strstr(ok + 1, "disk: block 3 ok\n"));
    static const unsigned ns[] = {300, 50};
    for (size_t i = 0; i < 2; i++) {
        char head[40];
        snprintf(head, sizeof head, "critical %u: ", ns[i]);
        struct crit c;
        const char *l = strstr(n.out, head);
        CU_ASSERT(l && parse(l, &c) && c.n == ns[i] && c.updates == ns[i] && c.none_lost &&
                  c.counter == ns[i] + c.ticks);
    }
    CU_ASSERT(strlen(n.out) > strlen(END_LINES) && strcmp(n.out + strlen(n.out) - strlen(END_LINES), END_LINES) == 0);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct guest_end v;
        char what[300];
        run_disk(boot, true, ISA_PG, true, (enum shadow_policy)p, &v);
        guest_end_diff(&n, &v, what, sizeof what);
        if (what[0])
            fprintf(stderr, "\nVMM pg, %s shadows, boot '%s', with a disk: %s\n",
                    shadow_policy_name((enum shadow_policy)p), boot, what);
        CU_ASSERT_STRING_EQUAL(what, "");
        guest_end_free(&v);
    }
    guest_end_free(&n);
}

/* Under the VMM on x86like with nocheck: the run completes, wrong. */
static void test_vmm_x86like_silent(void)
{
    for (size_t k = 3; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            char boot[64], who[120];
            snprintf(boot, sizeof boot, "nocheck; critical %u", sizes[k]);
            snprintf(who, sizeof who, "VMM x86like, %s shadows, boot '%s'", shadow_policy_name((enum shadow_policy)p),
                     boot);
            struct guest_end n, v;
            if (!run(boot, ISA_X86LIKE, false, SHADOW_CACHE, &n))
                return;
            run(boot, ISA_X86LIKE, true, (enum shadow_policy)p, &v);
            /* it runs to its end ... */
            CU_ASSERT_EQUAL(v.state, VM_HALTED);
            CU_ASSERT_EQUAL(v.value, 0);
            size_t len = strlen(v.out), end = strlen(BOOT_LINE END_LINES) - strlen(BOOT_LINE);
            CU_ASSERT(strncmp(v.out, BOOT_LINE, strlen(BOOT_LINE)) == 0);
            CU_ASSERT(len >= end && strcmp(v.out + len - end, END_LINES) == 0);
            CU_ASSERT_PTR_NULL(strstr(v.out, "panic"));
            /* ... with updates lost, and says how many */
            struct crit c;
            bool parsed = parse(v.out, &c);
            CU_ASSERT(parsed);
            if (parsed) {
                CU_ASSERT_EQUAL(c.n, sizes[k]);
                CU_ASSERT_EQUAL(c.updates, sizes[k]);
                CU_ASSERT_FALSE(c.none_lost);
                long long lost = (long long)sizes[k] + c.ticks - c.counter;
                CU_ASSERT(lost > 0);
                CU_ASSERT_EQUAL(c.lost, lost);
                /* each lost update is a tick taken inside a section */
                CU_ASSERT(c.inside >= (unsigned long long)lost && c.inside <= c.ticks);
            }
            if (!parsed || c.none_lost)
                fprintf(stderr, "\n%s: no lost update reported:\n%s", who, v.out);
            /* and that is not what the bare machine printed */
            CU_ASSERT(strcmp(v.out, n.out) != 0);
            guest_end_free(&n);
            guest_end_free(&v);
        }
}

/* Without the option, x86like under the VMM stops at boot as it always did. */
static void test_vmm_x86like_check(void)
{
    struct guest_end v;
    if (!run("critical 1000", ISA_X86LIKE, true, SHADOW_CACHE, &v))
        return;
    CU_ASSERT_EQUAL(v.state, VM_HALTED);
    CU_ASSERT_EQUAL(v.value, 1);
    char want[100];
    snprintf(want, sizeof want, "kernel: panic: not in supervisor mode (status 0x%08x)\n", SR_IE | SR_PG);
    CU_ASSERT_STRING_EQUAL(v.out, want);
    guest_end_free(&v);
}

/* vrun --lockstep finds where the VMM and the bare machine part, and
 * says which instruction it was, and where: a rdsr or a wrsr, placed by
 * a symbol of the kernel. */
static void test_lockstep(void)
{
    struct res r;
    run_vrun(vrun_path, dir, &r, NULL, 0,
             (const char *[]){"--lockstep", "--isa", "x86like", GUEST_KERNEL, "--boot", "nocheck; critical 1000", NULL});
    CU_ASSERT(r.exited);
    CU_ASSERT_EQUAL(r.status, 3);
    long long at = -1;
    int used = 0;
    CU_ASSERT(sscanf(r.out, "vrun: lockstep: first difference after instruction %lld: %n", &at, &used) == 1 &&
              used > 0 && at > 0);
    const char *insn = strstr(r.out, "\n  the instruction: 0x");
    CU_ASSERT_PTR_NOT_NULL(insn);
    if (insn) {
        char sym[80] = "", mode[40] = "", mnem[16] = "";
        unsigned pc = 0;
        int n = sscanf(insn, "\n  the instruction: 0x%x <%79[^>]>, in %39[a-z] mode: %15s", &pc, sym, mode, mnem);
        CU_ASSERT_EQUAL(n, 4);
        CU_ASSERT(sym[0] != '\0' && strchr(sym, ' ') == NULL);
        CU_ASSERT_STRING_EQUAL(mode, "supervisor");
        CU_ASSERT(strcmp(mnem, "rdsr") == 0 || strcmp(mnem, "wrsr") == 0);
        if (n != 4 || (strcmp(mnem, "rdsr") != 0 && strcmp(mnem, "wrsr") != 0))
            fprintf(stderr, "\n  lockstep said:\n%s", r.out);
    }
    res_free(&r);
    /* on pg they agree to the end */
    run_vrun(vrun_path, dir, &r, NULL, 0,
             (const char *[]){"--lockstep", GUEST_KERNEL, "--boot", "nocheck; critical 1000", NULL});
    CU_ASSERT(r.exited);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "agree for all "));
    res_free(&r);
}

/* The option: nocheck alone is the default demo (natively, and under the
 * VMM on x86like, where only the checks stood in its way); only the exact
 * word, first, is the option; anything else goes to init. */
static void test_option(void)
{
    struct guest_end e;
    if (!run("nocheck", ISA_PG, false, SHADOW_CACHE, &e))
        return;
    CU_ASSERT(guest_golden_same("demo", e.out, e.outlen, "nocheck, bare machine"));
    guest_end_free(&e);
    run("  nocheck  ;", ISA_X86LIKE, true, SHADOW_CACHE, &e);
    CU_ASSERT_EQUAL(e.state, VM_HALTED);
    CU_ASSERT_EQUAL(e.value, 0);
    CU_ASSERT(guest_golden_same("demo", e.out, e.outlen, "nocheck, VMM on x86like"));
    guest_end_free(&e);

    static const struct {
        const char *boot, *out;
    } cases[] = {
        {"nocheck;hello", BOOT_LINE "hello, world\n" END_LINES},
        {"nocheck 1; hello", BOOT_LINE "init: no program nocheck\nhello, world\n" END_LINES},
        {"nochecks; hello", BOOT_LINE "init: no program nochecks\nhello, world\n" END_LINES},
        {"nocheckx", BOOT_LINE "init: no program nocheckx\n" END_LINES},
        {"nochec; hello", BOOT_LINE "init: no program nochec\nhello, world\n" END_LINES},
        {"hello; nocheck", BOOT_LINE "hello, world\ninit: no program nocheck\n" END_LINES},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(cases[i].boot, ISA_PG, false, SHADOW_CACHE, &e);
        if (strcmp(e.out, cases[i].out) != 0)
            fprintf(stderr, "\nboot '%s': got\n%swanted\n%s", cases[i].boot, e.out, cases[i].out);
        CU_ASSERT_STRING_EQUAL(e.out, cases[i].out);
        guest_end_free(&e);
    }
    /* an N that is negative as an int: the call says -1 */
    run("critical 3000000000", ISA_PG, false, SHADOW_CACHE, &e);
    CU_ASSERT_STRING_EQUAL(e.out, BOOT_LINE "critical: N must be below 2^31\n" END_LINES);
    guest_end_free(&e);
}

void suite_critical(void)
{
    CU_pSuite s = CU_add_suite("critical", suite_init, suite_clean);
    CU_add_test(s, "bare machine, both ISAs: counter = N + ticks, none lost", test_native);
    CU_add_test(s, "VMM on pg, every policy: the bare machine's end exactly", test_vmm_pg);
    CU_add_test(s, "the disk's interrupt during the call: right, and the same under the VMM", test_disk_during_call);
    CU_add_test(s, "VMM on x86like with nocheck: runs to the end, updates lost", test_vmm_x86like_silent);
    CU_add_test(s, "VMM on x86like without nocheck: the supervisor check's panic", test_vmm_x86like_check);
    CU_add_test(s, "vrun --lockstep names the first rdsr/wrsr that parts them", test_lockstep);
    CU_add_test(s, "the option nocheck: the exact first word only", test_option);
}
