/*
 * builtin.c - the scenarios pfnlab carries with it: `pfnlab run` with no
 * file runs "seed"; `pfnlab run --list` names them; `pfnlab run --show
 * NAME` prints one so a user can start from it.
 */
#include <string.h>

#include "scenario.h"

static const char seed_text[] =
	"# seed - the 2015 linux-mm report, replayed on a modelled POWER8 KVM host.\n"
	"#\n"
	"# Alexey Kardashevskiy, \"[RFC PATCH kernel vfio] mm: vfio: Move pages out of\n"
	"# CMA before pinning\" (linux-mm, 5 Aug 2015): guest RAM borrows kvm_cma, VFIO\n"
	"# pins that RAM for DMA, and the hash page table (HPT) of the next guest can\n"
	"# no longer be cut out of kvm_cma.  The kernel prints bursts of\n"
	"#     alloc_contig_range: [1f3800, 1f78c4) PFNs busy\n"
	"# whose end moves 4 PFNs (one kvm_cma bitmap bit, 256 KiB) per retry, and the\n"
	"# 2015 HPT code falls back to a 16 MiB table from the buddy allocator.\n"
	"#\n"
	"# The host runs the seed's kernel, v4.2 (era 2015: CMA is used only once the\n"
	"# movable free lists are empty), under every policy, so `pfnlab compare`\n"
	"# shows what the pin policy alone changes.  THP is off (min_free_kbytes is\n"
	"# then 32 MiB), and the guests are sized to fill the host, so their RAM\n"
	"# borrows nearly all of kvm_cma.  Try `hpt_fallback=current` on the kvm line\n"
	"# for today's -ENOMEM instead of the fallback.\n"
	"machine preset=ppc64 ram=64G era=2015 cma_era=2015 thp=off\n"
	"kvm cma_ratio=5 hpt_fallback=2015\n"
	"\n"
	"kernel unmovable=512M reclaimable=256M lifetime=forever\n"
	"echo eight guests boot and touch their RAM in turns; together they fill the host\n"
	"repeat 4 i\n"
	"  guest web$i ram=7936M fault=none\n"
	"  guest db$i ram=7936M fault=none pin_aware=yes  # a device comes later\n"
	"end\n"
	"touch all step=32M\n"
	"advance 1h\n"
	"echo the web guests stop; a VFIO device is hotplugged into each db guest (SPAPR)\n"
	"repeat 4 i\n"
	"  stop web$i\n"
	"end\n"
	"repeat 4 i\n"
	"  hotplug db$i type=spapr\n"
	"end\n"
	"advance 10m\n"
	"echo three bigger guests start: each needs a 128 MiB HPT from kvm_cma\n"
	"repeat 3 i\n"
	"  guest new$i ram=12G fault=3G\n"
	"end\n"
	"print guests\n"
	"\n"
	"expect hpt.requested == 11\n"
	"expect hpt.failed == 0\n"
	"expect pins.longterm_in_cma_peak > 0 policy=none\n"
	"expect contig.busy_messages > 0 policy=none\n"
	"expect hpt.fallback > 0 policy=none\n"
	"expect pins.longterm_in_cma_peak == 0 policy=migrating\n"
	"expect hpt.fallback == 0 policy=migrating\n";

static const char month_text[] =
	"# host-month - a 1 TiB POWER8 KVM host through a month: 200 guests of 4 to\n"
	"# 32 GiB (THP-backed) come and go, arriving every 3.6 h and staying 9 days on\n"
	"# average, so the host runs nearly full; a third of them get a VFIO device an\n"
	"# hour after boot; the kernel's own slab and page cache churn underneath.\n"
	"# Compare the policies to see when HPTs meet pinned pages in kvm_cma.\n"
	"# `pfnlab bench` times this run (host_month_s, target 1.5 s).\n"
	"machine preset=ppc64 ram=1T era=2015 cma_era=2015\n"
	"kvm cma_ratio=5 hpt_fallback=2015\n"
	"seed 2015\n"
	"\n"
	"kernel unmovable=1% reclaimable=1% pagecache=1% lifetime=exp:3d\n"
	"guests count=200 name=vm every=exp:3.6h ram=choice:4G,8G,16G,32G lifetime=exp:9d vfio=33% vfio_type=spapr vfio_after=exp:1h thp=on\n"
	"echo a month begins: guests arrive every 3.6 hours on average and stay about 9 days\n"
	"advance 30d\n"
	"echo the month is over\n"
	"expect guests.started >= 150\n";

static const struct scn_builtin builtins[] = {
	{"seed", "the 2015 linux-mm report: VFIO pins in kvm_cma make POWER8 KVM HPT allocations fail", seed_text},
	{"host-month", "a 1 TiB POWER8 host through 200 guest lifecycles with VFIO in 30 days", month_text},
	{NULL, NULL, NULL},
};

const struct scn_builtin *scn_builtins(void)
{
	return builtins;
}

const struct scn_builtin *scn_builtin(const char *name)
{
	for (const struct scn_builtin *b = builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}
