# end.s - two labels that must come after everything else.

        .text
etext:                          # the end of the kernel's code (vm.s maps it R|X)

        .bss
        .align  PAGE
        .if PARAVIRT
pt_pool:        .space  PT_POOL_PAGES * PAGE    # every page table (ptpool.s): mapped read-only
pt_pool_end:
        .endif
kernel_end:                     # the end of the kernel image: free memory starts here
