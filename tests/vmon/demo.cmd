# The guest OS's demo (build/guest-os/kernel.elf, its default boot) under
# the VMM: stop at the first tracing fault and see the guest entry and the
# shadow entry.  From build/guest-os/kernel.lst: kfree at 0x2918, and its
# "sw t1, 0(s0)  # page->next = freelist" at 0x2960 = kfree+72.
catch tracing
continue
#   the kernel frees the page at gpa 0x24000 (s0), a level-2 table still
#   in its tables at ptb 0x22000 (the entry for gva 0x40000000, USER_BASE);
#   the store of the free list's head (t1) into its first word is a
#   store into a guest page table: the VMM emulates it.  Entry 0 before:
#   the user's first page, frame 0x23000 | V R X U A (0x3b) = 0x2303b
#   The shadow: gva 0x40000000 is entry 0x40000000 >> 22 = 256 of a root,
#   at root + 0x400; the real ptb (info cpu, below) is the root of role
#   sup at hpa 0x01007000, so hpa 0x01007400, empty: the kernel has not
#   reached user memory through this root
x/w freelist
xp/w 0x24000
#   after: the word the guest stored is the free list's head, which kfree's
#   next store (not yet run) replaces with the page: both 0x25000
info cpu
#   the guest is in a system call (its cause, from USER_BASE + 124); the
#   real CPU, in user mode as always, exited at kfree+72 with a page fault
#   at gva 0x24000: 0xb05 = 5 | PROT 0x100 (the page is mapped, read-only
#   for tracing) | WRITE 0x200 | USER 0x800 (docs/isa.md 7)
info catches
