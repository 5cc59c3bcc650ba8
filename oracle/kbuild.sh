#!/bin/bash
# kbuild.sh VERSION - build (or reuse) the oracle's guest kernel from Debian's
# linux-source-VERSION package; prints the bzImage path on stdout, the last
# line.  Progress goes to stderr; the build log to $CACHE/kbuild-VERSION.log.
#
# The build is cached under $ORACLE_CACHE (default /var/cache/pfnlab-oracle):
# the source is extracted once, and the kernel is rebuilt only when the
# config fragment, the source tarball or the compiler changed (a stamp file
# holds their checksum).  JOBS (default 2) sets make -j.
set -euo pipefail
V=${1:?usage: kbuild.sh VERSION (6.1 or 6.12)}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ORACLE_CACHE:-/var/cache/pfnlab-oracle}
JOBS=${JOBS:-2}
TAR=/usr/src/linux-source-$V.tar.xz
SRC=$CACHE/src/linux-source-$V
OUT=$CACHE/kbuild-$V
LOG=$CACHE/kbuild-$V.log
FRAG=$HERE/kernel.config
die() { echo "oracle: kernel $V: $*" >&2; exit 1; }
say() { echo "[$(date +%T)] kernel $V: $*" >&2; }

[ -r "$TAR" ] || die "$TAR missing (apt-get install linux-source-$V)"
mkdir -p "$CACHE/src" "$OUT" || die "cannot create $CACHE"

stamp=$( { cat "$FRAG"; stat -c '%s %Y' "$TAR"; gcc --version | head -1; } | sha256sum | cut -c1-16)
if [ -f "$OUT/arch/x86/boot/bzImage" ] && [ "$(cat "$OUT/.pfnlab-stamp" 2>/dev/null)" = "$stamp" ]; then
	say "cached build ($OUT, stamp $stamp)"
	echo "$OUT/arch/x86/boot/bzImage"
	exit 0
fi

if [ ! -f "$SRC/.pfnlab-extracted" ]; then
	say "extracting $TAR"
	rm -rf "$SRC"
	tar -C "$CACHE/src" -xf "$TAR" || die "extracting $TAR failed"
	[ -f "$SRC/Makefile" ] || die "$TAR did not unpack to $SRC"
	touch "$SRC/.pfnlab-extracted"
fi

say "configuring (tinyconfig + oracle/kernel.config)"
rm -f "$OUT/.pfnlab-stamp"
{
	make -C "$SRC" O="$OUT" tinyconfig &&
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "$FRAG" &&
	make -C "$SRC" O="$OUT" olddefconfig
} >"$LOG" 2>&1 || { tail -20 "$LOG" >&2; die "configuration failed (log: $LOG)"; }
missing=""
for o in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=y$/\1/p' "$FRAG"); do
	grep -q "^$o=y" "$OUT/.config" || missing="$missing $o"
done
[ -z "$missing" ] || die "options the oracle needs did not survive olddefconfig:$missing"
grep -q '^CONFIG_TRANSPARENT_HUGEPAGE=y' "$OUT/.config" && die "THP is on; the experiments need it off"

say "building bzImage with -j$JOBS (a few minutes; log $LOG)"
t0=$(date +%s)
make -C "$SRC" O="$OUT" -j"$JOBS" bzImage >>"$LOG" 2>&1 || { tail -30 "$LOG" >&2; die "build failed (log: $LOG)"; }
[ -f "$OUT/arch/x86/boot/bzImage" ] || die "build produced no bzImage (log: $LOG)"
echo "$stamp" >"$OUT/.pfnlab-stamp"
say "built in $(( $(date +%s) - t0 )) s"
echo "$OUT/arch/x86/boot/bzImage"
