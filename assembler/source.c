/*
 * source.c - the files of a run: read once, kept for both passes and for
 * the source lines that error messages quote, and found by the rules of
 * .include and .incbin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asm_impl.h"
#include "fileio.h"


static char *join(const char *dir, const char *name)
{
    if (strcmp(dir, ".") == 0)
        return strdup(name);
    size_t a = strlen(dir), b = strlen(name);
    bool slash = a > 0 && dir[a - 1] == '/';
    char *p = malloc(a + b + 2);
    if (p)
        snprintf(p, a + b + 2, "%s%s%s", dir, slash ? "" : "/", name);
    return p;
}

static bool index_lines(struct srcfile *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->len; i++)
        n += f->text[i] == '\n';
    if (f->len > 0 && f->text[f->len - 1] != '\n')
        n++;
    f->lines = malloc((n ? n : 1) * sizeof *f->lines);
    if (!f->lines)
        return false;
    f->nlines = 0;
    for (size_t i = 0; i < f->len;) {
        f->lines[f->nlines++] = i;
        while (i < f->len && f->text[i] != '\n')
            i++;
        i++;
    }
    return true;
}

static int add(struct as *as, struct srcfile *f, bool lines)
{
    if ((lines && !index_lines(f)) || !f->path || !f->dir ||
        !vec_grow(&as->files, &as->capfiles, as->nfiles + 1, sizeof *as->files)) {
        free(f->path);
        free(f->dir);
        free(f->text);
        free(f->lines);
        as_oom(as);
        return -1;
    }
    as->files[as->nfiles] = *f;
    return (int)as->nfiles++;
}

int src_add_text(struct as *as, const char *name, const char *text, size_t len)
{
    struct srcfile f = {.path = strdup(name), .dir = file_dir(name), .len = len};
    f.text = malloc(len + 1);
    if (f.text) {
        memcpy(f.text, text, len);
        f.text[len] = '\0';
    }
    if (!f.text) {
        free(f.path);
        free(f.dir);
        as_oom(as);
        return -1;
    }
    return add(as, &f, true);
}

int src_open(struct as *as, const char *path, bool lines, char *err, size_t errlen)
{
    struct stat st;
    bool has_id = stat(path, &st) == 0;
    if (has_id)
        for (size_t i = 0; i < as->nfiles; i++) {
            const struct srcfile *f = &as->files[i];
            if (f->has_id && f->dev == st.st_dev && f->ino == st.st_ino && (f->lines != NULL) == lines)
                return (int)i;
        }
    uint8_t *data;
    size_t len;
    if (!file_read_max(path, ASM_MAX_FILE_BYTES, &data, &len, err, errlen))
        return -1;
    char *text = realloc(data, len + 1); /* room for the NUL sources end with */
    if (!text) {
        free(data);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    text[len] = '\0';
    struct srcfile f = {.path = strdup(path), .dir = file_dir(path), .text = text, .len = len, .has_id = has_id};
    if (has_id)
        f.dev = st.st_dev, f.ino = st.st_ino;
    int fi = add(as, &f, lines);
    if (fi < 0)
        snprintf(err, errlen, "out of memory");
    return fi;
}

char *src_find(struct as *as, int from, const char *name, struct buf *tried)
{
    struct stat st;
    if (name[0] == '/')
        return stat(name, &st) == 0 ? strdup(name) : NULL;
    size_t ndirs = 1 + as->opt->ninclude_dirs;
    for (size_t i = 0; i < ndirs; i++) {
        const char *dir = i == 0 ? as->files[from].dir : as->opt->include_dirs[i - 1];
        char *p = join(dir, name);
        if (!p) {
            as_oom(as);
            return NULL;
        }
        if (stat(p, &st) == 0)
            return p;
        free(p);
        buf_printf(tried, "%s'%s'", i ? ", " : "", dir);
    }
    return NULL;
}

void src_line(const struct as *as, int file, uint32_t line, const char **text, size_t *len)
{
    const struct srcfile *f = &as->files[file];
    if (line == 0 || line > f->nlines) {
        *text = "";
        *len = 0;
        return;
    }
    size_t b = f->lines[line - 1], e = b;
    while (e < f->len && f->text[e] != '\n')
        e++;
    if (e > b && f->text[e - 1] == '\r')
        e--;
    *text = f->text + b;
    *len = e - b;
}

void src_free(struct as *as)
{
    for (size_t i = 0; i < as->nfiles; i++) {
        free(as->files[i].path);
        free(as->files[i].dir);
        free(as->files[i].text);
        free(as->files[i].lines);
    }
    free(as->files);
    as->files = NULL;
    as->nfiles = as->capfiles = 0;
}
