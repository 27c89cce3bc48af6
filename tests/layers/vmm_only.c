/*
 * vmm_only.c - the VMM: built by tests/test_layers.c with -Ivmm -Iisa and
 * linked with libvmlab-vmm.a and libvmlab-isa.a.  Runs the layer image as
 * a VM and prints its console and how it stopped.
 */
#include "elf_load.h"
#include "layer_image.h"
#include "vmm.h"

int main(void)
{
    size_t len;
    uint8_t *elf = layer_image(&len);
    char err[300] = "";
    struct elf_image img = {0};
    uint32_t mem = 1u << 20, shadow = 64;
    struct vmm *v = vmm_new(&(struct vmm_config){.isa = ISA_PG, .policy = SHADOW_CACHE, .shadow_frames = shadow},
                            mem + (shadow + 2) * PAGE_SIZE, err, sizeof err);
    struct vm *vm = NULL;
    if (v && elf_read_mem(elf, len, &img, err, sizeof err))
        vm = vmm_add_vm(v, &(struct vm_config){.name = "layer", .mem_size = mem, .image = &img,
                                               .io = {.write = console_write}},
                        err, sizeof err);
    if (!vm) {
        fprintf(stderr, "vmm_only: %s\n", err);
        return 1;
    }
    vmm_run(v);
    printf("vmm: %s %s %u\n", vm_name(vm), vm_state_name(vm_state(vm)), vm_exit_value(vm));
    elf_free(&img);
    vmm_free(v);
    free(elf);
    return 0;
}
