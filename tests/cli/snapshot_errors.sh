#!/bin/sh
# Bad snapshots for pfnlab snapshot: one line on stderr naming the directory
# or the file and line, exit 2, nothing on stdout.  CRLF line ends read as
# LF ends do.
set -u
. "$(dirname "$0")/lib.sh"
S=$(dirname "$0")/../data/snapshots/qemu-debian-6.1
# copy DIR: a fresh copy of the good snapshot at $T/DIR
copy() { mkdir "$T/$1" && cp "$S"/buddyinfo "$S"/pagetypeinfo "$T/$1"/; }

expect 2 "$T/none: no such directory" snapshot "$T/none"
expect 2 "buddyinfo: no pagetypeinfo or buddyinfo in it" snapshot "$S/buddyinfo"
mkdir "$T/empty"; expect 2 "$T/empty: no pagetypeinfo or buddyinfo in it" snapshot "$T/empty"
mkdir "$T/e1"; : > "$T/e1/buddyinfo"; : > "$T/e1/pagetypeinfo"
expect 2 "e1/pagetypeinfo: empty file" snapshot "$T/e1"
copy bin; awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%c", 128 + i % 127 }' > "$T/bin/pagetypeinfo"
expect 2 "bin/pagetypeinfo:1: expected the pagetypeinfo header" snapshot "$T/bin"
copy nul; { head -3 "$S/pagetypeinfo"; printf 'ab\000cd\n'; } > "$T/nul/pagetypeinfo"
expect 2 "nul/pagetypeinfo:4: binary data, not text from /proc" snapshot "$T/nul"
copy cut; head -c 700 "$S/pagetypeinfo" > "$T/cut/pagetypeinfo"
expect 2 "cut/pagetypeinfo:9: no counts" snapshot "$T/cut"
copy long; awk 'BEGIN { printf "Node 0, zone   Normal"; for (i = 0; i < 50000; i++) printf " 1"; print "" }' >> "$T/long/buddyinfo"
expect 2 "long/buddyinfo:3: more than 16 orders" snapshot "$T/long"
copy ovf; sed '1s/ 0 / 99999999999999999999999 /' "$S/buddyinfo" > "$T/ovf/buddyinfo"
expect 2 "ovf/buddyinfo:1: '99999999999999999999999' is not a count" snapshot "$T/ovf"
copy neg; sed '1s/ 0 / -5 /' "$S/buddyinfo" > "$T/neg/buddyinfo"
expect 2 "neg/buddyinfo:1: '-5' is not a count" snapshot "$T/neg"
copy zone; sed '1s/DMA /Weird /' "$S/buddyinfo" > "$T/zone/buddyinfo"
expect 2 "zone/buddyinfo:1: zone Weird is not one pfnlab models" snapshot "$T/zone"
copy order; sed 's/^Page block order: 9/Page block order: 12/' "$S/pagetypeinfo" > "$T/order/pagetypeinfo"
expect 2 "order/pagetypeinfo: 512 pages per block for pageblock order 12" snapshot "$T/order"
expect 2 "unknown option '--frob'" snapshot "$S" --frob
# only regular files, of bounded size: a FIFO is refused, not waited on; a decompression bomb stops at 64 MiB
copy fifo; mkfifo "$T/fifo/iomem"; expect 2 "fifo/iomem: a FIFO, not a regular file" snapshot "$T/fifo"
copy bomb; head -c 80M /dev/zero | tr '\000' '\n' | gzip -1 > "$T/bomb/zoneinfo"
expect 2 "bomb/zoneinfo:67108865: 67108864 bytes of text or more (a decompression bomb?): too large" snapshot "$T/bomb"
# buddyinfo read a moment after pagetypeinfo (one order-0 block more): refused only with --strict
copy apart; sed '2s/DMA32     10/DMA32     11/' "$S/buddyinfo" > "$T/apart/buddyinfo"
expect 2 "apart/buddyinfo and .*apart/pagetypeinfo disagree: zone DMA32 order 0 has 11 free blocks" snapshot "$T/apart" --strict
[ "$("$PF" snapshot "$T/apart" -v --print pagetypeinfo 2> "$T/note")" = "$(cat "$S/pagetypeinfo")" ] || say "read apart: pagetypeinfo does not win"
grep -q "zone DMA32: buddyinfo and pagetypeinfo differ by 1 free block (order 0: +1)" "$T/note" || say "read apart: no -v note: $(cat "$T/note")"
[ "$("$PF" snapshot "$T/apart" 2>&1 >/dev/null)" = "" ] || say "read apart: a note without -v"
j=$("$PF" replay "$(dirname "$0")/../data/traces/trace_pipe-current.txt" --snapshot "$T/apart" --format json --no-progress)
[ "$(printf '%s' "$j" | jq -c '[.snapshot.blocks_disagree, .snapshot.buddyinfo_delta.DMA32[0]]')" = "[1,1]" ] || say "read apart: replay JSON snapshot $(printf '%s' "$j" | jq -c .snapshot)"

# what a user without root reads: iomem with zeroed addresses, no pagetypeinfo (mode 0400)
F=$(dirname "$0")/../data/snapshots/ftrace-6.18-before
mkdir "$T/user"; cp "$F/buddyinfo" "$F/zoneinfo" "$T/user/"
sed 's/^[0-9a-f]*-[0-9a-f]*/00000000-00000000/' "$F/iomem" > "$T/user/iomem"
[ "$(grep -c 'System RAM' "$T/user/iomem")" -ge 2 ] || say "the zeroed iomem has fewer than two System RAM lines"
[ "$("$PF" snapshot "$T/user")" = "$(cat "$F/buddyinfo")" ] || say "buddyinfo + zoneinfo + zeroed iomem does not build the machine"
"$PF" snapshot "$T/user" --check > /dev/null || say "buddyinfo + zoneinfo: exit $?"
mkdir "$T/mixed"; cp "$F/pagetypeinfo" "$F/zoneinfo" "$T/mixed/"; { echo "00000000-00000000 : System RAM"; cat "$F/iomem"; } > "$T/mixed/iomem"
expect 2 "mixed/iomem:2: real addresses after zeroed ones (line 1)" snapshot "$T/mixed"

# CRLF: the same machine
copy crlf; for f in buddyinfo pagetypeinfo; do sed 's/$/\r/' "$S/$f" > "$T/crlf/$f"; done
a=$("$PF" snapshot "$S" --print pagetypeinfo) || say "the good snapshot fails"
b=$("$PF" snapshot "$T/crlf" --print pagetypeinfo) || say "the CRLF snapshot fails"
[ -n "$a" ] && [ "$a" = "$b" ] || say "a CRLF snapshot builds a different machine"
exit $fail
