#!/bin/sh
# Maps of the machines that inputs build: pfnlab map --snapshot, and the
# map options of pfnlab snapshot and pfnlab replay.  The cells of the SVG
# must agree with the pageblock counts of the same machine's pagetypeinfo.
set -u
. "$(dirname "$0")/lib.sh"
S=$(dirname "$0")/../data/snapshots/qemu-debian-6.1
G=$(dirname "$0")/../data/traces/trace_pipe-current.txt

# cells ZONE TYPE SVG: the SVG cells of that zone and type
cells() { grep -o "<title>pageblock [0-9]*: PFN [^,]*, $1, $2," "$3" | wc -l; }
# blocks ZONE TYPE PAGETYPEINFO: its "Number of blocks type" count
blocks() {
	awk -v z="$1" -v t="$2" '
		/^Number of blocks type/ { for (i = 5; i <= NF; i++) col[$i] = i - 1; on = 1; next }
		on && $4 == z { print $(col[t] + 1) }' "$3"
}

"$PF" map --snapshot "$S" --svg "$T/m.svg" || say "map --snapshot"
for z in DMA DMA32; do
	for t in Unmovable Movable Reclaimable; do
		[ "$(cells "$z" "$t" "$T/m.svg")" = "$(blocks "$z" "$t" "$S/pagetypeinfo")" ] ||
			say "map --snapshot: $z $t cells $(cells "$z" "$t" "$T/m.svg"), pagetypeinfo $(blocks "$z" "$t" "$S/pagetypeinfo")"
	done
done
"$PF" snapshot "$S" --svg "$T/s.svg" > "$T/s.out" || say "snapshot --svg"
cmp -s "$T/m.svg" "$T/s.svg" || say "snapshot --svg draws another map than map --snapshot"
[ -s "$T/s.out" ] && say "snapshot --svg printed a view nobody asked for"
"$PF" snapshot "$S" --ansi > "$T/a.txt" || say "snapshot --ansi"
grep -q "physical memory" "$T/a.txt" || say "snapshot --ansi: no map"

"$PF" replay "$G" --no-progress --print pagetypeinfo --svg "$T/r.svg" --png "$T/r.png" > "$T/r.out" || say "replay --svg"
[ "$(head -c 4 "$T/r.png" | od -An -c | tr -d ' ')" = "211PNG" ] || say "replay --png: not a PNG"
for t in Unmovable Movable Reclaimable; do
	[ "$(cells Normal "$t" "$T/r.svg")" = "$(blocks Normal "$t" "$T/r.out")" ] ||
		say "replay: Normal $t cells $(cells Normal "$t" "$T/r.svg"), pagetypeinfo $(blocks Normal "$t" "$T/r.out")"
done

expect 2 "replay: --format json holds stdout" replay "$G" --format json --ansi
expect 2 "replay: --pfns, --columns, --title and --kinds go with --svg, --png or --ansi" replay "$G" --pfns 0-100
expect 2 "snapshot: --pfns, --columns, --title and --kinds go with --svg, --png or --ansi" snapshot "$S" --title x
expect 2 "map: --snapshot sets up its own machine" map --snapshot "$S" --ram 1G
expect 2 "map: --scenario or --snapshot, not both" map --snapshot "$S" --scenario seed
expect 2 "$T/none: no such directory" map --snapshot "$T/none"
exit $fail
