/*
 * guestgen.h - turning a fuzzer's bytes into a guest: a small kernel
 * for the vmlab machine whose body is an instruction stream chosen by the
 * bytes, with page tables, trap handling and devices set up so that most
 * of the stream runs and does something a VMM must get right.
 *
 * Raw bytes as machine code would mostly be illegal instructions and end
 * in a double fault within a few steps; like the structured fuzzers of
 * hypervisors (HYPER-CUBE, Nyx), the bytes are decoded into operations
 * that look like what a kernel does: privileged instructions with chosen
 * operands, page-table writes, ptb switches, loads and stores at page
 * edges, drops to user mode and back, device commands, timer interrupts,
 * and now and then a raw word.  The same bytes always give the same image.
 *
 * The guest's layout (physical; virtual with paging on is the same for
 * the kernel, see guestgen.c):
 *   0x1000  entry: the prologue, which enters the body at 0x1f00 (so
 *           that most bodies cross a page boundary); after it, `halt`
 *   0x7000  the trap handler: skips the faulting instruction, counts
 *           traps in tp (halts after GEN_MAX_TRAPS), acknowledges
 *           interrupts, and turns a syscall into a switch of mode
 *   0x8000  page tables: roots A and B, level-2 tables K, D, E, X
 *   0x10000 sixteen data frames, mapped at GEN_DATA_VA
 */
#ifndef VMLAB_FUZZ_GUESTGEN_H
#define VMLAB_FUZZ_GUESTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isa.h"

#define GEN_MEM (256u << 10)        /* the guest's memory */
#define GEN_DATA_VA 0x00400000u     /* the data frames, when paging is on */
#define GEN_MAX_TRAPS 200           /* the handler halts after this many */
#define GEN_MAX_OPS 1500            /* body operations at most */

struct gen_guest {
    enum isa_variant isa;
    bool user;              /* the body starts in user mode */
    bool paging;            /* the body starts with paging on */
    unsigned choice;        /* more bits for the runner: which shadow policy, ... */
    uint8_t *elf;           /* the image (malloc'd) */
    size_t elf_len;
    unsigned nops;          /* body operations generated */
};

/* Every guest has a disk of this many blocks. */
#define GEN_DISK_BLOCKS 8

/* Build the guest for data[0..len).  false only when out of memory. */
bool gen_guest(const uint8_t *data, size_t len, struct gen_guest *g);
void gen_guest_free(struct gen_guest *g);

#endif
