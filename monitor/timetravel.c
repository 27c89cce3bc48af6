/*
 * timetravel.c - going back: checkpoint, restart, reverse-step,
 * reverse-continue (docs/monitor.md, "Time travel").
 *
 * The machine is deterministic, so a point in the past is reached by
 * running again from reset, with nothing printed, to the instruction count
 * (instret) it had.  What the guest saw from outside must come back the
 * same, and is kept for that from the start:
 *
 *   the image    read once here; every reboot loads this copy
 *   the disk     the file is only read: the guest writes to an overlay in
 *                memory, and a replay starts from a new overlay on the same
 *                file, as the guest first saw it (vmon never writes a disk)
 *   the console  every byte the guest read is recorded, and read again from
 *                the record when the guest gets there again; the bytes it
 *                wrote are counted, and those already on the screen are not
 *                written again
 *   the timer    a device of the machine, counted in its cycles: reset and
 *                run again with it
 *
 * Under the VMM only the current VM goes back (vm_reboot); the others,
 * which share nothing with it that it could see, stay where they are.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "disk_store.h"
#include "monitor.h"

#define MAX_CHECKPOINTS 64
#define REPLAY_PC_STEPS 4 /* traps taken at one instret, to reach a checkpoint's pc */

/* One machine's console as the guest has seen it. */
struct tt_console {
    struct console_io orig;
    const bool *replaying;
    uint8_t *in;         /* every byte the guest has read, in order */
    size_t len, cap;     /* of in */
    size_t pos;          /* the guest's next byte in `in` */
    bool eof;            /* the host said end of input after len bytes */
    uint64_t out_pos;    /* bytes the guest has written since reset */
    uint64_t out_shown;  /* bytes on the screen: the most out_pos has been */
};

/* One VM (or the bare machine): what a reboot gives it. */
struct tt_machine {
    struct elf_image img;
    const char *boot;
    struct disk_store *base; /* the disk file, only read; NULL: no disk */
    struct tt_console con;
};

struct tt_checkpoint {
    int id, vm;
    uint64_t instret;
    uint32_t pc;
};

struct mon_tt {
    int n;
    struct tt_machine mach[SESSION_MAX_VMS];
    struct tt_checkpoint cp[MAX_CHECKPOINTS];
    int next_cp;
};

/* --- the console --- */

static int tt_read(void *ctx)
{
    struct tt_console *c = ctx;
    if (c->pos < c->len)
        return c->in[c->pos++];
    if (c->eof)
        return -1;
    if (*c->replaying)
        return CONSOLE_AGAIN; /* a replay never asks the host: what it read is all in `in` */
    if (c->len == c->cap) { /* room first: a byte taken from the host is never lost */
        size_t cap = c->cap ? 2 * c->cap : 256;
        uint8_t *in = realloc(c->in, cap);
        if (!in)
            return CONSOLE_AGAIN; /* not yet: asked again later */
        c->in = in;
        c->cap = cap;
    }
    int ch = c->orig.read(c->orig.ctx);
    if (ch == -1)
        c->eof = true;
    if (ch < 0)
        return ch;
    c->in[c->len++] = (uint8_t)ch;
    c->pos++;
    return ch;
}

static void tt_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct tt_console *c = ctx;
    uint64_t shown = c->out_shown > c->out_pos ? c->out_shown - c->out_pos : 0;
    size_t skip = shown < len ? (size_t)shown : len;
    c->out_pos += len;
    if (c->out_pos > c->out_shown)
        c->out_shown = c->out_pos;
    if (skip < len)
        c->orig.write(c->orig.ctx, buf + skip, len - skip);
}

static struct console_io tt_io(struct tt_console *c)
{
    return (struct console_io){.ctx = c, .read = c->orig.read ? tt_read : NULL,
                               .write = c->orig.write ? tt_write : NULL};
}

/* --- setting up --- */

static bool open_machine(struct monitor *mon, struct tt_machine *t, const struct session_vm *cfg)
{
    if (!session_read_image("vmon", cfg->path, &t->img))
        return false;
    t->boot = cfg->boot;
    t->con.replaying = &mon->replaying;
    if (cfg->disk) {
        struct stat st;
        t->base = session_open_disk("vmon", cfg->disk, true, &st);
        if (!t->base)
            return false;
    }
    return true;
}

/* Back to reset: the image, a new overlay on the disk, the console's
 * record from its start.  False after mon_error. */
static bool reset_machine(struct monitor *mon, int i)
{
    struct tt_machine *t = &mon->tt->mach[i];
    struct disk_store *disk = NULL;
    if (t->base && !(disk = disk_store_overlay(t->base)))
        return mon_error(mon, "out of memory");
    t->con.pos = 0;
    t->con.out_pos = 0;
    mon->nhist = 0; /* the run again from reset records its exits anew: history is this timeline's */
    char err[300];
    if (mon->s) {
        if (!vm_reboot(mon->s->vms[i], &t->img, t->boot, disk, err, sizeof err))
            return mon_error(mon, "cannot go back: %s", err);
        return true;
    }
    struct machine *m = mon->m;
    machine_reset(m);
    static const uint8_t zeros[PAGE_SIZE];
    uint8_t page[PAGE_SIZE];
    for (uint32_t pa = 0; pa < machine_mem_size(m); pa += PAGE_SIZE)
        if (machine_read_phys(m, pa, page, PAGE_SIZE) && memcmp(page, zeros, PAGE_SIZE) != 0)
            machine_write_phys(m, pa, zeros, PAGE_SIZE);
    machine_attach_disk_store(m, disk);
    if (!elf_boot(m, &t->img, t->boot, err, sizeof err))
        return mon_error(mon, "cannot go back: %s", err);
    mon->ended = false;
    return true;
}

int monitor_time_travel(struct monitor *mon, const struct session_vm *native)
{
    mon->tt = calloc(1, sizeof *mon->tt);
    if (!mon->tt) {
        fprintf(stderr, "vmon: out of memory\n");
        return MON_BAD_INPUT;
    }
    struct mon_tt *tt = mon->tt;
    tt->n = mon->s ? mon->s->cfg->nvms : 1;
    tt->next_cp = 1;
    for (int i = 0; i < tt->n; i++) {
        struct tt_machine *t = &tt->mach[i];
        if (!open_machine(mon, t, mon->s ? &mon->s->cfg->vm[i] : native))
            return MON_BAD_INPUT;
        t->con.orig = mon->s ? vm_console(mon->s->vms[i]) : machine_console(mon->m);
        struct console_io io = tt_io(&t->con);
        if (mon->s)
            vm_set_console(mon->s->vms[i], &io);
        else
            machine_set_console(mon->m, &io);
        /* Nothing has run yet: rebooting now puts the disk on its overlay
         * and the image read here in memory, as every later reboot will. */
        if (!reset_machine(mon, i))
            return MON_BAD_INPUT;
    }
    return MON_OK;
}

void monitor_time_travel_free(struct monitor *mon)
{
    struct mon_tt *tt = mon->tt;
    if (!tt)
        return;
    for (int i = 0; i < tt->n; i++) {
        elf_free(&tt->mach[i].img);
        free(tt->mach[i].con.in);
        disk_store_free(tt->mach[i].base);
    }
    free(tt);
    mon->tt = NULL;
}

/* --- going back --- */

static uint64_t now_instret(struct monitor *mon)
{
    struct vm *vm = mon_vm(mon);
    return vm ? vm_instret(vm) : machine_cpu(mon->m)->instret;
}

static uint32_t now_pc(struct monitor *mon) { return mon_view(mon).pc; }

/* The last breakpoint a replay met: where it stood. */
struct tt_hit {
    bool found;
    uint64_t instret;
    uint32_t pc;
};

/* At most n instructions of the current machine, as a replay runs them:
 * false, and why in *why, if the guest could not go on. */
static bool replay_slice(struct monitor *mon, uint64_t n, bool *hit, const char **why)
{
    struct vm *vm = mon_vm(mon);
    *hit = false;
    if (vm) {
        switch (vm_step(mon->s->vmm, vm, n)) {
        case VMR_STEPPED: case VMR_HOOK: case VMR_EXIT: case VMR_INTERRUPTED: return true;
        case VMR_DEBUG: *hit = true; return true;
        case VMR_INPUT: *why = "the guest waits for console input"; return false;
        case VMR_STOPPED: break;
        }
        *why = vm_state(vm) == VM_FAILED && *vm_message(vm) ? vm_message(vm) : vm_state_name(vm_state(vm));
        return false;
    }
    struct vm_exit ex;
    switch (machine_run(mon->m, n, &ex)) {
    case EXIT_BUDGET: return true;
    case EXIT_DEBUG: *hit = true; return true;
    case EXIT_INPUT_WAIT: *why = "the program waits for console input"; return false;
    default:
        mon->ended = true;
        mon->end = ex;
        *why = "the program ended";
        return false;
    }
}

/* The current machine from reset to `target` instructions retired (then,
 * if want_pc, through the traps taken at that count until pc is *want_pc),
 * printing nothing.  Breakpoints are off, unless last is given: then they
 * stop the replay and it goes on, and the last one met is in *last.
 * False after mon_error. */
static bool replay(struct monitor *mon, uint64_t target, const uint32_t *want_pc, struct tt_hit *last)
{
    size_t nb = last ? 0 : machine_breaks(mon->m, NULL, 0);
    uint32_t *saved = nb ? malloc(nb * sizeof *saved) : NULL;
    if (nb && !saved)
        return mon_error(mon, "out of memory");
    if (nb) {
        machine_breaks(mon->m, saved, nb);
        machine_break_clear(mon->m); /* and the run goes at full speed */
    }
    mon->replaying = true;
    bool ok = reset_machine(mon, mon->s ? mon->cur : 0);
    const char *why = NULL;
    for (unsigned still = 0; ok && now_instret(mon) < target;) {
        uint64_t before = now_instret(mon);
        bool hit;
        ok = replay_slice(mon, target - before, &hit, &why);
        if (ok && hit && last && mon_break_cond_at(mon, now_pc(mon))) /* a failed condition is no hit */
            *last = (struct tt_hit){.found = true, .instret = now_instret(mon), .pc = now_pc(mon)};
        still = now_instret(mon) == before ? still + 1 : 0;
        if (still > 64) {
            why = "it stopped moving";
            ok = false;
        }
    }
    for (int k = 0; ok && want_pc && now_pc(mon) != *want_pc && k < REPLAY_PC_STEPS; k++) {
        bool hit;
        ok = replay_slice(mon, 1, &hit, &why);
        if (ok && now_instret(mon) != target) {
            why = "the checkpoint's pc was not reached at its instruction count";
            ok = false;
        }
    }
    mon->replaying = false;
    for (size_t i = 0; i < nb; i++)
        machine_break_add(mon->m, saved[i]);
    free(saved);
    if (!ok && why)
        mon_error(mon, "cannot go back: running again from reset, %s at instret %" PRIu64 " (going to %" PRIu64
                  "): the run differs from the first",
                  why, now_instret(mon), target);
    return ok;
}

static bool no_args(struct monitor *mon, int argc, const char *cmd)
{
    return argc == 1 || mon_error(mon, "%s takes no argument", cmd);
}

/* A monitor made without monitor_time_travel (a test's) cannot go back. */
static bool on(struct monitor *mon, const char *cmd)
{
    return mon->tt || mon_error(mon, "%s: no time travel in this monitor (monitor_time_travel)", cmd);
}

static bool guest_ended(struct monitor *mon)
{
    struct vm *vm = mon_vm(mon);
    return vm ? vm_state(vm) != VM_RUNNABLE : mon->ended;
}

bool cmd_checkpoint(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    struct mon_tt *tt = mon->tt;
    if (!on(mon, "checkpoint") || !no_args(mon, argc, "checkpoint"))
        return false;
    if (guest_ended(mon))
        return mon_error(mon, "checkpoint: the guest has ended: mark a point before its end");
    int slot = -1;
    for (int i = 0; i < MAX_CHECKPOINTS && slot < 0; i++)
        if (!tt->cp[i].id)
            slot = i;
    if (slot < 0)
        return mon_error(mon, "checkpoint: %d checkpoints already", MAX_CHECKPOINTS);
    struct tt_checkpoint *c = &tt->cp[slot];
    *c = (struct tt_checkpoint){.id = tt->next_cp++, .vm = mon->cur, .instret = now_instret(mon), .pc = now_pc(mon)};
    char at[200];
    mon_where_text(mon, c->pc, at, sizeof at);
    fprintf(mon->out, "checkpoint %d: instret %" PRIu64 ", %s\n", c->id, c->instret, at);
    return true;
}

bool cmd_info_checkpoints(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (!on(mon, "info checkpoints") || !no_args(mon, argc, "info checkpoints"))
        return false;
    bool any = false;
    int keep = mon->cur;
    for (int id = 1; id < mon->tt->next_cp; id++)
        for (int i = 0; i < MAX_CHECKPOINTS; i++) {
            struct tt_checkpoint *c = &mon->tt->cp[i];
            if (c->id != id)
                continue;
            char at[200];
            mon->cur = c->vm; /* its symbols */
            mon_where_text(mon, c->pc, at, sizeof at);
            mon->cur = keep;
            fprintf(mon->out, "%-3d instret %" PRIu64 ", %s", c->id, c->instret, at);
            if (mon->s && mon->s->cfg->nvms > 1)
                fprintf(mon->out, " (VM %s)", vm_name(mon->s->vms[c->vm]));
            fputc('\n', mon->out);
            any = true;
        }
    if (!any)
        fprintf(mon->out, "no checkpoints\n");
    return true;
}

bool cmd_restart(struct monitor *mon, int argc, char **argv)
{
    if (!on(mon, "restart"))
        return false;
    if (argc > 2)
        return mon_error(mon, "restart takes at most a checkpoint's number");
    if (argc == 1) {
        if (!replay(mon, 0, NULL, NULL))
            return false;
        fprintf(mon->out, "back at reset\n");
        monitor_where(mon);
        return true;
    }
    uint64_t id;
    if (!mon_count(mon, "restart", argv[1], INT32_MAX, &id))
        return false;
    const struct tt_checkpoint *c = NULL;
    for (int i = 0; i < MAX_CHECKPOINTS && !c; i++)
        if (mon->tt->cp[i].id == (int)id)
            c = &mon->tt->cp[i];
    if (!c)
        return mon_error(mon, "restart %s: no checkpoint %s (info checkpoints lists them)", argv[1], argv[1]);
    if (c->vm != mon->cur)
        return mon_error(mon, "restart %s: checkpoint %s is in VM %s (vm %s first)", argv[1], argv[1],
                         vm_name(mon->s->vms[c->vm]), vm_name(mon->s->vms[c->vm]));
    if (!replay(mon, c->instret, &c->pc, NULL))
        return false;
    fprintf(mon->out, "back at checkpoint %d (instret %" PRIu64 ")\n", c->id, c->instret);
    monitor_where(mon);
    return true;
}

bool cmd_reverse_step(struct monitor *mon, int argc, char **argv)
{
    uint64_t n = 1;
    if (!on(mon, "reverse-step"))
        return false;
    if (argc > 2)
        return mon_error(mon, "reverse-step takes at most a count");
    if (argc == 2 && !mon_count(mon, "reverse-step", argv[1], UINT64_MAX, &n))
        return false;
    uint64_t now = now_instret(mon);
    if (!replay(mon, now > n ? now - n : 0, NULL, NULL))
        return false;
    if (n > now)
        fprintf(mon->out, "back at reset (%" PRIu64 " instruction%s since it)\n", now, now == 1 ? "" : "s");
    else
        fprintf(mon->out, "back %" PRIu64 " instruction%s, to instret %" PRIu64 "\n", n, n == 1 ? "" : "s", now - n);
    monitor_where(mon);
    return true;
}

bool cmd_reverse_continue(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (!on(mon, "reverse-continue") || !no_args(mon, argc, "reverse-continue"))
        return false;
    struct tt_hit last = {0};
    if (!replay(mon, now_instret(mon), NULL, &last))
        return false;
    if (!last.found) {
        if (!replay(mon, 0, NULL, NULL))
            return false;
        fprintf(mon->out, "no breakpoint before this point: back at reset\n");
    } else {
        if (!replay(mon, last.instret, &last.pc, NULL))
            return false;
        char at[200];
        mon_where_text(mon, last.pc, at, sizeof at);
        int id = 0;
        for (int i = 0; i < MON_MAX_BREAKS && !id; i++)
            if (mon->breaks[i].id && mon->breaks[i].enabled && mon->breaks[i].va == last.pc)
                id = mon->breaks[i].id;
        fprintf(mon->out, "back at breakpoint %d, %s (instret %" PRIu64 ")\n", id, at, last.instret);
    }
    monitor_where(mon);
    return true;
}
