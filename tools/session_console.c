/*
 * session_console.c - the consoles of a session (session.h).
 *
 * With several VMs on one terminal, each line is preceded by "[name] " so
 * that their output stays apart.  Such a stream keeps its VM's line until
 * the newline and writes it whole: the VMs are time-shared, and a line
 * written a piece at a time would be cut by the other VMs' lines.  A line
 * is written before it is complete only when it grows past
 * CONSOLE_LINE_MAX (a guest that never ends its line must not make the
 * front end grow without bound) or when its VM waits for input from a
 * terminal (the prompt must be visible); if another VM writes while such a
 * piece stands unfinished on the shared stream, the piece is ended with a
 * newline first, and its VM's next output starts a fresh "[name] " line.
 * So with input from a file, every VM's lines are exactly its output.
 */
#include <stdio.h>
#include <unistd.h>

#include "session.h"

/* Write a prefixed stream's buffered line (complete or not) to its FILE. */
static void stream_emit(struct console_out *o)
{
    struct console_out *open = *o->open_line;
    if (open && open != o && open->f == o->f) {
        fputc('\n', o->f);
        open->continued = false;
        *o->open_line = NULL;
    }
    if (!o->continued)
        fprintf(o->f, "[%s] ", o->prefix);
    fwrite(o->line, 1, o->len, o->f);
    bool complete = o->len && o->line[o->len - 1] == '\n';
    o->len = 0;
    o->continued = !complete;
    *o->open_line = complete ? NULL : o;
    fflush(o->f);
}

void console_out_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct console_out *o = ctx;
    if (!o->prefix) {
        fwrite(buf, 1, len, o->f);
        if (len && buf[len - 1] == '\n')
            fflush(o->f); /* line-buffered even when the stream is a pipe */
        return;
    }
    for (size_t i = 0; i < len; i++) {
        o->line[o->len++] = (char)buf[i];
        if (buf[i] == '\n' || o->len == sizeof o->line)
            stream_emit(o);
    }
}

/* Every line on the shared stream ends with a newline. */
void console_out_finish(struct console_out *o)
{
    if (o->prefix && o->len)
        stream_emit(o);
    if (o->open_line && *o->open_line == o) {
        fputc('\n', o->f);
        *o->open_line = NULL;
        o->continued = false;
    }
    fflush(o->f);
}

int console_stdin_read(void *ctx)
{
    static int tty = -1; /* stdin's, for the whole process */
    if (tty < 0)
        tty = isatty(STDIN_FILENO);
    struct console_out *o = ctx;
    if (tty && o && o->prefix && o->len)
        stream_emit(o);
    fflush(stdout); /* a prompt must be visible before we wait for the answer */
    int ch = getchar();
    return ch == EOF ? -1 : ch;
}
