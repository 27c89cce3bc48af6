/*
 * scratch.c - where tests keep files (scratch.h).
 */
#include "scratch.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *scratch_dir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    size_t n = strlen(base && *base ? base : "/tmp") + strlen(tag) + sizeof "/vmlab--XXXXXX";
    char *dir = malloc(n);
    snprintf(dir, n, "%s/vmlab-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

const char *path_in(const char *dir, const char *name)
{
    static char bufs[64][4096];
    static int next;
    char *b = bufs[next++ % 64];
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            if (unlink(p) != 0)
                remove_tree(p);
        }
        closedir(d);
    }
    rmdir(path);
}

void tmpdir_remove(char *dir)
{
    if (dir)
        remove_tree(dir);
    free(dir);
}

char *file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1);
    size_t n = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf = realloc(buf, n + got + 1);
        memcpy(buf + n, chunk, got);
        n += got;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *slurp(const char *path, size_t *len)
{
    char *buf = file_bytes(path, len);
    if (buf)
        return buf;
    if (len)
        *len = 0;
    return calloc(1, 1);
}

void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(fwrite(data, 1, len, f) == len);
    fclose(f);
}
