/*
 * report.c - what `make grade` prints and what it leaves for a course's
 * grading server: a verdict and points per test, the score, and the same
 * as JSON (build/labs/labN/grade.json).
 */
#include <string.h>
#include <unistd.h>

#include "grade_impl.h"
#include "json_out.h"

static void print_file_indented(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    bool first = true;
    while (fgets(line, sizeof line, f)) {
        if (first) { /* the verdict line: already said */
            first = false;
            continue;
        }
        printf("      %s", line);
        if (!strchr(line, '\n'))
            printf("\n");
    }
    fclose(f);
}

void report_print(const struct lab *lab, const struct verdict *v, size_t n, const char *json_path)
{
    int score = 0, max = 0, passed = 0;
    printf("lab %d: %s\n", lab->number, lab->title);
    for (size_t i = 0; i < n; i++) {
        int got = v[i].passed ? v[i].test->points : 0;
        score += got;
        max += v[i].test->points;
        passed += v[i].passed;
        printf("  %s  %-28s %3d/%-3d  %s\n", v[i].passed ? "PASS" : "FAIL", v[i].test->name, got, v[i].test->points,
               v[i].test->summary);
        if (!v[i].passed) {
            print_file_indented(v[i].result);
            printf("        %-9s %s\n", "output:", v[i].output);
        }
    }
    printf("score: %d/%d (%d of %zu tests passed)%s%s\n", score, max, passed, n, json_path ? "; " : "",
           json_path ? json_path : "");
    fflush(stdout);
}

bool report_json(const struct lab *lab, const struct verdict *v, size_t n, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return false;
    int score = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        score += v[i].passed ? v[i].test->points : 0;
        max += v[i].test->points;
    }
    fprintf(f, "{\n  \"lab\": %d,\n  \"title\": ", lab->number);
    json_put_string(f, lab->title);
    fprintf(f, ",\n  \"score\": %d,\n  \"max_score\": %d,\n  \"tests\": [", score, max);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        json_put_string(f, v[i].test->name);
        fprintf(f, ", \"result\": \"%s\", \"points\": %d, \"max_points\": %d, \"summary\": ",
                v[i].passed ? "pass" : "fail", v[i].passed ? v[i].test->points : 0, v[i].test->points);
        json_put_string(f, v[i].test->summary);
        fprintf(f, ", \"reason\": ");
        json_put_string(f, v[i].reason);
        fprintf(f, ", \"output\": ");
        json_put_string(f, v[i].output);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
    bool ok = !ferror(f);
    ok = !fclose(f) && ok;
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    return ok;
}
