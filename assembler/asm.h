/*
 * asm.h - the vmlab assembler as a library: vasm's main, the tests and any
 * other tool call it in-process, as often as they like.  An assembly run
 * keeps all its state in one struct (asm_impl.h) and shares nothing.
 */
#ifndef VMLAB_ASM_H
#define VMLAB_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ASM_DEFAULT_TEXT 0x00001000u /* where .text starts without .org or --text */
#define ASM_DEFAULT_MAX_ERRORS 20
/* The most vasm reads from one file (the source, an .include, an .incbin;
 * /dev/zero stops here), and vdis from a raw file: as much as a section
 * can hold (it is the section limit too), so that no .incbin that could
 * fit is refused, and whatever vasm makes, vdis can read back. */
#define ASM_MAX_FILE_BYTES (64u << 20)
/* The longest source line. */
#define ASM_MAX_LINE_BYTES (1u << 20)
/* The deepest expression: parentheses, unary operators, %hi/%lo and .equ
 * symbols evaluated from forward references, together (clang's default
 * bracket depth). */
#define ASM_MAX_NESTING 256
#define ASM_MAX_INCLUDE_DEPTH 32
#define ASM_MAX_COND_DEPTH 64 /* .if inside .if */

struct asm_options {
    const char *const *include_dirs; /* searched by .include and .incbin, in order */
    size_t ninclude_dirs;
    bool text_base_set;              /* --text: .text starts at text_base */
    uint32_t text_base;
    bool data_base_set;              /* --data: .data starts at data_base */
    uint32_t data_base;
    int max_errors;                  /* stop after this many; 0: the default */
    bool listing;                    /* also make the listing */
    bool map;                        /* also make the symbol map */
    const char *const *defines;      /* -D: "NAME" (= 1) or "NAME=VALUE", each a .equ */
    size_t ndefines;                 /*   made before the first line */
};

/* A file the run read, so that a tool can refuse to overwrite it. */
struct asm_input {
    char *path;       /* as messages show it */
    bool source;      /* the file assembled (not an .include or .incbin) */
    bool binary;      /* read by .incbin */
    dev_t dev;
    ino_t ino;
};

struct asm_result {
    bool ok;            /* no errors: elf (and listing, map if asked) are set */
    int nerrors;
    uint8_t *elf;       /* the ELF32 executable */
    size_t elf_len;
    uint32_t entry;
    char *listing;      /* NUL-terminated texts */
    size_t listing_len;
    char *map;
    size_t map_len;
    char *diag;         /* every error, compiler style; "" when ok */
    size_t diag_len;
    struct asm_input *inputs; /* every file read from disk, the source first */
    size_t ninputs;
};

/* Assemble a file, or source text held in memory under a file name (which
 * diagnostics show and relative .include paths start from).  Returns
 * res->ok; res must be released with asm_result_free either way. */
bool asm_assemble_file(const char *path, const struct asm_options *opt, struct asm_result *res);
bool asm_assemble_source(const char *name, const char *text, size_t len, const struct asm_options *opt,
                         struct asm_result *res);
void asm_result_free(struct asm_result *res);

/* The pseudo-instructions with their expansions, and the directives with
 * their syntax, one per line (malloc'd; NULL if out of memory). */
char *asm_pseudo_table(void);
char *asm_directive_table(void);

/* docs/assembler.md holds generated tables between two markers:
 *     <!-- vasm NAME -->
 *     ...generated text...
 *     <!-- /vasm -->
 * Returns the text with every such table made anew (malloc'd), or NULL with
 * a message in err.  `vasm --update-docs docs/assembler.md` does this, and a
 * test fails when the file is not current. */
char *asm_doc_update(const char *text, char *err, size_t errlen);

#endif
