/*
 * isa_doc.h - the manual's tables, generated from the instruction table.
 *
 * docs/isa.md holds each table between two markers:
 *     <!-- visa NAME -->
 *     ...generated text...
 *     <!-- /visa -->
 * `visa --update docs/isa.md` rewrites them; a test fails if they differ.
 */
#ifndef VMLAB_ISA_DOC_H
#define VMLAB_ISA_DOC_H

#include <stddef.h>
#include <stdio.h>

#include "isa.h"

struct isa_doc_table {
    const char *name;
    void (*print)(FILE *f);
};

const struct isa_doc_table *isa_doc_tables(size_t *n);
const struct isa_doc_table *isa_doc_find(const char *name);

/* The operand template of an instruction, e.g. "rd, imm(rs1)". */
void isa_doc_operands(enum op op, char *buf, size_t len);

/* Replace every generated section of a markdown text; returns a malloc'd
 * string, or NULL with a message in err (unknown table, unclosed marker). */
char *isa_doc_update(const char *text, char *err, size_t errlen);

#endif
