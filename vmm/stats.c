/*
 * stats.c - what the VMM did for each VM, as a summary for people and as
 * JSON for scripts and plots.
 */
#include <inttypes.h>

#include "hypercalls.h"
#include "json_out.h"
#include "vmm_impl.h"

/* The hypercalls' names by number (isa/hypercalls.h); slot 0 counts the
 * numbers there is no call for. */
static const char *const hypercall_names[VM_HYPERCALL_SLOTS] = {
    [0] = "unknown",
#define X(NAME, n, name, desc) [n] = name,
    ISA_HYPERCALLS(X)
#undef X
};

static uint64_t total_hypercalls(const struct vm_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < VM_HYPERCALL_SLOTS; i++)
        n += s->hypercalls[i];
    return n;
}

static const char *const exit_names[VMX_COUNT] = {
#define X(name, desc) [VMX_##name] = #name,
    VMM_EXIT_KINDS(X)
#undef X
};
static const char *const exit_desc[VMX_COUNT] = {
#define X(name, desc) [VMX_##name] = desc,
    VMM_EXIT_KINDS(X)
#undef X
};

/* The machine's exit reasons (enum exit_reason), named by
 * machine_exit_reason_key in the guest mode's counts. */
#define NREASONS ((size_t)EXIT_NREASONS)

static uint64_t guest_exits(const struct vm_stats *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < NREASONS; i++)
        n += s->guest_exits[i];
    return n;
}

static double efficiency(const struct vm_stats *s)
{
    uint64_t all = s->direct + s->emulated + s->interpreted;
    return all ? 100.0 * (double)s->direct / (double)all : 100.0;
}

static uint64_t total_exits(const struct vm_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < VMX_COUNT; i++)
        n += s->exits[i];
    return n;
}

void vm_stats_print(const struct vm *vm, FILE *f) { vm_stats_print_placed(vm, f, NULL, NULL); }

void vm_stats_print_placed(const struct vm *vm, FILE *f, silent_place_fn *place, void *ctx)
{
    const struct vm_stats *s = &vm->st;
    fprintf(f, "vm %s: %s", vm->name, vm_state_name(vm->state));
    if (vm->state == VM_HALTED)
        fprintf(f, " with %u", vm->exit_value);
    if (vm->state == VM_FAILED || vm->state == VM_ISOLATION)
        fprintf(f, ": %s", vm_message(vm));
    fprintf(f, "\n");
    fprintf(f, "  guest instructions  %" PRIu64 " (%" PRIu64 " cycles)\n", vm->cpu.instret, vm->cpu.cycles);
    fprintf(f, "  efficiency          %.4f%% direct: %" PRIu64 " direct, %" PRIu64 " emulated", efficiency(s),
            s->direct, s->emulated);
    if (s->chained) /* each also an emulated exit: one the guest was not re-entered for */
        fprintf(f, " (%" PRIu64 " chained: no re-entry between them)", s->chained);
    if (s->interpreted)
        fprintf(f, ", %" PRIu64 " interpreted", s->interpreted);
    fprintf(f, "\n");
    fprintf(f, "  exits               %" PRIu64 "\n", total_exits(s));
    for (int i = 0; i < VMX_COUNT; i++)
        if (s->exits[i])
            fprintf(f, "    %-12" PRIu64 "  %s\n", s->exits[i], exit_desc[i]);
    fprintf(f, "  emulated            ");
    bool any = false;
    for (int op = 0; op < OP_COUNT; op++)
        if (s->emulated_by_op[op]) {
            fprintf(f, "%s%s %" PRIu64, any ? ", " : "", isa_insns[op].mnem, s->emulated_by_op[op]);
            any = true;
        }
    fprintf(f, "%s\n", any ? "" : "none");
    fprintf(f, "  interrupts          %" PRIu64 " delivered\n", s->interrupts);
    if (total_hypercalls(s)) { /* a paravirtualized guest's (pv.c) */
        fprintf(f, "  hypercalls          %" PRIu64 " answered:", total_hypercalls(s));
        for (int i = 1, any = 0; i <= VM_HYPERCALL_SLOTS; i++) {
            int k = i % VM_HYPERCALL_SLOTS; /* the unknown numbers last */
            if (s->hypercalls[k] && hypercall_names[k]) {
                fprintf(f, "%s %s %" PRIu64, any ? "," : "", hypercall_names[k], s->hypercalls[k]);
                any = 1;
            }
        }
        fprintf(f, "\n                      %" PRIu64 " refused, %" PRIu64 " page-table entries by mmu_update\n",
                s->hc_refused, s->mmu_entries);
    }
    if (vm->mmu->guest_mode_only) /* nested paging: its host table is made once */
        fprintf(f, "  %-20s%" PRIu64 " host-table frames, %" PRIu64 " entries filled\n", vm->mmu->name,
                s->shadow_built, s->shadow_entries);
    else
        fprintf(f, "  shadow (%s)     %" PRIu64 " tables built, %" PRIu64 " reused, %" PRIu64 " dropped, %" PRIu64
                   " full flushes,\n                      %" PRIu64 " entries filled, %" PRIu64 " write-protected\n",
                shadow_policy_name(vm->sh.policy), s->shadow_built, s->shadow_reused, s->shadow_dropped,
                s->shadow_flushes, s->shadow_entries, s->write_protects);
    if (vm->tech->control_block) {
        fprintf(f, "  guest mode          %" PRIu64 " entries, %" PRIu64 " exits, %" PRIu64
                   " transition cycles\n                     ",
                s->guest_entries, guest_exits(s), s->transition_cycles);
        for (size_t i = 0; i < NREASONS; i++)
            if (s->guest_exits[i])
                fprintf(f, " %s %" PRIu64, machine_exit_reason_key((enum exit_reason)i), s->guest_exits[i]);
        fprintf(f, "\n  TLB misses          %" PRIu64 " walks, %" PRIu64 " walk references", s->walks, s->walk_refs);
        if (s->walks)
            fprintf(f, " (%.2f a walk)", (double)s->walk_refs / (double)s->walks);
        fprintf(f, "\n");
    }
    if (vm->tech->code_frame)
        fprintf(f, "  translation         %" PRIu64 " blocks, %" PRIu64 " patched, %" PRIu64 " cache hits, %" PRIu64
                   " invalidations,\n                      %" PRIu64 " code-frame loads and stores emulated, %" PRIu64
                   " drops\n",
                s->bt_blocks, s->bt_patched, s->bt_hits, s->bt_invalidations, s->bt_data, s->bt_drops);
    silent_log_print(f, "  ", &s->silent, vm->vmm->cfg.isa, place, ctx);
}

static void json_vm(const struct vm *vm, FILE *f)
{
    const struct vm_stats *s = &vm->st;
    fprintf(f, "    {\"name\": ");
    json_put_string(f, vm->name);
    fprintf(f, ", \"state\": \"%s\", \"exit_value\": %u,\n", vm_state_name(vm->state), vm->exit_value);
    fprintf(f, "     \"instructions\": %" PRIu64 ", \"cycles\": %" PRIu64 ", \"direct\": %" PRIu64
               ", \"emulated\": %" PRIu64 ", \"interpreted\": %" PRIu64 ", \"efficiency_percent\": %.6f,\n",
            vm->cpu.instret, vm->cpu.cycles, s->direct, s->emulated, s->interpreted, efficiency(s));
    fprintf(f, "     \"exits\": {");
    for (int i = 0; i < VMX_COUNT; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", exit_names[i], s->exits[i]);
    fprintf(f, "},\n     \"chained\": %" PRIu64 ",\n     \"emulated_by_instruction\": {", s->chained);
    bool any = false;
    for (int op = 0; op < OP_COUNT; op++)
        if (s->emulated_by_op[op]) {
            fprintf(f, "%s\"%s\": %" PRIu64, any ? ", " : "", isa_insns[op].mnem, s->emulated_by_op[op]);
            any = true;
        }
    fprintf(f, "},\n     \"interrupts\": %" PRIu64 ",\n     \"hypercalls\": {", s->interrupts);
    for (int i = 1, any = 0; i <= VM_HYPERCALL_SLOTS; i++) {
        int k = i % VM_HYPERCALL_SLOTS;
        if (hypercall_names[k]) {
            fprintf(f, "%s\"%s\": %" PRIu64, any ? ", " : "", hypercall_names[k], s->hypercalls[k]);
            any = 1;
        }
    }
    fprintf(f, "}, \"hypercalls_refused\": %" PRIu64 ", \"mmu_entries\": %" PRIu64 ",\n     ", s->hc_refused,
            s->mmu_entries);
    silent_log_json(f, &s->silent);
    fprintf(f, ",\n");
    fprintf(f, "     \"page_faults\": {\"hidden\": %" PRIu64 ", \"tracing\": %" PRIu64 ", \"true\": %" PRIu64 "},\n",
            s->exits[VMX_PF_HIDDEN], s->exits[VMX_PF_TRACING], s->exits[VMX_PF_TRUE]);
    fprintf(f, "     \"shadow\": {\"policy\": \"%s\", \"built\": %" PRIu64 ", \"reused\": %" PRIu64
               ", \"dropped\": %" PRIu64 ", \"flushes\": %" PRIu64 ", \"entries\": %" PRIu64
               ", \"write_protects\": %" PRIu64 "},\n",
            shadow_policy_name(vm->sh.policy), s->shadow_built, s->shadow_reused, s->shadow_dropped,
            s->shadow_flushes, s->shadow_entries, s->write_protects);
    fprintf(f, "     \"translation\": {\"blocks\": %" PRIu64 ", \"patched\": %" PRIu64 ", \"hits\": %" PRIu64
               ", \"invalidations\": %" PRIu64 ", \"code_data\": %" PRIu64 ", \"drops\": %" PRIu64 "},\n",
            s->bt_blocks, s->bt_patched, s->bt_hits, s->bt_invalidations, s->bt_data, s->bt_drops);
    fprintf(f, "     \"mmu\": \"%s\", \"walks\": %" PRIu64 ", \"walk_refs\": %" PRIu64 ",\n", vm->mmu->name, s->walks,
            s->walk_refs);
    fprintf(f, "     \"guest_mode\": {\"entries\": %" PRIu64 ", \"exits\": %" PRIu64 ", \"transition_cycles\": %" PRIu64
               ", \"exits_by_reason\": {",
            s->guest_entries, guest_exits(s), s->transition_cycles);
    for (size_t i = 0; i < NREASONS; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", machine_exit_reason_key((enum exit_reason)i),
                s->guest_exits[i]);
    fprintf(f, "}}}");
}

void vmm_stats_json(struct vmm *v, FILE *f)
{
    fprintf(f, "{\n  \"isa\": \"%s\",\n  \"mode\": \"vmm\",\n  \"policy\": \"%s\",\n  \"vms\": [\n",
            isa_variant_name(v->cfg.isa), shadow_policy_name(v->cfg.policy));
    for (int i = 0; i < v->nvms; i++) {
        json_vm(v->vms[i], f);
        fprintf(f, "%s\n", i + 1 < v->nvms ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
}

void vmm_decision_format(const struct vmm_decision *d, char *buf, size_t len)
{
    if (d->kind >= VMX_COUNT) {
        snprintf(buf, len, "not handled (the VM stopped)");
        return;
    }
    int n = snprintf(buf, len, "%s", exit_desc[d->kind]);
    size_t at = n < 0 ? 0 : (size_t)n < len ? (size_t)n : len;
#define MORE(...)                                                                   \
    do {                                                                            \
        int k_ = snprintf(buf + at, len - at, __VA_ARGS__);                         \
        at += k_ < 0 ? 0 : (size_t)k_ < len - at ? (size_t)k_ : len - at;          \
    } while (0)
    switch (d->kind) {
    case VMX_EMULATED:
        MORE(": %s", isa_insns[d->op].mnem);
        break;
    case VMX_REFLECTED:
        MORE(": %s", isa_cause_name(d->cause));
        break;
    case VMX_PF_HIDDEN:
        if (d->paging_off)
            MORE(": va 0x%08x, paging off, shadow entry 0x%08x", d->gva, d->after);
        else
            MORE(": va 0x%08x, guest entry 0x%08x at 0x%08x, shadow entry 0x%08x", d->gva, d->before, d->gpa,
                 d->after);
        break;
    case VMX_PF_TRACING:
        MORE(": %s at va 0x%08x, guest entry at 0x%08x: 0x%08x -> 0x%08x", isa_insns[d->op].mnem, d->gva, d->gpa,
             d->before, d->after);
        break;
    case VMX_PF_TRUE:
        MORE(": %s at va 0x%08x", isa_cause_name(d->cause), d->gva);
        break;
    case VMX_TRANSLATED:
        MORE(": the block at va 0x%08x, %u instruction%s, %u patched to trap", d->gva, d->before,
             d->before == 1 ? "" : "s", d->after);
        break;
    case VMX_HYPERCALL:
        MORE(": %s, its register 0x%08x -> 0x%08x",
             d->cause < VM_HYPERCALL_SLOTS && d->cause && hypercall_names[d->cause] ? hypercall_names[d->cause]
                                                                                    : "no such call",
             d->before, d->after);
        break;
    default:
        break;
    }
    if (d->interrupt && at < len)
        MORE("; then the virtual %s interrupt", isa_cause_name(d->interrupt));
#undef MORE
}
