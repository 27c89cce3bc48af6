/*
 * test_ref_guest.c - the reference CPU's hardware guest mode (docs/isa.md
 * section 14) on its own, against values computed by hand from the
 * manual: the walk references of one access (8 for a two-dimensional walk
 * of 2 + 2 levels, 2 with the guest's paging off, 2 natively), the nested
 * fault's record (a refused guest table entry sets in_walk), the combined
 * TLB entry, the exit controls in their order, the read shadows of owned
 * state, the interrupt window, an exiting interrupt that ignores IE, and
 * the entry's load, the exit's store and their counts.  The guest-mode
 * difftest (test_guestdiff.c) checks the fast machine against this.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "prog.h"
#include "ref.h"

#define MEM (1u << 20)
#define GBASE 0x40000u  /* host-physical address of guest-physical 0 */
#define HROOT 0x80000u  /* the host (nested) table: root and one level-2 table */
#define HL2 0x81000u
#define GL1 0x8000u     /* the guest's tables, guest-physical */
#define GL2 0x9000u     /* for va 0 - 4 MiB */
#define GL2B 0xa000u    /* for va 4 - 8 MiB */
#define GCODE 0x1000u   /* code: va = gpa */
#define GDATA 0x3000u   /* data frame, gpa */
#define DVA 0x00400000u /* data, va */
#define RWX (PTE_V | PTE_R | PTE_W | PTE_X)

static void poke(struct ref_machine *r, uint32_t pa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    CU_ASSERT_FATAL(ref_write_phys(r, pa, b, 4));
}

static uint32_t peek(struct ref_machine *r, uint32_t pa)
{
    uint8_t b[4] = {0};
    CU_ASSERT(ref_read_phys(r, pa, b, 4));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The host maps gpa's page at hpa (gpa below 4 MiB). */
static void host_map(struct ref_machine *r, uint32_t gpa, uint32_t hpa, uint32_t bits)
{
    poke(r, HROOT, HL2 | PTE_V);
    poke(r, HL2 + 4 * VA_L2(gpa), hpa | bits);
}

/* The guest maps va at gpa, in tables at guest-physical GL1, GL2, GL2B
 * that are at host-physical off + gpa. */
static void guest_map(struct ref_machine *r, uint32_t off, uint32_t va, uint32_t gpa, uint32_t bits)
{
    uint32_t l2 = VA_L1(va) ? GL2B : GL2;
    poke(r, off + GL1 + 4 * VA_L1(va), l2 | PTE_V);
    poke(r, off + l2 + 4 * VA_L2(va), gpa | bits);
}

/* A guest of 16 pages at GBASE, mapped by the host read-write-execute;
 * its kernel's code identity-mapped, its data page at DVA; code at GCODE
 * from words[].  The control block: supervisor, paging as asked, nested. */
static struct ref_machine *world(struct guest_control *gc, bool paging, const uint32_t *words, size_t n)
{
    char err[200];
    struct ref_config c = {.mem_size = MEM, .isa = ISA_X86LIKE};
    struct ref_machine *r = ref_new(&c, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (uint32_t g = 0; g < 0x10000; g += PAGE_SIZE)
        host_map(r, g, GBASE + g, RWX);
    guest_map(r, GBASE, GCODE, GCODE, RWX | PTE_A);
    guest_map(r, GBASE, DVA, GDATA, PTE_V | PTE_R | PTE_W | PTE_U);
    for (size_t i = 0; i < n; i++)
        poke(r, GBASE + GCODE + 4 * (uint32_t)i, words[i]);
    poke(r, GBASE + GDATA, 0x11223344);
    poke(r, GBASE + GDATA + 4, 0x55667788);
    *gc = (struct guest_control){.nested = true, .nested_root = HROOT};
    gc->cr[CR_STATUS] = SR_S | (paging ? SR_PG : 0);
    gc->cr[CR_PTB] = GL1;
    ref_cpu(r)->pc = GCODE;
    ref_cpu(r)->r[5] = paging ? DVA : GDATA;
    return r;
}

#define NOP enc(OP_ADDI, 1, 1, 0, 0)
#define HALT enc(OP_HALT, 0, 0, 0, 0)

static struct ref_counts counts_of(struct ref_machine *r) { return *ref_counts(r); }

static void step(struct ref_machine *r, struct guest_control *gc, struct vm_exit *x, enum exit_reason want)
{
    struct ref_step rec;
    CU_ASSERT_EQUAL(ref_step_guest(r, gc, x, &rec), want);
}

/* One load after a flush: 2 guest levels, each entry's address through 2
 * host levels, and the page's: 2 * 2 + 2 + 2 = 8 (Bhargava et al.). */
static void test_two_dimensional_walk_reads_8(void)
{
    const uint32_t code[] = {NOP, enc(OP_LW, 6, 5, 0, 0), enc(OP_LW, 7, 5, 0, 4), HALT};
    struct guest_control gc;
    struct ref_machine *r = world(&gc, true, code, 4);
    struct vm_exit x;
    step(r, &gc, &x, EXIT_BUDGET); /* the fetch walks too */
    struct ref_counts a = counts_of(r);
    CU_ASSERT_EQUAL(a.walks, 1);
    CU_ASSERT_EQUAL(a.walk_refs, 8);
    step(r, &gc, &x, EXIT_BUDGET);
    struct ref_counts b = counts_of(r);
    CU_ASSERT_EQUAL(b.walks - a.walks, 1);
    CU_ASSERT_EQUAL(b.walk_refs - a.walk_refs, 8);
    CU_ASSERT_EQUAL(ref_cpu(r)->r[6], 0x11223344u);
    step(r, &gc, &x, EXIT_BUDGET); /* the same page: the TLB's combined entry */
    struct ref_counts c = counts_of(r);
    CU_ASSERT_EQUAL(c.walks, b.walks);
    CU_ASSERT_EQUAL(c.walk_refs, b.walk_refs);
    CU_ASSERT_EQUAL(ref_cpu(r)->r[7], 0x55667788u);
    /* A in the guest's entry, at the host address; the host's entries untouched */
    CU_ASSERT_EQUAL(peek(r, GBASE + GL2B), GDATA | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A);
    CU_ASSERT_EQUAL(peek(r, HL2 + 4 * VA_L2(GDATA)), (GBASE + GDATA) | RWX);
    CU_ASSERT_EQUAL(c.guest_entries, 3);
    CU_ASSERT_EQUAL(c.guest_exits, 3);
    CU_ASSERT_EQUAL(c.guest_transition_cycles, 3 * (GUEST_ENTRY_CYCLES + GUEST_EXIT_CYCLES));
    CU_ASSERT_EQUAL(ref_cpu(r)->cycles, 3); /* the guest's own time only */
    ref_free(r);
}

/* With the guest's paging off only the host table is walked: 2, then the
 * stage-2 TLB. */
static void test_paging_off_nested_reads_2(void)
{
    const uint32_t code[] = {NOP, enc(OP_LW, 6, 5, 0, 0), enc(OP_LW, 7, 5, 0, 4), HALT};
    struct guest_control gc;
    struct ref_machine *r = world(&gc, false, code, 4);
    struct vm_exit x;
    step(r, &gc, &x, EXIT_BUDGET);
    struct ref_counts a = counts_of(r);
    CU_ASSERT_EQUAL(a.walks, 1);
    CU_ASSERT_EQUAL(a.walk_refs, 2);
    step(r, &gc, &x, EXIT_BUDGET);
    struct ref_counts b = counts_of(r);
    CU_ASSERT_EQUAL(b.walks - a.walks, 1);
    CU_ASSERT_EQUAL(b.walk_refs - a.walk_refs, 2);
    CU_ASSERT_EQUAL(ref_cpu(r)->r[6], 0x11223344u);
    step(r, &gc, &x, EXIT_BUDGET);
    CU_ASSERT_EQUAL(counts_of(r).walk_refs, b.walk_refs);
    CU_ASSERT_EQUAL(ref_cpu(r)->r[7], 0x55667788u);
    ref_free(r);
}

/* A native walk reads 2: the same tables at host-physical = guest-physical,
 * bare machine, and guest mode without nested paging. */
static void test_native_walk_reads_2(void)
{
    const uint32_t code[] = {NOP, enc(OP_LW, 6, 5, 0, 0), HALT};
    for (int guest = 0; guest < 2; guest++) {
        char err[200];
        struct ref_config c = {.mem_size = MEM, .isa = ISA_PG};
        struct ref_machine *r = ref_new(&c, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        guest_map(r, 0, GCODE, GCODE, RWX | PTE_A);
        guest_map(r, 0, DVA, GDATA, PTE_V | PTE_R | PTE_A);
        for (uint32_t i = 0; i < 3; i++)
            poke(r, GCODE + 4 * i, code[i]);
        poke(r, GDATA, 0xabcd);
        ref_cpu(r)->pc = GCODE;
        ref_cpu(r)->r[5] = DVA;
        struct guest_control gc = {0};
        gc.cr[CR_STATUS] = SR_S | SR_PG;
        gc.cr[CR_PTB] = GL1;
        ref_set_cr(r, CR_PTB, GL1);
        ref_set_cr(r, CR_STATUS, SR_S | SR_PG);
        struct vm_exit x;
        struct ref_step rec;
        if (guest)
            ref_step_guest(r, &gc, &x, &rec);
        else
            ref_step(r, &x, &rec);
        CU_ASSERT_EQUAL(counts_of(r).walk_refs, 2);
        if (guest)
            ref_step_guest(r, &gc, &x, &rec);
        else
            ref_step(r, &x, &rec);
        CU_ASSERT_EQUAL(counts_of(r).walks, 2);
        CU_ASSERT_EQUAL(counts_of(r).walk_refs, 4);
        CU_ASSERT_EQUAL(ref_cpu(r)->r[6], 0xabcdu);
        CU_ASSERT_EQUAL(counts_of(r).guest_entries, guest ? 2u : 0u);
        ref_free(r);
    }
}

/* The host refuses the guest's level-2 table: the exit names its gpa,
 * in_walk, the access's va and detail bits; 5 entries read. */
static void test_table_entry_fault_is_in_walk(void)
{
    for (int user = 0; user < 2; user++) {
        const uint32_t code[] = {enc(OP_SW, 6, 5, 0, 8), HALT};
        struct guest_control gc;
        struct ref_machine *r = world(&gc, true, code, 2);
        guest_map(r, GBASE, GCODE, GCODE, RWX | PTE_A | PTE_U);
        poke(r, HL2 + 4 * VA_L2(GL2B), 0); /* the guest's table for DVA: not mapped by the host */
        if (user)
            gc.cr[CR_STATUS] = SR_PG;
        struct vm_exit x;
        struct ref_step rec;
        CU_ASSERT_EQUAL(ref_step_guest(r, &gc, &x, &rec), EXIT_NESTED_FAULT);
        CU_ASSERT_EQUAL(x.pc, GCODE);
        CU_ASSERT_EQUAL(x.addr, GL2B + 4 * VA_L2(DVA + 8));
        CU_ASSERT_EQUAL(x.guest_va, DVA + 8);
        CU_ASSERT(x.in_walk);
        CU_ASSERT_EQUAL(x.cause, CAUSE_PAGE_FAULT | CAUSE_WRITE | (user ? CAUSE_USER : 0));
        CU_ASSERT_EQUAL(x.insn, 0); /* not a field of this exit (machine.h) */
        CU_ASSERT_EQUAL(ref_cpu(r)->instret, 0);
        CU_ASSERT_EQUAL(counts_of(r).walks, 2);
        CU_ASSERT_EQUAL(counts_of(r).walk_refs, 8 + 5); /* the fetch's, then the store's */
        ref_free(r);
    }
}

/* The host maps the data page read-only: the combined entry allows what
 * both allow (R) with the guest's U and A; a store exits with PROT, not
 * in the walk, and leaves the guest's D clear. */
static void test_combined_entry_and_host_protection(void)
{
    const uint32_t code[] = {enc(OP_LW, 6, 5, 0, 0), enc(OP_SW, 6, 5, 0, 8), HALT};
    struct guest_control gc;
    struct ref_machine *r = world(&gc, true, code, 3);
    host_map(r, GDATA, GBASE + GDATA, PTE_V | PTE_R);
    struct vm_exit x;
    step(r, &gc, &x, EXIT_BUDGET);
    const struct tlb_slot *s = &ref_tlb(r)->slot[(DVA >> PAGE_SHIFT) % TLB_ENTRIES];
    CU_ASSERT(s->valid);
    CU_ASSERT_EQUAL(s->vpage, DVA);
    CU_ASSERT_EQUAL(s->pte, (GBASE + GDATA) | PTE_V | PTE_R | PTE_U | PTE_A);
    step(r, &gc, &x, EXIT_NESTED_FAULT);
    CU_ASSERT_EQUAL(x.pc, GCODE + 4);
    CU_ASSERT_EQUAL(x.addr, GDATA + 8);
    CU_ASSERT_EQUAL(x.guest_va, DVA + 8);
    CU_ASSERT_FALSE(x.in_walk);
    CU_ASSERT_EQUAL(x.cause, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE);
    CU_ASSERT_EQUAL(x.access, ACCESS_WRITE);
    CU_ASSERT_EQUAL(peek(r, GBASE + GL2B), GDATA | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A);
    CU_ASSERT_EQUAL(peek(r, GBASE + GDATA + 8), 0);
    ref_free(r);
}

/* Exit controls 1 and 2, and the read shadows: ptb and PG owned by the
 * host (shadow paging), nested off, the CPU's ptb the host's table. */
static void test_owned_state_and_instruction_exits(void)
{
    for (int broken = 0; broken < 2; broken++) {
        char err[200];
        struct ref_config c = {.mem_size = MEM, .isa = ISA_X86LIKE, .inject = broken ? REF_INJECT_OWNED_PG_SEEN : 0};
        struct ref_machine *r = ref_new(&c, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        guest_map(r, 0, GCODE, GCODE, RWX | PTE_A);
        struct prog p;
        p_init(&p, GCODE);
        p_op(&p, OP_MFCR, 6, 0, 0, CR_STATUS);
        p_op(&p, OP_RDSR, 7, 0, 0, 0);
        p_op(&p, OP_RDPTB, 8, 0, 0, 0);
        p_op(&p, OP_ADDI, 9, 0, 0, SR_S | SR_IE);
        p_op(&p, OP_MTCR, 9, 0, 0, CR_STATUS); /* PG as the guest reads it: runs */
        p_op(&p, OP_ADDI, 9, 0, 0, SR_S | SR_PG);
        uint32_t at = p_op(&p, OP_WRSR, 9, 0, 0, 0); /* would set the owned PG: exits */
        for (size_t i = 0; i < p.n; i++)
            poke(r, p.base + 4 * (uint32_t)i, p.w[i]);
        ref_set_cr(r, CR_PTB, GL1); /* the host's (shadow) table */
        ref_set_cr(r, CR_STATUS, SR_S | SR_PG);
        ref_cpu(r)->pc = GCODE;
        struct guest_control gc = {.ptb_owned = true, .status_owned = SR_PG};
        gc.cr[CR_STATUS] = SR_S; /* the guest believes its paging off */
        gc.cr[CR_PTB] = 0x5000;
        gc.cr[CR_EPC] = 0x1234;
        gc.cr[CR_TIMER] = 0xdead; /* not the guest's */
        struct vm_exit x;
        CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_INSN);
        const struct ref_cpu *cpu = ref_cpu(r);
        CU_ASSERT_EQUAL(cpu->r[6] == SR_S, !broken);
        CU_ASSERT_EQUAL(cpu->r[7] == SR_S, !broken);
        CU_ASSERT_EQUAL(cpu->r[8], 0x5000u);
        CU_ASSERT_EQUAL(x.pc, at);
        CU_ASSERT_EQUAL(x.insn, p.w[6]);
        CU_ASSERT(x.decoded);
        CU_ASSERT_EQUAL(x.fields.op, OP_WRSR);
        CU_ASSERT_EQUAL(x.fields.ra, 9);
        CU_ASSERT_EQUAL(cpu->instret, 6);
        CU_ASSERT_EQUAL(cpu->cr[CR_STATUS], SR_S | SR_IE | SR_PG); /* the host's PG stayed */
        CU_ASSERT_EQUAL(cpu->cr[CR_PTB], GL1);
        CU_ASSERT_EQUAL(cpu->cr[CR_EPC], 0x1234u); /* loaded */
        CU_ASSERT_EQUAL(gc.cr[CR_STATUS], SR_S | SR_IE); /* stored, PG the guest's */
        CU_ASSERT_EQUAL(gc.cr[CR_PTB], 0x5000u);
        CU_ASSERT_EQUAL(gc.cr[CR_TIMER], 0xdeadu);

        /* any ptb write exits when it is owned; a cr_read_exits bit beats an owned read */
        p_init(&p, GCODE);
        p_op(&p, OP_MTCR, 0, 0, 0, CR_PTB);
        p_op(&p, OP_MFCR, 6, 0, 0, CR_EPC);
        p_op(&p, OP_TLBFLUSH, 0, 0, 0, 0);
        for (size_t i = 0; i < p.n; i++)
            poke(r, p.base + 4 * (uint32_t)i, p.w[i]);
        ref_cpu(r)->pc = GCODE;
        CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_INSN);
        CU_ASSERT_EQUAL(x.pc, GCODE);
        ref_cpu(r)->pc = GCODE + 4;
        gc.ptb_owned = false;
        gc.cr[CR_PTB] = GL1;
        gc.cr_read_exits = 1u << CR_EPC;
        guest_control_exit_on_insn(&gc, OP_TLBFLUSH);
        CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_INSN);
        CU_ASSERT_EQUAL(x.pc, GCODE + 4);
        CU_ASSERT_EQUAL(x.fields.op, OP_MFCR);
        ref_cpu(r)->pc += 4;
        CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_INSN);
        CU_ASSERT_EQUAL(x.pc, GCODE + 8);
        CU_ASSERT_EQUAL(x.fields.op, OP_TLBFLUSH);
        /* in user mode the privileged mfcr traps first (delivered: the guest's tvec) */
        guest_map(r, 0, GCODE, GCODE, RWX | PTE_A | PTE_U);
        ref_cpu(r)->pc = GCODE + 4;
        gc.cr[CR_STATUS] = SR_PG;
        gc.cr[CR_TVEC] = GCODE + 8;
        CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 1, &x), EXIT_INSN); /* the handler's tlbflush */
        CU_ASSERT_EQUAL(gc.cr[CR_CAUSE], CAUSE_PRIV);
        CU_ASSERT_EQUAL(gc.cr[CR_EPC], GCODE + 4);
        CU_ASSERT_EQUAL(ref_cpu(r)->pc, GCODE + 8);
        ref_free(r);
    }
}

/* Exit control 4: right after the instruction that sets IE (it retired),
 * or at entry; control 3: an interrupt whose cause exits ignores IE. */
static void test_irq_window_and_exiting_interrupts(void)
{
    const uint32_t code[] = {enc(OP_ADDI, 9, 0, 0, SR_S | SR_IE), enc(OP_MTCR, 9, 0, 0, CR_STATUS), NOP, NOP, NOP,
                             NOP, NOP, NOP, NOP, NOP, HALT};
    struct guest_control gc;
    struct ref_machine *r = world(&gc, false, code, 11);
    gc.irq_window = true;
    struct vm_exit x;
    CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_IRQ_WINDOW);
    CU_ASSERT_EQUAL(x.pc, GCODE + 8);
    CU_ASSERT_EQUAL(ref_cpu(r)->instret, 2);
    CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_IRQ_WINDOW); /* at entry */
    CU_ASSERT_EQUAL(ref_cpu(r)->instret, 2);
    ref_free(r);

    for (int broken = 0; broken < 2; broken++) {
        char err[200];
        struct ref_config c = {.mem_size = MEM, .isa = ISA_PG, .inject = broken ? REF_INJECT_IRQ_EXIT_WAITS : 0};
        r = ref_new(&c, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        for (uint32_t g = 0; g < 0x10000; g += PAGE_SIZE)
            host_map(r, g, GBASE + g, RWX);
        for (uint32_t i = 0; i < 9; i++)
            poke(r, GBASE + GCODE + 4 * i, code[2 + i]);
        ref_cpu(r)->pc = GCODE;
        ref_set_cr(r, CR_TIMER, 3); /* the host's timer */
        gc = (struct guest_control){.nested = true, .nested_root = HROOT, .cause_exits = EXIT_ON(CAUSE_TIMER)};
        gc.cr[CR_STATUS] = SR_S; /* IE clear */
        enum exit_reason why = ref_run_guest(r, &gc, 100, &x);
        if (broken) {
            CU_ASSERT_EQUAL(why, EXIT_HALT);
        } else {
            CU_ASSERT_EQUAL(why, EXIT_INTERRUPT);
            CU_ASSERT_EQUAL(x.cause, CAUSE_TIMER);
            CU_ASSERT_EQUAL(ref_cpu(r)->instret, 3);
            CU_ASSERT_EQUAL(gc.cr[CR_CAUSE], 0); /* nothing delivered */
        }
        ref_free(r);
    }
}

/* The window comes before every interrupt (section 14): a pending
 * interrupt that does not exit waits while the host, told that IE came
 * on, may inject its own first; with the window off it is delivered. */
static void test_window_before_delivery(void)
{
    const uint32_t code[] = {enc(OP_ADDI, 9, 0, 0, SR_S | SR_IE), enc(OP_MTCR, 9, 0, 0, CR_STATUS), NOP, HALT};
    struct guest_control gc;
    struct ref_machine *r = world(&gc, false, code, 4);
    poke(r, GBASE + 0x2000, HALT);
    gc.cr[CR_TVEC] = 0x2000;
    gc.irq_window = true;
    ref_set_cr(r, CR_TIMER, 1); /* pending from the second instruction on */
    struct vm_exit x;
    CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_IRQ_WINDOW);
    CU_ASSERT_EQUAL(x.pc, GCODE + 8);
    CU_ASSERT_EQUAL(gc.cr[CR_CAUSE], 0);
    gc.irq_window = false;
    CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 100, &x), EXIT_HALT);
    CU_ASSERT_EQUAL(x.pc, 0x2004);
    CU_ASSERT_EQUAL(gc.cr[CR_CAUSE], CAUSE_TIMER);
    CU_ASSERT_EQUAL(gc.cr[CR_EPC], GCODE + 8);
    ref_free(r);
}

/* The TLB survives an entry with the same translation, not another root. */
static void test_entry_flushes_on_new_translation(void)
{
    const uint32_t code[] = {enc(OP_LW, 6, 5, 0, 0), HALT};
    struct guest_control gc;
    struct ref_machine *r = world(&gc, true, code, 2);
    struct vm_exit x;
    step(r, &gc, &x, EXIT_BUDGET);
    unsigned s = (DVA >> PAGE_SHIFT) % TLB_ENTRIES;
    CU_ASSERT(ref_tlb(r)->slot[s].valid);
    CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 0, &x), EXIT_BUDGET);
    CU_ASSERT(ref_tlb(r)->slot[s].valid);
    for (uint32_t o = 0; o < 2 * PAGE_SIZE; o += 4) /* a copy of the host table */
        poke(r, HROOT + 0x2000 + o, peek(r, HROOT + o));
    poke(r, HROOT + 0x2000, HL2 | PTE_V);
    gc.nested_root = HROOT + 0x2000;
    CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 0, &x), EXIT_BUDGET);
    CU_ASSERT_FALSE(ref_tlb(r)->slot[s].valid);
    ref_cpu(r)->pc = GCODE;
    step(r, &gc, &x, EXIT_BUDGET); /* refilled */
    CU_ASSERT(ref_tlb(r)->slot[s].valid);
    gc.cr[CR_PTB] = GL1 + 0x4000; /* another ptb */
    CU_ASSERT_EQUAL(ref_run_guest(r, &gc, 0, &x), EXIT_BUDGET);
    CU_ASSERT_FALSE(ref_tlb(r)->slot[s].valid);
    ref_free(r);
}

void suite_ref_guest(void)
{
    CU_pSuite s = CU_add_suite("ref_guest", NULL, NULL);
    CU_add_test(s, "section 14: a two-dimensional walk reads 8 entries", test_two_dimensional_walk_reads_8);
    CU_add_test(s, "section 14: nested with the guest's paging off reads 2", test_paging_off_nested_reads_2);
    CU_add_test(s, "section 14: a native walk reads 2, bare or in guest mode", test_native_walk_reads_2);
    CU_add_test(s, "section 14: a refused guest table entry exits in_walk", test_table_entry_fault_is_in_walk);
    CU_add_test(s, "section 14: the combined entry, a host read-only page", test_combined_entry_and_host_protection);
    CU_add_test(s, "section 14: exit controls 1-2 and the read shadows", test_owned_state_and_instruction_exits);
    CU_add_test(s, "section 14: the interrupt window, exiting interrupts", test_irq_window_and_exiting_interrupts);
    CU_add_test(s, "section 14: entry flushes when the translation changes", test_entry_flushes_on_new_translation);
    CU_add_test(s, "section 14: the window comes before a guest's interrupt is delivered", test_window_before_delivery);
}
