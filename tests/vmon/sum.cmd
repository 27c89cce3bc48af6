# sum.s, every command that runs or looks (tests/test_vmon.c runs it on the
# bare machine, sum-native.out, and under the VMM, sum-vmm.out).  What each
# line must show, worked out from sum.s by hand (its listing: _start 0x1000,
# loop 0x1008, la at 0x1014 as lui and ori, sw 0x101c, done 0x1020; result
# 0x2000, words 0x2004, msg 0x200c):
step
#   pc 0x1004 (_start+4): li t1, 10, which is addi t1, zero, 10
s 4
#   5 instructions in, at loop again: t0 = 10, t1 = 9
info registers
#   supervisor (S) at reset; a1 = 0x01000000, the memory size (16M,
#   docs/isa.md section 9)
run-to 0x1010
#   add and addi: t0 = 10 + 9 = 19, t1 = 8, at loop+8 (the bne)
break *done-4
b *loop+4
continue
#   bne back to loop, add: t0 = 19 + 8 = 27 = 0x1b, t1 = 8, at loop+4
regs
disable 2
info breakpoints
#   2 was hit once, and is disabled
c
#   at the sw (done-4 = loop+20): t0 = 55 = 0x37, t1 = 0, t2 = 0x2000
i r
x/4w result
#   result is still 0; then words, and "hi\n\0" as a word: 0x000a6968
step
x/w result
#   the sw has run: 55
x/3b words
#   0x11223344 little-endian: 0x44 0x33 0x22
x/2s msg
#   "hi\n", then the empty string after its NUL (zero memory)
xp/2w gpa:0x2004
disas
#   three before pc (done), pc marked =>, four after
disas _start 3
enable 2
delete 2
info b
continue
#   halt t0: 55
info vms
quit
step
#   never run: quit ends the session
