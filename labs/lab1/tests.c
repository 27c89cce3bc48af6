/*
 * tests.c - lab 1's tests: labs/lab1/lab1.s on the bare machine.
 *
 * Each test assembles the student's lab1.s (the assembler's messages are
 * the failure when it does not), boots it in-process on a bare machine
 * (machine.h, as vrun --native does) with a boot argument that asks for
 * one thing, and looks at what it printed, or stops it at a breakpoint and
 * reads its registers.  Expected values are worked out here on the host:
 * the decimal digits with printf, the Collatz steps in C, a trap's badaddr
 * from the instruction word in the image.  Labels of the given code
 * (collatz, user_main, u_illegal...) place the checks, never addresses,
 * so code that moves changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "elf_load.h"
#include "lab.h"
#include "machine.h"

#define SRC "labs/lab1/lab1.s"
#define BUDGET 2000000u  /* the whole program takes some 2,000 instructions */
#define NOT_WRITTEN 0xee /* lab1.s's HALT_NOT_WRITTEN: a region is still its stub */

/* One boot of the student's program. */
struct l1 {
    struct lab_ctx *t;
    const char *elf;
    struct elf_image img;
    bool have_img;
    struct machine *m;
    struct console_capture cap;
    bool have_cap;
    const char *boot;
    struct vm_exit exit; /* how the last run ended */
};

/* Assemble lab1.s into the test's scratch directory and read it. */
static bool l1_open(struct lab_ctx *t, struct l1 *l)
{
    memset(l, 0, sizeof *l);
    l->t = t;
    l->elf = lab_str(t, "%s/lab1.elf", lab_scratch(t));
    if (!lab_assemble(t, SRC, l->elf))
        return false;
    char err[256];
    if (!elf_read_file(l->elf, &l->img, err, sizeof err)) {
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "%s to be an image vrun loads", l->elf),
                                         .happened = lab_str(t, "%s", err)});
        return false;
    }
    l->have_img = true;
    return true;
}

static void l1_close(struct l1 *l)
{
    if (l->m)
        machine_free(l->m);
    if (l->have_cap)
        capture_free(&l->cap);
    if (l->have_img)
        elf_free(&l->img);
    l->m = NULL;
    l->have_cap = l->have_img = false;
}

/* A fresh machine with the image booted as vrun --native --boot BOOT does. */
static bool l1_boot(struct l1 *l, const char *boot)
{
    if (l->m)
        machine_free(l->m);
    if (l->have_cap)
        capture_free(&l->cap);
    char err[256];
    struct machine_config cfg = {.mem_size = MACHINE_DEFAULT_MEM, .isa = ISA_PG};
    l->m = machine_new(&cfg, err, sizeof err);
    capture_init(&l->cap, NULL, 0);
    l->have_cap = true;
    l->boot = boot;
    if (!l->m) {
        lab_fail(l->t, (struct lab_failure){.expected = "a machine", .happened = lab_str(l->t, "%s", err)});
        return false;
    }
    struct console_io io = capture_io(&l->cap);
    machine_set_console(l->m, &io);
    if (!elf_boot(l->m, &l->img, boot, err, sizeof err)) {
        lab_fail(l->t, (struct lab_failure){.expected = lab_str(l->t, "%s to boot", l->elf),
                                            .happened = lab_str(l->t, "the loader said: %s", err)});
        return false;
    }
    lab_note(l->t, "booted %s with --boot '%s'", l->elf, boot);
    return true;
}

/* Run until a breakpoint, the program's end or the budget. */
static enum exit_reason l1_run(struct l1 *l, uint64_t budget)
{
    machine_run(l->m, budget, &l->exit);
    return l->exit.reason;
}

static uint32_t reg(struct l1 *l, unsigned r) { return machine_cpu(l->m)->r[r]; }
static uint32_t pc(struct l1 *l) { return machine_cpu(l->m)->pc; }
static bool user_mode(struct l1 *l) { return !(machine_get_cr(l->m, CR_STATUS) & SR_S); }

/* A label of lab1.s; a missing one fails the test (it is given code). */
static bool sym(struct l1 *l, const char *name, uint32_t *value)
{
    const struct elf_symbol *s = elf_symbol_named(&l->img, name);
    if (s) {
        *value = s->value;
        return true;
    }
    lab_fail(l->t, (struct lab_failure){
                       .expected = lab_str(l->t, "the label %s in %s", name, SRC),
                       .happened = "it is not there",
                       .look = lab_str(l->t, "%s: the label is part of the given code; put it back", SRC),
                   });
    return false;
}

/* "0x00001240 <collatz+8>" */
static const char *place(struct l1 *l, uint32_t addr)
{
    const struct elf_symbol *s = elf_symbol_at(&l->img, addr);
    if (!s)
        return lab_str(l->t, "0x%08x", addr);
    if (s->value == addr)
        return lab_str(l->t, "0x%08x <%s>", addr, s->name);
    return lab_str(l->t, "0x%08x <%s+%u>", addr, s->name, addr - s->value);
}

/* What the program printed, NUL-terminated. */
static const char *console(struct l1 *l)
{
    return lab_str(l->t, "%.*s", (int)l->cap.len, (const char *)l->cap.buf);
}

/* The console as a quote, "  | " before each line, at most 12 lines. */
static const char *quoted(struct l1 *l)
{
    const char *s = console(l);
    if (!*s)
        return "  (it printed nothing)\n";
    const char *q = "";
    int lines = 0;
    while (*s && lines < 12) {
        const char *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        q = lab_str(l->t, "%s  | %.*s\n", q, n, s);
        s += n + (nl != NULL);
        lines++;
    }
    if (*s) {
        int more = 0;
        for (; *s; s++)
            more += *s == '\n';
        q = lab_str(l->t, "%s  | ... (%d more lines)\n", q, more);
    }
    return q;
}

/* How the run ended, then what it printed. */
static const char *ending(struct l1 *l)
{
    const char *how;
    switch (l->exit.reason) {
    case EXIT_HALT:
        /* the halt retired: pc is the instruction after it */
        how = lab_str(l->t, "the program halted with 0x%x (the halt at %s)%s", l->exit.value,
                      place(l, pc(l) - 4), l->exit.value == NOT_WRITTEN ? ": a region is still its stub" : "");
        break;
    case EXIT_BUDGET:
        how = lab_str(l->t, "the program was still running after %llu instructions, at %s",
                      (unsigned long long)machine_cpu(l->m)->instret, place(l, pc(l)));
        break;
    case EXIT_DOUBLE_FAULT:
        how = lab_str(l->t,
                      "the machine stopped with a double fault: the trap handler at tvec 0x%08x could not run "
                      "(is tvec set? enter-user sets it)",
                      machine_get_cr(l->m, CR_TVEC));
        break;
    case EXIT_DEBUG:
        how = lab_str(l->t, "the program stopped at %s", place(l, pc(l)));
        break;
    default:
        how = lab_str(l->t, "the machine stopped: %s at %s", machine_exit_reason_desc(l->exit.reason),
                      place(l, pc(l)));
        break;
    }
    return lab_str(l->t, "%s; it printed:\n%s", how, quoted(l));
}

static const char *vrun_cmd(struct l1 *l)
{
    return lab_str(l->t, "build/bin/vrun --native --boot '%s' %s", l->boot, l->elf);
}

static const char *vmon_cmd(struct l1 *l, const char *commands)
{
    return lab_str(l->t, "build/bin/vmon --native --boot '%s' %s\n  then: %s", l->boot, l->elf, commands);
}

/* The stub message a region's stub printed, or NULL. */
static const char *stub_said(struct l1 *l)
{
    const char *s = strstr(console(l), "lab 1: ");
    if (!s || !strstr(s, "not written yet"))
        return NULL;
    const char *nl = strchr(s, '\n');
    return lab_str(l->t, "%.*s", nl ? (int)(nl - s) : (int)strlen(s), s);
}

/* The first line where got and want differ: "line N: expected 'X', printed 'Y'". */
static const char *first_difference(struct lab_ctx *t, const char *got, const char *want)
{
    for (int line = 1;; line++) {
        const char *gn = strchr(got, '\n'), *wn = strchr(want, '\n');
        int gl = gn ? (int)(gn - got) : (int)strlen(got), wl = wn ? (int)(wn - want) : (int)strlen(want);
        if (gl != wl || memcmp(got, want, (size_t)gl) || !gn != !wn) {
            if (!*want)
                return lab_str(t, "after the last expected line it printed '%.*s'", gl, got);
            if (!*got)
                return lab_str(t, "line %d: expected '%.*s', but the output ended", line, wl, want);
            return lab_str(t, "line %d: expected '%.*s', printed '%.*s'", line, wl, want, gl, got);
        }
        if (!gn)
            return NULL;
        got = gn + 1;
        want = wn + 1;
    }
}

/* ---- print-dec ------------------------------------------------------- */

static void t_print_dec(struct lab_ctx *t)
{
    static const uint32_t fixed[] = {0, 7, 9, 10, 42, 100, 65535, 1000000, 2147483647, 2147483648u, 4294967295u};
    enum { NFIXED = sizeof fixed / sizeof fixed[0], NRANDOM = 6 };
    uint32_t in[NFIXED + NRANDOM];
    memcpy(in, fixed, sizeof fixed);
    uint32_t x = 0x1ab1;
    for (int i = 0; i < NRANDOM; i++) { /* a fixed sequence of numbers of every length */
        x = x * 1103515245u + 12345u;
        in[NFIXED + i] = x >> (i * 5);
    }
    const char *boot = "dec", *want = "";
    for (size_t i = 0; i < NFIXED + NRANDOM; i++) {
        boot = lab_str(t, "%s %u", boot, in[i]);
        want = lab_str(t, "%s%u\n", want, in[i]);
    }
    struct l1 l;
    if (!l1_open(t, &l) || !l1_boot(&l, boot))
        goto out;
    l1_run(&l, BUDGET);
    const char *got = console(&l), *diff = first_difference(t, got, want);
    if (diff || l.exit.reason != EXIT_HALT || l.exit.value != 0) {
        const char *stub = stub_said(&l);
        if (diff && strspn(got, "0123456789\n") != strlen(got))
            diff = lab_str(t, "%s\n(a byte that is no digit: a remainder out of 0..9; n from 2^31 up is "
                              "negative to div and rem, not to divu and remu)",
                           diff);
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "%s\nto print each number in decimal, one a line, and halt with 0",
                                            vrun_cmd(&l)),
                        .happened = stub ? lab_str(t, "%s\n%s", stub, ending(&l))
                                         : lab_str(t, "%s\n%s", diff ? diff : "every line right", ending(&l)),
                        .vmon = vmon_cmd(&l, lab_str(t, "break print_dec, continue, step 6, info registers "
                                                        "(a0 the rest of the number, t2 the last digit), "
                                                        "x/12b sp (the digits so far), finish")),
                    });
    }
out:
    l1_close(&l);
}

/* ---- collatz ----------------------------------------------------------- */

static uint32_t collatz_steps(uint32_t n)
{
    uint32_t steps = 0;
    while (n != 1) {
        n = n & 1 ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

static void t_collatz(struct lab_ctx *t)
{
    /* Each stays below 2^32 on its way to 1 (837799's peak is 2974984576). */
    static const uint32_t in[] = {1, 2, 3, 6, 7, 9, 27, 97, 871, 6171, 77031, 837799};
    static const unsigned kept[] = {2, 3, 4, 8, 9}; /* sp, gp, tp, s0, s1: the caller's */
    struct l1 l;
    if (!l1_open(t, &l))
        goto out;
    uint32_t entry;
    if (!sym(&l, "collatz", &entry))
        goto out;
    for (size_t i = 0; i < sizeof in / sizeof in[0] && !lab_failed(t); i++) {
        if (!l1_boot(&l, lab_str(t, "collatz %u", in[i])))
            goto out;
        uint32_t want = collatz_steps(in[i]);
        const char *vmon = vmon_cmd(&l, "break collatz, continue, finish (it says a0); or step through it "
                                        "with step and info registers");
        machine_break_add(l.m, entry);
        if (l1_run(&l, BUDGET) != EXIT_DEBUG || pc(&l) != entry) {
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t, "the program to call collatz with a0 = %u", in[i]),
                            .happened = lab_str(t, "it never reached collatz: %s", ending(&l)),
                            .look = "_start and do_collatz in " SRC " (given code: did it change?)",
                            .vmon = vmon,
                        });
            break;
        }
        uint32_t ra = reg(&l, 1), before[16];
        for (unsigned r = 0; r < 16; r++)
            before[r] = reg(&l, r);
        machine_break_del(l.m, entry);
        machine_break_add(l.m, ra);
        if (l1_run(&l, BUDGET) != EXIT_DEBUG || pc(&l) != ra) {
            const char *why = stub_said(&l);
            if (!why && l.exit.reason == EXIT_BUDGET)
                why = lab_str(t, "collatz(%u) takes %u steps, a few thousand instructions; after %u it had not "
                                 "returned: does n reach 1? (n may pass 2^31 on the way: halve it with srli, "
                                 "not srai, which keeps the sign bit)",
                              in[i], want, BUDGET);
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t, "collatz(%u) to return (to %s) with a0 = %u", in[i],
                                                place(&l, ra), want),
                            .happened = lab_str(t, "%s%s%s", why ? why : "", why ? "\n" : "", ending(&l)),
                            .vmon = vmon,
                        });
            break;
        }
        lab_note(t, "collatz(%u) returned %u (expected %u)", in[i], reg(&l, 10), want);
        if (reg(&l, 10) != want)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t, "collatz(%u) = %u in a0 (%s)", in[i], want, vrun_cmd(&l)),
                            .happened = lab_str(t, "it returned a0 = 0x%08x (%u)", reg(&l, 10), reg(&l, 10)),
                            .vmon = vmon,
                        });
        for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++) {
            unsigned r = kept[k];
            if (reg(&l, r) != before[r])
                lab_fail(t, (struct lab_failure){
                                .expected = lab_str(t, "collatz to leave %s as it found it (the calling "
                                                       "convention: a routine may change only ra, t0-t2 and "
                                                       "a0-a5)",
                                                    isa_reg_abi_name(r)),
                                .happened = lab_str(t, "collatz(%u) was called with %s = 0x%08x and returned "
                                                       "with %s = 0x%08x",
                                                    in[i], isa_reg_abi_name(r), before[r], isa_reg_abi_name(r),
                                                    reg(&l, r)),
                                .look = SRC ", region collatz; docs/assembler.md section 7",
                                .vmon = vmon,
                            });
        }
    }
out:
    l1_close(&l);
}

/* ---- enter-user -------------------------------------------------------- */

static void t_enter_user(struct lab_ctx *t)
{
    struct l1 l;
    uint32_t user_main, trap;
    if (!l1_open(t, &l) || !sym(&l, "user_main", &user_main) || !sym(&l, "trap", &trap) || !l1_boot(&l, "user"))
        goto out;
    const char *vmon = vmon_cmd(&l, "break enter_user, continue, step (one at a time), info cpu "
                                    "(mode, status, tvec, epc)");
    machine_break_add(l.m, user_main);
    if (l1_run(&l, BUDGET) != EXIT_DEBUG || pc(&l) != user_main) {
        const char *stub = stub_said(&l);
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "enter_user to go to user_main (%s) with rfe", place(&l, user_main)),
                        .happened = lab_str(t, "%s%s%s", stub ? stub : "", stub ? "\n" : "", ending(&l)),
                        .vmon = vmon,
                    });
        goto out;
    }
    uint32_t status = machine_get_cr(l.m, CR_STATUS), tvec = machine_get_cr(l.m, CR_TVEC);
    lab_note(t, "at user_main: status 0x%08x, tvec 0x%08x", status, tvec);
    if (status & SR_S)
        lab_fail(t, (struct lab_failure){
                        .expected = "user mode at user_main: status.S = 0",
                        .happened = lab_str(t, "status is 0x%08x: S is set, the user part runs in supervisor mode "
                                               "(then its privileged instructions do not trap; the halt at "
                                               "u_privileged would stop the machine)",
                                            status),
                        .look = SRC ", region enter-user: rfe sets S from PS, so clear PS (bit 2) before "
                                    "rfe; docs/isa.md sections 4 (rfe) and 5 (the status word)",
                        .vmon = vmon,
                    });
    if (tvec != trap)
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "tvec = %s, the trap handler, once in user mode", place(&l, trap)),
                        .happened = lab_str(t, "tvec is 0x%08x%s", tvec,
                                            tvec ? "" : " (never set: the first trap would be a double fault)"),
                        .look = SRC ", region enter-user: mtcr tvec; docs/isa.md section 6",
                        .vmon = vmon,
                    });
out:
    l1_close(&l);
}

/* ---- the user part's traps --------------------------------------------- */

#define HELLO "user: hello from user mode\n"
#define BYE "user: back from every trap\n"
#define EXITED "lab1: the user part exited with 0x00000000\n"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Why the user part's output is not what it should be, in the student's
 * terms: the first thing that explains it, or NULL. */
static const char *diagnose(struct l1 *l, const char *trap_line, uint32_t site)
{
    const char *got = console(l), *stub = stub_said(l);
    if (stub)
        return lab_str(l->t, "%s: write that region first", stub);
    const struct elf_symbol *sys = elf_symbol_named(&l->img, "u_syscall");
    if (count(got, HELLO) > 1)
        return lab_str(l->t,
                       "the system call at %s ran again and again (\"user: hello\" %d times): after rfe the "
                       "user part was back at the syscall itself. epc holds the address of the instruction "
                       "that trapped (docs/isa.md 6): add 4 to epc before returning (region trap-dispatch)",
                       place(l, sys ? sys->value : site), count(got, HELLO));
    if (trap_line && count(got, trap_line) > 1)
        return lab_str(l->t,
                       "the trap at %s was reported %d times: rfe went back to the instruction that trapped, "
                       "which trapped again. Add 4 to epc before returning (region trap-dispatch; docs/isa.md 6)",
                       place(l, site), count(got, trap_line));
    const char *u = strstr(got, "trap: unexpected trap");
    if (u) {
        const char *c = strstr(u, "cause 0x");
        unsigned long cause = c ? strtoul(c + 6, NULL, 16) : 0;
        if (cause > 0xff)
            return lab_str(l->t,
                           "handle_trap took cause 0x%08lx for an unexpected trap: its low byte, %lu, is the "
                           "code; the bits above it are details (0x800: USER, the access was made in user "
                           "mode). Mask cause with andi 0xff before comparing (docs/isa.md 6, \"Detail bits\")",
                           cause, cause & 0xff);
        return lab_str(l->t, "handle_trap did not recognize cause %lu (docs/isa.md 6, the table of causes)", cause);
    }
    if (strstr(got, "unknown system call"))
        return "do_syscall found no system call it knows in a5: a5 must still be the user's when trap "
               "calls handle_trap (and handle_trap calls do_syscall)";
    if (l->exit.reason == EXIT_HALT && l->exit.value == 0 && !strstr(got, "exited with"))
        return lab_str(l->t, "a halt at %s stopped the machine, without the user part's SYS_EXIT: a halt in "
                             "user mode traps (privileged); did the user part run in supervisor mode? (test "
                             "enter-user)",
                       place(l, pc(l) - 4));
    return NULL;
}

/* Boot with `user WHICH`, and check the output is hello, the trap's line
 * (if any), bye and the exit. */
static void check_user_run(struct lab_ctx *t, const char *which, const char *site_label, const char *what,
                           uint32_t (*badaddr)(struct l1 *, uint32_t), const char *look)
{
    struct l1 l;
    uint32_t site = 0;
    if (!l1_open(t, &l) || !sym(&l, site_label, &site) || !l1_boot(&l, lab_str(t, "user %s", which)))
        goto out;
    const char *line = what ? lab_str(t, "trap: %s at 0x%08x (badaddr 0x%08x), skipped\n", what, site,
                                      badaddr(&l, site))
                            : NULL;
    const char *want = lab_str(t, "%s%s%s%s", HELLO, line ? line : "", BYE, EXITED);
    l1_run(&l, BUDGET);
    const char *got = console(&l), *diff = first_difference(t, got, want);
    if (!diff && l.exit.reason == EXIT_HALT && l.exit.value == 0)
        goto out;
    const char *why = diagnose(&l, line, site);
    lab_fail(t, (struct lab_failure){
                    .expected = lab_str(t, "%s\nto print:\n  | %s%s  | %s  | %sand halt with 0 (vrun's status 0)",
                                        vrun_cmd(&l), HELLO, line ? lab_str(t, "  | %s", line) : "", BYE, EXITED),
                    .happened = stub_said(&l) ? lab_str(t, "%s\n%s", why, ending(&l))
                                              : lab_str(t, "%s%s%s\n%s", why ? why : "", why ? "\n" : "",
                                                        diff ? diff : "every line right", ending(&l)),
                    .look = look,
                    .vmon = vmon_cmd(&l, lab_str(t, "break %s, continue, info registers; step (the trap is "
                                                    "taken, and trap's first instruction runs), info registers "
                                                    "(epc, cause, badaddr, status); break handle_trap, continue, "
                                                    "step ...",
                                                 site_label)),
                });
out:
    l1_close(&l);
}

static uint32_t word_at(struct l1 *l, uint32_t addr)
{
    uint8_t b[4] = {0};
    machine_read_phys(l->m, addr, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The address lw t0, IMM(zero) loads from: its immediate. */
static uint32_t load_address(struct l1 *l, uint32_t addr) { return (uint32_t)(int16_t)(word_at(l, addr) & 0xffff); }
static uint32_t no_address(struct l1 *l, uint32_t addr)
{
    (void)l;
    (void)addr;
    return 0;
}

static void t_syscall(struct lab_ctx *t)
{
    check_user_run(t, "syscall", "u_syscall", NULL, NULL,
                   SRC ", regions trap-entry (a0 and a5 reach handle_trap as the user left them) and "
                       "trap-dispatch (CAUSE_SYSCALL: do_syscall, then epc += 4); docs/isa.md 4 (\"Traps on "
                       "purpose\") and 6");
}

static void t_illegal(struct lab_ctx *t)
{
    check_user_run(t, "illegal", "u_illegal", "illegal instruction", word_at,
                   SRC ", region trap-dispatch (CAUSE_ILLEGAL: report_trap with what_illegal, then epc += 4); "
                       "docs/isa.md 6 (badaddr is the instruction word)");
}

static void t_misaligned(struct lab_ctx *t)
{
    check_user_run(t, "misaligned", "u_misaligned", "misaligned access", load_address,
                   SRC ", region trap-dispatch (CAUSE_MISALIGNED, and the cause's detail bits); docs/isa.md 6 "
                       "(\"Detail bits\")");
}

static void t_div_zero(struct lab_ctx *t)
{
    check_user_run(t, "div-zero", "u_div_zero", "division by zero", no_address,
                   SRC ", region trap-dispatch (CAUSE_DIV_ZERO: report_trap with what_div_zero, then epc += 4); "
                       "docs/isa.md 4 (\"Integer\") and 6");
}

static void t_privileged(struct lab_ctx *t)
{
    check_user_run(t, "privileged", "u_privileged", "privileged instruction", word_at,
                   SRC ", regions enter-user (user mode: PS clear before rfe) and trap-dispatch "
                       "(CAUSE_PRIVILEGED); docs/isa.md 4 (\"System instructions\") and 5");
}

/* ---- registers --------------------------------------------------------- */

static void t_registers(struct lab_ctx *t)
{
    static const char *const sites[] = {"u_syscall", "u_illegal", "u_misaligned", "u_div_zero", "u_privileged"};
    enum { NSITES = sizeof sites / sizeof sites[0] };
    struct l1 l;
    uint32_t at[NSITES];
    if (!l1_open(t, &l))
        goto out;
    for (int i = 0; i < NSITES; i++)
        if (!sym(&l, sites[i], &at[i]))
            goto out;
    if (!l1_boot(&l, "user"))
        goto out;
    for (int i = 0; i < NSITES; i++) {
        machine_break_add(l.m, at[i]);
        machine_break_add(l.m, at[i] + 4);
    }
    int armed = -1, returned = 0, last = -1;
    uint32_t before[16];
    uint64_t left = BUDGET;
    while (!lab_failed(t)) {
        uint64_t was = machine_cpu(l.m)->instret;
        if (l1_run(&l, left) != EXIT_DEBUG)
            break;
        left -= machine_cpu(l.m)->instret - was;
        for (int i = 0; i < NSITES; i++) {
            if (pc(&l) == at[i]) {
                armed = i;
                for (unsigned r = 0; r < 16; r++)
                    before[r] = reg(&l, r);
            } else if (pc(&l) == at[i] + 4 && armed == i) {
                armed = -1;
                returned++;
                last = i;
                const char *vmon = vmon_cmd(&l, lab_str(t, "break %s, continue, info registers, step, "
                                                           "run-to %s+4, info registers",
                                                        sites[i], sites[i]));
                const char *changed = "";
                bool sp_changed = false;
                for (unsigned r = 1; r < 16; r++)
                    if (reg(&l, r) != before[r]) {
                        changed = lab_str(t, "%s%s%s 0x%08x -> 0x%08x", changed, *changed ? ", " : "",
                                          isa_reg_abi_name(r), before[r], reg(&l, r));
                        sp_changed |= r == 2;
                    }
                if (*changed)
                    lab_fail(t, (struct lab_failure){
                                    .expected = lab_str(t, "every register as the user part left it, after the "
                                                           "trap at %s",
                                                        place(&l, at[i])),
                                    .happened = lab_str(t, "these changed (before the trap -> after it): %s", changed),
                                    .look = lab_str(t, SRC ", region trap-entry: %s",
                                                    sp_changed ? "sp comes back from scratch (mfcr sp, scratch) just "
                                                                 "before rfe; and push each register handle_trap "
                                                                 "may change, pop them in the opposite order"
                                                               : "push each register handle_trap may change, and "
                                                                 "pop them in the opposite order"),
                                    .vmon = vmon,
                                });
                if (!user_mode(&l))
                    lab_fail(t, (struct lab_failure){
                                    .expected = lab_str(t, "user mode again after the trap at %s",
                                                        place(&l, at[i])),
                                    .happened = lab_str(t, "status is 0x%08x: rfe returned to supervisor mode",
                                                        machine_get_cr(l.m, CR_STATUS)),
                                    .look = SRC ", regions enter-user and trap-entry; docs/isa.md 6 (PS)",
                                    .vmon = vmon,
                                });
            }
        }
    }
    if (!lab_failed(t) && returned != NSITES) {
        const char *stub = diagnose(&l, NULL, at[last + 1 < NSITES ? last + 1 : 0]);
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "the user part to come back from its %d traps (%s ... %s), each "
                                               "to the next instruction",
                                            NSITES, sites[0], sites[NSITES - 1]),
                        .happened = lab_str(t, "it came back from %d%s%s%s\n%s%s%s", returned,
                                            last >= 0 ? " (the last: " : "", last >= 0 ? sites[last] : "",
                                            last >= 0 ? ")" : "", stub ? stub : "", stub ? "\n" : "", ending(&l)),
                        .look = SRC ", regions enter-user, trap-entry and trap-dispatch",
                        .vmon = vmon_cmd(&l, "break u_illegal, continue, step, info registers"),
                    });
    }
out:
    l1_close(&l);
}

static const struct lab_test tests[] = {
    {"print-dec", 15, "print_dec prints numbers in decimal, 0 and 4294967295 too",
     SRC ", region print-dec; docs/isa.md 4 (divu, remu) and 8.2 (the console)",
     NULL, t_print_dec},
    {"collatz", 15, "collatz returns the steps from n to 1, for a dozen n",
     SRC ", region collatz; docs/isa.md 4", NULL, t_collatz},
    {"enter-user", 10, "enter_user installs the handler and drops to user mode at user_main",
     SRC ", region enter-user; docs/isa.md 5 and 6", NULL, t_enter_user},
    {"syscall", 15, "the user part's system calls print and exit, each once",
     SRC ", regions trap-entry and trap-dispatch; docs/isa.md 6", NULL, t_syscall},
    {"trap-illegal", 10, "an illegal instruction in user mode is reported and skipped",
     SRC ", region trap-dispatch; docs/isa.md 6", NULL, t_illegal},
    {"trap-misaligned", 10, "a misaligned load in user mode is reported and skipped",
     SRC ", region trap-dispatch; docs/isa.md 6", NULL, t_misaligned},
    {"trap-div-zero", 10, "a division by zero in user mode is reported and skipped",
     SRC ", region trap-dispatch; docs/isa.md 6", NULL, t_div_zero},
    {"trap-privileged", 5, "a privileged instruction in user mode traps, is reported and skipped",
     SRC ", regions enter-user and trap-dispatch; docs/isa.md 5 and 6", NULL, t_privileged},
    {"registers", 10, "every register, sp too, is as the user part left it after each of its traps",
     SRC ", region trap-entry; docs/assembler.md 7", NULL, t_registers},
};

const struct lab lab1 = {1, "The machine and its assembly: a program and a trap handler on the bare machine", tests,
                         sizeof tests / sizeof tests[0]};
