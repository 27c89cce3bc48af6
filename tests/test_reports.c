/*
 * test_reports.c - the reports that explain (issue 12, parts 1, 3, 4), each
 * reproduced with a small guest of tests/guests/ and checked word for word,
 * with the values worked out here from the manual (docs/isa.md) and the
 * image's symbols:
 *
 *   - a page-table entry by field (isa/ptwalk.c), and where in the tables
 *     a word is;
 *   - the fetch right after paging was turned on, refused by a level-1
 *     entry with V clear (pagingon.s): vrun's double-fault report names it,
 *     natively and under the VMM alike;
 *   - a kernel's own fault before it halts with 1 (kpanic.s, and the
 *     guest OS's kernel made to fault in sys_write): vrun places the
 *     trap's pc by the image's symbols, a label before a constant; and
 *     says nothing after a syscall, a break, a user program's fault or a
 *     halt with 0;
 *   - lockstep under a VMM that never sets D (ptedirty.s), in the library
 *     and through vrun --lockstep: the one word that differs is shown as
 *     the page-table entry it is.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "guestrun.h"
#include "lockstep.h"
#include "prog.h"
#include "ptwalk.h"
#include "runvrun.h"
#include "scratch.h"
#include "session.h"
#include "workloads.h"

static char *dir, *vrun_path;

static int suite_init(void) { return vrun_suite_init(&vrun_path, &dir, "reports", NULL); }
static int suite_clean(void) { return vrun_suite_clean(&vrun_path, &dir); }

/* tests/guests/NAME.s assembled, in *img, and written to DIR/NAME.elf for
 * vrun; the path. */
static const char *guest_file(const char *name, struct elf_image *img)
{
    CU_ASSERT_FATAL(guest_image(name, img));
    char file[64];
    snprintf(file, sizeof file, "%s.elf", name);
    const char *path = path_in(dir, file);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_FATAL(fwrite(img->file, 1, img->file_size, f) == img->file_size);
    CU_ASSERT_FATAL(fclose(f) == 0);
    return path;
}

static uint32_t sym(const struct elf_image *img, const char *name)
{
    const struct elf_symbol *s = elf_symbol_named(img, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s->value;
}

/* got is want; says what, and both, when not. */
#define EXPECT_TEXT(what, got, want)                                                                               \
    do {                                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                                      \
        CU_ASSERT_STRING_EQUAL(g_, w_);                                                                            \
        if (strcmp(g_, w_) != 0)                                                                                   \
            fprintf(stderr, "\n  %s:\n    got    \"%s\"\n    wanted \"%s\"\n", what, g_, w_);                     \
    } while (0)

/* got holds want as a whole line; says both when not. */
static bool has_line(const char *got, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = got; (p = strstr(p, want)) != NULL; p++)
        if ((p == got || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    fprintf(stderr, "\n  wanted the line:\n%s\n  in:\n%s", want, got);
    return false;
}

/* --- a page-table entry by field ------------------------------------------------ */

static void test_pte_fields(void)
{
    char t[96];
    /* docs/isa.md 7: V bit 0, R 1, W 2, X 3, U 4, A 5, D 6, soft 7-11, frame 12-31 */
    pt_entry_text(0x00003067, 2, t, sizeof t);
    EXPECT_TEXT("the entry by field", t, "frame 0x00003000, V R W A D");
    pt_entry_text(0x0040101b, 2, t, sizeof t);
    EXPECT_TEXT("the entry by field", t, "frame 0x00401000, V R X U");
    pt_entry_text(0x00004f86, 2, t, sizeof t);
    EXPECT_TEXT("the entry by field", t, "frame 0x00004000, V clear, R W, soft 0x1f");
    pt_entry_text(0x00000000, 2, t, sizeof t);
    EXPECT_TEXT("the entry by field", t, "frame 0x00000000, V clear");
    /* a level-1 entry: only V and the frame of its table matter */
    pt_entry_text(0x0000507f, 1, t, sizeof t);
    EXPECT_TEXT("the entry by field", t, "table 0x00005000, V");
    pt_entry_text(0x00005000, 1, t, sizeof t);
    EXPECT_TEXT("the entry by field", t, "table 0x00005000, V clear");
    /* cut short, never past the buffer */
    char small[12];
    pt_entry_text(0x00003067, 2, small, sizeof small);
    EXPECT_TEXT("the entry cut short", small, "frame 0x000");
}

static uint8_t pt_mem[8 * PAGE_SIZE];

static bool pt_read(void *ctx, uint32_t pa, void *buf, size_t len)
{
    (void)ctx;
    if (pa > sizeof pt_mem || len > sizeof pt_mem - pa)
        return false;
    memcpy(buf, pt_mem + pa, len);
    return true;
}

static void put_word(uint32_t pa, uint32_t w)
{
    pt_mem[pa] = (uint8_t)w, pt_mem[pa + 1] = (uint8_t)(w >> 8);
    pt_mem[pa + 2] = (uint8_t)(w >> 16), pt_mem[pa + 3] = (uint8_t)(w >> 24);
}

/* Which entry of the tables at ptb a word is: a level-1 entry maps 4 MiB
 * from its index << 22, a level-2 entry 4 KiB from (L1 << 22 | L2 << 12). */
static void test_pte_of_word(void)
{
    memset(pt_mem, 0, sizeof pt_mem);
    const uint32_t root = 0x1000, leaf = 0x2000, hidden = 0x3000;
    put_word(root + 1 * 4, leaf | 1);      /* L1 entry 1 -> leaf: virtual 0x00400000.. */
    put_word(root + 3 * 4, hidden);        /* L1 entry 3 -> a table, but V clear */
    put_word(root + 1023 * 4, leaf | 1);   /* the same leaf again, later */
    struct dma mem = {.mem_size = sizeof pt_mem, .read = pt_read};
    uint32_t va = 0;
    CU_ASSERT_EQUAL(pt_entry_of(&mem, root, root + 1 * 4, &va), 1);
    CU_ASSERT_EQUAL(va, 0x00400000);
    CU_ASSERT_EQUAL(pt_entry_of(&mem, root, root + 1023 * 4, &va), 1);
    CU_ASSERT_EQUAL(va, 0xffc00000);
    CU_ASSERT_EQUAL(pt_entry_of(&mem, root, leaf + 2 * 4, &va), 2);
    CU_ASSERT_EQUAL(va, 0x00402000); /* through entry 1, the first */
    CU_ASSERT_EQUAL(pt_entry_of(&mem, root, leaf + 1023 * 4, &va), 2);
    CU_ASSERT_EQUAL(va, 0x007ff000);
    CU_ASSERT_EQUAL(pt_entry_of(&mem, root, hidden + 8, &va), 0); /* only through a clear V */
    CU_ASSERT_EQUAL(pt_entry_of(&mem, root, 0x5000, &va), 0);
    CU_ASSERT_EQUAL(pt_entry_of(&mem, root, root - 4, &va), 0);
    /* a root whose last entries lie past memory: what is there is still
     * searched, the rest is not read */
    const uint32_t edge = (uint32_t)sizeof pt_mem - 8;
    put_word(edge + 4, leaf | 1);
    CU_ASSERT_EQUAL(pt_entry_of(&mem, edge, leaf + 4, &va), 2);
    CU_ASSERT_EQUAL(va, 1u << 22 | 1u << 12);
    CU_ASSERT_EQUAL(pt_entry_of(&mem, edge, 0x5000, &va), 0);
}

/* --- the fetch after paging was turned on ---------------------------------------- */

static void test_paging_turned_on(void)
{
    struct elf_image img;
    const char *path = guest_file("pagingon", &img);
    const uint32_t on = sym(&img, "paging_on"), handler = sym(&img, "handler"), root = sym(&img, "root");
    const uint32_t next = on + 4;
    struct res nat, vmm;
    run_vrun(vrun_path, dir, &nat, NULL, 0, (const char *[]){"--native", path, NULL});
    run_vrun(vrun_path, dir, &vmm, NULL, 0, (const char *[]){path, NULL});
    char want[600];
    CU_ASSERT(nat.exited && nat.status == 125 && vmm.exited && vmm.status == 125);
    if (nat.status != 125 || vmm.status != 125)
        fprintf(stderr, "\n  status %d natively, %d under the VMM (wanted 125, a double fault)", nat.status, vmm.status);
    /* every guest pc placed by the image's symbols, the first line's too */
    snprintf(want, sizeof want,
             "vrun: %s: double fault: the trap handler's first instruction, at 0x%08x <handler>, raised page-fault",
             path, handler);
    CU_ASSERT(has_line(nat.err, want));
    snprintf(want, sizeof want,
             "  the trap that led there: page-fault (page fault) at pc 0x%08x <paging_on+4>, in supervisor mode: "
             "(its instruction cannot be fetched)",
             next);
    CU_ASSERT(has_line(nat.err, want));
    snprintf(want, sizeof want, "  its address: 0x%08x (a fetch)", next);
    CU_ASSERT(has_line(nat.err, want));
    snprintf(want, sizeof want,
             "  the fetch after paging was turned on faulted: mtcr status, t0, at 0x%08x <paging_on>, set PG, and "
             "the next instruction is not mapped",
             on);
    CU_ASSERT(has_line(nat.err, want));
    /* the level-1 entry for va is at ptb + 4 * (va >> 22) */
    snprintf(want, sizeof want, "  level-1 entry 0x00000000 at physical 0x%08x for virtual 0x%08x has V clear",
             root + 4 * (next >> 22), next);
    CU_ASSERT(has_line(nat.err, want));
    snprintf(want, sizeof want,
             "  the handler at tvec cannot be fetched with paging on: level-1 entry 0x00000000 at physical 0x%08x "
             "for virtual 0x%08x has V clear",
             root + 4 * (handler >> 22), handler);
    CU_ASSERT(has_line(nat.err, want));
    /* the guest's own table under the VMM, not the shadow: word for word */
    EXPECT_TEXT("the report under the VMM (the native one wanted)", vmm.err, nat.err);
    res_free(&nat);
    res_free(&vmm);
    elf_free(&img);
}

/* --- a kernel's own fault, placed --------------------------------------------------- */

static void test_kernel_fault_placed(void)
{
    struct elf_image img;
    const char *path = guest_file("kpanic", &img);
    /* oops: addi, addi, then the load at oops + 8; t1 = word + 2 */
    const uint32_t pc = sym(&img, "oops") + 8, addr = sym(&img, "word") + 2;
    const char *modes[2][3] = {{"--native", path, NULL}, {path, NULL, NULL}};
    char want[600];
    snprintf(want, sizeof want,
             "vrun: %s: halted with 1 after a trap in supervisor mode: misaligned (misaligned access or jump target) "
             "at pc 0x%08x <oops+8>: lw t0, 0(t1), address 0x%08x\n",
             path, pc, addr);
    for (int i = 0; i < 2; i++) {
        struct res r;
        run_vrun(vrun_path, dir, &r, NULL, 0, modes[i]);
        CU_ASSERT(r.exited && r.status == 1);
        if (r.status != 1)
            fprintf(stderr, "\n  status %d (wanted 1, the guest's halt)", r.status);
        EXPECT_TEXT("the guest's output", r.out, "panic\n");
        EXPECT_TEXT(i ? "stderr under the VMM" : "stderr natively", r.err, want);
        res_free(&r);
    }
    elf_free(&img);
}

/* The guest OS's own kernel, with its sys_write made to fault on its first
 * instruction (a misaligned load of address 1): the kernel's panic line
 * gives the bare hex pc, vrun's line places it - natively and under the
 * VMM alike. */
static void test_guest_kernel_panic_placed(void)
{
    struct elf_image k;
    char err[300];
    CU_ASSERT_FATAL(elf_read_file(GUEST_KERNEL, &k, err, sizeof err));
    const uint32_t at = sym(&k, "sys_write");
    struct isa_fields lw = {.op = OP_LW, .ra = 5 /* t0 */, .rb = 0, .imm = 1};
    const uint32_t word = isa_encode(&lw);
    bool patched = false;
    for (size_t i = 0; i < k.nsegs && !patched; i++) {
        const struct elf_segment *g = &k.segs[i];
        if (at >= g->vaddr && at - g->vaddr + 4 <= g->filesz) {
            uint8_t *w = k.file + g->offset + (at - g->vaddr);
            w[0] = (uint8_t)word, w[1] = (uint8_t)(word >> 8), w[2] = (uint8_t)(word >> 16), w[3] = (uint8_t)(word >> 24);
            patched = true;
        }
    }
    CU_ASSERT_FATAL(patched);
    const char *path = path_in(dir, "kpatched.elf");
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_FATAL(fwrite(k.file, 1, k.file_size, f) == k.file_size && fclose(f) == 0);
    /* guest-os/kernel/trap.s, kernel_panic */
    char out[200], want[600];
    snprintf(out, sizeof out, "kernel: panic: misaligned in the kernel at pc 0x%08x, address 0x00000001\n", at);
    snprintf(want, sizeof want,
             "vrun: %s: halted with 1 after a trap in supervisor mode: misaligned (misaligned access or jump target) "
             "at pc 0x%08x <sys_write>: lw t0, 1(zero), address 0x00000001\n",
             path, at);
    const char *modes[2][5] = {{"--native", path, "--boot", "hello", NULL}, {path, "--boot", "hello", NULL, NULL}};
    for (int i = 0; i < 2; i++) {
        struct res r;
        run_vrun(vrun_path, dir, &r, NULL, 0, modes[i]);
        CU_ASSERT(r.exited && r.status == 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, out));
        if (!strstr(r.out, out))
            fprintf(stderr, "\n  the kernel printed:\n%s  (wanted %s)", r.out, out);
        EXPECT_TEXT(i ? "stderr under the VMM" : "stderr natively", r.err, want);
        res_free(&r);
    }
    elf_free(&k);
}

/* Only a fault says so: a kernel that halts with a value after a system
 * call or a breakpoint it made, after a fault from user mode (a program
 * it killed), or with 0 after its own fault, is doing what it means to. */
static void test_halt_without_fault_quiet(void)
{
    const uint32_t handler = IMAGE_ENTRY + 0x80;
    const enum op traps[] = {OP_SYSCALL, OP_BREAK, OP_DIV, OP_DIV};
    const bool user[] = {false, false, true, false};
    const uint32_t value[] = {9, 9, 9, 0};
    for (int i = 0; i < 4; i++) {
        struct prog p;
        p_init(&p, IMAGE_ENTRY);
        p_li(&p, 5, handler);
        p_op(&p, OP_MTCR, 5, 0, 0, CR_TVEC);
        if (user[i]) { /* rfe to the next word, in user mode (PS = 0) */
            p_li(&p, 5, p_here(&p) + 16);
            p_op(&p, OP_MTCR, 5, 0, 0, CR_EPC);
            p_op(&p, OP_RFE, 0, 0, 0, 0);
        }
        p_op(&p, traps[i], traps[i] == OP_DIV ? 6 : 0, 0, 0, 0); /* div t1, zero, zero: a div-zero */
        while (p_here(&p) < handler)
            p_op(&p, OP_ADDI, 0, 0, 0, 0);
        p_li(&p, 7, value[i]);
        p_op(&p, OP_HALT, 7, 0, 0, 0);
        const char *img = prog_image(dir, "quiet.elf", &p, NULL, 0);
        const char *modes[2][3] = {{"--native", img, NULL}, {img, NULL, NULL}};
        for (int m = 0; m < 2; m++) {
            struct res r;
            run_vrun(vrun_path, dir, &r, NULL, 0, modes[m]);
            expect_ok(&r, (int)value[i]);
            res_free(&r);
        }
    }
}

/* A label places an address in its segment before any .equ constant;
 * outside every segment (a user address seen from a kernel's image) the
 * constant is all there is. */
static void test_label_before_constant(void)
{
    struct elf_image img, kept;
    CU_ASSERT_FATAL(guest_image("kpanic", &img));
    CU_ASSERT_FATAL(report_keep_symbols(&img, &kept));
    const uint32_t oops = sym(&img, "oops");
    CU_ASSERT_EQUAL(sym(&img, "NEAR_OOPS"), oops + 4); /* the constant the label must win over */
    struct report_view v = {.img = &kept};
    char where[160], want[160];
    report_where(&v, oops + 8, where, sizeof where);
    snprintf(want, sizeof want, "0x%08x <oops+8>", oops + 8);
    EXPECT_TEXT("the address placed", where, want);
    report_where(&v, oops + 4, where, sizeof where);
    snprintf(want, sizeof want, "0x%08x <oops+4>", oops + 4);
    EXPECT_TEXT("the address placed", where, want);
    /* param.s: USER_BASE = 0x40000000, no segment there */
    report_where(&v, 0x40000100, where, sizeof where);
    EXPECT_TEXT("an address outside every segment", where, "0x40000100 <USER_BASE+256>");
    /* ... but not one a megabyte or more below: that is a count or a size */
    report_where(&v, 0x40100000, where, sizeof where);
    EXPECT_TEXT("an address far above every symbol", where, "0x40100000");
    elf_free(&kept);
    elf_free(&img);
}

/* --- lockstep: a page-table entry that differs ------------------------------------- */

static void test_lockstep_pte(void)
{
    struct elf_image img;
    CU_ASSERT_FATAL(guest_image("ptedirty", &img));
    const uint32_t datum = sym(&img, "datum"), leaf = sym(&img, "leaf"), store = sym(&img, "store");
    /* leaf[i] maps page i with V R W X (0x0f); the store sets A (0x20) and D (0x40) */
    const uint32_t page = datum & ~PAGE_MASK, at = leaf + 4 * (datum >> PAGE_SHIFT);
    char want[400];
    snprintf(want, sizeof want,
             "memory at 0x%08x: native 0x%08x, vmm 0x%08x; the level-2 entry for virtual 0x%08x: "
             "native frame 0x%08x, V R W X A D, vmm frame 0x%08x, V R W X A",
             at, page | 0x6f, page | 0x2f, page, page, page);
    for (int p = 0; p < SHADOW_NPOLICIES; p++) {
        struct lockstep_config c = {.image = &img, .mem_size = GUESTRUN_MEM, .isa = ISA_PG,
                                    .policy = (enum shadow_policy)p, .inject = INJECT_NO_DIRTY, .all = 4};
        static struct lockstep_result r;
        char err[300];
        CU_ASSERT_FATAL(lockstep_run(&c, &r, err, sizeof err));
        CU_ASSERT_TRUE(r.diverged);
        EXPECT_TEXT("lockstep's first difference", r.what, want);
        /* after the store, which the bare machine ran in supervisor mode */
        CU_ASSERT(r.has_insn && r.pc == store && !r.user);
        if (!r.has_insn || r.pc != store || r.user)
            fprintf(stderr, "\n  lockstep placed it after the instruction at 0x%08x (%s mode), not the store at 0x%08x",
                    r.pc, r.user ? "user" : "supervisor", store);
        struct isa_fields f;
        CU_ASSERT(isa_decode(r.insn, &f) && f.op == OP_SW);
        /* --lockstep-all: the same word, the only thing that differs */
        CU_ASSERT_EQUAL(r.nlist, 1);
        if (r.nlist >= 1)
            EXPECT_TEXT("lockstep's list", r.list[0], want);
    }
    elf_free(&img);
}

/* The same through the command line: VMLAB_INJECT=1 breaks vrun's VMM so
 * (docs/vmm.md 8.1); status 3, the place, the entry by field. */
static void test_vrun_lockstep_pte(void)
{
    struct elf_image img;
    const char *path = guest_file("ptedirty", &img);
    const uint32_t datum = sym(&img, "datum"), leaf = sym(&img, "leaf"), store = sym(&img, "store");
    const uint32_t page = datum & ~PAGE_MASK;
    setenv("VMLAB_INJECT", "1", 1); /* INJECT_NO_DIRTY */
    struct res r;
    run_vrun(vrun_path, dir, &r, NULL, 0, (const char *[]){"--lockstep", path, NULL});
    unsetenv("VMLAB_INJECT");
    CU_ASSERT_EQUAL(INJECT_NO_DIRTY, 1);
    CU_ASSERT(r.exited && r.status == 3);
    char want[600];
    /* straight-line code from _start to the store, but the loop's six
     * instructions run 16 times: 15 more than once */
    unsigned long long n = (store - sym(&img, "_start")) / 4 + 1 + 15 * 6;
    snprintf(want, sizeof want,
             "vrun: lockstep: first difference after instruction %llu: memory at 0x%08x: native 0x%08x, vmm 0x%08x; "
             "the level-2 entry for virtual 0x%08x: native frame 0x%08x, V R W X A D, vmm frame 0x%08x, V R W X A\n"
             "  the instruction: 0x%08x <store>, in supervisor mode: sw t0, 0(t1)\n",
             n, leaf + 4 * (datum >> PAGE_SHIFT), page | 0x6f, page | 0x2f, page, page, page, store);
    EXPECT_TEXT("vrun --lockstep", r.out, want);
    res_free(&r);
    elf_free(&img);
}

void suite_reports(void)
{
    CU_pSuite s = CU_add_suite("reports", suite_init, suite_clean);
    CU_add_test(s, "a page-table entry by field", test_pte_fields);
    CU_add_test(s, "which entry of the tables a word is", test_pte_of_word);
    CU_add_test(s, "double fault: the fetch after paging was turned on, a level-1 entry with V clear",
                test_paging_turned_on);
    CU_add_test(s, "a kernel's own fault placed when it halts with 1, natively and under the VMM",
                test_kernel_fault_placed);
    CU_add_test(s, "the guest OS's kernel: its panic's pc placed, natively and under the VMM",
                test_guest_kernel_panic_placed);
    CU_add_test(s, "no such line after a syscall, a break, a user fault, or a halt with 0",
                test_halt_without_fault_quiet);
    CU_add_test(s, "a label places an address before an .equ constant", test_label_before_constant);
    CU_add_test(s, "lockstep: a page-table entry that differs, by field", test_lockstep_pte);
    CU_add_test(s, "vrun --lockstep: the same, from the command line", test_vrun_lockstep_pte);
}
