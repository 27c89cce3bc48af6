/*
 * read_capped.h - reading an input whole, up to a limit: a regular file
 * whose size is past the limit is refused before anything is read; a pipe
 * or device (which has no size) is read until it ends or passes the limit,
 * so /dev/zero costs the limit and no more.
 */
#ifndef VMLAB_READ_CAPPED_H
#define VMLAB_READ_CAPPED_H

#include <stddef.h>
#include <stdint.h>

enum read_result {
    READ_OK,      /* the input ended within the limit */
    READ_TOO_BIG, /* it holds more than max bytes */
    READ_FAILED,  /* a read failed: "cannot read: ..." in err */
};

/* Append what is left of fd to *buf, which holds *len bytes (malloc'd, or
 * NULL and 0), until fd ends or *len would pass max.  Whatever it returns,
 * *buf is the caller's to free.  (max < SIZE_MAX.) */
enum read_result read_capped(int fd, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

#endif
