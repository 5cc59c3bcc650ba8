#!/bin/sh
# pfnlab replay streams: a FIFO and a pipe replay as the file does, SIGINT
# and SIGTERM end a stream that never ends with the report of what was
# read (exit 130, 143), --every N reports as it goes.  Nothing in /dev is
# written.
set -u
. "$(dirname "$0")/lib.sh"
G=$(dirname "$0")/../data/traces/trace_pipe-current.txt
GEN=$(dirname "$0")/../gen_trace.awk

# -v notes the peak resident memory (tests/cli/replay_memory.sh bounds it on a stream that never ends)
awk -v n=1000 -f "$GEN" | "$PF" replay - --no-progress -v > /dev/null 2> "$T/v.err" || say "replay -v: exit $?"
grep -q "^pfnlab: note: peak resident memory [0-9]* KiB (VmHWM)$" "$T/v.err" || say "replay -v: $(cat "$T/v.err")"

# a FIFO, a pipe and standard input replay as the file does
want=$("$PF" replay "$G" --format json --no-progress)
mkfifo "$T/fifo"
cat "$G" > "$T/fifo" &
[ "$("$PF" replay "$T/fifo" --format json --no-progress)" = "$want" ] || say "a FIFO replays differently"
[ "$(cat "$G" | "$PF" replay - --format json --no-progress)" = "$want" ] || say "a pipe replays differently"
[ "$(gzip -c "$G" | "$PF" replay - --format json --no-progress)" = "$want" ] || say "a gzip pipe replays differently"

# a stream that never ends: SIGINT while the look-ahead waits for more applies what was read, prints the report, exit 130
(cat "$G"; sleep 4) > "$T/fifo" &
timeout --foreground --preserve-status -s INT 2 "$PF" replay "$T/fifo" --format json --no-progress > "$T/int.json" 2> "$T/int.err"
rc=$?
[ $rc = 130 ] || say "SIGINT: exit $rc (want 130): $(cat "$T/int.err")"
[ "$(jq -c '[.events_total, .lost_events]' "$T/int.json")" = "[13,1300]" ] || say "SIGINT: report $(head -c 200 "$T/int.json")"
grep -q "stopped by SIGINT; the report covers the 15 lines read" "$T/int.err" || say "SIGINT: stderr $(cat "$T/int.err")"
# with --ram events are applied as they come: --every 5 reports twice before SIGTERM, then the final report, exit 143
(cat "$G"; sleep 4) > "$T/fifo" &
timeout --foreground --preserve-status -s TERM 2 "$PF" replay "$T/fifo" --ram 4G --every 5 --format json --no-progress > "$T/term.json" 2> "$T/term.err"
rc=$?
[ $rc = 143 ] || say "SIGTERM: exit $rc (want 143): $(cat "$T/term.err")"
[ "$(jq -c .events_total "$T/term.json" | tr '\n' ' ')" = "5 10 13 " ] || say "--every 5: reports $(jq -c .events_total "$T/term.json" | tr '\n' ' ')"
wait

# --every with text: reports apart by a blank line
[ "$("$PF" replay "$G" --every 6 --no-progress | grep -c '^events_total')" = 3 ] || say "--every 6 (text): not three reports"
expect 2 "replay: --every: invalid value '0'" replay "$G" --every 0
exit $fail
