/*
 * mutator.c - finding the mutation points of a C file (mutator.h).
 *
 * Not a C parser: a tokenizer, and a reader of function bodies that knows
 * the statement forms of C, enough for the sources make mutate mutates.
 * What it cannot read it refuses with a message, rather than mutating
 * something it misread.
 */
#include "mutator.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { T_IDENT, T_NUMBER, T_STRING, T_PUNCT };

struct tok {
    enum tok_kind kind;
    size_t start, end;
};

struct reader {
    const char *path, *src;
    size_t len;
    struct tok *t;
    size_t n, cap;
    struct mutations *out;
    unsigned seq;           /* order of finding, to keep a stable order at one place */
    unsigned *seqs;
    bool bool_fn;           /* the function being read returns bool */
    bool failed;
    char *err;
    size_t errlen;
};

/* --- tokens --- */

static bool push_tok(struct reader *r, enum tok_kind k, size_t s, size_t e)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        struct tok *t = realloc(r->t, cap * sizeof *t);
        if (!t)
            return false;
        r->t = t;
        r->cap = cap;
    }
    r->t[r->n++] = (struct tok){k, s, e};
    return true;
}

static void where(const struct reader *r, size_t at, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && i < r->len; i++) {
        if (r->src[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static void fail(struct reader *r, size_t at, const char *what)
{
    unsigned line, col;
    if (r->failed)
        return;
    where(r, at, &line, &col);
    snprintf(r->err, r->errlen, "%s:%u:%u: error: %s", r->path, line, col, what);
    r->failed = true;
}

/* Longest first: the punctuators of C that are more than one character. */
static const char *const puncts[] = {"...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
                                     "&&",  "||",  "*=",  "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##"};

static bool tokenize(struct reader *r)
{
    const char *s = r->src;
    size_t i = 0, len = r->len;
    bool line_start = true;
    while (i < len) {
        char c = s[i];
        if (c == '\n') {
            line_start = true;
            i++;
        } else if (isspace((unsigned char)c)) {
            i++;
        } else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
            size_t e = i + 2;
            while (e + 1 < len && !(s[e] == '*' && s[e + 1] == '/'))
                e++;
            if (e + 1 >= len) {
                fail(r, i, "unterminated comment");
                return false;
            }
            i = e + 2;
        } else if (c == '/' && i + 1 < len && s[i + 1] == '/') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (c == '#' && line_start) {
            /* a preprocessor line, with its continuations */
            while (i < len && s[i] != '\n') {
                if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\n')
                    i++;
                else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
                    i += 2;
                    while (i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'))
                        i++;
                    i++;
                }
                i++;
            }
        } else if (c == '"' || c == '\'') {
            size_t e = i + 1;
            while (e < len && s[e] != c && s[e] != '\n')
                e += s[e] == '\\' ? 2 : 1;
            if (e >= len || s[e] != c) {
                fail(r, i, c == '"' ? "unterminated string" : "unterminated character constant");
                return false;
            }
            if (!push_tok(r, T_STRING, i, e + 1))
                return false;
            i = e + 1;
            line_start = false;
        } else if (isalpha((unsigned char)c) || c == '_') {
            size_t e = i;
            while (e < len && (isalnum((unsigned char)s[e]) || s[e] == '_'))
                e++;
            if (!push_tok(r, T_IDENT, i, e))
                return false;
            i = e;
            line_start = false;
        } else if (isdigit((unsigned char)c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
            size_t e = i;
            while (e < len && (isalnum((unsigned char)s[e]) || s[e] == '.' || s[e] == '_' ||
                               ((s[e] == '+' || s[e] == '-') && strchr("eEpP", s[e - 1]))))
                e++;
            if (!push_tok(r, T_NUMBER, i, e))
                return false;
            i = e;
            line_start = false;
        } else {
            size_t w = 1;
            for (size_t k = 0; k < sizeof puncts / sizeof puncts[0]; k++) {
                size_t pl = strlen(puncts[k]);
                if (pl <= len - i && memcmp(s + i, puncts[k], pl) == 0) {
                    w = pl;
                    break;
                }
            }
            if (!push_tok(r, T_PUNCT, i, i + w))
                return false;
            i += w;
            line_start = false;
        }
    }
    return true;
}

static bool is(const struct reader *r, size_t i, const char *text)
{
    if (i >= r->n)
        return false;
    size_t l = r->t[i].end - r->t[i].start;
    return l == strlen(text) && memcmp(r->src + r->t[i].start, text, l) == 0;
}

/* The token after the bracket that closes the one at i, or r->n. */
static size_t skip_group(struct reader *r, size_t i)
{
    int depth = 0;
    for (size_t k = i; k < r->n; k++) {
        if (is(r, k, "(") || is(r, k, "[") || is(r, k, "{"))
            depth++;
        else if (is(r, k, ")") || is(r, k, "]") || is(r, k, "}"))
            if (--depth == 0)
                return k + 1;
    }
    fail(r, r->t[i].start, "unbalanced bracket");
    return r->n;
}

/* --- mutation points --- */

static char *collapse(const char *s, size_t len)
{
    char *o = malloc(len + 1);
    size_t k = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (isspace((unsigned char)s[i])) {
            if (k && o[k - 1] != ' ')
                o[k++] = ' ';
        } else {
            o[k++] = s[i];
        }
    }
    while (k && o[k - 1] == ' ')
        k--;
    o[k] = 0;
    return o;
}

/* Replace the text of tokens [from, to] by the replacement: before, the
 * tokens' text, after. */
static void add(struct reader *r, const char *kind, size_t from, size_t to, const char *before, const char *after)
{
    if (r->failed)
        return;
    struct mutations *ms = r->out;
    if (ms->n == ms->cap) {
        size_t cap = ms->cap ? 2 * ms->cap : 64;
        struct mutation *m = realloc(ms->m, cap * sizeof *m);
        unsigned *q = realloc(r->seqs, cap * sizeof *q);
        if (q)
            r->seqs = q;
        if (m)
            ms->m = m;
        if (!m || !q) {
            fail(r, 0, "out of memory");
            return;
        }
        ms->cap = cap;
    }
    size_t start = r->t[from].start, end = r->t[to].end;
    /* A stretch with a preprocessor line inside (a macro's expansion
     * between #define and #undef) is left alone: the change would take the
     * directive with it. */
    for (size_t k = start; k < end; k++)
        if (r->src[k] == '\n') {
            size_t j = k + 1;
            while (j < end && (r->src[j] == ' ' || r->src[j] == '\t'))
                j++;
            if (j < end && r->src[j] == '#')
                return;
        }
    struct mutation *m = &ms->m[ms->n];
    size_t bl = strlen(before), al = strlen(after), tl = after[0] || before[0] ? end - start : 0;
    m->start = start;
    m->end = end;
    m->kind = kind;
    where(r, start, &m->line, &m->col);
    m->original = collapse(r->src + start, end - start);
    m->replacement = malloc(bl + tl + al + 1);
    if (!m->original || !m->replacement) {
        free(m->original);
        free(m->replacement);
        fail(r, start, "out of memory");
        return;
    }
    memcpy(m->replacement, before, bl);
    memcpy(m->replacement + bl, r->src + start, tl);
    memcpy(m->replacement + bl + tl, after, al + 1);
    r->seqs[ms->n] = r->seq++;
    ms->n++;
}

/* A replacement that is text of its own (no copy of the original). */
static void add_text(struct reader *r, const char *kind, size_t from, size_t to, const char *text)
{
    size_t before = r->out->n;
    add(r, kind, from, to, "", "");
    if (r->out->n > before) {
        struct mutation *m = &r->out->m[before];
        char *t = malloc(strlen(text) + 1);
        if (!t) {
            fail(r, 0, "out of memory");
            return;
        }
        strcpy(t, text);
        free(m->replacement);
        m->replacement = t;
    }
}

/* Negate the condition inside the parentheses at open (the token). */
static size_t negate_parens(struct reader *r, const char *kind, size_t open)
{
    if (!is(r, open, "(")) {
        fail(r, open < r->n ? r->t[open].start : r->len, "expected ( after a condition's keyword");
        return r->n;
    }
    size_t after = skip_group(r, open);
    if (after - open > 2)
        add(r, kind, open + 1, after - 2, "!(", ")");
    return after;
}

static const char *const decl_words[] = {"struct", "union", "enum",   "const", "volatile", "static",
                                         "extern", "register", "auto", "unsigned", "signed", "int",
                                         "char", "short", "long", "float", "double", "void",
                                         "bool", "_Bool", "inline", "typedef", "_Static_assert"};

/* Keywords that begin a statement that declares nothing. */
static const char *const stmt_words[] = {"return", "goto", "break", "continue", "sizeof", "case", "default"};

/* Whether the statement at i declares something (and so is not deleted). */
static bool is_declaration(const struct reader *r, size_t i)
{
    for (size_t k = 0; k < sizeof stmt_words / sizeof stmt_words[0]; k++)
        if (is(r, i, stmt_words[k]))
            return false;
    for (size_t k = 0; k < sizeof decl_words / sizeof decl_words[0]; k++)
        if (is(r, i, decl_words[k]))
            return true;
    const struct tok *t = &r->t[i];
    size_t l = t->end - t->start;
    if (t->kind != T_IDENT)
        return false;
    if (l > 2 && memcmp(r->src + t->end - 2, "_t", 2) == 0)
        return true;
    /* a typedef name: "name x", "name *x =" */
    if (i + 1 < r->n && r->t[i + 1].kind == T_IDENT)
        return true;
    return is(r, i + 1, "*") && i + 2 < r->n && r->t[i + 2].kind == T_IDENT &&
           (is(r, i + 3, "=") || is(r, i + 3, ";") || is(r, i + 3, ",") || is(r, i + 3, "["));
}

/* The ; that ends the statement at i (brackets skipped), or r->n. */
static size_t find_semicolon(struct reader *r, size_t i)
{
    while (i < r->n && !is(r, i, ";")) {
        if (is(r, i, "(") || is(r, i, "[") || is(r, i, "{"))
            i = skip_group(r, i);
        else if (is(r, i, ")") || is(r, i, "]") || is(r, i, "}")) {
            fail(r, r->t[i].start, "unexpected closing bracket in a statement");
            return r->n;
        } else
            i++;
    }
    if (i >= r->n)
        fail(r, r->len, "statement without ;");
    return i;
}

static size_t statement(struct reader *r, size_t i, int depth);

static size_t statement(struct reader *r, size_t i, int depth)
{
    if (r->failed || i >= r->n) {
        fail(r, r->len, "unexpected end of file in a function");
        return r->n;
    }
    if (depth > 200) {
        fail(r, r->t[i].start, "statements nested too deeply");
        return r->n;
    }
    if (is(r, i, "{")) {
        i++;
        while (!r->failed && i < r->n && !is(r, i, "}"))
            i = statement(r, i, depth + 1);
        if (i >= r->n)
            fail(r, r->len, "unterminated block");
        return i + 1;
    }
    if (is(r, i, "if")) {
        i = statement(r, negate_parens(r, "negate-if", i + 1), depth + 1);
        if (is(r, i, "else"))
            i = statement(r, i + 1, depth + 1);
        return i;
    }
    if (is(r, i, "while"))
        return statement(r, negate_parens(r, "negate-while", i + 1), depth + 1);
    if (is(r, i, "do")) {
        i = statement(r, i + 1, depth + 1);
        if (!is(r, i, "while")) {
            fail(r, i < r->n ? r->t[i].start : r->len, "do without while");
            return r->n;
        }
        i = negate_parens(r, "negate-while", i + 1);
        return find_semicolon(r, i) + 1;
    }
    if (is(r, i, "for")) {
        if (!is(r, i + 1, "(")) {
            fail(r, r->t[i].start, "expected ( after for");
            return r->n;
        }
        size_t close = skip_group(r, i + 1) - 1, s1 = i + 2, s2;
        while (s1 < close && !is(r, s1, ";"))
            s1 = is(r, s1, "(") || is(r, s1, "[") || is(r, s1, "{") ? skip_group(r, s1) : s1 + 1;
        s2 = s1 + 1;
        while (s2 < close && !is(r, s2, ";"))
            s2 = is(r, s2, "(") || is(r, s2, "[") || is(r, s2, "{") ? skip_group(r, s2) : s2 + 1;
        if (s2 >= close) {
            fail(r, r->t[i].start, "for without two ;");
            return r->n;
        }
        if (s2 > s1 + 1)
            add(r, "negate-for", s1 + 1, s2 - 1, "!(", ")");
        return statement(r, close + 1, depth + 1);
    }
    if (is(r, i, "switch")) {
        if (!is(r, i + 1, "(")) {
            fail(r, r->t[i].start, "expected ( after switch");
            return r->n;
        }
        return statement(r, skip_group(r, i + 1), depth + 1);
    }
    if (is(r, i, "case")) {
        size_t k = i + 1;
        while (k < r->n && !is(r, k, ":"))
            k = is(r, k, "(") ? skip_group(r, k) : k + 1;
        return statement(r, k + 1, depth + 1);
    }
    if ((is(r, i, "default") || r->t[i].kind == T_IDENT) && is(r, i + 1, ":"))
        return statement(r, i + 2, depth + 1);
    if (is(r, i, ";"))
        return i + 1;
    size_t end = find_semicolon(r, i);
    if (r->failed)
        return r->n;
    if (is(r, i, "return") && r->bool_fn && end > i + 1) {
        if (end == i + 2 && is(r, i + 1, "true"))
            add_text(r, "negate-return", i + 1, i + 1, "false");
        else if (end == i + 2 && is(r, i + 1, "false"))
            add_text(r, "negate-return", i + 1, i + 1, "true");
        else
            add(r, "negate-return", i + 1, end - 1, "!(", ")");
    }
    if (!is_declaration(r, i))
        add_text(r, "delete", i, end, "{}");
    return end + 1;
}

/* The ?: conditions, && and || of a function body [open, close]. */
static void expressions(struct reader *r, size_t open, size_t close)
{
    for (size_t i = open + 1; i < close && !r->failed; i++) {
        if (is(r, i, "&&"))
            add_text(r, "and-to-or", i, i, "||");
        else if (is(r, i, "||"))
            add_text(r, "or-to-and", i, i, "&&");
        else if (is(r, i, "?")) {
            /* back to what binds less than ?: */
            size_t k = i;
            int depth = 0;
            while (k > open + 1) {
                size_t p = k - 1;
                if (is(r, p, ")") || is(r, p, "]") || is(r, p, "}"))
                    depth++;
                else if (is(r, p, "(") || is(r, p, "[") || is(r, p, "{")) {
                    if (depth == 0)
                        break;
                    depth--;
                } else if (depth == 0 &&
                           (is(r, p, ",") || is(r, p, ";") || is(r, p, "?") || is(r, p, ":") || is(r, p, "return") ||
                            is(r, p, "=") || is(r, p, "+=") || is(r, p, "-=") || is(r, p, "*=") || is(r, p, "/=") ||
                            is(r, p, "%=") || is(r, p, "&=") || is(r, p, "|=") || is(r, p, "^=") ||
                            is(r, p, "<<=") || is(r, p, ">>=")))
                    break;
                k = p;
            }
            if (k < i)
                add(r, "negate-cond", k, i - 1, "!(", ")");
        }
    }
}

static int by_place(const void *a, const void *b, const unsigned *seqs, const struct mutation *base)
{
    const struct mutation *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    unsigned sx = seqs[x - base], sy = seqs[y - base];
    return sx < sy ? -1 : sx > sy;
}

/* Insertion sort: qsort has no context argument in C11, and the files are
 * small. */
static void sort_points(struct reader *r)
{
    struct mutation *m = r->out->m;
    for (size_t i = 1; i < r->out->n; i++)
        for (size_t j = i; j > 0 && by_place(&m[j - 1], &m[j], r->seqs, m) > 0; j--) {
            struct mutation t = m[j];
            m[j] = m[j - 1];
            m[j - 1] = t;
            unsigned q = r->seqs[j];
            r->seqs[j] = r->seqs[j - 1];
            r->seqs[j - 1] = q;
        }
}

bool mutations_find(const char *path, const char *src, size_t len, struct mutations *out, char *err,
                    size_t errlen)
{
    struct reader r = {.path = path, .src = src, .len = len, .out = out, .err = err, .errlen = errlen};
    *out = (struct mutations){0};
    if (!tokenize(&r)) {
        if (!r.failed)
            fail(&r, 0, "out of memory");
        free(r.t);
        return false;
    }
    size_t decl_start = 0; /* the first token of the file-scope declaration being read */
    for (size_t i = 0; i < r.n && !r.failed;) {
        if (is(&r, i, ";")) {
            decl_start = ++i;
        } else if (is(&r, i, "{")) {
            size_t close = skip_group(&r, i) - 1;
            if (r.failed)
                break;
            if (i > 0 && is(&r, i - 1, ")")) {
                /* a function body: does it return bool? (the words before its name) */
                r.bool_fn = false;
                for (size_t k = decl_start; k < i && !is(&r, k, "("); k++)
                    r.bool_fn |= is(&r, k, "bool") || is(&r, k, "_Bool");
                statement(&r, i, 0);
                expressions(&r, i, close);
                decl_start = close + 1;
            }
            i = close + 1;
        } else if (is(&r, i, "(") || is(&r, i, "[")) {
            i = skip_group(&r, i);
        } else {
            i++;
        }
    }
    free(r.t);
    if (r.failed) {
        free(r.seqs);
        mutations_free(out);
        return false;
    }
    sort_points(&r);
    free(r.seqs);
    return true;
}

void mutations_free(struct mutations *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        free(ms->m[i].original);
        free(ms->m[i].replacement);
    }
    free(ms->m);
    *ms = (struct mutations){0};
}

void mutation_describe(const char *path, const struct mutation *m, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%u:%u: %s: %s -> %s", path, m->line, m->col, m->kind, m->original, m->replacement);
}

char *mutation_apply(const char *src, size_t len, const struct mutation *m, size_t *outlen)
{
    size_t rl = strlen(m->replacement), n = len - (m->end - m->start) + rl;
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    memcpy(o, src, m->start);
    memcpy(o + m->start, m->replacement, rl);
    memcpy(o + m->start + rl, src + m->end, len - m->end);
    o[n] = 0;
    *outlen = n;
    return o;
}
