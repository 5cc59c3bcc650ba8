#!/bin/sh
# The replay summary of each real capture agrees with an independent count
# of its lines (awk over the text; `trace-cmd report` for the .dat file):
# events in all and by name, pages allocated and freed, failed allocations,
# extfrag events and ownership changes, lost events, skipped lines.
set -u
. "$(dirname "$0")/lib.sh"
DATA=${DATA:-../shared/data}
[ -d "$DATA" ] || { echo "replay_counts: no $DATA, skipped"; exit 0; }

# count TEXT -> "events skipped pages_allocated pages_freed alloc_failed extfrag own lost" and T/names
count() {
	awk -v names="$T/names" '
	/^#/ || /^[ \t\r]*$/ { skip++; next }
	/^CPU:[0-9]+ \[LOST [0-9]+ EVENTS\]/ { match($0, /LOST [0-9]+/); lost += substr($0, RSTART + 5, RLENGTH - 5); lostl++; next }
	{
		name = ""
		for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+(\.[0-9]+)?:$/ && $(i + 1) ~ /^[a-z0-9_]+:$/) { name = $(i + 1); break }
		if (name == "") { skip++; next }
		sub(/:$/, "", name); ev++; n[name]++
		if (name == "mm_page_alloc" || name == "mm_page_free" || name == "mm_page_free_batched") {
			match($0, / order=[0-9]+/); o = substr($0, RSTART + 7, RLENGTH - 7) + 0
			if (name != "mm_page_alloc") pf += 2 ^ o
			else if ($0 ~ /page=(0+|\(null\)|0x0) pfn=(0x)?0 /) fail++
			else pa += 2 ^ o
		}
		if (name == "mm_page_alloc_extfrag") { ext++; if ($0 ~ /change_ownership=1/) own++ }
	}
	END {
		for (k in n) print k, n[k] > names
		printf "%d %d %d %d %d %d %d %d %d\n", ev, skip, pa, pf, fail, ext, own, lost, lostl
	}' "$1"
}

# compare NAME JSON "counts" [skip-check]
compare() {
	set -- "$1" "$2" $3 "${4:-}"
	name=$1 json=$2
	got="$(printf '%s' "$json" | jq -r '[.events_total, .lines_skipped, .pages_allocated, .pages_freed, .alloc_failed, .extfrag_events, .extfrag_change_ownership, .lost_events, .lost_lines] | map(tostring) | join(" ")')"
	want="$3 $4 $5 $6 $7 $8 $9 ${10} ${11}"
	if [ -n "${12}" ]; then # lines_skipped not comparable (the .dat has no text header)
		got=$(echo "$got" | awk '{$2 = "-"; print}'); want=$(echo "$want" | awk '{$2 = "-"; print}')
	fi
	[ "$got" = "$want" ] || say "$name: replay says [$got], the independent count [$want] (events skipped alloc freed failed extfrag own lost lostlines)"
	sort "$T/names" > "$T/n1"
	printf '%s' "$json" | jq -r '.events_by_name | to_entries[] | "\(.key) \(.value)"' | sort > "$T/n2"
	cmp -s "$T/n1" "$T/n2" || say "$name: events_by_name differs: $(diff "$T/n1" "$T/n2" | tr '\n' ' ')"
	t=$(printf '%s' "$json" | jq '.lines_total == .events_total + .lines_skipped + .lost_lines')
	[ "$t" = true ] || say "$name: lines_total != events_total + lines_skipped + lost_lines"
}

# 1. the 6.18 ftrace capture (text of /sys/kernel/tracing/trace, xz)
F=$DATA/ftrace-linux-6.18-x86_64/trace.txt.xz
if [ -f "$F" ]; then
	xz -dc "$F" > "$T/tr"
	[ "$(wc -l < "$T/tr")" = 67928 ] || say "6.18 capture: not the 67,928 lines its README promises"
	j=$("$PF" replay "$F" --format json --no-progress) || say "replay $F: exit $?"
	compare 6.18 "$j" "$(count "$T/tr")"
	j2=$("$PF" replay - --format json --no-progress < "$T/tr") || say "replay - (stdin): exit $?"
	[ "$(printf '%s' "$j" | jq -c 'del(.zones)')" = "$(printf '%s' "$j2" | jq -c 'del(.zones)')" ] || say "stdin and .xz replays differ"
fi

# 2. the Debian 6.1 trace-cmd .dat capture
F=$DATA/qemu-debian-6.1/debian-6.1-guest-kmem.trace.dat
if [ -f "$F" ] && "$PF" replay "$F" --no-progress 2>&1 >/dev/null | grep -q "built without libtracecmd"; then
	echo "replay_counts: pfnlab built without libtracecmd (scripts/deps.sh installs it); .dat checks skipped"
elif [ -f "$F" ]; then
	j=$("$PF" replay "$F" --format json --no-progress) || say "replay $F: exit $?"
	if command -v trace-cmd >/dev/null 2>&1; then
		trace-cmd report "$F" > "$T/rep" 2>/dev/null
		compare debian-6.1.dat "$j" "$(count "$T/rep")" noskip
	else
		echo "replay_counts: no trace-cmd; checking the .dat against its README's counts"
	fi
	[ "$(printf '%s' "$j" | jq -c '[.events_by_name.mm_page_alloc, .events_by_name.mm_page_free]')" = "[2367,2393]" ] ||
		say "debian-6.1.dat: not the 2,367 allocs and 2,393 frees of its README"
	# the report head (trace-cmd report text, 200 lines) reads as text too
	R=$DATA/qemu-debian-6.1/trace-cmd-report-head.txt
	j=$("$PF" replay "$R" --format json --no-progress) || say "replay $R: exit $?"
	compare report-head "$j" "$(count "$R")"
	[ "$(printf '%s' "$j" | jq .trace_cmd)" = true ] || say "report head: trace-cmd header not recognised"
fi

# 3. the CMA oracle traces (6.1 and 6.12; cma, isolation, migrate and compaction events; phase markers)
for F in "$DATA"/cma-busy-oracle/trace-*.txt; do
	[ -f "$F" ] || continue
	j=$("$PF" replay "$F" --format json --no-progress --ram 512M --cma 128M@380M --check) || say "replay $F: exit $?"
	compare "$(basename "$F")" "$j" "$(count "$F")"
	want=$(awk '/cma_alloc_finish:/ { if ($0 ~ /page=0+ / || $0 ~ /errorno=-/) f++; else s++ } END { print s + 0, f + 0 }' "$F")
	got=$(printf '%s' "$j" | jq -r '"\(.cma_alloc_success) \(.cma_alloc_fail)"')
	[ "$got" = "$want" ] || say "$(basename "$F"): cma_alloc success/fail $got, the trace $want"
	want=$(awk '/mm_migrate_pages:/ { match($0, /nr_succeeded=[0-9]+/); s += substr($0, RSTART + 13, RLENGTH - 13) } END { print s + 0 }' "$F")
	[ "$(printf '%s' "$j" | jq .migrate_succeeded)" = "$want" ] || say "$(basename "$F"): migrate_succeeded differs from $want"
	want=$(grep -c 'test_pages_isolated:.*ret=fail' "$F")
	[ "$(printf '%s' "$j" | jq .isolation_failed)" = "$want" ] || say "$(basename "$F"): isolation_failed differs from $want"
done
exit $fail
