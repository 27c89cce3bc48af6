/*
 * outset.c - output sets: every output of a run staged, then committed
 * all at once or not at all (fileio.h says what happens to each kind of
 * output path, and why).
 */
#define _GNU_SOURCE /* renameat2: put files back if a later rename fails */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINK_HOPS 40 /* as the kernel's ELOOP */

/* ---- paths ------------------------------------------------------------------- */


static const char *base_part(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* path with its symbolic links followed by name to the file they lead to,
 * which need not exist (a dangling link makes its target, as '>' does).
 * malloc'd; NULL with errno set. */
static char *follow_links(const char *path)
{
    char *cur = strdup(path);
    for (int hops = 0; cur; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        if (hops == MAX_LINK_HOPS) {
            free(cur);
            errno = ELOOP;
            return NULL;
        }
        size_t cap = (size_t)st.st_size + 1 > 256 ? (size_t)st.st_size + 1 : 256;
        char *link = NULL;
        ssize_t n;
        for (;;) { /* st_size may be 0 or stale: grow until it fits */
            char *nl = realloc(link, cap);
            if (!nl) {
                free(link);
                free(cur);
                errno = ENOMEM;
                return NULL;
            }
            link = nl;
            n = readlink(cur, link, cap);
            if (n < 0 || (size_t)n < cap)
                break;
            cap *= 2;
        }
        if (n < 0) {
            int e = errno;
            free(link);
            free(cur);
            errno = e;
            return NULL;
        }
        link[n] = '\0';
        char *next;
        if (link[0] == '/' || !strchr(cur, '/')) {
            next = link;
        } else {
            char *dir = file_dir(cur);
            size_t len = dir ? strlen(dir) + strlen(link) + 2 : 0;
            next = dir ? malloc(len) : NULL;
            if (next)
                snprintf(next, len, "%s/%s", dir, link);
            free(dir);
            free(link);
        }
        free(cur);
        cur = next;
        if (!cur)
            errno = ENOMEM;
    }
    return NULL;
}

/* ---- output sets --------------------------------------------------------- */

/* What a path names: an existing file, or a name not yet taken in a
 * directory. */
struct file_id {
    bool exists;
    dev_t dev; /* the file's; or its directory's when !exists */
    ino_t ino;
    char *name; /* !exists: the name in that directory */
};

static bool same_id(const struct file_id *a, const struct file_id *b)
{
    if (a->exists != b->exists || a->dev != b->dev || a->ino != b->ino)
        return false;
    return a->exists || strcmp(a->name, b->name) == 0;
}

enum out_kind { OUT_FILE, OUT_DIRECT };
enum out_done { NOT_YET, EXCHANGED, CREATED, REPLACED };

struct output {
    char *path; /* as the caller gave it */
    char *what;
    enum out_kind kind;
    struct file_id id;  /* OUT_FILE */
    char *target;       /* OUT_FILE: path with its links followed */
    char *tmp;          /* OUT_FILE: the staged contents, until renamed */
    bool existed;       /* OUT_FILE: target was there when staged */
    nlink_t links;      /* ... with this many names */
    enum out_done done;
    int fd;             /* the temporary file, or the device or FIFO */
    FILE *stream;       /* owns fd once made */
    uint8_t *kept;      /* OUT_DIRECT: outset_put's bytes, until the commit */
    size_t kept_len;
};

struct input {
    struct file_id id;
    char *path, *what;
};

struct outset {
    char *prog;        /* for warnings; NULL: none */
    bool bare_errors;  /* messages without the path in front (file_write_atomic) */
    struct input *in;
    size_t nin;
    struct output *out;
    size_t nout;
};

static void say(const struct outset *s, const char *path, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void say(const struct outset *s, const char *path, char *err, size_t errlen, const char *fmt, ...)
{
    int n = s->bare_errors ? 0 : snprintf(err, errlen, "%s: ", path);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

struct outset *outset_new(const char *prog)
{
    struct outset *s = calloc(1, sizeof *s);
    if (s && prog && !(s->prog = strdup(prog))) {
        free(s);
        return NULL;
    }
    return s;
}

static void free_output(struct output *o);

static void close_output(struct output *o)
{
    if (o->stream)
        fclose(o->stream);
    else if (o->fd >= 0)
        close(o->fd);
    o->stream = NULL;
    o->fd = -1;
}

void outset_free(struct outset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nout; i++)
        free_output(&s->out[i]);
    for (size_t i = 0; i < s->nin; i++) {
        free(s->in[i].path);
        free(s->in[i].what);
        free(s->in[i].id.name);
    }
    free(s->in);
    free(s->out);
    free(s->prog);
    free(s);
}

static int clash(const struct outset *s, const struct output *o, const char *what, const char *path, char *err,
                 size_t errlen)
{
    say(s, o->path, err, errlen, "%s would overwrite %s (%s)", o->what, what, path);
    return OUTSET_CLASH;
}

int outset_input_id(struct outset *s, dev_t dev, ino_t ino, const char *path, const char *what, char *err,
                    size_t errlen)
{
    struct file_id id = {.exists = true, .dev = dev, .ino = ino};
    for (size_t i = 0; i < s->nout; i++)
        if (s->out[i].kind == OUT_FILE && same_id(&s->out[i].id, &id))
            return clash(s, &s->out[i], what, path, err, errlen);
    struct input *in = realloc(s->in, (s->nin + 1) * sizeof *in);
    if (!in) {
        say(s, path, err, errlen, "out of memory");
        return -1;
    }
    s->in = in;
    in = &s->in[s->nin];
    *in = (struct input){.id = id, .path = strdup(path), .what = strdup(what)};
    if (!in->path || !in->what) {
        free(in->path);
        free(in->what);
        say(s, path, err, errlen, "out of memory");
        return -1;
    }
    s->nin++;
    return 0;
}

int outset_input(struct outset *s, const char *path, const char *what, char *err, size_t errlen)
{
    struct stat st;
    /* Only a regular file can be overwritten by an output; a device or FIFO
     * may well be read and written (a terminal). */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return outset_input_id(s, st.st_dev, st.st_ino, path, what, err, errlen);
}

/* The identity and the temporary file of an output that is (or will be) a
 * regular file. */
static int stage_file(struct outset *s, struct output *o, const struct stat *st, bool exists, char *err,
                      size_t errlen)
{
    o->kind = OUT_FILE;
    o->target = follow_links(o->path);
    if (!o->target) {
        say(s, o->path, err, errlen, "cannot create: %s", strerror(errno));
        return -1;
    }
    struct stat tst;
    if (exists && (stat(o->target, &tst) != 0 || tst.st_dev != st->st_dev || tst.st_ino != st->st_ino)) {
        /* /dev/stdout and /proc/self/fd/N lead to their file by a link that
         * has no name to follow */
        say(s, o->path, err, errlen, "cannot write: its symbolic links do not lead to a file name");
        return -1;
    }
    if (exists) {
        o->id = (struct file_id){.exists = true, .dev = st->st_dev, .ino = st->st_ino};
    } else {
        char *dir = file_dir(o->target);
        struct stat dst;
        if (!dir || stat(dir, &dst) != 0) {
            say(s, o->path, err, errlen, "cannot create: %s", dir ? strerror(errno) : "out of memory");
            free(dir);
            return -1;
        }
        free(dir);
        o->id = (struct file_id){.dev = dst.st_dev, .ino = dst.st_ino, .name = strdup(base_part(o->target))};
        if (!o->id.name) {
            say(s, o->path, err, errlen, "out of memory");
            return -1;
        }
    }
    for (size_t i = 0; i < s->nin; i++)
        if (same_id(&s->in[i].id, &o->id))
            return clash(s, o, s->in[i].what, s->in[i].path, err, errlen);
    for (size_t i = 0; i < s->nout; i++)
        if (s->out[i].kind == OUT_FILE && same_id(&s->out[i].id, &o->id))
            return clash(s, o, s->out[i].what, s->out[i].path, err, errlen);
    return 0;
}

static int make_temp(struct outset *s, struct output *o, const struct stat *st, bool exists, char *err,
                     size_t errlen)
{
    /* In the target's directory, so that the rename cannot cross file
     * systems; the name cut short so that the suffix always fits. */
    char *dir = file_dir(o->target);
    const char *base = base_part(o->target);
    size_t len = (dir ? strlen(dir) : 0) + 200 + 16;
    o->tmp = dir ? malloc(len) : NULL;
    if (!o->tmp) {
        free(dir);
        say(s, o->path, err, errlen, "out of memory");
        return -1;
    }
    bool here = strchr(o->target, '/') == NULL;
    snprintf(o->tmp, len, "%s%s%.200s.tmpXXXXXX", here ? "" : dir, here ? "" : strcmp(dir, "/") ? "/" : "", base);
    free(dir);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        say(s, o->path, err, errlen, "cannot create: %s", strerror(errno)); /* not the temporary name: the user never gave it */
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    o->existed = exists;
    mode_t mode;
    if (exists) {
        /* The replacement is the same file to its users: same owner (when
         * we may give it), same permissions; chown first, since it clears
         * the set-id bits. */
        if (fchown(o->fd, st->st_uid, st->st_gid) != 0) {
            /* not allowed unless root: the file becomes ours */
        }
        mode = st->st_mode & 07777;
        o->links = st->st_nlink;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(o->fd, mode) != 0) {
        say(s, o->path, err, errlen, "cannot write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void free_output(struct output *o)
{
    close_output(o);
    if (o->tmp)
        unlink(o->tmp);
    free(o->path);
    free(o->what);
    free(o->target);
    free(o->tmp);
    free(o->id.name);
    free(o->kept);
}

/* Check and stage o; -1 or OUTSET_CLASH after a message. */
static int stage(struct outset *s, struct output *o, char *err, size_t errlen)
{
    const char *path = o->path;
    size_t plen = strlen(path);
    if (plen == 0 || path[plen - 1] == '/') {
        say(s, path, err, errlen, plen ? "not a file name (it ends with '/')" : "not a file name (it is empty)");
        return -1;
    }
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists && errno != ENOENT) {
        say(s, path, err, errlen, "cannot create: %s", strerror(errno));
        return -1;
    }
    if (exists && S_ISDIR(st.st_mode)) {
        say(s, path, err, errlen, "is a directory");
        return -1;
    }
    if (!exists || S_ISREG(st.st_mode)) {
        int r = stage_file(s, o, &st, exists, err, errlen);
        if (r < 0)
            return r;
    } else {
        o->kind = OUT_DIRECT;
    }
    if (exists && (st.st_mode & 0222) == 0) {
        say(s, path, err, errlen, "is read-only (mode %04o)", (unsigned)(st.st_mode & 07777));
        return -1;
    }
    if (exists && access(path, W_OK) != 0) {
        say(s, path, err, errlen, "cannot write: %s", strerror(errno));
        return -1;
    }
    if (o->kind == OUT_FILE)
        return make_temp(s, o, &st, exists, err, errlen);
    /* A device or FIFO: opened now (a FIFO waits here for its reader) so
     * that a failure shows before any output is written. */
    o->fd = open(path, O_WRONLY | O_NOCTTY);
    if (o->fd < 0) {
        say(s, path, err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int outset_add(struct outset *s, const char *path, const char *what, char *err, size_t errlen)
{
    struct output o = {.path = strdup(path), .what = strdup(what), .fd = -1};
    struct output *v = o.path && o.what ? realloc(s->out, (s->nout + 1) * sizeof *v) : NULL;
    if (!v) {
        say(s, path, err, errlen, "out of memory");
        free_output(&o);
        return -1;
    }
    s->out = v;
    int r = stage(s, &o, err, errlen);
    if (r < 0) {
        free_output(&o);
        return r;
    }
    s->out[s->nout] = o;
    return (int)s->nout++;
}

static bool write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        len -= (size_t)w;
    }
    return true;
}

bool outset_put(struct outset *s, int i, const void *buf, size_t len, char *err, size_t errlen)
{
    struct output *o = &s->out[i];
    if (o->kind == OUT_FILE) {
        if (!write_all(o->fd, buf, len)) {
            say(s, o->path, err, errlen, "cannot write: %s", strerror(errno));
            return false;
        }
        return true;
    }
    uint8_t *k = realloc(o->kept, o->kept_len + len + 1);
    if (!k) {
        say(s, o->path, err, errlen, "out of memory");
        return false;
    }
    if (len)
        memcpy(k + o->kept_len, buf, len);
    o->kept = k;
    o->kept_len += len;
    return true;
}

FILE *outset_stream(struct outset *s, int i)
{
    struct output *o = &s->out[i];
    if (!o->stream && o->fd >= 0) {
        o->stream = fdopen(o->fd, "w");
        /* a device or FIFO is read as it is written: a line at a time */
        if (o->stream && o->kind == OUT_DIRECT)
            setvbuf(o->stream, NULL, _IOLBF, 0);
    }
    return o->stream;
}

/* Flush and close a staged output; false with errno set if any of its
 * bytes did not make it. */
static bool finish_output(struct output *o)
{
    bool ok = true;
    int e = 0;
    if (o->stream) {
        if (fflush(o->stream) != 0 || ferror(o->stream))
            ok = false, e = errno ? errno : EIO;
        o->fd = fileno(o->stream);
    }
    if (ok && o->kind == OUT_DIRECT && o->kept && !write_all(o->fd, o->kept, o->kept_len))
        ok = false, e = errno;
    /* On disk before it gets the name: a crash then leaves the old file or
     * the new one, never an empty one. */
    if (ok && o->kind == OUT_FILE && fsync(o->fd) != 0 && errno != EINVAL)
        ok = false, e = errno;
    if (o->stream) {
        if (fclose(o->stream) != 0 && ok)
            ok = false, e = errno;
    } else if (o->fd >= 0 && close(o->fd) != 0 && ok && errno != EINTR) {
        ok = false, e = errno;
    }
    o->stream = NULL;
    o->fd = -1;
    errno = e;
    return ok;
}

static bool exchange(const char *a, const char *b)
{
#ifdef RENAME_EXCHANGE
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0;
#else
    (void)a, (void)b;
    errno = EINVAL;
    return false;
#endif
}

static bool put_in_place(struct output *o)
{
    if (o->existed) {
        if (exchange(o->tmp, o->target)) {
            o->done = EXCHANGED; /* o->tmp now holds the old contents */
            return true;
        }
        if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP && errno != ENOENT)
            return false;
    }
    if (rename(o->tmp, o->target) != 0)
        return false;
    o->done = o->existed ? REPLACED : CREATED;
    free(o->tmp);
    o->tmp = NULL;
    return true;
}

/* After output failed: every output renamed before it back as it was. */
static void take_back(struct outset *s, size_t failed)
{
    for (size_t j = failed; j-- > 0;) {
        struct output *o = &s->out[j];
        if (o->done == EXCHANGED && exchange(o->tmp, o->target))
            o->done = NOT_YET; /* new contents back at o->tmp, removed by outset_free */
        else if (o->done == CREATED && unlink(o->target) == 0)
            o->done = NOT_YET;
    }
}

bool outset_commit(struct outset *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->nout; i++)
        if (!finish_output(&s->out[i])) {
            say(s, s->out[i].path, err, errlen, "cannot write: %s", strerror(errno));
            return false;
        }
    for (size_t i = 0; i < s->nout; i++) {
        struct output *o = &s->out[i];
        if (o->kind != OUT_FILE || put_in_place(o))
            continue;
        int e = errno;
        take_back(s, i);
        bool lost = false;
        for (size_t j = 0; j < i; j++)
            lost |= s->out[j].done == REPLACED;
        say(s, o->path, err, errlen, "cannot write: %s%s", strerror(e),
            lost ? " (and the outputs before it could not be put back)" : "");
        return false;
    }
    for (size_t i = 0; i < s->nout; i++) {
        struct output *o = &s->out[i];
        if (o->done == EXCHANGED) {
            unlink(o->tmp);
            free(o->tmp);
            o->tmp = NULL;
        }
        if (o->kind == OUT_FILE && o->links > 1 && s->prog)
            fprintf(stderr, "%s: warning: %s: had %lu hard links; this name is a new file, the other names keep "
                            "the old contents\n",
                    s->prog, o->path, (unsigned long)o->links);
    }
    return true;
}

bool file_write_atomic(const char *path, const void *buf, size_t len, char *err, size_t errlen)
{
    struct outset *s = outset_new(NULL);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    s->bare_errors = true;
    int o = outset_add(s, path, "the output", err, errlen);
    bool ok = o >= 0 && outset_put(s, o, buf, len, err, errlen) && outset_commit(s, err, errlen);
    outset_free(s);
    return ok;
}
