/*
 * visa - print the tables of the instruction set, from the one table.
 *
 *   visa                      list the tables
 *   visa NAME                 print one table (markdown)
 *   visa --update FILE        regenerate the tables inside FILE's markers
 *   visa --hypercalls         isa/hypercalls.h as vasm .equ lines, for the
 *                             paravirtualized guest kernel (make guest)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "hypercalls.h"
#include "isa_doc.h"

#define VISA_MAX_FILE (16u << 20) /* a manual, not a disk image */

/* The guest kernel is assembly: it gets the ABI's one definition as .equ
 * lines made from the header, so that the two sides cannot disagree. */
static void print_hypercalls(void)
{
    printf("# hypercall-numbers.s - made by `visa --hypercalls` from isa/hypercalls.h\n"
           "# (do not edit): the paravirtual ABI for the pv kernel (docs/guest-os.md).\n"
           "# hcall rd, HC_x: R[rd] is the argument and, where there is one, the result.\n");
#define X(NAME, n, name, desc) printf("        .equ HC_%-21s %2d    # %s: %s\n", #NAME ",", n, name, desc);
    ISA_HYPERCALLS(X)
#undef X
    printf("# why a call was refused (the shared area's error word); R[rd] = HC_REFUSED\n"
           "        .equ HC_REFUSED,             0xffffffff\n");
#define X(NAME, n, desc) printf("        .equ HCE_%-20s %2d    # %s\n", #NAME ",", n, desc);
    ISA_HC_ERRORS(X)
#undef X
    printf("# the shared area: written by the hypervisor when it delivers a trap\n");
#define SH(NAME) printf("        .equ %-24s %2d\n", #NAME ",", NAME);
    SH(SH_EPC) SH(SH_CAUSE) SH(SH_BADADDR) SH(SH_STATUS) SH(SH_SP) SH(SH_ERROR) SH(SH_SIZE)
#undef SH
    printf("# an mmu_update batch: the count (1..MMU_BATCH_MAX), then (entry address, value) pairs\n"
           "        .equ MMU_BATCH_MAX,           %d\n", MMU_BATCH_MAX);
}

int main(int argc, char **argv)
{
    size_t n;
    const struct isa_doc_table *t = isa_doc_tables(&n);
    char err[4400];

    if (argc == 1 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
        printf("usage: visa TABLE | visa --update FILE | visa --hypercalls\ntables:");
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
    if (argc == 2 && !strcmp(argv[1], "--hypercalls")) {
        print_hypercalls();
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
    fprintf(stderr, "visa: usage: visa TABLE | visa --update FILE | visa --hypercalls\n");
    return 2;
}
