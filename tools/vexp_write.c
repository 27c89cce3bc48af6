/*
 * vexp_write.c - the matrix as files: matrix.csv and matrix.json for
 * scripts (one row or object per cell, every count a column), matrix.md
 * for people (the matrix; exits and faults).  Times are the only things
 * in them that differ between two runs of the same matrix.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vexp.h"

void vexp_escape(const char *s, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    if (!len)
        return;
    for (size_t i = 0; i < n && o + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            o += (size_t)snprintf(buf + o, len - o, "\\n");
        else if (c == '\\')
            o += (size_t)snprintf(buf + o, len - o, "\\\\");
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = 0;
}

void vexp_cell_name(const struct vexp_cell *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s/%s/%s", c->w->name, c->isa, vexp_native(c) ? "native" : c->technique,
             vexp_native(c) ? "-" : c->shadow ? c->shadow : c->mmu);
}

int vexp_columns(const struct vexp_cell *cells, int n, const char **keys, int max)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < cells[i].r.ncounts; j++) {
            const char *key = cells[i].r.counts[j].key;
            int m = 0;
            while (m < k && strcmp(keys[m], key) != 0)
                m++;
            if (m == k && k < max)
                keys[k++] = key;
        }
    return k;
}

static const char *const fixed[] = {
    "workload", "boot", "isa", "technique", "mmu", "shadow", "status", "message", "equivalent", "lockstep", "div_instret",
    "div_pc", "div_symbol", "div_mode", "div_insn", "div_what", "console", "console_offset", "console_native",
    "console_cell", "exit_native", "exit_cell", "t_native", "t_cell", "ratio", "ratio_min", "ratio_max",
    "silent_by_pc", "efficiency", NULL,
};

static const char *equivalent(const struct vexp_cell *c)
{
    const struct vexp_result *r = &c->r;
    if (r->status == CELL_CRASHED)
        return "crashed";
    if (vexp_native(c))
        return "native";
    if (r->lockstep == LS_NONE) /* another build of the kernel: only what it printed can be compared */
        return r->console_equal && r->exit_native == r->exit_cell ? "console" : "no";
    return r->lockstep == LS_AGREE && r->console_equal && r->exit_native == r->exit_cell ? "yes" : "no";
}

bool vexp_field(const struct vexp_cell *c, const char *name, char *buf, size_t len)
{
    const struct vexp_result *r = &c->r;
    bool native = vexp_native(c), ok = r->status == CELL_OK;
    static const char *const ls[] = {"-", "agree", "differ", "error"};
    bool div = r->lockstep == LS_DIFFER, ins = div && r->div_has_insn;
    buf[0] = 0;
#define IS(s) (strcmp(name, s) == 0)
    if (IS("workload"))
        snprintf(buf, len, "%s", c->w->name);
    else if (IS("boot"))
        snprintf(buf, len, "%s", c->w->boot ? c->w->boot : "");
    else if (IS("isa"))
        snprintf(buf, len, "%s", c->isa);
    else if (IS("technique"))
        snprintf(buf, len, "%s", native ? "native" : c->technique);
    else if (IS("mmu"))
        snprintf(buf, len, "%s", native ? "-" : c->mmu);
    else if (IS("shadow"))
        snprintf(buf, len, "%s", c->shadow ? c->shadow : "-");
    else if (IS("status"))
        snprintf(buf, len, "%s", ok ? "ok" : "crashed");
    else if (IS("message"))
        snprintf(buf, len, "%s", r->message);
    else if (IS("equivalent"))
        snprintf(buf, len, "%s", equivalent(c));
    else if (IS("lockstep"))
        snprintf(buf, len, "%s", ls[r->lockstep]);
    else if (IS("div_instret")) {
        if (div)
            snprintf(buf, len, "%" PRIu64, r->div_instret);
    } else if (IS("div_pc")) {
        if (ins)
            snprintf(buf, len, "0x%08" PRIx32, r->div_pc);
    } else if (IS("div_symbol"))
        snprintf(buf, len, "%s", ins ? r->div_symbol : "");
    else if (IS("div_mode"))
        snprintf(buf, len, "%s", ins ? r->div_mode : "");
    else if (IS("div_insn"))
        snprintf(buf, len, "%s", ins ? r->div_insn : "");
    else if (IS("div_what"))
        snprintf(buf, len, "%s", r->lockstep >= LS_DIFFER ? r->div_what : "");
    else if (IS("console"))
        snprintf(buf, len, "%s", !r->console_compared ? "-" : r->console_equal ? "same" : "differs");
    else if (IS("console_offset")) {
        if (r->console_compared && !r->console_equal)
            snprintf(buf, len, "%ld", r->console_offset);
    } else if (IS("console_native"))
        snprintf(buf, len, "%s", r->console_native);
    else if (IS("console_cell"))
        snprintf(buf, len, "%s", r->console_cell);
    else if (IS("exit_native")) {
        if (ok)
            snprintf(buf, len, "%d", r->exit_native);
    } else if (IS("exit_cell")) {
        if (ok)
            snprintf(buf, len, "%d", r->exit_cell);
    } else if (IS("t_native") || IS("t_cell")) {
        if (ok)
            snprintf(buf, len, "%.4f", IS("t_native") ? r->t_native : r->t_cell);
    } else if (IS("ratio") || IS("ratio_min") || IS("ratio_max")) {
        if (ok)
            snprintf(buf, len, "%.2f", IS("ratio") ? r->ratio : IS("ratio_min") ? r->ratio_min : r->ratio_max);
    } else if (IS("efficiency")) {
        const char *e = vexp_count(r, "efficiency_percent");
        if (e)
            snprintf(buf, len, "%.2f", strtod(e, NULL));
    } else if (IS("silent_by_pc"))
        snprintf(buf, len, "%s", r->silent_by_pc);
    else {
        const char *v = vexp_count(r, name);
        if (v)
            snprintf(buf, len, "%s", v);
        else {
            for (int i = 0; fixed[i]; i++)
                if (IS(fixed[i]))
                    return true;
            return false;
        }
    }
#undef IS
    return true;
}

static void csv_put(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void vexp_write_csv(FILE *f, const struct vexp_cell *cells, int n)
{
    const char *keys[VEXP_MAX_COUNTS * 4];
    int nk = vexp_columns(cells, n, keys, (int)(sizeof keys / sizeof *keys));
    char buf[1024];
    for (int i = 0; fixed[i]; i++)
        fprintf(f, "%s%s", i ? "," : "", fixed[i]);
    for (int k = 0; k < nk; k++) {
        fputc(',', f);
        csv_put(f, keys[k]);
    }
    fputc('\n', f);
    for (int c = 0; c < n; c++) {
        for (int i = 0; fixed[i]; i++) {
            if (i)
                fputc(',', f);
            vexp_field(&cells[c], fixed[i], buf, sizeof buf);
            csv_put(f, buf);
        }
        for (int k = 0; k < nk; k++) {
            fputc(',', f);
            const char *v = vexp_count(&cells[c].r, keys[k]);
            fputs(v ? v : "", f);
        }
        fputc('\n', f);
    }
}

/* A JSON string: control bytes, '"' and '\' escaped, other bytes above
 * 0x7e as \u00XX (the excerpts are escaped already; names are the user's). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* "key": "field" or "key": null when the field is empty. */
static void json_field(FILE *f, const struct vexp_cell *c, const char *key, const char *field, bool number)
{
    char buf[1024];
    vexp_field(c, field, buf, sizeof buf);
    fprintf(f, "\"%s\": ", key);
    if (!buf[0])
        fputs("null", f);
    else if (number)
        fputs(buf, f);
    else
        json_str(f, buf);
}

/* The silent places, kept as "0x00002df0 rdsr 3; ..." (vexp_stats.c), as
 * the list --stats-json gave them: [{"pc": N, "insn": "rdsr", "count": N}]. */
static void json_places(FILE *f, const char *t)
{
    fputs("\"silent_sensitive_by_pc\": [", f);
    for (int k = 0; *t; k++) {
        unsigned long pc;
        unsigned long long count;
        char insn[VEXP_VAL];
        int used = 0;
        if (sscanf(t, "0x%lx %31s %llu%n", &pc, insn, &count, &used) != 3)
            break;
        fprintf(f, "%s{\"pc\": %lu, \"insn\": ", k ? ", " : "", pc);
        json_str(f, insn);
        fprintf(f, ", \"count\": %llu}", count);
        t += used;
        if (strncmp(t, "; ", 2) == 0)
            t += 2;
    }
    fputs("]", f);
}

void vexp_write_json(FILE *f, const struct vexp_cell *cells, int n, int runs)
{
    fprintf(f, "{\n  \"runs\": %d,\n  \"cells\": [", runs);
    for (int i = 0; i < n; i++) {
        const struct vexp_cell *c = &cells[i];
        const struct vexp_result *r = &c->r;
        fprintf(f, "%s\n    {", i ? "," : "");
        static const char *const strs[] = {"workload", "boot", "isa", "technique", "mmu", "shadow", "status", "message",
                                           "equivalent", "lockstep", NULL};
        for (int k = 0; strs[k]; k++) {
            if (k)
                fputs(", ", f);
            json_field(f, c, strs[k], strs[k], false);
        }
        fputs(",\n     \"divergence\": ", f);
        if (r->lockstep < LS_DIFFER)
            fputs("null", f);
        else {
            fputs("{", f);
            json_field(f, c, "instret", "div_instret", true);
            fputs(", ", f);
            json_field(f, c, "pc", "div_pc", false);
            fputs(", ", f);
            json_field(f, c, "symbol", "div_symbol", false);
            fputs(", ", f);
            json_field(f, c, "mode", "div_mode", false);
            fputs(", ", f);
            json_field(f, c, "instruction", "div_insn", false);
            fputs(", ", f);
            json_field(f, c, "what", "div_what", false);
            fputs("}", f);
        }
        fputs(",\n     \"console\": ", f);
        if (!r->console_compared)
            fputs("null", f);
        else {
            fprintf(f, "{\"same\": %s, ", r->console_equal ? "true" : "false");
            json_field(f, c, "offset", "console_offset", true);
            fputs(", ", f);
            json_field(f, c, "native", "console_native", false);
            fputs(", ", f);
            json_field(f, c, "cell", "console_cell", false);
            fputs("}", f);
        }
        fputs(",\n     ", f);
        json_field(f, c, "exit_native", "exit_native", true);
        fputs(", ", f);
        json_field(f, c, "exit_cell", "exit_cell", true);
        fputs(",\n     \"time\": {", f);
        static const char *const times[] = {"t_native", "t_cell", "ratio", "ratio_min", "ratio_max", NULL};
        for (int k = 0; times[k]; k++) {
            if (k)
                fputs(", ", f);
            json_field(f, c, times[k], times[k], true);
        }
        fputs("},\n     \"counts\": {", f);
        for (int k = 0; k < r->ncounts; k++) {
            fputs(k ? ", " : "", f);
            json_str(f, r->counts[k].key);
            fprintf(f, ": %s", r->counts[k].val);
        }
        fputs("},\n     ", f);
        json_places(f, r->silent_by_pc);
        fputs("}", f);
    }
    fputs("\n  ]\n}\n", f);
}

/* A Markdown table cell: '|' escaped. */
static void md_put(FILE *f, const char *s)
{
    fputc(' ', f);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputs(" |", f);
}

static void md_key(FILE *f, const struct vexp_cell *c)
{
    char buf[256];
    fputc('|', f);
    static const char *const k[] = {"workload", "isa", "technique", "mmu", "shadow", NULL};
    for (int i = 0; k[i]; i++) {
        vexp_field(c, k[i], buf, sizeof buf);
        md_put(f, buf);
    }
}

void vexp_write_matrix_table(FILE *f, const struct vexp_cell *cells, int n)
{
    fputs("| workload | ISA | technique | MMU | shadow | equivalent | first divergence (lockstep) | console | "
          "slowdown | spread | instructions | efficiency % | silent sensitive |\n",
          f);
    fputs("|---|---|---|---|---|---|---|---|---:|---:|---:|---:|---:|\n", f);
    char buf[1024], a[512];
    for (int i = 0; i < n; i++) {
        const struct vexp_cell *c = &cells[i];
        const struct vexp_result *r = &c->r;
        md_key(f, c);
        if (r->status == CELL_CRASHED) {
            snprintf(buf, sizeof buf, "crashed: %s", r->message);
            md_put(f, buf);
            for (int k = 0; k < 7; k++)
                md_put(f, "-");
            fputc('\n', f);
            continue;
        }
        md_put(f, equivalent(c));
        if (r->lockstep == LS_DIFFER && r->div_has_insn)
            snprintf(buf, sizeof buf, "after instruction %" PRIu64 ": `%s` at 0x%08" PRIx32 " <%s>, %s mode; %s",
                     r->div_instret, r->div_insn, r->div_pc, r->div_symbol, r->div_mode, r->div_what);
        else if (r->lockstep == LS_DIFFER)
            snprintf(buf, sizeof buf, "after instruction %" PRIu64 ": %s", r->div_instret, r->div_what);
        else if (r->lockstep == LS_ERROR)
            snprintf(buf, sizeof buf, "lockstep failed: %s", r->div_what);
        else
            snprintf(buf, sizeof buf, "%s", r->lockstep == LS_AGREE ? "none" : "-");
        md_put(f, buf);
        if (!r->console_compared)
            snprintf(buf, sizeof buf, "-");
        else if (r->console_equal)
            snprintf(buf, sizeof buf, "same");
        else
            snprintf(buf, sizeof buf, "byte %ld: `%s` / `%s`", r->console_offset, r->console_native, r->console_cell);
        md_put(f, buf);
        snprintf(buf, sizeof buf, "%.2f×", r->ratio);
        md_put(f, buf);
        snprintf(buf, sizeof buf, "%.2f-%.2f", r->ratio_min, r->ratio_max);
        md_put(f, buf);
        vexp_field(c, "instructions", a, sizeof a);
        md_put(f, a[0] ? a : "-");
        const char *e = vexp_count(r, "efficiency_percent");
        if (e)
            snprintf(buf, sizeof buf, "%.2f", strtod(e, NULL));
        md_put(f, e ? buf : "-");
        const char *s = vexp_count(r, "silent_sensitive");
        snprintf(buf, sizeof buf, "%s%s%s%s", s ? s : "0", r->silent_by_pc[0] ? " (" : "", r->silent_by_pc,
                 r->silent_by_pc[0] ? ")" : "");
        md_put(f, buf);
        fputc('\n', f);
    }
}

/* The counts of the exits table: the VMM's exits, page faults and shadow
 * tables, and whatever a technique counts as interpreted. */
static bool exit_key(const char *k)
{
    return strncmp(k, "exits.", 6) == 0 || strncmp(k, "page_faults.", 12) == 0 ||
           (strncmp(k, "shadow.", 7) == 0) || strstr(k, "interpret") != NULL;
}

/* The counts of the remedies' table: binary translation's and the
 * hypercalls of paravirtualization. */
static bool remedy_key(const char *k)
{
    return strncmp(k, "translation.", 12) == 0 || strncmp(k, "hypercalls", 10) == 0 ||
           strcmp(k, "mmu_entries") == 0;
}

/* A table of the VMM cells and the counts keep() takes, without columns
 * that are zero in every row shown; only_some: the rows with a count
 * that is not zero (a technique's own counts are zero under the others). */
static void counts_table(FILE *f, const struct vexp_cell *cells, int n, bool (*keep)(const char *), bool only_some)
{
    const char *all[VEXP_MAX_COUNTS * 4], *keys[VEXP_MAX_COUNTS * 4];
    bool row[n > 0 ? n : 1];
    int na = vexp_columns(cells, n, all, (int)(sizeof all / sizeof *all)), nk = 0;
    for (int i = 0; i < n; i++) {
        row[i] = !vexp_native(&cells[i]);
        bool some = false;
        for (int k = 0; k < na && only_some && row[i]; k++) {
            const char *v = keep(all[k]) ? vexp_count(&cells[i].r, all[k]) : NULL;
            some |= v && strtod(v, NULL) != 0;
        }
        row[i] &= some || !only_some;
    }
    for (int k = 0; k < na; k++) {
        bool some = !only_some;
        for (int i = 0; i < n && !some; i++) {
            const char *v = row[i] && keep(all[k]) ? vexp_count(&cells[i].r, all[k]) : NULL;
            some = v && strtod(v, NULL) != 0;
        }
        if (keep(all[k]) && some)
            keys[nk++] = all[k];
    }
    fputs("| workload | ISA | technique | MMU | shadow |", f);
    for (int k = 0; k < nk; k++)
        fprintf(f, " %s |", keys[k]);
    fputs("\n|---|---|---|---|---|", f);
    for (int k = 0; k < nk; k++)
        fputs("---:|", f);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const struct vexp_cell *c = &cells[i];
        if (!row[i])
            continue;
        md_key(f, c);
        for (int k = 0; k < nk; k++) {
            const char *v = vexp_count(&c->r, keys[k]);
            md_put(f, v ? v : "-");
        }
        fputc('\n', f);
    }
}

void vexp_write_exits_table(FILE *f, const struct vexp_cell *cells, int n) { counts_table(f, cells, n, exit_key, false); }

void vexp_write_remedies_table(FILE *f, const struct vexp_cell *cells, int n)
{
    counts_table(f, cells, n, remedy_key, true);
}

/* The sum of the counts whose keys start with prefix (every exit
 * reason, every kind of page fault), as a number; false if there is none. */
static bool sum_prefix(const struct vexp_result *r, const char *prefix, double *sum)
{
    bool any = false;
    *sum = 0;
    for (int k = 0; k < r->ncounts; k++)
        if (strncmp(r->counts[k].key, prefix, strlen(prefix)) == 0) {
            *sum += strtod(r->counts[k].val, NULL);
            any = true;
        }
    return any;
}

/* Shadow against nested paging, with everything else equal: the cells
 * of the bare machine, of trap-and-emulate and of the hardware guest mode
 * (the techniques that run an unmodified kernel's paging), with the
 * cached shadow policy or nested paging. */
static bool paging_row(const struct vexp_cell *c)
{
    if (vexp_native(c))
        return true;
    bool cached_or_other = !c->shadow || strcmp(c->shadow, "cache") == 0;
    return cached_or_other && (strcmp(c->technique, "trap-and-emulate") == 0 || strcmp(c->technique, "hw") == 0);
}

/* A sum of counts as a table cell: "-" for the bare machine (no VMM). */
static void put_sum(FILE *f, const struct vexp_cell *c, const char *prefix)
{
    double v;
    char buf[64];
    if (vexp_native(c) || !sum_prefix(&c->r, prefix, &v)) {
        md_put(f, "-");
        return;
    }
    snprintf(buf, sizeof buf, "%.0f", v);
    md_put(f, buf);
}

void vexp_write_paging_table(FILE *f, const struct vexp_cell *cells, int n)
{
    fputs("| workload | ISA | technique | MMU | shadow | equivalent | VMM exits | page faults to the VMM | TLB misses | "
          "walk references | a miss | entry/exit cycles | slowdown |\n"
          "|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
          f);
    char buf[64];
    for (int i = 0; i < n; i++) {
        const struct vexp_cell *c = &cells[i];
        const struct vexp_result *r = &c->r;
        if (!paging_row(c) || r->status != CELL_OK)
            continue;
        md_key(f, c);
        md_put(f, equivalent(c));
        put_sum(f, c, "exits.");
        put_sum(f, c, "page_faults.");
        const char *walks = vexp_count(r, "walks"), *refs = vexp_count(r, "walk_refs");
        if (!walks)
            walks = vexp_count(r, "page_walks");
        md_put(f, walks ? walks : "-");
        md_put(f, refs ? refs : "-");
        bool per = walks && refs && strtod(walks, NULL) > 0;
        if (per)
            snprintf(buf, sizeof buf, "%.2f", strtod(refs, NULL) / strtod(walks, NULL));
        md_put(f, per ? buf : "-");
        const char *t = vexp_count(r, "guest_mode.transition_cycles");
        md_put(f, t && strtod(t, NULL) > 0 ? t : "-");
        snprintf(buf, sizeof buf, "%.2f×", r->ratio);
        md_put(f, vexp_native(c) ? "-" : buf);
        fputc('\n', f);
    }
}
