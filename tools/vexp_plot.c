/*
 * vexp_plot.c - the plots, drawn by gnuplot (Debian's gnuplot-nox) from
 * data files and a script written to a scratch directory: the slowdown of
 * each VMM cell (median, with the spread as an error bar), its exits by
 * reason, and every cell's TLB misses and page-walk references (native,
 * shadow and nested paging side by side); each as PNG and SVG.  The files are read back, so
 * that they join the run's other outputs, all or nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "vexp.h"

static const char *const outputs[VEXP_NPLOTS] = {"slowdown.png", "slowdown.svg", "exits.png",
                                                 "exits.svg",    "walks.png",    "walks.svg"};

static const char *const scratch[] = {"slowdown.dat", "exits.dat", "walks.dat", "plots.gp", "gnuplot.err", NULL};

/* gnuplot's label for a cell: no spaces, no quotes. */
static void label(const struct vexp_cell *c, char *buf, size_t len)
{
    vexp_cell_name(c, buf, len);
    for (char *s = buf; *s; s++)
        if (*s == ' ' || *s == '"' || *s == '\'')
            *s = '_';
}

/* A cell's TLB misses and walk references, if it counted them (the bare
 * machine's --stats-json says page_walks). */
static bool walk_counts(const struct vexp_cell *c, const char **walks, const char **refs)
{
    *walks = vexp_count(&c->r, "walks");
    if (!*walks)
        *walks = vexp_count(&c->r, "page_walks");
    *refs = vexp_count(&c->r, "walk_refs");
    return c->r.status == CELL_OK && *walks && *refs;
}

static bool write_walks(const char *dir, const struct vexp_cell *cells, int n)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/walks.dat", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("cell TLB_misses walk_references\n", f);
    int rows = 0;
    for (int i = 0; i < n; i++) {
        const char *w, *r;
        if (!walk_counts(&cells[i], &w, &r))
            continue;
        char l[256];
        label(&cells[i], l, sizeof l);
        fprintf(f, "%s %s %s\n", l, w, r);
        rows++;
    }
    if (!rows) /* gnuplot needs a row, and a log scale no zero, to draw an empty page */
        fputs("none 1 1\n", f);
    return fclose(f) == 0;
}


static bool write_data(const char *dir, const struct vexp_cell *cells, int n, int *nreasons, char *why, size_t len)
{
    char path[4400];
    const char *keys[VEXP_MAX_COUNTS * 4], *reasons[VEXP_MAX_COUNTS * 4];
    int nk = vexp_columns(cells, n, keys, (int)(sizeof keys / sizeof *keys));
    *nreasons = 0;
    /* the reasons some VMM cell has: a column of zeros is only noise */
    for (int k = 0; k < nk; k++) {
        bool some = false;
        for (int i = 0; i < n && strncmp(keys[k], "exits.", 6) == 0; i++) {
            const char *v = vexp_native(&cells[i]) ? NULL : vexp_count(&cells[i].r, keys[k]);
            some |= v && strtod(v, NULL) > 0;
        }
        if (some)
            reasons[(*nreasons)++] = keys[k];
    }
    snprintf(path, sizeof path, "%s/slowdown.dat", dir);
    FILE *s = fopen(path, "w");
    snprintf(path, sizeof path, "%s/exits.dat", dir);
    FILE *e = fopen(path, "w");
    if (!s || !e) {
        snprintf(why, len, "cannot write gnuplot's data: %s", strerror(errno));
        if (s)
            fclose(s);
        if (e)
            fclose(e);
        return false;
    }
    fputs("cell", e);
    for (int k = 0; k < *nreasons; k++)
        fprintf(e, " %s", reasons[k] + 6);
    fputc('\n', e);
    int rows = 0;
    for (int i = 0; i < n; i++) {
        const struct vexp_cell *c = &cells[i];
        if (vexp_native(c) || c->r.status != CELL_OK)
            continue;
        char l[256];
        label(c, l, sizeof l);
        fprintf(s, "%s %.4f %.4f %.4f\n", l, c->r.ratio, c->r.ratio_min, c->r.ratio_max);
        fputs(l, e);
        for (int k = 0; k < *nreasons; k++) {
            const char *v = vexp_count(&c->r, reasons[k]);
            fprintf(e, " %s", v ? v : "0");
        }
        fputc('\n', e);
        rows++;
    }
    bool closed_s = fclose(s) == 0, closed_e = fclose(e) == 0; /* both, whatever the first gives */
    bool ok = closed_s && closed_e && write_walks(dir, cells, n);
    if (!ok)
        snprintf(why, len, "cannot write gnuplot's data");
    else if (!rows)
        snprintf(why, len, "no VMM cell ran");
    return ok && rows;
}

static bool write_script(const char *dir, int nreasons)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/plots.gp", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    static const char *const term[2][2] = {{"pngcairo noenhanced size 1400,900 font 'sans,10'", "png"},
                                           {"svg noenhanced size 1400,900 font 'sans,10'", "svg"}};
    fputs("set datafile separator whitespace\n"
          "set style fill solid 0.8 border -1\n"
          "set xtics rotate by -70 nomirror font ',9'\n"
          "set grid ytics\n"
          "set key outside right top noenhanced\n"
          "set bmargin 22\n",
          f);
    for (int t = 0; t < 2; t++) {
        fprintf(f, "set terminal %s\nset output 'slowdown.%s'\n", term[t][0], term[t][1]);
        /* a log scale: trap-and-emulate's 1.1x and the hybrid's 20x on one
         * page, and a cell that stopped early below the dashed line at 1 */
        fputs("set title 'CPU time under the VMM / native (median; bar: spread of the runs; log scale)'\n"
              "set ylabel 'slowdown (x native)'\n"
              "set yrange [0.05:*]\n"
              "set logscale y\n"
              "set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#aa3333'\n"
              "set style data histograms\n"
              "set style histogram errorbars gap 1 lw 1\n"
              "plot 'slowdown.dat' using 2:3:4:xtic(1) notitle lc rgb '#4477aa'\n"
              "unset arrow 1\n",
              f);
        fprintf(f, "set terminal %s\nset output 'exits.%s'\n", term[t][0], term[t][1]);
        /* clustered on a log scale: the system-call loop's millions and
         * the demo's hundreds on one page */
        fputs("set title 'VM exits by reason (log scale)'\n"
              "set ylabel 'exits'\n"
              "set yrange [1:*]\n"
              "set logscale y\n"
              "set style histogram clustered gap 1\n",
              f);
        fprintf(f, "plot for [i=2:%d] 'exits.dat' using i:xtic(1) title columnheader(i)\n", nreasons + 1);
        fprintf(f, "set terminal %s\nset output 'walks.%s'\n", term[t][0], term[t][1]);
        /* misses beside references: their ratio is the walk's length, 2
         * for a native or shadow walk, up to 8 for a nested one */
        fputs("set title 'TLB misses and page-walk references (log scale)'\n"
              "set ylabel 'count'\n"
              "plot for [i=2:3] 'walks.dat' using i:xtic(1) title columnheader(i)\n"
              "unset logscale y\n",
              f);
    }
    return fclose(f) == 0;
}

int vexp_plots(const char *tmp, const struct vexp_cell *cells, int n, struct vexp_plot *plots, char *why,
               size_t whylen)
{
    char dir[4200], path[4400];
    int nreasons, got = 0;
    snprintf(dir, sizeof dir, "%s/plots", tmp);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(why, whylen, "cannot make a scratch directory: %s", strerror(errno));
        return 0;
    }
    if (!write_data(dir, cells, n, &nreasons, why, whylen) || !write_script(dir, nreasons)) {
        if (!why[0])
            snprintf(why, whylen, "cannot write gnuplot's script");
        goto clean;
    }
    snprintf(path, sizeof path, "%s/gnuplot.err", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int e = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (e < 0 || in < 0 || dup2(e, 2) < 0 || dup2(e, 1) < 0 || dup2(in, 0) < 0 || chdir(dir) != 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", "plots.gp", (char *)NULL);
        _exit(127);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid) {
        snprintf(why, whylen, "cannot run gnuplot");
        goto clean;
    }
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127) {
        snprintf(why, whylen, "gnuplot is not installed (Debian: apt-get install gnuplot-nox)");
        goto clean;
    }
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        uint8_t *t = NULL;
        size_t tl = 0;
        char err[128], line[160] = "";
        if (file_read_max(path, 4096, &t, &tl, err, sizeof err)) {
            size_t k = 0;
            while (k < tl && t[k] == '\n')
                k++;
            size_t e = k;
            while (e < tl && t[e] != '\n')
                e++;
            vexp_escape((const char *)t + k, e - k, line, sizeof line);
        }
        free(t);
        snprintf(why, whylen, "gnuplot failed: %s", line);
        goto clean;
    }
    for (int i = 0; i < VEXP_NPLOTS; i++) {
        uint8_t *data;
        size_t len;
        char err[128];
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i]);
        if (!file_read_max(path, 64u << 20, &data, &len, err, sizeof err)) {
            snprintf(why, whylen, "gnuplot made no %s", outputs[i]);
            for (int j = 0; j < got; j++)
                free(plots[j].data);
            got = 0;
            goto clean;
        }
        plots[got++] = (struct vexp_plot){.name = outputs[i], .data = (char *)data, .len = len};
    }
clean:;
    for (int i = 0; scratch[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, scratch[i]);
        unlink(path);
    }
    for (int i = 0; i < VEXP_NPLOTS; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i]);
        unlink(path);
    }
    rmdir(dir);
    return got;
}
