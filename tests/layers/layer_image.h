/*
 * layer_image.h - the program the layer programs run (tests/test_layers.c):
 * print "ok" on the console and halt with 42, made with the machine's own
 * instruction table and ELF writer, so that it needs nothing above isa/.
 */
#ifndef VMLAB_TESTS_LAYER_IMAGE_H
#define VMLAB_TESTS_LAYER_IMAGE_H

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>

#include "elf_write.h"
#include "isa.h"

#define LAYER_ENTRY 0x1000u

static uint32_t layer_word(enum op op, unsigned ra, int32_t imm)
{
    return isa_encode(&(struct isa_fields){.op = op, .ra = (uint8_t)ra, .imm = imm});
}

/* A console's output, to stdout (struct console_io's write). */
static inline void console_write(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    fwrite(buf, 1, len, stdout);
}

/* The image as an ELF32 file in memory (free it); exits on failure. */
static uint8_t *layer_image(size_t *len)
{
    enum { R = 5 };
    uint32_t words[] = {
        layer_word(OP_ORI, R, 'o'), layer_word(OP_OUT, R, PORT_CON_DATA),
        layer_word(OP_ORI, R, 'k'), layer_word(OP_OUT, R, PORT_CON_DATA),
        layer_word(OP_ORI, R, '\n'), layer_word(OP_OUT, R, PORT_CON_DATA),
        layer_word(OP_ORI, R, 42), layer_word(OP_HALT, R, 0),
    };
    uint8_t text[sizeof words];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)(words[i / 4] >> (8 * (i % 4))); /* little-endian */
    struct elf_out_section sec = {".text", LAYER_ENTRY, text, sizeof text, sizeof text, PF_R | PF_X};
    uint8_t *elf;
    if (!elf_write_mem(LAYER_ENTRY, &sec, 1, NULL, 0, &elf, len)) {
        fprintf(stderr, "layer_image: out of memory\n");
        exit(1);
    }
    return elf;
}

#endif
