/*
 * elfout.c - the result as an ELF32 executable: one PT_LOAD segment per
 * non-empty section, and every named symbol (labels as functions in .text
 * and objects elsewhere, .equ and .set values as absolute symbols).
 */
#include <elf.h>
#include <stdlib.h>

#include "asm_impl.h"
#include "elf_write.h"

bool elf_build(struct as *as, uint32_t entry, uint8_t **out, size_t *len)
{
    static const uint32_t flags[NSECT] = {[SEC_TEXT] = PF_R | PF_X, [SEC_DATA] = PF_R | PF_W, [SEC_BSS] = PF_R | PF_W};
    struct elf_out_section secs[NSECT];
    int index[NSECT]; /* ELF section of each of ours, -1 when empty */
    size_t nsecs = 0;
    for (int i = 0; i < NSECT; i++) {
        const struct section *s = &as->sec[i];
        index[i] = -1;
        if (s->size == 0)
            continue;
        index[i] = (int)nsecs;
        bool bss = i == SEC_BSS;
        secs[nsecs++] = (struct elf_out_section){
            .name = s->name,
            .addr = s->base,
            .data = bss ? NULL : s->bytes.p,
            .filesz = bss ? 0 : (uint32_t)s->size,
            .memsz = (uint32_t)s->size,
            .flags = flags[i],
        };
    }
    struct elf_out_symbol *syms = calloc(as->syms.n ? as->syms.n : 1, sizeof *syms);
    if (!syms)
        return false;
    size_t nsyms = 0;
    for (size_t i = 0; i < as->syms.n; i++) {
        const struct symbol *s = &as->syms.v[i];
        struct elf_out_symbol e = {.name = s->name, .bind = s->global ? STB_GLOBAL : STB_LOCAL, .section = -1};
        if (s->kind == SYM_LABEL) {
            e.value = as->sec[s->sect].base + (uint32_t)s->off;
            e.type = s->sect == SEC_TEXT ? STT_FUNC : STT_OBJECT;
            e.section = index[s->sect];
        } else if ((s->kind == SYM_EQU || s->kind == SYM_SET) && s->val.known) {
            e.value = (uint32_t)s->val.v;
            e.type = STT_NOTYPE;
        } else {
            continue;
        }
        syms[nsyms++] = e;
    }
    bool ok = elf_write_mem(entry, secs, nsecs, syms, nsyms, out, len);
    free(syms);
    return ok;
}
