/*
 * elf_load.c - read an ELF32 image with libc's <elf.h>, check everything a
 * hostile or broken file could get wrong, and load it into a machine.
 */
#include "elf_load.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "devices.h"
#include "machine.h"
#include "read_capped.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "elf_load.c reads ELF structures in place and needs a little-endian host"
#endif

#define FAIL(...)                                                              \
    do {                                                                       \
        snprintf(err, errlen, __VA_ARGS__);                                    \
        goto fail;                                                             \
    } while (0)

/* Is [off, off+len) inside the file? */
static bool in_file(size_t file_size, uint64_t off, uint64_t len)
{
    return off <= file_size && len <= file_size - off;
}

static int cmp_sym(const void *a, const void *b)
{
    const struct elf_symbol *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool read_symbols(struct elf_image *img, const Elf32_Ehdr *eh, char *err, size_t errlen)
{
    if (eh->e_shnum == 0)
        return true;
    if (eh->e_shentsize != sizeof(Elf32_Shdr) ||
        !in_file(img->file_size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf32_Shdr)))
        FAIL("section header table is outside the file");
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        Elf32_Shdr sh, st;
        memcpy(&sh, img->file + eh->e_shoff + i * sizeof sh, sizeof sh);
        if (sh.sh_type != SHT_SYMTAB)
            continue;
        if (sh.sh_link >= eh->e_shnum)
            FAIL("symbol table %u links to a missing string table", i);
        memcpy(&st, img->file + eh->e_shoff + sh.sh_link * sizeof st, sizeof st);
        if (sh.sh_entsize != sizeof(Elf32_Sym) || !in_file(img->file_size, sh.sh_offset, sh.sh_size) ||
            !in_file(img->file_size, st.sh_offset, st.sh_size) || st.sh_size == 0)
            FAIL("symbol table %u is truncated", i);
        const char *strs = (const char *)img->file + st.sh_offset;
        if (strs[st.sh_size - 1] != '\0')
            FAIL("string table %u is not terminated", sh.sh_link);
        size_t n = sh.sh_size / sizeof(Elf32_Sym);
        img->syms = calloc(n ? n : 1, sizeof *img->syms);
        if (!img->syms)
            FAIL("out of memory");
        for (size_t j = 0; j < n; j++) {
            Elf32_Sym sym;
            memcpy(&sym, img->file + sh.sh_offset + j * sizeof sym, sizeof sym);
            if (sym.st_name >= st.sh_size)
                FAIL("symbol %zu has a name outside the string table", j);
            const char *name = strs + sym.st_name;
            uint8_t type = ELF32_ST_TYPE(sym.st_info);
            if (name[0] == '\0' || type == STT_SECTION || type == STT_FILE)
                continue;
            img->syms[img->nsyms++] = (struct elf_symbol){
                .name = name,
                .value = sym.st_value,
                .size = sym.st_size,
                .type = type,
                .bind = ELF32_ST_BIND(sym.st_info),
            };
        }
        qsort(img->syms, img->nsyms, sizeof *img->syms, cmp_sym);
        break; /* one symbol table is all an executable has */
    }
    return true;
fail:
    return false;
}

/* Segments in order of address, then of position in the file. */
static int cmp_seg(const void *a, const void *b)
{
    const struct elf_segment *x = *(const struct elf_segment *const *)a, *y = *(const struct elf_segment *const *)b;
    if (x->paddr != y->paddr)
        return x->paddr < y->paddr ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* No two segments that take memory may overlap.  Sorted by address, a
 * segment that overlaps any other overlaps the one just before it: n log n,
 * where comparing every pair took seconds for the 65,535 segments a header
 * can count.  The message names the pair by address, lower first. */
static bool check_overlaps(const struct elf_image *img, char *err, size_t errlen)
{
    const struct elf_segment **by_addr = malloc((img->nsegs ? img->nsegs : 1) * sizeof *by_addr);
    if (!by_addr) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < img->nsegs; i++)
        if (img->segs[i].memsz)
            by_addr[n++] = &img->segs[i];
    qsort(by_addr, n, sizeof *by_addr, cmp_seg);
    bool ok = true;
    for (size_t i = 1; i < n && ok; i++) {
        const struct elf_segment *a = by_addr[i - 1], *b = by_addr[i];
        if (b->paddr < (uint64_t)a->paddr + a->memsz) {
            snprintf(err, errlen, "segments at 0x%08x and 0x%08x overlap", a->paddr, b->paddr);
            ok = false;
        }
    }
    free(by_addr);
    return ok;
}

/* Parse the file in img->file, which the image owns from now on. */
static bool parse(struct elf_image *img, char *err, size_t errlen)
{
    const uint8_t *buf = img->file;
    size_t len = img->file_size;

    if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
        FAIL("not an ELF file");
    if (buf[EI_CLASS] != ELFCLASS32)
        FAIL("not an ELF32 file (it is %s)", buf[EI_CLASS] == ELFCLASS64 ? "ELF64" : "of an unknown class");
    if (buf[EI_DATA] != ELFDATA2LSB)
        FAIL("not a little-endian ELF file");
    if (len < sizeof(Elf32_Ehdr))
        FAIL("truncated ELF header");
    Elf32_Ehdr ehdr;
    memcpy(&ehdr, img->file, sizeof ehdr);
    const Elf32_Ehdr *eh = &ehdr;
    if (eh->e_machine != EM_VMLAB)
        FAIL("not a vmlab program (ELF machine %u, expected %u)", eh->e_machine, EM_VMLAB);
    if (eh->e_type != ET_EXEC)
        FAIL("not an executable (ELF type %u)", eh->e_type);
    if (eh->e_phnum == 0)
        FAIL("no program headers: nothing to load");
    if (eh->e_phentsize != sizeof(Elf32_Phdr) ||
        !in_file(len, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr)))
        FAIL("program header table is outside the file");
    img->entry = eh->e_entry;

    img->segs = calloc(eh->e_phnum, sizeof *img->segs);
    if (!img->segs)
        FAIL("out of memory");
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf32_Phdr phdr;
        memcpy(&phdr, img->file + eh->e_phoff + i * sizeof phdr, sizeof phdr);
        const Elf32_Phdr *ph = &phdr;
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_filesz > ph->p_memsz)
            FAIL("segment %u has more bytes in the file (%u) than in memory (%u)", i, ph->p_filesz,
                 ph->p_memsz);
        if (!in_file(len, ph->p_offset, ph->p_filesz))
            FAIL("segment %u is truncated: it needs bytes %u..%llu of a %zu-byte file", i, ph->p_offset,
                 (unsigned long long)ph->p_offset + ph->p_filesz, len);
        if ((uint64_t)ph->p_paddr + ph->p_memsz > UINT64_C(0x100000000))
            FAIL("segment %u runs past the end of the 32-bit address space", i);
        img->segs[img->nsegs++] = (struct elf_segment){
            .paddr = ph->p_paddr,
            .vaddr = ph->p_vaddr,
            .filesz = ph->p_filesz,
            .memsz = ph->p_memsz,
            .offset = ph->p_offset,
            .flags = ph->p_flags,
        };
    }
    if (!check_overlaps(img, err, errlen))
        goto fail;
    if (!read_symbols(img, eh, err, errlen))
        goto fail;
    return true;
fail:
    elf_free(img);
    return false;
}

bool elf_read_mem(const uint8_t *buf, size_t len, struct elf_image *img, char *err, size_t errlen)
{
    *img = (struct elf_image){0};
    img->file = malloc(len ? len : 1);
    if (!img->file) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    memcpy(img->file, buf, len);
    img->file_size = len;
    return parse(img, err, errlen);
}

bool elf_read_file(const char *path, struct elf_image *img, char *err, size_t errlen)
{
    *img = (struct elf_image){0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return false;
    }
    struct stat st;
    enum read_result r = READ_FAILED;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        goto done;
    }
    /* A stream has no size to check: its first bytes must be ELF's before
     * the rest is worth reading. */
    if (!S_ISREG(st.st_mode)) {
        r = read_capped(fd, SELFMAG - 1, &img->file, &img->file_size, err, errlen);
        if (r == READ_FAILED)
            goto done;
        if (img->file_size < SELFMAG || memcmp(img->file, ELFMAG, SELFMAG) != 0) {
            snprintf(err, errlen, "not an ELF file");
            r = READ_FAILED;
            goto done;
        }
    }
    r = read_capped(fd, ELF_FILE_MAX, &img->file, &img->file_size, err, errlen);
    if (r == READ_TOO_BIG)
        snprintf(err, errlen, "larger than the largest image (%zu GiB)", ELF_FILE_MAX >> 30);
done:
    close(fd);
    if (r != READ_OK) {
        elf_free(img);
        return false;
    }
    return parse(img, err, errlen);
}

void elf_free(struct elf_image *img)
{
    free(img->file);
    free(img->segs);
    free(img->syms);
    *img = (struct elf_image){0};
}

/* Copy the segments through mem; check they all fit first. */
static bool load_segments(const struct dma *mem, const struct elf_image *img, char *err, size_t errlen)
{
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *s = &img->segs[i];
        if ((uint64_t)s->paddr + s->memsz > mem->mem_size) {
            snprintf(err, errlen,
                     "segment at 0x%08x..0x%08llx is outside physical memory (%u KiB; try a larger -m)",
                     s->paddr, (unsigned long long)s->paddr + s->memsz, mem->mem_size / 1024);
            return false;
        }
    }
    static const uint8_t zeros[4096];
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *s = &img->segs[i];
        mem->write(mem->ctx, s->paddr, img->file + s->offset, s->filesz);
        for (uint32_t off = s->filesz; off < s->memsz;) {
            uint32_t n = s->memsz - off < sizeof zeros ? s->memsz - off : (uint32_t)sizeof zeros;
            mem->write(mem->ctx, s->paddr + off, zeros, n);
            off += n;
        }
    }
    return true;
}

static bool machine_dma_read(void *ctx, uint32_t pa, void *buf, size_t len)
{
    return machine_read_phys(ctx, pa, buf, len);
}

static bool machine_dma_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    return machine_write_phys(ctx, pa, buf, len);
}

static struct dma machine_dma(struct machine *m)
{
    return (struct dma){.ctx = m, .mem_size = machine_mem_size(m), .read = machine_dma_read,
                        .write = machine_dma_write};
}

bool elf_load(struct machine *m, const struct elf_image *img, char *err, size_t errlen)
{
    struct dma mem = machine_dma(m);
    if (!load_segments(&mem, img, err, errlen))
        return false;
    machine_cpu(m)->pc = img->entry;
    return true;
}

bool elf_boot_into(const struct dma *mem, uint32_t *regs, uint32_t *pc, const struct elf_image *img,
                   const char *bootarg, char *err, size_t errlen)
{
    uint32_t page = mem->mem_size - PAGE_SIZE;
    if (bootarg) {
        if (strlen(bootarg) > BOOTARG_MAX) {
            snprintf(err, errlen, "boot argument is %zu bytes long; the limit is %u", strlen(bootarg),
                     BOOTARG_MAX);
            return false;
        }
        for (size_t i = 0; i < img->nsegs; i++)
            if (img->segs[i].memsz && (uint64_t)img->segs[i].paddr + img->segs[i].memsz > page) {
                snprintf(err, errlen,
                         "segment at 0x%08x reaches into the last page of memory (0x%08x), where the boot argument goes",
                         img->segs[i].paddr, page);
                return false;
            }
    }
    if (!load_segments(mem, img, err, errlen))
        return false;
    *pc = img->entry;
    regs[BOOT_REG_MEM] = mem->mem_size;
    regs[BOOT_REG_ARG] = 0;
    if (bootarg) {
        mem->write(mem->ctx, page, bootarg, strlen(bootarg) + 1);
        regs[BOOT_REG_ARG] = page;
    }
    return true;
}

bool elf_boot(struct machine *m, const struct elf_image *img, const char *bootarg, char *err,
              size_t errlen)
{
    struct dma mem = machine_dma(m);
    struct cpu_state *c = machine_cpu(m);
    machine_reset(m);
    return elf_boot_into(&mem, c->r, &c->pc, img, bootarg, err, errlen);
}

const struct elf_symbol *elf_symbol_at(const struct elf_image *img, uint32_t addr)
{
    const struct elf_symbol *best = NULL;
    for (size_t i = 0; i < img->nsyms && img->syms[i].value <= addr; i++)
        best = &img->syms[i];
    return best;
}

const struct elf_symbol *elf_symbol_named(const struct elf_image *img, const char *name)
{
    for (size_t i = 0; i < img->nsyms; i++)
        if (strcmp(img->syms[i].name, name) == 0)
            return &img->syms[i];
    return NULL;
}
