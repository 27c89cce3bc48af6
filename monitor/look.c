/*
 * look.c - the side-by-side views at the prompt (tools/session_views.h):
 * walk (one guest-virtual address through the guest's tables and the
 * shadow's), info cpu (the virtual CPU beside the real one), and the block
 * that explains the exit a run stopped at.
 */
#include <string.h>

#include "monitor.h"
#include "session_views.h"

bool cmd_walk(struct monitor *mon, int argc, char **argv)
{
    if (argc != 2)
        return mon_error(mon, "walk needs one guest-virtual address (walk UDATA_VA)");
    enum mon_space sp;
    uint32_t va;
    if (!mon_address(mon, argv[1], &sp, &va))
        return false;
    if (sp != SPACE_GVA)
        return mon_error(mon, "walk %s: a walk translates a guest-virtual address (gva); this one is physical already",
                         argv[1]);
    struct report_view v = mon_view(mon);
    view_walk(mon->out, &v, mon_vm(mon), va, mon->opt.color);
    return true;
}

/* Natively there is one CPU, the real one: its column alone. */
static void native_cpu(struct monitor *mon, const struct report_view *v)
{
    const uint32_t *cr = v->crs;
    char bits[64], w[160];
    fprintf(mon->out, "%-9s %s\n", "mode", cr[CR_STATUS] & SR_S ? "supervisor" : "user");
    isa_status_bits(cr[CR_STATUS], bits, sizeof bits);
    fprintf(mon->out, "%-9s %08x (%s)\n", "status", cr[CR_STATUS], bits[0] ? bits : "no bit set");
    fprintf(mon->out, "%-9s %08x pa%s\n", "ptb", cr[CR_PTB], cr[CR_STATUS] & SR_PG ? "" : " (paging off)");
    report_where(v, cr[CR_TVEC], w, sizeof w);
    fprintf(mon->out, "%-9s gva %s\n", "tvec", w);
    report_where(v, cr[CR_EPC], w, sizeof w);
    fprintf(mon->out, "%-9s gva %s\n", "epc", w);
    fprintf(mon->out, "%-9s %08x (%s)\n", "cause", cr[CR_CAUSE],
            cr[CR_CAUSE] ? isa_cause_name(cr[CR_CAUSE]) : "no trap yet");
    fprintf(mon->out, "%-9s gva %08x\n", "badaddr", cr[CR_BADADDR]);
}

bool cmd_info_cpu(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info cpu takes no argument");
    struct report_view v = mon_view(mon);
    if (!mon->s)
        native_cpu(mon, &v);
    else
        view_cpus(mon->out, mon->s->vmm, mon_vm(mon), &v, mon->any_exit ? &mon->exit : NULL, mon->opt.color);
    return true;
}

bool cmd_info_control(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info control takes no argument");
    if (!mon->s)
        return mon_error(mon, "info control: natively there is no VMM, and no control block");
    view_control_block(mon->out, mon_vm(mon), mon->opt.color);
    if (mon->any_exit && vm_control_block(mon_vm(mon))) {
        char r[200];
        mon_exit_reason_text(&mon->exit, r, sizeof r);
        fprintf(mon->out, "last exit\n  %s at gva 0x%08x\n", r, mon->exit.pc);
    }
    return true;
}

void mon_tell_exit(struct monitor *mon)
{
    struct report_view after = mon_view(mon);
    view_exit(mon->out, mon_vm(mon), &mon->before, &after, &mon->exit, &mon->decision, &mon->made, mon->opt.color);
}
