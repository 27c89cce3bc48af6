/*
 * fileio.h - whole-file reads and all-or-nothing writes, for every tool.
 */
#ifndef VMLAB_FILEIO_H
#define VMLAB_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read a whole file into a malloc'd buffer.  On error: false, and a
 * message such as "cannot open: No such file or directory" in err. */
bool file_read(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);

/* Write a file completely or not at all: the data goes to a temporary file
 * in the same directory, which is renamed over path only once it is whole. */
bool file_write_atomic(const char *path, const void *buf, size_t len, char *err, size_t errlen);

#endif
