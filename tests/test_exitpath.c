/*
 * test_exitpath.c - the exit path's shortcuts (docs/performance.md
 * section 4), each checked against what it stands for.
 *
 * The TLB's sets tagged by root (machine_load_root): a host that switches
 * between page tables it owns finds each root's entries where it left
 * them - and only those: a flush (whole or one page) empties every set,
 * writing ptb untags them, frames that become code are write-protected in
 * every set, and the least recently loaded set is the one a new root
 * takes.  Entries are told apart by what they serve: each test changes a
 * page-table entry behind the TLB's back (no flush), so a load sees the
 * old frame if an entry survived and the new one if it was walked again.
 *
 * Devices left unpolled while quiet: a machine whose devices have nothing
 * pending and no event to come does not service them at each entry, and
 * the VMM does not look at a VM's at each exit; whatever the host does to
 * them between runs must still be seen.
 *
 * The decoded instruction handed to the VMM: the exit record of a
 * privileged instruction carries the fields the CPU decoded, which must
 * be what decoding the trapping word again gives.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "prog.h"
#include "pt.h"
#include "rig.h"

#define NROOTS (TLB_SETS + 2)
#define ROOT(k) (0x40000u + (uint32_t)(k) * 0x4000u) /* level-1 table; its level-2 tables follow */
#define DATA(k) (0x80000u + (uint32_t)(k) * 0x1000u) /* what root k maps at VA */
#define OTHER(k) (0xa0000u + (uint32_t)(k) * 0x1000u) /* what it is remapped to */
#define VA 0x12345000u
#define VA_STORE 0x00500000u /* root 0: the code frame, writable */
#define VA_EXEC 0x00600000u  /* root 1: the code frame, executable */
#define XFRAME 0x70000u
#define WORD(k) (0x1000u + (uint32_t)(k))
#define OTHER_WORD(k) (0x2000u + (uint32_t)(k))

/* Entry points of the program at CODE (user mode, every root maps it). */
enum { AT_LOAD = CODE, AT_STORE = CODE + 8 };

struct sets {
    struct rig *r;
    uint32_t leaf[NROOTS]; /* physical address of root k's entry for VA */
};

static void sets_init(struct sets *s)
{
    s->r = rig_new(ISA_PG, true);
    struct rig *r = s->r;
    const uint32_t ad = PTE_V | PTE_U | PTE_A | PTE_D;
    for (int k = 0; k < NROOTS; k++) {
        struct pt pt;
        pt_init(&pt, r, ROOT(k), ROOT(k) + PAGE_SIZE);
        pt_identity(&pt, CODE, 1, ad | PTE_R | PTE_X);
        s->leaf[k] = pt_map(&pt, VA, DATA(k), ad | PTE_R);
        if (k == 0)
            pt_map(&pt, VA_STORE, XFRAME, ad | PTE_R | PTE_W);
        if (k == 1)
            pt_map(&pt, VA_EXEC, XFRAME, ad | PTE_R | PTE_X);
        rig_poke32(r, DATA(k), WORD(k));
        rig_poke32(r, OTHER(k), OTHER_WORD(k));
    }
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_LW, 6, 5, 0, 0); /* AT_LOAD: r6 = [r5] */
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_op(&p, OP_SW, 7, 5, 0, 0); /* AT_STORE: [r5] = r7 */
    p_op(&p, OP_SYSCALL, 0, 0, 0, 0);
    p_load(&p, r);
    RIG_PUT(r, XFRAME, enc(OP_ADDI, 9, 0, 0, 1), enc(OP_SYSCALL, 0, 0, 0, 0));
    machine_set_cr(r->m, CR_STATUS, SR_PG); /* user mode, paging on */
}

static uint32_t *regs(struct sets *s) { return machine_cpu(s->r->m)->r; }

/* Run from pc to the next syscall. */
static void run_at(struct sets *s, uint32_t pc)
{
    CPU(s->r)->pc = pc;
    CU_ASSERT_EQUAL_FATAL(rig_run(s->r, 100), EXIT_TRAP);
    CU_ASSERT_EQUAL_FATAL(CAUSE_CODE(s->r->exit.cause), CAUSE_SYSCALL);
}

/* What root k's VA gives now. */
static uint32_t load_under(struct sets *s, int k)
{
    machine_load_root(s->r->m, ROOT(k));
    regs(s)[5] = VA;
    run_at(s, AT_LOAD);
    return regs(s)[6];
}

/* Root k's VA to its other frame, behind the TLB's back. */
static void remap(struct sets *s, int k)
{
    rig_poke32(s->r, s->leaf[k], OTHER(k) | PTE_V | PTE_U | PTE_A | PTE_D | PTE_R);
}

/* Each root's entries survive a switch to another and back, without a
 * flush; and a root never sees another's entry for the same page. */
static void test_sets_survive_switches(void)
{
    struct sets s;
    sets_init(&s);
    uint64_t flushes = machine_tlb_flushes(s.r->m);
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));
    remap(&s, 0);
    CU_ASSERT_EQUAL(load_under(&s, 1), WORD(1)); /* not root 0's entry for VA */
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0)); /* root 0's entry, kept: stale */
    CU_ASSERT_EQUAL(CRV(s.r, CR_PTB), ROOT(0));
    CU_ASSERT_EQUAL(machine_tlb_flushes(s.r->m), flushes);
    rig_free(s.r);
}

/* A flush, whole or of one page, made while another root is loaded,
 * empties every set. */
static void test_flush_empties_every_set(void)
{
    for (int page = 0; page < 2; page++) {
        struct sets s;
        sets_init(&s);
        CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));
        CU_ASSERT_EQUAL(load_under(&s, 1), WORD(1));
        remap(&s, 0);
        remap(&s, 1);
        if (page) {
            machine_tlb_flush_page(s.r->m, VA + 0x10);
            CU_ASSERT_EQUAL(load_under(&s, 1), OTHER_WORD(1));
        } else {
            machine_tlb_flush(s.r->m);
        }
        CU_ASSERT_EQUAL(load_under(&s, 0), OTHER_WORD(0));
        rig_free(s.r);
    }
}

/* A page flush of another page leaves every set's entry for VA. */
static void test_page_flush_of_other_page(void)
{
    struct sets s;
    sets_init(&s);
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));
    CU_ASSERT_EQUAL(load_under(&s, 1), WORD(1));
    remap(&s, 0);
    machine_tlb_flush_page(s.r->m, VA + PAGE_SIZE);
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));
    rig_free(s.r);
}

/* Writing ptb (mtcr's rule) flushes every set and untags them: what is
 * filled under it is never served to a root loaded later, even the one
 * the set was tagged with before. */
static void test_ptb_write_untags(void)
{
    struct sets s;
    sets_init(&s);
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));
    machine_set_cr(s.r->m, CR_PTB, ROOT(1));
    regs(&s)[5] = VA;
    run_at(&s, AT_LOAD);
    CU_ASSERT_EQUAL(regs(&s)[6], WORD(1)); /* filled under ROOT(1), in the set that was root 0's */
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));
    remap(&s, 1);
    CU_ASSERT_EQUAL(load_under(&s, 1), OTHER_WORD(1)); /* the fill under the write is not root 1's set */
    for (unsigned k = 0; k < TLB_SETS; k++) {
        struct tlb_set_view v;
        machine_tlb_inspect_set(s.r->m, k, &v);
        CU_ASSERT(!v.current || (v.tagged && v.root == ROOT(1)));
    }
    rig_free(s.r);
}

/* TLB_SETS roots keep their sets; one more takes the least recently
 * loaded root's set. */
static void test_sets_evict_least_recent(void)
{
    struct sets s;
    sets_init(&s);
    for (int k = 0; k < TLB_SETS; k++)
        CU_ASSERT_EQUAL(load_under(&s, k), WORD(k));
    for (int k = 0; k <= TLB_SETS; k++)
        remap(&s, k);
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));           /* all TLB_SETS kept */
    CU_ASSERT_EQUAL(load_under(&s, TLB_SETS), OTHER_WORD(TLB_SETS)); /* takes root 1's, the oldest */
    CU_ASSERT_EQUAL(load_under(&s, 2), WORD(2));
    CU_ASSERT_EQUAL(load_under(&s, 0), WORD(0));
    CU_ASSERT_EQUAL(load_under(&s, 1), OTHER_WORD(1)); /* evicted */
    int tagged = 0, current = 0;
    for (unsigned k = 0; k < TLB_SETS; k++) {
        struct tlb_set_view v;
        machine_tlb_inspect_set(s.r->m, k, &v);
        tagged += v.tagged;
        current += v.current;
        if (v.current)
            CU_ASSERT_EQUAL(v.root, ROOT(1));
    }
    CU_ASSERT_EQUAL(tagged, TLB_SETS);
    CU_ASSERT_EQUAL(current, 1);
    rig_free(s.r);
}

/* A frame that becomes code is write-protected in every set: a store
 * through another root's entry, filled while the frame was data, still
 * reaches the decoded instructions. */
static void test_code_frame_retags_every_set(void)
{
    struct sets s;
    sets_init(&s);
    struct rig *r = s.r;
    uint32_t one = enc(OP_ADDI, 9, 0, 0, 1), two = enc(OP_ADDI, 9, 0, 0, 2);
    machine_load_root(r->m, ROOT(0));
    regs(&s)[5] = VA_STORE;
    regs(&s)[7] = one;
    run_at(&s, AT_STORE); /* root 0's entry for the frame: writable, fast */
    machine_load_root(r->m, ROOT(1));
    run_at(&s, VA_EXEC); /* the frame decoded: code now */
    CU_ASSERT_EQUAL(regs(&s)[9], 1);
    machine_load_root(r->m, ROOT(0));
    regs(&s)[7] = two;
    run_at(&s, AT_STORE);
    machine_load_root(r->m, ROOT(1));
    run_at(&s, VA_EXEC);
    CU_ASSERT_EQUAL(regs(&s)[9], 2);
    rig_free(r);
}

/* --- devices left unpolled while quiet (machine.c, dev_quiet) --- */

/* The host arms the timer between two runs of a machine whose devices
 * were quiet (nothing pending, no event to come): the next run still
 * stops for it, after exactly as many instructions with machine_arm_timer
 * as with machine_set_cr, and as on a machine never run before. */
static void test_host_timer_on_quiet_machine(void)
{
    uint64_t ran[3];
    for (int how = 0; how < 3; how++) {
        struct rig *r = rig_new(ISA_PG, true);
        struct prog p;
        p_init(&p, CODE);
        p_op(&p, OP_ADDI, 1, 1, 0, 1);
        p_br(&p, OP_BEQ, 0, 0, CODE);
        p_load(&p, r);
        machine_set_cr(r->m, CR_STATUS, SR_IE); /* user mode, interrupts on */
        if (how > 0)
            CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_BUDGET); /* quiet from here */
        uint64_t before = CPU(r)->instret;
        if (how == 1)
            machine_arm_timer(r->m, 7);
        else
            machine_set_cr(r->m, CR_TIMER, 7);
        CU_ASSERT_EQUAL(rig_run(r, 100), EXIT_INTERRUPT);
        CU_ASSERT_EQUAL(r->exit.cause, CAUSE_TIMER);
        ran[how] = CPU(r)->instret - before;
        /* disarmed by the host: the next run goes to its budget */
        machine_arm_timer(r->m, 0);
        before = CPU(r)->instret;
        CU_ASSERT_EQUAL(rig_run(r, 50), EXIT_BUDGET);
        CU_ASSERT_EQUAL(CPU(r)->instret - before, 50);
        rig_free(r);
    }
    CU_ASSERT_EQUAL(ran[0], 7);
    CU_ASSERT_EQUAL(ran[1], ran[0]);
    CU_ASSERT_EQUAL(ran[2], ran[0]);
}

/* --- the decoded instruction in the exit record --- */

/* Every privileged instruction word of a few shapes (every register, r0
 * whose writes the decoder sends to a sink; immediates small and large),
 * executed in user mode on the VMM's kind of machine: the exit record's
 * fields are isa_decode's of its word. */
static void test_exit_fields_equal_decoding(void)
{
    static const uint32_t imms[] = {0, 1, 2, 3, 4, 5, 6, 7, 0x10, 0x11, 0x20, 0x21, 0x7fff, 0x8000, 0xffff};
    int checked = 0;
    for (int op = 0; op < OP_COUNT; op++) {
        if (!isa_insns[op].traps_in_user[ISA_PG])
            continue;
        for (uint32_t ra = 0; ra < NREGS; ra++)
            for (size_t i = 0; i < sizeof imms / sizeof *imms; i++) {
                uint32_t word = (uint32_t)isa_insns[op].code << 24 | ra << 20 | imms[i];
                struct isa_fields want;
                if (!isa_decode(word, &want))
                    continue;
                struct rig *r = rig_new(ISA_PG, true);
                machine_set_cr(r->m, CR_STATUS, 0); /* user mode: it traps */
                rig_poke32(r, CODE, word);
                CU_ASSERT_EQUAL(rig_run(r, 10), EXIT_TRAP);
                CU_ASSERT_EQUAL(CAUSE_CODE(r->exit.cause), CAUSE_PRIV);
                CU_ASSERT_EQUAL(r->exit.insn, word);
                CU_ASSERT(r->exit.decoded);
                const struct isa_fields *got = &r->exit.fields;
                if (got->op != want.op || got->ra != want.ra || got->rb != want.rb || got->rc != want.rc ||
                    got->imm != want.imm)
                    CU_FAIL("the exit's fields are not isa_decode's of its word");
                checked++;
                rig_free(r);
            }
    }
    CU_ASSERT(checked > 50);
}

/* Other traps carry no decoded instruction. */
static void test_exit_fields_only_for_privileged(void)
{
    struct rig *r = rig_new(ISA_PG, true);
    machine_set_cr(r->m, CR_STATUS, 0);
    RIG_PUT(r, CODE, enc(OP_SYSCALL, 0, 0, 0, 0));
    CU_ASSERT_EQUAL(rig_run(r, 10), EXIT_TRAP);
    CU_ASSERT_EQUAL(CAUSE_CODE(r->exit.cause), CAUSE_SYSCALL);
    CU_ASSERT(!r->exit.decoded);
    rig_free(r);
}

void suite_exitpath(void)
{
    CU_pSuite s = CU_add_suite("exitpath", NULL, NULL);
    CU_add_test(s, "root-tagged TLB sets survive switches; no root sees another's", test_sets_survive_switches);
    CU_add_test(s, "a flush or page flush under another root empties every set", test_flush_empties_every_set);
    CU_add_test(s, "a page flush of another page leaves the sets", test_page_flush_of_other_page);
    CU_add_test(s, "writing ptb untags the sets", test_ptb_write_untags);
    CU_add_test(s, "a root beyond TLB_SETS takes the least recently loaded set", test_sets_evict_least_recent);
    CU_add_test(s, "a frame that becomes code is write-protected in every set", test_code_frame_retags_every_set);
    CU_add_test(s, "the host's timer, armed between runs of a quiet machine, fires on time",
                test_host_timer_on_quiet_machine);
    CU_add_test(s, "a privileged instruction's exit carries isa_decode's fields of its word",
                test_exit_fields_equal_decoding);
    CU_add_test(s, "other exits carry no decoded instruction", test_exit_fields_only_for_privileged);
}
