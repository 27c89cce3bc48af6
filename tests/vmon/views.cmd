# tests/guests/paging.s under the VMM, 1M: walk, info cpu and history (its
# listing and tables as paging.cmd says: _start 0x1000, trap 0x10c8, pt_l1
# 0x6000, pt_k 0x7000, pt_u 0x8000; ucode at gpa 0x2000 runs at USER_VA
# 0x400000, udata at gpa 0x3000 is UDATA_VA 0x401000).  The VMM gives each
# guest frame the host frame one page above it (paging.cmd), and makes its
# tables from host frame 0x101 on, in the order it needs them.
info cpu
#   at reset: the virtual CPU in supervisor mode, status S (0x1), ptb 0
#   (docs/isa.md 9); the real CPU at its own reset, no VM on it yet, and
#   no exit yet
until-exit
#   the first fetch: a hidden fault, paging off.  The shadow root of role
#   phys is at hpa 0x101000 (the shadow's frames are the VMM's choice:
#   what is checked by hand is that the walk below and the exits agree on
#   them); its entry 0 leads to 0x102000, whose entry 1 (gva 0x1000
#   >> 12 & 1023) at 0x102004 maps guest frame 1 at host frame 2: 0x2000 | V R W X U A D
#   (0x7f) = 0x207f
walk _start
#   the same, walked: paging off, gva 0x1000 is gpa 0x1000, host 0x2000
break *USER_VA
continue
walk UDATA_VA
#   the guest's walk: ptb 0x6000; level 1 entry 1 (0x401000 >> 22) at
#   0x6004 = pt_u | V = 0x8001; level 2 entry 1 (0x401000 >> 12 & 1023) at
#   0x8004 = udata | PTE_UDATA = 0x3017 (V R W U).  The shadow's root for
#   user mode (hpa 0x103000, made from guest table 0x6000) has nothing at
#   entry 1 yet: the user program has not touched its data.
info cpu
#   the virtual CPU in user mode, status 0x1a (IE PIE PG), ptb 0x6000; the
#   real CPU in user mode with IE and PG (0x12), its ptb the user root
#   0x103000.  The last exit: the rfe at _start+196 (0x10c4), privileged.
until-exit
until-exit
#   the user program's first fetch and first load: hidden faults (as in
#   paging.cmd); the user root's entry 1 now leads to 0x104000, whose entry
#   1 at 0x104004 maps udata's frame 3 at host frame 4 without W (D clear
#   in the guest's entry): 0x4073
walk UDATA_VA
#   and the guest's entry now has A (0x20): 0x3037
history 3
#   the last three exits: the rfe (emulated) then the two hidden faults,
#   each with the guest's instruction count after the exit was handled.
#   The kernel, from the listing (la: 2 instructions, li of a small or a
#   0x...000 value: 1): la, mtcr, la = 5; la, li, li = 4; the loop 6 x 256
#   = 1536; level 1 and pt_u's two entries 10 + 10; la, mtcr, rdsr, ori,
#   wrsr = 6; li, mtcr = 2; rdsr, andi, ori, wrsr = 4; li, mtcr = 2: 1579,
#   and the emulated rfe retires: 1580 (at _start+196: 49 instructions
#   before it in the listing).  The fetch fault retires nothing: 1580.  Then
#   lui, ori (li s0), li s1, li t2: 1584 at the lw
catch cause timer
continue
history 1
#   the guest's timer: its mtcr timer, t0 (QUANTUM = 700) is the 1579th
#   instruction (above: the rfe is the 1580th), so it fires once 1579 + 700
#   = 2279 have retired (docs/isa.md 8.1).  The user program: 4 before the
#   loop, then 11 an iteration (lw add addi sw lw sw xor andi bnez, to 3f:
#   addi bnez) - the program has run 2279 - 1579 - 1 (the rfe) = 699 = 4 +
#   63 x 11 + 2: in its 64th iteration lw and add have run, and the
#   interrupt comes before the addi at USER_VA + 24, its epc.  Status from
#   user IE PIE PG (0x1a) to S PIE PG (0x19)
# Errors: one line each, the session goes on (views.err)
walk gpa:0x3000
walk
catch nosuch
catch cause nosuch
watch 0x00402000
watch pte 0x00800000
watch UDATA_VA 6
history 65
