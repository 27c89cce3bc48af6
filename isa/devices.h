/*
 * devices.h - the machine's devices as self-contained models: the interval
 * timer, the console and the disk, and the port map that joins them.
 *
 * A device knows nothing of the CPU.  It sees time as a cycle count passed
 * in by its owner and memory through a struct dma, so the same code serves
 * the bare machine (real cycles, physical memory) and each virtual machine
 * of the VMM (the guest's cycles, guest-physical memory through its pmap).
 */
#ifndef VMLAB_DEVICES_H
#define VMLAB_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine.h"

/* How a device reaches memory: physical addresses of its owner's memory. */
struct dma {
    void *ctx;
    uint32_t mem_size;
    bool (*read)(void *ctx, uint32_t pa, void *buf, size_t len);
    bool (*write)(void *ctx, uint32_t pa, const void *buf, size_t len);
};

struct itimer {
    uint64_t at;  /* cycle count at which it fires; 0: disarmed */
    bool pending;
};

struct console {
    struct console_io io;
    uint32_t ctrl;
    int rx;      /* the byte waiting to be read, or -1 */
    bool eof;    /* the input has ended */
};

struct disk_store; /* disk_store.h: where the blocks live */

struct disk {
    struct disk_store *store;   /* NULL: no disk */
    uint32_t block, addr, ctrl; /* registers as last written */
    uint32_t status;
    bool done;                  /* completion interrupt raised, not yet acknowledged */
    uint32_t op_cmd, op_block, op_addr; /* the command in flight */
    uint64_t op_done_at;        /* cycle count at which it completes */
};

struct devices {
    struct itimer timer;
    struct console con;
    struct disk disk;
};

/* Back to reset state; the console's io and the disk's store stay. */
void devices_reset(struct devices *d);
void devices_free(struct devices *d);

/* in/out on a port, at cycle count now. */
uint32_t devices_in(struct devices *d, unsigned port);
void devices_out(struct devices *d, unsigned port, uint32_t v, uint64_t now);

/* Before in from a port, or wfi: whether the instruction finds the input
 * it looks for (in from con.data or con.status; wfi with RXIE set and no
 * interrupt pending).  False if the console's host answered CONSOLE_AGAIN:
 * nothing has changed, and the instruction must not execute yet.  Once
 * true, devices_in on that port or devices_wait asks the host nothing.
 * (Called without this, they ask until the host answers: blocking.) */
bool devices_in_ready(struct devices *d, unsigned port);
bool devices_wait_ready(struct devices *d);

/* Bring the timer and the disk up to cycle count now. */
void devices_tick(struct devices *d, uint64_t now, const struct dma *mem);
/* The cause code of the highest-priority pending interrupt, or 0. */
/* Every pending interrupt: bit code for each (EXIT_ON's bits). */
uint32_t devices_pending_mask(const struct devices *d);
uint32_t devices_pending(const struct devices *d);

/* wfi: idle until an interrupt is pending, advancing *cycles to the events
 * that make one so.  False if nothing could ever wake the CPU; true, too,
 * as soon as the disk fails (the owner stops the machine). */
bool devices_wait(struct devices *d, uint64_t *cycles, const struct dma *mem);

/* Attach a store (NULL: none); the disk owns it from now on, and frees the
 * one it had. */
void disk_attach(struct disk *d, struct disk_store *s);
/* Whether the store has failed (an I/O error on its file).  The command in
 * flight then never completes: the disk stays busy and raises nothing, and
 * the owner must stop the machine and say why (disk_store_error). */
bool disk_failed(const struct disk *d);

/* Inline, these three: the VMM re-arms the timer and asks for the next
 * event at every exit (docs/performance.md section 4). */

/* The timer control register. */
static inline uint32_t itimer_read(const struct itimer *t, uint64_t now)
{
    return t->at > now ? (uint32_t)(t->at - now) : 0;
}

static inline void itimer_write(struct itimer *t, uint32_t v, uint64_t now)
{
    t->pending = false;
    t->at = v ? now + v : 0;
}

/* Cycle count of the next timer or disk event, UINT64_MAX if none. */
static inline uint64_t devices_next_event(const struct devices *d)
{
    uint64_t ev = UINT64_MAX;
    if (d->timer.at)
        ev = d->timer.at;
    if (d->disk.status == DISK_BUSY && !disk_failed(&d->disk) && d->disk.op_done_at < ev)
        ev = d->disk.op_done_at;
    return ev;
}

#endif
