/*
 * arch.h - the architectural constants of the vmlab machine besides its
 * instructions: registers, control registers, status bits, trap causes,
 * page-table entries, I/O ports and device registers.  docs/isa.md explains
 * each one; this file is the only place their values are written.
 */
#ifndef VMLAB_ARCH_H
#define VMLAB_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define NREGS 16            /* r0..r15; r0 always reads as zero */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define PAGE_MASK (PAGE_SIZE - 1)
/* The TLB: direct-mapped, virtual page number vpn in entry vpn mod
 * TLB_ENTRIES (docs/isa.md section 7; it decides which stale entries
 * survive, so it is architectural). */
#define TLB_ENTRIES 64

/*
 * General registers.  X(number, name, abi_name, role)
 * The ABI names and roles are the calling convention of docs/assembler.md;
 * the hardware treats every register alike except r0.
 */
#define ISA_REGISTERS(X)                                                      \
    X(0,  "r0",  "zero", "always zero; writes are ignored")                  \
    X(1,  "r1",  "ra",   "return address")                                    \
    X(2,  "r2",  "sp",   "stack pointer (grows down)")                        \
    X(3,  "r3",  "gp",   "global pointer")                                    \
    X(4,  "r4",  "tp",   "thread pointer")                                    \
    X(5,  "r5",  "t0",   "temporary")                                         \
    X(6,  "r6",  "t1",   "temporary")                                         \
    X(7,  "r7",  "t2",   "temporary")                                         \
    X(8,  "r8",  "s0",   "saved / frame pointer")                             \
    X(9,  "r9",  "s1",   "saved")                                             \
    X(10, "r10", "a0",   "argument 0 / return value")                         \
    X(11, "r11", "a1",   "argument 1 / second return value")                  \
    X(12, "r12", "a2",   "argument 2")                                        \
    X(13, "r13", "a3",   "argument 3")                                        \
    X(14, "r14", "a4",   "argument 4")                                        \
    X(15, "r15", "a5",   "argument 5")

/* Other names some registers go by.  X(number, name) */
#define ISA_REGISTER_ALIASES(X) X(8, "fp")

/* Control registers, read with mfcr and written with mtcr.
 * X(NAME, number, name, description) */
#define ISA_CONTROL_REGISTERS(X)                                              \
    X(STATUS,  0, "status",  "status word: mode, interrupt enable, paging")  \
    X(EPC,     1, "epc",     "exception PC: where the last trap happened")   \
    X(CAUSE,   2, "cause",   "cause of the last trap (code | detail)")       \
    X(BADADDR, 3, "badaddr", "faulting address, or the instruction word")    \
    X(TVEC,    4, "tvec",    "trap-vector base: where traps jump")           \
    X(PTB,     5, "ptb",     "page-table base: physical address of level 1") \
    X(TIMER,   6, "timer",   "interval timer: instructions left until it fires") \
    X(SCRATCH, 7, "scratch", "scratch word for the trap handler")

enum cr {
#define X(NAME, num, name, desc) CR_##NAME = num,
    ISA_CONTROL_REGISTERS(X)
#undef X
    NCRS
};

/* Status word bits.  X(NAME, bit, name, description) */
#define ISA_STATUS_BITS(X)                                                    \
    X(S,   0, "S",   "mode: 1 supervisor, 0 user")                           \
    X(IE,  1, "IE",  "interrupts enabled")                                   \
    X(PS,  2, "PS",  "previous S, saved by a trap, restored by rfe")         \
    X(PIE, 3, "PIE", "previous IE, saved by a trap, restored by rfe")        \
    X(PG,  4, "PG",  "paging enabled")

enum {
#define X(NAME, bit, name, desc) SR_##NAME = 1u << (bit),
    ISA_STATUS_BITS(X)
#undef X
};
#define SR_WRITABLE (SR_S | SR_IE | SR_PS | SR_PIE | SR_PG)
#define SR_RESET SR_S

/* The status word after the hardware takes a trap: save S and IE in PS and
 * PIE, enter supervisor mode with interrupts off; PG is unchanged. */
static inline uint32_t sr_after_trap(uint32_t sr)
{
    uint32_t n = (sr & ~(SR_S | SR_IE | SR_PS | SR_PIE)) | SR_S;
    if (sr & SR_S)
        n |= SR_PS;
    if (sr & SR_IE)
        n |= SR_PIE;
    return n;
}

/* An exception raised by the trap handler's first instruction, in
 * supervisor mode, would be taken at that same instruction with the same
 * registers and memory, and raised again forever: a double fault. */
static inline bool is_double_fault(uint32_t sr, uint32_t pc, uint32_t tvec)
{
    return (sr & SR_S) && pc == tvec;
}

/* The status word after rfe: S and IE come back from PS and PIE, which keep
 * their values. */
static inline uint32_t sr_after_rfe(uint32_t sr)
{
    uint32_t n = sr & ~(SR_S | SR_IE);
    if (sr & SR_PS)
        n |= SR_S;
    if (sr & SR_PIE)
        n |= SR_IE;
    return n;
}

/*
 * Trap causes: the low byte of the cause register.
 * X(NAME, code, name, description)
 * Codes 16 and above are interrupts; the rest are exceptions caused by the
 * instruction at epc.
 */
#define ISA_CAUSES(X)                                                          \
    X(SYSCALL,    1, "syscall",    "system call (syscall instruction)")       \
    X(BREAK,      2, "break",      "breakpoint (break instruction)")          \
    X(ILLEGAL,    3, "illegal",    "illegal instruction")                      \
    X(PRIV,       4, "privileged", "privileged instruction in user mode")     \
    X(PAGE_FAULT, 5, "page-fault", "page fault")                               \
    X(MISALIGNED, 6, "misaligned", "misaligned access or jump target")        \
    X(DIV_ZERO,   7, "div-zero",   "division by zero")                         \
    X(BUS_ERROR,  8, "bus-error",  "physical address outside memory")         \
    X(HYPERCALL,  9, "hypercall",  "hypercall (hcall instruction)")           \
    X(TIMER,     16, "timer",      "interval timer interrupt")                 \
    X(CONSOLE,   17, "console",    "console input interrupt")                  \
    X(DISK,      18, "disk",       "disk completion interrupt")

enum cause {
#define X(NAME, code, name, desc) CAUSE_##NAME = code,
    ISA_CAUSES(X)
#undef X
};
#define CAUSE_FIRST_INTERRUPT 16
#define CAUSE_CODE(c) ((c) & 0xffu)

/* Detail bits of the cause word for page faults, misaligned accesses and
 * bus errors: what kind of access failed. */
enum {
    CAUSE_PROT   = 1u << 8,  /* page was present; permissions refused it */
    CAUSE_WRITE  = 1u << 9,  /* the access was a store */
    CAUSE_FETCH  = 1u << 10, /* the access was an instruction fetch */
    CAUSE_USER   = 1u << 11, /* the access was made in user mode */
};

/* Kinds of memory access (also reported in the hypervisor exit record). */
enum access { ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_FETCH = 2 };

/*
 * Page-table entries (both levels):
 *
 *    31                    12 11     7  6   5   4   3   2   1   0
 *   +------------------------+--------+---+---+---+---+---+---+---+
 *   |  physical frame number |  soft  | D | A | U | X | W | R | V |
 *   +------------------------+--------+---+---+---+---+---+---+---+
 *
 * A level-1 entry uses only V and the frame (of a level-2 table); its other
 * bits are ignored.  The "soft" bits are never touched by hardware.
 */
#define ISA_PTE_BITS(X)                                                       \
    X(V, 0, "V", "valid")                                                     \
    X(R, 1, "R", "readable")                                                  \
    X(W, 2, "W", "writable")                                                  \
    X(X, 3, "X", "executable")                                                \
    X(U, 4, "U", "user-accessible")                                           \
    X(A, 5, "A", "accessed: set by hardware on any access")                   \
    X(D, 6, "D", "dirty: set by hardware on a store")

enum {
#define X(NAME, bit, name, desc) PTE_##NAME = 1u << (bit),
    ISA_PTE_BITS(X)
#undef X
};
#define PTE_SOFT_MASK 0xf80u
#define PTE_FRAME(pte) ((pte) & ~PAGE_MASK)

/* The shape of the page tables (docs/isa.md section 7): PT_LEVELS levels
 * of PT_ENTRIES four-byte entries, a table a page; level 1 is the root
 * (PT_ROOT), the last level holds the leaves that map pages (PT_LEAF). */
#define PT_LEVELS 2
#define PT_INDEX_BITS 10
#define PT_ENTRIES (1u << PT_INDEX_BITS)
#define PT_ROOT 1
#define PT_LEAF PT_LEVELS
_Static_assert(PT_ENTRIES * 4 == PAGE_SIZE, "a table fills a page");
_Static_assert(PAGE_SHIFT + PT_LEVELS * PT_INDEX_BITS == 32, "the levels' indexes and the offset make a 32-bit address");
/* va's index into its table at a level: the root's uses the top bits. */
#define VA_INDEX(va, level) (((va) >> (PAGE_SHIFT + PT_INDEX_BITS * (PT_LEVELS - (level)))) & (PT_ENTRIES - 1))
/* The bytes of address space one entry at a level maps. */
#define PT_SPAN(level) (1ull << (PAGE_SHIFT + PT_INDEX_BITS * (PT_LEVELS - (level))))
#define VA_L1(va) VA_INDEX(va, 1)
#define VA_L2(va) VA_INDEX(va, 2)

/* The hardware guest mode's entry and exit (docs/isa.md section 14): what
 * each costs in cycles, a round trip of 1,000 - of the order the first
 * VT-x and AMD-V processors took.  Counted apart from the guest's time. */
#define GUEST_ENTRY_CYCLES 400
#define GUEST_EXIT_CYCLES 600

/* I/O ports, reached with in/out.  X(NAME, port, name, rw, description) */
#define ISA_PORTS(X)                                                               \
    X(CON_DATA,    0x10, "con.data",    "rw", "out: print a byte; in: take the next input byte, or -1") \
    X(CON_STATUS,  0x11, "con.status",  "r",  "bit 0: input byte ready; bit 1: input ended; bit 2: output ready") \
    X(CON_CTRL,    0x12, "con.ctrl",    "rw", "bit 0: interrupt when an input byte is ready") \
    X(DISK_BLOCK,  0x20, "disk.block",  "rw", "block number for the next command") \
    X(DISK_ADDR,   0x21, "disk.addr",   "rw", "physical memory address for the next DMA") \
    X(DISK_CMD,    0x22, "disk.cmd",    "w",  "1: read block into memory, 2: write memory to block") \
    X(DISK_STATUS, 0x23, "disk.status", "rw", "in: status code; out: acknowledge the interrupt") \
    X(DISK_CTRL,   0x24, "disk.ctrl",   "rw", "bit 0: interrupt when a command completes") \
    X(DISK_SIZE,   0x25, "disk.size",   "r",  "number of blocks on the disk")

enum port {
#define X(NAME, port, name, rw, desc) PORT_##NAME = port,
    ISA_PORTS(X)
#undef X
};

enum {
    CON_STATUS_RX = 1u << 0,
    CON_STATUS_EOF = 1u << 1,
    CON_STATUS_TX = 1u << 2,
    CON_CTRL_RXIE = 1u << 0,
    DISK_CTRL_IE = 1u << 0,
};

#define DISK_BLOCK_SIZE 512u
#define DISK_LATENCY 500u /* ticks from command to completion */

enum disk_cmd { DISK_CMD_READ = 1, DISK_CMD_WRITE = 2 };

/* X(NAME, code, name, description) */
#define ISA_DISK_STATUS(X)                                                     \
    X(OK,       0, "ok",        "idle; the last command succeeded")           \
    X(BUSY,     1, "busy",      "a command is in progress")                   \
    X(BAD_BLOCK, 2, "bad-block", "the block number is past the end of the disk") \
    X(BAD_ADDR, 3, "bad-addr",  "the DMA buffer is not inside physical memory") \
    X(NO_DISK,  4, "no-disk",   "no disk is attached")                        \
    X(BAD_CMD,  5, "bad-cmd",   "unknown command")

enum disk_status {
#define X(NAME, code, name, desc) DISK_##NAME = code,
    ISA_DISK_STATUS(X)
#undef X
};

/* An unknown port reads as all ones and ignores writes, like an empty bus. */
#define PORT_NONE_VALUE 0xffffffffu

/* Boot protocol: registers set by the loader at reset (docs/isa.md). */
#define BOOT_REG_ARG 10  /* a0: physical address of the boot string, or 0 */
#define BOOT_REG_MEM 11  /* a1: size of physical memory in bytes */

/* Machine code for ELF e_machine: 'V','M' (unregistered, private use). */
#define EM_VMLAB 0x564d

#endif
