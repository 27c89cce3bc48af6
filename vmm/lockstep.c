/*
 * lockstep.c - find the first instruction at which a guest under the VMM
 * stops behaving like the same program on the bare machine.
 *
 * Both runs are deterministic, so no snapshot is needed to go back: run
 * both side by side, comparing the architectural state every `stride`
 * instructions; at the first difference, start both again from reset, run
 * them to the last point where they agreed, and step one instruction at a
 * time.  Memory is compared less often than registers (it is big), and
 * narrowed the same way when it is what differs.
 */
#include "lockstep.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "devices.h"
#include "disk_store.h"
#include "elf_load.h"
#include "ptwalk.h"
#include "seams.h"

static bool phys_read(void *ctx, uint32_t pa, void *buf, size_t len) { return machine_read_phys(ctx, pa, buf, len); }
static bool guest_read(void *ctx, uint32_t pa, void *buf, size_t len) { return vm_read_phys(ctx, pa, buf, len); }

/* The bare machine and the VM, booted from the same image. */
struct pair {
    struct machine *m;
    bool m_stopped;
    struct vm_exit m_exit;
    struct vmm *v;
    struct vm *vm;
    struct console_capture out[2];
};

static void pair_free(struct pair *p)
{
    machine_free(p->m);
    vmm_free(p->v);
    capture_free(&p->out[0]);
    capture_free(&p->out[1]);
    memset(p, 0, sizeof *p);
}

static bool pair_new(const struct lockstep_config *c, struct pair *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < 2; i++)
        capture_init(&p->out[i], c->input, c->input_len);
    struct machine_config mc = {.mem_size = c->mem_size, .isa = c->isa};
    p->m = machine_new(&mc, err, errlen);
    if (!p->m || !elf_boot(p->m, c->image, c->bootarg, err, errlen))
        goto fail;
    struct disk_store *vm_store = NULL;
    if (c->disk_base) {
        struct disk_store *native_store = disk_store_overlay(c->disk_base);
        vm_store = disk_store_overlay(c->disk_base);
        if (!native_store || !vm_store) {
            disk_store_free(native_store);
            disk_store_free(vm_store);
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        machine_attach_disk_store(p->m, native_store);
    } else if (c->disk) {
        machine_attach_disk(p->m, c->disk, c->disk_len);
    }
    struct console_io io = capture_io(&p->out[0]);
    machine_set_console(p->m, &io);

    struct vmm_config vc = {.isa = c->isa, .technique = c->technique, .mmu = c->mmu, .policy = c->policy, .inject = c->inject,
                            .shadow_frames = 1024};
    const struct vmm_technique *t = vmm_technique_find(c->technique);
    uint32_t own = t ? t->frames : 0; /* the technique's own frames (seams.h) */
    p->v = vmm_new(&vc, c->mem_size + (1024 + 2 + own) * PAGE_SIZE, err, errlen);
    if (!p->v) {
        disk_store_free(vm_store);
        goto fail;
    }
    struct vm_config cfg = {
        .name = "guest",
        .mem_size = c->mem_size,
        .image = c->image,
        .bootarg = c->bootarg,
        .disk = c->disk,
        .disk_len = c->disk_len,
        .disk_store = vm_store,
        .io = capture_io(&p->out[1]),
    };
    p->vm = vmm_add_vm(p->v, &cfg, err, errlen);
    if (!p->vm)
        goto fail;
    return true;
fail:
    pair_free(p);
    return false;
}

/* Run both to `instret` retired instructions (or until they stop). */
static void pair_advance(struct pair *p, uint64_t instret)
{
    struct cpu_state *c = machine_cpu(p->m);
    if (!p->m_stopped && c->instret < instret) {
        enum exit_reason r = machine_run(p->m, instret - c->instret, &p->m_exit);
        p->m_stopped = r != EXIT_BUDGET;
    }
    vmm_run_vm_until(p->v, p->vm, instret);
}

static bool pair_stopped(const struct pair *p) { return p->m_stopped && vm_state(p->vm) != VM_RUNNABLE; }

#define SAY(...) snprintf(what, len, __VA_ARGS__)

/* status's bits by name, "S PIE PG", or "none". */
static void status_bits(uint32_t sr, char *out, size_t len)
{
    isa_status_bits(sr, out, len);
    if (!out[0])
        snprintf(out, len, "none");
}

/* Which entry of its side's page tables the word at pa is, if paging is on
 * there: its level (0: none) and the first virtual address it maps. */
static int side_entry(struct pair *p, int side, uint32_t pa, uint32_t *va)
{
    uint32_t regs[NREGS], pc, crs[NCRS];
    struct dma mem;
    if (side == 0) {
        mem = (struct dma){.ctx = p->m, .mem_size = machine_mem_size(p->m), .read = phys_read};
        crs[CR_STATUS] = machine_get_cr(p->m, CR_STATUS);
        crs[CR_PTB] = machine_get_cr(p->m, CR_PTB);
    } else {
        mem = (struct dma){.ctx = p->vm, .mem_size = vm_mem_size(p->vm), .read = guest_read};
        vm_regs(p->vm, regs, &pc, crs);
    }
    if (!(crs[CR_STATUS] & SR_PG))
        return 0;
    return pt_entry_of(&mem, crs[CR_PTB], pa, va);
}

/* A memory word that differs, at pa (native wa, vmm wb), and when it is a
 * page-table entry in use on either side, that entry by field:
 * "memory at 0x...: native 0x..., vmm 0x...; the level-2 entry for virtual
 * 0x00400000: native frame 0x..., V R W A D, vmm frame 0x..., V R W A". */
static void memory_word_differs(struct pair *p, uint32_t pa, uint32_t wa, uint32_t wb, char *what, size_t len)
{
    int k = snprintf(what, len, "memory at 0x%08x: native 0x%08x, vmm 0x%08x", pa, wa, wb);
    uint32_t va[2] = {0, 0};
    int level[2] = {side_entry(p, 0, pa, &va[0]), side_entry(p, 1, pa, &va[1])};
    if (k < 0 || (size_t)k >= len || (!level[0] && !level[1]))
        return;
    char ta[96], tb[96]; /* each word as the entry it is on either side */
    pt_entry_text(wa, level[0] ? level[0] : level[1], ta, sizeof ta);
    pt_entry_text(wb, level[1] ? level[1] : level[0], tb, sizeof tb);
    if (level[0] == level[1] && va[0] == va[1]) {
        snprintf(what + k, len - (size_t)k, "; the level-%d entry for virtual 0x%08x: native %s, vmm %s", level[0],
                 va[0], ta, tb);
        return;
    }
    const char *side[2] = {"native", "vmm"};
    const char *text[2] = {ta, tb};
    for (int i = 0; i < 2 && (size_t)k < len; i++) {
        int n = level[i] ? snprintf(what + k, len - (size_t)k, "; in %s's tables the level-%d entry for virtual "
                                    "0x%08x: %s", side[i], level[i], va[i], text[i])
                         : snprintf(what + k, len - (size_t)k, "; not in %s's tables (%s)", side[i], text[i]);
        if (n < 0)
            return;
        k += n;
    }
}

/* ptb differs: both values, and what each root says for the pc each side
 * is at - its level-1 entry by field - since that is what the next fetch
 * walks through: "ptb: native 0x00005000, vmm 0x00006000; the level-1
 * entry for pc 0x00001024: native table 0x00007000, V, vmm table
 * 0x00000000, V clear". */
static void ptb_differs(struct pair *p, char *what, size_t len)
{
    uint32_t regs[NREGS], pc[2], crs[2][NCRS], e[2] = {0, 0};
    pc[0] = machine_cpu(p->m)->pc;
    for (int c = 0; c < NCRS; c++)
        crs[0][c] = machine_get_cr(p->m, (enum cr)c);
    vm_regs(p->vm, regs, &pc[1], crs[1]);
    const uint32_t at[2] = {crs[0][CR_PTB] + VA_INDEX(pc[0], PT_ROOT) * 4, crs[1][CR_PTB] + VA_INDEX(pc[1], PT_ROOT) * 4};
    bool read[2] = {machine_read_phys(p->m, at[0], &e[0], 4), vm_read_phys(p->vm, at[1], &e[1], 4)};
    char t[2][64];
    for (int i = 0; i < 2; i++)
        if (read[i])
            pt_entry_text(e[i], PT_ROOT, t[i], sizeof t[i]);
        else
            snprintf(t[i], sizeof t[i], "outside memory");
    int k = snprintf(what, len, "ptb: native 0x%08x, vmm 0x%08x", crs[0][CR_PTB], crs[1][CR_PTB]);
    if (k < 0 || (size_t)k >= len)
        return;
    if (pc[0] == pc[1])
        snprintf(what + k, len - (size_t)k, "; the level-%d entry for pc 0x%08x: native %s, vmm %s", PT_ROOT, pc[0],
                 t[0], t[1]);
    else
        snprintf(what + k, len - (size_t)k, "; the level-%d entry for native's pc 0x%08x: %s, for vmm's 0x%08x: %s",
                 PT_ROOT, pc[0], t[0], pc[1], t[1]);
}

/* Up to 24 bytes of b from offset o, as text a student can read: printable
 * characters as they are, the others as \n, \t or \xNN. */
static void show_bytes(const uint8_t *b, size_t n, size_t o, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = o; i < n && i < o + 24 && k + 5 < len; i++) {
        uint8_t c = b[i];
        if (c == '\n')
            k += (size_t)snprintf(out + k, len - k, "\\n");
        else if (c == '\t')
            k += (size_t)snprintf(out + k, len - k, "\\t");
        else if (c == '"' || c == '\\')
            k += (size_t)snprintf(out + k, len - k, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            out[k++] = (char)c, out[k] = '\0';
        else
            k += (size_t)snprintf(out + k, len - k, "\\x%02x", c);
    }
}

/* Where the two console outputs part, and what each printed from there. */
static void console_differs(const struct pair *p, char *what, size_t len)
{
    const struct console_capture *a = &p->out[0], *b = &p->out[1];
    size_t o = 0;
    while (o < a->len && o < b->len && a->buf[o] == b->buf[o])
        o++;
    char ta[128], tb[128];
    show_bytes(a->buf, a->len, o, ta, sizeof ta);
    show_bytes(b->buf, b->len, o, tb, sizeof tb);
    SAY("console output: native %zu bytes, vmm %zu bytes, first different at byte %zu: native \"%s\", vmm \"%s\"",
        a->len, b->len, o, ta, tb);
}

/* Compare what a program can see: registers, pc, control registers,
 * counts, console output; and memory when asked.  "" if equal. */
static bool differ(struct pair *p, bool memory, char *what, size_t len)
{
    struct cpu_state *c = machine_cpu(p->m);
    uint32_t regs[NREGS], pc, crs[NCRS];
    vm_regs(p->vm, regs, &pc, crs);
    if (c->instret != vm_instret(p->vm))
        return SAY("instructions retired: native %" PRIu64 ", vmm %" PRIu64, c->instret, vm_instret(p->vm)), true;
    if (c->pc != pc)
        return SAY("pc: native 0x%08x, vmm 0x%08x", c->pc, pc), true;
    for (int r = 1; r < NREGS; r++)
        if (c->r[r] != regs[r])
            return SAY("%s: native 0x%08x, vmm 0x%08x", isa_reg_name((unsigned)r), c->r[r], regs[r]), true;
    for (int i = 0; i < NCRS; i++)
        if (machine_get_cr(p->m, (enum cr)i) != crs[i]) {
            uint32_t a = machine_get_cr(p->m, (enum cr)i);
            if (i == CR_STATUS) {
                char na[20], nb[20];
                status_bits(a, na, sizeof na);
                status_bits(crs[i], nb, sizeof nb);
                return SAY("status: native 0x%08x (%s), vmm 0x%08x (%s)", a, na, crs[i], nb), true;
            }
            if (i == CR_PTB)
                return ptb_differs(p, what, len), true;
            return SAY("%s: native 0x%08x, vmm 0x%08x", isa_cr_name((unsigned)i), a, crs[i]), true;
        }
    if (c->cycles != vm_cycles(p->vm))
        return SAY("cycles: native %" PRIu64 ", vmm %" PRIu64, c->cycles, vm_cycles(p->vm)), true;
    if (!capture_same(&p->out[0], &p->out[1]))
        return console_differs(p, what, len), true;
    if (p->m_stopped != (vm_state(p->vm) != VM_RUNNABLE))
        return SAY("native %s, vmm %s", p->m_stopped ? "stopped" : "running", vm_state_name(vm_state(p->vm))), true;
    if (memory) {
        struct disk_store *da = machine_disk(p->m), *db = vm_disk(p->vm);
        uint32_t block;
        if (!da != !db)
            return SAY("disk: native %s, vmm %s", da ? "attached" : "none", db ? "attached" : "none"), true;
        if (da && !disk_store_same(da, db, &block))
            return SAY("disk block %u: native and vmm differ", block), true;
        static uint8_t a[PAGE_SIZE], b[PAGE_SIZE];
        uint32_t size = machine_mem_size(p->m);
        for (uint32_t pa = 0; pa < size; pa += PAGE_SIZE) {
            machine_read_phys(p->m, pa, a, PAGE_SIZE);
            vm_read_phys(p->vm, pa, b, PAGE_SIZE);
            if (memcmp(a, b, PAGE_SIZE) != 0) {
                uint32_t o = 0;
                while (a[o] == b[o])
                    o++;
                uint32_t w = (pa + o) & ~3u, wa, wb;
                memcpy(&wa, a + (w - pa), 4);
                memcpy(&wb, b + (w - pa), 4);
                return memory_word_differs(p, w, wa, wb, what, len), true;
            }
        }
    }
    return false;
}

/* Every difference between the two states, up to max, into res->list:
 * what --lockstep-all shows where the runs part. */
static void list_all(struct pair *p, unsigned max, struct lockstep_result *res)
{
    struct cpu_state *c = machine_cpu(p->m);
    uint32_t regs[NREGS], pc, crs[NCRS];
    vm_regs(p->vm, regs, &pc, crs);
    const unsigned cap = max < 32 ? max : 32;
    res->nlist = 0;
#define ITEM(...)                                                                                                   \
    do {                                                                                                            \
        if (res->nlist < cap)                                                                                       \
            snprintf(res->list[res->nlist++], sizeof res->list[0], __VA_ARGS__);                                    \
    } while (0)
    if (c->pc != pc)
        ITEM("pc: native 0x%08x, vmm 0x%08x", c->pc, pc);
    for (int r = 1; r < NREGS; r++)
        if (c->r[r] != regs[r])
            ITEM("%s (%s): native 0x%08x, vmm 0x%08x", isa_reg_name((unsigned)r), isa_reg_abi_name((unsigned)r),
                 c->r[r], regs[r]);
    for (int i = 0; i < NCRS; i++) {
        uint32_t a = machine_get_cr(p->m, (enum cr)i);
        if (a == crs[i])
            continue;
        if (i == CR_STATUS) {
            char na[20], nb[20];
            status_bits(a, na, sizeof na);
            status_bits(crs[i], nb, sizeof nb);
            ITEM("status: native 0x%08x (%s), vmm 0x%08x (%s)", a, na, crs[i], nb);
        } else if (i == CR_PTB) {
            if (res->nlist < cap)
                ptb_differs(p, res->list[res->nlist++], sizeof res->list[0]);
        } else {
            ITEM("%s: native 0x%08x, vmm 0x%08x", isa_cr_name((unsigned)i), a, crs[i]);
        }
    }
    if (c->instret != vm_instret(p->vm))
        ITEM("instructions retired: native %" PRIu64 ", vmm %" PRIu64, c->instret, vm_instret(p->vm));
    if (c->cycles != vm_cycles(p->vm))
        ITEM("cycles: native %" PRIu64 ", vmm %" PRIu64, c->cycles, vm_cycles(p->vm));
    if (!capture_same(&p->out[0], &p->out[1]) && res->nlist < cap)
        console_differs(p, res->list[res->nlist++], sizeof res->list[0]);
    static uint8_t a[PAGE_SIZE], b[PAGE_SIZE];
    uint32_t size = machine_mem_size(p->m);
    for (uint32_t pa = 0; pa < size && res->nlist < cap; pa += PAGE_SIZE) {
        machine_read_phys(p->m, pa, a, PAGE_SIZE);
        vm_read_phys(p->vm, pa, b, PAGE_SIZE);
        for (uint32_t o = 0; o < PAGE_SIZE && res->nlist < cap; o += 4)
            if (memcmp(a + o, b + o, 4) != 0) {
                uint32_t wa, wb;
                memcpy(&wa, a + o, 4);
                memcpy(&wb, b + o, 4);
                memory_word_differs(p, pa + o, wa, wb, res->list[res->nlist++], sizeof res->list[0]);
            }
    }
#undef ITEM
}

/* Whether either run's disk file failed; if so, the error in err.  A
 * failed disk stops its run, so the runs can no longer be compared. */
static bool pair_disk_failed(struct pair *p, char *err, size_t errlen)
{
    struct disk_store *d[2] = {machine_disk(p->m), vm_disk(p->vm)};
    for (int i = 0; i < 2; i++)
        if (d[i] && disk_store_error(d[i])) {
            snprintf(err, errlen, "%s", disk_store_error(d[i]));
            return true;
        }
    return false;
}

/* Start again and step one instruction at a time from `from` to `to`,
 * returning the first count after which the states differ. */
/* The word at va in the bare machine, through its own tables (0 if it
 * cannot be read). */
static uint32_t insn_word(struct machine *m, uint32_t va, bool user)
{
    uint32_t pa = va;
    if (machine_get_cr(m, CR_STATUS) & SR_PG) {
        struct dma mem = {.ctx = m, .mem_size = machine_mem_size(m), .read = phys_read};
        struct pt_walk w;
        if (pt_walk(&mem, machine_get_cr(m, CR_PTB), va, ACCESS_FETCH, user, false, &w))
            return 0;
        pa = w.page | (va & PAGE_MASK);
    }
    uint8_t b[4];
    if (!machine_read_phys(m, pa, b, 4))
        return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t narrow(const struct lockstep_config *c, uint64_t from, uint64_t to, bool memory, char *what,
                       size_t len, char *err, size_t errlen, bool *ok, bool *disk, struct lockstep_result *res)
{
    struct pair p;
    *ok = pair_new(c, &p, err, errlen);
    if (!*ok)
        return 0;
    pair_advance(&p, from);
    uint64_t t = from;
    while (t < to) {
        /* the instruction the bare machine is about to run */
        struct cpu_state *c = machine_cpu(p.m);
        uint32_t pc = c->pc, sr = machine_get_cr(p.m, CR_STATUS);
        t++;
        pair_advance(&p, t);
        if ((*disk = pair_disk_failed(&p, err, errlen))) {
            *ok = false;
            break;
        }
        if (differ(&p, memory, what, len)) {
            /* no report past the end of the run: both may have stopped */
            uint64_t ran = c->instret > vm_instret(p.vm) ? c->instret : vm_instret(p.vm);
            if (ran < t)
                t = ran;
            else if (ran == t && c->instret == t) {
                res->has_insn = true;
                res->pc = pc;
                res->user = !(sr & SR_S);
                res->insn = insn_word(p.m, pc, res->user);
            }
            break;
        }
    }
    pair_free(&p);
    return t;
}

bool lockstep_run(const struct lockstep_config *c, struct lockstep_result *res, char *err, size_t errlen)
{
    const uint64_t stride = c->stride ? c->stride : 10000;
    const unsigned mem_every = 64; /* memory is compared every 64 strides */
    struct pair p;
    memset(res, 0, sizeof *res);
    if (!pair_new(c, &p, err, errlen))
        return false;

    uint64_t good = 0, good_mem = 0, t = 0;
    bool diverged = false, by_memory = false;
    for (unsigned n = 1;; n++) {
        t += stride;
        if (c->max_insns && t > c->max_insns)
            t = c->max_insns; /* -n is exact, not rounded up to a stride */
        pair_advance(&p, t);
        if ((res->disk_failed = pair_disk_failed(&p, err, errlen))) {
            pair_free(&p);
            return false;
        }
        bool stopped = pair_stopped(&p);
        bool check_mem = stopped || n % mem_every == 0 || (c->max_insns && t >= c->max_insns);
        if (differ(&p, false, res->what, sizeof res->what)) {
            diverged = true;
            break;
        }
        if (check_mem && differ(&p, true, res->what, sizeof res->what)) {
            diverged = by_memory = true;
            break;
        }
        good = t;
        if (check_mem)
            good_mem = t;
        if (stopped || (c->max_insns && t >= c->max_insns))
            break;
    }
    res->compared = machine_cpu(p.m)->instret;
    res->both_stopped = pair_stopped(&p);
    pair_free(&p);
    if (!diverged)
        return true;

    /* Narrow down: registers first, in the window where they last agreed. */
    bool ok;
    uint64_t from = by_memory ? good_mem : good;
    uint64_t at = narrow(c, from, t, false, res->what, sizeof res->what, err, errlen, &ok, &res->disk_failed, res);
    if (!ok)
        return false;
    if (by_memory && (at == t || !res->what[0])) {
        /* Registers agree all along: find where memory first differs, in
         * coarse steps, then one instruction at a time. */
        uint64_t lo = good_mem;
        struct pair q;
        if (!pair_new(c, &q, err, errlen))
            return false;
        for (uint64_t s = lo + 64; s < t + 64; s += 64) {
            pair_advance(&q, s < t ? s : t);
            if (differ(&q, true, res->what, sizeof res->what))
                break;
            lo = s < t ? s : t;
        }
        pair_free(&q);
        res->has_insn = false;
        at = narrow(c, lo, t, true, res->what, sizeof res->what, err, errlen, &ok, &res->disk_failed, res);
        if (!ok)
            return false;
    }
    res->diverged = true;
    res->instret = at;
    if (c->all) {
        struct pair q;
        if (!pair_new(c, &q, err, errlen))
            return false;
        pair_advance(&q, at);
        list_all(&q, c->all, res);
        pair_free(&q);
    }
    return true;
}
