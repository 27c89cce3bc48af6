/*
 * show.c - looking at the stopped machine: registers, memory (guest-virtual
 * through the guest's own tables, or guest-physical), disassembly, VMs.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

#define MAX_UNITS 4096 /* x/NF: N at most this */

bool cmd_info_regs(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info registers takes no argument");
    struct report_view v = mon_view(mon);
    char at[200], bits[64];
    mon_where_text(mon, v.pc, at, sizeof at);
    uint32_t sr = v.crs[CR_STATUS];
    fprintf(mon->out, "%s, in %s mode\n", mon->s ? "the virtual CPU" : "the CPU", sr & SR_S ? "supervisor" : "user");
    fprintf(mon->out, "  pc      %s\n", at);
    for (unsigned i = 0; i < NREGS; i++)
        fprintf(mon->out, "%s%-4s %08x%s", i % 4 ? "  " : "  ", isa_reg_abi_name(i), i ? v.regs[i] : 0,
                i % 4 == 3 ? "\n" : "");
    isa_status_bits(sr, bits, sizeof bits);
    fprintf(mon->out, "  status  %08x (%s)\n", sr, bits[0] ? bits : "no bit set");
    fprintf(mon->out, "  cause   %08x (%s)\n", v.crs[CR_CAUSE],
            v.crs[CR_CAUSE] ? isa_cause_name(v.crs[CR_CAUSE]) : "no trap yet");
    for (unsigned c = 0, k = 0; c < NCRS; c++) {
        const char *name = isa_cr_name(c);
        if (c == CR_STATUS || c == CR_CAUSE || !name)
            continue;
        fprintf(mon->out, "%s%-7s %08x", k % 4 ? "  " : "  ", name, v.crs[c]);
        if (++k % 4 == 0)
            fprintf(mon->out, "\n");
        if (c == NCRS - 1 && k % 4)
            fprintf(mon->out, "\n");
    }
    return true;
}

/* "x/4w": the count and the unit letter (default 1 w). */
static bool parse_format(struct monitor *mon, const char *word, uint64_t *n, char *unit)
{
    const char *f = strchr(word, '/');
    *n = 1;
    *unit = 'w';
    if (!f)
        return true;
    f++;
    if (isdigit((unsigned char)*f)) {
        char digits[32];
        size_t k = 0;
        while (isdigit((unsigned char)f[k]) && k + 1 < sizeof digits) {
            digits[k] = f[k];
            k++;
        }
        digits[k] = '\0';
        char *end;
        *n = strtoull(digits, &end, 10);
        if (*n == 0 || *n > MAX_UNITS || k >= sizeof digits - 1)
            return mon_error(mon, "%s: the count is from 1 to %d", word, MAX_UNITS);
        f += k;
    }
    if (*f) {
        if ((*f != 'w' && *f != 'b' && *f != 's') || f[1])
            return mon_error(mon, "%s: not a format (/NF: N a count, F w words, b bytes or s strings)", word);
        *unit = *f;
    }
    return true;
}

/* The operands from argv[from] on, as one string with single spaces. */
static void join(int argc, char **argv, int from, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = from; i < argc && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i > from ? " " : "", argv[i]);
}

/* Bytes at a physical address: the guest's (gpa), or the real machine's
 * (hpa, under the VMM). */
static bool read_space(struct monitor *mon, enum mon_space sp, uint32_t pa, void *buf, size_t len)
{
    return sp == SPACE_HPA ? machine_read_phys(mon->m, pa, buf, len) : mon_read_phys(mon, pa, buf, len);
}

static bool word_space(struct monitor *mon, enum mon_space sp, uint32_t pa, uint32_t *w)
{
    uint8_t b[4];
    if (sp != SPACE_HPA)
        return mon_word(mon, pa, w);
    if (!machine_read_phys(mon->m, pa, b, 4))
        return false;
    *w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; /* the machine is little-endian */
    return true;
}

/* One unit's guest-physical address, in the space asked for; false after
 * mon_error. */
static bool locate(struct monitor *mon, const char *cmd, enum mon_space sp, uint32_t a, uint32_t size, uint32_t *pa)
{
    char why[256];
    if (sp == SPACE_HPA) {
        *pa = a;
        if (!read_space(mon, sp, a, (uint8_t[4]){0}, size))
            return mon_error(mon, "%s: hpa 0x%08x: outside the real machine's memory (0x%08x bytes)", cmd, a,
                             machine_mem_size(mon->m));
        return true;
    }
    if (sp == SPACE_GVA && !mon_translate(mon, a, pa, why, sizeof why))
        return mon_error(mon, "%s: gva 0x%08x: %s", cmd, a, why);
    if (sp == SPACE_GPA)
        *pa = a;
    uint8_t b[4];
    if (!mon_read_phys(mon, *pa, b, size))
        return mon_error(mon, "%s: gpa 0x%08x: outside the guest's memory (0x%08x bytes)", cmd, *pa,
                         mon_view(mon).mem_size);
    return true;
}

static void line_start(struct monitor *mon, enum mon_space sp, uint32_t a)
{
    char at[200];
    if (sp == SPACE_GVA)
        mon_where_text(mon, a, at, sizeof at);
    else
        snprintf(at, sizeof at, "%s 0x%08x", sp == SPACE_HPA ? "hpa" : "gpa", a);
    fprintf(mon->out, "%s:", at);
}

static bool examine(struct monitor *mon, int argc, char **argv, enum mon_space dflt)
{
    uint64_t n;
    char unit, text[512];
    const char *cmd = dflt == SPACE_GVA ? "x" : "xp";
    if (!parse_format(mon, argv[0], &n, &unit))
        return false;
    if (argc < 2)
        return mon_error(mon, "%s needs an address (%s/NF ADDR)", cmd, cmd);
    join(argc, argv, 1, text, sizeof text);
    enum mon_space sp;
    uint32_t a;
    if (strncmp(text, "hpa:", 4) == 0) {
        if (!mon->s)
            return mon_error(mon, "%s: %s: host-physical memory is the VMM's real machine's; natively the machine's memory is gpa: (xp)",
                             cmd, text);
        if (!mon_expr(mon, text + 4, &a))
            return false;
        sp = SPACE_HPA;
    } else if (!mon_address(mon, text, &sp, &a)) {
        return false;
    }
    if (dflt == SPACE_GPA && strncmp(text, "gva:", 4) == 0)
        return mon_error(mon, "xp: %s: xp reads guest-physical memory (x reads guest-virtual)", text);
    if (dflt == SPACE_GPA && sp != SPACE_HPA)
        sp = SPACE_GPA;
    uint32_t pa;
    if (unit == 'w') {
        if (a & 3)
            return mon_error(mon, "%s: %s 0x%08x: a word's address is a multiple of 4", cmd,
                             sp == SPACE_GVA ? "gva" : sp == SPACE_GPA ? "gpa" : "hpa", a);
        for (uint64_t i = 0; i < n; i++, a += 4) {
            uint32_t w;
            if (!locate(mon, cmd, sp, a, 4, &pa) || !word_space(mon, sp, pa, &w)) {
                if (i % 4)
                    fprintf(mon->out, "\n");
                return false;
            }
            if (i % 4 == 0)
                line_start(mon, sp, a);
            fprintf(mon->out, " 0x%08x%s", w, i % 4 == 3 || i + 1 == n ? "\n" : "");
        }
        return true;
    }
    if (unit == 'b') {
        for (uint64_t i = 0; i < n; i++, a++) {
            uint8_t b;
            if (!locate(mon, cmd, sp, a, 1, &pa) || !read_space(mon, sp, pa, &b, 1)) {
                if (i % 8)
                    fprintf(mon->out, "\n");
                return false;
            }
            if (i % 8 == 0)
                line_start(mon, sp, a);
            fprintf(mon->out, " 0x%02x%s", b, i % 8 == 7 || i + 1 == n ? "\n" : "");
        }
        return true;
    }
    /* strings: each up to its NUL, at most STRING_MAX bytes shown */
    enum { STRING_MAX = 1024 };
    for (uint64_t i = 0; i < n; i++) {
        char s[4 * STRING_MAX + 8];
        size_t k = 0;
        uint32_t start = a;
        for (unsigned len = 0;; len++, a++) {
            uint8_t b;
            if (!locate(mon, cmd, sp, a, 1, &pa) || !read_space(mon, sp, pa, &b, 1))
                return false;
            if (b == 0) {
                a++;
                break;
            }
            if (len == STRING_MAX) {
                k += (size_t)snprintf(s + k, sizeof s - k, "...");
                while (b) { /* the next string starts after this one's NUL */
                    a++;
                    if (!locate(mon, cmd, sp, a, 1, &pa) || !read_space(mon, sp, pa, &b, 1))
                        return false;
                }
                a++;
                break;
            }
            if (b == '\n')
                k += (size_t)snprintf(s + k, sizeof s - k, "\\n");
            else if (b == '"' || b == '\\')
                k += (size_t)snprintf(s + k, sizeof s - k, "\\%c", b);
            else if (b < 0x20 || b >= 0x7f)
                k += (size_t)snprintf(s + k, sizeof s - k, "\\x%02x", b);
            else
                s[k++] = (char)b;
            s[k] = '\0';
        }
        s[k] = '\0';
        line_start(mon, sp, start);
        fprintf(mon->out, " \"%s\"\n", s);
    }
    return true;
}

bool cmd_x(struct monitor *mon, int argc, char **argv) { return examine(mon, argc, argv, SPACE_GVA); }
bool cmd_xp(struct monitor *mon, int argc, char **argv) { return examine(mon, argc, argv, SPACE_GPA); }

#define DISAS_MAX 1024

bool cmd_disas(struct monitor *mon, int argc, char **argv)
{
    struct report_view v = mon_view(mon);
    enum mon_space sp = SPACE_GVA;
    uint32_t a;
    uint64_t n = 8;
    if (argc > 3)
        return mon_error(mon, "disas takes at most an address and a count (write an expression without spaces)");
    if (argc == 1) {
        a = v.pc >= 12 ? v.pc - 12 : 0;
    } else if (!mon_address(mon, argv[1], &sp, &a)) {
        return false;
    }
    if (argc == 3 && !mon_count(mon, "disas", argv[2], DISAS_MAX, &n))
        return false;
    if (a & 3)
        return mon_error(mon, "disas: %s 0x%08x: an instruction's address is a multiple of 4",
                         sp == SPACE_GVA ? "gva" : "gpa", a);
    for (uint64_t i = 0; i < n; i++, a += 4) {
        char at[200], insn[128], why[256];
        uint32_t pa, w;
        if (sp == SPACE_GVA)
            mon_where_text(mon, a, at, sizeof at);
        else
            snprintf(at, sizeof at, "gpa 0x%08x", a);
        const char *mark = sp == SPACE_GVA && a == v.pc ? "=>" : "  ";
        if (sp == SPACE_GVA && !mon_translate(mon, a, &pa, why, sizeof why)) {
            fprintf(mon->out, "%s %s: (%s)\n", mark, at, why);
        } else if (!mon_word(mon, sp == SPACE_GVA ? pa : a, &w)) {
            fprintf(mon->out, "%s %s: (outside the guest's memory)\n", mark, at);
        } else {
            report_insn_text(w, a, insn, sizeof insn);
            fprintf(mon->out, "%s %s: %08x  %s\n", mark, at, w, insn);
        }
        if (a == UINT32_MAX - 3)
            break;
    }
    return true;
}

bool cmd_info_vms(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "info vms takes no argument");
    if (!mon->s) {
        fprintf(mon->out, "no VMs: the program runs on the bare machine (--native)\n");
        return true;
    }
    for (int i = 0; i < mon->s->cfg->nvms; i++) {
        struct vm *vm = mon->s->vms[i];
        uint32_t regs[NREGS], pc, crs[NCRS];
        vm_regs(vm, regs, &pc, crs);
        char at[200];
        int save = mon->cur;
        mon->cur = i; /* its own symbols place its pc */
        mon_where_text(mon, pc, at, sizeof at);
        mon->cur = save;
        fprintf(mon->out, "%s %d %s: %s, %" PRIu64 " instructions, pc %s\n", i == mon->cur ? "*" : " ", i,
                mon->s->names[i], vm_state_name(vm_state(vm)), vm_instret(vm), at);
    }
    return true;
}

bool cmd_vm(struct monitor *mon, int argc, char **argv)
{
    if (argc != 2)
        return mon_error(mon, "vm needs a VM's name or number (info vms lists them)");
    if (!mon->s)
        return mon_error(mon, "vm %s: no VMs: the program runs on the bare machine (--native)", argv[1]);
    int n = mon->s->cfg->nvms;
    for (int i = 0; i < n; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", i);
        if (strcmp(argv[1], mon->s->names[i]) == 0 || strcmp(argv[1], num) == 0) {
            mon->cur = i;
            fprintf(mon->out, "the current VM: %d %s\n", i, mon->s->names[i]);
            monitor_where(mon);
            return true;
        }
    }
    return mon_error(mon, "vm %s: no VM of that name or number (info vms lists them)", argv[1]);
}
