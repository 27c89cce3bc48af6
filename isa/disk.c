/*
 * disk.c - a block disk with DMA.  A command takes DISK_LATENCY cycles;
 * the transfer and all checks happen when it completes, and completion
 * raises the disk interrupt if it is enabled.  DMA uses physical addresses
 * and is checked against the size of memory: a bad address is the device's
 * error status, never the simulator's problem.
 */
#include <stdlib.h>
#include <string.h>

#include "devices_impl.h"

bool disk_attach(struct disk *d, const uint8_t *image, size_t len)
{
    if (len % DISK_BLOCK_SIZE != 0 || len / DISK_BLOCK_SIZE > UINT32_MAX)
        return false;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return false;
    memcpy(copy, image, len);
    free(d->image);
    d->image = copy;
    d->nblocks = (uint32_t)(len / DISK_BLOCK_SIZE);
    d->written = false;
    return true;
}

uint32_t disk_in(struct disk *d, unsigned port)
{
    switch (port) {
    case PORT_DISK_BLOCK: return d->block;
    case PORT_DISK_ADDR: return d->addr;
    case PORT_DISK_STATUS: return d->status;
    case PORT_DISK_CTRL: return d->ctrl;
    case PORT_DISK_SIZE: return d->nblocks;
    }
    return PORT_NONE_VALUE; /* disk.cmd is write-only */
}

void disk_out(struct disk *d, unsigned port, uint32_t v, uint64_t now)
{
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
        d->op_done_at = now + DISK_LATENCY;
        break;
    }
}

bool disk_irq(const struct disk *d)
{
    return d->done && (d->ctrl & DISK_CTRL_IE);
}

static uint32_t transfer(struct disk *d, const struct dma *mem)
{
    if (!d->image)
        return DISK_NO_DISK;
    if (d->op_cmd != DISK_CMD_READ && d->op_cmd != DISK_CMD_WRITE)
        return DISK_BAD_CMD;
    if (d->op_block >= d->nblocks)
        return DISK_BAD_BLOCK;
    if ((uint64_t)d->op_addr + DISK_BLOCK_SIZE > mem->mem_size)
        return DISK_BAD_ADDR;
    uint8_t *blk = d->image + (size_t)d->op_block * DISK_BLOCK_SIZE;
    if (d->op_cmd == DISK_CMD_READ) {
        if (!mem->write(mem->ctx, d->op_addr, blk, DISK_BLOCK_SIZE))
            return DISK_BAD_ADDR;
    } else {
        if (!mem->read(mem->ctx, d->op_addr, blk, DISK_BLOCK_SIZE))
            return DISK_BAD_ADDR;
        d->written = true;
    }
    return DISK_OK;
}

void disk_tick(struct disk *d, uint64_t now, const struct dma *mem)
{
    if (d->status != DISK_BUSY || now < d->op_done_at)
        return;
    d->status = transfer(d, mem);
    d->done = true;
}
