/*
 * json_strict.c - a strict JSON check for tests (json_strict.h), written
 * from RFC 8259 and RFC 3629 (UTF-8) alone.
 */
#include "json_strict.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct js {
    const unsigned char *s;
    size_t len, pos;
    int depth;
    char *why;
    size_t whylen;
};

static bool bad(struct js *j, const char *what)
{
    snprintf(j->why, j->whylen, "%s at byte %zu", what, j->pos);
    return false;
}

static int peek(const struct js *j) { return j->pos < j->len ? j->s[j->pos] : -1; }

static void ws(struct js *j)
{
    while (j->pos < j->len && strchr(" \t\r\n", j->s[j->pos]) && j->s[j->pos])
        j->pos++;
}

/* One UTF-8 sequence at pos (RFC 3629 section 4): its length, or 0. */
static size_t utf8_len(const struct js *j)
{
    const unsigned char *p = j->s + j->pos;
    size_t left = j->len - j->pos;
    unsigned c = p[0];
    size_t n;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static bool string(struct js *j)
{
    j->pos++; /* the opening quote */
    for (;;) {
        int c = peek(j);
        if (c < 0)
            return bad(j, "unterminated string");
        if (c == '"') {
            j->pos++;
            return true;
        }
        if (c < 0x20)
            return bad(j, "raw control character in a string");
        if (c == '\\') {
            j->pos++;
            c = peek(j);
            if (c == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (j->pos + (size_t)i >= j->len || !strchr("0123456789abcdefABCDEF", j->s[j->pos + (size_t)i]) ||
                        !j->s[j->pos + (size_t)i])
                        return bad(j, "bad \\u escape");
                j->pos += 5;
            } else if (c >= 0 && c && strchr("\"\\/bfnrt", c)) {
                j->pos++;
            } else {
                return bad(j, "bad escape");
            }
            continue;
        }
        size_t n = utf8_len(j);
        if (n == 0)
            return bad(j, "invalid UTF-8 in a string");
        j->pos += n;
    }
}

static bool digits(struct js *j)
{
    size_t start = j->pos;
    while (peek(j) >= '0' && peek(j) <= '9')
        j->pos++;
    return j->pos > start;
}

static bool number(struct js *j)
{
    if (peek(j) == '-')
        j->pos++;
    if (peek(j) == '0')
        j->pos++;
    else if (!digits(j))
        return bad(j, "bad number");
    if (peek(j) == '.') {
        j->pos++;
        if (!digits(j))
            return bad(j, "bad fraction");
    }
    if (peek(j) == 'e' || peek(j) == 'E') {
        j->pos++;
        if (peek(j) == '+' || peek(j) == '-')
            j->pos++;
        if (!digits(j))
            return bad(j, "bad exponent");
    }
    return true;
}

static bool value(struct js *j);

static bool members(struct js *j, bool object)
{
    int close = object ? '}' : ']';
    j->pos++;
    ws(j);
    if (peek(j) == close) {
        j->pos++;
        return true;
    }
    for (;;) {
        if (object) {
            if (peek(j) != '"')
                return bad(j, "expected a key");
            if (!string(j))
                return false;
            ws(j);
            if (peek(j) != ':')
                return bad(j, "expected ':'");
            j->pos++;
        }
        if (!value(j))
            return false;
        ws(j);
        if (peek(j) == close) {
            j->pos++;
            return true;
        }
        if (peek(j) != ',')
            return bad(j, "expected ',' or the end of the container");
        j->pos++;
        ws(j);
    }
}

static bool literal(struct js *j, const char *word)
{
    size_t n = strlen(word);
    if (j->len - j->pos < n || memcmp(j->s + j->pos, word, n) != 0)
        return bad(j, "unexpected character");
    j->pos += n;
    return true;
}

static bool value(struct js *j)
{
    ws(j);
    if (++j->depth > 200)
        return bad(j, "nested too deeply");
    bool ok;
    switch (peek(j)) {
    case '{': ok = members(j, true); break;
    case '[': ok = members(j, false); break;
    case '"': ok = string(j); break;
    case 't': ok = literal(j, "true"); break;
    case 'f': ok = literal(j, "false"); break;
    case 'n': ok = literal(j, "null"); break;
    default: ok = (peek(j) == '-' || (peek(j) >= '0' && peek(j) <= '9')) ? number(j) : bad(j, "expected a value");
    }
    j->depth--;
    return ok;
}

bool json_strict(const char *s, size_t len, char *why, size_t whylen)
{
    struct js j = {.s = (const unsigned char *)s, .len = len, .why = why, .whylen = whylen};
    if (!value(&j))
        return false;
    ws(&j);
    if (j.pos != len)
        return bad(&j, "more after the JSON text");
    return true;
}
