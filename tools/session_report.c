/*
 * session_report.c - what a stopped machine says about itself: the trap
 * behind a double fault and why it was fatal, and the registers, in the
 * same words for the bare machine and a VM (session.h, "reports").
 *
 * Everything here is read from the architectural state - the registers,
 * the control registers and memory through the program's own page tables
 * - so the two paths cannot tell it differently.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "disasm.h"
#include "ptwalk.h"
#include "session.h"

/* The symbol to place va by: the nearest label (a function or an object)
 * at or below it in the segment that holds it; else, for an address no
 * segment holds (a user program's, seen from a kernel's image) or one no
 * label precedes, the nearest other symbol, an .equ constant such as
 * USER_BASE, if it lies within CONSTANT_REACH below (farther, it is a
 * count or a size, not a base: NL2 = 1023 once placed 0xff800004 as
 * <NL2+4286577669>).  A constant that happens to lie between two labels
 * never hides the label. */
#define CONSTANT_REACH (1u << 20)
static const struct elf_symbol *symbol_for(const struct elf_image *img, uint32_t va)
{
    const struct elf_segment *seg = NULL;
    for (size_t i = 0; i < img->nsegs && !seg; i++)
        if (va >= img->segs[i].vaddr && (uint64_t)va < (uint64_t)img->segs[i].vaddr + img->segs[i].memsz)
            seg = &img->segs[i];
    const struct elf_symbol *label = NULL, *other = NULL;
    for (size_t i = 0; i < img->nsyms && img->syms[i].value <= va; i++) {
        const struct elf_symbol *s = &img->syms[i];
        if (s->type != STT_FUNC && s->type != STT_OBJECT)
            other = s;
        else if (img->nsegs == 0 || (seg && s->value >= seg->vaddr))
            label = s;
    }
    return label ? label : other && va - other->value < CONSTANT_REACH ? other : NULL;
}

/* "0x00001004 <_start+4>", or the bare address without a symbol. */
void report_where(const struct report_view *v, uint32_t va, char *buf, size_t len)
{
    const struct elf_symbol *s = v->img ? symbol_for(v->img, va) : NULL;
    if (!s)
        snprintf(buf, len, "0x%08x", va);
    else if (va == s->value)
        snprintf(buf, len, "0x%08x <%s>", va, s->name);
    else
        snprintf(buf, len, "0x%08x <%s+%u>", va, s->name, va - s->value);
}

static bool read_phys(void *ctx, uint32_t pa, void *buf, size_t len)
{
    const struct report_view *v = ctx;
    return v->read_phys(v->ctx, pa, buf, len);
}

/* The physical address the program's tables give va for a fetch in mode
 * user, without touching A or D; false, and the walk in *w, if none. */
static bool translate(const struct report_view *v, uint32_t va, bool user, uint32_t *pa, struct pt_walk *w,
                      uint32_t *cause)
{
    *cause = 0;
    if (!(v->crs[CR_STATUS] & SR_PG)) {
        *pa = va;
        return va < v->mem_size;
    }
    struct dma mem = {.ctx = (void *)v, .mem_size = v->mem_size, .read = read_phys};
    *cause = pt_walk(&mem, v->crs[CR_PTB], va, ACCESS_FETCH, user, false, w);
    if (*cause)
        return false;
    *pa = w->page | (va & PAGE_MASK);
    return true;
}

/* The little-endian word at physical pa; false if it is outside memory. */
static bool phys_word(const struct report_view *v, uint32_t pa, uint32_t *word)
{
    uint8_t b[4];
    if (!v->read_phys(v->ctx, pa, b, 4))
        return false;
    *word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

bool report_machine_memory(void *ctx, uint32_t pa, void *buf, size_t len)
{
    return machine_read_phys(ctx, pa, buf, len);
}

static bool vm_memory(void *ctx, uint32_t pa, void *buf, size_t len) { return vm_read_phys(ctx, pa, buf, len); }

struct report_view report_view_of_machine(struct machine *m, const struct elf_image *syms)
{
    struct report_view v = {.img = syms, .pc = machine_cpu(m)->pc, .mem_size = machine_mem_size(m),
                            .read_phys = report_machine_memory, .ctx = m};
    memcpy(v.regs, machine_cpu(m)->r, sizeof v.regs);
    for (unsigned c = 0; c < NCRS; c++)
        v.crs[c] = machine_get_cr(m, (enum cr)c);
    return v;
}

struct report_view report_view_of_vm(struct vm *vm, const struct elf_image *syms)
{
    struct report_view v = {.img = syms, .mem_size = vm_mem_size(vm), .read_phys = vm_memory, .ctx = vm};
    vm_regs(vm, v.regs, &v.pc, v.crs);
    return v;
}

/* The instruction at va, disassembled, or why it cannot be read. */
void report_fetch_text(const struct report_view *v, uint32_t va, bool user, char *buf, size_t len)
{
    uint32_t pa, cause, word;
    struct pt_walk w;
    if (va & 3) {
        snprintf(buf, len, "(not a multiple of 4: no instruction)");
        return;
    }
    if (!translate(v, va, user, &pa, &w, &cause) || !phys_word(v, pa, &word)) {
        snprintf(buf, len, "(its instruction cannot be fetched)");
        return;
    }
    report_insn_text(word, va, buf, len);
}

void report_insn_text(uint32_t word, uint32_t pc, char *buf, size_t len)
{
    struct isa_fields f;
    if (!isa_decode(word, &f)) {
        snprintf(buf, len, ".word 0x%08x (not an instruction)", word);
        return;
    }
    char text[96];
    disasm_insn(&f, pc, false, NULL, NULL, text, sizeof text);
    /* one space between the mnemonic and its operands, in a sentence */
    char *p = text, *q = text;
    bool gap = false;
    for (; *p; p++) {
        if (*p == ' ' && gap)
            continue;
        gap = *p == ' ';
        *q++ = *p;
    }
    *q = '\0';
    snprintf(buf, len, "%s", text);
}

/* Why the program's tables refuse va: "level-1 entry 0x... at physical
 * 0x... for virtual 0x... has V clear", and the like. */
static void explain_walk(const struct report_view *v, uint32_t va, enum access k, bool user, char *buf, size_t len)
{
    struct dma mem = {.ctx = (void *)v, .mem_size = v->mem_size, .read = read_phys};
    struct pt_walk w;
    memset(&w, 0, sizeof w);
    uint32_t cause = pt_walk(&mem, v->crs[CR_PTB], va, k, user, false, &w);
    if (!cause) {
        snprintf(buf, len, "the tables allow it now");
        return;
    }
    uint32_t at = w.entry_pa[w.level - 1];
    if (CAUSE_CODE(cause) == CAUSE_BUS_ERROR) {
        snprintf(buf, len, "the level-%d entry for virtual 0x%08x, at physical 0x%08x, is outside memory", w.level,
                 va, at);
        return;
    }
    uint32_t e = 0;
    phys_word(v, at, &e);
    char fields[96];
    pt_entry_text(e, w.level, fields, sizeof fields);
    if (!(e & PTE_V))
        snprintf(buf, len, "level-%d entry 0x%08x at physical 0x%08x for virtual 0x%08x has V clear", w.level, e,
                 at, va);
    else
        snprintf(buf, len, "level-%d entry 0x%08x at physical 0x%08x for virtual 0x%08x (%s) does not allow a %s%s",
                 w.level, e, at, va, fields, user ? "user " : "",
                 k == ACCESS_FETCH ? "fetch" : k == ACCESS_WRITE ? "store" : "load");
}

/* Whether the fetch at pc (which the tables refuse) is the first after
 * paging was turned on: the instruction before it could not have been
 * fetched through these tables, so it ran with paging off - at physical
 * pc - 4 - and it is a write of status (mtcr status, or wrsr) whose value
 * has PG set.  Nothing has run since the trap (the handler's first
 * instruction did not), so the registers still hold that value.  Its text
 * in insn. */
static bool paging_just_on(const struct report_view *v, uint32_t pc, char *insn, size_t len)
{
    uint32_t pa, cause, word;
    struct pt_walk w;
    struct isa_fields f;
    if (pc < 4 || !(v->crs[CR_STATUS] & SR_PG) || translate(v, pc - 4, false, &pa, &w, &cause) ||
        !phys_word(v, pc - 4, &word) || !isa_decode(word, &f))
        return false;
    bool writes_status = f.op == OP_WRSR || (f.op == OP_MTCR && f.imm == CR_STATUS);
    if (!writes_status || f.ra == 0 || !(v->regs[f.ra] & SR_PG))
        return false;
    report_insn_text(word, pc - 4, insn, len);
    return true;
}

void report_double_fault(FILE *f, const struct report_view *v, uint32_t cause)
{
    const uint32_t *cr = v->crs;
    char where[160], insn[128], why[200];
    /* The trap before it was delivered: epc, cause and badaddr are its. */
    uint32_t first = cr[CR_CAUSE];
    bool first_user = !(cr[CR_STATUS] & SR_PS);
    report_where(v, cr[CR_EPC], where, sizeof where);
    report_fetch_text(v, cr[CR_EPC], first_user, insn, sizeof insn);
    fprintf(f, "  the trap that led there: %s (%s) at pc %s, in %s mode: %s\n", isa_cause_name(first),
            isa_cause_desc(first), where, first_user ? "user" : "supervisor", insn);
    uint32_t code = CAUSE_CODE(first);
    if (code == CAUSE_PAGE_FAULT || code == CAUSE_MISALIGNED || code == CAUSE_BUS_ERROR) {
        enum access k = (first & CAUSE_FETCH) ? ACCESS_FETCH : (first & CAUSE_WRITE) ? ACCESS_WRITE : ACCESS_READ;
        fprintf(f, "  its address: 0x%08x (a %s)\n", cr[CR_BADADDR],
                k == ACCESS_FETCH ? "fetch" : k == ACCESS_WRITE ? "store" : "load");
        if (code == CAUSE_PAGE_FAULT && (cr[CR_STATUS] & SR_PG)) {
            explain_walk(v, cr[CR_BADADDR], k, first_user, why, sizeof why);
            if (k == ACCESS_FETCH && cr[CR_BADADDR] == cr[CR_EPC] && !first_user &&
                paging_just_on(v, cr[CR_EPC], insn, sizeof insn)) {
                report_where(v, cr[CR_EPC] - 4, where, sizeof where);
                fprintf(f, "  the fetch after paging was turned on faulted: %s, at %s, set PG, and the next "
                           "instruction is not mapped\n",
                        insn, where);
            }
            fprintf(f, "  %s\n", why);
        }
    }
    /* What made it fatal: the handler itself cannot run. */
    if (cr[CR_TVEC] == 0)
        fprintf(f, "  tvec is 0: set it (mtcr tvec) before the first trap can happen\n");
    else if ((CAUSE_CODE(cause) == CAUSE_PAGE_FAULT) && (cr[CR_STATUS] & SR_PG)) {
        explain_walk(v, cr[CR_TVEC], ACCESS_FETCH, false, why, sizeof why);
        fprintf(f, "  the handler at tvec cannot be fetched with paging on: %s\n", why);
    } else {
        report_fetch_text(v, cr[CR_TVEC], false, insn, sizeof insn);
        report_where(v, cr[CR_TVEC], where, sizeof where);
        fprintf(f, "  the handler at tvec, %s, raised %s: %s\n", where, isa_cause_name(cause), insn);
    }
}

bool report_last_trap(const struct report_view *v, char *buf, size_t len)
{
    const uint32_t *cr = v->crs;
    uint32_t code = CAUSE_CODE(cr[CR_CAUSE]);
    /* a fault, not a trap asked for (syscall, break) nor an interrupt */
    if (!code || code == CAUSE_SYSCALL || code == CAUSE_BREAK || code >= CAUSE_FIRST_INTERRUPT ||
        !(cr[CR_STATUS] & SR_PS))
        return false;
    char where[160], insn[128];
    report_where(v, cr[CR_EPC], where, sizeof where);
    report_fetch_text(v, cr[CR_EPC], false, insn, sizeof insn);
    int n = snprintf(buf, len, "%s (%s) at pc %s: %s", isa_cause_name(cr[CR_CAUSE]),
                     isa_cause_desc(cr[CR_CAUSE]), where, insn);
    if (n >= 0 && (size_t)n < len && (code == CAUSE_PAGE_FAULT || code == CAUSE_MISALIGNED || code == CAUSE_BUS_ERROR))
        snprintf(buf + n, len - (size_t)n, ", address 0x%08x", cr[CR_BADADDR]);
    return true;
}

void report_registers(FILE *f, const struct report_view *v)
{
    char where[160];
    report_where(v, v->pc, where, sizeof where);
    fprintf(f, "  pc %s\n", where);
    for (unsigned i = 0; i < NREGS; i++)
        fprintf(f, "%s%-4s %08x%s", i % 4 == 0 ? "  " : "  ", isa_reg_abi_name(i), i ? v->regs[i] : 0,
                i % 4 == 3 ? "\n" : "");
    uint32_t sr = v->crs[CR_STATUS];
    char bits[32];
    isa_status_bits(sr, bits, sizeof bits);
    fprintf(f, "  status %08x (%s)  cause %08x (%s)\n", sr, bits[0] ? bits : "user, paging off, interrupts off",
            v->crs[CR_CAUSE],
            v->crs[CR_CAUSE] ? isa_cause_name(v->crs[CR_CAUSE]) : "no trap yet");
    for (unsigned c = 0; c < NCRS; c++)
        if (c != CR_STATUS && c != CR_CAUSE)
            fprintf(f, "%s%s %08x", c == CR_EPC ? "  " : "  ", isa_cr_name(c), v->crs[c]);
    fprintf(f, "\n");
}

bool report_keep_symbols(const struct elf_image *img, struct elf_image *out)
{
    *out = (struct elf_image){0};
    size_t names = 0;
    for (size_t i = 0; i < img->nsyms; i++)
        names += strlen(img->syms[i].name) + 1;
    if (img->nsyms == 0)
        return true;
    /* the segments too: they say which addresses a label may place */
    out->file = malloc(names);
    out->syms = malloc(img->nsyms * sizeof *out->syms);
    out->segs = malloc((img->nsegs ? img->nsegs : 1) * sizeof *out->segs);
    if (!out->file || !out->syms || !out->segs) {
        elf_free(out);
        return false;
    }
    char *p = (char *)out->file;
    for (size_t i = 0; i < img->nsyms; i++) {
        size_t n = strlen(img->syms[i].name) + 1;
        memcpy(p, img->syms[i].name, n);
        out->syms[i] = img->syms[i];
        out->syms[i].name = p;
        p += n;
    }
    if (img->nsegs)
        memcpy(out->segs, img->segs, img->nsegs * sizeof *out->segs);
    out->nsegs = img->nsegs;
    out->file_size = names;
    out->nsyms = img->nsyms;
    return true;
}

void report_stop(FILE *f, const char *prefix, const struct report_view *v, enum report_stop k, uint32_t value,
                 uint64_t instret, const char *message)
{
    char at[160], last[400];
    switch (k) {
    case REPORT_HALT:
        if ((value & 0xff) && report_last_trap(v, last, sizeof last))
            fprintf(f, "%shalted with %u after a trap in supervisor mode: %s\n", prefix, value, last);
        return; /* a halt is the program's own end: no registers */
    case REPORT_INTERRUPTED:
        report_where(v, v->pc, at, sizeof at);
        fprintf(f, "%sinterrupted (Ctrl-C) after %" PRIu64 " instructions, pc %s\n", prefix, instret, at);
        break;
    case REPORT_LIMIT:
        report_where(v, v->pc, at, sizeof at);
        fprintf(f, "%sstopped at the instruction limit (%" PRIu64 " instructions), pc %s\n", prefix, instret, at);
        break;
    case REPORT_DEADLOCK: /* the pc has gone past the wfi */
        report_where(v, v->pc - 4, at, sizeof at);
        fprintf(f, "%sdeadlock: wfi at pc %s waits for an interrupt that can never come\n", prefix, at);
        break;
    case REPORT_FAILED: /* the VMM stopped the VM: its own words */
        fprintf(f, "%s%s\n", prefix, message);
        break;
    case REPORT_DOUBLE_FAULT:
        report_where(v, v->pc, at, sizeof at);
        fprintf(f, "%sdouble fault: the trap handler's first instruction, at %s, raised %s\n", prefix, at,
                isa_cause_name(value));
        report_double_fault(f, v, value);
        break;
    }
    report_registers(f, v);
}
