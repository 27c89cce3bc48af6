/*
 * elf_write.c - lay out an ELF32 executable:
 *
 *   ELF header | program headers | section contents | .symtab | .strtab |
 *   .shstrtab | section headers
 */
#include "elf_write.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "elf_write.c writes ELF structures in place and needs a little-endian host"
#endif

struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

static size_t put(struct buf *b, const void *data, size_t n)
{
    size_t at = b->len;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return at;
        }
        b->p = np;
        b->cap = cap;
    }
    if (data)
        memcpy(b->p + b->len, data, n);
    else
        memset(b->p + b->len, 0, n);
    b->len += n;
    return at;
}

static void align(struct buf *b, size_t a)
{
    while (!b->oom && b->len % a)
        put(b, NULL, 1);
}

static uint32_t put_str(struct buf *strtab, const char *s)
{
    return (uint32_t)put(strtab, s, strlen(s) + 1);
}

bool elf_write_mem(uint32_t entry, const struct elf_out_section *secs, size_t nsecs,
                   const struct elf_out_symbol *syms, size_t nsyms, uint8_t **out, size_t *outlen)
{
    struct buf f = {0}, strtab = {0}, shstr = {0}, symtab = {0};
    size_t nsh = 1 + nsecs + 3; /* null, sections, .symtab .strtab .shstrtab */
    Elf32_Shdr *sh = calloc(nsh, sizeof *sh);
    uint32_t *offs = calloc(nsecs ? nsecs : 1, sizeof *offs);
    bool ok = false;
    if (!sh || !offs)
        goto done;

    put(&f, NULL, sizeof(Elf32_Ehdr) + nsecs * sizeof(Elf32_Phdr));
    for (size_t i = 0; i < nsecs; i++) {
        align(&f, 4);
        offs[i] = (uint32_t)f.len;
        if (secs[i].data && secs[i].filesz)
            put(&f, secs[i].data, secs[i].filesz);
    }

    put(&shstr, "", 1);
    put(&strtab, "", 1);
    Elf32_Sym null_sym = {0};
    put(&symtab, &null_sym, sizeof null_sym);
    size_t nlocal = 1;
    for (int pass = 0; pass < 2; pass++) /* locals first, then the rest */
        for (size_t i = 0; i < nsyms; i++) {
            bool local = syms[i].bind == STB_LOCAL;
            if (local != (pass == 0))
                continue;
            Elf32_Sym s = {
                .st_name = put_str(&strtab, syms[i].name),
                .st_value = syms[i].value,
                .st_size = syms[i].size,
                .st_info = ELF32_ST_INFO(syms[i].bind, syms[i].type),
                .st_shndx = syms[i].section < 0 ? SHN_ABS : (Elf32_Half)(1 + syms[i].section),
            };
            put(&symtab, &s, sizeof s);
            if (local)
                nlocal++;
        }

    for (size_t i = 0; i < nsecs; i++) {
        bool nobits = !secs[i].data || secs[i].filesz == 0;
        sh[1 + i] = (Elf32_Shdr){
            .sh_name = put_str(&shstr, secs[i].name),
            .sh_type = nobits ? SHT_NOBITS : SHT_PROGBITS,
            .sh_flags = SHF_ALLOC | ((secs[i].flags & PF_W) ? SHF_WRITE : 0) |
                        ((secs[i].flags & PF_X) ? SHF_EXECINSTR : 0),
            .sh_addr = secs[i].addr,
            .sh_offset = offs[i],
            .sh_size = nobits ? secs[i].memsz : secs[i].filesz,
            .sh_addralign = 4,
        };
    }
    size_t isym = 1 + nsecs, istr = isym + 1, ishstr = istr + 1;
    align(&f, 4);
    sh[isym] = (Elf32_Shdr){
        .sh_name = put_str(&shstr, ".symtab"),
        .sh_type = SHT_SYMTAB,
        .sh_offset = (uint32_t)put(&f, symtab.p, symtab.len),
        .sh_size = (uint32_t)symtab.len,
        .sh_link = (uint32_t)istr,
        .sh_info = (uint32_t)nlocal,
        .sh_addralign = 4,
        .sh_entsize = sizeof(Elf32_Sym),
    };
    sh[istr] = (Elf32_Shdr){
        .sh_name = put_str(&shstr, ".strtab"),
        .sh_type = SHT_STRTAB,
        .sh_offset = (uint32_t)put(&f, strtab.p, strtab.len),
        .sh_size = (uint32_t)strtab.len,
        .sh_addralign = 1,
    };
    uint32_t shstr_name = put_str(&shstr, ".shstrtab");
    sh[ishstr] = (Elf32_Shdr){
        .sh_name = shstr_name,
        .sh_type = SHT_STRTAB,
        .sh_offset = (uint32_t)put(&f, shstr.p, shstr.len),
        .sh_size = (uint32_t)shstr.len,
        .sh_addralign = 1,
    };
    align(&f, 4);
    size_t shoff = put(&f, sh, nsh * sizeof *sh);
    if (f.oom || strtab.oom || shstr.oom || symtab.oom)
        goto done;

    Elf32_Ehdr eh = {
        .e_type = ET_EXEC,
        .e_machine = EM_VMLAB,
        .e_version = EV_CURRENT,
        .e_entry = entry,
        .e_phoff = sizeof(Elf32_Ehdr),
        .e_shoff = (uint32_t)shoff,
        .e_ehsize = sizeof(Elf32_Ehdr),
        .e_phentsize = sizeof(Elf32_Phdr),
        .e_phnum = (Elf32_Half)nsecs,
        .e_shentsize = sizeof(Elf32_Shdr),
        .e_shnum = (Elf32_Half)nsh,
        .e_shstrndx = (Elf32_Half)ishstr,
    };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    memcpy(f.p, &eh, sizeof eh);
    for (size_t i = 0; i < nsecs; i++) {
        Elf32_Phdr ph = {
            .p_type = PT_LOAD,
            .p_offset = offs[i],
            .p_vaddr = secs[i].addr,
            .p_paddr = secs[i].addr,
            .p_filesz = secs[i].data ? secs[i].filesz : 0,
            .p_memsz = secs[i].memsz,
            .p_flags = secs[i].flags,
            .p_align = 4,
        };
        memcpy(f.p + sizeof eh + i * sizeof ph, &ph, sizeof ph);
    }
    *out = f.p;
    *outlen = f.len;
    f.p = NULL;
    ok = true;
done:
    free(f.p);
    free(strtab.p);
    free(shstr.p);
    free(symtab.p);
    free(sh);
    free(offs);
    return ok;
}
