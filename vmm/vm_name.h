/*
 * vm_name.h - what a VM's name may be.  A name goes into output prefixes
 * ("[NAME] "), file names (DIR/NAME.out) and JSON strings (--stats-json),
 * so it must be usable in all three: 1 to VM_NAME_MAX bytes of valid UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF),
 * without '/', '"', '\\' or a control character (C0, DEL or C1).
 */
#ifndef VMLAB_VM_NAME_H
#define VMLAB_VM_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define VM_NAME_MAX 31

enum vm_name_check { VM_NAME_OK, VM_NAME_NOT_UTF8, VM_NAME_BAD };
enum vm_name_check vm_name_check(const char *s);

/* The name a file makes: its base name up to the first '.', each byte or
 * character a name may not hold turned into '_', cut (between characters)
 * to at most `room` bytes; "vm" if nothing is left.  out holds room + 1. */
void vm_name_from_path(const char *path, size_t room, char *out);

/* The longest prefix of the valid UTF-8 string s that is at most max bytes
 * and ends between characters. */
size_t vm_name_cut(const char *s, size_t max);

#endif
