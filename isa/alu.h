/*
 * alu.h - what the computing instructions compute (docs/isa.md section 5):
 * the ALU, the branch conditions, division's rules and the loads'
 * extension, as plain functions of their operands, for a software CPU
 * that interprets one instruction at a time (the hybrid technique's,
 * vmm/hybrid.c).  The reference CPU (isa/ref/) keeps its own copy on
 * purpose: it is the independent one the difftests compare with.
 */
#ifndef VMLAB_ALU_H
#define VMLAB_ALU_H

#include <stdbool.h>
#include <stdint.h>

#include "isa.h"

/* Whether op is an ALU operation alu_result computes: register-register
 * (b is rc's value) or register-immediate (b is the immediate as
 * isa_decode extends it), division aside. */
static inline bool alu_op(enum op op)
{
    switch (op) {
    case OP_ADD: case OP_SUB: case OP_AND: case OP_OR: case OP_XOR: case OP_SLL: case OP_SRL: case OP_SRA:
    case OP_SLT: case OP_SLTU: case OP_MUL: case OP_MULH: case OP_MULHU:
    case OP_ADDI: case OP_ANDI: case OP_ORI: case OP_XORI: case OP_SLLI: case OP_SRLI: case OP_SRAI:
    case OP_SLTI: case OP_SLTIU: case OP_LUI:
        return true;
    default:
        return false;
    }
}

static inline uint32_t alu_result(enum op op, uint32_t a, uint32_t b)
{
    switch (op) {
    case OP_ADD: case OP_ADDI: return a + b;
    case OP_SUB: return a - b;
    case OP_AND: case OP_ANDI: return a & b;
    case OP_OR: case OP_ORI: return a | b;
    case OP_XOR: case OP_XORI: return a ^ b;
    case OP_SLL: case OP_SLLI: return a << (b & 31);
    case OP_SRL: case OP_SRLI: return a >> (b & 31);
    case OP_SRA: case OP_SRAI: return (uint32_t)((int32_t)a >> (b & 31));
    case OP_SLT: case OP_SLTI: return (int32_t)a < (int32_t)b;
    case OP_SLTU: case OP_SLTIU: return a < b;
    case OP_MUL: return a * b;
    case OP_MULH: return (uint32_t)((uint64_t)((int64_t)(int32_t)a * (int32_t)b) >> 32);
    case OP_MULHU: return (uint32_t)(((uint64_t)a * b) >> 32);
    case OP_LUI: return b << 16;
    default: return 0;
    }
}

static inline bool alu_div_op(enum op op) { return op == OP_DIV || op == OP_DIVU || op == OP_REM || op == OP_REMU; }

/* div, divu, rem, remu with b != 0 (b == 0 traps, div-zero); the one
 * signed quotient that overflows, INT32_MIN / -1, is INT32_MIN, remainder 0. */
static inline uint32_t alu_divide(enum op op, uint32_t a, uint32_t b)
{
    if (op == OP_DIVU)
        return a / b;
    if (op == OP_REMU)
        return a % b;
    int32_t sa = (int32_t)a, sb = (int32_t)b;
    if (sa == INT32_MIN && sb == -1)
        return op == OP_DIV ? (uint32_t)INT32_MIN : 0;
    return (uint32_t)(op == OP_DIV ? sa / sb : sa % sb);
}

static inline bool branch_op(enum op op)
{
    return op == OP_BEQ || op == OP_BNE || op == OP_BLT || op == OP_BGE || op == OP_BLTU || op == OP_BGEU;
}

static inline bool branch_taken(enum op op, uint32_t a, uint32_t b)
{
    switch (op) {
    case OP_BEQ: return a == b;
    case OP_BNE: return a != b;
    case OP_BLT: return (int32_t)a < (int32_t)b;
    case OP_BGE: return (int32_t)a >= (int32_t)b;
    case OP_BLTU: return a < b;
    case OP_BGEU: return a >= b;
    default: return false;
    }
}

/* Bytes a load or store moves; 0 for any other op. */
static inline unsigned mem_access_size(enum op op)
{
    switch (op) {
    case OP_LW: case OP_SW: return 4;
    case OP_LH: case OP_LHU: case OP_SH: return 2;
    case OP_LB: case OP_LBU: case OP_SB: return 1;
    default: return 0;
    }
}

static inline bool store_op(enum op op) { return op == OP_SW || op == OP_SH || op == OP_SB; }

/* The register value of a load of raw, the bytes read little-endian. */
static inline uint32_t load_extend(enum op op, uint32_t raw)
{
    switch (op) {
    case OP_LH: return (uint32_t)(int32_t)(int16_t)raw;
    case OP_LB: return (uint32_t)(int32_t)(int8_t)raw;
    case OP_LHU: return raw & 0xffff;
    case OP_LBU: return raw & 0xff;
    default: return raw;
    }
}

#endif
