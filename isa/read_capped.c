/*
 * read_capped.c - reading an input whole, up to a limit (read_capped.h).
 */
#include "read_capped.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 16)

enum read_result read_capped(int fd, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    if (*len > max)
        return READ_TOO_BIG;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        if (at >= 0 && st.st_size > at && (uint64_t)(st.st_size - at) > max - *len)
            return READ_TOO_BIG; /* known from its size: nothing read */
    }
    size_t cap = *len;
    for (;;) {
        if (*len > max)
            return READ_TOO_BIG;
        /* Ask for no more than one byte past the limit: that byte is the
         * proof the input is too big, and the buffer never holds more. */
        size_t want = max + 1 - *len < CHUNK ? max + 1 - *len : CHUNK;
        if (cap - *len < want) {
            size_t ncap = cap < CHUNK ? CHUNK : cap;
            while (ncap - *len < want)
                ncap *= 2;
            if (ncap > max + 1)
                ncap = max + 1;
            uint8_t *nb = realloc(*buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "cannot read: out of memory");
                return READ_FAILED;
            }
            *buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, *buf + *len, want);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot read: %s", strerror(errno));
            return READ_FAILED;
        }
        if (got == 0)
            return READ_OK;
        *len += (size_t)got;
    }
}
