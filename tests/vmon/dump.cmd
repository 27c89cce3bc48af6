# sum.s to its end, then the dumps --dump-regs and --dump give: the
# registers at the halt (t0 = 55 = 0x37, t2 = result = 0x2000), result =
# 55, and msg's first three bytes 'h' 'i' '\n'.
continue
