/*
 * debug.c - the debug path: a debugger's breakpoints and watched physical
 * ranges (machine.h; docs/isa.md section 13).
 *
 * While nothing is attached m->dbg is NULL and nothing here runs.  The
 * machine tests m->dbg in three places, none of them per instruction: once
 * per block in machine_run, once per TLB fill, once per call of the MMU's
 * slow path.
 *
 * Breakpoints and fetch watches need every pc checked, and the CPU loop
 * keeps pc in a form it never compares (a pointer into the page's decoded
 * slots).  So while there are any, machine_run hands the loop one
 * instruction at a time and asks debug_before first, as spike does in its
 * slow_path().  Load and store watches need no stepping: the frames they
 * cover keep their TLB fast tags empty for the kinds watched (as code
 * frames do for stores), so every such access reaches mmu_access, which
 * calls debug_access once it knows the access will complete; a hit stops
 * the machine, and the loop ends its block right after the instruction.
 */
#include <stdio.h>
#include <stdlib.h>

#include "machine_impl.h"

_Static_assert(WATCH_READ == 1 << ACCESS_READ && WATCH_WRITE == 1 << ACCESS_WRITE &&
                   WATCH_FETCH == 1 << ACCESS_FETCH,
               "a watch kind is the bit of its access");
#define WATCH_KINDS (WATCH_READ | WATCH_WRITE | WATCH_FETCH)

struct debugger {
    uint32_t *brk;          /* breakpoints, in increasing order */
    size_t nbrk, brk_cap;
    struct watch_range *w;  /* watches, by id */
    size_t nw, w_cap;
    unsigned fetch_watches; /* how many of them watch fetches */
    uint8_t *frame_kinds;   /* per frame: the kinds some watch covers there; NULL without watches */
};

static struct debugger *attach(struct machine *m)
{
    if (!m->dbg)
        m->dbg = calloc(1, sizeof *m->dbg);
    return m->dbg;
}

/* With nothing left attached, the machine goes back to its fast path. */
static void detach_if_empty(struct machine *m)
{
    struct debugger *d = m->dbg;
    if (d && d->nbrk == 0 && d->nw == 0)
        debug_free(m);
}

void debug_free(struct machine *m)
{
    struct debugger *d = m->dbg;
    if (!d)
        return;
    free(d->brk);
    free(d->w);
    free(d->frame_kinds);
    free(d);
    m->dbg = NULL;
}

/* Room for one more of n elements of size bytes in *a (capacity *cap). */
static bool grow(void **a, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : 8;
    void *p = realloc(*a, c * size);
    if (!p)
        return false;
    *a = p;
    *cap = c;
    return true;
}

/* --- breakpoints --------------------------------------------------------- */

/* Where va is or would go in the sorted list. */
static size_t brk_pos(const struct debugger *d, uint32_t va)
{
    size_t lo = 0, hi = d->nbrk;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->brk[mid] < va)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool has_break(const struct debugger *d, uint32_t va)
{
    size_t i = brk_pos(d, va);
    return i < d->nbrk && d->brk[i] == va;
}

bool machine_break_add(struct machine *m, uint32_t va)
{
    if (va & 3)
        return false;
    struct debugger *d = attach(m);
    if (!d)
        return false;
    size_t i = brk_pos(d, va);
    if (i < d->nbrk && d->brk[i] == va)
        return true;
    if (!grow((void **)&d->brk, &d->brk_cap, d->nbrk, sizeof *d->brk)) {
        detach_if_empty(m);
        return false;
    }
    memmove(d->brk + i + 1, d->brk + i, (d->nbrk - i) * sizeof *d->brk);
    d->brk[i] = va;
    d->nbrk++;
    return true;
}

bool machine_break_del(struct machine *m, uint32_t va)
{
    struct debugger *d = m->dbg;
    if (!d || !has_break(d, va))
        return false;
    size_t i = brk_pos(d, va);
    memmove(d->brk + i, d->brk + i + 1, (d->nbrk - i - 1) * sizeof *d->brk);
    d->nbrk--;
    detach_if_empty(m);
    return true;
}

void machine_break_clear(struct machine *m)
{
    if (m->dbg)
        m->dbg->nbrk = 0;
    detach_if_empty(m);
}

size_t machine_breaks(const struct machine *m, uint32_t *va, size_t max)
{
    const struct debugger *d = m->dbg;
    size_t n = d ? d->nbrk : 0;
    for (size_t i = 0; i < n && i < max; i++)
        va[i] = d->brk[i];
    return n;
}

/* --- watches -------------------------------------------------------------- */

static uint32_t first_frame(const struct watch_range *w) { return w->pa >> PAGE_SHIFT; }
static uint32_t last_frame(const struct watch_range *w) { return (w->pa + w->len - 1) >> PAGE_SHIFT; }

static bool overlaps(const struct watch_range *w, uint64_t pa, uint64_t len)
{
    return pa < (uint64_t)w->pa + w->len && w->pa < pa + len;
}

/* The first watch of that kind [pa, pa+size) touches, or NULL. */
static const struct watch_range *watch_hit(const struct debugger *d, uint32_t pa, uint32_t size, unsigned kind)
{
    for (size_t i = 0; i < d->nw; i++)
        if ((d->w[i].kinds & kind) && overlaps(&d->w[i], pa, size))
            return &d->w[i];
    return NULL;
}

unsigned debug_frame_watched(const struct machine *m, uint32_t frame)
{
    const struct debugger *d = m->dbg;
    return d->frame_kinds ? d->frame_kinds[frame] : 0;
}

int machine_watch_add(struct machine *m, uint32_t pa, uint32_t len, unsigned kinds, char *err, size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "an empty range watches nothing");
        return 0;
    }
    if ((uint64_t)pa + len > m->cfg.mem_size) {
        snprintf(err, errlen, "[0x%08x, 0x%08llx) is not all in memory (%u bytes)", pa,
                 (unsigned long long)pa + len, m->cfg.mem_size);
        return 0;
    }
    if (kinds == 0 || (kinds & ~(unsigned)WATCH_KINDS)) {
        snprintf(err, errlen, "kinds 0x%x: not a set of WATCH_READ, WATCH_WRITE and WATCH_FETCH", kinds);
        return 0;
    }
    struct debugger *d = attach(m);
    if (d && !d->frame_kinds)
        d->frame_kinds = calloc(m->nframes, 1);
    if (!d || !d->frame_kinds || !grow((void **)&d->w, &d->w_cap, d->nw, sizeof *d->w)) {
        if (d && d->nw == 0) {
            free(d->frame_kinds);
            d->frame_kinds = NULL;
        }
        detach_if_empty(m);
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    struct watch_range *w = &d->w[d->nw++];
    *w = (struct watch_range){.id = ++m->watch_ids, .pa = pa, .len = len, .kinds = kinds};
    for (uint32_t f = first_frame(w); f <= last_frame(w); f++)
        d->frame_kinds[f] |= (uint8_t)kinds;
    d->fetch_watches += (kinds & WATCH_FETCH) != 0;
    mmu_retag_frames(m, first_frame(w), last_frame(w));
    return w->id;
}

bool machine_watch_del(struct machine *m, int id)
{
    struct debugger *d = m->dbg;
    size_t i = 0;
    while (d && i < d->nw && d->w[i].id != id)
        i++;
    if (!d || i == d->nw)
        return false;
    struct watch_range gone = d->w[i];
    memmove(d->w + i, d->w + i + 1, (d->nw - i - 1) * sizeof *d->w);
    d->nw--;
    d->fetch_watches -= (gone.kinds & WATCH_FETCH) != 0;
    if (d->nw == 0) {
        free(d->frame_kinds);
        d->frame_kinds = NULL;
    } else {
        for (uint32_t f = first_frame(&gone); f <= last_frame(&gone); f++) {
            unsigned k = 0;
            for (size_t j = 0; j < d->nw; j++)
                if (overlaps(&d->w[j], (uint64_t)f << PAGE_SHIFT, PAGE_SIZE))
                    k |= d->w[j].kinds;
            d->frame_kinds[f] = (uint8_t)k;
        }
    }
    mmu_retag_frames(m, first_frame(&gone), last_frame(&gone));
    detach_if_empty(m);
    return true;
}

void machine_watch_clear(struct machine *m)
{
    struct debugger *d = m->dbg;
    if (!d || d->nw == 0)
        return;
    d->nw = 0;
    d->fetch_watches = 0;
    free(d->frame_kinds);
    d->frame_kinds = NULL;
    mmu_retag_frames(m, 0, m->nframes - 1);
    detach_if_empty(m);
}

size_t machine_watches(const struct machine *m, struct watch_range *out, size_t max)
{
    const struct debugger *d = m->dbg;
    size_t n = d ? d->nw : 0;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = d->w[i];
    return n;
}

/* --- the hooks --------------------------------------------------------------- */

void machine_debug_step_over(struct machine *m)
{
    m->step_over.on = true;
    m->step_over.pc = m->cpu.pc;
    m->step_over.instret = m->cpu.instret;
}

uint64_t debug_before(struct machine *m, uint64_t n)
{
    const struct debugger *d = m->dbg;
    if (d->nbrk == 0 && d->fetch_watches == 0)
        return n;
    n = n < 1 ? n : 1;
    uint32_t pc = m->cpu.pc, pa;
    if (m->step_over.on && m->step_over.pc == pc && m->step_over.instret == m->cpu.instret)
        return n;
    struct debug_hit hit = {.event = DEBUG_BREAK, .pc = pc};
    if (!has_break(d, pc)) {
        if (!d->fetch_watches || !mmu_probe_fetch(m, pc, &pa) ||
            !(d->frame_kinds[pa >> PAGE_SHIFT] & WATCH_FETCH))
            return n;
        const struct watch_range *w = watch_hit(d, pa, 4, WATCH_FETCH);
        if (!w)
            return n;
        hit = (struct debug_hit){.event = DEBUG_WATCH, .pc = pc, .watch = w->id, .va = pc, .pa = pa, .size = 4,
                                 .access = ACCESS_FETCH};
    }
    machine_debug_step_over(m); /* the call that resumes from here runs this instruction */
    machine_stop(m, EXIT_DEBUG);
    m->exit->debug = hit;
    return 0;
}

void debug_access(struct machine *m, uint32_t va, uint32_t pa, unsigned size, enum access k)
{
    unsigned kind = 1u << k;
    if (k == ACCESS_FETCH || !(debug_frame_watched(m, pa >> PAGE_SHIFT) & kind))
        return; /* fetches are debug_before's */
    const struct watch_range *w = watch_hit(m->dbg, pa, size, kind);
    if (!w)
        return;
    uint32_t pc = m->cpu.pc;
    machine_stop(m, EXIT_DEBUG); /* the CPU loop ends the block once the instruction retires */
    m->exit->pc = pc + 4;        /* a load or a store: the CPU goes on to the next word */
    m->exit->debug = (struct debug_hit){.event = DEBUG_WATCH, .pc = pc, .watch = w->id, .va = va, .pa = pa,
                                        .size = size, .access = k};
}
