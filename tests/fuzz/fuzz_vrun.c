/*
 * fuzz_vrun.c - vrun's command line as a fuzz target.
 *
 * The input is a list of arguments, one per line (or NUL-separated); an
 * argument "@N" stands for the N-th word of a dictionary of vrun's options,
 * their values and files made for the run (images that halt, a disk, a
 * read-only file, a directory, a path that does not exist, /dev/null), so
 * that most inputs are command lines vrun must take apart, not noise.
 * vrun's main runs in-process (compiled as vrun_main), with stdin from
 * /dev/null, stdout thrown away and stderr kept.
 *
 * What must hold, besides no crash and no sanitizer report:
 *   - the exit status is one vrun documents: 0 (every image here halts
 *     with 0), 1 bad input, 2 bad usage, 3 lockstep differences, 124 the
 *     instruction limit, 125 an abnormal stop;
 *   - a failure says so on stderr in lines that start with "vrun: " (a
 *     stop's may be followed by the registers, indented, as docs/isa.md
 *     says), and bad usage in exactly one line;
 *   - 3 (the bare machine and the VMM differ) only on the x86like ISA,
 *     which is where they may: these images are equivalent on pg;
 *   - /dev/null is still a character device.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asm.h"
#include "fuzz_targets.h"

int vrun_main(int argc, char **argv);

#define MAX_ARGS 24
#define MAX_ARG_LEN 200

/* The images: programs of the project that halt by themselves. */
static const char *const sources[] = {"assembler/examples/hello.s", "tests/guests/dma.s", "tests/guests/irq.s"};
#define NSOURCES (sizeof sources / sizeof sources[0])

struct vrun_fuzz {
    char dir[64];
    char path[16][160]; /* files the dictionary names */
    bool ready;
};

static const char *const words[] = {
    "--native", "--lockstep", "--vm", "-m", "--isa", "--disk", "-n", "--boot", "--name", "--shadow", "--quantum",
    "--console-dir", "--stats", "--stats-json", "-h", "--mem", "--max-insns", "pg", "x86like", "cache", "demand",
    "rebuild", "16M", "64K", "4K", "1M", "4097", "0", "-1", "100", "1000000", "a", "b", "", "--", "-",
};
#define NWORDS (sizeof words / sizeof words[0])
enum { P_HELLO, P_DMA, P_IRQ, P_DISK, P_RO, P_NONE, P_OUT, P_STATS, P_DIR, P_DEVNULL, NPATHS };

static bool setup(struct vrun_fuzz *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/vmlab-fuzz-vrun-%d", (int)getpid());
    mkdir(f->dir, 0777);
    for (size_t i = 0; i < NSOURCES; i++) {
        struct asm_result res;
        snprintf(f->path[i], sizeof f->path[i], "%s/%zu.elf", f->dir, i);
        bool ok = asm_assemble_file(sources[i], &(struct asm_options){0}, &res) && res.ok;
        FILE *o = ok ? fopen(f->path[i], "wb") : NULL;
        ok = o && fwrite(res.elf, 1, res.elf_len, o) == res.elf_len;
        if (o)
            fclose(o);
        asm_result_free(&res);
        if (!ok)
            return false;
    }
    snprintf(f->path[P_DISK], sizeof f->path[0], "%s/disk.img", f->dir);
    snprintf(f->path[P_RO], sizeof f->path[0], "%s/ro.img", f->dir);
    snprintf(f->path[P_NONE], sizeof f->path[0], "%s/nonexistent", f->dir);
    snprintf(f->path[P_OUT], sizeof f->path[0], "%s/out", f->dir);
    snprintf(f->path[P_STATS], sizeof f->path[0], "%s/stats.json", f->dir);
    snprintf(f->path[P_DIR], sizeof f->path[0], "%s", f->dir);
    snprintf(f->path[P_DEVNULL], sizeof f->path[0], "/dev/null");
    return true;
}

/* Files as every run finds them: a fresh disk of 16 zero blocks, a
 * read-only one, an empty output directory, no statistics file. */
static bool fresh_files(struct vrun_fuzz *f)
{
    static const uint8_t zeros[16 * 512];
    for (int p = P_DISK; p <= P_RO; p++) {
        chmod(f->path[p], 0644);
        FILE *o = fopen(f->path[p], "wb");
        if (!o || fwrite(zeros, 1, sizeof zeros, o) != sizeof zeros) {
            if (o)
                fclose(o);
            return false;
        }
        fclose(o);
    }
    chmod(f->path[P_RO], 0444);
    unlink(f->path[P_STATS]);
    /* anything else a command line made in the scratch directory: a file
     * whose name is not an image or a disk */
    DIR *d = opendir(f->dir);
    if (!d)
        return false;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        bool keep = e->d_name[0] == '.' || (n > 4 && (!strcmp(e->d_name + n - 4, ".elf") || !strcmp(e->d_name + n - 4, ".img")));
        char path[sizeof f->dir + sizeof e->d_name + 1];
        snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
        struct stat st;
        if (!keep && lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
            unlink(path);
    }
    closedir(d);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "%s", f->path[P_OUT]);
    mkdir(cmd, 0777);
    for (int i = 0; i < 4; i++) { /* the console files vrun may have made */
        static const char *const names[] = {"vm", "a", "b", "0"};
        snprintf(cmd, sizeof cmd, "%s/%s.out", f->path[P_OUT], names[i]);
        unlink(cmd);
    }
    return true;
}

/* Run vrun_main on argv in the scratch directory dir (a file the command
 * line names, relative, lands there), with stdin from /dev/null, stdout
 * discarded and stderr into errbuf; returns its status. */
static int run_vrun(const char *dir, int argc, char **argv, char *errbuf, size_t errlen)
{
    int here = open(".", O_RDONLY | O_DIRECTORY);
    if (here < 0 || chdir(dir) != 0) {
        snprintf(errbuf, errlen, "cannot enter %s", dir);
        if (here >= 0)
            close(here);
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    int saved[3] = {dup(0), dup(1), dup(2)};
    int in = open("/dev/null", O_RDONLY), out = open("/dev/null", O_WRONLY);
    FILE *err = tmpfile();
    dup2(in, 0);
    dup2(out, 1);
    if (err)
        dup2(fileno(err), 2);
    clearerr(stdin);
    optind = 0; /* getopt starts afresh */
    int status = vrun_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 3; i++) {
        dup2(saved[i], i);
        close(saved[i]);
    }
    close(in);
    close(out);
    clearerr(stdin);
    if (fchdir(here) != 0)
        abort(); /* the fuzzer's own files are relative to where it started */
    close(here);
    size_t n = 0;
    if (err) {
        rewind(err);
        n = fread(errbuf, 1, errlen - 1, err);
        fclose(err);
    }
    errbuf[n] = '\0';
    return status;
}

static bool stderr_ok(int status, const char *err, char *report, size_t len)
{
    unsigned lines = 0;
    bool said = false; /* a "vrun: " line came: indented lines may follow it */
    for (const char *l = err; *l;) {
        const char *end = strchr(l, '\n');
        bool continues = said && strncmp(l, "  ", 2) == 0; /* the registers after a stop (docs/isa.md) */
        said = said || strncmp(l, "vrun: ", 6) == 0;
        if (strncmp(l, "vrun: ", 6) != 0 && !continues && status != 0 && status != 3) {
            snprintf(report, len, "status %d and a line of stderr that does not start with \"vrun: \":\n%s", status,
                     err);
            return false;
        }
        lines++;
        l = end ? end + 1 : l + strlen(l);
    }
    if ((status == 1 || status == 2) && lines == 0) {
        snprintf(report, len, "status %d with nothing on stderr", status);
        return false;
    }
    if (status == 2 && lines != 1) {
        snprintf(report, len, "bad usage in %u lines, not one:\n%s", lines, err);
        return false;
    }
    return true;
}

bool fuzz_check_vrun(const uint8_t *data, size_t size, char *report, size_t len)
{
    static struct vrun_fuzz f;
    if (!f.ready && !(f.ready = setup(&f))) {
        snprintf(report, len, "cannot make the images in %s", f.dir);
        return false;
    }
    if (!fresh_files(&f)) {
        snprintf(report, len, "cannot make the scratch files in %s", f.dir);
        return false;
    }
    static char args[MAX_ARGS][MAX_ARG_LEN + 1];
    char *argv[MAX_ARGS + 2] = {"vrun"};
    int argc = 1;
    bool x86 = false;
    for (size_t i = 0; i < size && argc <= MAX_ARGS;) {
        size_t n = 0;
        while (i + n < size && data[i + n] != '\n' && data[i + n] != '\0')
            n++;
        char *a = args[argc - 1];
        size_t k = n < MAX_ARG_LEN ? n : MAX_ARG_LEN;
        memcpy(a, data + i, k);
        a[k] = '\0';
        if (a[0] == '@' && a[1] >= '0' && a[1] <= '9') {
            unsigned w = (unsigned)atoi(a + 1) % (NWORDS + NPATHS);
            snprintf(a, MAX_ARG_LEN + 1, "%s", w < NWORDS ? words[w] : f.path[w - NWORDS]);
        }
        x86 |= strstr(a, "x86") != NULL;
        argv[argc++] = a;
        i += n + 1;
    }
    argv[argc] = NULL;

    static char err[16384];
    int status = run_vrun(f.dir, argc, argv, err, sizeof err);
    bool ok = true;
    if (status != 0 && status != 1 && status != 2 && status != 3 && status != 124 && status != 125) {
        snprintf(report, len, "exit status %d is not one vrun documents; stderr:\n%s", status, err);
        ok = false;
    } else if (status == 3 && !x86) {
        snprintf(report, len, "--lockstep found a difference on the pg ISA, where these images are equivalent:\n%s",
                 err);
        ok = false;
    } else {
        ok = stderr_ok(status, err, report, len);
    }
    struct stat st;
    if (ok && (stat("/dev/null", &st) != 0 || !S_ISCHR(st.st_mode))) {
        snprintf(report, len, "/dev/null is no longer a character device");
        ok = false;
    }
    if (!ok) {
        size_t at = strlen(report);
        for (int i = 1; i < argc && at + 4 < len; i++)
            at += (size_t)snprintf(report + at, len - at, "%s'%s'", i == 1 ? "\ncommand line: vrun " : " ", argv[i]);
    }
    return ok;
}
