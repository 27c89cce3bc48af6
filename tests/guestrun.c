/*
 * guestrun.c - see guestrun.h.
 */
#include "guestrun.h"

#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "broken_rule.h"
#include "disasm.h"
#include "seams.h"

bool guest_image(const char *name, struct elf_image *img)
{
    char path[256];
    snprintf(path, sizeof path, "tests/guests/%s.s", name);
    bool ok = asm_file_image(path, img);
    CU_ASSERT_FATAL(ok);
    return ok;
}

void capture_write(void *ctx, const uint8_t *b, size_t n)
{
    struct capture *c = ctx;
    char *p = realloc(c->buf, c->len + n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    memcpy(p + c->len, b, n);
    c->buf = p;
    c->len += n;
    c->buf[c->len] = '\0';
}

static uint32_t vm_pc(const struct vm *vm)
{
    uint32_t regs[NREGS], pc, crs[NCRS];
    vm_regs(vm, regs, &pc, crs);
    return pc;
}

int capture_read(void *ctx)
{
    struct capture *c = ctx;
    if (c->vm) {
        bool retry = c->given > 0;
        if (vm_waiting_input(c->vm) != retry)
            c->retry_wrong++;
        else if (retry && (vm_instret(c->vm) != c->at_instret || vm_pc(c->vm) != c->at_pc ||
                           vm_stats(c->vm)->emulated != c->at_emulated))
            c->retry_wrong++;
    }
    if (c->given < c->again) {
        c->given++;
        c->agains++;
        if (c->vm) {
            c->at_instret = vm_instret(c->vm);
            c->at_pc = vm_pc(c->vm);
            c->at_emulated = vm_stats(c->vm)->emulated;
        }
        return CONSOLE_AGAIN;
    }
    c->given = 0;
    return c->in && c->in[c->inpos] ? (unsigned char)c->in[c->inpos++] : -1;
}

static void *copy(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    if (n)
        memcpy(q, p, n);
    return q;
}

static uint32_t mem_of(const struct guest_run *c) { return c->mem ? c->mem : GUESTRUN_MEM; }
static uint64_t limit_of(const struct guest_run *c) { return c->max_insns ? c->max_insns : GUESTRUN_LIMIT; }

static void take_output(struct guest_end *e, struct capture *cap)
{
    e->out = cap->buf ? cap->buf : copy("", 1);
    e->outlen = cap->len;
}

void guest_run_bare(const struct guest_run *c, struct guest_end *e)
{
    memset(e, 0, sizeof *e);
    char err[300];
    struct machine_config mc = {.mem_size = mem_of(c), .isa = c->isa};
    struct machine *m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    bool booted = elf_boot(m, c->image, c->boot, err, sizeof err);
    if (!booted)
        fprintf(stderr, "\nelf_boot: %s\n", err);
    CU_ASSERT_FATAL(booted);
    struct capture cap = {.in = c->input, .again = c->input_again};
    machine_set_console(m, &(struct console_io){.ctx = &cap, .read = capture_read, .write = capture_write});
    if (c->disk)
        CU_ASSERT_FATAL(machine_attach_disk(m, c->disk, c->disk_len));
    struct vm_exit x;
    enum exit_reason why;
    while ((why = machine_run(m, limit_of(c) - machine_cpu(m)->instret, &x)) == EXIT_INPUT_WAIT) {
        /* stopped on the instruction that looked for input, which did
         * not execute (its word is at pc when paging is off) */
        CU_ASSERT_EQUAL(x.pc, machine_cpu(m)->pc);
        uint8_t b[4];
        struct isa_fields f;
        if (!(machine_get_cr(m, CR_STATUS) & SR_PG) && machine_read_phys(m, x.pc, b, 4))
            CU_ASSERT(isa_decode((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24,
                                 &f) &&
                      (f.op == OP_IN || f.op == OP_WFI));
        e->input_waits++;
    }
    e->agains = cap.agains;
    switch (why) {
    case EXIT_HALT: e->state = VM_HALTED, e->value = x.value; break;
    case EXIT_BUDGET: e->state = VM_LIMIT; break;
    case EXIT_DEADLOCK: e->state = VM_DEADLOCK; break;
    case EXIT_DOUBLE_FAULT: e->state = VM_DOUBLE_FAULT, e->value = x.cause; break;
    default: e->state = VM_FAILED; break; /* a bare machine never exits for a trap */
    }
    const struct cpu_state *cpu = machine_cpu(m);
    e->instret = cpu->instret;
    e->cycles = cpu->cycles;
    memcpy(e->regs, cpu->r, sizeof e->regs);
    e->regs[0] = 0;
    e->pc = cpu->pc;
    for (int i = 0; i < NCRS; i++)
        e->crs[i] = machine_get_cr(m, (enum cr)i);
    take_output(e, &cap);
    e->memlen = mc.mem_size;
    e->mem = malloc(e->memlen);
    CU_ASSERT_FATAL(e->mem && machine_read_phys(m, 0, e->mem, e->memlen));
    if (c->disk) {
        bool written;
        const uint8_t *d = machine_disk_image(m, &e->disklen, &written);
        e->disk = copy(d, e->disklen);
    }
    machine_free(m);
}

void guest_end_of(struct vm *vm, struct capture *out, struct guest_end *e)
{
    memset(e, 0, sizeof *e);
    e->state = vm_state(vm);
    snprintf(e->message, sizeof e->message, "%s", vm_message(vm));
    e->value = e->state == VM_HALTED || e->state == VM_DOUBLE_FAULT ? vm_exit_value(vm) : 0;
    e->instret = vm_instret(vm);
    e->cycles = vm_cycles(vm);
    vm_regs(vm, e->regs, &e->pc, e->crs);
    take_output(e, out);
    out->buf = NULL;
    out->len = 0;
    e->memlen = vm_mem_size(vm);
    e->mem = malloc(e->memlen);
    CU_ASSERT_FATAL(e->mem && vm_read_phys(vm, 0, e->mem, e->memlen));
    bool written;
    const uint8_t *d = vm_disk_image(vm, &e->disklen, &written);
    e->disk = d ? copy(d, e->disklen) : NULL;
    if (!d)
        e->disklen = 0;
    if (vm_violation(vm))
        e->violation = *vm_violation(vm);
    e->stats = *vm_stats(vm);
}

void guest_run_vmm(const struct guest_run *c, struct guest_end *e)
{
    memset(e, 0, sizeof *e);
    char err[300];
    uint32_t shadow_frames = c->shadow_frames ? c->shadow_frames : 1024;
    struct vmm_config vc = {.isa = c->isa, .technique = c->technique, .mmu = c->mmu, .policy = c->policy,
                            .inject = c->inject,
                            .shadow_frames = shadow_frames,
                            .check_isolation = c->check, .check_full_every = c->full_every};
    const struct vmm_technique *t = vmm_technique_find(c->technique);
    uint32_t own = t ? t->frames : 0; /* the technique's own frames (seams.h) */
    struct vmm *v = vmm_new(&vc, mem_of(c) + (shadow_frames + own + 1) * PAGE_SIZE, err, sizeof err);
    if (!v)
        fprintf(stderr, "\nvmm_new: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    uint32_t free_before = vmm_free_frames(v);
    struct capture cap = {.in = c->input, .again = c->input_again};
    struct vm_config cfg = {.name = "guest", .mem_size = mem_of(c), .image = c->image, .bootarg = c->boot,
                            .disk = c->disk, .disk_len = c->disk_len, .max_insns = limit_of(c),
                            .io = {.ctx = &cap, .read = capture_read, .write = capture_write}};
    struct vm *vm = vmm_add_vm(v, &cfg, err, sizeof err);
    if (!vm)
        fprintf(stderr, "\nvmm_add_vm: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    cap.vm = vm;
    /* A VM that waits for input is run again, and executes the
     * instruction again. */
    do
        vmm_run(v);
    while (vm_state(vm) == VM_RUNNABLE && vm_waiting_input(vm));
    guest_end_of(vm, &cap, e);
    e->agains = cap.agains;
    e->retry_wrong = cap.retry_wrong;
    e->free_before = free_before;
    /* the audit's findings, the first kept for the failure's message */
    char *found = NULL;
    size_t found_len = 0;
    FILE *f = open_memstream(&found, &found_len);
    e->audit = vmm_audit(v, f ? f : c->findings);
    if (f) {
        fclose(f);
        if (c->findings && found_len)
            fputs(found, c->findings);
        snprintf(e->audit_first, sizeof e->audit_first, "%.*s", (int)strcspn(found, "\n"), found);
        free(found);
    }
    vmm_remove_vm(v, vm);
    e->free_after = vmm_free_frames(v);
    e->audit_after = vmm_audit(v, NULL);
    vmm_free(v);
}

void guest_end_free(struct guest_end *e)
{
    free(e->out);
    free(e->mem);
    free(e->disk);
    memset(e, 0, sizeof *e);
}

/* One line of console output as text, control bytes escaped, cut short. */
static const char *text_line(const char *p, size_t len)
{
    static char bufs[2][100];
    static unsigned next;
    char *b = bufs[next++ % 2];
    size_t k = 0;
    for (size_t i = 0; i < len && p[i] != '\n' && k + 6 < sizeof bufs[0]; i++) {
        unsigned char c = (unsigned char)p[i];
        bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
        k += (size_t)snprintf(b + k, sizeof bufs[0] - k, plain ? "%c" : "\\x%02x", c);
    }
    b[k] = '\0';
    return b;
}

void guest_end_diff(const struct guest_end *n, const struct guest_end *v, char *what, size_t len)
{
#define SAY(...) snprintf(what, len, __VA_ARGS__)
    what[0] = '\0';
    if (n->state != v->state)
        SAY("stopped: native %s after %" PRIu64 " instructions, vmm %s%s%s after %" PRIu64 " instructions",
            vm_state_name(n->state), n->instret, vm_state_name(v->state),
            v->state == VM_DOUBLE_FAULT ? " raising " : "", v->state == VM_DOUBLE_FAULT ? isa_cause_name(v->value) : "",
            v->instret);
    else if (n->value != v->value)
        SAY("halt value: native 0x%x, vmm 0x%x", n->value, v->value);
    else if (n->instret != v->instret)
        SAY("instructions retired: native %" PRIu64 ", vmm %" PRIu64, n->instret, v->instret);
    else if (n->cycles != v->cycles)
        SAY("cycles: native %" PRIu64 ", vmm %" PRIu64, n->cycles, v->cycles);
    else if (n->pc != v->pc)
        SAY("pc: native 0x%08x, vmm 0x%08x", n->pc, v->pc);
    if (what[0])
        return;
    for (unsigned r = 1; r < NREGS; r++)
        if (n->regs[r] != v->regs[r])
            return (void)SAY("%s: native 0x%08x, vmm 0x%08x", isa_reg_name(r), n->regs[r], v->regs[r]);
    for (unsigned i = 0; i < NCRS; i++)
        if (n->crs[i] != v->crs[i]) {
            if (i == CR_STATUS)
                return (void)SAY("status: native %s, vmm %s", say_status(n->crs[i]), say_status(v->crs[i]));
            if (i == CR_CAUSE)
                return (void)SAY("cause: native %s, vmm %s", say_cause(n->crs[i]), say_cause(v->crs[i]));
            return (void)SAY("%s: native 0x%08x, vmm 0x%08x", isa_cr_name(i), n->crs[i], v->crs[i]);
        }
    if (n->outlen != v->outlen || memcmp(n->out, v->out, n->outlen) != 0) {
        size_t i = 0, line = 1, start = 0;
        while (i < n->outlen && i < v->outlen && n->out[i] == v->out[i])
            if (n->out[i++] == '\n') {
                line++;
                start = i;
            }
        return (void)SAY("console output: native %zu bytes, vmm %zu bytes, first different at line %zu: native "
                         "\"%s\", vmm \"%s\"",
                         n->outlen, v->outlen, line, text_line(n->out + start, n->outlen - start),
                         text_line(v->out + start, v->outlen - start));
    }
    if (n->memlen != v->memlen)
        return (void)SAY("memory size: native %u, vmm %u", n->memlen, v->memlen);
    for (uint32_t a = 0; a < n->memlen; a += 4)
        if (memcmp(n->mem + a, v->mem + a, 4) != 0) {
            uint32_t x, y;
            memcpy(&x, n->mem + a, 4);
            memcpy(&y, v->mem + a, 4);
            return (void)SAY("memory at 0x%08x: native 0x%08x, vmm 0x%08x", a, x, y);
        }
    if (n->disklen != v->disklen || (n->disklen && memcmp(n->disk, v->disk, n->disklen) != 0))
        return (void)SAY("disk image: native %zu bytes, vmm %zu bytes, or different bytes", n->disklen, v->disklen);
#undef SAY
}

/* Where to look first when the isolation checker stopped a VM for one of
 * its rules (docs/vmm.md 8.1): the VMM code that keeps it. */
static const char *where_to_look(enum vmm_invariant i)
{
    switch (i) {
    case INV_MAPPING:
    case INV_RIGHTS:
    case INV_DIRTY:
        return "; look at how a shadow entry is made from the guest's (vmm/shadow.c: make_spte, the fault path)";
    case INV_WRITE_PROTECT:
    case INV_TABLE:
        return "; look at the write protection of the guest's page tables (vmm/shadow.c: make_spte, write_protect)";
    case INV_REAL_PTB:
        return "; a change of the guest's mode or page table must switch shadow roots: a reflected trap "
               "(vmm/reflect.c), rfe and mtcr status or ptb (vmm/interp.c), shadow_activate (vmm/shadow.c)";
    case INV_VCPU:
        return "; the virtual CPU and its shadow roots disagree: mtcr ptb and status (vmm/interp.c), "
               "shadow_ptb_written (vmm/shadow.c)";
    default:
        return "";
    }
}

void expect_vm_as_bare(const struct guest_end *bare, const struct guest_end *vmm, const char *who, char *what,
                       size_t len)
{
    guest_end_diff(bare, vmm, what, len);
    if (vmm->state == VM_ISOLATION)
        RULE(!what[0], "the isolation checker stopped the VM: the VMM broke one of its own rules",
             "%s%s - in %s", vmm->violation.text, where_to_look(vmm->violation.invariant), who);
    else
        RULE(!what[0], "under the VMM the guest ended differently from the bare machine", "%s - in %s", what, who);
    RULE(vmm->audit == 0, "the shadow audit found wrong shadow entries when the VM stopped",
         "%u findings, the first: %s - in %s", vmm->audit, vmm->audit_first, who);
    RULE(vmm->audit_after == 0, "the shadow audit found wrong shadow entries once the VM was removed",
         "%u findings - in %s", vmm->audit_after, who);
    RULE(vmm->free_after == vmm->free_before, "removing the VM did not give back every host frame",
         "%u free before the VM, %u after - in %s", vmm->free_before, vmm->free_after, who);
}

void expect_halted(const struct guest_end *e, const char *who)
{
    bool isolation = e->state == VM_ISOLATION;
    RULE(e->state == VM_HALTED, "the guest did not run to its halt",
         "it ended %s (0x%x) after %llu instructions%s%s%s - in %s",
         vm_state_name(e->state), e->value, (unsigned long long)e->instret, isolation ? ": " : "",
         isolation ? e->violation.text : "", isolation ? where_to_look(e->violation.invariant) : "", who);
}

const char *vmm_where_to_look(bool known, uint32_t pc, uint32_t insn, bool user)
{
    static char b[400];
    struct isa_fields f;
    if (!known || !isa_decode(insn, &f)) {
        snprintf(b, sizeof b, "the instruction is not known; vrun --lockstep --trace shows the exits before it");
        return b;
    }
    char text[80];
    disasm_insn(&f, pc, false, NULL, NULL, text, sizeof text);
    const char *mode = user ? "user" : "supervisor";
    const char *look;
    if (isa_class(f.op, ISA_PG) == CLASS_PRIVILEGED && !user)
        look = "the guest kernel's privileged instruction traps and the VMM emulates it: look at the dispatcher "
               "(vmm/dispatch.c) and the instruction's routine (vmm/interp.c, isa/sensitive.h)";
    else if (isa_class(f.op, ISA_PG) == CLASS_PRIVILEGED)
        look = "the guest's user code ran a privileged instruction: the VMM must reflect the trap into the guest "
               "(vmm/dispatch.c, vmm/reflect.c)";
    else if (f.op == OP_SYSCALL || f.op == OP_BREAK)
        look = "the guest's trap: the VMM reflects it into the guest as the hardware would (vmm/dispatch.c, "
               "vmm/reflect.c)";
    else if (isa_insns[f.op].form == FORM_MEM || f.op == OP_JALR)
        look = "a memory access or a jump, which may fault under the VMM: the shadow pager (vmm/shadow.c: hidden "
               "faults, write-protected page tables, A and D bits) or the reflection of a true fault (vmm/reflect.c)";
    else
        look = "it runs directly: the difference comes from an exit before it (an interrupt, a fault); "
               "vrun --lockstep --trace shows them";
    snprintf(b, sizeof b, "%s at 0x%08x in %s mode; %s", text, pc, mode, look);
    return b;
}

unsigned expect_audit_clean_at(const char *file, int line, struct vmm *v, const char *who)
{
    char *found = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&found, &len);
    unsigned n = vmm_audit(v, f);
    if (f)
        fclose(f);
    rule_check(n == 0, file, line, "the shadow audit found wrong shadow entries",
               "%u findings, the first: %.*s - in %s",
               n, found ? (int)strcspn(found, "\n") : 0, found ? found : "", who);
    free(found);
    return n;
}

void guest_vmm_against_bare(const struct guest_run *c, char *what, size_t len)
{
    struct guest_end n, v;
    struct guest_run bare = *c;
    bare.technique = NULL;
    guest_run_vmm(c, &v);
    guest_run_bare(&bare, &n);
    guest_end_diff(&n, &v, what, len);
    guest_end_free(&n);
    guest_end_free(&v);
}
