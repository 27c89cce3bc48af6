/*
 * ref_only.c - the reference CPU: built by tests/test_layers.c with
 * -Iisa/ref -Iisa and linked with libvmlab-ref.a and libvmlab-isa.a.
 * Boots the layer image on the reference machine.
 */
#include "elf_load.h"
#include "layer_image.h"
#include "ref.h"

int main(void)
{
    size_t len;
    uint8_t *elf = layer_image(&len);
    char err[300] = "";
    struct elf_image img = {0};
    struct ref_machine *r = ref_new(&(struct ref_config){.mem_size = 1u << 20, .isa = ISA_PG}, err, sizeof err);
    if (!r || !elf_read_mem(elf, len, &img, err, sizeof err) ||
        !elf_boot_into(ref_dma(r), ref_cpu(r)->r, &ref_cpu(r)->pc, &img, NULL, err, sizeof err)) {
        fprintf(stderr, "ref_only: %s\n", err);
        return 1;
    }
    ref_set_console(r, &(struct console_io){.write = console_write});
    struct vm_exit ex;
    ref_run(r, 1000, &ex);
    printf("ref: %s %u\n", ex.reason == EXIT_HALT ? "halt" : "no halt", ex.value);
    elf_free(&img);
    ref_free(r);
    free(elf);
    return 0;
}
