#!/bin/sh
# Page kinds in run reports: with memfd guests, files or mounts, the last failed
# contiguous allocation's busy folios by kind and reason in the text
# summary, the JSON ("culprits") and the HTML page; without them (the seed)
# none of it.  Maps with --kinds: page cache drawn as file pages, shmem as
# shmem, and without --kinds as before.
set -u
. "$(dirname "$0")/lib.sh"
D=$(dirname "$0")/../../examples

out=$("$PF" run "$D/memfd-vfio.scn" --policy none --html "$T/r.html") || say "memfd-vfio under none: exit $?"
printf '%s\n' "$out" | grep -Eq '^  culprits    the last failed contiguous allocation \[0x[0-9a-f]+, 0x[0-9a-f]+\), EBUSY: [1-9][0-9]* busy folios: shmem [1-9][0-9]*; extra-ref [1-9]' ||
	say "text: no culprits line by kind and reason: $(printf '%s\n' "$out" | grep culprits)"
j=$("$PF" run "$D/memfd-vfio.scn" --policy none --format json) || say "json: exit $?"
[ "$(printf '%s' "$j" | jq '.culprits.kinds.shmem == .culprits.folios and .culprits.error == "EBUSY" and
    ([.culprits.reasons[]] | add) == .culprits.folios')" = true ] || say "json culprits: $(printf '%s' "$j" | jq -c .culprits)"
grep -q '<td>kind shmem</td><td>[1-9]' "$T/r.html" || say "html: no culprits table"
out=$("$PF" run "$D/memfd-vfio.scn" --policy migrate-movable) || say "memfd-vfio under migrate-movable: exit $?"
printf '%s\n' "$out" | grep -q '^  culprits' && say "a culprits line without a failed contiguous allocation"
# a mounted ext2 device's held metadata alone: its two pages, reason "buffers"
printf '%s\n' 'machine preset=x86_64 ram=1G kernel=6.1' 'cma name=reserved size=640M' 'mount vda size=571M fs=ext2' \
	'cma_alloc area=reserved size=640M want=EBUSY' >"$T/m.scn"
j=$("$PF" run "$T/m.scn" --format json) || say "mount: exit $?"
[ "$(printf '%s' "$j" | jq -c '[.culprits.folios, .culprits.kinds.file, .culprits.reasons.buffers]')" = "[2,2,2]" ] ||
	say "mount: json culprits: $(printf '%s' "$j" | jq -c .culprits)"
"$PF" run --format json | jq -e 'has("culprits")' >/dev/null && say "the seed's JSON gained culprits"
"$PF" run | grep -q '^  culprits' && say "the seed's text gained a culprits line"

# maps by kind: after the file reads of pagecache-cma.scn (line 32), kvm_cma holds file pages
"$PF" map --scenario "$D/pagecache-cma.scn" --at-line 32 --kinds --svg "$T/k.svg" || say "map --kinds: exit $?"
grep -q 'CMA area kvm_cma, 256/256 pages used, 0 long-term pinned, file 256</title>' "$T/k.svg" || say "svg --kinds: no cell of file pages in kvm_cma"
grep -q '>file</text>' "$T/k.svg" && grep -q '>shmem</text>' "$T/k.svg" || say "svg --kinds: no legend of kinds"
"$PF" map --scenario "$D/pagecache-cma.scn" --at-line 32 --svg "$T/n.svg" || say "map: exit $?"
grep -q 'pinned, file 256' "$T/n.svg" && say "svg without --kinds counts kinds"
"$PF" map --scenario "$D/memfd-vfio.scn" --at-line 18 --kinds --png "$T/k.png" &&
	"$PF" map --scenario "$D/memfd-vfio.scn" --at-line 18 --png "$T/n.png" || say "map --png: exit $?"
cmp -s "$T/k.png" "$T/n.png" && say "png --kinds drew the same picture"
"$PF" map --scenario "$D/memfd-vfio.scn" --at-line 18 --kinds --ansi | grep -q 'shmem' || say "ansi --kinds: no legend"
exit $fail
