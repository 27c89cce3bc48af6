/*
 * machine.c - making a machine, its run loop, and the door's accessors.
 */
#include <stdio.h>
#include <stdlib.h>

#include "disk_store.h"
#include "machine_impl.h"

static bool dma_read(void *ctx, uint32_t pa, void *buf, size_t len)
{
    return machine_read_phys(ctx, pa, buf, len);
}

static bool dma_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    return machine_write_phys(ctx, pa, buf, len);
}

bool machine_mem_size_ok(uint64_t bytes, char *err, size_t errlen)
{
    if (bytes > MACHINE_MAX_MEM) {
        snprintf(err, errlen, "larger than the largest memory (%uG)", MACHINE_MAX_MEM >> 30);
        return false;
    }
    if (bytes == 0 || bytes % PAGE_SIZE != 0) {
        snprintf(err, errlen, "not a positive multiple of the page size (%uK)", PAGE_SIZE >> 10);
        return false;
    }
    return true;
}

struct machine *machine_new(const struct machine_config *cfg, char *err, size_t errlen)
{
    char why[100];
    bool hosted = machine_config_hosted(cfg);
    if (hosted ? cfg->mem_size == 0 || cfg->mem_size % PAGE_SIZE != 0
               : !machine_mem_size_ok(cfg->mem_size, why, sizeof why)) {
        snprintf(err, errlen, "memory size %u: %s", cfg->mem_size,
                 hosted ? "not a positive multiple of the page size" : why);
        return NULL;
    }
    if ((unsigned)cfg->isa >= ISA_NVARIANTS) {
        snprintf(err, errlen, "unknown ISA variant %d", (int)cfg->isa);
        return NULL;
    }
    if (cfg->exits & ~MACHINE_EXITS_ALL) {
        snprintf(err, errlen, "exit controls 0x%08x name causes that do not exist", cfg->exits);
        return NULL;
    }
    struct machine *m = calloc(1, sizeof *m);
    if (!m)
        goto nomem;
    m->cfg = *cfg;
    m->nframes = cfg->mem_size / PAGE_SIZE;
    m->mem = calloc(1, cfg->mem_size);
    m->dcache = calloc(m->nframes, sizeof *m->dcache);
    m->is_code = calloc(m->nframes, 1);
    if (!m->mem || !m->dcache || !m->is_code) {
        machine_free(m);
        goto nomem;
    }
    m->dma = (struct dma){.ctx = m, .mem_size = cfg->mem_size, .read = dma_read, .write = dma_write};
    machine_reset(m);
    return m;
nomem:
    snprintf(err, errlen, "out of memory for a %u-byte machine", cfg->mem_size);
    return NULL;
}

void machine_free(struct machine *m)
{
    if (!m)
        return;
    if (m->dcache)
        for (uint32_t f = 0; f < m->nframes; f++)
            free(m->dcache[f]);
    free(m->dcache);
    free(m->is_code);
    debug_free(m);
    free(m->mem);
    devices_free(&m->dev);
    free(m);
}

void machine_reset(struct machine *m)
{
    memset(&m->cpu, 0, sizeof m->cpu);
    m->cpu.cr[CR_STATUS] = SR_RESET;
    m->step_over.on = false;
    mmu_reset(m);
    m->ran_nested = false;
    devices_reset(&m->dev);
    m->dev_quiet = false;
}

struct cpu_state *machine_cpu(struct machine *m) { return &m->cpu; }
const struct machine_config *machine_config(const struct machine *m) { return &m->cfg; }
uint32_t machine_mem_size(const struct machine *m) { return m->cfg.mem_size; }

/* machine_get_cr and machine_set_cr are system.c's: mfcr and mtcr's rule. */

bool machine_read_phys(struct machine *m, uint32_t pa, void *buf, size_t len)
{
    if ((uint64_t)pa + len > m->cfg.mem_size)
        return false;
    memcpy(buf, m->mem + pa, len);
    return true;
}

bool machine_write_phys(struct machine *m, uint32_t pa, const void *buf, size_t len)
{
    if ((uint64_t)pa + len > m->cfg.mem_size)
        return false;
    mmu_invalidate_code(m, pa, len);
    memcpy(m->mem + pa, buf, len);
    return true;
}

bool machine_peek_fetch(const struct machine *m, uint32_t *word)
{
    uint32_t pa;
    if (m->dbg || mmu_probe_fetch_cached(m, m->cpu.pc, &pa) <= 0)
        return false;
    *word = ld32(m->mem + pa);
    return true;
}

static const char *const exit_keys[] = {
#define X(NAME, key, desc) [EXIT_##NAME] = key,
    MACHINE_EXIT_REASONS(X)
#undef X
};
static const char *const exit_descs[] = {
#define X(NAME, key, desc) [EXIT_##NAME] = desc,
    MACHINE_EXIT_REASONS(X)
#undef X
};
const char *machine_exit_reason_key(enum exit_reason r) { return (unsigned)r < EXIT_NREASONS ? exit_keys[r] : NULL; }
const char *machine_exit_reason_desc(enum exit_reason r)
{
    return (unsigned)r < EXIT_NREASONS ? exit_descs[r] : NULL;
}

void machine_tlb_flush(struct machine *m) { mmu_flush_all(m); }
uint64_t machine_tlb_flushes(const struct machine *m) { return m->tlb_flushes; }
uint64_t machine_traps_taken(const struct machine *m) { return m->traps_taken; }

void machine_counts(const struct machine *m, struct machine_counts *out)
{
    memcpy(out->traps, m->traps_by_cause, sizeof out->traps);
    out->walks = m->walks;
    out->walk_refs = m->walk_refs;
    out->guest_entries = m->guest_entries;
    out->guest_exits = m->guest_exits;
    out->guest_transition_cycles = m->guest_transition_cycles;
    out->tlb_counted = m->count_tlb != 0;
    out->tlb_hits = m->count_tlb ? m->tlb_hits : 0;
}
void machine_count_tlb(struct machine *m)
{
    m->count_tlb = 1u << ACCESS_READ | 1u << ACCESS_WRITE | 1u << ACCESS_FETCH;
    mmu_retag_frames(m, 0, m->nframes - 1); /* no fast tag left */
}
void machine_tlb_flush_page(struct machine *m, uint32_t va) { mmu_flush_page(m, va); }

static void inspect_entries(const struct tlb_entry *e, struct tlb_slot *out)
{
    for (int i = 0; i < TLB_SIZE; i++)
        out[i] = (struct tlb_slot){.valid = e[i].valid, .vpage = e[i].vpage, .pte = e[i].pte};
}

void machine_tlb_inspect(const struct machine *m, struct tlb_view *out)
{
    inspect_entries(m->tlb, out->slot);
    out->itlb = m->itlb;
}

void machine_load_root(struct machine *m, uint32_t root) { mmu_load_root(m, root); }

void machine_tlb_inspect_phys(const struct machine *m, struct tlb_slot out[TLB_ENTRIES])
{
    /* outside nested paging ptlb holds the identity, which is no TLB */
    for (int i = 0; i < TLB_SIZE; i++)
        out[i] = m->ran_nested ? (struct tlb_slot){.valid = m->ptlb[i].valid, .vpage = m->ptlb[i].vpage,
                                                   .pte = m->ptlb[i].pte}
                               : (struct tlb_slot){0};
}

void machine_tlb_inspect_set(const struct machine *m, unsigned set, struct tlb_set_view *out)
{
    const struct tlb_set *s = &m->tlb_sets[set % TLB_SETS];
    out->tagged = s->tagged;
    out->current = s == m->tlb_cur;
    out->root = s->root;
    inspect_entries(s->e, out->slot);
}

void machine_set_console(struct machine *m, const struct console_io *io)
{
    m->dev.con.io = io ? *io : (struct console_io){0};
    m->dev_quiet = false;
}

struct console_io machine_console(const struct machine *m) { return m->dev.con.io; }

bool machine_attach_disk(struct machine *m, const uint8_t *image, size_t len)
{
    struct disk_store *s = disk_store_memory(image, len);
    if (s)
        machine_attach_disk_store(m, s);
    return s != NULL;
}

void machine_attach_disk_store(struct machine *m, struct disk_store *s)
{
    disk_attach(&m->dev.disk, s);
    m->dev_quiet = false;
}
struct disk_store *machine_disk(struct machine *m) { return m->dev.disk.store; }

const uint8_t *machine_disk_image(const struct machine *m, size_t *len, bool *written)
{
    const struct disk_store *s = m->dev.disk.store;
    *len = s ? (size_t)disk_store_blocks(s) * DISK_BLOCK_SIZE : 0;
    *written = s && disk_store_written(s);
    return s ? disk_store_image(s) : NULL;
}

void machine_service_events(struct machine *m)
{
    devices_tick(&m->dev, m->cpu.cycles, &m->dma);
}

void machine_arm_timer(struct machine *m, uint32_t cycles)
{
    itimer_write(&m->dev.timer, cycles, m->cpu.cycles);
    m->dev_next = devices_next_event(&m->dev); /* dev_quiet stands: a pending timer interrupt can only go */
}

uint32_t machine_pending_interrupt(struct machine *m)
{
    return devices_pending(&m->dev);
}

static enum exit_reason run(struct machine *m, uint64_t budget, struct vm_exit *exit);

/* The translation a run uses is another host table's, or none where the
 * last run's was one: nothing the TLBs hold is the new one's. */
static void nested_switch(struct machine *m, bool nested, uint32_t root)
{
    if (nested == m->ran_nested && (!nested || root == m->ran_nested_root))
        return;
    mmu_ptb_written(m);
    mmu_clear_ptlb(m);
    m->ran_nested = nested;
    m->ran_nested_root = root;
}

enum exit_reason machine_run(struct machine *m, uint64_t budget, struct vm_exit *exit)
{
    nested_switch(m, false, 0);
    return run(m, budget, exit);
}

/* VM entry: the guest state into the CPU, as docs/isa.md section 14 says -
 * what the host owns stays, and a change of what translates (ptb, PG, the
 * host table) empties the TLB as writing them would. */
static void guest_load(struct machine *m, const struct guest_control *gc)
{
    uint32_t *cr = m->cpu.cr;
    nested_switch(m, gc->nested, gc->nested_root);
    for (int i = 0; i < NCRS; i++)
        if (i != CR_TIMER && i != CR_STATUS && i != CR_PTB)
            cr[i] = gc->cr[i];
    uint32_t owned = gc->status_owned & SR_PG;
    uint32_t status = ((gc->cr[CR_STATUS] & ~owned) | (cr[CR_STATUS] & owned)) & SR_WRITABLE;
    if ((status ^ cr[CR_STATUS]) & SR_PG)
        mmu_flush_all(m);
    cr[CR_STATUS] = status;
    if (!gc->ptb_owned && cr[CR_PTB] != (gc->cr[CR_PTB] & ~PAGE_MASK)) {
        cr[CR_PTB] = gc->cr[CR_PTB] & ~PAGE_MASK;
        mmu_ptb_written(m);
    }
    mmu_forget_itlb(m);
    m->end_block = true;
}

/* VM exit: the guest state back into the control block. */
static void guest_store(const struct machine *m, struct guest_control *gc)
{
    const uint32_t *cr = m->cpu.cr;
    uint32_t owned = gc->status_owned & SR_PG;
    for (int i = 0; i < NCRS; i++)
        if (i != CR_TIMER && i != CR_STATUS && !(i == CR_PTB && gc->ptb_owned))
            gc->cr[i] = cr[i];
    gc->cr[CR_STATUS] = (cr[CR_STATUS] & ~owned) | (gc->cr[CR_STATUS] & owned);
}

enum exit_reason machine_run_guest(struct machine *m, struct guest_control *gc, uint64_t budget,
                                   struct vm_exit *exit)
{
    struct vm_exit scratch;
    if (!exit)
        exit = &scratch;
    guest_load(m, gc);
    m->guest = gc;
    m->guest_entries++;
    m->guest_transition_cycles += GUEST_ENTRY_CYCLES;
    enum exit_reason r;
    if (gc->irq_window && (m->cpu.cr[CR_STATUS] & SR_IE)) {
        m->exit = exit;
        *exit = (struct vm_exit){0};
        machine_stop(m, EXIT_IRQ_WINDOW);
        r = EXIT_IRQ_WINDOW;
    } else {
        r = run(m, budget, exit);
    }
    m->guest = NULL;
    mmu_forget_itlb(m); /* an exit drops the instruction TLB, as a trap does */
    guest_store(m, gc);
    m->guest_exits++;
    m->guest_transition_cycles += GUEST_EXIT_CYCLES;
    return r;
}

static enum exit_reason run(struct machine *m, uint64_t budget, struct vm_exit *exit)
{
    struct vm_exit scratch;
    m->exit = exit ? exit : &scratch;
    *m->exit = (struct vm_exit){0};
    m->stop = false;
    uint64_t start = m->cpu.instret;

    for (;;) {
        /* Under a host, most entries follow an exit that touched no device:
         * nothing to service until the next event (see dev_quiet). */
        if (!m->dev_quiet || m->cpu.cycles >= m->dev_next) {
            machine_service_events(m);
            if (disk_failed(&m->dev.disk)) {
                machine_stop(m, EXIT_DISK_ERROR);
                break;
            }
            trap_take_interrupt(m);
            if (m->stop)
                break;
            m->dev_next = devices_next_event(&m->dev);
            m->dev_quiet = !devices_pending(&m->dev);
        }
        uint64_t done = m->cpu.instret - start;
        if (done >= budget) {
            machine_stop(m, EXIT_BUDGET);
            break;
        }
        uint64_t n = budget - done;
        uint64_t ev = m->dev_next;
        if (ev != UINT64_MAX && ev - m->cpu.cycles < n)
            n = ev - m->cpu.cycles;
        if (unlikely(m->dbg)) {
            n = debug_before(m, n);
            if (m->stop)
                break;
        }
        cpu_exec(m, n);
        if (m->stop)
            break;
    }
    return m->exit->reason;
}
