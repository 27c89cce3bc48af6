/*
 * runvrun.h - running the vrun program from a test: stdin from a string,
 * stdout, stderr and the exit status captured (test_vrun.c,
 * test_vrun_vmm.c).
 */
#ifndef VMLAB_TESTS_RUNVRUN_H
#define VMLAB_TESTS_RUNVRUN_H

#include <stdbool.h>
#include <stddef.h>

struct res {
    bool exited;
    int status; /* exit status, or the signal */
    char *out, *err;
    size_t outlen, errlen;
    long maxrss_kib; /* the most memory vrun held at once (ru_maxrss) */
};

void res_free(struct res *r);

/* A whole file, NUL-terminated ("" if it cannot be read); free() it. */
char *slurp(const char *path, size_t *len);
/* Write a file; fails the test if it cannot. */
void spit(const char *path, const void *data, size_t len);

/* Remove a directory and everything in it (scratch directories). */
void remove_tree(const char *path);

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

#endif
