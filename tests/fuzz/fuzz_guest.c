/*
 * fuzz_guest.c - see fuzz_guest.h.
 */
#include "fuzz_guest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_store.h"
#include "elf_load.h"
#include "fuzz_targets.h"
#include "guestgen.h"
#include "machine.h"
#include "vmm.h"

/* Shadow frames per VM: few, so that the VMM's limits are reached often. */
#define FUZZ_SHADOW_FRAMES 48

struct fuzz_guest {
    struct machine *m[ISA_NVARIANTS];
    struct vmm *v[ISA_NVARIANTS][SHADOW_NPOLICIES];
    struct vm *vm[ISA_NVARIANTS][SHADOW_NPOLICIES];
    uint8_t *disk;
    struct fuzz_guest_stats st;
};

struct fuzz_guest *fuzz_guest_new(void)
{
    struct fuzz_guest *f = calloc(1, sizeof *f);
    if (f)
        f->disk = calloc(GEN_DISK_BLOCKS, DISK_BLOCK_SIZE);
    if (!f || !f->disk) {
        free(f);
        return NULL;
    }
    return f;
}

void fuzz_guest_free(struct fuzz_guest *f)
{
    if (!f)
        return;
    for (int i = 0; i < ISA_NVARIANTS; i++) {
        machine_free(f->m[i]);
        for (int p = 0; p < SHADOW_NPOLICIES; p++)
            vmm_free(f->v[i][p]);
    }
    free(f->disk);
    free(f);
}

const struct fuzz_guest_stats *fuzz_guest_stats(const struct fuzz_guest *f) { return &f->st; }

/* The disk every run starts with (every guest has one): block i filled
 * with i. */
static void fresh_disk(struct fuzz_guest *f)
{
    for (unsigned b = 0; b < GEN_DISK_BLOCKS; b++)
        memset(f->disk + b * DISK_BLOCK_SIZE, (int)b, DISK_BLOCK_SIZE);
}

/* The bare machine for a variant, rebooted with img: memory that the last
 * run changed is zeroed again (untouched memory is zero already). */
static struct machine *bare(struct fuzz_guest *f, const struct gen_guest *g, const struct elf_image *img, char *err,
                            size_t errlen)
{
    struct machine **mp = &f->m[g->isa];
    if (!*mp) {
        struct machine_config mc = {.mem_size = GEN_MEM, .isa = g->isa};
        if (!(*mp = machine_new(&mc, err, errlen)))
            return NULL;
    }
    struct machine *m = *mp;
    static const uint8_t zeros[PAGE_SIZE];
    uint8_t page[PAGE_SIZE];
    for (uint32_t pa = 0; pa < GEN_MEM; pa += PAGE_SIZE) {
        machine_read_phys(m, pa, page, PAGE_SIZE);
        if (memcmp(page, zeros, PAGE_SIZE) != 0)
            machine_write_phys(m, pa, zeros, PAGE_SIZE);
    }
    machine_reset(m);
    if (!machine_attach_disk(m, f->disk, GEN_DISK_BLOCKS * DISK_BLOCK_SIZE)) {
        snprintf(err, errlen, "out of memory for the disk");
        return NULL;
    }
    if (!elf_boot(m, img, NULL, err, errlen))
        return NULL;
    return m;
}

/* The VM for a variant and policy, rebooted with img. */
static struct vm *virtual(struct fuzz_guest *f, const struct gen_guest *g, unsigned policy,
                          const struct elf_image *img, char *err, size_t errlen)
{
    struct vmm **vp = &f->v[g->isa][policy];
    struct vm **vmp = &f->vm[g->isa][policy];
    const uint8_t *disk = f->disk;
    size_t disk_len = GEN_DISK_BLOCKS * DISK_BLOCK_SIZE;
    if (!*vp) {
        struct vmm_config vc = {.isa = g->isa,
                                .policy = (enum shadow_policy)policy,
                                .shadow_frames = FUZZ_SHADOW_FRAMES};
        if (!(*vp = vmm_new(&vc, GEN_MEM + (FUZZ_SHADOW_FRAMES + 2) * PAGE_SIZE, err, errlen)))
            return NULL;
        struct vm_config cfg = {.name = "fuzz",
                                .mem_size = GEN_MEM,
                                .image = img,
                                .disk = disk,
                                .disk_len = disk_len,
                                .max_insns = FUZZ_GUEST_INSNS};
        *vmp = vmm_add_vm(*vp, &cfg, err, errlen);
        return *vmp;
    }
    struct disk_store *store = disk_store_memory(disk, disk_len);
    if (!store) {
        snprintf(err, errlen, "out of memory for the disk");
        return NULL;
    }
    return vm_reboot(*vmp, img, NULL, store, err, errlen) ? *vmp : NULL;
}

bool fuzz_guest_check(struct fuzz_guest *f, const uint8_t *data, size_t size, char *report, size_t len)
{
    struct gen_guest g;
    struct elf_image img;
    char err[256];
    bool ok = false;
    f->st.inputs++;
    if (!gen_guest(data, size, &g)) {
        snprintf(report, len, "out of memory");
        return false;
    }
    if (!elf_read_mem(g.elf, g.elf_len, &img, err, sizeof err)) {
        snprintf(report, len, "the generator made an image the loader refuses: %s", err);
        gen_guest_free(&g);
        return false;
    }
    fresh_disk(f);
    struct machine *m = bare(f, &g, &img, err, sizeof err);
    unsigned policy = g.choice % SHADOW_NPOLICIES;
    struct vm *vm = m ? virtual(f, &g, policy, &img, err, sizeof err) : NULL;
    if (!m || !vm) {
        snprintf(report, len, "setting up: %s", err);
        goto out;
    }
    struct vm_exit x;
    machine_run(m, FUZZ_GUEST_INSNS, &x);

    struct vmm *v = f->v[g.isa][policy];
    vmm_run(v);
    f->st.vm_runs++;
    f->st.instructions += vm_instret(vm);
    if (vm_state(vm) == VM_FAILED) {
        snprintf(report, len, "the VMM failed the guest (%s ISA, %s shadows): %s", isa_variant_name(g.isa),
                 shadow_policy_name((enum shadow_policy)policy), vm_message(vm));
        goto out;
    }
    char audit[2048] = "";
    FILE *af = fmemopen(audit, sizeof audit - 1, "w");
    unsigned bad = vmm_audit(v, af);
    if (af)
        fclose(af);
    if (bad) {
        snprintf(report, len, "%u isolation violations after the run (%s ISA, %s shadows):\n%s", bad,
                 isa_variant_name(g.isa), shadow_policy_name((enum shadow_policy)policy), audit);
        goto out;
    }
    ok = true;
out:
    elf_free(&img);
    gen_guest_free(&g);
    return ok;
}

/* The target as libFuzzer and the regression suite call it: one context
 * for the life of the process. */
bool fuzz_check_guest(const uint8_t *data, size_t size, char *report, size_t len)
{
    static struct fuzz_guest *f;
    if (!f && !(f = fuzz_guest_new())) {
        snprintf(report, len, "out of memory");
        return false;
    }
    return fuzz_guest_check(f, data, size, report, len);
}
