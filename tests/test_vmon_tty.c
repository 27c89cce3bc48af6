/*
 * test_vmon_tty.c - vmon's real prompt in a terminal (suite `vmon_tty`;
 * docs/monitor.md, "The prompt's test").
 *
 * tmux runs vmon ($VMLAB_BIN/vmon) in a pane of a server of the test's
 * own (a socket in the scratch directory), types into it with send-keys
 * and reads the screen with capture-pane: the prompt, line editing,
 * history (Up, and the history file), completion of a command and of a
 * symbol, Ctrl-C stopping a guest that never ends, quit.  Each wait polls
 * the screen until what it waits for is there, or fails after a few
 * seconds showing the screen.
 *
 * `make check` installs tmux (tests/need-packages.sh); the suite is
 * skipped, saying so, only where tmux cannot run.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asmtest.h"
#include "scratch.h"

#define WAIT_MS 5000

static char *vmon, *dir;
static char sock[4200], sum[4200], spin[4200], hist[4200];
static const char *no_tmux; /* why the suite is skipped, or NULL */

static bool assemble(const char *src, const char *name, char *out, size_t len)
{
    char *vasm = tool_path("vasm");
    snprintf(out, len, "%s/%s", dir, name);
    int st = run_cmd((char *const[]){vasm, "-o", out, (char *)src, NULL}, false, NULL, NULL);
    free(vasm);
    return st == 0;
}

static int suite_init(void)
{
    vmon = tool_path("vmon");
    dir = scratch_dir("vmontty");
    if (!dir)
        return 1;
    snprintf(sock, sizeof sock, "%s/tmux.sock", dir);
    snprintf(hist, sizeof hist, "%s/history", dir);
    if (run_cmd((char *const[]){"tmux", "-V", NULL}, true, NULL, NULL) != 0)
        no_tmux = "tmux is not installed or does not run (make check installs it: tests/need-packages.sh)";
    return assemble("tests/vmon/sum.s", "sum.elf", sum, sizeof sum) &&
                   assemble("tests/vmon/spin.s", "spin.elf", spin, sizeof spin)
               ? 0
               : 1;
}

static int suite_clean(void)
{
    free(vmon);
    if (dir)
        tmpdir_remove(dir);
    return 0;
}

static bool skipped(void)
{
    if (no_tmux)
        fprintf(stderr, "\n  vmon_tty: skipped: %s\n", no_tmux);
    return no_tmux != NULL;
}

/* tmux on the test's own server with args (NULL-terminated); its status,
 * and its stdout in *out when out is not NULL. */
static int tmux_out(const char *const *args, char **out)
{
    char *argv[16] = {"tmux", "-S", sock};
    int n = 3;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    return run_cmd(argv, true, out, NULL);
}
#define tmux(...) tmux_out((const char *[]){__VA_ARGS__, NULL}, NULL)

/* Type keys (tmux's names: "Enter", "C-a", "Tab", "Up", "C-c"). */
static void keys(const char *k) { tmux("send-keys", "-t", "vt", k); }
/* Type text as it is. */
static void text(const char *t) { tmux("send-keys", "-t", "vt", "-l", t); }

static char *screen(void)
{
    char *out = NULL;
    if (tmux_out((const char *[]){"capture-pane", "-p", "-t", "vt", NULL}, &out) != 0) {
        free(out);
        return strdup("(no pane)");
    }
    return out;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static unsigned count(const char *s, const char *what)
{
    unsigned n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* The screen's last line that is not empty. */
static void last_line(const char *s, char *buf, size_t len)
{
    const char *end = s + strlen(s);
    while (end > s && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > s && start[-1] != '\n')
        start--;
    snprintf(buf, len, "%.*s", (int)(end - start), start);
}

/* Until `what` is on the screen `times` times (and, if last is set, the
 * last line is exactly `last`): true; false after WAIT_MS, showing the
 * screen.  every, when not NULL, is typed again at each poll (Ctrl-C
 * until it is seen). */
static bool wait_for(const char *what, unsigned times, const char *last, const char *every)
{
    char *s = NULL, line[512] = "";
    for (int t = 0; t < WAIT_MS / 20; t++) {
        free(s);
        if (every && t % 10 == 0)
            keys(every);
        s = screen();
        last_line(s, line, sizeof line);
        if (count(s, what) >= times && (!last || strcmp(line, last) == 0)) {
            free(s);
            return true;
        }
        pause_ms(20);
    }
    fprintf(stderr, "\n  waited %d ms for \"%s\" (%u times)%s%s%s; the screen:\n%s\n", WAIT_MS, what, times,
            last ? ", the last line \"" : "", last ? last : "", last ? "\"" : "", s);
    free(s);
    return false;
}

/* vmon with args in a new pane, its history in the scratch directory. */
static bool start(const char *args)
{
    char cmd[12000];
    snprintf(cmd, sizeof cmd, "VMON_HISTORY='%s' INPUTRC=/dev/null exec '%s' %s", hist, vmon, args);
    tmux("kill-server"); /* one left by a failed test */
    int st = tmux("new-session", "-d", "-s", "vt", "-x", "100", "-y", "40", cmd);
    if (st != 0) {
        fprintf(stderr, "\n  tmux new-session: status %d\n", st);
        return false;
    }
    return wait_for("stopped at reset", 1, "(vmon)", NULL);
}

/* quit ends vmon, and with it the pane and the server. */
static void quit(void)
{
    text("quit");
    keys("Enter");
    bool gone = false;
    for (int t = 0; t < WAIT_MS / 20 && !gone; t++) {
        gone = tmux("has-session", "-t", "vt") != 0;
        if (!gone)
            pause_ms(20);
    }
    CU_ASSERT(gone);
    if (!gone) {
        char *s = screen();
        fprintf(stderr, "\n  quit did not end vmon; the screen:\n%s\n", s);
        free(s);
    }
    tmux("kill-server");
}

/* The prompt, line editing, completion of a command's second word and of
 * a symbol, history with Up, and the history file written at quit. */
static void test_prompt(void)
{
    if (skipped())
        return;
    remove(hist);
    char args[9000];
    snprintf(args, sizeof args, "--native '%s'", sum);
    CU_ASSERT_FATAL(start(args));
    /* C-a goes to the start of the line: "tep 2", C-a, "s" is "step 2" */
    text("tep 2");
    keys("C-a");
    text("s");
    CU_ASSERT(wait_for("(vmon) step 2", 1, "(vmon) step 2", NULL));
    keys("Enter");
    CU_ASSERT(wait_for("stepped 2 instructions", 1, "(vmon)", NULL));
    /* Tab completes "info reg" to "info registers " */
    text("info reg");
    keys("Tab");
    CU_ASSERT(wait_for("(vmon) info registers", 1, "(vmon) info registers", NULL));
    keys("Enter");
    CU_ASSERT(wait_for("the CPU, in supervisor mode", 1, "(vmon)", NULL));
    /* and "break lo" to the symbol loop */
    text("break lo");
    keys("Tab");
    CU_ASSERT(wait_for("(vmon) break loop", 1, "(vmon) break loop", NULL));
    keys("Enter");
    CU_ASSERT(wait_for("breakpoint 1 at gva 0x00001008 <loop>", 1, "(vmon)", NULL));
    /* Up, Up: the command before the last, run again */
    keys("Up");
    CU_ASSERT(wait_for("(vmon) break loop", 2, "(vmon) break loop", NULL));
    keys("Up");
    CU_ASSERT(wait_for("(vmon) info registers", 2, "(vmon) info registers", NULL));
    keys("Enter");
    CU_ASSERT(wait_for("the CPU, in supervisor mode", 2, "(vmon)", NULL));
    quit();
    char *h = read_text(hist);
    /* as typed: completion left a space after the word it completed */
    static const char want[] = "step 2\ninfo registers \nbreak loop \ninfo registers \nquit\n";
    CU_ASSERT(h && strcmp(h, want) == 0);
    if (!h || strcmp(h, want) != 0)
        fprintf(stderr, "\n  the history file: \"%s\"\n", h ? h : "(none)");
    free(h);
}

/* Ctrl-C stops a continue of a guest that never ends and the prompt comes
 * back; the session goes on. */
static void ctrl_c(const char *how)
{
    if (skipped())
        return;
    char args[9000];
    snprintf(args, sizeof args, "%s '%s'", how, spin);
    CU_ASSERT_FATAL(start(args));
    text("continue");
    keys("Enter");
    CU_ASSERT(wait_for("interrupted (Ctrl-C)", 1, "(vmon)", "C-c"));
    text("step");
    keys("Enter");
    CU_ASSERT(wait_for("stepped 1 instruction", 1, "(vmon)", NULL));
    quit();
}

static void test_ctrl_c_native(void) { ctrl_c("--native"); }
static void test_ctrl_c_vmm(void) { ctrl_c(""); }

void suite_vmon_tty(void)
{
    CU_pSuite s = CU_add_suite("vmon_tty", suite_init, suite_clean);
    CU_add_test(s, "the prompt: editing, completion, history and its file, quit", test_prompt);
    CU_add_test(s, "Ctrl-C at the prompt's continue, on the bare machine", test_ctrl_c_native);
    CU_add_test(s, "Ctrl-C at the prompt's continue, under the VMM", test_ctrl_c_vmm);
}
