/*
 * lab.h - the autograder's interface, for the tests of every lab
 * (labs/labN/tests.c) and for the runner (labs/grade/).
 *
 * A lab's tests are a table of struct lab_test.  `make grade LAB=N` runs
 * each in a child process of its own (a crash or a hang in a student's
 * code fails that test alone), with its full output in
 * build/labs/labN/NAME.output and its verdict in NAME.result (as Pintos
 * keeps t.output and t.result), prints a verdict and points per test and
 * the score, and writes the same as build/labs/labN/grade.json.
 *
 * A failing test says what it expected, what happened, where to look and
 * which vmon commands show it (struct lab_failure), never only "failed".
 */
#ifndef VMLAB_LAB_H
#define VMLAB_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lab_ctx; /* one running test: its output file, its verdict */

struct lab_test {
    const char *name;    /* short, a file name: "reflect-syscall" */
    int points;          /* what it is worth when it passes */
    const char *summary; /* one line: what it checks, in a student's words */
    const char *look;    /* default "where to look" for its failures: files, functions, docs sections */
    const char *vmon;    /* default vmon commands that show it, or NULL */
    void (*run)(struct lab_ctx *t);
};

/* A lab: its number, title and tests.  labs/labN/tests.c defines labN. */
struct lab {
    int number;
    const char *title;
    const struct lab_test *tests;
    size_t ntests;
};
extern const struct lab lab1, lab2, lab3, lab4, lab5;

/* What a failure says.  expected and happened are required; look and vmon
 * default to the test's. */
struct lab_failure {
    const char *expected;
    const char *happened;
    const char *look;
    const char *vmon;
};

/* Record a failure (the test goes on; one failure fails it). */
void lab_fail(struct lab_ctx *t, struct lab_failure f);

/* A string that lives as long as the test (for the fields above). */
const char *lab_str(struct lab_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line in the test's output file only: what it ran, what it saw. */
void lab_note(struct lab_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether the test has failed so far (to stop early). */
bool lab_failed(const struct lab_ctx *t);

/* The tree's paths: the project root (where the Makefile is), the build
 * directory (tools in BUILD/bin, the guest OS in BUILD/guest-os), and a
 * scratch directory private to this test (BUILD/labs/labN/NAME.files/). */
const char *lab_root(const struct lab_ctx *t);
const char *lab_build(const struct lab_ctx *t);
const char *lab_scratch(const struct lab_ctx *t);

/* A program's run: exit status (or -1 and the signal), and its stdout and
 * stderr, whole, NUL-terminated (the test's to keep). */
struct lab_run {
    int status; /* exit status, or -1 when killed by a signal */
    int signal;
    bool timed_out;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
};

/* Run argv (argv[0] a path, or a tool name looked up in BUILD/bin) with
 * stdin from input (NULL: empty), for at most timeout_s seconds; the
 * command line and a summary of the result go to the output file. */
bool lab_spawn(struct lab_ctx *t, const char *const argv[], const char *input, int timeout_s, struct lab_run *r);

/* A file's whole text, NUL-terminated (the caller frees it), or NULL when
 * it cannot be read. */
char *lab_read_file(const char *path);

/* Assemble src (a path relative to the root, or absolute) into elf with
 * BUILD/bin/vasm (-l and -m beside it); on error the assembler's messages
 * become the failure. */
bool lab_assemble(struct lab_ctx *t, const char *src, const char *elf);

#endif
