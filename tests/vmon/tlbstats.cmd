# info tlb and info stats on tests/guests/paging.s under the VMM, 1M
# (guest frame n is host frame n + 1: hpa.cmd).  By hand:
info tlb
info stats
#   at reset: no entry; nothing run
break *USER_VA+8
c
info tlb
#   the user program's code page: gva 0x400000, guest frame ucode = 0x2000,
#   so hpa 0x3000; the shadow entry has the guest's rights V R X U
#   (PTE_UCODE 0x1b), in VM paging's memory at gpa 0x2000
info stats
#   the kernel's privileged instructions, each emulated: mtcr tvec, ptb,
#   epc, timer (4), rdsr 2, wrsr 2, rfe 1 = 9 exits; hidden faults: with
#   paging off the code page and pt_k, pt_l1, pt_u (4), with paging on the
#   code page again and the user's code page (2) = 6; 15 exits in all
info tlb 1
info stats now
