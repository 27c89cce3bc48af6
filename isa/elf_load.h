/*
 * elf_load.h - reading vmlab programs: ELF32, little-endian, e_machine
 * EM_VMLAB, executable, loaded by physical address (p_paddr) at reset.
 */
#ifndef VMLAB_ELF_LOAD_H
#define VMLAB_ELF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "machine.h"

struct elf_segment {
    uint32_t paddr, vaddr;
    uint32_t filesz, memsz;
    uint32_t offset; /* in the file */
    uint32_t flags;  /* PF_R | PF_W | PF_X */
};

struct elf_symbol {
    const char *name; /* points into the image's string table */
    uint32_t value, size;
    uint8_t type, bind; /* STT_*, STB_* */
};

struct elf_image {
    uint8_t *file;
    size_t file_size;
    uint32_t entry;
    struct elf_segment *segs;
    size_t nsegs;
    struct elf_symbol *syms; /* sorted by value, then name */
    size_t nsyms;
};

/* An image loads into memory, so its file is at most the largest memory:
 * a larger one is refused by its size, and a pipe or device is read no
 * further (a stream that does not start as ELF is refused at once). */
#define ELF_FILE_MAX ((size_t)MACHINE_MAX_MEM)

/* Read and check an image.  On error returns false with a one-line message
 * in err (no file name: the caller prefixes it) and img left empty. */
bool elf_read_file(const char *path, struct elf_image *img, char *err, size_t errlen);
bool elf_read_mem(const uint8_t *buf, size_t len, struct elf_image *img, char *err, size_t errlen);
void elf_free(struct elf_image *img);

/* Copy the segments into physical memory (zero-filling the bss part) and
 * set pc to the entry point.  Fails, writing nothing, if a segment does not
 * fit in the machine's memory. */
bool elf_load(struct machine *m, const struct elf_image *img, char *err, size_t errlen);

/* Reset the machine and boot the image as the loader does at power-on:
 * load it, set pc to its entry point, a1 to the memory size and a0 to the
 * address of the boot string (copied into the last page of memory), or 0
 * when bootarg is NULL.  Fails if the string is longer than a page less one
 * byte or a segment uses that page. */
bool elf_boot(struct machine *m, const struct elf_image *img, const char *bootarg, char *err,
              size_t errlen);
#define BOOTARG_MAX (PAGE_SIZE - 1)

/* The same for any memory: load through mem, set *pc and regs[a0], regs[a1]
 * (the VMM boots each virtual machine this way). */
struct dma;
bool elf_boot_into(const struct dma *mem, uint32_t *regs, uint32_t *pc, const struct elf_image *img,
                   const char *bootarg, char *err, size_t errlen);

/* The symbol with the greatest value <= addr, or NULL. */
const struct elf_symbol *elf_symbol_at(const struct elf_image *img, uint32_t addr);
const struct elf_symbol *elf_symbol_named(const struct elf_image *img, const char *name);

#endif
