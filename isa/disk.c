/*
 * disk.c - a block disk with DMA.  A command takes DISK_LATENCY cycles;
 * the transfer and all checks happen when it completes, and completion
 * raises the disk interrupt if it is enabled.  DMA uses physical addresses
 * and is checked against the size of memory: a bad address is the device's
 * error status, never the simulator's problem.
 */
#include "machine_impl.h"

uint32_t disk_in(struct machine *m, unsigned port)
{
    struct disk *d = &m->disk;
    switch (port) {
    case PORT_DISK_BLOCK: return d->block;
    case PORT_DISK_ADDR: return d->addr;
    case PORT_DISK_STATUS: return d->status;
    case PORT_DISK_CTRL: return d->ctrl;
    case PORT_DISK_SIZE: return d->nblocks;
    }
    return PORT_NONE_VALUE; /* disk.cmd is write-only */
}

void disk_out(struct machine *m, unsigned port, uint32_t v)
{
    struct disk *d = &m->disk;
    switch (port) {
    case PORT_DISK_BLOCK: d->block = v; break;
    case PORT_DISK_ADDR: d->addr = v; break;
    case PORT_DISK_CTRL: d->ctrl = v & DISK_CTRL_IE; break;
    case PORT_DISK_STATUS: d->done = false; break;
    case PORT_DISK_CMD:
        if (d->status == DISK_BUSY)
            break; /* one command at a time; the second is ignored */
        d->done = false;
        d->status = DISK_BUSY;
        d->op_cmd = v;
        d->op_block = d->block;
        d->op_addr = d->addr;
        d->op_done_at = m->cpu.cycles + DISK_LATENCY;
        break;
    }
}

bool disk_irq(const struct machine *m)
{
    return m->disk.done && (m->disk.ctrl & DISK_CTRL_IE);
}

static uint32_t transfer(struct machine *m, struct disk *d)
{
    if (!d->image)
        return DISK_NO_DISK;
    if (d->op_cmd != DISK_CMD_READ && d->op_cmd != DISK_CMD_WRITE)
        return DISK_BAD_CMD;
    if (d->op_block >= d->nblocks)
        return DISK_BAD_BLOCK;
    uint64_t end = (uint64_t)d->op_addr + DISK_BLOCK_SIZE;
    if (end > machine_mem_size(m))
        return DISK_BAD_ADDR;
    uint8_t *blk = d->image + (size_t)d->op_block * DISK_BLOCK_SIZE;
    if (d->op_cmd == DISK_CMD_READ) {
        machine_write_phys(m, d->op_addr, blk, DISK_BLOCK_SIZE);
    } else {
        machine_read_phys(m, d->op_addr, blk, DISK_BLOCK_SIZE);
        d->written = true;
    }
    return DISK_OK;
}

void disk_tick(struct machine *m)
{
    struct disk *d = &m->disk;
    if (d->status != DISK_BUSY || m->cpu.cycles < d->op_done_at)
        return;
    d->status = transfer(m, d);
    d->done = true;
}
