#!/bin/sh
# bench/instructions.sh [BUILD] - instructions per operation of the allocator's
# per-operation figures (issue 17), for the model and for the bare buddy floor
# (src/cli/bench_floor.c), counted by callgrind: deterministic, whatever the
# neighbours' load.  For each figure, `pfnlab bench --count FIGURE` builds
# the workload, runs one round to warm up and one measured round inside
# bench_measured(); callgrind collects only inside that function
# (--toggle-collect; GCC may rename a clone of it), and the count is divided by the round's operations.
#   alloc_free_order0   order-0 allocation + free pairs on 4 GiB (default config: per-CPU lists)
#   alloc_free_order0_nopcp   the same with --no-pcp
#   alloc_free_order0_pcp_floor   the order-0 workload on the bare buddy with a bare
#                       per-CPU list in front (src/cli/bench_floor.c): the least an
#                       allocator with the kernel's per-CPU lists could do; reported
#                       with the default model's ratio to it (alloc_free_order0_pcp_instr_x)
#   mixed_order_op      random orders, random alloc/free at 75% of 1 GiB, per operation
#   alloc_free_batch    1 GiB half full; 1,024 allocations then their frees in reverse, per pair
#   replay_instr_per_event  parse + apply of a real trace as replay_events_per_s
#                       replays it (text in memory, fresh machine): callgrind
#                       collects inside pfnlab_replay_feed() over the --quick
#                       rounds; skipped when the capture is not there
# Prints one JSON object; each model figure has its _floor and the ratio (_x).
set -eu
B=${1:-build}
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
count() { # count FIGURE: instructions per operation of its measured round
	ops=$(valgrind --tool=callgrind --toggle-collect='bench_measured*' --callgrind-out-file="$T/cg" \
		"$B/pfnlab" bench --count "$1" 2>"$T/err") || { cat "$T/err" >&2; exit 1; }
	ir=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$T/cg")
	[ -n "$ir" ] && [ "$ops" -gt 0 ] || { echo "instructions.sh: no count for $1" >&2; exit 1; }
	awk "BEGIN { printf \"%.1f\", $ir / $ops }"
}
out="{"
sep=""
for f in alloc_free_order0 alloc_free_order0_nopcp mixed_order_op alloc_free_batch; do
	case $f in alloc_free_order0_nopcp) floor=alloc_free_order0;; *) floor=$f;; esac
	case $f in mixed_order_op) unit=op;; *) unit=pair;; esac
	model=$(count "${f}_ns")
	fl=$(count "${floor}_floor_ns")
	x=$(awk "BEGIN { printf \"%.2f\", $model / $fl }")
	out="$out$sep\"${f}_instr_per_$unit\": $model, \"${f}_floor_instr_per_$unit\": $fl, \"${f}_instr_x\": $x"
	sep=", "
done
# the per-CPU list floor: what the default configuration's lists cost on the bare buddy
pf=$(count alloc_free_order0_pcp_floor_ns)
o0=$(echo "$out" | sed -n 's/.*"alloc_free_order0_instr_per_pair": \([0-9.]*\).*/\1/p')
out="$out, \"alloc_free_order0_pcp_floor_instr_per_pair\": $pf, \"alloc_free_order0_pcp_instr_x\": $(awk "BEGIN { printf \"%.2f\", $o0 / $pf }")"
# the replay: the instructions of every pfnlab_replay_feed() call over the events they replayed
tr=${PFNLAB_BENCH_TRACE:-../shared/data/ftrace-linux-6.18-x86_64/trace.txt.xz}
if [ -r "$tr" ]; then
	events=$("$B/pfnlab" replay --format json "$tr" 2>"$T/err" | sed -n 's/.*"events_total": \([0-9]*\).*/\1/p')
	valgrind --tool=callgrind --compress-strings=no --toggle-collect=pfnlab_replay_feed --callgrind-out-file="$T/cg" \
		"$B/pfnlab" bench --only replay_events_per_s --quick >/dev/null 2>>"$T/err" || { cat "$T/err" >&2; exit 1; }
	ir=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$T/cg")
	calls=$(sed -n '/^cfn=\(.* \)\{0,1\}pfnlab_replay_feed$/{n;s/^calls=\([0-9]*\) .*/\1/p;}' "$T/cg" | head -1)
	[ -n "$ir" ] && [ -n "$calls" ] && [ -n "$events" ] && [ "$events" -gt 0 ] ||
		{ echo "instructions.sh: no count for the replay" >&2; exit 1; }
	out="$out, \"replay_instr_per_event\": $(awk "BEGIN { printf \"%.1f\", $ir / ($calls * $events) }")"
fi
echo "$out}"
