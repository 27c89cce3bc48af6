/*
 * disk.c - a block disk with DMA.  A command takes DISK_LATENCY cycles;
 * the transfer and all checks happen when it completes, and completion
 * raises the disk interrupt if it is enabled.  DMA uses physical addresses
 * and is checked against the size of memory: a bad address is the device's
 * error status, never the simulator's problem.  The blocks themselves are
 * in a store (disk_store.h): in memory, or in a file written block by block.
 */
#include "devices_impl.h"
#include "disk_store.h"

void disk_attach(struct disk *d, struct disk_store *s)
{
    disk_store_free(d->store);
    d->store = s;
}

bool disk_failed(const struct disk *d)
{
    return d->store && disk_store_error(d->store);
}

uint32_t disk_in(struct disk *d, unsigned port)
{
    switch (port) {
    case PORT_DISK_BLOCK: return d->block;
    case PORT_DISK_ADDR: return d->addr;
    case PORT_DISK_STATUS: return d->status;
    case PORT_DISK_CTRL: return d->ctrl;
    case PORT_DISK_SIZE: return d->store ? disk_store_blocks(d->store) : 0;
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

/* Not a status the guest can see: the store failed, the command never
 * completes. */
#define TRANSFER_FAILED UINT32_MAX

static uint32_t transfer(struct disk *d, const struct dma *mem)
{
    if (!d->store)
        return DISK_NO_DISK;
    if (d->op_cmd != DISK_CMD_READ && d->op_cmd != DISK_CMD_WRITE)
        return DISK_BAD_CMD;
    if (d->op_block >= disk_store_blocks(d->store))
        return DISK_BAD_BLOCK;
    if ((uint64_t)d->op_addr + DISK_BLOCK_SIZE > mem->mem_size)
        return DISK_BAD_ADDR;
    uint8_t blk[DISK_BLOCK_SIZE];
    if (d->op_cmd == DISK_CMD_READ) {
        if (!disk_store_read(d->store, d->op_block, blk))
            return TRANSFER_FAILED;
        if (!mem->write(mem->ctx, d->op_addr, blk, DISK_BLOCK_SIZE))
            return DISK_BAD_ADDR;
    } else {
        if (!mem->read(mem->ctx, d->op_addr, blk, DISK_BLOCK_SIZE))
            return DISK_BAD_ADDR;
        if (!disk_store_write(d->store, d->op_block, blk))
            return TRANSFER_FAILED;
    }
    return DISK_OK;
}

void disk_tick(struct disk *d, uint64_t now, const struct dma *mem)
{
    if (d->status != DISK_BUSY || now < d->op_done_at || disk_failed(d))
        return;
    uint32_t status = transfer(d, mem);
    if (status == TRANSFER_FAILED)
        return;
    d->status = status;
    d->done = true;
}
