/*
 * disk_store.c - where a disk's blocks live: in memory, in a file used in
 * place, or in a copy-on-write overlay (disk_store.h).
 */
#include "disk_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "read_capped.h"

/* Block offsets reach 2 TiB. */
_Static_assert(sizeof(off_t) >= 8, "disk_store.c needs a 64-bit off_t");

/* The blocks an overlay holds: open addressing on the block number. */
struct block_map {
    uint32_t *keys; /* block + 1; 0: an empty slot */
    uint8_t **data;
    size_t cap, n;  /* cap: 0 or a power of two */
};

enum kind { STORE_MEMORY, STORE_FILE, STORE_OVERLAY };

struct disk_store {
    enum kind kind;
    uint32_t nblocks;
    uint8_t *mem;            /* memory: the whole disk */
    int fd;                  /* file */
    struct disk_store *base; /* overlay: where unwritten blocks come from */
    struct block_map map;    /* overlay: the blocks written */
    bool written;
    char error[160];         /* the first I/O error, "" if none */
};

/* --- the overlay's map --- */

static size_t slot_of(uint32_t block, size_t cap)
{
    uint32_t x = block;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x & (cap - 1);
}

static uint8_t *map_get(const struct block_map *m, uint32_t block)
{
    if (!m->cap)
        return NULL;
    for (size_t i = slot_of(block, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == 0)
            return NULL;
        if (m->keys[i] == block + 1)
            return m->data[i];
    }
}

static void map_place(uint32_t *keys, uint8_t **data, size_t cap, uint32_t key, uint8_t *d)
{
    size_t i = slot_of(key - 1, cap);
    while (keys[i] != 0)
        i = (i + 1) & (cap - 1);
    keys[i] = key;
    data[i] = d;
}

/* The block's buffer in the map, made (zeroed) if it is not there; NULL if
 * memory runs out. */
static uint8_t *map_add(struct block_map *m, uint32_t block)
{
    uint8_t *d = map_get(m, block);
    if (d)
        return d;
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        uint32_t *keys = calloc(cap, sizeof *keys);
        uint8_t **data = calloc(cap, sizeof *data);
        if (!keys || !data) {
            free(keys);
            free(data);
            return NULL;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                map_place(keys, data, cap, m->keys[i], m->data[i]);
        free(m->keys);
        free(m->data);
        m->keys = keys;
        m->data = data;
        m->cap = cap;
    }
    d = calloc(1, DISK_BLOCK_SIZE);
    if (!d)
        return NULL;
    map_place(m->keys, m->data, m->cap, block + 1, d);
    m->n++;
    return d;
}

static void map_free(struct block_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->data[i]);
    free(m->keys);
    free(m->data);
    *m = (struct block_map){0};
}

/* --- making stores --- */

static struct disk_store *store_new(enum kind kind, uint32_t nblocks)
{
    struct disk_store *s = calloc(1, sizeof *s);
    if (s) {
        s->kind = kind;
        s->nblocks = nblocks;
        s->fd = -1;
    }
    return s;
}

/* A memory store that takes the malloc'd image. */
static struct disk_store *memory_own(uint8_t *image, size_t len)
{
    if (len % DISK_BLOCK_SIZE != 0 || len / DISK_BLOCK_SIZE > DISK_MAX_BLOCKS)
        return NULL;
    struct disk_store *s = store_new(STORE_MEMORY, (uint32_t)(len / DISK_BLOCK_SIZE));
    if (s)
        s->mem = image;
    return s;
}

struct disk_store *disk_store_memory(const uint8_t *image, size_t len)
{
    if (len % DISK_BLOCK_SIZE != 0 || len / DISK_BLOCK_SIZE > DISK_MAX_BLOCKS)
        return NULL;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, image, len);
    struct disk_store *s = memory_own(copy, len);
    if (!s)
        free(copy);
    return s;
}

struct disk_store *disk_store_file(int fd, uint32_t nblocks)
{
    struct disk_store *s = store_new(STORE_FILE, nblocks);
    if (s)
        s->fd = fd;
    else
        close(fd);
    return s;
}

struct disk_store *disk_store_overlay(struct disk_store *base)
{
    struct disk_store *s = store_new(STORE_OVERLAY, base->nblocks);
    if (s)
        s->base = base;
    return s;
}

void disk_store_free(struct disk_store *s)
{
    if (!s)
        return;
    free(s->mem);
    if (s->fd >= 0)
        close(s->fd);
    map_free(&s->map);
    free(s);
}

#define FAIL(...)                                                              \
    do {                                                                       \
        snprintf(err, errlen, __VA_ARGS__);                                    \
        goto fail;                                                             \
    } while (0)

struct disk_store *disk_store_open(const char *path, bool read_only, struct stat *st, char *err, size_t errlen)
{
    int fd = -1;
    uint8_t *buf = NULL;
    struct stat before;
    if (stat(path, &before) != 0)
        FAIL("cannot open: %s", strerror(errno));
    if (S_ISDIR(before.st_mode))
        FAIL("is a directory");
    bool in_place = S_ISREG(before.st_mode) || S_ISBLK(before.st_mode);
    if (in_place && !read_only && S_ISREG(before.st_mode) && !(before.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
        FAIL("is read-only, and the guest's writes go to the disk file");
    /* A pipe is only ever read: opened for writing it would never end. */
    fd = open(path, in_place && !read_only ? O_RDWR : O_RDONLY);
    if (fd < 0)
        FAIL(in_place && !read_only ? "cannot open for writing: %s" : "cannot open: %s", strerror(errno));
    if (fstat(fd, st) != 0)
        FAIL("cannot open: %s", strerror(errno));
    if (S_ISDIR(st->st_mode))
        FAIL("is a directory");
    unsigned long long size;
    if (in_place) {
        off_t end = S_ISREG(st->st_mode) ? st->st_size : lseek(fd, 0, SEEK_END);
        if (end < 0)
            FAIL("cannot read: %s", strerror(errno));
        size = (unsigned long long)end;
    } else {
        size_t len = 0;
        char rerr[200];
        switch (read_capped(fd, DISK_STREAM_MAX, &buf, &len, rerr, sizeof rerr)) {
        case READ_OK: break;
        case READ_TOO_BIG: FAIL("larger than the largest disk read from a pipe or device (%u MiB)", DISK_STREAM_MAX >> 20);
        case READ_FAILED: FAIL("%s", rerr);
        }
        size = len;
    }
    if (size % DISK_BLOCK_SIZE != 0)
        FAIL("disk image is %llu bytes, not a whole number of %u-byte blocks", size, DISK_BLOCK_SIZE);
    if (size / DISK_BLOCK_SIZE > DISK_MAX_BLOCKS)
        FAIL("disk image is %llu bytes, larger than the largest disk (%u blocks of %u bytes)", size,
             DISK_MAX_BLOCKS, DISK_BLOCK_SIZE);
    struct disk_store *s;
    if (in_place) {
        s = disk_store_file(fd, (uint32_t)(size / DISK_BLOCK_SIZE));
        fd = -1; /* the store's now, or closed */
    } else {
        if (!buf)
            buf = malloc(1); /* an empty disk still has an image */
        s = buf ? memory_own(buf, (size_t)size) : NULL;
        if (s)
            buf = NULL;
        close(fd);
        fd = -1;
    }
    if (!s)
        FAIL("out of memory");
    return s;
fail:
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

/* --- blocks --- */

uint32_t disk_store_blocks(const struct disk_store *s) { return s->nblocks; }
bool disk_store_written(const struct disk_store *s) { return s->written; }
bool disk_store_persistent(const struct disk_store *s) { return s->kind == STORE_FILE; }
const char *disk_store_error(const struct disk_store *s) { return s->error[0] ? s->error : NULL; }
const uint8_t *disk_store_image(const struct disk_store *s) { return s->kind == STORE_MEMORY ? s->mem : NULL; }

static bool io_failed(struct disk_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool io_failed(struct disk_store *s, const char *fmt, ...)
{
    if (!s->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->error, sizeof s->error, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool file_read(struct disk_store *s, uint32_t block, uint8_t *buf)
{
    off_t off = (off_t)block * DISK_BLOCK_SIZE;
    for (size_t done = 0; done < DISK_BLOCK_SIZE;) {
        ssize_t n = pread(s->fd, buf + done, DISK_BLOCK_SIZE - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return io_failed(s, "cannot read block %u: %s", block, strerror(errno));
        if (n == 0)
            return io_failed(s, "cannot read block %u: the file is shorter than when it was opened", block);
        done += (size_t)n;
    }
    return true;
}

static bool file_write(struct disk_store *s, uint32_t block, const uint8_t *buf)
{
    off_t off = (off_t)block * DISK_BLOCK_SIZE;
    for (size_t done = 0; done < DISK_BLOCK_SIZE;) {
        ssize_t n = pwrite(s->fd, buf + done, DISK_BLOCK_SIZE - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return io_failed(s, "cannot write block %u: %s", block, n < 0 ? strerror(errno) : "nothing written");
        done += (size_t)n;
    }
    return true;
}

bool disk_store_read(struct disk_store *s, uint32_t block, uint8_t buf[])
{
    if (s->error[0])
        return false; /* a failed store stays failed: its owner has stopped */
    switch (s->kind) {
    case STORE_MEMORY:
        memcpy(buf, s->mem + (size_t)block * DISK_BLOCK_SIZE, DISK_BLOCK_SIZE);
        return true;
    case STORE_FILE:
        return file_read(s, block, buf);
    case STORE_OVERLAY: {
        const uint8_t *d = map_get(&s->map, block);
        if (d) {
            memcpy(buf, d, DISK_BLOCK_SIZE);
            return true;
        }
        if (disk_store_read(s->base, block, buf))
            return true;
        return io_failed(s, "%s", disk_store_error(s->base));
    }
    }
    return false;
}

bool disk_store_write(struct disk_store *s, uint32_t block, const uint8_t buf[])
{
    if (s->error[0])
        return false;
    switch (s->kind) {
    case STORE_MEMORY:
        memcpy(s->mem + (size_t)block * DISK_BLOCK_SIZE, buf, DISK_BLOCK_SIZE);
        break;
    case STORE_FILE:
        if (!file_write(s, block, buf))
            return false;
        break;
    case STORE_OVERLAY: {
        uint8_t *d = map_add(&s->map, block);
        if (!d)
            return io_failed(s, "cannot write block %u: out of memory for the copy-on-write overlay", block);
        memcpy(d, buf, DISK_BLOCK_SIZE);
        break;
    }
    }
    s->written = true;
    return true;
}

/* --- comparing --- */

static bool block_same(struct disk_store *a, struct disk_store *b, uint32_t block)
{
    uint8_t x[DISK_BLOCK_SIZE], y[DISK_BLOCK_SIZE];
    return disk_store_read(a, block, x) && disk_store_read(b, block, y) && memcmp(x, y, sizeof x) == 0;
}

/* The lowest block of a's overlay that differs between a and b, or
 * UINT64_MAX. */
static uint64_t first_diff_in_map(struct disk_store *a, struct disk_store *b)
{
    uint64_t first = UINT64_MAX;
    for (size_t i = 0; i < a->map.cap; i++)
        if (a->map.keys[i] && a->map.keys[i] - 1 < first && !block_same(a, b, a->map.keys[i] - 1))
            first = a->map.keys[i] - 1;
    return first;
}

bool disk_store_same(struct disk_store *a, struct disk_store *b, uint32_t *block)
{
    if (a->nblocks != b->nblocks) {
        *block = a->nblocks < b->nblocks ? a->nblocks : b->nblocks;
        return false;
    }
    if (a->kind == STORE_OVERLAY && b->kind == STORE_OVERLAY && a->base == b->base) {
        /* Every other block is the base's in both. */
        uint64_t da = first_diff_in_map(a, b), db = first_diff_in_map(b, a);
        uint64_t d = da < db ? da : db;
        *block = (uint32_t)d;
        return d == UINT64_MAX;
    }
    if (a->kind == STORE_MEMORY && b->kind == STORE_MEMORY) {
        for (uint32_t i = 0; i < a->nblocks; i++)
            if (memcmp(a->mem + (size_t)i * DISK_BLOCK_SIZE, b->mem + (size_t)i * DISK_BLOCK_SIZE,
                       DISK_BLOCK_SIZE) != 0) {
                *block = i;
                return false;
            }
        return true;
    }
    for (uint64_t i = 0; i < a->nblocks; i++)
        if (!block_same(a, b, (uint32_t)i)) {
            *block = (uint32_t)i;
            return false;
        }
    return true;
}
