/*
 * mmu.c - the MMU: the hardware page-table walker, the TLB, and the
 * bookkeeping that keeps decoded instructions coherent with memory.
 *
 * Every access first tries the TLB tag compare inlined in cpu_exec.c; this
 * file is the slow path behind it.  The rules it implements (docs/isa.md,
 * "Paging"):
 *   - a TLB entry is used if it maps the page and its cached PTE allows the
 *     access, and (for a store) its D bit is already set;
 *   - otherwise the walker reads the two-level table from memory, checks
 *     V, R/W/X and U, sets A (and D for a store) in the PTE in memory, and
 *     refills the entry;
 *   - so a stale entry can let through an access the table no longer
 *     allows, until tlbflush/tlbflushv, but never refuses one it allows.
 */
#include <stdlib.h>
#include <string.h>

#include "machine_impl.h"
#include "ptwalk.h"

static const uint32_t perm_for[3] = {
    [ACCESS_READ] = PTE_R, [ACCESS_WRITE] = PTE_W, [ACCESS_FETCH] = PTE_X};

static uint32_t frame_of(const struct machine *m, const struct tlb_entry *e)
{
    return (uint32_t)((e->host - m->mem) >> PAGE_SHIFT);
}

/* Would the cached pte let this access through without the walker? */
static bool pte_allows(uint32_t pte, int user, enum access k)
{
    if (!(pte & perm_for[k]))
        return false;
    if (user && !(pte & PTE_U))
        return false;
    return k != ACCESS_WRITE || (pte & PTE_D);
}

/* R, W and X are the PTE's bits 1-3, in the order of enum access. */
_Static_assert(PTE_R == 2u << ACCESS_READ && PTE_W == 2u << ACCESS_WRITE && PTE_X == 2u << ACCESS_FETCH,
               "set_tags reads the permissions as a mask of kinds");

/* Recompute an entry's fast-path tags (see machine_impl.h): pte_allows,
 * and A already set, as a mask of kinds (bit k: enum access k).  Kinds
 * the frame sends to the slow path keep empty tags: stores to decoded
 * code, and whatever a debugger's watches there watch. */
static void set_tags(struct machine *m, struct tlb_entry *e)
{
    uint32_t f = frame_of(m, e), pte = e->pte;
    unsigned slow = m->is_code[f] ? 1u << ACCESS_WRITE : 0;
    if (unlikely(m->dbg))
        slow |= debug_frame_watched(m, f);
    slow |= m->count_tlb; /* while counting, every kind: mmu_access counts the hits */
    unsigned ok = e->valid && (pte & PTE_A) ? (pte / PTE_R) & 7 : 0;
    if (!(pte & PTE_D))
        ok &= ~(1u << ACCESS_WRITE);
    ok &= ~slow;
    unsigned ok_user = pte & PTE_U ? ok : 0;
    for (int k = 0; k < 3; k++) {
        e->tag[0][k] = ok >> k & 1 ? e->vpage : TAG_NONE;
        e->tag[1][k] = ok_user >> k & 1 ? e->vpage : TAG_NONE;
    }
    e->addend = (uintptr_t)e->host - e->vpage;
}

/* Every set: a set not in use now may be again, tags and all. */
void mmu_retag_frames(struct machine *m, uint32_t first, uint32_t last)
{
    for (int s = 0; s < TLB_SETS; s++) {
        struct tlb_set *set = &m->tlb_sets[s];
        for (uint64_t f = set->filled; f; f &= f - 1) {
            struct tlb_entry *e = &set->e[__builtin_ctzll(f)];
            if (e->valid && frame_of(m, e) - first <= last - first)
                set_tags(m, e);
        }
    }
    for (int i = 0; i < TLB_SIZE; i++)
        if (m->ptlb[i].valid && frame_of(m, &m->ptlb[i]) - first <= last - first)
            set_tags(m, &m->ptlb[i]);
}

static void retag_frame(struct machine *m, uint32_t frame) { mmu_retag_frames(m, frame, frame); }

/* An empty entry keeps nothing of what it mapped: a path that forgot to
 * check valid would find NULL, not a frame another mapping left behind. */
static const struct tlb_entry empty_entry = {
    .tag = {{TAG_NONE, TAG_NONE, TAG_NONE}, {TAG_NONE, TAG_NONE, TAG_NONE}},
};

static void clear_entry(struct tlb_entry *e) { *e = empty_entry; }

/* A set's filled has a bit for every slot that may be valid, so that a
 * flush empties only those. */
static void clear_slot(struct tlb_set *set, unsigned i)
{
    clear_entry(&set->e[i]);
    set->filled &= ~(1ull << i);
}

static void clear_set(struct tlb_set *set)
{
    while (set->filled)
        clear_slot(set, (unsigned)__builtin_ctzll(set->filled));
}

static void use_set(struct machine *m, struct tlb_set *set)
{
    m->tlb_cur = set;
    m->tlb = set->e;
}

void mmu_forget_itlb(struct machine *m) { m->itlb = (struct itlb_entry){0}; }

void mmu_reset(struct machine *m)
{
    for (int s = 0; s < TLB_SETS; s++) {
        struct tlb_set *set = &m->tlb_sets[s];
        memset(set, 0, sizeof *set);
        for (int i = 0; i < TLB_SIZE; i++)
            clear_entry(&set->e[i]);
    }
    for (int i = 0; i < TLB_SIZE; i++)
        clear_entry(&m->ptlb[i]);
    m->tlb_clock = 0;
    use_set(m, &m->tlb_sets[0]);
    mmu_forget_itlb(m);
    m->end_block = true;
}

void mmu_clear_ptlb(struct machine *m)
{
    for (int i = 0; i < TLB_SIZE; i++)
        clear_entry(&m->ptlb[i]);
    m->end_block = true;
}

/* Flushes are system instructions (or the host's stand-in for one): the
 * instruction TLB goes with them.  Every set: the architecture's TLB is
 * whichever set is in use, and a host loads the others back.  Under
 * nested paging the paging-off TLB caches the host table's translations,
 * and goes too. */
void mmu_flush_all(struct machine *m)
{
    m->tlb_flushes++;
    for (int s = 0; s < TLB_SETS; s++)
        clear_set(&m->tlb_sets[s]);
    if (m->ran_nested)
        mmu_clear_ptlb(m);
    mmu_forget_itlb(m);
    m->end_block = true;
}

void mmu_flush_page(struct machine *m, uint32_t va)
{
    unsigned i = (va >> PAGE_SHIFT) & TLB_MASK;
    for (int s = 0; s < TLB_SETS; s++) {
        struct tlb_set *set = &m->tlb_sets[s];
        if (set->e[i].valid && set->e[i].vpage == (va & ~PAGE_MASK))
            clear_slot(set, i);
    }
    if (m->ran_nested && m->ptlb[i].valid && m->ptlb[i].vpage == (va & ~PAGE_MASK))
        clear_entry(&m->ptlb[i]);
    mmu_forget_itlb(m);
    m->end_block = true;
}

/* Whatever ptb held before, the new one's entries are not in any set:
 * none may be found again by machine_load_root. */
void mmu_ptb_written(struct machine *m)
{
    mmu_flush_all(m);
    for (int s = 0; s < TLB_SETS; s++)
        m->tlb_sets[s].tagged = false;
}

void mmu_load_root(struct machine *m, uint32_t root)
{
    m->cpu.cr[CR_PTB] = root;
    mmu_forget_itlb(m); /* as the mtcr it stands for would */
    m->end_block = true;
    m->tlb_clock++;
    struct tlb_set *cur = m->tlb_cur;
    if (!(cur->tagged && cur->root == root)) {
        /* The current set is tagged with what ptb held, if it was not
         * untagged by a write: it was filled under that. */
        struct tlb_set *pick = NULL;
        for (int s = 0; s < TLB_SETS && !pick; s++)
            if (m->tlb_sets[s].tagged && m->tlb_sets[s].root == root)
                pick = &m->tlb_sets[s];
        if (!pick) {
            /* An untagged set (none holds anything anyone can find
             * again), else the least recently loaded. */
            for (int s = 0; s < TLB_SETS; s++) {
                struct tlb_set *set = &m->tlb_sets[s];
                if (set != cur && (!pick || (!set->tagged && pick->tagged) ||
                                   (set->tagged == pick->tagged && set->used < pick->used)))
                    pick = set;
            }
            clear_set(pick);
            pick->tagged = true;
            pick->root = root;
        }
        if (!cur->tagged)
            clear_set(cur); /* filled under a ptb nobody can name again */
        use_set(m, pick);
    }
    m->tlb_cur->used = m->tlb_clock;
}

/* A slot to decode again: cpu_exec set m->handlers before any frame
 * became code. */
static struct dinsn blank_slot(const struct machine *m, unsigned op)
{
    return (struct dinsn){.op = (uint8_t)op, .xop = (uint8_t)op, .span = 1, .h = m->handlers ? m->handlers[op] : NULL};
}

struct dinsn *mmu_code_frame(struct machine *m, uint32_t frame)
{
    struct dinsn *d = m->dcache[frame];
    if (!d) {
        d = malloc(DPAGE_SLOTS * sizeof *d);
        if (!d)
            abort(); /* 32 KiB; running out here leaves nothing sensible to do */
        for (int i = 0; i < DPAGE_SLOTS - 1; i++)
            d[i] = blank_slot(m, OP_DECODE);
        d[DPAGE_SLOTS - 1] = blank_slot(m, OP_PAGE_END);
        m->dcache[frame] = d;
    }
    if (!m->is_code[frame]) {
        m->is_code[frame] = 1;
        retag_frame(m, frame); /* stores to it must now take the slow path */
    }
    return d;
}

void mmu_invalidate_code(struct machine *m, uint32_t pa, size_t len)
{
    if (len == 0)
        return;
    uint32_t first = pa >> PAGE_SHIFT;
    uint32_t last = (uint32_t)((pa + len - 1) >> PAGE_SHIFT);
    for (uint32_t f = first; f <= last && f < m->nframes; f++) {
        if (!m->is_code[f])
            continue;
        struct dinsn *d = m->dcache[f];
        /* Only what dispatch and decoding read: the store that got here
         * may be one of these slots, and reads its operands after. */
        struct dinsn blank = blank_slot(m, OP_DECODE);
        for (int i = 0; i < DPAGE_SLOTS - 1; i++) {
            d[i].op = d[i].xop = OP_DECODE;
            d[i].h = blank.h;
            d[i].run = 0;
            d[i].span = 1;
        }
        m->is_code[f] = 0;
        retag_frame(m, f);
        if (f == m->exec_frame)
            m->end_block = true; /* the CPU must re-enter the page */
    }
}

static uint8_t *fault(struct machine *m, uint32_t code, uint32_t va, enum access k)
{
    trap_raise(m, code | pt_access_bits(k, cpu_user(m)), va, k);
    return NULL;
}

/* The host table refused a guest-physical address (nested paging): the
 * guest sees nothing, the host is told (docs/isa.md section 14). */
static void nested_fault(struct machine *m, uint32_t cause, const struct pt_nested *n, uint32_t va,
                         enum access k)
{
    mmu_forget_itlb(m);
    struct vm_exit *x = m->exit;
    x->cause = cause;
    x->addr = n->gpa;
    x->guest_va = va;
    x->in_walk = n->in_walk;
    x->access = k;
    machine_stop(m, EXIT_NESTED_FAULT);
}

/* A TLB miss: the walk, in one dimension or (nested paging) two.  True
 * and *w, or false after the trap or exit. */
static bool miss(struct machine *m, uint32_t va, enum access k, int user, bool paging, struct pt_walk *w)
{
    m->walks++;
    uint32_t cause;
    if (mmu_nested(m)) {
        struct pt_nested n;
        cause = pt_walk_nested(&m->dma, m->guest->nested_root, paging, m->cpu.cr[CR_PTB], va, k, user, true, w, &n);
        m->walk_refs += n.refs;
        if (n.refused) {
            nested_fault(m, cause, &n, va, k);
            return false;
        }
    } else {
        cause = pt_walk(&m->dma, m->cpu.cr[CR_PTB], va, k, user, true, w);
        m->walk_refs += (unsigned)w->reads;
    }
    if (cause) {
        trap_raise(m, cause, va, k);
        return false;
    }
    return true;
}

static uint8_t *walk(struct machine *m, uint32_t va, enum access k, int user)
{
    struct pt_walk w;
    if (!miss(m, va, k, user, true, &w))
        return NULL;
    unsigned i = (va >> PAGE_SHIFT) & TLB_MASK;
    struct tlb_entry *e = &m->tlb[i];
    m->tlb_cur->filled |= 1ull << i;
    e->valid = true;
    e->vpage = va & ~PAGE_MASK;
    e->pte = w.pte;
    e->host = m->mem + w.page;
    set_tags(m, e);
    return e->host;
}

uint8_t *mmu_access(struct machine *m, uint32_t va, unsigned size, enum access k)
{
    int user = cpu_user(m);
    uint8_t *frame;

    if (va & (size - 1))
        return fault(m, CAUSE_MISALIGNED, va, k);

    if (m->cpu.cr[CR_STATUS] & SR_PG) {
        struct tlb_entry *e = &m->tlb[(va >> PAGE_SHIFT) & TLB_MASK];
        if (e->valid && e->vpage == (va & ~PAGE_MASK) && pte_allows(e->pte, user, k)) {
            frame = e->host;
            m->tlb_hits++;
        } else if (!(frame = walk(m, va, k, user)))
            return NULL;
    } else if (mmu_nested(m)) {
        /* Paging off under nested paging: va is guest-physical, and the
         * paging-off TLB caches the host table's translations of it. */
        struct tlb_entry *e = &m->ptlb[(va >> PAGE_SHIFT) & TLB_MASK];
        if (e->valid && e->vpage == (va & ~PAGE_MASK) && pte_allows(e->pte, user, k)) {
            frame = e->host;
        } else {
            struct pt_walk w;
            if (!miss(m, va, k, user, false, &w))
                return NULL;
            e->valid = true;
            e->vpage = va & ~PAGE_MASK;
            e->pte = w.pte;
            e->host = frame = m->mem + w.page;
            set_tags(m, e);
        }
    } else {
        frame = mmu_phys(m, va & ~PAGE_MASK);
        if (!frame)
            return fault(m, CAUSE_BUS_ERROR, va, k);
        struct tlb_entry *e = &m->ptlb[(va >> PAGE_SHIFT) & TLB_MASK];
        e->valid = true;
        e->vpage = va & ~PAGE_MASK;
        e->pte = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
        e->host = frame;
        set_tags(m, e);
    }

    uint32_t f = (uint32_t)((frame - m->mem) >> PAGE_SHIFT);
    if (k == ACCESS_WRITE && m->is_code[f])
        mmu_invalidate_code(m, f << PAGE_SHIFT, PAGE_SIZE);
    if (unlikely(m->dbg))
        debug_access(m, va, f << PAGE_SHIFT | (va & PAGE_MASK), size, k);
    return frame + (va & PAGE_MASK);
}

/* fetch_page's order (cpu_exec.c), then mmu_access's, with nothing
 * written: the instruction TLB, the TLB entry if it allows the fetch, the
 * tables.  Without the tables: 0 if the TLBs do not hold pc's page. */
int mmu_probe_fetch_cached(const struct machine *m, uint32_t pc, uint32_t *pa)
{
    uint32_t vpage = pc & ~PAGE_MASK;
    if (pc & 3)
        return -1;
    if (m->itlb.valid && m->itlb.vpage == vpage) {
        *pa = m->itlb.frame | (pc & PAGE_MASK);
        return 1;
    }
    bool paging = m->cpu.cr[CR_STATUS] & SR_PG;
    if (!paging && !mmu_nested(m)) {
        *pa = pc;
        return (pc >> PAGE_SHIFT) < m->nframes ? 1 : -1;
    }
    const struct tlb_entry *e = &(paging ? m->tlb : m->ptlb)[(pc >> PAGE_SHIFT) & TLB_MASK];
    if (e->valid && e->vpage == vpage && pte_allows(e->pte, cpu_user(m), ACCESS_FETCH)) {
        *pa = frame_of(m, e) << PAGE_SHIFT | (pc & PAGE_MASK);
        return 1;
    }
    return 0;
}

bool mmu_probe_fetch(const struct machine *m, uint32_t pc, uint32_t *pa)
{
    int found = mmu_probe_fetch_cached(m, pc, pa);
    if (found)
        return found > 0;
    int user = cpu_user(m);
    struct pt_walk w;
    if (mmu_nested(m)) {
        struct pt_nested n;
        if (pt_walk_nested(&m->dma, m->guest->nested_root, m->cpu.cr[CR_STATUS] & SR_PG, m->cpu.cr[CR_PTB], pc,
                           ACCESS_FETCH, user, false, &w, &n))
            return false;
    } else if (pt_walk(&m->dma, m->cpu.cr[CR_PTB], pc, ACCESS_FETCH, user, false, &w)) {
        return false;
    }
    *pa = w.page | (pc & PAGE_MASK);
    return true;
}
