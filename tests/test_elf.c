/*
 * test_elf.c - loading programs (docs/isa.md section 9, isa/elf_load.h):
 * an image written by elf_write_mem reads back with its entry, segments
 * and sorted symbols, loads with its .bss zeroed, and boots with the
 * registers and boot argument of the boot protocol.  Every bad input is
 * refused with its one-line message (the values in each message are
 * computed here from the broken image), and a few thousand random
 * corruptions of a good image never crash the reader (ASan and UBSan watch).
 */
#include <CUnit/CUnit.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "elf_write.h"
#include "rig.h"

#define TEXT 0x1000u
#define DATA 0x2000u
#define BSS 0x3000u
#define BSS_SIZE 0x2000u
#define ENTRY 0x1004u
#define MEM (1u << 20)

static uint32_t text_words[6];
static uint8_t data_bytes[100];

/* The good image: .text, .data, .bss, and symbols in no particular order
 * (two share a value; one is absolute). */
static void good_image(uint8_t **out, size_t *len)
{
    text_words[0] = enc(OP_ADDI, 5, 0, 0, 1);
    text_words[1] = enc(OP_LBU, 5, 10, 0, 0); /* entry: first byte of the boot argument */
    text_words[2] = enc(OP_HALT, 5, 0, 0, 0);
    text_words[3] = enc(OP_ADDI, 6, 0, 0, 2);
    text_words[4] = enc(OP_JALR, 0, 1, 0, 0);
    text_words[5] = enc(OP_BREAK, 0, 0, 0, 0);
    uint8_t text[sizeof text_words];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)(text_words[i / 4] >> (8 * (i % 4)));
    for (size_t i = 0; i < sizeof data_bytes; i++)
        data_bytes[i] = (uint8_t)(0x80 + i);
    const struct elf_out_section secs[3] = {
        {".text", TEXT, text, sizeof text, sizeof text, PF_R | PF_X},
        {".data", DATA, data_bytes, sizeof data_bytes, sizeof data_bytes, PF_R | PF_W},
        {".bss", BSS, NULL, 0, BSS_SIZE, PF_R | PF_W},
    };
    const struct elf_out_symbol syms[] = {
        {"table", DATA, 100, STT_OBJECT, STB_GLOBAL, 1},
        {"zeta", TEXT + 0x10, 0, STT_FUNC, STB_LOCAL, 0},
        {"_start", TEXT, 0x10, STT_FUNC, STB_GLOBAL, 0},
        {"buf", BSS, BSS_SIZE, STT_OBJECT, STB_GLOBAL, 2},
        {"helper", TEXT + 0x10, 8, STT_FUNC, STB_LOCAL, 0},
        {"ABSVAL", 5, 0, STT_NOTYPE, STB_GLOBAL, -1},
    };
    CU_ASSERT_FATAL(elf_write_mem(ENTRY, secs, 3, syms, sizeof syms / sizeof syms[0], out, len));
}

/* --- patching helpers ------------------------------------------------------- */

static Elf32_Ehdr get_eh(const uint8_t *f)
{
    Elf32_Ehdr eh;
    memcpy(&eh, f, sizeof eh);
    return eh;
}
static void put_eh(uint8_t *f, const Elf32_Ehdr *eh) { memcpy(f, eh, sizeof *eh); }

static Elf32_Phdr get_ph(const uint8_t *f, unsigned i)
{
    Elf32_Ehdr eh = get_eh(f);
    Elf32_Phdr ph;
    memcpy(&ph, f + eh.e_phoff + i * sizeof ph, sizeof ph);
    return ph;
}
static void put_ph(uint8_t *f, unsigned i, const Elf32_Phdr *ph)
{
    Elf32_Ehdr eh = get_eh(f);
    memcpy(f + eh.e_phoff + i * sizeof *ph, ph, sizeof *ph);
}

static Elf32_Shdr get_sh(const uint8_t *f, unsigned i)
{
    Elf32_Ehdr eh = get_eh(f);
    Elf32_Shdr sh;
    memcpy(&sh, f + eh.e_shoff + i * sizeof sh, sizeof sh);
    return sh;
}
static void put_sh(uint8_t *f, unsigned i, const Elf32_Shdr *sh)
{
    Elf32_Ehdr eh = get_eh(f);
    memcpy(f + eh.e_shoff + i * sizeof *sh, sh, sizeof *sh);
}

static unsigned find_section(const uint8_t *f, uint32_t type)
{
    Elf32_Ehdr eh = get_eh(f);
    for (unsigned i = 0; i < eh.e_shnum; i++)
        if (get_sh(f, i).sh_type == type)
            return i;
    CU_FAIL("section not found");
    return 0;
}

/* elf_read_mem must fail with exactly this message (one line). */
static void expect_read_error(const uint8_t *f, size_t len, const char *want)
{
    struct elf_image img;
    char err[512] = "";
    bool ok = elf_read_mem(f, len, &img, err, sizeof err);
    CU_ASSERT_FALSE(ok);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    if (ok || strcmp(err, want) != 0)
        fprintf(stderr, "\n  got \"%s\"\n  want \"%s\"", ok ? "(accepted)" : err, want);
    if (ok)
        elf_free(&img);
    else {
        /* img is left empty */
        CU_ASSERT_PTR_NULL(img.file);
        CU_ASSERT_PTR_NULL(img.segs);
        CU_ASSERT_PTR_NULL(img.syms);
        CU_ASSERT_EQUAL(img.nsegs, 0);
        CU_ASSERT_EQUAL(img.nsyms, 0);
    }
}

static struct machine *new_machine(uint32_t mem)
{
    char err[200];
    struct machine_config cfg = {.mem_size = mem, .isa = ISA_PG};
    struct machine *m = machine_new(&cfg, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

/* --- the good image ------------------------------------------------------------ */

static void test_elf_round_trip(void)
{
    uint8_t *f;
    size_t len;
    good_image(&f, &len);
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(elf_read_mem(f, len, &img, err, sizeof err));
    CU_ASSERT_EQUAL(img.entry, ENTRY);
    CU_ASSERT_EQUAL(img.file_size, len);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);
    const uint32_t addr[3] = {TEXT, DATA, BSS};
    const uint32_t filesz[3] = {sizeof text_words, sizeof data_bytes, 0};
    const uint32_t memsz[3] = {sizeof text_words, sizeof data_bytes, BSS_SIZE};
    const uint32_t flags[3] = {PF_R | PF_X, PF_R | PF_W, PF_R | PF_W};
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(img.segs[i].paddr, addr[i]);
        CU_ASSERT_EQUAL(img.segs[i].vaddr, addr[i]);
        CU_ASSERT_EQUAL(img.segs[i].filesz, filesz[i]);
        CU_ASSERT_EQUAL(img.segs[i].memsz, memsz[i]);
        CU_ASSERT_EQUAL(img.segs[i].flags, flags[i]);
        CU_ASSERT(img.segs[i].offset + img.segs[i].filesz <= len);
    }
    CU_ASSERT(memcmp(f + img.segs[1].offset, data_bytes, sizeof data_bytes) == 0);

    /* symbols sorted by value, then name */
    static const char *const order[] = {"ABSVAL", "_start", "helper", "zeta", "table", "buf"};
    CU_ASSERT_EQUAL_FATAL(img.nsyms, 6);
    for (int i = 0; i < 6; i++)
        CU_ASSERT_STRING_EQUAL(img.syms[i].name, order[i]);
    const struct elf_symbol *s = elf_symbol_named(&img, "table");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->value, DATA);
    CU_ASSERT_EQUAL(s->size, 100);
    CU_ASSERT_EQUAL(s->type, STT_OBJECT);
    CU_ASSERT_EQUAL(s->bind, STB_GLOBAL);
    s = elf_symbol_named(&img, "helper");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->bind, STB_LOCAL);
    CU_ASSERT_EQUAL(s->type, STT_FUNC);
    CU_ASSERT_EQUAL(s->size, 8);
    CU_ASSERT_PTR_NULL(elf_symbol_named(&img, "nope"));
    CU_ASSERT_PTR_NULL(elf_symbol_named(&img, "tabl"));

    /* the symbol with the greatest value <= addr */
    CU_ASSERT_PTR_NULL(elf_symbol_at(&img, 4));
    s = elf_symbol_at(&img, 5);
    CU_ASSERT(s && strcmp(s->name, "ABSVAL") == 0);
    s = elf_symbol_at(&img, TEXT);
    CU_ASSERT(s && strcmp(s->name, "_start") == 0);
    s = elf_symbol_at(&img, TEXT + 0xc);
    CU_ASSERT(s && strcmp(s->name, "_start") == 0);
    s = elf_symbol_at(&img, DATA + 0x7ff);
    CU_ASSERT(s && strcmp(s->name, "table") == 0);
    s = elf_symbol_at(&img, 0xffffffffu);
    CU_ASSERT(s && strcmp(s->name, "buf") == 0);
    s = elf_symbol_at(&img, TEXT + 0x10);
    CU_ASSERT(s && s->value == TEXT + 0x10);

    elf_free(&img);
    free(f);
}

/* The same arguments give the same bytes. */
static void test_elf_write_deterministic(void)
{
    uint8_t *a, *b;
    size_t la, lb;
    good_image(&a, &la);
    good_image(&b, &lb);
    CU_ASSERT_EQUAL_FATAL(la, lb);
    CU_ASSERT(memcmp(a, b, la) == 0);
    free(a);
    free(b);
}

/* elf_load copies the file part, zeroes the rest, sets pc, touches nothing
 * else. */
static void test_elf_load(void)
{
    uint8_t *f;
    size_t len;
    good_image(&f, &len);
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(elf_read_mem(f, len, &img, err, sizeof err));
    struct machine *m = new_machine(MEM);
    uint8_t junk[0x8000];
    memset(junk, 0xcc, sizeof junk);
    CU_ASSERT_FATAL(machine_write_phys(m, 0, junk, sizeof junk));
    CU_ASSERT_FATAL(elf_load(m, &img, err, sizeof err));
    CU_ASSERT_EQUAL(machine_cpu(m)->pc, ENTRY);
    uint8_t got[0x8000];
    CU_ASSERT_FATAL(machine_read_phys(m, 0, got, sizeof got));
    uint8_t want[0x8000];
    memset(want, 0xcc, sizeof want);
    for (size_t i = 0; i < sizeof text_words; i++)
        want[TEXT + i] = (uint8_t)(text_words[i / 4] >> (8 * (i % 4)));
    memcpy(want + DATA, data_bytes, sizeof data_bytes);
    memset(want + BSS, 0, BSS_SIZE);
    CU_ASSERT(memcmp(got, want, sizeof want) == 0);
    elf_free(&img);
    machine_free(m);
    free(f);
}

/* elf_boot resets the machine, loads, and sets a0/a1 and the boot string. */
static void test_elf_boot(void)
{
    uint8_t *f;
    size_t len;
    good_image(&f, &len);
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(elf_read_mem(f, len, &img, err, sizeof err));
    const uint32_t mems[2] = {MEM, 64u << 10};
    for (int k = 0; k < 2; k++) {
        struct machine *m = new_machine(mems[k]);
        /* dirty it: registers, control registers, an armed timer */
        struct cpu_state *c = machine_cpu(m);
        for (int i = 1; i < NREGS; i++)
            c->r[i] = 0x1000u + (uint32_t)i;
        for (int cr = 0; cr < NCRS; cr++)
            machine_set_cr(m, (enum cr)cr, 0x10u + (uint32_t)cr);
        machine_set_cr(m, CR_STATUS, SR_IE | SR_PG | SR_PIE);
        CU_ASSERT_FATAL(elf_boot(m, &img, "hello, world", err, sizeof err));
        CU_ASSERT_EQUAL(c->pc, ENTRY);
        for (int i = 1; i < NREGS; i++)
            if (i != BOOT_REG_ARG && i != BOOT_REG_MEM)
                CU_ASSERT_EQUAL(c->r[i], 0);
        CU_ASSERT_EQUAL(c->r[BOOT_REG_MEM], mems[k]);
        CU_ASSERT_EQUAL(c->r[BOOT_REG_ARG], mems[k] - 4096);
        CU_ASSERT_EQUAL(machine_get_cr(m, CR_STATUS), SR_S);
        for (int cr = 1; cr < NCRS; cr++)
            CU_ASSERT_EQUAL(machine_get_cr(m, (enum cr)cr), 0);
        CU_ASSERT_EQUAL(c->instret, 0);
        CU_ASSERT_EQUAL(c->cycles, 0);
        CU_ASSERT_EQUAL(machine_pending_interrupt(m), 0);
        char s[14];
        CU_ASSERT_FATAL(machine_read_phys(m, mems[k] - 4096, s, sizeof s - 1));
        CU_ASSERT(memcmp(s, "hello, world", 13) == 0);
        /* it runs: the entry loads the boot string's first byte and halts */
        struct vm_exit x;
        CU_ASSERT_EQUAL(machine_run(m, 100, &x), EXIT_HALT);
        CU_ASSERT_EQUAL(x.value, 'h');
        /* without a boot argument a0 = 0 */
        CU_ASSERT_FATAL(elf_boot(m, &img, NULL, err, sizeof err));
        CU_ASSERT_EQUAL(c->r[BOOT_REG_ARG], 0);
        CU_ASSERT_EQUAL(c->r[BOOT_REG_MEM], mems[k]);
        machine_free(m);
    }
    elf_free(&img);
    free(f);
}

/* The boot argument: 4095 bytes fit, 4096 do not; the empty string is a
 * boot argument too (a0 != 0). */
static void test_elf_boot_argument_length(void)
{
    uint8_t *f;
    size_t len;
    good_image(&f, &len);
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(elf_read_mem(f, len, &img, err, sizeof err));
    struct machine *m = new_machine(MEM);
    char *arg = malloc(4097);
    memset(arg, 'x', 4096);
    arg[4095] = '\0';
    CU_ASSERT(elf_boot(m, &img, arg, err, sizeof err));
    char last[2];
    CU_ASSERT_FATAL(machine_read_phys(m, MEM - 2, last, 2));
    CU_ASSERT(last[0] == 'x' && last[1] == '\0');
    arg[4095] = 'x';
    arg[4096] = '\0';
    CU_ASSERT_FALSE(elf_boot(m, &img, arg, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "boot argument is 4096 bytes long; the limit is 4095");
    CU_ASSERT(elf_boot(m, &img, "", err, sizeof err));
    CU_ASSERT_EQUAL(machine_cpu(m)->r[BOOT_REG_ARG], MEM - 4096);
    free(arg);
    machine_free(m);
    elf_free(&img);
    free(f);
}

/* --- bad images --------------------------------------------------------------- */

static void test_elf_bad_header(void)
{
    uint8_t *g;
    size_t len;
    good_image(&g, &len);
    uint8_t *f = malloc(len);

    expect_read_error(g, 0, "not an ELF file");
    expect_read_error(g, 3, "not an ELF file");
    memcpy(f, g, len);
    f[3] = 'G';
    expect_read_error(f, len, "not an ELF file");
    const char text[] = "#!/bin/sh\necho this is not a program\n";
    expect_read_error((const uint8_t *)text, sizeof text - 1, "not an ELF file");

    memcpy(f, g, len);
    f[EI_CLASS] = ELFCLASS64;
    expect_read_error(f, len, "not an ELF32 file (it is ELF64)");
    f[EI_CLASS] = ELFCLASSNONE;
    expect_read_error(f, len, "not an ELF32 file (it is of an unknown class)");

    memcpy(f, g, len);
    f[EI_DATA] = ELFDATA2MSB;
    expect_read_error(f, len, "not a little-endian ELF file");

    /* the identification is fine but the header is cut short */
    expect_read_error(g, sizeof(Elf32_Ehdr) - 1, "truncated ELF header");

    memcpy(f, g, len);
    Elf32_Ehdr eh = get_eh(f);
    eh.e_machine = EM_X86_64;
    put_eh(f, &eh);
    char want[200];
    snprintf(want, sizeof want, "not a vmlab program (ELF machine %u, expected %u)", (unsigned)EM_X86_64,
             (unsigned)('V' << 8 | 'M'));
    expect_read_error(f, len, want);

    const unsigned types[] = {ET_NONE, ET_REL, ET_DYN, ET_CORE};
    for (int i = 0; i < 4; i++) {
        memcpy(f, g, len);
        eh = get_eh(f);
        eh.e_type = (Elf32_Half)types[i];
        put_eh(f, &eh);
        snprintf(want, sizeof want, "not an executable (ELF type %u)", types[i]);
        expect_read_error(f, len, want);
    }

    memcpy(f, g, len);
    eh = get_eh(f);
    eh.e_phnum = 0;
    put_eh(f, &eh);
    expect_read_error(f, len, "no program headers: nothing to load");

    /* program headers outside the file: past the end, wrapping, or too many */
    const uint32_t offs[3] = {(uint32_t)len - 16, 0xffffffe0u, (uint32_t)len + 1000};
    for (int i = 0; i < 3; i++) {
        memcpy(f, g, len);
        eh = get_eh(f);
        eh.e_phoff = offs[i];
        put_eh(f, &eh);
        expect_read_error(f, len, "program header table is outside the file");
    }
    memcpy(f, g, len);
    eh = get_eh(f);
    eh.e_phnum = 0xffff;
    put_eh(f, &eh);
    expect_read_error(f, len, "program header table is outside the file");
    /* the file ends in the middle of the program headers */
    expect_read_error(g, sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr) + 5, "program header table is outside the file");
    free(f);
    free(g);
}

static void test_elf_bad_segments(void)
{
    uint8_t *g;
    size_t len;
    good_image(&g, &len);
    uint8_t *f = malloc(len);
    char want[300];

    /* truncated: the file ends inside .data */
    Elf32_Phdr ph = get_ph(g, 1);
    size_t cut = ph.p_offset + 10;
    snprintf(want, sizeof want, "segment 1 is truncated: it needs bytes %u..%u of a %zu-byte file", ph.p_offset,
             ph.p_offset + ph.p_filesz, cut);
    expect_read_error(g, cut, want);

    /* truncated: filesz past the end of the file */
    memcpy(f, g, len);
    ph = get_ph(f, 0);
    ph.p_filesz = ph.p_memsz = (uint32_t)len;
    put_ph(f, 0, &ph);
    snprintf(want, sizeof want, "segment 0 is truncated: it needs bytes %u..%llu of a %zu-byte file", ph.p_offset,
             (unsigned long long)ph.p_offset + len, len);
    expect_read_error(f, len, want);

    /* truncated: an offset whose end wraps around 32 bits */
    memcpy(f, g, len);
    ph = get_ph(f, 1);
    ph.p_offset = 0xfffffff0u;
    ph.p_filesz = ph.p_memsz = 0x20;
    put_ph(f, 1, &ph);
    snprintf(want, sizeof want, "segment 1 is truncated: it needs bytes %u..%llu of a %zu-byte file", 0xfffffff0u,
             0x100000010ull, len);
    expect_read_error(f, len, want);

    /* filesz > memsz */
    memcpy(f, g, len);
    ph = get_ph(f, 1);
    ph.p_memsz = ph.p_filesz - 1;
    put_ph(f, 1, &ph);
    snprintf(want, sizeof want, "segment 1 has more bytes in the file (%u) than in memory (%u)", ph.p_filesz,
             ph.p_memsz);
    expect_read_error(f, len, want);

    /* overlapping: .data moved into .text; and .bss over .data */
    memcpy(f, g, len);
    ph = get_ph(f, 1);
    ph.p_paddr = TEXT + 8;
    put_ph(f, 1, &ph);
    snprintf(want, sizeof want, "segments at 0x%08x and 0x%08x overlap", TEXT, TEXT + 8);
    expect_read_error(f, len, want);
    memcpy(f, g, len);
    ph = get_ph(f, 2);
    ph.p_paddr = DATA + 99;
    put_ph(f, 2, &ph);
    snprintf(want, sizeof want, "segments at 0x%08x and 0x%08x overlap", DATA, DATA + 99);
    expect_read_error(f, len, want);
    /* touching is not overlapping, in either order */
    memcpy(f, g, len);
    ph = get_ph(f, 2);
    ph.p_paddr = DATA + 100;
    put_ph(f, 2, &ph);
    struct elf_image img;
    char err[300];
    CU_ASSERT(elf_read_mem(f, len, &img, err, sizeof err));
    elf_free(&img);
    memcpy(f, g, len);
    ph = get_ph(f, 1);
    ph.p_paddr = TEXT - 100;
    put_ph(f, 1, &ph);
    CU_ASSERT(elf_read_mem(f, len, &img, err, sizeof err));
    elf_free(&img);

    /* past the end of the 32-bit address space */
    memcpy(f, g, len);
    ph = get_ph(f, 2);
    ph.p_paddr = 0xfffff000u;
    put_ph(f, 2, &ph);
    expect_read_error(f, len, "segment 2 runs past the end of the 32-bit address space");

    /* a segment that is not PT_LOAD is ignored, whatever it says */
    memcpy(f, g, len);
    ph = get_ph(f, 1);
    ph.p_type = PT_NOTE;
    ph.p_offset = 0xfffffff0u;
    ph.p_filesz = 0x7fffffff;
    put_ph(f, 1, &ph);
    CU_ASSERT(elf_read_mem(f, len, &img, err, sizeof err));
    CU_ASSERT_EQUAL(img.nsegs, 2);
    elf_free(&img);
    free(f);
    free(g);
}

/* Segments outside physical memory are refused at load, writing nothing. */
static void test_elf_segment_outside_memory(void)
{
    uint8_t *g;
    size_t len;
    good_image(&g, &len);
    uint8_t *f = malloc(len);
    struct machine *m = new_machine(64u << 10);
    const uint32_t at[3] = {0x10000u, 0xf000u, 0x200000u}; /* at the end, straddling, far */
    for (int i = 0; i < 3; i++) {
        memcpy(f, g, len);
        Elf32_Phdr ph = get_ph(f, 2);
        ph.p_paddr = at[i];
        put_ph(f, 2, &ph);
        struct elf_image img;
        char err[300], want[300];
        CU_ASSERT_FATAL(elf_read_mem(f, len, &img, err, sizeof err));
        uint8_t before[0x3000], after[0x3000];
        memset(before, 0x5e, sizeof before);
        CU_ASSERT_FATAL(machine_write_phys(m, 0, before, sizeof before));
        CU_ASSERT_FALSE(elf_load(m, &img, err, sizeof err));
        snprintf(want, sizeof want,
                 "segment at 0x%08x..0x%08x is outside physical memory (64 KiB; try a larger -m)", at[i],
                 at[i] + BSS_SIZE);
        CU_ASSERT_STRING_EQUAL(err, want);
        CU_ASSERT_FATAL(machine_read_phys(m, 0, after, sizeof after));
        CU_ASSERT(memcmp(before, after, sizeof before) == 0); /* .text and .data not written */
        CU_ASSERT_FALSE(elf_boot(m, &img, NULL, err, sizeof err));
        CU_ASSERT_STRING_EQUAL(err, want);
        elf_free(&img);
    }
    machine_free(m);
    free(f);
    free(g);
}

/* With a boot argument, no segment may reach into the last page. */
static void test_elf_segment_in_boot_page(void)
{
    uint8_t *g;
    size_t len;
    good_image(&g, &len);
    uint8_t *f = malloc(len);
    const uint32_t mem = 64u << 10, page = mem - 4096;
    struct machine *m = new_machine(mem);
    /* .bss (8 KiB) placed to end 16 bytes into the last page, then ending
     * exactly at its start */
    const uint32_t at[2] = {page - BSS_SIZE + 16, page - BSS_SIZE};
    for (int i = 0; i < 2; i++) {
        memcpy(f, g, len);
        Elf32_Phdr ph = get_ph(f, 2);
        ph.p_paddr = at[i];
        put_ph(f, 2, &ph);
        struct elf_image img;
        char err[300], want[300];
        CU_ASSERT_FATAL(elf_read_mem(f, len, &img, err, sizeof err));
        CU_ASSERT(elf_boot(m, &img, NULL, err, sizeof err)); /* no boot argument: fine */
        bool ok = elf_boot(m, &img, "arg", err, sizeof err);
        if (i == 0) {
            CU_ASSERT_FALSE(ok);
            snprintf(want, sizeof want,
                     "segment at 0x%08x reaches into the last page of memory (0x%08x), where the boot argument goes",
                     at[i], page);
            CU_ASSERT_STRING_EQUAL(err, want);
        } else {
            CU_ASSERT(ok);
        }
        elf_free(&img);
    }
    machine_free(m);
    free(f);
    free(g);
}

static void test_elf_bad_symbols(void)
{
    uint8_t *g;
    size_t len;
    good_image(&g, &len);
    uint8_t *f = malloc(len);
    char want[200];
    unsigned isym = find_section(g, SHT_SYMTAB);
    Elf32_Shdr sym = get_sh(g, isym);

    /* the symbol table runs past the end of the file */
    memcpy(f, g, len);
    Elf32_Shdr sh = sym;
    sh.sh_size = (uint32_t)len;
    put_sh(f, isym, &sh);
    snprintf(want, sizeof want, "symbol table %u is truncated", isym);
    expect_read_error(f, len, want);
    memcpy(f, g, len);
    sh = sym;
    sh.sh_offset = 0xfffffff0u;
    put_sh(f, isym, &sh);
    expect_read_error(f, len, want);

    /* its string table runs past the end of the file */
    memcpy(f, g, len);
    Elf32_Shdr str = get_sh(f, sym.sh_link);
    str.sh_size = (uint32_t)len;
    put_sh(f, sym.sh_link, &str);
    expect_read_error(f, len, want);

    /* links to a string table that does not exist */
    memcpy(f, g, len);
    sh = sym;
    sh.sh_link = 200;
    put_sh(f, isym, &sh);
    snprintf(want, sizeof want, "symbol table %u links to a missing string table", isym);
    expect_read_error(f, len, want);

    /* a name outside the string table */
    memcpy(f, g, len);
    Elf32_Sym s;
    memcpy(&s, f + sym.sh_offset + 2 * sizeof s, sizeof s);
    s.st_name = 0x7fffffff;
    memcpy(f + sym.sh_offset + 2 * sizeof s, &s, sizeof s);
    expect_read_error(f, len, "symbol 2 has a name outside the string table");

    /* an unterminated string table */
    memcpy(f, g, len);
    str = get_sh(f, sym.sh_link);
    f[str.sh_offset + str.sh_size - 1] = 'x';
    snprintf(want, sizeof want, "string table %u is not terminated", sym.sh_link);
    expect_read_error(f, len, want);

    /* section headers outside the file */
    memcpy(f, g, len);
    Elf32_Ehdr eh = get_eh(f);
    eh.e_shoff = (uint32_t)len - 8;
    put_eh(f, &eh);
    expect_read_error(f, len, "section header table is outside the file");
    /* the file cut inside the section headers */
    expect_read_error(g, len - 1, "section header table is outside the file");
    free(f);
    free(g);
}

/* --- fuzz ------------------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Single-byte and single-word corruptions, mostly in the headers, plus
 * truncations: the reader fails with a one-line message or succeeds, and
 * what it accepts loads and boots (or is refused) without harm. */
static void test_elf_fuzz(void)
{
    uint8_t *g;
    size_t len;
    good_image(&g, &len);
    uint8_t *f = malloc(len);
    struct machine *m = new_machine(64u << 10);
    Elf32_Ehdr geh = get_eh(g);
    const uint32_t hot[] = {0, sizeof(Elf32_Ehdr), sizeof(Elf32_Ehdr) + 3 * sizeof(Elf32_Phdr), geh.e_shoff,
                            (uint32_t)len};
    const uint32_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000u, 0xffffffffu,
                                    (uint32_t)len, (uint32_t)len - 1, 0x1000, 0xfffff000u, 0x10000};
    unsigned accepted = 0, refused = 0;
    for (int iter = 0; iter < 4000; iter++) {
        memcpy(f, g, len);
        size_t flen = len;
        uint32_t off;
        switch (rnd() % 8) {
        case 0: /* anywhere */
            off = rnd() % (uint32_t)len;
            break;
        case 1: case 2: case 3: /* ELF and program headers */
            off = rnd() % hot[2];
            break;
        default: /* section headers */
            off = hot[3] + rnd() % (hot[4] - hot[3]);
            break;
        }
        switch (rnd() % 4) {
        case 0:
            f[off] = (uint8_t)rnd();
            break;
        case 1:
            f[off] ^= (uint8_t)(1u << (rnd() % 8));
            break;
        case 2: {
            off &= ~3u;
            uint32_t v = interesting[rnd() % (sizeof interesting / sizeof interesting[0])];
            if (off + 4 <= len)
                memcpy(f + off, &v, 4);
            break;
        }
        default:
            flen = rnd() % (len + 1);
            break;
        }
        struct elf_image img;
        char err[512] = "";
        if (elf_read_mem(f, flen, &img, err, sizeof err)) {
            accepted++;
            for (int i = 0; i < 8; i++)
                (void)elf_symbol_at(&img, rnd());
            for (size_t i = 0; i < img.nsyms; i++)
                CU_ASSERT_PTR_NOT_NULL(elf_symbol_named(&img, img.syms[i].name));
            char err2[512] = "";
            if (!elf_boot(m, &img, (iter & 1) ? "boot" : NULL, err2, sizeof err2)) {
                CU_ASSERT(err2[0] != '\0');
                CU_ASSERT_PTR_NULL(strchr(err2, '\n'));
            }
            elf_free(&img);
        } else {
            refused++;
            CU_ASSERT(err[0] != '\0');
            CU_ASSERT_PTR_NULL(strchr(err, '\n'));
        }
    }
    CU_ASSERT(accepted > 100);
    CU_ASSERT(refused > 100);
    machine_free(m);
    free(f);
    free(g);
}

/* --- many segments --------------------------------------------------------------- */

#define NSEG 65535u /* the most e_phnum can count */
#define SEG_BASE 0x10000u

/* An image of NSEG segments of 4 bytes (segment i holds the word i), at
 * SEG_BASE + 4 * slot[i] for a shuffled permutation slot: every segment
 * touches its neighbours in memory, none overlaps, and neighbours in memory
 * are far apart in the file. */
static uint8_t *many_segments(uint32_t *slot, size_t *len)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint32_t i = 0; i < NSEG; i++)
        slot[i] = i;
    for (uint32_t i = NSEG - 1; i > 0; i--) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t j = (uint32_t)((x >> 33) % (i + 1));
        uint32_t t = slot[i];
        slot[i] = slot[j];
        slot[j] = t;
    }
    size_t phoff = sizeof(Elf32_Ehdr), data = phoff + NSEG * sizeof(Elf32_Phdr);
    *len = data + 4 * NSEG;
    uint8_t *f = calloc(1, *len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    Elf32_Ehdr eh = {.e_type = ET_EXEC, .e_machine = EM_VMLAB, .e_version = EV_CURRENT, .e_entry = SEG_BASE,
                     .e_phoff = (Elf32_Off)phoff, .e_ehsize = sizeof eh, .e_phentsize = sizeof(Elf32_Phdr),
                     .e_phnum = (Elf32_Half)NSEG};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    put_eh(f, &eh);
    for (uint32_t i = 0; i < NSEG; i++) {
        Elf32_Phdr ph = {.p_type = PT_LOAD, .p_offset = (Elf32_Off)(data + 4 * i), .p_vaddr = SEG_BASE + 4 * slot[i],
                         .p_paddr = SEG_BASE + 4 * slot[i], .p_filesz = 4, .p_memsz = 4, .p_flags = PF_R};
        memcpy(f + phoff + i * sizeof ph, &ph, sizeof ph);
        memcpy(f + data + 4 * i, &i, 4);
    }
    return f;
}

static void set_ph(uint8_t *f, uint32_t i, uint32_t paddr, uint32_t filesz, uint32_t memsz)
{
    Elf32_Phdr ph;
    memcpy(&ph, f + sizeof(Elf32_Ehdr) + i * sizeof ph, sizeof ph);
    ph.p_paddr = ph.p_vaddr = paddr;
    ph.p_filesz = filesz;
    ph.p_memsz = memsz;
    memcpy(f + sizeof(Elf32_Ehdr) + i * sizeof ph, &ph, sizeof ph);
}

/* 65,535 segments: read and loaded (the overlap check sorts them, it does
 * not compare every pair), and an overlap anywhere among them found and
 * named by address, lower first. */
static void test_elf_many_segments(void)
{
    static uint32_t slot[NSEG];
    size_t len;
    uint8_t *f = many_segments(slot, &len), *g = malloc(len);
    memcpy(g, f, len);
    struct elf_image img;
    char err[300];
    CU_ASSERT_FATAL(elf_read_mem(f, len, &img, err, sizeof err));
    CU_ASSERT_EQUAL(img.nsegs, NSEG);
    struct machine *m = new_machine(1u << 20);
    CU_ASSERT(elf_boot(m, &img, NULL, err, sizeof err));
    bool all = true;
    for (uint32_t i = 0; i < NSEG && all; i++) {
        uint32_t w = 0;
        CU_ASSERT_FATAL(machine_read_phys(m, SEG_BASE + 4 * slot[i], &w, 4));
        all = w == i;
    }
    CU_ASSERT(all);
    elf_free(&img);
    char want[300];

    /* the first segment in the file one word longer: it overlaps the one
     * that follows it in memory */
    uint32_t first = 0;
    while (slot[first] == NSEG - 1)
        first++;
    uint32_t a = SEG_BASE + 4 * slot[first];
    set_ph(f, first, a, 4, 8);
    snprintf(want, sizeof want, "segments at 0x%08x and 0x%08x overlap", a, a + 4);
    expect_read_error(f, len, want);
    memcpy(f, g, len);

    /* the last segment in the file moved half a word into the first's */
    a = SEG_BASE + 4 * slot[0];
    set_ph(f, NSEG - 1, a + 2, 4, 4);
    snprintf(want, sizeof want, "segments at 0x%08x and 0x%08x overlap", a, a + 2);
    expect_read_error(f, len, want);
    memcpy(f, g, len);

    /* the last one over all the others: it starts where one of them
     * starts, and that one comes first in the file */
    set_ph(f, NSEG - 1, SEG_BASE, 4, 4 * NSEG);
    snprintf(want, sizeof want, "segments at 0x%08x and 0x%08x overlap", SEG_BASE,
             slot[NSEG - 1] == 0 ? SEG_BASE + 4 : SEG_BASE);
    expect_read_error(f, len, want);
    memcpy(f, g, len);

    /* empty segments overlap nothing, even at one address */
    for (uint32_t i = 0; i < NSEG; i++)
        set_ph(f, i, SEG_BASE, 0, 0);
    CU_ASSERT(elf_read_mem(f, len, &img, err, sizeof err));
    CU_ASSERT_EQUAL(img.nsegs, NSEG);
    elf_free(&img);
    /* ...and neither does a real segment among them */
    set_ph(f, NSEG / 2, SEG_BASE, 4, 4);
    CU_ASSERT(elf_read_mem(f, len, &img, err, sizeof err));
    elf_free(&img);

    machine_free(m);
    free(f);
    free(g);
}

void suite_elf(void)
{
    CU_pSuite s = CU_add_suite("elf", NULL, NULL);
    CU_add_test(s, "write then read: entry, segments, sorted symbols", test_elf_round_trip);
    CU_add_test(s, "the writer is deterministic", test_elf_write_deterministic);
    CU_add_test(s, "load: segments copied, bss zeroed, nothing else touched", test_elf_load);
    CU_add_test(s, "boot: reset state, a0/a1, boot argument", test_elf_boot);
    CU_add_test(s, "boot argument: 4095 bytes at most", test_elf_boot_argument_length);
    CU_add_test(s, "bad headers: each with its message", test_elf_bad_header);
    CU_add_test(s, "bad segments: truncated, filesz > memsz, overlapping, past 4 GiB", test_elf_bad_segments);
    CU_add_test(s, "segment outside physical memory: refused at load, nothing written", test_elf_segment_outside_memory);
    CU_add_test(s, "segment in the boot-argument page", test_elf_segment_in_boot_page);
    CU_add_test(s, "bad symbol tables", test_elf_bad_symbols);
    CU_add_test(s, "fuzz: thousands of corruptions, no crash", test_elf_fuzz);
    CU_add_test(s, "65,535 segments: loaded; an overlap among them found", test_elf_many_segments);
}
