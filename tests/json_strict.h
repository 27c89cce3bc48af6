/*
 * json_strict.h - a strict JSON check for tests: exactly one JSON text as
 * RFC 8259 defines it, in valid UTF-8 (no overlong forms, no surrogates,
 * nothing past U+10FFFF), with surrounding whitespace only.  What a
 * careless writer gets wrong - a raw control character or invalid byte in
 * a string, a trailing comma, a bad escape - is refused with the offset.
 */
#ifndef VMLAB_TESTS_JSON_STRICT_H
#define VMLAB_TESTS_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

/* true if s[0..len) is valid; otherwise false and, in why, what is wrong
 * and at which byte. */
bool json_strict(const char *s, size_t len, char *why, size_t whylen);

#endif
