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
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$need" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
	echo "deps: please install:$need" >&2
	exit 1
fi
