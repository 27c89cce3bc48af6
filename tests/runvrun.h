/*
 * runvrun.h - running the vrun program from a test: a suite's program and
 * scratch directory; the images it runs, written from a struct prog; a run
 * with stdin from a string or a file and stdout, stderr and the exit
 * status captured, or one the test talks to while it runs; and the two
 * ways a run must end (test_vrun.c, test_vrun_vmm.c, test_vrun_input.c,
 * test_isolation.c).
 */
#ifndef VMLAB_TESTS_RUNVRUN_H
#define VMLAB_TESTS_RUNVRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "elf_write.h"
#include "prog.h"

struct res {
    bool exited;
    int status; /* exit status, or the signal */
    char *out, *err;
    size_t outlen, errlen;
    long maxrss_kib; /* the most memory vrun held at once (ru_maxrss) */
};

void res_free(struct res *r);

/* The stop report of a run: err starts with the line `first`, the pc line
 * and the registers follow (tools/session_report.c), and nothing after
 * them unless more is true (several VMs, each with its report).  Says what
 * differs on stderr when it does not hold. */
bool err_has_report(const char *err, const char *first, bool more);

/* A suite that runs vrun keeps the program, *vrun = $VMLAB_BIN/vrun, and
 * a scratch directory, *dir = scratch_dir(tag), with subdir (when not
 * NULL) made in it: its CUnit set-up (0, or 1 if the directory cannot be
 * made) and clean-up. */
int vrun_suite_init(char **vrun, char **dir, const char *tag, const char *subdir);
int vrun_suite_clean(char **vrun, char **dir);

/* Run the program at path as "vrun" with args (NULL-terminated, without
 * argv[0]) and stdin data, using scratch files in dir; killed after 30 s
 * so that a hung vrun fails its test instead of hanging the run. */
void run_vrun(const char *path, const char *dir, struct res *res, const char *in, size_t inlen,
              const char *const *args);

/* The same with stdin taken from a file or device (stdin_path, e.g.
 * "/dev/zero"), or, when it is NULL, from a pipe fed with in[0..inlen)
 * (so that vrun sees a pipe, not a regular file); when fsize_limit is not
 * 0, RLIMIT_FSIZE set to it (with SIGXFSZ ignored, so that a write past it
 * fails with EFBIG instead of killing vrun); killed after timeout seconds
 * (0: 30), for the few runs that are slow by nature (a 1 GiB VM). */
struct vrun_setup {
    const char *stdin_path;
    const char *in;
    size_t inlen;
    long long fsize_limit;
    unsigned timeout;
};
void run_vrun_with(const char *path, const char *dir, struct res *res, const struct vrun_setup *s,
                   const char *const *args);

/* vrun with stdout and stdin on pipes, for tests that act while it runs:
 * started like run_vrun (stderr to DIR/.stderr); its stdout read until n
 * newlines have come in all (false if it ends first); ended: stdin closed,
 * stdout drained, its wait status, and stderr in *err (free() it). */
struct live {
    pid_t pid;
    int to, from; /* its stdin, its stdout */
    char errpath[4096];
};
void live_start(struct live *l, const char *path, const char *dir, const char *const *args);
bool live_lines(struct live *l, unsigned long n, unsigned long *seen);
int live_end(struct live *l, char **err);

/* vrun exited with status and said nothing on stderr. */
void expect_ok(const struct res *r, int status);
/* Exactly one line on stderr, `line`, nothing on stdout, this status. */
void expect_error(const struct res *r, int status, const char *line);

/* Where the programs of the images start: halt_image's, and the suites' own. */
#define IMAGE_ENTRY 0x1000u

/* DIR/name: an image of p, one text section at p->base (and up to three
 * extra sections); the path is path_in's (scratch.h). */
const char *prog_image(const char *dir, const char *name, const struct prog *p, const struct elf_out_section *extra,
                       size_t nextra);
/* DIR/name: the program "halt with v" at IMAGE_ENTRY. */
const char *halt_image(const char *dir, const char *name, uint32_t v);
/* DIR/name: a branch to itself at IMAGE_ENTRY, for ever. */
const char *spin_image(const char *dir, const char *name);

#endif
