/*
 * vpg - the empirical Popek-Goldberg classifier (isa/pgclass.h): runs
 * every instruction on the machine from generated states, prints the
 * classes it discovers, the verdicts of Theorems 1 and 3, and a witness
 * for each instruction that breaks one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgclass.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

static const char *prog = "vpg";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--isa pg|x86like] [--json | --markdown] [--states N] [--seed S]\n"
            "\n"
            "Discover each instruction's Popek-Goldberg class by running it, one\n"
            "instruction at a time, on the machine: from generated states (each mode,\n"
            "interrupts on and off, paging on and off, several page-table bases,\n"
            "control registers and devices) and from variants of each state that keep\n"
            "the program's virtual view but relocate it or change the configuration.\n"
            "Prints the table (sensitivity, traps in user mode, user-sensitive, class),\n"
            "the verdicts of Theorem 1 (every sensitive instruction privileged: a\n"
            "trap-and-emulate VMM exists) and Theorem 3 (every user-sensitive\n"
            "instruction privileged: a hybrid VMM exists), and for each instruction\n"
            "that breaks one a witness: the state and the change it makes, or two\n"
            "states and their two outcomes.  The definitions are in isa/pgclass.h.\n"
            "\n"
            "options:\n"
            "  --isa NAME     the variant: pg (the default) or x86like\n"
            "  --json         the report as JSON, witnesses included\n"
            "  --markdown     the table of docs/isa.md section 10, from both variants\n"
            "                 (--isa does not apply)\n"
            "  --states N     generated states per encoding, %u..%u (default %u)\n"
            "  --seed S       the generator's seed, a number (default %u): the same seed\n"
            "                 gives the same runs and the same report\n"
            "  -h, --help     show this help\n"
            "\n"
            "exit status: 0 done (whatever the verdicts); %d the machine could not be\n"
            "made; %d bad usage\n",
            prog, PG_MIN_STATES, PG_MAX_STATES, PG_DEFAULT_STATES, PG_DEFAULT_SEED, EXIT_FAILED, EXIT_USAGE);
}

static int fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s: try '%s --help'\n", prog, prog);
    return EXIT_USAGE;
}

static bool parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    enum { OPT_ISA = 256, OPT_JSON, OPT_MARKDOWN, OPT_STATES, OPT_SEED };
    static const struct option opts[] = {
        {"isa", required_argument, NULL, OPT_ISA},
        {"json", no_argument, NULL, OPT_JSON},
        {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {"states", required_argument, NULL, OPT_STATES},
        {"seed", required_argument, NULL, OPT_SEED},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    enum isa_variant isa = ISA_PG;
    bool json = false, markdown = false, isa_set = false;
    unsigned long long states = PG_DEFAULT_STATES, seed = PG_DEFAULT_SEED;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ISA:
            if (!isa_variant_parse(optarg, &isa))
                return fail_usage("--isa %s: not a variant (pg or x86like)", optarg);
            isa_set = true;
            break;
        case OPT_JSON: json = true; break;
        case OPT_MARKDOWN: markdown = true; break;
        case OPT_STATES:
            if (!parse_u64(optarg, PG_MAX_STATES, &states) || states < PG_MIN_STATES) {
                char why[200];
                snprintf(why, sizeof why, "--states %.100s: not a number of states from %u to %u", optarg,
                         PG_MIN_STATES, PG_MAX_STATES);
                return fail_usage("%s", why);
            }
            break;
        case OPT_SEED:
            if (!parse_u64(optarg, UINT64_MAX, &seed))
                return fail_usage("--seed %s: not a number", optarg);
            break;
        case 'h': usage(stdout); return 0;
        case ':': return fail_usage("%s needs an argument", argv[optind - 1]);
        default: return fail_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return fail_usage("unexpected argument %s", argv[optind]);
    if (json && markdown)
        return fail_usage("%s", "--json and --markdown do not go together");
    if (markdown && isa_set)
        return fail_usage("%s", "--markdown shows both variants: --isa does not go with it");

    char err[300];
    struct pg_report *rep = calloc(markdown ? 2 : 1, sizeof *rep);
    if (!rep) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_FAILED;
    }
    bool ok;
    if (markdown)
        ok = pgclass_run(&rep[0], ISA_PG, (unsigned)states, seed, err, sizeof err) &&
             pgclass_run(&rep[1], ISA_X86LIKE, (unsigned)states, seed, err, sizeof err);
    else
        ok = pgclass_run(rep, isa, (unsigned)states, seed, err, sizeof err);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", prog, err);
        free(rep);
        return EXIT_FAILED;
    }
    if (markdown)
        pg_print_markdown(stdout, &rep[0], &rep[1]);
    else if (json)
        pg_print_json(stdout, rep);
    else
        pg_print_text(stdout, rep);
    free(rep);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
        return EXIT_FAILED;
    }
    return 0;
}
