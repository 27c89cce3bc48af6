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
 * triples; the names are OP_ names without the OP_.  Chosen from bench
 * --pairs: every pair and triple of 1.9 % of the instructions or more
 * whose parts but the last fall through, in order of frequency.  At a
 * slot, a triple that matches wins over a pair.
 */
#ifndef VMLAB_SUPERINSN_H
#define VMLAB_SUPERINSN_H

#define SUPERINSN_PAIRS(X)                                                     \
    X(ADDI_BNE, ADDI, BNE)                                                     \
    X(ANDI_SRLI, ANDI, SRLI)                                                   \
    X(SRLI_BEQ, SRLI, BEQ)                                                     \
    X(XOR_ADDI, XOR, ADDI)                                                     \
    X(SW_SW, SW, SW)                                                           \
    X(LW_LW, LW, LW)                                                           \
    X(ADDI_ANDI, ADDI, ANDI)                                                   \
    X(ANDI_BEQ, ANDI, BEQ)                                                     \
    X(LW_ANDI, LW, ANDI)                                                       \
    X(ANDI_BNE, ANDI, BNE)                                                     \
    X(ADDI_JAL, ADDI, JAL)                                                     \
    X(LW_ADDI, LW, ADDI)                                                       \
    X(ADDI_BEQ, ADDI, BEQ)

#define SUPERINSN_TRIPLES(Y)                                                   \
    Y(ANDI_SRLI_BEQ, ANDI, SRLI, BEQ)                                          \
    Y(XOR_ADDI_BNE, XOR, ADDI, BNE)                                            \
    Y(SW_SW_SW, SW, SW, SW)                                                    \
    Y(LW_ANDI_BEQ, LW, ANDI, BEQ)                                              \
    Y(ADDI_ANDI_BNE, ADDI, ANDI, BNE)                                          \
    Y(LW_ADDI_BEQ, LW, ADDI, BEQ)                                              \
    Y(LW_LW_LW, LW, LW, LW)

#endif
