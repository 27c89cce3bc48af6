/*
 * test_hostile.c - hostile guests (issue 10, part 3), suite `hostile`.
 *
 * Each guest in tests/guests/ tries one way out of its VM.  Each test
 * states what the bare machine must do, from the manual (docs/isa.md),
 * never from a VMM run: mostly the guest checks every result itself
 * against the manual's rules and prints one verdict, and the test knows
 * the verdict and the halt value it must end with.  Then the same guest
 * runs on the bare machine and under the VMM with every shadow policy and
 * the isolation checker on - under trap-and-emulate, and under hw (the
 * hardware guest mode) over shadows and over nested paging: the bare
 * machine must end as stated, and each
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
#include "broken_rule.h"
#include "guestrun.h"

/* What a hostile guest must do on the bare machine. */
struct expect {
    enum vm_state state;
    uint32_t value;     /* halt's value, or a double fault's cause */
    const char *output; /* NULL: not checked (the guest's own verdict is the value) */
};

/* Which of the guest's own checks failed: its verdicts are one character
 * each, '.' for a check that held; "" if the output is not that. */
static const char *failed_checks(const char *out, const char *want)
{
    static char b[200];
    size_t n = 0, first = 0;
    b[0] = '\0';
    if (!want)
        return b;
    for (size_t i = 0; out[i] && want[i] && want[i] == '.'; i++)
        if (out[i] != '.' && n++ == 0)
            first = i + 1;
    if (n)
        snprintf(b, sizeof b, "; the guest's check %zu failed%s (its verdicts: '.' held, else failed; "
                             "the checks are numbered in the guest's source)", first, n > 1 ? " first" : "");
    return b;
}

/* Run c on the bare machine, which must do what x says, then under the VMM
 * with every policy and the checker, which must do exactly the same. */
static void expect_everywhere(const char *name, struct guest_run c, const struct expect *x)
{
    struct guest_end bare, vmm;
    guest_run_bare(&c, &bare);
    bool ok = bare.state == x->state && bare.value == x->value && (!x->output || strcmp(bare.out, x->output) == 0);
    RULE(ok, "the bare machine did not do what the manual says",
         "%s 0x%x after %llu instructions, output \"%s\"; should be %s 0x%x, output \"%s\"%s - in guest %s (%s)",
         vm_state_name(bare.state), bare.value, (unsigned long long)bare.instret, say_text(bare.out),
         vm_state_name(x->state), x->value, x->output ? say_text(x->output) : "(any)",
         failed_checks(bare.out, x->output),
         name,
         isa_variant_name(c.isa));
    /* trap-and-emulate, then the hardware guest mode (docs/vmm.md 14),
     * with every shadow policy; and hw over nested paging (no policy) */
    static const struct {
        const char *technique, *mmu;
    } vmms[] = {{NULL, NULL}, {"hw", NULL}, {"hw", "nested"}};
    for (size_t t = 0; t < sizeof vmms / sizeof *vmms; t++)
        for (int p = 0; p < SHADOW_NPOLICIES; p++) {
            if (vmms[t].mmu && p != SHADOW_CACHE)
                continue;
            c.technique = vmms[t].technique;
            c.mmu = vmms[t].mmu;
            c.policy = (enum shadow_policy)p;
            c.check = true;
            guest_run_vmm(&c, &vmm);
            char what[200], who[160];
            snprintf(who, sizeof who, "guest %s (%s), %s%s%s", name, isa_variant_name(c.isa),
                     c.technique ? c.technique : "trap-and-emulate", c.technique ? ", " : ", ",
                     c.mmu ? "nested paging" : shadow_policy_name(c.policy));
            expect_vm_as_bare(&bare, &vmm, who, what, sizeof what);
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

/* tests/guests/GUEST.s run as c says (its image and variant set here), in
 * both ISA variants (the hostile guests use mfcr/mtcr for status, which
 * trap in both), does what x says everywhere. */
static void expect_in_both_variants(const char *guest, struct guest_run c, const struct expect *x)
{
    struct elf_image img;
    guest_image(guest, &img);
    c.image = &img;
    for (int isa = 0; isa < ISA_NVARIANTS; isa++) {
        c.isa = (enum isa_variant)isa;
        expect_everywhere(guest, c, x);
    }
    elf_free(&img);
}

/* A guest that checks itself: n verdicts that hold, and halt 0. */
static void expect_checks(const char *guest, uint32_t mem, unsigned n)
{
    expect_in_both_variants(guest, (struct guest_run){.mem = mem}, &(struct expect){VM_HALTED, 0, dots(n)});
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

/* --- DMA --- */

/* dma.s: the disk's DMA inside memory, across its end, past it, wrapping
 * round 2^32, from past the end, its last 512 bytes, from 0, across a page:
 * docs/isa.md 8.3 gives ok (0) exactly when the buffer is inside memory,
 * else bad-addr (3). */
static void test_dma_across_and_past_memory(void)
{
    uint8_t disk[4 * DISK_BLOCK_SIZE];
    for (unsigned i = 0; i < sizeof disk; i++)
        disk[i] = (uint8_t)(i * 7 + 1);
    const struct expect x = {VM_HALTED, 0, "03333000\n"};
    expect_in_both_variants("dma", (struct guest_run){.disk = disk, .disk_len = sizeof disk}, &x);
}

/* dmapt.s: DMA onto live page tables - both halves of a level-2 table's
 * first KiB, the root, across two tables - and from them.  95 checks: 16
 * pages as built; 2 DMA statuses and 16 pages after each of the two
 * rewrites of pt_x; 2 and 28 after the root's; 2 and 4 across pt_y and
 * pt_z; 1 and 2 across them again onto an entry in use (the second page of
 * a write); 2 and 2 from the tables. */
static void test_dma_onto_page_tables(void)
{
    uint8_t disk[4 * DISK_BLOCK_SIZE] = {0};
    struct expect x = {VM_HALTED, 0, dots(16 + 2 * (2 + 16) + 2 + 28 + 2 + 4 + 1 + 2 + 2 + 2)};
    expect_in_both_variants("dmapt", (struct guest_run){.disk = disk, .disk_len = sizeof disk}, &x);
}

/* --- garbage in ptb --- */

/* ptbjunk.s: 11 junk values through ptb with paging off (each read back,
 * and memory as before), a root with junk low bits, 3000 switches; then
 * the end its boot argument asks for: a double fault with the cause the
 * fetch of the handler raises (docs/isa.md 6, 7) or a halt. */
static void test_garbage_in_ptb(void)
{
    struct elf_image img;
    guest_image("ptbjunk", &img);
    static const struct {
        const char *boot;
        enum vm_state state;
        uint32_t cause;
    } ends[] = {
        {NULL, VM_HALTED, 0},
        {"past", VM_DOUBLE_FAULT, CAUSE_BUS_ERROR | CAUSE_FETCH},
        {"max", VM_DOUBLE_FAULT, CAUSE_BUS_ERROR | CAUSE_FETCH},
        {"zero", VM_DOUBLE_FAULT, CAUSE_PAGE_FAULT | CAUSE_FETCH},
    };
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        struct expect x = {ends[i].state, ends[i].cause, dots(11 * 2 + 2 + 1)};
        for (int isa = 0; isa < ISA_NVARIANTS; isa++)
            expect_everywhere("ptbjunk", (struct guest_run){.image = &img, .boot = ends[i].boot,
                                                           .isa = (enum isa_variant)isa},
                              &x);
    }
    elf_free(&img);
    /* badptb.s: the same end with paging turned on by wrsr (pg only: on
     * x86like wrsr does not trap, the x86 problem of docs/vmm.md 10) */
    guest_image("badptb", &img);
    struct expect x = {VM_DOUBLE_FAULT, CAUSE_BUS_ERROR | CAUSE_FETCH, ""};
    expect_everywhere("badptb", (struct guest_run){.image = &img}, &x);
    elf_free(&img);
}

/* --- exit floods --- */

/* flood.s: two million privileged instructions, 20000 stores into a live
 * page table, 20000 ptb writes round 48 roots, each checked: under a
 * limit of 16 shadow frames (the checker holds the VMM to it and to its
 * books after every exit), it must finish as the bare machine does. */
static void test_exit_floods(void)
{
    struct elf_image img;
    guest_image("flood", &img);
    struct guest_run c = {.image = &img, .shadow_frames = 16};
    struct guest_end bare, vmm;
    guest_run_bare(&c, &bare);
    CU_ASSERT_EQUAL(bare.state, VM_HALTED);
    CU_ASSERT_EQUAL(bare.value, 0);
    CU_ASSERT_STRING_EQUAL(bare.out, dots(3));
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        c.policy = (enum shadow_policy)p;
        c.check = true;
        guest_run_vmm(&c, &vmm);
        char what[200];
        guest_end_diff(&bare, &vmm, what, sizeof what);
        RULE(!what[0], "under the VMM the guest ended differently from the bare machine",
             "%s - in guest flood, %s shadows",
             what, shadow_policy_name(c.policy));
        uint64_t exits = 0;
        for (int k = 0; k < VMX_COUNT; k++)
            exits += vmm.stats.exits[k];
        CU_ASSERT(exits > 2000000);                 /* it was a flood */
        CU_ASSERT(vmm.stats.shadow_flushes > 1);    /* that ran into the limit */
        CU_ASSERT_EQUAL(vmm.audit, 0);
        CU_ASSERT_EQUAL(vmm.free_after, vmm.free_before);
        guest_end_free(&vmm);
    }
    guest_end_free(&bare);
    elf_free(&img);
}

/* --- every undefined opcode and illegal encoding --- */

/* The words the manual calls illegal (docs/isa.md 3), from the one
 * instruction table: every opcode byte no row has, and for each row, a
 * field its form does not use set, a shift amount above 31, a control
 * register above 7. */
static size_t illegal_words(uint32_t *w, size_t max)
{
    size_t n = 0;
#define ADD(x)                                                                 \
    do {                                                                       \
        CU_ASSERT_FATAL(n < max);                                              \
        w[n++] = (x);                                                          \
    } while (0)
    bool defined[256] = {false};
    for (int op = 0; op < OP_COUNT; op++)
        defined[isa_insns[op].code] = true;
    for (unsigned b = 0; b < 256; b++)
        if (!defined[b]) {
            ADD(b << 24);
            ADD(b << 24 | 0x00ffffffu);
            ADD(b << 24 | 0x00123456u);
        }
    for (int op = 0; op < OP_COUNT; op++) {
        const struct isa_insn *in = &isa_insns[op];
        uint32_t base = (uint32_t)in->code << 24;
        int nregs = isa_form_nregs(in->form);
        if (in->form == FORM_J)
            continue; /* ra and a 20-bit immediate: every bit is a field */
        if (in->form == FORM_RRR) {
            ADD(base | 0x001u);
            ADD(base | 0x800u);
            ADD(base | 0xfffu);
            continue;
        }
        if (nregs < 1) {
            ADD(base | 1u << 20);
            ADD(base | 15u << 20);
        }
        if (nregs < 2) {
            ADD(base | 1u << 16);
            ADD(base | 15u << 16);
        }
        switch (in->imm) {
        case IMM_NONE:
            ADD(base | 0x0001u);
            ADD(base | 0x8000u);
            ADD(base | 0xffffu);
            break;
        case IMM_U5:
            ADD(base | 32u);
            ADD(base | 0x8000u | 5u);
            ADD(base | 0xffe0u);
            break;
        case IMM_CR:
            ADD(base | NCRS);
            ADD(base | 0x100u);
            ADD(base | 0xffffu);
            break;
        default:
            break;
        }
    }
#undef ADD
    return n;
}

/* wordexec.s runs each of them in supervisor and user mode, paging off
 * and on: every one must raise `illegal` with the word in badaddr and its
 * address in epc, never `privileged`, in both ISA variants. */
static void test_undefined_and_illegal_encodings(void)
{
    static uint32_t words[1 + 2048];
    size_t n = illegal_words(words + 1, 2048);
    words[0] = (uint32_t)n;
    size_t len = ((n + 1) * 4 + DISK_BLOCK_SIZE - 1) / DISK_BLOCK_SIZE * DISK_BLOCK_SIZE;
    uint8_t *disk = calloc(1, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(disk);
    for (size_t i = 0; i <= n; i++)
        for (int b = 0; b < 4; b++)
            disk[4 * i + (size_t)b] = (uint8_t)(words[i] >> (8 * b));
    char want[4200]; /* dots() may be 4 KiB */
    snprintf(want, sizeof want, "%zu %s", n, dots(4));
    struct expect x = {VM_HALTED, 0, want};
    expect_in_both_variants("wordexec", (struct guest_run){.disk = disk, .disk_len = len}, &x);
    CU_ASSERT(n > 700); /* 198 undefined opcodes x 3, and the encodings */
    free(disk);
}

/* --- misaligned accesses --- */

/* unaligned.s: at each of the 32 page boundaries from 0, every misaligned
 * offset within 3 bytes for lw, sw and jalr (6), lh, lhu and sh (4) and
 * rfe (6): 36, in 2 modes x paging off and on: 4608 accesses, one verdict
 * per mode and kind (28). */
static void test_misaligned_at_every_boundary(void)
{
    char want[4200]; /* dots() may be 4 KiB */
    snprintf(want, sizeof want, "%s%u\n", dots(4 * 7), 32u * 36u * 4u);
    struct expect x = {VM_HALTED, 0, want};
    expect_in_both_variants("unaligned", (struct guest_run){0}, &x);
}

/* --- one VM against another --- */

/* What attacker.s's DMA sweep must get (docs/isa.md 8.3: ok exactly when
 * the 512 bytes are inside memory; it reads into memory only where that
 * must be refused): every 512 bytes up to twice the memory, every MiB up
 * to 4 GiB, five addresses at the top, and the two just short of the end. */
static void attacker_dma(uint32_t mem, unsigned *ok, unsigned *refused)
{
    static const uint32_t top[] = {0xfffffe00u, 0xfffffe01u, 0xffffff00u, 0xfffffffcu, 0xffffffffu};
    uint32_t addrs[16384];
    size_t n = 0;
    for (uint64_t a = 0; a < 2ull * mem; a += 512)
        addrs[n++] = (uint32_t)a;
    for (uint64_t a = 1u << 20; a < 1ull << 32; a += 1u << 20)
        addrs[n++] = (uint32_t)a;
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        addrs[n++] = top[i];
    addrs[n++] = mem - 511;
    addrs[n++] = mem - 1;
    CU_ASSERT_FATAL(n <= sizeof addrs / sizeof addrs[0]);
    *ok = *refused = 0;
    for (size_t i = 0; i < n; i++) {
        bool inside = (uint64_t)addrs[i] + 512 <= mem;
        *ok += inside;
        *refused += inside ? 0 : 2; /* memory to disk, then disk to memory */
    }
}

/* attacker.s beside victim.s in one VMM, time-shared every 997
 * instructions, under every policy with the checker on: the attacker maps
 * every frame number up to 2^20, scans and overwrites all it reaches, aims
 * DMA everywhere and ptb everywhere.  What the bare machine must do with
 * it is stated from the manual (a bus error for each of the 2^20 - 256
 * frame numbers past its memory, DMA as 8.3 says, the secret never seen);
 * under the VMM both must end exactly as each does alone on the bare
 * machine - the victim's memory, disk and output included - with the
 * checker silent, and every host frame back on the free list after. */
static void test_attacker_and_victim(void)
{
    struct elf_image att, vic;
    guest_image("attacker", &att);
    guest_image("victim", &vic);
    const uint32_t mem = GUESTRUN_MEM, frames = mem / PAGE_SIZE;
    const struct elf_symbol *end = elf_symbol_named(&att, "attack_end");
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    unsigned ok, refused;
    attacker_dma(mem, &ok, &refused);
    char want[4600]; /* dots() may be 4 KiB */
    snprintf(want, sizeof want,
             "map: %u bus errors, %u pages overwritten, secret seen 0\n"
             "dma: %u ok, %u refused, secret seen 0\n"
             "ptb: %u values\n%s",
             (1u << 20) - frames, frames - (end->value + PAGE_SIZE - 1) / PAGE_SIZE, ok, refused, (1u << 20) / 64,
             dots(6));
    uint8_t disk_a[4 * DISK_BLOCK_SIZE] = {0}, disk_v[4 * DISK_BLOCK_SIZE] = {0};

    struct guest_end bare_a, bare_v;
    guest_run_bare(&(struct guest_run){.image = &att, .disk = disk_a, .disk_len = sizeof disk_a}, &bare_a);
    guest_run_bare(&(struct guest_run){.image = &vic, .disk = disk_v, .disk_len = sizeof disk_v}, &bare_v);
    CU_ASSERT_EQUAL(bare_a.state, VM_HALTED);
    CU_ASSERT_EQUAL(bare_a.value, 0);
    CU_ASSERT_STRING_EQUAL(bare_a.out, want);
    CU_ASSERT_EQUAL(bare_v.state, VM_HALTED);
    CU_ASSERT_EQUAL(bare_v.value, 0);
    CU_ASSERT_STRING_EQUAL(bare_v.out, "victim: 0 secret words changed\n");

    /* every policy under trap-and-emulate, then hw over cached shadows and
     * over nested paging (the last two "policies") */
    for (int k = 0; k < SHADOW_NPOLICIES + 2; k++) {
        int p = k < SHADOW_NPOLICIES ? k : SHADOW_CACHE;
        char err[300];
        struct vmm_config vc = {.isa = ISA_PG, .policy = (enum shadow_policy)p, .quantum = 997,
                                .shadow_frames = 256, .check_isolation = true,
                                .technique = k < SHADOW_NPOLICIES ? NULL : "hw",
                                .mmu = k == SHADOW_NPOLICIES + 1 ? "nested" : NULL};
        struct vmm *v = vmm_new(&vc, 2 * mem + (2 * 256 + 1) * PAGE_SIZE, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        uint32_t free_before = vmm_free_frames(v);
        struct capture oa = {0}, ov = {0};
        struct vm_config ca = {.name = "attacker", .mem_size = mem, .image = &att, .disk = disk_a,
                               .disk_len = sizeof disk_a, .max_insns = GUESTRUN_LIMIT,
                               .io = {.ctx = &oa, .write = capture_write}};
        struct vm_config cv = {.name = "victim", .mem_size = mem, .image = &vic, .disk = disk_v,
                               .disk_len = sizeof disk_v, .max_insns = GUESTRUN_LIMIT,
                               .io = {.ctx = &ov, .write = capture_write}};
        struct vm *a = vmm_add_vm(v, &ca, err, sizeof err), *w = vmm_add_vm(v, &cv, err, sizeof err);
        CU_ASSERT_FATAL(a && w);
        /* the victim's frames follow the attacker's: "just past the end" is the victim */
        CU_ASSERT_EQUAL(vm_host_frame(w, 0), vm_host_frame(a, frames - 1) + 1);
        vmm_run(v);
        struct guest_end end_a, end_v;
        guest_end_of(a, &oa, &end_a);
        guest_end_of(w, &ov, &end_v);
        char what[200];
        guest_end_diff(&bare_a, &end_a, what, sizeof what);
        RULE(!what[0], "the attacking VM ended differently from the same guest alone on the bare machine",
             "%s%s%s - %s shadows%s", what, end_a.state == VM_ISOLATION ? ": " : "",
             end_a.state == VM_ISOLATION ? end_a.violation.text : "", shadow_policy_name((enum shadow_policy)p),
             k < SHADOW_NPOLICIES ? "" : k == SHADOW_NPOLICIES ? ", hw" : ", hw, nested paging");
        guest_end_diff(&bare_v, &end_v, what, sizeof what);
        RULE(!what[0], "the victim VM ended differently from alone on the bare machine: the attacker reached it",
             "%s%s%s - %s shadows%s", what, end_v.state == VM_ISOLATION ? ": " : "",
             end_v.state == VM_ISOLATION ? end_v.violation.text : "", shadow_policy_name((enum shadow_policy)p),
             k < SHADOW_NPOLICIES ? "" : k == SHADOW_NPOLICIES ? ", hw" : ", hw, nested paging");
        CU_ASSERT(vm_stats(a)->exits[VMX_TIMER] > 100); /* they really took turns */
        expect_audit_clean(v, "every VM of the test");
        vmm_remove_vm(v, a);
        vmm_remove_vm(v, w);
        CU_ASSERT_EQUAL(vmm_free_frames(v), free_before);
        expect_audit_clean(v, "every VM of the test");
        guest_end_free(&end_a);
        guest_end_free(&end_v);
        vmm_free(v);
    }
    guest_end_free(&bare_a);
    guest_end_free(&bare_v);
    elf_free(&att);
    elf_free(&vic);
}

/* shadowpeek.s learns the host address of the page table the real MMU
 * walks - on x86like rdptb does not trap (docs/isa.md 10), so under the
 * VMM it returns the real ptb, its shadow root - and goes for it with a
 * page-table entry and with DMA.  The manual says what the frame number
 * gets (a bus error and bad-addr past memory; inside, its own frame): 5
 * checks, and halt 0.  Under the VMM, with every policy and the checker,
 * it must hold that number in s0, a shadow table of this VM past its
 * memory, and reach nothing: the checker silent, the audit clean.  (The
 * bare machine's rdptb is the root it wrote, inside its memory, so the
 * two runs take different branches: that is the x86 problem itself.) */
static void test_guest_learns_its_shadow_root(void)
{
    struct elf_image img;
    guest_image("shadowpeek", &img);
    uint8_t disk[DISK_BLOCK_SIZE] = {0};
    struct guest_end bare;
    guest_run_bare(&(struct guest_run){.image = &img, .isa = ISA_X86LIKE, .disk = disk, .disk_len = sizeof disk},
                   &bare);
    CU_ASSERT_EQUAL(bare.state, VM_HALTED);
    CU_ASSERT_EQUAL(bare.value, 0);
    CU_ASSERT_STRING_EQUAL(bare.out, dots(5));
    guest_end_free(&bare);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        char err[300];
        struct vmm_config vc = {.isa = ISA_X86LIKE, .policy = (enum shadow_policy)p, .check_isolation = true,
                                .shadow_frames = 64};
        struct vmm *v = vmm_new(&vc, GUESTRUN_MEM + 65 * PAGE_SIZE, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        struct capture out = {0};
        struct vm_config c = {.name = "peek", .mem_size = GUESTRUN_MEM, .image = &img, .disk = disk,
                              .disk_len = sizeof disk, .io = {.ctx = &out, .write = capture_write}};
        struct vm *vm = vmm_add_vm(v, &c, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
        vmm_run(v);
        CU_ASSERT_EQUAL(vm_state(vm), VM_HALTED);
        CU_ASSERT_EQUAL(vm_exit_value(vm), 0);
        CU_ASSERT_STRING_EQUAL(captured(&out), dots(5));
        if (vm_state(vm) != VM_HALTED)
            fprintf(stderr, "\nshadowpeek (%s): %s\n", shadow_policy_name((enum shadow_policy)p), vm_message(vm));
        uint32_t regs[NREGS], pc, crs[NCRS];
        vm_regs(vm, regs, &pc, crs);
        int owner;
        uint32_t hfn = regs[8] >> PAGE_SHIFT; /* s0: what rdptb gave */
        CU_ASSERT(hfn >= GUESTRUN_MEM / PAGE_SIZE);
        CU_ASSERT_EQUAL(vmm_frame_owner(v, hfn, &owner), FRAME_SHADOW);
        CU_ASSERT_EQUAL(owner, vm_id(vm));
        CU_ASSERT_NOT_EQUAL(regs[8], crs[CR_PTB]); /* not the root it wrote */
        expect_audit_clean(v, "every VM of the test");
        free(out.buf);
        vmm_free(v);
    }
    elf_free(&img);
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
        CU_ASSERT_STRING_EQUAL(captured(&out), "P");

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
        CU_ASSERT_STRING_EQUAL(captured(&out), "P ok\n");
        uint32_t after;
        CU_ASSERT(vm_read_phys(b, 0x1000, &after, 4));
        CU_ASSERT_EQUAL(after, entry);
        if (after != entry)
            fprintf(stderr, "\nrmapstale (%s): VM a's VMM wrote VM b's memory: 0x%08x became 0x%08x\n",
                    shadow_policy_name((enum shadow_policy)p), entry, after);
        expect_audit_clean(v, "every VM of the test");
        free(out.buf);
        elf_free(&other);
        vmm_free(v);
    }
    elf_free(&img);
}

void suite_hostile(void)
{
    CU_pSuite s = rule_suite("hostile", NULL, NULL);
    CU_add_test(s, "page-table entries past memory, and windows onto the tables", test_entries_beyond_memory_and_at_tables);
    CU_add_test(s, "self-referencing, cyclic and shared page tables", test_self_referencing_and_cyclic_tables);
    CU_add_test(s, "DMA across and past the end of memory", test_dma_across_and_past_memory);
    CU_add_test(s, "DMA onto the guest's own page tables", test_dma_onto_page_tables);
    CU_add_test(s, "garbage in ptb", test_garbage_in_ptb);
    CU_add_test(s, "exit floods within a shadow-frame limit", test_exit_floods);
    CU_add_test(s, "every undefined opcode and illegal encoding", test_undefined_and_illegal_encodings);
    CU_add_test(s, "misaligned accesses at every page boundary", test_misaligned_at_every_boundary);
    CU_add_test(s, "one VM tries everything against another", test_attacker_and_victim);
    CU_add_test(s, "x86like: a guest that learns its shadow root's address cannot reach it",
                test_guest_learns_its_shadow_root);
    CU_add_test(s, "dropped shadow tables: the VMM never writes their frames", test_rmap_stale_alone);
    CU_add_test(s, "dropped shadow tables: another VM's memory made of them keeps every byte",
                test_rmap_stale_other_vm);
}
