/*
 * alloc.c - the allocator: which host frame belongs to whom.
 *
 * Every host frame has an owner record: free, a VM's guest memory, or a
 * VM's shadow tables.  Frames are zeroed when handed out, so nothing one
 * VM left in a frame can be read by the next owner; a frame never handed
 * out is zero already (frames freed go on top of the free stack, so the
 * never-used ones are its bottom nfresh), which makes a 1 GiB VM start at
 * once instead of copying 1 GiB of zeros.  Every change of owner
 * is told to the isolation checker, which keeps the books with it.
 */
#include <stdlib.h>

#include "vmm_impl.h"

/* The one write to host memory here: a frame's zeroing when it changes
 * owner, and translated code (no shadow entry, no right, only the bytes a
 * VM's own code frame holds: the isolation checker need not hear of it). */
static void write_host(struct vmm *v, uint32_t pa, const void *buf, size_t len)
{
    machine_write_phys(v->m, pa, buf, len);
}

bool code_frame_write(struct vmm *v, uint32_t pa, const void *buf, size_t len)
{
    uint32_t hfn = pa >> PAGE_SHIFT;
    if (hfn >= v->nframes || v->owner[hfn].kind != FRAME_CODE || (pa & PAGE_MASK) + len > PAGE_SIZE)
        return false;
    write_host(v, pa, buf, len);
    return true;
}

uint32_t alloc_frame(struct vmm *v, struct vm *vm, enum frame_kind kind)
{
    if (v->nfree == 0 || (kind == FRAME_GUEST && v->nfree <= v->reserved))
        return 0;
    if (kind != FRAME_GUEST) {
        if (v->reserved == 0)
            return 0; /* cannot happen while each VM keeps its limit */
        v->reserved--;
    }
    uint32_t i = --v->nfree;
    uint32_t hfn = v->free_frames[i];
    static const uint8_t zeros[PAGE_SIZE];
    if (i < v->nfresh)
        v->nfresh = i; /* never handed out: zero since the host machine was made */
    else
        write_host(v, hfn << PAGE_SHIFT, zeros, PAGE_SIZE);
    struct frame_owner now = {.kind = (uint8_t)kind, .vm = (uint8_t)vm->id};
    note_owner(v, hfn, v->owner[hfn], now);
    v->owner[hfn] = now;
    return hfn;
}

void free_frame(struct vmm *v, uint32_t hfn)
{
    if (v->owner[hfn].kind == FRAME_SHADOW || v->owner[hfn].kind == FRAME_CODE)
        v->reserved++; /* back to its VM's promise */
    struct frame_owner now = {.kind = FRAME_FREE};
    note_owner(v, hfn, v->owner[hfn], now);
    v->owner[hfn] = now;
    if (v->cfg.inject & INJECT_LEAK)
        return; /* the deliberate bug: the frame is owned by nobody and never handed out again */
    v->free_frames[v->nfree++] = hfn;
}

enum frame_kind vmm_frame_owner(const struct vmm *v, uint32_t hfn, int *vm_id)
{
    if (hfn >= v->nframes) {
        *vm_id = -1;
        return FRAME_FREE;
    }
    *vm_id = v->owner[hfn].kind == FRAME_FREE ? -1 : v->owner[hfn].vm;
    return (enum frame_kind)v->owner[hfn].kind;
}

uint32_t vmm_free_frames(const struct vmm *v) { return v->nfree; }

uint32_t host_word(struct vmm *v, uint32_t pa)
{
    uint8_t b[4] = {0};
    machine_read_phys(v->m, pa, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
