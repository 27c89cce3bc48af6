/*
 * fileio.h - reading files with a limit, and writing them so that nothing
 * is destroyed: the one place every tool's file output goes through.
 *
 * Writing, by what the output path is (after following symbolic links to
 * their target, as the shell's '>' does):
 *   - a regular file, or nothing yet: written whole to a temporary file in
 *     the same directory and renamed over the path only when every output
 *     of the run is ready; an existing file keeps its mode and owner.
 *   - a character or block device, or a FIFO: written directly (a device
 *     cannot be replaced, and /dev/null must stay /dev/null).
 *   - a directory, or a file whose mode bits give nobody write permission:
 *     refused ("is read-only (mode 0444)"); the mode bits decide, since
 *     root may write anything.
 *   - a regular file with other hard links: replaced like any other; the
 *     other names keep the old contents, and a warning says so.  Writing
 *     in place would keep the link but could leave the file half written,
 *     and a hard-linked tree (cp -al backups) must not change under a
 *     build; compilers, linkers and sed -i break the link the same way.
 *   - the same file as an input of the run, or as another output (device
 *     and inode compared, not spellings): refused before anything is
 *     written.
 */
#ifndef VMLAB_FILEIO_H
#define VMLAB_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Read a whole file into a malloc'd buffer.  On error: false, and a
 * message such as "cannot open: No such file or directory" in err. */
bool file_read(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);
/* The same, refusing a file of more than max bytes ("larger than the
 * limit of 64 MiB"); a FIFO or a device is read up to the limit and no
 * further, so /dev/zero costs max bytes and not all memory. */
bool file_read_max(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);
/* The directory part of path, malloc'd: "." when it has none, "/" for a
 * file in the root. */
char *file_dir(const char *path);
/* "64 MiB", "4 KiB" or "1000 bytes", for messages about limits. */
void file_size_text(uint64_t n, char *buf, size_t len);

/* Write one file as an output set of one (below) with no inputs. */
bool file_write_atomic(const char *path, const void *buf, size_t len, char *err, size_t errlen);


/* ---- output sets: every output of a run, all or nothing ------------------
 *
 *   struct outset *s = outset_new("vasm");
 *   outset_input(s, "p.s", "the source", ...);     every input first
 *   int o = outset_add(s, "p.elf", "the output", ...);
 *   outset_put(s, o, elf, len, ...);               or fprintf(outset_stream(s, o), ...)
 *   outset_commit(s, ...);                         all the outputs appear, or none
 *   outset_free(s);                                removes whatever was not committed
 *
 * Errors come back in err as one line starting with the path the caller
 * gave ("p.elf: is read-only (mode 0444)"); the tool adds its name. */

struct outset;

#define OUTSET_CLASH (-2) /* an output is an input, or another output */

/* prog names the warnings ("vasm: warning: ..."), which go to stderr at
 * commit; NULL: no warnings. */
struct outset *outset_new(const char *prog);
void outset_free(struct outset *s);

/* A file no output may overwrite; what says what it is ("the source").
 * A path that cannot be looked at is left out: its reader reports it.
 * Returns 0, or OUTSET_CLASH if an output added earlier is this file. */
int outset_input(struct outset *s, const char *path, const char *what, char *err, size_t errlen);
int outset_input_id(struct outset *s, dev_t dev, ino_t ino, const char *path, const char *what, char *err,
                    size_t errlen);

/* Stage an output: check it and make its temporary file (or open the
 * device or FIFO).  Returns its number, -1 on error, OUTSET_CLASH. */
int outset_add(struct outset *s, const char *path, const char *what, char *err, size_t errlen);

/* The whole contents of output o at once: into its temporary file, or for
 * a device or FIFO kept until the commit. */
bool outset_put(struct outset *s, int o, const void *buf, size_t len, char *err, size_t errlen);
/* Or written as the run goes: into the temporary file, or straight to the
 * device or FIFO.  The set owns the stream. */
FILE *outset_stream(struct outset *s, int o);

/* Write what was kept for devices and FIFOs, then rename every temporary
 * file over its path; if one fails, the ones renamed before it are put
 * back (where the file system can exchange two names) and nothing else is
 * touched.  Then the hard-link warnings.  Once per set.  (What a device or
 * FIFO was given cannot be taken back: only files are all or nothing.) */
bool outset_commit(struct outset *s, char *err, size_t errlen);

#endif
