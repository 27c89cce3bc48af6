/*
 * test_fileio.c - isa/fileio.c in-process: reading with a limit (exactly
 * the limit is read, one byte more is refused, from a regular file, a FIFO
 * and /dev/zero alike), output sets (a rename that fails at the commit
 * puts back the files renamed before it; an input registered after an
 * output is still compared) and the sizes in messages.
 * The tools' behaviour on devices, FIFOs, links and read-only files is
 * suite outfiles.
 */
#define _XOPEN_SOURCE 700
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asmtest.h"
#include "fileio.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

static bool holds(const char *path, const char *text)
{
    char *s = read_text(path);
    bool ok = s && strcmp(s, text) == 0;
    if (!ok)
        fprintf(stderr, "\n  %s holds '%s', not '%s'", path, s ? s : "(nothing)", text);
    free(s);
    return ok;
}

/* The temporary files left in dir (names with ".tmp"). */
static int temps(const char *dir, char *name, size_t len)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp")) {
            if (name)
                snprintf(name, len, "%s/%s", dir, e->d_name);
            n++;
        }
    if (d)
        closedir(d);
    return n;
}

static void test_size_text(void)
{
    char b[32];
    file_size_text(64u << 20, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "64 MiB");
    file_size_text(1u << 30, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "1 GiB");
    file_size_text(12288, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "12 KiB");
    file_size_text(1000, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "1000 bytes");
    file_size_text((1u << 20) + 1024, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "1025 KiB");
}

/* Feed n bytes of 'z' into the FIFO at path from a child. */
static pid_t feed(const char *path, size_t n)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        int fd = open(path, O_WRONLY);
        char buf[1000];
        memset(buf, 'z', sizeof buf);
        signal(SIGPIPE, SIG_IGN); /* the reader may stop early */
        while (fd >= 0 && n > 0) {
            size_t k = n < sizeof buf ? n : sizeof buf;
            if (write(fd, buf, k) != (ssize_t)k)
                break;
            n -= k;
        }
        _exit(0);
    }
    return pid;
}

static void test_read_limit(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *reg = tmp_path(dir, "reg"), *fifo = tmp_path(dir, "fifo");
    char err[200];
    uint8_t *buf;
    size_t len;
    /* a regular file: exactly the limit, and one byte more */
    put(reg, "0123456789");
    CU_ASSERT(file_read_max(reg, 10, &buf, &len, err, sizeof err) && len == 10 && memcmp(buf, "0123456789", 10) == 0);
    free(buf);
    CU_ASSERT_FALSE(file_read_max(reg, 9, &buf, &len, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "larger than the limit of 9 bytes");
    CU_ASSERT(file_read_max(reg, 0, &buf, &len, err, sizeof err) == false);
    /* a FIFO, which says no size: read up to the limit */
    CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
    for (size_t n = 70000; n <= 70001; n++) {
        pid_t w = feed(fifo, n);
        bool ok = file_read_max(fifo, 70000, &buf, &len, err, sizeof err);
        CU_ASSERT_EQUAL(ok, n == 70000);
        if (ok) {
            CU_ASSERT_EQUAL(len, 70000);
            CU_ASSERT(buf[0] == 'z' && buf[69999] == 'z');
            free(buf);
        } else {
            CU_ASSERT_STRING_EQUAL(err, "larger than the limit of 70000 bytes");
        }
        waitpid(w, NULL, 0);
    }
    /* /dev/zero: the limit, not the memory, ends the reading */
    CU_ASSERT_FALSE(file_read_max("/dev/zero", 4u << 20, &buf, &len, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "larger than the limit of 4 MiB");
    CU_ASSERT(file_read_max("/dev/null", 0, &buf, &len, err, sizeof err) && len == 0);
    free(buf);
    CU_ASSERT_FALSE(file_read_max(dir, 100, &buf, &len, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "is a directory");
    free(reg);
    free(fifo);
    tmpdir_remove(dir);
}

/* The commit's renames: the second fails (its staged file was removed
 * behind the set's back), so the first is put back as it was - an old
 * file with its old contents, a new one gone. */
static void test_commit_takes_back(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *a = tmp_path(dir, "a"), *b = tmp_path(dir, "b"), *c = tmp_path(dir, "c");
    char err[4400], tmp[4096];
    put(a, "old a");
    put(b, "old b");
    struct outset *s = outset_new(NULL);
    int oa = outset_add(s, a, "the first", err, sizeof err);
    int on = outset_add(s, c, "the new one", err, sizeof err);
    CU_ASSERT_FATAL(oa >= 0 && on >= 0);
    CU_ASSERT(outset_put(s, oa, "new a", 5, err, sizeof err));
    CU_ASSERT(outset_put(s, on, "new c", 5, err, sizeof err));
    CU_ASSERT_EQUAL(temps(dir, NULL, 0), 2);
    int ob = outset_add(s, b, "the second", err, sizeof err);
    CU_ASSERT_FATAL(ob >= 0);
    CU_ASSERT(outset_put(s, ob, "new b", 5, err, sizeof err));
    /* b's staged file is the newest: find it by what it holds */
    DIR *d = opendir(dir);
    struct dirent *e;
    tmp[0] = '\0';
    while ((e = readdir(d)) != NULL) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        char *t = strstr(e->d_name, ".tmp") ? read_text(p) : NULL;
        if (t && strcmp(t, "new b") == 0)
            snprintf(tmp, sizeof tmp, "%s", p);
        free(t);
    }
    closedir(d);
    CU_ASSERT_FATAL(tmp[0] != '\0' && unlink(tmp) == 0);
    CU_ASSERT_FALSE(outset_commit(s, err, sizeof err));
    char want[4400];
    snprintf(want, sizeof want, "%s: cannot write: No such file or directory", b);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT(holds(a, "old a"));
    CU_ASSERT(holds(b, "old b"));
    CU_ASSERT(access(c, F_OK) != 0);
    outset_free(s);
    CU_ASSERT_EQUAL(temps(dir, NULL, 0), 0);
    /* and when nothing fails, all three */
    put(b, "old b");
    s = outset_new(NULL);
    oa = outset_add(s, a, "the first", err, sizeof err);
    on = outset_add(s, c, "the new one", err, sizeof err);
    ob = outset_add(s, b, "the second", err, sizeof err);
    CU_ASSERT(outset_put(s, oa, "new a", 5, err, sizeof err) && outset_put(s, on, "new c", 5, err, sizeof err));
    fputs("new b", outset_stream(s, ob));
    CU_ASSERT(outset_commit(s, err, sizeof err));
    outset_free(s);
    CU_ASSERT(holds(a, "new a") && holds(b, "new b") && holds(c, "new c"));
    CU_ASSERT_EQUAL(temps(dir, NULL, 0), 0);
    /* a set freed without a commit leaves everything as it was */
    s = outset_new(NULL);
    oa = outset_add(s, a, "the first", err, sizeof err);
    CU_ASSERT(outset_put(s, oa, "newer", 5, err, sizeof err));
    outset_free(s);
    CU_ASSERT(holds(a, "new a"));
    CU_ASSERT_EQUAL(temps(dir, NULL, 0), 0);
    free(a), free(b), free(c);
    tmpdir_remove(dir);
}

static void test_identity(void)
{
    char *dir = tmpdir_make();
    if (!dir)
        return;
    char *a = tmp_path(dir, "a"), *l = tmp_path(dir, "l"), *n = tmp_path(dir, "sub/../n");
    char *sub = tmp_path(dir, "sub");
    CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
    free(sub);
    put(a, "input");
    CU_ASSERT_FATAL(symlink("a", l) == 0);
    char err[4400], want[4400];
    struct outset *s = outset_new(NULL);
    /* an input registered after the output that is the same file */
    CU_ASSERT(outset_add(s, l, "the output", err, sizeof err) >= 0);
    CU_ASSERT_EQUAL(outset_input(s, a, "the source", err, sizeof err), OUTSET_CLASH);
    snprintf(want, sizeof want, "%s: the output would overwrite the source (%s)", l, a);
    CU_ASSERT_STRING_EQUAL(err, want);
    /* a name not made yet, spelt two ways */
    CU_ASSERT(outset_add(s, n, "one", err, sizeof err) >= 0);
    char *n2 = tmp_path(dir, "n");
    CU_ASSERT_EQUAL(outset_add(s, n2, "two", err, sizeof err), OUTSET_CLASH);
    snprintf(want, sizeof want, "%s: two would overwrite one (%s)", n2, n);
    CU_ASSERT_STRING_EQUAL(err, want);
    /* inputs that are not regular files are no one's to overwrite */
    CU_ASSERT_EQUAL(outset_input(s, "/dev/null", "the input", err, sizeof err), 0);
    CU_ASSERT_EQUAL(outset_input(s, dir, "a directory", err, sizeof err), 0);
    CU_ASSERT(outset_add(s, "/dev/null", "the output", err, sizeof err) >= 0);
    outset_free(s);
    CU_ASSERT(holds(a, "input"));
    CU_ASSERT_EQUAL(temps(dir, NULL, 0), 0);
    /* bad names */
    s = outset_new(NULL);
    CU_ASSERT_EQUAL(outset_add(s, "", "x", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, ": not a file name (it is empty)");
    snprintf(want, sizeof want, "%s/: not a file name (it ends with '/')", dir);
    char *slash = tmp_path(dir, "");
    CU_ASSERT_EQUAL(outset_add(s, slash, "x", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, want);
    outset_free(s);
    free(slash);
    /* file_write_atomic: the same rules, messages without the path */
    CU_ASSERT(chmod(a, 0444) == 0);
    CU_ASSERT_FALSE(file_write_atomic(a, "x", 1, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "is read-only (mode 0444)");
    CU_ASSERT(file_write_atomic(n, "made", 4, err, sizeof err) && holds(n2, "made"));
    free(a), free(l), free(n), free(n2);
    tmpdir_remove(dir);
}

void suite_fileio(void)
{
    CU_pSuite s = CU_add_suite("fileio", NULL, NULL);
    CU_add_test(s, "sizes in messages", test_size_text);
    CU_add_test(s, "reading with a limit: regular, FIFO, /dev/zero", test_read_limit);
    CU_add_test(s, "a failed rename puts back the ones before it", test_commit_takes_back);
    CU_add_test(s, "identity: inputs after outputs, names not made yet", test_identity);
}
