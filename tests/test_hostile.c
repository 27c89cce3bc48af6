/*
 * test_hostile.c - hostile guests (issue 10, part 3), suite `hostile`.
 *
 * Each guest in tests/guests/ tries one way out of its VM.  Each test
 * states what the bare machine must do, from the manual (docs/isa.md),
 * never from a VMM run: mostly the guest checks every result itself
 * against the manual's rules and prints one verdict, and the test knows
 * the verdict and the halt value it must end with.  Then the same guest
 * runs on the bare machine and under the VMM with every shadow policy and
 * the isolation checker on: the bare machine must end as stated, and each
 * VM exactly as the bare machine (how it stopped, counts, registers,
 * output, memory, disk), with the checker silent, the shadow audit clean,
 * and every host frame back on the free list once the VM is removed
 * (xv6's usertests count free pages the same way).
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "guestrun.h"

/* What a hostile guest must do on the bare machine. */
struct expect {
    enum vm_state state;
    uint32_t value;     /* halt's value, or a double fault's cause */
    const char *output; /* NULL: not checked (the guest's own verdict is the value) */
};

static void say_end(const char *what, const struct guest_end *e)
{
    fprintf(stderr, "\n  %s: %s 0x%x after %" PRIu64 " instructions, output \"%.200s\"", what,
            vm_state_name(e->state), e->value, e->instret, e->out);
    if (e->state == VM_ISOLATION)
        fprintf(stderr, "\n  %s", e->violation.text);
}

/* Run c on the bare machine, which must do what x says, then under the VMM
 * with every policy and the checker, which must do exactly the same. */
static void expect_everywhere(const char *name, struct guest_run c, const struct expect *x)
{
    struct guest_end bare, vmm;
    guest_run_bare(&c, &bare);
    bool ok = bare.state == x->state && bare.value == x->value && (!x->output || strcmp(bare.out, x->output) == 0);
    CU_ASSERT(ok);
    if (!ok) {
        fprintf(stderr, "\n%s: the bare machine does not do what the manual says (want %s 0x%x \"%s\")", name,
                vm_state_name(x->state), x->value, x->output ? x->output : "");
        say_end("bare", &bare);
    }
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        c.policy = (enum shadow_policy)p;
        c.check = true;
        guest_run_vmm(&c, &vmm);
        char what[200];
        guest_end_diff(&bare, &vmm, what, sizeof what);
        CU_ASSERT_STRING_EQUAL(what, "");
        CU_ASSERT_EQUAL(vmm.audit, 0);
        CU_ASSERT_EQUAL(vmm.audit_after, 0);
        CU_ASSERT_EQUAL(vmm.free_after, vmm.free_before);
        if (what[0] || vmm.audit || vmm.audit_after || vmm.free_after != vmm.free_before) {
            fprintf(stderr, "\n%s under the VMM (%s, %s): %s; audit %u; host frames free %u before, %u after", name,
                    shadow_policy_name(c.policy), isa_variant_name(c.isa), what, vmm.audit, vmm.free_before,
                    vmm.free_after);
            say_end("vmm", &vmm);
        }
        guest_end_free(&vmm);
    }
    guest_end_free(&bare);
}

/* n verdicts that hold, as hostile.inc prints them, and its newline. */
static const char *dots(unsigned n)
{
    static char buf[4096];
    CU_ASSERT_FATAL(n + 2 <= sizeof buf);
    memset(buf, '.', n);
    strcpy(buf + n, "\n");
    return buf;
}

/* A guest that checks itself: n verdicts that hold, and halt 0, in both
 * ISA variants (the hostile guests use mfcr/mtcr for status, which trap
 * in both). */
static void expect_checks(const char *guest, uint32_t mem, unsigned n)
{
    struct elf_image img;
    guest_image(guest, &img);
    struct expect x = {VM_HALTED, 0, dots(n)};
    for (int isa = 0; isa < ISA_NVARIANTS; isa++)
        expect_everywhere(guest, (struct guest_run){.image = &img, .mem = mem, .isa = (enum isa_variant)isa}, &x);
    elf_free(&img);
}

/* --- page-table entries beyond memory, and at the page tables --- */

/* ptebeyond.s: 6 frame numbers past the end of memory, 7 checks each
 * (load, store and jump are bus errors; A stays clear; user mode; no V is
 * a page fault; a level-1 entry past memory), then 13 checks of the tables
 * edited through windows onto themselves. */
static void test_entries_beyond_memory_and_at_tables(void)
{
    expect_checks("ptebeyond", GUESTRUN_MEM, 6 * 7 + 13);
    expect_checks("ptebeyond", 64u << 10, 6 * 7 + 13); /* a small memory: other frames are past it */
}

/* selfref.s: the root as its own level-2 table (8 checks), two roots that
 * are each other's (7), one level-2 table behind 16 slots of both roots
 * (4 x 16 reads, 3 user-mode checks). */
static void test_self_referencing_and_cyclic_tables(void)
{
    expect_checks("selfref", GUESTRUN_MEM, 8 + 7 + 4 * 16 + 3);
}

/* --- the VMM's reverse map of writable entries (a bug the checker found) --- */

static const struct expect rmapstale_ok = {VM_HALTED, 0, "P ok\n"};

/* rmapstale.s drops two shadow tables whose frames the reverse map still
 * points into, then makes the VMM downgrade the writable mappings of a
 * page that becomes a table.  Alone, the VMM must not write to the freed
 * frames (the checker reports any write to a frame the VM does not own). */
static void test_rmap_stale_alone(void)
{
    struct elf_image img;
    guest_image("rmapstale", &img);
    expect_everywhere("rmapstale", (struct guest_run){.image = &img}, &rmapstale_ok);
    elf_free(&img);
}

/* The bare machine's instruction count when the guest's output first
 * holds `mark`. */
static uint64_t instret_at_output(const struct elf_image *img, char mark)
{
    char err[300];
    struct machine_config mc = {.mem_size = GUESTRUN_MEM, .isa = ISA_PG};
    struct machine *m = machine_new(&mc, err, sizeof err);
    CU_ASSERT_FATAL(m && elf_boot(m, img, NULL, err, sizeof err));
    struct capture cap = {0};
    machine_set_console(m, &(struct console_io){.ctx = &cap, .write = capture_write});
    struct vm_exit x;
    while (!(cap.buf && strchr(cap.buf, mark)) && machine_run(m, 1, &x) == EXIT_BUDGET)
        ;
    uint64_t n = machine_cpu(m)->instret;
    CU_ASSERT(cap.buf && strchr(cap.buf, mark));
    free(cap.buf);
    machine_free(m);
    return n;
}

/* The same, with a second VM made while the first stands at its "P": the
 * new VM's memory is made of the frames just freed, the second of which
 * holds, at its start, what the dropped table held there - a writable entry
 * for the page about to become a table.  The first VM must end as on the
 * bare machine, and the second VM's memory must keep every byte. */
static void test_rmap_stale_other_vm(void)
{
    struct elf_image img, other;
    guest_image("rmapstale", &img);
    const struct elf_symbol *x_page = elf_symbol_named(&img, "x_page");
    CU_ASSERT_PTR_NOT_NULL_FATAL(x_page);
    uint64_t pause = instret_at_output(&img, 'P');
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        char err[300];
        struct vmm_config vc = {.isa = ISA_PG, .policy = (enum shadow_policy)p, .shadow_frames = 64};
        struct vmm *v = vmm_new(&vc, 4u << 20, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        struct capture out = {0};
        struct vm_config ca = {.name = "a", .mem_size = GUESTRUN_MEM, .image = &img,
                               .io = {.ctx = &out, .write = capture_write}};
        struct vm *a = vmm_add_vm(v, &ca, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        vmm_run_vm_until(v, a, pause);
        CU_ASSERT_STRING_EQUAL(out.buf, "P");

        /* word 0 of the new VM's second page: the entry the reverse map
         * remembers, as it was (x_page writable in VM a) */
        uint32_t entry = vm_host_frame(a, x_page->value >> PAGE_SHIFT) << PAGE_SHIFT | PTE_V | PTE_R | PTE_W | PTE_A |
                         PTE_D;
        char src[200];
        snprintf(src, sizeof src, "        .org 0x1000\n        .word 0x%08x\n", entry);
        struct asm_result res;
        CU_ASSERT_FATAL(asm_text(src, &res));
        CU_ASSERT_FATAL(elf_read_mem(res.elf, res.elf_len, &other, err, sizeof err));
        asm_result_free(&res);
        struct vm_config cb = {.name = "b", .mem_size = 2 * PAGE_SIZE, .image = &other};
        struct vm *b = vmm_add_vm(v, &cb, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        uint32_t before;
        CU_ASSERT(vm_read_phys(b, 0x1000, &before, 4));
        CU_ASSERT_EQUAL(before, entry);

        vmm_run(v); /* b double-faults at once: its entry point holds no instruction */
        CU_ASSERT_EQUAL(vm_state(a), VM_HALTED);
        CU_ASSERT_EQUAL(vm_exit_value(a), 0);
        CU_ASSERT_STRING_EQUAL(out.buf, "P ok\n");
        uint32_t after;
        CU_ASSERT(vm_read_phys(b, 0x1000, &after, 4));
        CU_ASSERT_EQUAL(after, entry);
        if (after != entry)
            fprintf(stderr, "\nrmapstale (%s): VM a's VMM wrote VM b's memory: 0x%08x became 0x%08x\n",
                    shadow_policy_name((enum shadow_policy)p), entry, after);
        CU_ASSERT_EQUAL(vmm_audit(v, stderr), 0);
        free(out.buf);
        elf_free(&other);
        vmm_free(v);
    }
    elf_free(&img);
}

void suite_hostile(void)
{
    CU_pSuite s = CU_add_suite("hostile", NULL, NULL);
    CU_add_test(s, "page-table entries past memory, and windows onto the tables", test_entries_beyond_memory_and_at_tables);
    CU_add_test(s, "self-referencing, cyclic and shared page tables", test_self_referencing_and_cyclic_tables);
    CU_add_test(s, "dropped shadow tables: the VMM never writes their frames", test_rmap_stale_alone);
    CU_add_test(s, "dropped shadow tables: another VM's memory made of them keeps every byte",
                test_rmap_stale_other_vm);
}
