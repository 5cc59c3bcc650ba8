#!/bin/sh
# pfnlab replay of a stream that never ends runs in bounded memory.  A
# generator (tests/gen_trace.awk) writes 200 thousand, then 2 million
# events (about 26 MB, then 260 MB of text) into a pipe it keeps open; when
# the --every report of the last event is out, this test reads the replay's
# peak resident memory (VmHWM in /proc/PID/status) itself, then ends the
# replay with SIGTERM: the report of what was read follows, exit 143.  The
# peak of the 2-million-event stream must be within 8 MiB of the peak of
# the 200-thousand one, and a quarter of its text at most: the stream
# cannot have been held.
set -u
. "$(dirname "$0")/lib.sh"
GEN=$(dirname "$0")/../gen_trace.awk

# endless N: replay N generated lines from a pipe that stays open; the peak resident memory (KiB) into $peak
endless() {
	n=$1 events=$(($1 - $1 / 50000)) # every 50000th line is a lost-events line
	rm -f "$T/fifo" "$T/out" "$T/err"
	mkfifo "$T/fifo"
	: > "$T/out" # before the replay's own redirection: the wait below must not read a file not yet there
	(awk -v n="$n" -f "$GEN"; exec sleep 600) > "$T/fifo" &
	gen=$!
	"$PF" replay "$T/fifo" --every "$events" --format json --no-progress > "$T/out" 2> "$T/err" &
	pf=$!
	tries=0
	while [ "$(wc -l < "$T/out")" -lt 1 ] && kill -0 $pf 2> /dev/null && [ $tries -lt 1200 ]; do
		sleep 0.5
		tries=$((tries + 1))
	done
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' /proc/$pf/status 2> /dev/null)
	kill -TERM $pf 2> /dev/null
	wait $pf
	rc=$?
	kill $gen 2> /dev/null
	wait $gen 2> /dev/null
	[ $rc = 143 ] || say "$n lines: exit $rc (want 143 after SIGTERM): $(head -c 300 "$T/err")"
	[ "$(jq -c .events_total "$T/out" | tr '\n' ' ')" = "$events $events " ] ||
		say "$n lines: reports of $(jq -c .events_total "$T/out" | tr '\n' ' ')(want the --every report and the final one, $events events each)"
	grep -q "stopped by SIGTERM" "$T/err" || say "$n lines: stderr $(head -c 300 "$T/err")"
	peak=${hwm:-0}
}

endless 200000
small=$peak
endless 2000000
big=$peak
[ "$small" -gt 0 ] && [ "$big" -gt 0 ] || say "no peak memory read (small '$small', big '$big')"
[ "$big" -le $((small + 8192)) ] || say "peak memory grows with the stream: 200k events $small KiB, 2M events $big KiB"
# 2 million lines of at least 100 bytes each; under AddressSanitizer the
# shadow memory and the allocator's quarantine are not the replay's, so
# there only the growth rule above holds the stream to constant memory
if ! grep -q __asan_init "$PF"; then
	[ $((big * 4)) -le $((2000000 * 100 / 1024)) ] || say "peak memory $big KiB: not a quarter of the stream's text"
fi
exit $fail
