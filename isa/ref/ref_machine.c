/*
 * ref_machine.c - making a reference machine, its run loop (the same door
 * as machine_run's), and its accessors.
 *
 * The run loop, before each instruction (docs/isa.md sections 6, 8, 11,
 * 14): in guest mode with irq_window, exit if IE is set; bring the timer
 * and the disk up to the cycle count; take an interrupt if one is pending
 * and IE is set (in guest mode, or its cause exits); stop if the budget
 * is spent; execute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_store.h"
#include "ref_impl.h"

static bool dma_read(void *ctx, uint32_t pa, void *buf, size_t len)
{
    return ref_read_phys(ctx, pa, buf, len);
}

/* The disk's writes, logged like the CPU's. */
static bool dma_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    struct ref_machine *r = ctx;
    if (!ref_phys_ok(r, pa, len))
        return false;
    memcpy(r->mem + pa, buf, len);
    ref_log_write(r, pa, (uint32_t)len, 0, REF_BY_DMA);
    return true;
}

struct ref_machine *ref_new(const struct ref_config *cfg, char *err, size_t errlen)
{
    if (cfg->mem_size == 0 || cfg->mem_size % PAGE_SIZE != 0 || cfg->mem_size > MACHINE_MAX_MEM) {
        snprintf(err, errlen, "memory size %u is not a positive multiple of the page size up to %u",
                 cfg->mem_size, MACHINE_MAX_MEM);
        return NULL;
    }
    if ((unsigned)cfg->isa >= ISA_NVARIANTS) {
        snprintf(err, errlen, "unknown ISA variant %d", (int)cfg->isa);
        return NULL;
    }
    struct ref_machine *r = calloc(1, sizeof *r);
    if (r)
        r->mem = calloc(1, cfg->mem_size);
    if (!r || !r->mem) {
        free(r);
        snprintf(err, errlen, "out of memory for a %u-byte reference machine", cfg->mem_size);
        return NULL;
    }
    r->cfg = *cfg;
    r->dma = (struct dma){.ctx = r, .mem_size = cfg->mem_size, .read = dma_read, .write = dma_write};
    r->dev.con.rx = -1;
    ref_reset(r);
    return r;
}

void ref_free(struct ref_machine *r)
{
    if (!r)
        return;
    devices_free(&r->dev);
    free(r->mem);
    free(r);
}

void ref_reset(struct ref_machine *r)
{
    memset(&r->cpu, 0, sizeof r->cpu);
    r->cpu.cr[CR_STATUS] = SR_S;
    memset(&r->tlb, 0, sizeof r->tlb);
    memset(r->tlb2, 0, sizeof r->tlb2);
    r->last = (struct ref_context){0};
    memset(&r->seen, 0, sizeof r->seen);
    devices_reset(&r->dev);
}

const struct ref_observed *ref_observed(const struct ref_machine *r) { return &r->seen; }
const struct ref_counts *ref_counts(const struct ref_machine *r) { return &r->counts; }

enum exit_reason ref_run(struct ref_machine *r, uint64_t budget, struct vm_exit *exit)
{
    struct vm_exit scratch;
    r->exit = exit ? exit : &scratch;
    *r->exit = (struct vm_exit){0};
    r->stop = false;
    if (!r->gc && r->last.nested) { /* the TLBs hold the guest's combined translations */
        ref_tlb_flush(r);
        r->last.nested = false;
    }
    uint64_t start = r->cpu.instret;
    for (;;) {
        /* the window first: the host asked to know before anything is
         * delivered (docs/isa.md section 14) */
        if (r->gc && r->gc->irq_window && (r->cpu.cr[CR_STATUS] & SR_IE)) {
            ref_stop(r, EXIT_IRQ_WINDOW);
            break;
        }
        devices_tick(&r->dev, r->cpu.cycles, &r->dma);
        if (disk_failed(&r->dev.disk)) { /* its file: the command never completes */
            ref_stop(r, EXIT_DISK_ERROR);
            break;
        }
        ref_interrupt(r);
        if (r->stop)
            break;
        if (r->cpu.instret - start >= budget) {
            ref_stop(r, EXIT_BUDGET);
            break;
        }
        ref_execute(r);
        if (r->stop)
            break;
    }
    r->attempt = NULL;
    return r->exit->reason;
}

enum exit_reason ref_step(struct ref_machine *r, struct vm_exit *exit, struct ref_step *rec)
{
    memset(rec, 0, sizeof *rec);
    r->rec = rec;
    enum exit_reason why = ref_run(r, 1, exit);
    r->rec = NULL;
    return why;
}

struct ref_cpu *ref_cpu(struct ref_machine *r) { return &r->cpu; }
const struct ref_config *ref_config(const struct ref_machine *r) { return &r->cfg; }
uint32_t ref_mem_size(const struct ref_machine *r) { return r->cfg.mem_size; }
const uint8_t *ref_memory(const struct ref_machine *r) { return r->mem; }
const struct dma *ref_dma(const struct ref_machine *r) { return &r->dma; }
struct devices *ref_devices(struct ref_machine *r) { return &r->dev; }

uint32_t ref_get_cr(struct ref_machine *r, enum cr cr)
{
    if (cr == CR_TIMER)
        return itimer_read(&r->dev.timer, r->cpu.cycles);
    return r->cpu.cr[cr];
}

void ref_set_status(struct ref_machine *r, uint32_t v)
{
    v &= SR_S | SR_IE | SR_PS | SR_PIE | SR_PG; /* bits 5-31 read as zero */
    bool pg_changed = (v ^ r->cpu.cr[CR_STATUS]) & SR_PG;
    r->cpu.cr[CR_STATUS] = v;
    if (pg_changed)
        ref_tlb_flush(r);
}

void ref_set_cr(struct ref_machine *r, enum cr cr, uint32_t v)
{
    switch (cr) {
    case CR_STATUS:
        ref_set_status(r, v);
        break;
    case CR_PTB:
        r->cpu.cr[CR_PTB] = v & ~PAGE_MASK;
        ref_tlb_flush(r);
        break;
    case CR_TIMER:
        itimer_write(&r->dev.timer, v, r->cpu.cycles); /* arms, and acknowledges */
        break;
    default:
        r->cpu.cr[cr] = v;
        break;
    }
    ref_forget_itlb(r);
}

bool ref_read_phys(const struct ref_machine *r, uint32_t pa, void *buf, size_t len)
{
    if (!ref_phys_ok(r, pa, len))
        return false;
    memcpy(buf, r->mem + pa, len);
    return true;
}

bool ref_write_phys(struct ref_machine *r, uint32_t pa, const void *buf, size_t len)
{
    if (!ref_phys_ok(r, pa, len))
        return false;
    memcpy(r->mem + pa, buf, len);
    return true;
}

void ref_set_console(struct ref_machine *r, const struct console_io *io)
{
    r->dev.con.io = io ? *io : (struct console_io){0};
}

bool ref_attach_disk(struct ref_machine *r, const uint8_t *image, size_t len)
{
    struct disk_store *s = disk_store_memory(image, len);
    if (s)
        disk_attach(&r->dev.disk, s);
    return s != NULL;
}

void ref_attach_disk_store(struct ref_machine *r, struct disk_store *s) { disk_attach(&r->dev.disk, s); }
struct disk_store *ref_disk(struct ref_machine *r) { return r->dev.disk.store; }

uint32_t ref_pending_interrupt(const struct ref_machine *r) { return devices_pending(&r->dev); }
