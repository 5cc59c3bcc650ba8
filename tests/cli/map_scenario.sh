#!/bin/sh
# pfnlab map of a scenario: at the end and at a line, SVG, PNG and terminal;
# files are complete and readable like any other; errors exit 2.
set -u
. "$(dirname "$0")/lib.sh"
"$PF" map --scenario seed --policy none --svg "$T/end.svg" --png "$T/end.png" || { echo "FAIL: map of seed"; fail=1; }
tail -c 7 "$T/end.svg" | grep -q '</svg>' || { echo "FAIL: SVG incomplete"; fail=1; }
[ "$(head -c 4 "$T/end.png" | od -An -c | tr -d ' ')" = "211PNG" ] || { echo "FAIL: not a PNG"; fail=1; }
[ -r "$T/end.svg" ] && [ "$(stat -c %a "$T/end.svg")" != 600 ] || { echo "FAIL: SVG mode $(stat -c %a "$T/end.svg")"; fail=1; }
grep -q 'long-term pinned, busy range' "$T/end.svg" || { echo "FAIL: no pinned busy cell at the end under none"; fail=1; }
"$PF" map --scenario seed --policy migrate-movable --svg "$T/mm.svg"
if grep -q 'CMA area kvm_cma, [0-9]*/[0-9]* pages used, [1-9][0-9]* long-term pinned' "$T/mm.svg"; then
	echo "FAIL: pinned pages inside CMA under migrate-movable"; fail=1
fi
"$PF" map --scenario seed --at-line 1 --ansi > "$T/a.txt" || { echo "FAIL: --at-line 1"; fail=1; }
[ "$(wc -l < "$T/a.txt")" -le 27 ] || { echo "FAIL: terminal map too tall"; fail=1; }
"$PF" map --scenario seed --at-line 99999 2>/dev/null; [ $? = 2 ] || { echo "FAIL: --at-line past the end"; fail=1; }
"$PF" map --scenario seed --ram 1G 2>/dev/null; [ $? = 2 ] || { echo "FAIL: machine options with --scenario"; fail=1; }
"$PF" map --at-line 3 2>/dev/null; [ $? = 2 ] || { echo "FAIL: --at-line without --scenario"; fail=1; }
"$PF" map --ram 1G --svg /nonexistent/dir/x.svg 2>/dev/null; [ $? = 2 ] || { echo "FAIL: unwritable file"; fail=1; }
exit $fail
