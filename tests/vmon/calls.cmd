# calls.s, next and finish (tests/test_vmon.c runs it on the bare machine,
# calls-native.out, and under the VMM, calls-vmm.out).  What each line must
# show, worked out from calls.s by hand (the counts and frames in its
# comment):
next 2
#   li sp and li a0, no calls: 2 instructions, at the call (_start+8)
next
#   the call and all of sumto(3): 1 + 35 = 36 instructions, at _start+12
#   with a0 = 6
regs
n
#   add s0: 1 instruction, at done
restart
break sumto
c
c
#   sumto(3)'s entry, then sumto(2)'s (a0 = 2, ra = sumto+24, sp 0x3ff8)
finish
#   stopped early: breakpoint 1 again, at sumto(1)'s entry (a0 = 1)
delete 1
finish
#   sumto(0) returns to sumto+24 with sp 0x3fe8, below sumto(1)'s 0x3ff0:
#   runs on; sumto(1) returns there with sp 0x3ff0: a0 = 1
next 3
#   lw, add (a0 = 1 + 2 = 3), lw: no calls, 3 instructions, at sumto+36
next 2
#   addi sp and ret (a jump that links in zero, not a call): 2 instructions,
#   back in sumto(3) at sumto+24, a0 = 3
break *sumto+20
restart
run-to sumto+20
#   sumto(3)'s recursive call, a0 = 2
next
#   stopped early: breakpoint 2 inside sumto(2), at its own call (a0 = 1)
delete 2
next
#   sumto(1) (13) and the call: 14 instructions, at sumto+24 with a0 = 1;
#   sumto(0)'s return to sumto+24 (sp 0x3fe8, below 0x3ff0) does not stop it
regs
next 1 2
next x
finish now
c
next
finish
restart
break sumto if user
break *sumto+4 if supervisor
c
#   the program runs in supervisor mode: 3 fails at sumto (on, silently),
#   4 holds at sumto+4
info breakpoints
break _start if vm 0
#   natively: no VMs, an error; under the VMM the VM is 0, calls
x/w hpa:0x2000
#   natively an error (no VMM); under the VMM guest frame 1 (_start, 0x1000)
#   is at host frame 2: li sp, 0x4000 = 0x20204000
info tlb
info stats
#   since the restart: li, li, call, beqz: 4 instructions; natively no
#   trap, paging off: no TLB entry, no walk, the instruction TLB on the
#   code page (0x1000, its own frame); under the VMM one exit, the hidden
#   fault on the code page: its shadow entry gva 0x1000 -> hpa 0x2000 with
#   every right (paging off), 0x7f, VM calls's gpa 0x1000
c
#   4 again, in sumto(2) (instret 10: sumto(3) ran 6 more); 3 at sumto
#   (instret 9) failed
reverse-continue
#   back to the last hit whose condition held: 4 in sumto(3), instret 4
#   (li, li, call, beqz retired), not 3 at instret 9
