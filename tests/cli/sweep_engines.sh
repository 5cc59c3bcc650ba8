#!/bin/sh
# The same sweep on every engine gives byte-identical results: the local
# engine, Open MPI (`mpirun -np 3 pfnlab sweep --engine mpi`, and pfnlab
# starting mpirun itself; skipped when mpirun is not installed), and the
# Slurm job array (its tasks run here one after the other, then `pfnlab
# sweep merge`).  size-cma gives the same answer locally and under mpirun.
set -u
. "$(dirname "$0")/lib.sh"
case $PF in /*) ;; *) PF=$(pwd)/$PF ;; esac
D=$(cd "$(dirname "$0")/../data/sweep" && pwd)
same() {
	for f in results.jsonl results.csv summary.json; do
		cmp -s "$1/$f" "$2/$f" || say "$1/$f and $2/$f differ"
	done
}
"$PF" sweep "$D/tiny.sweep" -j 2 --out "$T/local" >"$T/local.txt" 2>&1 || say "local: exit $?"

# Slurm: the script, its tasks, the merge
"$PF" sweep "$D/tiny.sweep" --engine slurm --slices 3 --out "$T/sl" >"$T/sl.txt" 2>&1 || say "slurm: exit $?"
grep -q '^#SBATCH --array=0-2$' "$T/sl/sweep.sbatch" || say "sweep.sbatch: no --array=0-2"
grep -q 'sbatch --dependency=afterany' "$T/sl.txt" || say "slurm: no instructions: $(cat "$T/sl.txt")"
for i in 0 1 2; do
	SLURM_ARRAY_TASK_ID=$i bash "$T/sl/sweep.sbatch" >/dev/null 2>&1 || say "array task $i: exit $?"
done
[ "$(cat "$T"/sl/slice-*/results.jsonl | wc -l)" -eq 24 ] || say "slices hold $(cat "$T"/sl/slice-*/results.jsonl | wc -l) rows, not 24"
"$PF" sweep merge "$T"/sl/slice-0 "$T"/sl/slice-1 --out "$T/part" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "8 of 24 runs have no row" "$T/err" || say "merge of 2 of 3 slices: exit $rc, $(cat "$T/err")"
"$PF" sweep merge "$T"/sl/slice-* --out "$T/sl" >"$T/merge.txt" 2>&1 || say "merge: exit $? $(cat "$T/merge.txt")"
same "$T/local" "$T/sl"
cmp -s "$T/local.txt" "$T/merge.txt" || say "merge prints another table than the local sweep"

if ! command -v mpirun >/dev/null 2>&1; then
	echo "sweep_engines: mpirun not installed (apt-get install openmpi-bin): MPI engine not checked" >&2
	exit $fail
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe -np 3 "$PF" sweep "$D/tiny.sweep" --engine mpi --out "$T/mpi" >"$T/mpi.txt" 2>"$T/mpi.err" \
	|| say "mpirun -np 3: exit $? $(cat "$T/mpi.err")"
same "$T/local" "$T/mpi"
cmp -s "$T/local.txt" "$T/mpi.txt" || say "mpirun prints another table than the local sweep"
# pfnlab starts mpirun itself
"$PF" sweep "$D/tiny.sweep" --engine mpi -j 2 --out "$T/mpi2" >/dev/null 2>"$T/mpi2.err" || say "--engine mpi -j 2: exit $? $(cat "$T/mpi2.err")"
same "$T/local" "$T/mpi2"
# size-cma: the same answer and evidence
"$PF" size-cma "$D/known.scn" --param cma --values '16M..128M step 16M' --target 'expects.failed == 0' \
	--confidence 0.9 -j 2 --out "$T/kl" --format json >"$T/kl.json" 2>&1 || say "size-cma local: exit $?"
mpirun --oversubscribe -np 3 "$PF" size-cma "$D/known.scn" --param cma --values '16M..128M step 16M' \
	--target 'expects.failed == 0' --confidence 0.9 --engine mpi --out "$T/km" --format json >"$T/km.json" 2>&1 \
	|| say "size-cma mpi: exit $? $(cat "$T/km.json")"
cmp -s "$T/kl.json" "$T/km.json" || say "size-cma: local and mpi differ: $(cat "$T/kl.json") / $(cat "$T/km.json")"
grep -q '"answer": "64M"' "$T/kl.json" || say "size-cma: $(cat "$T/kl.json")"
# pfnlab starting mpirun itself returns rank 0's exit code (1: no answer)
(cd "$T" && "$PF" size-cma "$D/known.scn" --values '16M..48M step 16M' --target 'expects.failed == 0' \
	--engine mpi -j 2 --out "$T/kn" >/dev/null 2>&1); rc=$?
[ $rc -eq 1 ] || say "size-cma --engine mpi with no answer: exit $rc (want 1)"
ls -a "$T" | grep -q pfnlab-mpi-status && say "the MPI status file was left behind"
exit $fail
