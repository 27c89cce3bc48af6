/*
 * fuzz_asm.c - the assembler's fuzz target: any bytes as a source file.
 *
 * What must hold: vasm either reports errors, each in the compiler style
 * `fuzz.s:LINE:COL: error: ...`, or makes an image that loads; and the
 * image survives the round trip through vdis and vasm unchanged.
 * Sources are assembled from memory, so .include and .incbin reach only
 * what the input names (the fuzzer runs in a scratch directory).
 */
#include <stdio.h>
#include <string.h>

#include "asm.h"
#include "elf_load.h"
#include "fuzz_image.h"
#include "fuzz_targets.h"

/* Every line of diag starts with "fuzz.s:" or another file's name, a line
 * and a column, and says error or note. */
static bool diag_ok(const char *diag, char *report, size_t len)
{
    for (const char *line = diag; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        bool located = memchr(line, ':', n) != NULL;
        bool kind = false;
        for (const char *k = line; k + 7 <= line + n; k++)
            if (!strncmp(k, "error: ", 7) || !strncmp(k, "note: ", 6) || !strncmp(k, "warning: ", 9))
                kind = true;
        /* caret lines and quoted source lines follow a located line */
        if (line == diag && !(located && kind)) {
            snprintf(report, len, "vasm's first diagnostic line is not `file:line:col: error: ...`: %.*s", (int)n,
                     line);
            return false;
        }
        line = end ? end + 1 : line + n;
    }
    return true;
}

bool fuzz_check_asm(const uint8_t *data, size_t size, char *report, size_t len)
{
    if (size > FUZZ_MAX_INPUT)
        return true;
    struct asm_result res;
    bool ok = asm_assemble_source("fuzz.s", (const char *)data, size, &(struct asm_options){0}, &res);
    bool good = true;
    if (!ok || !res.ok) {
        if (res.nerrors <= 0 || !res.diag || !res.diag[0]) {
            snprintf(report, len, "vasm failed without an error message");
            good = false;
        } else {
            good = diag_ok(res.diag, report, len);
        }
    } else {
        struct elf_image img;
        char err[256];
        if (!elf_read_mem(res.elf, res.elf_len, &img, err, sizeof err)) {
            snprintf(report, len, "vasm made an image the loader refuses: %s", err);
            good = false;
        } else {
            good = fuzz_round_trip(&img, report, len);
            elf_free(&img);
        }
    }
    asm_result_free(&res);
    return good;
}
