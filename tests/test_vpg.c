/*
 * test_vpg.c - suite vpg: the empirical Popek-Goldberg classifier
 * (isa/pgclass.h, tools/vpg.c) agrees with the manual.
 *
 * The expected classes come from docs/isa.md section 10, parsed here, not
 * from the instruction table's columns the classifier must not read: if
 * the machine changes (an instruction stops trapping in user mode) and
 * the manual does not, the test names the instruction.  Each witness is
 * replayed on a fresh machine, and those of rdsr and rdptb are checked
 * against what the manual says the instructions return.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "fileio.h"
#include "json_strict.h"
#include "pgclass.h"
#include "runvrun.h"
#include "scratch.h"

static struct pg_report *reps; /* [ISA_PG], [ISA_X86LIKE], default states and seed */
static char *vpg, *dir;

static int suite_init(void)
{
    char err[300];
    reps = calloc(ISA_NVARIANTS, sizeof *reps);
    if (!reps)
        return 1;
    for (int v = 0; v < ISA_NVARIANTS; v++)
        if (!pgclass_run(&reps[v], (enum isa_variant)v, PG_DEFAULT_STATES, PG_DEFAULT_SEED, err, sizeof err)) {
            fprintf(stderr, "vpg: %s\n", err);
            return 1;
        }
    vpg = tool_path("vpg");
    dir = scratch_dir("vpg");
    return dir ? 0 : 1;
}

static int suite_clean(void)
{
    free(reps);
    free(vpg);
    tmpdir_remove(dir);
    reps = NULL;
    vpg = dir = NULL;
    return 0;
}

/* --- the manual's table ---------------------------------------------------- */

struct doc_row {
    bool listed;
    char sens[80], traps[ISA_NVARIANTS][8], cls[ISA_NVARIANTS][80];
};

/* Split "| a | b | c / d | e | f |" into its five cells, trimmed. */
static bool cells(const char *line, char out[5][80])
{
    const char *p = line;
    if (*p != '|')
        return false;
    for (int i = 0; i < 5; i++) {
        const char *end = strchr(p + 1, '|');
        if (!end)
            return false;
        const char *a = p + 1;
        while (*a == ' ')
            a++;
        const char *b = end;
        while (b > a && b[-1] == ' ')
            b--;
        snprintf(out[i], 80, "%.*s", (int)(b - a), a);
        p = end;
    }
    return true;
}

/* The rows of docs/isa.md's class table, by instruction; *other gets the
 * "every other instruction" row.  False, saying why, if it cannot be read. */
static bool read_doc(struct doc_row rows[OP_COUNT], struct doc_row *other)
{
    uint8_t *buf;
    size_t len;
    char err[300];
    if (!file_read("docs/isa.md", &buf, &len, err, sizeof err)) {
        fprintf(stderr, "\ndocs/isa.md: %s\n", err);
        return false;
    }
    char *text = malloc(len + 1);
    memcpy(text, buf, len);
    text[len] = '\0';
    free(buf);
    memset(rows, 0, sizeof(struct doc_row) * OP_COUNT);
    *other = (struct doc_row){0};
    const char *open = strstr(text, "<!-- visa classes -->\n");
    const char *close = open ? strstr(open, "<!-- /visa -->") : NULL;
    bool ok = open && close;
    int nrows = 0;
    for (const char *line = open ? strchr(open, '\n') + 1 : close; ok && line < close; line = strchr(line, '\n') + 1) {
        char c[5][80];
        if (strncmp(line, "| instruction |", 15) == 0 || strncmp(line, "|---", 4) == 0)
            continue;
        struct doc_row r = {.listed = true};
        char a[8], b[8];
        if (!cells(line, c) || sscanf(c[2], "%7s / %7s", a, b) != 2) {
            fprintf(stderr, "\ndocs/isa.md: a row of the class table that is not one: %.60s\n", line);
            ok = false;
            break;
        }
        snprintf(r.sens, sizeof r.sens, "%s", c[1]);
        snprintf(r.traps[ISA_PG], sizeof r.traps[0], "%s", a);
        snprintf(r.traps[ISA_X86LIKE], sizeof r.traps[0], "%s", b);
        snprintf(r.cls[ISA_PG], sizeof r.cls[0], "%s", c[3]);
        snprintf(r.cls[ISA_X86LIKE], sizeof r.cls[0], "%s", c[4]);
        if (strcmp(c[0], "every other instruction") == 0) {
            *other = r;
            continue;
        }
        size_t n = strlen(c[0]);
        char name[40];
        snprintf(name, sizeof name, "%.*s", n > 2 ? (int)n - 2 : 0, c[0] + 1);
        int op = isa_find_mnemonic(name);
        if (op < 0 || rows[op].listed) {
            fprintf(stderr, "\ndocs/isa.md: class table: %s is %s\n", c[0], op < 0 ? "no instruction" : "listed twice");
            ok = false;
            break;
        }
        rows[op] = r;
        nrows++;
    }
    free(text);
    if (ok && (!other->listed || nrows == 0)) {
        fprintf(stderr, "\ndocs/isa.md: the class table has no %s\n", nrows ? "\"every other instruction\" row" : "rows");
        ok = false;
    }
    return ok;
}

static const char *yesno(bool b) { return b ? "yes" : "no"; }

/* One sensitivity for both variants, as the manual's column gives it:
 * what either shows (wrsr shows its behaviour half only where it runs in
 * user mode, on x86like). */
static enum isa_sens both_sens(int op)
{
    const struct pg_insn *a = &reps[ISA_PG].insn[op], *b = &reps[ISA_X86LIKE].insn[op];
    struct pg_insn u = {.control = a->control || b->control, .behaviour = a->behaviour || b->behaviour};
    return pg_sensitivity(&u);
}

static void test_classes_match_manual(void)
{
    struct doc_row rows[OP_COUNT], other;
    CU_ASSERT_FATAL(read_doc(rows, &other));
    for (int op = 0; op < OP_COUNT; op++) {
        const struct doc_row *want = rows[op].listed ? &rows[op] : &other;
        const char *sens = isa_sens_name(both_sens(op));
        bool ok = strcmp(sens, want->sens) == 0;
        if (!ok)
            fprintf(stderr, "\nvpg: %s: discovered sensitivity %s, docs/isa.md says %s", isa_insns[op].mnem, sens,
                    want->sens);
        for (int v = 0; v < ISA_NVARIANTS; v++) {
            const struct pg_insn *in = &reps[v].insn[op];
            const char *traps = yesno(in->privileged), *cls = isa_class_name(pg_class(in));
            if (strcmp(traps, want->traps[v]) != 0 || strcmp(cls, want->cls[v]) != 0) {
                fprintf(stderr, "\nvpg: %s on %s: discovered traps in user mode %s, class %s; docs/isa.md says %s, %s",
                        isa_insns[op].mnem, isa_variant_name((enum isa_variant)v), traps, cls, want->traps[v],
                        want->cls[v]);
                ok = false;
            }
        }
        CU_ASSERT(ok);
    }
}

/* The printed table is the manual's, byte for byte. */
static void test_markdown_is_manual(void)
{
    uint8_t *buf;
    size_t len;
    char err[300];
    CU_ASSERT_FATAL(file_read("docs/isa.md", &buf, &len, err, sizeof err));
    char *text = malloc(len + 1);
    memcpy(text, buf, len);
    text[len] = '\0';
    free(buf);
    const char *open = strstr(text, "<!-- visa classes -->\n");
    const char *close = open ? strstr(open, "<!-- /visa -->") : NULL;
    CU_ASSERT_FATAL(close != NULL);
    open += strlen("<!-- visa classes -->\n");

    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    pg_print_markdown(f, &reps[ISA_PG], &reps[ISA_X86LIKE]);
    fclose(f);
    bool same = outlen == (size_t)(close - open) && memcmp(out, open, outlen) == 0;
    CU_ASSERT(same);
    if (!same)
        fprintf(stderr, "\nvpg --markdown:\n%s\ndocs/isa.md:\n%.*s", out, (int)(close - open), open);

    struct res r;
    const char *args[] = {"--markdown", NULL};
    run_vrun(vpg, dir, &r, "", 0, args);
    expect_ok(&r, 0);
    CU_ASSERT_STRING_EQUAL(r.out, out);
    res_free(&r);
    free(out);
    free(text);
}

/* --- the verdicts ----------------------------------------------------------- */

/* "rdsr, wrsr, rdptb": the instructions that break a theorem. */
static void offenders(const struct pg_report *rep, bool user_only, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int op = 0; op < OP_COUNT; op++) {
        const struct pg_insn *in = &rep->insn[op];
        if ((user_only ? pg_user_sensitive(in) : pg_sensitive(in)) && !in->privileged && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", isa_insns[op].mnem);
    }
}

static void test_verdicts(void)
{
    char buf[300];
    /* pg: every sensitive instruction traps in user mode (section 10). */
    CU_ASSERT(pg_theorem(&reps[ISA_PG], false));
    CU_ASSERT(pg_theorem(&reps[ISA_PG], true));
    offenders(&reps[ISA_PG], false, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "");
    /* x86like: the three of section 10 run in user mode. */
    CU_ASSERT(!pg_theorem(&reps[ISA_X86LIKE], false));
    offenders(&reps[ISA_X86LIKE], false, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "rdsr, wrsr, rdptb");
    /* In user mode rdsr returns the real status and rdptb the real ptb,
     * while wrsr "silently changes nothing" (section 10): a hybrid VMM
     * is still defeated by the two that read. */
    CU_ASSERT(!pg_theorem(&reps[ISA_X86LIKE], true));
    offenders(&reps[ISA_X86LIKE], true, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "rdsr, rdptb");
    int wrsr = isa_find_mnemonic("wrsr");
    CU_ASSERT_FATAL(wrsr >= 0);
    CU_ASSERT(!reps[ISA_X86LIKE].insn[wrsr].user_control);
}

static void test_text_output(void)
{
    for (int v = 0; v < ISA_NVARIANTS; v++) {
        char *want = NULL;
        size_t wantlen = 0;
        FILE *f = open_memstream(&want, &wantlen);
        pg_print_text(f, &reps[v]);
        fclose(f);
        struct res r;
        const char *args[] = {"--isa", isa_variant_name((enum isa_variant)v), NULL};
        run_vrun(vpg, dir, &r, "", 0, args);
        expect_ok(&r, 0);
        CU_ASSERT_STRING_EQUAL(r.out, want);
        bool pg = v == ISA_PG;
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, pg ? "a trap-and-emulate VMM can be built): holds\n"
                                                : "a trap-and-emulate VMM can be built): fails: rdsr, wrsr, rdptb\n"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, pg ? "a hybrid VMM can be built): holds\n"
                                                : "a hybrid VMM can be built): fails: rdsr, rdptb\n"));
        /* Every offender's witnesses are printed as the report holds them. */
        for (int op = 0; op < OP_COUNT && !pg; op++) {
            const struct pg_insn *in = &reps[v].insn[op];
            if (in->privileged)
                continue;
            const struct pg_witness *ws[] = {&in->cw, &in->bw, &in->ucw, &in->ubw};
            for (int k = 0; k < 4; k++)
                if (ws[k]->found)
                    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ws[k]->what));
        }
        res_free(&r);
        free(want);
    }
}

static void test_json_output(void)
{
    struct res r;
    const char *args[] = {"--json", "--isa", "x86like", NULL};
    run_vrun(vpg, dir, &r, "", 0, args);
    expect_ok(&r, 0);
    char why[200];
    CU_ASSERT(json_strict(r.out, r.outlen, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"theorem1\": {\"holds\": false, \"offenders\": [\"rdsr\", \"wrsr\", \"rdptb\"]}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"theorem3\": {\"holds\": false, \"offenders\": [\"rdsr\", \"rdptb\"]}"));
    res_free(&r);
}

/* --- the witnesses ------------------------------------------------------------ */

/* Two states of a behaviour witness keep the program's view and differ
 * in the configuration only. */
static bool same_view(const struct pg_state *a, const struct pg_state *b)
{
    return a->word == b->word && a->pc == b->pc && memcmp(a->r, b->r, sizeof a->r) == 0 && a->content == b->content &&
           a->disk_block == b->disk_block && a->disk_addr == b->disk_addr && a->disk_ctrl == b->disk_ctrl &&
           a->con_ctrl == b->con_ctrl && a->con_input == b->con_input;
}

static void test_witnesses_replay(void)
{
    int checked = 0;
    for (int v = 0; v < ISA_NVARIANTS; v++)
        for (int op = 0; op < OP_COUNT; op++) {
            const struct pg_insn *in = &reps[v].insn[op];
            const struct pg_witness *ws[] = {&in->cw, &in->bw, &in->ucw, &in->ubw};
            bool found[] = {in->control, in->behaviour, in->user_control, in->user_behaviour};
            for (int k = 0; k < 4; k++) {
                bool behaviour = k & 1;
                CU_ASSERT_EQUAL(ws[k]->found, found[k]);
                if (!ws[k]->found)
                    continue;
                char what[PG_WHAT] = "";
                bool ok = pg_replay((enum isa_variant)v, ws[k], behaviour, what, sizeof what) &&
                          strcmp(what, ws[k]->what) == 0;
                if (behaviour) {
                    char d[400];
                    pg_state_differences(&ws[k]->a, &ws[k]->b, d, sizeof d);
                    ok &= same_view(&ws[k]->a, &ws[k]->b) && d[0] != '\0';
                }
                if (k >= 2)
                    ok &= !(ws[k]->a.status & SR_S) && (!behaviour || !(ws[k]->b.status & SR_S));
                if (!ok)
                    fprintf(stderr, "\nvpg: %s on %s: witness %d does not replay: printed \"%s\", replayed \"%s\"",
                            isa_insns[op].mnem, isa_variant_name((enum isa_variant)v), k, ws[k]->what, what);
                CU_ASSERT(ok);
                checked++;
            }
        }
    CU_ASSERT(checked >= 20);
}

/* rdsr returns status and rdptb ptb (docs/isa.md section 4): the two
 * outcomes of their witnesses, computed from the states alone. */
static void test_witnesses_as_manual_says(void)
{
    static const char *const names[] = {"rdsr", "rdptb"};
    for (int i = 0; i < 2; i++) {
        int op = isa_find_mnemonic(names[i]);
        CU_ASSERT_FATAL(op >= 0);
        const struct pg_insn *in = &reps[ISA_X86LIKE].insn[op];
        const struct pg_witness *ws[] = {&in->bw, &in->ubw};
        for (int k = 0; k < 2; k++) {
            CU_ASSERT_FATAL(ws[k]->found);
            const struct pg_state *st[] = {&ws[k]->a, &ws[k]->b};
            uint32_t got[2];
            unsigned rd = (ws[k]->a.word >> 20) & 15; /* the ra field (section 3) */
            for (int j = 0; j < 2; j++) {
                uint32_t r[NREGS], pc;
                CU_ASSERT(pg_run_regs(ISA_X86LIKE, st[j], r, &pc));
                uint32_t want = i == 0 ? st[j]->status : st[j]->l1;
                got[j] = r[rd];
                CU_ASSERT_EQUAL(got[j], want);
                CU_ASSERT_EQUAL(pc, st[j]->pc + 4);
            }
            CU_ASSERT_NOT_EQUAL(got[0], got[1]);
            char want[PG_WHAT];
            snprintf(want, sizeof want, "%s: 0x%08x / 0x%08x", isa_reg_name(rd), got[0], got[1]);
            CU_ASSERT_STRING_EQUAL(ws[k]->what, want);
        }
    }
}

/* The same seed gives the same report; another seed the same classes. */
static void test_deterministic(void)
{
    char err[300];
    struct pg_report *again = calloc(2, sizeof *again);
    CU_ASSERT_FATAL(again != NULL);
    CU_ASSERT_FATAL(pgclass_run(&again[0], ISA_X86LIKE, PG_DEFAULT_STATES, PG_DEFAULT_SEED, err, sizeof err));
    CU_ASSERT_FATAL(pgclass_run(&again[1], ISA_X86LIKE, PG_DEFAULT_STATES, 12345, err, sizeof err));
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);
    pg_print_json(fa, &reps[ISA_X86LIKE]);
    pg_print_json(fb, &again[0]);
    fclose(fa);
    fclose(fb);
    CU_ASSERT_STRING_EQUAL(a, b);
    for (int op = 0; op < OP_COUNT; op++) {
        CU_ASSERT_EQUAL(pg_class(&again[1].insn[op]), pg_class(&reps[ISA_X86LIKE].insn[op]));
        CU_ASSERT_EQUAL(pg_sensitivity(&again[1].insn[op]), pg_sensitivity(&reps[ISA_X86LIKE].insn[op]));
    }
    free(a);
    free(b);
    free(again);
}

/* --- bad usage ------------------------------------------------------------------ */

static void expect_usage(const char *const *args, const char *line)
{
    struct res r;
    run_vrun(vpg, dir, &r, "", 0, args);
    char want[600];
    snprintf(want, sizeof want, "vpg: %s\nvpg: try 'vpg --help'\n", line);
    CU_ASSERT(r.exited);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(r.outlen, 0);
    CU_ASSERT_STRING_EQUAL(r.err, want);
    if (r.status != 2 || strcmp(r.err, want) != 0)
        fprintf(stderr, "\n  status %d, stderr:\n%s  wanted:\n%s", r.status, r.err, want);
    res_free(&r);
}

static void test_bad_options(void)
{
    expect_usage((const char *[]){"--bogus", NULL}, "unknown option --bogus");
    expect_usage((const char *[]){"--isa", "arm", NULL}, "--isa arm: not a variant (pg or x86like)");
    expect_usage((const char *[]){"--isa", NULL}, "--isa needs an argument");
    expect_usage((const char *[]){"--states", "3", NULL}, "--states 3: not a number of states from 8 to 4096");
    expect_usage((const char *[]){"--states", "lots", NULL}, "--states lots: not a number of states from 8 to 4096");
    expect_usage((const char *[]){"--seed", "-1", NULL}, "--seed -1: not a number");
    expect_usage((const char *[]){"--json", "--markdown", NULL}, "--json and --markdown do not go together");
    expect_usage((const char *[]){"--markdown", "--isa", "pg", NULL},
                 "--markdown shows both variants: --isa does not go with it");
    expect_usage((const char *[]){"extra", NULL}, "unexpected argument extra");

    struct res r;
    run_vrun(vpg, dir, &r, "", 0, (const char *[]){"-h", NULL});
    expect_ok(&r, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "usage: vpg "));
    res_free(&r);
}

void suite_vpg(void)
{
    CU_pSuite s = CU_add_suite("vpg", suite_init, suite_clean);
    CU_add_test(s, "discovered classes equal docs/isa.md section 10, both variants", test_classes_match_manual);
    CU_add_test(s, "vpg --markdown prints the manual's table", test_markdown_is_manual);
    CU_add_test(s, "verdicts: pg satisfies Theorems 1 and 3; x86like fails both", test_verdicts);
    CU_add_test(s, "vpg prints the table, verdicts and witnesses", test_text_output);
    CU_add_test(s, "vpg --json is JSON with the verdicts", test_json_output);
    CU_add_test(s, "each witness replays on a fresh machine as printed", test_witnesses_replay);
    CU_add_test(s, "rdsr and rdptb witnesses return what the manual says", test_witnesses_as_manual_says);
    CU_add_test(s, "the same seed gives the same report", test_deterministic);
    CU_add_test(s, "bad options: vpg: ... and status 2", test_bad_options);
}
