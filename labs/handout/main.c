/*
 * main.c - `handout`: a lab's starter tree made from the reference tree
 * (make lab-handout LAB=N DEST=DIR).  Every file is copied, but the
 * regions of lab N and of the labs after it become their stubs
 * (regions.c); the developers' tests (tests/, but the script that
 * installs packages), the build, the version control and the labs'
 * kept mistakes stay behind.  DEST/LAB holds N, so that `make grade`
 * there grades lab N.
 *
 * A file already in DEST with the same text is left alone, so that making
 * a handout again into the same tree (or the reference back into it,
 * --lab 0) rebuilds only what changed.  A new file that is the source's
 * text keeps the source's time; any other file written gets the present
 * (so that a build copied from the reference compiles the stubs).
 *
 *   handout --lab N [--mistake FILE]... SRC DEST
 *   handout --check SRC          every region well formed
 *   handout --list SRC           and where each is
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regions.h"

struct job {
    const char *src_root, *dest_root;
    int strip;
    struct mistake *mistakes;
    int nmistakes;
    bool *applied;
    int files, changed, regions;
    bool check_only;
    dev_t dest_dev;
    ino_t dest_ino;
    bool failed;
};

/* A path, or false when it would not fit. */
static bool pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool pathf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "handout: a path too long: %s...\n", buf);
        return false;
    }
    return true;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct text t = {0};
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        if (!text_add(&t, buf, k)) {
            fclose(f);
            free(t.s);
            return NULL;
        }
    fclose(f);
    if (!t.s)
        t.s = calloc(1, 1);
    *len = t.len;
    return t.s;
}

/* What is not handed out: the build, version control, CI, the
 * developers' tests (the handout is graded by make grade), and the
 * broken versions kept to test the grader's messages. */
static bool skipped(const char *rel, bool dir)
{
    if (!strcmp(rel, "build") || !strcmp(rel, ".git") || !strcmp(rel, ".ci") || !strcmp(rel, "LAB"))
        return true;
    if (!strncmp(rel, "tests/", 6) && strcmp(rel, "tests/need-packages.sh") && !dir)
        return true;
    if (!strncmp(rel, "tests/", 6) && dir)
        return true;
    const char *m = strstr(rel, "/mistakes");
    return !strncmp(rel, "labs/", 5) && m && (!m[9] || m[9] == '/');
}

static bool write_if_changed(struct job *j, const char *dest, const char *text, size_t len, const struct stat *st,
                             bool verbatim)
{
    size_t old_len = 0;
    char *old = read_file(dest, &old_len);
    bool existed = old != NULL;
    bool same = old && old_len == len && !memcmp(old, text, len);
    free(old);
    if (same)
        return true;
    char tmp[8192];
    if (!pathf(tmp, sizeof tmp, "%s.handout-tmp", dest))
        return false;
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
        fprintf(stderr, "handout: %s: %s\n", dest, strerror(errno));
        unlink(tmp);
        return false;
    }
    chmod(tmp, st->st_mode & 07777);
    if (!existed && verbatim) { /* the source's time: a build copied beside it stays valid */
        struct timespec ts[2] = {{st->st_mtime, 0}, {st->st_mtime, 0}}; /* st_mtim is not portable (macOS) */
        utimensat(AT_FDCWD, tmp, ts, 0);
    }
    if (rename(tmp, dest)) {
        fprintf(stderr, "handout: %s: %s\n", dest, strerror(errno));
        unlink(tmp);
        return false;
    }
    j->changed++;
    return true;
}

static void one_file(struct job *j, const char *rel)
{
    char src[8192], dest[8192];
    if (!pathf(src, sizeof src, "%s/%s", j->src_root, rel) ||
        (j->dest_root && !pathf(dest, sizeof dest, "%s/%s", j->dest_root, rel))) {
        j->failed = true;
        return;
    }
    struct stat st;
    size_t len = 0;
    char *text = read_file(src, &len);
    if (!text || stat(src, &st)) {
        fprintf(stderr, "handout: %s: cannot read\n", src);
        j->failed = true;
        free(text);
        return;
    }
    j->files++;
    struct text out = {0};
    const struct mistake *m = NULL;
    int mi = -1;
    for (int i = 0; i < j->nmistakes; i++)
        if (!strcmp(j->mistakes[i].file, rel))
            m = &j->mistakes[i], mi = i;
    bool binary = memchr(text, 0, len) != NULL;
    int regions = 0;
    bool applied = false;
    if (!binary) {
        if (!regions_transform(strcmp(j->src_root, ".") ? src : rel, text, len, j->strip, m, &out, &regions, &applied)) {
            j->failed = true;
            free(text);
            free(out.s);
            return;
        }
        j->regions += regions;
        if (applied)
            j->applied[mi] = true;
    }
    if (!j->check_only) {
        /* a file with regions may still be the source's text (--lab 0) */
        bool verbatim = !regions || (out.len == len && !memcmp(out.s ? out.s : "", text, len));
        bool ok = regions ? write_if_changed(j, dest, out.s ? out.s : "", out.len, &st, verbatim)
                          : write_if_changed(j, dest, text, len, &st, true);
        j->failed |= !ok;
    }
    free(text);
    free(out.s);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void walk(struct job *j, const char *rel)
{
    char path[8192];
    if (!pathf(path, sizeof path, "%s%s%s", j->src_root, *rel ? "/" : "", rel)) {
        j->failed = true;
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "handout: %s: %s\n", path, strerror(errno));
        j->failed = true;
        return;
    }
    if (!j->check_only) {
        char dest[8192];
        if (!pathf(dest, sizeof dest, "%s%s%s", j->dest_root, *rel ? "/" : "", rel))
            j->failed = true;
        else if (mkdir(dest, 0777) && errno != EEXIST) {
            fprintf(stderr, "handout: %s: %s\n", dest, strerror(errno));
            j->failed = true;
            closedir(d);
            return;
        }
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn)
            break;
        names = nn;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char child[8192], full[8192];
        struct stat st;
        if (pathf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "", names[i]) &&
            pathf(full, sizeof full, "%s/%s", j->src_root, child) && lstat(full, &st) == 0) {
            bool dir = S_ISDIR(st.st_mode);
            /* DEST inside SRC is not copied into itself */
            bool is_dest = dir && j->dest_root && st.st_dev == j->dest_dev && st.st_ino == j->dest_ino;
            if (!skipped(child, dir) && !is_dest) {
                if (dir)
                    walk(j, child);
                else if (S_ISREG(st.st_mode))
                    one_file(j, child);
            }
        }
        free(names[i]);
    }
    free(names);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: handout --lab N [--mistake FILE]... SRC DEST\n"
               "       handout --check SRC\n"
               "       handout --list SRC\n"
               "Write lab N's starter tree into DEST from the reference tree SRC: the\n"
               "regions of lab N and of the labs after it replaced by their stubs\n"
               "(--lab 0: none, the reference itself). A --mistake puts a kept mistake\n"
               "(labs/labK/mistakes/NAME.mistake) in place of its region's code.\n"
               "--check only reads SRC and says whether every region is well formed;\n"
               "--list also lists them, one a line: FILE:LINE: lab N: NAME.\n");
}

int main(int argc, char **argv)
{
    struct job j = {.strip = -1};
    struct mistake mistakes[64];
    bool applied[64] = {0};
    j.mistakes = mistakes;
    j.applied = applied;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--check")) {
            j.check_only = true;
        } else if (!strcmp(argv[i], "--list")) {
            j.check_only = true;
            regions_list = stdout;
        } else if (!strcmp(argv[i], "--lab") && i + 1 < argc) {
            char *end;
            long x = strtol(argv[++i], &end, 10);
            if (*end || x < 0 || x > 99 || end == argv[i]) {
                fprintf(stderr, "handout: --lab: not a lab number: '%s'\n", argv[i]);
                return 2;
            }
            j.strip = x ? (int)x : 1000;
        } else if (!strcmp(argv[i], "--mistake") && i + 1 < argc) {
            if (j.nmistakes == 64 || !mistake_read(argv[++i], &mistakes[j.nmistakes]))
                return 2;
            j.nmistakes++;
        } else {
            fprintf(stderr, "handout: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (j.check_only ? argc - i != 1 : argc - i != 2 || j.strip < 0) {
        usage(stderr);
        return 2;
    }
    if (j.check_only)
        j.strip = 1000;
    j.src_root = argv[i];
    j.dest_root = j.check_only ? NULL : argv[i + 1];
    if (!j.check_only && mkdir(j.dest_root, 0777) && errno != EEXIST) {
        fprintf(stderr, "handout: %s: %s\n", j.dest_root, strerror(errno));
        return 2;
    }
    struct stat dst;
    if (j.dest_root && stat(j.dest_root, &dst) == 0)
        j.dest_dev = dst.st_dev, j.dest_ino = dst.st_ino;
    walk(&j, "");
    for (int k = 0; k < j.nmistakes; k++)
        if (!applied[k]) {
            fprintf(stderr, "%s: error: no region '%s' in %s\n", mistakes[k].path, mistakes[k].region,
                    mistakes[k].file);
            j.failed = true;
        }
    if (!j.check_only && !j.failed) {
        char path[8192], num[16];
        j.failed |= !pathf(path, sizeof path, "%s/LAB", j.dest_root);
        snprintf(num, sizeof num, "%d\n", j.strip == 1000 ? 0 : j.strip);
        struct stat st = {.st_mode = 0644};
        j.failed |= !write_if_changed(&j, path, num, strlen(num), &st, false);
    }
    for (int k = 0; k < j.nmistakes; k++)
        free(mistakes[k].body);
    if (j.failed)
        return 1;
    if (j.check_only)
        printf("handout: %d files, %d regions, well formed\n", j.files, j.regions);
    else
        printf("handout: lab %d in %s: %d files, %d regions, %d written\n", j.strip == 1000 ? 0 : j.strip,
               j.dest_root, j.files, j.regions, j.changed);
    return 0;
}
