/*
 * fuzz_image.h - what an image puts in memory, compared between two
 * images: the round-trip oracle of the elf and asm targets (vdis's
 * promise is that its output assembles back into the same bytes at the
 * same addresses, with the same entry point).
 */
#ifndef VMLAB_FUZZ_IMAGE_H
#define VMLAB_FUZZ_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "elf_load.h"

/* True if a and b load the same bytes at the same addresses and start at
 * the same entry; otherwise false and where they first differ in why. */
bool fuzz_same_load(const struct elf_image *a, const struct elf_image *b, char *why, size_t len);

/* Disassemble img with vdis's code and assemble the text with vasm's; the
 * result must load as img does.  False with a report otherwise. */
bool fuzz_round_trip(const struct elf_image *img, char *report, size_t len);

#endif
