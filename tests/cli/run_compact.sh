#!/bin/sh
# The `compact` verb (echo 1 > /proc/sys/vm/compact_memory): compaction runs
# (its scanners count), the text report gains its compaction line and the
# JSON its "compaction" object; a run without compaction has neither.
set -u
. "$(dirname "$0")/lib.sh"
cat > "$T/c.scn" <<'SCN'
machine preset=x86_64 ram=512M era=current
guest a ram=64M fault=all
guest b ram=64M fault=all
stop a
compact
expect vmstat.compact_migrate_scanned > 0
expect vmstat.compact_free_scanned > 0
SCN
out=$("$PF" run "$T/c.scn") || say "run: exit $?"
printf '%s\n' "$out" | grep -Eq '^  compaction  0 direct stalls \(0 succeeded, 0 failed\); [1-9][0-9]* pages scanned to migrate, [1-9][0-9]* free; [0-9]+ isolated$' ||
	say "no compaction line: $(printf '%s\n' "$out" | tail -3)"
j=$("$PF" run "$T/c.scn" --format json) || say "json: exit $?"
printf '%s' "$j" | grep -Eq '"compaction": \{"migrate_scanned": [1-9][0-9]*, "free_scanned": [1-9]' || say "json lacks compaction"
grep -v '^compact' "$T/c.scn" | grep -v compact_ > "$T/n.scn"
"$PF" run "$T/n.scn" --format json | grep -q '"compaction"' && say "compaction object without compaction"
printf 'compact now\n' > "$T/bad.scn"
"$PF" run "$T/bad.scn" >/dev/null 2>&1; [ $? = 2 ] || say "compact with an argument: not exit 2"
exit $fail
