/*
 * disk_store.h - where a disk's blocks live.  The disk device (devices.h)
 * reads and writes whole 512-byte blocks through a store, of one of three
 * kinds:
 *
 *   memory   the whole disk in memory, a copy the store owns (tests; a disk
 *            read from a pipe or character device, which cannot be written
 *            back)
 *   file     a regular file or block device used in place: a block is read
 *            from the file when the guest reads it, and each completed
 *            guest write is written to it at once, one pwrite of that block.
 *            Memory does not grow with the disk, and a process killed at any
 *            moment leaves the file holding a prefix of the guest's writes.
 *   overlay  copy-on-write over another store, which it never writes: the
 *            blocks the guest writes stay in memory (runs that must not
 *            change the file: --lockstep runs two machines on one disk).
 *
 * An I/O error on a file (a failed or short read or write) is kept with its
 * block, and the access fails; the device then stops, and its owner stops
 * the machine and reports disk_store_error().
 */
#ifndef VMLAB_DISK_STORE_H
#define VMLAB_DISK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* disk.block and disk.size are 32 bits: no disk has more blocks. */
#define DISK_MAX_BLOCKS UINT32_MAX
/* A disk read from a pipe or character device is held in memory whole. */
#define DISK_STREAM_MAX (64u << 20)

struct disk_store;

/* A memory store holding a copy of image; NULL if len is not a whole
 * number of blocks, is more than DISK_MAX_BLOCKS, or memory runs out. */
struct disk_store *disk_store_memory(const uint8_t *image, size_t len);
/* A file store on fd (which it owns from now on) of nblocks blocks. */
struct disk_store *disk_store_file(int fd, uint32_t nblocks);
/* An overlay over base, which must outlive it. */
struct disk_store *disk_store_overlay(struct disk_store *base);

/* Open path as a disk: a regular file or block device as a file store,
 * opened for writing unless read_only; anything else (a pipe, a character
 * device) read whole, at most DISK_STREAM_MAX bytes, as a memory store.
 * *st is what the opened file is (st_dev, st_ino tell two disks apart).
 * NULL and a one-line message in err (without the path) on failure. */
struct disk_store *disk_store_open(const char *path, bool read_only, struct stat *st, char *err, size_t errlen);

void disk_store_free(struct disk_store *s);

uint32_t disk_store_blocks(const struct disk_store *s);
/* One block (block < disk_store_blocks) into or from buf; false after an
 * I/O error, which disk_store_error then describes. */
bool disk_store_read(struct disk_store *s, uint32_t block, uint8_t buf[]);
bool disk_store_write(struct disk_store *s, uint32_t block, const uint8_t buf[]);

/* Whether a write has completed, and whether writes reach a file. */
bool disk_store_written(const struct disk_store *s);
bool disk_store_persistent(const struct disk_store *s);
/* The first I/O error ("cannot write block 7: File too large"), or NULL. */
const char *disk_store_error(const struct disk_store *s);
/* A memory store's whole disk; NULL for the other kinds. */
const uint8_t *disk_store_image(const struct disk_store *s);
/* Whether a and b hold the same blocks; if not, *block is the first that
 * differs (or fails to read).  Two overlays of one base are compared on
 * the blocks they wrote, whatever the size of the disk. */
bool disk_store_same(struct disk_store *a, struct disk_store *b, uint32_t *block);

#endif
