#!/bin/sh
# Outputs (docs/cli.md, "Outputs"; issue 16 items 1-7): a link planted where
# pfnlab writes is refused and its target left as it was (--follow-symlinks
# writes through it); '-' is standard output for every output option; a
# FIFO is written directly and stays a FIFO; a failed run leaves --trace's
# file as it was; a full standard output (/dev/full, read only by the
# kernel) is exit 5 with a message; in sweep --out nothing is written
# through a link, a failed --resume rewrite (a file size limit: the "full
# disk" of a scratch directory) leaves the results as they were, and a
# second sweep on the same --out is refused (exit 6) naming the first.
# Nothing in /dev is written: /dev/full is only a standard output.
set -u
. "$(dirname "$0")/lib.sh"
case $PF in /*) ;; *) PF=$(pwd)/$PF ;; esac
D=$(cd "$(dirname "$0")/../data/sweep" && pwd)
cd "$T" || exit 1

# a link in place of an output: refused, exit 2, its target untouched
echo victim >victim
ln -s victim l.svg
"$PF" map --ram 256M --svg l.svg 2>err; rc=$?
[ $rc -eq 2 ] && grep -q 'l.svg: is a symbolic link' err || say "--svg LINK: exit $rc, $(cat err)"
[ "$(cat victim)" = victim ] || say "--svg LINK wrote through the link"
for opt in --html --trace; do
	"$PF" run --no-progress $opt l.svg >/dev/null 2>err; rc=$?
	[ $rc -eq 2 ] && [ "$(cat victim)" = victim ] || say "run $opt LINK: exit $rc, victim '$(head -c 20 victim)'"
done
# ... written through when asked; the link stays a link
"$PF" --follow-symlinks map --ram 256M --svg l.svg 2>err || say "--follow-symlinks: exit $?, $(cat err)"
[ -L l.svg ] && tail -c 7 victim | grep -q '</svg>' || say "--follow-symlinks did not write the link's target"

# '-' is standard output, for every option; no file named '-'
"$PF" map --ram 256M --svg - | tail -c 7 | grep -q '</svg>' || say "--svg - is not standard output"
"$PF" run --no-progress --html - | grep -q '<html' || say "run --html - is not standard output"
"$PF" run --no-progress --trace - --format json | grep -q '"scenario"' || say "run --trace -: no report"
[ -e ./- ] && say "an output option created a file named '-'"

# a FIFO is written directly and is still a FIFO afterwards
mkfifo fifo
cat fifo >from-fifo &
"$PF" map --ram 256M --svg fifo 2>err || say "--svg FIFO: exit $?, $(cat err)"
wait
[ -p fifo ] || say "the FIFO was replaced"
tail -c 7 from-fifo | grep -q '</svg>' || say "the FIFO's reader got no SVG"

# a run that fails keeps --trace's old file
echo keep >trace.txt
printf 'machine preset=x86_64 ram=256M\nadvance 1s\ncma_alloc area=nope size=16M\n' >fails.scn
"$PF" run fails.scn --trace trace.txt >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && [ "$(cat trace.txt)" = keep ] || say "failed run: exit $rc, --trace file '$(head -c 40 trace.txt)'"
[ "$(ls -A | grep -c '^\.trace')" -eq 0 ] || say "a temporary of --trace was left: $(ls -A)"

# standard output that cannot be written: exit 5 and a message, for each command
for cmd in "run --no-progress --format json" "machine --ram 256M" "map --ram 256M" "help run" "sweep $D/tiny.sweep --dry-run"; do
	# shellcheck disable=SC2086
	"$PF" $cmd >/dev/full 2>err; rc=$?
	[ $rc -eq 5 ] && grep -q 'standard output: No space left on device' err || say "$cmd >/dev/full: exit $rc, $(cat err)"
done

# sweep --out: links there are never written through
mkdir o1 o2
ln -s "$T/victim" o1/results.csv
echo victim >victim
"$PF" sweep "$D/tiny.sweep" --out o1 >/dev/null 2>err || say "sweep with a link at results.csv: exit $?, $(cat err)"
[ "$(cat victim)" = victim ] && [ -f o1/results.csv ] && [ ! -L o1/results.csv ] || say "results.csv written through a link"
ln -s "$T/outside" o2/results.jsonl
"$PF" sweep "$D/tiny.sweep" --out o2 >/dev/null 2>err; rc=$?
[ $rc -eq 2 ] && [ ! -e outside ] || say "a link at results.jsonl: exit $rc, $(cat err)"

# --resume whose rewrite fails (file size limit, SIGXFSZ ignored): the results stay as they were
sed -i '3d' o1/results.jsonl
cp o1/results.jsonl j.bak
cp o1/results.csv c.bak
(trap '' XFSZ; ulimit -f 20; "$PF" sweep "$D/tiny.sweep" --out o1 --resume >/dev/null 2>err); rc=$?
[ $rc -eq 5 ] && grep -q 'left as they were' err || say "--resume over the size limit: exit $rc, $(cat err)"
cmp -s j.bak o1/results.jsonl && cmp -s c.bak o1/results.csv || say "a failed --resume changed the results"
[ "$(ls -A o1 | grep -c '^\.')" -eq 0 ] || say "a failed --resume left temporaries: $(ls -A o1)"
"$PF" sweep "$D/tiny.sweep" --out o1 --resume >/dev/null 2>err || say "--resume: exit $?, $(cat err)"
[ "$(wc -l <o1/results.jsonl)" -eq 24 ] || say "--resume did not complete the results"

# two sweeps on one --out: the second is refused and names the first
"$PF" sweep "$D/slow.sweep" -j 1 --out o3 >/dev/null 2>&1 &
first=$!
for _ in $(seq 100); do grep -q "pid $first" o3/lock 2>/dev/null && break; sleep 0.05; done
"$PF" sweep "$D/slow.sweep" -j 1 --out o3 --resume >/dev/null 2>err; rc=$?
[ $rc -eq 6 ] && grep -q "in use by pfnlab pid $first on " err || say "second sweep: exit $rc, $(cat err)"
wait $first || say "the first sweep: exit $?"
"$PF" sweep "$D/slow.sweep" -j 1 --out o3 --resume >/dev/null 2>err || say "sweep after the first ended: exit $?, $(cat err)"
exit $fail
