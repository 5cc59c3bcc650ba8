#!/bin/sh
# make install into a scratch DESTDIR with PREFIX=/usr, then the installed
# examples/embed.c compiled with pkg-config alone against the installed copy:
# linked with libpfnlab.so (run with LD_LIBRARY_PATH) and with libpfnlab.a
# (pkg-config --static supplies its private libraries).  Both must fail a
# whole-area cma_alloc and name every page they pinned as a culprit, with the
# same output; a C++ program links too.  make uninstall must then remove
# every file install put, and no other.  Under `make asan` the library
# carries ASan/UBSan and so does the example (the sanitizers are read from
# libpfnlab.a itself).
set -u
. "$(dirname "$0")/lib.sh"
B=$(dirname "$PF")
R=$T/root
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s BUILD="$B" DESTDIR="$R" PREFIX=/usr "$@"; }
ver() { sed -n "s/^#define PFNLAB_VERSION_$1[ \t]*//p" include/pfnlab.h; }
command -v pkg-config >/dev/null || { echo "FAIL: pkg-config is not installed"; exit 1; }
MAJ=$(ver MAJOR) MIN=$(ver MINOR) PAT=$(ver PATCH)

san=
nm "$B/libpfnlab.a" 2>/dev/null | grep -q ' U __asan_' && san=address
nm "$B/libpfnlab.a" 2>/dev/null | grep -q ' U __ubsan_' && san=${san:+$san,}undefined
ECFLAGS="-std=c11 -Wall -Wextra -Werror -O1 -g${san:+ -fsanitize=$san -fno-sanitize-recover=all}"

mkdir -p "$R/usr/lib"
echo "not pfnlab's" > "$R/usr/lib/other.txt"
if ! mk install > "$T/out" 2>&1; then say "make install failed"; cat "$T/out"; exit 1; fi
[ -s "$T/out" ] && say "make -s install is not quiet: $(head -c 300 "$T/out")"
for f in usr/bin/pfnlab usr/lib/libpfnlab.so.$MAJ.$MIN usr/lib/libpfnlab.a usr/include/pfnlab.h \
	usr/lib/pkgconfig/pfnlab.pc usr/share/man/man1/pfnlab.1 usr/share/man/man3/libpfnlab.3 \
	usr/share/man/man5/pfnlab-scenario.5 usr/share/doc/pfnlab/examples/embed.c \
	usr/share/man/man1/pfnlab-run.1 usr/share/bash-completion/completions/pfnlab; do
	[ -f "$R/$f" ] || say "install put no /$f"
done
for h in include/pfnlab/*.h; do
	[ -f "$R/usr/$h" ] || say "install put no /usr/$h (pfnlab.h includes it)"
done
[ "$(readlink "$R/usr/lib/libpfnlab.so")" = "libpfnlab.so.$MAJ" ] || say "libpfnlab.so is not a link to libpfnlab.so.$MAJ"
[ "$(readlink "$R/usr/lib/libpfnlab.so.$MAJ")" = "libpfnlab.so.$MAJ.$MIN" ] || say "libpfnlab.so.$MAJ is not a link to libpfnlab.so.$MAJ.$MIN"
readelf -d "$R/usr/lib/libpfnlab.so.$MAJ.$MIN" | grep -q "(SONAME).*\[libpfnlab.so.$MAJ\]" || say "soname is not libpfnlab.so.$MAJ"
"$R/usr/bin/pfnlab" --version | grep -qx "pfnlab $MAJ.$MIN.$PAT" || say "installed pfnlab --version: $("$R/usr/bin/pfnlab" --version 2>&1)"

# pkg-config sees only the DESTDIR, which stands for /
export PKG_CONFIG_SYSROOT_DIR="$R" PKG_CONFIG_LIBDIR="$R/usr/lib/pkgconfig" PKG_CONFIG_PATH=
[ "$(pkg-config --modversion pfnlab)" = "$MAJ.$MIN.$PAT" ] || say "pkg-config --modversion: $(pkg-config --modversion pfnlab 2>&1)"
grep -qx "libdir=/usr/lib" "$R/usr/lib/pkgconfig/pfnlab.pc" || say "pfnlab.pc: libdir is not /usr/lib"
EX=$R/usr/share/doc/pfnlab/examples/embed.c
# shellcheck disable=SC2046,SC2086
cc $ECFLAGS "$EX" $(pkg-config --cflags --libs pfnlab) -o "$T/embed-shared" 2> "$T/cc" || { say "shared build:"; cat "$T/cc"; }
libs=$(pkg-config --static --libs pfnlab | sed 's/-lpfnlab/-Wl,-Bstatic -lpfnlab -Wl,-Bdynamic/')
# shellcheck disable=SC2046,SC2086
cc $ECFLAGS "$EX" $(pkg-config --cflags pfnlab) $libs -o "$T/embed-static" 2> "$T/cc" || { say "static build (pkg-config --static):"; cat "$T/cc"; }
# Libs.private must cover every object of libpfnlab.a, not only those embed.c pulls in
whole=$(pkg-config --static --libs pfnlab | sed 's/-lpfnlab/-Wl,-Bstatic,--whole-archive -lpfnlab -Wl,--no-whole-archive,-Bdynamic/')
# shellcheck disable=SC2086
cc $ECFLAGS "$EX" $(pkg-config --cflags pfnlab) $whole -o "$T/embed-whole" 2> "$T/cc" || { say "libpfnlab.a whole with pkg-config --static's libraries:"; head -5 "$T/cc"; }
# a C++ program links too (extern "C")
printf '#include <pfnlab.h>\n#include <cstring>\nint main() { return std::strcmp(pfnlab_version(), PFNLAB_VERSION) != 0; }\n' > "$T/cxx.cc"
# shellcheck disable=SC2046,SC2086
c++ ${ECFLAGS#-std=c11 } "$T/cxx.cc" $(pkg-config --cflags --libs pfnlab) -o "$T/cxx" 2> "$T/cc" && LD_LIBRARY_PATH="$R/usr/lib" "$T/cxx" \
	|| { say "a C++ program does not build or run against pfnlab.h:"; head -5 "$T/cc"; }
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR PKG_CONFIG_PATH

if [ -x "$T/embed-shared" ]; then
	readelf -d "$T/embed-shared" | grep -q "NEEDED.*\[libpfnlab.so.$MAJ\]" || say "embed-shared does not need libpfnlab.so.$MAJ"
	LD_LIBRARY_PATH="$R/usr/lib" ldd "$T/embed-shared" | grep -q "libpfnlab.so.$MAJ => $R/usr/lib/" \
		|| say "embed-shared does not load the installed libpfnlab"
	LD_LIBRARY_PATH="$R/usr/lib" "$T/embed-shared" > "$T/shared.out" 2>&1 || say "embed-shared exit $?: $(cat "$T/shared.out")"
fi
if [ -x "$T/embed-static" ]; then
	readelf -d "$T/embed-static" | grep -q 'libpfnlab' && say "embed-static needs libpfnlab.so"
	"$T/embed-static" > "$T/static.out" 2>&1 || say "embed-static exit $?: $(cat "$T/static.out")"
fi
for o in shared static; do
	[ -f "$T/$o.out" ] || continue
	n=$(sed -n 's/^\([0-9]*\) pages pinned in CMA, \1 named as long-term pinned culprits$/\1/p' "$T/$o.out")
	lines=$(grep -c '^  pfn 0x[0-9a-f]* .*longterm_pin .* vm1 (space 1) .* by "VFIO container of vm1"$' "$T/$o.out")
	[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$lines" = "$n" ] || say "embed-$o: $n pinned, $lines culprit lines: $(cat "$T/$o.out")"
	grep -qx 'cma_alloc of all of area reserved: EBUSY' "$T/$o.out" || say "embed-$o: the cma_alloc did not fail with EBUSY"
	grep -qx "libpfnlab $MAJ.$MIN.$PAT (header $MAJ.$MIN.$PAT)" "$T/$o.out" || say "embed-$o: pfnlab_version() or PFNLAB_VERSION wrong"
done
[ -f "$T/shared.out" ] && [ -f "$T/static.out" ] && ! cmp -s "$T/shared.out" "$T/static.out" && say "shared and static outputs differ"

if ! mk uninstall > "$T/out" 2>&1 || [ -s "$T/out" ]; then say "make -s uninstall: $(cat "$T/out")"; fi
left=$(cd "$R" && find . -type f -o -type l | sort | tr '\n' ' ')
[ "$left" = "./usr/lib/other.txt " ] || say "after uninstall: $left (want only ./usr/lib/other.txt)"
exit $fail
