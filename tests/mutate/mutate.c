/*
 * mutate.c - the mutator's command line, for tests/mutate/run.sh:
 *
 *   mutate list FILE...      every mutation point, one a line:
 *                            FILE:LINE:COL: KIND: ORIGINAL -> REPLACEMENT
 *   mutate write FILE N OUT  OUT is FILE with its Nth point (from 1, in
 *                            the order of list) applied, written whole
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "mutator.h"

static char *slurp(const char *path, size_t *len)
{
    uint8_t *b;
    char err[512];
    if (!file_read(path, &b, len, err, sizeof err)) {
        fprintf(stderr, "mutate: %s: %s\n", path, err);
        return NULL;
    }
    char *s = realloc(b, *len + 1); /* NUL-terminated, for the reader */
    if (!s) {
        free(b);
        fprintf(stderr, "mutate: out of memory\n");
        return NULL;
    }
    s[*len] = 0;
    return s;
}

static int usage(void)
{
    fprintf(stderr, "usage: mutate list FILE...\n       mutate write FILE N OUT\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "list") == 0) {
        int status = 0;
        for (int i = 2; i < argc; i++) {
            size_t len;
            char *src = slurp(argv[i], &len);
            struct mutations ms;
            char err[512];
            if (!src || !mutations_find(argv[i], src, len, &ms, err, sizeof err)) {
                if (src)
                    fprintf(stderr, "%s\n", err);
                free(src);
                status = 1;
                continue;
            }
            for (size_t k = 0; k < ms.n; k++) {
                char line[4096];
                mutation_describe(argv[i], &ms.m[k], line, sizeof line);
                printf("%s\n", line);
            }
            mutations_free(&ms);
            free(src);
        }
        return status;
    }
    if (argc == 5 && strcmp(argv[1], "write") == 0) {
        char *end;
        unsigned long n = strtoul(argv[3], &end, 10);
        size_t len, outlen;
        char *src = slurp(argv[2], &len);
        struct mutations ms;
        char err[512];
        if (src && !mutations_find(argv[2], src, len, &ms, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            free(src);
            return 1;
        }
        if (!src)
            return 1;
        int status = 1;
        if (*end || n == 0 || n > ms.n) {
            fprintf(stderr, "mutate: %s has %zu mutation points: no point '%s'\n", argv[2], ms.n, argv[3]);
        } else {
            char *o = mutation_apply(src, len, &ms.m[n - 1], &outlen);
            if (!o)
                fprintf(stderr, "mutate: out of memory\n");
            else if (!file_write_atomic(argv[4], o, outlen, err, sizeof err))
                fprintf(stderr, "mutate: %s\n", err);
            else
                status = 0;
            free(o);
        }
        mutations_free(&ms);
        free(src);
        return status;
    }
    return usage();
}
