/*
 * isa_only.c - the machine alone: built by tests/test_layers.c with -Iisa
 * and linked with libvmlab-isa.a and nothing else.  Boots the layer image
 * on the bare machine and prints its console and how it stopped.
 */
#include "elf_load.h"
#include "layer_image.h"
#include "machine.h"

int main(void)
{
    size_t len;
    uint8_t *elf = layer_image(&len);
    char err[300] = "";
    struct elf_image img = {0};
    struct machine *m = machine_new(&(struct machine_config){.mem_size = 1u << 20, .isa = ISA_PG}, err, sizeof err);
    if (!m || !elf_read_mem(elf, len, &img, err, sizeof err) || !elf_boot(m, &img, NULL, err, sizeof err)) {
        fprintf(stderr, "isa_only: %s\n", err);
        return 1;
    }
    machine_set_console(m, &(struct console_io){.write = console_write});
    struct vm_exit ex;
    machine_run(m, 1000, &ex);
    printf("isa: %s %u\n", ex.reason == EXIT_HALT ? "halt" : "no halt", ex.value);
    elf_free(&img);
    machine_free(m);
    free(elf);
    return 0;
}
