# sensitive.s - a kernel that reads and writes its status word with rdsr
# and wrsr, which on x86like do not trap in user mode (docs/isa.md 10):
# under the VMM, deprivileged, it reads the real status and its write is
# dropped.  tests/vmon/sensitive.cmd checks vmon's warnings.
        .text
_start: rdsr    t0                      # the kernel's status: S (0x1)
        li      t1, 3                   # S | IE
        wrsr    t1                      # interrupts on
        rdsr    t2
        halt    zero
