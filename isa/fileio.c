/*
 * fileio.c - reading a whole file with a limit.  Writing whole files is
 * outset.c.
 */
#include "fileio.h"

#include "read_capped.h"

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

char *file_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static void too_large(size_t max, char *err, size_t errlen)
{
    char size[32];
    file_size_text(max, size, sizeof size);
    snprintf(err, errlen, "larger than the limit of %s", size);
}

bool file_read_max(const char *path, size_t max, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        close(fd);
        return false;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    enum read_result r = read_capped(fd, max, &buf, &len, err, errlen);
    close(fd);
    if (r == READ_OK) {
        *out = buf;
        *outlen = len;
        return true;
    }
    if (r == READ_TOO_BIG)
        too_large(max, err, errlen);
    free(buf);
    return false;
}

bool file_read(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    return file_read_max(path, SIZE_MAX - 1, out, outlen, err, errlen);
}

