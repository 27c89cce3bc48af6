/*
 * assemble.c - one assembly run from start to finish: pass 1, the layout
 * of the sections, pass 2, the checks that need the whole program, and
 * the outputs.  Outputs are only made when there were no errors at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"

static void before_pass2(struct as *as)
{
    for (size_t i = 0; i < as->syms.n; i++) {
        struct symbol *s = &as->syms.v[i];
        if (s->kind == SYM_EQU) {
            s->state = EQU_PENDING;
            s->bad = s->def_seq < as->nstmts && as->stmts[s->def_seq].failed;
        } else if (s->kind == SYM_SET) {
            s->set_seen = false;
        }
    }
}

static void whole_program_checks(struct as *as)
{
    for (size_t i = 0; i < as->syms.n; i++) {
        const struct symbol *s = &as->syms.v[i];
        if (s->global && s->kind == SYM_UNDEF) {
            as->ctx = (struct eval_ctx){.seq = s->global_seq};
            as_error(as, s->global_loc, "'%s' is declared .global but never defined", s->name);
        }
    }
}

static uint32_t entry_point(struct as *as)
{
    int idx = sym_find(as, "_start");
    if (idx >= 0) {
        const struct symbol *s = &as->syms.v[idx];
        if (s->kind == SYM_LABEL)
            return as->sec[s->sect].base + (uint32_t)s->off;
        if ((s->kind == SYM_EQU || s->kind == SYM_SET) && s->val.known)
            return (uint32_t)s->val.v;
    }
    return as->sec[SEC_TEXT].base;
}

static void run(struct as *as, int top, struct asm_result *res)
{
    uint64_t pass1_size[NSECT] = {0};
    for (as->pass = 1; as->pass <= 2; as->pass++) {
        as->seq = 0;
        as->depth = 0;
        as->ncond = 0;
        sections_init(as);
        if (as->pass == 2) {
            before_pass2(as);
            if (as->opt->listing)
                buf_printf(&as->lst, " line  address   code         source\n");
        }
        if (as->defines_file >= 0)
            process_file(as, as->defines_file);
        if (!as->stop)
            process_file(as, top);
        if (as->stop)
            break;
        if (as->pass == 1) {
            for (int i = 0; i < NSECT; i++)
                pass1_size[i] = as->sec[i].size;
            as->ctx = (struct eval_ctx){.seq = UINT32_MAX};
            sections_layout(as);
            if (as->stop)
                break;
        }
    }
    if (!as->stop) {
        whole_program_checks(as);
        uint64_t total = 0;
        for (int i = 0; i < NSECT; i++)
            total += as->sec[i].size;
        if (total == 0 && as->nerrors == 0) {
            /* An image with nothing to load is one no loader accepts. */
            as->ctx = (struct eval_ctx){.seq = UINT32_MAX};
            as_error(as, (struct loc){.file = top}, "the program is empty: there is nothing to load");
        }
        for (int i = 0; i < NSECT; i++)
            if (as->nerrors == 0 && as->sec[i].size != pass1_size[i])
                as_error(as, (struct loc){.file = -1}, "internal error: %s changed size between the passes", as->sec[i].name);
    }
    res->entry = entry_point(as);
    if (as->nerrors == 0 && !as->oom) {
        if (!elf_build(as, res->entry, &res->elf, &res->elf_len))
            as_oom(as);
        if (as->opt->listing) {
            res->listing = buf_take_str(&as->lst, &res->listing_len);
            if (!res->listing)
                as_oom(as);
        }
        if (as->opt->map && !(res->map = map_build(as, &res->map_len)))
            as_oom(as);
    }
}

/* Every file read from disk, for the tool that must not overwrite one. */
static void list_inputs(struct as *as, struct asm_result *res)
{
    res->inputs = calloc(as->nfiles ? as->nfiles : 1, sizeof *res->inputs);
    if (!res->inputs) {
        as_oom(as);
        return;
    }
    for (size_t i = 0; i < as->nfiles; i++) {
        const struct srcfile *f = &as->files[i];
        if (!f->has_id)
            continue;
        struct asm_input *in = &res->inputs[res->ninputs];
        size_t n = strlen(f->path) + 1;
        if (!(in->path = malloc(n))) {
            as_oom(as);
            return;
        }
        memcpy(in->path, f->path, n);
        in->source = i == 0; /* files[0] is the one asm_assemble_file opened */
        in->binary = f->lines == NULL;
        in->dev = f->dev;
        in->ino = f->ino;
        res->ninputs++;
    }
}

static void finish(struct as *as, struct asm_result *res)
{
    list_inputs(as, res);
    res->nerrors = as->nerrors + (as->oom ? 1 : 0);
    res->ok = res->nerrors == 0;
    res->diag = diag_format(as, &res->diag_len);
    if (!res->ok) {
        free(res->elf);
        free(res->listing);
        free(res->map);
        res->elf = NULL, res->listing = NULL, res->map = NULL;
        res->elf_len = res->listing_len = res->map_len = 0;
    }
    diag_free(as);
    sym_free(as);
    sections_free(as);
    src_free(as);
    tokens_free(&as->toks);
    free(as->stmts);
    free(as->ops);
    free(as->emit);
    buf_free(&as->lst);
    free(as->labels_by_addr);
}

static void start(struct as *as, const struct asm_options *opt, struct asm_result *res)
{
    static const struct asm_options defaults;
    *res = (struct asm_result){0};
    *as = (struct as){.opt = opt ? opt : &defaults, .lst_file = -1};
    as->max_errors = as->opt->max_errors > 0 ? as->opt->max_errors : ASM_DEFAULT_MAX_ERRORS;
    as->ctx.seq = 0;
    as->unknown_sect = -1;
    as->defines_file = -1;
}

/* -D NAME[=VALUE]: ".equ NAME, VALUE" lines, assembled before the source
 * (after it is opened: the source is files[0]), so that a clash with the
 * source's own definition is reported as any other. */
static void add_defines(struct as *as)
{
    if (as->opt->ndefines == 0)
        return;
    struct buf b = {0};
    for (size_t i = 0; i < as->opt->ndefines; i++) {
        const char *d = as->opt->defines[i], *eq = strchr(d, '=');
        if (eq)
            buf_printf(&b, ".equ %.*s, %s\n", (int)(eq - d), d, eq + 1);
        else
            buf_printf(&b, ".equ %s, 1\n", d);
    }
    size_t len;
    char *text = buf_take_str(&b, &len);
    if (!text) {
        as_oom(as);
        return;
    }
    as->defines_file = src_add_text(as, "<command line>", text, len);
    free(text);
}

bool asm_assemble_source(const char *name, const char *text, size_t len, const struct asm_options *opt,
                         struct asm_result *res)
{
    struct as as;
    start(&as, opt, res);
    int top = src_add_text(&as, name, text, len);
    if (top >= 0)
        add_defines(&as);
    if (top >= 0 && !as.stop)
        run(&as, top, res);
    finish(&as, res);
    return res->ok;
}

bool asm_assemble_file(const char *path, const struct asm_options *opt, struct asm_result *res)
{
    struct as as;
    start(&as, opt, res);
    char err[256];
    int top = src_open(&as, path, true, err, sizeof err);
    if (top < 0) {
        finish(&as, res);
        struct buf b = {0};
        buf_printf(&b, "%s: error: %s\n", path, err);
        free(res->diag);
        res->diag = buf_take_str(&b, &res->diag_len);
        res->nerrors = 1;
        res->ok = false;
        return false;
    }
    add_defines(&as);
    if (!as.stop)
        run(&as, top, res);
    finish(&as, res);
    return res->ok;
}

void asm_result_free(struct asm_result *res)
{
    for (size_t i = 0; i < res->ninputs; i++)
        free(res->inputs[i].path);
    free(res->inputs);
    free(res->elf);
    free(res->listing);
    free(res->map);
    free(res->diag);
    *res = (struct asm_result){0};
}
