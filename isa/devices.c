/*
 * devices.c - the port map, the interval timer, and what joins the devices:
 * pending interrupts, the next event, and waiting in wfi.
 */
#include "devices_impl.h"

void devices_reset(struct devices *d)
{
    d->timer = (struct itimer){0};
    d->con = (struct console){.io = d->con.io, .rx = -1};
    struct disk *k = &d->disk;
    k->block = k->addr = k->ctrl = 0;
    k->status = DISK_OK;
    k->done = false;
}

void devices_free(struct devices *d)
{
    disk_attach(&d->disk, NULL);
}

uint32_t devices_in(struct devices *d, unsigned port)
{
    if (port >= PORT_CON_DATA && port <= PORT_CON_CTRL)
        return console_in(&d->con, port);
    if (port >= PORT_DISK_BLOCK && port <= PORT_DISK_SIZE)
        return disk_in(&d->disk, port);
    return PORT_NONE_VALUE;
}

bool devices_in_ready(struct devices *d, unsigned port)
{
    return port < PORT_CON_DATA || port > PORT_CON_CTRL || console_in_ready(&d->con, port);
}

bool devices_wait_ready(struct devices *d)
{
    return devices_pending(d) || console_wait_ready(&d->con);
}

void devices_out(struct devices *d, unsigned port, uint32_t v, uint64_t now)
{
    if (port >= PORT_CON_DATA && port <= PORT_CON_CTRL)
        console_out(&d->con, port, v);
    else if (port >= PORT_DISK_BLOCK && port <= PORT_DISK_SIZE)
        disk_out(&d->disk, port, v, now);
}

void devices_tick(struct devices *d, uint64_t now, const struct dma *mem)
{
    if (d->timer.at && now >= d->timer.at) {
        d->timer.pending = true;
        d->timer.at = 0; /* one-shot */
    }
    disk_tick(&d->disk, now, mem);
}

uint32_t devices_pending(const struct devices *d)
{
    if (d->timer.pending)
        return CAUSE_TIMER;
    if (console_irq(&d->con))
        return CAUSE_CONSOLE;
    if (disk_irq(&d->disk))
        return CAUSE_DISK;
    return 0;
}

uint32_t devices_pending_mask(const struct devices *d)
{
    return (d->timer.pending ? 1u << CAUSE_TIMER : 0) | (console_irq(&d->con) ? 1u << CAUSE_CONSOLE : 0) |
           (disk_irq(&d->disk) ? 1u << CAUSE_DISK : 0);
}

bool devices_wait(struct devices *d, uint64_t *cycles, const struct dma *mem)
{
    while (!devices_pending(d)) {
        if (console_wait(&d->con))
            break;
        uint64_t ev = devices_next_event(d);
        if (ev == UINT64_MAX)
            return false;
        if (ev > *cycles)
            *cycles = ev;
        devices_tick(d, *cycles, mem);
        if (disk_failed(&d->disk))
            break;
    }
    return true;
}
