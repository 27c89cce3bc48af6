/*
 * commands.c - the monitor's commands: the table (the only list of them,
 * which help, completion and the dispatcher all read), the dispatcher, help
 * and quit.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

const struct mon_command mon_commands[] = {
    {"help", {"h", NULL}, "[CMD]", "list the commands, or say what one does",
     "  help step     what step does, with an example\n", cmd_help, false, false},
    {"step", {"s", "stepi", "si"}, "[N]", "run N instructions (default 1) and stop",
     "  Stops early at a breakpoint, or where the guest ends.  A trap the\n"
     "  guest takes retires nothing: the step ends at its handler.\n"
     "  step 3        three instructions\n", cmd_step, true, false},
    {"continue", {"c", NULL}, "", "run until a breakpoint, the guest's end or Ctrl-C",
     "  continue      run on\n", cmd_continue, true, false},
    {"until-exit", {"ue", NULL}, "", "under the VMM: run to the next VM exit and show it",
     "  Shows why the guest left the CPU, the guest pc and its instruction,\n"
     "  and what the VMM decided; then where the guest stands now.\n"
     "  until-exit\n", cmd_until_exit, false, false},
    {"run-to", {NULL}, "ADDR", "run until pc reaches ADDR (a guest-virtual address)",
     "  run-to sys     run until the instruction at the symbol sys\n", cmd_run_to, false, false},
    {"next", {"n", NULL}, "[N]", "as step, but a call (jal or jalr linking in ra) runs on to its return",
     "  A call runs until the instruction after it, with sp at or above where\n"
     "  it was (a recursive call passes there deeper and runs on); a\n"
     "  breakpoint, catchpoint or watchpoint stops it early.\n"
     "  next 2        two instructions, each call one\n", cmd_next, true, false},
    {"finish", {"fin", NULL}, "", "run until the current function returns, and say a0",
     "  Runs to the address in ra as finish begins, with sp at or above where\n"
     "  it was; stops early as continue does.\n"
     "  finish\n", cmd_finish, false, false},
    {"info tlb", {"i tlb", NULL}, "", "the real machine's TLB: each valid entry's page, frame and rights",
     "  Under the VMM the entries are shadow entries: guest-virtual pages on\n"
     "  host frames (hpa); natively the program's own frames (gpa).\n"
     "  info tlb\n", cmd_info_tlb, false, false},
    {"info stats", {"i stats", NULL}, "", "the VM's statistics (natively: the machine's), as vrun --stats",
     "  info stats\n", cmd_info_stats, false, false},
    {"break", {"b", NULL}, "ADDR [if C]", "stop before the instruction at ADDR (a symbol, *EXPR or a number)",
     "  Addresses are guest-virtual.\n"
     "  C, a condition: vm NAME (under the VMM), user, supervisor (the\n"
     "  virtual CPU's mode under the VMM); a hit where it fails runs on.\n"
     "  break trap     at a symbol\n"
     "  break *pc+8    two instructions ahead\n"
     "  break sys if user\n", cmd_break, false, false},
    {"delete", {"d", NULL}, "N", "delete breakpoint N", "  delete 1\n", cmd_delete, false, false},
    {"disable", {NULL}, "N", "keep breakpoint N but do not stop there", "  disable 1\n", cmd_disable, false, false},
    {"enable", {NULL}, "N", "stop at breakpoint N again", "  enable 1\n", cmd_enable, false, false},
    {"info breakpoints", {"i b", "info b", NULL}, "", "list the breakpoints", "  info breakpoints\n",
     cmd_info_breaks, false, false},
    {"info registers", {"regs", "i r", "info r"}, "",
     "the registers by ABI name, pc, and the control registers (the virtual CPU's under the VMM)",
     "  info registers\n", cmd_info_regs, false, false},
    {"x", {NULL}, "/NF ADDR", "guest-virtual memory: N units of F (w words, b bytes, s strings)",
     "  Read through the guest's own page tables, which are not changed (A\n"
     "  and D stay as they are).  gpa: before ADDR reads guest-physical memory.\n"
     "  Under the VMM, hpa:ADDR reads host-physical memory (the real machine's).\n"
     "  x/4w sp        four words at the stack pointer\n"
     "  x/s msg        the string at msg\n", cmd_x, false, true},
    {"xp", {NULL}, "/NF ADDR", "guest-physical memory, as x", "  xp/2w 0x1000\n", cmd_xp, false, true},
    {"disas", {"disassemble", NULL}, "[ADDR] [N]", "disassemble N instructions at ADDR (default: around pc)",
     "  disas          three instructions before pc, pc, and four after\n"
     "  disas trap 4   four instructions from trap\n", cmd_disas, false, false},
    {"walk", {NULL}, "ADDR", "one guest-virtual address through the guest's tables, beside the shadow's",
     "  Each level's entry by field, then the page; under the VMM, beside each\n"
     "  level the walk the real MMU does through the shadow root for the\n"
     "  virtual CPU's mode (\"not filled yet\" where a hidden fault comes).\n"
     "  Natively, the machine's own walk alone.  Nothing is changed.\n"
     "  walk UDATA_VA\n", cmd_walk, false, false},
    {"info cpu", {"i cpu", NULL}, "", "the virtual CPU beside the real one (natively: the CPU)",
     "  Mode, status, ptb, tvec, epc, cause and badaddr: the guest's on the\n"
     "  left, the real CPU's on the right (its ptb the shadow root), with the\n"
     "  last exit's pc and cause.\n"
     "  info cpu\n", cmd_info_cpu, false, false},
    {"info control", {"i control", "info vmcs", NULL}, "",
     "under --technique hw: the control block (VMCS) the VM's next entry loads",
     "  The guest state, the exit controls (causes, instructions, control\n"
     "  registers, the interrupt window), what the host owns (ptb and PG over\n"
     "  shadow tables) and the nested paging root; docs/isa.md section 14.\n"
     "  info control\n", cmd_info_control, false, false},
    {"catch", {NULL}, "KIND", "stop at the next VM exit of a kind (or: catch cause NAME)",
     "  KIND is the VMM's exit kind: emulated, reflected, hidden, tracing,\n"
     "  true, timer, limit, translated (bt), hypercall (pv).  NAME is a\n"
     "  cause: syscall, page-fault, timer, ...\n"
     "  (the cause the real machine exited with: a trap or an interrupt).\n"
     "  Numbered with the breakpoints; delete N removes it.\n"
     "  catch tracing\n"
     "  catch cause syscall\n", cmd_catch, false, false},
    {"info catches", {"i catches", NULL}, "", "list the catchpoints", "  info catches\n", cmd_info_catches, false,
     false},
    {"watch", {NULL}, "ADDR [LEN]", "stop when guest memory is written (or: watch pte ADDR)",
     "  LEN: 4, 8, 12 or 16 bytes (default 4), in one page.  ADDR is\n"
     "  guest-virtual (through the guest's tables, now) or gpa:ADDR;\n"
     "  watch pte ADDR watches the guest's leaf entry that maps ADDR, written\n"
     "  by the guest directly or, under the VMM, by the VMM for it (a tracing\n"
     "  fault).  Shows old -> new.  Numbered with the breakpoints.\n"
     "  watch UDATA_VA 8\n"
     "  watch pte UDATA_VA\n", cmd_watch, false, false},
    {"info watchpoints", {"i watch", "info watch", NULL}, "", "list the watchpoints", "  info watchpoints\n",
     cmd_info_watches, false, false},
    {"history", {NULL}, "[N]", "the last N VM exits (default 10, at most 64), oldest first",
     "  Each: the guest's instruction count, the exit's reason, the guest pc\n"
     "  and instruction, then the VMM's decision.\n"
     "  history 5\n", cmd_history, false, false},
    {"set warn", {NULL}, "W on|off", "turn warning W on or off (info warnings lists them)",
     "  Warnings that teach: plain lines beginning \"warning: \", seen at\n"
     "  the VMM's exits (docs/monitor.md, \"Warnings\").  vmon --no-warn\n"
     "  starts with every one off.\n"
     "  set warn flush off\n", cmd_set_warn, false, false},
    {"info warnings", {"i warn", "info warn", NULL}, "", "each warning: on or off, and how many times it was said",
     "  info warnings\n", cmd_info_warnings, false, false},
    {"info vms", {"i vms", NULL}, "", "the virtual machines, the current one marked", "  info vms\n", cmd_info_vms,
     false, false},
    {"vm", {NULL}, "NAME|N", "make a VM the current one (by name, or by number from 0)", "  vm 1\n", cmd_vm, false,
     false},
    {"checkpoint", {"cp", NULL}, "", "mark this point, to come back to with restart N",
     "  checkpoint    then: info checkpoints, restart 1\n", cmd_checkpoint, false, false},
    {"info checkpoints", {"i cp", "info cp", NULL}, "", "list the checkpoints", "  info checkpoints\n",
     cmd_info_checkpoints, false, false},
    {"restart", {NULL}, "[N]", "go back to checkpoint N, or to reset",
     "  The machine runs again from reset, printing nothing, to the point\n"
     "  (docs/monitor.md, \"Time travel\").\n"
     "  restart       back to reset\n"
     "  restart 1     back to checkpoint 1\n", cmd_restart, false, false},
    {"reverse-step", {"rs", NULL}, "[N]", "go back N instructions (default 1)",
     "  rs 3          back three instructions retired\n", cmd_reverse_step, true, false},
    {"reverse-continue", {"rc", NULL}, "", "go back to the last breakpoint hit before this point, or to reset",
     "  reverse-continue\n", cmd_reverse_continue, false, false},
    {"quit", {"q", "exit", NULL}, "", "leave the monitor", "  quit\n", cmd_quit, false, false},
};
const int mon_ncommands = (int)(sizeof mon_commands / sizeof mon_commands[0]);

bool mon_error(struct monitor *mon, const char *fmt, ...)
{
    fflush(mon->out); /* the error after what came before it */
    va_list ap;
    va_start(ap, fmt);
    if (mon->opt.batch) {
        fprintf(stderr, "vmon: %s:%u: error: ", mon->src ? mon->src : "<stdin>", mon->line);
        if (mon->status == MON_OK)
            mon->status = MON_BAD_COMMAND;
    } else {
        fprintf(stderr, "error: ");
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return false;
}

#define MAX_WORDS 16

/* Split line into words at white space, in place. */
static int split(char *line, char **argv)
{
    int n = 0;
    for (char *p = line; *p && n < MAX_WORDS;) {
        while (isspace((unsigned char)*p))
            *p++ = '\0';
        if (!*p)
            break;
        argv[n++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
    }
    return n;
}

/* How many words of argv the name (one or two words) matches: 0 if none.
 * A command with a format matches its word with /NF after it. */
static int match_name(const struct mon_command *c, const char *name, int argc, char **argv)
{
    const char *sp = strchr(name, ' ');
    size_t n1 = sp ? (size_t)(sp - name) : strlen(name);
    if (argc < 1 || strncmp(argv[0], name, n1) != 0 || !(argv[0][n1] == '\0' || (c->format && argv[0][n1] == '/')))
        return 0;
    if (!sp)
        return 1;
    return argc >= 2 && strcmp(argv[1], sp + 1) == 0 ? 2 : 0;
}

/* The command argv names, and in *used how many words its name took. */
static const struct mon_command *find_command(int argc, char **argv, int *used)
{
    const struct mon_command *best = NULL;
    *used = 0;
    for (int i = 0; i < mon_ncommands; i++) {
        const struct mon_command *c = &mon_commands[i];
        int k = match_name(c, c->name, argc, argv);
        for (int a = 0; c->aliases[a]; a++) {
            int ka = match_name(c, c->aliases[a], argc, argv);
            if (ka > k)
                k = ka;
        }
        if (k > *used) {
            *used = k;
            best = c;
        }
    }
    return best;
}

/* The command by one of its names as help takes it ("step", "s", "info registers"). */
static const struct mon_command *command_named(int argc, char **argv)
{
    int used;
    const struct mon_command *c = find_command(argc, argv, &used);
    return c && used == argc ? c : NULL;
}

void monitor_exec(struct monitor *mon, const char *text)
{
    char line[4096];
    if (strlen(text) >= sizeof line) {
        mon_error(mon, "line too long (at most %zu bytes)", sizeof line - 1);
        return;
    }
    strcpy(line, text);
    char *argv[MAX_WORDS + 1];
    int argc = split(line, argv);
    if (argc == MAX_WORDS) {
        mon_error(mon, "too many words (at most %d)", MAX_WORDS - 1);
        return;
    }
    if (argc == 0) {
        if (mon->last_run[0]) {
            strcpy(line, mon->last_run);
            argc = split(line, argv);
        } else {
            return;
        }
    }
    argv[argc] = NULL;
    int used;
    const struct mon_command *c = find_command(argc, argv, &used);
    if (!c) {
        mon_error(mon, "no command \"%s\" (help lists them)", argv[0]);
        return;
    }
    if (c->repeats && text[strspn(text, " \t")])
        snprintf(mon->last_run, sizeof mon->last_run, "%s", text);
    /* the handler sees its last name word, then the arguments */
    c->fn(mon, argc - used + 1, argv + used - 1);
    fflush(mon->out);
}

/* "step [N]", "x/NF ADDR" */
static void usage_line(const struct mon_command *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", c->name, c->args[0] && c->args[0] != '/' ? " " : "", c->args);
}

bool cmd_help(struct monitor *mon, int argc, char **argv)
{
    char use[64];
    if (argc == 1) {
        for (int i = 0; i < mon_ncommands; i++) {
            const struct mon_command *c = &mon_commands[i];
            usage_line(c, use, sizeof use);
            fprintf(mon->out, "  %-18s %s\n", use, c->brief);
        }
        fprintf(mon->out, "Addresses are guest-virtual (gva) unless written gpa:ADDR; an empty line repeats\n"
                          "the last step or continue.  help CMD says more, and names the short forms.\n");
        return true;
    }
    const struct mon_command *c = command_named(argc - 1, argv + 1);
    if (!c) {
        char name[128] = "";
        for (int i = 1, n = 0; i < argc && n < (int)sizeof name; i++)
            n += snprintf(name + n, sizeof name - (size_t)n, "%s%s", i > 1 ? " " : "", argv[i]);
        return mon_error(mon, "help: no command \"%s\" (help lists them)", name);
    }
    usage_line(c, use, sizeof use);
    fprintf(mon->out, "%s - %s\n", use, c->brief);
    if (c->aliases[0]) {
        fprintf(mon->out, "  also:");
        for (int a = 0; c->aliases[a]; a++)
            fprintf(mon->out, "%s %s", a ? "," : "", c->aliases[a]);
        fprintf(mon->out, "\n");
    }
    fputs(c->details, mon->out);
    return true;
}

bool cmd_quit(struct monitor *mon, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mon_error(mon, "quit takes no argument");
    mon->quit = true;
    return true;
}
