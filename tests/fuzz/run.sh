#!/bin/sh
# run.sh SECONDS JOBS TARGET... - run each libFuzzer target of build/fuzz
# for SECONDS seconds in JOBS processes sharing one corpus (make fuzz),
# then print one line per target: executions, executions per second, and
# findings.  Exits 1 if any target found something; its inputs are in
# build/fuzz/findings/TARGET/, to be kept in tests/fuzz/regress/TARGET/
# once fixed.
set -u
seconds=$1
jobs=$2
shift 2
status=0
summary=""
for t in "$@"; do
    corpus=build/fuzz/corpus/$t
    findings=build/fuzz/findings/$t
    mkdir -p "$corpus" "$findings"
    echo "fuzz: $t for ${seconds}s in $jobs process(es) (logs: build/fuzz/$t.*.log)"
    # seeds besides tests/fuzz/corpus/TARGET (FUZZ_SEEDS_asm in fuzz_targets.h)
    seeds=tests/fuzz/corpus/$t
    [ "$t" = asm ] && seeds="$seeds tests/guests assembler/examples"
    j=0
    while [ "$j" -lt "$jobs" ]; do
        # shellcheck disable=SC2086
        build/fuzz/$t -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
            -artifact_prefix="$findings/" "$corpus" $seeds >"build/fuzz/$t.$j.log" 2>&1 &
        j=$((j + 1))
    done
    wait
    execs=0
    rate=0
    j=0
    while [ "$j" -lt "$jobs" ]; do
        log=build/fuzz/$t.$j.log
        e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        r=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
        execs=$((execs + ${e:-0}))
        rate=$((rate + ${r:-0}))
        if grep -q 'vmlab fuzz: finding\|ERROR: \|SUMMARY: ' "$log"; then
            status=1
            grep -A14 'vmlab fuzz: finding\|ERROR: ' "$log" | head -30
        fi
        j=$((j + 1))
    done
    found=$(find "$findings" -type f | wc -l)
    [ "$found" -ne 0 ] && status=1
    summary="$summary$(printf '%-8s %12s executions %8s/s  %s findings' "$t" "$execs" "$rate" "$found")
"
done
printf '\n%s' "$summary"
exit $status
