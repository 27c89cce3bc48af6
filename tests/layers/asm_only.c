/*
 * asm_only.c - the assembler: built by tests/test_layers.c with
 * -Iassembler -Iisa and linked with libvmlab-asm.a and libvmlab-isa.a.
 * Assembles a line and prints the disassembly of the word it made.
 */
#include <stdio.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"
#include "elf_load.h"

int main(void)
{
    const char *src = "        .text\n        .global _start\n_start: addi a0, zero, 42\n";
    struct asm_result res;
    struct elf_image img = {0};
    char err[300] = "";
    if (!asm_assemble_source("layer.s", src, strlen(src), &(struct asm_options){0}, &res) ||
        !elf_read_mem(res.elf, res.elf_len, &img, err, sizeof err) || img.nsegs != 1 || img.segs[0].filesz != 4) {
        fprintf(stderr, "asm_only: not one word: %s%s\n", res.diag ? res.diag : "", err);
        return 1;
    }
    const uint8_t *b = img.file + img.segs[0].offset;
    uint32_t word = b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    struct isa_fields f;
    char text[100] = "(not an instruction)";
    if (isa_decode(word, &f))
        disasm_insn(&f, img.segs[0].vaddr, false, NULL, NULL, text, sizeof text);
    printf("asm: %s\n", text);
    elf_free(&img);
    asm_result_free(&res);
    return 0;
}
