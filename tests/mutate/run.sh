#!/bin/sh
# run.sh MUTATOR FILES JOBS SUITES TIMEOUT OUT - make mutate's campaign
# (docs/testing.md, "Mutation testing").
#
# Every mutation point of FILES (MUTATOR list) becomes one mutant: the
# file with that one change, written into a private copy of the tree
# (OUT/work/K, one per job; OUT is build/mutate unless MUTATE_OUT says), built there with the rel flags
# (make rebuilds what depends on the file, tools and guest kernel
# included), and tested by running SUITES of the copy's test binary one
# suite at a time, with the copy's tools, until one fails (killed).  A
# suite still running after TIMEOUT seconds is stopped: the mutant counts
# killed, and timed out.  A mutant that does not build is counted apart.
# The tree itself is never written: only OUT.
#
# With MUTATE_ONLY set to a file, only the mutants whose point is a line of
# it run (the survivors of an earlier report, against new tests: killed
# mutants stay killed when tests are only added).
#
# Output: OUT/report.txt (also printed): the counts, the score
# killed / (mutants - not compiled), which suite killed how many, and every
# survivor as FILE:LINE:COL: KIND: ORIGINAL -> REPLACEMENT.  The status
# of every mutant is in OUT/results.txt.
set -u
mutator=$1
files=$2
jobs=$3
suites=$4
timeout=$5
out=$6
top=$(pwd)

case $out in build/*) ;; *) echo "mutate: MUTATE_OUT must be under build/, not '$out'" >&2; exit 2 ;; esac
case $jobs in '' | *[!0-9]* | 0) echo "mutate: MUTATE_JOBS must be a number of at least 1, not '$jobs'" >&2; exit 2 ;; esac
case $timeout in '' | *[!0-9]* | 0) echo "mutate: MUTATE_TIMEOUT must be a number of seconds, not '$timeout'" >&2; exit 2 ;; esac
command -v timeout >/dev/null || { echo "mutate: needs timeout(1) (coreutils)" >&2; exit 2; }

start=$(date +%s)
rm -rf "$out/work" "$out/results" "$out/report.txt" "$out/results.txt"
mkdir -p "$out/work" "$out/results" || exit 2
# its own mutator: one rebuilt meanwhile must not renumber the points
cp "$mutator" "$out/mutate" || exit 2
mutator=$out/mutate

# The mutants: FILE, its point's number, the point.
: >"$out/mutants.txt"
for f in $files; do
    [ -f "$f" ] || { echo "mutate: $f: no such file" >&2; exit 2; }
    "$mutator" list "$f" >"$out/points.tmp" || { echo "mutate: $f: cannot list its mutation points" >&2; exit 2; }
    awk -v f="$f" '{ printf "%s\t%d\t%s\n", f, NR, $0 }' "$out/points.tmp" >>"$out/mutants.txt"
done
rm -f "$out/points.tmp"
if [ -n "${MUTATE_ONLY:-}" ]; then
    [ -f "$MUTATE_ONLY" ] || { echo "mutate: MUTATE_ONLY: $MUTATE_ONLY: no such file" >&2; exit 2; }
    awk -F '\t' 'NR == FNR { only[$0] = 1; next } $3 in only' "$MUTATE_ONLY" "$out/mutants.txt" >"$out/only.tmp"
    mv "$out/only.tmp" "$out/mutants.txt"
fi
total=$(wc -l <"$out/mutants.txt" | tr -d ' ')
echo "mutate: $total mutants of $files"
echo "mutate: fast suites: $suites (each stopped after ${timeout}s); $jobs job(s)"

# Build the copy in $1; quiet, its log in $1/build.log.
build() {
    (cd "$1" && make -s BUILD=build all build/rel/tests/vmlab-tests </dev/null >build.log 2>&1)
}

# Run the suites in copy $1 until one fails: prints "pass", or
# "killed SUITE", or "timeout SUITE".
run_suites() {
    for s in $suites; do
        (cd "$1" && VMLAB_BIN="$top/$1/build/bin" VMLAB_REL_BIN="$top/$1/build/bin" VMLAB_LIB="$top/$1/build/rel/lib" \
            VMLAB_CC="${CC:-cc}" timeout -k 5 "$timeout" build/rel/tests/vmlab-tests "$s" </dev/null >test.log 2>&1)
        rc=$?
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            echo "timeout $s"
            return
        elif [ "$rc" -ne 0 ]; then
            echo "killed $s"
            return
        fi
    done
    echo pass
}

# A private copy of the tree: the sources as they are now (not as
# committed), and the build with its times, so that only what a mutant
# changes is built again.
for k in $(seq 1 "$jobs"); do
    w=$out/work/$k
    mkdir -p "$w/build" || exit 2
    for e in *; do
        [ "$e" = build ] || cp -pR "$e" "$w/" || exit 2
    done
    cp -pR build/rel build/bin build/guest-os "$w/build/" || exit 2
    if ! build "$w"; then
        echo "mutate: the unmutated copy does not build (see $w/build.log)" >&2
        exit 2
    fi
done
# The unmutated tree must pass, or no mutant's failure means anything.
verdict=$(run_suites "$out/work/1")
if [ "$verdict" != pass ]; then
    echo "mutate: the fast suites fail without any mutant: $verdict (see $out/work/1/test.log)" >&2
    exit 2
fi

# Job K takes mutants K, K+JOBS, ...; it writes each into its copy, builds
# it, runs the suites, and puts the original back before the next file.
worker() {
    k=$1
    w=$out/work/$k
    cur=
    i=0
    while IFS='	' read -r f n point; do
        i=$((i + 1))
        [ $(((i - 1) % jobs)) -eq $((k - 1)) ] || continue
        if [ -n "$cur" ] && [ "$cur" != "$f" ]; then
            cat "$cur" >"$w/$cur" # a new time: make builds it again
        fi
        cur=$f
        if ! "$mutator" write "$f" "$n" "$w/$f" </dev/null; then
            verdict="error cannot-write"
        elif ! build "$w"; then
            verdict="not-compiled -"
        else
            verdict=$(run_suites "$w")
        fi
        [ "$verdict" = pass ] && verdict="survived -"
        printf '%s\t%s\t%s\n' "$i" "$verdict" "$point" >>"$out/results/$k.txt"
        printf 'mutate: %s/%s %s: %s\n' "$i" "$total" "$verdict" "$point"
    done <"$out/mutants.txt"
    [ -n "$cur" ] && cat "$cur" >"$w/$cur"
}

for k in $(seq 1 "$jobs"); do
    worker "$k" &
done
wait

sort -n "$out"/results/*.txt >"$out/results.txt"
end=$(date +%s)
tests/mutate/report.sh "$files" "$suites" $((end - start)) "$jobs" "$out/results.txt" >"$out/report.txt"
cat "$out/report.txt"
