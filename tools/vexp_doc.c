/*
 * vexp_doc.c - a document from a template: prose with markers that the
 * matrix fills, so that no number in it is typed by hand.
 *
 *   <!-- vexp:matrix -->         (a line of its own) the matrix table
 *   <!-- vexp:exits -->          the exits, page faults and shadow tables
 *   <!-- vexp:remedies -->       translation and hypercall counts (bt, pv)
 *   <!-- vexp:paging -->         shadow against nested paging: exits, TLB misses, walk references
 *   <!-- vexp:plots -->          links to the plots
 *   <!-- vexp:include PATH -->   the file PATH (another tool's output), or
 *                                a note that it is not there
 *   <!-- vexp:include-code PATH -->  the same, in a code block
 *   {{CELL:FIELD}}               one value: CELL as vexp names it
 *                                (demo/x86like/trap-and-emulate/cache,
 *                                demo/pg/native/-), FIELD a column of
 *                                matrix.csv ("ratio", "div_pc",
 *                                "exits.EMULATED"...)
 *   {{runs}}                     the timed runs per side
 *   <!-- vexp:if CELL -->        the lines up to <!-- vexp:end --> only when
 *                                the matrix has CELL: prose about a
 *                                technique or workload that comes and goes
 *                                (a technique not merged yet)
 * A marker that names nothing, or a value the cell does not have, is an
 * error: the document is not written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "vexp.h"

static bool block(FILE *f, const char *line, const struct vexp_cell *cells, int n, const char *plotdir,
                  bool have_plots, char *why, size_t len)
{
    const char *p = line + strlen("<!-- vexp:");
    if (strncmp(p, "matrix -->", 10) == 0)
        vexp_write_matrix_table(f, cells, n);
    else if (strncmp(p, "exits -->", 9) == 0)
        vexp_write_exits_table(f, cells, n);
    else if (strncmp(p, "remedies -->", 12) == 0)
        vexp_write_remedies_table(f, cells, n);
    else if (strncmp(p, "paging -->", 10) == 0)
        vexp_write_paging_table(f, cells, n);
    else if (strncmp(p, "plots -->", 9) == 0) {
        if (!have_plots)
            fputs("*(No plots: gnuplot was not there when this was generated.)*\n", f);
        else
            fprintf(f,
                    "![CPU time under the VMM against native, per cell](%s/slowdown.svg)\n\n"
                    "![VM exits by reason, per cell](%s/exits.svg)\n\n"
                    "![TLB misses and page-walk references, per cell](%s/walks.svg)\n\n"
                    "(PNG: [slowdown](%s/slowdown.png), [exits](%s/exits.png), [walks](%s/walks.png).)\n",
                    plotdir, plotdir, plotdir, plotdir, plotdir, plotdir);
    } else if (strncmp(p, "include ", 8) == 0 || strncmp(p, "include-code ", 13) == 0) {
        bool code = p[7] == '-';
        p += code ? 13 : 8;
        const char *e = strstr(p, " -->");
        if (!e) {
            snprintf(why, len, "an include marker without its end ' -->'");
            return false;
        }
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)(e - p), p);
        uint8_t *t;
        size_t tl;
        char err[256];
        if (!file_read_max(path, 16u << 20, &t, &tl, err, sizeof err))
            fprintf(f, "*(Not generated: `%s` is missing - the tool that makes it is not in this tree yet.)*\n", path);
        else {
            fputs(code ? "```\n" : "", f);
            fwrite(t, 1, tl, f);
            if (tl && t[tl - 1] != '\n')
                fputc('\n', f);
            fputs(code ? "```\n" : "", f);
            free(t);
        }
    } else {
        snprintf(why, len, "no such marker (matrix, exits, remedies, paging, plots, include PATH, include-code PATH)");
        return false;
    }
    return true;
}

/* {{CELL:FIELD}} or {{runs}} at s (after "{{"), up to "}}". */
static bool value(FILE *f, const char *s, size_t n, const struct vexp_cell *cells, int ncells, int runs, char *why,
                  size_t len)
{
    char spec[256], name[256], buf[1024];
    snprintf(spec, sizeof spec, "%.*s", (int)n, s);
    if (strcmp(spec, "runs") == 0) {
        fprintf(f, "%d", runs);
        return true;
    }
    char *colon = strrchr(spec, ':');
    if (!colon) {
        snprintf(why, len, "{{%.200s}}: not {{CELL:FIELD}} or {{runs}}", spec);
        return false;
    }
    *colon = 0;
    for (int i = 0; i < ncells; i++) {
        vexp_cell_name(&cells[i], name, sizeof name);
        if (strcmp(name, spec) != 0)
            continue;
        if (!vexp_field(&cells[i], colon + 1, buf, sizeof buf)) {
            snprintf(why, len, "{{%.120s:%.60s}}: no field of that name", spec, colon + 1);
            return false;
        }
        if (!buf[0]) {
            snprintf(why, len, "{{%.120s:%.60s}}: that cell has no value for it", spec, colon + 1);
            return false;
        }
        fputs(buf, f);
        return true;
    }
    snprintf(why, len, "{{%.120s:%.60s}}: no cell in the matrix is named %.120s", spec, colon + 1, spec);
    return false;
}

bool vexp_doc(const char *tpath, const char *text, const struct vexp_cell *cells, int n, int runs,
              const char *plotdir, bool have_plots, char **out, size_t *outlen, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    if (!f) {
        snprintf(err, errlen, "vexp: out of memory");
        return false;
    }
    fprintf(f, "<!-- Generated by `make experiments` (tools/vexp) from %s: edit that file, not this one. -->\n",
            tpath);
    int lineno = 0, if_line = 0;
    char why[512] = "";
    int col = 0;
    bool skip = false;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        lineno++;
        if (strncmp(line, "<!-- vexp:if ", 13) == 0 || strncmp(line, "<!-- vexp:end -->", 17) == 0) {
            col = 1;
            if (line[10] == 'e') {
                if (!if_line) {
                    snprintf(why, sizeof why, "an end without its if");
                    break;
                }
                if_line = 0;
                skip = false;
            } else {
                char name[256], cell[256];
                const char *e = strstr(line + 13, " -->");
                if (if_line || !e || e > line + ll || e - (line + 13) >= (long)sizeof name) {
                    snprintf(why, sizeof why, if_line ? "an if inside an if" : "not <!-- vexp:if CELL -->");
                    break;
                }
                snprintf(name, sizeof name, "%.*s", (int)(e - (line + 13)), line + 13);
                if_line = lineno;
                skip = true;
                for (int i = 0; i < n && skip; i++) {
                    vexp_cell_name(&cells[i], cell, sizeof cell);
                    skip = strcmp(cell, name) != 0;
                }
            }
        } else if (skip) {
            /* left out, markers and all */
        } else if (strncmp(line, "<!-- vexp:", 10) == 0) {
            col = 1;
            char copy[4200];
            snprintf(copy, sizeof copy, "%.*s", (int)ll, line);
            if (!block(f, copy, cells, n, plotdir, have_plots, why, sizeof why))
                break;
        } else {
            const char *p = line, *end = line + ll;
            while (p < end) {
                const char *o = strstr(p, "{{");
                if (!o || o >= end) {
                    fwrite(p, 1, (size_t)(end - p), f);
                    break;
                }
                fwrite(p, 1, (size_t)(o - p), f);
                const char *c = strstr(o + 2, "}}");
                col = (int)(o - line) + 1;
                if (!c || c > end) {
                    snprintf(why, sizeof why, "'{{' without its '}}'");
                    break;
                }
                if (!value(f, o + 2, (size_t)(c - o - 2), cells, n, runs, why, sizeof why))
                    break;
                p = c + 2;
            }
            if (why[0])
                break;
            fputc('\n', f);
        }
        line = nl ? nl + 1 : line + ll;
    }
    if (!why[0] && if_line) {
        lineno = if_line;
        col = 1;
        snprintf(why, sizeof why, "an if without its <!-- vexp:end -->");
    }
    fclose(f);
    if (why[0]) {
        snprintf(err, errlen, "%s:%d:%d: error: %s", tpath, lineno, col, why);
        free(buf);
        return false;
    }
    *out = buf;
    *outlen = blen;
    return true;
}
