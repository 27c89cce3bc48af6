#!/bin/sh
# campaign.sh TARGET EXECUTIONS JOBS - a long campaign of build/fuzz/campaign
# (tests/fuzz/campaign.c) in JOBS processes, each with its own seed and
# EXECUTIONS/JOBS inputs from the corpora; then the total.  Exits 1 if any
# process found something (its input is in build/fuzz/findings/TARGET/).
set -u
target=$1
total=$2
jobs=$3
mkdir -p "build/fuzz/findings/$target" "build/fuzz/corpus/$target"
each=$(( (total + jobs - 1) / jobs ))
j=0
while [ "$j" -lt "$jobs" ]; do
    build/fuzz/campaign "$target" "$each" "$((j + 1))" "tests/fuzz/corpus/$target" "build/fuzz/corpus/$target" \
        "tests/fuzz/regress/$target" >"build/fuzz/campaign-$target.$j.log" 2>&1 &
    j=$((j + 1))
done
status=0
wait || status=1
execs=0
rate=0
j=0
while [ "$j" -lt "$jobs" ]; do
    log=build/fuzz/campaign-$target.$j.log
    cat "$log"
    grep -q '^campaign: finding' "$log" && status=1
    e=$(sed -n 's/^campaign: [a-z]*: \([0-9]*\) executions in .*/\1/p' "$log")
    r=$(sed -n 's/.* s, \([0-9]*\)\/s, from .*/\1/p' "$log")
    execs=$((execs + ${e:-0}))
    rate=$((rate + ${r:-0}))
    j=$((j + 1))
done
printf '\ncampaign %-8s %12s executions %8s/s in %s process(es)\n' "$target" "$execs" "$rate" "$jobs"
exit $status
