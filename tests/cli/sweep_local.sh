#!/bin/sh
# pfnlab sweep on the local engine (docs/sweep.md): a tiny sweep writes
# results.jsonl (one row per run), results.csv, summary.json; -j 1 and -j 2
# give byte-identical files; --resume after rows are deleted, after a
# worker is killed and after the whole sweep is killed runs exactly the
# missing runs and ends with the same files; --html writes one page;
# size-cma finds the answer a scenario has by construction.
set -u
. "$(dirname "$0")/lib.sh"
D=$(dirname "$0")/../data/sweep
same() { # same DIR1 DIR2: results and summary byte-identical
	for f in results.jsonl results.csv summary.json; do
		cmp -s "$1/$f" "$2/$f" || say "$1/$f and $2/$f differ"
	done
}

"$PF" sweep "$D/tiny.sweep" -j 1 --out "$T/j1" >"$T/j1.txt" 2>"$T/j1.err" || say "sweep -j 1: exit $? $(cat "$T/j1.err")"
[ "$(wc -l <"$T/j1/results.jsonl")" -eq 24 ] || say "results.jsonl: $(wc -l <"$T/j1/results.jsonl") rows, not 24"
[ "$(wc -l <"$T/j1/results.csv")" -eq 25 ] || say "results.csv: not a header and 24 rows"
head -1 "$T/j1/results.csv" | grep -q '^run,point,params.cma,params.policy,status,scenario,policy,seed,' || say "results.csv header: $(head -1 "$T/j1/results.csv" | cut -c1-80)"
grep -q '"points_detail"' "$T/j1/summary.json" || say "summary.json has no points"
grep -Eq '^48M +migrate-movable +4 +4 ' "$T/j1.txt" || say "printed table: $(cat "$T/j1.txt")"
[ -s "$T/j1.err" ] && say "sweep wrote on stderr (not a terminal): $(cat "$T/j1.err")"
# rows in run order, each with its parameters, seed and the run JSON's keys
awk -F'[ ,]' '{ if ($2 != NR - 1) { print "row " NR " is run " $2; exit 1 } }' "$T/j1/results.jsonl" || say "rows not in run order"
sed -n 6p "$T/j1/results.jsonl" | grep -q '^{"run": 5, "point": 1, "params": {"cma": "16M", "policy": "migrate-movable"}, "status": "ok", "scenario": ".*tiny.sweep", "policy": "migrate-movable", "seed": 2, .*"hpt": {.*"pins": {' \
	|| say "row 5: $(sed -n 6p "$T/j1/results.jsonl" | cut -c1-200)"

"$PF" sweep "$D/tiny.sweep" -j 2 --out "$T/j2" >/dev/null 2>&1 || say "sweep -j 2: exit $?"
same "$T/j1" "$T/j2"

# an existing result directory needs --resume
"$PF" sweep "$D/tiny.sweep" --out "$T/j2" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--resume completes it" "$T/err" || say "rerun into a full --out: exit $rc, $(cat "$T/err")"

# --resume after deleting rows (and tearing the last line): only those run again
cp -r "$T/j1" "$T/del"
sed -i '3d;7d;20d' "$T/del/results.jsonl"
printf '{"run": 23, "point": 5, "par' >>"$T/del/results.jsonl"
"$PF" sweep "$D/tiny.sweep" -j 2 --out "$T/del" --resume >/dev/null 2>"$T/err" || say "--resume: exit $? $(cat "$T/err")"
grep -q "resuming .*: 21 rows kept, crashed or torn rows dropped, 3 runs to go" "$T/err" || say "--resume said: $(cat "$T/err")"
same "$T/j1" "$T/del"

# a worker killed mid-sweep: its run is a "crashed" row, the sweep goes on; --resume redoes it
L=$D/slow.sweep
"$PF" sweep "$L" -j 2 --out "$T/ref" >/dev/null 2>&1 || say "slow sweep: exit $?"
"$PF" sweep "$L" -j 2 --out "$T/kill" >/dev/null 2>"$T/kill.err" &
P=$!
n=0
while [ $n -lt 200 ]; do # a run child stopped before its row (a zombie cannot stop), then killed
	C=$(pgrep -P $P | head -1)
	[ -n "$C" ] && kill -STOP "$C" 2>/dev/null && grep -q '^State:.*T' /proc/"$C"/status 2>/dev/null &&
		kill -9 "$C" 2>/dev/null && break
	sleep 0.02; n=$((n + 1))
done
wait $P; rc=$?
[ $rc -eq 1 ] || say "sweep with a killed worker: exit $rc (want 1)"
grep -q '"status": "crashed", "signal": 9' "$T/kill/results.jsonl" || say "no crashed row for the killed worker"
[ "$(wc -l <"$T/kill/results.jsonl")" -eq 8 ] || say "the sweep did not go on after the killed worker"
grep -q 'crashed: the worker was killed by signal 9' "$T/kill.err" || say "killed worker not reported: $(cat "$T/kill.err")"
"$PF" sweep "$L" -j 2 --out "$T/kill" --resume >/dev/null 2>&1 || say "--resume after a killed worker: exit $?"
same "$T/ref" "$T/kill"

# the whole sweep killed (SIGKILL), then SIGTERM (exit 143): rows so far kept, --resume completes
for sig in KILL TERM; do
	"$PF" sweep "$L" -j 2 --out "$T/k$sig" >/dev/null 2>"$T/k$sig.err" &
	P=$!
	n=0
	while [ $n -lt 200 ] && ! [ -s "$T/k$sig/results.jsonl" ]; do sleep 0.02; n=$((n + 1)); done
	kill -$sig $P
	wait $P; rc=$?
	if [ $sig = TERM ] && [ $rc -ne 0 ]; then
		[ $rc -eq 143 ] && grep -q "interrupted (Terminated)" "$T/k$sig.err" && [ -s "$T/k$sig/summary.json" ] \
			|| say "SIGTERM: exit $rc, $(cat "$T/k$sig.err")"
	fi
	"$PF" sweep "$L" -j 2 --out "$T/k$sig" --resume >/dev/null 2>&1 || say "--resume after SIG$sig: exit $?"
	same "$T/ref" "$T/k$sig"
done

# --html: one self-contained page with a chart per shown metric
"$PF" sweep "$D/tiny.sweep" --out "$T/j1" --resume --html "$T/p.html" >/dev/null 2>&1 || say "--html: exit $?"
grep -q '<svg' "$T/p.html" && ! grep -Eiq '(src|href)="(https?:)?//' "$T/p.html" || say "--html: no inline chart, or something fetched"

# --format json prints summary.json
"$PF" sweep "$D/tiny.sweep" --out "$T/j1" --resume --format json >"$T/s.json" 2>/dev/null
cmp -s "$T/s.json" "$T/j1/summary.json" || say "--format json is not summary.json"

# size-cma: the 64 MiB allocation fits from 64M on, by construction
"$PF" size-cma "$D/known.scn" --param cma --values '16M..256M step 16M' --target 'expects.failed == 0' \
	--confidence 0.9 -j 2 --out "$T/kc" >"$T/kc.txt" 2>&1 || say "size-cma: exit $? $(cat "$T/kc.txt")"
grep -q '^answer: cma = 64M (the target held in 35 of 35 runs)$' "$T/kc.txt" || say "size-cma: $(cat "$T/kc.txt")"
grep -Eq '^48M +20 +0 +0.000 +\[0.000, 0.161\] +misses$' "$T/kc.txt" || say "size-cma evidence for 48M: $(cat "$T/kc.txt")"
"$PF" size-cma "$D/known.scn" --values '16M..48M step 16M' --target 'expects.failed == 0' -j 2 \
	--out "$T/kn" >"$T/kn.txt" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q '^answer: none' "$T/kn.txt" || say "size-cma with no answer: exit $rc, $(cat "$T/kn.txt")"
# the example specs are valid
for f in "$(dirname "$0")"/../../examples/*.sweep; do
	"$PF" sweep "$f" --dry-run >/dev/null 2>"$T/err" || say "$f: $(cat "$T/err")"
done
exit $fail
