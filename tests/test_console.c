/*
 * test_console.c - the console of docs/isa.md section 8.2: output bytes in
 * order, input bytes and -1 at the end, the status bits, the input
 * interrupt (cause 17) with RXIE, and input fetched only when the program
 * looks for it (section 11); and a host that cannot block, which answers
 * "not yet" (CONSOLE_AGAIN, machine.h).
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"
#include "prog.h"
#include "rig.h"

#define MAGIC 0x600du

static void p_end(struct prog *p)
{
    p_li(p, 13, MAGIC);
    p_op(p, OP_HALT, 13, 0, 0, 0);
}

static void p_out(struct prog *p, unsigned port, uint32_t v)
{
    p_li(p, 5, v);
    p_op(p, OP_OUT, 5, 0, 0, (int32_t)port);
}

/* Every byte value, in order; only the low byte of the register counts. */
static void test_console_output(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    uint8_t want[300];
    size_t n = 0;
    for (uint32_t b = 0; b < 256; b++) {
        p_out(&p, PORT_CON_DATA, b);
        want[n++] = (uint8_t)b;
    }
    p_out(&p, PORT_CON_DATA, 0x141);       /* 'A' */
    want[n++] = 'A';
    p_out(&p, PORT_CON_DATA, 0xffffff0au); /* '\n' */
    want[n++] = '\n';
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 100000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL_FATAL(r->outlen, n);
    CU_ASSERT(memcmp(r->out, want, n) == 0);
    rig_free(r);
}

/* Input bytes 0..255 (0xff is a byte, not the end), then -1 for good. */
static void test_console_input(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    static const char in[] = {'h', 'i', 0, (char)0xff, (char)0x80};
    rig_input(r, in, sizeof in);
    struct prog p;
    p_init(&p, CODE);
    for (unsigned i = 0; i < 7; i++)
        p_op(&p, OP_IN, 5 + i, 0, 0, PORT_CON_DATA);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 5), 'h');
    CU_ASSERT_EQUAL(REG(r, 6), 'i');
    CU_ASSERT_EQUAL(REG(r, 7), 0);
    CU_ASSERT_EQUAL(REG(r, 8), 0xff);
    CU_ASSERT_EQUAL(REG(r, 9), 0x80);
    CU_ASSERT_EQUAL(REG(r, 10), 0xffffffffu);
    CU_ASSERT_EQUAL(REG(r, 11), 0xffffffffu);
    CU_ASSERT_EQUAL(r->outlen, 0);
    rig_free(r);
}

/* No input at all (no host reader): -1 and EOF at once. */
static void test_console_no_input(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    rig_no_console(r);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_IN, 8, 0, 0, PORT_CON_STATUS);
    p_op(&p, OP_IN, 9, 0, 0, PORT_CON_DATA);
    p_out(&p, PORT_CON_DATA, 'x'); /* discarded, harmlessly */
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 8), CON_STATUS_EOF | CON_STATUS_TX);
    CU_ASSERT_EQUAL(REG(r, 9), 0xffffffffu);
    rig_free(r);
}

/* RX while a byte is ready (reading status does not take it), EOF once
 * the input has ended, TX always. */
static void test_console_status(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    rig_input(r, "qz", 2);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_IN, 5, 0, 0, PORT_CON_STATUS);
    p_op(&p, OP_IN, 6, 0, 0, PORT_CON_STATUS);
    p_op(&p, OP_IN, 7, 0, 0, PORT_CON_DATA);
    p_op(&p, OP_IN, 8, 0, 0, PORT_CON_DATA);
    p_op(&p, OP_IN, 9, 0, 0, PORT_CON_STATUS);
    p_op(&p, OP_IN, 10, 0, 0, PORT_CON_DATA);
    p_op(&p, OP_IN, 11, 0, 0, PORT_CON_STATUS);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 5), CON_STATUS_RX | CON_STATUS_TX);
    CU_ASSERT_EQUAL(REG(r, 6), CON_STATUS_RX | CON_STATUS_TX);
    CU_ASSERT_EQUAL(REG(r, 7), 'q');
    CU_ASSERT_EQUAL(REG(r, 8), 'z');
    CU_ASSERT_EQUAL(REG(r, 9), CON_STATUS_EOF | CON_STATUS_TX);
    CU_ASSERT_EQUAL(REG(r, 10), 0xffffffffu);
    CU_ASSERT_EQUAL(REG(r, 11), CON_STATUS_EOF | CON_STATUS_TX);
    rig_free(r);
}

/* con.ctrl reads back what was written. */
static void test_console_ctrl(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_IN, 4, 0, 0, PORT_CON_CTRL); /* reset: disabled */
    p_out(&p, PORT_CON_CTRL, CON_CTRL_RXIE);
    p_op(&p, OP_IN, 6, 0, 0, PORT_CON_CTRL);
    p_out(&p, PORT_CON_CTRL, 0);
    p_op(&p, OP_IN, 7, 0, 0, PORT_CON_CTRL);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 4), 0);
    CU_ASSERT_EQUAL(REG(r, 6), CON_CTRL_RXIE);
    CU_ASSERT_EQUAL(REG(r, 7), 0);
    rig_free(r);
}

/* Input is fetched from the host only when the program looks: output
 * written before the first read comes first, and nothing is read ahead. */
static void test_console_input_on_demand(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    rig_input(r, "abcdef", 6);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_CON_DATA, '>');
    p_op(&p, OP_IN, 6, 0, 0, PORT_CON_STATUS); /* fetches 'a' */
    p_op(&p, OP_IN, 7, 0, 0, PORT_CON_DATA);   /* takes it */
    p_op(&p, OP_IN, 8, 0, 0, PORT_CON_DATA);   /* fetches and takes 'b' */
    p_end(&p);
    p_load(&p, r);
    /* after the prompt, before any read: nothing taken from the host */
    CU_ASSERT_EQUAL(rig_run(r, 3), EXIT_BUDGET);
    CU_ASSERT_EQUAL(r->outlen, 1);
    CU_ASSERT_EQUAL(r->inpos, 0);
    CU_ASSERT_EQUAL(rig_run(r, 1), EXIT_BUDGET);
    CU_ASSERT_EQUAL(r->inpos, 1);
    CU_ASSERT_EQUAL(rig_run(r, 1), EXIT_BUDGET);
    CU_ASSERT_EQUAL(r->inpos, 1);
    CU_ASSERT_EQUAL(REG(r, 7), 'a');
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->inpos, 2);
    CU_ASSERT_EQUAL(REG(r, 8), 'b');
    rig_free(r);
}

/* RXIE + wfi: the CPU waits for input; the console interrupt (cause 17)
 * is taken with epc = the instruction after the wfi.  Taking it does not
 * acknowledge it. */
static void test_console_interrupt_wfi(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    rig_input(r, "k", 1);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_CON_CTRL, CON_CTRL_RXIE);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    uint32_t w = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_op(&p, OP_ADDI, 7, 0, 0, 1);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, 0); /* the handler */
    CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_CONSOLE);
    CU_ASSERT_EQUAL(CRV(r, CR_EPC), w + 4);
    CU_ASSERT_EQUAL(CRV(r, CR_BADADDR), 0);
    CU_ASSERT_EQUAL(CRV(r, CR_STATUS), SR_S | SR_PS | SR_PIE);
    CU_ASSERT_EQUAL(REG(r, 7), 0);
    CU_ASSERT_EQUAL(r->inpos, 1);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), CAUSE_CONSOLE);
    rig_free(r);
}

/* A byte made ready by reading status raises the interrupt at once (with
 * RXIE and IE); without RXIE nothing happens. */
static void test_console_interrupt_on_status(void)
{
    for (int rxie = 0; rxie < 2; rxie++) {
        struct rig *r = rig_new(ISA_PG, false);
        rig_input(r, "k", 1);
        struct prog p;
        p_init(&p, CODE);
        if (rxie)
            p_out(&p, PORT_CON_CTRL, CON_CTRL_RXIE);
        p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
        p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
        uint32_t st = p_op(&p, OP_IN, 8, 0, 0, PORT_CON_STATUS);
        p_op(&p, OP_ADDI, 7, 0, 0, 1);
        p_end(&p);
        p_load(&p, r);
        CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
        CU_ASSERT_EQUAL(REG(r, 8), CON_STATUS_RX | CON_STATUS_TX);
        if (rxie) {
            CU_ASSERT_EQUAL(r->exit.value, 0);
            CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), CAUSE_CONSOLE);
            CU_ASSERT_EQUAL(CRV(r, CR_EPC), st + 4);
            CU_ASSERT_EQUAL(REG(r, 7), 0);
        } else {
            CU_ASSERT_EQUAL(r->exit.value, MAGIC);
            CU_ASSERT_EQUAL(CRV(r, CR_CAUSE), 0);
            CU_ASSERT_EQUAL(REG(r, 7), 1);
            CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
        }
        rig_free(r);
    }
}

/* Reading con.data acknowledges: pending after the byte is ready, not
 * after it is taken. */
static void test_console_read_acknowledges(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    rig_input(r, "xy", 2);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_CON_CTRL, CON_CTRL_RXIE); /* 3 instructions; IE stays 0 */
    p_op(&p, OP_IN, 8, 0, 0, PORT_CON_STATUS);
    p_op(&p, OP_IN, 9, 0, 0, PORT_CON_DATA);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
    CU_ASSERT_EQUAL(rig_run(r, 4), EXIT_BUDGET);
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), CAUSE_CONSOLE);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    CU_ASSERT_EQUAL(REG(r, 9), 'x');
    CU_ASSERT_EQUAL(machine_pending_interrupt(r->m), 0);
    rig_free(r);
}

/* An echo loop driven by the console interrupt: a handler reads and
 * echoes each byte, the program waits in wfi between them. */
static void test_console_interrupt_echo(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    rig_input(r, "echo!", 5);
    struct prog h;
    p_init(&h, HANDLER);
    p_op(&h, OP_MFCR, 12, 0, 0, CR_CAUSE);
    p_op(&h, OP_ADDI, 14, 12, 0, -CAUSE_CONSOLE);
    size_t bad = p_hole(&h);
    p_op(&h, OP_IN, 6, 0, 0, PORT_CON_DATA);
    p_op(&h, OP_OUT, 6, 0, 0, PORT_CON_DATA);
    p_op(&h, OP_ADDI, 9, 9, 0, 1);
    p_op(&h, OP_RFE, 0, 0, 0, 0);
    p_patch(&h, bad, OP_BNE, 14, 0, p_here(&h));
    p_op(&h, OP_HALT, 12, 0, 0, 0);
    p_load(&h, r);
    struct prog p;
    p_init(&p, CODE);
    p_out(&p, PORT_CON_CTRL, CON_CTRL_RXIE);
    p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
    p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
    p_op(&p, OP_ADDI, 10, 0, 0, 5);
    uint32_t loop = p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_br(&p, OP_BNE, 9, 10, loop);
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 10000), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(REG(r, 9), 5);
    CU_ASSERT_EQUAL_FATAL(r->outlen, 5);
    CU_ASSERT(memcmp(r->out, "echo!", 5) == 0);
    /* wfi idles no cycles: input is there whenever the machine looks */
    CU_ASSERT_EQUAL(CPU(r)->cycles, CPU(r)->instret);
    rig_free(r);
}

/* A port no device answers reads as all ones and ignores writes. */
static void test_unanswered_port(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    const unsigned ports[] = {0x00, 0x13, 0x1f, 0x26, 0x30, 0xffff};
    struct prog p;
    p_init(&p, CODE);
    for (unsigned i = 0; i < 6; i++) {
        p_out(&p, ports[i], 0x41);
        p_op(&p, OP_IN, 6 + i, 0, 0, (int32_t)ports[i]);
    }
    p_end(&p);
    p_load(&p, r);
    CU_ASSERT_EQUAL(rig_run(r, 1000), EXIT_HALT);
    for (unsigned i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(REG(r, 6 + i), 0xffffffffu);
    CU_ASSERT_EQUAL(r->outlen, 0);
    rig_free(r);
}

/* --- a host that cannot block ----------------------------------------------- */

/* Where machine_run stopped with EXIT_INPUT_WAIT, and the registers an
 * in would have written. */
struct stop {
    uint32_t pc;
    uint64_t instret, cycles;
    uint32_t r5, r6, r7, r8;
};

/* Run r's program with host as its console (a struct capture with
 * `again` set: CONSOLE_AGAIN that many times before each answer), running
 * again at each EXIT_INPUT_WAIT; where it stopped goes to stops[0..*n). */
static enum exit_reason run_again(struct rig *r, struct capture *host, struct stop *stops, unsigned max, unsigned *n)
{
    machine_set_console(r->m, &(struct console_io){.ctx = host, .read = capture_read, .write = capture_write});
    enum exit_reason why;
    for (*n = 0; (why = machine_run(r->m, 100000, &r->exit)) == EXIT_INPUT_WAIT; ++*n) {
        const struct cpu_state *c = CPU(r);
        CU_ASSERT_EQUAL(r->exit.pc, c->pc);
        if (*n < max)
            stops[*n] = (struct stop){c->pc, c->instret, c->cycles, c->r[5], c->r[6], c->r[7], c->r[8]};
    }
    return why;
}

/* The same program run with a host that blocks (rig_run: beside the
 * reference CPU under VMLAB_DIFFTEST) ended the same: how, registers, pc,
 * counts, control registers, output. */
static void expect_same_end(struct rig *blocking, enum exit_reason bwhy, struct rig *slow, enum exit_reason swhy,
                            const struct capture *out)
{
    CU_ASSERT_EQUAL(swhy, bwhy);
    CU_ASSERT_EQUAL(slow->exit.value, blocking->exit.value);
    CU_ASSERT(memcmp(CPU(slow)->r, CPU(blocking)->r, NREGS * sizeof(uint32_t)) == 0);
    CU_ASSERT_EQUAL(CPU(slow)->pc, CPU(blocking)->pc);
    CU_ASSERT_EQUAL(CPU(slow)->instret, CPU(blocking)->instret);
    CU_ASSERT_EQUAL(CPU(slow)->cycles, CPU(blocking)->cycles);
    for (int i = 0; i < NCRS; i++)
        CU_ASSERT_EQUAL(CRV(slow, (enum cr)i), CRV(blocking, (enum cr)i));
    CU_ASSERT_EQUAL_FATAL(out->len, blocking->outlen);
    CU_ASSERT(out->len == 0 || memcmp(out->buf, blocking->out, out->len) == 0);
}

/* in from con.status and con.data, with the host saying "again" twice
 * before each answer: machine_run stops on the in, which has done
 * nothing - pc on it, not retired, its register untouched - and running
 * again asks again.  in from con.ctrl asks nothing.  The run ends as with
 * a host that blocks. */
static void test_console_again_in(void)
{
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_IN, 5, 0, 0, PORT_CON_STATUS); /* asks: 'q' */
    p_op(&p, OP_IN, 6, 0, 0, PORT_CON_DATA);   /* takes it */
    p_op(&p, OP_IN, 7, 0, 0, PORT_CON_CTRL);
    uint32_t eof = p_op(&p, OP_IN, 8, 0, 0, PORT_CON_DATA); /* asks: the end */
    p_op(&p, OP_OUT, 6, 0, 0, PORT_CON_DATA);
    p_end(&p);

    struct rig *b = rig_new(ISA_PG, false), *s = rig_new(ISA_PG, false);
    rig_input(b, "q", 1);
    p_load(&p, b);
    p_load(&p, s);
    for (int i = 5; i <= 8; i++)
        CPU(b)->r[i] = CPU(s)->r[i] = 0x5a5a0000u + (uint32_t)i;
    enum exit_reason bwhy = rig_run(b, 1000);
    CU_ASSERT_EQUAL(bwhy, EXIT_HALT);

    struct capture host = {.in = "q", .again = 2};
    struct stop st[8];
    unsigned n;
    enum exit_reason swhy = run_again(s, &host, st, 8, &n);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    CU_ASSERT_EQUAL(host.agains, 4);
    for (unsigned i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(st[i].pc, CODE);
        CU_ASSERT_EQUAL(st[i].instret, 0);
        CU_ASSERT_EQUAL(st[i].cycles, 0);
        CU_ASSERT_EQUAL(st[i].r5, 0x5a5a0005u);
        CU_ASSERT_EQUAL(st[2 + i].pc, eof);
        CU_ASSERT_EQUAL(st[2 + i].instret, 3);
        CU_ASSERT_EQUAL(st[2 + i].cycles, 3);
        CU_ASSERT_EQUAL(st[2 + i].r6, 'q');
        CU_ASSERT_EQUAL(st[2 + i].r8, 0x5a5a0008u);
    }
    expect_same_end(b, bwhy, s, swhy, &host);
    CU_ASSERT_EQUAL(CPU(s)->r[5], CON_STATUS_RX | CON_STATUS_TX);
    CU_ASSERT_EQUAL(CPU(s)->r[8], 0xffffffffu);
    free(host.buf);
    rig_free(b);
    rig_free(s);
}

/* wfi with RXIE and IE, the timer armed for later: with the host saying
 * "again", the wfi stops machine_run without retiring and without letting
 * time pass toward the timer.  With a byte to come, the console interrupt
 * is taken after the wfi with no idle cycle; with the input ended, the
 * CPU idles to the timer.  Either way as with a host that blocks. */
static void test_console_again_wfi(void)
{
    for (int ended = 0; ended < 2; ended++) {
        struct prog p;
        p_init(&p, CODE);
        p_out(&p, PORT_CON_CTRL, CON_CTRL_RXIE);
        p_li(&p, 6, 50);
        p_op(&p, OP_MTCR, 6, 0, 0, CR_TIMER);
        p_op(&p, OP_ADDI, 6, 0, 0, SR_S | SR_IE);
        p_op(&p, OP_MTCR, 6, 0, 0, CR_STATUS);
        uint32_t w = p_op(&p, OP_WFI, 0, 0, 0, 0);
        p_op(&p, OP_ADDI, 7, 0, 0, 1);
        p_end(&p);

        const char *in = ended ? "" : "k";
        struct rig *b = rig_new(ISA_PG, false), *s = rig_new(ISA_PG, false);
        rig_input(b, in, strlen(in));
        p_load(&p, b);
        p_load(&p, s);
        enum exit_reason bwhy = rig_run(b, 1000);

        struct capture host = {.in = in, .again = 3};
        struct stop st[8];
        unsigned n;
        enum exit_reason swhy = run_again(s, &host, st, 8, &n);
        CU_ASSERT_EQUAL_FATAL(n, 3);
        for (unsigned i = 0; i < n; i++) {
            CU_ASSERT_EQUAL(st[i].pc, w);
            CU_ASSERT_EQUAL(st[i].instret, (w - CODE) / 4);
            CU_ASSERT_EQUAL(st[i].cycles, (w - CODE) / 4);
        }
        CU_ASSERT_EQUAL(swhy, EXIT_HALT);
        CU_ASSERT_EQUAL(CRV(s, CR_CAUSE), ended ? CAUSE_TIMER : CAUSE_CONSOLE);
        CU_ASSERT_EQUAL(CRV(s, CR_EPC), w + 4);
        if (ended) {
            CU_ASSERT(CPU(s)->cycles > CPU(s)->instret);
        } else {
            CU_ASSERT_EQUAL(CPU(s)->cycles, CPU(s)->instret);
        }
        expect_same_end(b, bwhy, s, swhy, &host);
        free(host.buf);
        rig_free(b);
        rig_free(s);
    }
}

/* The host is asked only when the program looks: wfi without RXIE (idle
 * to the timer), in from con.ctrl and the disk's ports never ask, so a
 * host that would say "again" is never heard. */
static void test_console_again_only_when_looking(void)
{
    struct rig *r = rig_new(ISA_PG, false);
    struct prog p;
    p_init(&p, CODE);
    p_op(&p, OP_IN, 5, 0, 0, PORT_CON_CTRL);
    p_op(&p, OP_IN, 6, 0, 0, PORT_DISK_STATUS);
    p_li(&p, 7, 20);
    p_op(&p, OP_MTCR, 7, 0, 0, CR_TIMER);
    p_op(&p, OP_WFI, 0, 0, 0, 0);
    p_out(&p, PORT_CON_DATA, '!');
    p_end(&p);
    p_load(&p, r);
    struct capture host = {.in = "z", .again = 2};
    struct stop st[1];
    unsigned n;
    CU_ASSERT_EQUAL(run_again(r, &host, st, 1, &n), EXIT_HALT);
    CU_ASSERT_EQUAL(r->exit.value, MAGIC);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(host.agains, 0);
    CU_ASSERT_EQUAL(host.inpos, 0);
    CU_ASSERT(CPU(r)->cycles > CPU(r)->instret);
    CU_ASSERT_STRING_EQUAL(captured(&host), "!");
    free(host.buf);
    rig_free(r);
}

void suite_console(void)
{
    CU_pSuite s = CU_add_suite("console", NULL, NULL);
    CU_add_test(s, "output: every byte, in order, low byte only", test_console_output);
    CU_add_test(s, "input: bytes, then -1", test_console_input);
    CU_add_test(s, "no input: EOF and -1", test_console_no_input);
    CU_add_test(s, "status: RX, EOF, TX", test_console_status);
    CU_add_test(s, "ctrl reads back", test_console_ctrl);
    CU_add_test(s, "input fetched only when the program looks", test_console_input_on_demand);
    CU_add_test(s, "RXIE + wfi: interrupt 17 after the wfi", test_console_interrupt_wfi);
    CU_add_test(s, "RXIE: interrupt as soon as a byte is ready", test_console_interrupt_on_status);
    CU_add_test(s, "reading con.data acknowledges", test_console_read_acknowledges);
    CU_add_test(s, "interrupt-driven echo", test_console_interrupt_echo);
    CU_add_test(s, "unanswered ports read all ones", test_unanswered_port);
    CU_add_test(s, "host says again: in stops undone, ends as if it blocked", test_console_again_in);
    CU_add_test(s, "host says again: wfi with RXIE stops undone, no time passes", test_console_again_wfi);
    CU_add_test(s, "host says again: asked only when the program looks", test_console_again_only_when_looking);
}
