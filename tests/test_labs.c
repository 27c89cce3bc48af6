/*
 * test_labs.c - suite `labs`: the coursework labs (docs/labs/) as an
 * instructor and a student meet them.
 *
 * The handout maker's cutting is checked on small texts in-process.  Then
 * one tree, build/labs-check/tree, is made into every lab's handout in
 * turn, from lab 5 down to lab 1 (each step rewrites only the files that
 * change, and a copy of the reference build makes each rebuild small),
 * and graded there: a lab scores zero in its own handout, and the labs
 * before it full (their solutions are in it).  With the reference regions
 * put back, the tree is the reference again, byte for byte, and every lab
 * scores full.  Each kept mistake (labs/labN/mistakes/) is put in the
 * tree in turn: the tests it names fail with the messages it names, and
 * the others pass.  Last, an instructor's hidden tests (GRADE_EXTRA).
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../labs/handout/regions.h"

#define NLABS 5
#define CHECK_DIR "build/labs-check"
#define TREE CHECK_DIR "/tree"
#define LOG CHECK_DIR "/log.txt"

/* --- running commands ------------------------------------------------------ */

/* A shell command, its output appended to the log; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *log = fopen(LOG, "a");
    if (log) {
        fprintf(log, "$ %s\n", cmd);
        fclose(log);
    }
    /* make check's own make must not lend its job server to these */
    char full[8400];
    snprintf(full, sizeof full, "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c '%s' >> " LOG " 2>&1", cmd);
    int st = system(full);
    return st == -1 ? -1 : WEXITSTATUS(st);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

/* --- a grade's JSON --------------------------------------------------------- */

struct graded {
    int score, max;
    int ntests;
    struct {
        char name[128];
        bool passed;
    } t[64];
};

static bool read_grade(int lab, struct graded *g)
{
    char path[256];
    snprintf(path, sizeof path, TREE "/build/labs/lab%d/grade.json", lab);
    char *s = slurp(path);
    memset(g, 0, sizeof *g);
    if (!s)
        return false;
    const char *p = strstr(s, "\"score\": ");
    const char *q = strstr(s, "\"max_score\": ");
    bool ok = p && q && sscanf(p + 9, "%d", &g->score) == 1 && sscanf(q + 13, "%d", &g->max) == 1;
    for (const char *r = s; ok && (r = strstr(r, "{\"name\": \"")) && g->ntests < 64; r++) {
        const char *name = r + 10, *end = strchr(name, '"');
        const char *res = strstr(r, "\"result\": \"");
        if (!end || !res)
            break;
        snprintf(g->t[g->ntests].name, sizeof g->t[0].name, "%.*s", (int)(end - name), name);
        g->t[g->ntests].passed = !strncmp(res + 11, "pass", 4);
        g->ntests++;
    }
    free(s);
    return ok && g->ntests > 0;
}

/* Grade lab `lab` in the tree (building what changed first). */
static bool grade(int lab, struct graded *g)
{
    char path[256];
    snprintf(path, sizeof path, TREE "/build/labs/lab%d/grade.json", lab);
    remove(path);
    int st = sh("make -C " TREE " -j2 --no-print-directory grade LAB=%d", lab);
    if (st != 0 && st != 2) { /* 2: make's "a recipe failed", a test failed */
        fprintf(stderr, "labs: make grade LAB=%d in %s: status %d (see %s)\n", lab, TREE, st, LOG);
    }
    bool ok = read_grade(lab, g);
    if (!ok)
        fprintf(stderr, "labs: lab %d: no grade.json after make grade (see %s)\n", lab, LOG);
    return ok;
}

static bool result_has(int lab, const char *test, const char *what)
{
    char path[512];
    snprintf(path, sizeof path, TREE "/build/labs/lab%d/%s.result", lab, test);
    char *s = slurp(path);
    bool has = s && strstr(s, what);
    free(s);
    return has;
}

static bool handout(const char *args) { return sh("build/labs/handout %s . " TREE, args) == 0; }

/* --- the handout maker, on small texts ------------------------------------- */

static char *cut(const char *src, int strip, const struct mistake *m, bool *ok)
{
    struct text out = {0};
    int regions;
    bool applied;
    /* the refusals' messages are for a person, not for this log */
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, 2);
    *ok = regions_transform("t.c", src, strlen(src), strip, m, &out, &regions, &applied);
    fflush(stderr);
    if (saved >= 0)
        dup2(saved, 2), close(saved);
    if (null >= 0)
        close(null);
    return out.s ? out.s : calloc(1, 1);
}

static void test_cut_regions(void)
{
    const char *c = "a\n"
                    "    /* LAB 2 BEGIN twice: x times two.\n"
                    "     * more. */\n"
                    "    y = 2 * x;\n"
                    "    /* LAB 2 STUB */\n"
                    "    // y = 0; /* TODO */\n"
                    "    //\n"
                    "    /* LAB 2 END */\n"
                    "b\n"
                    "/* LAB 3 BEGIN three: */\n"
                    "z;\n"
                    "/* LAB 3 END */\n";
    bool ok;
    char *h = cut(c, 2, NULL, &ok);
    CU_ASSERT(ok);
    CU_ASSERT_STRING_EQUAL(h, "a\n"
                              "    /* LAB 2 BEGIN twice: x times two.\n"
                              "     * more. */\n"
                              "    /* LAB 2 STUB */\n"
                              "    y = 0; /* TODO */\n"
                              "\n"
                              "    /* LAB 2 END */\n"
                              "b\n"
                              "/* LAB 3 BEGIN three: */\n"
                              "/* LAB 3 END */\n");
    free(h);
    h = cut(c, 3, NULL, &ok); /* lab 3's handout keeps lab 2's solution */
    CU_ASSERT(ok);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "y = 2 * x;"));
    CU_ASSERT_PTR_NULL(strstr(h, "z;"));
    free(h);
    h = cut(c, 1000, NULL, &ok); /* the reference: unchanged */
    CU_ASSERT(ok);
    CU_ASSERT_STRING_EQUAL(h, c);
    free(h);

    const char *s = "start:\n"
                    "; LAB 1 BEGIN loop: count.\n"
                    "; the second task line\n"
                    "    addi r1, r1, 1\n"
                    "; a comment in the reference\n"
                    "; LAB 1 STUB\n"
                    ";     halt r0\n"
                    "; LAB 1 END\n";
    h = cut(s, 1, NULL, &ok);
    CU_ASSERT(ok);
    CU_ASSERT_STRING_EQUAL(h, "start:\n"
                              "; LAB 1 BEGIN loop: count.\n"
                              "; the second task line\n"
                              "; LAB 1 STUB\n"
                              "    halt r0\n"
                              "; LAB 1 END\n");
    free(h);

    struct mistake m = {.region = "twice", .body = (char *)"    y = x + x + 1;\n"};
    h = cut(c, 1000, &m, &ok);
    CU_ASSERT(ok);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "    /* LAB 2 BEGIN twice: x times two.\n     * more. */\n    y = x + x + 1;\n"
                                     "    /* LAB 2 STUB */\n"));
    CU_ASSERT_PTR_NULL(strstr(h, "y = 2 * x;"));
    free(h);
}

static void test_cut_refuses_malformed(void)
{
    static const char *const bad[] = {
        "/* LAB 2 BEGIN a: */\nx;\n",                                     /* never closed */
        "/* LAB 2 BEGIN a: */\n/* LAB 2 BEGIN b: */\n/* LAB 2 END */\n", /* nested */
        "/* LAB 2 BEGIN a: */\nx;\n/* LAB 3 END */\n",                    /* another lab's END */
        "/* LAB 2 BEGIN: */\nx;\n/* LAB 2 END */\n",                      /* no name */
        "/* LAB 2 BEGIN a: */\nx;\n/* LAB 2 STUB */\ny;\n/* LAB 2 END */\n", /* stub not commented */
        "x;\n/* LAB 2 END */\n",                                          /* END alone */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool ok;
        free(cut(bad[i], 1, NULL, &ok));
        CU_ASSERT_FALSE(ok);
    }
    /* a malformed region is an error even where it is not cut */
    bool ok;
    free(cut(bad[0], 1000, NULL, &ok));
    CU_ASSERT_FALSE(ok);
}

/* Every lab has regions, and all of them are well formed. */
static void test_tree_well_formed(void)
{
    mkdir("build", 0777);
    mkdir(CHECK_DIR, 0777);
    remove(LOG);
    CU_ASSERT_EQUAL(sh("build/labs/handout --list . > " CHECK_DIR "/regions.txt"), 0);
    for (int lab = 1; lab <= NLABS; lab++) {
        int st = sh("grep -q \": lab %d: \" " CHECK_DIR "/regions.txt", lab);
        if (st != 0)
            fprintf(stderr, "labs: no LAB %d region in the tree\n", lab);
        CU_ASSERT_EQUAL(st, 0);
    }
}

/* --- handouts, graded --------------------------------------------------------- */

static bool tree_ready;

static void make_tree(void)
{
    CU_ASSERT_EQUAL_FATAL(sh("rm -rf " TREE " && mkdir -p " TREE), 0);
    CU_ASSERT_FATAL(handout("--lab 5"));
    /* The reference build: each handout then rebuilds only its changed files. */
    CU_ASSERT_EQUAL_FATAL(sh("mkdir -p " TREE "/build && cp -a build/rel build/bin build/guest-os " TREE "/build/"),
                          0);
    tree_ready = true;
}

static void expect_zero(int lab)
{
    struct graded g;
    CU_ASSERT_FATAL(grade(lab, &g));
    if (g.score != 0)
        fprintf(stderr, "labs: lab %d's handout scores %d/%d before the work, not 0\n", lab, g.score, g.max);
    CU_ASSERT_EQUAL(g.score, 0);
    CU_ASSERT(g.max > 0);
    for (int i = 0; i < g.ntests; i++) {
        CU_ASSERT_FALSE(g.t[i].passed);
        /* a failure that teaches: what was expected, what happened */
        bool teaches = result_has(lab, g.t[i].name, "expected:") && result_has(lab, g.t[i].name, "happened:");
        if (!teaches)
            fprintf(stderr, "labs: lab %d, %s: the failure does not say what was expected and what happened\n", lab,
                    g.t[i].name);
        CU_ASSERT(teaches);
    }
}

static void expect_full(int lab)
{
    struct graded g;
    CU_ASSERT_FATAL(grade(lab, &g));
    if (g.score != g.max)
        fprintf(stderr, "labs: lab %d scores %d/%d with its solution in (see %s/build/labs/lab%d/)\n", lab, g.score,
                g.max, TREE, lab);
    CU_ASSERT_EQUAL(g.score, g.max);
}

static void test_handout(int lab)
{
    if (lab == NLABS)
        make_tree();
    CU_ASSERT_FATAL(tree_ready);
    char args[32];
    snprintf(args, sizeof args, "--lab %d", lab);
    CU_ASSERT_FATAL(handout(args));
    char *n = slurp(TREE "/LAB");
    CU_ASSERT(n && atoi(n) == lab);
    free(n);
    /* no developer tests, no kept mistakes */
    struct stat st;
    CU_ASSERT(stat(TREE "/tests/main.c", &st) != 0);
    CU_ASSERT(stat(TREE "/tests/need-packages.sh", &st) == 0);
    expect_zero(lab);
    /* the handouts of the last lab carry every earlier solution */
    if (lab == NLABS)
        for (int k = 1; k < lab; k++)
            expect_full(k);
}

static void test_handout_5(void) { test_handout(5); }
static void test_handout_4(void) { test_handout(4); }
static void test_handout_3(void) { test_handout(3); }
static void test_handout_2(void) { test_handout(2); }
static void test_handout_1(void) { test_handout(1); }

/* The regions put back: the reference itself, and full marks. */
static void test_reference_full(void)
{
    CU_ASSERT_FATAL(tree_ready);
    CU_ASSERT_FATAL(handout("--lab 0"));
    /* every handed-out file is the reference's again */
    CU_ASSERT_EQUAL(sh("cd " TREE " && find . -path ./build -prune -o -type f ! -name LAB -print | "
                       "while read f; do cmp -s \"$f\" \"$OLDPWD/$f\" || { echo \"differs: $f\"; exit 1; }; done"),
                    0);
    for (int lab = 1; lab <= NLABS; lab++)
        expect_full(lab);
}

/* --- the kept mistakes --------------------------------------------------------- */

static void check_mistake(int lab, const char *path)
{
    char *text = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char fails[1024] = "", messages[16][256];
    int nmessages = 0;
    for (char *line = strtok(text, "\n"); line && strcmp(line, "---"); line = strtok(NULL, "\n")) {
        if (!strncmp(line, "fails:", 6))
            snprintf(fails, sizeof fails, " %s ", line + 6);
        else if (!strncmp(line, "message:", 8) && nmessages < 16)
            snprintf(messages[nmessages++], sizeof messages[0], "%s", line + 8 + strspn(line + 8, " "));
    }
    free(text);
    char args[1024];
    snprintf(args, sizeof args, "--lab 0 --mistake %s", path);
    CU_ASSERT_FATAL(handout(args));
    struct graded g;
    CU_ASSERT_FATAL(grade(lab, &g));
    int failed_named = 0;
    for (int i = 0; i < g.ntests; i++) {
        char key[160];
        snprintf(key, sizeof key, " %s ", g.t[i].name);
        bool named = strstr(fails, key) != NULL;
        if (named == g.t[i].passed)
            fprintf(stderr, "labs: %s: test %s %s\n", path, g.t[i].name,
                    named ? "passes, but the mistake says it fails" : "fails, but the mistake does not name it");
        CU_ASSERT_NOT_EQUAL(named, g.t[i].passed);
        if (!named || g.t[i].passed)
            continue;
        failed_named++;
        for (int k = 0; k < nmessages; k++) {
            bool has = result_has(lab, g.t[i].name, messages[k]);
            if (!has)
                fprintf(stderr, "labs: %s: test %s's failure does not say '%s'\n", path, g.t[i].name, messages[k]);
            CU_ASSERT(has);
        }
    }
    CU_ASSERT(failed_named > 0);
}

static void test_mistakes(void)
{
    CU_ASSERT_FATAL(tree_ready);
    int count = 0;
    for (int lab = 1; lab <= NLABS; lab++) {
        char dir[64];
        snprintf(dir, sizeof dir, "labs/lab%d/mistakes", lab);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        char *names[64];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)) && n < 64)
            if (strstr(e->d_name, ".mistake"))
                names[n++] = strdup(e->d_name);
        closedir(d);
        for (int i = 0; i < n; i++) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            check_mistake(lab, path);
            /* the instructor's guide lists it */
            char key[256];
            snprintf(key, sizeof key, "`%.*s`", (int)(strlen(names[i]) - strlen(".mistake")), names[i]);
            char *guide = slurp("docs/labs/README.md");
            bool listed = guide && strstr(guide, key);
            if (!listed)
                fprintf(stderr, "labs: %s is not in docs/labs/README.md's table of mistakes\n", path);
            CU_ASSERT(listed);
            free(guide);
            free(names[i]);
            count++;
        }
    }
    CU_ASSERT(count >= 2 * NLABS);
    CU_ASSERT(handout("--lab 0"));
}

/* --- hidden tests ------------------------------------------------------------- */

static void test_hidden_tests(void)
{
    CU_ASSERT_FATAL(tree_ready);
    /* One that the VMM runs as the bare machine does and that prints what
     * its .expect says, one whose .expect is wrong. */
    CU_ASSERT_EQUAL_FATAL(sh("rm -rf " CHECK_DIR "/extra && mkdir -p " CHECK_DIR "/extra/lab2"), 0);
    FILE *f = fopen(CHECK_DIR "/extra/lab2/hello.s", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "; points: 7\n; summary: says hello\n"
               "_start: li    t0, 104\n"
               "        out   con.data, t0\n"
               "        li    t0, 10\n"
               "        out   con.data, t0\n"
               "        li    a0, 3\n"
               "        halt  a0\n");
    fclose(f);
    static const char *const files[][2] = {
        {CHECK_DIR "/extra/lab2/hello.expect", "h\n"},
        {CHECK_DIR "/extra/lab2/wrong.expect", "g\n"},
    };
    for (size_t i = 0; i < 2; i++) {
        FILE *e = fopen(files[i][0], "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        fputs(files[i][1], e);
        fclose(e);
    }
    CU_ASSERT_EQUAL(sh("cp " CHECK_DIR "/extra/lab2/hello.s " CHECK_DIR "/extra/lab2/wrong.s"), 0);
    sh("make -C " TREE " --no-print-directory grade LAB=2 GRADE_EXTRA=$PWD/" CHECK_DIR "/extra");
    struct graded g;
    CU_ASSERT_FATAL(read_grade(2, &g));
    bool hello = false, wrong = false;
    for (int i = 0; i < g.ntests; i++) {
        if (!strcmp(g.t[i].name, "hidden-hello"))
            hello = g.t[i].passed;
        if (!strcmp(g.t[i].name, "hidden-wrong"))
            wrong = !g.t[i].passed && result_has(2, "hidden-wrong", "expected:");
    }
    CU_ASSERT(hello);
    CU_ASSERT(wrong);
}

/* Bad input to the grader, the handout maker and their make targets: a
 * clear message and a non-zero status, never a crash.  Each line is a
 * command, the status it must end with, and words its output must hold. */
static void test_bad_input(void)
{
    static const struct {
        const char *cmd;
        int status;
        const char *says;
    } cases[] = {
        {"build/labs/grade 9", 2, "'9': not a lab (1 to 5)"},
        {"build/labs/grade --frobnicate 2", 2, "unknown option '--frobnicate'"},
        {"build/labs/grade -j 0 2", 2, "-j: not a number from 1 to 3600: '0'"},
        {"build/labs/grade 2 no-such-test", 2, "lab 2 has no test 'no-such-test'"},
        {"build/labs/grade --extra " CHECK_DIR "/none 2", 2, "not a directory"},
        {"build/labs/grade --extra " CHECK_DIR "/badextra 2", 2, "bad.s:1:11: error: points: not a number"},
        {"build/labs/handout --lab x . " CHECK_DIR "/h", 2, "--lab: not a lab number: 'x'"},
        {"build/labs/handout --lab 0 --mistake " CHECK_DIR "/bad.mistake . " CHECK_DIR "/h", 2,
         "needs 'file:', 'region:' and '---'"},
        {"build/labs/handout --lab 0 --mistake " CHECK_DIR "/stray.mistake . " CHECK_DIR "/h", 1,
         "no region 'no-such-region' in vmm/reflect.c"},
        {"build/labs/handout --lab 2 --mistake labs/lab2/mistakes/ptb-ignored.mistake . " CHECK_DIR "/h", 1,
         "a mistake for a region the handout strips"},
        {"make --no-print-directory grade LAB=", 2, "say which lab"},
        {"make --no-print-directory lab-handout LAB=2", 2, "say where"},
        {"labs/grade-submissions.sh 2", 2, "usage: labs/grade-submissions.sh"},
        {"labs/grade-submissions.sh x " CHECK_DIR " " CHECK_DIR "/out", 2, "'x': not a lab number"},
    };
    CU_ASSERT_EQUAL_FATAL(sh("rm -rf " CHECK_DIR "/badextra " CHECK_DIR "/h && mkdir -p " CHECK_DIR "/badextra/lab2"), 0);
    static const char *const files[][2] = {
        {CHECK_DIR "/badextra/lab2/bad.s", "; points: many\n_start: halt zero\n"},
        {CHECK_DIR "/bad.mistake", "# no header\nfile: vmm/reflect.c\n"},
        {CHECK_DIR "/stray.mistake", "file: vmm/reflect.c\nregion: no-such-region\n---\nx;\n"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = fopen(files[i][0], "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(files[i][1], f);
        fclose(f);
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = sh("%s > " CHECK_DIR "/bad.out 2>&1", cases[i].cmd);
        char *out = slurp(CHECK_DIR "/bad.out");
        bool says = out && strstr(out, cases[i].says);
        if (st != cases[i].status || !says)
            fprintf(stderr, "labs: '%s': status %d (expected %d), output:\n%s\n", cases[i].cmd, st, cases[i].status,
                    out ? out : "(none)");
        CU_ASSERT_EQUAL(st, cases[i].status);
        CU_ASSERT(says);
        free(out);
    }
}

/* A teaching assistant's batch: a solved and an untouched submission of
 * lab 2, graded from a copy each (labs/grade-submissions.sh). */
static void test_grade_submissions(void)
{
    CU_ASSERT_FATAL(tree_ready);
    CU_ASSERT_FATAL(handout("--lab 0"));
    CU_ASSERT_EQUAL_FATAL(sh("rm -rf " CHECK_DIR "/subs " CHECK_DIR "/out.csv* && mkdir -p " CHECK_DIR "/subs && "
                             "build/labs/handout --lab 2 . " CHECK_DIR "/subs/untouched && "
                             "build/labs/handout --lab 0 . " CHECK_DIR "/subs/solved"),
                          0);
    CU_ASSERT_EQUAL(sh("GRADE_HANDOUT=$PWD/" TREE " labs/grade-submissions.sh 2 " CHECK_DIR "/subs " CHECK_DIR
                       "/out.csv"),
                    0);
    char *csv = slurp(CHECK_DIR "/out.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "name,score,max_score,status\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nsolved,100,100,graded\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nuntouched,0,100,graded\n"));
    free(csv);
    struct stat st;
    CU_ASSERT(stat(CHECK_DIR "/out.csv.d/solved.json", &st) == 0);
}

void suite_labs(void)
{
    CU_pSuite s = CU_add_suite("labs", NULL, NULL);
    CU_add_test(s, "the handout maker cuts regions into stubs and puts mistakes in", test_cut_regions);
    CU_add_test(s, "the handout maker refuses malformed regions", test_cut_refuses_malformed);
    CU_add_test(s, "every lab has regions in the tree, all well formed", test_tree_well_formed);
    CU_add_test(s, "lab 5's handout scores zero on lab 5 and full on labs 1-4", test_handout_5);
    CU_add_test(s, "lab 4's handout scores zero on lab 4", test_handout_4);
    CU_add_test(s, "lab 3's handout scores zero on lab 3", test_handout_3);
    CU_add_test(s, "lab 2's handout scores zero on lab 2", test_handout_2);
    CU_add_test(s, "lab 1's handout scores zero on lab 1", test_handout_1);
    CU_add_test(s, "with the reference regions put back every lab scores full", test_reference_full);
    CU_add_test(s, "each kept mistake fails its tests with its messages", test_mistakes);
    CU_add_test(s, "an instructor's hidden tests are graded", test_hidden_tests);
    CU_add_test(s, "a batch of submissions is graded into one CSV", test_grade_submissions);
    CU_add_test(s, "bad input to the grader and the handout maker gets a clear error", test_bad_input);
}
