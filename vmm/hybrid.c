/*
 * hybrid.c - the hybrid technique (seams.h), after Popek and Goldberg's
 * Theorem 3: a hybrid VMM can be built for any machine whose
 * user-sensitive instructions are all privileged.  x86like fails Theorem
 * 1 (rdsr, wrsr and rdptb run in user mode without trapping) and, as vpg
 * shows, Theorem 3 too (rdsr and rdptb still read the real IE and ptb in
 * user mode); but a guest whose user programs never run them - the guest
 * OS - sees no difference, because its kernel's never reach the real CPU.
 *
 * In virtual user mode the guest runs directly on the real CPU exactly as
 * under trap-and-emulate: real user mode, shadow page tables, and the same
 * dispatcher for its exits.  In virtual supervisor mode nothing of the
 * guest runs on the real CPU: the VMM's software CPU below executes every
 * instruction, one at a time, on the virtual CPU, so no instruction of the
 * guest kernel ever sees the real mode, status or ptb.
 *
 * The software CPU is the hardware's rules applied to the virtual CPU:
 *   - its general registers and pc stay where the VM's live while it is
 *     on the real CPU (vcpu_live), its control registers in vm->cpu;
 *   - fetches, loads and stores go through the GUEST's page tables when
 *     its paging is on (pt_walk over guest-physical memory, setting A and
 *     D as the hardware does), guest-physical addresses when it is off;
 *     stores go through vm_guest_write, so shadows of a page table it
 *     writes stay coherent;
 *   - computing instructions follow isa/alu.h, the sensitive ones
 *     interp_exec (isa/sensitive.h), and each trap reaches the guest with
 *     the cause and badaddr the hardware gives in supervisor mode.
 *
 * Time stays exact.  The run loop arms the real timer for the VM's next
 * virtual event or the end of its slice; the software CPU counts the same
 * instructions down and, where the real timer would fire, comes back with
 * the timer exit the real CPU would have taken.  After every sensitive
 * instruction - the only ones that change the mode, the interrupt state,
 * the virtual time or a device - it delivers what became pending (as the
 * dispatcher does after every exit) and hands back to the run loop, which
 * re-arms the timer from the VM's new time, and, if the guest has entered
 * user mode, runs it directly from there.
 */
#include "alu.h"
#include "sensitive.h"
#include "vmm_impl.h"

/* Guest memory as the guest's page-table walker reaches it.  Its A and D
 * updates bypass tracing: they never make a shadow entry give more (see
 * shadow.c, make_spte). */
static bool walk_read(void *ctx, uint32_t pa, void *buf, size_t len) { return vm_guest_read(ctx, pa, buf, len); }
static bool walk_write(void *ctx, uint32_t pa, const void *buf, size_t len)
{
    return vm_guest_write_untraced(ctx, pa, buf, len);
}

/* The guest-physical address of an access of kind k, size bytes at va,
 * in virtual supervisor mode: 0 and *gpa, or the cause of the trap the
 * hardware raises (docs/isa.md section 7: alignment first, then the
 * walk, or the bounds of memory with paging off). */
static uint32_t translate(struct vm *vm, uint32_t va, unsigned size, enum access k, uint32_t *gpa)
{
    if (va & (size - 1))
        return CAUSE_MISALIGNED | pt_access_bits(k, false);
    if (!(vm->cpu.cr[CR_STATUS] & SR_PG)) {
        if (va >= vm->mem_size)
            return CAUSE_BUS_ERROR | pt_access_bits(k, false);
        *gpa = va;
        return 0;
    }
    struct dma mem = vm->dma;
    mem.read = walk_read;
    mem.write = walk_write;
    struct pt_walk w;
    uint32_t cause = pt_walk(&mem, vm->cpu.cr[CR_PTB], va, k, false, true, &w);
    if (cause)
        return cause;
    *gpa = w.page | (va & PAGE_MASK);
    return 0;
}

static uint32_t le(const uint8_t *b, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

/* How one instruction of the software CPU ended. */
enum step {
    STEP_RETIRED,   /* done; the next one may follow at once */
    STEP_TRAPPED,   /* it trapped into the guest (or double-faulted): nothing retired */
    STEP_SENSITIVE, /* a sensitive instruction ran (interp_exec): hand back to the run loop */
};

static enum step trap(struct vm *vm, uint32_t cause, uint32_t badaddr)
{
    reflect_trap(vm, cause, badaddr);
    return STEP_TRAPPED;
}

/* One instruction at pc, in virtual supervisor mode. */
static enum step step(struct vm *vm, struct cpu_state *c)
{
    uint32_t pc = c->pc, gpa, cause;
    uint8_t b[4] = {0};
    if ((cause = translate(vm, pc, 4, ACCESS_FETCH, &gpa)))
        return trap(vm, cause, pc);
    vm_guest_read(vm, gpa, b, 4);
    uint32_t word = le(b, 4);
    struct isa_fields f;
    if (!isa_decode(word, &f))
        return trap(vm, CAUSE_ILLEGAL, word);
    enum op op = f.op;
    uint32_t next = pc + 4;

    if (sensitive_op(op)) {
        interp_exec(vm, &f); /* retires it, unless it waits for input */
        return STEP_SENSITIVE;
    }
    if (alu_op(op)) {
        uint32_t second = isa_insns[op].form == FORM_RRR ? reg_get(c, f.rc) : (uint32_t)f.imm;
        reg_set(c, f.ra, alu_result(op, reg_get(c, f.rb), second));
    } else if (alu_div_op(op)) {
        uint32_t d = reg_get(c, f.rc);
        if (d == 0)
            return trap(vm, CAUSE_DIV_ZERO, 0);
        reg_set(c, f.ra, alu_divide(op, reg_get(c, f.rb), d));
    } else if (branch_op(op)) {
        if (branch_taken(op, reg_get(c, f.ra), reg_get(c, f.rb)))
            next = pc + (uint32_t)f.imm;
    } else if (mem_access_size(op)) {
        unsigned size = mem_access_size(op);
        uint32_t va = reg_get(c, f.rb) + (uint32_t)f.imm;
        enum access k = store_op(op) ? ACCESS_WRITE : ACCESS_READ;
        if ((cause = translate(vm, va, size, k, &gpa)))
            return trap(vm, cause, va);
        if (k == ACCESS_WRITE) {
            uint32_t v = reg_get(c, f.ra);
            uint8_t s[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
            vm_guest_write(vm, gpa, s, size);
        } else {
            vm_guest_read(vm, gpa, b, size);
            reg_set(c, f.ra, load_extend(op, le(b, size)));
        }
    } else if (op == OP_JAL) {
        reg_set(c, f.ra, pc + 4);
        next = pc + (uint32_t)f.imm;
    } else if (op == OP_JALR) {
        uint32_t t = reg_get(c, f.rb) + (uint32_t)f.imm;
        if (t & 3)
            return trap(vm, CAUSE_MISALIGNED | CAUSE_FETCH, t);
        reg_set(c, f.ra, pc + 4);
        next = t;
    } else if (op == OP_SYSCALL) {
        return trap(vm, CAUSE_SYSCALL, 0);
    } else if (op == OP_BREAK) {
        return trap(vm, CAUSE_BREAK, 0);
    } else if (op == OP_HCALL) {
        return trap(vm, CAUSE_HYPERCALL, word);
    } else {
        vm_fail(vm, "VMM bug: the hybrid technique's CPU has no rule for %s", isa_insns[op].mnem);
        return STEP_TRAPPED;
    }
    c->pc = next;
    vm->cpu.instret++;
    vm->cpu.cycles++;
    vm->st.interpreted++;
    return STEP_RETIRED;
}

/* Virtual supervisor mode, in software, from pc: until the budget is
 * spent, the real timer would fire, a sensitive instruction ran, or the
 * VM stopped. */
static enum exit_reason interpret(struct vm *vm, uint64_t budget, struct vm_exit *x)
{
    struct cpu_state *c = vcpu_live(vm);
    uint64_t left = budget;
    uint32_t timer = machine_get_cr(vm->vmm->m, CR_TIMER); /* the real CPU's stands still meanwhile */
    uint64_t until_timer = timer ? timer : UINT64_MAX;
    *x = (struct vm_exit){.reason = EXIT_BUDGET};
    vm->unchecked = true;
    while (vm->state == VM_RUNNABLE) {
        if (left == 0)
            break;
        if (until_timer == 0) {
            /* the real timer would fire here, before the next instruction */
            *x = (struct vm_exit){.reason = EXIT_INTERRUPT, .cause = CAUSE_TIMER, .pc = c->pc};
            break;
        }
        uint64_t before = vm->cpu.instret;
        enum step s = step(vm, c);
        uint64_t retired = vm->cpu.instret - before;
        left -= retired;
        until_timer -= retired;
        if (s == STEP_SENSITIVE) {
            if (vm->waiting_input) {
                *x = (struct vm_exit){.reason = EXIT_INPUT_WAIT, .pc = c->pc};
            } else if (vm->state == VM_RUNNABLE) {
                reflect_interrupts(vm);
            }
            break;
        }
    }
    if (vm->state != VM_RUNNABLE && x->reason == EXIT_BUDGET) {
        /* halt, wfi with nothing to wait for, a double fault: the software
         * CPU stopped as the bare machine would */
        enum exit_reason r = vm->state == VM_HALTED         ? EXIT_HALT
                             : vm->state == VM_DEADLOCK     ? EXIT_DEADLOCK
                             : vm->state == VM_DOUBLE_FAULT ? EXIT_DOUBLE_FAULT
                                                            : EXIT_BUDGET;
        *x = (struct vm_exit){.reason = r, .pc = c->pc, .value = vm->exit_value};
    }
    return x->reason;
}

static enum exit_reason run(struct vm *vm, uint64_t budget, struct vm_exit *x)
{
    if (!vm_user(vm))
        return interpret(vm, budget, x);
    if (vm->unchecked) {
        /* what the interpreter changed, checked before the guest runs on it */
        vm->unchecked = false;
        if (vm->vmm->iso) {
            iso_entered(vm);
            if (vm->state != VM_RUNNABLE) {
                *x = (struct vm_exit){.reason = EXIT_BUDGET, .pc = vcpu_live(vm)->pc};
                return EXIT_BUDGET;
            }
        }
    }
    return machine_run(vm->vmm->m, budget, x);
}

/* The exits of the software CPU say what it has already done to the VM
 * (its state, waiting_input); the real CPU's go to the dispatcher. */
static void handle_exit(struct vm *vm, const struct vm_exit *x)
{
    if (vm->state != VM_RUNNABLE || x->reason == EXIT_INPUT_WAIT)
        return; /* the real CPU's exits leave it runnable and never wait */
    dispatch_exit(vm, x);
}

const struct vmm_technique hybrid = {
    .name = "hybrid",
    .summary = "virtual supervisor mode is interpreted in software; virtual user mode runs directly",
    .load = dispatch_load,
    .handle_exit = handle_exit,
    .run = run,
};
