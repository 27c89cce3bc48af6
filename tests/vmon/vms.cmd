# Two VMs of sum.s, named sum and sum-2.  A step runs the current VM alone.
info vms
step 5
#   VM 0 at loop after 5 instructions; VM 1 still at reset
vm 1
info vms
vm sum
x/w result
continue
#   VM 0 halts with 55; VM 1 has not run
info vms
vm sum-2
continue
info vms
