/*
 * listing.c - reading the tools' output for `make bench-peers`: the hash a
 * run printed, and the loop's instructions per iteration from vmlab's
 * disassembler, objdump's listing or SPIM's trace (peers.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "peers.h"

/* The next line of *text into line (cut to size, its \r\n dropped); false
 * at the end. */
static bool next_line(const char **text, char *line, size_t size)
{
    const char *s = *text;
    if (!*s)
        return false;
    size_t n = strcspn(s, "\n");
    *text = s[n] ? s + n + 1 : s + n;
    while (n > 0 && s[n - 1] == '\r')
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(line, s, n);
    line[n] = '\0';
    return true;
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

bool peers_hash(const char *out, uint32_t *hash)
{
    char line[256];
    while (next_line(&out, line, sizeof line)) {
        if (strncmp(line, "fnv 0x", 6) != 0)
            continue;
        uint32_t h = 0;
        int i = 0;
        for (; i < 8 && isxdigit((unsigned char)line[6 + i]); i++) {
            int c = tolower((unsigned char)line[6 + i]);
            h = h << 4 | (uint32_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
        }
        if (i == 8 && line[14] == '\0') {
            *hash = h;
            return true;
        }
    }
    return false;
}

bool peers_verdict(const char *out, uint32_t want, char *msg, size_t size)
{
    uint32_t got;
    if (!peers_hash(out, &got)) {
        snprintf(msg, size, "printed no \"fnv 0x%%08x\" line");
        return false;
    }
    if (got != want) {
        snprintf(msg, size, "computed 0x%08x where native C computes 0x%08x", got, want);
        return false;
    }
    snprintf(msg, size, "0x%08x", got);
    return true;
}

/* Where a listing line's mnemonic starts, or NULL if the line is not an
 * instruction.  vdis: indented, not a comment ("        andi    s1, ..."). */
static const char *vdis_insn(const char *line)
{
    const char *s = skip_space(line);
    return s != line && *s && *s != '#' ? s : NULL;
}

/* objdump: "   100d8:\t3ff2f493          \tandi\ts1,t0,1023". */
static const char *objdump_insn(const char *line)
{
    const char *s = skip_space(line);
    const char *h = s;
    while (isxdigit((unsigned char)*s))
        s++;
    if (s == h || s[0] != ':' || s[1] != '\t')
        return NULL;
    const char *m = strchr(s + 2, '\t'); /* after the encoding */
    return m ? skip_space(m + 1) : NULL;
}

/* SPIM: "[0x00400078]\t0x310b03ff  andi $11, $8, 1023  ; 25: ...". */
static const char *spim_insn(const char *line)
{
    if (strncmp(line, "[0x", 3) != 0)
        return NULL;
    const char *s = strchr(line, '\t');
    if (!s)
        return NULL;
    s = skip_space(s + 1);
    while (*s && *s != ' ' && *s != '\t') /* the encoding */
        s++;
    return skip_space(s);
}

/* The mnemonic at m appended to ops, space-separated. */
static void add_op(char *ops, size_t size, const char *m)
{
    if (!ops)
        return;
    size_t len = strlen(ops), n = strcspn(m, " \t");
    if (len + 1 + n + 1 > size)
        return;
    if (len)
        ops[len++] = ' ';
    memcpy(ops + len, m, n);
    ops[len + n] = '\0';
}

/* From the line that is start to the one that is end, the instructions;
 * the last must name fnv_loop (the branch back). */
static int between_labels(const char *text, const char *start, const char *end, const char *(*insn)(const char *),
                          const char *back, char *ops, size_t ops_size, char *msg, size_t size)
{
    char line[512], last[512] = "";
    bool in = false;
    int n = 0;
    while (next_line(&text, line, sizeof line)) {
        if (!in) {
            in = strstr(line, start) != NULL;
            continue;
        }
        if (strstr(line, end)) {
            if (n == 0 || !strstr(last, back)) {
                snprintf(msg, size, "the loop does not end in a branch back to fnv_loop (last: \"%s\")", last);
                return -1;
            }
            return n;
        }
        const char *m = insn(line);
        if (m) {
            n++;
            add_op(ops, ops_size, m);
            snprintf(last, sizeof last, "%s", line);
        }
    }
    snprintf(msg, size, in ? "no fnv_end after fnv_loop" : "no fnv_loop label");
    return -1;
}

/* SPIM's step trace: "[0x00400078]\t0x310b03ff  andi $11, $8, 1023 ; 25: ...";
 * a branch back names its target: "bne $8, $0, -36 [fnv_loop-0x0040009c]". */
static int spim_trace(const char *text, char *ops, size_t ops_size, char *msg, size_t size)
{
    char line[512];
    int n = 0, passes = 0;
    while (next_line(&text, line, sizeof line)) {
        const char *m = spim_insn(line);
        if (!m)
            continue;
        if (passes == 1) {
            n++;
            add_op(ops, ops_size, m);
        }
        if (strstr(line, "[fnv_loop") && ++passes == 2)
            return n;
    }
    snprintf(msg, size, "the trace passes the branch back to fnv_loop %d time%s, not twice", passes,
             passes == 1 ? "" : "s");
    return -1;
}

int peers_loop_insns(const char *text, enum peers_listing kind, char *ops, size_t ops_size, char *msg, size_t size)
{
    if (ops && ops_size)
        ops[0] = '\0';
    switch (kind) {
    case PEERS_VDIS:
        return between_labels(text, "fnv_loop:", "fnv_end:", vdis_insn, "fnv_loop", ops, ops_size, msg, size);
    case PEERS_OBJDUMP:
        return between_labels(text, "<fnv_loop>:", "<fnv_end>:", objdump_insn, "<fnv_loop>", ops, ops_size, msg,
                              size);
    case PEERS_SPIM:
        return spim_trace(text, ops, ops_size, msg, size);
    }
    snprintf(msg, size, "no such listing");
    return -1;
}
