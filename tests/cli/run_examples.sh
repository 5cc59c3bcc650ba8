#!/bin/sh
# Every scenario in examples/ runs to the end with all its expect lines
# passing (exit 0); those whose expect lines name policies run under every
# policy with `pfnlab compare`.
set -u
. "$(dirname "$0")/lib.sh"
D=$(dirname "$0")/../../examples
for f in "$D"/*.scn; do
	if grep -q '^expect .* policy=' "$f"; then
		out=$("$PF" compare "$f" 2>&1) || { echo "FAIL: pfnlab compare $f (exit $?)"; printf '%s\n' "$out" | tail -5; fail=1; }
	else
		out=$("$PF" run "$f" 2>&1) || { echo "FAIL: pfnlab run $f (exit $?)"; printf '%s\n' "$out" | tail -5; fail=1; }
		printf '%s\n' "$out" | grep -Eq '^  expect +[1-9][0-9]* passed, 0 failed$' || { echo "FAIL: $f checks nothing"; fail=1; }
	fi
done
exit $fail
