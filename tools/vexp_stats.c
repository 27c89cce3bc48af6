/*
 * vexp_stats.c - the counts of vrun's --stats-json (docs/vmm.md section
 * 9), taken generically: every number in the first VM's object, nested
 * objects' keys joined with '.', so that a count a technique adds (an
 * interpreted-instruction count, say) becomes a column without a change
 * here.  silent_sensitive_by_pc, a list, is kept as text; silent_sensitive
 * is 0 where the stats do not have it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vexp.h"

struct parser {
    const char *base, *s, *end;
    struct vexp_result *r;
    char *why;
    size_t whylen;
    int depth;
};

static bool fail(struct parser *p, const char *what)
{
    snprintf(p->why, p->whylen, "%s at byte %ld", what, (long)(p->s - p->base));
    return false;
}

static void ws(struct parser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r'))
        p->s++;
}

static bool lit(struct parser *p, char c)
{
    ws(p);
    if (p->s < p->end && *p->s == c) {
        p->s++;
        return true;
    }
    return false;
}

/* A string without escapes that matter to us: copied, truncated. */
static bool string(struct parser *p, char *buf, size_t len)
{
    if (!lit(p, '"'))
        return fail(p, "a string expected");
    size_t n = 0;
    while (p->s < p->end && *p->s != '"') {
        if (*p->s == '\\' && p->s + 1 < p->end)
            p->s++;
        if (n + 1 < len)
            buf[n++] = *p->s;
        p->s++;
    }
    if (len)
        buf[n] = 0;
    return lit(p, '"') || fail(p, "an unterminated string");
}

static bool number(struct parser *p, char *buf, size_t len)
{
    ws(p);
    const char *b = p->s;
    while (p->s < p->end && strchr("+-0123456789.eE", *p->s))
        p->s++;
    if (p->s == b)
        return fail(p, "a value expected");
    snprintf(buf, len, "%.*s", (int)(p->s - b), b);
    return true;
}

static void add(struct parser *p, const char *key, const char *val)
{
    struct vexp_result *r = p->r;
    if (r->ncounts < VEXP_MAX_COUNTS) {
        snprintf(r->counts[r->ncounts].key, VEXP_KEY, "%s", key);
        snprintf(r->counts[r->ncounts].val, VEXP_VAL, "%s", val);
        r->ncounts++;
    }
}

static bool value(struct parser *p, const char *path, bool keep);

/* An object; with keep, its numbers are counts named path.key. */
static bool object(struct parser *p, const char *path, bool keep)
{
    if (!lit(p, '{'))
        return fail(p, "an object expected");
    if (lit(p, '}'))
        return true;
    do {
        char key[VEXP_KEY], full[VEXP_KEY * 2];
        if (!string(p, key, sizeof key) || !lit(p, ':'))
            return fail(p, "a key expected");
        snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", key);
        if (!value(p, full, keep))
            return false;
    } while (lit(p, ','));
    return lit(p, '}') || fail(p, "'}' expected");
}

/* silent_sensitive_by_pc: [{"pc": N, "insn": "rdsr", "count": N}, ...] */
static bool silent_list(struct parser *p)
{
    char *t = p->r->silent_by_pc;
    size_t len = sizeof p->r->silent_by_pc, used = strlen(t);
    if (lit(p, ']'))
        return true;
    do {
        char pc[VEXP_VAL] = "", insn[VEXP_VAL] = "", count[VEXP_VAL] = "";
        if (!lit(p, '{'))
            return fail(p, "an object expected in silent_sensitive_by_pc");
        do {
            char key[VEXP_KEY];
            if (!string(p, key, sizeof key) || !lit(p, ':'))
                return fail(p, "a key expected");
            ws(p);
            bool ok = p->s < p->end && *p->s == '"' ? string(p, strcmp(key, "insn") == 0 ? insn : key, VEXP_VAL)
                                                     : number(p, strcmp(key, "pc") == 0 ? pc : strcmp(key, "count") == 0 ? count : key, VEXP_VAL);
            if (!ok)
                return false;
        } while (lit(p, ','));
        if (!lit(p, '}'))
            return fail(p, "'}' expected");
        unsigned long v = strtoul(pc, NULL, 10);
        int k = snprintf(t + used, len - used, "%s0x%08lx %s %s", used ? "; " : "", v, insn, count);
        if (k > 0 && (size_t)k < len - used)
            used += (size_t)k;
        else
            t[used] = 0; /* what does not fit is left out whole: the count says how many there were */
    } while (lit(p, ','));
    return lit(p, ']') || fail(p, "']' expected");
}

static bool value(struct parser *p, const char *path, bool keep)
{
    if (++p->depth > 32)
        return fail(p, "nested too deep");
    ws(p);
    bool ok;
    char buf[VEXP_VAL];
    if (p->s >= p->end)
        ok = fail(p, "a value expected");
    else if (*p->s == '{')
        ok = object(p, path, keep);
    else if (*p->s == '[') {
        p->s++;
        if (keep && strcmp(path, "silent_sensitive_by_pc") == 0)
            ok = silent_list(p);
        else {
            ok = true;
            if (!lit(p, ']')) {
                do
                    ok = value(p, path, false);
                while (ok && lit(p, ','));
                ok = ok && (lit(p, ']') || fail(p, "']' expected"));
            }
        }
    } else if (*p->s == '"') {
        char s[VEXP_TEXT];
        ok = string(p, s, sizeof s);
    } else if (*p->s == 't' || *p->s == 'f' || *p->s == 'n') {
        const char *w = *p->s == 't' ? "true" : *p->s == 'f' ? "false" : "null";
        ok = (size_t)(p->end - p->s) >= strlen(w) && strncmp(p->s, w, strlen(w)) == 0;
        if (ok)
            p->s += strlen(w);
        else
            fail(p, "a value expected");
    } else {
        ok = number(p, buf, sizeof buf);
        if (ok && keep)
            add(p, path, buf);
    }
    p->depth--;
    return ok;
}

bool vexp_stats_parse(const char *text, size_t len, struct vexp_result *r, char *why, size_t whylen)
{
    struct parser p = {.base = text, .s = text, .end = text + len, .r = r, .why = why, .whylen = whylen};
    r->ncounts = 0;
    r->silent_by_pc[0] = 0;
    bool seen_vm = false;
    if (!lit(&p, '{'))
        return fail(&p, "not a JSON object");
    if (!lit(&p, '}'))
        do {
            char key[VEXP_KEY];
            if (!string(&p, key, sizeof key) || !lit(&p, ':'))
                return fail(&p, "a key expected");
            if (strcmp(key, "vms") == 0) {
                if (!lit(&p, '['))
                    return fail(&p, "vms is not a list");
                if (!lit(&p, ']')) {
                    do {
                        if (!value(&p, "", !seen_vm))
                            return false;
                        seen_vm = true;
                    } while (lit(&p, ','));
                    if (!lit(&p, ']'))
                        return fail(&p, "']' expected");
                }
            } else if (!value(&p, key, false))
                return false;
        } while (lit(&p, ','));
    if (!lit(&p, '}'))
        return fail(&p, "'}' expected");
    if (!seen_vm) {
        snprintf(why, whylen, "no VM in the statistics");
        return false;
    }
    if (!vexp_count(r, "silent_sensitive"))
        add(&p, "silent_sensitive", "0");
    return true;
}

const char *vexp_count(const struct vexp_result *r, const char *key)
{
    for (int i = 0; i < r->ncounts; i++)
        if (strcmp(r->counts[i].key, key) == 0)
            return r->counts[i].val;
    return NULL;
}
