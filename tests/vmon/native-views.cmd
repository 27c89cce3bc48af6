# tests/guests/paging.s on the bare machine (--native, 1M): walk and info
# cpu show the machine alone, and a watch on a page-table entry is hit by
# the CPU's own store (no VMM between).  Listing and tables as paging.cmd.
break *USER_VA
continue
walk UDATA_VA
#   ptb 0x6000; level 1 entry 1 at 0x6004 = pt_u | V = 0x8001; level 2
#   entry 1 at 0x8004 = udata | PTE_UDATA = 0x3017 (V R W U): pa 0x3000
info cpu
#   user mode, status 0x1a (IE PIE PG), ptb 0x6000, tvec trap (0x10c8),
#   epc USER_VA (rfe left it), no trap yet
watch pte UDATA_VA
continue
#   the CPU's store in remap (sw t1, 4(t0) at remap + 44, as catch.cmd
#   works out) stops it after, at remap + 48.  Old: the entry as the
#   continue began, 0x3017 (the user program had not run); the walker set
#   A and D since (0x60), which is no store a watch sees; new: remap's
#   0x3077 ^ 0x3000 ^ 0x4000 = 0x4077
# Errors: the bare machine has no exits (native-views.err)
catch tracing
history
