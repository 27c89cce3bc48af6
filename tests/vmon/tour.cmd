# The guided tour's system call (docs/monitor.md, "A guided tour"):
# tests/guests/paging.s under the VMM, 1M.  Its user program (at USER_VA)
# asks for a report every 256 rounds: li a5, 0; syscall, at USER_VA + 60.
# The bare machine takes that syscall at instret 3669 (vrun --native
# --trace FILE --trace-events trap: "T 3669 0x0040003c <USER_VA+60> trap:
# syscall"), and so must the VM.
catch cause syscall
continue
#   the real CPU exits on the syscall (the guest runs in real user mode);
#   the VMM reflects it: the virtual CPU goes to supervisor mode at tvec,
#   the handler trap, with epc = USER_VA + 60 and PS = 0, PIE = IE = 1
#   (status S PIE PG: 0x19)
until-exit
#   the handler's first instruction is privileged: mtcr scratch, sp.  The
#   real CPU exits again, and the VMM emulates it on the virtual CPU (the
#   virtual timer counts down one instruction: 0x2e -> 0x2d; scratch
#   already held sp, the kernel's stack top, from the tick before)
delete 1
run-to USER_VA+64
#   to the instruction after the syscall, in user mode again; the guest's
#   report ('a' + a0 & 15) appears on its console on the way
history 6
#   the exits on the way, each a privileged instruction of the handler
#   (paging.s: trap reads cause; sys reads epc, adds 4 and writes it back,
#   prints the report with out; back restores sp from scratch and returns
#   with rfe), every other instruction run directly
info cpu
#   rfe took the virtual CPU back to user mode (S clear, IE from PIE:
#   0x1a), and the VMM moved the real ptb to the user role's shadow root
#   of the same guest table, pt_l1 = 0x6000
