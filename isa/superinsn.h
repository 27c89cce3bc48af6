/*
 * superinsn.h - the superinstructions: pairs and triples of instructions
 * that the guest OS's workloads execute one after the other most often
 * (bench --pairs counts them; the table is in docs/performance.md,
 * section 3).  cpu_exec.c gives each one handler that runs its parts one
 * after the other with no dispatch between them; decode_run puts it in
 * the first slot of every place the sequence occurs.  The other slots keep
 * their own handlers: a branch may land between the parts.
 *
 * Every part but the last must fall through (no control transfer, trap
 * instruction or system instruction): a run never ends inside a
 * superinstruction, except where a budget ends, and then cpu_exec puts the
 * parts' own handlers back for the moment (plant_stop).
 *
 * X(name, first, second) for pairs, Y(name, first, second, third) for
 * triples; the names are OP_ names without the OP_.
 */
#ifndef VMLAB_SUPERINSN_H
#define VMLAB_SUPERINSN_H

#define SUPERINSN_PAIRS(X)

#define SUPERINSN_TRIPLES(Y)

#endif
