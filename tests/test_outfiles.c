/*
 * test_outfiles.c - every tool that writes a file (vasm -o -l -m and
 * --update-docs, vdis -o, visa --update, vrun --stats-json, --console-dir
 * and the saved --disk), run as a user runs it ($VMLAB_BIN) on the paths
 * that used to be destroyed (fileio.h):
 *   - a device stays a device (a scratch node made with mknod, or
 *     /dev/null itself when mknod is not allowed), a FIFO stays a FIFO and
 *     its reader gets every byte;
 *   - a symbolic link is written through to its target;
 *   - a read-only file is refused, untouched; a replaced file keeps its
 *     mode; a hard link is replaced with a warning, the other name keeping
 *     the old contents;
 *   - an output that is an input or another output, under any spelling,
 *     through a link or a hard link, is refused with one line before
 *     anything is written;
 *   - when one output fails, the others are not written and nothing
 *     existing is removed.
 * Expected contents come from the same tools writing to a fresh regular
 * file, or from bytes the test wrote itself.
 */
#define _XOPEN_SOURCE 700 /* mknod */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asmtest.h"
#include "scratch.h"
#include "workloads.h"

static char *dir; /* where a test works */
static char *vasm, *vdis, *visa, *vrun;

/* DIR/name (scratch.h). */
static const char *at(const char *name) { return path_in(dir, name); }

static char *line(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *line(const char *f, ...)
{
    static char buf[8192];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

/* Run a tool; its status, and stdout and stderr (freed by the caller). */
static int run(char **out, char **err, ...)
{
    char *argv[32];
    int n = 0;
    va_list ap;
    va_start(ap, err);
    while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
        n++;
    va_end(ap);
    argv[n] = NULL;
    char *o = NULL, *e = NULL;
    int st = run_cmd(argv, false, &o, &e);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return st;
}

static void put(const char *path, const char *text)
{
    unlink(path);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

static bool same_contents(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    bool same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static bool has_text(const char *path, const char *text)
{
    char *s = slurp(path, NULL);
    bool ok = strcmp(s, text) == 0;
    if (!ok)
        fprintf(stderr, "\n  %s holds '%.60s', not '%s'", path, s, text);
    free(s);
    return ok;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static bool exists(const char *path) { return access(path, F_OK) == 0; }

/* Run the tool: stderr must be exactly want (one line), the status st. */
#define EXPECT(out, st, want, ...)                                             \
    do {                                                                       \
        char *e_;                                                              \
        int s_ = run((out), &e_, __VA_ARGS__, NULL);                           \
        expect(s_, (st), e_, (want));                                          \
    } while (0)


static void expect(int st, int want_st, char *err, const char *want)
{
    CU_ASSERT_EQUAL(st, want_st);
    CU_ASSERT_STRING_EQUAL(err, want);
    if (st != want_st || strcmp(err, want) != 0)
        fprintf(stderr, "\n  status %d, stderr:\n%s  wanted %d:\n%s", st, err, want_st, want);
    free(err);
}

/* No temporary file left beside the outputs. */
static void no_litter(void)
{
    char *out;
    run(&out, NULL, "/bin/sh", "-c", line("find '%s' -name '*.tmp*' | grep -c . || true", dir), NULL);
    CU_ASSERT_STRING_EQUAL(out, "0\n");
    free(out);
}

static const char *SRC = "_start: halt zero\n";
static const char *SRC2 = "_start: li a0, 7\n        halt a0\n";

/* $VMLAB_BIN/name, as an absolute path. */
static char *find_tool(const char *name)
{
    char *p = tool_path(name);
    char *abs = realpath(p, NULL); /* a test runs one in another directory */
    if (abs) {
        free(p);
        p = abs;
    }
    return p;
}

static char *top; /* the suite's directory: ref/ (made once), and dir = work/ */

static int suite_init(void)
{
    top = scratch_dir("outfiles");
    vasm = find_tool("vasm"), vdis = find_tool("vdis"), visa = find_tool("visa"), vrun = find_tool("vrun");
    if (!top || access(vasm, X_OK) != 0 || access(vdis, X_OK) != 0 || access(visa, X_OK) != 0 ||
        access(vrun, X_OK) != 0)
        return 1;
    dir = malloc(4096);
    snprintf(dir, 4096, "%s/ref", top);
    if (mkdir(dir, 0755) != 0)
        return 1;
    /* what every test starts from: sources, and what the tools make of
     * them written to fresh regular files */
    FILE *f = fopen(at("p.s"), "w"), *g = fopen(at("q.s"), "w");
    if (!f || !g)
        return 1;
    fputs(SRC, f);
    fputs(SRC2, g);
    fclose(f);
    fclose(g);
    char *a1[] = {vasm, "-o", (char *)at("p.elf"), "-l", (char *)at("p.lst"), "-m", (char *)at("p.map"),
                  (char *)at("p.s"), NULL};
    if (run_cmd(a1, false, NULL, NULL) != 0)
        return 1;
    snprintf(dir, 4096, "%s/work", top);
    return 0;
}

static int suite_clean(void)
{
    tmpdir_remove(top);
    free(dir);
    free(vasm), free(vdis), free(visa), free(vrun);
    return 0;
}

/* A fresh work directory for one test: the reference files, and sub/. */
static void fresh(void)
{
    char *out;
    run(&out, NULL, "/bin/sh", "-c", line("rm -rf '%s' && mkdir -p '%s/sub' && cp '%s'/ref/* '%s'", dir, dir, top, dir),
        NULL);
    free(out);
    CU_ASSERT_FATAL(exists(at("p.map")));
    /* vdis names its input in the text: p.dis is made here, on stdout */
    char *dis;
    CU_ASSERT_FATAL(run(&dis, NULL, vdis, at("p.elf"), NULL) == 0);
    put(at("p.dis"), dis);
    free(dis);
}

/* --- devices and FIFOs ---------------------------------------------------------- */

/* A character device like /dev/null: a scratch node when we may make one
 * (as root; then the real /dev/null is never at risk), else /dev/null. */
static const char *null_device(void)
{
    const char *p = at("null");
    unlink(p);
    if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0)
        return p;
    return "/dev/null";
}

static bool still_null(const char *p)
{
    struct stat st;
    bool ok = lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
    if (!ok)
        fprintf(stderr, "\n  %s is no longer the null device (mode %o)", p, (unsigned)st.st_mode);
    return ok;
}

static void test_device(void)
{
    fresh();
    const char *nul = null_device();
    EXPECT(NULL, 0, "", vdis, "-o", nul, at("p.elf"));
    CU_ASSERT(still_null(nul));
    /* three outputs to one device: no clash (a device is no file to lose) */
    EXPECT(NULL, 0, "", vasm, "-o", nul, "-l", nul, "-m", nul, at("p.s"));
    CU_ASSERT(still_null(nul));
    EXPECT(NULL, 0, "", visa, "--update", nul);
    CU_ASSERT(still_null(nul));
    EXPECT(NULL, 0, "", vasm, "--update-docs", nul);
    CU_ASSERT(still_null(nul));
    EXPECT(NULL, 0, "", vrun, "--stats-json", nul, GUEST_KERNEL, "--boot", "hello");
    CU_ASSERT(still_null(nul));
    no_litter();
}

/* Read the FIFO at path into the regular file copy, in a child; its pid.
 * The child gives up after 10 s, when no writer ever opens the FIFO. */
static pid_t fifo_reader(const char *path, const char *copy)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        int in = open(path, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char buf[4096];
        ssize_t n;
        while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(in >= 0 && out >= 0 ? 0 : 1);
    }
    return pid;
}

static bool reader_done(pid_t pid)
{
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void test_fifo(void)
{
    fresh();
    const char *fifo = at("fifo"), *copy = at("copy");
    CU_ASSERT_FATAL(mkfifo(fifo, 0644) == 0);
    pid_t r = fifo_reader(fifo, copy);
    EXPECT(NULL, 0, "", vdis, "-o", fifo, at("p.elf"));
    CU_ASSERT(reader_done(r));
    CU_ASSERT(S_ISFIFO(mode_of(fifo)));
    CU_ASSERT(same_contents(copy, at("p.dis")));
    /* vasm: the reader gets the very ELF file a regular -o gets */
    r = fifo_reader(fifo, copy);
    EXPECT(NULL, 0, "", vasm, "-o", fifo, at("p.s"));
    CU_ASSERT(reader_done(r));
    CU_ASSERT(S_ISFIFO(mode_of(fifo)));
    CU_ASSERT(same_contents(copy, at("p.elf")));
    /* vrun --console-dir: a console file that is a FIFO gets what the bare
     * machine prints on stdout (it used to be refused: 'cannot write') */
    char *want;
    CU_ASSERT_FATAL(run(&want, NULL, vrun, "--native", GUEST_KERNEL, "--boot", "hello", NULL) == 0);
    CU_ASSERT_FATAL(mkdir(at("con"), 0755) == 0 && mkfifo(at("con/kernel.out"), 0644) == 0);
    r = fifo_reader(at("con/kernel.out"), copy);
    char *out;
    EXPECT(&out, 0, "", vrun, "--console-dir", at("con"), GUEST_KERNEL, "--boot", "hello");
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);
    CU_ASSERT(reader_done(r));
    CU_ASSERT(S_ISFIFO(mode_of(at("con/kernel.out"))));
    CU_ASSERT(has_text(copy, want));
    free(want);
    no_litter();
}

/* --- symbolic links ---------------------------------------------------------------- */

static void test_symlink(void)
{
    fresh();
    /* to an existing file, relative to the link's own directory */
    put(at("target.elf"), "old");
    CU_ASSERT_FATAL(symlink("../target.elf", at("sub/link.elf")) == 0);
    EXPECT(NULL, 0, "", vasm, "-o", at("sub/link.elf"), at("p.s"));
    CU_ASSERT(S_ISLNK(mode_of(at("sub/link.elf"))));
    CU_ASSERT(same_contents(at("target.elf"), at("p.elf")));
    /* a link to a link to a file that is not there yet: made, as '>' makes it */
    CU_ASSERT_FATAL(symlink("link2", at("link1")) == 0);
    CU_ASSERT_FATAL(symlink("sub/new.dis", at("link2")) == 0);
    EXPECT(NULL, 0, "", vdis, "-o", at("link1"), at("p.elf"));
    CU_ASSERT(S_ISLNK(mode_of(at("link1"))) && S_ISLNK(mode_of(at("link2"))));
    CU_ASSERT(same_contents(at("sub/new.dis"), at("p.dis")));
    /* visa --update and vasm --update-docs through a link to a copy of the manual */
    char *manual = slurp("docs/assembler.md", NULL);
    put(at("manual.md"), manual);
    CU_ASSERT_FATAL(symlink("manual.md", at("doc-link.md")) == 0);
    EXPECT(NULL, 0, "", visa, "--update", at("doc-link.md"));
    EXPECT(NULL, 0, "", vasm, "--update-docs", at("doc-link.md"));
    CU_ASSERT(S_ISLNK(mode_of(at("doc-link.md"))));
    CU_ASSERT(has_text(at("manual.md"), manual)); /* the manual is current: the same text again */
    free(manual);
    /* vrun --stats-json */
    CU_ASSERT_FATAL(symlink("stats.json", at("stats-link")) == 0);
    EXPECT(NULL, 0, "", vrun, "--stats-json", at("stats-link"), GUEST_KERNEL, "--boot", "hello");
    CU_ASSERT(S_ISLNK(mode_of(at("stats-link"))));
    char *json = slurp(at("stats.json"), NULL);
    CU_ASSERT(strncmp(json, "{", 1) == 0 && strstr(json, "\"name\": \"kernel\"") != NULL);
    free(json);
    /* vrun --disk: the guest's writes reach the image, not a file put in
     * the link's place */
    put(at("dw.s"), "_start: li t0, 1\n"
                    "        out disk.block, t0\n"
                    "        la t0, data\n"
                    "        out disk.addr, t0\n"
                    "        li t0, 2\n"
                    "        out disk.cmd, t0\n"
                    "1:      in t1, disk.status\n"
                    "        li t2, 1\n"
                    "        beq t1, t2, 1b\n"
                    "        halt t1\n"
                    "        .data\n"
                    "data:   .ascii \"WRITTEN!\"\n");
    CU_ASSERT_FATAL(run(NULL, NULL, vasm, at("dw.s"), NULL) == 0);
    char img[1024];
    memset(img, '.', sizeof img);
    FILE *f = fopen(at("real.img"), "wb");
    CU_ASSERT_FATAL(f && fwrite(img, 1, sizeof img, f) == sizeof img);
    fclose(f);
    CU_ASSERT_FATAL(symlink("real.img", at("link.img")) == 0);
    char *out, *err;
    for (int native = 1; native >= 0; native--) {
        int st = native ? run(&out, &err, vrun, "--native", "--disk", at("link.img"), at("dw.elf"), NULL)
                        : run(&out, &err, vrun, "--disk", at("link.img"), at("dw.elf"), NULL);
        expect(st, 0, err, "");
        free(out);
        CU_ASSERT(S_ISLNK(mode_of(at("link.img"))));
        size_t len;
        char *disk = slurp(at("real.img"), &len);
        memcpy(img + 512, "WRITTEN!", 8); /* block 1: the .data, then memory's zeros */
        memset(img + 520, 0, 504);
        CU_ASSERT(len == sizeof img && memcmp(disk, img, sizeof img) == 0);
        free(disk);
        memset(img, '.', sizeof img); /* again from dots, under the VMM */
        f = fopen(at("real.img"), "wb");
        CU_ASSERT_FATAL(f && fwrite(img, 1, sizeof img, f) == sizeof img);
        fclose(f);
    }
    no_litter();
}

/* --- read-only files, permissions, hard links -------------------------------------- */

static void test_read_only(void)
{
    fresh();
    const char *ro = at("ro.out");
    put(ro, "keep");
    CU_ASSERT_FATAL(chmod(ro, 0444) == 0);
    char *out;
    EXPECT(NULL, 1, line("vasm: %s: is read-only (mode 0444)\n", ro), vasm, "-o", ro, at("p.s"));
    /* as the second output: the first is not written either */
    EXPECT(NULL, 1, line("vasm: %s: is read-only (mode 0444)\n", ro), vasm, "-o", at("new.elf"), "-l", ro, at("p.s"));
    CU_ASSERT(!exists(at("new.elf")));
    EXPECT(NULL, 1, line("vdis: %s: is read-only (mode 0444)\n", ro), vdis, "-o", ro, at("p.elf"));
    EXPECT(NULL, 1, line("visa: %s: is read-only (mode 0444)\n", ro), visa, "--update", ro);
    EXPECT(NULL, 1, line("vasm: %s: is read-only (mode 0444)\n", ro), vasm, "--update-docs", ro);
    /* vrun: before the run, so nothing of it on stdout */
    EXPECT(&out, 1, line("vrun: %s: is read-only (mode 0444)\n", ro), vrun, "--stats-json", ro, GUEST_KERNEL, "--boot", "hello");
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);
    CU_ASSERT(mkdir(at("con"), 0755) == 0);
    put(at("con/b.out"), "keep");
    CU_ASSERT(chmod(at("con/b.out"), 0400) == 0); /* the owner could not write it either */
    EXPECT(&out, 1, line("vrun: %s: is read-only (mode 0400)\n", at("con/b.out")), vrun, "--console-dir", at("con"), "--vm", GUEST_KERNEL, "--name", "a", "--vm", GUEST_KERNEL,
               "--name", "b");
    free(out);
    CU_ASSERT(!exists(at("con/a.out")));
    CU_ASSERT(has_text(at("con/b.out"), "keep"));
    CU_ASSERT(has_text(ro, "keep"));
    CU_ASSERT_EQUAL(mode_of(ro) & 07777, 0444);
    no_litter();
}

static void test_permissions_kept(void)
{
    fresh();
    /* a replaced file keeps its mode */
    put(at("x.elf"), "old");
    CU_ASSERT_FATAL(chmod(at("x.elf"), 0640) == 0);
    EXPECT(NULL, 0, "", vasm, "-o", at("x.elf"), at("p.s"));
    CU_ASSERT_EQUAL(mode_of(at("x.elf")) & 07777, 0640);
    CU_ASSERT(same_contents(at("x.elf"), at("p.elf")));
    put(at("x.dis"), "old");
    CU_ASSERT_FATAL(chmod(at("x.dis"), 0751) == 0);
    EXPECT(NULL, 0, "", vdis, "-o", at("x.dis"), at("p.elf"));
    CU_ASSERT_EQUAL(mode_of(at("x.dis")) & 07777, 0751);
    /* a new one gets 0666 less the umask, as any program's */
    mode_t mask = umask(0);
    umask(mask);
    EXPECT(NULL, 0, "", vasm, "-o", at("y.elf"), at("p.s"));
    CU_ASSERT_EQUAL(mode_of(at("y.elf")) & 07777, 0666 & ~mask);
    no_litter();
}

static void test_hard_link(void)
{
    fresh();
    put(at("a.elf"), "old");
    CU_ASSERT_FATAL(link(at("a.elf"), at("b.elf")) == 0);
    EXPECT(NULL, 0, line("vasm: warning: %s: had 2 hard links; this name is a new file, the other names keep the old "
                "contents\n",
                at("a.elf")), vasm, "-o", at("a.elf"), at("p.s"));
    CU_ASSERT(same_contents(at("a.elf"), at("p.elf")));
    CU_ASSERT(has_text(at("b.elf"), "old"));
    /* written in full or not at all, even so: a failure warns of nothing */
    CU_ASSERT_FATAL(link(at("a.elf"), at("c.elf")) == 0);
    EXPECT(NULL, 1, line("vasm: %s: cannot create: No such file or directory\n", at("nosuch/x.lst")), vasm, "-o", at("a.elf"), "-l", at("nosuch/x.lst"), at("q.s"));
    CU_ASSERT(same_contents(at("a.elf"), at("p.elf")));
    no_litter();
}

/* --- an output that is an input, or another output -------------------------------- */

static void test_same_file(void)
{
    fresh();
    char *out;
    char here[4096];
    CU_ASSERT_FATAL(getcwd(here, sizeof here) != NULL);
    CU_ASSERT_FATAL(chdir(dir) == 0);
    /* the source, spelt another way: ./s.s against s.s (in the tool's
     * directory: a relative spelling, as a user types it) */
    put("s.s", SRC);
    char *err;
    char *argv[] = {vasm, "-o", "./s.s", "s.s", NULL};
    int st = run_cmd(argv, false, &out, &err);
    free(out);
    CU_ASSERT_FATAL(chdir(here) == 0);
    expect(st, 2, err, "vasm: ./s.s: the output would overwrite the source (s.s)\n");
    CU_ASSERT(has_text(at("s.s"), SRC));
    /* through a symbolic link, a hard link, a directory's '..' */
    CU_ASSERT_FATAL(symlink("p.s", at("sym.s")) == 0);
    CU_ASSERT_FATAL(link(at("p.s"), at("hard.s")) == 0);
    EXPECT(NULL, 2, line("vasm: %s: the output would overwrite the source (%s)\n", at("sym.s"), at("p.s")), vasm, "-o", at("sym.s"), at("p.s"));
    EXPECT(NULL, 2, line("vasm: %s: the output would overwrite the source (%s)\n", at("hard.s"), at("p.s")), vasm, "-o", at("hard.s"), at("p.s"));
    EXPECT(NULL, 2, line("vasm: %s: the map would overwrite the source (%s)\n", at("sub/../p.s"), at("p.s")), vasm, "-o", at("x.elf"), "-m", at("sub/../p.s"), at("p.s"));
    CU_ASSERT(has_text(at("p.s"), SRC));
    CU_ASSERT(!exists(at("x.elf")));
    /* an included file, an .incbin file */
    put(at("inc.s"), ".equ V, 5\n");
    put(at("blob.bin"), "BLOB");
    put(at("m.s"), ".include \"inc.s\"\n_start: li a0, V\n halt a0\n.data\n.incbin \"blob.bin\"\n");
    EXPECT(NULL, 2, line("vasm: %s: the output would overwrite an included file (%s)\n", at("inc.s"), at("inc.s")), vasm, "-o", at("inc.s"), at("m.s"));
    EXPECT(NULL, 2, line("vasm: %s: the listing would overwrite an .incbin file (%s)\n", at("sub/../blob.bin"),
                at("blob.bin")), vasm, "-o", at("m.elf"), "-l", at("sub/../blob.bin"), at("m.s"));
    CU_ASSERT(has_text(at("inc.s"), ".equ V, 5\n"));
    CU_ASSERT(has_text(at("blob.bin"), "BLOB"));
    CU_ASSERT(!exists(at("m.elf")));
    /* two outputs, neither there yet; and one that is */
    EXPECT(NULL, 2, line("vasm: %s: the listing would overwrite the output (%s)\n", at("sub/../o.elf"), at("o.elf")), vasm, "-o", at("o.elf"), "-l", at("sub/../o.elf"), at("p.s"));
    CU_ASSERT(!exists(at("o.elf")));
    EXPECT(NULL, 2, line("vasm: %s: the map would overwrite the output (%s)\n", at("p.elf"), at("p.elf")), vasm, "-o", at("p.elf"), "-m", at("p.elf"), at("p.s"));
    /* vdis: its input */
    CU_ASSERT_FATAL(run(NULL, NULL, "/bin/cp", at("p.elf"), at("v.elf"), NULL) == 0);
    EXPECT(NULL, 2, line("vdis: %s: the output would overwrite the image (%s)\n", at("sub/../v.elf"), at("v.elf")), vdis, "-o", at("sub/../v.elf"), at("v.elf"));
    EXPECT(NULL, 2, line("vdis: %s: the output would overwrite the input (%s)\n", at("v.elf"), at("v.elf")), vdis, "--raw", "-o", at("v.elf"), at("v.elf"));
    CU_ASSERT(same_contents(at("v.elf"), at("p.elf")));
    /* vrun: the image, the disk, each other */
    CU_ASSERT_FATAL(run(NULL, NULL, "/bin/cp", GUEST_KERNEL, at("k.elf"), NULL) == 0);
    EXPECT(&out, 2, line("vrun: %s: the statistics would overwrite the image (%s)\n", at("k.elf"), at("k.elf")), vrun, "--stats-json", at("k.elf"), at("k.elf"), "--boot", "hello");
    CU_ASSERT_STRING_EQUAL(out, ""); /* refused before the run */
    free(out);
    CU_ASSERT(same_contents(at("k.elf"), GUEST_KERNEL));
    char disk[2048];
    memset(disk, 'D', sizeof disk);
    FILE *f = fopen(at("d.img"), "wb");
    CU_ASSERT_FATAL(f && fwrite(disk, 1, sizeof disk, f) == sizeof disk);
    fclose(f);
    EXPECT(&out, 2, line("vrun: %s: the statistics would overwrite the disk (%s)\n", at("sub/../d.img"), at("d.img")), vrun, "--stats-json", at("sub/../d.img"), "--disk", at("d.img"), at("k.elf"), "--boot",
               "hello");
    free(out);
    size_t dlen;
    char *dnow = slurp(at("d.img"), &dlen);
    CU_ASSERT(dlen == sizeof disk && memcmp(dnow, disk, sizeof disk) == 0);
    free(dnow);
    /* a VM named after its image "k.out": its console file DIR/k.out */
    CU_ASSERT_FATAL(run(NULL, NULL, "/bin/cp", GUEST_KERNEL, at("k.out"), NULL) == 0);
    EXPECT(&out, 2, line("vrun: %s/k.out: a console file would overwrite the image (%s)\n", dir, at("k.out")), vrun, "--console-dir", dir, at("k.out"), "--boot", "hello");
    free(out);
    CU_ASSERT(same_contents(at("k.out"), GUEST_KERNEL));
    CU_ASSERT(mkdir(at("con"), 0755) == 0);
    EXPECT(&out, 2, line("vrun: %s/a.out: a console file would overwrite the statistics (%s)\n", at("con"), at("con/a.out")), vrun, "--stats-json", at("con/a.out"), "--console-dir", at("con"), "--vm", at("k.elf"),
               "--name", "a", "--boot", "hello");
    free(out);
    CU_ASSERT(!exists(at("con/a.out")));
    no_litter();
}

/* --- all or nothing ------------------------------------------------------------------ */

static void test_all_or_nothing(void)
{
    fresh();
    /* the second output cannot be made: the existing first is kept as it
     * was (it used to be deleted) */
    put(at("o7.elf"), "old");
    EXPECT(NULL, 1, "vasm: /nonexist/x.lst: cannot create: No such file or directory\n", vasm, "-o", at("o7.elf"), "-l", "/nonexist/x.lst", at("q.s"));
    CU_ASSERT(has_text(at("o7.elf"), "old"));
    /* the third: neither the first nor the second changes */
    put(at("o8.lst"), "old listing");
    CU_ASSERT(mkdir(at("o8.map"), 0755) == 0);
    EXPECT(NULL, 1, line("vasm: %s: is a directory\n", at("o8.map")), vasm, "-o", at("o7.elf"), "-l", at("o8.lst"), "-m", at("o8.map"), at("q.s"));
    CU_ASSERT(has_text(at("o7.elf"), "old"));
    CU_ASSERT(has_text(at("o8.lst"), "old listing"));
    /* vrun: a console file that cannot be made costs the statistics too */
    CU_ASSERT(mkdir(at("con"), 0755) == 0);
    CU_ASSERT(mkdir(at("con/b.out"), 0755) == 0);
    put(at("s.json"), "old stats");
    char *out;
    EXPECT(&out, 1, line("vrun: %s: is a directory\n", at("con/b.out")), vrun, "--stats-json", at("s.json"), "--console-dir", at("con"), "--vm", GUEST_KERNEL,
               "--name", "a", "--vm", GUEST_KERNEL, "--name", "b");
    free(out);
    CU_ASSERT(has_text(at("s.json"), "old stats"));
    CU_ASSERT(!exists(at("con/a.out")));
    no_litter();
}

void suite_outfiles(void)
{
    CU_pSuite s = CU_add_suite("outfiles", suite_init, suite_clean);
    CU_add_test(s, "a device stays a device", test_device);
    CU_add_test(s, "a FIFO stays a FIFO, its reader gets every byte", test_fifo);
    CU_add_test(s, "symbolic links are written through (--disk too)", test_symlink);
    CU_add_test(s, "read-only files are refused and left alone", test_read_only);
    CU_add_test(s, "a replaced file keeps its mode", test_permissions_kept);
    CU_add_test(s, "a hard link: replaced, with a warning", test_hard_link);
    CU_add_test(s, "an output that is an input or another output: refused", test_same_file);
    CU_add_test(s, "one output fails: none written, nothing removed", test_all_or_nothing);
}
