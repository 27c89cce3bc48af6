/*
 * complete.c - what a word being typed may complete to: a command's name
 * (from the command table), the second word of a two-word one ("info
 * registers"), or an operand - a register's name or a symbol.
 */
#include <ctype.h>
#include <string.h>

#include "monitor.h"

/* Each word at most once, in the order first offered. */
struct offer {
    char seen[64][64];
    int n;
    void (*fn)(void *ctx, const char *word);
    void *ctx;
};

static void offer(struct offer *o, const char *text, const char *word, size_t wlen)
{
    size_t tl = strlen(text);
    if (wlen < tl || strncmp(word, text, tl) != 0)
        return;
    char w[128];
    if (wlen >= sizeof w)
        return;
    memcpy(w, word, wlen);
    w[wlen] = '\0';
    /* commands come first and are few: those are the ones a repeat could be */
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->seen[i], w) == 0)
            return;
    if (o->n < (int)(sizeof o->seen / sizeof o->seen[0]) && wlen < sizeof o->seen[0])
        strcpy(o->seen[o->n++], w);
    o->fn(o->ctx, w);
}

/* The words of a command's names: word k (0 or 1) of each name whose
 * earlier word is first (when k is 1). */
static void offer_names(struct offer *o, int k, const char *first, size_t flen, const char *text)
{
    for (int i = 0; i < mon_ncommands; i++) {
        const struct mon_command *c = &mon_commands[i];
        for (int a = -1; a < 4 && (a < 0 || c->aliases[a]); a++) {
            const char *name = a < 0 ? c->name : c->aliases[a];
            const char *sp = strchr(name, ' ');
            if (k == 0)
                offer(o, text, name, sp ? (size_t)(sp - name) : strlen(name));
            else if (sp && (size_t)(sp - name) == flen && strncmp(name, first, flen) == 0)
                offer(o, text, sp + 1, strlen(sp + 1));
        }
    }
}

void monitor_complete(struct monitor *mon, const char *line, int start, const char *text,
                      void (*fn)(void *ctx, const char *word), void *ctx)
{
    struct offer o = {.fn = fn, .ctx = ctx};
    /* which word this is, and the first word before it */
    const char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    const char *first = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    size_t flen = (size_t)(p - first);
    if (first - line >= start) {
        offer_names(&o, 0, NULL, 0, text);
        return;
    }
    const char *q = p;
    while (isspace((unsigned char)*q))
        q++;
    if (q - line >= start) { /* the second word: of a two-word command ("info"), or an operand */
        for (int i = 0; i < mon_ncommands; i++)
            for (int a = -1; a < 4 && (a < 0 || mon_commands[i].aliases[a]); a++) {
                const char *name = a < 0 ? mon_commands[i].name : mon_commands[i].aliases[a];
                const char *sp = strchr(name, ' ');
                if (sp && (size_t)(sp - name) == flen && strncmp(name, first, flen) == 0) {
                    offer_names(&o, 1, first, flen, text);
                    return;
                }
            }
    }
    /* operands */
    for (unsigned r = 0; r < NREGS; r++) {
        offer(&o, text, isa_reg_abi_name(r), strlen(isa_reg_abi_name(r)));
        offer(&o, text, isa_reg_name(r), strlen(isa_reg_name(r)));
    }
    offer(&o, text, "pc", 2);
    const struct elf_image *syms = mon_syms(mon);
    for (size_t i = 0; syms && i < syms->nsyms; i++)
        offer(&o, text, syms->syms[i].name, strlen(syms->syms[i].name));
}
