/*
 * session_stats.c - what the bare machine did (vrun --native --stats and
 * --stats-json), for people and for scripts.  The JSON has the shape and
 * the key names of the VMM's (vmm/stats.c) wherever the meaning is the
 * same, so that a script reads a native run and a run under the VMM
 * alike: .vms[0].instructions, .cycles, .interrupts, .state, .exit_value.
 */
#include <inttypes.h>

#include "session.h"

/* The stop as a VM's state would say it: one set of words for both. */
enum vm_state native_state(enum exit_reason r, bool interrupted)
{
    switch (r) {
    case EXIT_HALT: return VM_HALTED;
    case EXIT_BUDGET: return interrupted ? VM_RUNNABLE : VM_LIMIT;
    case EXIT_DEADLOCK: return VM_DEADLOCK;
    case EXIT_DOUBLE_FAULT: return VM_DOUBLE_FAULT;
    default: return VM_FAILED;
    }
}

static uint64_t interrupts(const struct machine_counts *k)
{
    uint64_t n = 0;
    for (unsigned c = CAUSE_FIRST_INTERRUPT; c < 32; c++)
        n += k->traps[c];
    return n;
}

/* silent_place_fn by an image's symbols (ctx), as every report places a pc. */
void session_place_pc(void *ctx, uint32_t pc, char *buf, size_t len)
{
    struct report_view v = {.img = ctx};
    report_where(&v, pc, buf, len);
}

void native_stats_print(FILE *f, const char *prog, struct machine *m) { native_stats_print_syms(f, prog, m, NULL); }

void native_stats_print_syms(FILE *f, const char *prog, struct machine *m, const struct elf_image *syms)
{
    const struct cpu_state *cpu = machine_cpu(m);
    fprintf(f, "%s: %" PRIu64 " instructions retired, %" PRIu64 " cycles\n", prog, cpu->instret, cpu->cycles);
    struct machine_counts k;
    machine_counts(m, &k);
    uint64_t all = 0;
    fprintf(f, "%s: traps taken:", prog);
    for (unsigned c = 0; c < 32; c++)
        if (k.traps[c]) {
            fprintf(f, "%s %s %" PRIu64, all ? "," : "", isa_cause_name(c), k.traps[c]);
            all += k.traps[c];
        }
    fprintf(f, "%s (%" PRIu64 " in all)\n", all ? "" : " none", all);
    fprintf(f, "%s: page-table walks (TLB misses with paging on): %" PRIu64 ", reading %" PRIu64 " entries\n", prog,
            k.walks, k.walk_refs);
    if (k.tlb_counted)
        fprintf(f, "%s: TLB with paging on: %" PRIu64 " hits, %" PRIu64 " misses\n", prog, k.tlb_hits, k.walks);
    char lead[64];
    snprintf(lead, sizeof lead, "%s: ", prog);
    silent_log_print(f, lead, machine_silent_log(m), machine_config(m)->isa, syms ? session_place_pc : NULL,
                     (void *)syms);
}

void native_stats_json(FILE *f, struct machine *m, enum isa_variant isa, const char *name, enum vm_state state,
                       uint32_t exit_value)
{
    const struct cpu_state *cpu = machine_cpu(m);
    struct machine_counts k;
    machine_counts(m, &k);
    /* a name from vm_name_from_path: no '"', '\\' or control character */
    fprintf(f, "{\n  \"isa\": \"%s\",\n  \"mode\": \"native\",\n  \"vms\": [\n", isa_variant_name(isa));
    fprintf(f, "    {\"name\": \"%s\", \"state\": \"%s\", \"exit_value\": %u,\n", name, vm_state_name(state),
            exit_value);
    fprintf(f, "     \"instructions\": %" PRIu64 ", \"cycles\": %" PRIu64 ",\n", cpu->instret, cpu->cycles);
    fprintf(f, "     \"traps\": {");
    bool any = false;
    for (unsigned c = 0; c < 32; c++)
        if (k.traps[c]) {
            fprintf(f, "%s\"%s\": %" PRIu64, any ? ", " : "", isa_cause_name(c), k.traps[c]);
            any = true;
        }
    fprintf(f, "},\n     \"interrupts\": %" PRIu64 ",\n", interrupts(&k));
    fprintf(f, "     \"tlb\": {\"hits\": %" PRIu64 ", \"misses\": %" PRIu64 "},\n", k.tlb_hits, k.walks);
    /* walks and walk_refs as a VM's object names them under the VMM */
    fprintf(f, "     \"page_walks\": %" PRIu64 ", \"walks\": %" PRIu64 ", \"walk_refs\": %" PRIu64 ",\n     ", k.walks,
            k.walks, k.walk_refs);
    silent_log_json(f, machine_silent_log(m));
    fprintf(f, "}\n  ]\n}\n");
}
