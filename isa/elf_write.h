/*
 * elf_write.h - writing vmlab programs as ELF32 executables that readelf
 * and the loader in elf_load.c both understand.  Used by the assembler and
 * by tests that need an image.
 */
#ifndef VMLAB_ELF_WRITE_H
#define VMLAB_ELF_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One loadable section: it becomes one PT_LOAD segment and one section. */
struct elf_out_section {
    const char *name;     /* ".text", ".data", ".bss", ... */
    uint32_t addr;        /* loaded at this address (virtual = physical) */
    const uint8_t *data;  /* filesz bytes; NULL for .bss-like sections */
    uint32_t filesz, memsz;
    uint32_t flags;       /* PF_R | PF_W | PF_X */
};

struct elf_out_symbol {
    const char *name;
    uint32_t value, size;
    uint8_t type, bind;   /* STT_NOTYPE/STT_FUNC/STT_OBJECT, STB_LOCAL/STB_GLOBAL */
    int section;          /* index into the sections array, or -1 for absolute */
};

/* Build the file in memory (malloc'd).  Symbols may come in any order; the
 * writer puts locals first as ELF requires.  The output depends only on the
 * arguments, so the same input gives the same bytes. */
bool elf_write_mem(uint32_t entry, const struct elf_out_section *secs, size_t nsecs,
                   const struct elf_out_symbol *syms, size_t nsyms, uint8_t **out, size_t *outlen);

#endif
