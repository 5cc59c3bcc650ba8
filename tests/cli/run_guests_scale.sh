#!/bin/sh
# Guests by the ten thousand: a `guests` generator of 80,000 guests arriving
# at once, living exponentially distributed lifetimes, finds each of them
# by name when it stops (the host's name index: a lost or misplaced entry
# leaves a guest running, and the counts say so), in bounded time (the
# lookup was linear, the run quadratic: 49 s here before); --max-steps
# stops a million-guest generator early with exit 3.
set -u
. "$(dirname "$0")/lib.sh"

cat > "$T/many.scn" <<'SCN'
machine preset=x86_64 ram=64G
guests count=80000 every=0 ram=256M fault=none lifetime=exp:1h
advance 1s
expect guests.started == 80000
advance 2d
expect guests.stopped == 80000
expect guests.running == 0
SCN
out=$(timeout 120 "$PF" run "$T/many.scn" --no-progress) || say "80,000 guests: exit $?"
printf '%s\n' "$out" | grep -q '^  expect      3 passed, 0 failed$' || say "80,000 guests: $(printf '%s\n' "$out" | grep expect)"

sed 's/count=80000/count=1000000/' "$T/many.scn" > "$T/million.scn"
timeout 120 "$PF" run "$T/million.scn" --max-steps 100000 --no-progress > "$T/out" 2> "$T/err"
rc=$?
[ $rc = 3 ] || say "a million guests with --max-steps 100000: exit $rc (want 3)"
grep -q 'stopped after 100000 steps' "$T/err" || say "a million guests: $(head -c 300 "$T/err")"
exit $fail
