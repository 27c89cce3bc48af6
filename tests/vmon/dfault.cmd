# tests/guests/badptb.s under the VMM, 1M: ptb at 0x7ff000, past the guest's
# memory, then paging on: the next fetch is a bus error, and so is the
# handler's at tvec (trap = 0x102c; the fetch that faults first is at
# 0x1024, after the wrsr): a double fault.  The session's status
# is 3; the stop is told as vrun tells it, with the registers; the VM runs
# no more (the step after it is an error, status still 3).
continue
step
