#!/bin/sh
# The shared library's interface is include/pfnlab.h (with the headers it
# includes, include/pfnlab/*.h) and nothing else: the
# dynamic symbols libpfnlab.so defines are exactly the functions the header
# declares, each under a PFNLAB_ symbol version; its soname is
# libpfnlab.so.MAJOR; its objects are compiled with -fvisibility=hidden (no
# other global symbol is default-visible).  Every function in the header has
# a comment naming it, each argument (@name:) and, unless void, its return
# (Return:), and docs/libpfnlab.3 mentions it.
set -u
. "$(dirname "$0")/lib.sh"
B=$(dirname "$PF")
MAJ=$(sed -n 's/^#define PFNLAB_VERSION_MAJOR[ \t]*//p' include/pfnlab.h)
MIN=$(sed -n 's/^#define PFNLAB_VERSION_MINOR[ \t]*//p' include/pfnlab.h)
SO=$B/libpfnlab.so.$MAJ.$MIN
[ -f "$SO" ] || { echo "FAIL: no $SO (make builds it)"; exit 1; }

# the functions the header declares: after the preprocessor, NAME( is a declaration
${CC:-cc} -E -P include/pfnlab.h | grep -o 'pfnlab_[a-z0-9_]*(' | tr -d '(' | sort -u > "$T/header"
[ "$(wc -l < "$T/header")" -ge 50 ] || say "only $(wc -l < "$T/header") functions found in include/pfnlab.h"
nm -D --defined-only "$SO" | awk '$2 != "A" { print $3 }' > "$T/dynsym"
sed 's/@.*//' "$T/dynsym" | sort > "$T/exported"
if ! cmp -s "$T/header" "$T/exported"; then
	say "exported symbols differ from include/pfnlab.h's functions (< header only, > exported only):"
	diff "$T/header" "$T/exported" | grep '^[<>]'
fi
grep -v '@@PFNLAB_[0-9]*\.[0-9]*$' "$T/dynsym" | sed 's/^/FAIL: without a PFNLAB_ version: /'
grep -qv '@@PFNLAB_[0-9]*\.[0-9]*$' "$T/dynsym" && fail=1
readelf -d "$SO" | grep -q "(SONAME).*\[libpfnlab.so.$MAJ\]" || say "soname of $SO is not libpfnlab.so.$MAJ"

# -fvisibility=hidden: in the PIC objects only the header's functions are global and default
find "$B/pic" -name '*.o' -exec readelf -Ws {} + |
	awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" { print $8 }' | sort -u > "$T/visible"
[ -s "$T/visible" ] || say "no default-visible symbol in $B/pic"
comm -23 "$T/visible" "$T/header" | sed 's/^/FAIL: default visibility, not in pfnlab.h: /'
[ -n "$(comm -23 "$T/visible" "$T/header")" ] && fail=1

# the header documents every function; the man page names it
awk '
/^\/\*\*/ { doc = ""; indoc = 1 }
indoc { doc = doc "\n" $0; if ($0 ~ /\*\//) { indoc = 0; last = NR }; next }
/^[a-z].*[ *]pfnlab_[a-z0-9_]+\(/ {
	decl = $0; start = NR
	while (decl !~ /\);/ && (getline line) > 0) decl = decl " " line
	name = decl; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
	if (last != start - 1) { print "FAIL: " name ": no /** comment right above it"; bad = 1; next }
	if (doc !~ ("\\*\\*? " name "\\(\\) - ")) { print "FAIL: " name ": its comment does not start " name "() -"; bad = 1 }
	params = decl; sub(/^[^(]*\(/, "", params); sub(/\);.*/, "", params)
	n = split(params, ps, ",")
	for (i = 1; i <= n; i++) {
		p = ps[i]
		if (p ~ /^ *void *$/) continue
		sub(/\[.*/, "", p); sub(/.*[ *]/, "", p)
		if (doc !~ ("@" p ":")) { print "FAIL: " name ": @" p " not described"; bad = 1 }
	}
	if (decl !~ /^void [a-z]/ && doc !~ /Return:/) { print "FAIL: " name ": no Return:"; bad = 1 }
}
END { exit bad }' include/pfnlab.h include/pfnlab/*.h || fail=1
while read -r f; do
	grep -q "$f" docs/libpfnlab.3 || say "docs/libpfnlab.3 does not mention $f()"
done < "$T/header"
exit $fail
