/*
 * regions.h - a lab's regions in a source file (docs/labs/README.md).  In
 * C, each marker is a block comment on a line of its own; in assembly, a
 * `;` or `#` comment (the stub's lines then commented the same way):
 *
 *   LAB 2 BEGIN name: the task ...    the task comment (C: to its end;
 *                                     assembly: and the `;` lines after it)
 *   ... the reference code ...
 *   LAB 2 STUB
 *   the stub, commented out           (C: `//` lines; assembly: `;` or `#` lines)
 *   LAB 2 END
 *
 * A handout keeps the BEGIN comment and the END line, drops the reference
 * code, and uncomments the stub.
 */
#ifndef VMLAB_REGIONS_H
#define VMLAB_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct text {
    char *s;
    size_t len, cap;
};
bool text_add(struct text *t, const char *p, size_t n);

/* A mistake (labs/labN/mistakes/NAME.mistake): region NAME of FILE with
 * its reference code replaced by BODY. */
struct mistake {
    char path[4096];
    char file[1024];
    char region[128];
    char *body;
};
bool mistake_read(const char *path, struct mistake *m);

/* Transform src (path, for messages) into out: regions of labs >= strip
 * replaced by their stubs, the region a mistake names (if m applies to
 * this file) by its body.  *regions counts the regions seen, *applied
 * whether m's region was found.  False, with compiler-style messages on
 * stderr, when the markers are malformed. */
bool regions_transform(const char *path, const char *src, size_t len, int strip, const struct mistake *m,
                       struct text *out, int *regions, bool *applied);

/* When not NULL, every region's place is listed there as it is met:
 * "PATH:LINE: lab N: NAME". */
extern FILE *regions_list;

#endif
