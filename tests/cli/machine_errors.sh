#!/bin/sh
# Bad machine options: one line on stderr naming the problem, exit 2 (3 when
# the host is too small), nothing on stdout.
set -u
. "$(dirname "$0")/lib.sh"
expect 2 "invalid value 'banana'" machine --ram banana
expect 2 "invalid value '0'" machine --ram 0
expect 2 "invalid value '99999999999999999999G'" machine --ram 99999999999999999999G
expect 2 "smaller than one largest block" machine --ram 1M
expect 2 "pageblock order 11 is above the largest order 10" machine --pageblock-order 11
expect 2 "x86_64 or ppc64" machine --preset sparc
expect 2 "needs a value" machine --ram
expect 2 "unknown view 'slabinfo'" machine --print slabinfo
expect 2 "unknown option '--frobnicate'" machine --frobnicate
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "2015 or current" machine --era 2016
expect 2 "2015 or 5.7" machine --cma-era 5.8
expect 2 "6.1 or 6.12" machine --kernel 6.2
expect 2 "not free RAM" machine --cma 64M@3G
expect 2 "could not be activated" machine --cma 16M@8M --ram 2G
expect 2 "CMA area reserved: region at 0x40100000 must be aligned to 0x200000 bytes" machine --cma 64M@1025M
expect 2 "CMA area reserved: size 0x4000000 of region at 0x40000000 exceeds limit 0x43e00000" machine --cma 63M@1G
expect 2 "with END above BASE" machine --cma 64M@2G-1G
expect 2 "with END above BASE" machine --cma 64M@0
expect 2 "CMA area reserved: size 0x4000000 of region at 0 exceeds limit 0x2000000" machine --cma 64M@0-32M
expect 2 "CMA area reserved: no room for 1024 MiB below 0x40000000" machine --ram 2G --cma 1G@0-1G
expect 2 "machine: CMA areas 0 and 1 are both called 'a'" machine --cma 64M:a --cma 64M:a
expect 2 "machine: CMA areas 0 and 1 are both called 'reserved'" machine --cma 64M --cma 64M:reserved
expect 2 "movablecore or kernelcore" machine --movablecore 1G --kernelcore 1G
expect 3 "needs .* MiB of host memory" machine --ram 4P
exit $fail
