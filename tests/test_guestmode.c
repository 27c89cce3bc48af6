/*
 * test_guestmode.c - the hardware guest mode of the fast machine
 * (docs/isa.md section 14), on a hosted rig acting as a tiny host.
 *
 * The guest's memory is 256 KiB of guest-physical space at host physical
 * GBASE (so that a missing second stage shows: gpa and hpa differ).  A
 * host table at NL1 maps it for nested paging; the guest's own tables
 * are at guest-physical GL1 and after.  Every expected number comes from
 * the manual: a walk of n = 2 guest levels on m = 2 host levels reads
 * n*m + n + m = 8 entries, a native walk 2, a host-only walk 2; the cause
 * words from section 6's detail bits.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "pt.h"
#include "rig.h"

#define GBASE 0x40000u /* host physical address of guest-physical 0 */
#define GSIZE 0x40000u
#define NL1 0x10000u   /* the host table (nested paging), its level-2 tables after it */
#define NPOOL 0x11000u
#define GL1 0x8000u    /* guest-physical: the guest's level-1 table, level-2 tables after it */
#define GPOOL 0x9000u
#define GCODE 0x1000u  /* guest code, virtual = guest-physical */
#define GTVEC 0x0100u  /* the guest's trap handler: halt r0 */
#define GDATA 0x20000u /* guest-physical data pages */
#define VDATA 0x00810000u /* their virtual addresses: TLB slots 16 and up, away from the code's */

struct host {
    struct rig *r;
    struct pt nested;
    uint32_t gpool;
    struct guest_control gc;
};

static void gpoke(struct host *h, uint32_t gpa, uint32_t v) { rig_poke32(h->r, GBASE + gpa, v); }
static uint32_t gpeek(struct host *h, uint32_t gpa) { return rig_peek32(h->r, GBASE + gpa); }

/* Map guest va to gpa in the guest's own tables (guest-physical frames). */
static uint32_t gmap(struct host *h, uint32_t va, uint32_t gpa, uint32_t bits)
{
    uint32_t l1e = gpeek(h, GL1 + 4 * (va >> 22));
    if (!(l1e & PTE_V)) {
        l1e = h->gpool | PTE_V;
        h->gpool += PAGE_SIZE;
        gpoke(h, GL1 + 4 * (va >> 22), l1e);
    }
    uint32_t e = PTE_FRAME(l1e) + 4 * ((va >> 12) & 0x3ff);
    gpoke(h, e, (gpa & ~PAGE_MASK) | bits);
    return e;
}

/* The guest's code at GCODE, from assembly. */
static void gcode(struct host *h, const char *src)
{
    uint32_t w[64];
    char full[2048];
    snprintf(full, sizeof full, "        .org 0x%x\n%s", GCODE, src);
    CU_ASSERT_FATAL(asm_words(full, GCODE, w, 64));
    for (int i = 0; i < 64; i++)
        gpoke(h, GCODE + 4 * (uint32_t)i, w[i]);
}

/* A hosted machine with the guest's memory mapped by the host table (R W
 * X everywhere), the guest's handler a halt, and a control block for a
 * guest in supervisor mode with its paging as asked, nested paging on,
 * nothing exiting. */
static struct host *host_new(enum isa_variant v, bool guest_paging)
{
    struct host *h = calloc(1, sizeof *h);
    h->r = rig_new(v, true);
    pt_init(&h->nested, h->r, NL1, NPOOL);
    for (uint32_t gpa = 0; gpa < GSIZE; gpa += PAGE_SIZE)
        pt_map(&h->nested, gpa, GBASE + gpa, PTE_V | PTE_R | PTE_W | PTE_X);
    gpoke(h, GTVEC, enc(OP_HALT, 0, 0, 0, 0));
    h->gpool = GPOOL;
    if (guest_paging) {
        gmap(h, 0, 0, PTE_V | PTE_R | PTE_X);         /* the handler's page */
        gmap(h, GCODE, GCODE, PTE_V | PTE_R | PTE_X); /* the code's */
    }
    h->gc.cr[CR_STATUS] = SR_S | (guest_paging ? SR_PG : 0);
    h->gc.cr[CR_TVEC] = GTVEC;
    h->gc.cr[CR_PTB] = GL1;
    h->gc.nested = true;
    h->gc.nested_root = NL1;
    CPU(h->r)->pc = GCODE;
    return h;
}

static void host_free(struct host *h)
{
    rig_free(h->r);
    free(h);
}

static enum exit_reason enter(struct host *h, uint64_t budget)
{
    return machine_run_guest(h->r->m, &h->gc, budget, &h->r->exit);
}

static struct machine_counts counts(struct host *h)
{
    struct machine_counts c;
    machine_counts(h->r->m, &c);
    return c;
}

/* Five loads from five pages after an empty TLB, then halt: one walk for
 * the code page and one per data page. */
#define K 5
static const char *const loads_src = "        lui r5, 0x81\n"
                                     "        lw r6, 0(r5)\n"
                                     "        lw r6, 0x1000(r5)\n"
                                     "        lw r6, 0x2000(r5)\n"
                                     "        lw r6, 0x3000(r5)\n"
                                     "        lw r6, 0x4000(r5)\n"
                                     "        halt r0\n";

static void test_walk_refs_nested(void)
{
    for (int v = 0; v < 2; v++) {
        struct host *h = host_new((enum isa_variant)v, true);
        gcode(h, loads_src);
        for (uint32_t i = 0; i < K; i++) {
            gmap(h, VDATA + i * PAGE_SIZE, GDATA + i * PAGE_SIZE, PTE_V | PTE_R);
            gpoke(h, GDATA + i * PAGE_SIZE, 100 + i);
        }
        struct machine_counts c0 = counts(h);
        CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
        struct machine_counts c1 = counts(h);
        const uint64_t walks = 1 + K, per_walk = 2 * 2 + 2 + 2;
        CU_ASSERT_EQUAL(c1.walks - c0.walks, walks);
        CU_ASSERT_EQUAL(c1.walk_refs - c0.walk_refs, walks * per_walk);
        /* the last load read the guest's data, through both stages */
        CU_ASSERT_EQUAL(CPU(h->r)->r[6], 100 + K - 1);
        /* the guest's walk set A in its own leaves, at their host addresses */
        uint32_t l1e = gpeek(h, GL1 + 4 * (VDATA >> 22));
        CU_ASSERT(gpeek(h, PTE_FRAME(l1e) + 4 * ((VDATA >> 12) & 0x3ff)) & PTE_A);
        CU_ASSERT_EQUAL(c1.guest_entries - c0.guest_entries, 1);
        CU_ASSERT_EQUAL(c1.guest_exits - c0.guest_exits, 1);
        CU_ASSERT_EQUAL(c1.guest_transition_cycles - c0.guest_transition_cycles,
                        GUEST_ENTRY_CYCLES + GUEST_EXIT_CYCLES);
        /* the guest's time is its own: one cycle an instruction */
        CU_ASSERT_EQUAL(CPU(h->r)->cycles, CPU(h->r)->instret);
        host_free(h);
    }
}

/* The same loads with the guest's paging off: only the host walk, m = 2. */
static void test_walk_refs_nested_paging_off(void)
{
    struct host *h = host_new(ISA_PG, false);
    gcode(h, "        lui r5, 0x2\n"
             "        lw r6, 0(r5)\n"
             "        lw r6, 0x1000(r5)\n"
             "        lw r6, 0x2000(r5)\n"
             "        lw r6, 0x3000(r5)\n"
             "        lw r6, 0x4000(r5)\n"
             "        halt r0\n");
    gpoke(h, GDATA + 4 * PAGE_SIZE, 0x5a5a);
    struct machine_counts c0 = counts(h);
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    struct machine_counts c1 = counts(h);
    CU_ASSERT_EQUAL(c1.walks - c0.walks, 1 + K);
    CU_ASSERT_EQUAL(c1.walk_refs - c0.walk_refs, (1 + K) * 2);
    CU_ASSERT_EQUAL(CPU(h->r)->r[6], 0x5a5a);
    /* the second TLB holds what the host table gave: the code's page and
     * the five data pages, each at its host frame, for an auditor to see */
    struct tlb_slot phys[TLB_ENTRIES];
    machine_tlb_inspect_phys(h->r->m, phys);
    int seen = 0;
    for (int i = 0; i < TLB_ENTRIES; i++)
        if (phys[i].valid) {
            seen++;
            CU_ASSERT_EQUAL(PTE_FRAME(phys[i].pte), GBASE + phys[i].vpage);
        }
    CU_ASSERT_EQUAL(seen, 1 + K);
    /* a plain run after it: the identity is no TLB to show */
    machine_set_cr(h->r->m, CR_STATUS, SR_S);
    CPU(h->r)->pc = GBASE + GTVEC;
    CU_ASSERT_EQUAL(rig_run(h->r, 10), EXIT_HALT);
    machine_tlb_inspect_phys(h->r->m, phys);
    for (int i = 0; i < TLB_ENTRIES; i++)
        CU_ASSERT_FALSE(phys[i].valid);
    host_free(h);
}

/* The same program on the bare machine, paging on with the same tables at
 * host physical addresses: n = 2 per walk. */
static void test_walk_refs_native(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct pt p;
    pt_init(&p, r, GL1, GPOOL);
    pt_map(&p, GCODE, GCODE, PTE_V | PTE_R | PTE_X);
    for (uint32_t i = 0; i < K; i++)
        pt_map(&p, VDATA + i * PAGE_SIZE, GDATA + i * PAGE_SIZE, PTE_V | PTE_R);
    uint32_t w[7];
    CU_ASSERT_FATAL(asm_words(loads_src, GCODE, w, 7));
    rig_put(r, GCODE, w, 7);
    machine_set_cr(r->m, CR_PTB, GL1);
    machine_set_cr(r->m, CR_STATUS, SR_S | SR_PG);
    struct machine_counts c0, c1;
    machine_counts(r->m, &c0);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    machine_counts(r->m, &c1);
    CU_ASSERT_EQUAL(c1.walks - c0.walks, 1 + K);
    CU_ASSERT_EQUAL(c1.walk_refs - c0.walk_refs, (1 + K) * 2);
    CU_ASSERT_EQUAL(c1.guest_entries, 0);
    rig_free(r);
}

/* Rights: the guest's own refusal is its page fault, delivered inside; the
 * host's is an exit naming the guest-physical address. */
static void test_rights_both_stages(void)
{
    struct host *h = host_new(ISA_PG, true);
    gcode(h, "        lui r5, 0x81\n"
             "        addi r6, r0, 7\n"
             "        sw r6, 0(r5)\n"
             "        halt r0\n");
    gmap(h, VDATA, GDATA, PTE_V | PTE_R); /* the guest refuses the store */
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(h->r)->pc, GTVEC + 4); /* the guest's handler ran: no exit */
    CU_ASSERT_EQUAL(h->gc.cr[CR_CAUSE], CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE);
    CU_ASSERT_EQUAL(h->gc.cr[CR_BADADDR], VDATA);
    CU_ASSERT_EQUAL(h->gc.cr[CR_EPC], GCODE + 8);
    CU_ASSERT_EQUAL(gpeek(h, GDATA), 0);
    host_free(h);

    h = host_new(ISA_PG, true);
    gcode(h, "        lui r5, 0x81\n"
             "        addi r6, r0, 7\n"
             "        sw r6, 0(r5)\n"
             "        halt r0\n");
    gmap(h, VDATA, GDATA, PTE_V | PTE_R | PTE_W);
    pt_map(&h->nested, GDATA, GBASE + GDATA, PTE_V | PTE_R); /* the host refuses it */
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_NESTED_FAULT);
    struct vm_exit *x = &h->r->exit;
    CU_ASSERT_EQUAL(x->pc, GCODE + 8);
    CU_ASSERT_EQUAL(x->addr, GDATA);
    CU_ASSERT_EQUAL(x->guest_va, VDATA);
    CU_ASSERT_FALSE(x->in_walk);
    CU_ASSERT_EQUAL(x->cause, CAUSE_PAGE_FAULT | CAUSE_PROT | CAUSE_WRITE);
    CU_ASSERT_EQUAL(x->access, ACCESS_WRITE);
    CU_ASSERT_EQUAL(gpeek(h, GDATA), 0);
    CU_ASSERT_EQUAL(h->gc.cr[CR_CAUSE], 0); /* the guest saw nothing */
    host_free(h);
}

/* A guest table that points outside what the host maps: the walk's read
 * of the guest's level-2 entry exits, in_walk, and the guest sees nothing;
 * a user access has USER in the cause. */
static void test_fault_in_walk(void)
{
    struct host *h = host_new(ISA_X86LIKE, true);
    gcode(h, "        lui r5, 0x81\n"
             "        lw r6, 0(r5)\n"
             "        halt r0\n");
    uint32_t far = 0x00300000u; /* guest-physical, past the 256 KiB the host maps */
    gpoke(h, GL1 + 4 * (VDATA >> 22), far | PTE_V);
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_NESTED_FAULT);
    struct vm_exit *x = &h->r->exit;
    CU_ASSERT_EQUAL(x->addr, far + 4 * ((VDATA >> 12) & 0x3ff));
    CU_ASSERT(x->in_walk);
    CU_ASSERT_EQUAL(x->guest_va, VDATA);
    CU_ASSERT_EQUAL(x->cause, CAUSE_PAGE_FAULT); /* not present in the host table; a load */
    host_free(h);
}

/* What the guest's kernel does to its own state runs inside; what the
 * controls name exits before it runs, with the instruction decoded. */
static void test_intercepts(void)
{
    struct host *h = host_new(ISA_X86LIKE, false);
    gcode(h, "        addi r7, r0, 0x77\n"
             "        mtcr scratch, r7\n"
             "        mfcr r8, scratch\n"
             "        mtcr timer, r7\n"
             "        halt r0\n");
    h->gc.cr_write_exits = 1u << CR_TIMER;
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_INSN);
    struct vm_exit *x = &h->r->exit;
    CU_ASSERT_EQUAL(x->pc, GCODE + 12);
    CU_ASSERT(x->decoded);
    CU_ASSERT_EQUAL(x->fields.op, OP_MTCR);
    CU_ASSERT_EQUAL(x->fields.imm, CR_TIMER);
    CU_ASSERT_EQUAL(x->fields.ra, 7);
    CU_ASSERT_EQUAL(CPU(h->r)->r[8], 0x77);
    CU_ASSERT_EQUAL(h->gc.cr[CR_SCRATCH], 0x77); /* stored back at the exit */
    CU_ASSERT_EQUAL(CPU(h->r)->instret, 3);      /* the mtcr timer did not retire */
    /* the host emulates it (here: skips it) and enters again */
    CPU(h->r)->pc += 4;
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    host_free(h);

    /* By instruction; and in guest user mode privileged traps inside. */
    h = host_new(ISA_PG, false);
    gcode(h, "        tlbflush\n"
             "        halt r0\n");
    guest_control_exit_on_insn(&h->gc, OP_TLBFLUSH);
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_INSN);
    CU_ASSERT_EQUAL(h->r->exit.fields.op, OP_TLBFLUSH);
    CPU(h->r)->pc = GCODE;
    h->gc.cr[CR_STATUS] = 0; /* user mode */
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT); /* the guest's handler's halt */
    CU_ASSERT_EQUAL(h->gc.cr[CR_CAUSE], CAUSE_PRIV);
    CU_ASSERT_EQUAL(h->gc.cr[CR_EPC], GCODE);
    host_free(h);
}

/* Owned state: the guest reads its own PG and ptb, the CPU keeps the
 * host's, and only a write that would change them exits. */
static void test_owned_state(void)
{
    struct host *h = host_new(ISA_X86LIKE, false);
    h->gc.nested = false; /* the host's own translation: its ptb, its PG (off here) */
    /* guest-physical = host-physical without nested paging: code at GBASE+... is not where pc is */
    CPU(h->r)->pc = GBASE + GCODE;
    h->gc.cr[CR_TVEC] = GBASE + GTVEC;
    h->gc.status_owned = SR_PG;
    h->gc.ptb_owned = true;
    h->gc.cr[CR_STATUS] = SR_S | SR_PG; /* the guest believes paging is on */
    h->gc.cr[CR_PTB] = 0x00123000;
    machine_set_cr(h->r->m, CR_PTB, 0x00456000);
    gcode(h, "        rdsr r5\n"
             "        mfcr r6, status\n"
             "        rdptb r7\n"
             "        mfcr r8, ptb\n"
             "        ori r9, r5, 2\n"   /* IE on, PG as the guest reads it: runs */
             "        wrsr r9\n"
             "        addi r10, r0, 2\n" /* PG off: exits */
             "        mtcr status, r10\n"
             "        halt r0\n");
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_INSN);
    CU_ASSERT_EQUAL(CPU(h->r)->r[5], SR_S | SR_PG);
    CU_ASSERT_EQUAL(CPU(h->r)->r[6], SR_S | SR_PG);
    CU_ASSERT_EQUAL(CPU(h->r)->r[7], 0x00123000);
    CU_ASSERT_EQUAL(CPU(h->r)->r[8], 0x00123000);
    CU_ASSERT_EQUAL(h->r->exit.fields.op, OP_MTCR);
    CU_ASSERT_EQUAL(CPU(h->r)->pc, GBASE + GCODE + 28);
    CU_ASSERT_EQUAL(machine_get_cr(h->r->m, CR_STATUS), SR_S | SR_IE); /* PG: the host's, still off */
    CU_ASSERT_EQUAL(machine_get_cr(h->r->m, CR_PTB), 0x00456000);
    CU_ASSERT_EQUAL(h->gc.cr[CR_STATUS], SR_S | SR_IE | SR_PG);
    CU_ASSERT_EQUAL(h->gc.cr[CR_PTB], 0x00123000);
    /* a write of ptb exits, whatever the value */
    gpoke(h, GCODE + 28, enc(OP_MTCR, 7, 0, 0, CR_PTB));
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_INSN);
    CU_ASSERT_EQUAL(h->r->exit.fields.imm, CR_PTB);
    host_free(h);
}

/* The host's interrupt exits whatever the guest's IE; one that does not
 * exit waits for IE as on the bare machine. */
static void test_host_interrupt(void)
{
    struct host *h = host_new(ISA_PG, false);
    gcode(h, "loop:   addi r5, r5, 1\n"
             "        jal r0, loop\n");
    machine_arm_timer(h->r->m, 100);
    h->gc.cause_exits = EXIT_ON(CAUSE_TIMER);
    CU_ASSERT_EQUAL(enter(h, 100000), EXIT_INTERRUPT);
    CU_ASSERT_EQUAL(CAUSE_CODE(h->r->exit.cause), CAUSE_TIMER);
    CU_ASSERT(CPU(h->r)->instret >= 100 && CPU(h->r)->instret <= 101);
    CU_ASSERT_EQUAL(h->gc.cr[CR_STATUS] & SR_IE, 0);
    host_free(h);

    h = host_new(ISA_PG, false);
    gcode(h, "loop:   addi r5, r5, 1\n"
             "        jal r0, loop\n");
    machine_arm_timer(h->r->m, 100);
    CU_ASSERT_EQUAL(enter(h, 5000), EXIT_BUDGET); /* IE off, and it does not exit: pending */
    CU_ASSERT_EQUAL(h->gc.cr[CR_EPC], 0);
    host_free(h);
}

/* The interrupt window: at entry if IE is on, else right after the
 * instruction that turns it on. */
static void test_irq_window(void)
{
    struct host *h = host_new(ISA_PG, false);
    gcode(h, "        addi r5, r0, 3\n" /* S | IE */
             "        addi r6, r0, 1\n"
             "        mtcr status, r5\n"
             "        addi r6, r0, 2\n"
             "        halt r0\n");
    h->gc.irq_window = true;
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_IRQ_WINDOW);
    CU_ASSERT_EQUAL(CPU(h->r)->pc, GCODE + 12);
    CU_ASSERT_EQUAL(CPU(h->r)->r[6], 1);
    uint64_t at = CPU(h->r)->instret;
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_IRQ_WINDOW); /* still asked: at once */
    CU_ASSERT_EQUAL(CPU(h->r)->instret, at);
    h->gc.irq_window = false;
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(h->r)->r[6], 2);
    host_free(h);
}

/* The guest's own system calls never leave it: the point of the mode. */
static void test_syscall_inside(void)
{
    struct host *h = host_new(ISA_X86LIKE, true);
    gcode(h, "        syscall\n"
             "        halt r0\n");
    h->gc.cause_exits = EXIT_ON(CAUSE_TIMER) | EXIT_ON(CAUSE_PAGE_FAULT);
    uint64_t taken = machine_traps_taken(h->r->m);
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(h->r)->pc, GTVEC + 4);
    CU_ASSERT_EQUAL(h->gc.cr[CR_CAUSE], CAUSE_SYSCALL);
    CU_ASSERT_EQUAL(machine_traps_taken(h->r->m), taken + 1);
    host_free(h);
}

/* Another host table: the TLB holds nothing of the last one's. */
static void test_tlb_at_entry(void)
{
    struct host *h = host_new(ISA_PG, true);
    gcode(h, "        lui r5, 0x81\n"
             "        lw r6, 0(r5)\n"
             "        halt r0\n");
    gmap(h, VDATA, GDATA, PTE_V | PTE_R);
    gpoke(h, GDATA, 111);
    rig_poke32(h->r, 0x90000, 222);
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(h->r)->r[6], 111);
    /* a second host table, the same but GDATA at host 0x90000 */
    struct pt other;
    pt_init(&other, h->r, 0x30000, 0x31000);
    for (uint32_t gpa = 0; gpa < GSIZE; gpa += PAGE_SIZE)
        pt_map(&other, gpa, gpa == GDATA ? 0x90000 : GBASE + gpa, PTE_V | PTE_R | PTE_W | PTE_X);
    h->gc.nested_root = 0x30000;
    CPU(h->r)->pc = GCODE;
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(h->r)->r[6], 222);
    /* and back, with the same program: no stale entry either way */
    h->gc.nested_root = NL1;
    CPU(h->r)->pc = GCODE;
    CU_ASSERT_EQUAL(enter(h, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(CPU(h->r)->r[6], 111);
    /* a plain run after a nested one starts from an empty TLB as well */
    struct machine_counts c0 = counts(h);
    machine_set_cr(h->r->m, CR_STATUS, SR_S);
    CPU(h->r)->pc = GBASE + GTVEC;
    CU_ASSERT_EQUAL(rig_run(h->r, 10), EXIT_HALT);
    struct machine_counts c1 = counts(h);
    CU_ASSERT_EQUAL(c1.guest_entries, c0.guest_entries);
    host_free(h);
}

void suite_guestmode(void)
{
    CU_pSuite s = CU_add_suite("guestmode", NULL, NULL);
    CU_add_test(s, "nested walk: 8 references a miss (n*m + n + m)", test_walk_refs_nested);
    CU_add_test(s, "nested, guest paging off: 2 a miss", test_walk_refs_nested_paging_off);
    CU_add_test(s, "native walk: 2 a miss", test_walk_refs_native);
    CU_add_test(s, "the guest's refusal faults inside, the host's exits", test_rights_both_stages);
    CU_add_test(s, "a host refusal while walking the guest's table", test_fault_in_walk);
    CU_add_test(s, "intercepted instructions exit before they run", test_intercepts);
    CU_add_test(s, "owned ptb and PG: read shadows, writes that change them exit", test_owned_state);
    CU_add_test(s, "the host's interrupt exits whatever the guest's IE", test_host_interrupt);
    CU_add_test(s, "interrupt window", test_irq_window);
    CU_add_test(s, "a guest's system call is delivered inside", test_syscall_inside);
    CU_add_test(s, "another host table starts an empty TLB", test_tlb_at_entry);
}
