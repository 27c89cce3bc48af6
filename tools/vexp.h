/*
 * vexp.h - the experiment runner's pieces: a matrix of cells (workload x
 * ISA x technique x MMU and shadow policy), what one cell measured, and the files
 * made from them (tools/vexp*.c; docs/experiments.md says what it is for).
 *
 *   vexp.c        the command line, the matrix file, cells run in parallel
 *   vexp_cell.c   one cell: vrun runs, lockstep, consoles, CPU times
 *   vexp_stats.c  the counts of one --stats-json file, flattened
 *   vexp_write.c  matrix.csv, matrix.json, matrix.md
 *   vexp_plot.c   the plots, with gnuplot
 *   vexp_doc.c    a document from a template with markers
 */
#ifndef VMLAB_TOOLS_VEXP_H
#define VMLAB_TOOLS_VEXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VEXP_MAX_COUNTS 128
#define VEXP_KEY 48
#define VEXP_VAL 32
#define VEXP_TEXT 192

struct vexp_workload {
    char *name;
    char *boot; /* NULL: no --boot (the kernel's default demo) */
};

/* One count of --stats-json: the VM object's numeric leaves, the keys of
 * nested objects joined with '.' ("exits.EMULATED"), the value as the
 * file spelled it, so that nothing is lost or rounded on the way. */
struct vexp_count {
    char key[VEXP_KEY];
    char val[VEXP_VAL];
};

enum vexp_status { CELL_OK, CELL_CRASHED };
enum vexp_lockstep { LS_NONE, LS_AGREE, LS_DIFFER, LS_ERROR };

/* What a cell measured.  Plain data: a cell's child process writes it
 * whole into a pipe to the parent. */
struct vexp_result {
    enum vexp_status status;
    char message[VEXP_TEXT]; /* why it crashed */
    /* vrun --lockstep (VMM cells only) */
    enum vexp_lockstep lockstep;
    uint64_t div_instret;
    bool div_has_insn;
    uint32_t div_pc;
    char div_symbol[64], div_mode[16], div_insn[64], div_what[VEXP_TEXT];
    /* the consoles of the native run and the cell's (first timed run) */
    bool console_compared, console_equal;
    long console_offset;
    char console_native[48], console_cell[48]; /* excerpts, escaped */
    int exit_native, exit_cell;                /* vrun's exit statuses */
    /* CPU time (user + sys) of the vrun children, seconds: medians */
    double t_native, t_cell, ratio, ratio_min, ratio_max;
    /* --stats-json */
    int ncounts;
    struct vexp_count counts[VEXP_MAX_COUNTS];
    char silent_by_pc[VEXP_TEXT]; /* "0x00002df0 rdsr 3; ..." */
};

struct vexp_cell {
    const struct vexp_workload *w;
    const char *isa, *technique;
    const char *mmu;    /* NULL for native */
    const char *shadow; /* shadow paging's policy; NULL for native and another MMU */
    struct vexp_result r;
};

/* A kernel build a technique runs instead of the default image (the
 * paravirtual kernel for pv): its cells compare with the default image's
 * native run, by console, and have no lockstep (the bare machine runs
 * another program). */
#define VEXP_MAX_IMAGES 8
struct vexp_image {
    const char *technique, *path;
};

/* What every cell needs to run. */
struct vexp_env {
    const char *vrun, *image, *tmp;
    int nimages;
    struct vexp_image images[VEXP_MAX_IMAGES];
    int runs;
    unsigned timeout; /* seconds per vrun run */
    int parent;       /* vexp's pid: a cell whose parent is gone stops */
};

static inline bool vexp_native(const struct vexp_cell *c) { return c->mmu == NULL; }
/* The image cell c runs under its technique (the native side always runs env->image). */
const char *vexp_cell_image(const struct vexp_env *env, const struct vexp_cell *c);

/* vexp_cell.c: run cell c (number idx, for its scratch files) and fill c->r. */
void vexp_cell_run(const struct vexp_env *env, struct vexp_cell *c, int idx);

/* vexp_stats.c: the counts of the first VM of a --stats-json text, into
 * r->counts and r->silent_by_pc; false and why if it is not one. */
bool vexp_stats_parse(const char *text, size_t len, struct vexp_result *r, char *why, size_t whylen);
/* The value of count key, or NULL. */
const char *vexp_count(const struct vexp_result *r, const char *key);

/* vexp_write.c: the cell's name "demo/pg/trap-and-emulate/cache" (native:
 * "demo/pg/native/-"). */
void vexp_cell_name(const struct vexp_cell *c, char *buf, size_t len);
/* The keys of every count any cell has, in the order they first appear,
 * cells in matrix order: the columns. */
int vexp_columns(const struct vexp_cell *cells, int n, const char **keys, int max);
/* One of the cell's fields by name (the CSV header's names, or a count's
 * key), as the CSV writes it; false if there is no such field. */
bool vexp_field(const struct vexp_cell *c, const char *name, char *buf, size_t len);
void vexp_write_csv(FILE *f, const struct vexp_cell *cells, int n);
void vexp_write_json(FILE *f, const struct vexp_cell *cells, int n, int runs);
/* The two tables of matrix.md: the matrix, and exits and faults. */
void vexp_write_matrix_table(FILE *f, const struct vexp_cell *cells, int n);
void vexp_write_exits_table(FILE *f, const struct vexp_cell *cells, int n);
/* The counts of binary translation and paravirtualization, for the cells
 * that have some. */
void vexp_write_remedies_table(FILE *f, const struct vexp_cell *cells, int n);
/* Shadow against nested paging: the native, trap-and-emulate and hw cells
 * (cached shadows or nested paging) with their exits, TLB misses and
 * page-walk references. */
void vexp_write_paging_table(FILE *f, const struct vexp_cell *cells, int n);

/* vexp_plot.c: the plots' files, made by gnuplot in the scratch directory
 * tmp: each name (e.g. "slowdown.svg") with its contents, malloc'd.
 * Returns how many (0 with a one-line reason in why when gnuplot is not
 * there or fails). */
#define VEXP_NPLOTS 6
struct vexp_plot {
    const char *name;
    char *data;
    size_t len;
};
int vexp_plots(const char *tmp, const struct vexp_cell *cells, int n, struct vexp_plot *plots, char *why,
               size_t whylen);

/* vexp_doc.c: template text with markers filled (docs/experiments.in.md
 * lists them), into *out (malloc'd); false and a message
 * "TEMPLATE:LINE: error: ..." if a marker is wrong.  plotdir is where the
 * document finds the plots (a path relative to it); have_plots whether
 * there are any. */
bool vexp_doc(const char *tpath, const char *text, const struct vexp_cell *cells, int n, int runs,
              const char *plotdir, bool have_plots, char **out, size_t *outlen, char *err, size_t errlen);

/* vexp_write.c: s escaped for a Markdown table cell or a CSV/JSON-free
 * excerpt: control bytes and non-ASCII as \xNN, '|' as \|. */
void vexp_escape(const char *s, size_t n, char *buf, size_t len);

#endif
