/*
 * golden.h - the guest OS's console in the form tests/golden/ keeps it:
 * user addresses written by symbol, so that a golden file survives a user
 * library that grows (a student's new system call in guest-os/user/lib.s).
 * The rule, what moves and what does not, is in golden.c's comment and in
 * docs/testing.md ("Golden files").
 */
#ifndef VMLAB_TESTS_GOLDEN_H
#define VMLAB_TESTS_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

/* The symbols of one build of the guest OS: DIR/kernel.elf and the user
 * programs DIR/user/NAME.elf, each read when a line first names it. */
struct golden_syms;

/* NULL, with a one-line reason in err, if DIR/kernel.elf cannot be read or
 * lacks HEAP_LIMIT (guest-os/kernel/param.s). */
struct golden_syms *golden_syms_open(const char *dir, char *err, size_t errlen);
void golden_syms_close(struct golden_syms *g);

/* text (len bytes) with every user address made symbolic; NUL-terminated,
 * its length in *outlen (may be NULL); free() it.  Idempotent: the result
 * normalizes to itself. */
char *golden_normalize(struct golden_syms *g, const char *text, size_t len, size_t *outlen);

/* What golden_normalize is, so that the proof test can be handed a broken
 * one and must then fail (test_golden.c). */
typedef char *golden_normalizer(struct golden_syms *g, const char *text, size_t len, size_t *outlen);

#endif
