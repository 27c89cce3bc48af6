/*
 * visa - print the tables of the instruction set, from the one table.
 *
 *   visa                      list the tables
 *   visa NAME                 print one table (markdown)
 *   visa --update FILE        regenerate the tables inside FILE's markers
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "isa_doc.h"

#define VISA_MAX_FILE (16u << 20) /* a manual, not a disk image */

int main(int argc, char **argv)
{
    size_t n;
    const struct isa_doc_table *t = isa_doc_tables(&n);
    char err[4400];

    if (argc == 1 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
        printf("usage: visa TABLE | visa --update FILE\ntables:");
        for (size_t i = 0; i < n; i++)
            printf(" %s", t[i].name);
        printf("\n\n--update reads at most %u MiB and writes FILE whole or not at all: through a\n"
               "symbolic link to its target, keeping its permissions; a read-only FILE is refused.\n",
               VISA_MAX_FILE >> 20);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--update")) {
        uint8_t *buf;
        size_t len;
        if (!file_read_max(argv[2], VISA_MAX_FILE, &buf, &len, err, sizeof err)) {
            fprintf(stderr, "visa: %s: %s\n", argv[2], err);
            return 1;
        }
        char *text = malloc(len + 1);
        if (!text) {
            free(buf);
            fprintf(stderr, "visa: out of memory\n");
            return 1;
        }
        memcpy(text, buf, len);
        text[len] = '\0';
        free(buf);
        char *out = isa_doc_update(text, err, sizeof err);
        free(text);
        if (!out) {
            fprintf(stderr, "visa: %s: %s\n", argv[2], err);
            return 1;
        }
        /* FILE is its own input here, by design: no identity check. */
        struct outset *set = outset_new("visa");
        int o = set ? outset_add(set, argv[2], "the updated file", err, sizeof err) : -1;
        if (!set)
            snprintf(err, sizeof err, "out of memory");
        bool ok = o >= 0 && outset_put(set, o, out, strlen(out), err, sizeof err) && outset_commit(set, err, sizeof err);
        outset_free(set);
        free(out);
        if (!ok) {
            fprintf(stderr, "visa: %s\n", err);
            return 1;
        }
        return 0;
    }
    if (argc == 2) {
        const struct isa_doc_table *one = isa_doc_find(argv[1]);
        if (!one) {
            fprintf(stderr, "visa: no table named '%s' (run visa for the list)\n", argv[1]);
            return 2;
        }
        one->print(stdout);
        return 0;
    }
    fprintf(stderr, "visa: usage: visa TABLE | visa --update FILE\n");
    return 2;
}
