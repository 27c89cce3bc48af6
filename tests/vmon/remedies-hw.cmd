# docs/remedies.md, the hardware guest mode: the guest OS's kernel,
# unmodified, on x86like under --technique hw --mmu nested
# (--boot 'syscalls 1; memory 1').  One system call and one page fault,
# neither of which leaves the guest.
#
# The system call: the user program's syscall traps inside the guest - the
# hardware delivers it through the guest's own tvec (trap_entry), as on
# the bare machine - and the kernel dispatches getpid.
break sys_getpid
continue
#   the virtual CPU says cause 1 (syscall), epc the user's pc
#   (0x40000040); the real CPU is in guest mode, so its tvec and ptb are
#   the guest's own (ptb a guest-physical address, translated by the host
#   table).  The last exit was an intercepted mtcr timer, before the trap:
#   the control block lists no syscall among its causes.
info cpu
history 1
info control
# The page fault: memory 1 stores to its heap's first page, not mapped
# yet; the kernel's page_fault handler maps it (heap_page) and resumes.
delete 1
break page_fault
continue
#   cause 0xa05 (page-fault | WRITE | USER), badaddr 0x40002000: the
#   guest's own fault.  The walk in two dimensions: each guest entry's
#   guest-physical address first goes through the host table (2
#   references), then the entry is read (1); the guest's level-2 entry is
#   V clear, so the walk stops after 6 references, and the hardware
#   delivers the fault inside the guest.  The last exit is still an
#   intercepted out from before.
info cpu
walk 0x40002000
history 1
delete 2
break resume
continue
#   the kernel has mapped the page (a level-2 entry V R W U): now the walk
#   is whole, 2 + 1 + 2 + 1 + 2 = 8 references (n*m + n + m for two levels
#   of each), against 2 for a native walk.  No exit came between: the
#   whole fault, delivery to rfe, ran in the guest.
walk 0x40002000
history 1
