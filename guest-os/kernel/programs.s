# programs.s - the user programs, carried inside the kernel image.
#
# There is no file system: exec finds a program by name in this table and
# loads it from the ELF image below (exec.s).  The images are made by the
# Makefile (build/guest-os/user/NAME.elf, from guest-os/user/NAME.s) and
# found through vasm's -I option.
#
# To add a program (docs/guest-os.md, "How to add a program"): write
# guest-os/user/NAME.s, add NAME to GUEST_PROGS in the Makefile, and add
# a table row and an image here.

        .data
        .align  4
# The table: the name, and the address of the image.  A zero ends it.
programs:
        .word   pname_init, pimage_init
        .word   pname_hello, pimage_hello
        .word   pname_crc, pimage_crc
        .word   pname_primes, pimage_primes
        .word   pname_matmul, pimage_matmul
        .word   pname_syscalls, pimage_syscalls
        .word   pname_memory, pimage_memory
        .word   pname_forkwait, pimage_forkwait
        .word   pname_pingpong, pimage_pingpong
        .word   pname_dirty, pimage_dirty
        .word   pname_disk, pimage_disk
        .word   pname_echo, pimage_echo
        .word   pname_priv, pimage_priv
        .word   pname_kaccess, pimage_kaccess
        .word   pname_badptr, pimage_badptr
        .word   pname_div0, pimage_div0
        .word   pname_illegal, pimage_illegal
        .word   pname_misalign, pimage_misalign
        .word   pname_badargs, pimage_badargs
        .word   pname_wild, pimage_wild
        .word   pname_critical, pimage_critical
        .word   0, 0

pname_init:              .asciz "init"
pname_hello:             .asciz "hello"
pname_crc:               .asciz "crc"
pname_primes:            .asciz "primes"
pname_matmul:            .asciz "matmul"
pname_syscalls:          .asciz "syscalls"
pname_memory:            .asciz "memory"
pname_forkwait:          .asciz "forkwait"
pname_pingpong:          .asciz "pingpong"
pname_dirty:             .asciz "dirty"
pname_disk:              .asciz "disk"
pname_echo:              .asciz "echo"
pname_priv:              .asciz "priv"
pname_kaccess:           .asciz "kaccess"
pname_badptr:            .asciz "badptr"
pname_div0:              .asciz "div0"
pname_illegal:           .asciz "illegal"
pname_misalign:          .asciz "misalign"
pname_badargs:           .asciz "badargs"
pname_wild:              .asciz "wild"
pname_critical:          .asciz "critical"

# The images.  ELF headers are read with word loads: keep them aligned.
        .align  4
pimage_init:             .incbin "init.elf"
        .align  4
pimage_hello:            .incbin "hello.elf"
        .align  4
pimage_crc:              .incbin "crc.elf"
        .align  4
pimage_primes:           .incbin "primes.elf"
        .align  4
pimage_matmul:           .incbin "matmul.elf"
        .align  4
pimage_syscalls:         .incbin "syscalls.elf"
        .align  4
pimage_memory:           .incbin "memory.elf"
        .align  4
pimage_forkwait:         .incbin "forkwait.elf"
        .align  4
pimage_pingpong:         .incbin "pingpong.elf"
        .align  4
pimage_dirty:            .incbin "dirty.elf"
        .align  4
pimage_disk:             .incbin "disk.elf"
        .align  4
pimage_echo:             .incbin "echo.elf"
        .align  4
pimage_priv:             .incbin "priv.elf"
        .align  4
pimage_kaccess:          .incbin "kaccess.elf"
        .align  4
pimage_badptr:           .incbin "badptr.elf"
        .align  4
pimage_div0:             .incbin "div0.elf"
        .align  4
pimage_illegal:          .incbin "illegal.elf"
        .align  4
pimage_misalign:         .incbin "misalign.elf"
        .align  4
pimage_badargs:          .incbin "badargs.elf"
        .align  4
pimage_wild:             .incbin "wild.elf"
        .align  4
pimage_critical:         .incbin "critical.elf"
