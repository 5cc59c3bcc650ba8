#!/bin/sh
# Bad scenarios and bad `pfnlab run`/`compare` options: one line on stderr,
# "pfnlab: FILE:LINE: message" for scenario errors, the documented exit code
# (2 bad input, 3 too large for this host), nothing on stdout.
set -u
. "$(dirname "$0")/lib.sh"
# scn EXIT PATTERN LINE... : write the lines to a scenario, run it, check
scn() {
	want=$1 pat=$2; shift 2
	printf '%s\n' "$@" > "$T/s.scn"
	out=$("$PF" run "$T/s.scn" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if [ "$rc" != "$want" ] || ! printf '%s' "$err" | grep -q -- "$pat" || [ -n "$out" ] ||
	   [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
		echo "FAIL: scenario [$*] -> exit $rc (want $want), stderr '$err' (want /$pat/), stdout '$out'"
		fail=1
	fi
}
M='machine preset=x86_64 ram=2G'
G='guest vm1 ram=64M fault=all hpt=off'

# the language itself
scn 2 "s.scn:1: unknown verb 'frobnicate'" 'frobnicate now'
scn 2 "s.scn:2: guest: unknown key 'colour'" "$M" 'guest vm1 ram=1G colour=red'
scn 2 "s.scn:2: guest ram: '12X' is not a size" "$M" 'guest vm1 ram=12X'
scn 2 "s.scn:1: machine ram: size '99999999999999999999G' is too large" 'machine ram=99999999999999999999G'
scn 2 "s.scn:2: guest: key 'ram' given twice" "$M" 'guest vm1 ram=1G ram=2G'
scn 2 "s.scn:2: guest: key 'ram' has no value" "$M" 'guest vm1 ram='
scn 2 "s.scn:2: guest: missing argument" "$M" 'guest ram=1G'
scn 2 "s.scn:2: guest: 'vm1' after key=value pairs" "$M" 'guest ram=1G vm1'
scn 2 "s.scn:2: guest vfio: 'pci' is not one of none|type1|spapr" "$M" 'guest vm1 ram=1G vfio=pci'
scn 2 "s.scn:2: guests every: 'soon' is not a time" "$M" 'guests count=2 ram=1G every=exp:soon'
scn 2 "s.scn:2: guests ram: 'uniform:4G..1G': the upper bound" "$M" 'guests count=2 ram=uniform:4G..1G'
scn 2 "s.scn:2: advance: '5 parsecs'\|advance: too many" "$M" 'advance 5 parsecs'
scn 2 "s.scn:2: '5parsecs' is not a time" "$M" 'advance 5parsecs'
scn 2 "s.scn:3: advance: model time would pass its end (2^63 ns, about 292 years)" "$M" 'advance 10000w' 'advance 10000w'
scn 2 "s.scn:3: cma: setup lines (machine, cma, kvm, policy, seed) must come before the first action" "$M" "$G" 'cma size=64M'
scn 2 "s.scn:2: machine: must come before cma and kvm lines" 'cma size=64M' "$M"
scn 2 "s.scn:1: machine ram: '-2G' is not a size" 'machine ram=-2G'
scn 2 "s.scn:1: machine ram: must not be zero" 'machine ram=0'
scn 2 "s.scn:2: guest vm1: ram 0 bytes\|guest ram: must not be zero" "$M" 'guest vm1 ram=0'
scn 2 "s.scn:1: policy: unknown policy 'sometimes'" 'policy sometimes'
scn 2 "s.scn:2: repeat without end" "$M" 'repeat 3 i' "$G"
scn 2 "s.scn:2: end without repeat" "$M" 'end'
scn 2 "s.scn:3: unknown variable '\$j'" "$M" 'repeat 2 i' 'guest vm$j ram=64M hpt=off' 'end'
scn 2 "s.scn:2: repeat: 'many' is not a count" "$M" 'repeat many' 'end'
scn 2 "s.scn:2: expect: unknown counter 'hpt.fine'" "$M" 'expect hpt.fine == 0'
scn 2 "s.scn:2: expect: '=<' is not ==" "$M" 'expect hpt.ok =< 0'
scn 2 "s.scn:2: expect: 'lots' is not a number" "$M" 'expect hpt.ok > lots'
scn 2 "s.scn:2: expect: unknown key 'when'" "$M" 'expect hpt.ok == 0 when=now'
scn 2 "s.scn:2: want: 'EWHATEVER' is not ok or an errno name\|guest want: 'EWHATEVER'" "$M" 'guest vm1 ram=64M want=EWHATEVER'
scn 2 "s.scn:1: control character" "$(printf 'machine\001')"
# impossible machines and sizes
scn 2 "s.scn:1: machine: RAM .* smaller than one largest block" 'machine preset=ppc64 ram=1M'
scn 3 "s.scn:1: machine: the model needs .* MiB of host memory" 'machine ram=4P'
scn 2 "s.scn:2: guest vm1: ram 1000 bytes is not a positive multiple of the page size" "$M" 'guest vm1 ram=1000'
scn 2 "s.scn:2: cma: size must be at least one page" "$M" 'cma size=1K'
scn 2 "s.scn:2: kvm cma_ratio: 0..100" "$M" 'kvm cma_ratio=101'
scn 2 "s.scn:1: machine: hugepagesz=3145728: unsupported huge page size" 'machine hugepagesz=3M hugepages=2' 'echo x'
scn 2 "s.scn:1: machine: hugetlb_cma: no such option in the 2015 kernel" 'machine era=2015 hugetlb_cma=1G' 'echo x'
# references to things that do not exist
scn 2 "s.scn:2: stop: no running guest called 'vm9'" "$M" 'stop vm9'
scn 2 "s.scn:3: guest: a guest called 'vm1' is running already" "$M" "$G" "$G"
scn 2 "s.scn:2: expect guest.vm7.pinned: no running guest called 'vm7'" "$M" 'expect guest.vm7.pinned == 0'
scn 2 "s.scn:2: expect: no CMA area called 'nope'" "$M" 'expect cma.nope.used == 0'
scn 2 "s.scn:2: expect: unknown vmstat counter 'nr_frobs'" "$M" 'expect vmstat.nr_frobs == 0'
scn 2 "s.scn:2: unpin: no pin labelled 'x'" "$M" 'unpin x'
scn 2 "s.scn:2: free: no allocation labelled 'x'" "$M" 'free x'
scn 2 "s.scn:2: cma_alloc: no CMA area called 'nope'" "$M" 'cma_alloc area=nope pages=1'
scn 2 "s.scn:3: print: unknown view 'slabinfo'" "$M" "$G" 'print slabinfo'
# VFIO misuse (the kernel's -EINVAL, -EEXIST, -ENOSPC, -ENOENT) without want=
scn 2 "s.scn:3: vfio_map vm1: iova 0x1001, .* must be non-zero multiples of the IOMMU page size 4 KiB: EINVAL" "$M" "$G" 'vfio_map vm1 iova=0x1001 size=4K'
scn 2 "s.scn:4: vfio_map vm1: \[0x0, 0x1000) overlaps the mapping at iova 0x0: EEXIST" "$M" "$G" 'vfio_map vm1 iova=0 size=1M' 'vfio_map vm1 iova=0 size=4K'
scn 2 "s.scn:4: vfio_unmap vm1: iova 0x1000 bisects the mapping \[0x0, 0x100000): EINVAL" "$M" "$G" 'vfio_map vm1 iova=0 size=1M' 'vfio_unmap vm1 iova=0x1000 size=4K'
scn 2 "s.scn:3: vfio_map vm1: iova range \[0xfee00000, 0xfee01000) is outside the IOMMU aperture or reserved: EINVAL" "$M" "$G" 'vfio_map vm1 iova=0xfee00000 size=4K vaddr=0x40000000'
scn 2 "s.scn:3: vfio_map vm1: pinning 4 KiB of guest RAM failed: EFAULT" "$M" "$G" 'vfio_map vm1 iova=0 size=4K vaddr=0x90000000'
scn 2 "s.scn:5: vfio_map vm1: the container already holds dma_entry_limit (2) mappings: ENOSPC" \
	'machine ram=2G vfio_dma_entry_limit=2' "$G" 'vfio_map vm1 iova=0 size=4K' 'vfio_map vm1 iova=1M size=4K' 'vfio_map vm1 iova=2M size=4K'
scn 2 "s.scn:4: spapr_register vm1: \[0x40000000, 0x40100000) is registered already: EBUSY" "$M" "$G" 'spapr_register vm1 size=1M' 'spapr_register vm1 size=1M'
scn 2 "s.scn:3: spapr_unregister vm1: \[0x40000000, 0x40100000) is not registered: ENOENT" "$M" "$G" 'spapr_unregister vm1 size=1M'
scn 2 "s.scn:3: unplug vm1: guest vm1 has no VFIO device: ENOENT" "$M" "$G" 'unplug vm1'
scn 2 "s.scn:4: hotplug vm1: guest vm1 has a VFIO device already: EEXIST" "$M" "$G" 'hotplug vm1' 'hotplug vm1'
scn 2 "s.scn:3: pin vm1: \[offset, offset+size) must be" "$M" "$G" 'pin vm1 offset=60M size=8M'
# expectations that fail: exit 1, the report on stdout, each failure on stderr
printf '%s\n' "$M" "$G" 'expect guests.running == 2' 'vfio_map vm1 iova=0 size=4K want=EEXIST' > "$T/s.scn"
out=$("$PF" run "$T/s.scn" 2>"$T/err"); rc=$?
[ $rc = 1 ] || { echo "FAIL: failed expect: exit $rc, want 1"; fail=1; }
grep -q "s.scn:3: expect guests.running == 2: found 1 (policy none)" "$T/err" || { echo "FAIL: expect message: $(cat "$T/err")"; fail=1; }
grep -q "s.scn:4: vfio_map: wanted EEXIST, got ok (policy none)" "$T/err" || { echo "FAIL: want message: $(cat "$T/err")"; fail=1; }
printf '%s\n' "$out" | grep -q "expect      0 passed, 2 failed" || { echo "FAIL: report lacks the expect line"; fail=1; }
# runaway runs are bounded: exit 3, the line, the bound
printf '%s\n' "$M" 'repeat 100000000 i' 'repeat 100000000 j' 'echo x' 'end' 'end' > "$T/loop.scn"
expect 3 "pfnlab: $T/loop.scn:4: stopped after 1000 steps (statements, repeat passes, generated events, expired background batches)" \
	run "$T/loop.scn" --max-steps 1000
printf '%s\n' "$M" 'kernel unmovable=10% lifetime=1ms' 'advance 3650d' > "$T/churn.scn"
expect 3 "pfnlab: $T/churn.scn:3: stopped after 5000 steps" run "$T/churn.scn" --max-steps 5000 --no-progress
expect 3 "pfnlab: $T/loop.scn:4: stopped after 1000 steps" compare "$T/loop.scn" --max-steps 1000 --no-progress
expect 2 "run: --max-steps: invalid value '0'" run --max-steps 0
# files and options
expect 2 "pfnlab: $T/none.scn: No such file or directory" run "$T/none.scn"
expect 2 "pfnlab: $T: Is a directory" run "$T"
: > "$T/empty.scn"
expect 2 "pfnlab: $T/empty.scn:1: empty scenario: no statements" run "$T/empty.scn"
printf '# only a comment\n\n   \n' > "$T/comments.scn"
expect 2 "pfnlab: $T/comments.scn:3: empty scenario: no statements" run "$T/comments.scn"
awk 'BEGIN { printf "machine ram=2G"; for (i = 0; i < 5000; i++) printf " "; print "" }' > "$T/long.scn"
expect 2 "pfnlab: $T/long.scn:1: line longer than 4095 characters" run "$T/long.scn"
# memory backends and files
scn 2 "s.scn:2: guest vm1: thp=on needs backend=anon" "$M" 'guest vm1 ram=64M hpt=off backend=memfd thp=on'
scn 2 "s.scn:2: guest vm1: vhost_user needs backend=memfd" "$M" 'guest vm1 ram=64M hpt=off vhost_user=yes'
scn 2 "s.scn:2: guest vm1: vhost_fault= needs vhost_user=yes" "$M" 'guest vm1 ram=64M hpt=off backend=memfd vhost_fault=1M'
scn 2 "s.scn:2: guest backend: 'disk' is not" "$M" 'guest vm1 ram=64M backend=disk'
scn 2 "s.scn:2: guest backend: 'hugetlb' is not one of anon|memfd|hugetlbfs" "$M" 'guest vm1 ram=64M backend=hugetlb'
scn 2 "s.scn:2: guests backend: 'hugepages' is not one of anon|memfd|hugetlbfs" "$M" 'guests count=1 ram=64M backend=hugepages'
scn 2 "s.scn:2: guest vm1: thp=on needs backend=anon (a memfd or hugetlbfs file" "$M" 'guest vm1 ram=64M hpt=off backend=hugetlbfs thp=on'
scn 2 "s.scn:2: guest vm1: backend=hugetlbfs: memory size 0x100000 must be equal to or larger than page size 0x200000" "$M" 'guest vm1 ram=1M hpt=off backend=hugetlbfs'
scn 2 "s.scn:2: guest vm1: backend=hugetlbfs: memory size 0x200000 must be equal to or larger than page size 0x40000000" 'machine preset=x86_64 ram=4G default_hugepagesz=1G' 'guest vm1 ram=2M hpt=off backend=hugetlbfs'
scn 2 "s.scn:2: sysctl: 'lots' is not a number" "$M" 'sysctl vm.nr_hugepages=lots'
scn 2 "s.scn:2: sysctl: 'nr_hugepages=4' is not vm.NAME=VALUE" "$M" 'sysctl nr_hugepages=4'
scn 2 "s.scn:2: sysctl: vm.nr_overcommit_hugepages: the default huge page size is gigantic" 'machine preset=x86_64 ram=4G default_hugepagesz=1G' 'sysctl vm.nr_overcommit_hugepages=4'
scn 2 "s.scn:2: guests: vhost_user needs backend=memfd" "$M" 'guests count=1 ram=64M vhost_user=yes'
scn 2 "s.scn:2: files: read= is required" "$M" 'files log dirty=10%'
scn 2 "s.scn:3: files log: a file called 'log' exists already" "$M" 'files log read=1M' 'files log read=1M'
scn 2 "s.scn:2: files fs: 'ntfs' is not" "$M" 'files log read=1M fs=ntfs'
scn 2 "s.scn:2: mount: size= is required" "$M" 'mount vda fs=ext2'
scn 2 "s.scn:2: mount vda: size= must be 64 KiB to 16 TiB" "$M" 'mount vda size=32K'
scn 2 "s.scn:2: mount fs: 'vfat' is not one of ext2|ext4" "$M" 'mount vda size=1G fs=vfat'
scn 2 "s.scn:3: mount log: a file called 'log' exists already" "$M" 'files log read=1M' 'mount log size=1G'
scn 2 "s.scn:4: umount vda: nothing is mounted on a device called 'vda'" "$M" 'mount vda size=1G' 'umount vda' 'umount vda'
scn 2 "s.scn:3: umount log: nothing is mounted on a device called 'log'" "$M" 'files log read=1M' 'umount log'
scn 2 "s.scn:2: sync: no file called 'log'" "$M" 'sync log'
scn 2 "s.scn:2: expect file.log.cached: no file called 'log'" "$M" 'expect file.log.cached == 0'
scn 2 "s.scn:2: expect: unknown counter 'file.log.colour'" "$M" 'expect file.log.colour == 0'
printf 'machine ram=2G\nguest vm1 ram=64M hpt=of' > "$T/cut.scn"
expect 2 "pfnlab: $T/cut.scn:2: guest hpt: 'of' is not auto, off or an HPT order" run "$T/cut.scn"
# CRLF line ends: the same run as LF
printf '%s\n' "$M" "$G" 'advance 1s' > "$T/lf.scn"
sed 's/$/\r/' "$T/lf.scn" > "$T/crlf.scn"
lf=$("$PF" run "$T/lf.scn" --format json | jq -c 'del(.scenario)') || { echo "FAIL: LF scenario"; fail=1; }
crlf=$("$PF" run "$T/crlf.scn" --format json | jq -c 'del(.scenario)') || { echo "FAIL: CRLF scenario"; fail=1; }
[ -n "$lf" ] && [ "$lf" = "$crlf" ] || { echo "FAIL: a CRLF scenario runs differently"; fail=1; }
printf 'machine\0' > "$T/bin.scn"
expect 2 "pfnlab: $T/bin.scn: not a text file" run "$T/bin.scn"
expect 2 "run: --policy: unknown policy 'often'" run --policy often
expect 2 "run: --format is text or json, not 'xml'" run --format xml
expect 2 "run: --seed: invalid value 'x'" run --seed x
expect 2 "run: --show: no built-in scenario 'nope'" run --show nope
expect 2 "run: --trace-all needs --trace FILE" run --trace-all
expect 2 "pfnlab: --trace $T/no/such/dir: No such file or directory" run --trace "$T/no/such/dir"
expect 2 "run: unknown option '--frob'" run --frob
expect 2 "run: one scenario at a time" run a.scn b.scn
expect 2 "compare: --policies: unknown policy 'most'" compare --policies none,most
expect 2 "compare: --policies: 'none' given twice" compare --policies none,none
expect 2 "compare: unknown option '--frob'" compare --frob

# two generators without name= never make the same name (some seeds failed: "generated name 'vm3' is taken"),
# and a guest line's name is passed over; `print guests` before any guest (UBSan: memcpy from NULL)
printf '%s\n' "$M" 'print guests' 'guest vm2 ram=64M hpt=off' 'guests count=6 ram=64M every=exp:10m lifetime=exp:20m hpt=off' \
	'guests count=6 ram=64M every=exp:10m lifetime=exp:20m hpt=off' 'advance 4h' 'expect guests.failed == 0' >"$T/g.scn"
for seed in 1 2 3 4 5 6 7 8; do
	"$PF" run "$T/g.scn" --seed $seed --no-progress >"$T/out" 2>"$T/err" || say "two unnamed generators, seed $seed: exit $?, $(cat "$T/err")"
done
grep -q '^ *guest  *ram  *touched' "$T/out" || say "print guests with no guests: $(head -5 "$T/out")"
exit $fail
