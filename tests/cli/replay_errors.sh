#!/bin/sh
# Bad inputs to pfnlab replay: one line on stderr naming the file (and the
# line), exit 2, nothing on stdout; --lenient skips malformed lines; other
# shapes of good input (stdin, .gz, .zst, .dat from a pipe, the 2015 form).
set -u
. "$(dirname "$0")/lib.sh"
D=$(dirname "$0")/../data/traces
DATA=${DATA:-../shared/data}
G=$D/trace_pipe-current.txt
expect 2 "no such file" replay "$T/missing.txt"
expect 2 "is a directory" replay "$T"
: > "$T/empty.txt"; expect 2 "empty.txt: empty file" replay "$T/empty.txt"
{ head -3 "$G"; printf 'ab\000cd\n'; } > "$T/bin.txt"; expect 2 "bin.txt:4: binary data" replay "$T/bin.txt"
gzip -c "$G" > "$T/wrong.xz"; expect 2 "the name says xz but the data is gzip" replay "$T/wrong.xz"
cp "$G" "$T/plain.gz"; expect 2 "the name says gzip but the data is text" replay "$T/plain.gz"
xz -c "$G" | head -c 200 > "$T/cut.txt.xz"; expect 2 "cut.txt.xz: xz data is truncated" replay "$T/cut.txt.xz"
gzip -c "$G" | head -c 200 > "$T/cut.txt.gz"; expect 2 "cut.txt.gz: gzip data is truncated" replay "$T/cut.txt.gz"
xz -c "$G" > "$T/bad.txt.xz"; printf 'XXXXXXXX' | dd of="$T/bad.txt.xz" bs=1 seek=100 conv=notrunc 2> /dev/null
expect 2 "bad.txt.xz: xz data is corrupt" replay "$T/bad.txt.xz"
printf 'hello\nworld\n' > "$T/hello.txt"; expect 2 "no trace events" replay "$T/hello.txt"
# input that is not a trace, or never ends: refused at once, in constant memory
expect 2 "/dev/zero:1: binary data, not trace text" replay /dev/zero
head -c 100M /dev/zero | gzip -1 > "$T/zeros.gz"; expect 2 "zeros.gz:1: binary data" replay "$T/zeros.gz"
head -c 100M /dev/zero | tr '\000' '\n' | gzip -1 > "$T/nl.gz"
expect 2 "nl.gz: no trace events and no trace header in the first 1048576 lines" replay "$T/nl.gz"
head -c 3M /dev/zero | tr '\000' a > "$T/long.txt"; expect 2 "long.txt:1: a line longer than 1048576 bytes" replay "$T/long.txt"
yes | "$PF" replay - --no-progress > "$T/yes.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "<stdin>: no trace events and no trace header in the first 1048576 lines" "$T/yes.out" ||
	say "yes | pfnlab replay -: exit $rc, $(cat "$T/yes.out")"
# one rule for PFNs no machine pfnlab models has (32-bit PFNs): counted in pfn_invalid, never sizing the machine
A='  a-1 [000] .... 9.0: mm_page_alloc: page=0000000012345678 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE pfn='
{ cat "$G"; echo "${A}0xfffffffff" | sed 's/ order=0 \(.*\) pfn=\(.*\)/ pfn=\2 order=0 \1/';
  echo '  a-1 [000] .... 9.0: mm_page_free: page=0000000012345678 pfn=0xffffffffffffffff order=0'; } > "$T/absurd.txt"
j=$("$PF" replay "$T/absurd.txt" --format json --no-progress --check) || say "PFNs no machine has: exit $?"
[ "$(printf '%s' "$j" | jq -c '[.pfn_invalid, .zones.Normal.free_pages_before]')" = "[2,262144]" ] ||
	say "PFNs no machine has: $(printf '%s' "$j" | jq -c '[.pfn_invalid, .zones.Normal.free_pages_before]')"
# a PFN a machine can have, but too large for this host: exit 3 naming the line
{ cat "$G"; echo "${A}0xfffffff0" | sed 's/ order=0 \(.*\) pfn=\(.*\)/ pfn=\2 order=0 \1/'; } > "$T/huge.txt"
expect 3 "huge.txt:16: pfn 0xfffffff0 sizes the machine at 16383 GiB, whose model needs" replay "$T/huge.txt"
{ cat "$G"; echo '  a-1 [000] .... 9.0: mm_page_alloc: page=1 pfn=0x10 order=0 migratetype=1'; } > "$T/mal.txt"
expect 2 "mal.txt:16: mm_page_alloc: no gfp_flags= field" replay "$T/mal.txt"
{ cat "$G"; echo '  a-1 [000] .... 9.0: mm_page_free: page=1 pfn=4096 order=0'; } > "$T/mixed.txt"
expect 2 "mixed.txt:16: mm_page_free: pfn=4096 is in the 2015 (decimal) form" replay "$T/mixed.txt"
head -c 660 "$G" > "$T/trunc.txt"; expect 2 "trunc.txt:5: mm_page_alloc_zone_locked: no order= field" replay "$T/trunc.txt"
expect 2 "which trace" replay
expect 2 "one trace file at a time" replay "$G" "$G"
expect 2 "give no machine options" replay "$G" --snapshot "$T" --ram 4G
expect 2 "--pcp is not supported" replay "$G" --pcp
expect 2 "unknown option '--frob'" replay "$G" --frob
expect 2 "no such directory" replay "$G" --snapshot "$T/none"
if [ -f "$DATA/qemu-debian-6.1/debian-6.1-guest-kmem.trace.dat" ] &&
   ! "$PF" replay "$DATA/qemu-debian-6.1/debian-6.1-guest-kmem.trace.dat" --no-progress 2>&1 >/dev/null | grep -q "built without libtracecmd"; then
	head -c 300000 "$DATA/qemu-debian-6.1/debian-6.1-guest-kmem.trace.dat" > "$T/cut.dat"
	expect 2 "cut.dat: not a readable trace-cmd .dat file" replay "$T/cut.dat"
	n=$("$PF" replay - --format json --no-progress < "$DATA/qemu-debian-6.1/debian-6.1-guest-kmem.trace.dat" | jq .events_total)
	[ "$n" = 4760 ] || say "a .dat on standard input: $n events, want 4760"
fi

# --lenient: the malformed line is counted and skipped
j=$("$PF" replay "$T/mal.txt" --lenient --format json --no-progress) || say "--lenient: exit $?"
[ "$(printf '%s' "$j" | jq -c '[.lines_malformed, .lines_skipped, .events_total]')" = "[1,1,13]" ] || say "--lenient counts: $(printf '%s' "$j" | jq -c '[.lines_malformed, .lines_skipped, .events_total]')"

# the same text through every compression and standard input gives the same summary
want=$("$PF" replay "$G" --format json --no-progress | jq -c 'del(.zones)')
gzip -c "$G" > "$T/g.gz"; xz -c "$G" > "$T/g.xz"
for f in "$T/g.gz" "$T/g.xz"; do
	[ "$("$PF" replay "$f" --format json --no-progress | jq -c 'del(.zones)')" = "$want" ] || say "$f replays differently"
done
if command -v zstd > /dev/null 2>&1; then
	zstd -q -c "$G" > "$T/g.zst"
	[ "$("$PF" replay "$T/g.zst" --format json --no-progress | jq -c 'del(.zones)')" = "$want" ] || say ".zst replays differently"
fi
[ "$("$PF" replay - --format json --no-progress < "$G" | jq -c 'del(.zones)')" = "$want" ] || say "stdin replays differently"
[ "$(printf '%s' "$want" | jq -c '[.lost_events, .lost_lines, .events_unknown, .alloc_failed, .contig_migrated, .contig_mapped]')" = "[1300,2,1,1,13264,13264]" ] ||
	say "trace_pipe-current counts: $(printf '%s' "$want" | jq -c '[.lost_events, .lost_lines, .events_unknown, .alloc_failed, .contig_migrated, .contig_mapped]')"

# the 2015 form: decimal PFNs, old migrate-type numbers, cma_alloc
j=$("$PF" replay "$D/v4.2-trace.txt" --format json --no-progress --check) || say "v4.2 trace: exit $?"
[ "$(printf '%s' "$j" | jq -c '[.era, .allocs, .alloc_failed, .frees_unseen, .cma_alloc_success, .cma_alloc_fail, .zones.DMA32.pageblocks_delta.Unmovable]')" = '["2015",3,1,1,1,1,1]' ] ||
	say "v4.2 trace: $(printf '%s' "$j" | jq -c '[.era, .allocs, .alloc_failed, .frees_unseen, .cma_alloc_success, .cma_alloc_fail, .zones.DMA32.pageblocks_delta.Unmovable]')"
"$PF" help replay | grep -q -- '--lenient' || say "help replay"
"$PF" help snapshot | grep -q -- '--print' || say "help snapshot"
exit $fail
