/*
 * monitor_only.c - the monitor: built by tests/test_layers.c with
 * -Imonitor -Itools -Ivmm -Iassembler -Iisa and linked with
 * libvmlab-monitor.a and the libraries below it (no readline: that is
 * vmon's, not the monitor's).  Writes the layer image to the file named by
 * its argument, opens it as a VM of a session, and runs two commands on
 * it: one step, then continue to the halt.
 */
#include "layer_image.h"
#include "monitor.h"

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *elf = layer_image(&len);
    FILE *f = argc == 2 ? fopen(argv[1], "wb") : NULL;
    if (!f || fwrite(elf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "monitor_only: cannot write the image\n");
        return 1;
    }
    free(elf);
    static struct session_config cfg = {.isa = ISA_PG, .policy = SHADOW_CACHE, .nvms = 1};
    cfg.vm[0] = (struct session_vm){.path = argv[1], .mem = 1u << 20, .max_insns = UINT64_MAX};
    static struct session s;
    int status = session_plan(&s, "monitor_only", &cfg);
    if (status == 0)
        status = session_start(&s, 0);
    if (status == 0) {
        static struct monitor mon;
        static volatile sig_atomic_t stop;
        monitor_init(&mon, &s, NULL, NULL, &(struct monitor_options){.batch = true, .max_steps = UINT64_MAX},
                     &stop);
        monitor_exec(&mon, "step");
        monitor_exec(&mon, "continue");
        printf("monitor: status %d\n", mon.status);
        monitor_free(&mon);
    }
    session_free(&s);
    return status;
}
