#!/bin/sh
# grade-submissions.sh LAB SUBMISSIONS OUT [GRADE_EXTRA]
#
# A teaching assistant's batch: every directory in SUBMISSIONS is one
# student's tree (their handout with their work in it).  Each is graded
# in a copy of its own, with make grade LAB=LAB (and the hidden tests of
# GRADE_EXTRA when given), and OUT gets one line per submission,
#   name,score,max_score,status
# plus OUT.d/NAME.json (the grader's JSON) and OUT.d/NAME.log (make's
# output).  status is "graded", "build-failed" (the tree does not build:
# the log says why) or "timed-out" (GRADE_TIMEOUT seconds, default 600).
# GRADE_HANDOUT=DIR, the lab's handout built once (make -C DIR all
# build/labs/grade): its build seeds each copy, and every file a student
# left as handed out keeps the handout's time, so that only what they
# changed is compiled again (seconds instead of minutes a submission).
# A student's code runs here: run this as a user that can lose nothing,
# or in a container (docs/labs/README.md, "Grading").
set -eu
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: labs/grade-submissions.sh LAB SUBMISSIONS OUT [GRADE_EXTRA]" >&2
    exit 2
fi
lab=$1 subs=$2 out=$3 extra=${4:-}
case "$lab" in [1-9]) ;; *) echo "grade-submissions: '$lab': not a lab number" >&2; exit 2 ;; esac
[ -d "$subs" ] || { echo "grade-submissions: $subs: not a directory" >&2; exit 2; }
if [ -n "$extra" ]; then
    [ -d "$extra" ] || { echo "grade-submissions: $extra: not a directory" >&2; exit 2; }
    extra=$(cd "$extra" && pwd)
fi
timeout_s=${GRADE_TIMEOUT:-600}
work=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-grade.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$out.d"
tmp="$out.tmp"
: > "$tmp"
echo "name,score,max_score,status" >> "$tmp"
for sub in "$subs"/*/; do
    name=$(basename "$sub")
    rm -rf "$work/tree"
    cp -R "$sub" "$work/tree"
    rm -rf "$work/tree/build" # a student's own build is not trusted
    if [ -n "${GRADE_HANDOUT:-}" ]; then
        (cd "$work/tree" && find . -type f -print) | while IFS= read -r f; do
            if cmp -s "$work/tree/$f" "$GRADE_HANDOUT/$f"; then touch -r "$GRADE_HANDOUT/$f" "$work/tree/$f"; fi
        done
        mkdir -p "$work/tree/build"
        cp -Rp "$GRADE_HANDOUT/build/rel" "$GRADE_HANDOUT/build/bin" "$GRADE_HANDOUT/build/guest-os" "$work/tree/build/"
    fi
    log="$out.d/$name.log"
    status=graded
    if ! timeout "$timeout_s" make -C "$work/tree" --no-print-directory -j2 all build/labs/grade > "$log" 2>&1; then
        status=build-failed
    else
        rc=0
        timeout "$timeout_s" make -C "$work/tree" --no-print-directory grade LAB="$lab" \
            ${extra:+GRADE_EXTRA="$extra"} >> "$log" 2>&1 || rc=$?
        [ "$rc" -eq 124 ] && status=timed-out
    fi
    json="$work/tree/build/labs/lab$lab/grade.json"
    score=0 max=0
    if [ "$status" = graded ] && [ -f "$json" ]; then
        cp "$json" "$out.d/$name.json"
        score=$(sed -n 's/^  "score": \([0-9]*\),$/\1/p' "$json")
        max=$(sed -n 's/^  "max_score": \([0-9]*\),$/\1/p' "$json")
    elif [ "$status" = graded ]; then
        status=build-failed
    fi
    echo "$name,$score,$max,$status" >> "$tmp"
    echo "$name: $score/$max ($status)"
done
mv "$tmp" "$out"
echo "grade-submissions: $out"
