/*
 * devices_impl.h - what the device files of isa/ share among themselves.
 */
#ifndef VMLAB_DEVICES_IMPL_H
#define VMLAB_DEVICES_IMPL_H

#include "devices.h"

uint32_t console_in(struct console *con, unsigned port);
void console_out(struct console *con, unsigned port, uint32_t v);
bool console_irq(const struct console *con);
/* wfi: make input arrive if the console could wake the CPU. */
bool console_wait(struct console *con);
/* Whether in from port, or wfi, would find its input (devices.h). */
bool console_in_ready(struct console *con, unsigned port);
bool console_wait_ready(struct console *con);

uint32_t disk_in(struct disk *d, unsigned port);
void disk_out(struct disk *d, unsigned port, uint32_t v, uint64_t now);
bool disk_irq(const struct disk *d);
void disk_tick(struct disk *d, uint64_t now, const struct dma *mem);

#endif
