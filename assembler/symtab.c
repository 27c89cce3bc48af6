/*
 * symtab.c - symbols and numeric local labels.
 *
 * Three kinds of named symbol: labels (an address), .equ (a constant,
 * defined once, usable before its definition) and .set (a variable: each
 * use sees the latest .set above it).  Labels get their places in pass 1;
 * pass 2 only checks that each lands at the same place again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int sym_find(struct as *as, const char *name)
{
    const struct symtab *t = &as->syms;
    if (t->nslots == 0)
        return -1;
    for (size_t i = hash(name) & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
        int32_t k = t->slots[i];
        if (k < 0)
            return -1;
        if (strcmp(t->v[k].name, name) == 0)
            return k;
    }
}

static bool rehash(struct symtab *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 64;
    int32_t *slots = malloc(n * sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < n; i++)
        slots[i] = -1;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = hash(t->v[k].name) & (n - 1);
        while (slots[i] >= 0)
            i = (i + 1) & (n - 1);
        slots[i] = (int32_t)k;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return true;
}

int sym_add(struct as *as, const char *name)
{
    struct symtab *t = &as->syms;
    size_t n = strlen(name) + 1;
    char *copy = malloc(n);
    if (!copy || ((t->n + 1) * 2 > t->nslots && !rehash(t)) || !vec_grow(&t->v, &t->cap, t->n + 1, sizeof *t->v)) {
        free(copy);
        as_oom(as);
        return -1;
    }
    memcpy(copy, name, n);
    t->v[t->n] = (struct symbol){.name = copy, .kind = SYM_UNDEF};
    size_t i = hash(name) & (t->nslots - 1);
    while (t->slots[i] >= 0)
        i = (i + 1) & (t->nslots - 1);
    t->slots[i] = (int32_t)t->n;
    return (int)t->n++;
}

void sym_free(struct as *as)
{
    for (size_t i = 0; i < as->syms.n; i++)
        free(as->syms.v[i].name);
    free(as->syms.v);
    free(as->syms.slots);
    as->syms = (struct symtab){0};
    free(as->locals);
    as->locals = NULL;
    as->nlocals = as->caplocals = 0;
}

/* Register names cannot be symbols: "lw a0, x(sp)" must never depend on
 * whether someone defined a label called sp. */
bool sym_name_ok(struct as *as, const char *name, struct loc at)
{
    if (strcmp(name, ".") == 0) {
        as_error(as, at, "'.' is the location counter, not a name you can define");
        return false;
    }
    if (isa_find_reg(name) >= 0) {
        as_error(as, at, "'%s' is a register name, so it cannot be a symbol", name);
        return false;
    }
    return true;
}

static void duplicate(struct as *as, int idx, struct loc at)
{
    const struct symbol *s = &as->syms.v[idx];
    as_error(as, at, "'%s' is already defined", s->name);
    as_note(as, s->def, "'%s' was first defined here", s->name);
}

static bool same_loc(struct loc a, struct loc b) { return a.file == b.file && a.line == b.line && a.col == b.col; }

void sym_define_label(struct as *as, const char *name, struct loc at)
{
    int idx = sym_find(as, name);
    const struct section *sec = &as->sec[as->cur];
    if (as->pass == 2) {
        /* Pass 2 checks that pass 1's layout still holds. */
        if (idx >= 0 && as->syms.v[idx].kind == SYM_LABEL && same_loc(as->syms.v[idx].def, at) &&
            (as->syms.v[idx].sect != as->cur || as->syms.v[idx].off != (int64_t)sec->size) && as->nerrors == 0)
            as_error(as, at, "internal error: '%s' moved between pass 1 and pass 2", name);
        return;
    }
    if (!sym_name_ok(as, name, at))
        return;
    if (idx >= 0 && as->syms.v[idx].kind != SYM_UNDEF) {
        duplicate(as, idx, at);
        return;
    }
    if (idx < 0 && (idx = sym_add(as, name)) < 0)
        return;
    struct symbol *s = &as->syms.v[idx];
    s->kind = SYM_LABEL;
    s->def = at;
    s->sect = as->cur;
    s->off = (int64_t)sec->size;
}

static void note_unknown(struct as *as, const char *name)
{
    if (as->unknown[0] == '\0' && as->unknown_sect < 0)
        snprintf(as->unknown, sizeof as->unknown, "%s", name);
}

static void undefined(struct as *as, const char *name, struct loc ref)
{
    struct suggest sg;
    char text[AS_MAX_NAME + 32];
    suggest_init(&sg, name);
    for (size_t i = 0; i < as->syms.n; i++)
        if (as->syms.v[i].kind != SYM_UNDEF)
            suggest_try(&sg, as->syms.v[i].name);
    as_error(as, ref, "undefined symbol '%s'%s", name, suggest_text(&sg, text, sizeof text));
}

static bool sym_value(struct as *as, int idx, struct loc ref, struct value *out)
{
    struct symbol *s = &as->syms.v[idx];
    switch (s->kind) {
    case SYM_LABEL:
        *out = section_value(as, s->sect, s->off);
        return true;
    case SYM_EQU:
        if (s->state == EQU_BUSY) {
            as_error(as, ref, "'%s' is defined in terms of itself", s->name);
            return false;
        }
        if (s->state == EQU_PENDING && !s->bad)
            equ_evaluate(as, idx);
        s = &as->syms.v[idx];
        /* A failed .equ has been reported where it is defined: its users
         * fail without a word more (and never see a value that is neither
         * known nor waiting for a name). */
        if (s->state == EQU_FAILED || s->bad)
            return false;
        *out = s->val;
        if (!out->known)
            note_unknown(as, s->name);
        return true;
    case SYM_SET:
        if (s->set_seen) {
            *out = s->val;
            return true;
        }
        if (as->pass == 2) {
            as_error(as, ref, "'%s' is used before its first .set", s->name);
            return false;
        }
        note_unknown(as, s->name);
        return true;
    case SYM_UNDEF:
        break;
    }
    if (as->pass == 1) {
        note_unknown(as, s->name);
        return true;
    }
    undefined(as, s->name, ref);
    return false;
}

bool sym_ref(struct as *as, const char *name, struct loc ref, struct value *out)
{
    *out = (struct value){.sect = SECT_ABS};
    int idx = sym_find(as, name);
    if (idx >= 0)
        return sym_value(as, idx, ref, out);
    if (as->pass == 1) {
        note_unknown(as, name);
        return true;
    }
    undefined(as, name, ref);
    return false;
}

void local_define(struct as *as, uint32_t num, struct loc at)
{
    (void)at;
    if (as->pass == 2)
        return; /* pass 1 recorded it; labels cannot move (checked via named ones) */
    if (!vec_grow(&as->locals, &as->caplocals, as->nlocals + 1, sizeof *as->locals)) {
        as_oom(as);
        return;
    }
    as->locals[as->nlocals++] = (struct local_def){
        .num = num, .seq = as->ctx.seq, .sect = as->cur, .off = (int64_t)as->sec[as->cur].size};
}

bool local_value(struct as *as, uint32_t num, bool forward, struct loc ref, struct value *out)
{
    *out = (struct value){.sect = SECT_ABS};
    /* Definitions are in statement order: find where this statement falls,
     * then walk to the nearest definition with the number. */
    size_t lo = 0, hi = as->nlocals;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (as->locals[mid].seq <= as->ctx.seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct local_def *hit = NULL;
    if (forward) {
        for (size_t i = lo; i < as->nlocals && !hit; i++)
            if (as->locals[i].num == num)
                hit = &as->locals[i];
    } else {
        for (size_t i = lo; i-- > 0 && !hit;)
            if (as->locals[i].num == num)
                hit = &as->locals[i];
    }
    if (hit) {
        *out = section_value(as, hit->sect, hit->off);
        return true;
    }
    char name[16];
    snprintf(name, sizeof name, "%u%c", num, forward ? 'f' : 'b');
    if (forward && as->pass == 1) {
        note_unknown(as, name);
        return true;
    }
    as_error(as, ref, "'%s' refers to a label '%u:' %s, but there is none", name, num,
             forward ? "further down" : "above it");
    return false;
}
