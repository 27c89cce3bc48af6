/*
 * session_views.h - what a debugger shows of a stopped machine beside what
 * the hardware really does: one guest-virtual address walked through the
 * guest's tables and through the shadow tables the real MMU walks, the
 * virtual CPU beside the real CPU, and the block that explains one VM exit
 * (issue 13, the monitor's "looking" and "each exit explained").  The
 * monitor (vmon) prints them at its prompt; vrun may print them too.
 *
 * Each writes finished lines to a FILE *, with ANSI colour when color is
 * set (a terminal) and none otherwise, so that a batch transcript stays
 * stable.  Every address says its space: "gva", "gpa" (guest-physical),
 * "hpa" (host-physical), or "pa" on the bare machine.  Nothing here
 * changes the machine: walks set no A or D and fill no shadow entry.
 */
#ifndef VMLAB_TOOLS_SESSION_VIEWS_H
#define VMLAB_TOOLS_SESSION_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "session.h"
#include "vmm.h"

/* For a student following one address: va walked level by level through
 * the guest's own tables (v: the guest's registers, memory and symbols) -
 * each entry's address, value, fields by name, the table or frame it leads
 * to, then the final physical address or where and why the walk stops -
 * and, with vm not NULL, beside each level the walk the real MMU would do
 * through the VM's shadow root for its current mode (the root's role and
 * guest table, each entry in host-physical terms, "not filled yet" where
 * the next access takes a hidden fault, the final host-physical address).
 * vm NULL: a bare machine, the guest's walk alone. */
void view_walk(FILE *f, const struct report_view *v, struct vm *vm, uint32_t va, bool color);

/* For a student seeing what deprivileging means: the virtual CPU (mode,
 * status with its bits by name, ptb, tvec, epc, cause by name, badaddr,
 * from v) in one column, the real CPU of vmm's machine in the other (its
 * status - user mode, paging on - and its ptb, said to be the shadow root
 * of which role made from which guest table), and the last exit's pc and
 * cause as the real CPU stopped with them (last: NULL if none yet). */
/* The control block of a VM in the hardware guest mode (vm_control_block):
 * the guest state, the exit controls by name, what the host owns and the
 * nested paging root; one line saying so for a VM run deprivileged. */
void view_control_block(FILE *f, struct vm *vm, bool color);
void view_cpus(FILE *f, struct vmm *vmm, struct vm *vm, const struct report_view *v, const struct vm_exit *last,
               bool color);

/* For the monitor's stop at an exit: a compact block from what an exit
 * hook is given (x, d) and the virtual CPU before and after it was
 * handled (the hook's VMM_HOOK_BEFORE call and its after call): the
 * decision in one line, the guest pc and instruction placed by symbol and
 * the virtual mode, then what the VMM did - the virtual registers an
 * emulated instruction changed (old -> new); a reflected trap's cause,
 * saved epc and status and the handler it goes to; a hidden fault's guest
 * entry and the shadow entry made, by field; a tracing fault's guest entry
 * before -> after, and each shadow entry made from it before -> after
 * (from made, which the hook's before call filled; NULL: now only). */
struct view_made;
void view_exit(FILE *f, struct vm *vm, const struct report_view *before, const struct report_view *after,
               const struct vm_exit *x, const struct vmm_decision *d, const struct view_made *made, bool color);

/* The shadow entries made from the guest word a store is about to write,
 * taken in an exit hook's VMM_HOOK_BEFORE call (view_made_before: v is the
 * VM before the exit), so that view_exit can show what the VMM changed. */
struct view_made {
    bool known;   /* the exit is a store's page fault through the guest's tables */
    uint32_t gpa; /* the guest word it writes */
    int n;
    struct vmm_made_entry e[VMM_MADE_MAX];
};
void view_made_before(struct vm *vm, const struct report_view *v, const struct vm_exit *x, struct view_made *out);

#endif
