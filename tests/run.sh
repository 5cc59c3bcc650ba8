#!/bin/sh
# run.sh BUILD - runs every test program and the CLI tests, then prints one
# closing line "tests: N passed, N failed" (N counts test cases).
B=${1:-build}
pass=0; fail=0; rc=0
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); r=$?
	printf '%s\n' "$out" | grep -v ' passed, ' 
	line=$(printf '%s\n' "$out" | grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then echo "$t: crashed or printed no result (exit $r)"; fail=$((fail+1)); rc=1; continue; fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/'); f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed/\1/')
	pass=$((pass+p)); fail=$((fail+f)); [ "$r" -eq 0 ] || rc=1
	echo "$line"
done
for s in tests/cli/*.sh; do
	[ -f "$s" ] && [ "$s" != tests/cli/lib.sh ] || continue
	if out=$(PF="$B/pfnlab" sh "$s" 2>&1); then pass=$((pass+1)); else echo "FAIL $s"; printf '%s\n' "$out"; fail=$((fail+1)); rc=1; fi
done
echo "tests: $pass passed, $fail failed"
[ $fail -eq 0 ] && exit $rc
exit 1
