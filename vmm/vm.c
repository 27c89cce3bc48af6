/*
 * vm.c - making the VMM and its virtual machines; guest-physical memory.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "disk_store.h"
#include "vmm_impl.h"

bool shadow_policy_parse(const char *name, enum shadow_policy *out)
{
    for (int p = 0; p < SHADOW_NPOLICIES; p++)
        if (strcmp(name, shadow_policy_name((enum shadow_policy)p)) == 0) {
            *out = (enum shadow_policy)p;
            return true;
        }
    return false;
}

const char *shadow_policy_name(enum shadow_policy p)
{
    static const char *const names[] = {
        [SHADOW_REBUILD] = "rebuild", [SHADOW_DEMAND] = "demand", [SHADOW_CACHE] = "cache"};
    return (unsigned)p < SHADOW_NPOLICIES ? names[p] : "?";
}

struct vmm *vmm_new(const struct vmm_config *cfg, uint32_t host_mem, char *err, size_t errlen)
{
    if (!vmm_technique_find(cfg->technique) || !vmm_mmu_find(cfg->mmu)) {
        bool tech = !vmm_technique_find(cfg->technique);
        char names[200] = "";
        size_t k = 0;
        for (int i = 0; tech ? vmm_techniques[i] != NULL : vmm_mmus[i] != NULL; i++) {
            int n = snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "",
                             tech ? vmm_techniques[i]->name : vmm_mmus[i]->name);
            if (n > 0)
                k = (size_t)n < sizeof names - k ? k + (size_t)n : sizeof names - 1;
        }
        snprintf(err, errlen, "unknown %s '%s' (there is: %s)", tech ? "technique" : "memory technique",
                 tech ? cfg->technique : cfg->mmu, names);
        return NULL;
    }
    const struct vmm_technique *t = vmm_technique_find(cfg->technique);
    const struct vmm_mmu *mmu = vmm_mmu_find(cfg->mmu);
    if (mmu->guest_mode_only && !t->control_block) {
        snprintf(err, errlen, "memory technique '%s' needs the hardware guest mode: technique hw, not '%s'",
                 mmu->name, t->name);
        return NULL;
    }
    if (t->control_block && !mmu->guest_controls) {
        snprintf(err, errlen, "technique '%s' runs the guest in the hardware guest mode, which memory technique "
                              "'%s' cannot serve", t->name, mmu->name);
        return NULL;
    }
    if (cfg->shadow_frames && cfg->shadow_frames < VMM_MIN_SHADOW_FRAMES) {
        snprintf(err, errlen, "%u shadow frames a VM: too few to run one instruction (at least %u)",
                 cfg->shadow_frames, VMM_MIN_SHADOW_FRAMES);
        return NULL;
    }
    struct machine_config mc = {.mem_size = host_mem, .isa = cfg->isa, .exits = MACHINE_EXITS_ALL};
    struct machine *m = machine_new(&mc, err, errlen);
    if (!m)
        return NULL;
    struct vmm *v = calloc(1, sizeof *v);
    if (!v) {
        machine_free(m);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->cfg = *cfg;
    for (int op = 0; op < OP_COUNT; op++)
        v->privileged_code[isa_insns[op].code] = isa_insns[op].traps_in_user[cfg->isa];
    if (!v->cfg.quantum)
        v->cfg.quantum = 100000;
    if (!v->cfg.shadow_frames)
        v->cfg.shadow_frames = 1024;
    v->m = m;
    v->real = machine_cpu(m);
    v->nframes = host_mem / PAGE_SIZE;
    v->owner = calloc(v->nframes, sizeof *v->owner);
    v->free_frames = calloc(v->nframes, sizeof *v->free_frames);
    v->vms = calloc(MAX_VMS, sizeof *v->vms);
    v->spage_of = calloc(v->nframes, sizeof *v->spage_of);
    if (!v->owner || !v->free_frames || !v->vms || !v->spage_of || (cfg->check_isolation && !iso_new(v))) {
        vmm_free(v);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Frame 0 is never handed out, so 0 can mean "no frame". */
    for (uint32_t f = v->nframes - 1; f >= 1; f--)
        v->free_frames[v->nfree++] = f;
    v->nfresh = v->nfree;
    return v;
}

static void vm_free(struct vm *vm)
{
    if (!vm)
        return;
    if (vm->tech && vm->tech->free)
        vm->tech->free(vm);
    vm->mmu->free(vm); /* its shadow frames go back to its reservation... */
    if (vm->tech && vm->tech->forget)
        vm->tech->forget(vm); /* after the shadows that map its code frames */
    vm->vmm->reserved -= vm->reservation; /* ...which goes back to the pool */
    if (vm->pmap)
        for (uint32_t g = 0; g < vm->nframes; g++)
            if (vm->pmap[g])
                free_frame(vm->vmm, vm->pmap[g]);
    free(vm->pmap);
    devices_free(&vm->dev);
    free(vm);
}

void vmm_free(struct vmm *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->nvms; i++)
        vm_free(v->vms[i]);
    free(v->vms);
    free(v->owner);
    free(v->free_frames);
    free(v->spage_of);
    iso_free(v);
    machine_free(v->m);
    free(v);
}

void vmm_remove_vm(struct vmm *v, struct vm *vm)
{
    if (vm == v->current)
        return; /* on the CPU (a console callback, say): not now */
    vm_unload(vm);
    for (int i = 0; i < v->nvms; i++)
        if (v->vms[i] == vm) {
            memmove(&v->vms[i], &v->vms[i + 1], (size_t)(v->nvms - i - 1) * sizeof *v->vms);
            v->nvms--;
            vm_free(vm);
            iso_vms_changed(v);
            return;
        }
}

struct vm *vm_by_id(struct vmm *v, int id)
{
    for (int i = 0; i < v->nvms; i++)
        if (v->vms[i]->id == id)
            return v->vms[i];
    return NULL;
}

struct machine *vmm_machine(struct vmm *v) { return v->m; }

/* --- guest-physical memory --- */

/* Copy between the guest's memory and buf, a page at a time: guest frames
 * that are neighbours need not be neighbours in host memory. */
static bool guest_copy(struct vm *vm, uint32_t gpa, void *buf, size_t len, bool write)
{
    if ((uint64_t)gpa + len > vm->mem_size)
        return false;
    uint8_t *p = buf;
    while (len > 0) {
        uint32_t off = gpa & PAGE_MASK;
        size_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        uint32_t hpa = (vm->pmap[gpa >> PAGE_SHIFT] << PAGE_SHIFT) | off;
        if (write) {
            note_guest_write(vm->vmm, vm, gpa, n);
            machine_write_phys(vm->vmm->m, hpa, p, n);
        }
        else
            machine_read_phys(vm->vmm->m, hpa, p, n);
        gpa += (uint32_t)n;
        p += n;
        len -= n;
    }
    return true;
}

bool vm_guest_read(struct vm *vm, uint32_t gpa, void *buf, size_t len)
{
    return guest_copy(vm, gpa, buf, len, false);
}

bool vm_guest_write(struct vm *vm, uint32_t gpa, const void *buf, size_t len)
{
    if (!guest_copy(vm, gpa, (void *)buf, len, true))
        return false;
    vm->mmu->guest_wrote(vm, gpa, len);
    if (vm->tech->guest_wrote)
        vm->tech->guest_wrote(vm, gpa, len);
    return true;
}

bool vm_guest_write_untraced(struct vm *vm, uint32_t gpa, const void *buf, size_t len)
{
    return guest_copy(vm, gpa, (void *)buf, len, true);
}

uint32_t vm_guest_word(struct vm *vm, uint32_t gpa)
{
    uint8_t b[4] = {0};
    vm_guest_read(vm, gpa, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

bool vm_read_phys(struct vm *vm, uint32_t gpa, void *buf, size_t len)
{
    return vm_guest_read(vm, gpa, buf, len);
}

static bool dma_read(void *ctx, uint32_t pa, void *buf, size_t len) { return vm_guest_read(ctx, pa, buf, len); }
static bool dma_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    return vm_guest_write(ctx, pa, buf, len);
}

void vm_fail(struct vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->message, sizeof vm->message, fmt, ap);
    va_end(ap);
    vm->state = VM_FAILED;
}

/* --- making a VM --- */

struct vm *vmm_add_vm(struct vmm *v, const struct vm_config *cfg, char *err, size_t errlen)
{
    struct disk_store *disk = cfg->disk_store;
    struct vm *vm = NULL;
    char why[100];
    if (v->nvms >= MAX_VMS) {
        snprintf(err, errlen, "too many virtual machines (at most %d)", MAX_VMS);
        goto fail;
    }
    if (!machine_mem_size_ok(cfg->mem_size, why, sizeof why)) {
        snprintf(err, errlen, "memory size %u: %s", cfg->mem_size, why);
        goto fail;
    }
    uint32_t need = cfg->mem_size / PAGE_SIZE;
    uint32_t own = vmm_technique_find(v->cfg.technique)->frames; /* the technique's own, set aside too */
    uint32_t tables = vmm_mmu_find(v->cfg.mmu)->frames(&v->cfg, cfg->mem_size); /* the MMU's */
    if ((uint64_t)need + tables + own + v->reserved > v->nfree) {
        snprintf(err, errlen, "not enough host memory for %u KiB more of guest memory and %u %s frames%s",
                 cfg->mem_size / 1024, tables, vmm_mmu_find(v->cfg.mmu)->name, own ? " and the technique's" : "");
        goto fail;
    }
    if (!disk && cfg->disk) {
        if (cfg->disk_len % DISK_BLOCK_SIZE != 0) {
            snprintf(err, errlen, "disk image is %zu bytes, not a whole number of %u-byte blocks", cfg->disk_len,
                     DISK_BLOCK_SIZE);
            goto fail;
        }
        if (!(disk = disk_store_memory(cfg->disk, cfg->disk_len)))
            goto nomem;
    }
    /* The lowest id no VM holds: ids name owners in the frame records, and
     * a removed VM's id is free again once every frame of it is. */
    int id = 0;
    while (vm_by_id(v, id))
        id++;
    vm = calloc(1, sizeof *vm);
    if (!vm)
        goto nomem;
    vm->tech = vmm_technique_find(v->cfg.technique);
    vm->mmu = vmm_mmu_find(v->cfg.mmu);
    vm->vmm = v;
    vm->id = id;
    snprintf(vm->name, sizeof vm->name, "%s", cfg->name ? cfg->name : "vm");
    vm->mem_size = cfg->mem_size;
    vm->nframes = need;
    vm->max_insns = cfg->max_insns;
    vm->pmap = calloc(need, sizeof *vm->pmap);
    if (!vm->pmap || !vm->mmu->init(vm))
        goto nomem;
    for (uint32_t g = 0; g < need; g++)
        vm->pmap[g] = alloc_frame(v, vm, FRAME_GUEST);
    vm->reservation = tables + vm->tech->frames;
    v->reserved += vm->reservation;
    vm->dma = (struct dma){.ctx = vm, .mem_size = vm->mem_size, .read = dma_read, .write = dma_write};
    vm->dev.con.io = cfg->io;
    devices_reset(&vm->dev);
    disk_attach(&vm->dev.disk, disk);
    disk = NULL;

    /* Reset state, then the loader, exactly as on the bare machine. */
    vm->cpu.cr[CR_STATUS] = SR_RESET;
    if (!elf_boot_into(&vm->dma, vm->cpu.r, &vm->cpu.pc, cfg->image, cfg->bootarg, err, errlen))
        goto fail;
    vm->state = VM_RUNNABLE;
    v->vms[v->nvms++] = vm;
    iso_vms_changed(v);
    return vm;
nomem:
    snprintf(err, errlen, "out of memory");
fail:
    disk_store_free(disk);
    vm_free(vm);
    iso_vms_changed(v);
    return NULL;
}

bool vm_reboot(struct vm *vm, const struct elf_image *image, const char *bootarg, struct disk_store *disk,
               char *err, size_t errlen)
{
    struct vmm *v = vm->vmm;
    if (v->current == vm) {
        snprintf(err, errlen, "a VM cannot be rebooted while it runs");
        disk_store_free(disk);
        return false;
    }
    disk_attach(&vm->dev.disk, disk);
    if (vm->tech->reset)
        vm->tech->reset(vm);
    vm->mmu->reset(vm);
    if (vm->tech->forget)
        vm->tech->forget(vm);
    vm_unload(vm);
    /* Zero the memory the last run used; untouched frames are zero already,
     * and leaving them alone keeps a reboot cheap. */
    static const uint8_t zeros[PAGE_SIZE];
    uint8_t page[PAGE_SIZE];
    for (uint32_t g = 0; g < vm->nframes; g++) {
        vm_guest_read(vm, g << PAGE_SHIFT, page, PAGE_SIZE);
        if (memcmp(page, zeros, PAGE_SIZE) != 0)
            vm_guest_write_untraced(vm, g << PAGE_SHIFT, zeros, PAGE_SIZE); /* no shadows left to trace */
    }
    devices_reset(&vm->dev);
    vm->dev_quiet = false;
    vm->cpu = (struct cpu_state){0};
    vm->waiting_input = false;
    vm->cpu.cr[CR_STATUS] = SR_RESET;
    vm->st = (struct vm_stats){0};
    vm->exit_value = 0;
    vm->message[0] = '\0';
    vm->state = VM_FAILED; /* until the image is in */
    if (!elf_boot_into(&vm->dma, vm->cpu.r, &vm->cpu.pc, image, bootarg, err, errlen))
        return false;
    vm->state = VM_RUNNABLE;
    return true;
}

/* --- inspection --- */

enum vm_state vm_state(const struct vm *vm) { return vm->state; }
const char *vm_name(const struct vm *vm) { return vm->name; }
const char *vm_message(const struct vm *vm)
{
    return vm->state == VM_ISOLATION ? vm->violation.text : vm->message;
}

const struct vmm_violation *vm_violation(const struct vm *vm)
{
    return vm->state == VM_ISOLATION ? &vm->violation : NULL;
}
uint32_t vm_exit_value(const struct vm *vm) { return vm->exit_value; }
const struct vm_stats *vm_stats(const struct vm *vm) { return &vm->st; }
uint64_t vm_instret(const struct vm *vm) { return vm->cpu.instret; }
uint64_t vm_cycles(const struct vm *vm) { return vm->cpu.cycles; }
bool vm_waiting_input(const struct vm *vm) { return vm->waiting_input; }
struct console_io vm_console(const struct vm *vm) { return vm->dev.con.io; }
void vm_set_console(struct vm *vm, const struct console_io *io)
{
    vm->dev.con.io = *io;
    vm->dev_quiet = false;
}
const struct debug_hit *vm_debug_hit(const struct vm *vm) { return &vm->debug_hit; }
uint32_t vm_mem_size(const struct vm *vm) { return vm->mem_size; }
int vm_id(const struct vm *vm) { return vm->id; }

bool vm_mmu_walk(struct vm *vm, uint32_t va, struct vmm_mmu_walk *out)
{
    *out = (struct vmm_mmu_walk){0};
    return vm->mmu->walk && vm->mmu->walk(vm, va, out);
}

bool vm_mmu_walk_gpa(struct vm *vm, uint32_t gpa, struct vmm_mmu_walk *out)
{
    *out = (struct vmm_mmu_walk){0};
    return vm->mmu->walk_gpa && vm->mmu->walk_gpa(vm, gpa, out);
}

const struct guest_control *vm_control_block(const struct vm *vm)
{
    return vm->tech->control_block ? vm->tech->control_block(vm) : NULL;
}

int vm_mmu_made_from(struct vm *vm, uint32_t gpa, struct vmm_made_entry *out, int max)
{
    return vm->mmu->made_from ? vm->mmu->made_from(vm, gpa, out, max) : 0;
}

uint32_t vm_host_frame(const struct vm *vm, uint32_t gfn)
{
    return gfn < vm->nframes ? vm->pmap[gfn] : 0;
}

const char *vm_state_name(enum vm_state s)
{
    static const char *const names[] = {
        [VM_RUNNABLE] = "runnable",   [VM_HALTED] = "halted",
        [VM_LIMIT] = "instruction limit", [VM_DEADLOCK] = "deadlock",
        [VM_DOUBLE_FAULT] = "double fault", [VM_FAILED] = "failed",
        [VM_ISOLATION] = "isolation violation",
    };
    return names[s];
}

void vm_regs(const struct vm *vm, uint32_t regs[NREGS], uint32_t *pc, uint32_t crs[NCRS])
{
    const uint32_t *r = vm->cpu.r;
    uint32_t p = vm->cpu.pc;
    if (vm->vmm->current == vm) {
        r = machine_cpu(vm->vmm->m)->r;
        p = machine_cpu(vm->vmm->m)->pc;
    }
    memcpy(regs, r, NREGS * sizeof *regs);
    regs[0] = 0;
    *pc = p;
    memcpy(crs, vm->cpu.cr, NCRS * sizeof *crs);
    crs[CR_TIMER] = itimer_read(&vm->dev.timer, vm->cpu.cycles);
}

const uint8_t *vm_disk_image(const struct vm *vm, size_t *len, bool *written)
{
    const struct disk_store *s = vm->dev.disk.store;
    *len = s ? (size_t)disk_store_blocks(s) * DISK_BLOCK_SIZE : 0;
    *written = s && disk_store_written(s);
    return s ? disk_store_image(s) : NULL;
}

struct disk_store *vm_disk(struct vm *vm) { return vm->dev.disk.store; }
