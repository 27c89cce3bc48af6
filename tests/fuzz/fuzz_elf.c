/*
 * fuzz_elf.c - the loader's fuzz target: any bytes as an image file.
 *
 * What must hold: the reader either refuses with one line (no newline, not
 * empty) or accepts an image whose segments lie inside the file; booting an
 * accepted image on a small machine either refuses with one line or loads
 * it, and the machine then runs a few thousand instructions without harm;
 * and vdis prints any accepted image.  (Whether vdis's text assembles
 * back is asked of images vasm made, in the asm target: vasm has one
 * contiguous range per section, which a foreign image need not fit.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "elf_load.h"
#include "fuzz_targets.h"
#include "machine.h"

#define ELF_FUZZ_MEM (256u << 10)

static bool one_line(const char *what, const char *msg, char *report, size_t len)
{
    if (msg[0] && !strchr(msg, '\n'))
        return true;
    snprintf(report, len, "%s: the message is not one line: \"%s\"", what, msg);
    return false;
}

bool fuzz_check_elf(const uint8_t *data, size_t size, char *report, size_t len)
{
    struct elf_image img;
    char err[512];
    if (size > FUZZ_MAX_INPUT)
        return true;
    if (!elf_read_mem(data, size, &img, err, sizeof err))
        return one_line("elf_read_mem", err, report, len);
    bool ok = true;
    for (size_t i = 0; i < img.nsegs && ok; i++) {
        const struct elf_segment *s = &img.segs[i];
        if ((uint64_t)s->offset + s->filesz > img.file_size || s->filesz > s->memsz) {
            snprintf(report, len, "segment %zu accepted with offset %u, filesz %u, memsz %u in a %zu-byte file", i,
                     s->offset, s->filesz, s->memsz, img.file_size);
            ok = false;
        }
    }
    struct machine *m = NULL;
    if (ok) {
        struct machine_config mc = {.mem_size = ELF_FUZZ_MEM};
        m = machine_new(&mc, err, sizeof err);
        if (!m) {
            snprintf(report, len, "machine_new: %s", err);
            ok = false;
        }
    }
    if (ok) {
        if (elf_boot(m, &img, "fuzz", err, sizeof err)) {
            struct vm_exit x;
            machine_run(m, 5000, &x);
        } else {
            ok = one_line("elf_boot", err, report, len);
        }
    }
    if (ok) {
        char *text = disasm_image(&img, "fuzz.elf", &(struct disasm_opts){0});
        if (!text) {
            snprintf(report, len, "vdis could not print an image the loader accepts");
            ok = false;
        }
        free(text);
    }
    machine_free(m);
    elf_free(&img);
    return ok;
}
