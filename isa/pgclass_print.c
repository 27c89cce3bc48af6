/*
 * pgclass_print.c - the classifier's report for people (the table, the two
 * verdicts and a witness for each instruction that breaks one), for
 * scripts (JSON), and as the table of docs/isa.md section 10.
 */
#include <string.h>

#include "json_out.h"
#include "pgclass.h"

static const char *yes(bool b) { return b ? "yes" : "no"; }

static void print_witness(FILE *f, const struct pg_witness *w, bool behaviour, const char *indent)
{
    char a[200], d[400];
    pg_state_describe(&w->a, a, sizeof a);
    if (behaviour) {
        pg_state_differences(&w->a, &w->b, d, sizeof d);
        fprintf(f, "%sstate A: %s, pc 0x%08x\n", indent, a, w->a.pc);
        fprintf(f, "%sstate B: the same view; differs in %s\n", indent, d);
        fprintf(f, "%soutcomes (A / B), neither trapping: %s\n", indent, w->what);
    } else {
        fprintf(f, "%sstate: %s, pc 0x%08x\n", indent, a, w->a.pc);
        fprintf(f, "%sno trap, and it changes the configuration: %s\n", indent, w->what);
    }
}

/* An offender of a theorem and its witnesses (user mode only for 3). */
static void print_offender(FILE *f, const struct pg_insn *in, const char *mnem, bool user_only)
{
    const struct pg_witness *cw = user_only ? &in->ucw : &in->cw, *bw = user_only ? &in->ubw : &in->bw;
    char text[80];
    fprintf(f, "  %s: %s and does not trap in user mode%s\n", mnem, isa_class_name(pg_class(in)),
            user_only ? "; in user mode alone:" : ":");
    if (cw->found) {
        pg_insn_text(cw->a.word, text, sizeof text);
        fprintf(f, "    control, %s:\n", text);
        print_witness(f, cw, false, "      ");
    }
    if (bw->found) {
        pg_insn_text(bw->a.word, text, sizeof text);
        fprintf(f, "    behaviour, %s:\n", text);
        print_witness(f, bw, true, "      ");
    }
}

static void print_theorem(FILE *f, const struct pg_report *rep, bool user_only)
{
    bool holds = pg_theorem(rep, user_only);
    fprintf(f, "Theorem %d (every %ssensitive instruction is privileged: a %s VMM can be built): %s", user_only ? 3 : 1,
            user_only ? "user-" : "", user_only ? "hybrid" : "trap-and-emulate", holds ? "holds\n" : "fails:");
    if (holds)
        return;
    const char *sep = " ";
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *in = &rep->insn[op];
        if ((user_only ? pg_user_sensitive(in) : pg_sensitive(in)) && !in->privileged) {
            fprintf(f, "%s%s", sep, isa_insns[op].mnem);
            sep = ", ";
        }
    }
    fprintf(f, "\n");
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *in = &rep->insn[op];
        if ((user_only ? pg_user_sensitive(in) : pg_sensitive(in)) && !in->privileged)
            print_offender(f, in, isa_insns[op].mnem, user_only);
    }
}

void pg_print_text(FILE *f, const struct pg_report *rep)
{
    fprintf(f, "vpg: the %s machine: each instruction from %u generated states per encoding and %d variants of "
               "each (seed %llu), %lu runs\n\n",
            isa_variant_name(rep->isa), rep->states, PG_VARIANTS, (unsigned long long)rep->seed, rep->runs);
    fprintf(f, "%-10s %-18s %-14s %-15s %s\n", "instruction", "sensitivity", "traps in user", "user-sensitive", "class");
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *in = &rep->insn[op];
        fprintf(f, "%-11s %-18s %-14s %-15s %s\n", isa_insns[op].mnem, isa_sens_name(pg_sensitivity(in)),
                yes(in->privileged), yes(pg_user_sensitive(in)), isa_class_name(pg_class(in)));
    }
    fprintf(f, "\n");
    print_theorem(f, rep, false);
    print_theorem(f, rep, true);
}

static void json_state(FILE *f, const struct pg_state *s)
{
    char text[80];
    pg_insn_text(s->word, text, sizeof text);
    fprintf(f, "{\"insn\": ");
    json_put_string(f, text);
    fprintf(f, ", \"word\": %u, \"pc\": %u, \"S\": %d, \"IE\": %d, \"PG\": %d, \"ptb\": %u, \"code_at\": %u, "
               "\"data_at\": %u, \"disk_blocks\": %u}",
            s->word, s->pc, !!(s->status & SR_S), !!(s->status & SR_IE), !!(s->status & SR_PG), s->l1, s->frame[0],
            s->frame[1], s->disk_blocks);
}

static void json_witness(FILE *f, const char *key, const struct pg_witness *w, bool behaviour)
{
    fprintf(f, ", \"%s\": ", key);
    if (!w->found) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"a\": ");
    json_state(f, &w->a);
    if (behaviour) {
        char d[400];
        pg_state_differences(&w->a, &w->b, d, sizeof d);
        fprintf(f, ", \"b\": ");
        json_state(f, &w->b);
        fprintf(f, ", \"states_differ_in\": ");
        json_put_string(f, d);
    }
    fprintf(f, ", \"what\": ");
    json_put_string(f, w->what);
    fprintf(f, "}");
}

static void json_offenders(FILE *f, const struct pg_report *rep, bool user_only)
{
    fprintf(f, "{\"holds\": %s, \"offenders\": [", pg_theorem(rep, user_only) ? "true" : "false");
    const char *sep = "";
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *in = &rep->insn[op];
        if ((user_only ? pg_user_sensitive(in) : pg_sensitive(in)) && !in->privileged) {
            fprintf(f, "%s\"%s\"", sep, isa_insns[op].mnem);
            sep = ", ";
        }
    }
    fprintf(f, "]}");
}

void pg_print_json(FILE *f, const struct pg_report *rep)
{
    fprintf(f, "{\"isa\": \"%s\", \"states\": %u, \"seed\": %llu, \"runs\": %lu,\n \"instructions\": [\n",
            isa_variant_name(rep->isa), rep->states, (unsigned long long)rep->seed, rep->runs);
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *in = &rep->insn[op];
        fprintf(f, "  {\"insn\": \"%s\", \"sensitivity\": \"%s\", \"traps_in_user\": %s, \"user_sensitive\": %s, "
                   "\"class\": \"%s\"",
                isa_insns[op].mnem, isa_sens_name(pg_sensitivity(in)), in->privileged ? "true" : "false",
                pg_user_sensitive(in) ? "true" : "false", isa_class_name(pg_class(in)));
        json_witness(f, "control_witness", &in->cw, false);
        json_witness(f, "behaviour_witness", &in->bw, true);
        json_witness(f, "user_control_witness", &in->ucw, false);
        json_witness(f, "user_behaviour_witness", &in->ubw, true);
        fprintf(f, "}%s\n", op + 1 < OP_COUNT ? "," : "");
    }
    fprintf(f, " ],\n \"theorem1\": ");
    json_offenders(f, rep, false);
    fprintf(f, ",\n \"theorem3\": ");
    json_offenders(f, rep, true);
    fprintf(f, "\n}\n");
}

void pg_print_markdown(FILE *f, const struct pg_report *pg, const struct pg_report *x86)
{
    fprintf(f, "| instruction | sensitivity | privileged: traps in user mode (pg / x86like) | class in pg | class in "
               "x86like |\n");
    fprintf(f, "|---|---|---|---|---|\n");
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *a = &pg->insn[op], *b = &x86->insn[op];
        /* One sensitivity for both variants: what either shows. */
        struct pg_insn u = {.control = a->control || b->control, .behaviour = a->behaviour || b->behaviour};
        if (!pg_sensitive(&u) && !a->privileged && !b->privileged)
            continue;
        fprintf(f, "| `%s` | %s | %s / %s | %s | %s |\n", isa_insns[op].mnem, isa_sens_name(pg_sensitivity(&u)),
                yes(a->privileged), yes(b->privileged), isa_class_name(pg_class(a)), isa_class_name(pg_class(b)));
    }
    fprintf(f, "| every other instruction | none | no / no | innocuous | innocuous |\n");
}
