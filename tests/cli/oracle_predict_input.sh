#!/bin/sh
# oracle_predict_input.sh - oracle/predict on results files a user's knobs
# (or a damaged file) produce: N=1024 held pages (the model's list of held
# PFNs once overflowed a 4 KiB stack buffer), kernel values longer than
# 4 KiB (read whole, not cut), an impossible N and an incomplete run (exit 2
# with a message, no crash).  Built from the committed busy fixture.
B=$(dirname "${PF:-build/pfnlab}")
P=$B/oracle/predict
[ -x "$P" ] || { echo "oracle_predict_input: $P missing"; exit 1; }
set -- oracle/results/*/busy.txt
[ -f "$1" ] || { echo "oracle_predict_input: no busy fixture in oracle/results"; exit 1; }
src=$1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }

# N=1024: the model holds 1024 pages and lists them all
mkdir "$T/n1024"
sed 's/^RESULT param.n .*/RESULT param.n 1024/' "$src" >"$T/n1024/busy.txt"
out=$("$P" --partial "$T/n1024" 2>&1); rc=$?
[ $rc -le 1 ] || say "N=1024: exit $rc: $(printf '%s' "$out" | tail -3)"
printf '%s\n' "$out" | grep -Eq '^busy +R pages held by vmsplice \(in CMA\) +64 +1024 ' ||
	say "N=1024: the model did not hold 1024 pages: $(printf '%s\n' "$out" | grep 'held by vmsplice')"

# kernel values of any length: 3000 held PFNs, the frames in use differ in the last one only
mkdir "$T/long"
list=$(awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%s0x%x", i ? "," : "", 0x20000 + i }')
used=$(awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%s0x%x", i ? "," : "", 0x20000 + i + (i == 2999) }')
grep -v -e '^RESULT held.pfns ' -e '^RESULT held.n ' -e '^RESULT busy.cma_in_use_pfns ' -e '^RESULT busy.cma_in_use ' "$src" >"$T/long/busy.txt"
{ echo "RESULT held.pfns $list"; echo "RESULT held.n 3000"; echo "RESULT busy.cma_in_use_pfns $used"; echo "RESULT busy.cma_in_use 3000"; } >>"$T/long/busy.txt"
out=$("$P" --partial "$T/long" 2>&1); rc=$?
[ $rc -le 1 ] || say "long values: exit $rc"
printf '%s\n' "$out" | grep -Eq '^busy +culprits are exactly the held pages +no ' ||
	say "long values: the 3000-PFN lists were not compared whole: $(printf '%s\n' "$out" | grep 'exactly the held')"

# more held pages than R has: refused, exit 2, no crash
mkdir "$T/bign"
sed 's/^RESULT param.n .*/RESULT param.n 99999999999/' "$src" >"$T/bign/busy.txt"
out=$("$P" --partial "$T/bign" 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q 'the model run failed' || say "impossible N: exit $rc, $(printf '%s' "$out" | tail -1)"

# an incomplete run
mkdir "$T/cut"
head -40 "$src" >"$T/cut/busy.txt"
out=$("$P" --partial "$T/cut" 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q 'incomplete run' || say "incomplete run: exit $rc, $(printf '%s' "$out" | tail -1)"
exit $fail
