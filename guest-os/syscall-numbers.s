# syscall-numbers.s - the system-call numbers (in a5), the one list that
# the kernel (guest-os/kernel/param.s) and the user library
# (guest-os/user/lib.s) both include.  docs/guest-os.md, "System calls",
# says what each does.  A new call: a number here, a handler in the table
# at the end of guest-os/kernel/syscall.s (in the same order), its name in
# syscall_names, and a stub in lib.s.
        .equ SYS_EXIT,      1
        .equ SYS_WRITE,     2
        .equ SYS_READ,      3
        .equ SYS_GETPID,    4
        .equ SYS_YIELD,     5
        .equ SYS_SBRK,      6
        .equ SYS_FORK,      7
        .equ SYS_WAIT,      8
        .equ SYS_EXEC,      9
        .equ SYS_DISKWRITE, 10
        .equ SYS_DISKREAD,  11
        .equ SYS_PTEFLAGS,  12
        .equ SYS_CRITICAL,  13
        .equ NSYSCALL,      14          # one past the last
