# kernel.s - the vmlab guest kernel, assembled as one unit:
#
#   vasm -I build/guest-os/user -o build/guest-os/kernel.elf guest-os/kernel/kernel.s
#
# and its paravirtualized twin from the same source (docs/guest-os.md):
#
#   vasm -D PARAVIRT=1 -I build/guest-os/user -I build/guest-os \
#        -o build/guest-os/kernel-pv.elf guest-os/kernel/kernel.s
#
# One file per concept, in the order a first reading might take them.
# docs/guest-os.md is the guide; each file starts with what it is for.

        .include "param.s"      # constants: machine, memory map, process layout
        .include "main.s"       # boot: _start, the first code after reset
        .include "trap.s"       # the trap vector, dispatch, return to user
        .include "kill.s"       # killing a process that misbehaved
        .include "syscall.s"    # system calls: dispatcher, write, read, sbrk, exec...
        .include "proc.s"       # process table, scheduler, sleep, fork, exit, wait
        .include "exec.s"       # loading an ELF program into an address space
        .include "vm.s"         # page tables: the identity map, address spaces
        .include "usermem.s"    # checked access to user memory, the lazy heap
        .include "kalloc.s"     # the physical page allocator
        .include "disk.s"       # the disk driver (DMA, interrupt)
        .include "console.s"    # printing, panic
        .include "irq.s"        # critical sections, the supervisor-mode check
        .include "string.s"     # memcpy and friends
        .include "bootopt.s"    # the kernel's boot options (nocheck)
        .include "critsec.s"    # the critical system call: a section interrupts must not enter
        .include "programs.s"   # the user programs, carried in the kernel image
        .if PARAVIRT
        .include "ptpool.s"     # pv: page tables from a read-only pool, changed by mmu_update
        .include "hvstub.s"     # pv: the bare machine's stand-in for the hypervisor
        .endif
        .include "end.s"        # etext, kernel_end
