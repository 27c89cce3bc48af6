/*
 * json_out.h - writing JSON strings, for every --stats-json and --json
 * writer that links the isa library (vmm/stats.c, isa/pgclass_print.c).
 */
#ifndef VMLAB_JSON_OUT_H
#define VMLAB_JSON_OUT_H

#include <stdio.h>

/* s as a JSON string: '"' and '\' escaped, control bytes as \u00XX, every
 * other byte as it is (a VM's name may be UTF-8, vm_name.c). */
void json_put_string(FILE *f, const char *s);

#endif
