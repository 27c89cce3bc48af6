/*
 * asmtest.h - what the assembler and disassembler tests share: assembling
 * text in memory, looking at the image it made, temporary files, and
 * running the built tools (found in $VMLAB_BIN, default build/san/bin).
 */
#ifndef VMLAB_TESTS_ASMTEST_H
#define VMLAB_TESTS_ASMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asm.h"
#include "elf_load.h"
#include "isa.h"
#include "scratch.h"

/* Assemble src under the name "t.s" (or name); res must be freed. */
bool asm_text(const char *src, struct asm_result *res);
bool asm_text_opts(const char *name, const char *src, const struct asm_options *opt, struct asm_result *res);

/* Assemble the file at path into an image (elf_free it); false, with the
 * assembler's diagnostics on stderr, if it cannot.  No CUnit assertion. */
bool asm_file_image(const char *path, struct elf_image *img);

/* The words the machine would find at addr once the image is loaded
 * (0 where no segment is).  Fails the test when src does not assemble. */
bool asm_words(const char *src, uint32_t addr, uint32_t *out, size_t n);
/* The same for bytes. */
bool asm_bytes(const char *src, uint32_t addr, uint8_t *out, size_t n);
bool image_bytes(const struct elf_image *img, uint32_t addr, uint8_t *out, size_t n);

/* src must assemble to exactly these words at 0x1000. */
void check_words_at(const char *src, uint32_t addr, const uint32_t *want, size_t n, int line);
#define CHECK_WORDS(src, ...)                                                  \
    check_words_at((src), 0x1000, (const uint32_t[]){__VA_ARGS__},             \
                   sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t), __LINE__)

/* src must fail with exactly these diagnostics. */
void check_diag_at(const char *name, const char *src, const struct asm_options *opt, const char *want, int line);
#define CHECK_DIAG(src, want) check_diag_at("t.s", (src), NULL, (want), __LINE__)

/* Encode one instruction (the test's own expectation). */
uint32_t ins(enum op op, unsigned ra, unsigned rb, unsigned rc, int32_t imm);

/* A fresh temporary directory, files in it (and its removal: scratch.h's
 * tmpdir_remove). */
char *tmpdir_make(void);
char *tmp_write(const char *dir, const char *name, const void *data, size_t len);
char *tmp_text(const char *dir, const char *name, const char *text);
char *tmp_path(const char *dir, const char *name);
char *read_text(const char *path); /* whole file, NUL-terminated, or NULL */

/* A tool of this build: $VMLAB_BIN/name (VMLAB_BIN unset: build/san/bin);
 * a message on stderr, and no CUnit assertion (a suite's set-up is
 * outside any test), if it is not there.  free() it. */
char *tool_path(const char *name);
/* The same, but NULL (and a failed test) if it is not there. */
char *tool(const char *name);
/* Run argv[0] (a path, or a name looked up in PATH when search is set)
 * with stdin from /dev/null; returns the exit status, 127 if it could not
 * be run, -1 if it died of a signal.  out and err may be NULL. */
int run_cmd(char *const argv[], bool search, char **out, char **err);

#endif
