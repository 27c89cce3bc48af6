/*
 * session_only.c - what the front ends share: built by tests/test_layers.c
 * with -Itools -Ivmm -Iisa and linked with libvmlab-session.a,
 * libvmlab-vmm.a and libvmlab-isa.a.  Writes the layer image to the file
 * named by its argument and runs it as two VMs of a session, whose
 * consoles share stdout a line at a time with "[name] " before each.
 */
#include "layer_image.h"
#include "session.h"

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *elf = layer_image(&len);
    FILE *f = argc == 2 ? fopen(argv[1], "wb") : NULL;
    if (!f || fwrite(elf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "session_only: cannot write the image\n");
        return 1;
    }
    free(elf);
    struct session_vm vm = {.path = argv[1], .mem = 1u << 20, .max_insns = UINT64_MAX};
    static struct session_config cfg = {.isa = ISA_PG, .policy = SHADOW_CACHE, .nvms = 2};
    cfg.vm[0] = cfg.vm[1] = vm;
    static struct session s;
    int status = session_plan(&s, "session_only", &cfg);
    if (status == 0)
        status = session_start(&s, 0);
    if (status == 0) {
        session_run(&s);
        for (int i = 0; i < cfg.nvms; i++)
            printf("session: %s %s %u\n", s.names[i], vm_state_name(vm_state(s.vms[i])), vm_exit_value(s.vms[i]));
    }
    session_free(&s);
    return status;
}
