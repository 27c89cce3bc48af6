# end.s - two labels that must come after everything else.

        .text
etext:                          # the end of the kernel's code (vm.s maps it R|X)

        .bss
        .align  PAGE
kernel_end:                     # the end of the kernel image: free memory starts here
