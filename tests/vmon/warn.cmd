# The warnings on tests/vmon/stale.s (its listing: trap 0x10cc, remap
# 0x110c, flush 0x1120, back 0x1124, kread 0x1130; pt_l1 0x6000, pt_k
# 0x7000, pt_u 0x8000; ucode at 0x2000 runs at USER_VA 0x400000; udata
# 0x3000, udata2 0x4000, upeek 0x5000, at UDATA_VA 0x401000 and UPEEK_VA
# 0x402000).  The same commands natively (warn-native: no warning there,
# and said so), under the VMM (warn-vmm), and under the VMM with --no-warn
# (warn-quiet).
info warnings
#   both on (--no-warn: both off), none said yet
break *USER_VA+20
continue
#   the first system call (SYS_REMAP_FLUSH) changed the live entry for
#   UDATA_VA, then tlbflushv UDATA_VA, then rfe: no warning before the
#   breakpoint at lw a2, 0(s0)
continue
#   the second (SYS_REMAP) changes it back with no flush, then rfe:
#   warning: flush, the leaf entry for gva 0x00401000 (L1 index 1, L2
#   index 1), at pt_u + 4 = gpa 0x00008004, 0x00004037 -> 0x00003037:
#   udata2 | PTE_UDATA (0x17) | A (0x20: set by the user's first read,
#   lw s1, and kept by the first remap's xor)
#   becomes udata | the same bits; written at remap (0x110c), the rfe at
#   back (0x1124).
#   Then SYS_PEEK: the kernel, in virtual supervisor mode, reads UPEEK_VA
#   at kread (0x1130): warning: user-access, gva 0x00402000, its guest
#   entry pt_u + 8 = gpa 0x00008008: upeek | PTE_UDATA | A = 0x00005037.
#   The guest halts with a2 = 1000 (udata2's word).
info warnings
#   each said once (--no-warn: none)
set warn flush off
set warn user-access on
info warnings
#   flush off, user-access on, the counts kept
set warn flush maybe
set warn tlb on
set warn flush
#   three errors, one line each
