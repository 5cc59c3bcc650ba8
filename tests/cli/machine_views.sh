#!/bin/sh
# The views of a fresh machine have the kernel's layout: compared line shape
# by line shape with the real captures in tests/data.
set -u
. "$(dirname "$0")/lib.sh"
D=$(dirname "$0")/../data
out=$("$PF" machine --preset x86_64 --ram 4G --print pagetypeinfo --check) || say "machine --print pagetypeinfo exit $?"
# header lines byte for byte as the real 6.18 capture
[ "$(head -4 "$D/pagetypeinfo.6.18")" = "$(printf '%s\n' "$out" | head -4)" ] || say "pagetypeinfo header differs"
printf '%s\n' "$out" | grep -Eq '^Node    0, zone   Normal, type      Movable( +[0-9]+){11} $' || say "no Normal Movable row"
[ "$(printf '%s\n' "$out" | grep -c '^Node    0, zone')" = 15 ] || say "want 15 free-count rows (3 zones x 5 types without CMA)"
printf '%s\n' "$out" | grep -q 'type          CMA' && say "CMA row without CONFIG_CMA"
out=$("$PF" machine --preset x86_64 --ram 4G --cma 256M --print pagetypeinfo) || say "with --cma: exit $?"
printf '%s\n' "$out" | grep -Eq '^Node    0, zone   Normal, type          CMA( +[0-9]+){11} $' || say "no CMA row with --cma"
out=$("$PF" machine --preset x86_64 --ram 4G --print buddyinfo)
[ "$(printf '%s\n' "$out" | head -1)" = "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 " ] || say "DMA buddyinfo line: $(printf '%s\n' "$out" | head -1)"
out=$("$PF" machine --preset ppc64 --ram 64G --print pagetypeinfo)
printf '%s\n' "$out" | grep -q '^Page block order: 8$' || say "ppc64 pageblock order"
printf '%s\n' "$out" | grep -q '^Pages per block:  256$' || say "ppc64 pages per block"
for v in zoneinfo meminfo vmstat extfrag_index unusable_index; do
	"$PF" machine --print $v > /dev/null || say "--print $v"
done
"$PF" --version | grep -Eq '^pfnlab [0-9]+\.[0-9]+\.[0-9]+$' || say "--version"
"$PF" help machine | grep -q -- '--pageblock-order' || say "help machine lacks machine options"
exit $fail
