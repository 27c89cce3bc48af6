/*
 * capture.h - a console for a machine whose output is compared with
 * another's: input from a buffer, output into a growing buffer.  The
 * lockstep debugger, the difftest and the fuzzers give one to each of the
 * machines they run side by side, so that what each printed can be
 * compared byte for byte.
 */
#ifndef VMLAB_CAPTURE_H
#define VMLAB_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine.h"

struct console_capture {
    uint8_t *buf;       /* what was printed (malloc'd) */
    size_t len, cap;
    bool lost;          /* memory ran out: some bytes are missing */
    const uint8_t *in;  /* the input, read once to its end */
    size_t inlen, inpos;
};

/* An empty capture reading in[0..inlen) (in may be NULL: no input). */
void capture_init(struct console_capture *c, const uint8_t *in, size_t inlen);
/* The console_io that reads and writes c. */
struct console_io capture_io(struct console_capture *c);
/* Whether a and b printed the same bytes (and lost none). */
bool capture_same(const struct console_capture *a, const struct console_capture *b);
/* Forget what was printed and read, keeping the buffer (a machine that
 * is run again). */
void capture_clear(struct console_capture *c);
void capture_free(struct console_capture *c);

#endif
