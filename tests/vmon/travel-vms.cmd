# travel-vms.cmd - time travel with two VMs (tests/test_vmon.c): sum.s as
# VM 0, conwait.s as VM 1.  Only the current VM goes back; the other
# stays where it is, and a checkpoint belongs to its VM.
# sum: 5 instructions in, at loop (sum.s's comments)
step 5
vm 1
# conwait: la t0, trap (lui, ori), mtcr tvec: 3 instructions in, at the
# li s0, 0 (an addi) at _start+12; back 2: at the ori, _start+4
step 3
checkpoint
reverse-step 2
# sum is still 5 instructions in, at loop
info vms
vm 0
# an error: checkpoint 1 is conwait's
restart 1
info checkpoints
# sum back 1: at the bnez of the first pass, loop+8; conwait unmoved
rs 1
info vms
