# lib.sh - sourced by every CLI test (tests/cli/*.sh; tests/run.sh runs
# every other file here as a test, not this one).
# Sets PF (the pfnlab binary), T (a scratch directory removed on exit) and
# fail; say MSG records a failure; expect EXIT PATTERN ARGS... runs pfnlab
# with ARGS and wants exit EXIT, exactly one line on stderr matching
# PATTERN (grep), and nothing on stdout.
PF=${PF:-build/pfnlab}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
expect() {
	want=$1 pat=$2; shift 2
	out=$("$PF" "$@" 2> "$T/e" < /dev/null); rc=$?
	if [ "$rc" != "$want" ] || ! grep -q -- "$pat" "$T/e" || [ -n "$out" ] || [ "$(wc -l < "$T/e")" != 1 ]; then
		say "pfnlab $* -> exit $rc (want $want), stderr '$(cat "$T/e")' (want /$pat/), stdout '$(printf '%s' "$out" | head -c 200)'"
	fi
}
