/*
 * parse.c - a source file, line by line.  A line is
 *
 *     [label: ...] [instruction | pseudo-instruction | directive] [# comment]
 *
 * where a label is a name or a decimal number (a local label, "1:").
 * Names starting with '.' are directives; anything else is looked up in the
 * instruction table, then among the pseudo-instructions.
 */
#include <stdio.h>
#include <string.h>

#include "asm_impl.h"

static void unknown_mnemonic(struct as *as, struct tokens *t, size_t i)
{
    const char *name = tok_str(t, i);
    struct suggest sg;
    char text[AS_MAX_NAME + 32];
    suggest_init(&sg, name);
    for (int k = 0; k < OP_COUNT; k++)
        suggest_try(&sg, isa_insns[k].mnem);
    for (int k = 0; pseudo_name(k); k++)
        suggest_try(&sg, pseudo_name(k));
    const char *hint = suggest_text(&sg, text, sizeof text);
    if (!*hint && i + 1 == t->n)
        hint = "; a label needs a ':' after it";
    as_error(as, tok_loc(t, i), "unknown mnemonic '%s'%s", name, hint);
}

static void statement(struct as *as, struct tokens *t)
{
    size_t i = 0;
    while (i + 1 < t->n && tok_is(t, i + 1, P_COLON)) {
        const struct token *k = &t->v[i];
        if (k->kind == T_IDENT) {
            sym_define_label(as, tok_str(t, i), tok_loc(t, i));
        } else if (k->kind == T_NUM && k->plain_decimal && k->num <= UINT32_MAX) {
            local_define(as, (uint32_t)k->num, tok_loc(t, i));
        } else {
            as_error(as, tok_loc(t, i), "a label is a name or a decimal number (a local label such as 1:)");
            return;
        }
        as->labeled = true;
        i += 2;
    }
    if (i >= t->n)
        return;
    if (t->v[i].kind != T_IDENT) {
        as_error(as, tok_loc(t, i), "expected an instruction or a directive here");
        return;
    }
    const char *name = tok_str(t, i);
    as->mnem_col = t->v[i].col;
    if (name[0] == '.') {
        directive_run(as, t, i);
        return;
    }
    int op = isa_find_mnemonic(name);
    if (op >= 0) {
        insn_assemble(as, t, i, op);
        return;
    }
    int row = pseudo_find(name);
    if (row >= 0) {
        pseudo_assemble(as, t, i, row);
        return;
    }
    unknown_mnemonic(as, t, i);
}

static void process_line(struct as *as, int file, uint32_t line)
{
    uint32_t seq = as->seq++;
    if (as->pass == 1) {
        if (!vec_grow(&as->stmts, &as->capstmts, (size_t)seq + 1, sizeof *as->stmts)) {
            as_oom(as);
            return;
        }
        as->stmts[seq] = (struct stmt){0};
        as->nstmts = (size_t)seq + 1;
    }
    as->ctx = (struct eval_ctx){.seq = seq};
    as->mute = as->pass == 2 && as->stmts[seq].failed;
    as->nemit = 0;
    as->expanded = false;
    as->labeled = false;
    as->mnem_col = 0;
    as->line_sect = as->cur;
    as->line_start = as->sec[as->cur].size;
    int errors = as->nerrors;

    const char *text;
    size_t len;
    src_line(as, file, line, &text, &len);
    if (len > ASM_MAX_LINE_BYTES) /* its tokens would take 50 times its size */
        as_error(as, (struct loc){.file = file, .line = line, .col = ASM_MAX_LINE_BYTES, .len = 1},
                 "line is longer than %u bytes, the limit", ASM_MAX_LINE_BYTES);
    else if (!cond_line(as, file, line, text, len) && lex_line(as, &as->toks, file, line, text, len, 0))
        statement(as, &as->toks);

    if (as->pass == 1 && as->nerrors > errors)
        as->stmts[seq].failed = true;
    if (as->pass == 2 && as->opt->listing && !as->stmts[seq].listed && file != as->defines_file)
        listing_line(as, file, line, as->line_sect, as->line_start);
}

void process_file(struct as *as, int file)
{
    as->stack[as->depth++] = file;
    for (uint32_t line = 1; line <= as->files[file].nlines && !as->stop; line++)
        process_line(as, file, line);
    cond_file_end(as);
    as->depth--;
}
