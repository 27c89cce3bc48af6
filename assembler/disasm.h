/*
 * disasm.h - instructions back into the text vasm reads, one at a time or
 * a whole image at once.
 */
#ifndef VMLAB_DISASM_H
#define VMLAB_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"
#include "isa.h"

struct disasm_opts {
    bool numeric_regs; /* r5 rather than t0 */
    bool no_symbols;   /* no labels: every target as an address */
};

/* The name to print for a branch or jump target, or NULL for its address. */
typedef const char *disasm_namer(void *ctx, uint32_t addr);

/* One decoded instruction at pc, e.g. "addi    t0, zero, 104".  Targets
 * are absolute: a name from namer (may be NULL) or 0x%08x. */
void disasm_insn(const struct isa_fields *f, uint32_t pc, bool numeric_regs, disasm_namer *namer, void *ctx,
                 char *buf, size_t len);

/* A whole image as a source file: assembled by vasm, it gives the same
 * bytes at the same addresses and the same entry point.  Each segment
 * becomes .text (executable), .data or .bss with an .org; labels come from
 * the symbol table; words that are not instructions become .word.  Returns
 * malloc'd text, or NULL if out of memory. */
char *disasm_image(const struct elf_image *img, const char *title, const struct disasm_opts *o);

/* Little-endian instruction words (and a tail of bytes) loaded at base. */
char *disasm_raw(const uint8_t *bytes, size_t len, uint32_t base, const char *title, const struct disasm_opts *o);

#endif
