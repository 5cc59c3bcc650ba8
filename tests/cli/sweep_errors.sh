#!/bin/sh
# Malformed sweep specs and bad `pfnlab sweep`/`size-cma` options: one line
# on stderr ("pfnlab: FILE:LINE: message" for specs), exit 2, nothing on
# stdout, no output directory.
set -u
. "$(dirname "$0")/lib.sh"
M='machine preset=x86_64 ram=256M'
# spec EXIT PATTERN LINE... : write the lines to a spec, sweep it, check
spec() {
	want=$1 pat=$2; shift 2
	printf '%s\n' "$@" >"$T/s.sweep"
	out=$(cd "$T" && "$PF" sweep s.sweep --out o 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if [ "$rc" != "$want" ] || ! printf '%s' "$err" | grep -q -- "$pat" || [ -n "$out" ] ||
	   [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || [ -e "$T/o" ]; then
		echo "FAIL: spec [$*] -> exit $rc (want $want), stderr '$err' (want /$pat/), stdout '$out'"
		fail=1
	fi
	rm -rf "$T/o"
}
case $PF in /*) ;; *) PF=$(pwd)/$PF ;; esac

spec 2 "pfnlab: s.sweep:1: param foo: never used (no \${foo} in the scenario s.sweep)" 'param foo = 1..3' "$M"
spec 2 "pfnlab: s.sweep:2: param cma: empty range 10..2 (the end is below the start)" "$M" 'param cma = 10..2' 'cma size=${cma}M'
spec 2 "pfnlab: s.sweep:1: param cma: a step of zero" 'param cma = 16M..64M step 0M' "$M" 'cma size=${cma}'
spec 2 "pfnlab: s.sweep:2: \${cma} is not defined (no 'param cma = ...' line and no repeat variable)" "$M" 'cma size=${cma}'
spec 2 "pfnlab: s.sweep:3: param a: defined twice (first at s.sweep:2)" "$M" 'param a = 1' 'param a = 2' 'cma size=${a}G'
spec 2 "pfnlab: s.sweep:1: param policy: unknown policy 'often'" 'param policy = none, often' "$M"
spec 2 "pfnlab: s.sweep:1: param kvm.cma_ratio: the scenario (s.sweep) has no 'kvm' line" 'param kvm.cma_ratio = 1..3' "$M"
spec 2 "pfnlab: s.sweep:1: param x: 1%..2G: the bounds are not both a percentage" 'param x = 1%..2G' "$M" 'cma size=${x}'
spec 2 "pfnlab: s.sweep:1: param x: '1 ...': a range is A..B \[step S | xF\], no blank around the dots" 'param x = 1 ..4' "$M" 'cma size=${x}M'
spec 2 "pfnlab: s.sweep:1: failure: unknown metric 'hpt.fine'" 'failure hpt.fine' "$M"
spec 2 "pfnlab: s.sweep:1: target: unknown metric 'hpt.fine'" 'target hpt.fine == 0' "$M"
spec 2 "pfnlab: s.sweep:1: scenario: usage" 'scenario' 'param x = 1'
spec 2 "pfnlab: s.sweep:1: scenario nothing-here.scn: No such file" 'scenario nothing-here.scn'
spec 2 "pfnlab: s.sweep: no scenario" 'param x = 1'
# a value the scenario language refuses: found before any run, at its line
spec 2 "pfnlab: s.sweep:3: cma size: '12X' is not a size" 'param x = 12X' "$M" 'cma size=${x}'
# numbers past a long long: refused, not overflowed (UBSan found pow10ll() and rescale() overflowing)
spec 2 "pfnlab: s.sweep:1: param x: '0.0000000000000000001..1' is not a range" 'param x = 0.0000000000000000001..1' "$M" 'cma size=${x}G'
spec 2 "pfnlab: s.sweep:1: param x: 0.00001..100000000000000: too many digits at 5 decimals" 'param x = 0.00001..100000000000000' "$M" 'cma size=${x}G'
# repeat variables are the scenario's, not parameters
printf '%s\n' 'param n = 1, 2' "$M" 'repeat 2 i' '  guest vm${i} ram=${n}0M hpt=off' 'end' >"$T/r.sweep"
"$PF" sweep "$T/r.sweep" --dry-run >/dev/null 2>"$T/err" || { echo "FAIL: repeat variable in a spec: $(cat "$T/err")"; fail=1; }

expect 2 "sweep: which spec?" sweep
expect 2 "sweep: -j: 'x' is not a worker count" sweep s.sweep -j x
expect 2 "sweep: --engine is local, mpi or slurm, not 'grid'" sweep s.sweep --engine grid
expect 2 "sweep: --slice: '3/3' is not I/N" sweep s.sweep --slice 3/3
expect 2 "sweep: unknown option '--fast'" sweep s.sweep --fast
expect 2 "sweep merge: --out DIR is required" sweep merge "$T"
expect 2 "no sweep here" sweep merge "$T" --out "$T/m"
expect 2 "size-cma: --target is required" size-cma seed
expect 2 "size-cma: --confidence: '2' is not a probability" size-cma seed --target 'hpt.failed == 0' --confidence 2
expect 2 "size-cma: --target: target: '=<' is not one of\|size-cma: target" size-cma seed --target 'hpt.failed =< 0'
expect 2 "size-cma: --engine slurm" size-cma seed --target 'hpt.failed == 0' --engine slurm
expect 2 "size-cma: --values: '64M' then '16M': the values are searched smallest first" size-cma seed --target 'hpt.failed == 0' --values '64M,16M'
expect 2 "size-cma: --param ram: neither a param" size-cma seed --param ram --target 'hpt.failed == 0'
exit $fail
