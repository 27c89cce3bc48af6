# Conditional breakpoints on tests/guests/paging.s under the VMM, 1M (its
# listing: trap 0x10c8; the user program runs from USER_VA 0x400000, in
# user mode, from the rfe; one VM, named paging).  By hand:
break trap if user
break *USER_VA if supervisor
break *USER_VA+4 if user
break *USER_VA+8 if vm paging
info breakpoints
#   each with its condition, none hit
continue
#   the kernel runs no trap before the rfe; USER_VA is reached in user mode
#   (2's condition fails: on, silently); USER_VA+4 in user mode: 3 stops
continue
#   4: the VM is paging
info breakpoints
#   a hit whose condition failed is no hit: 1 and 2 none, 3 and 4 once
delete 1
break trap if supervisor
continue
#   the first trap: the timer (QUANTUM = 700 instructions after the rfe;
#   the first syscall waits 3000 & 255 = 184 passes of at least 11), taken
#   in the handler in supervisor mode: cause 0x10 (timer, docs/isa.md),
#   epc in the user program, status S, PIE, PG, PS clear (from user mode);
#   t2 = 3000 - 63 = 0xb79: 63 passes of 11 done, near 700
regs
break trap if
break trap if kernel
break trap if vm nosuch
break trap if vm
break if user
break *USER_VA+12 if vm 0
