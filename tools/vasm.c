/*
 * vasm - the vmlab assembler.
 *
 *   vasm [-o OUT] [-l LISTING] [-m MAP] [-I DIR]... [-D NAME[=VALUE]]... FILE.s
 *
 * Errors go to stderr as file:line:col: error: ..., the exit status is 1
 * and no output file is written, not even partly (fileio.h: output sets).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "fileio.h"

enum { EXIT_ERRORS = 1, EXIT_USAGE = 2 };

static const char *prog = "vasm";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options] FILE.s\n"
            "\n"
            "Assemble FILE.s into an ELF32 executable for the vmlab machine.\n"
            "\n"
            "options:\n"
            "  -o FILE          write the executable to FILE (default: FILE.s with\n"
            "                   its .s replaced by .elf)\n"
            "  -l FILE          also write a listing: address, encoding, source line\n"
            "  -m FILE          also write a symbol map\n"
            "  -I DIR           look for .include and .incbin files in DIR too, after\n"
            "                   the directory of the including file (repeatable)\n"
            "  -D NAME[=VALUE]  define NAME as VALUE (default 1), as .equ NAME, VALUE\n"
            "                   before the first line would: for .if (repeatable)\n"
            "  --text ADDR      start .text at ADDR when no .org says (default 0x%08x)\n"
            "  --data ADDR      start .data at ADDR when no .org says (default: the\n"
            "                   first 4096-byte boundary after the end of .text)\n"
            "  --max-errors N   stop after N errors (default %d)\n"
            "  --pseudo         list the pseudo-instructions and their expansions\n"
            "  --directives     list the directives\n"
            "  --update-docs FILE  regenerate the tables in FILE (docs/assembler.md)\n"
            "  -h, --help       show this help\n"
            "\n"
            "Outputs are written all or none, each whole: a file through a temporary\n"
            "file renamed over it (keeping its permissions), a symbolic link through\n"
            "to its target, a device or FIFO directly.  Refused, with nothing written:\n"
            "an output that is the source, an included or .incbin file, or another\n"
            "output (the same file under any name); a directory; a file whose mode\n"
            "makes it read-only.  A file with other hard links is replaced: the other\n"
            "names keep the old contents (a warning says so).\n"
            "\n"
            "limits: %u MiB per file read (source, .include, .incbin); %u bytes per\n"
            "line; expressions nested %d deep (parentheses, unary operators and .equ\n"
            "symbols evaluated from forward references, together); .include %d deep\n"
            "\n"
            "exit status: 0 assembled; %d errors in the source, or an output that\n"
            "cannot be written (nothing written); %d bad usage, or an output that\n"
            "is an input or another output (nothing written)\n",
            prog, ASM_DEFAULT_TEXT, ASM_DEFAULT_MAX_ERRORS, ASM_MAX_FILE_BYTES >> 20, ASM_MAX_LINE_BYTES,
            ASM_MAX_NESTING, ASM_MAX_INCLUDE_DEPTH, EXIT_ERRORS, EXIT_USAGE);
}

static int fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s: try '%s --help'\n", prog, prog);
    return EXIT_USAGE;
}

static bool parse_addr(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > UINT32_MAX || v % 4)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* -D NAME[=VALUE]: a name as the source spells one, and an integer. */
static bool define_ok(const char *d)
{
    const char *eq = strchr(d, '=');
    size_t n = eq ? (size_t)(eq - d) : strlen(d);
    if (n == 0 || !(isalpha((unsigned char)d[0]) || d[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)d[i]) || d[i] == '_' || d[i] == '.' || d[i] == '$'))
            return false;
    if (!eq)
        return true;
    const char *v = eq + 1;
    char *end;
    errno = 0;
    long long x = strtoll(v + (*v == '-'), &end, 0);
    (void)x;
    return *v && isdigit((unsigned char)v[*v == '-']) && !errno && *end == '\0' &&
           !(v[*v == '-'] == '0' && isdigit((unsigned char)v[1 + (*v == '-')])); /* 010: as the source refuses it */
}

static char *default_output(const char *in)
{
    size_t n = strlen(in);
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    bool dot_s = n > 2 && strcmp(in + n - 2, ".s") == 0 && in + n - 2 > base;
    size_t keep = dot_s ? n - 2 : n;
    char *out = malloc(keep + 5);
    if (out) {
        memcpy(out, in, keep);
        memcpy(out + keep, ".elf", 5);
    }
    return out;
}

static int print_table(char *text)
{
    if (!text) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_ERRORS;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

/* The report of an output set's failure: one line; a clash of names is
 * bad usage, anything else an error. */
static int output_failed(int r, const char *err)
{
    fprintf(stderr, "%s: %s\n", prog, err);
    return r == OUTSET_CLASH ? EXIT_USAGE : EXIT_ERRORS;
}

static int update_docs(const char *path)
{
    uint8_t *buf;
    size_t len;
    char err[4400];
    if (!file_read_max(path, ASM_MAX_FILE_BYTES, &buf, &len, err, sizeof err)) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        return EXIT_ERRORS;
    }
    char *text = malloc(len + 1);
    if (!text) {
        free(buf);
        return EXIT_ERRORS;
    }
    memcpy(text, buf, len);
    text[len] = '\0';
    free(buf);
    char *fresh = asm_doc_update(text, err, sizeof err);
    free(text);
    if (!fresh) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        return EXIT_ERRORS;
    }
    /* The file is its own input here: no identity check, by design. */
    struct outset *set = outset_new(prog);
    int o = set ? outset_add(set, path, "the updated file", err, sizeof err) : -1;
    if (!set)
        snprintf(err, sizeof err, "out of memory");
    int status = 0;
    if (o < 0 || !outset_put(set, o, fresh, strlen(fresh), err, sizeof err) || !outset_commit(set, err, sizeof err))
        status = output_failed(o, err);
    outset_free(set);
    free(fresh);
    return status;
}

/* Every output of a run, all or none, none of them one of the files the
 * run read. */
static int write_outputs(const struct asm_result *res, const char *const outs[3])
{
    static const char *const what[3] = {"the output", "the listing", "the map"};
    const void *data[3] = {res->elf, res->listing, res->map};
    size_t len[3] = {res->elf_len, res->listing_len, res->map_len};
    char err[4400];
    struct outset *set = outset_new(prog);
    if (!set) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_ERRORS;
    }
    int r = 0;
    for (size_t i = 0; i < res->ninputs && r >= 0; i++) {
        const struct asm_input *in = &res->inputs[i];
        r = outset_input_id(set, in->dev, in->ino, in->path,
                            in->source ? "the source" : in->binary ? "an .incbin file" : "an included file", err,
                            sizeof err);
    }
    for (int i = 0; i < 3 && r >= 0; i++) {
        if (!outs[i])
            continue;
        r = outset_add(set, outs[i], what[i], err, sizeof err);
        if (r >= 0 && !outset_put(set, r, data[i], len[i], err, sizeof err))
            r = -1;
    }
    if (r >= 0 && !outset_commit(set, err, sizeof err))
        r = -1;
    outset_free(set);
    return r < 0 ? output_failed(r, err) : 0;
}

static int run(int argc, char **argv, const char **dirs, const char **defs)
{
    enum { OPT_TEXT = 256, OPT_DATA, OPT_MAX_ERRORS, OPT_PSEUDO, OPT_DIRECTIVES, OPT_UPDATE_DOCS };
    static const struct option opts[] = {
        {"text", required_argument, NULL, OPT_TEXT},
        {"data", required_argument, NULL, OPT_DATA},
        {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
        {"pseudo", no_argument, NULL, OPT_PSEUDO},
        {"directives", no_argument, NULL, OPT_DIRECTIVES},
        {"update-docs", required_argument, NULL, OPT_UPDATE_DOCS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct asm_options opt = {0};
    const char *out = NULL, *lst = NULL, *map = NULL;
    size_t ndirs = 0, ndefs = 0;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:l:m:I:D:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'l': lst = optarg; break;
        case 'm': map = optarg; break;
        case 'I': dirs[ndirs++] = optarg; break;
        case 'D':
            if (!define_ok(optarg))
                return fail_usage("-D %s: not NAME or NAME=NUMBER (such as -D PARAVIRT=1)", optarg);
            defs[ndefs++] = optarg;
            break;
        case OPT_TEXT:
            if (!parse_addr(optarg, &opt.text_base))
                return fail_usage("--text %s: not an address (a multiple of 4, such as 0x1000)", optarg);
            opt.text_base_set = true;
            break;
        case OPT_DATA:
            if (!parse_addr(optarg, &opt.data_base))
                return fail_usage("--data %s: not an address (a multiple of 4, such as 0x8000)", optarg);
            opt.data_base_set = true;
            break;
        case OPT_MAX_ERRORS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg < '1' || *optarg > '9' || *end || n > 10000)
                return fail_usage("--max-errors %s: not a number from 1 to 10000", optarg);
            opt.max_errors = (int)n;
            break;
        }
        case OPT_PSEUDO: return print_table(asm_pseudo_table());
        case OPT_DIRECTIVES: return print_table(asm_directive_table());
        case OPT_UPDATE_DOCS: return update_docs(optarg);
        case 'h': usage(stdout); return 0;
        case ':': return fail_usage("%s needs an argument", argv[optind - 1]);
        default: return fail_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return fail_usage("%s", "no source file given");
    if (optind + 1 < argc)
        return fail_usage("unexpected argument %s (one source file at a time)", argv[optind + 1]);
    const char *in = argv[optind];
    char *def = out ? NULL : default_output(in);
    if (!out)
        out = def;
    if (!out)
        return EXIT_ERRORS;
    const char *outs[3] = {out, lst, map};
    opt.include_dirs = dirs;
    opt.ninclude_dirs = ndirs;
    opt.defines = defs;
    opt.ndefines = ndefs;
    opt.listing = lst != NULL;
    opt.map = map != NULL;

    struct asm_result res;
    asm_assemble_file(in, &opt, &res);
    fputs(res.diag, stderr);
    int status = res.ok ? write_outputs(&res, outs) : EXIT_ERRORS;
    asm_result_free(&res);
    free(def);
    return status;
}

int main(int argc, char **argv)
{
    const char **dirs = calloc((size_t)argc, sizeof *dirs); /* the -I directories */
    const char **defs = calloc((size_t)argc, sizeof *defs); /* the -D definitions */
    if (!dirs || !defs) {
        free(dirs);
        free(defs);
        return EXIT_ERRORS;
    }
    int status = run(argc, argv, dirs, defs);
    free(dirs);
    free(defs);
    return status;
}
