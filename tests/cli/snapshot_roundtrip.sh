#!/bin/sh
# Every /proc snapshot of ../shared/data (extracted in tests/data/snapshots by
# extract.sh) prints back byte for byte as buddyinfo and pagetypeinfo, with the
# whole-state checker passing; also with fewer files and taken mid-isolation.
# Bad snapshots are refused with FILE:LINE and exit 2.
set -u
. "$(dirname "$0")/lib.sh"
S=$(dirname "$0")/../data/snapshots
DATA=${DATA:-../shared/data}
fail=0 n=0

# the fixtures are what extract.sh makes of ../shared/data today
if [ -d "$DATA" ]; then
	sh "$S/extract.sh" "$DATA" "$T/x" && diff -r "$T/x" "$S" -x extract.sh > /dev/null || say "tests/data/snapshots differ from a fresh extract.sh of $DATA"
fi
for d in "$S"/*/; do
	for v in buddyinfo pagetypeinfo; do
		"$PF" snapshot "$d" --print $v --check > "$T/out" 2> "$T/err" || { say "snapshot $d --print $v: exit $? $(cat "$T/err")"; continue; }
		cmp -s "$T/out" "$d/$v" || say "snapshot $d --print $v is not byte for byte the input"
		n=$((n + 1))
	done
done
[ $n -ge 12 ] || say "only $n round trips (want 2 views x 6 snapshots)"

# fewer files: no iomem, no zoneinfo, buddyinfo alone
B=$S/ftrace-6.18-before
mkdir -p "$T/noiomem" "$T/nozone" "$T/buddy"
cp "$B/buddyinfo" "$B/pagetypeinfo" "$B/zoneinfo" "$T/noiomem/"
cp "$B/buddyinfo" "$B/pagetypeinfo" "$T/nozone/"
cp "$B/buddyinfo" "$T/buddy/"
for d in noiomem nozone; do
	for v in buddyinfo pagetypeinfo; do
		"$PF" snapshot "$T/$d" --print $v --check | cmp -s - "$B/$v" || say "snapshot without $d: --print $v differs"
	done
done
"$PF" snapshot "$T/buddy" --print buddyinfo --check | cmp -s - "$B/buddyinfo" || say "buddyinfo-only snapshot differs"
# the spans come from zoneinfo and iomem
"$PF" snapshot "$B" --print zoneinfo > "$T/zi"
for k in "spanned  1044480" "present  782336" "managed  772917" "start_pfn:           1048576" "managed  557056"; do
	grep -q "$k" "$T/zi" || say "snapshot zoneinfo lacks '$k'"
done
# and every watermark line of every zone is the file's, promo included (a zoneinfo that prints it is
# modelled as 6.12's), with the unpopulated Movable zone's 32 (6.12's cap on a movable zone's min)
wm() { grep -E '^Node|^        (boost|min|low|high|promo|spanned|present|managed|cma) ' "$1"; }
wm "$B/zoneinfo" > "$T/wm.want"
wm "$T/zi" | cmp -s - "$T/wm.want" ||
	say "snapshot zoneinfo's watermark lines differ from the file's: $(wm "$T/zi" | diff - "$T/wm.want" | head -4)"
grep -q "^        promo    32$" "$T/zi" || say "snapshot zoneinfo: no promo 32 of the unpopulated Movable zone"

# taken while a pageblock was isolated (the fuzz corpus entry, split at its "@@" lines):
# prints back, the checker passes, -v says so
mkdir -p "$T/iso"
awk -v d="$T/iso" 'BEGIN { n = 0; f[0] = "buddyinfo"; f[1] = "pagetypeinfo" } /^@@$/ { n++; next } { print > (d "/" f[n]) }' \
	"$(dirname "$0")/../../fuzz/corpus/snapshot/isolated-pageblock.txt"
"$PF" snapshot "$T/iso" --print pagetypeinfo --check -v 2> "$T/e" | cmp -s - "$T/iso/pagetypeinfo" ||
	say "a snapshot with an isolated pageblock does not print back"
grep -q "zone DMA32: 1 pageblock isolated when the snapshot was taken" "$T/e" || say "no note on the isolated pageblock: $(cat "$T/e")"

# bad snapshots: one line on stderr naming the file (and line), exit 2, nothing on stdout
expect() { # expect EXIT PATTERN DIR [OPTION]
	out=$("$PF" snapshot "$3" --print pagetypeinfo ${4:-} 2> "$T/e"); rc=$?
	if [ $rc != "$1" ] || ! grep -q -- "$2" "$T/e" || [ -n "$out" ] || [ "$(wc -l < "$T/e")" != 1 ]; then
		say "snapshot $3: exit $rc (want $1), stderr '$(cat "$T/e")' (want /$2/)"
	fi
}
mk() { rm -rf "$T/bad"; mkdir -p "$T/bad"; cp "$B/buddyinfo" "$B/pagetypeinfo" "$B/zoneinfo" "$T/bad/"; }
expect 2 "no such directory" "$T/nonexistent"
mkdir -p "$T/emptydir"; expect 2 "no pagetypeinfo or buddyinfo" "$T/emptydir"
mk; head -c 600 "$B/pagetypeinfo" > "$T/bad/pagetypeinfo"; expect 2 "pagetypeinfo" "$T/bad"
mk; : > "$T/bad/pagetypeinfo"; expect 2 "pagetypeinfo: empty file" "$T/bad"
mk; head -c 4000 /dev/urandom | tr -d '\n' | head -c 3000 > "$T/bad/pagetypeinfo"; expect 2 "pagetypeinfo" "$T/bad"
mk; sed -i '3s/ 9558 / 9557 /' "$T/bad/buddyinfo"; expect 2 "disagree: zone Normal order 0" "$T/bad" --strict
mk; sed -i 's/      3 $/ /' "$T/bad/buddyinfo"; expect 2 "buddyinfo:2: 11 orders here, 10 elsewhere" "$T/bad"
mk; sed -i '1s/^Node 0/Node 1/' "$T/bad/buddyinfo"; expect 2 "buddyinfo:1: node 1" "$T/bad"
mk; sed -i 's/zone   Normal/zone  HighMem/' "$T/bad/buddyinfo"; expect 2 "zone HighMem is not one pfnlab models" "$T/bad"
mk; sed -i 's/^Node 0, zone   Normal           84 /Node 0, zone   Normal           99 /' "$T/bad/pagetypeinfo"; expect 2 "zone Normal has 1103 pageblocks" "$T/bad"
mk; cp "$S/qemu-debian-6.1/buddyinfo" "$T/bad/buddyinfo"; expect 2 "disagree\|different" "$T/bad"
mk; sed -i 's/managed  557056/managed  9557056/' "$T/bad/zoneinfo"; expect 2 "do not fit" "$T/bad"
mk; sed -i -e '/type      Isolate/d' -e 's/      Isolate $/ /' -e 's/^\(Node 0, zone .*\)           0 $/\1/' "$T/bad/pagetypeinfo"
expect 2 "no Isolate row" "$T/bad"
mk; xz -c "$B/pagetypeinfo" > "$T/bad/pagetypeinfo"; "$PF" snapshot "$T/bad" --print pagetypeinfo | cmp -s - "$B/pagetypeinfo" || say "a compressed pagetypeinfo copy is not read"
exit $fail
