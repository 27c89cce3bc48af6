#!/bin/sh
# run.sh SECONDS TARGET... - run each libFuzzer target of build/fuzz for
# SECONDS seconds (make fuzz), then print one line per target: executions,
# executions per second, and findings.  Exits 1 if any target found
# something; its inputs are in build/fuzz/findings/TARGET/.
set -u
seconds=$1
shift
status=0
summary=""
for t in "$@"; do
    corpus=build/fuzz/corpus/$t
    findings=build/fuzz/findings/$t
    mkdir -p "$corpus" "$findings"
    log=build/fuzz/$t.log
    echo "fuzz: $t for ${seconds}s (log: $log)"
    # -fork runs the target in child processes, so a finding is kept and
    # the campaign goes on to look for others.
    build/fuzz/$t -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$findings/" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    found=$(find "$findings" -type f | wc -l)
    if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
        status=1
        grep -A12 'vmlab fuzz: finding\|ERROR: ' "$log" | head -30
    fi
    summary="$summary$(printf '%-8s %12s executions %8s/s  %s findings' "$t" "${execs:-?}" "${rate:-?}" "$found")
"
done
printf '\n%s' "$summary"
exit $status
