#!/bin/sh
# --kernel and the scenario's kernel=: 6.12's per-CPU lists start with high
# 0 and tune it from their first use (6.1's: the low watermark from boot);
# a run's header and JSON name the kernel; a bad value is refused.
set -u
. "$(dirname "$0")/lib.sh"
high() { # high KERNEL: the first pageset high of DMA32 in /proc/zoneinfo
	"$PF" machine --ram 1G --kernel "$1" --print zoneinfo |
		awk '/^Node 0, zone +DMA32/ { z = 1 } z && /high: / { print $2; exit }'
}
h61=$(high 6.1) h612=$(high 6.12)
[ -n "$h61" ] && [ "$h61" -gt 0 ] || say "6.1: DMA32 pageset high '$h61', want the low watermark (> 0)"
[ "$h612" = 0 ] || say "6.12: DMA32 pageset high '$h612' before any use, want 0"
printf 'machine ram=1G kernel=6.12\nalloc order=0 gfp=GFP_KERNEL|__GFP_DMA32 count=100 as=a\nprint zoneinfo\ncheck\n' > "$T/k.scn"
"$PF" run "$T/k.scn" > "$T/out" 2> "$T/err" || say "run kernel=6.12: exit $? ($(cat "$T/err"))"
grep -q "era current (kernel 6.12)" "$T/out" || say "run kernel=6.12: the header does not name the kernel"
tuned=$(awk '/^Node 0, zone +DMA32/ { z = 1 } z && /high: / { print $2; exit }' "$T/out")
[ -n "$tuned" ] && [ "$tuned" -gt "$h61" ] ||
	say "run kernel=6.12: DMA32 high '$tuned' after a refill, want above 6.1's fixed $h61 (high_min + batch)"
"$PF" run --format json "$T/k.scn" > "$T/j" 2> "$T/err" || say "run --format json kernel=6.12: exit $?"
grep -q '"era": "current", "kernel": "6.12"' "$T/j" || say "run --format json: no \"kernel\": \"6.12\""
"$PF" run --format json > "$T/j" 2> "$T/err" || say "run --format json (the seed): exit $?"
grep -q '"era": "2015", "kernel": "4.2"' "$T/j" || say "the seed's JSON: no \"kernel\": \"4.2\""
printf 'machine kernel=6.13\n' > "$T/bad.scn"
"$PF" run "$T/bad.scn" > "$T/out" 2> "$T/err" && say "kernel=6.13 accepted"
grep -q "bad.scn:1: machine kernel: '6.13' is not one of 6.1|6.12" "$T/err" || say "kernel=6.13: '$(cat "$T/err")'"
exit $fail
