/*
 * lexer.c - one source line into tokens.
 *
 * Numbers: 123, 0x7f, 0b101, 0o17.  A leading zero followed by more digits
 * is refused rather than read as octal (C's 010 == 8 surprises everyone).
 * 1b and 1f refer to local labels; 0b followed by a binary digit is a
 * binary number.  Character literals are numbers.  A comment starts at #
 * or ; outside a string and runs to the end of the line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_impl.h"

static bool is_ident_start(int c) { return isalpha(c) || c == '_' || c == '.' || c == '$'; }
static bool is_ident_char(int c) { return isalnum(c) || c == '_' || c == '.' || c == '$'; }

struct loc tok_loc(const struct tokens *t, size_t i)
{
    const struct token *k = &t->v[i];
    return (struct loc){.file = t->file, .line = t->line, .col = k->col, .len = k->len ? k->len : 1};
}

/* From the start of token b to the end of token e-1. */
struct loc tok_span(const struct tokens *t, size_t b, size_t e)
{
    if (e <= b)
        return tok_loc(t, b);
    struct loc l = tok_loc(t, b);
    const struct token *last = &t->v[e - 1];
    l.len = last->col + last->len - l.col;
    return l;
}

bool tok_is(const struct tokens *t, size_t i, enum punct p)
{
    return i < t->n && t->v[i].kind == T_PUNCT && t->v[i].p == p;
}

void tokens_free(struct tokens *t)
{
    free(t->v);
    buf_free(&t->strs);
    *t = (struct tokens){0};
}

struct lexer {
    struct as *as;
    struct tokens *t;
    const char *s;
    size_t len, pos;
    bool ok;
};

static struct loc at(struct lexer *lx, size_t col, size_t len)
{
    return (struct loc){.file = lx->t->file, .line = lx->t->line, .col = (uint32_t)col, .len = (uint32_t)len};
}

static void fail(struct lexer *lx, size_t col, size_t len, const char *fmt, const char *arg)
{
    as_error(lx->as, at(lx, col, len), fmt, arg);
    lx->ok = false;
}

static struct token *push(struct lexer *lx, enum tok kind, size_t col, size_t len)
{
    struct tokens *t = lx->t;
    if (!vec_grow(&t->v, &t->cap, t->n + 1, sizeof *t->v)) {
        as_oom(lx->as);
        lx->ok = false;
        return NULL;
    }
    struct token *k = &t->v[t->n++];
    *k = (struct token){.kind = kind, .col = (uint32_t)col, .len = (uint32_t)len};
    return k;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One character of a string or character literal at lx->pos (not the
 * closing quote); -1 after reporting a bad escape. */
static int lex_char(struct lexer *lx)
{
    const char *s = lx->s;
    size_t start = lx->pos;
    if (s[lx->pos] != '\\')
        return (unsigned char)s[lx->pos++];
    lx->pos++;
    if (lx->pos >= lx->len) {
        fail(lx, start, 1, "a backslash at the end of the line escapes nothing%s", "");
        return -1;
    }
    char c = s[lx->pos++];
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'e': return 0x1b;
    case '\\': return '\\';
    case '\'': return '\'';
    case '"': return '"';
    case 'x': {
        int v = 0, n = 0;
        while (n < 2 && lx->pos < lx->len && hexval(s[lx->pos]) >= 0)
            v = v * 16 + hexval(s[lx->pos++]), n++;
        if (n == 0) {
            fail(lx, start, 2, "'\\x' needs one or two hex digits after it%s", "");
            return -1;
        }
        return v;
    }
    default:
        if (c >= '0' && c <= '7') {
            int v = c - '0', n = 1;
            while (n < 3 && lx->pos < lx->len && s[lx->pos] >= '0' && s[lx->pos] <= '7')
                v = v * 8 + (s[lx->pos++] - '0'), n++;
            if (v > 255) {
                fail(lx, start, lx->pos - start, "octal escape is larger than a byte (\\377)%s", "");
                return -1;
            }
            return v;
        }
        {
            char esc[3] = {'\\', c, '\0'};
            fail(lx, start, 2, "unknown escape sequence '%s'", esc);
        }
        return -1;
    }
}

static void lex_string(struct lexer *lx)
{
    size_t start = lx->pos++;
    struct tokens *t = lx->t;
    size_t off = t->strs.len;
    bool good = true;
    while (lx->pos < lx->len && lx->s[lx->pos] != '"') {
        int c = lex_char(lx);
        if (c < 0) {
            good = false;
            /* Go on to the closing quote, so that one bad escape is one error. */
            continue;
        }
        uint8_t b = (uint8_t)c;
        buf_put(&t->strs, &b, 1);
    }
    if (lx->pos >= lx->len) {
        fail(lx, start, 1, "unterminated string: it needs a closing '\"' on this line%s", "");
        return;
    }
    lx->pos++;
    size_t slen = t->strs.len - off;
    buf_putc(&t->strs, '\0');
    if (!good)
        return;
    struct token *k = push(lx, T_STR, start, lx->pos - start);
    if (k)
        k->str = off, k->slen = slen;
}

static void lex_charlit(struct lexer *lx)
{
    size_t start = lx->pos++;
    if (lx->pos < lx->len && lx->s[lx->pos] == '\'') {
        fail(lx, start, 2, "empty character literal%s", "");
        lx->pos++;
        return;
    }
    if (lx->pos >= lx->len) {
        fail(lx, start, 1, "unterminated character literal: it needs a closing \"'\"%s", "");
        return;
    }
    int c = lex_char(lx);
    if (lx->pos >= lx->len || lx->s[lx->pos] != '\'') {
        /* 'ab' or a missing quote: find out which, for the message. */
        size_t q = lx->pos;
        while (q < lx->len && lx->s[q] != '\'')
            q++;
        if (q < lx->len) {
            fail(lx, start, q + 1 - start, "a character literal holds one character; use a string for more%s", "");
            lx->pos = q + 1;
        } else {
            fail(lx, start, 1, "unterminated character literal: it needs a closing \"'\"%s", "");
            lx->pos = lx->len;
        }
        return;
    }
    lx->pos++;
    if (c < 0)
        return;
    struct token *k = push(lx, T_NUM, start, lx->pos - start);
    if (k)
        k->num = c;
}

static void lex_number(struct lexer *lx)
{
    const char *s = lx->s;
    size_t start = lx->pos, p = lx->pos;
    int base = 10;
    bool plain = false;
    if (s[p] == '0' && p + 1 < lx->len && (s[p + 1] == 'x' || s[p + 1] == 'X'))
        base = 16, p += 2;
    else if (s[p] == '0' && p + 2 < lx->len && (s[p + 1] == 'b' || s[p + 1] == 'B') &&
             (s[p + 2] == '0' || s[p + 2] == '1'))
        base = 2, p += 2;
    else if (s[p] == '0' && p + 1 < lx->len && (s[p + 1] == 'o' || s[p + 1] == 'O'))
        base = 8, p += 2;
    else
        plain = true;

    size_t digits = p;
    uint64_t v = 0;
    bool big = false;
    for (; p < lx->len; p++) {
        int d = hexval(s[p]);
        if (d < 0 || d >= base)
            break;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            big = true;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    size_t end = p;
    while (end < lx->len && is_ident_char((unsigned char)s[end]))
        end++;
    lx->pos = end;

    if (plain && end == p + 1 && (s[p] == 'b' || s[p] == 'f')) {
        struct token *k = push(lx, T_LOCAL, start, end - start);
        if (k)
            k->num = (int64_t)v, k->forward = s[p] == 'f';
        if (big || v > UINT32_MAX)
            fail(lx, start, end - start, "local label number is too large%s", "");
        return;
    }
    if (p == digits) {
        fail(lx, start, end - start, "'%.2s' needs digits after it", s + start);
        return;
    }
    if (end != p) {
        char bad[2] = {s[p], '\0'};
        fail(lx, p, 1, "invalid digit '%s' in number", bad);
        return;
    }
    if (plain && s[start] == '0' && p - start > 1) {
        fail(lx, start, p - start, "a decimal number cannot start with 0 (octal is written 0o17)%s", "");
        return;
    }
    if (big || v > INT64_MAX) {
        fail(lx, start, end - start, "number is too large%s", "");
        return;
    }
    struct token *k = push(lx, T_NUM, start, end - start);
    if (k)
        k->num = (int64_t)v, k->plain_decimal = plain;
}

static bool lex_punct(struct lexer *lx)
{
    static const struct {
        const char *s;
        enum punct p;
    } ops[] = {
        {"<<", P_SHL}, {">>", P_SHR}, {"&&", P_ANDAND}, {"||", P_OROR}, {"==", P_EQ}, {"!=", P_NE},
        {"<=", P_LE},  {">=", P_GE},  {"(", P_LPAREN},  {")", P_RPAREN}, {",", P_COMMA}, {":", P_COLON},
        {"+", P_PLUS}, {"-", P_MINUS}, {"*", P_STAR},   {"/", P_SLASH},  {"%", P_PERCENT}, {"&", P_AMP},
        {"|", P_PIPE}, {"^", P_CARET}, {"~", P_TILDE},  {"!", P_BANG},   {"<", P_LT},     {">", P_GT},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].s);
        if (lx->pos + n <= lx->len && memcmp(lx->s + lx->pos, ops[i].s, n) == 0) {
            struct token *k = push(lx, T_PUNCT, lx->pos, n);
            if (k)
                k->p = ops[i].p;
            lx->pos += n;
            return true;
        }
    }
    return false;
}

bool lex_line(struct as *as, struct tokens *t, int file, uint32_t line, const char *text, size_t len,
              size_t from)
{
    t->n = 0;
    t->strs.len = 0;
    t->text = text;
    t->file = file;
    t->line = line;
    buf_putc(&t->strs, '\0'); /* offset 0 is the empty string */
    struct lexer lx = {.as = as, .t = t, .s = text, .len = len, .pos = from, .ok = true};

    while (lx.pos < len && lx.ok) {
        unsigned char c = (unsigned char)text[lx.pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx.pos++;
        } else if (c == '#' || c == ';') {
            break;
        } else if (is_ident_start(c)) {
            size_t start = lx.pos;
            while (lx.pos < len && is_ident_char((unsigned char)text[lx.pos]))
                lx.pos++;
            size_t n = lx.pos - start;
            if (n > AS_MAX_NAME) {
                fail(&lx, start, n, "name is longer than 255 characters%s", "");
                break;
            }
            size_t off = t->strs.len;
            buf_put(&t->strs, text + start, n);
            buf_putc(&t->strs, '\0');
            struct token *k = push(&lx, T_IDENT, start, n);
            if (k)
                k->str = off, k->slen = n;
        } else if (isdigit(c)) {
            lex_number(&lx);
        } else if (c == '"') {
            lex_string(&lx);
        } else if (c == '\'') {
            lex_charlit(&lx);
        } else if (!lex_punct(&lx)) {
            char shown[8];
            if (c >= 0x20 && c < 0x7f)
                shown[0] = (char)c, shown[1] = '\0';
            else
                snprintf(shown, sizeof shown, "\\x%02x", c);
            fail(&lx, lx.pos, 1, "unexpected character '%s'", shown);
        }
    }
    if (t->strs.oom)
        as_oom(as), lx.ok = false;
    if (push(&lx, T_END, lx.pos < len ? lx.pos : len, 0) == NULL)
        return false;
    t->n--; /* T_END stays in v[n] as a sentinel, not counted */
    return lx.ok;
}
