# param.s - every constant of the kernel, in one place.
#
# Two kinds: the machine's (copied from docs/isa.md, which is the contract;
# if the manual changes, this is the one file to change) and the kernel's own
# choices (sizes, the memory map, the layout of a process).  Nothing here
# makes code or data: these are .equ lines only, so any file may use them.

# ---- the machine (docs/isa.md) ----------------------------------------------

        .equ PAGE,        4096          # bytes in a page (section 7)
        .equ PAGE_SHIFT,  12

# The status word (section 5).
        .equ SR_S,        0x01          # supervisor mode
        .equ SR_IE,       0x02          # interrupts enabled
        .equ SR_PS,       0x04          # S before the last trap
        .equ SR_PIE,      0x08          # IE before the last trap
        .equ SR_PG,       0x10          # paging on

# Page-table entry bits (section 7).  Level-1 entries use only V and the frame.
        .equ PTE_V,       0x01
        .equ PTE_R,       0x02
        .equ PTE_W,       0x04
        .equ PTE_X,       0x08
        .equ PTE_U,       0x10
        .equ PTE_A,       0x20          # set by the hardware on any access
        .equ PTE_D,       0x40          # set by the hardware on a store
        .equ PTE_FLAGS,   0xfff         # the low 12 bits: everything but the frame

# Trap causes: the low byte of `cause` (section 6).
        .equ CAUSE_SYSCALL,    1
        .equ CAUSE_BREAK,      2
        .equ CAUSE_ILLEGAL,    3
        .equ CAUSE_PRIV,       4
        .equ CAUSE_PAGE_FAULT, 5
        .equ CAUSE_MISALIGNED, 6
        .equ CAUSE_DIV_ZERO,   7
        .equ CAUSE_BUS_ERROR,  8
        .equ CAUSE_HYPERCALL,  9        # hcall: the pv kernel's stand-in answers it (hvstub.s)
        .equ CAUSE_TIMER,      16       # 16 and up are interrupts
        .equ CAUSE_CONSOLE,    17
        .equ CAUSE_DISK,       18
        .equ CAUSE_PROT,       0x100    # detail bit: page present, access refused

# The disk (section 8.3).
        .equ DISK_BLOCK_SIZE,  512
        .equ DISK_CMD_READ,    1
        .equ DISK_CMD_WRITE,   2
        .equ DISK_ST_OK,       0
        .equ DISK_CTRL_IE,     1

# ---- the kernel's choices -----------------------------------------------------

# The scheduler's time slice, in instructions (the timer counts retired
# instructions, docs/isa.md 8.1).  Kernel instructions count too.  The VMM's
# cost grows with the number of timer interrupts, so keep this the one
# place the number is written.
        .equ QUANTUM,     20000

# The critical system call (critsec.s): the work between the load and the
# store of each update, in turns of a two-instruction loop.  Wide enough
# that at QUANTUM a timer interrupt that is not held off lands inside
# (docs/guest-os.md, section 13).
        .equ CRIT_WORK,   100

        .equ NPROC,       32            # slots in the process table
        .equ KSTACK_SIZE, 8192          # the one kernel stack (trap.s)

# The user half of every address space (docs/guest-os.md, "Memory map").
        .equ USER_BASE,   0x40000000    # programs are linked here (L1 index 256)
        .equ USER_TOP,    0x80000000    # the stack starts here and grows down
        .equ USTACK_PAGES, 2            # mapped at exec, below USER_TOP
        .equ USTACK_BASE, USER_TOP - USTACK_PAGES * PAGE
        .equ HEAP_LIMIT,  USTACK_BASE - PAGE  # the heap stops a guard page short of the stack
        .equ L1_USER_FIRST, USER_BASE >> 22   # 256: the first level-1 entry of user space
        .equ L1_USER_END,   USER_TOP >> 22    # 512: one past the last

        .equ ARGMAX,      4096          # longest exec argument, with its NUL
        .equ NAMEMAX,     16            # longest program name, with its NUL

# Process states.
        .equ UNUSED,      0             # a free slot
        .equ EMBRYO,      1             # being built by fork or at boot
        .equ RUNNABLE,    2             # ready, waiting for the CPU
        .equ RUNNING,     3             # on the CPU (at most one)
        .equ SLEEPING,    4             # waiting for an event (P_CHAN says which)
        .equ ZOMBIE,      5             # exited; its parent has not waited yet

# A slot of the process table (proc.s).  The first 64 bytes are the trap
# frame: the user registers as the trap saved them, word i holding register
# ri, and word 0 (where r0 would go, which needs no saving) the pc.
        .equ TF_PC,       0
        .equ TF_RA,       4             # r1
        .equ TF_SP,       8             # r2
        .equ TF_A0,       40            # r10: first argument, result
        .equ TF_A1,       44
        .equ TF_A2,       48
        .equ TF_A3,       52
        .equ TF_A4,       56
        .equ TF_A5,       60            # r15: the system-call number
        .equ TF_SIZE,     64

        .equ P_TF,        0             # the trap frame, above
        .equ P_STATE,     64            # UNUSED, RUNNABLE, ...
        .equ P_PID,       68
        .equ P_PARENT,    72            # the parent's slot (address), 0 for init
        .equ P_XSTATUS,   76            # exit status, for the parent's wait
        .equ P_PT,        80            # physical address of its level-1 table
        .equ P_HEAP,      84            # first heap address (page aligned)
        .equ P_BRK,       88            # current break: heap is [P_HEAP, P_BRK)
        .equ P_CHAN,      92            # what it sleeps on (any address)
        .equ P_NAME,      96            # NUL-terminated program name, NAMEMAX bytes
        .equ PROC_SIZE,   128           # (112..127 unused: a power of two is easy to index)

# System-call numbers (a5): shared with the user library.
        .include "../syscall-numbers.s"

# The paravirtualized build (docs/guest-os.md, "The pv build"): the same
# source assembled with vasm -D PARAVIRT=1, where every privileged
# instruction of the kernel becomes a hypercall.  The hypercall numbers are
# generated from isa/hypercalls.h (make guest: visa --hypercalls).
        .ifndef PARAVIRT
        .equ PARAVIRT, 0
        .endif
        .if PARAVIRT
        .include "hypercall-numbers.s"
        .equ PT_POOL_ROOTS, NPROC + 2           # page tables: a level-1 table a process
        .equ PT_POOL_PAGES, PT_POOL_ROOTS + 2 * NPROC + 24  # and two level-2 tables, and the kernel's
        .endif
