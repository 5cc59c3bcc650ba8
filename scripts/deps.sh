#!/bin/sh
# deps.sh - install what a fresh Debian 12 machine lacks to build and test
# pfnlab (as root, with apt-get); prints what is missing otherwise.
set -e
need=""
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v make >/dev/null 2>&1 || need="$need make"
command -v jq >/dev/null 2>&1 || need="$need jq"
command -v xz >/dev/null 2>&1 || need="$need xz-utils"
[ -f /usr/include/png.h ] || need="$need libpng-dev"
# trace replay and snapshots (issue 6): compressed traces, trace-cmd .dat files
[ -f /usr/include/lzma.h ] || need="$need liblzma-dev"
[ -f /usr/include/zstd.h ] || need="$need libzstd-dev"
[ -f /usr/include/zlib.h ] || need="$need zlib1g-dev"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
# libtracecmd-dev's header needs libtracefs-dev and libtraceevent-dev, which it does not depend on
[ -f /usr/include/trace-cmd/trace-cmd.h ] || need="$need libtracecmd-dev"
[ -f /usr/include/tracefs/tracefs.h ] || need="$need libtracefs-dev"
[ -f /usr/include/traceevent/event-parse.h ] || need="$need libtraceevent-dev"
# the replay test counts the .dat capture independently with `trace-cmd report`
command -v trace-cmd >/dev/null 2>&1 || need="$need trace-cmd"
# the sweep engine test runs the MPI engine under Open MPI's mpirun
command -v mpirun >/dev/null 2>&1 || need="$need openmpi-bin"
# the HTML report test renders the page in headless Chromium
command -v chromium >/dev/null 2>&1 || need="$need chromium"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$need" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
	echo "deps: please install:$need" >&2
	exit 1
fi
