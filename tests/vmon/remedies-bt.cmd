# docs/remedies.md, binary translation: the guest OS's kernel on x86like
# under --technique bt (--boot 'syscalls 1').  irq_save's first
# instruction is rdsr, sensitive and unprivileged on x86like: run
# directly in real user mode it would read the real status word.
break irq_save
continue
#   the first time: nothing of this page is translated yet, so the real
#   CPU fetches a trap word from the translation cache and exits; the VMM
#   translates the block from pc to its first control transfer (rdsr,
#   andi, beq: 3 instructions) and patches the rdsr to a trap word.  No
#   guest instruction retires.
until-exit
#   the same pc again: now the patched word; the VMM runs the guest's own
#   rdsr (read from guest memory) on the virtual CPU, and pc moves on
until-exit
#   the real MMU's view: with paging off (the kernel's boot), the shadow
#   maps irq_save's page to the translation's host frame, execute-only
#   (V X U A D: no R, no W), not to the guest's frame (0x3000)
walk irq_save
#   guest memory still holds rdsr (0x70a00000), and that is what a guest
#   load from its own code gets (such loads fault, execute-only, and the
#   VMM does them from guest memory); the real CPU fetches the trap word
#   (0) from the translation's frame
x/w irq_save
x/w hpa:0x01004dd0
#   the second time the block is translated already: only the patched
#   word exits, and the VMM's rdsr gives the guest its virtual status (1:
#   S, supervisor mode), where the real CPU's would say user mode
continue
until-exit
#   a page-table update: binary translation changes only how the CPU is
#   virtualized, so a store to a guest page table is trap-and-emulate's
#   tracing fault (the shadow pager write-protects the guest's tables)
delete 1
catch tracing
continue
info stats
