#!/bin/sh
# extract.sh DATA OUT - the /proc snapshots of ../shared/data as directories
# of files named as in /proc (carriage returns of serial-console logs removed):
#   ftrace-6.18-before, ftrace-6.18-after   (buddyinfo, pagetypeinfo, zoneinfo, iomem)
#   qemu-debian-6.1                         (buddyinfo, pagetypeinfo)
#   cma-oracle-6.1.192, cma-oracle-6.12.117, cma-oracle-6.12.117-run2 (buddyinfo, pagetypeinfo)
set -eu
D=$1 O=$2
for w in before after; do
	mkdir -p "$O/ftrace-6.18-$w"
	for f in buddyinfo pagetypeinfo zoneinfo; do cp "$D/ftrace-linux-6.18-x86_64/$f.$w" "$O/ftrace-6.18-$w/$f"; done
	cp "$D/ftrace-linux-6.18-x86_64/iomem.ram" "$O/ftrace-6.18-$w/iomem"
done
# sections "=== NAME" of a guest's proc dump
mkdir -p "$O/qemu-debian-6.1"
for f in buddyinfo pagetypeinfo; do
	tr -d '\r' < "$D/qemu-debian-6.1/debian-6.1-guest-proc.txt" |
		awk -v want="=== $f" '/^=== /{on = ($0 == want); next} on' > "$O/qemu-debian-6.1/$f"
done
# sections "---- /proc/NAME ----" of the oracle's console log, up to the next non-/proc line
for log in linux-6.1.192-guest linux-6.12.117-guest linux-6.12.117-guest-run2; do
	n=cma-oracle-${log#linux-}; n=${n%-guest*}${log##*-guest}
	mkdir -p "$O/$n"
	for f in buddyinfo pagetypeinfo; do
		tr -d '\r' < "$D/cma-oracle/$log.log" |
			awk -v want="---- /proc/$f ----" '/^---- /{on = ($0 == want); next} /^(sysfs|RESULT|ORACLE)/{on = 0} on' > "$O/$n/$f"
	done
done
