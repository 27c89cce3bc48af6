# travel.cmd - time travel on sum.s (tests/test_vmon.c, natively and under
# the VMM; docs/monitor.md "Time travel").  By hand, from sum.s: _start
# 0x1000, loop 0x1008 (add), loop+4 (addi), loop+8 (bnez), then lui, ori,
# sw at 0x101c, halt at done 0x1020; loop is reached after 2, 5, 8, 11
# ... instructions, with t0 = 0, 10, 19, 27 ... and t1 = 10, 9, 8, 7 ...
step 8
# instret 8, at loop: checkpoint 1 there
checkpoint
step 4
# back 3 to instret 9: the add of the third pass ran (t0 = 19 + 8 = 27 =
# 0x1b), t1 still 8, at loop+4
reverse-step 3
info registers
info checkpoints
break loop
# from 9: addi, bnez, and loop again at 11
continue
# the last stop at loop before 11 is at 8, and before 8 at 5
reverse-continue
reverse-continue
# back 1 from 5: the bnez of the first pass, at loop+8
rs
restart 1
delete 1
# on to the halt, the 36th instruction: 55 (0x37) at result; back 2 from
# its end, 34 instructions in, pc is on the sw and result is 0 again
continue
x/w result
reverse-step 2
x/w result
restart
rs
# errors: one line each, the session goes on (status 5)
restart 7
info checkpoints 2
