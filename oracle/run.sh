#!/bin/bash
# run.sh - the real-kernel oracle, end to end (make oracle).
#
# On a fresh Debian 12 machine, as root: install what is missing, build the
# guest kernels (cached), the static guest program and its initramfs, boot
# each kernel once per experiment under QEMU, collect what the guest
# measured, replay every experiment on pfnlab (oracle/predict) and print
# the table.  A complete run replaces the fixtures of its size (the default
# size in oracle/results/<release>/, any other in
# oracle/results/<size>/<release>/); a partial run changes nothing, unless
# ADD=1: then its experiments join the size's complete fixtures (a new
# experiment), the other experiments' files stay as they were, run.txt
# gains its boots and table.txt is made again from them all.
# A kernel panic during an experiment (an OOM with nothing to kill) is
# recorded as that experiment's outcome, not as a failed run.
#
# Knobs (environment):
#   RAM=512M CMA=128M       guest RAM and cma= size (MiB, "M" suffix optional)
#   F=160 R=160 B=200       filler; region R (borrow/busy/migrate) and the data
#                           file of the pagecache experiments; region B (pin,
#                           pressure); MiB
#   N=64                    pages of R held by vmsplice in busy and busy-shmem
#   SIZE=label              name of this size (default: "default" for the
#                           sizes above, else ram<RAM>m-cma<CMA>m-f<F>-r<R>-b<B>-n<N>)
#   KERNELS="6.12 6.1"      linux-source-* versions to build and boot
#   EXPERIMENTS="borrow pin busy migrate busy-shmem pagecache pagecache-mmap
#                pagecache-dirty pressure compaction pin-hugetlb"
#   ACCEL=tcg               or kvm
#   BOOT_TIMEOUT=600        seconds per boot
#   JOBS=2                  make -j for the kernel build
#   ORACLE_CACHE=/var/cache/pfnlab-oracle   kernel sources and builds
#   RESULTS=oracle/results[/SIZE]  where a complete run is installed
#   ORACLE_WORK=$ORACLE_CACHE/run   scratch directory of the run (emptied)
#   SKIP_APT=1              do not run apt-get (fail if something is missing)
#   ADD=1                   a partial run adds its experiments to the size's fixtures
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
ALL_EXPERIMENTS="borrow pin busy migrate busy-shmem pagecache pagecache-mmap pagecache-dirty pressure compaction pin-hugetlb"
EXPERIMENTS=${EXPERIMENTS:-$ALL_EXPERIMENTS}
ACCEL=${ACCEL:-tcg}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}
export JOBS=${JOBS:-2}
export ORACLE_CACHE=${ORACLE_CACHE:-/var/cache/pfnlab-oracle}
if [ -z "${SIZE:-}" ]; then
	SIZE=ram${RAM_MIB}m-cma${CMA_MIB}m-f$F-r$R-b$B-n$N
	[ "$SIZE" = ram512m-cma128m-f160-r160-b200-n64 ] && SIZE=default
fi
if [ "$SIZE" = default ]; then RESULTS=${RESULTS:-$TOP/oracle/results}; else RESULTS=${RESULTS:-$TOP/oracle/results/$SIZE}; fi
WORK=${ORACLE_WORK:-$ORACLE_CACHE/run}
T_START=$(date +%s)

die() { echo "oracle: FAILED: $*" >&2; echo "oracle: no agreement is reported from a partial run; $RESULTS is unchanged" >&2; exit 2; }
say() { echo "[$(date +%T)] $*" >&2; }

for v in "$RAM_MIB" "$CMA_MIB" "$F" "$R" "$B" "$N"; do
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || die "sizes must be positive numbers (RAM=$RAM CMA=$CMA F=$F R=$R B=$B N=$N)"
done
[ "$CMA_MIB" -lt "$RAM_MIB" ] || die "CMA ($CMA_MIB MiB) must be smaller than RAM ($RAM_MIB MiB)"
[ $((F + R)) -lt "$RAM_MIB" ] || die "F + R ($((F + R)) MiB) must fit in RAM ($RAM_MIB MiB)"
[ $((F + B)) -lt "$RAM_MIB" ] || die "F + B ($((F + B)) MiB) must fit in RAM ($RAM_MIB MiB)"
[ "$N" -ge 2 ] || die "N must be at least 2 (the held pages include the lowest and the highest)"
[[ "$SIZE" =~ ^[A-Za-z0-9._-]+$ ]] || die "SIZE must be a plain name (letters, digits, . _ -), not '$SIZE'"
if [ -n "${ADD:-}" ]; then
	ls "$RESULTS"/*/borrow.txt >/dev/null 2>&1 || die "ADD=1 needs complete fixtures of size $SIZE in $RESULTS"
fi
disk=""
for e in $EXPERIMENTS; do
	case " $ALL_EXPERIMENTS " in *" $e "*) ;; *) die "unknown experiment '$e' (known: $ALL_EXPERIMENTS)";; esac
	case $e in pagecache*) disk=1;; esac
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
[ -z "$disk" ] || have_cmd mke2fs || [ -x /usr/sbin/mke2fs ] || [ -x /sbin/mke2fs ] || need+=(e2fsprogs)
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
make -C "$TOP" -s oracle-predict build/pfnlab >&2 || die "building libpfnlab/predict/pfnlab failed"
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
gcc -O2 -Wall -Wextra -Werror -static -o "$WORK/oracle_init" "$HERE"/guest/*.c ||
	die "compiling oracle/guest/*.c failed (needs libc6-dev's static libc)"
first=${KERNELS%% *}
sh "$HERE/mkinitramfs.sh" "${KSRC[$first]}" "$WORK/oracle_init" "$WORK/initrd.cpio.gz" || die "initramfs failed"
# busy's initramfs also holds pfnlab and its shared libraries (its --what-if and --live run in
# the guest); the other experiments keep the small one, so their memory is as it was
case " $EXPERIMENTS " in *" busy "*)
	mkdir -p "$WORK/pfnlab-initrd" &&
		sh "$HERE/mkinitramfs.sh" "${KSRC[$first]}" "$WORK/oracle_init" "$WORK/pfnlab-initrd/initrd.cpio.gz" \
			"$TOP/build/pfnlab" || die "initramfs with pfnlab failed"
	;;
esac
# the pagecache experiments' disk: ext2 (4 KiB blocks) holding /data, R MiB, made without root
if [ -n "$disk" ]; then
	say "making the ext2 disk image (data file of $R MiB)"
	MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
	mkdir -p "$WORK/diskroot" && "$WORK/oracle_init" mkfile "$WORK/diskroot/data" "$R" ||
		die "writing the data file failed"
	"$MKE2FS" -q -F -t ext2 -b 4096 -m 0 -d "$WORK/diskroot" "$WORK/disk.img" "$((R + R / 8 + 8))M" >&2 ||
		die "mke2fs failed"
	rm -rf "$WORK/diskroot"
fi

# ---- boots ----
ACC="-accel tcg"; [ "$ACCEL" = kvm ] && ACC="-accel kvm -cpu host"
QEMU_V=$(qemu-system-x86_64 --version | head -1)
runinfo=$WORK/stage/run.txt
{
	echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "qemu $QEMU_V ($ACCEL)"
	echo "guest RAM=${RAM_MIB}M cma=${CMA_MIB}M F=${F}M R=${R}M B=${B}M N=$N (size $SIZE)"
	echo "host $(uname -srm), $(nproc) CPUs"
} >"$runinfo"
for k in $KERNELS; do
	rel=""
	for e in $EXPERIMENTS; do
		log=$WORK/console-$k-$e.log
		say "kernel $k: boot for experiment $e ($ACCEL, -m ${RAM_MIB}M, cma=${CMA_MIB}M)"
		drive=()
		case $e in pagecache*) drive=(-drive "file=$WORK/disk.img,if=virtio,format=raw,snapshot=on");; esac
		initrd=$WORK/initrd.cpio.gz
		[ "$e" = busy ] && initrd=$WORK/pfnlab-initrd/initrd.cpio.gz
		t0=$(date +%s.%N)
		timeout "$BOOT_TIMEOUT" qemu-system-x86_64 $ACC -machine pc -m "${RAM_MIB}M" -smp 1 \
			-display none -monitor none -serial "file:$log" -no-reboot "${drive[@]}" \
			-kernel "${BZ[$k]}" -initrd "$initrd" \
			-append "console=ttyS0 loglevel=1 panic=-1 cma=${CMA_MIB}M oracle.exp=$e oracle.f=$F oracle.r=$R oracle.b=$B oracle.n=$N" \
			</dev/null >"$WORK/qemu-$k-$e.out" 2>&1
		rc=$?
		secs=$(echo "$(date +%s.%N) - $t0" | bc)
		[ $rc -eq 124 ] && { tail -20 "$log" >&2; die "kernel $k, $e: the guest timed out after $BOOT_TIMEOUT s (console: $log)"; }
		[ $rc -eq 0 ] || { cat "$WORK/qemu-$k-$e.out" >&2; tail -20 "$log" >&2; die "kernel $k, $e: qemu exited with $rc (console: $log)"; }
		out=$WORK/$k-$e.txt
		panic=$(tr -d '\r' <"$log" | sed -n 's/.*Kernel panic - not syncing: *//p' | head -1)
		{
			echo "RESULT host.ram_mib $RAM_MIB"
			echo "RESULT host.cma_mib $CMA_MIB"
			echo "RESULT host.size $SIZE"
			echo "RESULT host.accel $ACCEL"
			echo "RESULT host.boot_seconds $(printf '%.1f' "$secs")"
			tr -d '\r' <"$log" | grep -aE '^(RESULT|TRACE|DMESG|INFO) '
			# the kernel's answer: a panic (an OOM with only init to kill) ends the experiment
			if [ -n "$panic" ] && ! tr -d '\r' <"$log" | grep -qx 'RESULT end ok'; then
				echo "RESULT outcome panic"
				echo "RESULT outcome.panic $panic"
				tr -d '\r' <"$log" | grep -aE '^\[ *[0-9.]+\] ' | sed 's/^/DMESG console /'
				echo "RESULT end panic"
			fi
		} >"$out"
		if grep -q '^RESULT error ' "$out"; then
			tail -20 "$log" >&2
			die "kernel $k, $e: the guest program failed: $(grep '^RESULT error ' "$out" | head -1 | cut -d' ' -f3-)"
		fi
		grep -qxE 'RESULT end (ok|panic)' "$out" || { tail -30 "$log" >&2; die "kernel $k, $e: the guest did not finish (no 'RESULT end ok'; console: $log)"; }
		[ -z "$panic" ] || say "kernel $k, $e: the kernel panicked: $panic (recorded as the outcome)"
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
for e in $ALL_EXPERIMENTS; do case " $EXPERIMENTS " in *" $e "*) ;; *) full="";; esac; done
partial=""; [ -n "$full" ] || partial=--partial
"$PREDICT" $partial --known "$HERE/known-disagreements.txt" --out "$WORK/stage/table.txt" "${dirs[@]}"
prc=$?
[ $prc -le 1 ] || die "oracle/predict could not compare the runs (exit $prc)"
echo "total $(( $(date +%s) - T_START )) s" >>"$runinfo"

# ---- install the complete run as the fixtures ----
if [ -n "$full" ]; then
	mkdir -p "$RESULTS" || die "cannot create $RESULTS"
	# the previous run of this size (release directories; other sizes' directories stay)
	for old in "$RESULTS"/*/borrow.txt; do [ -f "$old" ] && rm -rf "$(dirname "$old")"; done
	for d in "${dirs[@]}"; do cp -r "$d" "$RESULTS/"; done
	cp "$WORK/stage/table.txt" "$WORK/stage/run.txt" "$RESULTS/"
	say "results installed in $RESULTS (table.txt, run.txt, one directory per kernel)"
elif [ -n "${ADD:-}" ]; then
	# this run's experiments into the fixtures of its size, beside the others
	for d in "${dirs[@]}"; do
		rel=$(basename "$d")
		[ -f "$RESULTS/$rel/borrow.txt" ] || die "ADD=1: $RESULTS/$rel has no complete fixtures of kernel $rel"
		cp "$d"/*.txt "$RESULTS/$rel/" || die "ADD=1: copying into $RESULTS/$rel failed"
	done
	grep '^boot ' "$runinfo" | sed 's/$/ (added)/' >>"$RESULTS/run.txt" || die "ADD=1: cannot extend $RESULTS/run.txt"
	fixed=()
	for d in "$RESULTS"/*/borrow.txt; do fixed+=("$(dirname "$d")"); done
	"$PREDICT" --known "$HERE/known-disagreements.txt" --out "$RESULTS/table.txt" "${fixed[@]}" >/dev/null
	prc=$?
	[ $prc -le 1 ] || die "oracle/predict could not compare the fixtures of $SIZE (exit $prc)"
	say "$EXPERIMENTS added to the fixtures in $RESULTS (table.txt made again, run.txt extended)"
else
	say "not all experiments ran: results left in $WORK/stage, fixtures unchanged"
fi
cat "$runinfo" >&2
exit $prc
