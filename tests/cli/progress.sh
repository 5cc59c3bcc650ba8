#!/bin/sh
# The progress line: on a terminal (script(1) provides one) after a second
# of work; never in a pipe or file; --no-progress turns it off.
set -u
. "$(dirname "$0")/lib.sh"
script -qc "$PF run host-month --format json" /dev/null > "$T/tty" 2>&1
grep -q 'pfnlab: line [0-9]*, model time' "$T/tty" || { echo "FAIL: no progress line on a terminal"; fail=1; }
"$PF" run host-month --format json > "$T/out" 2> "$T/err"
if grep -q 'model time' "$T/err" "$T/out"; then echo "FAIL: progress line in a pipe or file"; fail=1; fi
script -qc "$PF run host-month --format json --no-progress" /dev/null > "$T/tty2" 2>&1
if grep -q 'pfnlab: line' "$T/tty2"; then echo "FAIL: --no-progress still shows progress"; fail=1; fi
exit $fail
