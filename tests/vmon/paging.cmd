# tests/guests/paging.s under the VMM, 1M (its listing: _start 0x1000, trap
# 0x10c8; pt_l1 0x6000, pt_k 0x7000, pt_u 0x8000, kstack_top 0x9400; the
# user program, ucode at physical 0x2000, runs at USER_VA 0x400000 and its
# data, udata at 0x3000 = 1, 2, at UDATA_VA 0x401000).
until-exit
#   the first fetch: a hidden page fault, paging off (the shadow maps
#   guest-physical memory): guest frame 1 at host frame 2 with every right,
#   0x2000 | V R W X U A D (0x7f) = 0x207f, at entry 1 of the phys role's
#   level-2 table (views.cmd walks it)
until-exit
#   la t0, trap (two instructions), then mtcr tvec, t0: emulated; the
#   virtual CPU changed: pc 0x1008 -> 0x100c, tvec 0 -> trap (0x10c8)
break *USER_VA
continue
#   the kernel has built its tables, turned paging on and entered the user
#   program with rfe.  Its registers, by hand:
#     t0 = QUANTUM = 700 = 0x2bc (li t0, QUANTUM; mtcr timer, t0)
#     t1 = udata | PTE_UDATA = 0x3000 | 0x17 = 0x3017 (the last entry stored)
#     s0 = the last kernel entry: 255 * 4096 | PTE_KERNEL = 0xff00f
#     sp = kstack_top = 0x9400, a1 = the memory size 0x100000
#     status: user (S clear), IE and PIE (rfe with PIE set), PG: 0x1a
#     epc = USER_VA, tvec = trap = 0x10c8, ptb = pt_l1 = 0x6000
#     timer = 700 less the one instruction since (rfe) = 699 = 0x2bb
regs
x/2w UDATA_VA
#   udata through the guest's tables: 1, 2
xp/2w 0x3000
#   the same words at their guest-physical address
xp/w pt_u+4
#   and the guest's entry that maps them is still 0x3017: looking through
#   the tables set no A bit
x/w 0x00402000
#   not mapped: pt_u's entry 2, at 0x8000 + 8, is 0
x/w 0x00800000
#   not mapped: pt_l1's entry 2, at 0x6000 + 8, is 0
xp/w 0x100000
#   past the 1M of guest memory
until-exit
#   the user program's first fetch: a hidden page fault filled from the
#   guest's entry pt_u[0] = ucode | PTE_UCODE = 0x2000 | 0x1b, with A (0x20)
#   set as the hardware would: 0x203b
until-exit
#   li s0, UDATA_VA is lui and ori; li s1, 0 and li t2, 3000 one each; then
#   lw t0, 0(s0) at USER_VA + 16 reads the data page: guest entry pt_u[1] =
#   0x3017 with A: 0x3037; the shadow entry leaves W out (D is clear).
#   (A shadow entry's frame is the VMM's choice, not the guest's: here each
#   guest frame's host frame is one page above it.)
info breakpoints
