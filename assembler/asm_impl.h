/*
 * asm_impl.h - the inside of an assembly run, shared by the files of
 * assembler/.  Everything a run knows lives in one struct as; nothing is
 * global, so runs are independent and a test may make as many as it likes.
 *
 * Two passes over the same statements.  Pass 1 decides the size of every
 * statement and the place of every label; pass 2 computes every value and
 * emits the bytes.  A size may only depend on what pass 1 already knew when
 * it reached the statement, and pass 2 reuses pass 1's choices (struct
 * stmt), so the layout cannot change between the passes.
 */
#ifndef VMLAB_ASM_IMPL_H
#define VMLAB_ASM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "asm.h"
#include "buf.h"
#include "isa.h"

#define AS_MAX_NAME 255                   /* longest identifier */
#define AS_MAX_SECTION_BYTES ASM_MAX_FILE_BYTES /* contents of .text or .data */

/* A place in the source: file index, 1-based line, 0-based byte column and
 * how many bytes the culprit spans (the ~~~ under it). */
struct loc {
    int file;
    uint32_t line, col, len;
};

/* ---- tokens (lexer.c) ------------------------------------------------------ */

enum tok { T_END, T_IDENT, T_NUM, T_STR, T_LOCAL, T_PUNCT };

enum punct {
    P_LPAREN, P_RPAREN, P_COMMA, P_COLON, P_PLUS, P_MINUS, P_STAR, P_SLASH,
    P_PERCENT, P_SHL, P_SHR, P_AMP, P_PIPE, P_CARET, P_TILDE, P_BANG,
    P_ANDAND, P_OROR, P_EQ, P_NE, P_LT, P_LE, P_GT, P_GE,
};

struct token {
    enum tok kind;
    uint32_t col, len;  /* where it is in the line */
    int64_t num;        /* T_NUM: the value; T_LOCAL: the label's number */
    enum punct p;       /* T_PUNCT */
    bool plain_decimal; /* T_NUM spelled with decimal digits only: may be a local label */
    bool forward;       /* T_LOCAL: 1f rather than 1b */
    size_t str, slen;   /* T_IDENT, T_STR: NUL-terminated bytes at strs.p + str */
};

struct tokens {
    struct token *v;    /* always ends with a T_END */
    size_t n, cap;
    struct buf strs;
    const char *text; /* the line */
    int file;
    uint32_t line;
};

/* ---- values ------------------------------------------------------------------ */

#define SECT_ABS (-1)

/* The value of an expression.  In pass 1 the start of .data and .bss is not
 * known yet, so a label there is "offset v into section sect"; the
 * difference of two such labels is an ordinary number again. */
struct value {
    int64_t v;
    int sect;   /* SECT_ABS, or the section v is relative to */
    bool known; /* false: depends on something not defined yet */
};

/* ---- source files (source.c) ----------------------------------------------- */

struct srcfile {
    char *path;    /* as messages show it */
    char *dir;     /* where its relative .include and .incbin paths start */
    char *text;    /* the bytes; for sources, followed by a NUL */
    size_t len;
    size_t *lines; /* offset of each line's start; NULL for .incbin data */
    size_t nlines;
    bool has_id;   /* read from disk: dev and ino identify it */
    dev_t dev;
    ino_t ino;
};

/* ---- symbols (symtab.c) --------------------------------------------------- */

enum sym_kind { SYM_UNDEF, SYM_LABEL, SYM_EQU, SYM_SET };
enum equ_state { EQU_PENDING, EQU_BUSY, EQU_DONE, EQU_FAILED };

struct symbol {
    char *name;
    enum sym_kind kind;
    struct loc def;          /* the definition (for .set: the first one) */
    int sect;                /* SYM_LABEL: its section and offset in it */
    int64_t off;
    struct value val;        /* SYM_EQU, SYM_SET */
    enum equ_state state;    /* SYM_EQU: evaluated yet in this pass? */
    uint32_t def_seq;        /* SYM_EQU: context of its expression, */
    int dot_sect;            /*   so that it can be evaluated from a */
    int64_t dot_off;         /*   forward reference */
    uint32_t expr_col;
    bool set_seen;           /* SYM_SET: a .set ran in this pass */
    bool global;
    struct loc global_loc;
    uint32_t global_seq;
    bool bad;                /* its definition failed in pass 1 */
};

struct symtab {
    struct symbol *v;
    size_t n, cap;
    int32_t *slots; /* hash index into v, -1 empty */
    size_t nslots;
};

/* Numeric local labels ("1:"), every definition in source order. */
struct local_def {
    uint32_t num, seq;
    int sect;
    int64_t off;
};

/* ---- sections (sections.c) ------------------------------------------------- */

enum { SEC_TEXT, SEC_DATA, SEC_BSS, NSECT };

struct section {
    const char *name;
    bool base_fixed;   /* base is final (always true in pass 2) */
    uint32_t base;
    uint64_t size;     /* the location counter, from base */
    uint32_t align;    /* largest .align: the default start honours it */
    bool org_set;      /* base came from an .org */
    struct loc org_loc;
    bool started;      /* a byte or an .org was placed: base can no longer move */
    struct loc first_loc;
    struct buf bytes;  /* pass 2 contents (not for .bss) */
    bool overflowed;   /* the address-space error was reported */
};

/* ---- what pass 1 decided about each statement ------------------------------ */

struct stmt {
    bool failed;     /* pass 1 reported an error: pass 2 repeats it silently */
    uint8_t variant; /* which expansion of a size-choosing pseudo-instruction */
    bool listed;     /* pass 2: its listing row is out (an .include's comes early) */
};

/* ---- diagnostics (diag.c) ------------------------------------------------- */

struct diag {
    uint32_t seq, order; /* sorted by statement, then as reported */
    bool note;
    struct loc at;
    char *msg;
};

/* ---- operands (operands.c) ------------------------------------------------- */

/* One comma-separated operand: tokens [b, e) of the line. */
struct operand {
    size_t b, e;
    struct loc loc; /* spans the whole operand; for an empty one, the comma */
};

/* ---- conditional assembly (cond.c) ------------------------------------------ */

/* An open .if, .ifdef or .ifndef. */
struct cond {
    struct loc at;   /* the directive, for "unterminated" */
    uint32_t seq;    /* its statement */
    int depth;       /* the file nesting it opened in: it closes there */
    int word;        /* which directive (cond.c) */
    bool outer;      /* the lines around it are assembled */
    bool active;     /* the lines of the current branch are */
    bool taken;      /* a branch was chosen: .else will not be */
    bool in_else;
};

/* ---- the run ----------------------------------------------------------------- */

/* What '.' and local labels mean in the expression being evaluated: the
 * current statement, or the one that defined a .equ. */
struct eval_ctx {
    uint32_t seq;
    bool dot_override;
    int dot_sect;
    int64_t dot_off;
};

/* An instruction placed by the current statement, for the listing. */
struct emitted {
    uint32_t addr, word;
};

struct as {
    const struct asm_options *opt;
    int max_errors;
    int pass;

    struct srcfile *files;
    size_t nfiles, capfiles;
    int stack[ASM_MAX_INCLUDE_DEPTH]; /* files being read, outermost first */
    int depth;
    int nest; /* expression levels open (ASM_MAX_NESTING) */
    struct cond conds[ASM_MAX_COND_DEPTH]; /* open conditionals, outermost first */
    int ncond;
    int defines_file; /* the -D definitions as source (not listed), or -1 */

    struct symtab syms;
    struct local_def *locals;
    size_t nlocals, caplocals;

    struct section sec[NSECT];
    int cur; /* current section */

    struct stmt *stmts; /* indexed by statement number */
    size_t nstmts, capstmts;
    uint32_t seq;       /* statements begun in this pass */

    struct eval_ctx ctx;
    char unknown[AS_MAX_NAME + 8]; /* first symbol found not yet defined, for messages */
    int unknown_sect;              /* or the section whose start was not known, or -1 */

    struct tokens toks;        /* the current line */
    struct operand *ops;       /* its operands */
    size_t nops, capops;
    struct emitted *emit;      /* its instructions */
    size_t nemit, capemit;
    bool expanded;             /* it was a pseudo-instruction */
    bool labeled;              /* it defined a label */
    uint32_t mnem_col;         /* where its mnemonic starts */
    int line_sect;             /* where its bytes start */
    uint64_t line_start;

    bool mute; /* pass 2, statement failed in pass 1: its errors are known */
    bool drop_notes; /* the error they belong to was not kept */
    struct diag *diags;
    size_t ndiags, capdiags;
    int nerrors;
    bool stop; /* too many errors, or a fatal one */
    bool fatal; /* stopped by an error that ends the run by itself */
    bool oom;

    struct buf lst;
    int lst_file; /* file of the last listed line */
    void *labels_by_addr; /* listing.c's index of labels, made on first use */
    size_t nlabels_by_addr;
};

/* diag.c */
void as_error(struct as *as, struct loc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void as_note(struct as *as, struct loc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void as_oom(struct as *as);
char *diag_format(struct as *as, size_t *len);
void diag_free(struct as *as);

/* suggest.c: the closest candidate, for "did you mean" */
struct suggest {
    const char *word;
    const char *best;
    int dist;
};
void suggest_init(struct suggest *s, const char *word);
void suggest_try(struct suggest *s, const char *candidate);
/* "; did you mean 'x'?" or "" - valid until the next call */
const char *suggest_text(const struct suggest *s, char *buf, size_t len);

/* lexer.c */
bool lex_line(struct as *as, struct tokens *t, int file, uint32_t line, const char *text, size_t len,
              size_t from);
void tokens_free(struct tokens *t);
static inline const char *tok_str(const struct tokens *t, size_t i) { return (const char *)t->strs.p + t->v[i].str; }
struct loc tok_loc(const struct tokens *t, size_t i);
struct loc tok_span(const struct tokens *t, size_t b, size_t e);
bool tok_is(const struct tokens *t, size_t i, enum punct p);

/* source.c */
int src_open(struct as *as, const char *path, bool lines, char *err, size_t errlen);
int src_add_text(struct as *as, const char *name, const char *text, size_t len);
/* Find an .include/.incbin name: absolute, else next to file from, else in
 * each -I directory.  Returns the path (malloc'd) or NULL, with the places
 * searched in tried. */
char *src_find(struct as *as, int from, const char *name, struct buf *tried);
void src_line(const struct as *as, int file, uint32_t line, const char **text, size_t *len);
void src_free(struct as *as);

/* symtab.c */
int sym_find(struct as *as, const char *name);
int sym_add(struct as *as, const char *name); /* -1 if out of memory */
bool sym_name_ok(struct as *as, const char *name, struct loc at);
void sym_define_label(struct as *as, const char *name, struct loc at);
/* The value of a name used in an expression.  Pass 1: unknown if not
 * defined yet; pass 2: an error.  False after reporting an error. */
bool sym_ref(struct as *as, const char *name, struct loc ref, struct value *out);
void local_define(struct as *as, uint32_t num, struct loc at);
bool local_value(struct as *as, uint32_t num, bool forward, struct loc ref, struct value *out);
void sym_free(struct as *as);
/* .equ evaluation from its recorded context (expr.c does the work). */
bool equ_evaluate(struct as *as, int idx);

/* sections.c */
void sections_init(struct as *as);
struct value section_value(struct as *as, int sect, int64_t off);
struct value dot_value(struct as *as);
uint32_t cur_addr(struct as *as); /* pass 2: address of the next byte */
/* Place n bytes (data NULL: n copies of fill) in the current section;
 * false if they do not fit (the error names at). */
bool emit(struct as *as, const void *data, uint64_t n, uint8_t fill, struct loc at);
void sections_fix_start(struct as *as, int sect);
void sections_layout(struct as *as); /* between the passes */
void sections_free(struct as *as);

/* expr.c */
/* Tokens [b, e) as one expression; false after reporting an error. */
bool expr_eval(struct as *as, struct tokens *t, size_t b, size_t e, struct value *out);

/* operands.c */
bool split_operands(struct as *as, struct tokens *t, size_t from);
/* Each reports a fitting error naming operand n (1-based) of what. */
int operand_reg(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what);
bool operand_value(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                   struct value *out);
bool operand_mem(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                 struct value *off, struct loc *offloc, int *reg);
bool operand_named(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                   enum isa_imm kind, struct value *out);
bool operand_string(struct as *as, struct tokens *t, const struct operand *o, int n, const char *what,
                    const uint8_t **s, size_t *len);
const char *form_syntax(enum op op, char *buf, size_t len);

/* insn.c: one machine instruction, checked and placed */
struct insn_req {
    enum op op;
    uint8_t r[3];      /* registers in written order: ra, rb, rc */
    struct value imm;  /* the immediate; for PC-relative kinds the target address */
    struct loc imm_at; /* the operand it came from */
    struct loc at;     /* the mnemonic */
    const char *name;  /* the mnemonic as written (maybe a pseudo-instruction) */
};
void insn_emit(struct as *as, const struct insn_req *rq);
void insn_assemble(struct as *as, struct tokens *t, size_t i, int op);

/* pseudo.c */
int pseudo_find(const char *name);
void pseudo_assemble(struct as *as, struct tokens *t, size_t i, int row);
const char *pseudo_name(int row); /* NULL past the end: for suggestions */
/* Row i as text: "li rd, imm", "lui rd, %hi(imm); ori ...", "otherwise". */
bool pseudo_row(int i, struct buf *syntax, struct buf *expansion, struct buf *when);

/* directives.c */
void directive_run(struct as *as, struct tokens *t, size_t i);
/* Directive i's syntax and summary; false past the end. */
bool directive_row(int i, const char **syntax, const char **summary);

/* cond.c: a conditional directive, or a line skipped by one - true if
 * the line is done with; and the check that a file closed its own. */
bool cond_line(struct as *as, int file, uint32_t line, const char *text, size_t len);
void cond_file_end(struct as *as);

/* parse.c */
void process_file(struct as *as, int file);

/* listing.c */
void listing_line(struct as *as, int file, uint32_t line, int sect, uint64_t start);
char *map_build(struct as *as, size_t *len);

/* elfout.c */
bool elf_build(struct as *as, uint32_t entry, uint8_t **out, size_t *len);

#endif
