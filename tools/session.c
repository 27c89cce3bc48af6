/*
 * session.c - the machines of a session: the VMM and its VMs, or one bare
 * machine, made from what the command line asks for (session.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "disk_store.h"
#include "seams.h"
#include "session.h"

/* Each VM's shadow tables: 4 MiB of the host's memory. */
#define SHADOW_FRAMES 1024u

/* --- the bare machine --- */

struct machine *session_machine(const char *prog, const struct session_vm *vm, enum isa_variant isa,
                                struct console_out *out, struct elf_image *syms, int *status)
{
    *syms = (struct elf_image){0};
    struct machine_config cfg = {.mem_size = vm->mem, .isa = isa};
    char err[512];
    struct machine *m = machine_new(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "%s: -m: %s\n", prog, err);
        *status = SESSION_USAGE;
        return NULL;
    }
    *status = SESSION_BAD_INPUT;
    struct elf_image img;
    if (!session_read_image(prog, vm->path, &img)) {
        machine_free(m);
        return NULL;
    }
    bool booted = elf_boot(m, &img, vm->boot, err, sizeof err);
    if (booted && !report_keep_symbols(&img, syms))
        snprintf(err, sizeof err, "out of memory"), booted = false;
    elf_free(&img);
    if (!booted) {
        fprintf(stderr, "%s: %s: %s\n", prog, vm->path, err);
        machine_free(m);
        return NULL;
    }
    if (vm->disk) {
        struct disk_store *disk = session_open_disk(prog, vm->disk, false, NULL);
        if (!disk) {
            machine_free(m);
            return NULL;
        }
        machine_attach_disk_store(m, disk);
    }
    machine_set_console(m, &(struct console_io){.ctx = out, .read = console_stdin_read, .write = console_out_write});
    *status = SESSION_OK;
    return m;
}

/* --- naming the VMs --- */

/* Whether name is already some VM's: an earlier VM's (names[0..i-1]) or
 * any VM's --name. */
static bool name_taken(const struct session *s, int i, const char *name)
{
    for (int j = 0; j < i; j++)
        if (strcmp(s->names[j], name) == 0)
            return true;
    for (int j = i; j < s->cfg->nvms; j++)
        if (s->cfg->vm[j].name && strcmp(s->cfg->vm[j].name, name) == 0)
            return true;
    return false;
}

/* Every VM's name: its --name, or else its image's file name without the
 * extension ("guest-os/kernel.elf" -> "kernel", vm_name.h), made unique
 * with "-2", "-3"...  Two VMs given the same --name are a usage error:
 * their output prefixes, console files and statistics could not be told
 * apart. */
static int name_vms(struct session *s)
{
    const struct session_config *c = s->cfg;
    for (int i = 0; i < c->nvms; i++)
        for (int j = 0; j < i; j++)
            if (c->vm[i].name && c->vm[j].name && strcmp(c->vm[i].name, c->vm[j].name) == 0) {
                fprintf(stderr, "%s: --name %s: two VMs have this name (each needs its own)\n", s->prog,
                        c->vm[i].name);
                return SESSION_USAGE;
            }
    for (int i = 0; i < c->nvms; i++) {
        if (c->vm[i].name) {
            snprintf(s->names[i], VM_NAME_MAX + 1, "%s", c->vm[i].name);
            continue;
        }
        char stem[VM_NAME_MAX + 1];
        vm_name_from_path(c->vm[i].path, VM_NAME_MAX, stem);
        snprintf(s->names[i], VM_NAME_MAX + 1, "%s", stem);
        for (int k = 2; name_taken(s, i, s->names[i]); k++) {
            char suffix[16];
            int sl = snprintf(suffix, sizeof suffix, "-%d", k);
            int keep = (int)vm_name_cut(stem, (size_t)(VM_NAME_MAX - sl)); /* between characters */
            snprintf(s->names[i], VM_NAME_MAX + 1, "%.*s%s", keep, stem, suffix);
        }
    }
    return SESSION_OK;
}

void session_prefix(const struct session *s, int i, char *buf, size_t len)
{
    if (s->cfg->nvms > 1)
        snprintf(buf, len, "%s: [%s] %s: ", s->prog, s->names[i], s->cfg->vm[i].path);
    else
        snprintf(buf, len, "%s: %s: ", s->prog, s->cfg->vm[i].path);
}

void session_say(const struct session *s, int i, const char *fmt, ...)
{
    char prefix[PATH_MAX + 64];
    session_prefix(s, i, prefix, sizeof prefix);
    fputs(prefix, stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* --- the VMM and its VMs --- */

uint64_t session_host_mem(const struct session_config *cfg, uint32_t shadow_frames)
{
    uint64_t host = PAGE_SIZE * 2;
    for (int i = 0; i < cfg->nvms; i++)
        host += cfg->vm[i].mem + (uint64_t)shadow_frames * PAGE_SIZE;
    const struct vmm_technique *t = vmm_technique_find(cfg->technique);
    host += (uint64_t)cfg->nvms * (t ? t->frames : 0) * PAGE_SIZE; /* its own frames (seams.h) */
    return host;
}

int session_plan(struct session *s, const char *prog, const struct session_config *cfg)
{
    *s = (struct session){.prog = prog, .cfg = cfg};
    int status = name_vms(s);
    if (status)
        return status;
    /* Each VM's memory passed -m's checks; the VMM's host machine holds
     * them all, with each VM's shadow tables. */
    s->host_mem = session_host_mem(cfg, SHADOW_FRAMES);
    if (s->host_mem > MACHINE_MAX_HOSTED_MEM) {
        fprintf(stderr,
                "%s: the VMs need %llu MiB of host memory (each VM's memory and %u MiB for its shadow tables); "
                "the VMM's host machine has at most 4 GiB less one %uK page\n",
                prog, (unsigned long long)(s->host_mem >> 20), (SHADOW_FRAMES * PAGE_SIZE) >> 20, PAGE_SIZE >> 10);
        return SESSION_USAGE;
    }
    return SESSION_OK;
}

/* VM i's disk, opened; NULL (after one line) if it cannot be, or if it is
 * an earlier VM's: two VMs writing one file would each overwrite the
 * other's blocks, the same file however it is named (links, ./, symlinks). */
static struct disk_store *vm_disk_open(struct session *s, int i)
{
    const struct session_vm *vm = &s->cfg->vm[i];
    struct disk_store *disk = session_open_disk(s->prog, vm->disk, false, &s->disk_id[i]);
    for (int j = 0; disk && j < i; j++) {
        const struct stat *a = &s->disk_id[j], *b = &s->disk_id[i];
        if (s->cfg->vm[j].disk && a->st_dev == b->st_dev && a->st_ino == b->st_ino) {
            fprintf(stderr, "%s: %s: the same file as the disk of VM %s (%s): two VMs cannot share a disk\n",
                    s->prog, vm->disk, s->names[j], s->cfg->vm[j].disk);
            disk_store_free(disk);
            return NULL;
        }
    }
    return disk;
}

int session_start(struct session *s, unsigned inject)
{
    const struct session_config *c = s->cfg;
    char err[512];
    struct vmm_config vc = {.isa = c->isa, .technique = c->technique, .mmu = c->mmu, .policy = c->policy,
                            .quantum = c->quantum, .check_isolation = c->check_isolation, .inject = inject,
                            .shadow_frames = SHADOW_FRAMES};
    if (!(s->vmm = vmm_new(&vc, (uint32_t)s->host_mem, err, sizeof err))) {
        fprintf(stderr, "%s: %s\n", s->prog, err);
        return SESSION_USAGE;
    }
    /* E lines: into the trace if it asks for them, else --trace-exits's */
    s->exit_trace = s->trace && (c->trace_events & TRACE_EXIT) ? s->trace : c->trace_exits ? stderr : NULL;
    if (s->exit_trace)
        vmm_set_exit_hook(s->vmm, VMM_HOOK_ALL, trace_exit_hook, s);
    for (int i = 0; i < c->nvms; i++) {
        const struct session_vm *vm = &c->vm[i];
        s->out[i] = (struct console_out){.f = stdout, .prefix = c->nvms > 1 ? s->names[i] : NULL,
                                         .open_line = &s->open_line};
        struct disk_store *disk = NULL;
        if (vm->disk && !(disk = vm_disk_open(s, i)))
            return SESSION_BAD_INPUT;
        struct elf_image img;
        if (!elf_read_file(vm->path, &img, err, sizeof err)) {
            session_say(s, i, "%s", err);
            elf_free(&img);
            disk_store_free(disk);
            return SESSION_BAD_INPUT;
        }
        struct vm_config cfg = {
            .name = s->names[i],
            .mem_size = vm->mem,
            .image = &img,
            .bootarg = vm->boot,
            .disk_store = disk, /* the VM's from now on */
            .io = {.ctx = &s->out[i], .read = i == 0 ? console_stdin_read : NULL, .write = console_out_write},
            .max_insns = vm->max_insns == UINT64_MAX ? 0 : vm->max_insns,
        };
        s->vms[i] = vmm_add_vm(s->vmm, &cfg, err, sizeof err);
        if (s->vms[i] && !report_keep_symbols(&img, &s->syms[i])) {
            elf_free(&img);
            fprintf(stderr, "%s: out of memory\n", s->prog);
            return SESSION_BAD_INPUT;
        }
        elf_free(&img);
        if (!s->vms[i]) {
            session_say(s, i, "%s", err);
            return SESSION_BAD_INPUT;
        }
    }
    return SESSION_OK;
}

/* Made only once every VM is ready, with the other outputs of the run:
 * written as the VMs run, in place once the run is over. */
int session_console_files(struct session *s, const char *dir, struct outset *outputs)
{
    char path[4096], err[4400];
    FILE *files[SESSION_MAX_VMS];
    for (int i = 0; i < s->cfg->nvms; i++) {
        snprintf(path, sizeof path, "%s/%s.out", dir, s->names[i]);
        int k = outset_add(outputs, path, "a console file", err, sizeof err);
        if (k >= 0 && !(files[i] = outset_stream(outputs, k))) {
            snprintf(err, sizeof err, "%s: cannot write: %s", path, strerror(errno));
            k = -1;
        }
        if (k < 0) {
            fprintf(stderr, "%s: %s\n", s->prog, err);
            return k == OUTSET_CLASH ? SESSION_USAGE : SESSION_BAD_INPUT;
        }
    }
    for (int i = 0; i < s->cfg->nvms; i++)
        s->out[i] = (struct console_out){.f = files[i]};
    return SESSION_OK;
}

enum vmm_return session_run(struct session *s)
{
    /* instructions and the guest's traps are seen only one step at a time */
    bool stepped = s->trace && (s->cfg->trace_events & (TRACE_INSN | TRACE_TRAP));
    enum vmm_return why = stepped ? trace_vms(s) : vmm_run(s->vmm);
    for (int i = 0; i < s->cfg->nvms; i++)
        console_out_finish(&s->out[i]);
    fflush(stdout);
    return why;
}

void session_free(struct session *s)
{
    for (int i = 0; i < SESSION_MAX_VMS; i++)
        elf_free(&s->syms[i]);
    vmm_free(s->vmm);
    s->vmm = NULL;
}
