/*
 * run.c - running the guest from the monitor: step, continue, until-exit,
 * run-to, the breakpoints, and the one line that says why a run stopped.
 *
 * The bare machine runs with machine_run and its debug path's breakpoints;
 * a VM alone (the current one; the others wait) with vm_step, the same
 * breakpoints on the VMM's real machine, and the exit hook for until-exit.
 * Either way a run goes in slices of at most RUN_SLICE instructions, so
 * that Ctrl-C and the step limit are looked at between them: no
 * vmm_interrupt is left pending for a later run.
 */
#include <inttypes.h>
#include <string.h>

#include "monitor.h"

#define RUN_SLICE (1u << 20)
#define STEP_MAX 1000000000000ull /* step N: at most this */

/* --- breakpoints --- */

static struct mon_break *break_by_id(struct monitor *mon, const char *cmd, const char *arg)
{
    uint64_t id;
    if (!mon_count(mon, cmd, arg, INT32_MAX, &id))
        return NULL;
    for (int i = 0; i < MON_MAX_BREAKS; i++)
        if (mon->breaks[i].id == (int)id)
            return &mon->breaks[i];
    mon_error(mon, "%s %s: no breakpoint %s (info breakpoints lists them)", cmd, arg, arg);
    return NULL;
}

static struct mon_break *break_at(struct monitor *mon, uint32_t va)
{
    for (int i = 0; i < MON_MAX_BREAKS; i++)
        if (mon->breaks[i].id && mon->breaks[i].va == va)
            return &mon->breaks[i];
    return NULL;
}

/* A code address from operands: "sym", "*EXPR", "0x1000", "gva:..."; false
 * after mon_error. */
static bool code_address(struct monitor *mon, const char *cmd, int argc, char **argv, uint32_t *va)
{
    if (argc < 2)
        return mon_error(mon, "%s needs an address (a symbol, *EXPR or a number)", cmd);
    char text[512];
    size_t n = 0;
    text[0] = '\0';
    for (int i = 1; i < argc && n < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", i > 1 ? " " : "", argv[i]);
    const char *e = text[0] == '*' ? text + 1 : text;
    enum mon_space sp;
    if (!mon_address(mon, e, &sp, va))
        return false;
    if (sp != SPACE_GVA)
        return mon_error(mon, "%s %s: a breakpoint is on a guest-virtual address (gva), where pc is", cmd, text);
    if (*va & 3)
        return mon_error(mon, "%s %s: gva 0x%08x is not a multiple of 4: no instruction starts there", cmd, text,
                         *va);
    return true;
}

bool cmd_break(struct monitor *mon, int argc, char **argv)
{
    uint32_t va;
    int ifat = argc;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "if") == 0) {
            ifat = i;
            break;
        }
    struct mon_break cond = {0};
    if (!code_address(mon, "break", ifat, argv, &va) ||
        (ifat < argc && !mon_break_cond_parse(mon, argc - ifat, argv + ifat, &cond)))
        return false;
    char at[200];
    mon_where_text(mon, va, at, sizeof at);
    struct mon_break *old = break_at(mon, va);
    if (old)
        return mon_error(mon, "break: breakpoint %d is at %s already", old->id, at);
    struct mon_break *b = NULL;
    for (int i = 0; i < MON_MAX_BREAKS && !b; i++)
        if (!mon->breaks[i].id)
            b = &mon->breaks[i];
    if (!b)
        return mon_error(mon, "break: %d breakpoints already (delete one)", MON_MAX_BREAKS);
    if (!machine_break_add(mon->m, va))
        return mon_error(mon, "break: out of memory");
    *b = (struct mon_break){.id = mon->next_break++, .va = va, .enabled = true, .cond = cond.cond, .vm = cond.vm};
    char ctext[80];
    mon_break_cond_text(mon, b, ctext, sizeof ctext);
    fprintf(mon->out, "breakpoint %d at %s%s\n", b->id, at, ctext);
    return true;
}

bool cmd_delete(struct monitor *mon, int argc, char **argv)
{
    if (argc != 2)
        return mon_error(mon, "delete needs a breakpoint's, catchpoint's or watchpoint's number");
    uint64_t id;
    if (!mon_count(mon, "delete", argv[1], INT32_MAX, &id))
        return false;
    if (mon_delete_other(mon, (int)id)) /* one numbering: catch.c's */
        return true;
    struct mon_break *b = break_by_id(mon, "delete", argv[1]);
    if (!b)
        return false;
    if (b->enabled)
        machine_break_del(mon->m, b->va);
    b->id = 0;
    return true;
}

static bool set_enabled(struct monitor *mon, int argc, char **argv, bool on)
{
    if (argc != 2)
        return mon_error(mon, "%s needs a breakpoint's number (info breakpoints lists them)", argv[0]);
    struct mon_break *b = break_by_id(mon, argv[0], argv[1]);
    if (!b)
        return false;
    if (b->enabled != on) {
        if (on && !machine_break_add(mon->m, b->va))
            return mon_error(mon, "enable: out of memory");
        if (!on)
            machine_break_del(mon->m, b->va);
        b->enabled = on;
    }
    return true;
}

bool cmd_disable(struct monitor *mon, int argc, char **argv) { return set_enabled(mon, argc, argv, false); }
bool cmd_enable(struct monitor *mon, int argc, char **argv) { return set_enabled(mon, argc, argv, true); }

bool cmd_info_breaks(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info breakpoints takes no argument");
    bool any = false;
    for (int id = 1; id < mon->next_break; id++)
        for (int i = 0; i < MON_MAX_BREAKS; i++) {
            struct mon_break *b = &mon->breaks[i];
            if (b->id != id)
                continue;
            char at[200];
            mon_where_text(mon, b->va, at, sizeof at);
            char ctext[80];
            mon_break_cond_text(mon, b, ctext, sizeof ctext);
            fprintf(mon->out, "%-3d %-8s %s%s, hit %" PRIu64 " time%s\n", b->id, b->enabled ? "enabled" : "disabled",
                    at, ctext, b->hits, b->hits == 1 ? "" : "s");
            any = true;
        }
    if (!any)
        fprintf(mon->out, "no breakpoints\n");
    return true;
}

/* --- running --- */

bool mon_exit_hook(void *ctx, struct vm *vm, const struct vm_exit *x, const struct vmm_decision *d)
{
    struct monitor *mon = ctx;
    if (!d) { /* before: the virtual CPU, and the shadow entries a store may change, for the exit block */
        mon->before = mon_view(mon);
        view_made_before(vm, &mon->before, x, &mon->made);
        return false;
    }
    mon->saw_exit = mon->any_exit = true;
    mon->exit = *x;
    mon->decision = *d;
    mon_history_add(mon, vm, x, d);
    if (mon->replaying) /* going back: the run again from reset stops at nothing on its way */
        return false;
    mon_warn_exit(mon, vm, x, d);
    bool caught = mon_catch_exit(mon, x, d);
    return mon->pause_on_exit || caught;
}

static uint64_t instret(struct monitor *mon)
{
    struct vm *vm = mon_vm(mon);
    return vm ? vm_instret(vm) : machine_cpu(mon->m)->instret;
}

/* Whether the guest can run; if not, false after mon_error. */
bool mon_can_run(struct monitor *mon, const char *cmd)
{
    struct vm *vm = mon_vm(mon);
    if (vm && vm_state(vm) != VM_RUNNABLE)
        return mon_error(mon, "%s: the VM %s has stopped (%s): it runs no more", cmd, vm_name(vm),
                         vm_state_name(vm_state(vm)));
    if (!vm && mon->ended)
        return mon_error(mon, "%s: the program has stopped: it runs no more", cmd);
    if (mon->steps >= mon->opt.max_steps)
        return mon_error(mon, "%s: the step limit (--max-steps %" PRIu64 ") is reached", cmd, mon->opt.max_steps);
    return true;
}

/* At most n instructions (a slice); why it came back, and in *hit the
 * breakpoint's pc for STOP_BREAK. */
static enum mon_stop slice(struct monitor *mon, uint64_t n, uint32_t *hit)
{
    struct vm *vm = mon_vm(mon);
    if (vm) {
        switch (vm_step(mon->s->vmm, vm, n)) {
        case VMR_STEPPED: return STOP_STEPPED;
        case VMR_DEBUG:
            *hit = vm_debug_hit(vm)->pc;
            if (vm_debug_hit(vm)->event != DEBUG_WATCH)
                return STOP_BREAK;
            mon->watched = mon_watch_of_machine(mon, vm_debug_hit(vm)->watch);
            return STOP_WATCH;
        case VMR_HOOK: case VMR_EXIT: return STOP_EXIT;
        case VMR_INPUT: return STOP_INPUT;
        case VMR_INTERRUPTED: return STOP_INTERRUPTED;
        case VMR_STOPPED: return STOP_ENDED;
        }
        return STOP_ENDED;
    }
    struct vm_exit ex;
    switch (machine_run(mon->m, n, &ex)) {
    case EXIT_BUDGET: return STOP_STEPPED;
    case EXIT_DEBUG:
        *hit = ex.debug.pc;
        if (ex.debug.event != DEBUG_WATCH)
            return STOP_BREAK;
        mon->watched = mon_watch_of_machine(mon, ex.debug.watch);
        return STOP_WATCH;
    case EXIT_INPUT_WAIT: return STOP_INPUT;
    default:
        mon->ended = true;
        mon->end = ex;
        return STOP_ENDED;
    }
}

/* Run up to n instructions (UINT64_MAX: no end of its own) from where the
 * guest stands: a breakpoint at pc is stepped over first, as a debugger
 * resumes.  Why it stopped; *hit as slice's. */
enum mon_stop mon_run(struct monitor *mon, uint64_t n, uint32_t *hit)
{
    *mon->interrupted = 0;
    mon->caught = mon->watched = 0;
    mon_watch_refresh(mon);
    mon->saw_exit = false;
    uint64_t left = n;
    struct report_view v = mon_view(mon);
    struct mon_break *here = break_at(mon, v.pc);
    bool lifted = here && here->enabled;
    if (lifted)
        machine_break_del(mon->m, here->va);
    enum mon_stop why = STOP_STEPPED;
    for (bool first = true;; first = false) {
        uint64_t room = mon->opt.max_steps - mon->steps;
        uint64_t k = left < RUN_SLICE ? left : RUN_SLICE;
        if (lifted && first)
            k = 1; /* just past the breakpoint, then put it back */
        if (k > room)
            k = room;
        if (k == 0) {
            why = STOP_STEP_LIMIT;
            break;
        }
        uint64_t before = instret(mon);
        why = slice(mon, k, hit);
        if (why == STOP_BREAK && mon_warn_ours(mon, *hit) && !(break_at(mon, *hit) && break_at(mon, *hit)->enabled) &&
            instret(mon) - before < k) {
            /* warn.c's breakpoint on a sensitive instruction: over it, and on */
            struct report_view was = mon_view(mon);
            uint32_t at = *hit;
            /* the machine's own count says whether it ran silently: binary
             * translation patches it to trap, and then it did not */
            struct vm *vm = mon_vm(mon);
            uint64_t silent = vm ? vm_stats(vm)->silent.total : 0;
            machine_break_del(mon->m, at);
            why = slice(mon, 1, hit);
            machine_break_add(mon->m, at);
            if (!vm || vm_stats(vm)->silent.total > silent)
                mon_warn_sensitive(mon, &was);
        }
        uint64_t done = instret(mon) - before;
        mon->steps += done;
        if (left != UINT64_MAX)
            left -= done < left ? done : left;
        if (lifted && first) {
            machine_break_add(mon->m, here->va);
            lifted = false;
        }
        if (why == STOP_BREAK && !(mon->run_target_on && *hit == mon->run_target)) {
            struct mon_break *b = break_at(mon, *hit);
            if (b && !mon_break_cond_holds(mon, b))
                why = STOP_STEPPED; /* its condition fails: on, silently */
        }
        if (why != STOP_STEPPED)
            break;
        if (left == 0)
            break;
        if (*mon->interrupted) {
            why = STOP_INTERRUPTED;
            break;
        }
    }
    if (lifted)
        machine_break_add(mon->m, here->va);
    return why;
}

/* The status a guest's end gives the session, and its line (with the
 * registers after a run-time error, as vrun reports one). */
static void tell_end(struct monitor *mon)
{
    struct report_view v = mon_view(mon);
    struct vm *vm = mon_vm(mon);
    char prefix[128] = "";
    if (vm && mon->s->cfg->nvms > 1)
        snprintf(prefix, sizeof prefix, "[%s] ", vm_name(vm));
    enum report_stop k;
    uint32_t value = 0;
    const char *msg = NULL;
    if (vm) {
        switch (vm_state(vm)) {
        case VM_HALTED:
            fprintf(mon->out, "%sthe guest halted with %u\n", prefix, vm_exit_value(vm));
            return;
        case VM_LIMIT:
            fprintf(mon->out, "%sthe guest stopped at its instruction limit\n", prefix);
            if (mon->status == MON_OK)
                mon->status = MON_STEP_LIMIT;
            return;
        case VM_DEADLOCK: k = REPORT_DEADLOCK; break;
        case VM_DOUBLE_FAULT: k = REPORT_DOUBLE_FAULT; value = vm_exit_value(vm); break;
        default: k = REPORT_FAILED; msg = vm_message(vm); break;
        }
    } else {
        switch (mon->end.reason) {
        case EXIT_HALT: fprintf(mon->out, "the program halted with %u\n", mon->end.value); return;
        case EXIT_DEADLOCK: k = REPORT_DEADLOCK; break;
        case EXIT_DOUBLE_FAULT: k = REPORT_DOUBLE_FAULT; value = mon->end.cause; break;
        default: k = REPORT_FAILED; msg = "the disk's file failed"; break;
        }
    }
    mon->status = MON_GUEST_ERROR;
    report_stop(mon->out, prefix, &v, k, value, 0, msg);
}

/* The line that says why a run stopped, then where the guest stands. */
void mon_tell_stop(struct monitor *mon, enum mon_stop why, uint64_t retired, uint32_t hit)
{
    char at[200];
    struct mon_break *b;
    switch (why) {
    case STOP_STEPPED:
        fprintf(mon->out, "stepped %" PRIu64 " instruction%s\n", retired, retired == 1 ? "" : "s");
        break;
    case STOP_BREAK:
        b = break_at(mon, hit);
        mon_where_text(mon, hit, at, sizeof at);
        if (b) {
            b->hits++;
            fprintf(mon->out, "breakpoint %d at %s\n", b->id, at);
        } else {
            fprintf(mon->out, "reached %s\n", at);
        }
        break;
    case STOP_REACHED:
        mon_where_text(mon, hit, at, sizeof at);
        fprintf(mon->out, "reached %s\n", at);
        break;
    case STOP_EXIT: /* until-exit's exit, or a catchpoint's, or a watch the VMM's store hit */
        mon_tell_caught(mon, true);
        if (mon->saw_exit)
            mon_tell_exit(mon);
        break;
    case STOP_WATCH: mon_tell_caught(mon, false); break;
    case STOP_ENDED:
        if (mon->saw_exit && (mon->caught || mon->pause_on_exit)) { /* the exit it stopped at ended it */
            mon_tell_caught(mon, true);
            mon_tell_exit(mon);
        }
        tell_end(mon);
        break;
    case STOP_INTERRUPTED: fprintf(mon->out, "interrupted (Ctrl-C)\n"); break;
    case STOP_STEP_LIMIT:
        fprintf(mon->out, "stopped: the step limit (--max-steps %" PRIu64 ") is reached\n", mon->opt.max_steps);
        mon->status = MON_STEP_LIMIT;
        if (mon->opt.batch)
            mon->quit = true; /* a grader's runaway program: the rest would not run either */
        break;
    case STOP_INPUT: fprintf(mon->out, "the guest waits for console input\n"); break;
    }
    monitor_where(mon);
}

bool cmd_step(struct monitor *mon, int argc, char **argv)
{
    uint64_t n = 1;
    if (argc > 2)
        return mon_error(mon, "step takes at most a count");
    if (argc == 2 && !mon_count(mon, "step", argv[1], STEP_MAX, &n))
        return false;
    if (!mon_can_run(mon, "step"))
        return false;
    uint64_t before = mon->steps;
    uint32_t hit = 0;
    enum mon_stop why = mon_run(mon, n, &hit);
    mon_tell_stop(mon, why, mon->steps - before, hit);
    return true;
}

bool cmd_continue(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "continue takes no argument");
    if (!mon_can_run(mon, "continue"))
        return false;
    uint32_t hit = 0;
    enum mon_stop why = mon_run(mon, UINT64_MAX, &hit);
    mon_tell_stop(mon, why, 0, hit);
    return true;
}

bool cmd_run_to(struct monitor *mon, int argc, char **argv)
{
    uint32_t va, hit = 0;
    if (!code_address(mon, "run-to", argc, argv, &va) || !mon_can_run(mon, "run-to"))
        return false;
    struct mon_break *b = break_at(mon, va);
    bool temporary = !(b && b->enabled);
    if (temporary && !machine_break_add(mon->m, va))
        return mon_error(mon, "run-to: out of memory");
    mon->run_target_on = true;
    mon->run_target = va;
    enum mon_stop why = mon_run(mon, UINT64_MAX, &hit);
    mon->run_target_on = false;
    if (temporary) {
        machine_break_del(mon->m, va);
        if (why == STOP_BREAK && hit == va)
            why = STOP_REACHED;
    }
    mon_tell_stop(mon, why, 0, hit);
    return true;
}

/* The exit as the real machine reported it: "privileged (privileged instruction)". */
void mon_exit_reason_text(const struct vm_exit *x, char *buf, size_t len)
{
    switch (x->reason) {
    case EXIT_TRAP: snprintf(buf, len, "%s (%s)", isa_cause_name(x->cause), isa_cause_desc(x->cause)); break;
    case EXIT_INTERRUPT: snprintf(buf, len, "interrupt %s (%s)", isa_cause_name(x->cause), isa_cause_desc(x->cause));
        break;
    case EXIT_BUDGET: snprintf(buf, len, "the instruction limit"); break;
    case EXIT_INSN: snprintf(buf, len, "intercepted (an instruction the control block makes exit)"); break;
    case EXIT_NESTED_FAULT:
        snprintf(buf, len, "nested page fault (the host table refused gpa 0x%08x%s)", x->addr,
                 x->in_walk ? ", a guest table entry" : "");
        break;
    case EXIT_IRQ_WINDOW: snprintf(buf, len, "interrupt window (the guest set IE with an interrupt waiting)"); break;
    default: snprintf(buf, len, "exit reason %d", (int)x->reason); break;
    }
}

void mon_exit_insn_text(const struct vm_exit *x, char *buf, size_t len)
{
    if ((x->reason == EXIT_TRAP || x->reason == EXIT_NESTED_FAULT) && (x->cause & CAUSE_FETCH) &&
        (x->reason == EXIT_NESTED_FAULT || x->addr == x->pc))
        snprintf(buf, len, "(the fetch itself faulted)");
    else if (x->reason == EXIT_TRAP || x->reason == EXIT_INSN)
        report_insn_text(x->insn, x->pc, buf, len);
    else if (x->reason == EXIT_NESTED_FAULT)
        snprintf(buf, len, "(an access of gva 0x%08x)", x->guest_va);
    else if (x->reason == EXIT_IRQ_WINDOW)
        snprintf(buf, len, "(the window: before the instruction there)");
    else
        snprintf(buf, len, "(an interrupt: taken before the instruction there)");
}

bool cmd_until_exit(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "until-exit takes no argument");
    if (!mon->s)
        return mon_error(mon, "until-exit: the bare machine has no VM exits (run vmon without --native)");
    if (!mon_can_run(mon, "until-exit"))
        return false;
    uint32_t hit = 0;
    mon->pause_on_exit = true;
    enum mon_stop why = mon_run(mon, UINT64_MAX, &hit);
    mon_tell_stop(mon, why, 0, hit); /* the exit's block (view_exit), then where the guest stands */
    mon->pause_on_exit = false;
    return true;
}
