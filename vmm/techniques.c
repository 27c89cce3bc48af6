/*
 * techniques.c - the list of techniques a VM can be made with (seams.h).
 * A new technique is one ops table, added here.
 */
#include <string.h>

#include "vmm_impl.h"

const struct vmm_technique *const vmm_techniques[] = {&trap_and_emulate, &hybrid, &binary_translation,
                                                      &paravirt, &hardware_assist, NULL};
const struct vmm_mmu *const vmm_mmus[] = {&shadow_paging, &nested_paging, NULL};

const struct vmm_technique *vmm_technique_find(const char *name)
{
    for (int i = 0; vmm_techniques[i]; i++)
        if (!name || strcmp(name, vmm_techniques[i]->name) == 0)
            return vmm_techniques[i];
    return NULL;
}

const struct vmm_mmu *vmm_mmu_find(const char *name)
{
    for (int i = 0; vmm_mmus[i]; i++)
        if (!name || strcmp(name, vmm_mmus[i]->name) == 0)
            return vmm_mmus[i];
    return NULL;
}

bool vmm_serves(const struct vmm_technique *t, const struct vmm_mmu *m)
{
    if (m->guest_mode_only && !t->control_block)
        return false; /* nested paging is the hardware guest mode's */
    return !t->control_block || m->guest_controls != NULL;
}
