#!/bin/sh
# pfnlab bench --count and --only, which bench/instructions.sh relies on:
# --count runs a per-operation workload and prints a positive number of
# operations on stdout alone; unknown names are exit 2 with one line.
set -u
. "$(dirname "$0")/lib.sh"
n=$("$PF" bench --count alloc_free_batch_floor_ns 2>"$T/e") || say "bench --count alloc_free_batch_floor_ns failed: $(cat "$T/e")"
[ -s "$T/e" ] && say "bench --count printed on stderr: $(cat "$T/e")"
case $n in ''|*[!0-9]*) say "bench --count printed '$n', not a number";; 0) say "bench --count counted no operation";; esac
j=$("$PF" bench --only bytes_per_frame,metadata_bytes_per_frame --format json) || say "bench --only failed"
case $j in '{"bytes_per_frame": '*', "metadata_bytes_per_frame": '*'}') ;; *) say "bench --only: '$j'";; esac
expect 2 "per-operation figure" bench --count build_1tib_s
expect 2 "names no figure: 'nope'" bench --only nope
expect 2 "unknown option '--frobnicate'" bench --frobnicate
exit $fail
