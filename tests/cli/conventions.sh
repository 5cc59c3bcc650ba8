#!/bin/sh
# The command-line conventions every subcommand shares (docs/cli.md,
# "Conventions"): `--opt=value` is `--opt value`, short flags combine
# (`-nj2`), `--` ends the options, long options are never abbreviated;
# `pfnlab help CMD`, `pfnlab CMD --help` and `-h` print the same text; the man
# pages and the bash completion are made from the same option tables.
set -u
. "$(dirname "$0")/lib.sh"
same() { # same WHAT CMD1 -- CMD2: both succeed with the same stdout
	what=$1; shift
	a=; while [ "$1" != "--" ]; do a="$a $1"; shift; done; shift
	# shellcheck disable=SC2086
	o1=$("$PF" $a 2>&1) r1=$?; o2=$("$PF" "$@" 2>&1); r2=$?
	[ "$r1" = 0 ] && [ "$r2" = 0 ] && [ -n "$o1" ] && [ "$o1" = "$o2" ] ||
		say "$what: 'pfnlab$a' (exit $r1) and 'pfnlab $*' (exit $r2) differ"
}

# --opt=value, combined short options, short values joined or apart
same "--opt=value" machine --ram 1G --print buddyinfo -- machine --ram=1G --print=buddyinfo
same "--opt=value (run)" run --policy migrate-movable --format json --no-progress \
	-- run --policy=migrate-movable --format=json --no-progress
same "-nj2" sweep examples/host-cma.sweep --dry-run --jobs 2 -- sweep examples/host-cma.sweep -nj2
same "-j2" sweep examples/host-cma.sweep -n -j 2 -- sweep examples/host-cma.sweep -n -j2
same "options after operands" sweep examples/host-cma.sweep -n -- sweep -n examples/host-cma.sweep

# "--" ends the options: what follows is an operand, even when it looks like one
printf 'machine preset=x86_64 ram=1G\n' > "$T/-p.scn"
pf=$(cd "$(dirname "$PF")" && pwd)/$(basename "$PF")
(cd "$T" && "$pf" run --no-progress -- -p.scn > out 2> err) || say "run -- -p.scn: exit $? ($(cat "$T/err"))"
grep -q 'pfnlab run: -p.scn' "$T/out" || say "run -- -p.scn did not run the file: $(head -1 "$T/out")"
expect 2 "machine: unexpected operand '--print'" machine --ram 1G -- --print

# errors: one line, exit 2, the option as given
expect 2 "run: unknown option '--polic'" run --polic=none
expect 2 "run: unknown option '--polic'" run --polic none
expect 2 "sweep: unknown option '-x'" sweep s.sweep -x
expect 2 "machine: --no-thp takes no value ('--no-thp=1')" machine --no-thp=1
expect 2 "sweep: -j needs a value" sweep s.sweep -j
expect 2 "run: --seed needs a value" run --seed
expect 2 "machine: --ram: invalid value 'lots'" machine --ram=lots

# one help text: help CMD = CMD --help = CMD -h; every option in it, in the
# man page and in the completion
"$PF" help --completion > "$T/pfnlab.bash" || say "help --completion failed"
command -v bash > /dev/null && { bash -n "$T/pfnlab.bash" || say "the completion script is not valid bash"; }
cmds=$("$PF" help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx help)
[ "$(echo "$cmds" | wc -l)" -ge 9 ] || say "pfnlab help names too few commands: $cmds"
mk=$(sed -n 's/^CLI_COMMANDS := //p' "$(dirname "$0")/../../Makefile")
[ "$mk" = "$(echo $cmds)" ] || say "the Makefile's CLI_COMMANDS ($mk) is not pfnlab help's list ($(echo $cmds))"
"$PF" help --man > "$T/pfnlab.1" || say "help --man failed"
for c in $cmds; do
	"$PF" help "$c" > "$T/h1"; "$PF" "$c" --help > "$T/h2"; "$PF" "$c" -h > "$T/h3"
	cmp -s "$T/h1" "$T/h2" && cmp -s "$T/h1" "$T/h3" || say "help $c, $c --help and $c -h differ"
	grep -q "^usage: pfnlab $c" "$T/h1" || say "help $c has no usage line"
	grep -q "^Exit codes: 0 ok" "$T/h1" || say "help $c has no exit codes"
	"$PF" help --man "$c" > "$T/m" || say "help --man $c failed"
	grep -q "^\.TH PFNLAB-$(echo "$c" | tr a-z A-Z) 1 " "$T/m" || say "pfnlab-$c(1) has no .TH line"
	grep -qF "pfnlab\\-$(echo "$c" | sed 's/-/\\-/g')" "$T/pfnlab.1" || say "pfnlab(1) does not name pfnlab-$c(1)"
	n=$("$PF" help --options "$c" | wc -l)
	[ "$n" -ge 1 ] && [ "$n" -lt 95 ] || say "$c: $n options (the parser takes at most 94)"
	dup=$("$PF" help --options "$c" | cut -f1 | sort | uniq -d)
	[ -z "$dup" ] || say "$c: option given twice: $dup"
	dup=$("$PF" help --options "$c" | cut -f2 | grep -vx - | sort | uniq -d)
	[ -z "$dup" ] || say "$c: short option given twice: $dup"
	"$PF" help --options "$c" | while IFS='	' read -r long short arg comp; do
		grep -qE -- "(^  |, )$long( |$)" "$T/h1" || echo "FAIL: help $c does not describe $long"
		grep -q -- "$(echo "$long" | sed 's/-/\\\\-/g')" "$T/m" || echo "FAIL: pfnlab-$c(1) does not describe $long"
		grep -q -- " $long[ ']" "$T/pfnlab.bash" || echo "FAIL: the completion of $c lacks $long"
	done > "$T/f"
	[ -s "$T/f" ] && { cat "$T/f"; fail=1; }
done
expect 2 "help: unknown command 'frob'" help frob

# one exit code table: every code pfnlab help lists is a row of docs/cli.md's, and back
codes=$("$PF" help | sed -n 's/^  \([0-9][0-9N+]*\) .*/\1/p' | tr '\n' ' ')
[ "$codes" = "0 1 2 3 4 5 6 128+N " ] || say "pfnlab help's exit codes: $codes (want 0 1 2 3 4 5 6 128+N)"
docs=$(sed -n '/^## Exit codes/,/^## /s/^| \([0-9][0-9N+]*\) |.*/\1/p' "$(dirname "$0")/../../docs/cli.md" | tr '\n' ' ')
[ "$codes" = "$docs" ] || say "docs/cli.md's exit codes ($docs) are not pfnlab help's ($codes)"
"$PF" help sweep | grep -q "6 --out DIR in use" || say "help sweep does not name exit code 6"
"$PF" help run | grep -q "5 an output could not be written" || say "help run does not name exit code 5"

# the options of the output module and of replay --live, parsed as the rest
grep -qF -- "\\-\\-follow\\-symlinks" "$T/pfnlab.1" || say "pfnlab(1) does not describe --follow-symlinks"
"$PF" help map | grep -q -- "--follow-symlinks" || say "help map does not describe --follow-symlinks"
expect 2 "replay: --duration: 'x' is not a number of seconds above 0" replay --live --duration=x
expect 2 "replay: --duration, --html and --cma-dir go with --live" replay t.txt --html=r.html
expect 2 "map: --kinds takes no value" map --kinds=1
"$PF" map --ram=64M --kinds --pfns=0x0-0x4000 --svg="$T/k.svg" && grep -q '<svg' "$T/k.svg" ||
	say "map --ram=64M --kinds --svg=FILE drew no SVG"

# the completion, run as bash runs it
if command -v bash > /dev/null; then
	comp() { # comp WANT WORD... : complete the last word; WANT must be among the replies
		want=$1; shift
		got=$(bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pfnlab; printf "%s\n" "${COMPREPLY[@]}"' \
			x "$T/pfnlab.bash" pfnlab "$@" 2>&1)
		printf '%s\n' "$got" | grep -qx -- "$want" || say "completing '$*': no '$want' in: $(echo $got)"
	}
	comp size-cma size
	comp --policy run --pol
	comp migrate-movable run --policy migrate-m
	comp migrate-movable run --policy=migrate-m
	comp pin-aware machine --pin-policy pin
	comp seed run se
	comp host-month run --show host
	comp json sweep s.sweep --format j
	comp buddyinfo machine --print budd
	comp none,migrate-cma compare --policies none,migrate-c
	comp snapshot help snap
	comp --follow-symlinks run --follow
	comp --kinds map --kin
	comp --live replay --li
	comp --what-if snapshot --what
fi
exit $fail
