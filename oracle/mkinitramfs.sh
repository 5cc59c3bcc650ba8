#!/bin/sh
# mkinitramfs.sh KSRC INIT OUT [PFNLAB] - pack the static guest program INIT
# as /init of a gzip'd newc initramfs OUT, with /dev/console (the kernel
# opens it for init's stdio) and the mount points INIT uses.  With PFNLAB
# (a pfnlab binary built on this host), also /bin/pfnlab, stripped, and
# every shared library ldd names for it (glibc, libtracefs, libtraceevent,
# ...) at the same path, the dynamic loader included: the guest runs the
# host's own build.  The archive is written by the kernel's own
# usr/gen_init_cpio (compiled from KSRC on first use), so no root, mknod or
# busybox is needed.
set -eu
KSRC=$1; INIT=$2; OUT=$3; PFNLAB=${4:-}
die() { echo "oracle: mkinitramfs: $*" >&2; exit 1; }
[ -f "$KSRC/usr/gen_init_cpio.c" ] || die "$KSRC/usr/gen_init_cpio.c missing"
[ -x "$INIT" ] || die "$INIT is not an executable"
file_is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'INTERP'; }
file_is_static "$INIT" || die "$INIT is dynamically linked; the guest has no libc"
dir=$(dirname "$OUT")
GEN=$dir/gen_init_cpio
if [ ! -x "$GEN" ] || [ "$KSRC/usr/gen_init_cpio.c" -nt "$GEN" ]; then
	gcc -O2 -o "$GEN" "$KSRC/usr/gen_init_cpio.c" || die "cannot compile gen_init_cpio"
fi
list=$dir/initramfs.list
cat >"$list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/null 0666 0 0 c 1 3
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $INIT 0755 0 0
EOF
if [ -n "$PFNLAB" ]; then
	[ -x "$PFNLAB" ] || die "$PFNLAB is not an executable"
	strip -o "$dir/pfnlab" "$PFNLAB" || die "cannot strip $PFNLAB"
	libs=$(ldd "$PFNLAB" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
	[ -n "$libs" ] || die "ldd names no library for $PFNLAB"
	{
		echo "dir /bin 0755 0 0"
		echo "dir /tmp 01777 0 0"
		echo "file /bin/pfnlab $dir/pfnlab 0755 0 0"
	} >>"$list"
	for l in $libs; do
		# every parent directory once, then the library under its own name
		p=""
		for c in $(dirname "$l" | tr / ' '); do
			p="$p/$c"
			grep -qx "dir $p 0755 0 0" "$list" || echo "dir $p 0755 0 0" >>"$list"
		done
		echo "file $l $(readlink -f "$l") 0755 0 0" >>"$list"
	done
fi
"$GEN" "$list" | gzip -9 >"$OUT" || die "gen_init_cpio failed"
[ -s "$OUT" ] || die "empty $OUT"
