/*
 * vdis - the vmlab disassembler.
 *
 *   vdis IMAGE                       an ELF executable, with its symbols
 *   vdis --raw [--base ADDR] FILE    a file of little-endian words
 *   vdis --words [--base ADDR] W...  words given in hex, e.g. from a trap
 *
 * The output is vasm source that assembles back into the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"
#include "elf_load.h"
#include "fileio.h"

enum { EXIT_BAD_INPUT = 1, EXIT_USAGE = 2 };

static const char *prog = "vdis";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options] IMAGE\n"
            "       %s --raw [--base ADDR] FILE\n"
            "       %s --words [--base ADDR] WORD...\n"
            "\n"
            "Disassemble a vmlab ELF executable, a file of raw instruction words, or\n"
            "words given in hex, into source that vasm assembles back into the same\n"
            "bytes. Branch and jump targets are labels where the image has a symbol,\n"
            "else absolute addresses; each line's address and encoding are in a\n"
            "comment.\n"
            "\n"
            "options:\n"
            "  -o FILE        write to FILE instead of standard output\n"
            "  --raw          FILE holds little-endian words, not an ELF image\n"
            "  --words        the arguments are instruction words in hex\n"
            "  --base ADDR    address of the first raw word (default 0x%08x)\n"
            "  --numeric      registers as r0..r15 instead of their ABI names\n"
            "  --no-symbols   no labels: every target as an address\n"
            "  -h, --help     show this help\n"
            "\n"
            "-o FILE is written whole or not at all, as vasm writes (vasm -h): through\n"
            "a symbolic link, directly to a device or FIFO, never over the input or a\n"
            "read-only file.  A raw file may hold at most %u MiB.\n"
            "\n"
            "exit status: 0 done; %d unreadable input or unwritable output; %d bad\n"
            "usage, or an output that is the input (nothing written)\n",
            prog, prog, prog, ASM_DEFAULT_TEXT, ASM_MAX_FILE_BYTES >> 20, EXIT_BAD_INPUT, EXIT_USAGE);
}

static int fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s: try '%s --help'\n", prog, prog);
    return EXIT_USAGE;
}

static bool parse_u32(const char *s, int base, uint32_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

int main(int argc, char **argv)
{
    enum { OPT_RAW = 256, OPT_WORDS, OPT_BASE, OPT_NUMERIC, OPT_NO_SYMBOLS };
    static const struct option opts[] = {
        {"raw", no_argument, NULL, OPT_RAW},
        {"words", no_argument, NULL, OPT_WORDS},
        {"base", required_argument, NULL, OPT_BASE},
        {"numeric", no_argument, NULL, OPT_NUMERIC},
        {"no-symbols", no_argument, NULL, OPT_NO_SYMBOLS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct disasm_opts o = {0};
    bool raw = false, words = false, base_set = false;
    uint32_t base = ASM_DEFAULT_TEXT;
    const char *out = NULL;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case OPT_RAW: raw = true; break;
        case OPT_WORDS: words = true; break;
        case OPT_BASE:
            if (!parse_u32(optarg, 0, &base))
                return fail_usage("--base %s: not an address", optarg);
            base_set = true;
            break;
        case OPT_NUMERIC: o.numeric_regs = true; break;
        case OPT_NO_SYMBOLS: o.no_symbols = true; break;
        case 'h': usage(stdout); return 0;
        case ':': return fail_usage("%s needs an argument", argv[optind - 1]);
        default: return fail_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (raw && words)
        return fail_usage("%s", "--raw and --words do not go together");
    if (base_set && !raw && !words)
        return fail_usage("%s", "--base is for --raw and --words (an image has its own addresses)");
    if (optind >= argc)
        return fail_usage("%s", words ? "no words given" : "no input file given");
    if (!words && optind + 1 < argc)
        return fail_usage("unexpected argument %s (one file at a time)", argv[optind + 1]);

    char err[4400];
    char *text = NULL;
    const char *in = argv[optind];
    /* The output is staged before the input is read: a name that clashes
     * costs nothing, and nothing is written unless everything worked. */
    struct outset *set = NULL;
    int oi = -1;
    if (out) {
        set = outset_new(prog);
        if (!set) {
            fprintf(stderr, "%s: out of memory\n", prog);
            return EXIT_BAD_INPUT;
        }
        oi = words ? 0 : outset_input(set, in, raw ? "the input" : "the image", err, sizeof err);
        if (oi >= 0)
            oi = outset_add(set, out, "the output", err, sizeof err);
        if (oi < 0) {
            fprintf(stderr, "%s: %s\n", prog, err);
            outset_free(set);
            return oi == OUTSET_CLASH ? EXIT_USAGE : EXIT_BAD_INPUT;
        }
    }
    if (words) {
        size_t n = (size_t)(argc - optind);
        uint8_t *bytes = malloc(n * 4);
        if (!bytes)
            goto fail;
        for (size_t i = 0; i < n; i++) {
            uint32_t w;
            const char *s = argv[optind + (int)i];
            if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
                s += 2;
            if (!parse_u32(s, 16, &w)) {
                free(bytes);
                outset_free(set);
                return fail_usage("%s: not an instruction word in hex (such as 20500068)", argv[optind + (int)i]);
            }
            for (int k = 0; k < 4; k++)
                bytes[i * 4 + (size_t)k] = (uint8_t)(w >> (8 * k));
        }
        text = disasm_raw(bytes, n * 4, base, "words from the command line", &o);
        free(bytes);
    } else if (raw) {
        uint8_t *bytes;
        size_t len;
        if (!file_read_max(in, ASM_MAX_FILE_BYTES, &bytes, &len, err, sizeof err)) {
            fprintf(stderr, "%s: %s: %s\n", prog, in, err);
            goto fail;
        }
        if ((uint64_t)base + len > UINT64_C(0x100000000)) {
            fprintf(stderr, "%s: %s: %zu bytes from 0x%08x run past the end of the address space\n", prog, in, len, base);
            free(bytes);
            goto fail;
        }
        text = disasm_raw(bytes, len, base, in, &o);
        free(bytes);
    } else {
        struct elf_image img;
        if (!elf_read_file(in, &img, err, sizeof err)) {
            fprintf(stderr, "%s: %s: %s\n", prog, in, err);
            goto fail;
        }
        text = disasm_image(&img, in, &o);
        elf_free(&img);
    }
    if (!text) {
        fprintf(stderr, "%s: out of memory\n", prog);
        goto fail;
    }
    int status = 0;
    if (out) {
        if (!outset_put(set, oi, text, strlen(text), err, sizeof err) || !outset_commit(set, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", prog, err);
            status = EXIT_BAD_INPUT;
        }
    } else {
        fputs(text, stdout);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "%s: cannot write: %s\n", prog, strerror(errno));
            status = EXIT_BAD_INPUT;
        }
    }
    free(text);
    outset_free(set);
    return status;
fail:
    outset_free(set);
    return EXIT_BAD_INPUT;
}
