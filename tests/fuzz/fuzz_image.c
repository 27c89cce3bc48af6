/*
 * fuzz_image.c - see fuzz_image.h.
 */
#include "fuzz_image.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"

/* The byte memory holds at addr once img is loaded.  Memory is zero at
 * reset (docs/isa.md section 9), so a zero byte loaded and a byte no
 * segment covers are the same to the program. */
static int byte_at(const struct elf_image *img, uint32_t addr)
{
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *s = &img->segs[i];
        if (addr - s->paddr < s->memsz)
            return addr - s->paddr < s->filesz ? img->file[s->offset + (addr - s->paddr)] : 0;
    }
    return 0;
}

static bool covered_same(const struct elf_image *a, const struct elf_image *b, const char *an, const char *bn,
                         char *why, size_t len)
{
    for (size_t i = 0; i < a->nsegs; i++) {
        const struct elf_segment *s = &a->segs[i];
        for (uint32_t o = 0; o < s->memsz; o++) {
            uint32_t addr = s->paddr + o;
            int x = byte_at(a, addr), y = byte_at(b, addr);
            if (x != y) {
                snprintf(why, len, "at 0x%08" PRIx32 " the %s image loads 0x%02x, the %s image 0x%02x", addr,
                         an, x, bn, y);
                return false;
            }
        }
    }
    return true;
}

bool fuzz_same_load(const struct elf_image *a, const struct elf_image *b, char *why, size_t len)
{
    if (a->entry != b->entry) {
        snprintf(why, len, "entry 0x%08" PRIx32 " became 0x%08" PRIx32, a->entry, b->entry);
        return false;
    }
    return covered_same(a, b, "first", "second", why, len) && covered_same(b, a, "second", "first", why, len);
}

bool fuzz_round_trip(const struct elf_image *img, char *report, size_t len)
{
    char *text = disasm_image(img, "fuzz.elf", &(struct disasm_opts){0});
    if (!text) {
        snprintf(report, len, "vdis: out of memory");
        return false;
    }
    struct asm_result res;
    bool ok = asm_assemble_source("fuzz.s", text, strlen(text), &(struct asm_options){0}, &res);
    if (!ok || !res.ok) {
        snprintf(report, len, "vdis output does not assemble: %.300s\n--- the source begins:\n%.600s",
                 res.diag ? res.diag : "?", text);
        asm_result_free(&res);
        free(text);
        return false;
    }
    struct elf_image back;
    char err[256], why[256];
    bool same = false;
    if (!elf_read_mem(res.elf, res.elf_len, &back, err, sizeof err)) {
        snprintf(report, len, "vasm's image of vdis's output does not load: %s", err);
    } else {
        same = fuzz_same_load(img, &back, why, sizeof why);
        if (!same)
            snprintf(report, len, "vdis then vasm changed the image: %s", why);
        elf_free(&back);
    }
    asm_result_free(&res);
    free(text);
    return same;
}
