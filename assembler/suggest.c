/*
 * suggest.c - "did you mean": the candidate closest to a misspelt name, by
 * edit distance where swapping two neighbours counts as one edit and case
 * does not count (so ADD suggests add).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "asm_impl.h"

#define MAXLEN 64

static int lower(char c) { return tolower((unsigned char)c); }

static int distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n >= MAXLEN || m >= MAXLEN)
        return MAXLEN;
    int d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int cost = lower(a[i - 1]) != lower(b[j - 1]);
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]) &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

void suggest_init(struct suggest *s, const char *word) { *s = (struct suggest){.word = word, .dist = MAXLEN}; }

void suggest_try(struct suggest *s, const char *cand)
{
    if (strcmp(cand, s->word) == 0)
        return;
    size_t len = strlen(s->word);
    int limit = len <= 4 ? 1 : 2; /* beyond that it is a guess, not a typo */
    int d = distance(s->word, cand);
    if (d <= limit && (size_t)d < len && d < s->dist) {
        s->best = cand;
        s->dist = d;
    }
}

const char *suggest_text(const struct suggest *s, char *buf, size_t len)
{
    if (!s->best)
        return "";
    snprintf(buf, len, "; did you mean '%s'?", s->best);
    return buf;
}
