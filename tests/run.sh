#!/bin/sh
# run.sh BUILD - runs every test program and the CLI tests, then prints one
# closing line "tests: N passed, N failed" (N counts test cases).  They run
# TEST_JOBS at a time (default: the number of CPUs), each into its own
# output file; the outputs are then printed in the order of the list, so
# the log reads the same however many ran at once.
B=${1:-build}
J=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
R=$(mktemp -d) || exit 1
trap 'rm -rf "$R"' EXIT
pass=0; fail=0; rc=0
# the list, a line each: number, kind, path
n=0
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$((n+1)); echo "$n prog $t"
done > "$R/list"
for s in tests/cli/*.sh; do
	[ -f "$s" ] && [ "$s" != tests/cli/lib.sh ] || continue
	n=$((n+1)); echo "$n cli $s"
done >> "$R/list"
# each item writes R/N.out and R/N.rc (its exit status)
PF="$B/pfnlab" RUN_DIR="$R" xargs -P "$J" -L 1 sh -c '
	if [ "$2" = prog ]; then "$3"; else sh "$3"; fi > "$RUN_DIR/$1.out" 2>&1
	echo $? > "$RUN_DIR/$1.rc"' sh < "$R/list"
while read -r i kind f; do
	out=$(cat "$R/$i.out" 2>/dev/null); r=$(cat "$R/$i.rc" 2>/dev/null || echo 255)
	if [ "$kind" = cli ]; then
		if [ "$r" -eq 0 ]; then pass=$((pass+1)); else echo "FAIL $f"; printf '%s\n' "$out"; fail=$((fail+1)); rc=1; fi
		continue
	fi
	printf '%s\n' "$out" | grep -v ' passed, '
	line=$(printf '%s\n' "$out" | grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then echo "$f: crashed or printed no result (exit $r)"; fail=$((fail+1)); rc=1; continue; fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/'); e=$(echo "$line" | sed -E 's/.* ([0-9]+) failed/\1/')
	pass=$((pass+p)); fail=$((fail+e)); [ "$r" -eq 0 ] || rc=1
	echo "$line"
done < "$R/list"
echo "tests: $pass passed, $fail failed"
[ $fail -eq 0 ] && exit $rc
exit 1
