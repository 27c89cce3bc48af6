/*
 * regions.c - cutting a lab's regions out of a source file (regions.h).
 * Line by line: a marker is a line whose text, after its indentation,
 * starts with the marker's comment ("/" "* LAB n ..." or "; LAB n ...").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regions.h"

bool text_add(struct text *t, const char *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s)
            return false;
        t->s = s;
        t->cap = cap;
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = 0;
    return true;
}

enum kind { NONE, BEGIN, STUB, END };
enum style { C_STYLE, ASM_STYLE };

struct marker {
    enum kind kind;
    enum style style;
    int lab;
    char name[128];
    int col;      /* 1-based column of the marker */
    char comment; /* assembly: the comment character, ';' or '#' */
};

/* Whether line (without its newline) is a marker, and which. */
static bool parse_marker(const char *line, size_t len, struct marker *mk)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    mk->col = (int)i + 1;
    if (len - i >= 2 && line[i] == '/' && line[i + 1] == '*')
        mk->style = C_STYLE, i += 2;
    else if (i < len && (line[i] == ';' || line[i] == '#'))
        mk->style = ASM_STYLE, mk->comment = line[i], i += 1;
    else
        return false;
    while (i < len && line[i] == ' ')
        i++;
    if (len - i < 5 || strncmp(line + i, "LAB ", 4) || !isdigit((unsigned char)line[i + 4]))
        return false;
    i += 4;
    mk->lab = 0;
    while (i < len && isdigit((unsigned char)line[i]) && mk->lab < 1000)
        mk->lab = mk->lab * 10 + (line[i++] - '0');
    if (i >= len || line[i] != ' ')
        return false;
    i++;
    const char *w = line + i;
    size_t rest = len - i;
    mk->name[0] = 0;
    if (rest >= 5 && !strncmp(w, "BEGIN", 5)) {
        mk->kind = BEGIN;
        size_t j = i + 5;
        while (j < len && line[j] == ' ')
            j++;
        size_t k = 0;
        while (j < len && (isalnum((unsigned char)line[j]) || line[j] == '-' || line[j] == '_') &&
               k + 1 < sizeof mk->name)
            mk->name[k++] = line[j++];
        mk->name[k] = 0;
    } else if (rest >= 4 && !strncmp(w, "STUB", 4)) {
        mk->kind = STUB;
    } else if (rest >= 3 && !strncmp(w, "END", 3)) {
        mk->kind = END;
    } else {
        return false;
    }
    return true;
}

static bool closes_comment(const char *line, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (line[i] == '*' && line[i + 1] == '/')
            return true;
    return false;
}

static bool err(const char *path, int line, int col, const char *msg, const char *detail)
{
    fprintf(stderr, "%s:%d:%d: error: %s%s\n", path, line, col, msg, detail ? detail : "");
    return false;
}

/* A stub line with its comment prefix and one space removed. */
static bool uncomment(const char *line, size_t len, const struct marker *mk, struct text *out, const char *path,
                      int lineno)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len) /* a blank line stays blank */
        return text_add(out, "\n", 1);
    const char asm_prefix[2] = {mk->comment, 0};
    const char *prefix = mk->style == C_STYLE ? "//" : asm_prefix;
    size_t pl = strlen(prefix);
    if (len - i < pl || strncmp(line + i, prefix, pl))
        return err(path, lineno, (int)i + 1, "a stub line must be commented out with ",
                   mk->style == C_STYLE ? "'//'" : mk->comment == '#' ? "'#'" : "';'");
    size_t j = i + pl;
    if (j < len && line[j] == ' ')
        j++;
    if (j == len) /* an empty stub line: no trailing blanks */
        return text_add(out, "\n", 1);
    return text_add(out, line, i) && text_add(out, line + j, len - j) && text_add(out, "\n", 1);
}

FILE *regions_list;

bool regions_transform(const char *path, const char *src, size_t len, int strip, const struct mistake *m,
                       struct text *out, int *regions, bool *applied)
{
    enum { OUT, TASK, REF, STUBS } state = OUT;
    struct marker open = {0};
    int open_line = 0, lineno = 0;
    bool cut = false, swap = false, ok = true;
    *regions = 0;
    *applied = false;
    for (size_t pos = 0; pos < len;) {
        const char *line = src + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        size_t whole = nl ? n + 1 : n;
        pos += whole;
        lineno++;
        struct marker mk;
        bool is = parse_marker(line, n, &mk);
        bool keep = true;    /* the line as it is */
        bool as_stub = false;
        if (is && mk.kind == BEGIN) {
            if (state != OUT) {
                fprintf(stderr, "%s:%d:%d: error: a region inside another (LAB %d '%s', opened on line %d)\n", path,
                        lineno, mk.col, open.lab, open.name, open_line);
                return false;
            }
            if (!mk.name[0])
                return err(path, lineno, mk.col, "a region needs a name after BEGIN: ", "LAB N BEGIN name: task");
            open = mk;
            open_line = lineno;
            if (regions_list)
                fprintf(regions_list, "%s:%d: lab %d: %s\n", path, lineno, mk.lab, mk.name);
            ++*regions;
            cut = mk.lab >= strip;
            swap = m && !strcmp(m->region, mk.name);
            if (swap && cut)
                return err(path, lineno, mk.col, "a mistake for a region the handout strips: ", m->path);
            /* A C task comment may go on over several lines. */
            state = mk.style == C_STYLE && !closes_comment(line, n) ? TASK : REF;
            if (mk.style == ASM_STYLE)
                state = TASK;
        } else if (is && (mk.kind == STUB || mk.kind == END)) {
            if (state == OUT)
                return err(path, lineno, mk.col, mk.kind == STUB ? "STUB outside a region" : "END outside a region",
                           NULL);
            if (mk.lab != open.lab) {
                fprintf(stderr, "%s:%d:%d: error: LAB %d %s closes the LAB %d region opened on line %d\n", path,
                        lineno, mk.col, mk.lab, mk.kind == STUB ? "STUB" : "END", open.lab, open_line);
                return false;
            }
            if (mk.kind == STUB && state == STUBS)
                return err(path, lineno, mk.col, "a second STUB in one region", NULL);
            if (swap && state != STUBS) {
                if (!text_add(out, m->body, strlen(m->body)))
                    return false;
                *applied = true;
            }
            state = mk.kind == STUB ? STUBS : OUT;
        } else if (state == TASK) {
            if (open.style == C_STYLE) {
                if (closes_comment(line, n))
                    state = REF;
            } else {
                size_t i = strspn(line, " \t");
                if (i >= n || line[i] != open.comment) {
                    state = REF;
                    keep = !cut && !swap;
                }
            }
        } else if (state == REF) {
            keep = !cut && !swap;
        } else if (state == STUBS) {
            if (cut)
                as_stub = true;
        }
        if (as_stub)
            ok = uncomment(line, n, &open, out, path, lineno);
        else if (keep)
            ok = text_add(out, line, whole);
        if (!ok)
            return false;
    }
    if (state != OUT) {
        fprintf(stderr, "%s:%d:%d: error: LAB %d region '%s' is never closed (no LAB %d END)\n", path, open_line,
                open.col, open.lab, open.name, open.lab);
        return false;
    }
    return true;
}

static char *trimmed(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

bool mistake_read(const char *path, struct mistake *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "handout: %s: cannot read\n", path);
        return false;
    }
    char line[4096];
    int lineno = 0;
    bool body = false;
    struct text t = {0};
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (body) {
            if (!text_add(&t, line, strlen(line)))
                break;
            continue;
        }
        char *s = trimmed(line);
        if (!*s || *s == '#')
            continue;
        if (!strcmp(s, "---")) {
            body = true;
            continue;
        }
        char *colon = strchr(s, ':');
        if (!colon) {
            fclose(f);
            return err(path, lineno, 1, "expected 'key: value' or '---' before the body", NULL);
        }
        *colon = 0;
        char *v = trimmed(colon + 1);
        if (!strcmp(s, "file"))
            snprintf(m->file, sizeof m->file, "%s", v);
        else if (!strcmp(s, "region"))
            snprintf(m->region, sizeof m->region, "%s", v);
        /* fails: and message: are the labs suite's (tests/test_labs.c) */
    }
    fclose(f);
    if (!body || !m->file[0] || !m->region[0]) {
        free(t.s);
        return err(path, lineno, 1, "a mistake needs 'file:', 'region:' and '---' then its body", NULL);
    }
    m->body = t.s ? t.s : calloc(1, 1);
    return m->body != NULL;
}
