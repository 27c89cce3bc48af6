/*
 * sensitive.c - the out-of-line part of sensitive.h: its one internal
 * error.  Each executor only hands sensitive_exec the instructions
 * sensitive_op names (the bare machine's hot loop by opcode, the VMM's
 * interpreter after asking), so this is a bug in the executor.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sensitive.h"

void sensitive_no_semantics(enum op op)
{
    fprintf(stderr, "vmlab: internal error: %s has no semantics\n",
            (unsigned)op < OP_COUNT ? isa_insns[op].mnem : "an unknown op");
    abort();
}
