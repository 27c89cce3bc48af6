#!/bin/sh
# report.sh FILES SUITES SECONDS JOBS RESULTS... - the summary of a mutation
# campaign (tests/mutate/run.sh) from its results files, one line a
# mutant: NUMBER, STATUS [SUITE], POINT (tab-separated); several files (the
# parts of a campaign run in pieces) are summed.  Prints the counts, the
# score killed / (mutants - not compiled), which suite killed how many
# first, and every survivor as FILE:LINE:COL: KIND: ORIGINAL -> REPLACEMENT.
set -u
files=$1
suites=$2
secs=$3
jobs=$4
shift 4
cat "$@" | awk -F '\t' -v files="$files" -v suites="$suites" -v secs="$secs" -v jobs="$jobs" '
    { split($2, v, " "); status[NR] = v[1]; if (v[2] != "-" && v[2] != "") by[v[2]]++; n++; point[NR] = $3 }
    v[1] == "killed" { killed++ }
    v[1] == "timeout" { killed++; timedout++ }
    v[1] == "survived" { survived++ }
    v[1] == "not-compiled" { nc++ }
    v[1] == "error" { err++ }
    END {
        printf "make mutate: %s\n", files
        printf "fast suites: %s\n", suites
        printf "%d mutants: %d killed (%d of them timed out), %d survived, %d not compiled", n, killed, timedout, survived, nc
        if (err) printf ", %d not written", err
        printf "\n"
        tested = n - nc - err
        printf "score: %d / %d = %.1f%%\n", killed, tested, tested ? 100 * killed / tested : 0
        printf "time: %d s, %d job(s)\n", secs, jobs
        printf "killed first by:"
        for (s in by) printf " %s %d", s, by[s]
        printf "\nsurvivors:\n"
        for (i = 1; i <= n; i++) if (status[i] == "survived") print point[i]
    }'
