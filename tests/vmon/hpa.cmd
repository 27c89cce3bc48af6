# hpa: host-physical memory on tests/guests/paging.s under the VMM, 1M.
# The VM's memory is host frames in order after frame 0 (paging.cmd: guest
# frame 1 is at host frame 2), so guest frame n is host frame n + 1:
# udata at gpa 0x3000 (1, 2) is at hpa 0x4000, the kernel's first word
# (lui t0, 0x0 = 0x29500000: bytes 00 00 50 29) at hpa 0x2000.
xp/2w 0x3000
x/2w hpa:0x4000
xp/2w hpa:0x4000
#   x and xp read the same host-physical words: 1, 2
x/4b hpa:0x2000
#   0x00 0x00 0x50 0x29
x/s hpa:0x2000
#   its first byte is NUL: the empty string
x/w hpa:0x4002
x/w hpa:0xfffffffc
#   past the real machine's memory
walk hpa:0x4000
break hpa:0x4000
watch hpa:0x4000
