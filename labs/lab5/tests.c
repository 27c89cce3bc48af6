/*
 * labs/lab5/tests.c - lab 5, the x86 problem and binary translation
 * (docs/labs/lab5.md).
 *
 * Part A checks the numbers the student copied into labs/lab5/ANSWERS.md
 * against a fresh run of the tools (vpg, vrun --lockstep), never against
 * numbers written here: the kernel may move and the answers with it.
 * Part B runs the guests of labs/lab5/guests/ and the guest OS under
 * --technique bt --isa x86like beside the bare machine (vrun --lockstep,
 * which compares every register, control register and memory word after
 * every instruction), and holds the VMM's counts (--stats-json) to what
 * the host computes from the image: the unprivileged sensitive words of
 * its code, read with the machine's own instruction table.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "isa.h"
#include "lab.h"
#include "sensitive.h"

#define ELF_PF_X 1u /* the ELF program header's execute flag */
#define TIMEOUT 20

#define LOOK_SCAN "vmm/bt.c, translate (region bt-scan); docs/vmm.md section 12, \"An exit on a trap word\""
#define LOOK_INVALIDATE                                                                                                \
    "vmm/bt.c, guest_wrote (region bt-invalidate); docs/vmm.md section 12, \"The guest cannot tell\""

/* --- helpers --- */

/* The number after "key": in a --stats-json file (the first; one VM). */
static bool json_num(const char *json, const char *key, uint64_t *v)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = json ? strstr(json, pat) : NULL;
    if (!p)
        return false;
    char *end;
    errno = 0;
    *v = strtoull(p + strlen(pat), &end, 10);
    return errno == 0 && end != p + strlen(pat);
}

/* Assemble labs/lab5/guests/NAME.s into the scratch directory. */
static const char *guest(struct lab_ctx *t, const char *name)
{
    const char *elf = lab_str(t, "%s/%s.elf", lab_scratch(t), name);
    if (!lab_assemble(t, lab_str(t, "labs/lab5/guests/%s.s", name), elf))
        return NULL;
    return elf;
}

static const char *kernel(struct lab_ctx *t) { return lab_str(t, "%s/guest-os/kernel.elf", lab_build(t)); }

/* Run vrun with args (NULL-terminated, at most 12); stdin empty. */
static bool vrun(struct lab_ctx *t, struct lab_run *r, const char *const *args)
{
    const char *argv[16] = {"vrun"};
    size_t n = 1;
    while (args[n - 1] && n < 15) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    return lab_spawn(t, argv, NULL, TIMEOUT, r);
}

/* What a run said: stdout then stderr (vrun --lockstep reports on stdout,
 * the VMM's errors go to stderr). */
static const char *said(struct lab_ctx *t, const struct lab_run *r)
{
    return lab_str(t, "%s%s", r->out ? r->out : "", r->err ? r->err : "");
}

static const char *first_line(struct lab_ctx *t, const char *s)
{
    if (!s)
        return "(nothing)";
    const char *nl = strchr(s, '\n');
    return nl ? lab_str(t, "%.*s", (int)(nl - s), s) : s;
}

/* The last lines of a program's stderr, for a failure. */
static const char *tail(struct lab_ctx *t, const char *s)
{
    if (!s || !*s)
        return "(nothing on stderr)";
    size_t len = strlen(s);
    const char *p = s + len;
    int lines = 0;
    while (p > s && lines < 4)
        if (*--p == '\n' && p + 1 != s + len)
            lines++;
    return lab_str(t, "%s", p == s ? s : p + 1);
}

/* The line where the VMM stopped the VM (a stub's "lab 5: ... is not
 * written yet", a "VMM bug"), or NULL. */
static const char *vm_failure(struct lab_ctx *t, const char *s)
{
    static const char *const marks[] = {"lab 5:", "VMM bug", "not written yet"};
    for (size_t i = 0; s && i < sizeof marks / sizeof marks[0]; i++) {
        const char *p = strstr(s, marks[i]);
        if (p) {
            while (p > s && p[-1] != '\n')
                p--;
            return first_line(t, p);
        }
    }
    return NULL;
}

/* Run image under bt on isa with its statistics into the scratch
 * directory; false (and a failure) if the run did not end well. */
static char *bt_stats(struct lab_ctx *t, const char *image, const char *isa, const char *boot, const char *vmon)
{
    const char *json = lab_str(t, "%s/bt-%s.json", lab_scratch(t), isa);
    struct lab_run r;
    const char *args[] = {"--technique",          "bt", "--isa", isa, "--stats-json", json, image,
                          boot ? "--boot" : NULL, boot, NULL};
    if (!vrun(t, &r, args))
        return NULL;
    const char *stopped = vm_failure(t, said(t, &r));
    if (r.status < 0 || r.timed_out || stopped) {
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t, "%s to run to its end under --technique bt --isa %s", image, isa),
                        .happened = lab_str(t, "vrun %s: %s", r.timed_out ? "timed out" : "stopped",
                                            stopped ? stopped : tail(t, said(t, &r))),
                        .vmon = vmon,
                    });
        return NULL;
    }
    char *s = lab_read_file(json);
    if (!s)
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "vrun to write its statistics to %s", json),
                                         .happened = lab_str(t, "no file: %s", tail(t, r.err))});
    return s;
}

static uint64_t stat_of(struct lab_ctx *t, const char *json, const char *key)
{
    uint64_t v = 0;
    if (!json_num(json, key, &v))
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "the key \"%s\" in vrun's --stats-json", key),
                                         .happened = "it is not there (a build older than the handout?)"});
    return v;
}

/* vrun --lockstep under bt: true if the bare machine and the VMM agree at
 * every instruction; else a failure with the lockstep's report. */
static bool lockstep_agrees(struct lab_ctx *t, const char *image, const char *isa, const char *boot, const char *what,
                            const char *look, const char *vmon)
{
    struct lab_run r;
    const char *args[] = {"--lockstep", "--technique", "bt", "--isa", isa, image, boot ? "--boot" : NULL, boot, NULL};
    if (!vrun(t, &r, args))
        return false;
    const char *report = said(t, &r);
    if (r.status == 0 && strstr(report, " agree "))
        return true;
    /* the lockstep says where the VM stopped, not why: a plain run does */
    const char *plain[] = {"--technique", "bt", "--isa", isa, image, boot ? "--boot" : NULL, boot, NULL};
    struct lab_run p;
    const char *stopped = vrun(t, &p, plain) ? vm_failure(t, said(t, &p)) : NULL;
    if (stopped)
        report = lab_str(t, "%s%s(run without --lockstep, the VMM stopped the VM: %s)", report,
                         *report && report[strlen(report) - 1] == '\n' ? "" : "\n", stopped);
    lab_fail(t, (struct lab_failure){
                    .expected = lab_str(
                        t, "%s: the VMM (--technique bt --isa %s) and the bare machine agree after every instruction",
                        what, isa),
                    .happened = lab_str(t, "vrun --lockstep --technique bt --isa %s %s%s%s%s: %s", isa, image,
                                        boot ? " --boot '" : "", boot ? boot : "", boot ? "'" : "",
                                        r.timed_out ? "timed out" : tail(t, report)),
                    .look = look,
                    .vmon = vmon,
                });
    return false;
}

/* Host-side: the words of the image's executable segments that are
 * sensitive and do not trap in user mode on isa: what a translation of all
 * of its code patches.  -1 if the image cannot be read. */
static long host_patchable(struct lab_ctx *t, const char *image, enum isa_variant isa)
{
    struct elf_image img;
    char err[256];
    if (!elf_read_file(image, &img, err, sizeof err)) {
        lab_fail(t,
                 (struct lab_failure){.expected = lab_str(t, "to read %s", image), .happened = lab_str(t, "%s", err)});
        return -1;
    }
    long n = 0;
    for (size_t s = 0; s < img.nsegs; s++) {
        const struct elf_segment *seg = &img.segs[s];
        if (!(seg->flags & ELF_PF_X))
            continue;
        for (uint32_t o = 0; o + 4 <= seg->filesz; o += 4) {
            const uint8_t *b = img.file + seg->offset + o;
            uint32_t word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            struct isa_fields f;
            if (isa_decode(word, &f) && sensitive_op(f.op) && !isa_insns[f.op].traps_in_user[isa]) {
                lab_note(t, "host: %s at 0x%08" PRIx32 " does not trap in user mode on %s", isa_insns[f.op].mnem,
                         seg->vaddr + o, isa_variant_name(isa));
                n++;
            }
        }
    }
    elf_free(&img);
    return n;
}

/* --- Part A: ANSWERS.md --- */

/* The answer after "KEY:" on a line of labs/lab5/ANSWERS.md, trimmed, or
 * NULL (with a failure) if there is none. */
static const char *answer(struct lab_ctx *t, const char *answers, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = answers; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t' || *p == '-' || *p == '*'))
            p++, len--;
        if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == ':') {
            const char *v = p + klen + 1;
            size_t vlen = len - klen - 1;
            while (vlen && isspace((unsigned char)*v))
                v++, vlen--;
            while (vlen && isspace((unsigned char)v[vlen - 1]))
                vlen--;
            if (vlen)
                return lab_str(t, "%.*s", (int)vlen, v);
            break;
        }
        p = nl ? nl + 1 : p + len;
    }
    lab_fail(t, (struct lab_failure){
                    .expected = lab_str(t, "a line \"%s: ...\" with your answer in labs/lab5/ANSWERS.md", key),
                    .happened = "no answer there (the template's line is still empty, or was renamed)",
                    .look = "labs/lab5/ANSWERS.md; docs/labs/lab5.md, part A",
                });
    return NULL;
}

static char *answers_file(struct lab_ctx *t)
{
    const char *path = lab_str(t, "%s/labs/lab5/ANSWERS.md", lab_root(t));
    char *s = lab_read_file(path);
    if (!s)
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "your answers in %s", path),
                                         .happened = "the file cannot be read",
                                         .look = "docs/labs/lab5.md, part A"});
    return s;
}

/* A list of mnemonics, normalized: lower case, sorted, ", " between;
 * "none" for an empty list (vpg's "holds"). */
static const char *mnemonic_set(struct lab_ctx *t, const char *list)
{
    char words[32][16];
    size_t n = 0;
    for (const char *p = list; *p && n < 32;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        size_t len = 0;
        while (isalnum((unsigned char)p[len]))
            len++;
        if (!len)
            break;
        if (len < 16) {
            for (size_t i = 0; i < len; i++)
                words[n][i] = (char)tolower((unsigned char)p[i]);
            words[n][len] = '\0';
            if (strcmp(words[n], "none") && strcmp(words[n], "holds"))
                n++;
        }
        p += len;
    }
    qsort(words, n, sizeof words[0], (int (*)(const void *, const void *))strcmp);
    char out[512] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? ", " : "", words[i]);
    return lab_str(t, "%s", n ? out : "none");
}

/* vpg's verdict on a theorem, as a normalized set ("none": it holds). */
static const char *vpg_verdict(struct lab_ctx *t, const char *isa, int theorem)
{
    struct lab_run r;
    const char *argv[] = {"vpg", "--isa", isa, NULL};
    if (!lab_spawn(t, argv, NULL, TIMEOUT, &r) || r.status != 0) {
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "vpg --isa %s to run", isa),
                                         .happened = lab_str(t, "it did not: %s", tail(t, r.err))});
        return NULL;
    }
    const char *line = strstr(r.out, theorem == 1 ? "\nTheorem 1 " : "\nTheorem 3 ");
    const char *verdict = line ? strstr(line, "): ") : NULL;
    if (!verdict) {
        lab_fail(t, (struct lab_failure){.expected = "vpg to print its verdicts", .happened = first_line(t, r.out)});
        return NULL;
    }
    verdict += 3;
    if (strncmp(verdict, "fails: ", 7) == 0)
        verdict += 7;
    return mnemonic_set(t, first_line(t, verdict));
}

static void test_vpg_answers(struct lab_ctx *t)
{
    char *a = answers_file(t);
    if (!a)
        return;
    static const struct {
        const char *key, *isa;
        int theorem;
    } q[] = {
        {"theorem1-pg", "pg", 1},
        {"theorem1-x86like", "x86like", 1},
        {"theorem3-x86like", "x86like", 3},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        const char *mine = answer(t, a, q[i].key);
        const char *vpg = vpg_verdict(t, q[i].isa, q[i].theorem);
        if (!mine || !vpg)
            continue;
        const char *set = mnemonic_set(t, mine);
        lab_note(t, "%s: yours %s, vpg's %s", q[i].key, set, vpg);
        if (strcmp(set, vpg))
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "%s: the instructions that break Theorem %d on %s, as vpg --isa %s "
                                                "lists them (\"none\" if it holds)",
                                                q[i].key, q[i].theorem, q[i].isa, q[i].isa),
                            .happened = lab_str(t, "you wrote \"%s\" (read as: %s)", mine, set),
                            .vmon = NULL,
                        });
    }
    free(a);
}

/* The lockstep's report of trap-and-emulate on x86like, parsed. */
struct divergence {
    unsigned long after;
    uint32_t pc, native, vmm;
    char reg[16], sym[64], insn[64];
};

static bool parse_divergence(const char *err, struct divergence *d)
{
    const char *p = strstr(err, "first difference after instruction ");
    if (!p || sscanf(p, "first difference after instruction %lu: %15[^:]: native 0x%" SCNx32 ", vmm 0x%" SCNx32,
                     &d->after, d->reg, &d->native, &d->vmm) != 4)
        return false;
    p = strstr(p, "the instruction: ");
    if (!p || sscanf(p, "the instruction: 0x%" SCNx32 " <%63[^>]>", &d->pc, d->sym) != 2)
        return false;
    p = strstr(p, "mode: ");
    if (!p || sscanf(p, "mode: %63[^\n]", d->insn) != 1)
        return false;
    return true;
}

static bool same_number(const char *mine, uint64_t want)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(mine, &end, 0);
    while (*end == ' ')
        end++;
    return errno == 0 && end != mine && *end == '\0' && v == want;
}

static void test_lockstep_answers(struct lab_ctx *t)
{
    char *a = answers_file(t);
    if (!a)
        return;
    struct lab_run r;
    const char *args[] = {"--lockstep", "--isa", "x86like", kernel(t), NULL};
    struct divergence d;
    if (!vrun(t, &r, args))
        goto out;
    if (!parse_divergence(said(t, &r), &d)) {
        lab_fail(t, (struct lab_failure){.expected = "vrun --lockstep --isa x86like to report a first difference",
                                         .happened = tail(t, said(t, &r))});
        goto out;
    }
    const char *after = answer(t, a, "divergence-after");
    const char *pc = answer(t, a, "divergence-pc");
    const char *insn = answer(t, a, "divergence-instruction");
    const char *native = answer(t, a, "divergence-native");
    const char *vmm = answer(t, a, "divergence-vmm");
    const char *fresh =
        lab_str(t, "after instruction %lu, pc 0x%08" PRIx32 " <%s>, \"%s\", native 0x%08" PRIx32 ", vmm 0x%08" PRIx32,
                d.after, d.pc, d.sym, d.insn, d.native, d.vmm);
    lab_note(t, "fresh run: %s", fresh);
    if (after && !same_number(after, d.after))
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(
                            t, "divergence-after: %lu (the instructions both ran alike before the first difference)",
                            d.after),
                        .happened = lab_str(t, "you wrote %s", after)});
    /* the pc by number or by symbol: code may move, the place does not */
    if (pc && !same_number(pc, d.pc) && strcmp(pc, d.sym) && !strstr(pc, lab_str(t, "<%s>", d.sym)))
        lab_fail(t,
                 (struct lab_failure){.expected = lab_str(t, "divergence-pc: 0x%08" PRIx32 " (or <%s>)", d.pc, d.sym),
                                      .happened = lab_str(t, "you wrote %s", pc)});
    if (insn && strcmp(mnemonic_set(t, insn), mnemonic_set(t, d.insn)))
        lab_fail(t, (struct lab_failure){.expected = lab_str(t, "divergence-instruction: %s", d.insn),
                                         .happened = lab_str(t, "you wrote %s", insn)});
    if (native && !same_number(native, d.native))
        lab_fail(t, (struct lab_failure){.expected = lab_str(t,
                                                             "divergence-native: 0x%08" PRIx32
                                                             " (what the bare machine's %s holds after it)",
                                                             d.native, d.reg),
                                         .happened = lab_str(t, "you wrote %s", native)});
    if (vmm && !same_number(vmm, d.vmm))
        lab_fail(t, (struct lab_failure){.expected = lab_str(t,
                                                             "divergence-vmm: 0x%08" PRIx32
                                                             " (what the guest's %s holds under trap-and-emulate)",
                                                             d.vmm, d.reg),
                                         .happened = lab_str(t, "you wrote %s", vmm)});
out:
    free(a);
}

/* --- Part B: binary translation --- */

#define VMON_SENSITIVE                                                                                                 \
    "vmon --technique bt --isa x86like sensitive.elf: catch translated, continue (each block: its length and how "     \
    "many words were patched), x/16w _start (the guest's words); vrun --lockstep --technique bt --isa x86like "        \
    "sensitive.elf"

static void test_bt_supervisor(struct lab_ctx *t)
{
    const char *elf = guest(t, "sensitive");
    if (elf)
        lockstep_agrees(
            t, elf, "x86like", NULL, "labs/lab5/guests/sensitive.s (rdsr, wrsr, rdptb in supervisor mode)", LOOK_SCAN,
            lab_str(t,
                    "vrun --lockstep --technique bt --isa x86like %s names the first instruction that differs; "
                    "vmon --technique bt --isa x86like %s: break at it, catch translated, continue",
                    elf, elf));
}

static void test_bt_every_sensitive(struct lab_ctx *t)
{
    const char *elf = guest(t, "sensitive");
    if (!elf)
        return;
    long want = host_patchable(t, elf, ISA_X86LIKE);
    char *json = bt_stats(t, elf, "x86like", NULL, VMON_SENSITIVE);
    if (!json || want < 0)
        goto out;
    uint64_t patched = stat_of(t, json, "patched"), blocks = stat_of(t, json, "blocks");
    if (patched != (uint64_t)want)
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(t,
                                            "%ld words patched: sensitive.s runs all its code, and its blocks hold %ld "
                                            "rdsr, wrsr and rdptb (several in one block)",
                                            want, want),
                        .happened = lab_str(t,
                                            "the VMM counted %" PRIu64
                                            " patched (translation.patched in --stats-json), in %" PRIu64 " blocks%s",
                                            patched, blocks,
                                            patched < (uint64_t)want
                                                ? ": some sensitive instruction of a block was copied as it is"
                                                : ": more than the unprivileged sensitive ones"),
                        .look = LOOK_SCAN,
                        .vmon = VMON_SENSITIVE,
                    });
out:
    free(json);
}

static void test_bt_rule(struct lab_ctx *t)
{
    const char *elf = guest(t, "sensitive");
    if (!elf)
        return;
    /* on pg every sensitive instruction traps in user mode: nothing to patch */
    char *json = bt_stats(t, elf, "pg", NULL, "vmon --technique bt --isa pg sensitive.elf: catch translated, continue");
    if (json) {
        uint64_t patched = stat_of(t, json, "patched");
        if (patched != 0)
            lab_fail(t, (struct lab_failure){
                            .expected = "0 words patched on --isa pg: there every sensitive instruction traps in user "
                                        "mode by itself (isa_insns[op].traps_in_user[ISA_PG])",
                            .happened = lab_str(
                                t,
                                "%" PRIu64 " patched on pg, more than the unprivileged sensitive ones (none on pg): "
                                           "the scan patches by opcode, not by the VM's ISA (vm->vmm->cfg.isa)",
                                patched),
                            .look = LOOK_SCAN,
                        });
        lockstep_agrees(t, elf, "pg", NULL, "sensitive.s on pg", LOOK_SCAN, NULL);
    }
    free(json);
}

static void test_bt_usermode(struct lab_ctx *t)
{
    const char *elf = guest(t, "usermode");
    if (!elf)
        return;
    const char *vmon = lab_str(t,
                               "vmon --technique bt --isa x86like %s: break user2, continue, step, info cpu (the "
                               "virtual status beside the real one); "
                               "vrun --lockstep --technique bt --isa x86like %s",
                               elf, elf);
    /* Everything up to user2 agrees (the kernel's rdsr/wrsr, user code with
     * paging off, translated); user2's rdsr, user mode with paging on, runs
     * untranslated and reads the real status: the first difference. */
    struct lab_run r;
    const char *args[] = {"--lockstep", "--technique", "bt", "--isa", "x86like", elf, NULL};
    struct divergence d;
    if (!vrun(t, &r, args))
        return;
    const char *report = said(t, &r);
    if (!parse_divergence(report, &d) || strcmp(d.sym, "user2") || !strstr(report, "in user mode: rdsr")) {
        lab_fail(
            t, (struct lab_failure){
                   .expected = "the bare machine and bt to agree up to the first rdsr at <user2> (user mode, paging "
                               "on), and to differ there: that user code runs untranslated, as on the real CPU, and "
                               "reads the real status (docs/vmm.md section 12: virtual user mode runs untranslated)",
                   .happened = lab_str(t, "vrun --lockstep --technique bt --isa x86like %s: %s", elf, tail(t, report)),
                   .look = LOOK_SCAN,
                   .vmon = vmon,
               });
        return;
    }
    /* host-side: user2's unprivileged sensitive words, run once each, must
     * run silently (untranslated) under bt, and the others not */
    char *json = bt_stats(t, elf, "x86like", NULL, vmon);
    struct elf_image img;
    char err[256];
    if (!json || !elf_read_file(elf, &img, err, sizeof err)) {
        free(json);
        return;
    }
    const struct elf_symbol *u2 = elf_symbol_named(&img, "user2");
    uint64_t want = 0;
    for (size_t s = 0; u2 && s < img.nsegs; s++) {
        const struct elf_segment *seg = &img.segs[s];
        for (uint32_t va = u2->value; va >= seg->vaddr && va + 4 <= seg->vaddr + seg->filesz; va += 4) {
            const uint8_t *b = img.file + seg->offset + (va - seg->vaddr);
            struct isa_fields f;
            if (!isa_decode((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24, &f) ||
                f.op == OP_SYSCALL)
                break;
            want += sensitive_op(f.op) && !isa_insns[f.op].traps_in_user[ISA_X86LIKE];
        }
    }
    elf_free(&img);
    uint64_t silent = stat_of(t, json, "silent_sensitive");
    if (silent != want)
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(
                            t,
                            "%" PRIu64
                            " sensitive instructions run silently in user mode (those of user2, paging on, "
                            "untranslated); those of user, with paging off, run from the translation and are emulated",
                            want),
                        .happened = lab_str(t, "silent_sensitive in --stats-json: %" PRIu64, silent),
                        .look = LOOK_SCAN,
                        .vmon = vmon,
                    });
    free(json);
}

static void test_bt_selfmod(struct lab_ctx *t)
{
    const char *elf = guest(t, "selfmod");
    if (!elf)
        return;
    const char *vmon = lab_str(t,
                               "vmon --technique bt --isa x86like %s: break f, continue, continue (the second call: "
                               "x/3w f shows the guest's new words; step shows what really runs); catch translated",
                               elf);
    if (!lockstep_agrees(t, elf, "x86like", NULL, "labs/lab5/guests/selfmod.s (rewrites f after running it)",
                         LOOK_INVALIDATE, vmon))
        return;
    char *json = bt_stats(t, elf, "x86like", NULL, vmon);
    if (!json)
        return;
    uint64_t inv = stat_of(t, json, "invalidations");
    if (inv != 2)
        lab_fail(t, (struct lab_failure){
                        .expected = "2 invalidations: the sw over f's first word, and the first sh over its second "
                                    "(the second sh finds that word no longer translated)",
                        .happened = lab_str(t, "translation.invalidations in --stats-json: %" PRIu64, inv),
                        .look = LOOK_INVALIDATE,
                        .vmon = vmon,
                    });
    free(json);
}

static void test_bt_os(struct lab_ctx *t)
{
    const char *k = kernel(t);
    const char *vmon =
        lab_str(t,
                "vrun --lockstep --technique bt --isa x86like %s names the first instruction that differs; "
                "vmon --technique bt --isa x86like %s: break there, catch translated, continue",
                k, k);
    if (!lockstep_agrees(t, k, "x86like", NULL, "the guest OS's demo", LOOK_SCAN, vmon))
        return;
    /* another workload, whole: console and instructions as on the bare machine */
    const char *boot = "critical 2000; forkwait 40; syscalls 2000";
    struct lab_run n, b;
    const char *nargs[] = {"--native", "--isa", "x86like", k, "--boot", boot, NULL};
    const char *bargs[] = {"--technique", "bt", "--isa", "x86like", k, "--boot", boot, NULL};
    if (!vrun(t, &n, nargs) || !vrun(t, &b, bargs))
        return;
    if (b.status != n.status || strcmp(b.out, n.out))
        lab_fail(t, (struct lab_failure){
                        .expected = lab_str(
                            t, "with --boot '%s', the console and exit status of the bare machine (%d): \"%s\"...",
                            boot, n.status, first_line(t, n.out)),
                        .happened = lab_str(t, "under bt: status %d, console \"%s\"..., stderr: %s", b.status,
                                            first_line(t, b.out), tail(t, b.err)),
                        .look = LOOK_SCAN,
                        .vmon = lab_str(t, "vrun --lockstep --technique bt --isa x86like %s --boot '%s'", k, boot),
                    });
}

static void test_bt_counts(struct lab_ctx *t)
{
    const char *k = kernel(t);
    long want = host_patchable(t, k, ISA_X86LIKE);
    char *x86 = bt_stats(t, k, "x86like", NULL,
                         "vmon --technique bt --isa x86like kernel.elf: catch translated, continue; info stats");
    if (!x86 || want < 0) {
        free(x86);
        return;
    }
    const char *json_pg = lab_str(t, "%s/te-pg.json", lab_scratch(t));
    struct lab_run r;
    const char *args[] = {"--isa", "pg", "--stats-json", json_pg, k, NULL};
    char *pg = vrun(t, &r, args) ? lab_read_file(json_pg) : NULL;
    uint64_t blocks = stat_of(t, x86, "blocks"), translated = stat_of(t, x86, "TRANSLATED"),
             patched = stat_of(t, x86, "patched");
    if (blocks == 0 || blocks != translated)
        lab_fail(t,
                 (struct lab_failure){
                     .expected =
                         "one TRANSLATED exit per block translated (translation.blocks == exits.TRANSLATED), and some",
                     .happened = lab_str(t, "%" PRIu64 " blocks, %" PRIu64 " TRANSLATED exits", blocks, translated),
                     .look = LOOK_SCAN});
    /* the demo need not reach every one (the test's output lists them) */
    if (patched == 0 || patched > (uint64_t)want)
        lab_fail(t,
                 (struct lab_failure){
                     .expected = lab_str(t,
                                         "between 1 and %ld words patched in the kernel's demo: its code holds %ld "
                                         "rdsr, wrsr and rdptb (the test's output lists them), and the demo runs some",
                                         want, want),
                     .happened = lab_str(t, "translation.patched: %" PRIu64 "%s", patched,
                                         patched ? ", more than the unprivileged sensitive ones its code holds" : ""),
                     .look = LOOK_SCAN,
                     .vmon = "vmon --technique bt --isa x86like kernel.elf: catch translated, continue (each block "
                             "says how many words it patched)"});
    /* each patched word traps as the privileged instruction does on pg:
     * the same instruction stream, the same emulations */
    static const char *const ops[] = {"rdsr", "wrsr", "rdptb"};
    for (size_t i = 0; pg && i < 3; i++) {
        uint64_t a = stat_of(t, x86, ops[i]), b = stat_of(t, pg, ops[i]);
        if (a != b)
            lab_fail(t, (struct lab_failure){
                            .expected = lab_str(t,
                                                "%s emulated as often under bt on x86like as under trap-and-emulate on "
                                                "pg, where it traps by itself: %" PRIu64,
                                                ops[i], b),
                            .happened = lab_str(t, "%" PRIu64 " (emulated_by_instruction.%s)", a, ops[i]),
                            .look = LOOK_SCAN});
    }
    free(pg);
    free(x86);
}

static const struct lab_test tests[] = {
    {"vpg-answers", 10, "ANSWERS.md: which instructions break Theorems 1 and 3 on pg and x86like, as vpg finds",
     "labs/lab5/ANSWERS.md; tools/vpg.c; docs/isa.md section 10", "vpg; vpg --isa x86like; vpg --isa x86like --json",
     test_vpg_answers},
    {"lockstep-answers", 10,
     "ANSWERS.md: trap-and-emulate's first divergence on x86like, as vrun --lockstep reports it",
     "labs/lab5/ANSWERS.md; docs/experiments.md section 3", "vrun --lockstep --isa x86like build/guest-os/kernel.elf",
     test_lockstep_answers},
    {"bt-supervisor", 15,
     "sensitive.s (rdsr, wrsr, rdptb in supervisor mode) under bt on x86like agrees with the bare machine at every "
     "instruction",
     LOOK_SCAN, VMON_SENSITIVE, test_bt_supervisor},
    {"bt-every-sensitive", 10, "every rdsr, wrsr and rdptb of a block is patched, not only the first", LOOK_SCAN,
     VMON_SENSITIVE, test_bt_every_sensitive},
    {"bt-rule", 5, "the scan follows the VM's ISA: on pg nothing is patched", LOOK_SCAN, NULL, test_bt_rule},
    {"bt-usermode", 10,
     "user code with paging on runs untranslated (it reads the real status), with paging off from the translation",
     LOOK_SCAN, NULL, test_bt_usermode},
    {"bt-selfmod", 15, "a guest that rewrites code it ran runs its new code: the translation is invalidated",
     LOOK_INVALIDATE, NULL, test_bt_selfmod},
    {"bt-os", 15,
     "the guest OS under bt on x86like: the demo agrees at every instruction, another workload prints the same",
     LOOK_SCAN, NULL, test_bt_os},
    {"bt-counts", 10, "blocks, patches and emulations of the guest OS's demo are what the kernel's code implies",
     LOOK_SCAN, NULL, test_bt_counts},
};

const struct lab lab5 = {5, "The x86 problem: vpg, the divergence, and binary translation", tests,
                         sizeof tests / sizeof tests[0]};
