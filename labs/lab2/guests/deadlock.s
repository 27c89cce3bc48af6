# deadlock.s - wfi with interrupts off and nothing armed: no interrupt can
# ever come, and the machine stops (docs/isa.md section 4: a deadlock).
# Under the VMM the emulated wfi must stop the VM the same way.
# Lines: z 0x5a, then nothing: the machine stops on wfi.

        .text
_start: li      a0, 'z'
        li      a1, 0x5a
        call    show
        wfi
        li      a0, 0xbad               # never: wfi cannot end
        halt    a0

        .include "lab2.inc"
