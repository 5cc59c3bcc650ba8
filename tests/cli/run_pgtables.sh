#!/bin/sh
# Page tables in a scenario: a guest's RAM faulted in takes its PTE tables
# (meminfo's PageTables, nr_page_table_pages: one 4 KiB page per 2 MiB on
# x86_64); pgtables=off takes none; the guest's exit gives them back.
set -u
. "$(dirname "$0")/lib.sh"
scn() {
	printf '%s\n' "machine preset=x86_64 ram=2G $1" 'guest vm1 ram=256M fault=all' 'print vmstat' \
		'stop vm1' 'print vmstat' >"$T/p.scn"
	"$PF" run "$T/p.scn" --format text 2>&1 | grep '^nr_page_table_pages '
}
out=$(scn "") || say "run: no nr_page_table_pages"
[ "$(printf '%s\n' "$out" | head -1)" = "nr_page_table_pages 128" ] || say "256 MiB faulted: want 128 PTE tables: $out"
[ "$(printf '%s\n' "$out" | tail -1)" = "nr_page_table_pages 0" ] || say "after the guest stops: want 0: $out"
out=$(scn "pgtables=off")
[ "$(printf '%s\n' "$out" | head -1)" = "nr_page_table_pages 0" ] || say "pgtables=off: want 0: $out"
"$PF" machine --no-pgtables --print meminfo | grep -q '^PageTables: *0 kB$' || say "machine --no-pgtables: no PageTables line"
exit $fail
