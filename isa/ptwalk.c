/*
 * ptwalk.c - the walk of docs/isa.md section 7, one level at a time.
 */
#include "ptwalk.h"

#include <stdio.h>

#include "devices.h"

uint32_t pt_access_bits(enum access k, bool user)
{
    return (k == ACCESS_WRITE ? CAUSE_WRITE : 0) | (k == ACCESS_FETCH ? CAUSE_FETCH : 0) |
           (user ? CAUSE_USER : 0);
}

static bool read_pte(const struct dma *mem, uint32_t pa, uint32_t *pte)
{
    uint8_t b[4];
    if ((uint64_t)pa + 4 > mem->mem_size || !mem->read(mem->ctx, pa, b, 4))
        return false;
    *pte = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static void write_pte(const struct dma *mem, uint32_t pa, uint32_t e)
{
    uint8_t b[4] = {(uint8_t)e, (uint8_t)(e >> 8), (uint8_t)(e >> 16), (uint8_t)(e >> 24)};
    mem->write(mem->ctx, pa, b, 4);
}

uint32_t pt_walk(const struct dma *mem, uint32_t ptb, uint32_t va, enum access k, bool user,
                 bool set_ad, struct pt_walk *w)
{
    static const uint32_t perm_for[3] = {
        [ACCESS_READ] = PTE_R, [ACCESS_WRITE] = PTE_W, [ACCESS_FETCH] = PTE_X};
    uint32_t bits = pt_access_bits(k, user);
    uint32_t table = ptb; /* the root's address is ptb as written, low bits and all */
    uint32_t e = 0;

    w->reads = 0;
    for (int level = PT_ROOT;; level++) {
        uint32_t pa = table + VA_INDEX(va, level) * 4;
        w->level = level;
        w->entry_pa[level - 1] = pa;
        if (!read_pte(mem, pa, &e))
            return CAUSE_BUS_ERROR | bits;
        w->reads++;
        if (!(e & PTE_V))
            return CAUSE_PAGE_FAULT | bits;
        if (level == PT_LEAF)
            break;
        table = PTE_FRAME(e); /* a table's other bits mean nothing */
    }
    w->pte_pa = w->entry_pa[PT_LEAF - 1];
    if (!(e & perm_for[k]) || (user && !(e & PTE_U)))
        return CAUSE_PAGE_FAULT | CAUSE_PROT | bits;
    if (PTE_FRAME(e) >= mem->mem_size)
        return CAUSE_BUS_ERROR | bits;

    uint32_t set = PTE_A | (k == ACCESS_WRITE ? PTE_D : 0);
    if (set_ad && (e & set) != set) {
        e |= set;
        write_pte(mem, w->pte_pa, e);
    }
    w->pte = e;
    w->page = PTE_FRAME(e);
    return 0;
}

/* The second stage for one guest-physical address: 0 and *hpa, *hpte, or
 * the host walk's cause word.  Its reads count in n->refs. */
static uint32_t stage2(const struct dma *mem, uint32_t nroot, uint32_t gpa, enum access k, uint32_t *hpa,
                       uint32_t *hpte, struct pt_nested *n)
{
    struct pt_walk w;
    uint32_t cause = pt_walk(mem, nroot, gpa, k, false, false, &w);
    n->refs += (unsigned)w.reads;
    if (cause)
        return cause;
    *hpa = w.page | (gpa & PAGE_MASK);
    *hpte = w.pte;
    return 0;
}

static uint32_t refused(struct pt_nested *n, uint32_t gpa, bool in_walk, uint32_t cause, uint32_t bits)
{
    n->refused = true;
    n->gpa = gpa;
    n->in_walk = in_walk;
    return CAUSE_CODE(cause) | (cause & CAUSE_PROT) | bits;
}

uint32_t pt_walk_nested(const struct dma *mem, uint32_t nroot, bool paging, uint32_t gptb, uint32_t va,
                        enum access k, bool user, bool set_ad, struct pt_walk *w, struct pt_nested *n)
{
    static const uint32_t perm_for[3] = {
        [ACCESS_READ] = PTE_R, [ACCESS_WRITE] = PTE_W, [ACCESS_FETCH] = PTE_X};
    const uint32_t rwx = PTE_R | PTE_W | PTE_X;
    uint32_t bits = pt_access_bits(k, user);
    uint32_t hpa, hpte, cause, e = PTE_V | rwx | PTE_U | PTE_A | PTE_D, table = gptb;
    n->refs = 0;
    n->refused = false;
    w->reads = 0;
    w->level = PT_LEAF;
    w->pte_pa = 0;

    for (int level = PT_ROOT; paging; level++) {
        uint32_t gpa = table + VA_INDEX(va, level) * 4;
        w->level = level;
        if ((cause = stage2(mem, nroot, gpa, ACCESS_READ, &hpa, &hpte, n)))
            return refused(n, gpa, true, cause, bits);
        w->entry_pa[level - 1] = hpa;
        if (!read_pte(mem, hpa, &e)) /* the host walk checked the frame: cannot fail */
            return refused(n, gpa, true, CAUSE_BUS_ERROR, bits);
        w->reads++;
        n->refs++;
        if (!(e & PTE_V))
            return CAUSE_PAGE_FAULT | bits;
        if (level == PT_LEAF) {
            w->pte_pa = hpa;
            break;
        }
        table = PTE_FRAME(e);
    }
    if (!(e & perm_for[k]) || (user && !(e & PTE_U)))
        return CAUSE_PAGE_FAULT | CAUSE_PROT | bits;
    /* No bus error for the guest's frame: the host table says what exists. */
    uint32_t gpa = paging ? PTE_FRAME(e) | (va & PAGE_MASK) : va;
    if ((cause = stage2(mem, nroot, gpa, k, &hpa, &hpte, n)))
        return refused(n, gpa, false, cause, bits);

    uint32_t set = PTE_A | (k == ACCESS_WRITE ? PTE_D : 0);
    if (paging && set_ad && (e & set) != set) {
        e |= set;
        write_pte(mem, w->pte_pa, e);
    }
    w->pte = PTE_FRAME(hpa) | (e & PAGE_MASK & ~rwx) | (e & hpte & rwx);
    w->page = PTE_FRAME(hpa);
    return 0;
}

void pt_entry_text(uint32_t pte, int level, char *buf, size_t len)
{
    size_t k = 0;
    if (len)
        buf[0] = '\0';
#define PUT(...)                                                                                                   \
    do {                                                                                                           \
        int n_ = snprintf(buf + k, len - k, __VA_ARGS__);                                                          \
        if (n_ > 0)                                                                                                \
            k = (size_t)n_ < len - k ? k + (size_t)n_ : len - 1;                                                   \
    } while (0)
    if (!len)
        return;
    if (level < PT_LEAF) {
        PUT("table 0x%08x, %s", PTE_FRAME(pte), pte & PTE_V ? "V" : "V clear");
        return;
    }
    PUT("frame 0x%08x,", PTE_FRAME(pte));
    if (!(pte & PTE_V))
        PUT(" V clear%s", pte & ~PTE_V & PAGE_MASK & ~PTE_SOFT_MASK ? "," : "");
#define X(NAME, bit, name, desc)                                                                                   \
    if (pte & PTE_##NAME)                                                                                          \
        PUT(" %s", name);
    ISA_PTE_BITS(X)
#undef X
    if (pte & PTE_SOFT_MASK)
        PUT(", soft 0x%02x", (pte & PTE_SOFT_MASK) >> 7);
#undef PUT
}

/* The search of pt_entry_of below one table: table is at level, and maps
 * the virtual addresses from base. */
static int entry_below(const struct dma *mem, uint32_t table, int level, uint32_t base, uint32_t pa, uint32_t *va)
{
    const int shift = PAGE_SHIFT + PT_INDEX_BITS * (PT_LEVELS - level);
    if (pa >= table && pa - table < PAGE_SIZE) {
        *va = base | (uint32_t)((pa - table) / 4) << shift;
        return level;
    }
    if (level == PT_LEAF)
        return 0;
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
        uint32_t e;
        if (!read_pte(mem, table + i * 4, &e))
            return 0; /* the rest of the table is outside memory too */
        int found;
        if ((e & PTE_V) && (found = entry_below(mem, PTE_FRAME(e), level + 1, base | i << shift, pa, va)))
            return found;
    }
    return 0;
}

int pt_entry_of(const struct dma *mem, uint32_t ptb, uint32_t pa, uint32_t *va)
{
    return entry_below(mem, ptb, PT_ROOT, 0, pa, va);
}
