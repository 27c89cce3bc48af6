/*
 * hypercalls.h - THE list of hypercalls: what a paravirtualized guest
 * kernel asks of its hypervisor with `hcall rd, n` (docs/isa.md section 4;
 * the ABI is in docs/guest-os.md, the VMM's side in docs/vmm.md).
 *
 * The one definition of each number: the VMM (--technique pv) expands it in
 * C, and the guest OS's hypercall-numbers.s is generated from it, so the
 * two sides cannot disagree.  R[rd] is the call's argument and, where the
 * call has one, its result.
 *
 * X(NAME, n, name, description)
 */
#ifndef VMLAB_HYPERCALLS_H
#define VMLAB_HYPERCALLS_H

#define ISA_HYPERCALLS(X)                                                                          \
    X(SET_TRAP,   1, "set_trap",   "R[rd] = the kernel's trap handler: traps are delivered there")   \
    X(SET_SHARED, 2, "set_shared", "R[rd] = guest-physical address of the shared area (16-byte aligned)") \
    X(IRET,       3, "iret",       "status = shared status, then as rfe, to the shared epc")         \
    X(IRQ,        4, "irq",        "IE = R[rd] & 1; R[rd] = the status before")                      \
    X(STATUS,     5, "status",     "R[rd] = status")                                                 \
    X(TIMER,      6, "timer",      "timer = R[rd]")                                                  \
    X(SET_PTB,    7, "set_ptb",    "ptb = R[rd] (validated; the TLB is flushed); R[rd] = 0 or an error") \
    X(GET_PTB,    8, "get_ptb",    "R[rd] = ptb")                                                    \
    X(FLUSH,      9, "flush",      "R[rd] = 0: flush the TLB; else flush the page of address R[rd]") \
    X(MMU_UPDATE, 10, "mmu_update", "apply the batch at guest-physical R[rd]; R[rd] = how many were applied") \
    X(IDLE,       11, "idle",      "IE = 1, then wait for an interrupt (as wfi)")                    \
    X(HALT,       12, "halt",      "stop the machine with exit value R[rd]")

enum hypercall {
#define X(NAME, n, name, desc) HC_##NAME = n,
    ISA_HYPERCALLS(X)
#undef X
};

/* Why a hypercall was refused: the shared area's error word. */
#define ISA_HC_ERRORS(X)                                                                           \
    X(NONE,         0, "none")                                                                     \
    X(NOT_OWNED,    1, "the frame is not the guest's (outside its memory)")                        \
    X(PT_WRITABLE,  2, "the entry would map a page table writable")                                \
    X(MAPPED_WRITABLE, 3, "the frame would become a page table while it is mapped writable")       \
    X(BAD_REQUEST,  4, "a malformed request (misaligned, too long, outside memory)")                \
    X(BAD_CALL,     5, "no such hypercall, or not from virtual supervisor mode")

enum hc_error {
#define X(NAME, n, desc) HCE_##NAME = n,
    ISA_HC_ERRORS(X)
#undef X
};

/* The shared area: words the hypervisor writes when it delivers a trap,
 * and the kernel reads instead of the control registers. */
enum {
    SH_EPC = 0,     /* epc of the trap delivered (the kernel sets it before iret) */
    SH_CAUSE = 4,   /* its cause */
    SH_BADADDR = 8, /* its badaddr */
    SH_STATUS = 12, /* status after the trap (the kernel sets it before iret) */
    SH_SP = 16,     /* the interrupted sp */
    SH_ERROR = 20,  /* why the last refused hypercall was refused (enum hc_error) */
    SH_SIZE = 24,
};

/* An mmu_update batch at guest-physical address a: the word at a is the
 * count n (1..MMU_BATCH_MAX), then n pairs (guest-physical address of a
 * page-table entry, its new value). */
#define MMU_BATCH_MAX 1024

#endif
