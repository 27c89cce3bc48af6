/*
 * vm_name.c - what a VM's name may be (vm_name.h).
 */
#include "vm_name.h"

#include <stdint.h>
#include <string.h>

/* The UTF-8 sequence at s (at most n bytes): its length and code point,
 * or 0 if it is not a valid one (RFC 3629, section 4). */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, *cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, *cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, *cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return len;
}

static bool char_ok(uint32_t cp)
{
    return cp >= 0x20 && !(cp >= 0x7f && cp <= 0x9f) && cp != '/' && cp != '"' && cp != '\\';
}

enum vm_name_check vm_name_check(const char *s)
{
    size_t n = strlen(s);
    bool bad = n == 0 || n > VM_NAME_MAX;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_char((const unsigned char *)s + i, n - i, &cp);
        if (len == 0)
            return VM_NAME_NOT_UTF8;
        bad |= !char_ok(cp);
        i += len;
    }
    return bad ? VM_NAME_BAD : VM_NAME_OK;
}

void vm_name_from_path(const char *path, size_t room, char *out)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    if (n == 0)
        n = strlen(base);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_char((const unsigned char *)base + i, n - i, &cp);
        const char *put = len && char_ok(cp) ? base + i : "_";
        size_t plen = len && char_ok(cp) ? len : 1;
        if (o + plen > room)
            break;
        memcpy(out + o, put, plen);
        o += plen;
        i += len ? len : 1;
    }
    if (o == 0 && room >= 2)
        memcpy(out, "vm", o = 2);
    out[o] = '\0';
}

size_t vm_name_cut(const char *s, size_t max)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_char((const unsigned char *)s + i, n - i, &cp);
        if (len == 0)
            len = 1;
        if (i + len > max)
            break;
        i += len;
    }
    return i;
}
