# usermode.s - lab 5: x86like's sensitive instructions in the guest's
# user mode.  The kernel runs a user routine twice:
#   1. with paging off: rdptb and rdsr run in user mode on the bare
#      machine and give the real ptb and status; under bt the guest's user
#      mode with paging off runs in the `phys` role, from the translation,
#      where a patched rdptb or rdsr gives the virtual register, the same;
#   2. with paging on, the routine's page mapped with U: rdsr and wrsr in
#      user mode.  The guest's user mode with paging on runs untranslated
#      (docs/vmm.md section 12): rdsr reads the real status, which is what
#      the bare machine's gives (user mode, IE and PG on), and wrsr changes
#      nothing, on both.  Patched instead, they would be emulated: exits
#      the bare machine never takes, counted by the test.
# Each user run ends with a system call; the kernel adds up what the user
# code read (s0) and halts with it.

        .include "../../../guest-os/kernel/param.s"

        .equ    PTB, 0x6000
        .equ    NPAGES, 16              # pages 0..15 mapped one to one, with U

        .text
_start: la      t0, trap
        mtcr    tvec, t0
        li      t0, PTB
        mtcr    ptb, t0
        li      s0, 0
        li      s1, 0                   # which run
        la      t0, user
        mtcr    epc, t0
        rdsr    t0                      # 1. user mode, paging off
        andi    t0, t0, ~SR_PS & 0xff
        wrsr    t0
        rfe

trap:   add     s0, s0, a0              # the system call: what user code read
        add     s0, s0, a1
        add     s0, s0, a2
        addi    s1, s1, 1
        li      t0, 2
        beq     s1, t0, done
        la      t1, l2                  # 2. paging on: map pages 0..NPAGES-1 with U
        li      t2, 0
        li      a4, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
map:    slli    a5, t2, PAGE_SHIFT
        or      a5, a5, a4
        sw      a5, 0(t1)
        addi    t1, t1, 4
        addi    t2, t2, 1
        li      a5, NPAGES
        bltu    t2, a5, map
        la      t1, l2
        ori     t1, t1, PTE_V
        la      t2, l1
        sw      t1, 0(t2)
        mtcr    ptb, t2
        la      t0, user2
        mtcr    epc, t0
        mfcr    t0, status
        andi    t0, t0, ~SR_PS & 0xff
        ori     t0, t0, SR_PG | SR_PIE  # user mode, interrupts on, paging on
        mtcr    status, t0
        rfe
done:   la      t0, seen
        sw      s0, 0(t0)
        halt    s0

user:   rdptb   a0                      # 1: with paging off
        rdsr    a1
        rdsr    a2
        syscall

user2:  rdsr    a0                      # 2: with paging on, untranslated
        li      t0, SR_S
        wrsr    t0                      # changes nothing in user mode
        rdsr    a1
        wrsr    zero
        rdsr    a2
        syscall

        .data
seen:   .word   0

        .bss
        .align  4096
l1:     .space  4096
l2:     .space  4096
