#!/bin/sh
# help2man.sh PFNLAB - a minimal pfnlab(1) on standard output, made from
# `pfnlab help` and each command's help text.  A stopgap: when pfnlab(1)
# and pfnlab-CMD(1) are generated from the CLI's option tables (issue 18,
# item 2), the Makefile's MAN1 names those pages instead and this goes.
set -e
PF=$1
ver=$("$PF" --version | sed 's/^pfnlab //')
# roff: backslashes as \e, minus signs as \-, a leading . or ' made literal
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
cmds=$("$PF" help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx help)
printf '%s\n' ".TH PFNLAB 1 \"\" \"pfnlab $ver\" \"User Commands\"" \
	'.SH NAME' \
	'pfnlab \- a model of Linux physical memory: buddy allocator, CMA, long-term pinning' \
	'.SH SYNOPSIS' \
	'.B pfnlab' \
	'.I command' \
	'[\fIoptions\fR]' \
	'.SH DESCRIPTION' '.nf'
"$PF" help | roff
echo '.fi'
echo '.SH COMMANDS'
for c in $cmds; do
	printf '.SS %s\n.nf\n' "$c"
	"$PF" help "$c" | roff
	echo '.fi'
done
printf '%s\n' '.SH SEE ALSO' '.BR pfnlab-scenario (5),' '.BR libpfnlab (3)'
