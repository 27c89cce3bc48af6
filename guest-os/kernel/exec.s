# exec.s - loading a program into an address space.
#
# The programs are ELF executables, assembled by vasm and carried inside
# the kernel image (programs.s).  Loading one is what the boot loader did
# for the kernel (docs/isa.md, section 9), but into user pages:
#
#   for each PT_LOAD segment: map its pages (U, R, and W or X as the
#       segment says), copy its bytes from the file; the rest of the
#       segment (.bss) stays zero, as the pages come zeroed
#   heap: empty, starting at the page after the last segment
#   stack: USTACK_PAGES zeroed pages below USER_TOP; the argument string
#       is copied to its top and the initial sp and a0 point at it
#   registers: all zero, but pc = the entry point, sp and a0
#
# The ELF32 header fields used (offsets in the file): e_machine at 18
# (0x564d, "VM"), e_entry at 24, e_phoff at 28, e_phnum at 44; each
# 32-byte program header: p_type at 0 (1 = PT_LOAD), p_offset 4, p_vaddr 8,
# p_filesz 16, p_memsz 20, p_flags 24 (1 = X, 2 = W, 4 = R).

        .equ ELF_MAGIC,  0x464c457f     # "\x7fELF", as a little-endian word
        .equ EM_VMLAB,   0x564d
        .equ PT_LOAD,    1
        .equ PF_X,       1
        .equ PF_W,       2

        .text

# find_program: look a name up in the program table.
#   in:  a0 = the name (a kernel string)
#   out: a0 = its table entry (two words: name, image), or 0 if none
find_program:
        push    ra
        push    s0
        push    s1
        mv      s1, a0
        la      s0, programs
1:      lw      a0, 0(s0)
        beqz    a0, 3f                  # the end of the table
        mv      a1, s1
        call    strcmp
        beqz    a0, 2f
        addi    s0, s0, 8
        j       1b
2:      mv      a0, s0
        j       4f
3:      li      a0, 0
4:      pop     s1
        pop     s0
        pop     ra
        ret

# exec_load: load a program into a process whose user space is empty.
#   in:  a0 = the process (its P_PT has no user pages), a1 = the program's
#        table entry, a2 = the argument (a kernel string, < ARGMAX bytes)
#   out: a0 = 0, or -1 if memory ran out (the pages mapped so far stay in
#        the table, for uvm_free_user).  Sets the process's trap frame,
#        heap and name.  A malformed image is a build bug: panic.
exec_load:
        push    ra
        push    s0
        push    s1
        addi    sp, sp, -36
        mv      s0, a0                  # s0: the process
        sw      a1, 0(sp)               # 0(sp): the program's entry
        sw      a2, 4(sp)               # 4(sp): the argument
        lw      s1, 4(a1)               # s1: the ELF image
        lw      t0, 0(s1)
        li      t1, ELF_MAGIC
        bne     t0, t1, 9f
        lhu     t0, 18(s1)
        li      t1, EM_VMLAB
        bne     t0, t1, 9f
        li      t0, USER_BASE
        sw      t0, 8(sp)               # 8(sp): the highest segment end so far
        lw      t0, 28(s1)
        add     t0, s1, t0
        sw      t0, 12(sp)              # 12(sp): the program header
        lhu     t0, 44(s1)
        sw      t0, 16(sp)              # 16(sp): program headers left
1:      lw      t0, 16(sp)
        beqz    t0, 7f
        lw      t2, 12(sp)
        lw      t0, 0(t2)
        li      t1, PT_LOAD
        bne     t0, t1, 6f
        lw      t0, 24(t2)              # permissions: U and R always,
        li      a3, PTE_U | PTE_R       # W and X if the segment has them
        andi    t1, t0, PF_W
        beqz    t1, 2f
        ori     a3, a3, PTE_W
2:      andi    t1, t0, PF_X
        beqz    t1, 3f
        ori     a3, a3, PTE_X
3:      sw      a3, 20(sp)              # 20(sp): the permissions
        lw      t0, 8(t2)               # t0: p_vaddr
        lw      t1, 20(t2)
        add     t1, t0, t1              # t1: its end
        li      a0, USER_BASE           # inside [USER_BASE, HEAP_LIMIT)?
        bltu    t0, a0, 9f
        bltu    t1, t0, 9f
        li      a0, HEAP_LIMIT
        bltu    a0, t1, 9f
        lw      a0, 8(sp)
        bgeu    a0, t1, 4f
        sw      t1, 8(sp)
4:      srli    t0, t0, PAGE_SHIFT
        slli    t0, t0, PAGE_SHIFT
        sw      t0, 24(sp)              # 24(sp): the page to map
        sw      t1, 28(sp)              # 28(sp): the end
5:      lw      t0, 24(sp)              # map each page of the segment
        lw      t1, 28(sp)
        bgeu    t0, t1, 55f
        lw      a0, P_PT(s0)
        mv      a1, t0
        li      a2, 1
        call    walk
        beqz    a0, 8f
        sw      a0, 32(sp)              # 32(sp): its level-2 entry
        lw      t0, 0(a0)
        andi    t1, t0, PTE_V
        bnez    t1, 52f                 # shared with the previous segment
        call    kzalloc
        beqz    a0, 8f
        lw      t0, 20(sp)
        or      t0, a0, t0
        ori     t0, t0, PTE_V
        j       53f
52:     lw      t1, 20(sp)              # a page holding two segments gets
        or      t0, t0, t1              # the permissions of both
53:     lw      t1, 32(sp)
        .if PARAVIRT
        mv      a0, t1                  # pv: through the batch (ptpool.s); the
        mv      a1, t0                  # uvm_write below syncs it (walk)
        call    pt_set
        .else
        sw      t0, 0(t1)
        .endif
        lw      t0, 24(sp)
        addi    t0, t0, PAGE
        sw      t0, 24(sp)
        j       5b
55:     lw      t2, 12(sp)              # copy the bytes the file has
        lw      a0, P_PT(s0)
        lw      a1, 8(t2)
        lw      a2, 4(t2)
        add     a2, s1, a2
        lw      a3, 16(t2)
        call    uvm_write
6:      lw      t0, 12(sp)              # next program header
        addi    t0, t0, 32
        sw      t0, 12(sp)
        lw      t0, 16(sp)
        addi    t0, t0, -1
        sw      t0, 16(sp)
        j       1b
7:      lw      t0, 8(sp)               # the heap starts at the next page
        addi    t0, t0, PAGE - 1
        srli    t0, t0, PAGE_SHIFT
        slli    t0, t0, PAGE_SHIFT
        sw      t0, P_HEAP(s0)
        sw      t0, P_BRK(s0)
        li      t0, USTACK_BASE         # the stack pages
        sw      t0, 24(sp)
71:     lw      t0, 24(sp)
        li      t1, USER_TOP
        beq     t0, t1, 72f
        call    kzalloc
        beqz    a0, 8f
        sw      a0, 32(sp)
        mv      a2, a0
        lw      a0, P_PT(s0)
        lw      a1, 24(sp)
        li      a3, PTE_U | PTE_R | PTE_W
        call    uvm_map
        bnez    a0, 73f
        lw      t0, 24(sp)
        addi    t0, t0, PAGE
        sw      t0, 24(sp)
        j       71b
73:     lw      a0, 32(sp)              # mapped nowhere: free it here
        call    kfree
        j       8f
72:     lw      a0, 4(sp)               # the argument, at the top of the stack
        call    strlen
        addi    a3, a0, 1               # a3: its size, with the NUL
        li      t1, USER_TOP
        sub     t1, t1, a3
        srli    t1, t1, 2               # word-aligned: sp must be
        slli    t1, t1, 2
        sw      t1, 24(sp)              # 24(sp): its address, the initial sp
        lw      a0, P_PT(s0)
        mv      a1, t1
        lw      a2, 4(sp)
        call    uvm_write
        mv      a0, s0                  # the registers
        li      a1, TF_SIZE
        call    memzero
        lw      t0, 24(s1)
        sw      t0, TF_PC(s0)           # e_entry
        lw      t0, 24(sp)
        sw      t0, TF_SP(s0)
        sw      t0, TF_A0(s0)
        addi    a0, s0, P_NAME          # the name
        lw      t0, 0(sp)
        lw      a1, 0(t0)
        li      a2, NAMEMAX
        call    strncpy0
        li      a0, 0
        j       10f
8:      li      a0, -1
10:     addi    sp, sp, 36
        pop     s1
        pop     s0
        pop     ra
        ret
9:      la      a0, msg_badelf
        call    panic

        .data
        .align  4
msg_badelf:     .asciz "exec: a program in the table is not a vmlab executable"
