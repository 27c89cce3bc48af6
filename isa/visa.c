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

int main(int argc, char **argv)
{
    size_t n;
    const struct isa_doc_table *t = isa_doc_tables(&n);
    char err[300];

    if (argc == 1 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
        printf("usage: visa TABLE | visa --update FILE\ntables:");
        for (size_t i = 0; i < n; i++)
            printf(" %s", t[i].name);
        printf("\n");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--update")) {
        uint8_t *buf;
        size_t len;
        if (!file_read(argv[2], &buf, &len, err, sizeof err)) {
            fprintf(stderr, "visa: %s: %s\n", argv[2], err);
            return 1;
        }
        char *text = malloc(len + 1);
        memcpy(text, buf, len);
        text[len] = '\0';
        free(buf);
        char *out = isa_doc_update(text, err, sizeof err);
        free(text);
        if (!out) {
            fprintf(stderr, "visa: %s: %s\n", argv[2], err);
            return 1;
        }
        bool ok = file_write_atomic(argv[2], out, strlen(out), err, sizeof err);
        free(out);
        if (!ok) {
            fprintf(stderr, "visa: %s: %s\n", argv[2], err);
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
