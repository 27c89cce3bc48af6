/*
 * test_bench_peers.c - suite bench_peers: what `make bench-peers`
 * (tests/bench/peers) reads and works out, on text recorded from its tools
 * (vmlab's vdis, riscv64-unknown-elf-objdump -M no-aliases, SPIM's step
 * trace and the runs' output), so that it runs without QEMU or SPIM: the
 * hash each run printed and the refusal of one that differs from the
 * host's, the loop's instructions per iteration and their mnemonics from
 * each listing and the refusal of a listing whose loop is not as
 * described, and the table's arithmetic on numbers worked out by hand.
 * One test runs the vmlab variant itself (vasm, vdis, vrun of this build)
 * against fnv_loop.h.  No timing: the bench measures speed, tests do not
 * assert it.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "bench_near.h"
#include "bench/fnv_loop.h"
#include "bench/peers/peers.h"
#include "scratch.h"

/* vrun --native --boot 1000 build/peers/fnv_vmlab.elf; SPIM and QEMU
 * print the same line after their own banners. */
#define HASH_1000 0x31e4eae5u

static const char spim_run[] = "SPIM Version 8.0 of January 8, 2010\n"
                               "Copyright 1990-2010, James R. Larus.\n"
                               "All Rights Reserved.\n"
                               "See the file README for a full copyright notice.\n"
                               "Loaded: /usr/lib/spim/exceptions.s\n"
                               "fnv 0x31e4eae5\n";

/* build/bin/vdis build/peers/fnv_vmlab.elf, around the loop. */
static const char vdis_listing[] = "3:\n"
                                   "        lui     t1, 0x811c               # 00001030: 29608114\n"
                                   "        ori     t1, t1, 0x9dc5           # 00001034: 22669dc5\n"
                                   "        beq     t0, zero, fnv_end        # 00001040: 40500024\n"
                                   "fnv_loop:\n"
                                   "        andi    s1, t0, 0x3ff            # 00001044: 219503ff\n"
                                   "        slli    s1, s1, 2                # 00001048: 24990002\n"
                                   "        add     s1, s1, s0               # 0000104c: 01998000\n"
                                   "        lw      a0, 0(s1)                # 00001050: 30a90000\n"
                                   "        xor     t1, t1, a0               # 00001054: 0566a000\n"
                                   "        mul     t1, t1, t2               # 00001058: 0b667000\n"
                                   "        sw      t1, 0(s1)                # 0000105c: 38690000\n"
                                   "        addi    t0, t0, -1               # 00001060: 2055ffff\n"
                                   "        bne     t0, zero, fnv_loop       # 00001064: 4150fff8\n"
                                   "fnv_end:\n"
                                   "        lui     a0, 0x0                  # 00001068: 29a00000\n";

/* riscv64-unknown-elf-objdump -d -M no-aliases build/peers/fnv_user.elf. */
static const char objdump_listing[] = "   100cc:\t01000393          \taddi\tt2,zero,16\n"
                                      "   100d0:\t00001417          \tauipc\ts0,0x1\n"
                                      "   100d4:\t02028463          \tbeq\tt0,zero,100fc <fnv_end>\n"
                                      "\n"
                                      "000100d8 <fnv_loop>:\n"
                                      "   100d8:\t3ff2f493          \tandi\ts1,t0,1023\n"
                                      "   100dc:\t00249493          \tslli\ts1,s1,0x2\n"
                                      "   100e0:\t008484b3          \tadd\ts1,s1,s0\n"
                                      "   100e4:\t0004a503          \tlw\ta0,0(s1)\n"
                                      "   100e8:\t00a34333          \txor\tt1,t1,a0\n"
                                      "   100ec:\t02730333          \tmul\tt1,t1,t2\n"
                                      "   100f0:\t0064a023          \tsw\tt1,0(s1)\n"
                                      "   100f4:\tfff28293          \taddi\tt0,t0,-1\n"
                                      "   100f8:\tfe0290e3          \tbne\tt0,zero,100d8 <fnv_loop>\n"
                                      "\n"
                                      "000100fc <fnv_end>:\n"
                                      "   100fc:\t00001697          \tauipc\ta3,0x1\n";

/* SPIM's `step` through script(1), as make bench-peers takes it: two
 * passes of the loop, \r\n line ends, the program's output run in. */
#define SPIM_LOOP                                                                                         \
    "[0x00400078]\t0x310b03ff  andi $11, $8, 1023              ; 25: andi  $t3, $t0, 1023\r\n"           \
    "[0x0040007c]\t0x000b5880  sll $11, $11, 2                 ; 26: sll     $t3, $t3, 2\r\n"            \
    "[0x00400080]\t0x01705821  addu $11, $11, $16              ; 27: addu    $t3, $t3, $s0\r\n"          \
    "[0x00400084]\t0x8d6c0000  lw $12, 0($11)                  ; 28: lw      $t4, 0($t3)\r\n"            \
    "[0x00400088]\t0x012c4826  xor $9, $9, $12                 ; 29: xor     $t1, $t1, $t4\r\n"          \
    "[0x0040008c]\t0x012a0019  multu $9, $10                   ; 30: multu   $t1, $t2\r\n"               \
    "[0x00400090]\t0x00004812  mflo $9                         ; 31: mflo    $t1\r\n"                    \
    "[0x00400094]\t0xad690000  sw $9, 0($11)                   ; 32: sw      $t1, 0($t3)\r\n"            \
    "[0x00400098]\t0x2508ffff  addiu $8, $8, -1                ; 33: addiu   $t0, $t0, -1\r\n"           \
    "[0x0040009c]\t0x1500fff7  bne $8, $0, -36 [fnv_loop-0x0040009c]; 34: bne     $t0, $zero, fnv_loop\r\n"
#define SPIM_BEFORE                                                                                       \
    "(spim) (spim) [0x00400000]\t0x8fa40000  lw $4, 0($29)                   ; 183: lw $a0 0($sp)\r\n"   \
    "[0x00400070]\t0x34300018  ori $16, $1, 24 [table]\r\n"                                               \
    "[0x00400074]\t0x1100000b  beq $8, $0, 44 [fnv_end-0x00400074]; 24: beqz    $t0, fnv_end\r\n"
#define SPIM_AFTER                                                                                        \
    "[0x004000a0]\t0x3c011001  lui $1, 4097 [prefix]           ; 35: la     $a0, prefix\r\n"             \
    "[0x004000ac]\t0x0000000c  syscall                         ; 37: syscall\r\n"                        \
    "fnv 0x[0x004000b0]\t0x340d001c  ori $13, $0, 28                 ; 38: li      $t5, 28\r\n"

static void test_hash(void)
{
    uint32_t h = 0;
    CU_ASSERT(peers_hash(spim_run, &h) && h == HASH_1000);
    CU_ASSERT(peers_hash("fnv 0x31E4EAE5\r\n", &h) && h == HASH_1000); /* QEMU's serial line: \r\n */
    CU_ASSERT(peers_hash("fnv 0x00000000", &h) && h == 0);
    CU_ASSERT(peers_hash("x\nfnv 0xffffffff\nfnv 0x00000001\n", &h) && h == 0xffffffffu); /* the first */
    CU_ASSERT_FALSE(peers_hash("", &h));
    CU_ASSERT_FALSE(peers_hash("fnv 0x31e4eae\n", &h));   /* seven digits */
    CU_ASSERT_FALSE(peers_hash("fnv 0x31e4eae5f\n", &h)); /* nine */
    CU_ASSERT_FALSE(peers_hash("fnv 0x31e4eaeg\n", &h));
    CU_ASSERT_FALSE(peers_hash("the fnv 0x31e4eae5\n", &h)); /* not at a line's start */
    CU_ASSERT_FALSE(peers_hash("fnv 31e4eae5\n", &h));
}

/* A run that printed another hash, or none, is refused, whatever its time. */
static void test_verdict(void)
{
    char msg[200];
    CU_ASSERT(peers_verdict(spim_run, HASH_1000, msg, sizeof msg));
    CU_ASSERT_FALSE(peers_verdict(spim_run, HASH_1000 ^ 1, msg, sizeof msg));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "0x31e4eae5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "0x31e4eae4"));
    CU_ASSERT_FALSE(peers_verdict("Loaded: /usr/lib/spim/exceptions.s\n", HASH_1000, msg, sizeof msg));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no"));
}

static int count(const char *text, enum peers_listing kind)
{
    char msg[200] = "";
    int n = peers_loop_insns(text, kind, NULL, 0, msg, sizeof msg);
    CU_ASSERT(n > 0 || msg[0] != '\0'); /* a refusal says why */
    return n;
}

/* The loop's mnemonics as the listing shows them. */
static bool body_is(const char *text, enum peers_listing kind, const char *want)
{
    char ops[200], msg[200];
    int n = peers_loop_insns(text, kind, ops, sizeof ops, msg, sizeof msg);
    bool ok = n > 0 && strcmp(ops, want) == 0;
    if (!ok)
        fprintf(stderr, "\n  loop \"%s\", not \"%s\"", n > 0 ? ops : msg, want);
    return ok;
}

/* text with the first occurrence of what replaced by with (static buffer). */
static const char *edit(const char *text, const char *what, const char *with)
{
    static char buf[8192];
    const char *at = strstr(text, what);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, with, at + strlen(what));
    return buf;
}

static void test_vdis_listing(void)
{
    CU_ASSERT_EQUAL(count(vdis_listing, PEERS_VDIS), 9);
    CU_ASSERT(body_is(vdis_listing, PEERS_VDIS, "andi slli add lw xor mul sw addi bne"));
    CU_ASSERT_EQUAL(count(edit(vdis_listing, "        sw ", "        nop                              # 0\n"
                                                           "        sw "),
                          PEERS_VDIS),
                    10);
    CU_ASSERT_EQUAL(count(edit(vdis_listing, "        sw ", "1:\n        sw "), PEERS_VDIS), 9); /* a label */
    CU_ASSERT_EQUAL(count(edit(vdis_listing, "fnv_end:\n", ""), PEERS_VDIS), -1);   /* no end */
    CU_ASSERT_EQUAL(count(edit(vdis_listing, "fnv_loop:\n", ""), PEERS_VDIS), -1);  /* no start */
    CU_ASSERT_EQUAL(count(edit(vdis_listing, "fnv_loop       #", "1b             #"), PEERS_VDIS),
                    -1); /* the last instruction does not branch back */
    CU_ASSERT_EQUAL(count("fnv_loop:\nfnv_end:\n", PEERS_VDIS), -1);
}

static void test_objdump_listing(void)
{
    CU_ASSERT_EQUAL(count(objdump_listing, PEERS_OBJDUMP), 9);
    CU_ASSERT(body_is(objdump_listing, PEERS_OBJDUMP, "andi slli add lw xor mul sw addi bne"));
    /* aliases would hide what runs; without -M no-aliases the count is the same here, but the
     * loop must still end in the branch back */
    CU_ASSERT_EQUAL(count(edit(objdump_listing, "100d8 <fnv_loop>\n", "100fc <fnv_end>\n"), PEERS_OBJDUMP), -1);
    CU_ASSERT_EQUAL(count(edit(objdump_listing, "000100fc <fnv_end>:", ""), PEERS_OBJDUMP), -1);
    CU_ASSERT_EQUAL(count(edit(objdump_listing, "000100d8 <fnv_loop>:", ""), PEERS_OBJDUMP), -1);
    CU_ASSERT_EQUAL(
        count(edit(objdump_listing, "   100e0:", "   100de:\t0001              \tc.nop\n   100e0:"), PEERS_OBJDUMP),
        10);
    CU_ASSERT(body_is(edit(objdump_listing, "   100e0:", "   100de:\t0001              \tc.nop\n   100e0:"),
                      PEERS_OBJDUMP, "andi slli c.nop add lw xor mul sw addi bne"));
}

static void test_spim_trace(void)
{
    CU_ASSERT_EQUAL(count(SPIM_BEFORE SPIM_LOOP SPIM_LOOP SPIM_AFTER, PEERS_SPIM), 10);
    CU_ASSERT(body_is(SPIM_BEFORE SPIM_LOOP SPIM_LOOP SPIM_AFTER, PEERS_SPIM,
                      "andi sll addu lw xor multu mflo sw addiu bne"));
    CU_ASSERT_EQUAL(count(SPIM_BEFORE SPIM_LOOP SPIM_LOOP SPIM_LOOP SPIM_AFTER, PEERS_SPIM), 10);
    CU_ASSERT_EQUAL(count(SPIM_BEFORE SPIM_LOOP SPIM_AFTER, PEERS_SPIM), -1); /* one pass: no count */
    CU_ASSERT_EQUAL(count(SPIM_BEFORE SPIM_AFTER, PEERS_SPIM), -1);
    CU_ASSERT_EQUAL(count("(spim) (spim) \r\n", PEERS_SPIM), -1);
}

/* Start-up cancels: 10 ms plus 8 ns an iteration at 5e7 and 1e7. */
static void test_per_iter(void)
{
    CU_ASSERT(near(peers_per_iter(0.41, 0.09, 5e7, 1e7), 8e-9, "per iteration"));
    CU_ASSERT(near(peers_per_iter(1.51, 0.31, 5e5, 1e5), 3e-6, "per iteration, SPIM's lengths"));
}

/* Three rounds worked out by hand.  Native C: 1, 2, 1.5 ns an iteration
 * (1 ms start-up); the variant: 8, 15, 10 ns (10, 20, 5 ms start-up).
 * Per round the variant is 8, 7.5 and 6.67 times native: median 7.5, where
 * the ratio of the medians would be 10 / 1.5 = 6.67.  With 9 instructions
 * an iteration: 1125, 600, 900 MIPS. */
static void test_row(void)
{
    const double nl[] = {0.051, 0.101, 0.076}, ns[] = {0.011, 0.021, 0.016};
    const double vl[] = {0.41, 0.77, 0.505}, vs[] = {0.09, 0.17, 0.105};
    const struct peers_times nat = {nl, ns, 5e7, 1e7}, v = {vl, vs, 5e7, 1e7};
    struct peers_row r = peers_row_of(&v, &nat, 9, 3);
    CU_ASSERT(stat_is(r.ns_per_iter, 10, 8, 15, "ns/iteration"));
    CU_ASSERT(stat_is(r.x_native, 7.5, 10.0 / 1.5, 8, "x native"));
    CU_ASSERT(stat_is(r.mips, 900, 600, 1125, "MIPS"));
    CU_ASSERT(stat_is(r.startup_ms, 10, 5, 20, "start-up ms"));

    r = peers_row_of(&nat, &nat, 0, 3); /* native's own row: no instructions counted */
    CU_ASSERT(stat_is(r.x_native, 1, 1, 1, "native x native"));
    CU_ASSERT(stat_is(r.mips, 0, 0, 0, "native MIPS"));
    CU_ASSERT(stat_is(r.startup_ms, 1, 1, 1, "native start-up"));

    /* SPIM's shorter lengths against native's: 3 us an iteration in every round. */
    const double sl[] = {1.51, 1.51, 1.51}, ss[] = {0.31, 0.31, 0.31};
    const struct peers_times spim = {sl, ss, 5e5, 1e5};
    r = peers_row_of(&spim, &nat, 10, 3);
    CU_ASSERT(stat_is(r.ns_per_iter, 3000, 3000, 3000, "SPIM ns/iteration"));
    CU_ASSERT(stat_is(r.x_native, 2000, 1500, 3000, "SPIM x native"));
    CU_ASSERT(stat_is(r.mips, 10 / 3000e-9 / 1e6, 10 / 3000e-9 / 1e6, 10 / 3000e-9 / 1e6, "SPIM MIPS"));
}

/* The vmlab variant as this build makes it: nine instructions in its loop
 * by vdis, and the hash native C computes, on the bare machine and under
 * the VMM, with a count that is not a multiple of the table's size. */
static void test_vmlab_variant(void)
{
    char *vasm = tool("vasm"), *vdis = tool("vdis"), *vrun = tool("vrun"), *dir = tmpdir_make();
    if (vasm && vdis && vrun && dir) {
        char *elf = tmp_path(dir, "fnv.elf"), *out, *err;
        char *a1[] = {vasm, "-o", elf, "tests/bench/peers/fnv_vmlab.s", NULL};
        CU_ASSERT_EQUAL(run_cmd(a1, false, &out, &err), 0);
        free(out);
        free(err);
        char *a2[] = {vdis, elf, NULL};
        CU_ASSERT_EQUAL(run_cmd(a2, false, &out, &err), 0);
        CU_ASSERT(body_is(out, PEERS_VDIS, "andi slli add lw xor mul sw addi bne"));
        free(out);
        free(err);
        static uint32_t table[FNV_TABLE_WORDS];
        uint32_t want = fnv_loop(table, 3001);
        char *a3[] = {vrun, "--native", "--boot", "3001", elf, NULL};
        char *a4[] = {vrun, "--boot", "3001", elf, NULL};
        char *const *runs[] = {a3, a4};
        for (int i = 0; i < 2; i++) {
            char msg[200];
            CU_ASSERT_EQUAL(run_cmd(runs[i], false, &out, &err), 0);
            bool ok = peers_verdict(out, want, msg, sizeof msg);
            if (!ok)
                fprintf(stderr, "\n  %s: %s", i ? "under the VMM" : "bare", msg);
            CU_ASSERT(ok);
            free(out);
            free(err);
        }
        free(elf);
    }
    tmpdir_remove(dir);
    free(vasm);
    free(vdis);
    free(vrun);
}

void suite_bench_peers(void)
{
    CU_pSuite s = CU_add_suite("bench_peers", NULL, NULL);
    CU_add_test(s, "the hash a run printed, after a banner", test_hash);
    CU_add_test(s, "a run whose hash is not native C's is refused", test_verdict);
    CU_add_test(s, "loop instructions from vdis's listing", test_vdis_listing);
    CU_add_test(s, "loop instructions from objdump's listing", test_objdump_listing);
    CU_add_test(s, "loop instructions from SPIM's trace", test_spim_trace);
    CU_add_test(s, "time per iteration, start-up subtracted", test_per_iter);
    CU_add_test(s, "a row: medians of per-round figures, MIPS, x native", test_row);
    CU_add_test(s, "the vmlab variant: 9 instructions, native C's hash, bare and VM", test_vmlab_variant);
}
