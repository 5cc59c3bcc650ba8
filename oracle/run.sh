#!/bin/bash
# run.sh - the real-kernel oracle, end to end (make oracle).
#
# On a fresh Debian 12 machine, as root: install what is missing, build the
# guest kernels (cached), the static guest program and its initramfs, boot
# each kernel once per experiment under QEMU, collect what the guest
# measured, replay every experiment on pfnlab (oracle/predict) and print
# the table.  A complete run replaces the fixtures in oracle/results/;
# a partial run changes nothing and fails.
#
# Knobs (environment):
#   RAM=512M CMA=128M       guest RAM and cma= size (MiB, "M" suffix optional)
#   F=160 R=160 B=200       filler, region R (borrow/busy/migrate), region B (pin), MiB
#   N=64                    pages of R held by vmsplice in busy
#   KERNELS="6.12 6.1"      linux-source-* versions to build and boot
#   EXPERIMENTS="borrow pin busy migrate"
#   ACCEL=tcg               or kvm
#   BOOT_TIMEOUT=600        seconds per boot
#   JOBS=2                  make -j for the kernel build
#   ORACLE_CACHE=/var/cache/pfnlab-oracle   kernel sources and builds
#   RESULTS=oracle/results  where a complete run is installed
#   SKIP_APT=1              do not run apt-get (fail if something is missing)
# Exit: 0 all agree, 1 the model disagrees somewhere, 2 the run failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
num() { echo "${1%[MmGg]}" | sed 's/[^0-9]//g'; }
RAM_MIB=$(num "${RAM:-512M}"); CMA_MIB=$(num "${CMA:-128M}")
case "${RAM:-512M}" in *[Gg]) RAM_MIB=$((RAM_MIB * 1024));; esac
case "${CMA:-128M}" in *[Gg]) CMA_MIB=$((CMA_MIB * 1024));; esac
F=${F:-160}; R=${R:-160}; B=${B:-200}; N=${N:-64}
KERNELS=${KERNELS:-6.12 6.1}
EXPERIMENTS=${EXPERIMENTS:-borrow pin busy migrate}
ACCEL=${ACCEL:-tcg}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}
export JOBS=${JOBS:-2}
export ORACLE_CACHE=${ORACLE_CACHE:-/var/cache/pfnlab-oracle}
RESULTS=${RESULTS:-$TOP/oracle/results}
WORK=$ORACLE_CACHE/run
T_START=$(date +%s)

die() { echo "oracle: FAILED: $*" >&2; echo "oracle: no agreement is reported from a partial run; $RESULTS is unchanged" >&2; exit 2; }
say() { echo "[$(date +%T)] $*" >&2; }

for v in "$RAM_MIB" "$CMA_MIB" "$F" "$R" "$B" "$N"; do
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || die "sizes must be positive numbers (RAM=$RAM CMA=$CMA F=$F R=$R B=$B N=$N)"
done
[ "$CMA_MIB" -lt "$RAM_MIB" ] || die "CMA ($CMA_MIB MiB) must be smaller than RAM ($RAM_MIB MiB)"
[ $((F + R)) -lt "$RAM_MIB" ] || die "F + R ($((F + R)) MiB) must fit in RAM ($RAM_MIB MiB)"
for e in $EXPERIMENTS; do
	case $e in borrow|pin|busy|migrate) ;; *) die "unknown experiment '$e'";; esac
done
case $ACCEL in tcg|kvm) ;; *) die "ACCEL must be tcg or kvm, not '$ACCEL'";; esac

# ---- packages ----
need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
have_cmd qemu-system-x86_64 || need+=(qemu-system-x86)
have_cmd gcc || need+=(gcc)
have_cmd make || need+=(make)
have_cmd bc || need+=(bc)
have_cmd flex || need+=(flex)
have_cmd bison || need+=(bison)
have_cmd xz || need+=(xz-utils)
have_cmd gzip || need+=(gzip)
have_cmd readelf || need+=(binutils)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
[ -f /usr/include/linux/io_uring.h ] || need+=(linux-libc-dev)
have_pkg libelf-dev || need+=(libelf-dev)
have_pkg libssl-dev || need+=(libssl-dev)
for k in $KERNELS; do [ -r "/usr/src/linux-source-$k.tar.xz" ] || need+=("linux-source-$k"); done
if [ ${#need[@]} -gt 0 ]; then
	if [ -n "${SKIP_APT:-}" ]; then die "missing packages: ${need[*]} (SKIP_APT is set)"; fi
	[ "$(id -u)" = 0 ] || die "missing packages: ${need[*]}; run as root so apt-get can install them"
	say "apt-get install ${need[*]}"
	apt-get update -qq >&2 || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
		die "apt-get install ${need[*]} failed"
fi
for k in $KERNELS; do [ -r "/usr/src/linux-source-$k.tar.xz" ] || die "/usr/src/linux-source-$k.tar.xz missing after install"; done
have_cmd qemu-system-x86_64 || die "qemu-system-x86_64 missing after install"
if [ "$ACCEL" = kvm ] && [ ! -w /dev/kvm ]; then die "ACCEL=kvm but /dev/kvm is not usable"; fi

# ---- pfnlab and the predictor ----
if [ -z "${SKIP_APT:-}" ]; then
	sh "$TOP/scripts/deps.sh" >&2 || die "pfnlab's own build dependencies are missing (scripts/deps.sh)"
fi
say "building pfnlab and oracle/predict"
make -C "$TOP" -s oracle-predict >&2 || die "building libpfnlab/predict failed"
PREDICT=$TOP/build/oracle/predict

# ---- kernels ----
declare -A BZ KSRC KBUILD_S
for k in $KERNELS; do
	t0=$(date +%s)
	bz=$(bash "$HERE/kbuild.sh" "$k" | tail -1) || die "kernel $k: build failed (see above)"
	[ -f "$bz" ] || die "kernel $k: no bzImage"
	BZ[$k]=$bz
	KSRC[$k]=$ORACLE_CACHE/src/linux-source-$k
	KBUILD_S[$k]=$(( $(date +%s) - t0 ))
done

# ---- guest program and initramfs ----
rm -rf "$WORK" && mkdir -p "$WORK/stage" || die "cannot create $WORK"
say "building the guest program (static) and the initramfs"
gcc -O2 -Wall -Wextra -Werror -static -o "$WORK/oracle_init" "$HERE/guest/oracle_init.c" ||
	die "compiling oracle/guest/oracle_init.c failed (needs libc6-dev's static libc)"
first=${KERNELS%% *}
sh "$HERE/mkinitramfs.sh" "${KSRC[$first]}" "$WORK/oracle_init" "$WORK/initrd.cpio.gz" || die "initramfs failed"

# ---- boots ----
ACC="-accel tcg"; [ "$ACCEL" = kvm ] && ACC="-accel kvm -cpu host"
QEMU_V=$(qemu-system-x86_64 --version | head -1)
runinfo=$WORK/stage/run.txt
{
	echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "qemu $QEMU_V ($ACCEL)"
	echo "guest RAM=${RAM_MIB}M cma=${CMA_MIB}M F=${F}M R=${R}M B=${B}M N=$N"
	echo "host $(uname -srm), $(nproc) CPUs"
} >"$runinfo"
for k in $KERNELS; do
	rel=""
	for e in $EXPERIMENTS; do
		log=$WORK/console-$k-$e.log
		say "kernel $k: boot for experiment $e ($ACCEL, -m ${RAM_MIB}M, cma=${CMA_MIB}M)"
		t0=$(date +%s.%N)
		timeout "$BOOT_TIMEOUT" qemu-system-x86_64 $ACC -machine pc -m "${RAM_MIB}M" -smp 1 \
			-display none -monitor none -serial "file:$log" -no-reboot \
			-kernel "${BZ[$k]}" -initrd "$WORK/initrd.cpio.gz" \
			-append "console=ttyS0 loglevel=1 panic=-1 cma=${CMA_MIB}M oracle.exp=$e oracle.f=$F oracle.r=$R oracle.b=$B oracle.n=$N" \
			</dev/null >"$WORK/qemu-$k-$e.out" 2>&1
		rc=$?
		secs=$(echo "$(date +%s.%N) - $t0" | bc)
		[ $rc -eq 124 ] && { tail -20 "$log" >&2; die "kernel $k, $e: the guest timed out after $BOOT_TIMEOUT s (console: $log)"; }
		[ $rc -eq 0 ] || { cat "$WORK/qemu-$k-$e.out" >&2; tail -20 "$log" >&2; die "kernel $k, $e: qemu exited with $rc (console: $log)"; }
		out=$WORK/$k-$e.txt
		{
			echo "RESULT host.ram_mib $RAM_MIB"
			echo "RESULT host.cma_mib $CMA_MIB"
			echo "RESULT host.accel $ACCEL"
			echo "RESULT host.boot_seconds $(printf '%.1f' "$secs")"
			tr -d '\r' <"$log" | grep -E '^(RESULT|TRACE|DMESG|INFO) '
		} >"$out"
		if grep -q '^RESULT error ' "$out"; then
			tail -20 "$log" >&2
			die "kernel $k, $e: the guest program failed: $(grep '^RESULT error ' "$out" | head -1 | cut -d' ' -f3-)"
		fi
		grep -qx 'RESULT end ok' "$out" || { tail -30 "$log" >&2; die "kernel $k, $e: the guest did not finish (no 'RESULT end ok'; console: $log)"; }
		r=$(sed -n 's/^RESULT kernel.release //p' "$out")
		case $r in "$k".*) ;; *) die "kernel $k, $e: the guest ran kernel '$r'";; esac
		[ -z "$rel" ] || [ "$rel" = "$r" ] || die "kernel $k: release changed between boots ($rel, $r)"
		rel=$r
		mkdir -p "$WORK/stage/$rel"
		mv "$out" "$WORK/stage/$rel/$e.txt"
		printf 'boot %s %s %.1f s\n' "$rel" "$e" "$secs" >>"$runinfo"
		say "kernel $rel, $e: done in $(printf '%.1f' "$secs") s"
	done
	echo "kernel_build $k ${KBUILD_S[$k]} s ($(cat "$ORACLE_CACHE/kbuild-$k/.pfnlab-stamp" 2>/dev/null))" >>"$runinfo"
done

# ---- compare ----
dirs=()
for d in "$WORK"/stage/*/; do dirs+=("${d%/}"); done
[ ${#dirs[@]} -gt 0 ] || die "no results"
full=1
for e in borrow pin busy migrate; do case " $EXPERIMENTS " in *" $e "*) ;; *) full="";; esac; done
partial=""; [ -n "$full" ] || partial=--partial
"$PREDICT" $partial --known "$HERE/known-disagreements.txt" --out "$WORK/stage/table.txt" "${dirs[@]}"
prc=$?
[ $prc -le 1 ] || die "oracle/predict could not compare the runs (exit $prc)"
echo "total $(( $(date +%s) - T_START )) s" >>"$runinfo"

# ---- install the complete run as the fixtures ----
if [ -n "$full" ]; then
	mkdir -p "$RESULTS" || die "cannot create $RESULTS"
	for d in "${dirs[@]}"; do rm -rf "$RESULTS/$(basename "$d")"; cp -r "$d" "$RESULTS/"; done
	cp "$WORK/stage/table.txt" "$WORK/stage/run.txt" "$RESULTS/"
	say "results installed in $RESULTS (table.txt, run.txt, one directory per kernel)"
else
	say "not all experiments ran: results left in $WORK/stage, fixtures unchanged"
fi
cat "$runinfo" >&2
exit $prc
