/*
 * scratch.h - where tests keep files: a scratch directory of their own,
 * paths in it, whole files read and written, and the directory removed.
 */
#ifndef VMLAB_TESTS_SCRATCH_H
#define VMLAB_TESTS_SCRATCH_H

#include <stddef.h>

/* A new directory $TMPDIR/vmlab-TAG-XXXXXX (TMPDIR unset: /tmp), or NULL
 * if it cannot be made (no CUnit assertion: a suite's set-up is outside
 * any test); free() the name. */
char *scratch_dir(const char *tag);

/* DIR/name, in one of a ring of buffers (enough for every path a test
 * keeps at once). */
const char *path_in(const char *dir, const char *name);

/* Remove a directory and everything in it; tmpdir_remove also frees the
 * name, and takes NULL (a directory never made). */
void remove_tree(const char *path);
void tmpdir_remove(char *dir);

/* A whole file, NUL-terminated, its length in *len (len may be NULL);
 * free() it.  file_bytes: NULL if it cannot be opened; slurp: "". */
char *file_bytes(const char *path, size_t *len);
char *slurp(const char *path, size_t *len);

/* Write a file; fails the test if it cannot. */
void spit(const char *path, const void *data, size_t len);

#endif
