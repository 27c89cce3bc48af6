/*
 * mutator.h - the mutation points of a C source file, and one mutated copy
 * of it (make mutate, docs/testing.md "Mutation testing").
 *
 * The file is read as tokens (comments, strings, character constants and
 * preprocessor lines are skipped whole), and the bodies of its functions
 * as statements.  A point replaces one stretch of the text, [start, end),
 * by another; the mutated copy is the original with that one change.
 *
 *   delete        a simple statement (expression, return, break, continue,
 *                 goto) becomes {} - declarations are kept, since deleting
 *                 one cannot compile
 *   negate-if     if (c)        ->  if (!(c))
 *   negate-while  while (c)     ->  while (!(c)), in do ... while too
 *   negate-for    for (;c;)     ->  for (;!(c);)
 *   negate-cond   c ? a : b     ->  !(c) ? a : b
 *   and-to-or     &&            ->  ||
 *   or-to-and     ||            ->  &&
 *   negate-return return x;     ->  return !(x);  in a function returning bool
 *                 (return true; -> return false; and the other way)
 */
#ifndef VMLAB_TESTS_MUTATOR_H
#define VMLAB_TESTS_MUTATOR_H

#include <stdbool.h>
#include <stddef.h>

struct mutation {
    size_t start, end;      /* the original text replaced: src[start..end) */
    unsigned line, col;     /* of start, both from 1 */
    const char *kind;
    char *original;         /* src[start..end) with its white space collapsed, for people */
    char *replacement;      /* exactly what replaces it */
};

struct mutations {
    struct mutation *m;
    size_t n, cap;
};

/* Every mutation point of src (len bytes), in the order of the text.  False
 * if the file cannot be read as C or memory runs out, with a message in err
 * ("path:line:col: error: unterminated comment"); *out is then empty. */
bool mutations_find(const char *path, const char *src, size_t len, struct mutations *out, char *err,
                    size_t errlen);
void mutations_free(struct mutations *ms);

/* The line "path:line:col: kind: original -> replacement", in buf. */
void mutation_describe(const char *path, const struct mutation *m, char *buf, size_t len);

/* src with mutation m applied: a new NUL-terminated string of *outlen
 * bytes (NULL if memory runs out). */
char *mutation_apply(const char *src, size_t len, const struct mutation *m, size_t *outlen);

#endif
