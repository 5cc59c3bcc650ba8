#!/bin/sh
# bench/sweep.sh [BUILD] - the sweep engine's figures (issue 11):
#   sweep_scaling_2_local  runs/s with -j 2 divided by runs/s with -j 1 (target >= 1.8 on 2 cores)
#   sweep_scaling_2_mpi    the same for mpirun -np 2 over -np 1 (when mpirun is installed)
#   overhead_ms_per_run    wall time per run of a near-empty scenario through the engine (-j 1),
#                          minus the same scenario's run time in-process: an upper bound of the
#                          engine's cost (target <= 5 ms)
#   rss_10k_runs_kib       peak RSS of the sweep process over a 10,000-run sweep (memory flat: rows
#                          stream to disk)
# Prints one JSON object.  Takes about a minute.
set -eu
B=${1:-build}
PF=$(cd "$(dirname "$B/pfnlab")" && pwd)/pfnlab
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# a run of about 50 ms: scaling is measured on real work
cat >"$T/work.sweep" <<'SPEC'
param seed = 1..80
machine preset=x86_64 ram=1G
cma name=big size=64M
kernel unmovable=32M pagecache=64M lifetime=exp:10m
guests count=6 ram=choice:64M,128M every=exp:30m lifetime=exp:2h vfio=50% vfio_type=type1
advance 1h
SPEC
# a near-empty run: the engine's own cost
cat >"$T/empty.sweep" <<'SPEC'
param seed = 1..2000
machine preset=x86_64 ram=16M
SPEC
cat >"$T/many.sweep" <<'SPEC'
param seed = 1..10000
machine preset=x86_64 ram=16M
SPEC
rate() { # rate OUT CMD... : runs per second of a sweep of work.sweep
	o=$1; shift
	t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
	calc "80 / ($t1 - $t0)"
}
best() { # best of 3
	b=0
	for i in 1 2 3; do
		rm -rf "$T/o"
		r=$(rate "$T/o" "$@")
		b=$(calc "($r > $b) ? $r : $b")
	done
	echo "$b"
}
r1=$(best "$PF" sweep "$T/work.sweep" -j 1 --out "$T/o")
r2=$(best "$PF" sweep "$T/work.sweep" -j 2 --out "$T/o")
s_local=$(calc "$r2 / $r1")
s_mpi=null
if command -v mpirun >/dev/null 2>&1; then
	m1=$(best mpirun --oversubscribe -np 1 "$PF" sweep "$T/work.sweep" --engine mpi --out "$T/o")
	m2=$(best mpirun --oversubscribe -np 2 "$PF" sweep "$T/work.sweep" --engine mpi --out "$T/o")
	s_mpi=$(printf '%.3f' "$(calc "$m2 / $m1")")
fi
# overhead: 2000 near-empty runs through the engine vs the same run in-process (pfnlab run, minus exec)
rm -rf "$T/o"
t0=$(now); "$PF" sweep "$T/empty.sweep" -j 1 --out "$T/o" >/dev/null; t1=$(now)
per_run=$(calc "($t1 - $t0) * 1000 / 2000")
printf 'machine preset=x86_64 ram=16M\n' >"$T/e.scn"
t0=$(now); for i in 1 2 3 4 5 6 7 8 9 10; do "$PF" run "$T/e.scn" --format json >/dev/null; done; t1=$(now)
t2=$(now); for i in 1 2 3 4 5 6 7 8 9 10; do "$PF" --version >/dev/null; done; t3=$(now)
in_proc=$(calc "(($t1 - $t0) - ($t3 - $t2)) * 100")
overhead=$(calc "$per_run - $in_proc")
# memory of a 10,000-run sweep
rm -rf "$T/o"
rss=$(/usr/bin/time -f %M "$PF" sweep "$T/many.sweep" -j 2 --out "$T/o" 2>&1 >/dev/null | tail -1)
rm -rf "$T/o"
rss1k=$(sed 's/1\.\.10000/1..1000/' "$T/many.sweep" >"$T/k.sweep"; /usr/bin/time -f %M "$PF" sweep "$T/k.sweep" -j 2 --out "$T/o" 2>&1 >/dev/null | tail -1)
printf '{"runs_per_s_j1": %.1f, "runs_per_s_j2": %.1f, "sweep_scaling_2_local": %.3f, "sweep_scaling_2_mpi": %s, "ms_per_empty_run": %.3f, "overhead_ms_per_run": %.3f, "rss_1k_runs_kib": %s, "rss_10k_runs_kib": %s}\n' \
	"$r1" "$r2" "$s_local" "$s_mpi" "$per_run" "$overhead" "$rss1k" "$rss"
