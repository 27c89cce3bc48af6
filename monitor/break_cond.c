/*
 * break_cond.c - a breakpoint's condition: `if vm NAME` (under the VMM,
 * the VM whose guest reaches it), `if user` or `if supervisor` (the
 * virtual CPU's mode under the VMM, the CPU's natively).  A hit whose
 * condition fails is no stop: the run goes on (run.c).
 */
#include <stdio.h>
#include <string.h>

#include "monitor.h"

bool mon_break_cond_parse(struct monitor *mon, int argc, char **argv, struct mon_break *b)
{
    if (argc == 2 && strcmp(argv[1], "user") == 0) {
        b->cond = BREAK_IF_USER;
        return true;
    }
    if (argc == 2 && strcmp(argv[1], "supervisor") == 0) {
        b->cond = BREAK_IF_SUPERVISOR;
        return true;
    }
    if (argc == 3 && strcmp(argv[1], "vm") == 0) {
        if (!mon->s)
            return mon_error(mon, "break: if vm %s: no VMs: the program runs on the bare machine (--native)", argv[2]);
        for (int i = 0; i < mon->s->cfg->nvms; i++) {
            char num[16];
            snprintf(num, sizeof num, "%d", i);
            if (strcmp(argv[2], mon->s->names[i]) == 0 || strcmp(argv[2], num) == 0) {
                b->cond = BREAK_IF_VM;
                b->vm = i;
                return true;
            }
        }
        return mon_error(mon, "break: if vm %s: no VM of that name or number (info vms lists them)", argv[2]);
    }
    return mon_error(mon, "break: a condition is \"if vm NAME\", \"if user\" or \"if supervisor\"");
}

bool mon_break_cond_holds(struct monitor *mon, const struct mon_break *b)
{
    switch (b->cond) {
    case BREAK_ALWAYS: return true;
    case BREAK_IF_USER: return mon_user_mode(mon);
    case BREAK_IF_SUPERVISOR: return !mon_user_mode(mon);
    case BREAK_IF_VM: return mon->cur == b->vm;
    }
    return true;
}

void mon_break_cond_text(struct monitor *mon, const struct mon_break *b, char *buf, size_t len)
{
    switch (b->cond) {
    case BREAK_ALWAYS: snprintf(buf, len, "%s", ""); break;
    case BREAK_IF_USER: snprintf(buf, len, " if user"); break;
    case BREAK_IF_SUPERVISOR: snprintf(buf, len, " if supervisor"); break;
    case BREAK_IF_VM: snprintf(buf, len, " if vm %s", mon->s->names[b->vm]); break;
    }
}

bool mon_break_cond_at(struct monitor *mon, uint32_t va)
{
    for (int i = 0; i < MON_MAX_BREAKS; i++) {
        const struct mon_break *b = &mon->breaks[i];
        if (b->id && b->enabled && b->va == va)
            return mon_break_cond_holds(mon, b);
    }
    return true;
}
