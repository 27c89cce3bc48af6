# The guest OS's demo (build/guest-os/kernel.elf, its default boot) under
# the VMM: stop at the first tracing fault and see the guest entry and the
# shadow entry.  From build/guest-os/kernel.lst: kfree at 0x2918, and its
# "sw t1, 0(s0)  # page->next = freelist" at 0x2960 = kfree+72.
catch tracing
continue
#   the kernel frees the page at gpa 0x26000 (s0), a level-2 table still
#   in its tables at ptb 0x24000 (the entry for gva 0x40000000, USER_BASE);
#   the store of the free list's head (t1) into its first word is a
#   store into a guest page table: the VMM emulates it.  Entry 0 before:
#   the user's first page, frame 0x25000 | V R X U A (0x3b) = 0x2503b
#   The shadow: the user program ran through this table, so the user
#   role has a shadow of it; its entry 0 mapped the host frame of guest
#   frame 0x25000, 0x26000 (the VM's memory starts at host frame 1), with
#   the guest's R X U A and D preset, W left out (the guest gave none):
#   0x26000 | V R X U A D (0x7b) = 0x2607b.  The guest's new word has V
#   clear, so the VMM clears the shadow entry: 0.  The kernel never walked
#   this table, so the sup role has no shadow of it
x/w freelist
xp/w 0x26000
#   after: the word the guest stored is the free list's head, which kfree's
#   next store (not yet run) replaces with the page: both 0x27000
info cpu
#   the guest is in a system call (its cause, from USER_BASE + 124); the
#   real CPU, in user mode as always, exited at kfree+72 with a page fault
#   at gva 0x26000: 0xb05 = 5 | PROT 0x100 (the page is mapped, read-only
#   for tracing) | WRITE 0x200 | USER 0x800 (docs/isa.md 7)
info catches
reverse-step
#   back over the store: the machine runs again from reset to the
#   instruction before (nothing printed twice), pc is on the sw again and
#   the guest's word is what it was: 0x2503b, frame 0x25000, V R X U A
xp/w 0x26000
step
#   the store once more: the same exit, the same entries before and after.
#   Only the shadow table's host frame may differ (0x0100a000 now): the run
#   again from reset took frames from the VMM's free list in another order,
#   which no guest can see
continue
#   on to the next tracing fault: uvm_free_user clears the level-1 entry
#   that linked the table just freed (entry 256 of the root 0x24000, at
#   0x24400; the guest unlinks the table after freeing it).  Both roles
#   have a shadow of the root: the sup one never filled entry 256 (0), the
#   user one linked it to its shadow of the level-2 table (V); both become 0
