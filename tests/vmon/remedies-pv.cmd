# docs/remedies.md, paravirtualization: the paravirtual build of the guest
# OS's kernel (build/guest-os/kernel-pv.elf) on x86like under
# --technique pv (--boot 'syscalls 1').  Where the original kernel's
# irq_save runs rdsr then wrsr, this one asks the VMM: hcall a0, HC_IRQ
# (4) with a0 = 0, the new IE; the answer in a0 is the status before.
break irq_save
continue
disas irq_save 3
#   one exit, on purpose: the VMM answers the call on the virtual CPU
#   (IE = 0) and puts the status word before it in a0 (0x15: S, PS, PG -
#   supervisor mode, paging on, IE already off)
until-exit
#   a page-table update: the kernel collects entries in mmu_batch (a count,
#   then pairs: the guest-physical address of an entry, its new value) and
#   sends them in one hypercall, mmu_update (10), from pt_sync
delete 1
break pt_sync
continue
x/5w mmu_batch
#   five entries, 0x1b000 and on: the first words of a level-1 table,
#   each linking a level-2 table (frame | V).  The VMM checks each entry (the frame is the guest's; nothing maps a
#   page table writable; a linked table is not mapped writable) and writes
#   it through its coherent path, which refills any shadow made from it:
#   no write protection, no tracing fault; t2 comes back as the number
#   applied (5), and the table holds them
until-exit
xp/2w 0x0001b000
info stats
