# tests/vmon/sensitive.s under the VMM, --isa x86like: _start 0x1000,
# rdsr t0 at 0x1000, li t1, 3 at 0x1004, wrsr t1 at 0x1008, rdsr t2 at
# 0x100c.  The guest kernel runs in real user mode with the real status
# IE | PG = 0x12 (docs/vmm.md: "The real status is always IE | PG with
# S = 0"); its virtual status at reset is S = 0x1 (docs/isa.md 9), ptb 0.
step 3
#   rdsr t0: the guest read 0x00000012, the real status, not its 0x1;
#   wrsr t1 (0x3): dropped, the virtual status stays 0x00000001
set warn sensitive off
continue
#   rdsr t2 again, no warning now; the guest halts with 0
info warnings
#   sensitive off, said twice
info registers
#   t0 = 0x12, t1 = 3, t2 = 0x12; status 0x1 (S)
info stats
#   the silent log: rdsr at 0x1000 and 0x100c, wrsr at 0x1008, once each
#   (the guest kernel runs in real user mode: all three ran there without
#   trapping), placed by the symbols as vrun --stats places them
