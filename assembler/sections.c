/*
 * sections.c - .text, .data and .bss: where each starts, its location
 * counter, and its bytes.
 *
 * A section's start is fixed by an .org before its first byte, else by the
 * default: .text at --text (0x1000); .data at --data, else at the first
 * 4096-byte boundary after the end of .text (so that code and data never
 * share a page: a store into a page throws away the machine's decoded
 * instructions for it); .bss right after .data.  The end of .text is only
 * known after pass 1, so until then a .data or .bss label is an offset
 * into its section (struct value.sect).
 */
#include <stdio.h>
#include <string.h>

#include "asm_impl.h"

#define ADDRESS_SPACE (UINT64_C(1) << 32)

static bool has_default(const struct as *as, int sect)
{
    return sect == SEC_TEXT || (sect == SEC_DATA && as->opt->data_base_set);
}

void sections_init(struct as *as)
{
    static const char *const names[NSECT] = {[SEC_TEXT] = ".text", [SEC_DATA] = ".data", [SEC_BSS] = ".bss"};
    for (int i = 0; i < NSECT; i++) {
        struct section *s = &as->sec[i];
        if (as->pass == 1) {
            buf_free(&s->bytes);
            *s = (struct section){.name = names[i], .align = 1};
            if (i == SEC_TEXT)
                s->base = as->opt->text_base_set ? as->opt->text_base : ASM_DEFAULT_TEXT;
            if (i == SEC_DATA && as->opt->data_base_set)
                s->base = as->opt->data_base;
        }
        s->size = 0;
        s->started = false; /* pass 2 keeps overflowed: reported once is enough */
    }
    as->cur = SEC_TEXT;
}

struct value section_value(struct as *as, int sect, int64_t off)
{
    const struct section *s = &as->sec[sect];
    if (s->base_fixed)
        return (struct value){.v = (int64_t)s->base + off, .sect = SECT_ABS, .known = true};
    return (struct value){.v = off, .sect = sect, .known = true};
}

struct value dot_value(struct as *as)
{
    if (as->ctx.dot_override)
        return section_value(as, as->ctx.dot_sect, as->ctx.dot_off);
    return section_value(as, as->cur, (int64_t)as->sec[as->cur].size);
}

uint32_t cur_addr(struct as *as)
{
    const struct section *s = &as->sec[as->cur];
    return (uint32_t)(s->base + s->size);
}

/* The first byte (or .align) of a section: from now on an .org cannot
 * move its start, so a start that has a default is final. */
void sections_fix_start(struct as *as, int sect)
{
    struct section *s = &as->sec[sect];
    if (s->started)
        return;
    s->started = true;
    if (has_default(as, sect))
        s->base_fixed = true;
}

bool emit(struct as *as, const void *data, uint64_t n, uint8_t fill, struct loc at)
{
    struct section *s = &as->sec[as->cur];
    if (as->cur == SEC_BSS && (data || fill)) {
        as_error(as, at, ".bss holds only zeros: reserve space there with .space, or put this in .data");
        return false;
    }
    if (!s->started) {
        sections_fix_start(as, as->cur);
        s->first_loc = at;
    }
    uint64_t end = s->size + n;
    bool ok = true;
    if (s->base_fixed && s->base + end > ADDRESS_SPACE) {
        if (!s->overflowed)
            as_error(as, at, "this goes past the end of the 32-bit address space: %s would end at 0x%llx",
                     s->name, (unsigned long long)(s->base + end));
        s->overflowed = true;
        ok = false;
    } else if (as->cur != SEC_BSS && end > AS_MAX_SECTION_BYTES) {
        if (!s->overflowed)
            as_error(as, at, "%s would hold %llu bytes; the limit is %u MiB (use .bss or an .org before the section's first byte for a distant start)",
                     s->name, (unsigned long long)end, AS_MAX_SECTION_BYTES >> 20);
        s->overflowed = true;
        ok = false;
    }
    if (ok && as->pass == 2 && as->cur != SEC_BSS) {
        if (data)
            buf_put(&s->bytes, data, (size_t)n);
        else
            buf_fill(&s->bytes, fill, (size_t)n);
        if (s->bytes.oom)
            as_oom(as);
    }
    s->size = end;
    return ok;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

void sections_layout(struct as *as)
{
    struct section *t = &as->sec[SEC_TEXT], *d = &as->sec[SEC_DATA], *b = &as->sec[SEC_BSS];
    t->base_fixed = true;
    if (!d->base_fixed) {
        if (!as->opt->data_base_set) {
            uint64_t a = d->align > PAGE_SIZE ? d->align : PAGE_SIZE;
            uint64_t start = align_up((uint64_t)t->base + t->size, a);
            d->base = (uint32_t)(start < ADDRESS_SPACE ? start : 0);
            if (start >= ADDRESS_SPACE && d->size + b->size > 0)
                as_error(as, d->size ? d->first_loc : b->first_loc,
                         "no room for .data after .text, which ends at 0x%llx: give .data a start with .org or --data",
                         (unsigned long long)((uint64_t)t->base + t->size));
        }
        d->base_fixed = true;
    }
    if (!b->base_fixed) {
        uint64_t a = b->align > 4 ? b->align : 4;
        uint64_t start = align_up((uint64_t)d->base + d->size, a);
        b->base = (uint32_t)(start < ADDRESS_SPACE ? start : 0);
        if (start >= ADDRESS_SPACE && b->size > 0)
            as_error(as, b->first_loc, "no room for .bss after .data, which ends at 0x%llx: give .bss a start with .org",
                     (unsigned long long)((uint64_t)d->base + d->size));
        b->base_fixed = true;
    }
    for (int i = 0; i < NSECT; i++) {
        struct section *s = &as->sec[i];
        if (!s->overflowed && (uint64_t)s->base + s->size > ADDRESS_SPACE) {
            as_error(as, s->first_loc, "this goes past the end of the 32-bit address space: %s would end at 0x%llx",
                     s->name, (unsigned long long)((uint64_t)s->base + s->size));
            s->overflowed = true;
        }
    }
    for (int i = 0; i < NSECT; i++)
        for (int j = i + 1; j < NSECT; j++) {
            const struct section *x = &as->sec[i], *y = &as->sec[j];
            if (x->size && y->size && x->base < (uint64_t)y->base + y->size &&
                y->base < (uint64_t)x->base + x->size) {
                const struct section *later = y->org_set ? y : x;
                as_error(as, later->org_set ? later->org_loc : later->first_loc,
                         "%s (0x%08x..0x%08llx) and %s (0x%08x..0x%08llx) overlap", x->name, x->base,
                         (unsigned long long)((uint64_t)x->base + x->size - 1), y->name, y->base,
                         (unsigned long long)((uint64_t)y->base + y->size - 1));
            }
        }
}

void sections_free(struct as *as)
{
    for (int i = 0; i < NSECT; i++)
        buf_free(&as->sec[i].bytes);
}
