#!/bin/sh
# oracle_check.sh - pfnlab's predictions still agree with the real kernels
# (the fixtures oracle/results/<release>/ written by `make oracle`).
# No kernel is booted: oracle/predict replays each recorded experiment on
# the model and compares (outcomes exact, counts within 10%).  Rows listed
# in oracle/known-disagreements.txt are reported, not failed.
# Run by tests/run.sh (PF=BUILD/pfnlab) and by `make oracle-check`.
B=$(dirname "${PF:-build/pfnlab}")
P=$B/oracle/predict
[ -x "$P" ] || { echo "oracle_check: $P missing (make $P)"; exit 1; }
set -- oracle/results/*/borrow.txt
[ -f "$1" ] || { echo "oracle_check: no fixtures in oracle/results (run make oracle)"; exit 1; }
dirs=""
for f in "$@"; do dirs="$dirs $(dirname "$f")"; done
# shellcheck disable=SC2086
out=$("$P" --known oracle/known-disagreements.txt $dirs 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	printf '%s\n' "$out"
	echo "oracle_check: pfnlab no longer agrees with the real-kernel fixtures (exit $rc)"
	exit 1
fi
printf '%s\n' "$out" | grep -E '^(summary|note):'
exit 0
