#!/bin/sh
# The progress line: on a terminal (script(1) provides one) after a second
# of work; never in a pipe or file; --no-progress turns it off.
set -u
. "$(dirname "$0")/lib.sh"
# host-month takes under a second on a quiet machine now: a month and a half
# with 300 guests takes three (the host runs fuller), enough to pass the
# second the line waits for
"$PF" run --show host-month | sed 's/^advance 30d$/advance 45d/; s/ count=200 / count=300 /' > "$T/long.scn"
grep -q '^advance 45d$' "$T/long.scn" && grep -q ' count=300 ' "$T/long.scn" || { echo "FAIL: host-month changed shape"; exit 1; }
script -qc "$PF run $T/long.scn --format json" /dev/null > "$T/tty" 2>&1
grep -q 'pfnlab: line [0-9]*, model time' "$T/tty" || { echo "FAIL: no progress line on a terminal"; fail=1; }
"$PF" run "$T/long.scn" --format json > "$T/out" 2> "$T/err"
if grep -q 'model time' "$T/err" "$T/out"; then echo "FAIL: progress line in a pipe or file"; fail=1; fi
script -qc "$PF run $T/long.scn --format json --no-progress" /dev/null > "$T/tty2" 2>&1
if grep -q 'pfnlab: line' "$T/tty2"; then echo "FAIL: --no-progress still shows progress"; fail=1; fi
exit $fail
