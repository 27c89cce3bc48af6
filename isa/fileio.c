/*
 * fileio.c - reading a whole file with a limit, and opening one to update
 * in place.  Writing whole files is outset.c.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reading ----------------------------------------------------------------- */

void file_size_text(uint64_t n, char *buf, size_t len)
{
    if (n >= (1u << 30) && n % (1u << 30) == 0)
        snprintf(buf, len, "%llu GiB", (unsigned long long)(n >> 30));
    else if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n >= (1u << 10) && n % (1u << 10) == 0)
        snprintf(buf, len, "%llu KiB", (unsigned long long)(n >> 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)n);
}

static void too_large(size_t max, char *err, size_t errlen)
{
    char size[32];
    file_size_text(max, size, sizeof size);
    snprintf(err, errlen, "larger than the limit of %s", size);
}

bool file_read_max(const char *path, size_t max, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "is a directory");
            fclose(f);
            return false;
        }
        /* A regular file says its size: a huge one (sparse, say) is refused
         * without reading it. */
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
            too_large(max, err, errlen);
            fclose(f);
            return false;
        }
    }
    /* Never hold more than one byte past the limit: that byte is enough to
     * know the file is too large. */
    size_t limit = max < SIZE_MAX ? max + 1 : SIZE_MAX;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            if (cap == limit)
                break;
            size_t want = cap == 0 ? (limit < 65536 ? limit : 65536) : cap > limit / 2 ? limit : cap * 2;
            uint8_t *nb = realloc(buf, want);
            if (!nb) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            buf = nb;
            cap = want;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read: %s", strerror(errno));
        goto fail;
    }
    if (len > max) {
        too_large(max, err, errlen);
        goto fail;
    }
    fclose(f);
    *out = buf;
    *outlen = len;
    return true;
fail:
    fclose(f);
    free(buf);
    return false;
}

bool file_read(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    return file_read_max(path, SIZE_MAX, out, outlen, err, errlen);
}

int file_open_update(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        return -1;
    }
    if ((st.st_mode & 0222) == 0) {
        snprintf(err, errlen, "is read-only (mode %04o)", (unsigned)(st.st_mode & 07777));
        return -1;
    }
    int fd = open(path, O_RDWR | O_NOCTTY);
    if (fd < 0)
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
    return fd;
}
