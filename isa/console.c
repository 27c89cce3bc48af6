/*
 * console.c - the console: a byte stream out and a byte stream in.
 *
 * Input is deterministic: the console asks its host for the next byte only
 * when the program looks for one (reading con.data or con.status) or when
 * it idles in wfi with the input interrupt enabled.  So the program's input
 * decides what happens, never the moment a key was pressed; on a terminal
 * the machine simply waits for the typist.  A host that cannot wait says
 * CONSOLE_AGAIN instead (machine.h): the instruction that looked is then
 * not executed, and is executed again later with the same outcome.
 */
#include "devices_impl.h"

/* Ask the host for the next byte if none is buffered and input goes on;
 * false if it answered CONSOLE_AGAIN (nothing changed). */
static bool try_pull(struct console *con)
{
    if (con->rx >= 0 || con->eof)
        return true;
    int b = con->io.read ? con->io.read(con->io.ctx) : -1;
    if (b == CONSOLE_AGAIN)
        return false;
    if (b < 0)
        con->eof = true;
    else
        con->rx = b & 0xff;
    return true;
}

/* The same for a caller that must have the answer now: a host that says
 * "again" is asked again at once, which is how a blocking read looks.
 * (The CPUs ask console_*_ready first, and find the answer buffered.) */
static void pull(struct console *con)
{
    while (!try_pull(con))
        ;
}

bool console_in_ready(struct console *con, unsigned port)
{
    return (port != PORT_CON_DATA && port != PORT_CON_STATUS) || try_pull(con);
}

bool console_wait_ready(struct console *con)
{
    return !(con->ctrl & CON_CTRL_RXIE) || try_pull(con);
}

uint32_t console_in(struct console *con, unsigned port)
{
    switch (port) {
    case PORT_CON_DATA:
        pull(con);
        if (con->rx < 0)
            return 0xffffffffu; /* -1: the input has ended */
        uint32_t v = (uint32_t)con->rx;
        con->rx = -1;
        return v;
    case PORT_CON_STATUS:
        pull(con);
        return (con->rx >= 0 ? CON_STATUS_RX : 0) | (con->eof ? CON_STATUS_EOF : 0) | CON_STATUS_TX;
    case PORT_CON_CTRL:
        return con->ctrl;
    }
    return PORT_NONE_VALUE;
}

void console_out(struct console *con, unsigned port, uint32_t v)
{
    if (port == PORT_CON_DATA && con->io.write) {
        uint8_t b = (uint8_t)v;
        con->io.write(con->io.ctx, &b, 1);
    } else if (port == PORT_CON_CTRL) {
        con->ctrl = v & CON_CTRL_RXIE;
    }
}

bool console_irq(const struct console *con)
{
    return (con->ctrl & CON_CTRL_RXIE) && con->rx >= 0;
}

bool console_wait(struct console *con)
{
    if (con->ctrl & CON_CTRL_RXIE)
        pull(con);
    return console_irq(con);
}
