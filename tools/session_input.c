/*
 * session_input.c - what a session reads: images, disks, and what two
 * machines run side by side share (session.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "disk_store.h"
#include "lockstep.h"
#include "read_capped.h"
#include "session.h"

bool session_read_image(const char *prog, const char *path, struct elf_image *img)
{
    char err[512];
    if (elf_read_file(path, img, err, sizeof err))
        return true;
    fprintf(stderr, "%s: %s: %s\n", prog, path, err);
    return false;
}

/* A regular file or block device is used in place, each block the guest
 * writes written to it at once; read_only (--lockstep) opens it for
 * reading only, and each run writes into its own copy-on-write overlay.
 * A pipe or device is read whole. */
struct disk_store *session_open_disk(const char *prog, const char *path, bool read_only, struct stat *st)
{
    char err[300];
    struct stat ignored;
    struct disk_store *s = disk_store_open(path, read_only, st ? st : &ignored, err, sizeof err);
    if (!s)
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
    return s;
}

bool session_disk_ok_at_exit(const char *prog, const char *path, const char *vm, struct disk_store *s)
{
    if (!s)
        return true;
    const char *why = disk_store_error(s);
    if (!why && (!disk_store_written(s) || disk_store_persistent(s)))
        return true;
    fprintf(stderr, "%s: %s%s%s%s: %s\n", prog, vm ? "[" : "", vm ? vm : "", vm ? "] " : "", path,
            why ? why : "the guest's disk writes were not saved: a disk read from a pipe or device is never "
                        "written");
    return false;
}

/* All of stdin, for both runs of mode (at most LOCKSTEP_INPUT_MAX); a
 * closed stdin is no input.  false after one line on stderr. */
static bool read_input(const char *prog, const char *mode, uint8_t **input, size_t *len)
{
    if (fcntl(STDIN_FILENO, F_GETFD) < 0)
        return true;
    char err[300];
    switch (read_capped(STDIN_FILENO, LOCKSTEP_INPUT_MAX, input, len, err, sizeof err)) {
    case READ_OK: return true;
    case READ_TOO_BIG:
        fprintf(stderr, "%s: stdin: larger than the largest console input for %s (%u MiB)\n", prog, mode,
                LOCKSTEP_INPUT_MAX >> 20);
        return false;
    case READ_FAILED: break;
    }
    fprintf(stderr, "%s: stdin: %s\n", prog, err);
    return false;
}

void session_inputs_close(struct session_inputs *in)
{
    elf_free(&in->img);
    free(in->input);
    disk_store_free(in->disk);
}

bool session_inputs_open(const char *prog, const char *mode, const struct session_vm *vm, struct session_inputs *in)
{
    *in = (struct session_inputs){0};
    if (!session_read_image(prog, vm->path, &in->img))
        return false;
    if ((vm->disk && !(in->disk = session_open_disk(prog, vm->disk, true, NULL))) ||
        !read_input(prog, mode, &in->input, &in->input_len)) {
        session_inputs_close(in);
        return false;
    }
    return true;
}

bool session_parse_size(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    bool over = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    unsigned shift = 0;
    switch (*s) {
    case 'K': case 'k': shift = 10; s++; break;
    case 'M': case 'm': shift = 20; s++; break;
    case 'G': case 'g': shift = 30; s++; break;
    }
    if (*s != '\0')
        return false;
    *out = over || v > UINT64_MAX >> shift ? UINT64_MAX : v << shift;
    return true;
}

bool session_parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        return false;
    *out = v;
    return true;
}
