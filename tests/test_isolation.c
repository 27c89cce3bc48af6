/*
 * test_isolation.c - the isolation checker (vmm_config.check_isolation,
 * vmm/isolation.c), suite `isolation`:
 *   - on a correct VMM it stays silent, and changes nothing a guest sees:
 *     every test guest ends as on the bare machine, under every policy,
 *     with incremental checks and with a whole audit after every exit;
 *   - on a VMM broken on purpose (vmm_config.inject) it stops the VM at
 *     the exit that broke isolation, with a report that names the rule and
 *     the objects: each negative control must be caught, and caught at the
 *     same exit by the incremental checks as by whole audits (a checker
 *     that never fires proves nothing);
 *   - every write the VMM makes to host memory goes through a path it
 *     watches (what makes the incremental checks enough);
 *   - vrun --check-isolation.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "asmtest.h"
#include "broken_rule.h"
#include "guestrun.h"
#include "runvrun.h"

#define ALL_EXITS 1u               /* full_every: a whole audit after every exit */
#define NEVER_WHOLE 0xffffffffu    /* full_every: only incremental checks (and the end) */

static const char *const policy_names[] = {"rebuild", "demand", "cache"};

/* --- silence --- */

struct silent_case {
    const char *guest, *boot;
    uint32_t mem, shadow_frames;
    unsigned disk_blocks;
    bool every_exit; /* also with a whole audit after every exit (small guests) */
};

static const struct silent_case silent_cases[] = {
    {"paging", NULL, 0, 0, 0, true},     {"irq", NULL, 0, 0, 0, true},
    {"isocheck", NULL, 0, 0, 1, true},   {"rmapstale", NULL, 0, 0, 0, true},
    {"badptb", NULL, 0, 0, 0, true},     {"dma", NULL, 0, 0, 4, true},
    {"chaos", "a", 0, 0, 0, true},       {"chaos", "b", 0, 0, 0, false},
    {"chaos", "q", 0, 0, 0, false},      {"chaos", "z", 0, 0, 0, false},
    {"chaos", "7", 0, 0, 0, false},      {"rmapleak", NULL, 0, 0, 0, false},
    {"manyl2", NULL, 8u << 20, 64, 0, false},    {"farl2", NULL, 8u << 20, 0, 0, false},
};

static void test_silent_on_a_correct_vmm(void)
{
    for (size_t i = 0; i < sizeof silent_cases / sizeof silent_cases[0]; i++) {
        const struct silent_case *k = &silent_cases[i];
        struct elf_image img;
        guest_image(k->guest, &img);
        uint8_t *disk = k->disk_blocks ? calloc(k->disk_blocks, DISK_BLOCK_SIZE) : NULL;
        struct guest_run c = {.image = &img, .boot = k->boot, .mem = k->mem, .shadow_frames = k->shadow_frames,
                              .disk = disk, .disk_len = k->disk_blocks * DISK_BLOCK_SIZE, .check = true};
        struct guest_end bare, vmm;
        guest_run_bare(&c, &bare);
        /* trap-and-emulate and hw (the hardware guest mode) over shadows,
         * each policy; hw over nested paging, which has none */
        static const struct {
            const char *technique, *mmu;
        } vmms[] = {{NULL, NULL}, {"hw", NULL}, {"hw", "nested"}};
        for (size_t t = 0; t < sizeof vmms / sizeof *vmms; t++)
            for (int p = 0; p < SHADOW_NPOLICIES; p++)
                for (int every = 0; every <= (int)k->every_exit; every++) {
                    if (vmms[t].mmu && p != SHADOW_CACHE)
                        continue;
                    c.technique = vmms[t].technique;
                    c.mmu = vmms[t].mmu;
                    c.policy = (enum shadow_policy)p;
                    c.full_every = every ? ALL_EXITS : 0;
                    guest_run_vmm(&c, &vmm);
                    char what[200], who[200];
                    snprintf(who, sizeof who, "guest %s%s%s, %s, %s, %s", k->guest, k->boot ? " booted with " : "",
                             k->boot ? k->boot : "", vmms[t].technique ? vmms[t].technique : "trap-and-emulate",
                             vmms[t].mmu ? "nested paging" : policy_names[p],
                             every ? "whole audit every exit" : "incremental checks");
                    expect_vm_as_bare(&bare, &vmm, who, what, sizeof what);
                    guest_end_free(&vmm);
                }
        guest_end_free(&bare);
        free(disk);
        elf_free(&img);
    }
}

/* --- negative controls --- */

struct caught {
    struct vmm_violation v;
    bool ok;
};

/* A guest (isocheck.s, with one disk block, unless said otherwise) under a
 * VMM with `inject`: the checker must stop it, with incremental checks and
 * with whole audits alike, at the same exit and for the same rule; returns
 * the incremental report. */
static struct caught run_broken_guest(const char *guest, enum shadow_policy p, unsigned inject,
                                      enum vmm_invariant want)
{
    struct elf_image img;
    guest_image(guest, &img);
    uint8_t disk[DISK_BLOCK_SIZE] = {0};
    struct caught res = {.ok = true};
    struct vmm_violation found[2];
    for (int every = 0; every < 2; every++) {
        struct guest_run c = {.image = &img, .disk = disk, .disk_len = sizeof disk, .policy = p, .inject = inject,
                              .check = true, .full_every = every ? ALL_EXITS : NEVER_WHOLE};
        struct guest_end e;
        guest_run_vmm(&c, &e);
        found[every] = e.violation;
        bool ok = e.state == VM_ISOLATION && e.violation.invariant == want;
        RULE(ok, "the isolation checker did not catch a VMM broken on purpose, for the rule broken",
             "the VM ended %s, rule %s, should be stopped for %s%s%s - in guest %s, inject 0x%x, %s shadows, %s",
             vm_state_name(e.state), vmm_invariant_name(e.violation.invariant), vmm_invariant_name(want),
             e.violation.text[0] ? ": " : "", e.violation.text, guest, inject, policy_names[p],
             every ? "whole audits" : "incremental checks");
        res.ok &= ok;
        /* the report is one line that names the rule, the VM and the exit */
        char head[120];
        snprintf(head, sizeof head, "isolation violation (%s): ", vmm_invariant_name(want));
        CU_ASSERT(ok && strncmp(e.violation.text, head, strlen(head)) == 0);
        CU_ASSERT(ok && strstr(e.violation.text, "VM 'guest'") != NULL);
        CU_ASSERT(ok && !strchr(e.violation.text, '\n'));
        /* the guest went no further than the broken exit: no "ok" */
        CU_ASSERT(!strstr(e.out, "ok"));
        guest_end_free(&e);
    }
    /* incremental checks catch it where a whole audit does */
    CU_ASSERT_EQUAL(found[0].exits, found[1].exits);
    CU_ASSERT_EQUAL(found[0].invariant, found[1].invariant);
    if (found[0].exits != found[1].exits)
        fprintf(stderr, "\ninject 0x%x (%s): incremental checks found it after exit %" PRIu64 ", whole audits after %" PRIu64
                        "\n  %s\n  %s\n",
                inject, policy_names[p], found[0].exits, found[1].exits, found[0].text, found[1].text);
    res.v = found[0];
    res.ok &= found[0].exits == found[1].exits;
    elf_free(&img);
    return res;
}

static struct caught run_broken(enum shadow_policy p, unsigned inject, enum vmm_invariant want)
{
    return run_broken_guest("isocheck", p, inject, want);
}

static uint32_t symbol(const char *guest, const char *name)
{
    struct elf_image img;
    guest_image(guest, &img);
    const struct elf_symbol *s = elf_symbol_named(&img, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    uint32_t v = s->value;
    elf_free(&img);
    return v;
}

static bool is_fault_at(const struct vmm_violation *v, uint32_t addr)
{
    return !v->at_entry && v->exit.reason == EXIT_TRAP && CAUSE_CODE(v->exit.cause) == CAUSE_PAGE_FAULT &&
           v->exit.addr == addr;
}

static bool is_privileged(const struct vmm_violation *v, enum op op)
{
    struct isa_fields f;
    return !v->at_entry && v->exit.reason == EXIT_TRAP && CAUSE_CODE(v->exit.cause) == CAUSE_PRIV &&
           isa_decode(v->exit.insn, &f) && f.op == op;
}

#define DATA_VA 0x00400000u  /* isocheck.s */
#define UDATA_VA 0x00801000u

/* A guest frame that becomes a page table keeps a writable mapping (the
 * identity map's entry for it).  With demand and cache the first such
 * table is pt_new, at the fault through it; rebuild shadows every table
 * when paging goes on, and pt_u becomes a table then, after the identity
 * map's shadow gave its frame a writable entry. */
static void test_catches_missing_write_protect(void)
{
    uint32_t pt_new = symbol("isocheck", "pt_new"), pt_u = symbol("isocheck", "pt_u");
    uint32_t pt_k = symbol("isocheck", "pt_k");
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken((enum shadow_policy)p, INJECT_NO_WRITE_PROTECT, INV_WRITE_PROTECT);
        if (!c.ok)
            continue;
        uint32_t table = p == SHADOW_REBUILD ? pt_u : pt_new;
        CU_ASSERT(p == SHADOW_REBUILD ? is_privileged(&c.v, OP_WRSR) : is_fault_at(&c.v, DATA_VA));
        CU_ASSERT_EQUAL(c.v.gfn, table >> PAGE_SHIFT);            /* the new page table */
        CU_ASSERT_EQUAL(c.v.key, pt_k >> PAGE_SHIFT);             /* in the identity map's shadow */
        CU_ASSERT_EQUAL(c.v.level, 2);
        CU_ASSERT_EQUAL(c.v.index, table >> PAGE_SHIFT);          /* identity: entry = frame */
        CU_ASSERT(c.v.entry & PTE_W);
        CU_ASSERT_EQUAL(c.v.hfn, c.v.entry >> PAGE_SHIFT);
        CU_ASSERT_PTR_NOT_NULL(strstr(c.v.text, "a traced page table"));
    }
}

/* DMA rewrites a live page table and the real TLB keeps the old frame:
 * caught at the wfi during which the disk wrote. */
static void test_catches_stale_tlb(void)
{
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken((enum shadow_policy)p, INJECT_STALE_TLB, INV_TLB);
        if (!c.ok)
            continue;
        CU_ASSERT(is_privileged(&c.v, OP_WFI));
        CU_ASSERT_EQUAL(c.v.va, DATA_VA);
        CU_ASSERT_EQUAL(c.v.slot, (DATA_VA >> PAGE_SHIFT) % 64);  /* docs/isa.md 7: vpn mod 64 */
        CU_ASSERT(c.v.entry & PTE_V);                             /* the shadow maps DATA_VA... */
        CU_ASSERT_NOT_EQUAL(c.v.entry >> PAGE_SHIFT, c.v.hfn);    /* ...elsewhere than the TLB */
    }
}

/* A shadow entry maps the shadow table it is in (the guest could rewrite
 * its own shadow): caught at the exit that made it. */
static void test_catches_mapped_shadow_table(void)
{
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken((enum shadow_policy)p, INJECT_MAP_SHADOW, INV_FRAME);
        if (!c.ok)
            continue;
        CU_ASSERT_EQUAL(c.v.hfn, c.v.table);
        CU_ASSERT_EQUAL(c.v.gfn, GUESTRUN_MEM / PAGE_SIZE - 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(c.v.text, "a shadow table of VM 'guest'"));
        if (p != SHADOW_REBUILD) /* rebuild made it when paging went on */
            CU_ASSERT(is_fault_at(&c.v, GUESTRUN_MEM - PAGE_SIZE));
    }
}

/* A frame leaks: caught at the first exit that frees one (paging on, or
 * before it the ptb write that drops every shadow under rebuild and
 * demand). */
static void test_catches_leaked_frame(void)
{
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken((enum shadow_policy)p, INJECT_LEAK, INV_BOOKS);
        if (c.ok)
            CU_ASSERT(is_privileged(&c.v, p == SHADOW_CACHE ? OP_WRSR : OP_MTCR));
    }
}

/* Virtual user mode on the supervisor's shadow: caught at the rfe. */
static void test_catches_wrong_role(void)
{
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken((enum shadow_policy)p, INJECT_WRONG_ROLE, INV_REAL_PTB);
        if (c.ok) {
            CU_ASSERT(is_privileged(&c.v, OP_RFE));
            CU_ASSERT_PTR_NOT_NULL(strstr(c.v.text, "role user"));
        }
    }
}

/* The older injection: the fault path leaves D clear in the guest's entry,
 * so a shadow entry is writable while the guest's entry is clean.  Caught
 * at the first store that faults: with demand and cache the kernel's into
 * pt_new (identity-mapped); rebuild made the kernel's entries writable at
 * once, and the first store to fault is the user's. */
static void test_catches_lost_dirty_bit(void)
{
    uint32_t udata = symbol("isocheck", "udata"), pt_new = symbol("isocheck", "pt_new");
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken((enum shadow_policy)p, INJECT_NO_DIRTY, INV_DIRTY);
        if (!c.ok)
            continue;
        bool user = p == SHADOW_REBUILD;
        CU_ASSERT(is_fault_at(&c.v, user ? UDATA_VA : pt_new));
        CU_ASSERT(c.v.exit.cause & CAUSE_WRITE);
        CU_ASSERT_EQUAL(c.v.gfn, (user ? udata : pt_new) >> PAGE_SHIFT);
        CU_ASSERT(c.v.entry & PTE_W);
        CU_ASSERT(!(c.v.gentry & PTE_D));
    }
}

/* Another VM's frame in a shadow entry (the host frame after the guest's
 * last, which is the next VM's first): the checker stops the VM that could
 * reach it and names the owner; the other VM runs on to its end, as alone. */
static void test_catches_foreign_frame(void)
{
    struct elf_image hostile, victim;
    guest_image("isocheck", &hostile);
    guest_image("paging", &victim);
    struct guest_run alone = {.image = &victim};
    struct guest_end bare;
    guest_run_bare(&alone, &bare);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
      uint64_t found_at[2] = {0, 0};
      for (int every = 0; every < 2; every++) {
        char err[300];
        uint8_t disk[DISK_BLOCK_SIZE] = {0};
        struct vmm_config vc = {.isa = ISA_PG, .policy = (enum shadow_policy)p, .quantum = 2000,
                                .inject = INJECT_MAP_FOREIGN, .check_isolation = true, .shadow_frames = 256,
                                .check_full_every = every ? ALL_EXITS : NEVER_WHOLE};
        struct vmm *v = vmm_new(&vc, 2 * GUESTRUN_MEM + (2 * 256 + 1) * PAGE_SIZE, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        struct capture oa = {0}, ob = {0};
        struct vm_config ca = {.name = "a", .mem_size = GUESTRUN_MEM, .image = &hostile, .disk = disk,
                               .disk_len = sizeof disk, .io = {.ctx = &oa, .write = capture_write}};
        struct vm_config cb = {.name = "b", .mem_size = GUESTRUN_MEM, .image = &victim,
                               .io = {.ctx = &ob, .write = capture_write}};
        struct vm *a = vmm_add_vm(v, &ca, err, sizeof err), *b = vmm_add_vm(v, &cb, err, sizeof err);
        CU_ASSERT_FATAL(a && b);
        CU_ASSERT_EQUAL(vm_host_frame(b, 0), vm_host_frame(a, GUESTRUN_MEM / PAGE_SIZE - 1) + 1);
        vmm_run(v);
        const struct vmm_violation *r = vm_violation(a);
        CU_ASSERT_PTR_NOT_NULL(r);
        if (r) {
            CU_ASSERT_EQUAL(r->invariant, INV_FRAME);
            CU_ASSERT_EQUAL(r->vm, vm_id(a));
            CU_ASSERT_EQUAL(r->hfn, vm_host_frame(b, 0));
            CU_ASSERT_PTR_NOT_NULL(strstr(r->text, "guest memory of VM 'b'"));
            CU_ASSERT_PTR_NOT_NULL(strstr(r->text, "VM 'a'"));
            found_at[every] = r->exits;
        }
        CU_ASSERT_PTR_NULL(vm_violation(b));
        CU_ASSERT_EQUAL(vm_state(b), VM_HALTED);
        CU_ASSERT_EQUAL(vm_exit_value(b), bare.value);
        CU_ASSERT_EQUAL(vm_instret(b), bare.instret);
        CU_ASSERT_STRING_EQUAL(captured(&ob), bare.out);
        free(oa.buf);
        free(ob.buf);
        vmm_free(v);
      }
      CU_ASSERT_EQUAL(found_at[0], found_at[1]); /* incremental checks catch it where a whole audit does */
    }
    guest_end_free(&bare);
    elf_free(&hostile);
    elf_free(&victim);
}

/* The VMM follows a reverse-map node into a shadow table it dropped (the
 * bug test_hostile.c's rmapstale tests keep fixed) and writes a frame that
 * is free by then: caught at the fault that makes x_page a table. */
static void test_catches_write_to_a_freed_frame(void)
{
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken_guest("rmapstale", (enum shadow_policy)p, INJECT_STALE_RMAP, INV_HOST_WRITE);
        if (!c.ok)
            continue;
        CU_ASSERT(is_fault_at(&c.v, 0x00800000)); /* X_VA */
        CU_ASSERT_PTR_NOT_NULL(strstr(c.v.text, "the VMM wrote a shadow entry at"));
        CU_ASSERT_PTR_NOT_NULL(strstr(c.v.text, "a free frame"));
    }
}

/* A frame's trace count kept as a flag: when one of two shadow tables
 * made from the same guest frame is dropped, the frame stops being traced
 * while the other table lives on, and guest writes to it would no longer
 * be seen.  ptebeyond.s makes such a pair (pt_self is a level-2 table
 * that maps itself, so it is shadowed at both levels).  Caught at the exit
 * that dropped the table, by the check the untracing itself triggers
 * (note_traced in destroy): without it only a whole audit would see it. */
static void test_catches_table_left_untraced(void)
{
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct caught c = run_broken_guest("ptebeyond", (enum shadow_policy)p, INJECT_TRACE_FLAG, INV_TABLE);
        if (!c.ok)
            continue;
        CU_ASSERT(strstr(c.v.text, "is made from a guest frame that is not traced") ||
                  strstr(c.v.text, "shadow tables made from it, and is traced"));
    }
}

/* --- what makes the incremental checks enough --- */

/* The argument in vmm/isolation.c holds only while every write the VMM
 * makes to host memory takes a watched path: spte_write_raw (shadow.c),
 * guest_copy (vm.c) and the zeroing in alloc_frame (alloc.c), each once. */
static void test_every_host_write_is_watched(void)
{
    static const char *const allowed[] = {"alloc.c", "shadow.c", "vm.c"};
    DIR *d = opendir("vmm");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *de;
    unsigned files = 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 3 || strcmp(de->d_name + n - 2, ".c") != 0)
            continue;
        char path[300];
        snprintf(path, sizeof path, "vmm/%s", de->d_name);
        char *text = read_text(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        unsigned calls = 0;
        for (const char *p = text; (p = strstr(p, "machine_write_phys(")); p++)
            calls++;
        unsigned want = 0;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            want |= strcmp(de->d_name, allowed[i]) == 0;
        CU_ASSERT_EQUAL(calls, want);
        if (calls != want)
            fprintf(stderr, "\n%s: %u calls of machine_write_phys, want %u\n", path, calls, want);
        files++;
        free(text);
    }
    closedir(d);
    CU_ASSERT(files > 10);
}

/* --- vrun --- */

static void test_vrun_check_isolation(void)
{
    char *vrun = tool("vrun"), *dir = tmpdir_make();
    const char *kernel = "build/guest-os/kernel.elf";
    struct res native, checked;
    run_vrun(vrun, dir, &native, NULL, 0, (const char *const[]){"--native", "--boot", "forkwait 20", kernel, NULL});
    CU_ASSERT_EQUAL(native.status, 0);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        run_vrun(vrun, dir, &checked, NULL, 0,
                 (const char *const[]){"--check-isolation", "--shadow", policy_names[p], "--boot", "forkwait 20",
                                       kernel, NULL});
        CU_ASSERT_EQUAL(checked.status, 0);
        CU_ASSERT_STRING_EQUAL(checked.out, native.out);
        CU_ASSERT_STRING_EQUAL(checked.err, "");
        res_free(&checked);
    }
    res_free(&native);
    /* it checks the VMM: nothing to check on the bare machine */
    struct res r;
    run_vrun(vrun, dir, &r, NULL, 0, (const char *const[]){"--native", "--check-isolation", kernel, NULL});
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_STRING_EQUAL(r.err, "vrun: --check-isolation checks the VMM: not with --native, --lockstep or --difftest\n");
    res_free(&r);
    run_vrun(vrun, dir, &r, NULL, 0, (const char *const[]){"--help", NULL});
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--check-isolation"));
    res_free(&r);
    tmpdir_remove(dir);
    free(vrun);
}

static char *guest_file(const char *dir, const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "tests/guests/%s.s", name);
    struct asm_result res;
    CU_ASSERT_FATAL(asm_assemble_file(path, NULL, &res));
    snprintf(path, sizeof path, "%s.elf", name);
    char *img = tmp_write(dir, path, res.elf, res.elf_len);
    asm_result_free(&res);
    return img;
}

/* A violation through vrun (VMLAB_INJECT breaks the VMM on purpose): its
 * line on stderr, then the VM's registers with the pc placed (an abnormal
 * stop, as a double fault or a deadlock), exit status 125 like the other abnormal stops; a VM the
 * broken part does not touch (paging.s never uses its last frame) runs to
 * its end. */
static void test_vrun_reports_a_violation(void)
{
    char *vrun = tool("vrun"), *dir = tmpdir_make();
    char *img = guest_file(dir, "isocheck"), *good = guest_file(dir, "paging");
    uint8_t block[DISK_BLOCK_SIZE] = {0};
    char *disk = tmp_write(dir, "d.img", block, sizeof block);
    char inject[16];
    snprintf(inject, sizeof inject, "%d", INJECT_MAP_SHADOW);
    setenv("VMLAB_INJECT", inject, 1);
    struct res r;
    run_vrun(vrun, dir, &r, NULL, 0,
             (const char *const[]){"--check-isolation", "--vm", img, "-m", "1M", "--disk", disk, "--name", "bad",
                                   "--vm", good, "-m", "2M", "--name", "good", NULL});
    CU_ASSERT_EQUAL(r.status, 125);
    const char *want = "vrun: [bad] ";
    CU_ASSERT(strncmp(r.err, want, strlen(want)) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, ": isolation violation (frame): a shadow entry maps a host frame that is not "
                                         "the VM's guest memory; VM 'bad', after exit "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "a shadow table of VM 'bad'"));
    const char *regs = strchr(r.err, '\n'); /* the violation's line, then the registers */
    CU_ASSERT(regs && strncmp(regs, "\n  pc 0x", 8) == 0 && strncmp(regs + 16, " <", 2) == 0); /* placed */
    CU_ASSERT(regs && strstr(regs, "\n  status ") && strstr(regs, " ptb "));
    CU_ASSERT_PTR_NULL(strstr(r.err, "[good]")); /* the good VM says nothing */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "[good] "));
    CU_ASSERT_PTR_NULL(strstr(r.out, "[bad] ok"));
    res_free(&r);
    setenv("VMLAB_INJECT", "frame", 1);
    run_vrun(vrun, dir, &r, NULL, 0, (const char *const[]){img, NULL});
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_STRING_EQUAL(r.err, "vrun: VMLAB_INJECT=frame: not a number (of enum vmm_inject flags)\n");
    res_free(&r);
    unsetenv("VMLAB_INJECT");
    free(img);
    free(good);
    free(disk);
    tmpdir_remove(dir);
    free(vrun);
}

void suite_isolation(void)
{
    CU_pSuite s = rule_suite("isolation", NULL, NULL);
    CU_add_test(s, "silent on a correct VMM, every guest, every policy", test_silent_on_a_correct_vmm);
    CU_add_test(s, "catches a page table left writable", test_catches_missing_write_protect);
    CU_add_test(s, "catches a stale real TLB entry", test_catches_stale_tlb);
    CU_add_test(s, "catches a shadow table mapped into the guest", test_catches_mapped_shadow_table);
    CU_add_test(s, "catches another VM's frame mapped; the other VM runs on", test_catches_foreign_frame);
    CU_add_test(s, "catches a leaked host frame", test_catches_leaked_frame);
    CU_add_test(s, "catches user mode on the supervisor's shadow", test_catches_wrong_role);
    CU_add_test(s, "catches a writable entry over a clean page (lost dirty bit)", test_catches_lost_dirty_bit);
    CU_add_test(s, "catches a write to a frame the VM gave back", test_catches_write_to_a_freed_frame);
    CU_add_test(s, "catches a table whose guest frame is no longer traced", test_catches_table_left_untraced);
    CU_add_test(s, "every VMM write to host memory is watched", test_every_host_write_is_watched);
    CU_add_test(s, "vrun --check-isolation", test_vrun_check_isolation);
    CU_add_test(s, "vrun: a violation is said with the registers, and status 125", test_vrun_reports_a_violation);
}
