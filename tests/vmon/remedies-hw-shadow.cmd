# docs/remedies.md, the hardware guest mode over shadow page tables: the
# same kernel and page fault as remedies-hw.cmd (x86like, --technique hw,
# --boot 'memory 1'), the MMU now shadow paging.
break page_fault
continue
#   The guest's handler is reached as under nested paging, but by another
#   road: the control block makes page faults exit (the shadow pager must
#   see its hidden faults), so the store at 0x4000031c exited; the VMM
#   found the guest's own entry V clear - a true fault - and reflected it
#   into the guest.  The exit before was a hidden fault: the stack page,
#   mapped by the guest, not yet by the shadow.
history 2
#   the block owns ptb (the real ptb is the shadow root) and PG (the real
#   PG stays 1), and intercepts the TLB flushes, so that the shadow stays
#   coherent; system calls and rfe still never exit.
info control
