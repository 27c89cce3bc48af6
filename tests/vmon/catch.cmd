# tests/guests/paging.s under the VMM, 1M: catch and watch (its listing
# and tables as paging.cmd says; pt_u 0x8000, udata at gpa 0x3000 = 1, 2
# is UDATA_VA 0x401000, mapped by pt_u's entry 1 at gpa 0x8004).
break *USER_VA
continue
watch pte UDATA_VA
#   the guest's leaf entry for UDATA_VA: pt_u + 4 = gpa 0x8004
watch UDATA_VA 8
#   udata's two words, at gpa 0x3000
catch tracing
catch cause syscall
info catches
info watchpoints
continue
#   the loop (ucode, at USER_VA + 16): lw t0, 0(s0) = 1; add s1 = 0 + 1;
#   addi t0, s1, 7 = 8; sw t0, 4(s0) at USER_VA + 28 writes udata + 4:
#   2 -> 8, and the CPU stops after it, at USER_VA + 32
continue
#   lw t1, 4(s0) = 8; sw t1, 0(s0) at USER_VA + 36: udata 1 -> 8
delete 3
continue
#   the first report: t2 counts down from 3000 and the loop calls when
#   t2 & 255 is 0: 2816, the syscall at USER_VA + 60 (li s0 two
#   instructions, li s1, li t2, then the loop's twelfth instruction).
#   Reflected: the saved epc is the syscall's, status from user IE PIE PG
#   (0x1a) to S PIE PG (0x19), and the handler is trap
delete 5
continue
#   at t2 = 2048 the program asks for a remap (a5 = SYS_REMAP): the kernel,
#   in supervisor mode with paging on, stores into pt_u + 4, its own live
#   table: a tracing fault, which the VMM emulates.  Watch 2 and catch 4
#   both stop it.  The entry before: udata | PTE_UDATA with A and D (the
#   program has loaded and stored): 0x3000 | 0x17 | 0x20 | 0x40 = 0x3077;
#   after: remap's t1 = 0x3077 ^ udata ^ udata2 = 0x3077 ^ 0x3000 ^ 0x4000
#   = 0x4077.  The store: remap's la t0, pt_u; lw; la t0, udata; xor; la
#   t0, udata2; xor; la t0, pt_u (la is two instructions) make eleven, so
#   sw t1, 4(t0) is at remap + 44.  The user role's shadow of pt_u changes
#   with it (the kernel never walked pt_u, so no sup-role shadow): its
#   entry 1, at +4, mapped udata's host frame 0x4000 (the VM's memory
#   starts at host frame 1) with the guest's bits, D preset and W kept
#   (the guest's D is set): 0x4077; after, udata2's host frame: 0x5077.
#   The guest's console shows the reports
#   between: a dot a tick, a letter a report ('a' + a0 & 15)
info catches
info watchpoints
