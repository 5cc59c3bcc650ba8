#!/bin/sh
# oracle_check.sh - pfnlab's predictions still agree with the real kernels
# (the fixtures written by `make oracle`: oracle/results/<release>/ for the
# default size, oracle/results/<size>/<release>/ for every other size run).
# No kernel is booted: oracle/predict replays each recorded experiment on
# the model and compares (outcomes exact, counts within 10%).  Rows listed
# in oracle/known-disagreements.txt are reported, not failed.  One predict
# per size, all at once; the sizes other than the default replay without
# page contents (--no-data: the data-mismatch rows are checked at the
# default size only, and by make oracle), which keeps the whole check near
# a second of CPU; the tables are printed in order.
# Run by tests/run.sh (PF=BUILD/pfnlab) and by `make oracle-check`.
. "$(dirname "$0")/lib.sh"
B=$(dirname "$PF")
P=$B/oracle/predict
[ -x "$P" ] || { echo "oracle_check: $P missing (make $P)"; exit 1; }
set -- oracle/results/*/borrow.txt
[ -f "$1" ] || { echo "oracle_check: no fixtures in oracle/results (run make oracle)"; exit 1; }
# the sizes: "." (the default, oracle/results/<release>) and every oracle/results/<size>
sizes="."
for f in oracle/results/*/*/borrow.txt; do
	[ -f "$f" ] || continue
	s=$(basename "$(dirname "$(dirname "$f")")")
	case " $sizes " in *" $s "*) ;; *) sizes="$sizes $s";; esac
done
check_size() {
	dirs=""
	base=oracle/results nodata=""
	[ "$1" = . ] || { base=oracle/results/$1; nodata=--no-data; }
	for f in "$base"/*/borrow.txt; do dirs="$dirs $(dirname "$f")"; done
	# shellcheck disable=SC2086
	"$P" $nodata --known oracle/known-disagreements.txt $dirs >"$T/$2.out" 2>&1
	echo $? >"$T/$2.rc"
}
i=0
for s in $sizes; do
	i=$((i + 1))
	check_size "$s" "$i" &
done
wait
rc=0; i=0
for s in $sizes; do
	i=$((i + 1))
	r=$(cat "$T/$i.rc")
	if [ "$r" -ne 0 ]; then
		cat "$T/$i.out"
		echo "oracle_check: size $s: pfnlab no longer agrees with the real-kernel fixtures (exit $r)"
		rc=1
	else
		printf 'size %s: ' "$([ "$s" = . ] && echo default || echo "$s")"
		grep -E '^(summary|note):' "$T/$i.out"
	fi
done
exit $rc
